//! Streaming a JSON-lines trace (native JSONL, Mooncake or LiteLLM's spend logs): one object per non-blank line,
//! and the native keys into a [`TraceRecord`].
//!
//! A JSON row is parsed into a `serde_json::Value` and a fresh record (these formats are
//! small next to the CSV ones); its values are read through `json_row`, and Mooncake's keys
//! are `mooncake`'s.

use std::io::BufRead;

use super::error::TraceError;
use super::json_row::JsonRow;
use super::litellm;
use super::mooncake::mooncake_record;
use super::record::{Segments, TraceRecord, check};
use super::{NATIVE_COLUMNS, TraceFormat};

/// The open lines of a JSON-lines trace.
pub(super) struct JsonlRows {
    reader: Box<dyn BufRead>,
    buf: Vec<u8>,
}

impl JsonlRows {
    /// The rows of `reader`, from its first line.
    pub(super) fn new(reader: Box<dyn BufRead>) -> JsonlRows {
        JsonlRows {
            reader,
            buf: Vec::new(),
        }
    }

    /// Read the next non-blank line into `out`; `line` counts the lines read. `None` at the end
    /// of the file.
    #[inline]
    pub(super) fn read_into(
        &mut self,
        format: TraceFormat,
        path: &str,
        line: &mut u64,
        out: &mut TraceRecord,
    ) -> Option<Result<(), TraceError>> {
        loop {
            self.buf.clear();
            *line += 1;
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {
                    let at = *line - 1;
                    let Ok(text) = std::str::from_utf8(&self.buf) else {
                        return Some(Err(TraceError::row(path, at, "the line is not UTF-8 text")));
                    };
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    return Some(match json_record(format, text, at) {
                        Ok(r) => {
                            *out = r;
                            Ok(())
                        }
                        Err(m) => Err(TraceError::row(path, at, m)),
                    });
                }
                Err(e) => return Some(Err(TraceError::io(path, e))),
            }
        }
    }
}

/// The record of one JSON line of a `format` trace at `line`.
fn json_record(format: TraceFormat, text: &str, line: u64) -> Result<TraceRecord, String> {
    let o = JsonRow::parse(text)?;
    let r = match format {
        TraceFormat::Mooncake => mooncake_record(&o, line),
        TraceFormat::LiteLlm => litellm::json_record(&o, line),
        _ => native_record(&o, line),
    }?;
    // Every format's rules, Mooncake's rows included.
    check(&r)?;
    Ok(r)
}

/// A native JSONL row: only native keys, read as the native CSV columns are.
fn native_record(o: &JsonRow<'_>, line: u64) -> Result<TraceRecord, String> {
    for k in o.object.keys() {
        if !NATIVE_COLUMNS.contains(&k.as_str()) {
            return Err(format!(
                "unknown key `{k}`; native keys are: {}",
                NATIVE_COLUMNS.join(", ")
            ));
        }
    }
    let time_ms = o.native_time()?;
    let batch = o.batch()?;
    let r = TraceRecord {
        line,
        time_ms,
        input_tokens: o.count("input_tokens")?.ok_or("input_tokens: missing")?,
        output_tokens: o.count("output_tokens")?.ok_or("output_tokens: missing")?,
        session_id: o.string("session_id")?,
        endpoint: o.string("endpoint")?,
        user_id: o.string("user_id")?,
        model: o.string("model")?,
        cache_read_tokens: o.count("cache_read_tokens")?,
        cache_write_tokens: o.count("cache_write_tokens")?,
        cache_write_5m_tokens: o.count("cache_write_5m_tokens")?,
        cache_write_1h_tokens: o.count("cache_write_1h_tokens")?,
        reasoning_tokens: o.count("reasoning_tokens")?,
        prefix_hashes: o.hashes("prefix_hashes")?,
        block_tokens: o.count("block_tokens")?,
        intent: o.string("intent")?,
        segments: Segments::of(
            o.count("system_tokens")?,
            o.count("tools_tokens")?,
            o.count("history_tokens")?,
            o.count("context_tokens")?,
            o.string("document")?.as_deref(),
            o.count("document_tokens")?,
        )?,
        batch,
        provider: o.string("provider")?,
        tags: o.tags("tags")?,
        ..TraceRecord::default()
    };
    Ok(r)
}
