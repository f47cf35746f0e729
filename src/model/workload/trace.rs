//! Reading recorded traffic: native traces and the public trace formats, row by row.
//!
//! | format | detected by | columns used |
//! |---|---|---|
//! | native CSV | header with `timestamp,input_tokens,output_tokens` | the native columns below |
//! | native JSONL | a first object with `input_tokens` | the same keys |
//! | Azure LLM inference 2023 | header `TIMESTAMP,ContextTokens,GeneratedTokens` | time, prompt, output |
//! | Mooncake FAST'25 | a first object with `input_length` | `timestamp` (ms), lengths, `hash_ids` (512-token blocks) |
//! | BurstGPT | header with `Request tokens` | `Timestamp` (s), request/response tokens; `Model` and `Log Type` name the endpoint |
//! | LiteLLM spend logs | header with `startTime` and `prompt_tokens` | time, model, tokens, user, session |
//!
//! Native columns: `timestamp` (RFC 3339 or integer milliseconds), `input_tokens` (all prompt
//! tokens, cached ones included), `output_tokens` (reasoning included, OpenAI's convention),
//! and optionally `session_id`, `endpoint`, `user_id`, `model`, `cache_read_tokens`,
//! `cache_write_tokens`, `reasoning_tokens`, `prefix_hashes` (space-separated block ids),
//! `block_tokens`, `intent`, `batch` (`true`/`false`). Empty cells are absent values. Unknown
//! columns are an error (a misspelt `cache_read_tokens` must not silently price as uncached).
//!
//! Rows are read one at a time; nothing is held but the current row. A bad row is an error
//! naming its line; callers decide whether to stop (the default) or count and skip it.
//!
//! CSV rows are read as bytes and checked to be UTF-8 once per row (one pass when the row is
//! ASCII), with the message csv itself gives when they are not. Cells that are plain digits
//! without surrounding whitespace, nearly all of them, skip `str::trim` and `str::parse`; the
//! others take them, so every row reads as it would through strings.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

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
    /// LiteLLM spend-log CSV export.
    LiteLlm,
}

impl TraceFormat {
    /// Every format, for messages.
    pub const ALL: [TraceFormat; 6] = [
        TraceFormat::NativeCsv,
        TraceFormat::NativeJsonl,
        TraceFormat::Azure,
        TraceFormat::Mooncake,
        TraceFormat::BurstGpt,
        TraceFormat::LiteLlm,
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
        }
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

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceRecord {
    /// 1-based line of the row in the file.
    pub line: u64,
    /// Milliseconds: since the Unix epoch for dated formats, since trace start otherwise.
    pub time_ms: i64,
    /// Prompt tokens, cached ones included.
    pub input_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// Session (conversation) id.
    pub session_id: Option<String>,
    /// Endpoint (feature) name.
    pub endpoint: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Model id.
    pub model: Option<String>,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_tokens: Option<u64>,
    /// Prompt tokens written to the provider's cache.
    pub cache_write_tokens: Option<u64>,
    /// Reasoning tokens (part of `output_tokens`).
    pub reasoning_tokens: Option<u64>,
    /// Prefix block ids, in prompt order.
    pub prefix_hashes: Vec<u64>,
    /// Tokens per prefix block.
    pub block_tokens: Option<u64>,
    /// Query intent (for semantic-cache analysis).
    pub intent: Option<String>,
    /// Whether it went through a batch API.
    pub batch: Option<bool>,
}

/// A problem reading a trace.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The format could not be recognised.
    #[error(
        "{path}: unrecognised trace format ({detail}); known formats: {}; force one with --trace-format",
        known_formats()
    )]
    UnknownFormat {
        /// The file.
        path: String,
        /// What was seen.
        detail: String,
    },
    /// A header is unusable.
    #[error("{path}:1: {message}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong and what is valid.
        message: String,
    },
    /// A row is unusable.
    #[error("{path}:{line}: {message}")]
    Row {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// What went wrong in a command that reads a trace and prices it (`audit`, `replay`).
#[derive(Debug, thiserror::Error)]
pub enum TraceRunError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A row that parsed cannot be used (unknown model or endpoint, out of order, ...).
    #[error("{path}:{line}: {message}")]
    Row {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The trace has no rows.
    #[error("{0}: the trace has no rows")]
    Empty(String),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] crate::foundations::pricing::PricingGap),
}

