//! One strategy compared across the two sides, per 30 days: the change in mean, P50 and P95
//! with their intervals, what moved per endpoint, model and token bucket, and whether anything
//! changed at all.
//!
//! The intervals themselves are in `stats.rs`; this file turns a side's report into monthly
//! numbers and pairs them up item by item.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::diff::stats::{Metric, interval};
use crate::analysis::diff::{
    Change, ItemChange, MOVED_MIN_FRACTION, MOVED_MIN_USD, Pairing, Status, StrategyDiff,
};
use crate::analysis::report::{Breakdown, Stats, StrategyResult};
use crate::foundations::rng::{splitmix64, stable_hash};

/// One strategy on one side, per 30 days.
pub(super) struct SideRuns<'a> {
    stats: Stats,
    /// Per-run monthly totals in run order (empty when the report lacks them).
    runs: Vec<f64>,
    result: &'a StrategyResult,
    factor: f64,
}

impl<'a> SideRuns<'a> {
    /// `s` scaled by `factor` (30 / horizon days); per-run totals only when `complete`.
    pub(super) fn of(s: &'a StrategyResult, factor: f64, complete: bool) -> SideRuns<'a> {
        let c = &s.cost_usd;
        SideRuns {
            stats: Stats {
                mean: c.mean * factor,
                p5: c.p5 * factor,
                p10: c.p10 * factor,
                p50: c.p50 * factor,
                p90: c.p90 * factor,
                p95: c.p95 * factor,
                min: c.min * factor,
                max: c.max * factor,
            },
            runs: if complete {
                s.runs_cost_usd.iter().map(|x| x * factor).collect()
            } else {
                Vec::new()
            },
            result: s,
            factor,
        }
    }
}

/// Strategy `name` compared (either side may be absent, not both); `seed` seeds the bootstrap.
pub(super) fn strategy_diff(
    name: &str,
    base: Option<SideRuns>,
    head: Option<SideRuns>,
    pairing: Pairing,
    seed: u64,
) -> StrategyDiff {
    let total = |m: Metric, tag: u64| total_change(name, &base, &head, pairing, m, seed, tag);
    let monthly_mean = total(Metric::Mean, 0);
    let monthly_p50 = total(Metric::P50, 50);
    let monthly_p95 = total(Metric::P95, 95);
    let by_endpoint = item_changes(&base, &head, |s| &s.by_endpoint);
    let by_model = item_changes(&base, &head, |s| &s.by_model);
    let by_bucket = item_changes(&base, &head, |s| &s.by_bucket);
    let status = match (&base, &head) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        (Some(b), Some(h)) => {
            let zero = [&monthly_mean, &monthly_p50, &monthly_p95]
                .iter()
                .all(|c| c.change_usd == 0.0)
                && [&by_endpoint, &by_model, &by_bucket]
                    .iter()
                    .all(|v| v.iter().all(|i| i.change_usd == 0.0))
                && (pairing != Pairing::Paired || b.runs == h.runs);
            if zero {
                Status::Unchanged
            } else {
                Status::Changed
            }
        }
    };
    StrategyDiff {
        strategy: name.to_string(),
        status,
        monthly_mean,
        monthly_p50,
        monthly_p95,
        by_endpoint,
        by_model,
        by_bucket,
    }
}

/// The change in one statistic of the monthly total, with its interval; the bootstrap is seeded
/// by the scenario's seed, the strategy's name and `tag` (one per statistic).
fn total_change<'a>(
    name: &str,
    base: &'a Option<SideRuns>,
    head: &'a Option<SideRuns>,
    pairing: Pairing,
    m: Metric,
    seed: u64,
    tag: u64,
) -> Change {
    let value = |s: &Option<SideRuns>| s.as_ref().map(|s| m.of(&s.stats));
    let runs = |s: &'a Option<SideRuns>| s.as_ref().map(|s| s.runs.as_slice());
    let mut c = Change::point(value(base), value(head));
    let rng_seed = splitmix64(seed ^ stable_hash(name) ^ tag);
    c.interval_usd = interval(runs(base), runs(head), pairing, m, rng_seed);
    c.within_noise = c.interval_usd.map(|i| i.low <= 0.0 && 0.0 <= i.high);
    c
}

/// The endpoints, models or buckets (`f` chooses) with cost on either side, compared by mean
/// monthly cost.
fn item_changes(
    base: &Option<SideRuns>,
    head: &Option<SideRuns>,
    f: fn(&StrategyResult) -> &BTreeMap<String, Breakdown>,
) -> Vec<ItemChange> {
    let (b, h) = (monthly_means(base, f), monthly_means(head, f));
    let keys: BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (bv, hv) = (
                b.get(k).copied().unwrap_or(0.0),
                h.get(k).copied().unwrap_or(0.0),
            );
            if bv == 0.0 && hv == 0.0 {
                return None;
            }
            Some(item_change(k, bv, hv))
        })
        .collect()
}

/// Mean monthly cost of each item of one side (none for an absent side).
fn monthly_means(
    s: &Option<SideRuns>,
    f: fn(&StrategyResult) -> &BTreeMap<String, Breakdown>,
) -> BTreeMap<String, f64> {
    s.as_ref()
        .map(|s| {
            f(s.result)
                .iter()
                .map(|(k, b)| (k.clone(), b.cost_usd.mean * s.factor))
                .collect()
        })
        .unwrap_or_default()
}

/// One item's change; it *moved* by at least [`MOVED_MIN_USD`] or [`MOVED_MIN_FRACTION`] of
/// its base.
fn item_change(name: &str, bv: f64, hv: f64) -> ItemChange {
    let c = Change::point(Some(bv), Some(hv));
    ItemChange {
        name: name.to_string(),
        base_usd: c.base_usd,
        head_usd: c.head_usd,
        change_usd: c.change_usd,
        change_pct: c.change_pct,
        moved: c.change_usd != 0.0
            && (c.change_usd.abs() >= MOVED_MIN_USD
                || c.change_usd.abs() >= MOVED_MIN_FRACTION * bv.abs()),
    }
}
