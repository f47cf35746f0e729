//! From the tally of a whole trace to the audit's report: the usual report of one strategy,
//! `recorded`, priced from the ledger, and the `audit` section: medians and means of prompt
//! and output lengths, input vs output share of the cost, the Pareto view of endpoints and
//! users, prefix and intent reuse, and the findings.
//!
//! Runs once per audit, after the last row; the per-row work is in `tally.rs`.

use std::collections::BTreeMap;

use crate::analysis::audit::findings::findings;
use crate::analysis::audit::strmap::StrMap;
use crate::analysis::audit::tally::Tally;
use crate::analysis::report::{
    self, AuditSection, IgnoredItems, ParetoRow, Report, StrategyResult, Subject,
};
use crate::foundations::ledger::Ledger;
use crate::foundations::pricing::Catalog;
use crate::model::strategy::{EndpointLevers, Strategy};
use crate::model::workload::trace::TraceRunError;
use crate::simulation::montecarlo::Outcome;
use crate::simulation::pipeline::ModelTable;

/// The report of an audited trace (at least one row): `format` names the trace format,
/// `path` and `sha256` the file, `ignored` the items left out without usage, by reason.
pub(super) fn report(
    mut tally: Tally,
    format: &str,
    path: String,
    sha256: String,
    ignored: Vec<(String, u64)>,
    catalog: &Catalog,
) -> Result<Report, TraceRunError> {
    let overflow = tally.ledger.overflow().or_else(|| {
        (tally.sum_in == u64::MAX || tally.sum_out == u64::MAX).then(|| {
            format!(
                "the trace's token total overflowed (more than {} tokens)",
                u64::MAX
            )
        })
    });
    if let Some(what) = overflow {
        return Err(TraceRunError::Overflow { path, what });
    }
    let users = tally.user_cost.len() as u64;
    let prefix_reuse_ratio = tally.prefix_reuse_ratio();
    let intent_repeat_ratio = tally.intent_repeat_ratio();
    let top_users = top_users(&tally.user_cost);
    // The sets of sessions, users and prefix blocks can hold millions of strings: freed on a
    // thread of their own, which neither the report nor the caller waits for (if no thread can
    // be started, the failed spawn drops them here).
    let sets = tally.take_sets();
    let _ = std::thread::Builder::new()
        .name("tokencast-free".into())
        .spawn(move || drop(sets));
    report_of(
        tally,
        format,
        path,
        sha256,
        ignored,
        catalog,
        SetFigures {
            users,
            prefix_reuse_ratio,
            intent_repeat_ratio,
            top_users,
        },
    )
}

/// What the report takes from a tally's sets before they are freed.
struct SetFigures {
    /// Distinct users.
    users: u64,
    prefix_reuse_ratio: Option<f64>,
    intent_repeat_ratio: Option<f64>,
    /// The costliest users, `(id, cost, requests)`.
    top_users: Vec<(String, f64, u64)>,
}

/// [`report`] of a tally without its sets, their figures (users, prefix reuse and intent
/// repeat ratios, the costliest users) already taken.
fn report_of(
    tally: Tally,
    format: &str,
    path: String,
    sha256: String,
    ignored: Vec<(String, u64)>,
    catalog: &Catalog,
    sets: SetFigures,
) -> Result<Report, TraceRunError> {
    let SetFigures {
        users,
        prefix_reuse_ratio,
        intent_repeat_ratio,
        top_users,
    } = sets;
    let horizon_days = tally.ledger.days();
    let recorded_cost = tally.recorded.section(&tally.models.ids);
    let breakdowns = tally.breakdowns;
    let outcome = recorded_outcome(tally.models, tally.ledger, tally.endpoints.len());
    let subject = Subject::recorded(
        path.clone(),
        path.clone(),
        sha256,
        horizon_days,
        catalog,
        tally.endpoints,
    );
    let mut rep = report::build_for(&subject, &outcome, 1)?;
    let rec = &rep.strategies["recorded"];
    let total = rec.cost_usd.mean;
    let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    let (input_cost, output_cost) = input_and_output_cost(rec);
    let endpoints_pareto = pareto(&endpoints_by_cost(rec), total);
    let endpoints_for_80_percent = endpoints_pareto
        .iter()
        .position(|r| r.cumulative_share >= 0.8 - 1e-12)
        .map_or(endpoints_pareto.len(), |i| i + 1);
    let rows = tally.rows;
    // A bucket's tokens are many requests' sum: medians are not known, and means only where
    // the report counts requests.
    let medians = !tally.bucketed;
    let requests = tally.requests;
    let means = tally.requests_known && requests > 0;
    let mut warnings: Vec<String> = tally.warnings.iter().cloned().collect();
    if tally.bucketed {
        warnings.push(format!(
            "{format} is a bucketed usage report: medians of prompt and output lengths are not \
             known from it{}",
            if tally.requests_known {
                ""
            } else {
                ", and it does not count requests (requests show as 0; means per request are \
                 not known)"
            }
        ));
    }
    let mut a = AuditSection {
        format: format.to_string(),
        rows,
        skipped_rows: tally.skipped,
        skipped_lines: tally.skipped_lines,
        ignored: ignored
            .into_iter()
            .map(|(reason, count)| IgnoredItems { reason, count })
            .collect(),
        median_input_tokens: medians.then(|| median(&sorted(&tally.input_counts), rows)),
        median_output_tokens: medians.then(|| median(&sorted(&tally.output_counts), rows)),
        mean_input_tokens: means.then(|| tally.sum_in as f64 / requests as f64),
        mean_output_tokens: means.then(|| tally.sum_out as f64 / requests as f64),
        input_cost_share: share(input_cost),
        output_cost_share: share(output_cost),
        recorded_cache_read_ratio: cache_read_ratio(rec),
        prefix_reuse_ratio,
        intent_repeat_ratio,
        endpoints_pareto,
        top_users: pareto(&top_users, total),
        users,
        endpoints_for_80_percent,
        findings: Vec::new(),
        recorded_cost,
        breakdowns: breakdowns
            .finish(total)
            .map_err(|message| TraceRunError::Invalid { path, message })?,
    };
    a.findings = findings(&a, rec.context_overflows);
    rep.span_s = tally
        .span_ms
        .map(|(first, last)| (last - first) as f64 / 1000.0);
    rep.recommendation = Some(crate::analysis::decision::audit_recommendation(
        &a.findings,
        &rep.strategy_order,
    ));
    rep.audit = Some(a);
    rep.warnings.extend(warnings);
    Ok(rep)
}