impl TraceRunError {
    /// True when the file could not be read (a runtime error, not bad input).
    pub fn is_io(&self) -> bool {
        matches!(self, TraceRunError::Trace(TraceError::Io { .. }))
    }
}

fn known_formats() -> String {
    TraceFormat::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Native column names.
pub const NATIVE_COLUMNS: [&str; 14] = [
    "timestamp",
    "input_tokens",
    "output_tokens",
    "session_id",
    "endpoint",
    "user_id",
    "model",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "prefix_hashes",
    "block_tokens",
    "intent",
    "batch",
];

enum Inner {
    Csv {
        reader: csv::Reader<Box<dyn Read>>,
        record: csv::ByteRecord,
        /// What each column of the file is (a `col` index), if used.
        meanings: Vec<Option<usize>>,
    },
    Jsonl {
        reader: Box<dyn BufRead>,
        buf: String,
    },
}

/// Streams the records of a trace file.
pub struct TraceReader {
    path: String,
    format: TraceFormat,
    inner: Inner,
    line: u64,
}

/// Column indices by meaning, for CSV formats.
mod col {
    pub const TIME: usize = 0;
    pub const INPUT: usize = 1;
    pub const OUTPUT: usize = 2;
    pub const SESSION: usize = 3;
    pub const ENDPOINT: usize = 4;
    pub const USER: usize = 5;
    pub const MODEL: usize = 6;
    pub const CACHE_READ: usize = 7;
    pub const CACHE_WRITE: usize = 8;
    pub const REASONING: usize = 9;
    pub const PREFIX: usize = 10;
    pub const BLOCK: usize = 11;
    pub const INTENT: usize = 12;
    pub const BATCH: usize = 13;
    pub const N: usize = 14;
}

impl TraceReader {
    /// Open `path`, detecting its format unless `format` is given.
    pub fn open(path: &Path, format: Option<TraceFormat>) -> Result<TraceReader, TraceError> {
        let display = path.display().to_string();
        let io = |source| TraceError::Io {
            path: display.clone(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let first = {
            let buf = reader.fill_buf().map_err(io)?;
            let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
            String::from_utf8_lossy(&buf[..end]).trim().to_string()
        };
        let format = match format {
            Some(f) => f,
            None => detect(&first).ok_or_else(|| TraceError::UnknownFormat {
                path: display.clone(),
                detail: if first.is_empty() {
                    "the file is empty".to_string()
                } else {
                    format!("first line {:?}", truncate(&first, 80))
                },
            })?,
        };
        let inner = match format {
            TraceFormat::NativeJsonl | TraceFormat::Mooncake => Inner::Jsonl {
                reader: Box::new(reader),
                buf: String::new(),
            },
            _ => {
                // A buffer as large as `reader`'s: csv then reads the file straight into its
                // own, past `reader`'s.
                let mut csv = csv::ReaderBuilder::new()
                    .buffer_capacity(1 << 16)
                    .has_headers(true)
                    .flexible(false)
                    .from_reader(Box::new(reader) as Box<dyn Read>);
                let headers = csv
                    .headers()
                    .map_err(|e| TraceError::Header {
                        path: display.clone(),
                        message: e.to_string(),
                    })?
                    .clone();
                let columns =
                    csv_columns(format, &headers).map_err(|message| TraceError::Header {
                        path: display.clone(),
                        message,
                    })?;
                // Each meaning has at most one column and each column at most one meaning.
                let mut meanings = vec![None; headers.len()];
                for (meaning, c) in columns.iter().enumerate() {
                    if let Some(c) = c {
                        meanings[*c] = Some(meaning);
                    }
                }
                Inner::Csv {
                    reader: csv,
                    record: csv::ByteRecord::new(),
                    meanings,
                }
            }
        };
        Ok(TraceReader {
            path: display,
            format,
            inner,
            line: 1,
        })
    }

    /// The format being read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// The file being read, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn row_err(&self, line: u64, message: impl Into<String>) -> TraceError {
        TraceError::Row {
            path: self.path.clone(),
            line,
            message: message.into(),
        }
    }
}

/// The SHA-256 of the file at `path` in lowercase hex, read in 64 KiB blocks (a trace can be
/// larger than memory).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

/// Recognise a format from the first line.
pub fn detect(first: &str) -> Option<TraceFormat> {
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(first).ok()?;
        let o = v.as_object()?;
        if o.contains_key("input_length") {
            return Some(TraceFormat::Mooncake);
        }
        if o.contains_key("input_tokens") {
            return Some(TraceFormat::NativeJsonl);
        }
        return None;
    }
    let cols: Vec<&str> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |c: &str| cols.contains(&c);
    if cols == ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] {
        Some(TraceFormat::Azure)
    } else if has("Request tokens") && has("Response tokens") {
        Some(TraceFormat::BurstGpt)
    } else if has("startTime") && has("prompt_tokens") {
        Some(TraceFormat::LiteLlm)
    } else if has("timestamp") && has("input_tokens") {
        Some(TraceFormat::NativeCsv)
    } else {
        None
    }
}

