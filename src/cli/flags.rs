//! Flags and flag values that several commands share: the report formats, the image and trace
//! formats, `--format`/`-o` of the commands that write a report of a trace, and the flags of
//! the commands that simulate (`run`, `diff`). Defined once here so a flag has the same name,
//! parser and default wherever it appears; a command that words a shared flag's help for its own
//! output does so through [`SimulationHelp`].

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::ValueEnum;

use crate::analysis::report;
use crate::foundations::pricing::Catalog;
use crate::model::workload::trace::{DatabaseQuery, TraceFormat, parse_time_ms};
use crate::output::plot;
use crate::output::{csv, json, markdown, table};

use super::failure::Failure;

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

impl Format {
    /// The report in this format.
    pub(crate) fn render(self, report: &report::Report) -> Result<String, Failure> {
        Ok(match self {
            Format::Table => table::render(report),
            Format::Json => json::render(report).map_err(Failure::runtime)?,
            Format::Csv => csv::render(report),
            Format::Markdown => markdown::render(report),
        })
    }
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
    /// LiteLLM spend logs: CSV or JSON export (or a postgres:// URL).
    Litellm,
    /// OpenTelemetry GenAI spans as OTLP/JSON (the collector's file exporter, `format: json`).
    OtlpJson,
    /// OpenTelemetry GenAI spans as length-framed OTLP protobuf (`format: proto`).
    OtlpProto,
    /// Langfuse observations export (Parquet, CSV or JSON lines).
    Langfuse,
    /// Helicone request export (CSV or JSON lines).
    Helicone,
    /// tokencast columns in a Parquet file.
    NativeParquet,
    /// OpenAI organization usage API (completions) pages, saved as JSON.
    OpenaiUsage,
    /// Anthropic usage report (messages) pages, saved as JSON.
    AnthropicUsage,
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
            TraceFormatArg::OtlpJson => TraceFormat::OtlpJson,
            TraceFormatArg::OtlpProto => TraceFormat::OtlpProto,
            TraceFormatArg::Langfuse => TraceFormat::Langfuse,
            TraceFormatArg::Helicone => TraceFormat::Helicone,
            TraceFormatArg::NativeParquet => TraceFormat::NativeParquet,
            TraceFormatArg::OpenaiUsage => TraceFormat::OpenAiUsage,
            TraceFormatArg::AnthropicUsage => TraceFormat::AnthropicUsage,
        }
    }
}

/// `--since`, `--until` and `--table` of the commands that read a trace: what to read of a
/// postgres:// trace (LiteLLM's spend-log table). A file is read whole, and these are an error
/// with one.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DatabaseFlags {
    /// Rows whose startTime is at or after this (RFC 3339, or a date for its UTC midnight);
    /// postgres:// traces only.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub since: Option<i64>,
    /// Rows whose startTime is before this (RFC 3339, or a date for its UTC midnight);
    /// postgres:// traces only.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub until: Option<i64>,
    /// The spend-log table, `name` or `schema.name` (default: "LiteLLM_SpendLogs");
    /// postgres:// traces only.
    #[arg(long)]
    pub table: Option<String>,
}

impl DatabaseFlags {
    /// The query these flags ask for; `--since` must come before `--until`.
    pub(crate) fn query(&self) -> Result<DatabaseQuery, Failure> {
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since >= until
        {
            return Err(Failure::input(anyhow!(
                "--since must be before --until (the range is since <= startTime < until)"
            )));
        }
        Ok(DatabaseQuery {
            since_ms: self.since,
            until_ms: self.until,
            table: self.table.clone(),
        })
    }
}

