//! The assumptions section: what the forecast was made from (scenario file and its SHA-256,
//! seed, runs, prices, budget), what each strategy does, the uncertain parameters as drawn, and
//! the scenario's source when it is at hand.

use std::fmt::Write;

use super::markup::{escape, ordered, strategy_cell};
use crate::analysis::report::Report;
use crate::output::format::usd;

/// The assumptions section; `source` is the scenario file's text, if at hand.
pub(super) fn assumptions(h: &mut String, report: &Report, source: Option<&str>) {
    facts(h, report);
    strategies(h, report);
    if !report.uncertain.is_empty() {
        uncertain(h, report);
    }
    scenario_source(h, report, source);
}

/// What the forecast was made from, as a list: scenario, file, SHA-256, seed, runs, horizon,
/// prices and budget.
fn facts(h: &mut String, report: &Report) {
    let _ = writeln!(h, "<h2>Assumptions</h2>\n<dl>");
    let rows: [(&str, String); 7] = [
        ("scenario", escape(&report.scenario.name)),
        (
            "file",
            format!("<code>{}</code>", escape(&report.scenario.path)),
        ),
        (
            "SHA-256",
            format!("<code>{}</code>", escape(&report.scenario.sha256)),
        ),
        ("seed", report.seed.to_string()),
        ("runs", report.runs.to_string()),
        ("horizon", crate::output::format::horizon(report)),
        (
            "prices",
            format!(
                "{} (effective {})",
                escape(&report.prices.source),
                escape(&report.prices.effective_date)
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    if let Some(b) = report.budget_usd_per_month {
        let _ = writeln!(h, "<dt>budget</dt><dd>{} per month</dd>", usd(b));
    }
    let _ = writeln!(h, "</dl>");
}

/// What each strategy does.
fn strategies(h: &mut String, report: &Report) {
    let all = ordered(report);
    let _ = writeln!(
        h,
        "<h3>Strategies</h3>\n<table>\n<tr><th>strategy</th><th class=\"text\">what it does</th></tr>"
    );
    for (i, n, s) in &all {
        let _ = writeln!(
            h,
            "<tr>{}<td class=\"text\">{}</td></tr>",
            strategy_cell(*i, n),
            escape(&s.description)
        );
    }
    let _ = writeln!(h, "</table>");
}

/// The uncertain parameters: their distributions and the P5, P50 and P95 of the values drawn.
fn uncertain(h: &mut String, report: &Report) {
    let _ = writeln!(
        h,
        "<h3>Uncertain parameters</h3>\n<p>Drawn once per run.</p>\n<table>\n<tr><th>parameter</th><th>kind</th><th>distribution</th><th>drawn P5</th><th>P50</th><th>P95</th></tr>"
    );
    for u in &report.uncertain {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            escape(&u.parameter),
            escape(&u.kind),
            escape(&u.distribution),
            u.sampled.p5,
            u.sampled.p50,
            u.sampled.p95
        );
    }
    let _ = writeln!(h, "</table>");
}

/// The scenario file's text when at hand; else, for a forecast, a line saying the SHA-256
/// identifies it.
fn scenario_source(h: &mut String, report: &Report, source: Option<&str>) {
    match source {
        Some(text) => {
            let _ = writeln!(
                h,
                "<details>\n<summary>Scenario file <code>{}</code></summary>\n<pre>{}</pre>\n</details>",
                escape(&report.scenario.path),
                escape(text)
            );
        }
        None if report.audit.is_none() => {
            let _ = writeln!(
                h,
                "<p>The scenario file was not at hand when this page was made; its SHA-256 above \
                 identifies it.</p>"
            );
        }
        None => {}
    }
}
