//! Runs: one or many independent simulations of a scenario, in parallel, reduced in run order.
//!
//! Run `i` draws only from streams keyed by `(seed, i)` ([`crate::foundations::rng`]): its uncertain
//! parameters ([`crate::model::uncertain`]) first, then its traffic and every lever's randomness.
//! Results are collected into a vector indexed by run before anything is summed, so the report
//! is byte-identical whatever the number of threads (rayon's `collect` keeps order; no float is
//! ever reduced across workers).
//!
//! Runs can be stopped ([`simulate_with`]'s cancel flag is checked between runs and every 65,536
//! requests within one); the caller then gets [`Stop::Cancelled`] and no partial outcome.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::foundations::ledger::Ledger;
use crate::model::scenario::{Endpoint, Revenue, Scenario};
use crate::model::strategy::Strategy;
#[cfg(doc)]
use crate::model::uncertain::Sampling;
use crate::model::uncertain::{self, PriceScales};
use crate::model::workload::synthetic::{OutputClamps, Synthetic};
use crate::simulation::pipeline::Fleet;
use crate::simulation::pipeline::{ModelTable, Pipeline};

/// What a run drew and saw, besides its ledgers.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Draws of the scenario's uncertain parameters, in their order.
    pub draws: Vec<f64>,
    /// Price multipliers of this run.
    pub prices: PriceScales,
    /// Active user-days of the product over the horizon (daily active users × weekday factor,
    /// summed over days, for the endpoint with the most users on day 0).
    pub active_user_days: f64,
    /// Requests the application served (every request of the traffic, whether a model
    /// answered it or a semantic cache did).
    pub served_requests: u64,
    /// Revenue settings of this run, if the scenario states revenue.
    pub revenue: Option<Revenue>,
    /// Per endpoint: requests whose output was clamped to the model's `max_output_tokens`.
    pub output_clamps: Vec<OutputClamps>,
}

/// Everything the runs produced, before pricing.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Models referenced by ledger lines.
    pub models: ModelTable,
    /// The strategies, in report order (baseline first).
    pub strategies: Vec<Strategy>,
    /// `ledgers[run][strategy]`.
    pub ledgers: Vec<Vec<Ledger>>,
    /// One per run (empty for recorded traffic: then every run is the scenario as written).
    pub runs: Vec<RunInfo>,
    /// Runs per independent block ([`Sampling::block_runs`]): 1 unless the uncertain
    /// parameters were stratified. The Monte Carlo errors are computed over blocks.
    pub block_runs: u32,
}

impl Outcome {
    /// The runs of `later` (of the same scenario and strategies, numbered after these) added
    /// after these.
    pub fn append(&mut self, later: Outcome) {
        self.ledgers.extend(later.ledgers);
        self.runs.extend(later.runs);
    }
}

/// The model table every run of these strategies uses (built the same way in each run).
pub fn model_table(scenario: &Scenario, strategies: &[Strategy]) -> ModelTable {
    let mut models = ModelTable::default();
    for s in strategies {
        Pipeline::new(scenario, s, &mut models, 0);
    }
    models
}

/// Why a run stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The simulation could not run (e.g. a run's uncertain draws exceed a limit).
    Failed(String),
    /// The cancel flag was set.
    Cancelled,
}

/// Simulate run `run` of `scenario` exactly as given (no uncertain draws applied) under every
/// strategy: one pass over the traffic, each request offered to every strategy's pipeline in
/// turn.
pub fn run_once(
    scenario: &Scenario,
    strategies: &[Strategy],
    run: u64,
) -> Result<Vec<Ledger>, String> {
    match run_counted(scenario, strategies, run, None) {
        Ok(r) => Ok(r.ledgers),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Cancelled) => Err("cancelled".to_string()),
    }
}

/// What one pass over a run's traffic produced.
struct Counted {
    ledgers: Vec<Ledger>,
    served: u64,
    output_clamps: Vec<OutputClamps>,
}

