//! Command-line interface: clap types and dispatch. No other module sees clap.
//!
//! Exit codes: 0 success, 1 runtime error, 2 bad input or usage (clap's own usage errors exit
//! 2 as well), 3 a `diff --fail-above` threshold crossed.
//!
//! This file holds the top-level [`Cli`] and [`Command`] and sends each command to its file,
//! which holds that command's flags and handler: [`run`](mod@run), [`validate`], [`audit`],
//! [`replay`], [`fit`], [`synth`], [`diff`](mod@diff), [`plot`], [`prices`]. What several
//! commands share lives beside them: the shared flags and flag values ([`flags`]), failures and
//! their exit codes, the output file written in one step, and the charts and page of `run` and
//! `plot`. The commands only parse, call the layers below and print.

pub mod audit;
pub mod backtest;
pub mod collect;
pub mod diff;
mod failure;
pub mod fit;
pub mod flags;
mod output_file;
pub mod plot;
pub mod prices;
pub mod replay;
pub mod run;
pub mod synth;
pub mod validate;
mod visuals;

use clap::{Parser, Subcommand};

pub use diff::DiffArgs;
pub use failure::Failure;
pub use flags::{Format, PlotFormat, TraceFormatArg};
pub use output_file::ClosedPipe;
pub use replay::CacheArg;
pub use run::RunArgs;

/// Forecast what an LLM feature will cost in production, and what each cost lever saves.
#[derive(Debug, Parser)]
#[command(name = "tokencast", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report its cost.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate(validate::ValidateArgs),
    /// Price recorded usage exactly as recorded; breakdowns and the lever for each finding.
    Audit(audit::AuditArgs),
    /// Replay a trace's recorded arrivals and sizes through a scenario's strategies.
    Replay(replay::ReplayArgs),
    /// Write a scenario that reproduces a trace's arrivals, sizes and sessions.
    Fit(fit::FitArgs),
    /// Fit the first part of a trace, forecast the rest, and compare with what it cost.
    Backtest(backtest::BacktestArgs),
    /// Write a scenario's synthetic traffic as a native CSV trace.
    Synth(synth::SynthArgs),
    /// Cost change of a scenario edit: paired runs, a pull-request comment, CI thresholds.
    #[command(
        override_usage = "tokencast diff [OPTIONS] <BASE> <HEAD>\n       tokencast diff [OPTIONS] --git-base <REV> <FILE>..."
    )]
    Diff(DiffArgs),
    /// Draw charts (and an HTML page) from a saved JSON report (`--format json`).
    Plot(plot::PlotArgs),
    /// Show the price catalog, or one model in full.
    Prices(prices::PricesArgs),
    /// Receive OpenTelemetry GenAI spans (OTLP/HTTP) and keep their token counts as a trace.
    Collect(collect::CollectArgs),
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

/// Run the command line; `Ok` carries the exit code.
pub fn run(cli: Cli) -> Result<i32, Failure> {
    // `run` and `synth` stop at their next check on Ctrl-C; the others end at once, without
    // leaving a temporary file behind.
    // `collect` drains what it accepted on SIGTERM or Ctrl-C.
    if !matches!(
        cli.command,
        Command::Run(_) | Command::Synth(_) | Command::Collect(_)
    ) {
        failure::clean_up_on_ctrl_c();
    }
    match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Validate(args) => validate::execute(&args),
        Command::Audit(args) => audit::execute(&args),
        Command::Replay(args) => replay::execute(&args),
        Command::Backtest(args) => backtest::execute(&args),
        Command::Fit(args) => fit::execute(&args),
        Command::Synth(args) => synth::execute(&args),
        Command::Diff(args) => diff::execute(&args),
        Command::Plot(args) => plot::execute(&args),
        Command::Prices(args) => prices::execute(&args),
        Command::Collect(args) => collect::execute(&args),
    }
}
