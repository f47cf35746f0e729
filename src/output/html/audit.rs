//! The audit section of a page made from recorded usage: what was read (and left out), the
//! findings with the lever to try, endpoints and users by cost, recorded costs against the
//! provider's prices, and the `--by` breakdowns: what the markdown report shows.

use std::fmt::Write;

use super::markup::{escape, table};
use crate::analysis::report::Report;
use crate::output::format::{Align, count, length, pct, usd};
use crate::output::table::{
    breakdown_table, pareto_table, recorded_cost_notes, recorded_cost_table, signed_usd,
};

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
    if !a.ignored.is_empty() {
        let items: Vec<String> = a
            .ignored
            .iter()
            .map(|i| format!("{} {}", count(i.count as f64), escape(&i.reason)))
            .collect();
        let _ = writeln!(h, "<p>Left out, without usage: {}.</p>", items.join("; "));
    }
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
    if !a.top_users.is_empty() {
        let _ = writeln!(h, "<h3>Users by cost (the 20 costliest)</h3>");
        h.push_str(&table(&pareto_table("user", &a.top_users)));
    }
    if let Some(rc) = &a.recorded_cost {
        let _ = writeln!(h, "<h3>Recorded cost against the provider's price</h3>");
        let _ = writeln!(
            h,
            "<p>{}</p>",
            escape(&match &rc.cost_report {
                Some(report) => format!(
                    "Cost report {report}: recorded {}, provider's price of the usage {}, \
                     difference {}.",
                    usd(rc.recorded_usd),
                    usd(rc.priced_usd),
                    signed_usd(rc.difference_usd)
                ),
                None => format!(
                    "{} rows record a cost ({} do not): recorded {}, provider's price {}, \
                     difference {}.",
                    count(rc.rows as f64),
                    count(rc.rows_without_cost as f64),
                    usd(rc.recorded_usd),
                    usd(rc.priced_usd),
                    signed_usd(rc.difference_usd)
                ),
            })
        );
        let mut t = recorded_cost_table(rc);
        // The likely cause is a sentence.
        if let Some(last) = t.align.last_mut() {
            *last = Align::Left;
        }
        h.push_str(&table(&t));
        let notes = recorded_cost_notes(rc);
        if !notes.is_empty() {
            let _ = writeln!(h, "<ul>");
            for n in &notes {
                let _ = writeln!(h, "<li>{}</li>", escape(n));
            }
            let _ = writeln!(h, "</ul>");
        }
    }
    for b in &a.breakdowns {
        let _ = writeln!(
            h,
            "<h3>Cost by {}</h3>{}",
            escape(&b.by),
            if b.overlapping {
                "\n<p>A row with several values counts under each: shares add up to more than \
                 100%.</p>"
            } else {
                ""
            }
        );
        h.push_str(&table(&breakdown_table(b)));
    }
}
