//! `tokencast diff`: the cost change of a scenario edit. Parses the flags, checks them, has the
//! analysis layer compare the two sides, prints the comparison and turns a crossed
//! `--fail-above` threshold into exit code 3.

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use crate::analysis::diff::{self, Diff, DiffOptions};

use super::failure::Failure;
use super::flags::{Format, SimulationFlags, SimulationHelp};
use super::output_file::{Sink, refuse_input_as_output};

/// Arguments of `tokencast diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// BASE and HEAD: scenario files (RON) or saved JSON reports. With --git-base: the scenario
    /// files to review (a directory stands for its *.ron scenarios, deleted ones included).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Compare each FILE with its version at this git revision (`git show REV:path`).
    #[arg(long, value_name = "REV")]
    pub git_base: Option<String>,
    /// Runs, seed, format, output file, prices and threads.
    #[command(flatten)]
    pub shared: SimulationFlags<DiffHelp>,
    /// Exit with code 3 when any strategy's mean monthly cost rises by more than PERCENT.
    #[arg(long, value_name = "PERCENT")]
    pub fail_above: Option<f64>,
    /// Exit with code 3 when any strategy's mean monthly cost rises by more than AMOUNT USD.
    #[arg(long, value_name = "AMOUNT")]
    pub fail_above_usd: Option<f64>,
}

/// What the shared flags say in `diff --help`: they apply to both sides, and what is written
/// is the comparison.
#[derive(Debug)]
pub struct DiffHelp;

impl SimulationHelp for DiffHelp {
    const RUNS: &'static str = "Runs per side (default: a saved report's, else as `run` would \
        choose for BASE); run i of both sides sees the same traffic";
    const SEED: &'static str = "Seed of both sides (default: BASE's `seed`, or a saved report's)";
    const FORMAT: &'static str = "Output format: `table` (aligned text for a terminal), `json` \
        (the whole comparison: `scenarios[].strategies[]` with monthly mean, P50 and P95 before \
        and after, changes and intervals, and the breakdowns), `csv` (one row per scenario, \
        strategy, item (total, endpoint, model, bucket) and statistic, with the interval \
        columns) or `markdown` (a pull-request comment)";
    const FORMAT_HIDES_VALUES: bool = true;
    const OUTPUT: &'static str =
        "Write the diff here instead of standard output (`-` is standard output)";
    const PRICES: &'static str =
        "Price catalog for both sides' scenarios (saved reports keep their prices)";
    const THREADS: &'static str =
        "Worker threads (default: all cores). The diff does not depend on it";
}

/// Run `tokencast diff`: check the flags, compare, write the comparison; exit code 3 when a
/// `--fail-above` threshold is crossed.
pub(crate) fn execute(a: &DiffArgs) -> Result<i32, Failure> {
    check_thresholds(a)?;
    check_file_count(a)?;
    let mut inputs: Vec<Option<&Path>> = a.files.iter().map(|f| Some(f.as_path())).collect();
    inputs.push(a.shared.prices.as_deref());
    refuse_input_as_output(&[a.shared.output.as_deref()], &inputs)?;
    let sink = Sink::open(a.shared.output.as_deref())?;
    let mut d = compare(a)?;
    let crossed = d.apply_gate(a.fail_above, a.fail_above_usd);
    sink.write(&render(&d, a.shared.format)?)?;
    if crossed {
        print_crossings(&d);
        return Ok(3);
    }
    Ok(0)
}

/// `--fail-above` and `--fail-above-usd` must be numbers >= 0.
fn check_thresholds(a: &DiffArgs) -> Result<(), Failure> {
    for (flag, value) in [
        ("--fail-above", a.fail_above),
        ("--fail-above-usd", a.fail_above_usd),
    ] {
        if let Some(x) = value
            && !(x.is_finite() && x >= 0.0)
        {
            return Err(Failure::input(anyhow!("{flag} {x}: must be a number >= 0")));
        }
    }
    Ok(())
}

/// Without `--git-base`, exactly two files: BASE and HEAD.
fn check_file_count(a: &DiffArgs) -> Result<(), Failure> {
    if a.git_base.is_none() && a.files.len() != 2 {
        return Err(Failure::input(anyhow!(
            "diff needs two files, BASE and HEAD (got {}); to compare files with a git \
             revision, use --git-base REV FILE...",
            a.files.len()
        )));
    }
    Ok(())
}

/// The comparison: BASE against HEAD, or every FILE against its version at `--git-base`, on
/// `--threads` workers.
fn compare(a: &DiffArgs) -> Result<Diff, Failure> {
    let opts = DiffOptions {
        runs: a.shared.runs,
        seed: a.shared.seed,
        prices: a.shared.prices.clone(),
    };
    let work = || match &a.git_base {
        Some(rev) => diff::diff_git(rev, &a.files, &opts),
        None => diff::diff_files(&a.files[0], &a.files[1], &opts),
    };
    a.shared.with_threads(work)?.map_err(|e| {
        if e.is_input() {
            Failure::input(e)
        } else {
            Failure::runtime(e)
        }
    })
}

/// The comparison in the `--format` asked for.
fn render(d: &Diff, format: Format) -> Result<String, Failure> {
    Ok(match format {
        Format::Table => crate::output::diff::text(d),
        Format::Json => diff::to_json(d).map_err(Failure::runtime)?,
        Format::Csv => diff::to_csv(d),
        Format::Markdown => crate::output::diff::markdown(d),
    })
}

/// Each crossed threshold, on standard error.
fn print_crossings(d: &Diff) {
    for c in d.gate.iter().flat_map(|g| &g.crossed) {
        eprintln!(
            "threshold crossed: {}",
            crate::output::diff::crossing_message(c)
        );
    }
}
