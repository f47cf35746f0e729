//! Reading recorded traffic: native traces and the public trace formats, row by row.
//!
//! | format | detected by | columns used |
//! |---|---|---|
//! | native CSV | header with `timestamp,input_tokens,output_tokens` | the native columns below |
//! | native JSONL | a first object with `input_tokens` | the same keys |
//! | Azure LLM inference 2023 | header `TIMESTAMP,ContextTokens,GeneratedTokens` | time, prompt, output |
//! | Mooncake FAST'25 | a first object with `input_length` | `timestamp` (ms), lengths, `hash_ids` (512-token blocks) |
//! | BurstGPT | header with `Request tokens` | `Timestamp` (s), request/response tokens; `Model` and `Log Type` name the endpoint |
//! | LiteLLM spend logs: CSV export | header with `startTime` and `prompt_tokens` | time, model, tokens, cache and reasoning from `metadata.usage_object`, spend, tags, provider, user, session (`litellm`) |
//! | LiteLLM spend logs: JSON export | a JSON array (first byte `[`), or a first object with `startTime` and `prompt_tokens` | the same keys |
//! | LiteLLM spend logs: Postgres | a `postgres://` or `postgresql://` URL | the `"LiteLLM_SpendLogs"` table's same columns (`postgres`) |
//! | OTLP/JSON (`otlp-json`) | a first object with `resourceSpans` | OpenTelemetry GenAI span attributes (see `otlp`) |
//! | OTLP protobuf (`otlp-proto`) | a 4-byte big-endian length, then `resource_spans` | the same, length-framed binary |
//! | Langfuse observations (Parquet, CSV, JSONL) | a Parquet file with `usage_details`; a header or first object with `start_time`/`type` and `usage_details` | `start_time`, `provided_model_name`, `usage_details` (read inclusive: `langfuse`), `total_cost`, user, session, `trace_name`, `tags`, `environment`; only generations |
//! | Helicone requests (CSV, JSONL) | a header or first object with `request_created_at` and `prompt_tokens` | time, model, prompt/completion/cache tokens, user, `request_properties` as tags, cost |
//! | native Parquet | a Parquet file with `input_tokens` | the native columns below, typed (`parquet_file`) |
//! | OpenAI usage API (`openai-usage`) | a JSON page `{"object":"page"}` of `organization.usage.completions.result` buckets | bucket start, tokens, `num_model_requests`, project, user, key, model, batch, service tier |
//! | Anthropic usage report (`anthropic-usage`) | a JSON page whose results have `uncached_input_tokens` | bucket start, tokens by cache use, model, workspace, key, service tier, context window |
//!
//! The two usage reports are bucketed: each result is many requests (see `usage_report`), so
//! they can be audited but not replayed or fitted. A saved page is read whole (pretty-printed
//! or not); a file may also hold one page per line.
//!
//! Native columns: `timestamp` (RFC 3339 or integer milliseconds), `input_tokens` (all prompt
//! tokens, cached ones included), `output_tokens` (reasoning included, OpenAI's convention),
//! and optionally `session_id`, `endpoint`, `user_id`, `model`, `cache_read_tokens`,
//! `cache_write_tokens`, `cache_write_5m_tokens`, `cache_write_1h_tokens`, `reasoning_tokens`,
//! `prefix_hashes` (space-separated block ids), `block_tokens`, `intent`, `batch`
//! (`true`/`false`), and the prompt's segments before the user message (`system_tokens`,
//! `tools_tokens`, `history_tokens`, `context_tokens`, and the session's document: `document`,
//! its id, any text, equal ids meaning the same document, with `document_tokens`, its size; the
//! document is sent after the tools and before the history). Empty cells are absent values. Unknown columns are an error (a misspelt
//! `cache_read_tokens` must not silently price as uncached).
//!
//! Cache writes come one of two ways. `cache_write_5m_tokens` and `cache_write_1h_tokens` split
//! them by TTL, as Anthropic's usage does (`usage.cache_creation.ephemeral_5m_input_tokens` and
//! `ephemeral_1h_input_tokens`); `cache_write_tokens` is for traces that do not say the TTL, and
//! means 5-minute writes, or writes of the model's only or default TTL when it has no 5-minute
//! one. A row giving `cache_write_tokens` and either split column (even 0) is an error naming
//! both: `cache_write_tokens` could be the 5-minute part or the total of every TTL (Anthropic's
//! `cache_creation_input_tokens` is the total). Cache reads plus every write are at most
//! `input_tokens`.
//!
//! Rows are read one at a time; nothing is held but the current row. A bad row is an error
//! naming its line; callers decide whether to stop (the default) or count and skip it.
//!
//! CSV rows are read as bytes and checked to be UTF-8 once per row (one pass when the row is
//! ASCII); a row that is not names the column (1-based, with its header). Cells that are plain digits
//! without surrounding whitespace, nearly all of them, skip `str::trim` and `str::parse`; the
//! others take them, so every row reads as it would through strings.
//!
//! Parquet is recognised by its magic bytes (`PAR1`) and read from a file only (its index is
//! at the end); items that carry no usage (Langfuse spans and events) are left out and counted,
//! by reason, in [`TraceReader::ignored`].
//!
//! This file holds the format names; the reading is split by concept into its children:
//! `detect` recognises a format from the first line, `reader` opens a file and streams its
//! rows, `csv_stream`, `jsonl` and `json_array` read the encodings (`columns`, `csv_row`,
//! `mooncake` and `litellm` hold what is particular to a format), `postgres` reads LiteLLM's
//! table through a cursor (it and `json_array` behind the `row_source` seam), `record` holds
//! the rules every row meets, `parse` the cell values (counts, seconds, timestamps), `error`
//! what can go wrong and `source` the bytes as they are read (hashed once, lines of bounded
//! length). `otlp` reads OpenTelemetry traces, whose rows are spans inside batches (a row
//! source of its own). `text_rows` reads exports whose rows are JSON objects (as JSON lines or
//! CSV) for `langfuse` and `helicone`; `parquet_file` reads Parquet through `arrow_cells`;
//! `chunks` cuts a large CSV file into pieces read at once. `pages` reads a document of
//! JSON pages (a provider API's saved responses), `usage_report` turns the OpenAI and Anthropic
//! usage pages into rows and `cost_report` reads their cost reports (`audit --recorded-costs`).

