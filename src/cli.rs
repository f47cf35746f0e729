//! Command-line interface: clap types and dispatch. No other module sees clap.
//!
//! Exit codes: 0 success, 1 runtime error, 2 bad input or usage (clap's own usage errors exit
//! 2 as well), 3 a `diff --fail-above` threshold crossed.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::audit::{self, AuditOptions};
use crate::analysis::forecast::{self, ForecastError, ForecastOptions};
use crate::analysis::report;
use crate::foundations::pricing::{Catalog, ModelPrice, Rates};
use crate::model::scenario::Scenario;
use crate::model::workload::trace::{TraceFormat, TraceReader, TraceRunError};
use crate::output::format::Table;
use crate::output::plot;
use crate::output::{csv, html, json, markdown, table};
use crate::simulation::montecarlo;

/// Forecast what an LLM feature will cost in production, and what each cost lever saves.
#[derive(Debug, Parser)]
#[command(name = "tokencast", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// The JSON report contract (schema_version 1).
    Json,
    /// One row per strategy and breakdown (total, endpoint, model, bucket, month, day).
    Csv,
    /// GitHub-flavoured markdown.
    Markdown,
}

/// Image formats for `--plot-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotFormat {
    /// Scalable vector graphics.
    Svg,
    /// PNG bitmaps (1000 × 600).
    Png,
}

impl From<PlotFormat> for plot::ImageFormat {
    fn from(f: PlotFormat) -> plot::ImageFormat {
        match f {
            PlotFormat::Svg => plot::ImageFormat::Svg,
            PlotFormat::Png => plot::ImageFormat::Png,
        }
    }
}

/// Trace formats for `--trace-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormatArg {
    /// tokencast CSV.
    NativeCsv,
    /// tokencast JSON lines.
    NativeJsonl,
    /// Azure LLM inference trace 2023.
    Azure,
    /// Mooncake FAST'25.
    Mooncake,
    /// BurstGPT.
    Burstgpt,
    /// LiteLLM spend-log CSV export.
    Litellm,
}

impl From<TraceFormatArg> for TraceFormat {
    fn from(a: TraceFormatArg) -> TraceFormat {
        match a {
            TraceFormatArg::NativeCsv => TraceFormat::NativeCsv,
            TraceFormatArg::NativeJsonl => TraceFormat::NativeJsonl,
            TraceFormatArg::Azure => TraceFormat::Azure,
            TraceFormatArg::Mooncake => TraceFormat::Mooncake,
            TraceFormatArg::Burstgpt => TraceFormat::BurstGpt,
            TraceFormatArg::Litellm => TraceFormat::LiteLlm,
        }
    }
}

/// Prompt caches for `replay --prompt-cache`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheArg {
    /// No caching (only the baseline).
    None,
    /// 5-minute TTL.
    #[value(name = "5m")]
    M5,
    /// 1-hour TTL.
    #[value(name = "1h")]
    H1,
    /// 24-hour TTL.
    #[value(name = "24h")]
    H24,
    /// Entries never expire: the most any TTL could read.
    Unbounded,
}

