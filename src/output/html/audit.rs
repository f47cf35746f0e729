//! The audit section of a page made from recorded usage: what was read, the findings with the
//! lever to try, and endpoints by cost.

use std::fmt::Write;

use super::markup::escape;
use crate::analysis::report::Report;
use crate::output::format::{count, length, pct, usd};

/// The audit section, when the report is an audit.
pub(super) fn audit(h: &mut String, report: &Report) {
    let Some(a) = &report.audit else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>Audit</h2>\n<p>{} rows read ({} format), {} skipped; {} users. Median prompt {} \
         tokens, median output {} tokens. {} of the cost is prompt-side, {} output-side.</p>",
        count(a.rows as f64),
        escape(&a.format),
        count(a.skipped_rows as f64),
        count(a.users as f64),
        length(a.median_input_tokens),
        length(a.median_output_tokens),
        pct(a.input_cost_share),
        pct(a.output_cost_share)
    );
    if !a.findings.is_empty() {
        let _ = writeln!(
            h,
            "<table>\n<tr><th>finding</th><th>lever</th><th>what to try</th></tr>"
        );
        for f in &a.findings {
            let _ = writeln!(
                h,
                "<tr><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td><td class=\"text\">{}</td></tr>",
                escape(&f.observation),
                escape(&f.lever),
                escape(&f.suggestion)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if !a.endpoints_pareto.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Endpoints by cost</h3>\n<table>\n<tr><th>endpoint</th><th>cost</th><th>share</th><th>cumulative</th><th>requests</th></tr>"
        );
        for r in &a.endpoints_pareto {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.name),
                usd(r.cost_usd),
                pct(r.share),
                pct(r.cumulative_share),
                count(r.requests as f64)
            );
        }
        let _ = writeln!(h, "</table>");
    }
}