/// A time for `--since`/`--until`: RFC 3339 (`2026-11-03T14:00:00Z`), or a date
/// (`2026-11-03`, its UTC midnight).
pub(crate) fn parse_instant(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let date_only = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    let text = if date_only {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    match parse_time_ms(&text) {
        Some(ms) if date_only || s.contains(['T', 't', ' ']) => Ok(ms),
        _ => Err(format!(
            "expected RFC 3339 (2026-11-03T14:00:00Z) or a date (2026-11-03), got {s:?}"
        )),
    }
}

/// `--format` and `-o` of `audit` and `replay`: the report of a trace and where it goes.
#[derive(Debug, clap::Args)]
pub struct ReportFlags {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of standard output (`-` is standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The help `--runs`, `--seed`, `--format`, `-o`, `--prices` and `--threads` give in one
/// command. The flags mean the same in `run` and `diff`, but `run` writes one scenario's report
/// and `diff` compares two sides, so each says what its flags do for it.
pub trait SimulationHelp {
    /// `--runs`.
    const RUNS: &'static str;
    /// `--seed`.
    const SEED: &'static str;
    /// `--format`.
    const FORMAT: &'static str;
    /// Whether `--format`'s help leaves out the list of values (because [`Self::FORMAT`]
    /// describes them itself).
    const FORMAT_HIDES_VALUES: bool;
    /// `-o`, `--output`.
    const OUTPUT: &'static str;
    /// `--prices`.
    const PRICES: &'static str;
    /// `--threads`.
    const THREADS: &'static str;
}

/// The flags of the commands that simulate a scenario: how many runs and from which seed, the
/// price catalog, the worker threads, and the format and file of what is written. `H` words
/// their help for the command.
#[derive(Debug, clap::Args)]
pub struct SimulationFlags<H: SimulationHelp> {
    /// Independent runs, each drawing the scenario's uncertain parameters once (default: sized
    /// to the scenario).
    #[arg(long, help = H::RUNS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub runs: Option<u32>,
    /// Seed of all random streams (default: the scenario's `seed`).
    #[arg(long, help = H::SEED)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, help = H::FORMAT, value_enum, default_value_t = Format::Table,
          hide_possible_values = H::FORMAT_HIDES_VALUES)]
    pub format: Format,
    /// Where to write (`-` or none: standard output).
    #[arg(short, long, help = H::OUTPUT)]
    pub output: Option<PathBuf>,
    /// Price catalog to use instead of the scenario's: LiteLLM JSON or tokencast RON.
    #[arg(long, help = H::PRICES)]
    pub prices: Option<PathBuf>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, help = H::THREADS, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    #[arg(skip)]
    wording: PhantomData<H>,
}

impl<H: SimulationHelp> SimulationFlags<H> {
    /// `work` on a pool of `--threads` workers, or on the global pool (all cores) without it.
    pub(crate) fn with_threads<T: Send>(
        &self,
        work: impl FnOnce() -> T + Send,
    ) -> Result<T, Failure> {
        ThreadsFlag {
            threads: self.threads,
        }
        .run(work)
    }
}

/// The `--prices` catalog, or the built-in one without it.
pub(crate) fn load_catalog(prices: Option<&Path>) -> Result<Catalog, Failure> {
    match prices {
        Some(p) => Catalog::load(p).map_err(Failure::input),
        None => Ok(Catalog::builtin()),
    }
}

/// A tag or property key (`--endpoint-from`): not empty.
pub(crate) fn tag_key(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("an empty key; give the key of a tag or property, such as `feature`".into())
    } else {
        Ok(s.to_string())
    }
}

/// `--threads` of a command that reads a trace.
#[derive(Debug, Clone, clap::Args)]
pub struct ThreadsFlag {
    /// Worker threads reading a large CSV trace in pieces (default: all cores); results do not
    /// depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

impl ThreadsFlag {
    /// `work` on a pool of `--threads` workers, or on the global pool (all cores) without it.
    pub(crate) fn run<T: Send>(&self, work: impl FnOnce() -> T + Send) -> Result<T, Failure> {
        Ok(match self.threads {
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(usize::from(n))
                .build()
                .map_err(|e| Failure::input(anyhow!("--threads {n}: {e}")))?
                .install(work),
            None => work(),
        })
    }
}