/// Arguments of `tokencast run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (RON).
    pub scenario: PathBuf,
    /// Independent runs; quantiles are taken across them. Each run draws the scenario's
    /// uncertain parameters once. Default: sized to the scenario, to finish in seconds (20 to
    /// 1,000 runs; the report says how many).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub runs: Option<u32>,
    /// Seed of all random streams (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of standard output (`-` is standard output). Written
    /// only when the forecast finishes: an interrupted or failed run leaves an existing file
    /// as it was.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Price catalog to use: LiteLLM JSON or tokencast RON (overrides the scenario's `prices`).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Worker threads (default: all cores). The report does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Monthly budget, USD: the report gives each strategy's probability of exceeding it in
    /// some month and the month it is first exceeded.
    #[arg(long, value_name = "USD", value_parser = parse_budget)]
    pub budget: Option<f64>,
    /// Daily active users to evaluate the scenario at, comma-separated (`k` and `M` suffixes
    /// allowed), e.g. `1k,10k,100k,1M`: cost and margin per user as usage grows.
    #[arg(long, value_name = "USERS", value_delimiter = ',', value_parser = parse_users)]
    pub scale: Vec<f64>,
    /// Days simulated at each `--scale` point (at most the horizon).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub scale_days: u32,
    /// Runs at each `--scale` point.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub scale_runs: u32,
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
    /// Also write a self-contained HTML page (charts, tables, assumptions) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn parse_budget(s: &str) -> Result<f64, String> {
    match s
        .trim()
        .trim_start_matches('$')
        .replace(',', "")
        .parse::<f64>()
    {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "{s:?} is not a budget; give USD per month as a positive number, e.g. 25000"
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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report its cost.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files (RON).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Price catalog to check model names against.
        #[arg(long)]
        prices: Option<PathBuf>,
        /// Print nothing for valid files (errors still go to standard error).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Price recorded usage exactly as recorded; breakdowns and the lever for each finding.
    Audit {
        /// Trace file: native CSV/JSONL, Azure, Mooncake, BurstGPT or LiteLLM spend logs.
        trace: PathBuf,
        /// Force the trace format instead of detecting it.
        #[arg(long, value_enum)]
        trace_format: Option<TraceFormatArg>,
        /// Model for rows that name none (required for formats without a model column).
        #[arg(long)]
        model: Option<String>,
        /// Price catalog: LiteLLM JSON or tokencast RON (default: the built-in one).
        #[arg(long)]
        prices: Option<PathBuf>,
        /// Count and skip bad rows instead of stopping at the first one.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report here instead of standard output (`-` is standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Replay a trace's recorded arrivals and sizes through a scenario's strategies.
    Replay {
        /// Trace file: native CSV/JSONL, Azure, Mooncake, BurstGPT or LiteLLM spend logs.
        trace: PathBuf,
        /// Scenario whose endpoints and strategies the trace goes through.
        #[arg(long, conflicts_with_all = ["model", "prompt_cache", "min_cacheable_tokens"])]
        scenario: Option<PathBuf>,
        /// Quick form without a scenario: bill every row on this model...
        #[arg(long, required_unless_present = "scenario")]
        model: Option<String>,
        /// ...comparing no caching with this prompt cache.
        #[arg(long, value_enum, default_value_t = CacheArg::M5)]
        prompt_cache: CacheArg,
        /// ...with this minimum cacheable prefix instead of the model's.
        #[arg(long)]
        min_cacheable_tokens: Option<u64>,
        /// Force the trace format instead of detecting it.
        #[arg(long, value_enum)]
        trace_format: Option<TraceFormatArg>,
        /// Sort the trace by time in memory (an unsorted trace is otherwise an error).
        #[arg(long)]
        sort: bool,
        /// Count and skip bad rows instead of stopping at the first one.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Price catalog: LiteLLM JSON or tokencast RON.
        #[arg(long)]
        prices: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report here instead of standard output (`-` is standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write a scenario that reproduces a trace's arrivals, sizes and sessions.
    Fit {
        /// Trace file: native CSV/JSONL, Azure, Mooncake, BurstGPT or LiteLLM spend logs.
        trace: PathBuf,
        /// The scenario file to write (`-` is standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// Model for endpoints whose rows name none (and instead of the trace's models).
        #[arg(long)]
        model: Option<String>,
        /// Scenario name (default: the trace's file name).
        #[arg(long)]
        name: Option<String>,
        /// Seed written into the scenario.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Force the trace format instead of detecting it.
        #[arg(long, value_enum)]
        trace_format: Option<TraceFormatArg>,
        /// Price catalog to check model names against.
        #[arg(long)]
        prices: Option<PathBuf>,
    },
    /// Write a scenario's synthetic traffic as a native CSV trace.
    Synth {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// The trace file to write (`-` is standard output).
        #[arg(short, long)]
        output: PathBuf,
        /// Which run's traffic (each run has its own random streams).
        #[arg(long, default_value_t = 0)]
        run: u64,
        /// Seed of all random streams (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Price catalog (only used to check model names).
        #[arg(long)]
        prices: Option<PathBuf>,
    },
    /// Cost change of a scenario edit: paired runs, a pull-request comment, CI thresholds.
    #[command(
        override_usage = "tokencast diff [OPTIONS] <BASE> <HEAD>\n       tokencast diff [OPTIONS] --git-base <REV> <FILE>..."
    )]
    Diff(DiffArgs),
    /// Draw charts (and an HTML page) from a saved JSON report (`--format json`).
    Plot {
        /// JSON report written by `run`, `replay` or `audit` with `--format json`.
        report: PathBuf,
        /// Folder for the charts (created if missing).
        #[arg(required_unless_present = "html")]
        dir: Option<PathBuf>,
        /// Image format of the charts (only with a chart folder).
        #[arg(long, value_enum, default_value_t = PlotFormat::Svg, requires = "dir")]
        plot_format: PlotFormat,
        /// Also write a self-contained HTML page (charts, tables, assumptions) to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Do not say what was written.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Show the price catalog, or one model in full.
    Prices {
        /// Model id to show in full; without it, list every model.
        model: Option<String>,
        /// Price catalog: LiteLLM JSON or tokencast RON (default: the built-in one).
        #[arg(long)]
        prices: Option<PathBuf>,
        /// Only list models whose provider contains this text (e.g. `anthropic`).
        #[arg(long)]
        provider: Option<String>,
    },
}

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
    /// Runs per side (default: a saved report's, else as `run` would choose for BASE); run i of
    /// both sides sees the same traffic.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub runs: Option<u32>,
    /// Seed of both sides (default: BASE's `seed`, or a saved report's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format: `table` (aligned text for a terminal), `json` (the whole comparison:
    /// `scenarios[].strategies[]` with monthly mean, P50 and P95 before and after, changes and
    /// intervals, and the breakdowns), `csv` (one row per scenario, strategy, item (total,
    /// endpoint, model, bucket) and statistic, with the interval columns) or `markdown` (a
    /// pull-request comment).
    #[arg(long, value_enum, default_value_t = Format::Table, hide_possible_values = true)]
    pub format: Format,
    /// Write the diff here instead of standard output (`-` is standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Price catalog for both sides' scenarios (saved reports keep their prices).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Worker threads (default: all cores). The diff does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Exit with code 3 when any strategy's mean monthly cost rises by more than PERCENT.
    #[arg(long, value_name = "PERCENT")]
    pub fail_above: Option<f64>,
    /// Exit with code 3 when any strategy's mean monthly cost rises by more than AMOUNT USD.
    #[arg(long, value_name = "AMOUNT")]
    pub fail_above_usd: Option<f64>,
}

/// An error and its causes as one line, `outer: cause: cause`, skipping a cause whose text the
/// message already contains (library errors print their cause themselves).
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// A failed command: the error and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub code: i32,
    /// What went wrong.
    pub error: anyhow::Error,
}

