//! `tokencast diff`: what an edit to a scenario does to the bill, as a paired comparison.
//!
//! ```text
//! BASE: scenario | JSON report | git REV:path ──simulate──▶ Report ─┐  run i: head_i − base_i
//!                                                                   ├──────────────────────────▶ Diff
//! HEAD: scenario | JSON report | working tree ──simulate──▶ Report ─┘  (same seed, same streams)
//! ```
//!
//! **Pairing.** Run `i` of a scenario draws its traffic from streams keyed by `(seed, i)` and by
//! endpoint name ([`crate::foundations::rng`]), so when both sides are simulated with the same seed and run
//! count, run `i` of BASE and run `i` of HEAD see the same traffic wherever the edit did not
//! touch it: the change is measured run by run (`runs_cost_usd`), its noise is only what the
//! edit itself changed, a file compared with itself differs by exactly zero, and an edit to one
//! endpoint leaves every other endpoint's cost exactly unchanged. Scenario sides are simulated
//! with `--seed` if given, else with BASE's seed (when an edit changed `seed`, the output says
//! so); a scenario compared with a saved JSON report is simulated with the report's seed and run
//! count. Two saved reports are paired when they have the same seed and run count, else the
//! comparison is *unpaired* and says so.
//!
//! **Monthly.** Every amount is USD per 30 days: a cost over the horizon ÷ `horizon_days` × 30,
//! so edits to `horizon_days` still compare like with like. For a growing scenario this is the
//! average month of the horizon.
//!
//! **Intervals** (95%). For the change in mean: a t interval of the mean paired difference
//! (Welch's interval when unpaired). For the change in P50 and P95 (difference of the two
//! sides' quantiles): a percentile bootstrap of 2,000 resamples of the runs, the same run
//! indices on both sides when paired, from a generator seeded by the scenario's seed and the
//! strategy's name (so the output is deterministic). A change is *within noise* when its interval
//! contains 0. With one run there is no interval, and the output says so. An added or removed
//! scenario or strategy is compared with zero.
//!
//! **What moved.** Per endpoint, model and token bucket, the change in mean monthly cost; an item
//! *moved* when it changed by at least a cent a month or 0.1% of its base ([`MOVED_MIN_USD`],
//! [`MOVED_MIN_FRACTION`]). Items the edit did not touch show exactly 0.
//!
//! **Git** ([`diff_git`], [`git`]): each file's version at a revision against the working tree.
//! A file the revision lacks is *added*, one the working tree lacks is *removed*; a directory
//! stands for its `*.ron` files on either side, RON price catalogs left out. A relative `prices` file named by a base version
//! is read at the revision too when it differs from the working tree's, so a pull request that
//! edits a price catalog shows its effect.
//!
//! **Thresholds** ([`Diff::apply_gate`]): `--fail-above PERCENT` and `--fail-above-usd AMOUNT`
//! apply to the change in *mean* monthly cost of *every* strategy of every scenario (the point
//! estimate, not the interval); a strategy crosses when its increase is strictly above the
//! threshold. An added scenario is new spending: its whole cost counts towards
//! `--fail-above-usd` (a percentage of nothing is undefined, so it cannot cross `--fail-above`).
//! An added or removed *strategy* of a scenario that exists on both sides is a new or dropped
//! alternative, not spending, and is not gated.

pub mod git;

mod export;
mod files;
mod gate;
mod input;
mod reports;
mod sides;
pub(crate) mod stats;
mod strategy;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::analysis::report::{Report, ToolInfo};
use crate::foundations::pricing::PricingGap;
use crate::model::scenario::{Scenario, ScenarioError};

pub use export::{status_name, to_csv, to_json};
pub use files::{assemble, diff_files, diff_git};
pub use git::{GitError, Repo};
pub use reports::compare_reports;
pub use sides::compare;

