//! CSV export: one row per (strategy, dimension, key), long format, for spreadsheets.
//!
//! Columns: `strategy,dimension,key,cost_usd_mean,cost_usd_p5,cost_usd_p50,cost_usd_p95,
//! cost_usd_min,cost_usd_max,requests_mean,tokens_mean,cost_usd_p10,cost_usd_p90` (the last
//! two were added later, at the end, so positional readers keep working). Dimensions: `total`,
//! `endpoint`, `model`, `bucket`, `month` (key: the month's label), `day`. `tokens_mean` is the
//! bucket's tokens for `bucket` rows, all billed tokens for the others, and empty for `month`
//! and `day` rows.
//!
//! Unit economics and the scale curve follow, their statistics in the same columns (all USD):
//! dimension `unit` with keys `per_request`, `per_session`, `per_active_user_day`,
//! `per_user_month` and, when the scenario states revenue, `revenue`, `margin` (over the
//! horizon), `revenue_per_user_month`, `margin_per_user_month`; with `--scale`, dimensions
//! `scale_per_user_month`, `scale_per_request` and (with revenue) `scale_margin_per_user_month`,
//! keyed by the daily active users of the point. Their `requests_mean` and `tokens_mean` are
//! empty. What is not in USD (gross margin, budget probabilities, sensitivity) is in the JSON
//! report only.

use crate::analysis::audit::FocusRow;
use crate::analysis::report::{Report, Stats, StrategyResult, strategy_order};

/// FOCUS rows as CSV, with the FOCUS column ids as the header (see `analysis::audit`'s
/// `focus` module for the columns).
pub fn focus_csv(rows: &[FocusRow]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        return Ok(String::new());
    }
    for r in rows {
        w.serialize(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The CSV header line.
pub const HEADER: &str = "strategy,dimension,key,cost_usd_mean,cost_usd_p5,cost_usd_p50,cost_usd_p95,cost_usd_min,cost_usd_max,requests_mean,tokens_mean,cost_usd_p10,cost_usd_p90";

/// A CSV field, quoted when it holds a comma, quote or line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A row with requests and (optionally) tokens.
fn row(
    strategy: &str,
    dim: &str,
    key: &str,
    c: &Stats,
    requests: f64,
    tokens: Option<f64>,
) -> String {
    usd_row(strategy, dim, key, c, Some(requests), tokens)
}

/// A row of USD statistics; `requests` and `tokens` empty when `None`.
fn usd_row(
    strategy: &str,
    dim: &str,
    key: &str,
    c: &Stats,
    requests: Option<f64>,
    tokens: Option<f64>,
) -> String {
    let opt = |x: Option<f64>| x.map(|t| t.to_string()).unwrap_or_default();
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        field(strategy),
        dim,
        field(key),
        c.mean,
        c.p5,
        c.p50,
        c.p95,
        c.min,
        c.max,
        opt(requests),
        opt(tokens),
        c.p10,
        c.p90
    )
}

/// Render the report as CSV.
pub fn render(report: &Report) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for name in strategy_order(report) {
        let s = &report.strategies[&name];
        cost_rows(&mut out, &name, s);
        time_rows(&mut out, &name, s);
        unit_rows(&mut out, &name, s);
        scale_rows(&mut out, report, &name);
    }
    out
}

/// The strategy's total, then its cost by endpoint, model and token bucket.
fn cost_rows(out: &mut String, name: &str, s: &StrategyResult) {
    let all_tokens: f64 = s.tokens.values().sum();
    out.push_str(&row(
        name,
        "total",
        "",
        &s.cost_usd,
        s.requests.mean,
        Some(all_tokens),
    ));
    for (k, b) in &s.by_endpoint {
        out.push_str(&row(
            name,
            "endpoint",
            k,
            &b.cost_usd,
            b.requests,
            Some(b.tokens.values().sum()),
        ));
    }
    for (k, b) in &s.by_model {
        out.push_str(&row(
            name,
            "model",
            k,
            &b.cost_usd,
            b.requests,
            Some(b.tokens.values().sum()),
        ));
    }
    for (k, b) in &s.by_bucket {
        let t = s.tokens.get(k).copied().unwrap_or(0.0);
        out.push_str(&row(name, "bucket", k, &b.cost_usd, b.requests, Some(t)));
    }
}

/// The strategy's cost per month and per day.
fn time_rows(out: &mut String, name: &str, s: &StrategyResult) {
    for m in &s.monthly {
        out.push_str(&row(name, "month", &m.label, &m.cost_usd, m.requests, None));
    }
    for d in &s.daily {
        out.push_str(&row(
            name,
            "day",
            &d.day.to_string(),
            &d.cost_usd,
            d.requests,
            None,
        ));
    }
}

/// The strategy's unit economics (revenue and margin rows only when the scenario states
/// revenue).
fn unit_rows(out: &mut String, name: &str, s: &StrategyResult) {
    let u = &s.unit_economics;
    let unit = [
        ("per_request", Some(&u.cost_per_request_usd)),
        ("per_session", Some(&u.cost_per_session_usd)),
        ("per_active_user_day", Some(&u.cost_per_active_user_day_usd)),
        ("per_user_month", Some(&u.cost_per_user_month_usd)),
        ("revenue", u.revenue_usd.as_ref()),
        ("margin", u.margin_usd.as_ref()),
        (
            "revenue_per_user_month",
            u.revenue_per_user_month_usd.as_ref(),
        ),
        (
            "margin_per_user_month",
            u.margin_per_user_month_usd.as_ref(),
        ),
    ];
    for (key, stats) in unit {
        if let Some(st) = stats {
            out.push_str(&usd_row(name, "unit", key, st, None, None));
        }
    }
}

/// The strategy's points of the scale curve, keyed by daily active users.
fn scale_rows(out: &mut String, report: &Report, name: &str) {
    for p in report.scale_curve.iter().flat_map(|c| &c.points) {
        let Some(ps) = p.strategies.get(name) else {
            continue;
        };
        let users = p.daily_active_users.to_string();
        let mut put = |dim: &str, st: &Stats| {
            out.push_str(&usd_row(name, dim, &users, st, None, None));
        };
        put("scale_per_user_month", &ps.cost_per_user_month_usd);
        put("scale_per_request", &ps.cost_per_request_usd);
        if let Some(m) = &ps.margin_per_user_month_usd {
            put("scale_margin_per_user_month", m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(field("chat"), "chat");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