impl Failure {
    /// Bad input or usage: exit code 2.
    pub fn input(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// Anything else: exit code 1.
    pub fn runtime(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

/// Run the command line; `Ok` carries the exit code.
pub fn run(cli: Cli) -> Result<i32, Failure> {
    match cli.command {
        Command::Run(args) => {
            let visuals =
                Visuals::open(args.plot.as_deref(), args.plot_format, args.html.as_deref())?;
            cmd_run(&args, visuals)
        }
        Command::Plot {
            report,
            dir,
            plot_format,
            html,
            quiet,
        } => {
            let visuals = Visuals::open(dir.as_deref(), plot_format, html.as_deref())?;
            let report = load_report(&report)?;
            let source = scenario_source(&report);
            visuals.write(&report, source.as_deref(), quiet)?;
            Ok(0)
        }
        Command::Validate {
            scenarios,
            prices,
            quiet,
        } => cmd_validate(&scenarios, prices.as_deref(), quiet),
        Command::Diff(args) => cmd_diff(args),
        Command::Prices {
            model,
            prices,
            provider,
        } => cmd_prices(model.as_deref(), prices.as_deref(), provider.as_deref()),
        Command::Replay {
            trace,
            scenario,
            model,
            prompt_cache,
            min_cacheable_tokens,
            trace_format,
            sort,
            skip_bad_rows,
            prices,
            format,
            output,
        } => {
            let sink = Sink::open(output.as_deref())?;
            let (sc, single) = match (&scenario, &model) {
                (Some(p), _) => (
                    Scenario::load(p, prices.as_deref()).map_err(Failure::input)?,
                    false,
                ),
                (None, Some(m)) => (
                    quick_scenario(m, prompt_cache, min_cacheable_tokens, prices.as_deref())?,
                    true,
                ),
                (None, None) => {
                    return Err(Failure::input(anyhow!(
                        "replay needs --scenario FILE or --model ID"
                    )));
                }
            };
            let sha = crate::model::workload::trace::file_sha256(&trace)
                .with_context(|| format!("{}: cannot read trace", trace.display()))
                .map_err(Failure::input)?;
            let opts = crate::analysis::replay::ReplayOptions {
                format: trace_format.map(Into::into),
                skip_bad_rows,
                sort,
                single_endpoint: single,
            };
            let report =
                crate::analysis::replay::replay(&trace, &sc, &opts, sha).map_err(trace_failure)?;
            sink.write(&render(&report, format)?)?;
            Ok(0)
        }
        Command::Fit {
            trace,
            output,
            model,
            name,
            seed,
            trace_format,
            prices,
        } => {
            let sink = Sink::open(Some(&output))?;
            let catalog = load_catalog(prices.as_deref())?;
            let reader =
                TraceReader::open(&trace, trace_format.map(Into::into)).map_err(Failure::input)?;
            let name = name.unwrap_or_else(|| {
                trace
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| "fitted".into())
            });
            let file = crate::analysis::fit::fit(reader, &catalog, model.as_deref(), &name, seed)
                .map_err(Failure::input)?;
            let command = format!("tokencast fit {}", trace.display());
            let text = crate::analysis::fit::to_ron(&file, &command).map_err(Failure::runtime)?;
            // What is written must load: check it before writing.
            let parsed = crate::model::scenario::parse(&text, &output.display().to_string())
                .map_err(Failure::runtime)?;
            Scenario::from_file(parsed, catalog, &output.display().to_string())
                .map_err(Failure::runtime)?;
            sink.write(&text)?;
            Ok(0)
        }
        Command::Synth {
            scenario,
            output,
            run,
            seed,
            prices,
        } => {
            let mut sc = Scenario::load(&scenario, prices.as_deref()).map_err(Failure::input)?;
            if let Some(s) = seed {
                sc.seed = s;
            }
            let rows = if output == Path::new("-") {
                let out = io::stdout().lock();
                crate::model::workload::synth::write_trace(&sc, run, io::BufWriter::new(out))
            } else {
                let f = File::create(&output)
                    .with_context(|| format!("{}: cannot create output file", output.display()))
                    .map_err(Failure::input)?;
                crate::model::workload::synth::write_trace(&sc, run, io::BufWriter::new(f))
            }
            .map_err(|e| Failure::runtime(anyhow!("{}: {e}", output.display())))?;
            if output != Path::new("-") {
                eprintln!("wrote {rows} requests to {}", output.display());
            }
            Ok(0)
        }
        Command::Audit {
            trace,
            trace_format,
            model,
            prices,
            skip_bad_rows,
            format,
            output,
        } => {
            let sink = Sink::open(output.as_deref())?;
            let catalog = load_catalog(prices.as_deref())?;
            let sha = crate::model::workload::trace::file_sha256(&trace)
                .with_context(|| format!("{}: cannot read trace", trace.display()))
                .map_err(Failure::input)?;
            let reader =
                TraceReader::open(&trace, trace_format.map(Into::into)).map_err(Failure::input)?;
            let opts = AuditOptions {
                default_model: model,
                skip_bad_rows,
            };
            let report = audit::audit(reader, &catalog, &opts, sha).map_err(trace_failure)?;
            sink.write(&render(&report, format)?)?;
            Ok(0)
        }
    }
}

/// The scenario of `replay --model`: one endpoint on `model`, and a strategy with the chosen
/// prompt cache (full-prompt placement) unless `none`.
fn quick_scenario(
    model: &str,
    cache: CacheArg,
    min_cacheable: Option<u64>,
    prices: Option<&Path>,
) -> Result<Scenario, Failure> {
    let mut catalog = load_catalog(prices)?;
    let Some(m) = catalog.models.get_mut(model) else {
        let sugg = catalog.suggest(model);
        return Err(Failure::input(anyhow!(
            "--model: unknown model {model:?} in {}{}",
            catalog.source,
            if sugg.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", sugg.join(", "))
            }
        )));
    };
    if let Some(n) = min_cacheable {
        m.cache.min_prefix_tokens = n;
    }
    let default_ttl = m.cache.ttls.first().copied();
    let strategy = match cache {
        CacheArg::None => String::new(),
        _ => {
            if m.cache.kind == crate::foundations::pricing::CacheKind::None || default_ttl.is_none()
            {
                return Err(Failure::input(anyhow!(
                    "--prompt-cache: {model:?} has no prompt caching in {}; use --prompt-cache none",
                    catalog.source
                )));
            }
            let (ttl, unbounded) = match cache {
                CacheArg::M5 => ("M5", false),
                CacheArg::H1 => ("H1", false),
                CacheArg::H24 => ("H24", false),
                _ => (
                    match default_ttl {
                        Some(crate::foundations::pricing::Ttl::H1) => "H1",
                        Some(crate::foundations::pricing::Ttl::H24) => "H24",
                        _ => "M5",
                    },
                    true,
                ),
            };
            let name = match cache {
                CacheArg::H1 => "prompt-cache-1h",
                CacheArg::H24 => "prompt-cache-24h",
                CacheArg::Unbounded => "prompt-cache-unbounded",
                _ => "prompt-cache-5m",
            };
            format!(
                r#"strategies: [Strategy(name: "{name}", prompt_cache: PromptCache(ttl: {ttl}, placement: FullPrompt, unbounded: {unbounded}))],"#
            )
        }
    };
    let text = format!(
        r#"Scenario(name: "replay on {model}", seed: 0, horizon_days: 1,
            endpoints: [Endpoint(name: "all", model: {model:?},
                traffic: Traffic(daily_active_users: 0, sessions_per_user_per_day: 0),
                prompt: Prompt(user_tokens: Fixed(0)), output_tokens: Fixed(0))],
            {strategy})"#
    );
    let file = crate::model::scenario::parse(&text, "--model").map_err(Failure::input)?;
    Scenario::from_file(file, catalog, "--model").map_err(Failure::input)
}