fn csv_columns(
    format: TraceFormat,
    headers: &csv::StringRecord,
) -> Result<Vec<Option<usize>>, String> {
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut cols = vec![None; col::N];
    let need = |cols: &mut Vec<Option<usize>>, i: usize, name: &str| -> Result<(), String> {
        cols[i] = Some(find(name).ok_or_else(|| {
            format!(
                "missing column `{name}` for the {format} format; header is: {}",
                headers.iter().collect::<Vec<_>>().join(",")
            )
        })?);
        Ok(())
    };
    match format {
        TraceFormat::NativeCsv => {
            for (i, h) in headers.iter().enumerate() {
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
                need(&mut cols, i, name)?;
            }
        }
        TraceFormat::Azure => {
            need(&mut cols, col::TIME, "TIMESTAMP")?;
            need(&mut cols, col::INPUT, "ContextTokens")?;
            need(&mut cols, col::OUTPUT, "GeneratedTokens")?;
        }
        TraceFormat::BurstGpt => {
            need(&mut cols, col::TIME, "Timestamp")?;
            need(&mut cols, col::INPUT, "Request tokens")?;
            need(&mut cols, col::OUTPUT, "Response tokens")?;
            cols[col::MODEL] = find("Model");
            cols[col::ENDPOINT] = find("Log Type");
        }
        TraceFormat::LiteLlm => {
            need(&mut cols, col::TIME, "startTime")?;
            need(&mut cols, col::INPUT, "prompt_tokens")?;
            need(&mut cols, col::OUTPUT, "completion_tokens")?;
            cols[col::MODEL] = find("model");
            cols[col::USER] = find("end_user").or_else(|| find("user"));
            cols[col::SESSION] = find("session_id");
            cols[col::ENDPOINT] = find("call_type");
        }
        TraceFormat::NativeJsonl | TraceFormat::Mooncake => {}
    }
    Ok(cols)
}