/// Version of the JSON diff layout. Bumped only when a field is renamed or removed.
pub const DIFF_SCHEMA_VERSION: u32 = 1;
/// Confidence level of every interval.
pub const INTERVAL_LEVEL: f64 = 0.95;
/// Bootstrap resamples for the intervals of quantile changes.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
/// An item moved when its mean monthly cost changed by at least this many USD...
pub const MOVED_MIN_USD: f64 = 0.01;
/// ...or by at least this fraction of its base cost.
pub const MOVED_MIN_FRACTION: f64 = 0.001;

/// A whole comparison: one entry per scenario file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diff {
    /// [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The program that wrote it.
    pub tool: ToolInfo,
    /// The revision BASE was read from (`--git-base`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_base: Option<String>,
    /// Confidence level of the intervals (0.95).
    pub interval_level: f64,
    /// One comparison per scenario file, in the order given.
    pub scenarios: Vec<ScenarioDiff>,
    /// Sum over scenarios of the headline strategy's monthly P50 (a sum of medians, not the
    /// median of a sum).
    pub total_monthly_p50: Change,
    /// Thresholds checked and which strategies crossed them (`--fail-above`, `--fail-above-usd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
}

/// Whether something exists on each side and changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only in HEAD.
    Added,
    /// Only in BASE.
    Removed,
    /// In both, with a different cost.
    Changed,
    /// In both, with exactly the same cost.
    Unchanged,
}

/// How the two sides' runs were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pairing {
    /// Same seed and run count: run i against run i.
    Paired,
    /// Independent samples (saved reports with different seeds or run counts).
    Unpaired,
    /// Only one side exists: compared with zero.
    OneSide,
}

/// One side of a comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideInfo {
    /// Where it was read from: a path, or `REV:path` for a git base.
    pub path: String,
    /// `scenario` (simulated here) or `report` (a saved JSON report).
    pub kind: String,
    /// Scenario name.
    pub name: String,
    /// SHA-256 of the scenario file the report is about.
    pub sha256: String,
    /// Seed the runs used.
    pub seed: u64,
    /// Runs.
    pub runs: u32,
    /// Simulated days.
    pub horizon_days: u32,
    /// Price catalog source.
    pub prices: String,
}

/// One scenario file compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioDiff {
    /// The file as given on the command line (HEAD's path for `diff BASE HEAD`).
    pub file: String,
    /// Scenario name (HEAD's, or BASE's when removed).
    pub name: String,
    /// Added, removed, changed or unchanged.
    pub status: Status,
    /// How the runs were compared.
    pub pairing: Pairing,
    /// BASE, if it exists.
    pub base: Option<SideInfo>,
    /// HEAD, if it exists.
    pub head: Option<SideInfo>,
    /// What the reader must know about how the comparison was made (seed changed, unpaired).
    pub notes: Vec<String>,
    /// HEAD's warnings that BASE did not have (all of them for an added scenario).
    pub new_warnings: Vec<String>,
    /// The strategy the headline is about (the scenario's first, `baseline`).
    pub headline_strategy: String,
    /// Per strategy, HEAD's order first, then strategies only BASE has.
    pub strategies: Vec<StrategyDiff>,
}

/// One strategy compared. Amounts are USD per 30 days.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyDiff {
    /// Strategy name.
    pub strategy: String,
    /// Added, removed, changed or unchanged.
    pub status: Status,
    /// Mean monthly cost across runs.
    pub monthly_mean: Change,
    /// Median monthly cost.
    pub monthly_p50: Change,
    /// 95th-percentile monthly cost.
    pub monthly_p95: Change,
    /// Mean monthly cost per endpoint (items with cost on either side).
    pub by_endpoint: Vec<ItemChange>,
    /// Mean monthly cost per model.
    pub by_model: Vec<ItemChange>,
    /// Mean monthly cost per token bucket.
    pub by_bucket: Vec<ItemChange>,
}