/// An unreadable trace is a runtime failure; anything wrong in it is bad input.
fn trace_failure(e: TraceRunError) -> Failure {
    if e.is_io() {
        Failure::runtime(e)
    } else {
        Failure::input(e)
    }
}

fn render(report: &report::Report, format: Format) -> Result<String, Failure> {
    Ok(match format {
        Format::Table => table::render(report),
        Format::Json => json::render(report).map_err(Failure::runtime)?,
        Format::Csv => csv::render(report),
        Format::Markdown => markdown::render(report),
    })
}

/// Where a report goes, opened before the simulation so a bad path fails fast.
enum Sink {
    Stdout,
    /// The final path, and a temporary file beside it that is renamed over it once the report
    /// is written (so a failed or interrupted run leaves no half-written or emptied file).
    File {
        path: PathBuf,
        tmp: PathBuf,
        file: Option<File>,
    },
}

impl Sink {
    fn open(path: Option<&Path>) -> Result<Sink, Failure> {
        match path {
            None => Ok(Sink::Stdout),
            Some(p) if p == Path::new("-") => Ok(Sink::Stdout),
            Some(p) => {
                let name = p
                    .file_name()
                    .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
                let tmp = p.with_file_name(format!(".{name}.tokencast-{}.tmp", std::process::id()));
                let file = File::create(&tmp)
                    .with_context(|| format!("{}: cannot create output file", p.display()))
                    .map_err(Failure::input)?;
                Ok(Sink::File {
                    path: p.to_path_buf(),
                    tmp,
                    file: Some(file),
                })
            }
        }
    }