impl TraceReader {
    /// Read the next row into `out`, reusing its buffers: the fast way to stream a trace.
    /// `None` at the end of the file.
    pub fn read_into(&mut self, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                meanings,
            } => {
                // Where csv's own UTF-8 check would report a bad row: the reader's position
                // before the row.
                let before = reader.position().clone();
                match reader.read_byte_record(record) {
                    Ok(false) => None,
                    Ok(true) => {
                        // The csv crate under-counts lines of CRLF files: take the larger of
                        // its count (right with quoted newlines) and one line per record.
                        let line = record
                            .position()
                            .map(|p| p.line())
                            .unwrap_or(0)
                            .max(self.line + 1);
                        self.line = line;
                        let r = match row_text(record) {
                            Some(text) => fill_csv(self.format, record, text, meanings, line, out),
                            None => Err(utf8_message(record, &before)),
                        };
                        Some(r.map_err(|m| self.row_err(line, m)))
                    }
                    Err(e) => {
                        let line = e
                            .position()
                            .map(|p| p.line())
                            .unwrap_or(0)
                            .max(self.line + 1);
                        self.line = line;
                        Some(Err(self.row_err(line, e.to_string())))
                    }
                }
            }
            Inner::Jsonl { reader, buf } => loop {
                buf.clear();
                self.line += 1;
                match reader.read_line(buf) {
                    Ok(0) => return None,
                    Ok(_) => {
                        let text = buf.trim();
                        if text.is_empty() {
                            continue;
                        }
                        let line = self.line - 1;
                        return Some(match json_record(self.format, text, line) {
                            Ok(r) => {
                                *out = r;
                                Ok(())
                            }
                            Err(m) => Err(self.row_err(line, m)),
                        });
                    }
                    Err(e) => {
                        return Some(Err(TraceError::Io {
                            path: self.path.clone(),
                            source: e,
                        }));
                    }
                }
            },
        }
    }
}

impl Iterator for TraceReader {
    type Item = Result<TraceRecord, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut r = TraceRecord::default();
        self.read_into(&mut r).map(|res| res.map(|()| r))
    }
}

/// The row's bytes as text when every field is UTF-8 (as csv checks it: field by field, unless
/// the row is ASCII, the common case).
#[inline]
fn row_text(rec: &csv::ByteRecord) -> Option<&str> {
    let text = std::str::from_utf8(rec.as_slice()).ok()?;
    (text.is_ascii() || rec.iter().all(|f| std::str::from_utf8(f).is_ok())).then_some(text)
}

/// The message csv gives a row that is not UTF-8 (`before`: the reader's position before the
/// row), so reading bytes reports bad text exactly as reading strings did.
fn utf8_message(rec: &csv::ByteRecord, before: &csv::Position) -> String {
    let (field, valid_up_to) = rec
        .iter()
        .enumerate()
        .find_map(|(i, f)| std::str::from_utf8(f).err().map(|e| (i, e.valid_up_to())))
        .unwrap_or((0, 0));
    format!(
        "CSV parse error: record {} (line {}, field: {field}, byte: {}): invalid utf-8: invalid UTF-8 in field {field} near byte index {valid_up_to}",
        before.record(),
        before.line(),
        before.byte()
    )
}

/// `s` without leading and trailing whitespace (Unicode's, as `str::trim`), checking the two
/// ends first: most cells have none.
#[inline(always)]
fn trim(s: &str) -> &str {
    let plain = |b: &u8| *b > b' ' && b.is_ascii();
    match s.as_bytes() {
        [] => s,
        [first, .., last] if plain(first) && plain(last) => s,
        [only] if plain(only) => s,
        _ => s.trim(),
    }
}

