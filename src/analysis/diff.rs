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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::forecast::{self, ForecastError, ForecastOptions};
use crate::analysis::report::{
    Breakdown, Report, SCHEMA_VERSION, Stats, StrategyResult, ToolInfo, quantile_sorted,
    strategy_order,
};
use crate::foundations::pricing::PricingGap;
use crate::foundations::rng::{splitmix64, stable_hash};
use crate::model::scenario::{Scenario, ScenarioError};
use crate::simulation::montecarlo;

pub use git::{GitError, Repo};

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
    /// A JSON file is not a tokencast report.
    #[error("{path}: not a tokencast JSON report: {message}")]
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
    /// choose for the base scenario: [`montecarlo::default_runs`]).
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

impl Input {
    /// Read a file: a JSON report if its first non-blank character is `{`, else a scenario.
    pub fn read(path: &Path, prices: Option<&Path>) -> Result<Input, DiffError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DiffError::Io {
            path: display.clone(),
            source,
        })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Input::from_bytes(&bytes, &display, &base_dir, prices)
    }

    /// Read file contents named `display`; a scenario's relative `prices` path is resolved
    /// against `base_dir`.
    pub fn from_bytes(
        bytes: &[u8],
        display: &str,
        base_dir: &Path,
        prices: Option<&Path>,
    ) -> Result<Input, DiffError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            DiffError::Scenario(ScenarioError::Syntax {
                path: display.to_string(),
                line: 1,
                col: 1,
                message: format!("file is not UTF-8 text ({e})"),
            })
        })?;
        if text.trim_start().starts_with('{') {
            let report: Report = serde_json::from_str(text).map_err(|e| DiffError::Report {
                path: display.to_string(),
                message: e.to_string(),
            })?;
            if report.schema_version != SCHEMA_VERSION {
                return Err(DiffError::Report {
                    path: display.to_string(),
                    message: format!(
                        "schema_version {} (this tokencast reads {SCHEMA_VERSION})",
                        report.schema_version
                    ),
                });
            }
            return Ok(Input::Report(Box::new(report), display.to_string()));
        }
        Ok(Input::Scenario(Box::new(Scenario::load_text(
            text, display, base_dir, prices,
        )?)))
    }

    fn path(&self) -> &str {
        match self {
            Input::Scenario(s) => &s.path,
            Input::Report(_, p) => p,
        }
    }
}

/// `tokencast diff BASE HEAD`.
pub fn diff_files(base: &Path, head: &Path, opts: &DiffOptions) -> Result<Diff, DiffError> {
    let prices = opts.prices.as_deref();
    let b = Input::read(base, prices)?;
    let h = Input::read(head, prices)?;
    let one = compare(&head.display().to_string(), Some(b), Some(h), opts)?;
    Ok(assemble(vec![one], None))
}

/// `tokencast diff --git-base REV FILE...`: each file's version at `rev` against the working
/// tree. A directory stands for the `*.ron` files directly in it, in the working tree or at
/// `rev` (so scenarios deleted by the change are found too).
pub fn diff_git(rev: &str, files: &[PathBuf], opts: &DiffOptions) -> Result<Diff, DiffError> {
    let prices = opts.prices.as_deref();
    let mut verified: Vec<PathBuf> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut list: Vec<(PathBuf, Repo, String)> = Vec::new();
    for f in files {
        for path in expand(rev, f)? {
            let repo = Repo::containing(&path)?;
            if !verified.contains(&repo.root) {
                repo.verify(rev)?;
                verified.push(repo.root.clone());
            }
            let rel = repo.relative(&path)?;
            if seen.insert((repo.root.clone(), rel.clone())) {
                list.push((path, repo, rel));
            }
        }
    }
    if list.is_empty() {
        return Err(DiffError::Usage(
            "no scenario files to compare (the directories given hold no *.ron files)".into(),
        ));
    }
    let mut out = Vec::new();
    for (path, repo, rel) in list {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(DiffError::Usage(format!(
                "{shown}: a directory inside a directory argument; name it directly"
            )));
        }
        let base_bytes = repo.read_at(rev, &rel)?;
        let here = path.exists();
        let base_dir = repo
            .root
            .join(&rel)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let (base, note) = match base_bytes {
            Some(bytes) => {
                let (input, note) = base_from_git(&repo, rev, &rel, &bytes, &base_dir, prices)?;
                (Some(input), note)
            }
            None if !here => {
                return Err(DiffError::Missing {
                    path: shown,
                    rev: rev.to_string(),
                });
            }
            None => (None, None),
        };
        let head = if here {
            Some(Input::read(&path, prices)?)
        } else {
            None
        };
        let mut one = compare(&shown, base, head, opts)?;
        one.notes.extend(note);
        out.push(one);
    }
    Ok(assemble(out, Some(rev.to_string())))
}

