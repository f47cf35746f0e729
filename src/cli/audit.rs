//! `tokencast audit`: price recorded usage exactly as recorded. Parses the flags, has the
//! analysis layer audit the trace and writes the report.

use std::path::{Path, PathBuf};

use crate::analysis::audit::{self, AuditOptions, ByKey};
use crate::model::workload::trace::{CostReport, Pieces, TraceReader};
use crate::output::csv::focus_csv;

use super::failure::{Failure, trace_failure};
use super::flags::{DatabaseFlags, ReportFlags, ThreadsFlag, TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output, refuse_shared_output};
use crate::model::workload::trace::TraceRunError;

/// Arguments of `tokencast audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Trace file (`-` for standard input; read once, so a pipe works): native CSV/JSONL,
    /// Azure, Mooncake, BurstGPT, LiteLLM spend logs (CSV or JSON export, or a postgres:// URL of
    /// LiteLLM's database), OpenTelemetry GenAI spans (OTLP JSON or protobuf), Langfuse
    /// observations (Parquet, CSV, JSONL), Helicone requests, native Parquet, or (audit only)
    /// OpenAI and Anthropic usage reports.
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
    /// Break the cost down by KEY (repeatable): endpoint, model, user, session, provider, or
    /// the key of a tag or property the source records (`team_id`, `environment`, a Helicone
    /// property; `tag:KEY` for a tag spelt like a field).
    #[arg(long, value_name = "KEY", value_parser = parse_by)]
    pub by: Vec<ByKey>,
    /// Take each row's endpoint from the tag or property TAG, where the row has it (a Helicone
    /// property, a LiteLLM request tag key, ...).
    #[arg(long, value_name = "TAG", value_parser = super::flags::tag_key)]
    pub endpoint_from: Option<String>,
    /// Also write the audit as FinOps FOCUS 1.2 cost-and-usage rows (CSV) to FILE (`-` for
    /// standard output, which then carries only the CSV unless -o names it).
    #[arg(long, value_name = "FILE")]
    pub focus: Option<PathBuf>,
    /// Compare the usage's price with a provider's cost report: OpenAI costs API or Anthropic
    /// cost_report pages saved as JSON (a file, one page per line, or a directory of pages),
    /// per model and token type, with the likely cause of each difference.
    #[arg(long, value_name = "COSTS")]
    pub recorded_costs: Option<PathBuf>,
    /// BillingAccountId of the FOCUS rows (default: the trace's file name).
    #[arg(long, value_name = "ID", requires = "focus")]
    pub billing_account: Option<String>,
    /// Format and output file of the report.
    #[command(flatten)]
    pub report: ReportFlags,
    /// Threads.
    #[command(flatten)]
    pub threads: ThreadsFlag,
}

/// Run `tokencast audit`.
pub(crate) fn execute(a: &AuditArgs) -> Result<i32, Failure> {
    refuse_input_as_output(
        &[a.report.output.as_deref(), a.focus.as_deref()],
        &[
            Some(&a.trace),
            a.prices.as_deref(),
            a.recorded_costs.as_deref(),
        ],
    )?;
    refuse_shared_output(&[
        ("-o", a.report.output.as_deref()),
        ("--focus", a.focus.as_deref()),
    ])?;
    // `--focus -` takes standard output: the report goes there only when `-o` names it.
    let focus_on_stdout = a.focus.as_deref() == Some(Path::new("-"));
    let sink = match (&a.report.output, focus_on_stdout) {
        (None, true) => None,
        (output, _) => Some(Sink::open(output.as_deref())?),
    };
    let focus_sink = match &a.focus {
        Some(p) => Some(Sink::open(Some(p))?),
        None => None,
    };
    let catalog = load_catalog(a.prices.as_deref())?;
    let format = a.trace_format.map(Into::into);
    let recorded_costs = match &a.recorded_costs {
        Some(p) => Some(
            CostReport::open(p)
                .map_err(|e| Failure::input(anyhow::anyhow!("--recorded-costs: {e}")))?,
        ),
        None => None,
    };
    let account = a.billing_account.clone().unwrap_or_else(|| {
        a.trace.file_name().map_or_else(
            || a.trace.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        )
    });
    let query = a.database.query()?;
    let opts = AuditOptions {
        default_model: a.model.clone(),
        skip_bad_rows: a.skip_bad_rows,
        by: a.by.clone(),
        focus_account: a.focus.as_ref().map(|_| account),
        recorded_costs,
    };
    // A large CSV file, or a Parquet file's row groups, is read in pieces on every thread
    // (`--threads`); anything else as one stream (a database, or a file given database flags,
    // which `open_arg` refuses).
    let plan = if query.is_set() {
        None
    } else {
        Pieces::plan(&a.trace, format).map_err(Failure::input)?
    };
    let audited = a.threads.run(|| -> Result<audit::Audited, Failure> {
        if let Some(plan) = &plan
            && let Some(done) =
                audit::audit_pieces(plan, a.endpoint_from.as_deref(), &catalog, &opts)
                    .map_err(trace_failure)?
        {
            return Ok(done);
        }
        let mut reader = TraceReader::open_arg(&a.trace, format, &query)
            .map_err(|e| trace_failure(TraceRunError::from(e)))?;
        reader.set_endpoint_from(a.endpoint_from.clone());
        audit::audit(reader, &catalog, &opts).map_err(trace_failure)
    })??;
    if let Some(sink) = sink {
        sink.write(&a.report.format.render(&audited.report)?)?;
    }
    if let (Some(sink), Some(rows)) = (focus_sink, &audited.focus) {
        sink.write(&focus_csv(rows).map_err(Failure::runtime)?)?;
    }
    Ok(0)
}

fn parse_by(s: &str) -> Result<ByKey, String> {
    ByKey::parse(s)
}
