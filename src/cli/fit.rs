//! `tokencast fit`: write a scenario that reproduces a trace. Parses the flags, has the analysis
//! layer fit the trace, checks that the scenario loads and writes it.

use std::path::{Path, PathBuf};

use crate::analysis::fit;
use crate::foundations::pricing::Catalog;
use crate::model::scenario::{self, Scenario};
use crate::model::workload::trace::TraceReader;

use super::failure::Failure;
use super::flags::{TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output};

/// Arguments of `tokencast fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Trace file (`-` for standard input; read once, so a pipe works): native CSV/JSONL,
    /// Azure, Mooncake, BurstGPT, LiteLLM spend logs, or (audit only) OpenAI and Anthropic
    /// usage reports.
    pub trace: PathBuf,
    /// The scenario file to write (`-` is standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Model for endpoints whose rows name none (and instead of the trace's models).
    #[arg(long)]
    pub model: Option<String>,
    /// Scenario name (default: the trace's file name; `fitted` for standard input).
    #[arg(long)]
    pub name: Option<String>,
    /// Seed written into the scenario.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Force the trace format instead of detecting it.
    #[arg(long, value_enum)]
    pub trace_format: Option<TraceFormatArg>,
    /// Take each row's endpoint from the tag or property TAG, where the row has it (a Helicone
    /// property, a LiteLLM request tag key, ...).
    #[arg(long, value_name = "TAG", value_parser = super::flags::tag_key)]
    pub endpoint_from: Option<String>,
    /// Price catalog to check model names against.
    #[arg(long)]
    pub prices: Option<PathBuf>,
}

/// Run `tokencast fit`.
pub(crate) fn execute(a: &FitArgs) -> Result<i32, Failure> {
    refuse_input_as_output(&[Some(&a.output)], &[Some(&a.trace), a.prices.as_deref()])?;
    let sink = Sink::open(Some(&a.output))?;
    let catalog = load_catalog(a.prices.as_deref())?;
    let mut reader =
        TraceReader::open(&a.trace, a.trace_format.map(Into::into)).map_err(Failure::input)?;
    reader.set_endpoint_from(a.endpoint_from.clone());
    let name = a.name.clone().unwrap_or_else(|| {
        a.trace
            .file_stem()
            .filter(|_| a.trace.as_os_str() != "-")
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "fitted".into())
    });
    let file =
        fit::fit(reader, &catalog, a.model.as_deref(), &name, a.seed).map_err(Failure::input)?;
    let command = format!("tokencast fit {}", a.trace.display());
    let text = fit::to_ron(&file, &command).map_err(Failure::runtime)?;
    check_loads(&text, catalog, &a.output)?;
    sink.write(&text)?;
    Ok(0)
}

/// What is written must load: parse and validate the scenario text before writing it.
fn check_loads(text: &str, catalog: Catalog, output: &Path) -> Result<(), Failure> {
    let parsed = scenario::parse(text, &output.display().to_string()).map_err(Failure::runtime)?;
    Scenario::from_file(parsed, catalog, &output.display().to_string())
        .map_err(Failure::runtime)?;
    Ok(())
}
