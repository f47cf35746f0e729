//! CSV export: one row per (strategy, dimension, key), long format, for spreadsheets.
//!
//! Columns: `strategy,dimension,key,cost_usd_mean,cost_usd_p5,cost_usd_p50,cost_usd_p95,
//! cost_usd_min,cost_usd_max,requests_mean,tokens_mean,cost_usd_p10,cost_usd_p90` (the last
//! two were added later, at the end, so positional readers keep working). Dimensions: `total`,
//! `endpoint`, `model`, `bucket`, `month` (key: the month's label), `day`. `tokens_mean` is the
//! bucket's tokens for `bucket` rows, all billed tokens for the others, and empty for `month`
//! and `day` rows.

use super::table::strategy_order;
use super::{Report, Stats};

/// The CSV header line.
pub const HEADER: &str = "strategy,dimension,key,cost_usd_mean,cost_usd_p5,cost_usd_p50,cost_usd_p95,cost_usd_min,cost_usd_max,requests_mean,tokens_mean,cost_usd_p10,cost_usd_p90";

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn row(
    strategy: &str,
    dim: &str,
    key: &str,
    c: &Stats,
    requests: f64,
    tokens: Option<f64>,
) -> String {
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
        requests,
        tokens.map(|t| t.to_string()).unwrap_or_default(),
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
        let all_tokens: f64 = s.tokens.values().sum();
        out.push_str(&row(
            &name,
            "total",
            "",
            &s.cost_usd,
            s.requests.mean,
            Some(all_tokens),
        ));
        for (k, b) in &s.by_endpoint {
            out.push_str(&row(
                &name,
                "endpoint",
                k,
                &b.cost_usd,
                b.requests,
                Some(b.tokens.values().sum()),
            ));
        }
        for (k, b) in &s.by_model {
            out.push_str(&row(
                &name,
                "model",
                k,
                &b.cost_usd,
                b.requests,
                Some(b.tokens.values().sum()),
            ));
        }
        for (k, b) in &s.by_bucket {
            let t = s.tokens.get(k).copied().unwrap_or(0.0);
            out.push_str(&row(&name, "bucket", k, &b.cost_usd, b.requests, Some(t)));
        }
        for m in &s.monthly {
            out.push_str(&row(
                &name,
                "month",
                &m.label,
                &m.cost_usd,
                m.requests,
                None,
            ));
        }
        for d in &s.daily {
            out.push_str(&row(
                &name,
                "day",
                &d.day.to_string(),
                &d.cost_usd,
                d.requests,
                None,
            ));
        }
    }
    out
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
