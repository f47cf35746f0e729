//! The cost tables: the summary per strategy, cost per month, and where the money goes (by
//! endpoint, model and token bucket).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::markup::{chip, escape, ordered, range, strategy_cell};
use crate::analysis::report::{Breakdown, Report, StrategyResult};
use crate::output::format::{pct, usd, usd_signed};

/// The summary table: one row per strategy, columns as the report has data for them.
pub(super) fn summary(h: &mut String, report: &Report) {
    let all = ordered(report);
    let columns = summary_columns(report, &all);
    let _ = write!(h, "<h2>Summary</h2>\n<table>\n<tr><th>strategy</th>");
    for (title, _) in &columns {
        let _ = write!(h, "<th>{title}</th>");
    }
    let _ = writeln!(h, "</tr>");
    for (k, (i, n, s)) in all.iter().enumerate() {
        let _ = write!(h, "<tr>{}", strategy_cell(*i, n));
        for (_, cell) in &columns {
            let _ = write!(h, "<td>{}</td>", cell(k, s));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    if let Some(note) = crate::output::format::spread_note(report) {
        let _ = writeln!(h, "<p>{}</p>", super::markup::escape(&note));
    }
    if let Some(b) = report.budget_usd_per_month {
        let _ = writeln!(
            h,
            "<p>Monthly budget: {}. \"Chance over budget\" is the probability that some month \
             costs more: the share of runs in which one does, corrected by a control variate on \
             the uncertain draws when that is more precise (the budget line of each strategy \
             gives both).</p>",
            usd(b)
        );
    }
}

/// A cell of the summary table: strategy `k` (0 is the baseline) and its result.
type Cell<'a> = Box<dyn Fn(usize, &StrategyResult) -> String + 'a>;

/// The summary's columns, titled: spread only with several runs, savings only with something
/// to compare, runs over budget only with a budget.
fn summary_columns<'a>(
    report: &Report,
    all: &[(usize, &str, &StrategyResult)],
) -> Vec<(&'a str, Cell<'a>)> {
    let budget = report.budget_usd_per_month.is_some();
    let spread = report.runs > 1;
    let compare = all.len() > 1;
    let base = all.first().map(|(_, _, s)| s.cost_usd.mean).unwrap_or(0.0);
    let mut columns: Vec<(&str, Cell)> = vec![(
        if spread {
            "total cost (mean)"
        } else {
            "total cost"
        },
        Box::new(|_, s| usd(s.cost_usd.mean)),
    )];
    if spread {
        columns.push((
            "± (Monte Carlo s.e.)",
            Box::new(|_, s| usd(s.monte_carlo_error.mean_se_usd)),
        ));
        columns.push(("P5 – P95", Box::new(|_, s| range(&s.cost_usd))));
        columns.push(("P50", Box::new(|_, s| usd(s.cost_usd.p50))));
    }
    if compare {
        columns.push((
            "saving vs baseline",
            Box::new(move |k, s| {
                let m = s.savings_vs_baseline_usd.mean;
                if k == 0 {
                    "baseline".to_string()
                } else if base > 0.0 {
                    format!("{} ({})", usd_signed(m), pct(m / base))
                } else {
                    usd_signed(m)
                }
            }),
        ));
    }
    // Requests a semantic cache answered are requests served too.
    let cached = all.iter().any(|(_, _, s)| s.semantic_cache.hits > 0.0);
    columns.push((
        if cached {
            "per request served (model or cache)"
        } else {
            "per request"
        },
        Box::new(|_, s| usd(s.unit_economics.cost_per_request_usd.mean)),
    ));
    columns.push((
        "per user-month",
        Box::new(|_, s| usd(s.unit_economics.cost_per_user_month_usd.mean)),
    ));
    columns.push((
        "prompt-cache hit",
        Box::new(|_, s| pct(s.prompt_cache.hit_ratio)),
    ));
    if budget {
        columns.push((
            "chance over budget",
            Box::new(|_, s| {
                s.budget
                    .as_ref()
                    .map(|b| pct(b.probability_exceeded))
                    .unwrap_or_else(|| "–".into())
            }),
        ));
    }
    columns
}

/// Cost per month: P50 and P5 – P95 of each strategy, by month.
pub(super) fn monthly(h: &mut String, report: &Report) {
    let all = ordered(report);
    let months = all
        .iter()
        .max_by_key(|(_, _, s)| s.monthly.len())
        .map(|(_, _, s)| &s.monthly);
    let Some(months) = months.filter(|m| !m.is_empty()) else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>Cost per month</h2>\n<p>Median (P50) with the P5 – P95 range across runs.</p>\n<table>\n<tr><th>month</th><th>days</th>"
    );
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for (m, month) in months.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            escape(&month.label),
            month.days
        );
        for (_, _, s) in &all {
            match s.monthly.get(m) {
                Some(c) => {
                    let over = c
                        .probability_over_budget
                        .map(|p| format!("<br>over budget in {} of runs", pct(p)))
                        .unwrap_or_default();
                    let _ = write!(
                        h,
                        "<td>{}<br><small>{}</small>{over}</td>",
                        usd(c.cost_usd.p50),
                        range(&c.cost_usd)
                    );
                }
                None => h.push_str("<td>–</td>"),
            }
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

/// One breakdown (picked by `pick`) as a table, slices down and strategies across.
fn breakdown_table(
    h: &mut String,
    report: &Report,
    title: &str,
    pick: fn(&StrategyResult) -> &BTreeMap<String, Breakdown>,
) {
    let all = ordered(report);
    let mut keys: Vec<&String> = Vec::new();
    for (_, _, s) in &all {
        for (k, b) in pick(s) {
            if b.cost_usd.mean != 0.0 && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if keys.is_empty() {
        return;
    }
    let _ = write!(h, "<h3>{}</h3>\n<table>\n<tr><th></th>", escape(title));
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for k in keys {
        let _ = write!(h, "<tr><td>{}</td>", escape(k));
        for (_, _, s) in &all {
            match pick(s).get(k) {
                Some(b) => {
                    let _ = write!(
                        h,
                        "<td>{} <small>({})</small></td>",
                        usd(b.cost_usd.mean),
                        pct(b.share_of_cost)
                    );
                }
                None => h.push_str("<td>–</td>"),
            }
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

/// The "where the money goes" section: by endpoint, model and token bucket.
pub(super) fn breakdowns(h: &mut String, report: &Report) {
    let _ = writeln!(
        h,
        "<h2>Where the money goes</h2>\n<p>Mean cost over the horizon and its share of the \
         strategy's total.</p>"
    );
    breakdown_table(h, report, "By endpoint", |s| &s.by_endpoint);
    breakdown_table(h, report, "By model", |s| &s.by_model);
    breakdown_table(h, report, "By token bucket", |s| &s.by_bucket);
}
