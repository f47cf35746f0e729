//! Which CSV column means what, per format: the native header, Azure's, BurstGPT's and
//! LiteLLM's.
//!
//! A header is read once; each row then finds its cells through the `meanings` this returns,
//! so what is particular to a CSV format lives here and in `csv_row`, not in the row loop.

use super::{NATIVE_COLUMNS, TraceFormat};

/// Column indices by meaning, for CSV formats: a native meaning's index is its position in
/// [`NATIVE_COLUMNS`], which the native header relies on; LiteLLM's own come after them.
pub(super) mod col {
    pub const TIME: usize = 0;
    pub const INPUT: usize = 1;
    pub const OUTPUT: usize = 2;
    pub const SESSION: usize = 3;
    pub const ENDPOINT: usize = 4;
    pub const USER: usize = 5;
    pub const MODEL: usize = 6;
    pub const CACHE_READ: usize = 7;
    pub const CACHE_WRITE: usize = 8;
    pub const CACHE_WRITE_5M: usize = 9;
    pub const CACHE_WRITE_1H: usize = 10;
    pub const REASONING: usize = 11;
    pub const PREFIX: usize = 12;
    pub const BLOCK: usize = 13;
    pub const INTENT: usize = 14;
    pub const BATCH: usize = 15;
    pub const SYSTEM: usize = 16;
    pub const TOOLS: usize = 17;
    pub const HISTORY: usize = 18;
    pub const CONTEXT: usize = 19;
    pub const DOCUMENT: usize = 20;
    pub const DOCUMENT_TOKENS: usize = 21;
    /// The provider (LiteLLM's `custom_llm_provider` too).
    pub const PROVIDER: usize = 22;
    pub const TAGS: usize = 23;
    /// Meanings only LiteLLM's export has, after the native ones.
    pub const REQUEST_ID: usize = 24;
    pub const SPEND: usize = 25;
    pub const METADATA: usize = 26;
    pub const REQUEST_TAGS: usize = 27;
    pub const TEAM: usize = 28;
    pub const MODEL_GROUP: usize = 29;
    pub const API_KEY: usize = 30;
    pub const LITELLM_USER: usize = 31;
    pub const STATUS: usize = 32;
    /// The native meanings (as many as [`super::NATIVE_COLUMNS`]).
    #[cfg(test)]
    pub const NATIVE: usize = 24;
    pub const N: usize = 33;
}

/// What each column of a `format` file with `headers` is (a `col` index), if used. Each
/// meaning has at most one column and each column at most one meaning.
pub(super) fn meanings(
    format: TraceFormat,
    headers: &csv::StringRecord,
) -> Result<Vec<Option<usize>>, String> {
    let columns = csv_columns(format, headers)?;
    check_named_once(headers, &columns)?;
    let mut meanings = vec![None; headers.len()];
    for (meaning, c) in columns.iter().enumerate() {
        if let Some(c) = c {
            meanings[*c] = Some(meaning);
        }
    }
    Ok(meanings)
}

/// The column of each meaning (indexed by `col`), or what is wrong with the header.
fn csv_columns(
    format: TraceFormat,
    headers: &csv::StringRecord,
) -> Result<Vec<Option<usize>>, String> {
    let header = Header { format, headers };
    let mut cols = vec![None; col::N];
    match format {
        TraceFormat::NativeCsv => native_columns(&header, &mut cols)?,
        TraceFormat::Azure => {
            header.need(&mut cols, col::TIME, "TIMESTAMP")?;
            header.need(&mut cols, col::INPUT, "ContextTokens")?;
            header.need(&mut cols, col::OUTPUT, "GeneratedTokens")?;
        }
        TraceFormat::BurstGpt => {
            header.need(&mut cols, col::TIME, "Timestamp")?;
            header.need(&mut cols, col::INPUT, "Request tokens")?;
            header.need(&mut cols, col::OUTPUT, "Response tokens")?;
            cols[col::MODEL] = header.find("Model");
            cols[col::ENDPOINT] = header.find("Log Type");
        }
        TraceFormat::LiteLlm => {
            header.need(&mut cols, col::TIME, "startTime")?;
            header.need(&mut cols, col::INPUT, "prompt_tokens")?;
            header.need(&mut cols, col::OUTPUT, "completion_tokens")?;
            cols[col::MODEL] = header.find("model");
            cols[col::USER] = header.find("end_user");
            cols[col::SESSION] = header.find("session_id");
            cols[col::ENDPOINT] = header.find("call_type");
            for (meaning, name) in [
                (col::REQUEST_ID, "request_id"),
                (col::SPEND, "spend"),
                (col::METADATA, "metadata"),
                (col::REQUEST_TAGS, "request_tags"),
                (col::TEAM, "team_id"),
                (col::MODEL_GROUP, "model_group"),
                (col::PROVIDER, "custom_llm_provider"),
                (col::API_KEY, "api_key"),
                (col::LITELLM_USER, "user"),
                (col::STATUS, "status"),
            ] {
                cols[meaning] = header.find(name);
            }
        }
        TraceFormat::NativeJsonl
        | TraceFormat::Mooncake
        | TraceFormat::OtlpJson
        | TraceFormat::OtlpProto
        | TraceFormat::Langfuse
        | TraceFormat::Helicone
        | TraceFormat::NativeParquet
        | TraceFormat::OpenAiUsage
        | TraceFormat::AnthropicUsage => {}
    }
    Ok(cols)
}

