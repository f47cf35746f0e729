//! One scenario's two sides brought to priced reports: the seed and run count the simulated
//! sides share (so that run `i` of BASE and of HEAD see the same traffic), the notes that say
//! how they were paired, and the simulation itself.
//!
//! What the reports then say is compared in `reports.rs`; this file only decides how to get
//! them.

use crate::analysis::diff::reports::{compare_reports, has_runs};
use crate::analysis::diff::{DiffError, DiffOptions, Input, ScenarioDiff};
use crate::analysis::forecast::{self, ForecastError, ForecastOptions};
use crate::analysis::report::Report;
use crate::simulation::montecarlo;

/// Simulate what needs simulating and compare one scenario's two sides (either may be absent,
/// not both).
pub fn compare(
    file: &str,
    base: Option<Input>,
    head: Option<Input>,
    opts: &DiffOptions,
) -> Result<ScenarioDiff, DiffError> {
    let plan = Plan::new(&base, &head, opts);
    let mut notes = Vec::new();
    notes.extend(seed_change_note(&base, &head, opts));
    notes.extend(saved_report_notes(&base, &head, &plan, opts));
    notes.extend(kept_prices_notes(&base, &head, opts));
    let (base, head) = simulate(base, head, &plan)?;
    Ok(compare_reports(
        file,
        base.as_ref().map(|(r, k)| (r, *k)),
        head.as_ref().map(|(r, k)| (r, *k)),
        notes,
    ))
}

/// The seed and run count of the simulated sides of one comparison.
struct Plan {
    /// `--seed`, if given.
    forced_seed: Option<u64>,
    /// Whether both sides exist.
    both_sides: bool,
    /// A saved report with per-run costs (its seed, runs and path): it fixes the seed and runs
    /// its counterpart is simulated with.
    saved: Option<(u64, u32, String)>,
    /// BASE's seed, when BASE is a scenario.
    base_seed: Option<u64>,
    /// Runs per simulated side.
    runs: u32,
}

impl Plan {
    fn new(base: &Option<Input>, head: &Option<Input>, opts: &DiffOptions) -> Plan {
        let saved = [base, head].into_iter().flatten().find_map(|i| match i {
            Input::Report(r, p) if has_runs(r) => Some((r.seed, r.runs, p.clone())),
            _ => None,
        });
        let base_seed = match base {
            Some(Input::Scenario(s)) => Some(s.seed),
            _ => None,
        };
        let both_sides = base.is_some() && head.is_some();
        let runs = opts
            .runs
            .or(if both_sides {
                saved.as_ref().map(|s| s.1)
            } else {
                None
            })
            .unwrap_or_else(|| default_runs(base, head));
        Plan {
            forced_seed: opts.seed,
            both_sides,
            saved,
            base_seed,
            runs,
        }
    }

    /// The seed a side whose own seed is `own` is simulated with: `--seed`, else its own when
    /// it is alone, else the saved report's, else BASE's.
    fn seed_for(&self, own: u64) -> u64 {
        if let Some(s) = self.forced_seed {
            s
        } else if !self.both_sides {
            own
        } else if let Some((s, _, _)) = &self.saved {
            *s
        } else {
            self.base_seed.unwrap_or(own)
        }
    }
}

/// As `tokencast run` would choose for the base (or the added scenario), so both sides run the
/// same number of runs.
fn default_runs(base: &Option<Input>, head: &Option<Input>) -> u32 {
    [base, head]
        .into_iter()
        .flatten()
        .find_map(|i| match i {
            Input::Scenario(s) => Some(montecarlo::default_runs(s)),
            Input::Report(..) => None,
        })
        .unwrap_or(20)
}

/// When the edit changes the seed (and `--seed` does not choose one): both sides use BASE's.
fn seed_change_note(
    base: &Option<Input>,
    head: &Option<Input>,
    opts: &DiffOptions,
) -> Option<String> {
    if opts.seed.is_none()
        && let (Some(Input::Scenario(b)), Some(Input::Scenario(h))) = (base, head)
        && b.seed != h.seed
    {
        return Some(format!(
            "the edit changes the seed from {} to {}: both sides were simulated with the base's \
             seed {} so that their runs stay paired (--seed chooses another)",
            b.seed, h.seed, b.seed
        ));
    }
    None
}

/// For a scenario compared with a saved report: how it was simulated, and whether its runs
/// pair with the report's.
fn saved_report_notes(
    base: &Option<Input>,
    head: &Option<Input>,
    plan: &Plan,
    opts: &DiffOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    let runs = plan.runs;
    if plan.both_sides
        && let Some((seed, saved_runs, path)) = &plan.saved
    {
        let used_seed = opts.seed.unwrap_or(*seed);
        let paired = used_seed == *seed && runs == *saved_runs;
        for side in [base, head].into_iter().flatten() {
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
    notes
}

/// `--prices` with a saved report: the report keeps its own prices.
fn kept_prices_notes(
    base: &Option<Input>,
    head: &Option<Input>,
    opts: &DiffOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    if opts.prices.is_some() {
        for side in [base, head].into_iter().flatten() {
            if let Input::Report(_, p) = side {
                notes.push(format!(
                    "--prices does not re-price the saved report {p}: it keeps its own prices"
                ));
            }
        }
    }
    notes
}

/// A side's report and its kind (`scenario` or `report`).
type Side = (Report, &'static str);

/// Both sides as reports. Identical scenario text with identical prices is simulated once.
fn simulate(
    base: Option<Input>,
    head: Option<Input>,
    plan: &Plan,
) -> Result<(Option<Side>, Option<Side>), DiffError> {
    let same = match (&base, &head) {
        (Some(Input::Scenario(b)), Some(Input::Scenario(h))) => {
            b.sha256 == h.sha256 && b.catalog == h.catalog
        }
        _ => false,
    };
    let head_path = head.as_ref().map(|h| h.path().to_string());
    let base = base.map(|i| realise(i, plan)).transpose()?;
    let head = if same {
        base.clone().map(|(mut r, k)| {
            r.scenario.path = head_path.clone().unwrap_or_default();
            (r, k)
        })
    } else {
        head.map(|i| realise(i, plan)).transpose()?
    };
    Ok((base, head))
}

/// The report of one side: a saved one as is, a scenario simulated.
fn realise(input: Input, plan: &Plan) -> Result<Side, DiffError> {
    match input {
        Input::Report(r, _) => Ok((*r, "report")),
        Input::Scenario(mut s) => {
            s.seed = plan.seed_for(s.seed);
            let o = ForecastOptions::runs(plan.runs);
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