mod arrow_cells;
mod chunks;
mod columns;
mod cost_report;
mod csv_row;
mod csv_stream;
mod detect;
mod error;
mod helicone;
mod json_array;
mod json_row;
mod json_value;
mod jsonl;
mod langfuse;
mod litellm;
mod mooncake;
mod native_write;
mod otlp;
mod pages;
mod parquet_file;
mod parse;
mod postgres;
mod reader;
mod record;
mod row_source;
mod source;
mod span;
mod text_rows;

mod usage_report;

pub use chunks::{CsvChunks, PIECE_BYTES, Pieces};
pub use cost_report::{CostKind, CostLine, CostReport};
pub use detect::detect;
pub use error::{TraceError, TraceRunError};
pub use native_write::{native_jsonl_line, write_native_jsonl_line};
pub use otlp::{MAX_MESSAGE_BYTES, RequestSpans, request_spans};
pub use parse::{parse_time_ms, weekday_of_ms};
pub use postgres::{DEFAULT_TABLE, DatabaseQuery, is_postgres_url, redact};
pub use reader::TraceReader;
pub use record::{Segments, TraceRecord};
pub use source::MAX_LINE_BYTES;
pub use span::{MAX_TRACE_DAYS, date_of, day_of, day0_ms, is_dated};

use std::fmt;

