//! The charts section: every chart the report has data for as inline SVG with its caption, and
//! a note saying why for each one it has not.

use std::fmt::Write;

use super::markup::{code_spans, escape};
use crate::analysis::report::Report;
use crate::output::plot::{self, ChartKind, PlotError};

/// The SVG as an element of the page: no XML namespace declaration (the HTML parser puts
/// `<svg>` in the SVG namespace itself), labelled for screen readers.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = svg.trim_start_matches(|c: char| c != '<').replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        "",
        1,
    );
    let body = if body.starts_with("<?xml") {
        body.split_once("?>")
            .map_or(body.clone(), |(_, rest)| rest.trim_start().to_string())
    } else {
        body
    };
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
        1,
    )
}

/// The charts, in [`ChartKind::ALL`] order.
pub(super) fn charts(h: &mut String, report: &Report) -> Result<(), PlotError> {
    let _ = writeln!(h, "<h2>Charts</h2>");
    if report.budget_usd_per_month.is_none() && report.audit.is_none() {
        let _ = writeln!(
            h,
            "<p class=\"note\">No monthly budget: run with <code>--budget USD</code> to draw it on \
             the cost charts and get the probability of exceeding it.</p>"
        );
    }
    for kind in ChartKind::ALL {
        match kind.available(report) {
            Ok(()) => {
                let svg = plot::svg(report, kind)?;
                let _ = writeln!(
                    h,
                    "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    kind.file_stem(),
                    inline_svg(&svg, kind.title()),
                    escape(kind.describe())
                );
            }
            Err(why) => {
                // A missing scale curve or comparison is worth saying; an audit has no
                // strategies to compare, which needs no note.
                if kind == ChartKind::Strategies && report.audit.is_some() {
                    continue;
                }
                let _ = writeln!(
                    h,
                    "<p class=\"note\" id=\"{}\"><strong>{}:</strong> {}</p>",
                    kind.file_stem(),
                    escape(kind.title()),
                    code_spans(&escape(why))
                );
            }
        }
    }
    Ok(())
}