/// The trace as the outcome of one run of one strategy, `recorded`, with no levers.
fn recorded_outcome(models: ModelTable, ledger: Ledger, endpoints: usize) -> Outcome {
    let strategy = Strategy {
        name: "recorded".to_string(),
        description: "the trace's usage priced as recorded".to_string(),
        endpoints: vec![EndpointLevers::default(); endpoints],
    };
    Outcome {
        models,
        strategies: vec![strategy],
        ledgers: vec![vec![ledger]],
        runs: Vec::new(),
        block_runs: 1,
    }
}

/// The cost of prompt tokens (uncached input, cache writes and reads) and of output tokens
/// (visible and reasoning).
fn input_and_output_cost(rec: &StrategyResult) -> (f64, f64) {
    let bucket_cost = |n: &str| rec.by_bucket.get(n).map_or(0.0, |b| b.cost_usd.mean);
    let input_cost: f64 = [
        "input",
        "cache_write_5m",
        "cache_write_30m",
        "cache_write_1h",
        "cache_write_12h",
        "cache_write_24h",
        "cache_read",
    ]
    .iter()
    .map(|b| bucket_cost(b))
    .sum();
    let output_cost = bucket_cost("output") + bucket_cost("reasoning");
    (input_cost, output_cost)
}

/// Share of prompt tokens the trace records as read from a cache.
fn cache_read_ratio(rec: &StrategyResult) -> f64 {
    let prompt_tokens: f64 = ["input", "cache_write_5m", "cache_write_30m", "cache_read"]
        .iter()
        .map(|b| rec.tokens.get(*b).copied().unwrap_or(0.0))
        .sum();
    if prompt_tokens > 0.0 {
        rec.tokens.get("cache_read").copied().unwrap_or(0.0) / prompt_tokens
    } else {
        0.0
    }
}

/// Endpoints as `(name, cost, requests)`, most expensive first (ties by name).
fn endpoints_by_cost(rec: &StrategyResult) -> Vec<(String, f64, u64)> {
    let mut eps: Vec<(String, f64, u64)> = rec
        .by_endpoint
        .iter()
        .map(|(n, b)| (n.clone(), b.cost_usd.mean, b.requests as u64))
        .collect();
    eps.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    eps
}

/// The 20 most expensive users as `(id, cost, requests)`, most expensive first (ties by id).
fn top_users(users: &StrMap<(f64, u64)>) -> Vec<(String, f64, u64)> {
    const TOP: usize = 20;
    // Ids are distinct, so the order is total: selecting the first 20 and sorting them gives
    // what sorting every user would, without sorting (or copying) a million of them.
    let order =
        |a: &(&str, f64, u64), b: &(&str, f64, u64)| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0));
    let mut us: Vec<(&str, f64, u64)> = users.iter().map(|(u, (c, r))| (u, *c, *r)).collect();
    if us.len() > TOP {
        us.select_nth_unstable_by(TOP - 1, order);
        us.truncate(TOP);
    }
    us.sort_by(order);
    us.into_iter()
        .map(|(u, c, r)| (u.to_string(), c, r))
        .collect()
}

/// Rows of a Pareto table: each item's share of `total` and the running sum of shares.
fn pareto(items: &[(String, f64, u64)], total: f64) -> Vec<ParetoRow> {
    let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    let mut cum = 0.0;
    items
        .iter()
        .map(|(n, c, r)| {
            cum += share(*c);
            ParetoRow {
                name: n.clone(),
                cost_usd: *c,
                share: share(*c),
                cumulative_share: cum,
                requests: *r,
            }
        })
        .collect()
}

/// Counts by value, in value order.
fn sorted(counts: &rustc_hash::FxHashMap<u64, u64>) -> BTreeMap<u64, u64> {
    counts.iter().map(|(k, v)| (*k, *v)).collect()
}

/// Exact median of integers from their counts.
fn median(counts: &BTreeMap<u64, u64>, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let value_at = |rank: u64| {
        let mut seen = 0;
        for (v, c) in counts {
            seen += c;
            if seen > rank {
                return *v as f64;
            }
        }
        0.0
    };
    if n % 2 == 1 {
        value_at(n / 2)
    } else {
        (value_at(n / 2 - 1) + value_at(n / 2)) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_exact() {
        let mut c = BTreeMap::new();
        for v in [5u64, 1, 3, 3, 9] {
            *c.entry(v).or_default() += 1;
        }
        assert_eq!(median(&c, 5), 3.0);
        *c.entry(10).or_default() += 1;
        assert_eq!(median(&c, 6), 4.0);
    }
}