/// A quantity before and after, with the interval of its change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// BASE's value (0 when BASE does not exist).
    pub base_usd: f64,
    /// HEAD's value (0 when HEAD does not exist).
    pub head_usd: f64,
    /// `head_usd - base_usd`.
    pub change_usd: f64,
    /// Change in percent of BASE; `None` when BASE is 0 and HEAD is not.
    pub change_pct: Option<f64>,
    /// 95% interval of the change; `None` with fewer than two runs or without per-run costs.
    pub interval_usd: Option<Interval>,
    /// Whether the interval contains 0 (`None` without an interval).
    pub within_noise: Option<bool>,
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// One endpoint, model or bucket compared (mean monthly cost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemChange {
    /// Endpoint name, model id or bucket name.
    pub name: String,
    /// BASE's mean monthly cost (0 if absent).
    pub base_usd: f64,
    /// HEAD's mean monthly cost (0 if absent).
    pub head_usd: f64,
    /// `head_usd - base_usd`.
    pub change_usd: f64,
    /// Change in percent of BASE; `None` when BASE is 0 and HEAD is not.
    pub change_pct: Option<f64>,
    /// Whether it changed by at least [`MOVED_MIN_USD`] or [`MOVED_MIN_FRACTION`] of BASE.
    pub moved: bool,
}

/// Thresholds and what crossed them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gate {
    /// `--fail-above`: the largest allowed increase of mean monthly cost, percent.
    pub fail_above_pct: Option<f64>,
    /// `--fail-above-usd`: the largest allowed increase of mean monthly cost, USD.
    pub fail_above_usd: Option<f64>,
    /// Strategies whose increase is above a threshold.
    pub crossed: Vec<Crossing>,
}

/// A strategy whose increase crossed a threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crossing {
    /// Scenario file.
    pub file: String,
    /// Scenario name.
    pub scenario: String,
    /// Strategy name.
    pub strategy: String,
    /// Change in mean monthly cost.
    pub change_usd: f64,
    /// Change in percent (`None` for an added scenario or strategy).
    pub change_pct: Option<f64>,
    /// The threshold crossed, with its unit (`--fail-above 10%`, `--fail-above-usd $500`).
    pub threshold: String,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A JSON file is not a tokencast report, or one whose fields do not hold together.
    #[error("{path}: {message}")]
    Report {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A file is in neither the working tree nor the base revision.
    #[error("{path}: neither in the working tree nor at {rev}")]
    Missing {
        /// The file as given.
        path: String,
        /// The base revision.
        rev: String,
    },
    /// Git could not give the base version.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A model lacks a price the runs needed.
    #[error("{path}: {source}")]
    Pricing {
        /// The scenario.
        path: String,
        /// What is missing.
        source: PricingGap,
    },
    /// The simulation failed.
    #[error("{0}")]
    Simulation(String),
}

impl DiffError {
    /// Bad input or usage (exit code 2) rather than a runtime failure (exit code 1).
    pub fn is_input(&self) -> bool {
        match self {
            DiffError::Git(g) => g.is_input(),
            DiffError::Simulation(_) => false,
            _ => true,
        }
    }
}

/// What a comparison is asked for besides its inputs.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Runs per simulated side (default: a saved report's runs, else what `tokencast run` would
    /// choose for the base scenario:
    /// [`montecarlo::default_runs`](crate::simulation::montecarlo::default_runs)).
    pub runs: Option<u32>,
    /// Seed of both simulated sides (default: a saved report's seed, else BASE's).
    pub seed: Option<u64>,
    /// Price catalog for scenarios (`--prices`); saved reports keep their prices.
    pub prices: Option<PathBuf>,
}

/// One side, read but not yet simulated.
#[derive(Debug, Clone)]
pub enum Input {
    /// A scenario, to simulate.
    Scenario(Box<Scenario>),
    /// A saved JSON report, `path` as read.
    Report(Box<Report>, String),
}

impl ScenarioDiff {
    /// The headline strategy's comparison.
    pub fn headline(&self) -> Option<&StrategyDiff> {
        self.strategies
            .iter()
            .find(|s| s.strategy == self.headline_strategy)
    }
}
