//! One CSV row into a [`TraceRecord`]: its cells by meaning, parsed and checked, reusing the
//! record's buffers so a warm reader allocates nothing per row.
//!
//! The formats differ only in three places here: BurstGPT's timestamps are seconds from the
//! trace start, and its `Model` and `Log Type` name the endpoint; LiteLLM's columns beyond the
//! native meanings (spend, metadata, tags) go through `litellm`.

use super::TraceFormat;
use super::columns::col;
use super::litellm::{self, Field, SpendLog};
use super::parse::{fill_tags, parse_count, parse_seconds, parse_time_ms, trim};
use super::record::{Segments, TraceRecord, check, set};
use super::span::seconds_to_ms;

/// Fill `out` from one CSV row, reusing its string buffers (no allocation per row once warm).
/// `text` is the row's bytes, checked to be UTF-8, `rec` gives its fields, and `meanings` says
/// what each one is.
pub(super) fn fill_csv(
    format: TraceFormat,
    rec: &csv::ByteRecord,
    text: &str,
    meanings: &[Option<usize>],
    line: u64,
    out: &mut TraceRecord,
) -> Result<(), String> {
    let cells = Cells::of(rec, text, meanings);
    let time_ms = row_time(format, cells.get(col::TIME).ok_or("timestamp: missing")?)?;
    let input_tokens = cells
        .count(col::INPUT, "input_tokens")?
        .ok_or("input_tokens: missing")?;
    let output_tokens = cells
        .count(col::OUTPUT, "output_tokens")?
        .ok_or("output_tokens: missing")?;
    fill_prefix_hashes(&mut out.prefix_hashes, cells.get(col::PREFIX))?;
    let batch = parse_batch(cells.get(col::BATCH))?;
    fill_endpoint_and_model(format, &cells, out);
    out.line = line;
    out.time_ms = time_ms;
    out.input_tokens = input_tokens;
    out.output_tokens = output_tokens;
    set(&mut out.session_id, cells.get(col::SESSION));
    set(&mut out.user_id, cells.get(col::USER));
    out.cache_read_tokens = cells.count(col::CACHE_READ, "cache_read_tokens")?;
    out.cache_write_tokens = cells.count(col::CACHE_WRITE, "cache_write_tokens")?;
    out.cache_write_5m_tokens = cells.count(col::CACHE_WRITE_5M, "cache_write_5m_tokens")?;
    out.cache_write_1h_tokens = cells.count(col::CACHE_WRITE_1H, "cache_write_1h_tokens")?;
    out.reasoning_tokens = cells.count(col::REASONING, "reasoning_tokens")?;
    out.block_tokens = cells.count(col::BLOCK, "block_tokens")?;
    set(&mut out.intent, cells.get(col::INTENT));
    out.segments = Segments::of(
        cells.count(col::SYSTEM, "system_tokens")?,
        cells.count(col::TOOLS, "tools_tokens")?,
        cells.count(col::HISTORY, "history_tokens")?,
        cells.count(col::CONTEXT, "context_tokens")?,
        cells.get(col::DOCUMENT),
        cells.count(col::DOCUMENT_TOKENS, "document_tokens")?,
    )?;
    out.batch = batch;
    set(&mut out.provider, cells.get(col::PROVIDER));
    fill_tags(&mut out.tags, cells.get(col::TAGS))?;
    if format == TraceFormat::LiteLlm {
        fill_litellm(&cells, out)?;
    }
    check(out)
}

/// LiteLLM's columns beyond the native meanings: spend, metadata's usage, tags, provider.
#[inline]
fn fill_litellm(cells: &Cells<'_>, out: &mut TraceRecord) -> Result<(), String> {
    let log = SpendLog {
        request_id: cells.get(col::REQUEST_ID),
        spend: Field::text(cells.get(col::SPEND)),
        metadata: Field::text(cells.get(col::METADATA)),
        request_tags: Field::text(cells.get(col::REQUEST_TAGS)),
        team_id: cells.get(col::TEAM),
        model_group: cells.get(col::MODEL_GROUP),
        provider: cells.get(col::PROVIDER),
        api_key: cells.get(col::API_KEY),
        user: cells.get(col::LITELLM_USER),
        end_user: cells.get(col::USER),
        status: cells.get(col::STATUS),
    };
    litellm::fill(&log, out)
}

