//! Markdown export: the same content as the text table, as GitHub-flavoured markdown.

use super::format::{Table, count, length, pct, pct_signed, usd, usd_signed};
use super::table::{dominant, strengths};
use crate::analysis::report::{Report, StrategyResult, strategy_order};

/// Render the report as markdown.
pub fn render(report: &Report) -> String {
    let mut out = header(report);
    if let Some(line) = super::format::recommendation_line(report) {
        // Bold label, the sentence as printed elsewhere.
        out.push_str(&format!(
            "**Recommendation:**{}\n\n",
            line.trim_start_matches("Recommendation:")
        ));
    }
    if let Some(a) = &report.audit {
        out.push_str(&audit(a));
    }
    let names = strategy_order(report);
    out.push_str(&summary_table(report, &names).markdown());
    if let Some(note) = super::format::spread_note(report) {
        out.push_str(&format!("\n{note}\n"));
    }
    forecast_sections(&mut out, report);
    for n in &names {
        strategy_section(&mut out, report, n, &report.strategies[n]);
    }
    out
}

/// The heading (what was forecast or recorded), the prices, and the report's warnings.
fn header(report: &Report) -> String {
    let what = if report.audit.is_some() {
        format!("{} of recorded traffic", super::format::horizon(report))
    } else {
        format!(
            "{}, {} run{}, seed {}",
            super::format::horizon(report),
            report.runs,
            if report.runs == 1 { "" } else { "s" },
            report.seed
        )
    };
    let mut out = format!(
        "## {}: {what}\n\nPrices: {}, effective {}.\n\n",
        report.scenario.name, report.prices.source, report.prices.effective_date
    );
    if let Some(line) = super::format::precision_line(report) {
        out.push_str(&format!("{line}\n\n"));
    }
    for w in &report.warnings {
        out.push_str(&format!("> **Warning:** {w}\n\n"));
    }
    out
}

/// One row per strategy: its cost with P5, P50 and P95, its change and saving against the
/// baseline, and its unit costs.
fn summary_table(report: &Report, names: &[String]) -> Table {
    let base = report
        .strategies
        .get("baseline")
        .map(|b| b.cost_usd.mean)
        .unwrap_or(0.0);
    // Requests a semantic cache answered are requests served too.
    let cached = names
        .iter()
        .any(|n| report.strategies[n].semantic_cache.hits > 0.0);
    let mut t = Table::new(&[
        "strategy",
        "cost (mean)",
        "±",
        "P5",
        "P50",
        "P95",
        "vs baseline",
        "saving",
        if cached {
            "per request served (model or cache)"
        } else {
            "per request"
        },
        "per user-month",
    ]);
    for n in names {
        let s = &report.strategies[n];
        let (d, sv) = if n == "baseline" || base <= 0.0 {
            (String::new(), String::new())
        } else {
            (
                pct_signed((s.cost_usd.mean - base) / base),
                usd_signed(s.savings_vs_baseline_usd.mean),
            )
        };
        t.row(vec![
            n.clone(),
            usd(s.cost_usd.mean),
            usd(s.monte_carlo_error.mean_se_usd),
            usd(s.cost_usd.p5),
            usd(s.cost_usd.p50),
            usd(s.cost_usd.p95),
            d,
            sv,
            usd(s.unit_economics.cost_per_request_usd.mean),
            usd(s.unit_economics.cost_per_user_month_usd.mean),
        ]);
    }
    if report.runs <= 1 {
        // One deterministic figure: no Monte Carlo error and no quantiles to show.
        t.without(&["±", "P5", "P50", "P95"]);
    }
    t
}

/// The forecast views (uncertainty, cost per month, the scale curve) when the report has them,
/// then the break-even lines.
fn forecast_sections(out: &mut String, report: &Report) {
    for t in [
        super::forecast::uncertainty(report),
        super::forecast::monthly(report),
        super::forecast::scale(report),
    ]
    .into_iter()
    .flatten()
    {
        out.push_str(&format!("\n**{}**\n\n", t.title));
        out.push_str(&t.table.markdown());
    }
    let lines = super::forecast::break_even_lines(report);
    if !lines.is_empty() {
        out.push('\n');
        for line in lines {
            out.push_str(&format!("- {line}\n"));
        }
    }
}

/// One strategy: its volume and dominant cost, margin and budget lines, and its breakdowns.
fn strategy_section(out: &mut String, report: &Report, n: &str, s: &StrategyResult) {
    out.push_str(&format!(
        "\n### {n}\n\n{} requests in {} sessions.",
        count(s.requests.mean),
        count(s.sessions.mean)
    ));
    let base = crate::analysis::report::strategy_order(report)
        .first()
        .and_then(|b| report.strategies.get(b));
    if let Some(d) = strengths(s, base) {
        out.push_str(&format!(" {d}"));
    }
    if let Some(d) = dominant(s) {
        out.push_str(&format!(" {d}"));
    }
    out.push_str("\n\n");
    if let Some(line) = super::forecast::margin_line(s) {
        out.push_str(&format!("- Margin: {line}\n"));
    }
    if let Some(line) = super::forecast::budget_line(s) {
        out.push_str(&format!("- Budget {line}\n"));
    }
    if s.budget.is_some() || s.unit_economics.margin_usd.is_some() {
        out.push('\n');
    }
    breakdown_tables(out, s);
}