    fn write(mut self, text: &str) -> Result<(), Failure> {
        match &mut self {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                    Ok(()) => Ok(()),
                    // A closed pipe (`| head`) is not an error worth reporting.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(Failure::runtime(e)),
                }
            }
            Sink::File { path, tmp, file } => {
                let mut f = file.take().ok_or_else(|| {
                    Failure::runtime(anyhow!("{}: written twice", path.display()))
                })?;
                f.write_all(text.as_bytes())
                    .and_then(|_| f.flush())
                    .and_then(|_| {
                        drop(f);
                        std::fs::rename(&tmp, &path)
                    })
                    .with_context(|| format!("{}: cannot write report", path.display()))
                    .map_err(Failure::runtime)
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::File { tmp, .. } = self {
            // Gone already when the report was written and renamed.
            let _ = std::fs::remove_file(tmp);
        }
    }
}

fn cmd_run(args: &RunArgs, visuals: Visuals) -> Result<i32, Failure> {
    let path = args.scenario.as_path();
    let sink = Sink::open(args.output.as_deref())?;
    let mut scenario = Scenario::load(path, args.prices.as_deref()).map_err(Failure::input)?;
    if let Some(s) = args.seed {
        scenario.seed = s;
    }
    let mut opts = ForecastOptions {
        runs: args
            .runs
            .unwrap_or_else(|| montecarlo::default_runs(&scenario)),
        budget_usd_per_month: args.budget,
        scale: args.scale.clone(),
        scale_days: args.scale_days,
        scale_runs: args.scale_runs,
        ..ForecastOptions::default()
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = Arc::clone(&cancel);
        // A second Ctrl-C while stopping kills the process the ordinary way.
        let _ = ctrlc::try_set_handler(move || {
            if c.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    opts.cancel = Some(Arc::clone(&cancel));
    let bar = progress_bar(opts.total_runs(), args.quiet);
    if let Some(b) = &bar {
        let b = b.clone();
        opts.progress = Some(Arc::new(move || b.inc(1)));
    }
    let forecast = || forecast::forecast(&scenario, &opts);
    let result = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Failure::input(anyhow!("--threads {n}: {e}")))?
            .install(forecast),
        None => forecast(),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = result.map_err(|e| match e {
        ForecastError::Pricing(_) => Failure::input(e),
        ForecastError::Simulation { .. } => Failure::runtime(e),
        ForecastError::Interrupted => Failure {
            code: 130,
            error: anyhow!("{}: {e}", path.display()),
        },
    })?;
    sink.write(&render(&report, args.format)?)?;
    let source = std::fs::read_to_string(path).ok();
    visuals.write(&report, source.as_deref(), args.quiet)?;
    Ok(0)
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

fn cmd_diff(a: DiffArgs) -> Result<i32, Failure> {
    use crate::analysis::diff;
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
    if a.git_base.is_none() && a.files.len() != 2 {
        return Err(Failure::input(anyhow!(
            "diff needs two files, BASE and HEAD (got {}); to compare files with a git \
             revision, use --git-base REV FILE...",
            a.files.len()
        )));
    }
    let sink = Sink::open(a.output.as_deref())?;
    let opts = diff::DiffOptions {
        runs: a.runs,
        seed: a.seed,
        prices: a.prices.clone(),
    };
    let work = || match &a.git_base {
        Some(rev) => diff::diff_git(rev, &a.files, &opts),
        None => diff::diff_files(&a.files[0], &a.files[1], &opts),
    };
    let mut d = match a.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Failure::input(anyhow!("--threads {n}: {e}")))?
            .install(work),
        None => work(),
    }
    .map_err(|e| {
        if e.is_input() {
            Failure::input(e)
        } else {
            Failure::runtime(e)
        }
    })?;
    let crossed = d.apply_gate(a.fail_above, a.fail_above_usd);
    let text = match a.format {
        Format::Table => crate::output::diff::text(&d),
        Format::Json => diff::to_json(&d).map_err(Failure::runtime)?,
        Format::Csv => diff::to_csv(&d),
        Format::Markdown => crate::output::diff::markdown(&d),
    };
    sink.write(&text)?;
    if crossed {
        for c in d.gate.iter().flat_map(|g| &g.crossed) {
            eprintln!(
                "threshold crossed: {}",
                crate::output::diff::crossing_message(c)
            );
        }
        return Ok(3);
    }
    Ok(0)
}

/// Where `--plot` charts and the `--html` page go: the folder is created and the page's file
/// opened before any work, so a bad path fails fast. If the command then fails (or is
/// interrupted) before the charts are written, the folders it created are removed again when
/// they are still empty.
struct Visuals {
    plot: Option<(PathBuf, plot::ImageFormat)>,
    /// The page's path and its sink (a temporary file renamed over it once written).
    html: Option<(PathBuf, Sink)>,
    /// The chart folder and the outermost folder `open` created for it, until charts are
    /// written.
    created: Option<(PathBuf, PathBuf)>,
}

impl Drop for Visuals {
    fn drop(&mut self) {
        if let Some((dir, top)) = self.created.take() {
            // Innermost first; `remove_dir` refuses a folder that is not empty.
            for d in dir.ancestors() {
                if std::fs::remove_dir(d).is_err() || d == top {
                    break;
                }
            }
        }
    }
}

impl Visuals {
    fn open(
        dir: Option<&Path>,
        format: PlotFormat,
        html: Option<&Path>,
    ) -> Result<Visuals, Failure> {
        let mut created = None;
        if let Some(d) = dir {
            // The outermost folder that does not exist yet is the one create_dir_all makes.
            let top = d
                .ancestors()
                .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
                .last();
            std::fs::create_dir_all(d)
                .with_context(|| format!("{}: cannot create chart folder", d.display()))
                .map_err(Failure::input)?;
            created = top.map(|t| (d.to_path_buf(), t.to_path_buf()));
        }
        let mut visuals = Visuals {
            plot: dir.map(|d| (d.to_path_buf(), format.into())),
            html: None,
            created,
        };
        // A page that cannot be opened drops `visuals`, which removes the new chart folder.
        if let Some(p) = html {
            visuals.html = Some((p.to_path_buf(), Sink::open(Some(p))?));
        }
        Ok(visuals)
    }

    /// Draw the charts and the page; `source` is the scenario file's text, if at hand. Says
    /// what was written on standard error unless `quiet`.
    fn write(
        mut self,
        report: &report::Report,
        source: Option<&str>,
        quiet: bool,
    ) -> Result<(), Failure> {
        if let Some((dir, format)) = self.plot.take() {
            let files = plot::write_all(report, &dir, format).map_err(Failure::runtime)?;
            self.created = None;
            if !quiet {
                eprintln!("wrote {} charts to {}", files.len(), dir.display());
            }
        }
        if let Some((path, sink)) = self.html.take() {
            let page = html::render(report, source).map_err(Failure::runtime)?;
            sink.write(&page)?;
            if !quiet {
                eprintln!("wrote {}", path.display());
            }
        }
        Ok(())
    }
}

/// A saved JSON report; bad JSON or another schema version is bad input.
fn load_report(path: &Path) -> Result<report::Report, Failure> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{}: cannot read report", path.display()))
        .map_err(Failure::input)?;
    let report: report::Report = serde_json::from_slice(&bytes)
        .with_context(|| {
            format!(
                "{}: not a tokencast JSON report (write one with --format json)",
                path.display()
            )
        })
        .map_err(Failure::input)?;
    if report.schema_version != report::SCHEMA_VERSION {
        return Err(Failure::input(anyhow!(
            "{}: report schema_version {} (this tokencast reads {})",
            path.display(),
            report.schema_version,
            report::SCHEMA_VERSION
        )));
    }
    Ok(report)
}