/// One row's cells by meaning (a `col` index), borrowed from the row's text.
struct Cells<'a>([&'a str; col::N]);

impl<'a> Cells<'a> {
    /// The cells of `rec`, whose text is `text`, by the `meanings` of its columns. One pass
    /// over the fields; their bounds are character bounds, as every field of a UTF-8 row is
    /// UTF-8.
    #[inline]
    fn of(rec: &csv::ByteRecord, text: &'a str, meanings: &[Option<usize>]) -> Cells<'a> {
        let mut cells = [""; col::N];
        let mut at = 0;
        for (field, meaning) in rec.iter().zip(meanings) {
            let end = at + field.len();
            if let Some(m) = *meaning {
                cells[m] = text.get(at..end).unwrap_or_default();
            }
            at = end;
        }
        Cells(cells)
    }

    /// The trimmed cell of meaning `i`, `None` when empty or absent.
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        Some(trim(self.0[i])).filter(|s| !s.is_empty())
    }

    /// The token count in the cell of meaning `i` (column `name` in messages), if any.
    #[inline]
    fn count(&self, i: usize, name: &str) -> Result<Option<u64>, String> {
        match self.get(i) {
            None => Ok(None),
            Some(s) => parse_count(s).map(Some).ok_or_else(|| {
                format!("{name}: expected a whole number of tokens >= 0, got {s:?}")
            }),
        }
    }
}

/// A row's time in ms: seconds from the trace start for BurstGPT, a timestamp otherwise.
#[inline]
fn row_time(format: TraceFormat, time: &str) -> Result<i64, String> {
    match format {
        TraceFormat::BurstGpt => parse_seconds(time)
            .ok_or_else(|| format!("Timestamp: expected seconds from the trace start, got {time:?}"))
            .and_then(seconds_to_ms),
        _ => parse_time_ms(time).ok_or_else(|| {
            format!("timestamp: expected RFC 3339 (2026-01-05T09:30:00Z) or integer milliseconds, got {time:?}")
        }),
    }
}

/// Refill `hashes` from a space-separated list of block ids.
#[inline]
fn fill_prefix_hashes(hashes: &mut Vec<u64>, cell: Option<&str>) -> Result<(), String> {
    hashes.clear();
    if let Some(s) = cell {
        for h in s.split_ascii_whitespace() {
            hashes.push(
                h.parse::<u64>().map_err(|_| {
                    format!("prefix_hashes: {h:?} is not a block id (whole number)")
                })?,
            );
        }
    }
    Ok(())
}

/// The `batch` cell: `true`/`1`, `false`/`0` or empty.
#[inline]
fn parse_batch(cell: Option<&str>) -> Result<Option<bool>, String> {
    match cell {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(s) => Err(format!("batch: expected true or false, got {s:?}")),
    }
}

/// Set the endpoint and model. BurstGPT's `Model` is a product name ("ChatGPT", "GPT-4"), not
/// an API model id: it and `Log Type` name the endpoint, and the model comes from --model.
#[inline]
fn fill_endpoint_and_model(format: TraceFormat, cells: &Cells<'_>, out: &mut TraceRecord) {
    match format {
        TraceFormat::BurstGpt => {
            let label = match (cells.get(col::MODEL), cells.get(col::ENDPOINT)) {
                (Some(m), Some(l)) => Some(format!("{m} {l}")),
                (Some(m), None) => Some(m.to_string()),
                (None, l) => l.map(str::to_string),
            };
            set(&mut out.endpoint, label.as_deref());
            out.model = None;
        }
        _ => {
            set(&mut out.endpoint, cells.get(col::ENDPOINT));
            set(&mut out.model, cells.get(col::MODEL));
        }
    }
}
