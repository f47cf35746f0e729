//! Runs: one or many independent simulations of a scenario, in parallel, reduced in run order.
//!
//! Run `i` draws only from streams keyed by `(seed, i)` ([`crate::rng`]), and results are
//! collected into a vector indexed by run before anything is summed, so the report is
//! byte-identical whatever the number of threads (rayon's `collect` keeps order; no float is ever
//! reduced across workers).

use rayon::prelude::*;

use crate::ledger::Ledger;
use crate::report::{self, Report};
use crate::scenario::Scenario;
use crate::strategy::{ModelTable, Pipeline, Strategy};
use crate::workload::synthetic::Synthetic;

/// Everything the runs produced, before pricing.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Models referenced by ledger lines.
    pub models: ModelTable,
    /// The strategies, in report order (baseline first).
    pub strategies: Vec<Strategy>,
    /// `ledgers[run][strategy]`.
    pub ledgers: Vec<Vec<Ledger>>,
}

/// The model table every run of these strategies uses (built the same way in each run).
pub fn model_table(scenario: &Scenario, strategies: &[Strategy]) -> ModelTable {
    let mut models = ModelTable::default();
    for s in strategies {
        Pipeline::new(scenario, s, &mut models, 0);
    }
    models
}

/// Simulate run `run` of `scenario` under every strategy: one pass over the traffic, each
/// request offered to every strategy's pipeline in turn.
pub fn run_once(
    scenario: &Scenario,
    strategies: &[Strategy],
    run: u64,
) -> Result<Vec<Ledger>, String> {
    let mut models = ModelTable::default();
    let mut pipes: Vec<Pipeline> = strategies
        .iter()
        .map(|s| Pipeline::new(scenario, s, &mut models, run))
        .collect();
    for req in Synthetic::new(scenario, run)? {
        for p in pipes.iter_mut() {
            p.process(&req);
        }
    }
    Ok(pipes.into_iter().map(Pipeline::into_ledger).collect())
}

/// Simulate `runs` runs (0..runs) in parallel on rayon's pool.
pub fn simulate(
    scenario: &Scenario,
    strategies: &[Strategy],
    runs: u32,
) -> Result<Outcome, String> {
    let ledgers = (0..u64::from(runs))
        .into_par_iter()
        .map(|r| run_once(scenario, strategies, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Outcome {
        models: model_table(scenario, strategies),
        strategies: strategies.to_vec(),
        ledgers,
    })
}

/// What a forecast is asked for besides the scenario.
#[derive(Debug, Clone)]
pub struct ForecastOptions {
    /// Independent runs.
    pub runs: u32,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions { runs: 10 }
    }
}

/// Why a forecast failed.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// The simulation could not run (e.g. a distribution could not be sampled).
    #[error("{path}: {message}")]
    Simulation {
        /// Scenario path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A model has no price for a bucket the runs used.
    #[error(transparent)]
    Pricing(#[from] report::PricingGap),
}

/// Simulate every strategy of `scenario` over `opts.runs` runs on rayon's current pool and
/// build the priced report: what `tokencast run` prints.
pub fn forecast(scenario: &Scenario, opts: &ForecastOptions) -> Result<Report, ForecastError> {
    let outcome = simulate(scenario, &scenario.strategies, opts.runs).map_err(|message| {
        ForecastError::Simulation {
            path: scenario.path.clone(),
            message,
        }
    })?;
    Ok(report::build(scenario, &outcome, opts.runs)?)
}
