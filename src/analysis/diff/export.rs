//! The diff as data for machines: pretty JSON (the [`Diff`] as serialised, keys sorted) and CSV
//! (one row per scenario, strategy and quantity). The renderings for people (terminal text,
//! markdown) are in the output layer.

use crate::analysis::diff::{Change, Diff, ItemChange, ScenarioDiff, Status, StrategyDiff};

/// The columns of [`to_csv`].
const CSV_HEADER: [&str; 15] = [
    "file",
    "scenario",
    "scenario_status",
    "strategy",
    "strategy_status",
    "kind",
    "name",
    "metric",
    "base_usd",
    "head_usd",
    "change_usd",
    "change_pct",
    "interval_low_usd",
    "interval_high_usd",
    "within_noise",
];

/// The diff as pretty JSON with sorted keys, ending in a newline.
pub fn to_json(diff: &Diff) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(diff)?;
    let mut s = serde_json::to_string_pretty(&value)?;
    s.push('\n');
    Ok(s)
}

/// One CSV row per scenario, strategy and quantity: the totals (`mean`, `p50`, `p95`) and the
/// mean of every endpoint, model and bucket. Amounts are USD per 30 days.
pub fn to_csv(diff: &Diff) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    for s in &diff.scenarios {
        for st in &s.strategies {
            for (metric, c) in [
                ("mean", &st.monthly_mean),
                ("p50", &st.monthly_p50),
                ("p95", &st.monthly_p95),
            ] {
                let _ = w.write_record(total_row(s, st, metric, c));
            }
            for (kind, items) in [
                ("endpoint", &st.by_endpoint),
                ("model", &st.by_model),
                ("bucket", &st.by_bucket),
            ] {
                for i in items {
                    let _ = w.write_record(item_row(s, st, kind, i));
                }
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The row of one of a strategy's totals (`kind` `total`), with its interval.
fn total_row(s: &ScenarioDiff, st: &StrategyDiff, metric: &str, c: &Change) -> Vec<String> {
    let mut r = row_start(s, st, "total", "", metric);
    r.extend([
        c.base_usd.to_string(),
        c.head_usd.to_string(),
        c.change_usd.to_string(),
        opt(c.change_pct),
        opt(c.interval_usd.map(|i| i.low)),
        opt(c.interval_usd.map(|i| i.high)),
        c.within_noise.map(|b| b.to_string()).unwrap_or_default(),
    ]);
    r
}

/// The row of one endpoint, model or bucket (its mean, without an interval).
fn item_row(s: &ScenarioDiff, st: &StrategyDiff, kind: &str, i: &ItemChange) -> Vec<String> {
    let mut r = row_start(s, st, kind, &i.name, "mean");
    r.extend([
        i.base_usd.to_string(),
        i.head_usd.to_string(),
        i.change_usd.to_string(),
        opt(i.change_pct),
        String::new(),
        String::new(),
        String::new(),
    ]);
    r
}

/// The first eight columns: which scenario, strategy and quantity a row is about.
fn row_start(
    s: &ScenarioDiff,
    st: &StrategyDiff,
    kind: &str,
    name: &str,
    metric: &str,
) -> Vec<String> {
    vec![
        s.file.clone(),
        s.name.clone(),
        status_name(s.status).to_string(),
        st.strategy.clone(),
        status_name(st.status).to_string(),
        kind.to_string(),
        name.to_string(),
        metric.to_string(),
    ]
}

/// A number, or an empty cell.
fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// `added`, `removed`, `changed`, `unchanged`.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Changed => "changed",
        Status::Unchanged => "unchanged",
    }
}
