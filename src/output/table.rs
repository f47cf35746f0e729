//! The human-readable report printed by `tokencast run` by default.
//!
//! Readable at a glance: a headline per strategy (total and P5–P95), the unit costs, then where
//! the money goes (endpoint, model, token bucket) and what the prompt is made of, ending with the
//! dominant cost driver in one sentence.

mod audit;
mod detail;

pub use audit::{
    audit_section, breakdown_table, pareto_table, recorded_cost_notes, recorded_cost_table,
    signed_usd,
};
pub use detail::{dominant, strengths};

use super::format::{Table, pct_signed, usd, usd_signed};
use crate::analysis::report::{Report, StrategyResult, strategy_order};
use detail::strategy_detail;

/// Render the report as aligned text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if let Some(line) = super::format::recommendation_line(report) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    let names = strategy_order(report);
    out.push_str(&summary_table(report, &names).text(""));
    if let Some(note) = super::format::spread_note(report) {
        out.push_str(&note);
        out.push('\n');
    }
    forecast_tables(&mut out, report);

    if let Some(a) = &report.audit {
        out.push('\n');
        out.push_str(&audit_section(a));
    }
    let baseline = report.strategies.get("baseline");
    for name in &names {
        out.push('\n');
        out.push_str(&strategy_detail(
            name,
            &report.strategies[name],
            baseline.filter(|_| name != "baseline"),
            report.runs,
        ));
    }
    out
}

/// What was forecast (or recorded), with which prices, and the report's warnings.
fn header(out: &mut String, report: &Report) {
    if report.audit.is_some() {
        out.push_str(&format!(
            "{}: {} of recorded traffic\n",
            report.scenario.name,
            super::format::horizon(report)
        ));
    } else {
        out.push_str(&format!(
            "{}: {}, {} run{}, seed {}\n",
            report.scenario.name,
            super::format::horizon(report),
            report.runs,
            if report.runs == 1 { "" } else { "s" },
            report.seed
        ));
    }
    out.push_str(&format!(
        "prices: {}, effective {}\n",
        report.prices.source, report.prices.effective_date
    ));
    if let Some(line) = super::format::precision_line(report) {
        out.push_str(&line);
        out.push('\n');
    }
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push('\n');
}

/// One row per strategy: its cost with P5, P50 and P95, and its change and saving against the
/// baseline (columns dropped when there is nothing to compare).
fn summary_table(report: &Report, names: &[String]) -> Table {
    let mut summary = Table::new(&[
        "strategy",
        &format!("cost ({})", super::format::horizon(report)),
        "±",
        "P5",
        "P50",
        "P95",
        "vs baseline",
        "saving",
    ]);
    for name in names {
        let s = &report.strategies[name];
        let (delta, saving) = if name == "baseline" {
            (String::new(), String::new())
        } else {
            let base = report
                .strategies
                .get("baseline")
                .map(|b| b.cost_usd.mean)
                .unwrap_or(0.0);
            (
                if base > 0.0 {
                    pct_signed((s.cost_usd.mean - base) / base)
                } else {
                    String::new()
                },
                usd_signed(s.savings_vs_baseline_usd.mean),
            )
        };
        summary.row(vec![
            name.clone(),
            usd(s.cost_usd.mean),
            usd(s.monte_carlo_error.mean_se_usd),
            usd(s.cost_usd.p5),
            usd(s.cost_usd.p50),
            usd(s.cost_usd.p95),
            delta,
            saving,
        ]);
    }
    if names.len() == 1 {
        // Nothing to compare against: drop the comparison columns.
        summary.without(&["vs baseline", "saving"]);
    }
    if report.runs <= 1 {
        // One deterministic figure: no Monte Carlo error and no quantiles to show.
        summary.without(&["±", "P5", "P50", "P95"]);
    }
    summary
}

/// The forecast views: uncertainty, cost per month and the scale curve, when the report has
/// them, then the break-even lines.
fn forecast_tables(out: &mut String, report: &Report) {
    for t in [
        super::forecast::uncertainty(report),
        super::forecast::monthly(report),
        super::forecast::scale(report),
    ]
    .into_iter()
    .flatten()
    {
        out.push_str(&format!("\n{}\n", t.title));
        out.push_str(&t.table.text("  "));
    }
    for line in super::forecast::break_even_lines(report) {
        out.push_str(&format!("  {line}\n"));
    }
}

/// The strategies in [`strategy_order`] with their position (charts and pages pick a strategy's
/// colour by it).
pub fn ordered_strategies(report: &Report) -> Vec<(usize, &str, &StrategyResult)> {
    strategy_order(report)
        .iter()
        .filter_map(|n| report.strategies.get_key_value(n))
        .enumerate()
        .map(|(i, (n, s))| (i, n.as_str(), s))
        .collect()
}