/// The scenario file a saved report was made from, when it is still where the report says
/// and unchanged (same SHA-256); never for audits (their "scenario" is the trace).
fn scenario_source(report: &report::Report) -> Option<String> {
    if report.audit.is_some() || !report.scenario.path.ends_with(".ron") {
        return None;
    }
    let text = std::fs::read_to_string(&report.scenario.path).ok()?;
    (crate::model::scenario::hex_sha256(text.as_bytes()) == report.scenario.sha256).then_some(text)
}

fn cmd_validate(paths: &[PathBuf], prices: Option<&Path>, quiet: bool) -> Result<i32, Failure> {
    for p in paths {
        let s = Scenario::load(p, prices).map_err(Failure::input)?;
        if !quiet {
            println!(
                "ok: {} ({:?}: {} endpoint{}, {} days)",
                p.display(),
                s.name,
                s.endpoints.len(),
                if s.endpoints.len() == 1 { "" } else { "s" },
                s.horizon_days
            );
        }
        // Warnings (a prefix below the cacheable minimum, a price change nothing bills) do not
        // fail validation, but a reviewer should see them: on standard error, even with -q.
        for w in &s.warnings {
            eprintln!("warning: {}: {w}", p.display());
        }
    }
    Ok(0)
}

fn load_catalog(prices: Option<&Path>) -> Result<Catalog, Failure> {
    match prices {
        Some(p) => Catalog::load(p).map_err(Failure::input),
        None => Ok(Catalog::builtin()),
    }
}