/// A trace file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceFormat {
    /// tokencast's CSV.
    NativeCsv,
    /// tokencast's JSON lines.
    NativeJsonl,
    /// Azure LLM inference trace 2023.
    Azure,
    /// Mooncake FAST'25 JSON lines.
    Mooncake,
    /// BurstGPT CSV.
    BurstGpt,
    /// LiteLLM spend logs: CSV or JSON export, or the Postgres table.
    LiteLlm,
    /// OpenTelemetry GenAI spans, OTLP/JSON (one `ExportTraceServiceRequest` per line).
    OtlpJson,
    /// OpenTelemetry GenAI spans, OTLP protobuf (each request after a 4-byte big-endian length).
    OtlpProto,
    /// Langfuse observations export: Parquet, CSV or JSON lines.
    Langfuse,
    /// Helicone request export: CSV or JSON lines.
    Helicone,
    /// tokencast's columns in a Parquet file.
    NativeParquet,
    /// OpenAI organization usage API (completions) pages.
    OpenAiUsage,
    /// Anthropic usage report (messages) pages.
    AnthropicUsage,
}

impl TraceFormat {
    /// Every format, for messages.
    pub const ALL: [TraceFormat; 13] = [
        TraceFormat::NativeCsv,
        TraceFormat::NativeJsonl,
        TraceFormat::Azure,
        TraceFormat::Mooncake,
        TraceFormat::BurstGpt,
        TraceFormat::LiteLlm,
        TraceFormat::OtlpJson,
        TraceFormat::OtlpProto,
        TraceFormat::Langfuse,
        TraceFormat::Helicone,
        TraceFormat::NativeParquet,
        TraceFormat::OpenAiUsage,
        TraceFormat::AnthropicUsage,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TraceFormat::NativeCsv => "native-csv",
            TraceFormat::NativeJsonl => "native-jsonl",
            TraceFormat::Azure => "azure",
            TraceFormat::Mooncake => "mooncake",
            TraceFormat::BurstGpt => "burstgpt",
            TraceFormat::LiteLlm => "litellm",
            TraceFormat::OtlpJson => "otlp-json",
            TraceFormat::OtlpProto => "otlp-proto",
            TraceFormat::Langfuse => "langfuse",
            TraceFormat::Helicone => "helicone",
            TraceFormat::NativeParquet => "native-parquet",
            TraceFormat::OpenAiUsage => "openai-usage",
            TraceFormat::AnthropicUsage => "anthropic-usage",
        }
    }

    /// Whether each row is a bucket of many requests (a provider's usage report) rather than
    /// one request: such a trace can be audited, not replayed or fitted.
    pub fn is_bucketed(self) -> bool {
        matches!(self, TraceFormat::OpenAiUsage | TraceFormat::AnthropicUsage)
    }

    /// Whether rows say how many requests they stand for (Anthropic's usage report does not).
    pub fn counts_requests(self) -> bool {
        !matches!(self, TraceFormat::AnthropicUsage)
    }

    /// Why `command` (`replay`, `fit`) cannot read a bucketed trace, for its error.
    pub fn bucketed_refusal(self, command: &str) -> String {
        format!(
            "a bucketed usage report ({self}) has no per-request rows: {command} needs \
             request-level logs (OTel spans, LiteLLM, Langfuse, native); audit reads usage \
             reports"
        )
    }

    /// Tokens per prefix block when the format has fixed-size blocks.
    pub fn block_tokens(self) -> Option<u64> {
        match self {
            TraceFormat::Mooncake => Some(512),
            _ => None,
        }
    }
}

impl fmt::Display for TraceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Native column names.
pub const NATIVE_COLUMNS: [&str; 24] = [
    "timestamp",
    "input_tokens",
    "output_tokens",
    "session_id",
    "endpoint",
    "user_id",
    "model",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "prefix_hashes",
    "block_tokens",
    "intent",
    "batch",
    "system_tokens",
    "tools_tokens",
    "history_tokens",
    "context_tokens",
    "document",
    "document_tokens",
    "provider",
    "tags",
];
