//! `tokencast backtest`: fit a scenario on the first part of a trace, forecast the rest, and
//! compare with what the rest really cost. Parses the flags, has the analysis layer run the
//! backtest and writes it.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::ValueEnum;

use crate::analysis::backtest::{self, BacktestError, BacktestOptions, Split};
use crate::model::scenario;
use crate::output::backtest as render;

use super::failure::{Failure, trace_failure};
use super::flags::{TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output, refuse_shared_output};
use crate::output::plot::{self, ImageFormat};

/// Backtest output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormat {
    /// Aligned text for a terminal.
    Table,
    /// Every band and figure (schema_version 1).
    Json,
    /// One row per strategy, origin and period.
    Csv,
    /// GitHub-flavoured markdown.
    Markdown,
}

/// Arguments of `tokencast backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// Trace file: any format `replay` reads (read whole into memory and sorted by time).
    pub trace: PathBuf,
    /// Train on this percentage of the trace's time span, forecast the rest.
    #[arg(
        long,
        value_name = "PERCENT",
        default_value_t = 50.0,
        conflicts_with = "until"
    )]
    pub train: f64,
    /// Train on the rows before this time instead (RFC 3339, a date for its UTC midnight, or
    /// the trace's own integer milliseconds).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Forecast origins: the held-out part splits into this many windows, each forecast from
    /// everything before it; coverage counts every window's periods.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub origins: u32,
    /// Monte Carlo runs per forecast.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub runs: u32,
    /// Seed of the runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Add this scenario's strategies (and model aliases) to each fitted scenario; its
    /// endpoint names must be the trace's (`all` for a trace without endpoints).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Model of the fitted endpoints, instead of the rows' own.
    #[arg(long)]
    pub model: Option<String>,
    /// Force the trace format instead of detecting it.
    #[arg(long, value_enum)]
    pub trace_format: Option<TraceFormatArg>,
    /// Take each row's endpoint from the tag or property TAG, where the row has it.
    #[arg(long, value_name = "TAG", value_parser = super::flags::tag_key)]
    pub endpoint_from: Option<String>,
    /// Count and skip bad rows instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Price catalog: LiteLLM JSON or tokencast RON.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Table)]
    pub format: BacktestFormat,
    /// Write here instead of standard output (`-` is standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Also draw the forecast bands against the actual costs into this file (`.svg` or
    /// `.png`).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

/// Run `tokencast backtest`.
pub(crate) fn execute(a: &BacktestArgs) -> Result<i32, Failure> {
    refuse_input_as_output(
        &[a.output.as_deref(), a.chart.as_deref()],
        &[Some(&a.trace), a.scenario.as_deref(), a.prices.as_deref()],
    )?;
    refuse_shared_output(&[("-o", a.output.as_deref()), ("--chart", a.chart.as_deref())])?;
    let chart = match &a.chart {
        Some(p) => Some((
            match p.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("svg") => ImageFormat::Svg,
                Some(e) if e.eq_ignore_ascii_case("png") => ImageFormat::Png,
                _ => {
                    return Err(Failure::input(anyhow!(
                        "--chart {}: name a .svg or .png file",
                        p.display()
                    )));
                }
            },
            Sink::open(Some(p))?,
        )),
        None => None,
    };
    let sink = Sink::open(a.output.as_deref())?;
    let catalog = load_catalog(a.prices.as_deref())?;
    let split = match &a.until {
        Some(t) => Split::Until(match t.trim().parse::<i64>() {
            Ok(ms) => ms,
            Err(_) => super::flags::parse_instant(t).map_err(|e| {
                Failure::input(anyhow!(
                    "--until: {e}, or the trace's own integer milliseconds"
                ))
            })?,
        }),
        None => Split::Percent(a.train),
    };
    let strategies = match &a.scenario {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure::input(anyhow!("{}: {e}", p.display())))?;
            let shown = p.display().to_string();
            Some((
                shown.clone(),
                scenario::parse(&text, &shown).map_err(Failure::input)?,
            ))
        }
        None => None,
    };
    let opts = BacktestOptions {
        format: a.trace_format.map(Into::into),
        endpoint_from: a.endpoint_from.clone(),
        // `--until` is the cut here: a postgres:// trace is read whole (its default limits).
        query: Default::default(),
        skip_bad_rows: a.skip_bad_rows,
        model: a.model.clone(),
        split,
        origins: a.origins,
        runs: a.runs,
        seed: a.seed,
        strategies,
    };
    let b = backtest::backtest(&a.trace, &catalog, &opts).map_err(|e| match e {
        BacktestError::Trace(t) => trace_failure(t),
        other => Failure::input(other),
    })?;
    let text = match a.format {
        BacktestFormat::Table => render::table(&b),
        BacktestFormat::Json => render::json(&b).map_err(Failure::runtime)?,
        BacktestFormat::Csv => render::csv(&b),
        BacktestFormat::Markdown => render::markdown(&b),
    };
    if let Some((format, chart)) = chart {
        let bytes = plot::backtest_chart(&b, format).map_err(|e| Failure::runtime(anyhow!(e)))?;
        chart.stream(|w| {
            w.write_all(&bytes)
                .map_err(|e| format!("cannot write the chart: {e}"))
        })?;
    }
    sink.write(&text)?;
    Ok(0)
}
