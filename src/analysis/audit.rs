//! `tokencast audit`: price recorded usage exactly as recorded, and say which lever fits.
//!
//! Every row is billed on its model at the catalog's prices: prompt tokens split into cache
//! reads (`cache_read_tokens`), cache writes and uncached input (the rest: LiteLLM's convention
//! that `input_tokens` includes cached tokens); output into reasoning (`reasoning_tokens`) and
//! visible output (the rest). Cache writes are priced by TTL: `cache_write_5m_tokens` at the
//! 5-minute write rate, `cache_write_1h_tokens` at the 1-hour rate (Anthropic's usage reports
//! both), and `cache_write_tokens`, which says no TTL, at the 5-minute rate, or at the rate of
//! the model's only or default TTL when it has no 5-minute one (OpenAI GPT-5.6: 30 minutes). A
//! write price the catalog lacks is the input price (`ModelPrice::rate_per_token`); a row
//! recording writes of a TTL its model does not offer (1-hour writes on GPT-5.6) is an error
//! naming the row and the model. Rows marked `batch` are billed at batch prices. A request whose
//! prompt is above the model's long-context threshold is billed entirely at the tier's rates.
//!
//! The result is a report with one strategy, `recorded`, in the usual contract, plus an
//! `audit` section: medians of prompt and output lengths, the Pareto view of endpoints and
//! users (which few carry most of the spend), input vs output share, and findings, each paired
//! with the lever that addresses it.
//!
//! Memory: the ledger (days × endpoint/model lines) plus one cost total per distinct user and
//! one count per distinct token length (for exact medians); never the rows themselves.

mod findings;
mod summary;
mod tally;

use crate::analysis::audit::tally::Tally;
use crate::analysis::report::Report;
use crate::foundations::pricing::Catalog;
use crate::model::workload::trace::{TraceError, TraceReader, TraceRecord, TraceRunError};

/// Audit settings.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Model for rows that name none.
    pub default_model: Option<String>,
    /// Count and skip bad rows instead of stopping at the first.
    pub skip_bad_rows: bool,
}

/// Audit a trace against a catalog.
pub fn audit(
    mut reader: TraceReader,
    catalog: &Catalog,
    opts: &AuditOptions,
) -> Result<Report, TraceRunError> {
    let path = reader.path().to_string();
    let format = reader.format();
    let mut tally = Tally::new(format.block_tokens());
    let mut row = TraceRecord::default();
    while let Some(res) = reader.read_into(&mut row) {
        match res {
            Ok(()) => {}
            Err(TraceError::Row { line, .. }) if opts.skip_bad_rows => {
                tally.skip(line);
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        tally.add(
            &row,
            catalog,
            opts.default_model.as_deref(),
            reader.path_of(&row),
        )?;
    }
    if tally.rows == 0 {
        return Err(TraceRunError::Empty(path));
    }
    // The whole file has been read: its digest is complete.
    let sha256 = reader.sha256();
    summary::report(
        tally,
        format.name(),
        path,
        sha256,
        reader.ignored(),
        catalog,
    )
}
