//! Reading a saved JSON report (what `plot` and `diff` do with a report file): parsed, of this
//! [`SCHEMA_VERSION`], and holding together, so that a hand-edited or truncated report is
//! refused naming the field, instead of drawing an empty folder of charts or a +100% change.
//!
//! Every report tokencast writes holds together; the rules are the ones [`super::build`] follows:
//! at least one run and one day, at most [`MAX_HORIZON_DAYS`] days; at least one strategy, each
//! named once in `strategy_order`; per strategy, one total per run in `runs_cost_usd` (or none,
//! as older reports have), one `daily` entry per day in order, `monthly` cutting the horizon
//! into consecutive months; and every money figure a finite number of at most
//! [`MAX_REPORT_USD`] dollars, costs of a run not negative.

use crate::foundations::limits::{MAX_REPORT_USD, readable};
use crate::foundations::time::MAX_HORIZON_DAYS;

use super::{Report, SCHEMA_VERSION, StrategyResult};

/// Why a saved JSON report (`--format json`) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or JSON without a report's fields.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A report written for another [`SCHEMA_VERSION`].
    #[error("schema_version {0} (this tokencast reads {SCHEMA_VERSION})")]
    Schema(u32),
    /// A report whose fields do not hold together (hand-edited or corrupted): a field, what it
    /// holds and what would be valid.
    #[error("{0}")]
    Inconsistent(Inconsistency),
}

impl Report {
    /// Read a saved JSON report (what `tokencast diff` and `plot` do with a report file),
    /// refused when written for another schema version or when its fields do not hold together
    /// (runs, horizon, strategies and their order, per-run and per-day figures, money in range:
    /// see this module).
    pub fn from_json(bytes: &[u8]) -> Result<Report, ReadError> {
        let report: Report = serde_json::from_slice(bytes)?;
        if report.schema_version != SCHEMA_VERSION {
            return Err(ReadError::Schema(report.schema_version));
        }
        check(&report).map_err(ReadError::Inconsistent)?;
        Ok(report)
    }
}

/// What is wrong with one field of a saved report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    /// Its path, as in the JSON (`strategies.baseline.runs_cost_usd`).
    pub field: String,
    /// What it holds and what would be valid.
    pub message: String,
}

impl std::fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The first rule `report` breaks, if any.
fn check(report: &Report) -> Result<(), Inconsistency> {
    let bad = |field: &str, message: String| {
        Err(Inconsistency {
            field: field.to_string(),
            message,
        })
    };
    if report.runs == 0 {
        return bad("runs", "is 0; a report has at least 1 run".into());
    }
    if report.horizon_days == 0 || report.horizon_days > MAX_HORIZON_DAYS {
        return bad(
            "horizon_days",
            format!(
                "is {}; must be between 1 and {MAX_HORIZON_DAYS}",
                report.horizon_days
            ),
        );
    }
    if report.strategies.is_empty() {
        return bad(
            "strategies",
            "is empty; a report has at least one strategy (baseline)".into(),
        );
    }
    check_order(report)?;
    for (name, s) in &report.strategies {
        check_strategy(report, name, s)?;
    }
    if let Some(field) = report.money_beyond(MAX_REPORT_USD) {
        return bad(
            &field,
            format!("is not a finite number of dollars up to {MAX_REPORT_USD:e}"),
        );
    }
    Ok(())
}

/// `strategy_order` names every strategy of `strategies` once, and nothing else.
fn check_order(report: &Report) -> Result<(), Inconsistency> {
    let known: Vec<&str> = report.strategies.keys().map(String::as_str).collect();
    let bad = |message: String| {
        Err(Inconsistency {
            field: "strategy_order".into(),
            message,
        })
    };
    for (i, n) in report.strategy_order.iter().enumerate() {
        if !report.strategies.contains_key(n) {
            return bad(format!(
                "names {n:?}, which is not in strategies (they are {})",
                quoted(&known)
            ));
        }
        if report.strategy_order[..i].contains(n) {
            return bad(format!("names {n:?} twice; each strategy appears once"));
        }
    }
    if let Some(missing) = known
        .iter()
        .find(|k| !report.strategy_order.iter().any(|n| n == *k))
    {
        return bad(format!(
            "lacks {missing:?}; it lists every strategy of strategies once ({})",
            quoted(&known)
        ));
    }
    Ok(())
}

/// One strategy's per-run totals, days and months agree with the report's runs and horizon.
fn check_strategy(report: &Report, name: &str, s: &StrategyResult) -> Result<(), Inconsistency> {
    let bad = |field: String, message: String| {
        Err(Inconsistency {
            field: format!("strategies.{name}.{field}"),
            message,
        })
    };
    let runs = report.runs as usize;
    if !s.runs_cost_usd.is_empty() && s.runs_cost_usd.len() != runs {
        return bad(
            "runs_cost_usd".into(),
            format!(
                "has {} value{}, but runs is {runs}; it holds one total per run",
                s.runs_cost_usd.len(),
                if s.runs_cost_usd.len() == 1 { "" } else { "s" }
            ),
        );
    }
    if let Some((i, c)) = s
        .runs_cost_usd
        .iter()
        .enumerate()
        .find(|(_, c)| !(c.is_finite() && (0.0..=MAX_REPORT_USD).contains(*c)))
    {
        return bad(
            format!("runs_cost_usd[{i}]"),
            format!(
                "is {}; a run's cost is a number of dollars from 0 to {MAX_REPORT_USD:e}",
                readable(*c)
            ),
        );
    }
    let days = report.horizon_days as usize;
    if s.daily.len() != days {
        return bad(
            "daily".into(),
            format!(
                "has {} entr{}, but horizon_days is {days}; it holds one entry per day",
                s.daily.len(),
                if s.daily.len() == 1 { "y" } else { "ies" }
            ),
        );
    }
    if let Some((i, d)) = s
        .daily
        .iter()
        .enumerate()
        .find(|(i, d)| d.day as usize != *i)
    {
        return bad(
            format!("daily[{i}].day"),
            format!("is {}; days are numbered 0, 1, 2, ... in order", d.day),
        );
    }
    let mut next_day = 0u64;
    for (i, m) in s.monthly.iter().enumerate() {
        if m.month as usize != i + 1 || u64::from(m.first_day) != next_day || m.days == 0 {
            return bad(
                format!("monthly[{i}]"),
                format!(
                    "is month {} from day {} for {} days; month {} starts on day {next_day} \
                     and has at least 1 day",
                    m.month,
                    m.first_day,
                    m.days,
                    i + 1
                ),
            );
        }
        next_day += u64::from(m.days);
    }
    if !s.monthly.is_empty() && next_day != days as u64 {
        return bad(
            "monthly".into(),
            format!("covers {next_day} days, but horizon_days is {days}"),
        );
    }
    Ok(())
}

/// `"a", "b"`.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