/// Per-million price, or `-` when absent.
fn per_m(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{}", round_price(v)),
        None => "-".to_string(),
    }
}

fn round_price(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn cmd_prices(
    model: Option<&str>,
    prices: Option<&Path>,
    provider: Option<&str>,
) -> Result<i32, Failure> {
    let catalog = load_catalog(prices)?;
    let text = match model {
        Some(id) => {
            let Some(m) = catalog.get(id) else {
                let sugg = catalog.suggest(id);
                let hint = if sugg.is_empty() {
                    "; run `tokencast prices` to list every model".to_string()
                } else {
                    format!("; did you mean {}?", sugg.join(", "))
                };
                return Err(Failure::input(anyhow!(
                    "unknown model {id:?} in {}{hint}",
                    catalog.source
                )));
            };
            model_detail(id, m, &catalog)
        }
        None => {
            if let Some(p) = provider
                && !catalog.models.values().any(|m| m.provider.contains(p))
            {
                let mut providers: Vec<&str> = catalog
                    .models
                    .values()
                    .map(|m| m.provider.as_str())
                    .collect();
                providers.sort_unstable();
                providers.dedup();
                return Err(Failure::input(anyhow!(
                    "no model's provider contains {p:?} in {}; providers: {}",
                    catalog.source,
                    providers.join(", ")
                )));
            }
            model_list(&catalog, provider)
        }
    };
    Sink::Stdout.write(&text)?;
    Ok(0)
}

fn model_list(catalog: &Catalog, provider: Option<&str>) -> String {
    let mut t = Table::new(&[
        "model",
        "provider",
        "input",
        "output",
        "cache read",
        "write 5m",
        "write 1h",
        "batch in",
        "batch out",
        "context",
    ]);
    t.align[1] = crate::output::format::Align::Left;
    let mut n = 0;
    for (id, m) in &catalog.models {
        if let Some(p) = provider
            && !m.provider.contains(p)
        {
            continue;
        }
        n += 1;
        let r = &m.standard;
        t.row(vec![
            id.clone(),
            m.provider.clone(),
            per_m(Some(r.input)),
            per_m(Some(r.output)),
            per_m(r.cache_read),
            per_m(r.cache_write_5m),
            per_m(r.cache_write_1h),
            per_m(m.batch.as_ref().map(|b| b.input)),
            per_m(m.batch.as_ref().map(|b| b.output)),
            m.max_input_tokens
                .map(|x| crate::output::format::count(x as f64))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    format!(
        "{} (effective {}): {n} models, USD per million tokens\n\n{}",
        catalog.source,
        catalog.effective_date,
        t.text("")
    )
}

fn rates_rows(t: &mut Table, label: &str, r: &Rates) {
    let rows: [(&str, Option<f64>); 7] = [
        ("input", Some(r.input)),
        ("output", Some(r.output)),
        ("reasoning", r.reasoning.or(Some(r.output))),
        ("cache read", r.cache_read),
        ("cache write 5m", r.cache_write_5m),
        ("cache write 1h", r.cache_write_1h),
        ("cache write 24h", r.cache_write_24h),
    ];
    for (name, v) in rows {
        t.row(vec![format!("{label} {name}"), per_m(v)]);
    }
}

fn model_detail(id: &str, m: &ModelPrice, catalog: &Catalog) -> String {
    let mut out = format!(
        "{id}\n  provider      {}\n  mode          {:?}\n  context       {} input tokens, {} output tokens\n",
        m.provider,
        m.mode,
        m.max_input_tokens
            .map(|x| crate::output::format::count(x as f64))
            .unwrap_or_else(|| "unknown".into()),
        m.max_output_tokens
            .map(|x| crate::output::format::count(x as f64))
            .unwrap_or_else(|| "unknown".into()),
    );
    if let Some(d) = &m.deprecation_date {
        out.push_str(&format!("  deprecated    {d}\n"));
    }
    out.push_str(&format!(
        "  prices from   {} (effective {})\n\n",
        catalog.source, catalog.effective_date
    ));
    let mut t = Table::new(&["price", "USD per 1M tokens"]);
    rates_rows(&mut t, "standard", &m.standard);
    if let Some(b) = &m.batch {
        rates_rows(&mut t, "batch", b);
    }
    if let Some(f) = &m.flex {
        rates_rows(&mut t, "flex", f);
    }
    if let Some(lc) = &m.long_context {
        let label = format!(">{}k standard", lc.above_input_tokens / 1000);
        rates_rows(&mut t, &label, &lc.standard);
        if let Some(b) = &lc.batch {
            rates_rows(
                &mut t,
                &format!(">{}k batch", lc.above_input_tokens / 1000),
                b,
            );
        }
        if let Some(f) = &lc.flex {
            rates_rows(
                &mut t,
                &format!(">{}k flex", lc.above_input_tokens / 1000),
                f,
            );
        }
    }
    out.push_str(&t.text("  "));
    if let Some(lc) = &m.long_context {
        out.push_str(&format!(
            "  (a request with more than {} prompt tokens is billed entirely at the >{}k rates)\n",
            crate::output::format::count(lc.above_input_tokens as f64),
            lc.above_input_tokens / 1000
        ));
    }
    let c = &m.cache;
    out.push_str(&format!(
        "\n  prompt cache  {}; minimum prefix {} tokens; granularity {} token{}; TTLs {}; {}\n",
        match c.kind {
            crate::foundations::pricing::CacheKind::None => "none",
            crate::foundations::pricing::CacheKind::Automatic =>
                "automatic (the provider caches prefixes itself)",
            crate::foundations::pricing::CacheKind::Explicit => "explicit breakpoints",
            crate::foundations::pricing::CacheKind::ExplicitWithStorage =>
                "explicit caches billed for storage per token-hour",
        },
        c.min_prefix_tokens,
        c.granularity_tokens,
        if c.granularity_tokens == 1 { "" } else { "s" },
        {
            let mut t = c.ttls.clone();
            t.sort();
            t
        }
        .iter()
        .map(|t| if Some(t) == c.ttls.first() {
            format!("{t} (default)")
        } else {
            t.to_string()
        })
        .collect::<Vec<_>>()
        .join(", "),
        if c.refresh_on_hit {
            "TTL refreshed on every hit"
        } else {
            "TTL not refreshed by hits"
        }
    ));
    if let Some(s) = c.storage_per_mtok_hour {
        out.push_str(&format!(
            "  storage       ${} per million tokens per hour\n",
            round_price(s)
        ));
    }
    out
}
