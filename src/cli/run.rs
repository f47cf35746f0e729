//! `tokencast run`: simulate a scenario and report its cost. Parses the flags, runs the forecast
//! (with Ctrl-C handling and a progress bar) and writes the report, charts and page.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::anyhow;

use crate::analysis::decision::Objective;
use crate::analysis::forecast::{self, ForecastError, ForecastOptions, Precision};
use crate::foundations::input::{MAX_SCENARIO_BYTES, read_capped_text};
use crate::foundations::limits::MAX_REPORT_USD;
use crate::foundations::time::MAX_HORIZON_DAYS;
use crate::model::scenario::Scenario;
use crate::model::uncertain::Sampling;
use crate::simulation::montecarlo;

use super::failure::{Failure, stop_on_ctrl_c};
use super::flags::{PlotFormat, SimulationFlags, SimulationHelp};
use super::output_file::{Sink, refuse_input_as_output, refuse_shared_output};
use super::visuals::Visuals;

/// Arguments of `tokencast run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (RON).
    pub scenario: PathBuf,
    /// Runs, seed, format, output file, prices and threads.
    #[command(flatten)]
    pub shared: SimulationFlags<RunHelp>,
    /// Monthly budget, USD: the report gives each strategy's probability of exceeding it in
    /// some month and the month it is first exceeded.
    #[arg(long, value_name = "USD", value_parser = parse_budget)]
    pub budget: Option<f64>,
    /// Daily active users to evaluate the scenario at, comma-separated (`k` and `M` suffixes
    /// allowed), e.g. `1k,10k,100k,1M`: cost and margin per user as usage grows.
    #[arg(long, value_name = "USERS", value_delimiter = ',', value_parser = parse_users)]
    pub scale: Vec<f64>,
    /// Days simulated at each `--scale` point (at most the horizon).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=MAX_HORIZON_DAYS as i64))]
    pub scale_days: u32,
    /// Runs at each `--scale` point.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub scale_runs: u32,
    /// What the recommendation ranks strategies by: `mean` cost, `p95` cost (a bad period
    /// rather than an average one), or `margin` (revenue minus cost; needs the scenario's
    /// `revenue`).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Mean)]
    pub objective: ObjectiveArg,
    /// Run until every strategy's mean and P95 cost are known to this relative precision (95%
    /// half-width of the Monte Carlo error), e.g. `1%` or `0.5%`, or `--max-runs` is reached.
    /// The default when `--runs` is not given: 1%.
    #[arg(long, value_name = "PERCENT", value_parser = parse_precision, conflicts_with = "runs")]
    pub precision: Option<f64>,
    /// With `--precision`: the budget probability's precision, in percentage points (95%
    /// half-width), e.g. `2` for ±2 points.
    #[arg(long, value_name = "POINTS", default_value_t = 2.0, value_parser = parse_points)]
    pub budget_precision: f64,
    /// With `--precision`: runs at most (default: 10 times the run count sized to the
    /// scenario, at most 1,000). The report says when the cap stopped the runs.
    #[arg(long, value_name = "RUNS", value_parser = clap::value_parser!(u32).range(1..=1_000_000), conflicts_with = "runs")]
    pub max_runs: Option<u32>,
    /// How runs draw the scenario's uncertain parameters: `stratified` (each block of ten
    /// runs draws every parameter once from each tenth of its distribution, a Latin hypercube:
    /// the same precision in fewer runs) or `independent` (every run on its own).
    #[arg(long, value_enum, default_value_t = SamplingArg::Stratified)]
    pub sampling: SamplingArg,
    /// No progress bar (it is shown only when standard error is a terminal anyway), and no
    /// note of the charts and page written.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write charts into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Image format of the `--plot` charts (only with `--plot`).
    #[arg(long, value_enum, default_value_t = PlotFormat::Svg, requires = "plot")]
    pub plot_format: PlotFormat,
    /// Also write a self-contained HTML page (charts, tables, assumptions) to this file (`-`:
    /// standard output; the report is then written only where `-o FILE` says).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// What the shared flags say in `run --help`: they are about one scenario's report.