/// The base version of a file read from git. A scenario naming a relative `prices` file that
/// differs at `rev` from the working tree is priced with its version at `rev` (and a note says
/// so); otherwise the catalog is read from the working tree, next to the file.
fn base_from_git(
    repo: &Repo,
    rev: &str,
    rel: &str,
    bytes: &[u8],
    base_dir: &Path,
    prices_override: Option<&Path>,
) -> Result<(Input, Option<String>), DiffError> {
    let display = format!("{rev}:{rel}");
    let plain = || Input::from_bytes(bytes, &display, base_dir, prices_override).map(|i| (i, None));
    if prices_override.is_some() {
        return plain();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return plain();
    };
    if text.trim_start().starts_with('{') {
        return plain();
    }
    // Errors in the text are reported by `plain`, with the usual messages.
    let Ok(file) = crate::model::scenario::parse(text, &display) else {
        return plain();
    };
    let Some(named) = file.prices.clone() else {
        return plain();
    };
    let here = base_dir.join(&named);
    let Ok(prel) = repo.relative(&here) else {
        return plain();
    };
    let Some(then) = repo.read_at(rev, &prel)? else {
        return plain();
    };
    if std::fs::read(&here).ok().as_deref() == Some(&then[..]) {
        return plain();
    }
    let origin = format!("{rev}:{prel}");
    let ptext = String::from_utf8(then)
        .map_err(|_| DiffError::Usage(format!("{origin}: price catalog is not UTF-8 text")))?;
    let extension = Path::new(&prel)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let catalog = match extension.as_str() {
        "ron" => crate::foundations::pricing::Catalog::from_ron_str(&ptext, &origin),
        "json" => crate::foundations::pricing::Catalog::from_litellm_str(&ptext, &origin),
        _ => return plain(),
    }
    .map_err(|source| ScenarioError::Prices {
        path: display.clone(),
        source,
    })?;
    let mut s = Scenario::from_file(file, catalog, &display)?;
    s.sha256 = crate::model::scenario::hex_sha256(bytes);
    Ok((
        Input::Scenario(Box::new(s)),
        Some(format!(
            "the price catalog {named} changed: the base is priced with its version at {rev}"
        )),
    ))
}

/// A command-line path, or the `*.ron` files of a directory (working tree and `rev`).
fn expand(rev: &str, path: &Path) -> Result<Vec<PathBuf>, DiffError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let repo = Repo::containing(&path.join("x"))?;
    repo.verify(rev)?;
    let rel_dir = repo.relative(path)?;
    let mut names: BTreeSet<String> = repo.files_at(rev, &rel_dir, ".ron")?.into_iter().collect();
    let entries = std::fs::read_dir(path).map_err(|source| DiffError::Io {
        path: path.display().to_string(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| DiffError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".ron") && e.path().is_file() {
            names.insert(name);
        }
    }
    // Price catalogs kept beside the scenarios are not scenarios.
    let mut out = Vec::new();
    for n in names {
        let p = path.join(&n);
        let bytes = match std::fs::read(&p) {
            Ok(b) => Some(b),
            Err(_) => repo.read_at(rev, &join_rel(&rel_dir, &n))?,
        };
        if !bytes.as_deref().is_some_and(is_price_catalog) {
            out.push(p);
        }
    }
    Ok(out)
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether RON text is a price catalog rather than a scenario.
fn is_price_catalog(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    crate::model::scenario::parse(text, "").is_err()
        && crate::foundations::pricing::Catalog::from_ron_str(text, "").is_ok()
}

/// Collect per-scenario comparisons into one diff (no thresholds yet).
pub fn assemble(scenarios: Vec<ScenarioDiff>, git_base: Option<String>) -> Diff {
    let (mut base, mut head) = (0.0, 0.0);
    for s in &scenarios {
        if let Some(h) = s.headline() {
            base += h.monthly_p50.base_usd;
            head += h.monthly_p50.head_usd;
        }
    }
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        git_base,
        interval_level: INTERVAL_LEVEL,
        total_monthly_p50: Change::point(Some(base), Some(head)),
        scenarios,
        gate: None,
    }
}