fn run_counted(
    scenario: &Scenario,
    strategies: &[Strategy],
    run: u64,
    cancel: Option<&AtomicBool>,
) -> Result<Counted, Stop> {
    let mut models = ModelTable::default();
    let mut fleet = Fleet::new(
        strategies
            .iter()
            .map(|s| Pipeline::new(scenario, s, &mut models, run))
            .collect(),
    );
    let mut served = 0u64;
    let mut traffic = Synthetic::new(scenario, run).map_err(Stop::Failed)?;
    let mut req = crate::model::workload::Request::default();
    while traffic.next_into(&mut req) {
        fleet.process(&req);
        served += 1;
        if served & 0xFFFF == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Stop::Cancelled);
        }
    }
    let ledgers = fleet.into_ledgers();
    check_sums(&ledgers, run)?;
    Ok(Counted {
        ledgers,
        served,
        output_clamps: traffic.output_clamps(),
    })
}

/// A run whose token counts overflowed (a count reached `u64::MAX`, where the ledger's sums
/// saturate) is an error, never a wrapped number.
fn check_sums(ledgers: &[Ledger], run: u64) -> Result<(), Stop> {
    match ledgers.iter().find_map(Ledger::overflow) {
        Some(what) => Err(Stop::Failed(format!(
            "run {run}: {what}; the scenario's sizes or traffic are far beyond any real workload"
        ))),
        None => Ok(()),
    }
}

/// The product's endpoint: the one with the most daily active users on day 0.
pub fn product_endpoint(scenario: &Scenario) -> Option<usize> {
    (0..scenario.endpoints.len()).max_by(|&a, &b| {
        scenario.endpoints[a]
            .traffic
            .daily_active_users
            .total_cmp(&scenario.endpoints[b].traffic.daily_active_users)
    })
}

/// Active user-days over the horizon of endpoint `product` of `scenario`.
pub fn active_user_days(scenario: &Scenario, product: Option<usize>) -> f64 {
    let Some(e) = product.and_then(|i| scenario.endpoints.get(i)) else {
        return 0.0;
    };
    e.traffic
        .users_by_day(&scenario.months)
        .iter()
        .enumerate()
        .map(|(d, u)| u * e.traffic.weekday_factor[scenario.weekday_of(d as u32)])
        .sum()
}

fn one_run(
    scenario: &Scenario,
    product: Option<usize>,
    run: u64,
    cancel: Option<&AtomicBool>,
) -> Result<(Vec<Ledger>, RunInfo), Stop> {
    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(Stop::Cancelled);
    }
    if scenario.uncertain.is_empty() {
        let c = run_counted(scenario, &scenario.strategies, run, cancel)?;
        return Ok((
            c.ledgers,
            RunInfo {
                draws: Vec::new(),
                prices: PriceScales::default(),
                active_user_days: active_user_days(scenario, product),
                served_requests: c.served,
                revenue: scenario.revenue.clone(),
                output_clamps: c.output_clamps,
            },
        ));
    }
    let draws = uncertain::draw(scenario, run);
    let (sc, prices) =
        uncertain::apply(scenario, &draws).map_err(|e| Stop::Failed(format!("run {run}: {e}")))?;
    let c = run_counted(&sc, &sc.strategies, run, cancel)?;
    Ok((
        c.ledgers,
        RunInfo {
            draws,
            prices,
            active_user_days: active_user_days(&sc, product),
            served_requests: c.served,
            revenue: sc.revenue.clone(),
            output_clamps: c.output_clamps,
        },
    ))
}

/// Runs per independent block of `scenario`'s runs ([`Sampling::block_runs`]).
pub fn block_runs(scenario: &Scenario) -> u32 {
    scenario.sampling.block_runs(!scenario.uncertain.is_empty())
}

/// Simulate runs `0..runs` of `scenario` (every strategy, uncertain parameters drawn per run)
/// in parallel on rayon's pool.
pub fn simulate(scenario: &Scenario, runs: u32) -> Result<Outcome, String> {
    match simulate_with(scenario, runs, None, None) {
        Ok(o) => Ok(o),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Cancelled) => Err("cancelled".to_string()),
    }
}