/// Fill `out` from one CSV row, reusing its string buffers (no allocation per row once warm).
/// `text` is the row's bytes, checked to be UTF-8, `rec` gives its fields, and `meanings` says
/// what each one is.
fn fill_csv(
    format: TraceFormat,
    rec: &csv::ByteRecord,
    text: &str,
    meanings: &[Option<usize>],
    line: u64,
    out: &mut TraceRecord,
) -> Result<(), String> {
    // One pass over the fields. Their bounds are character bounds: every field of a UTF-8 row
    // is UTF-8.
    let mut cells = [""; col::N];
    let mut at = 0;
    for (field, meaning) in rec.iter().zip(meanings) {
        let end = at + field.len();
        if let Some(m) = *meaning {
            cells[m] = text.get(at..end).unwrap_or_default();
        }
        at = end;
    }
    let get = |i: usize| Some(trim(cells[i])).filter(|s| !s.is_empty());
    let int = |i: usize, name: &str| -> Result<Option<u64>, String> {
        match get(i) {
            None => Ok(None),
            Some(s) => parse_count(s).map(Some).ok_or_else(|| {
                format!("{name}: expected a whole number of tokens >= 0, got {s:?}")
            }),
        }
    };
    let time = get(col::TIME).ok_or("timestamp: missing")?;
    let time_ms = match format {
        TraceFormat::BurstGpt => parse_seconds(time)
            .ok_or_else(|| format!("Timestamp: expected seconds from the trace start, got {time:?}"))?,
        _ => parse_time_ms(time).ok_or_else(|| {
            format!("timestamp: expected RFC 3339 (2026-01-05T09:30:00Z) or integer milliseconds, got {time:?}")
        })?,
    };
    let input_tokens = int(col::INPUT, "input_tokens")?.ok_or("input_tokens: missing")?;
    let output_tokens = int(col::OUTPUT, "output_tokens")?.ok_or("output_tokens: missing")?;
    out.prefix_hashes.clear();
    if let Some(s) = get(col::PREFIX) {
        for h in s.split_ascii_whitespace() {
            out.prefix_hashes.push(
                h.parse::<u64>().map_err(|_| {
                    format!("prefix_hashes: {h:?} is not a block id (whole number)")
                })?,
            );
        }
    }
    let batch = match get(col::BATCH) {
        None => None,
        Some("true") | Some("1") => Some(true),
        Some("false") | Some("0") => Some(false),
        Some(s) => return Err(format!("batch: expected true or false, got {s:?}")),
    };
    // BurstGPT's `Model` is a product name ("ChatGPT", "GPT-4"), not an API model id: it and
    // `Log Type` name the endpoint, and the model comes from --model.
    match format {
        TraceFormat::BurstGpt => {
            let label = match (get(col::MODEL), get(col::ENDPOINT)) {
                (Some(m), Some(l)) => Some(format!("{m} {l}")),
                (Some(m), None) => Some(m.to_string()),
                (None, l) => l.map(str::to_string),
            };
            set(&mut out.endpoint, label.as_deref());
            out.model = None;
        }
        _ => {
            set(&mut out.endpoint, get(col::ENDPOINT));
            set(&mut out.model, get(col::MODEL));
        }
    }
    out.line = line;
    out.time_ms = time_ms;
    out.input_tokens = input_tokens;
    out.output_tokens = output_tokens;
    set(&mut out.session_id, get(col::SESSION));
    set(&mut out.user_id, get(col::USER));
    out.cache_read_tokens = int(col::CACHE_READ, "cache_read_tokens")?;
    out.cache_write_tokens = int(col::CACHE_WRITE, "cache_write_tokens")?;
    out.reasoning_tokens = int(col::REASONING, "reasoning_tokens")?;
    out.block_tokens = int(col::BLOCK, "block_tokens")?;
    set(&mut out.intent, get(col::INTENT));
    out.batch = batch;
    check(out)
}

/// Set an optional string field, reusing its buffer.
fn set(field: &mut Option<String>, value: Option<&str>) {
    match (field.as_mut(), value) {
        (Some(buf), Some(v)) => {
            buf.clear();
            buf.push_str(v);
        }
        (None, Some(v)) => *field = Some(v.to_string()),
        (_, None) => *field = None,
    }
}