impl ScenarioDiff {
    /// The headline strategy's comparison.
    pub fn headline(&self) -> Option<&StrategyDiff> {
        self.strategies
            .iter()
            .find(|s| s.strategy == self.headline_strategy)
    }
}

impl Diff {
    /// Check every strategy's increase of mean monthly cost against the thresholds and record
    /// what crossed them in [`Diff::gate`]. Returns whether anything crossed.
    pub fn apply_gate(&mut self, fail_above_pct: Option<f64>, fail_above_usd: Option<f64>) -> bool {
        if fail_above_pct.is_none() && fail_above_usd.is_none() {
            self.gate = None;
            return false;
        }
        let mut crossed = Vec::new();
        for s in &self.scenarios {
            for st in &s.strategies {
                // Strategies are alternatives: adding or dropping one is not spending.
                if s.status != Status::Added && matches!(st.status, Status::Added | Status::Removed)
                {
                    continue;
                }
                let c = &st.monthly_mean;
                let threshold = match (fail_above_pct, c.change_pct, fail_above_usd) {
                    (Some(limit), Some(p), _) if c.base_usd > 0.0 && p > limit => {
                        Some(format!("--fail-above {}%", limit))
                    }
                    (_, _, Some(limit)) if c.change_usd > limit => {
                        Some(format!("--fail-above-usd ${}", limit))
                    }
                    _ => None,
                };
                if let Some(threshold) = threshold {
                    crossed.push(Crossing {
                        file: s.file.clone(),
                        scenario: s.name.clone(),
                        strategy: st.strategy.clone(),
                        change_usd: c.change_usd,
                        change_pct: c.change_pct,
                        threshold,
                    });
                }
            }
        }
        let any = !crossed.is_empty();
        self.gate = Some(Gate {
            fail_above_pct,
            fail_above_usd,
            crossed,
        });
        any
    }
}

