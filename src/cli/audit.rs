//! `tokencast audit`: price recorded usage exactly as recorded. Parses the flags, has the
//! analysis layer audit the trace and writes the report.

use std::path::PathBuf;

use crate::analysis::audit::{self, AuditOptions};
use crate::model::workload::trace::TraceReader;

use super::failure::{Failure, trace_failure};
use super::flags::{DatabaseFlags, ReportFlags, TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output};
use crate::model::workload::trace::TraceRunError;

/// Arguments of `tokencast audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Trace file (`-` for standard input; read once, so a pipe works): native CSV/JSONL,
    /// Azure, Mooncake, BurstGPT or LiteLLM spend logs (CSV or JSON export), or a
    /// postgres:// URL of LiteLLM's database.
    pub trace: PathBuf,
    /// Force the trace format instead of detecting it.
    #[arg(long, value_enum)]
    pub trace_format: Option<TraceFormatArg>,
    /// What to read of a postgres:// trace.
    #[command(flatten)]
    pub database: DatabaseFlags,
    /// Model for rows that name none (required for formats without a model column).
    #[arg(long)]
    pub model: Option<String>,
    /// Price catalog: LiteLLM JSON or tokencast RON (default: the built-in one).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Count and skip bad rows instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Format and output file of the report.
    #[command(flatten)]
    pub report: ReportFlags,
}

/// Run `tokencast audit`.
pub(crate) fn execute(a: &AuditArgs) -> Result<i32, Failure> {
    refuse_input_as_output(
        &[a.report.output.as_deref()],
        &[Some(&a.trace), a.prices.as_deref()],
    )?;
    let sink = Sink::open(a.report.output.as_deref())?;
    let catalog = load_catalog(a.prices.as_deref())?;
    let query = a.database.query()?;
    let reader = TraceReader::open_arg(&a.trace, a.trace_format.map(Into::into), &query)
        .map_err(|e| trace_failure(TraceRunError::from(e)))?;
    let opts = AuditOptions {
        default_model: a.model.clone(),
        skip_bad_rows: a.skip_bad_rows,
    };
    let report = audit::audit(reader, &catalog, &opts).map_err(trace_failure)?;
    sink.write(&a.report.format.render(&report)?)?;
    Ok(0)
}