/// Consistency rules every format's rows must meet.
fn check(r: &TraceRecord) -> Result<(), String> {
    let cached = r.cache_read_tokens.unwrap_or(0) + r.cache_write_tokens.unwrap_or(0);
    if cached > r.input_tokens {
        return Err(format!(
            "cache_read_tokens + cache_write_tokens ({cached}) exceed input_tokens ({}); input_tokens must include cached tokens",
            r.input_tokens
        ));
    }
    if let Some(reasoning) = r.reasoning_tokens
        && reasoning > r.output_tokens
    {
        return Err(format!(
            "reasoning_tokens ({reasoning}) exceed output_tokens ({}); output_tokens must include reasoning",
            r.output_tokens
        ));
    }
    Ok(())
}

fn json_record(format: TraceFormat, text: &str, line: u64) -> Result<TraceRecord, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let o = v.as_object().ok_or("expected a JSON object")?;
    let count = |k: &str| -> Result<Option<u64>, String> {
        match o.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(x) => x
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{k}: expected a whole number >= 0, got {x}")),
        }
    };
    let string = |k: &str| -> Result<Option<String>, String> {
        match o.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(x) => Err(format!("{k}: expected a string, got {x}")),
        }
    };
    let hashes = |k: &str| -> Result<Vec<u64>, String> {
        match o.get(k) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|h| {
                    h.as_u64()
                        .ok_or_else(|| format!("{k}: {h} is not a block id"))
                })
                .collect(),
            Some(serde_json::Value::String(s)) => s
                .split_ascii_whitespace()
                .map(|h| {
                    h.parse::<u64>()
                        .map_err(|_| format!("{k}: {h:?} is not a block id"))
                })
                .collect(),
            Some(x) => Err(format!("{k}: expected a list of block ids, got {x}")),
        }
    };
    match format {
        TraceFormat::Mooncake => {
            for k in o.keys() {
                if !["timestamp", "input_length", "output_length", "hash_ids"].contains(&k.as_str())
                {
                    return Err(format!("unknown key `{k}` for the mooncake format"));
                }
            }
            let r = TraceRecord {
                line,
                time_ms: count("timestamp")?.ok_or("timestamp: missing")? as i64,
                input_tokens: count("input_length")?.ok_or("input_length: missing")?,
                output_tokens: count("output_length")?.ok_or("output_length: missing")?,
                prefix_hashes: hashes("hash_ids")?,
                block_tokens: Some(512),
                ..TraceRecord::default()
            };
            let blocks = r.input_tokens.div_ceil(512) as usize;
            if !r.prefix_hashes.is_empty() && r.prefix_hashes.len() != blocks {
                return Err(format!(
                    "hash_ids has {} blocks but input_length {} needs ceil({}/512) = {blocks}",
                    r.prefix_hashes.len(),
                    r.input_tokens,
                    r.input_tokens
                ));
            }
            Ok(r)
        }
        _ => {
            for k in o.keys() {
                if !NATIVE_COLUMNS.contains(&k.as_str()) {
                    return Err(format!(
                        "unknown key `{k}`; native keys are: {}",
                        NATIVE_COLUMNS.join(", ")
                    ));
                }
            }
            let time_ms = match o.get("timestamp") {
                Some(serde_json::Value::Number(n)) => n
                    .as_i64()
                    .ok_or_else(|| format!("timestamp: {n} is not whole milliseconds"))?,
                Some(serde_json::Value::String(s)) => parse_time_ms(s).ok_or_else(|| {
                    format!("timestamp: expected RFC 3339 or integer milliseconds, got {s:?}")
                })?,
                _ => return Err("timestamp: missing".to_string()),
            };
            let batch = match o.get("batch") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::Bool(b)) => Some(*b),
                Some(x) => return Err(format!("batch: expected true or false, got {x}")),
            };
            let r = TraceRecord {
                line,
                time_ms,
                input_tokens: count("input_tokens")?.ok_or("input_tokens: missing")?,
                output_tokens: count("output_tokens")?.ok_or("output_tokens: missing")?,
                session_id: string("session_id")?,
                endpoint: string("endpoint")?,
                user_id: string("user_id")?,
                model: string("model")?,
                cache_read_tokens: count("cache_read_tokens")?,
                cache_write_tokens: count("cache_write_tokens")?,
                reasoning_tokens: count("reasoning_tokens")?,
                prefix_hashes: hashes("prefix_hashes")?,
                block_tokens: count("block_tokens")?,
                intent: string("intent")?,
                batch,
            };
            check(&r)?;
            Ok(r)
        }
    }
}

