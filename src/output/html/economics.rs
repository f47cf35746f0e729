//! The unit economics section: cost per request, session, user-day and user-month, revenue and
//! margin when stated, and the scale curve with break-even points.

use std::fmt::Write;

use super::markup::{chip, escape, ordered};
use crate::analysis::report::{Report, ScaleCurve, StrategyResult};
use crate::output::format::{count, days, pct, usd};

/// The unit economics table, then the scale curve when the report has one.
pub(super) fn unit_economics(h: &mut String, report: &Report) {
    let all = ordered(report);
    let _ = write!(
        h,
        "<h2>Unit economics</h2>\n<p>Means across runs; users are daily active users of the \
         product's largest endpoint.</p>\n<table>\n<tr><th></th>"
    );
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for (label, f) in unit_rows() {
        let cells: Vec<Option<String>> = all.iter().map(|(_, _, s)| f(s)).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(h, "<tr><td>{label}</td>");
        for c in cells {
            let _ = write!(h, "<td>{}</td>", c.unwrap_or_else(|| "–".into()));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    if let Some(curve) = &report.scale_curve {
        at_scale(h, &all, curve);
    }
}

/// A row of the unit economics table: its label, and its cell for a strategy (`None` when the
/// strategy has no such figure; a row with none at all is left out).
type Row = (&'static str, fn(&StrategyResult) -> Option<String>);

/// The rows of the unit economics table, in order.
fn unit_rows() -> [Row; 10] {
    [
        ("requests", |s| Some(count(s.requests.mean))),
        ("sessions", |s| Some(count(s.sessions.mean))),
        ("cost per request", |s| {
            Some(usd(s.unit_economics.cost_per_request_usd.mean))
        }),
        ("cost per session", |s| {
            Some(usd(s.unit_economics.cost_per_session_usd.mean))
        }),
        ("cost per active user-day", |s| {
            Some(usd(s.unit_economics.cost_per_active_user_day_usd.mean))
        }),
        ("cost per user-month", |s| {
            Some(usd(s.unit_economics.cost_per_user_month_usd.mean))
        }),
        ("revenue per user-month", |s| {
            s.unit_economics
                .revenue_per_user_month_usd
                .map(|r| usd(r.mean))
        }),
        ("margin per user-month", |s| {
            s.unit_economics
                .margin_per_user_month_usd
                .map(|r| usd(r.mean))
        }),
        ("gross margin", |s| {
            s.unit_economics.gross_margin.map(|r| pct(r.mean))
        }),
        ("semantic-cache hits", |s| {
            (s.semantic_cache.lookups > 0.0).then(|| {
                format!(
                    "{} ({} wrong)",
                    pct(s.semantic_cache.hit_ratio),
                    pct(s.semantic_cache.false_hit_ratio)
                )
            })
        }),
    ]
}

/// The scale curve: cost (and margin) per user-month of each strategy at each user count, then
/// each strategy's break-even point.
fn at_scale(h: &mut String, all: &[(usize, &str, &StrategyResult)], curve: &ScaleCurve) {
    let _ = write!(
        h,
        "<h3>At scale</h3>\n<p>Each point: {} runs of {}.</p>\n<table>\n<tr><th>daily active users</th>",
        curve.runs,
        days(curve.days)
    );
    for (i, n, _) in all {
        let _ = write!(h, "<th>{}{} per user-month</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for p in &curve.points {
        let _ = write!(h, "<tr><td>{}</td>", count(p.daily_active_users));
        for (_, n, _) in all {
            match p.strategies.get(*n) {
                Some(s) => {
                    let margin = s
                        .margin_per_user_month_usd
                        .map(|m| format!("<br><small>margin {}</small>", usd(m.mean)))
                        .unwrap_or_default();
                    let _ = write!(
                        h,
                        "<td>{}{margin}</td>",
                        usd(s.cost_per_user_month_usd.mean)
                    );
                }
                None => h.push_str("<td>–</td>"),
            }
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    for (i, n, _) in all {
        if let Some(Some(u)) = curve.break_even_users.get(*n) {
            let _ = writeln!(
                h,
                "<p>{}{} breaks even at about {} daily active users.</p>",
                chip(*i),
                escape(n),
                count(*u)
            );
        }
    }
}
