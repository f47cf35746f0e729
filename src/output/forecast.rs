//! The forecast views shared by the text and markdown reports: uncertain parameters and what
//! drives the spread, cost per month with quantiles and the budget, per-strategy budget and
//! margin lines, and the scale curve.

use super::format::{Table, count, days, pct, usd};
use crate::analysis::report::{
    Report, SensitivityRow, StrategyResult, UncertainParam, strategy_order,
};
use crate::model::scenario::trim_float;

/// A titled table.
pub struct Titled {
    /// What the table shows.
    pub title: String,
    /// The table.
    pub table: Table,
}

/// A drawn value: grouped when large, one decimal from 10, else up to three decimals.
fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        count(x)
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        trim_float((x * 1000.0).round() / 1000.0)
    }
}

/// The uncertain parameters, what the runs drew, and (for the baseline) how strongly each drives
/// the total cost.
pub fn uncertainty(report: &Report) -> Option<Titled> {
    if report.uncertain.is_empty() {
        return None;
    }
    let names = strategy_order(report);
    let first = names.first().and_then(|n| report.strategies.get(n));
    let sens = first.map(|s| s.sensitivity.as_slice()).unwrap_or(&[]);
    Some(Titled {
        title: uncertainty_title(report, names.first(), sens),
        table: uncertainty_table(report, sens),
    })
}

/// One row per uncertain parameter: its distribution, the P5, P50 and P95 drawn, and its rank
/// correlation and swing from `sens` (columns dropped when the sensitivity is not known).
fn uncertainty_table(report: &Report, sens: &[SensitivityRow]) -> Table {
    let mut t = Table::new(&[
        "uncertain parameter",
        "kind",
        "distribution",
        "drawn P5",
        "P50",
        "P95",
        "rank corr. with cost",
        "swing",
    ]);
    // Ranked by influence when the sensitivity is known, else in file order.
    let mut rows: Vec<&UncertainParam> = report.uncertain.iter().collect();
    let rank = |p: &str| {
        sens.iter()
            .position(|r| r.parameter == p)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|u| rank(&u.parameter));
    for u in rows {
        let s = sens.iter().find(|r| r.parameter == u.parameter);
        t.row(vec![
            u.parameter.clone(),
            u.kind.clone(),
            u.distribution.clone(),
            num(u.sampled.p5),
            num(u.sampled.p50),
            num(u.sampled.p95),
            s.map_or(String::new(), |s| format!("{:+.2}", s.rank_correlation)),
            s.map_or(String::new(), |s| {
                if s.swing_usd >= 0.0 {
                    format!("+{}", usd(s.swing_usd))
                } else {
                    usd(s.swing_usd)
                }
            }),
        ]);
    }
    if sens.is_empty() {
        for r in t.rows.iter_mut() {
            r.truncate(6);
        }
        t.headers.truncate(6);
        t.align.truncate(6);
    }
    t
}

/// The uncertainty table's title: what the ranking means when there is one (`first` is the
/// strategy it is for), and below how strong a correlation is noise with few runs.
fn uncertainty_title(report: &Report, first: Option<&String>, sens: &[SensitivityRow]) -> String {
    match first {
        Some(n) if !sens.is_empty() => format!(
            "Uncertain parameters (drawn once per run), ranked by how strongly they drive {n}'s \
             total cost (Spearman rank correlation; swing: mean cost of runs drawing above the \
             median minus the others){}",
            if report.runs < 30 {
                format!(
                    "; with {} runs, correlations below about {:.1} are noise",
                    report.runs,
                    2.0 / f64::from(report.runs.max(2) - 1).sqrt()
                )
            } else {
                String::new()
            }
        ),
        _ => "Uncertain parameters (drawn once per run)".to_string(),
    }
}

/// Cost per month: P50 and P95 of each strategy, and the chance of exceeding the budget.
pub fn monthly(report: &Report) -> Option<Titled> {
    let names = strategy_order(report);
    let first = report.strategies.get(names.first()?)?;
    if first.monthly.len() < 2 {
        return None;
    }
    let budget = report.budget_usd_per_month;
    let mut headers = vec!["month".to_string()];
    for n in &names {
        headers.push(format!("{n} P50"));
        headers.push("P95".to_string());
        if budget.is_some() {
            headers.push("P(> budget)".to_string());
        }
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&h);
    for (mi, m) in first.monthly.iter().enumerate() {
        let mut row = vec![if m.days < 28 {
            format!("{} ({} d)", m.label, m.days)
        } else {
            m.label.clone()
        }];
        for n in &names {
            let mc = report.strategies[n].monthly.get(mi);
            row.push(mc.map_or(String::new(), |c| usd(c.cost_usd.p50)));
            row.push(mc.map_or(String::new(), |c| usd(c.cost_usd.p95)));
            if budget.is_some() {
                row.push(
                    mc.and_then(|c| c.probability_over_budget)
                        .map_or(String::new(), pct),
                );
            }
        }
        t.row(row);
    }
    let title = match budget {
        Some(b) => format!(
            "Cost per month (P50, P95 across runs; budget {} a month)",
            usd(b)
        ),
        None => "Cost per month (P50, P95 across runs)".to_string(),
    };
    Some(Titled { title, table: t })
}

