//! The page skeleton: the head with its security policy and inline style, the heading and lede,
//! the sections in order, and the footer.

use std::fmt::Write;

use super::assumptions::assumptions;
use super::audit::audit;
use super::charts::charts;
use super::costs::{breakdowns, monthly, summary};
use super::economics::unit_economics;
use super::markup::escape;
use crate::analysis::report::Report;
use crate::output::plot::PlotError;

/// The page loads nothing: a browser blocks (and reports in its console) any script, image,
/// font or stylesheet that is not inline. `tests/it/plot.rs` opens the page in headless
/// Chromium and fails on any console message.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The page's only stylesheet, inline.
const STYLE: &str = "
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #212121;
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h1 small { font-weight: normal; color: #666; font-size: 18px; }
h2 { font-size: 21px; margin: 36px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 24px 0 6px; }
.lede { color: #444; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: right; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td { white-space: nowrap; }
td.text { white-space: normal; }
.text { text-align: left; }
.chip { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
  vertical-align: -1px; }
figure { margin: 16px 0 28px; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #e6e6e6; }
figcaption { color: #555; margin-top: 6px; }
.note { background: #f3f6fb; border-left: 4px solid #6b8fc7; padding: 8px 12px; margin: 10px 0; }
.warn { background: #fff7e6; border-left: 4px solid #e69f00; padding: 8px 12px; margin: 10px 0; }
code, pre { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f7f7f7; border: 1px solid #e4e4e4; padding: 10px; overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dt { color: #555; }
dd { margin: 0; word-break: break-all; }
footer { color: #777; margin-top: 40px; font-size: 13px; }
";

/// The page. `scenario_source` is the scenario file's text, shown under "Assumptions" when
/// given (the caller checks it is the file the report was made from).
pub fn render(report: &Report, scenario_source: Option<&str>) -> Result<String, PlotError> {
    let mut h = String::new();
    let name = escape(&report.scenario.name);
    head(&mut h, report, &name);
    heading(&mut h, report, &name);
    if let Some(line) = crate::output::format::recommendation_line(report) {
        let _ = writeln!(
            h,
            "<p class=\"note\"><strong>Recommendation:</strong>{}</p>",
            escape(line.trim_start_matches("Recommendation:"))
        );
    }
    summary(&mut h, report);
    charts(&mut h, report)?;
    monthly(&mut h, report);
    breakdowns(&mut h, report);
    unit_economics(&mut h, report);
    audit(&mut h, report);
    assumptions(&mut h, report, scenario_source);
    footer(&mut h, report);
    Ok(h)
}

/// From the doctype to the opening of `<main>`: the security policy, the title and the style.
fn head(h: &mut String, report: &Report, name: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <title>{name}: tokencast {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        if report.audit.is_some() {
            "audit"
        } else {
            "forecast"
        }
    );
}

/// The heading, the lede (what was simulated or recorded, with which prices and tool) and the
/// report's warnings.
fn heading(h: &mut String, report: &Report, name: &str) {
    let _ = writeln!(
        h,
        "<h1>{name} <small>{}</small></h1>",
        if report.audit.is_some() {
            "audit of recorded usage"
        } else {
            "cost forecast"
        }
    );
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} over {}, {} run{}, seed {}. Prices: {} (effective {}). \
         Made by {} {}.</p>",
        if report.audit.is_some() {
            "Recorded usage"
        } else {
            "Simulated traffic"
        },
        crate::output::format::horizon(report),
        report.runs,
        if report.runs == 1 { "" } else { "s" },
        report.seed,
        escape(&report.prices.source),
        escape(&report.prices.effective_date),
        escape(&report.tool.name),
        escape(&report.tool.version),
    );
    for w in &report.warnings {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", escape(w));
    }
}

/// The footer, then the closing tags.
fn footer(h: &mut String, report: &Report) {
    let _ = writeln!(
        h,
        "<footer>Generated by {} {} from report schema version {}. This page is self-contained: \
         no scripts, fonts or network requests.</footer>\n</main>\n</body>\n</html>",
        escape(&report.tool.name),
        escape(&report.tool.version),
        report.schema_version
    );
}
