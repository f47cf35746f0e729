//! `tokencast fit`: write a scenario that reproduces a trace. Parses the flags, has the analysis
//! layer fit the trace, checks that the scenario loads and writes it.

use std::path::{Path, PathBuf};

use crate::analysis::fit;
use crate::foundations::pricing::Catalog;
use crate::foundations::time::MS_PER_DAY;
use crate::model::scenario::{self, Scenario};
use crate::model::workload::trace::TraceReader;

use super::failure::{Failure, trace_failure};
use super::flags::{DatabaseFlags, TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output};
use crate::model::workload::trace::{TraceRunError, is_postgres_url};

/// Arguments of `tokencast fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Trace file (`-` for standard input; read once, so a pipe works): native CSV/JSONL,
    /// Azure, Mooncake, BurstGPT, LiteLLM spend logs (CSV or JSON export, or a postgres:// URL of
    /// LiteLLM's database), OpenTelemetry GenAI spans (OTLP JSON or protobuf), Langfuse
    /// observations (Parquet, CSV, JSONL), Helicone requests, native Parquet, or (audit only)
    /// OpenAI and Anthropic usage reports.
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
    /// What to read of a postgres:// trace.
    #[command(flatten)]
    pub database: DatabaseFlags,
    /// Price catalog to check model names against.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Write no `uncertain` entries (by default the session rate and the mean prompt and
    /// output sizes are uncertain by what the trace cannot pin down, for daily periods).
    #[arg(long)]
    pub no_uncertain: bool,
}

/// Run `tokencast fit`.
pub(crate) fn execute(a: &FitArgs) -> Result<i32, Failure> {
    refuse_input_as_output(&[Some(&a.output)], &[Some(&a.trace), a.prices.as_deref()])?;
    let sink = Sink::open(Some(&a.output))?;
    let catalog = load_catalog(a.prices.as_deref())?;
    let query = a.database.query()?;
    let mut reader = TraceReader::open_arg(&a.trace, a.trace_format.map(Into::into), &query)
        .map_err(|e| trace_failure(TraceRunError::from(e)))?;
    // A database is named by its URL without the password, in the scenario as in messages.
    let shown = reader.path().to_string();
    reader.set_endpoint_from(a.endpoint_from.clone());
    let name = a.name.clone().unwrap_or_else(|| {
        if is_postgres_url(&shown) {
            return "litellm-spend-logs".into();
        }
        a.trace
            .file_stem()
            .filter(|_| a.trace.as_os_str() != "-")
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "fitted".into())
    });
    let how = fit::FitWindow {
        period_ms: (!a.no_uncertain).then_some(MS_PER_DAY as i64),
        ..fit::FitWindow::default()
    };
    let fit::Fitted { file, notes } =
        fit::fit(reader, &catalog, a.model.as_deref(), &name, a.seed, how)
            .map_err(Failure::input)?;
    for n in notes {
        eprintln!("warning: {shown}: {n}");
    }
    let command = if is_postgres_url(&shown) {
        format!("tokencast fit {shown}")
    } else {
        format!("tokencast fit {}", a.trace.display())
    };
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