/// Simulate what needs simulating and compare one scenario's two sides (either may be absent,
/// not both).
pub fn compare(
    file: &str,
    base: Option<Input>,
    head: Option<Input>,
    opts: &DiffOptions,
) -> Result<ScenarioDiff, DiffError> {
    let mut notes = Vec::new();
    // A saved report fixes the seed and runs its counterpart is simulated with.
    let saved = [&base, &head].into_iter().flatten().find_map(|i| match i {
        Input::Report(r, p) if has_runs(r) => Some((r.seed, r.runs, p.clone())),
        _ => None,
    });
    let base_seed = match &base {
        Some(Input::Scenario(s)) => Some(s.seed),
        _ => None,
    };
    let both_sides = base.is_some() && head.is_some();
    let seed_for = |own: u64| -> u64 {
        if let Some(s) = opts.seed {
            s
        } else if !both_sides {
            own
        } else if let Some((s, _, _)) = &saved {
            *s
        } else {
            base_seed.unwrap_or(own)
        }
    };
    let runs = opts
        .runs
        .or(if both_sides {
            saved.as_ref().map(|s| s.1)
        } else {
            None
        })
        .unwrap_or_else(|| {
            // As `tokencast run` would choose for the base (or the added scenario), so both
            // sides run the same number of runs.
            [&base, &head]
                .into_iter()
                .flatten()
                .find_map(|i| match i {
                    Input::Scenario(s) => Some(montecarlo::default_runs(s)),
                    Input::Report(..) => None,
                })
                .unwrap_or(20)
        });
    if opts.seed.is_none()
        && let (Some(Input::Scenario(b)), Some(Input::Scenario(h))) = (&base, &head)
        && b.seed != h.seed
    {
        notes.push(format!(
            "the edit changes the seed from {} to {}: both sides were simulated with the base's \
             seed {} so that their runs stay paired (--seed chooses another)",
            b.seed, h.seed, b.seed
        ));
    }
    if both_sides && let Some((seed, saved_runs, path)) = &saved {
        let used_seed = opts.seed.unwrap_or(*seed);
        let paired = used_seed == *seed && runs == *saved_runs;
        for side in [&base, &head].into_iter().flatten() {
            if let Input::Scenario(s) = side {
                notes.push(if paired {
                    format!(
                        "{} was simulated with seed {} and {} run{} to pair it with the saved report {}",
                        s.path,
                        used_seed,
                        runs,
                        if runs == 1 { "" } else { "s" },
                        path
                    )
                } else {
                    format!(
                        "{} was simulated with seed {used_seed} and {runs} run{}, but the saved \
                         report {path} has seed {seed} and {saved_runs} run{}: the runs cannot be \
                         paired (drop --seed/--runs to pair them)",
                        s.path,
                        if runs == 1 { "" } else { "s" },
                        if *saved_runs == 1 { "" } else { "s" },
                    )
                });
            }
        }
    }
    if opts.prices.is_some() {
        for side in [&base, &head].into_iter().flatten() {
            if let Input::Report(_, p) = side {
                notes.push(format!(
                    "--prices does not re-price the saved report {p}: it keeps its own prices"
                ));
            }
        }
    }
    // Identical scenario text with identical prices is simulated once.
    let same = match (&base, &head) {
        (Some(Input::Scenario(b)), Some(Input::Scenario(h))) => {
            b.sha256 == h.sha256 && b.catalog == h.catalog
        }
        _ => false,
    };
    let head_path = head.as_ref().map(|h| h.path().to_string());
    let base = base.map(|i| realise(i, &seed_for, runs)).transpose()?;
    let head = if same {
        base.clone().map(|(mut r, k)| {
            r.scenario.path = head_path.clone().unwrap_or_default();
            (r, k)
        })
    } else {
        head.map(|i| realise(i, &seed_for, runs)).transpose()?
    };
    Ok(compare_reports(
        file,
        base.as_ref().map(|(r, k)| (r, *k)),
        head.as_ref().map(|(r, k)| (r, *k)),
        notes,
    ))
}

/// Whether every strategy of a report has its per-run totals.
fn has_runs(r: &Report) -> bool {
    r.runs > 0
        && r.strategies
            .values()
            .all(|s| s.runs_cost_usd.len() == r.runs as usize)
}

/// The report of one side: a saved one as is, a scenario simulated.
fn realise(
    input: Input,
    seed_for: &dyn Fn(u64) -> u64,
    runs: u32,
) -> Result<(Report, &'static str), DiffError> {
    match input {
        Input::Report(r, _) => Ok((*r, "report")),
        Input::Scenario(mut s) => {
            s.seed = seed_for(s.seed);
            let o = ForecastOptions::runs(runs);
            let report = forecast::forecast(&s, &o).map_err(|e| match e {
                ForecastError::Pricing(source) => DiffError::Pricing {
                    path: s.path.clone(),
                    source,
                },
                other => DiffError::Simulation(other.to_string()),
            })?;
            Ok((report, "scenario"))
        }
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
        prices: format!("{}, effective {}", r.prices.source, r.prices.effective_date),
    }
}

/// 30 / horizon days: what turns a horizon's cost into a monthly one.
fn monthly_factor(r: &Report) -> f64 {
    30.0 / f64::from(r.horizon_days.max(1))
}