/// Cost by endpoint, by model, and by token bucket (buckets with tokens only).
fn breakdown_tables(out: &mut String, s: &StrategyResult) {
    let mut t = Table::new(&["endpoint", "cost", "share", "requests"]);
    for (e, b) in &s.by_endpoint {
        t.row(vec![
            e.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            count(b.requests),
        ]);
    }
    out.push_str(&t.markdown());
    out.push('\n');
    let mut t = Table::new(&["model", "cost", "share", "requests"]);
    for (m, b) in &s.by_model {
        t.row(vec![
            m.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            count(b.requests),
        ]);
    }
    out.push_str(&t.markdown());
    out.push('\n');
    let mut t = Table::new(&["token bucket", "tokens", "cost", "share"]);
    for (k, b) in &s.by_bucket {
        let tokens = s.tokens.get(k).copied().unwrap_or(0.0);
        if tokens > 0.0 {
            t.row(vec![
                k.clone(),
                count(tokens),
                usd(b.cost_usd.mean),
                pct(b.share_of_cost),
            ]);
        }
    }
    out.push_str(&t.markdown());
}

/// The audit of recorded usage: request lengths, the cost split, Pareto tables and findings.
fn audit(a: &crate::analysis::report::AuditSection) -> String {
    let mut out = format!(
        "### Audit\n\n- {} rows ({} format), {} bad rows skipped\n- prompt tokens per request: median {}, mean {}\n- output tokens per request: median {}, mean {}\n- cost split: {} prompt side, {} output side; {} of prompt tokens read from a cache\n",
        count(a.rows as f64),
        a.format,
        count(a.skipped_rows as f64),
        length(a.median_input_tokens),
        length(a.mean_input_tokens),
        length(a.median_output_tokens),
        length(a.mean_output_tokens),
        pct(a.input_cost_share),
        pct(a.output_cost_share),
        pct(a.recorded_cache_read_ratio)
    );
    if let Some(r) = a.prefix_reuse_ratio {
        out.push_str(&format!(
            "- {} of prompt tokens repeat an earlier prefix (unbounded cache)\n",
            pct(r)
        ));
    }
    if let Some(r) = a.intent_repeat_ratio {
        out.push_str(&format!("- {} of intents repeat\n", pct(r)));
    }
    out.push('\n');
    for (title, rows) in [("endpoint", &a.endpoints_pareto), ("user", &a.top_users)] {
        if rows.is_empty() {
            continue;
        }
        let t = super::table::pareto_table(title, rows);
        out.push_str(&t.markdown());
        out.push('\n');
    }
    if let Some(rc) = &a.recorded_cost {
        out.push_str(&match &rc.cost_report {
            Some(report) => format!(
                "Recorded cost: cost report {report}; recorded {}, provider's price of the usage {}, difference {}.\n\n",
                usd(rc.recorded_usd),
                usd(rc.priced_usd),
                super::table::signed_usd(rc.difference_usd)
            ),
            None => format!(
                "Recorded cost: {} rows record a cost ({} do not); recorded {}, provider's price {}, difference {}.\n\n",
                count(rc.rows as f64),
                count(rc.rows_without_cost as f64),
                usd(rc.recorded_usd),
                usd(rc.priced_usd),
                super::table::signed_usd(rc.difference_usd)
            ),
        });
        out.push_str(&super::table::recorded_cost_table(rc).markdown());
        out.push('\n');
        let notes = super::table::recorded_cost_notes(rc);
        for line in &notes {
            out.push_str(&format!("- {line}\n"));
        }
        if !notes.is_empty() {
            out.push('\n');
        }
    }
    for b in &a.breakdowns {
        out.push_str(&format!(
            "Cost by {}{}:\n\n",
            b.by,
            if b.overlapping {
                " (a row with several values counts under each)"
            } else {
                ""
            }
        ));
        out.push_str(&super::table::breakdown_table(b).markdown());
        out.push('\n');
    }
    if a.findings.is_empty() {
        out.push_str("Findings: nothing stands out.\n\n");
    } else {
        out.push_str("Findings:\n\n");
        for f in &a.findings {
            out.push_str(&format!(
                "- {} → **{}**: {}\n",
                f.observation, f.lever, f.suggestion
            ));
        }
        out.push('\n');
    }
    out
}