fn parse_count(s: &str) -> Option<u64> {
    if let Some(n) = digits(s, 19) {
        return Some(n);
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    // Some exports write counts as floats ("123.0").
    let f: f64 = s.parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 1e18).then_some(f as u64)
}

/// The value of `s` when it is 1 to `max_len` ASCII digits (so it cannot overflow a u64 for
/// `max_len` <= 19, nor an i64 for 18): the common case, without `str::parse`'s sign handling.
#[inline]
fn digits(s: &str, max_len: usize) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    let mut n = 0u64;
    for c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

fn parse_seconds(s: &str) -> Option<i64> {
    let f: f64 = s.parse().ok()?;
    (f.is_finite() && f >= 0.0).then(|| (f * 1000.0).round() as i64)
}

/// Milliseconds since the Unix epoch from RFC 3339 (`2026-01-05T09:30:00.250Z`,
/// `...+01:00`), the same with a space for `T` and no zone (taken as UTC, as the Azure traces
/// and LiteLLM exports write it), or integer milliseconds.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    if let Some(n) = digits(s, 18) {
        return Some(n as i64);
    }
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ' || b[10] == b't')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i];
        let digits: String = frac.chars().chain("000".chars()).take(3).collect();
        ms = digits.parse().ok()?;
    }
    let mut offset_min = 0i64;
    let rest = &s[i..];
    match rest {
        "" | "Z" | "z" => {}
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !(rb[0] == b'+' || rb[0] == b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            offset_min = (oh * 60 + om) * if rb[0] == b'-' { -1 } else { 1 };
        }
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000) + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    crate::foundations::calendar::Date {
        year: y as i32,
        month: m as u32,
        day: d as u32,
    }
    .days_since_epoch()
}