/// Compare two priced reports of one scenario file (either may be absent, not both). `notes`
/// are carried into the result.
pub fn compare_reports(
    file: &str,
    base: Option<(&Report, &str)>,
    head: Option<(&Report, &str)>,
    mut notes: Vec<String>,
) -> ScenarioDiff {
    let pairing = match (base, head) {
        (Some((b, _)), Some((h, _))) => {
            if b.seed == h.seed && b.runs == h.runs && has_runs(b) && has_runs(h) {
                Pairing::Paired
            } else {
                Pairing::Unpaired
            }
        }
        _ => Pairing::OneSide,
    };
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
    let runs_shown = [base, head]
        .into_iter()
        .flatten()
        .map(|(r, _)| r.runs)
        .min()
        .unwrap_or(0);
    if runs_shown == 1 {
        notes.push("one run: no interval can be given (use --runs 2 or more)".to_string());
    }
    if let (Some((b, _)), Some((h, _))) = (base, head) {
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
        let (bp, hp) = (
            format!("{}, effective {}", b.prices.source, b.prices.effective_date),
            format!("{}, effective {}", h.prices.source, h.prices.effective_date),
        );
        if bp != hp {
            notes.push(format!("prices differ: base {bp}; new {hp}"));
        }
    }
    let new_warnings: Vec<String> = match (base, head) {
        (_, None) => Vec::new(),
        (None, Some((h, _))) => h.warnings.clone(),
        (Some((b, _)), Some((h, _))) => h
            .warnings
            .iter()
            .filter(|w| !b.warnings.contains(w))
            .cloned()
            .collect(),
    };

    // Strategies: HEAD's order, then those only BASE has.
    let mut names: Vec<String> = head.map(|(h, _)| strategy_order(h)).unwrap_or_default();
    if let Some((b, _)) = base {
        for n in strategy_order(b) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let seed = base.or(head).map(|(r, _)| r.seed).unwrap_or(0);
    let strategies: Vec<StrategyDiff> = names
        .iter()
        .map(|n| {
            fn side<'r>(s: Option<(&'r Report, &str)>, n: &str) -> Option<SideRuns<'r>> {
                s.and_then(|(r, _)| {
                    r.strategies
                        .get(n)
                        .map(|st| SideRuns::of(st, monthly_factor(r), has_runs(r)))
                })
            }
            strategy_diff(n, side(base, n), side(head, n), pairing, seed)
        })
        .collect();
    let status = match (base, head) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ if strategies.iter().all(|s| s.status == Status::Unchanged) => Status::Unchanged,
        _ => Status::Changed,
    };
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

/// One strategy on one side, per 30 days.
struct SideRuns<'a> {
    stats: Stats,
    /// Per-run monthly totals in run order (empty when the report lacks them).
    runs: Vec<f64>,
    result: &'a StrategyResult,
    factor: f64,
}

