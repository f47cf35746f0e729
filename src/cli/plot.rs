//! `tokencast plot`: draw the charts (and the HTML page) of a saved JSON report.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use crate::analysis::report;
use crate::foundations::input::{
    MAX_REPORT_BYTES, MAX_SCENARIO_BYTES, read_capped, read_capped_text,
};

use super::failure::Failure;
use super::flags::PlotFormat;
use super::output_file::refuse_input_as_output;
use super::visuals::Visuals;

/// Arguments of `tokencast plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// JSON report written by `run`, `replay` or `audit` with `--format json`.
    pub report: PathBuf,
    /// Folder for the charts (created if missing).
    #[arg(required_unless_present = "html")]
    pub dir: Option<PathBuf>,
    /// Image format of the charts (only with a chart folder).
    #[arg(long, value_enum, default_value_t = PlotFormat::Svg, requires = "dir")]
    pub plot_format: PlotFormat,
    /// Also write a self-contained HTML page (charts, tables, assumptions) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Do not say what was written.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run `tokencast plot`: outputs first (so a bad path fails fast), then the report.
pub(crate) fn execute(a: &PlotArgs) -> Result<i32, Failure> {
    refuse_input_as_output(&[a.html.as_deref()], &[Some(&a.report)])?;
    let visuals = Visuals::open(a.dir.as_deref(), a.plot_format, a.html.as_deref())?;
    let report = load_report(&a.report)?;
    let source = scenario_source(&report);
    visuals.write(&report, source.as_deref(), a.quiet)?;
    Ok(0)
}

/// A saved JSON report; bad JSON, another schema version or fields that do not hold together
/// (money beyond a quadrillion dollars included: charts cannot draw it) are bad input.
fn load_report(path: &Path) -> Result<report::Report, Failure> {
    let bytes = read_capped(path, MAX_REPORT_BYTES, "report")
        .with_context(|| format!("{}: cannot read report", path.display()))
        .map_err(Failure::input)?;
    let report = report::Report::from_json(&bytes).map_err(|e| match e {
        report::ReadError::Json(e) => Failure::input(anyhow::Error::new(e).context(format!(
            "{}: not a tokencast JSON report (write one with --format json)",
            path.display()
        ))),
        report::ReadError::Schema(found) => Failure::input(anyhow!(
            "{}: report schema_version {found} (this tokencast reads {})",
            path.display(),
            report::SCHEMA_VERSION
        )),
        report::ReadError::Inconsistent(bad) => Failure::input(anyhow!(
            "{}: {bad} (charts are drawn only from a report as tokencast wrote it)",
            path.display()
        )),
    })?;
    Ok(report)
}

/// The scenario file a saved report was made from, when it is still where the report says
/// and unchanged (same SHA-256); never for audits (their "scenario" is the trace).
fn scenario_source(report: &report::Report) -> Option<String> {
    if report.audit.is_some() || !report.scenario.path.ends_with(".ron") {
        return None;
    }
    let text = read_capped_text(
        Path::new(&report.scenario.path),
        MAX_SCENARIO_BYTES,
        "scenario",
    )
    .ok()?;
    (crate::model::scenario::hex_sha256(text.as_bytes()) == report.scenario.sha256).then_some(text)
}
