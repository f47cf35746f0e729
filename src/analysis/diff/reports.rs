//! Two priced reports of one scenario file compared: whether their runs can be paired, the
//! notes a reader needs (unpaired runs, one run, a changed horizon, name or prices), the
//! warnings the edit brought, and one comparison per strategy.
//!
//! Reports come from `sides.rs` (simulated or saved); the per-strategy arithmetic is in
//! `strategy.rs`.

use crate::analysis::diff::strategy::{SideRuns, strategy_diff};
use crate::analysis::diff::{Pairing, ScenarioDiff, SideInfo, Status, StrategyDiff};
use crate::analysis::report::{Report, strategy_order};

/// One side of a comparison: its report and kind (`scenario` or `report`), if it exists.
type Side<'r> = Option<(&'r Report, &'r str)>;

/// Compare two priced reports of one scenario file (either may be absent, not both). `notes`
/// are carried into the result.
pub fn compare_reports(
    file: &str,
    base: Option<(&Report, &str)>,
    head: Option<(&Report, &str)>,
    mut notes: Vec<String>,
) -> ScenarioDiff {
    let pairing = pairing(base, head);
    notes.extend(unpaired_notes(base, head, pairing));
    notes.extend(one_run_note(base, head));
    if let (Some((b, _)), Some((h, _))) = (base, head) {
        notes.extend(edit_notes(b, h));
    }
    let new_warnings = new_warnings(base, head);
    let names = strategy_names(base, head);
    let seed = base.or(head).map(|(r, _)| r.seed).unwrap_or(0);
    let strategies: Vec<StrategyDiff> = names
        .iter()
        .map(|n| strategy_diff(n, side_runs(base, n), side_runs(head, n), pairing, seed))
        .collect();
    let status = scenario_status(base, head, &strategies);
    let named = head.or(base).map(|(r, _)| r);
    ScenarioDiff {
        file: file.to_string(),
        name: named.map(|r| r.scenario.name.clone()).unwrap_or_default(),
        status,
        pairing,
        base: base.map(|(r, k)| side_info(r, k)),
        head: head.map(|(r, k)| side_info(r, k)),
        notes,
        new_warnings,
        headline_strategy: names.first().cloned().unwrap_or_default(),
        strategies,
    }
}

/// Whether every strategy of a report has its per-run totals.
pub(super) fn has_runs(r: &Report) -> bool {
    r.runs > 0
        && r.strategies
            .values()
            .all(|s| s.runs_cost_usd.len() == r.runs as usize)
}

/// Paired when both sides have the same seed and run count and every per-run total.
fn pairing(base: Side, head: Side) -> Pairing {
    match (base, head) {
        (Some((b, _)), Some((h, _))) => {
            if b.seed == h.seed && b.runs == h.runs && has_runs(b) && has_runs(h) {
                Pairing::Paired
            } else {
                Pairing::Unpaired
            }
        }
        _ => Pairing::OneSide,
    }
}

/// Why unpaired sides could not be paired: seeds or run counts differ, or per-run costs are
/// missing (no intervals then).
fn unpaired_notes(base: Side, head: Side, pairing: Pairing) -> Vec<String> {
    let mut notes = Vec::new();
    if pairing == Pairing::Unpaired
        && let (Some((b, _)), Some((h, _))) = (base, head)
    {
        if b.seed != h.seed || b.runs != h.runs {
            notes.push(
                "the two sides differ in seed or run count, so their runs cannot be paired: \
                 the intervals treat the sides as independent samples and are wider"
                    .to_string(),
            );
        }
        for (r, which) in [(b, "base"), (h, "new")] {
            if !has_runs(r) {
                notes.push(format!(
                    "{which} ({}) has no per-run costs (written by an older tokencast?): no \
                     intervals",
                    r.scenario.path
                ));
            }
        }
    }
    notes
}

/// With one run (on the side with fewer), no interval can be given.
fn one_run_note(base: Side, head: Side) -> Option<String> {
    let runs_shown = [base, head]
        .into_iter()
        .flatten()
        .map(|(r, _)| r.runs)
        .min()
        .unwrap_or(0);
    (runs_shown == 1)
        .then(|| "one run: no interval can be given (use --runs 2 or more)".to_string())
}

/// What else the edit changed that affects how to read the numbers: horizon, name, prices.
fn edit_notes(b: &Report, h: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    if b.horizon_days != h.horizon_days {
        notes.push(format!(
            "the horizon changes from {} to {} days: costs are compared per 30 days",
            b.horizon_days, h.horizon_days
        ));
    }
    if b.scenario.name != h.scenario.name {
        notes.push(format!(
            "the scenario is renamed from {:?} to {:?}",
            b.scenario.name, h.scenario.name
        ));
    }
    let (bp, hp) = (prices_of(b), prices_of(h));
    if bp != hp {
        notes.push(format!("prices differ: base {bp}; new {hp}"));
    }
    notes
}

/// A report's price catalog: its source and effective date.
fn prices_of(r: &Report) -> String {
    format!("{}, effective {}", r.prices.source, r.prices.effective_date)
}

/// HEAD's warnings that BASE did not have (all of them for an added scenario).
fn new_warnings(base: Side, head: Side) -> Vec<String> {
    match (base, head) {
        (_, None) => Vec::new(),
        (None, Some((h, _))) => h.warnings.clone(),
        (Some((b, _)), Some((h, _))) => h
            .warnings
            .iter()
            .filter(|w| !b.warnings.contains(w))
            .cloned()
            .collect(),
    }
}

/// Strategies: HEAD's order, then those only BASE has.
fn strategy_names(base: Side, head: Side) -> Vec<String> {
    let mut names: Vec<String> = head.map(|(h, _)| strategy_order(h)).unwrap_or_default();
    if let Some((b, _)) = base {
        for n in strategy_order(b) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// Strategy `n` on one side, per 30 days, if the side has it.
fn side_runs<'r>(s: Side<'r>, n: &str) -> Option<SideRuns<'r>> {
    s.and_then(|(r, _)| {
        r.strategies
            .get(n)
            .map(|st| SideRuns::of(st, monthly_factor(r), has_runs(r)))
    })
}

/// Added, removed, unchanged when every strategy is, else changed.
fn scenario_status(base: Side, head: Side, strategies: &[StrategyDiff]) -> Status {
    match (base, head) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ if strategies.iter().all(|s| s.status == Status::Unchanged) => Status::Unchanged,
        _ => Status::Changed,
    }
}

fn side_info(r: &Report, kind: &str) -> SideInfo {
    SideInfo {
        path: r.scenario.path.clone(),
        kind: kind.to_string(),
        name: r.scenario.name.clone(),
        sha256: r.scenario.sha256.clone(),
        seed: r.seed,
        runs: r.runs,
        horizon_days: r.horizon_days,
        prices: prices_of(r),
    }
}

/// 30 / horizon days: what turns a horizon's cost into a monthly one.
fn monthly_factor(r: &Report) -> f64 {
    30.0 / f64::from(r.horizon_days.max(1))
}