impl<'a> SideRuns<'a> {
    fn of(s: &'a StrategyResult, factor: f64, complete: bool) -> SideRuns<'a> {
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

#[derive(Clone, Copy)]
enum Metric {
    Mean,
    P50,
    P95,
}

impl Metric {
    fn of(self, s: &Stats) -> f64 {
        match self {
            Metric::Mean => s.mean,
            Metric::P50 => s.p50,
            Metric::P95 => s.p95,
        }
    }

    fn quantile(self) -> Option<f64> {
        match self {
            Metric::Mean => None,
            Metric::P50 => Some(0.5),
            Metric::P95 => Some(0.95),
        }
    }
}

fn strategy_diff(
    name: &str,
    base: Option<SideRuns>,
    head: Option<SideRuns>,
    pairing: Pairing,
    seed: u64,
) -> StrategyDiff {
    let value = |s: &Option<SideRuns>, m: Metric| s.as_ref().map(|s| m.of(&s.stats));
    let runs = |s: &Option<SideRuns>| s.as_ref().map(|s| s.runs.clone());
    let (br, hr) = (runs(&base), runs(&head));
    let change = |m: Metric, tag: u64| {
        let mut c = Change::point(value(&base, m), value(&head, m));
        let rng_seed = splitmix64(seed ^ stable_hash(name) ^ tag);
        c.interval_usd = interval(br.as_deref(), hr.as_deref(), pairing, m, rng_seed);
        c.within_noise = c.interval_usd.map(|i| i.low <= 0.0 && 0.0 <= i.high);
        c
    };
    let monthly_mean = change(Metric::Mean, 0);
    let monthly_p50 = change(Metric::P50, 50);
    let monthly_p95 = change(Metric::P95, 95);
    let items = |f: fn(&StrategyResult) -> &BTreeMap<String, Breakdown>| {
        let get = |s: &Option<SideRuns>| -> BTreeMap<String, f64> {
            s.as_ref()
                .map(|s| {
                    f(s.result)
                        .iter()
                        .map(|(k, b)| (k.clone(), b.cost_usd.mean * s.factor))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (b, h) = (get(&base), get(&head));
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
                let c = Change::point(Some(bv), Some(hv));
                Some(ItemChange {
                    name: k.clone(),
                    base_usd: c.base_usd,
                    head_usd: c.head_usd,
                    change_usd: c.change_usd,
                    change_pct: c.change_pct,
                    moved: c.change_usd != 0.0
                        && (c.change_usd.abs() >= MOVED_MIN_USD
                            || c.change_usd.abs() >= MOVED_MIN_FRACTION * bv.abs()),
                })
            })
            .collect::<Vec<_>>()
    };
    let by_endpoint = items(|s| &s.by_endpoint);
    let by_model = items(|s| &s.by_model);
    let by_bucket = items(|s| &s.by_bucket);
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

/// `x`, with a negative zero made positive (so nothing prints as `-0`).
fn z(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

impl Change {
    /// The change between two values, without an interval. An absent side counts as 0.
    pub fn point(base: Option<f64>, head: Option<f64>) -> Change {
        let b = z(base.unwrap_or(0.0));
        let h = z(head.unwrap_or(0.0));
        let d = z(h - b);
        Change {
            base_usd: b,
            head_usd: h,
            change_usd: d,
            change_pct: if b != 0.0 {
                Some(z(100.0 * d / b))
            } else if d == 0.0 {
                Some(0.0)
            } else {
                None
            },
            interval_usd: None,
            within_noise: None,
        }
    }
}

/// The 95% interval of the change in `metric`, from per-run values (`None` for an absent side;
/// an empty vector when a side lacks per-run values).
fn interval(
    base: Option<&[f64]>,
    head: Option<&[f64]>,
    pairing: Pairing,
    metric: Metric,
    rng_seed: u64,
) -> Option<Interval> {
    let alpha = 1.0 - INTERVAL_LEVEL;
    let iv = |low: f64, high: f64| {
        Some(Interval {
            low: z(low),
            high: z(high),
        })
    };
    match (base, head) {
        (None, None) => None,
        // One side: the change is that side's value (negated for a removal).
        (Some(x), None) | (None, Some(x)) => {
            let sign = if head.is_some() { 1.0 } else { -1.0 };
            if x.len() < 2 {
                return None;
            }
            let (lo, hi) = match metric.quantile() {
                None => t_interval(x)?,
                Some(q) => {
                    let zeros = vec![0.0; x.len()];
                    bootstrap(&zeros, x, true, q, rng_seed)?
                }
            };
            if sign > 0.0 { iv(lo, hi) } else { iv(-hi, -lo) }
        }
        (Some(b), Some(h)) => {
            if b.len() < 2 || h.len() < 2 {
                return None;
            }
            match (pairing, metric.quantile()) {
                (Pairing::Paired, None) => {
                    let d: Vec<f64> = h.iter().zip(b).map(|(h, b)| h - b).collect();
                    let (lo, hi) = t_interval(&d)?;
                    iv(lo, hi)
                }
                (_, None) => {
                    let (mb, vb) = mean_var(b);
                    let (mh, vh) = mean_var(h);
                    let (nb, nh) = (b.len() as f64, h.len() as f64);
                    let se2 = vb / nb + vh / nh;
                    let d = mh - mb;
                    if se2 == 0.0 {
                        return iv(d, d);
                    }
                    let df = se2 * se2
                        / ((vb / nb).powi(2) / (nb - 1.0) + (vh / nh).powi(2) / (nh - 1.0));
                    let t = StudentsT::new(0.0, 1.0, df)
                        .ok()?
                        .inverse_cdf(1.0 - alpha / 2.0);
                    iv(d - t * se2.sqrt(), d + t * se2.sqrt())
                }
                (p, Some(q)) => {
                    let (lo, hi) = bootstrap(b, h, p == Pairing::Paired, q, rng_seed)?;
                    iv(lo, hi)
                }
            }
        }
    }
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// t interval of the mean of `d` (at least two values).
fn t_interval(d: &[f64]) -> Option<(f64, f64)> {
    let (m, v) = mean_var(d);
    if v == 0.0 {
        return Some((m, m));
    }
    let n = d.len() as f64;
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - INTERVAL_LEVEL) / 2.0);
    let half = t * (v / n).sqrt();
    Some((m - half, m + half))
}

/// Percentile-bootstrap interval of `quantile(head) - quantile(base)`; `paired` resamples the
/// same run indices on both sides.
fn bootstrap(base: &[f64], head: &[f64], paired: bool, q: f64, seed: u64) -> Option<(f64, f64)> {
    if base.len() < 2 || head.len() < 2 {
        return None;
    }
    // Identical per-run values give exactly zero, without resampling noise in the last bits.
    if paired && base == head {
        return Some((0.0, 0.0));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bs = vec![0.0; base.len()];
    let mut hs = vec![0.0; head.len()];
    let mut diffs = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        if paired {
            for k in 0..base.len() {
                let i = rng.random_range(0..base.len());
                bs[k] = base[i];
                hs[k] = head[i];
            }
        } else {
            for x in bs.iter_mut() {
                *x = base[rng.random_range(0..base.len())];
            }
            for x in hs.iter_mut() {
                *x = head[rng.random_range(0..head.len())];
            }
        }
        bs.sort_by(f64::total_cmp);
        hs.sort_by(f64::total_cmp);
        diffs.push(quantile_sorted(&hs, q) - quantile_sorted(&bs, q));
    }
    diffs.sort_by(f64::total_cmp);
    let a = (1.0 - INTERVAL_LEVEL) / 2.0;
    Some((quantile_sorted(&diffs, a), quantile_sorted(&diffs, 1.0 - a)))
}

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
    let header = [
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
    let _ = w.write_record(header);
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for s in &diff.scenarios {
        for st in &s.strategies {
            let head = |kind: &str, name: &str, metric: &str| {
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
            };
            for (metric, c) in [
                ("mean", &st.monthly_mean),
                ("p50", &st.monthly_p50),
                ("p95", &st.monthly_p95),
            ] {
                let mut r = head("total", "", metric);
                r.extend([
                    c.base_usd.to_string(),
                    c.head_usd.to_string(),
                    c.change_usd.to_string(),
                    opt(c.change_pct),
                    opt(c.interval_usd.map(|i| i.low)),
                    opt(c.interval_usd.map(|i| i.high)),
                    c.within_noise.map(|b| b.to_string()).unwrap_or_default(),
                ]);
                let _ = w.write_record(&r);
            }
            for (kind, items) in [
                ("endpoint", &st.by_endpoint),
                ("model", &st.by_model),
                ("bucket", &st.by_bucket),
            ] {
                for i in items {
                    let mut r = head(kind, &i.name, "mean");
                    r.extend([
                        i.base_usd.to_string(),
                        i.head_usd.to_string(),
                        i.change_usd.to_string(),
                        opt(i.change_pct),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]);
                    let _ = w.write_record(&r);
                }
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_changes_have_no_negative_zero() {
        let c = Change::point(Some(5.0), Some(5.0));
        assert_eq!(c.change_usd.to_bits(), 0.0f64.to_bits());
        assert_eq!(c.change_pct, Some(0.0));
        let c = Change::point(Some(-0.0), Some(0.0));
        assert_eq!(c.base_usd.to_bits(), 0.0f64.to_bits());
        assert_eq!(Change::point(None, Some(2.0)).change_pct, None);
        assert_eq!(Change::point(Some(4.0), Some(5.0)).change_pct, Some(25.0));
    }

    #[test]
    fn paired_t_interval_matches_a_hand_computation() {
        // d = 1, 2, 3: mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.302653.
        let (lo, hi) = t_interval(&[1.0, 2.0, 3.0]).unwrap();
        let half = 4.302_652_729_911_275 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-9 && (hi - (2.0 + half)).abs() < 1e-9);
        assert_eq!(t_interval(&[2.0, 2.0]), Some((2.0, 2.0)));
    }

    #[test]
    fn identical_paired_runs_give_a_zero_interval() {
        let x = [1.0, 5.0, 3.0, 2.0];
        let i = interval(Some(&x), Some(&x), Pairing::Paired, Metric::Mean, 1).unwrap();
        assert_eq!((i.low, i.high), (0.0, 0.0));
        let i = interval(Some(&x), Some(&x), Pairing::Paired, Metric::P95, 1).unwrap();
        assert_eq!((i.low, i.high), (0.0, 0.0));
        assert!(
            interval(
                Some(&x[..1]),
                Some(&x[..1]),
                Pairing::Paired,
                Metric::Mean,
                1
            )
            .is_none()
        );
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_a_shift() {
        let b: Vec<f64> = (0..20).map(|i| 100.0 + f64::from(i)).collect();
        let h: Vec<f64> = b.iter().map(|x| x + 10.0).collect();
        let a = bootstrap(&b, &h, true, 0.95, 7).unwrap();
        assert_eq!(a, bootstrap(&b, &h, true, 0.95, 7).unwrap());
        // A constant paired shift moves every quantile by exactly the shift.
        assert!((a.0 - 10.0).abs() < 1e-9 && (a.1 - 10.0).abs() < 1e-9);
        let u = bootstrap(&b, &h, false, 0.5, 7).unwrap();
        assert!(u.0 < 10.0 && 10.0 < u.1, "{u:?}");
    }

    #[test]
    fn gate_names_what_crossed() {
        let mut st = StrategyDiff {
            strategy: "baseline".into(),
            status: Status::Changed,
            monthly_mean: Change::point(Some(100.0), Some(120.0)),
            monthly_p50: Change::point(Some(100.0), Some(120.0)),
            monthly_p95: Change::point(Some(100.0), Some(120.0)),
            by_endpoint: Vec::new(),
            by_model: Vec::new(),
            by_bucket: Vec::new(),
        };
        let s = |st: StrategyDiff| ScenarioDiff {
            file: "a.ron".into(),
            name: "a".into(),
            status: Status::Changed,
            pairing: Pairing::Paired,
            base: None,
            head: None,
            notes: Vec::new(),
            new_warnings: Vec::new(),
            headline_strategy: "baseline".into(),
            strategies: vec![st],
        };
        let mut d = assemble(vec![s(st.clone())], None);
        assert!(!d.apply_gate(Some(20.0), None), "20% is not above 20%");
        assert!(d.apply_gate(Some(19.5), None));
        let c = &d.gate.as_ref().unwrap().crossed[0];
        assert_eq!(
            crate::output::diff::crossing_message(c),
            "a (a.ron), strategy baseline: mean monthly cost +$20.00 (+20.0%) is above --fail-above 19.5%"
        );
        assert!(d.apply_gate(None, Some(19.99)));
        assert!(!d.apply_gate(None, Some(20.0)));
        // An added scenario: only the USD threshold applies.
        st.monthly_mean = Change::point(None, Some(50.0));
        st.status = Status::Added;
        let mut d = assemble(vec![s(st.clone())], None);
        d.scenarios[0].status = Status::Added;
        assert!(!d.apply_gate(Some(0.0), None));
        assert!(d.apply_gate(None, Some(10.0)));
        // An added strategy of a changed scenario is an alternative, not spending.
        d.scenarios[0].status = Status::Changed;
        assert!(!d.apply_gate(Some(0.0), Some(0.0)));
    }
}