/// Weekday (0 = Monday) of a time in ms since the epoch (1970-01-01 was a Thursday).
pub fn weekday_of_ms(ms: i64) -> usize {
    ((ms.div_euclid(86_400_000) + 3).rem_euclid(7)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_time_ms("0"), Some(0));
        assert_eq!(parse_time_ms("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(parse_time_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time_ms("1970-01-02T00:00:01.5Z"), Some(86_401_500));
        assert_eq!(parse_time_ms("1970-01-01T01:00:00+01:00"), Some(0));
        // Azure: seven fractional digits, no zone.
        assert_eq!(
            parse_time_ms("2023-11-16 18:17:03.9799600"),
            Some(1_700_158_623_979)
        );
        assert_eq!(
            parse_time_ms("2024-02-29T12:00:00Z"),
            Some(1_709_208_000_000)
        );
        assert_eq!(parse_time_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_time_ms("yesterday"), None);
        assert_eq!(parse_time_ms("2024-01-01T00:00:00+0100"), None);
        // 2023-11-16 was a Thursday.
        assert_eq!(weekday_of_ms(1_700_158_623_979), 3);
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect("TIMESTAMP,ContextTokens,GeneratedTokens"),
            Some(TraceFormat::Azure)
        );
        assert_eq!(
            detect(
                "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [0]}"
            ),
            Some(TraceFormat::Mooncake)
        );
        assert_eq!(
            detect("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type"),
            Some(TraceFormat::BurstGpt)
        );
        assert_eq!(
            detect(
                "request_id,call_type,spend,total_tokens,prompt_tokens,completion_tokens,startTime,model"
            ),
            Some(TraceFormat::LiteLlm)
        );
        assert_eq!(
            detect("timestamp,input_tokens,output_tokens"),
            Some(TraceFormat::NativeCsv)
        );
        assert_eq!(
            detect("{\"timestamp\": 0, \"input_tokens\": 5}"),
            Some(TraceFormat::NativeJsonl)
        );
        assert_eq!(detect("a,b,c"), None);
    }

    /// Every row of a CSV file, or its error message.
    fn rows(bytes: &[u8]) -> Vec<Result<TraceRecord, String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        TraceReader::open(&path, None)
            .unwrap()
            .map(|r| r.map_err(|e| e.to_string().replace(&*path.to_string_lossy(), "t.csv")))
            .collect()
    }

    #[test]
    fn cells_are_trimmed_and_counts_parsed_as_str_does() {
        let got = rows(
            "timestamp,input_tokens,output_tokens,session_id,endpoint\n\
             1000,10,5,s1,chat\n\
             \t2000 , +10 ,5.0,\u{a0}s2\u{a0}, chat\u{2003}\n\
             3000,1e1,18446744073709551615,,\n\
             9223372036854775807,0012,5,s,c\n\
             9223372036854775808,1,1,s,c\n\
             4000,99999999999999999999,5,s,c\n\
             5000,\u{663},5,s,c\n"
                .as_bytes(),
        );
        let ok = |i: usize| got[i].as_ref().unwrap();
        assert_eq!(
            (ok(0).time_ms, ok(0).input_tokens, ok(0).output_tokens),
            (1000, 10, 5)
        );
        assert_eq!(ok(0).session_id.as_deref(), Some("s1"));
        // Unicode whitespace is trimmed, `+` and whole floats are counts.
        assert_eq!(
            (ok(1).time_ms, ok(1).input_tokens, ok(1).output_tokens),
            (2000, 10, 5)
        );
        assert_eq!(ok(1).session_id.as_deref(), Some("s2"));
        assert_eq!(ok(1).endpoint.as_deref(), Some("chat"));
        assert_eq!((ok(2).input_tokens, ok(2).output_tokens), (10, u64::MAX));
        assert_eq!(
            (ok(2).session_id.as_ref(), ok(2).endpoint.as_ref()),
            (None, None)
        );
        assert_eq!((ok(3).time_ms, ok(3).input_tokens), (i64::MAX, 12));
        assert_eq!(
            got[4].as_ref().unwrap_err(),
            "t.csv:6: timestamp: expected RFC 3339 (2026-01-05T09:30:00Z) or integer milliseconds, got \"9223372036854775808\""
        );
        assert_eq!(
            got[5].as_ref().unwrap_err(),
            "t.csv:7: input_tokens: expected a whole number of tokens >= 0, got \"99999999999999999999\""
        );
        assert_eq!(
            got[6].as_ref().unwrap_err(),
            "t.csv:8: input_tokens: expected a whole number of tokens >= 0, got \"\u{663}\""
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_reported_as_csv_reports_it() {
        // Rows are read as bytes: the message is still the one csv gives when reading strings,
        // for a bad byte in any column, and the rows after it are read.
        let bytes = b"timestamp,input_tokens,output_tokens,session_id,endpoint\n\
            1000,10,5,s\xff,chat\n\
            1000,10,5,a\xc3,\xa9b\n\
            2000,10,5,s\xc3\xa9,chat\n";
        let got = rows(bytes);
        let mut csv = csv::Reader::from_reader(&bytes[..]);
        csv.headers().unwrap();
        let mut record = csv::StringRecord::new();
        for (i, line) in [(0, 2), (1, 3)] {
            let e = csv.read_record(&mut record).unwrap_err();
            assert_eq!(got[i].as_ref().unwrap_err(), &format!("t.csv:{line}: {e}"));
        }
        assert_eq!(
            got[2].as_ref().unwrap().session_id.as_deref(),
            Some("s\u{e9}")
        );
    }

    #[test]
    fn file_digest_is_the_sha256_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // More than one 64 KiB block.
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            file_sha256(&path).unwrap(),
            crate::model::scenario::hex_sha256(&bytes)
        );
    }
}