/// One line on the budget, for a strategy.
pub fn budget_line(s: &StrategyResult) -> Option<String> {
    let b = s.budget.as_ref()?;
    let se = s
        .monte_carlo_error
        .budget_probability_se
        .filter(|se| *se > 0.0)
        .map(|se| format!(" (± {:.1} points)", 100.0 * se))
        .unwrap_or_default();
    let first = format!(
        "first over budget most often in {} (mean month {:.1})",
        b.most_likely_first_month.as_deref().unwrap_or("?"),
        b.expected_first_month.unwrap_or(0.0)
    );
    Some(if b.control_variate {
        format!(
            "{}/month: exceeded with probability {}{} ({} of runs, corrected by a control \
             variate on the uncertain draws); {first}",
            usd(b.usd_per_month),
            pct(b.probability_exceeded),
            s.monte_carlo_error
                .budget_probability_se
                .map(|se| format!(" ± {:.1} points", 100.0 * se))
                .unwrap_or_default(),
            pct(b.share_of_runs),
        )
    } else if b.probability_exceeded == 0.0 {
        format!(
            "{}/month: no run exceeds it in any month",
            usd(b.usd_per_month)
        )
    } else {
        format!(
            "{}/month: exceeded in {}{se} of runs; {first}",
            usd(b.usd_per_month),
            pct(b.probability_exceeded),
        )
    })
}

/// One line on revenue and margin, for a strategy.
pub fn margin_line(s: &StrategyResult) -> Option<String> {
    let u = &s.unit_economics;
    let rev = u.revenue_per_user_month_usd.as_ref()?;
    let m = u.margin_per_user_month_usd.as_ref()?;
    let total = u.margin_usd.as_ref()?;
    Some(format!(
        "revenue {} per user-month; margin {} per user-month (P5 {} .. P95 {}), {} in all{}",
        usd(rev.mean),
        usd(m.mean),
        usd(m.p5),
        usd(m.p95),
        usd(total.mean),
        u.gross_margin
            .as_ref()
            .map_or(String::new(), |g| format!(", gross margin {}", pct(g.mean)))
    ))
}

/// The scale curve: cost (and margin) per user-month at each user count.
pub fn scale(report: &Report) -> Option<Titled> {
    let c = report.scale_curve.as_ref()?;
    let names = strategy_order(report);
    let margins = c.points.iter().any(|p| {
        p.strategies
            .values()
            .any(|s| s.margin_per_user_month_usd.is_some())
    });
    let mut headers = vec!["daily active users".to_string()];
    for n in &names {
        headers.push(format!("{n} cost/user-month"));
        if margins {
            headers.push("margin/user-month".to_string());
        }
        headers.push("per request".to_string());
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&h);
    for p in &c.points {
        let mut row = vec![count(p.daily_active_users)];
        for n in &names {
            let s = p.strategies.get(n);
            row.push(s.map_or(String::new(), |s| usd(s.cost_per_user_month_usd.mean)));
            if margins {
                row.push(
                    s.and_then(|s| s.margin_per_user_month_usd)
                        .map_or(String::new(), |m| usd(m.mean)),
                );
            }
            row.push(s.map_or(String::new(), |s| usd(s.cost_per_request_usd.mean)));
        }
        t.row(row);
    }
    Some(Titled {
        title: format!(
            "Scale curve: the scenario at each user count ({}, {} run{} per point)",
            days(c.days),
            c.runs,
            if c.runs == 1 { "" } else { "s" }
        ),
        table: t,
    })
}

/// Sentences on break-even points of the scale curve.
pub fn break_even_lines(report: &Report) -> Vec<String> {
    let Some(c) = &report.scale_curve else {
        return Vec::new();
    };
    let has_margin = c.points.iter().any(|p| {
        p.strategies
            .values()
            .any(|s| s.margin_per_user_month_usd.is_some())
    });
    if !has_margin {
        return Vec::new();
    }
    strategy_order(report)
        .into_iter()
        .filter_map(|n| {
            let b = c.break_even_users.get(&n)?;
            Some(match b {
                Some(u) => format!(
                    "{n}: margin per user crosses zero at about {} daily active users",
                    count(*u)
                ),
                None => {
                    let sign = c
                        .points
                        .first()
                        .and_then(|p| p.strategies.get(&n)?.margin_per_user_month_usd)
                        .map(|m| m.mean >= 0.0);
                    match sign {
                        Some(true) => {
                            format!("{n}: positive margin per user at every point of the curve")
                        }
                        Some(false) => {
                            format!("{n}: negative margin per user at every point of the curve")
                        }
                        None => return None,
                    }
                }
            })
        })
        .collect()
}
