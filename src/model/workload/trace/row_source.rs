//! [`RowSource`]: the seam for formats whose rows are not one CSV row or JSON line each (a JSON
//! array, a database query, ...). `reader` holds one behind its rows; the formats implement it
//! without depending on `reader`.

use super::error::TraceError;
use super::record::TraceRecord;

/// A format-specific stream of records (OTLP, Parquet, a database query, ...): what a format
/// whose rows are not one CSV row or JSON line each implements.
pub(super) trait RowSource {
    /// Read the next record into `out` (its `line` set to the row's place in the source);
    /// `None` at the end. Errors name `path`.
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>>;

    /// Items read and left out because they carry no LLM usage (an HTTP span, a Langfuse
    /// event), by reason, so a report can say how many and why.
    fn ignored(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}