#[derive(Debug)]
pub struct RunHelp;

impl SimulationHelp for RunHelp {
    const RUNS: &'static str = "Independent runs; quantiles are taken across them. Each run \
        draws the scenario's uncertain parameters once. Default: sized to the scenario, to \
        finish in seconds (20 to 1,000 runs; the report says how many)";
    const SEED: &'static str = "Seed of all random streams (default: the scenario's `seed`)";
    const FORMAT: &'static str = "Output format";
    const FORMAT_HIDES_VALUES: bool = false;
    const OUTPUT: &'static str = "Write the report here instead of standard output (`-` is \
        standard output). Written only when the forecast finishes: an interrupted or failed run \
        leaves an existing file as it was";
    const PRICES: &'static str = "Price catalog to use: LiteLLM JSON or tokencast RON \
        (overrides the scenario's `prices`)";
    const THREADS: &'static str =
        "Worker threads (default: all cores). The report does not depend on it";
}

/// `--objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveArg {
    /// The lowest mean cost.
    Mean,
    /// The lowest 95th percentile of cost.
    P95,
    /// The highest mean margin (needs revenue).
    Margin,
}

impl From<ObjectiveArg> for Objective {
    fn from(o: ObjectiveArg) -> Objective {
        match o {
            ObjectiveArg::Mean => Objective::Mean,
            ObjectiveArg::P95 => Objective::P95,
            ObjectiveArg::Margin => Objective::Margin,
        }
    }
}

/// `--sampling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplingArg {
    /// Latin hypercube in blocks of ten runs.
    Stratified,
    /// Every run draws on its own.
    Independent,
}

impl From<SamplingArg> for Sampling {
    fn from(s: SamplingArg) -> Sampling {
        match s {
            SamplingArg::Stratified => Sampling::Stratified,
            SamplingArg::Independent => Sampling::Independent,
        }
    }
}

/// `1%`, `0.5%` or a fraction such as `0.01`: from 0.01% to 50%.
fn parse_precision(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    };
    match x {
        Ok(x) if (0.0001..=0.5).contains(&x) => Ok(x),
        _ => Err(format!(
            "{s:?} is not a precision; give a percentage from 0.01% to 50%, e.g. 1% or 0.5%"
        )),
    }
}

/// Percentage points from 0.1 to 50.
fn parse_points(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.1..=50.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "{s:?} is not a number of percentage points; give 0.1 to 50, e.g. 2"
        )),
    }
}

fn parse_budget(s: &str) -> Result<f64, String> {
    match s
        .trim()
        .trim_start_matches('$')
        .replace(',', "")
        .parse::<f64>()
    {
        // Between a cent and the largest money figure a report may hold.
        Ok(x) if (0.01..=MAX_REPORT_USD).contains(&x) => Ok(x),
        _ => Err(format!(
            "{s:?} is not a budget; give USD per month from 0.01 to 1e15, e.g. 25000"
        )),
    }
}

fn parse_users(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1e3),
        Some((i, 'm' | 'M')) => (&t[..i], 1e6),
        _ => (t, 1.0),
    };
    match num.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x * mult),
        _ => Err(format!(
            "{s:?} is not a user count; give positive numbers such as 1000,10k,1M"
        )),
    }
}