/// [`simulate`] that can be stopped through `cancel` (checked between runs and every 65,536
/// requests within one) and reports each finished run to `progress` (from worker threads).
pub fn simulate_with(
    scenario: &Scenario,
    runs: u32,
    cancel: Option<&AtomicBool>,
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<Outcome, Stop> {
    simulate_runs(scenario, 0..runs, cancel, progress)
}

/// Runs `runs` (a range of run numbers) of [`simulate_with`]: runs `a..b` then `b..c`, their
/// outcomes appended ([`Outcome::append`]), are runs `a..c` exactly, since run `i` draws only
/// from streams keyed by `(seed, i)`.
pub fn simulate_runs(
    scenario: &Scenario,
    runs: std::ops::Range<u32>,
    cancel: Option<&AtomicBool>,
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<Outcome, Stop> {
    let product = product_endpoint(scenario);
    let results = (u64::from(runs.start)..u64::from(runs.end))
        .into_par_iter()
        .map(|r| {
            let out = one_run(scenario, product, r, cancel);
            if let Some(p) = progress {
                p();
            }
            out
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (ledgers, infos) = results.into_iter().unzip();
    Ok(Outcome {
        models: model_table(scenario, &scenario.strategies),
        strategies: scenario.strategies.to_vec(),
        ledgers,
        runs: infos,
        block_runs: block_runs(scenario),
    })
}

/// Request evaluations (requests × strategies) the default run count aims at: a few seconds
/// on a laptop's cores at the engine's measured speed (README, Performance).
pub const DEFAULT_EVALUATIONS: f64 = 2e8;

/// Expected requests of one run of `scenario` (sessions × mean turns, summed over endpoints and
/// days), before any lever.
pub fn expected_requests(scenario: &Scenario) -> f64 {
    scenario
        .endpoints
        .iter()
        .map(|e| expected_requests_by_day(scenario, e).iter().sum::<f64>())
        .sum()
}

/// Expected requests of endpoint `e` of `scenario` on each day of a run: users × sessions per
/// user × the weekday's factor × mean turns ([`Traffic::mean_turns`](crate::model::scenario::Traffic::mean_turns)).
fn expected_requests_by_day(scenario: &Scenario, e: &Endpoint) -> Vec<f64> {
    let t = &e.traffic;
    let turns = t.mean_turns();
    t.users_by_day(&scenario.months)
        .iter()
        .enumerate()
        .map(|(d, u)| {
            u * t.sessions_per_user_per_day
                * t.weekday_factor[scenario.weekday_of(d as u32)]
                * turns
        })
        .collect()
}

/// Expected requests of each month of one run of `scenario` (as [`expected_requests`], by
/// month of `scenario.months`).
pub fn expected_requests_by_month(scenario: &Scenario) -> Vec<f64> {
    let mut months = vec![0.0; scenario.months.len()];
    for e in &scenario.endpoints {
        let days = expected_requests_by_day(scenario, e);
        for (m, span) in scenario.months.iter().enumerate() {
            let from = (span.first_day as usize).min(days.len());
            let to = (from + span.days as usize).min(days.len());
            months[m] += days[from..to].iter().sum::<f64>();
        }
    }
    months
}

/// The expected requests of the busiest month of a run of `scenario` that drew `draws` (its
/// uncertain parameters, in list order); `None` when the draws cannot be applied.
pub fn busiest_month_requests(scenario: &Scenario, draws: &[f64]) -> Option<f64> {
    let (sc, _) = uncertain::apply(scenario, draws).ok()?;
    Some(
        expected_requests_by_month(&sc)
            .into_iter()
            .fold(0.0, f64::max),
    )
}

/// The number of runs `tokencast run` makes without `--runs`: as many as fit in
/// [`DEFAULT_EVALUATIONS`], at least 20 (for P5 and P95 to mean something) and at most 1,000,
/// rounded down to a multiple of 10.
pub fn default_runs(scenario: &Scenario) -> u32 {
    let per_run = expected_requests(scenario) * scenario.strategies.len().max(1) as f64;
    let runs = if per_run > 0.0 {
        DEFAULT_EVALUATIONS / per_run
    } else {
        1000.0
    };
    ((runs.clamp(20.0, 1000.0) as u32) / 10) * 10
}