/// Each column the format reads is named once: with two `input_tokens` columns one would be read
/// and the other silently dropped. (Columns the format does not read may repeat, as exports
/// repeat unused ones.) The error names both columns, 1-based.
fn check_named_once(headers: &csv::StringRecord, columns: &[Option<usize>]) -> Result<(), String> {
    for c in columns.iter().flatten() {
        let name = headers[*c].trim();
        if let Some(again) = (0..headers.len()).find(|i| i != c && headers[*i].trim() == name) {
            let (first, second) = ((*c).min(again) + 1, (*c).max(again) + 1);
            return Err(format!(
                "column `{name}` appears twice (columns {first} and {second}); each column is \
                 named once"
            ));
        }
    }
    Ok(())
}

/// The native header: every column must be a native one, and the first three are required.
fn native_columns(header: &Header<'_>, cols: &mut [Option<usize>]) -> Result<(), String> {
    for (i, h) in header.headers.iter().enumerate() {
        match NATIVE_COLUMNS.iter().position(|c| *c == h.trim()) {
            Some(c) => cols[c] = Some(i),
            None => {
                return Err(format!(
                    "unknown column `{}`; native columns are: {}",
                    h,
                    NATIVE_COLUMNS.join(", ")
                ));
            }
        }
    }
    for (i, name) in NATIVE_COLUMNS.iter().enumerate().take(3) {
        header.need(cols, i, name)?;
    }
    Ok(())
}

/// A header being read for one format.
struct Header<'a> {
    format: TraceFormat,
    headers: &'a csv::StringRecord,
}

impl Header<'_> {
    /// The column named `name`, ignoring surrounding whitespace.
    fn find(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim() == name)
    }

    /// Set meaning `i` to the column named `name`, which the format requires.
    fn need(&self, cols: &mut [Option<usize>], i: usize, name: &str) -> Result<(), String> {
        cols[i] = Some(self.find(name).ok_or_else(|| {
            format!(
                "missing column `{name}` for the {} format; header is: {}",
                self.format,
                self.headers.iter().collect::<Vec<_>>().join(",")
            )
        })?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_meaning_is_its_native_column() {
        assert_eq!(NATIVE_COLUMNS.len(), col::NATIVE);
        for (i, name) in [
            (col::TIME, "timestamp"),
            (col::INPUT, "input_tokens"),
            (col::OUTPUT, "output_tokens"),
            (col::SESSION, "session_id"),
            (col::ENDPOINT, "endpoint"),
            (col::USER, "user_id"),
            (col::MODEL, "model"),
            (col::CACHE_READ, "cache_read_tokens"),
            (col::CACHE_WRITE, "cache_write_tokens"),
            (col::CACHE_WRITE_5M, "cache_write_5m_tokens"),
            (col::CACHE_WRITE_1H, "cache_write_1h_tokens"),
            (col::REASONING, "reasoning_tokens"),
            (col::PREFIX, "prefix_hashes"),
            (col::BLOCK, "block_tokens"),
            (col::INTENT, "intent"),
            (col::BATCH, "batch"),
            (col::SYSTEM, "system_tokens"),
            (col::TOOLS, "tools_tokens"),
            (col::HISTORY, "history_tokens"),
            (col::CONTEXT, "context_tokens"),
            (col::DOCUMENT, "document"),
            (col::DOCUMENT_TOKENS, "document_tokens"),
            (col::PROVIDER, "provider"),
            (col::TAGS, "tags"),
        ] {
            assert_eq!(NATIVE_COLUMNS[i], name);
        }
    }
}