/// Run `tokencast run`: open every output first (so a bad path fails before simulating),
/// forecast, then write the report, the charts and the page.
pub(crate) fn execute(args: &RunArgs) -> Result<i32, Failure> {
    refuse_input_as_output(
        &[args.shared.output.as_deref(), args.html.as_deref()],
        &[Some(&args.scenario), args.shared.prices.as_deref()],
    )?;
    refuse_shared_output(&[
        ("-o", args.shared.output.as_deref()),
        ("--html", args.html.as_deref()),
    ])?;
    let visuals = Visuals::open(args.plot.as_deref(), args.plot_format, args.html.as_deref())?;
    let path = args.scenario.as_path();
    // `--html -` takes standard output: the report goes there only when `-o` names it.
    let page_on_stdout = args.html.as_deref() == Some(Path::new("-"));
    let sink = match (&args.shared.output, page_on_stdout) {
        (None, true) => None,
        (output, _) => Some(Sink::open(output.as_deref())?),
    };
    let scenario = load_scenario(args)?;
    let mut opts = forecast_options(args, &scenario);
    opts.cancel = Some(stop_on_ctrl_c());
    let bar = show_progress(&mut opts, args.quiet);
    let result = args
        .shared
        .with_threads(|| forecast::forecast(&scenario, &opts))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = result.map_err(|e| forecast_failure(e, path))?;
    if let Some(sink) = sink {
        sink.write(&args.shared.format.render(&report)?)?;
    }
    let source = read_capped_text(path, MAX_SCENARIO_BYTES, "scenario").ok();
    visuals.write(&report, source.as_deref(), args.quiet)?;
    Ok(0)
}

/// The scenario, with its seed replaced by `--seed` and its sampling set by `--sampling`.
fn load_scenario(args: &RunArgs) -> Result<Scenario, Failure> {
    let mut scenario =
        Scenario::load(&args.scenario, args.shared.prices.as_deref()).map_err(Failure::input)?;
    if let Some(s) = args.shared.seed {
        scenario.seed = s;
    }
    scenario.sampling = args.sampling.into();
    Ok(scenario)
}

/// The forecast the flags ask for: `--runs` (default: sized to the scenario), the budget and
/// the scale curve.
fn forecast_options(args: &RunArgs, scenario: &Scenario) -> ForecastOptions {
    let sized = montecarlo::default_runs(scenario);
    // Without --runs, run to a precision (1% unless told).
    let precision = match (args.shared.runs, args.precision) {
        (Some(_), _) => None,
        (None, p) => Some(Precision {
            relative: p.unwrap_or(0.01),
            budget_points: args.budget_precision / 100.0,
            max_runs: args
                .max_runs
                .unwrap_or_else(|| sized.saturating_mul(10).min(1_000)),
        }),
    };
    ForecastOptions {
        runs: match (args.shared.runs, precision) {
            (Some(r), _) => r,
            // The progress bar's length: the cap.
            (None, Some(p)) => p.max_runs,
            (None, None) => sized,
        },
        objective: args.objective.into(),
        precision,
        budget_usd_per_month: args.budget,
        scale: args.scale.clone(),
        scale_days: args.scale_days,
        scale_runs: args.scale_runs,
        ..ForecastOptions::default()
    }
}

/// The progress bar of [`progress_bar`], if any, counting the forecast's finished runs.
fn show_progress(opts: &mut ForecastOptions, quiet: bool) -> Option<indicatif::ProgressBar> {
    let bar = progress_bar(opts.total_runs(), quiet);
    if let Some(b) = &bar {
        let b = b.clone();
        opts.progress = Some(Arc::new(move || b.inc(1)));
    }
    bar
}

/// A progress bar on standard error for forecasts of more than a few runs, unless `quiet` or
/// standard error is not a terminal (CI logs, pipes).
fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || total < 2 || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} runs {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(bar)
}

/// Bad prices are bad input, a failed simulation a runtime error, and Ctrl-C exit code 130.
fn forecast_failure(e: ForecastError, path: &Path) -> Failure {
    match e {
        ForecastError::Pricing(_)
        | ForecastError::Scale { .. }
        | ForecastError::Money { .. }
        | ForecastError::Objective { .. } => Failure::input(e),
        ForecastError::Simulation { .. } => Failure::runtime(e),
        ForecastError::Interrupted => Failure {
            code: 130,
            error: anyhow!("{}: {e}", path.display()),
        },
    }
}
