//! OpenTelemetry traces of LLM calls: the OpenTelemetry collector's file exporter output, as
//! OTLP/JSON (`format: json`, one `ExportTraceServiceRequest` per line) or OTLP protobuf
//! (`format: proto`, each message after a 4-byte big-endian length), read with the
//! `opentelemetry-proto` messages.
//!
//! One span with GenAI usage is one request. The spans of a line (a message) are sorted by
//! start time before they are handed on; every record's `line` is that line (message) number.
//! Spans without usage attributes (HTTP, database, retrieval spans) and agent or workflow spans
//! (whose usage, when they carry any, sums their model calls' spans) are skipped and counted.
//!
//! Attributes read (the first present wins; the older spellings are those OpenLLMetry and
//! older instrumentations still emit):
//!
//! | field | span attributes |
//! |---|---|
//! | input | `gen_ai.usage.input_tokens`, `gen_ai.usage.prompt_tokens`, `llm.usage.prompt_tokens` |
//! | output | `gen_ai.usage.output_tokens`, `gen_ai.usage.completion_tokens`, `llm.usage.completion_tokens` |
//! | cache reads | `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_read_input_tokens` |
//! | cache writes (TTL unsaid) | `gen_ai.usage.cache_creation.input_tokens`, `gen_ai.usage.cache_creation_input_tokens` |
//! | reasoning | `gen_ai.usage.reasoning.output_tokens`, `gen_ai.usage.reasoning_tokens` |
//! | model | `gen_ai.request.model`, `gen_ai.response.model` (often a dated snapshot the catalog lacks) |
//! | provider | `gen_ai.provider.name`, `gen_ai.system` |
//! | session | `gen_ai.conversation.id`, `session.id` |
//! | endpoint | `gen_ai.agent.name`, `traceloop.workflow.name` (else none) |
//! | user | `user.id`, `enduser.id` (the span's, else the resource's) |
//! | tags | `service` (resource `service.name`), `environment` (resource `deployment.environment.name` or `deployment.environment`) |
//!
//! Token counts may be integers, whole doubles or digit strings; anything else is an error
//! naming the line, the span and the attribute.
//!
//! Input tokens: the GenAI conventions say `gen_ai.usage.input_tokens` includes cached tokens,
//! and both Python Anthropic instrumentations (opentelemetry-python-contrib's and OpenLLMetry's)
//! add Anthropic's `cache_read_input_tokens` and `cache_creation_input_tokens` to its
//! `input_tokens` before writing it, so the count is read as given. Anthropic's own
//! `input_tokens` excludes cache tokens, and emitters that copy it raw exist; for an Anthropic
//! span (provider `anthropic`, or a `claude` model under another provider) the count is read as
//! raw Anthropic, and the cache tokens are added, when it cannot be inclusive (below cache reads
//! plus writes) or when the span's total (`gen_ai.usage.total_tokens` or
//! `llm.usage.total_tokens`) equals input plus output plus cache tokens. Other providers' counts
//! (OpenAI's `prompt_tokens` includes cached ones) are read as given, and a count below its
//! cache tokens is an error.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use super::error::TraceError;
use super::record::{TraceRecord, check};

/// The largest OTLP message (a protobuf frame, or a JSON line) read, in bytes: 64 MiB, the
/// size of a large collector batch with prompts captured; a length beyond it is a corrupt
/// frame or not an OTLP file.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// Why spans are skipped.
const NO_USAGE: &str = "spans without GenAI usage";
const AGENT: &str = "agent and workflow spans (usage counted on their model calls)";
const NO_SPANS: &str = "lines without spans (metrics or logs)";

/// Whether the first bytes of a file are a length-framed OTLP protobuf message: a big-endian
/// length from 1 to [`MAX_MESSAGE_BYTES`] (so a first byte of at most 3, which no text trace
/// starts with), then the tag of `ExportTraceServiceRequest.resource_spans` (field 1, length
/// delimited: 0x0a).
pub(super) fn is_framed_proto(head: &[u8]) -> bool {
    let Some(len) = head.first_chunk::<4>().map(|b| u32::from_be_bytes(*b)) else {
        return false;
    };
    (1..=MAX_MESSAGE_BYTES).contains(&u64::from(len)) && head.get(4) == Some(&0x0a)
}

/// Whether the first bytes of a file open an OTLP/JSON request: `{"resourceSpans"`, spaces
/// and a byte-order mark allowed (the collector writes this key first, and it is the
/// request's only field).
pub(super) fn is_otlp_json(head: &[u8]) -> bool {
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    let rest = head.trim_ascii_start();
    rest.strip_prefix(b"{")
        .is_some_and(|r| r.trim_ascii_start().starts_with(b"\"resourceSpans\""))
}

/// How the requests are framed.
enum Framing {
    /// One JSON request per line.
    Json(Box<dyn BufRead>),
    /// Each request after its 4-byte big-endian length.
    Proto(Box<dyn Read>),
}

/// The spans of an OTLP trace file, one message at a time.
pub(super) struct OtlpRows {
    framing: Framing,
    /// The current line (JSON) or message (protobuf), 1-based.
    number: u64,
    /// The current message's records (or span errors), in start-time order.
    pending: VecDeque<Result<TraceRecord, String>>,
    /// A framing error ends the file: nothing after it can be read.
    done: bool,
    buf: Vec<u8>,
    ignored: Vec<(&'static str, u64)>,
}

impl OtlpRows {
    /// The requests of `reader`, one JSON object per line.
    pub(super) fn json(reader: Box<dyn BufRead>) -> OtlpRows {
        OtlpRows::new(Framing::Json(reader))
    }

    /// The length-framed protobuf requests of `reader`.
    pub(super) fn proto(reader: Box<dyn Read>) -> OtlpRows {
        OtlpRows::new(Framing::Proto(reader))
    }

    fn new(framing: Framing) -> OtlpRows {
        OtlpRows {
            framing,
            number: 0,
            pending: VecDeque::new(),
            done: false,
            buf: Vec::new(),
            ignored: Vec::new(),
        }
    }

    fn ignore(&mut self, reason: &'static str) {
        match self.ignored.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.ignored.push((reason, 1)),
        }
    }

    /// The next request of the file: `None` at its end.
    fn next_request(
        &mut self,
        path: &str,
    ) -> Option<Result<ExportTraceServiceRequest, TraceError>> {
        match &mut self.framing {
            Framing::Json(reader) => loop {
                self.buf.clear();
                self.number += 1;
                let read = reader
                    .by_ref()
                    .take(MAX_MESSAGE_BYTES + 1)
                    .read_until(b'\n', &mut self.buf);
                match read {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(TraceError::io(path, e))),
                }
                if self.buf.len() as u64 > MAX_MESSAGE_BYTES {
                    self.done = true;
                    return Some(Err(TraceError::row(
                        path,
                        self.number,
                        format!(
                            "the line is longer than {MAX_MESSAGE_BYTES} bytes (64 MiB); an OTLP \
                             line holds one collector batch"
                        ),
                    )));
                }
                let Ok(text) = std::str::from_utf8(&self.buf) else {
                    return Some(Err(TraceError::row(
                        path,
                        self.number,
                        "the line is not UTF-8 text",
                    )));
                };
                let text = text.trim().trim_start_matches('\u{feff}');
                if text.is_empty() {
                    continue;
                }
                return Some(serde_json::from_str(text).map_err(|e| {
                    TraceError::row(
                        path,
                        self.number,
                        format!("not an OTLP/JSON ExportTraceServiceRequest: {e}"),
                    )
                }));
            },
            Framing::Proto(reader) => {
                self.number += 1;
                let n = self.number;
                let mut len = [0u8; 4];
                match read_full(reader, &mut len) {
                    Ok(0) => return None,
                    Ok(4) => {}
                    Ok(got) => {
                        self.done = true;
                        return Some(Err(TraceError::row(
                            path,
                            n,
                            format!(
                                "message {n}: the file ends inside its 4-byte length ({got} \
                                 bytes): a truncated OTLP protobuf file"
                            ),
                        )));
                    }
                    Err(e) => return Some(Err(TraceError::io(path, e))),
                }
                let len = u64::from(u32::from_be_bytes(len));
                if len == 0 {
                    // The collector writes no empty message; zeros are not OTLP (/dev/zero).
                    self.done = true;
                    return Some(Err(TraceError::row(
                        path,
                        n,
                        format!(
                            "message {n}: a length of 0 bytes; the file is corrupt or not \
                             length-framed OTLP protobuf (the collector's file exporter with \
                             `format: proto`)"
                        ),
                    )));
                }
                if len > MAX_MESSAGE_BYTES {
                    self.done = true;
                    return Some(Err(TraceError::row(
                        path,
                        n,
                        format!(
                            "message {n}: a length of {len} bytes, beyond the {MAX_MESSAGE_BYTES} \
                             (64 MiB) read; the file is corrupt or not length-framed OTLP \
                             protobuf (the collector's file exporter with `format: proto`)"
                        ),
                    )));
                }
                self.buf.clear();
                match reader.by_ref().take(len).read_to_end(&mut self.buf) {
                    Ok(got) if (got as u64) < len => {
                        self.done = true;
                        return Some(Err(TraceError::row(
                            path,
                            n,
                            format!(
                                "message {n}: the file ends after {got} of its {len} bytes: a \
                                 truncated OTLP protobuf file"
                            ),
                        )));
                    }
                    Ok(_) => {}
                    Err(e) => return Some(Err(TraceError::io(path, e))),
                }
                Some(
                    ExportTraceServiceRequest::decode(self.buf.as_slice()).map_err(|e| {
                        TraceError::row(
                            path,
                            n,
                            format!("message {n}: not an OTLP ExportTraceServiceRequest: {e}"),
                        )
                    }),
                )
            }
        }
    }

    /// The records of one request's spans, sorted by start time, into `pending`.
    fn queue(&mut self, req: &ExportTraceServiceRequest) {
        let mut spans: Vec<(u64, Result<TraceRecord, String>)> = Vec::new();
        let mut any = false;
        for rs in &req.resource_spans {
            let resource: &[KeyValue] = rs.resource.as_ref().map_or(&[], |r| &r.attributes);
            for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                any = true;
                match span_record(span, resource, self.number) {
                    Outcome::Record(r) => spans.push((span.start_time_unix_nano, Ok(*r))),
                    Outcome::Bad(m) => spans.push((span.start_time_unix_nano, Err(m))),
                    Outcome::Skip(reason) => self.ignore(reason),
                }
            }
        }
        if !any {
            self.ignore(NO_SPANS);
        }
        // Stable: spans starting together keep the file's order.
        spans.sort_by_key(|(t, _)| *t);
        self.pending.extend(spans.into_iter().map(|(_, r)| r));
    }
}

/// What one OTLP export request holds, for a receiver (`collect`): the records of its spans
/// with GenAI usage, in start-time order (spans starting together keep the request's order),
/// what is wrong with each span whose usage cannot be read, and the spans left out, by reason.
#[derive(Debug, Default)]
pub struct RequestSpans {
    /// One record per GenAI span (`line` is 0: a request has no lines).
    pub records: Vec<TraceRecord>,
    /// Spans with usage that cannot be read: the span's id and name, and why.
    pub rejected: Vec<String>,
    /// Spans left out (no GenAI usage; agent and workflow spans), by reason.
    pub ignored: Vec<(&'static str, u64)>,
}

/// The records of one OTLP export request's spans, read as a trace file's are.
pub fn request_spans(req: &ExportTraceServiceRequest) -> RequestSpans {
    let mut out = RequestSpans::default();
    let mut spans: Vec<(u64, TraceRecord)> = Vec::new();
    for rs in &req.resource_spans {
        let resource: &[KeyValue] = rs.resource.as_ref().map_or(&[], |r| &r.attributes);
        for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
            match span_record(span, resource, 0) {
                Outcome::Record(r) => spans.push((span.start_time_unix_nano, *r)),
                Outcome::Bad(m) => out.rejected.push(m),
                Outcome::Skip(reason) => match out.ignored.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, n)) => *n += 1,
                    None => out.ignored.push((reason, 1)),
                },
            }
        }
    }
    spans.sort_by_key(|(t, _)| *t);
    out.records = spans.into_iter().map(|(_, r)| r).collect();
    out
}

/// What one span is.
enum Outcome {
    /// A request.
    Record(Box<TraceRecord>),
    /// Left out, with the reason counted.
    Skip(&'static str),
    /// A span with usage that cannot be read: what is wrong.
    Bad(String),
}

impl OtlpRows {
    /// Read the next span with usage into `out`; `None` at the end. Errors name `path`. (The
    /// reader's `RowSource`.)
    pub(super) fn read_into(
        &mut self,
        path: &str,
        out: &mut TraceRecord,
    ) -> Option<Result<(), TraceError>> {
        loop {
            if let Some(next) = self.pending.pop_front() {
                return Some(match next {
                    Ok(r) => {
                        *out = r;
                        Ok(())
                    }
                    Err(m) => Err(TraceError::row(path, self.number, m)),
                });
            }
            if self.done {
                return None;
            }
            let req = match self.next_request(path)? {
                Ok(req) => req,
                Err(e) => return Some(Err(e)),
            };
            self.queue(&req);
        }
    }

    /// Spans and lines left out, by reason.
    pub(super) fn ignored(&self) -> Vec<(String, u64)> {
        self.ignored
            .iter()
            .map(|(r, n)| (r.to_string(), *n))
            .collect()
    }
}

/// Read until `buf` is full or the end: the bytes read.
pub(super) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The attributes of one span and its resource, looked up by key (a span has a few dozen).
struct Attrs<'a> {
    span: &'a [KeyValue],
    resource: &'a [KeyValue],
}

impl<'a> Attrs<'a> {
    /// The span's value at `key`, if set.
    fn get(&self, key: &str) -> Option<&'a AnyValue> {
        self.span
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .filter(|v| v.value.is_some())
    }

    /// The first of `keys` set on the span, as a token count: `(key, count)`.
    fn count(&self, keys: &[&'static str]) -> Result<Option<(&'static str, u64)>, String> {
        for &key in keys {
            if let Some(v) = self.get(key) {
                return count_of(v).map(|n| Some((key, n))).ok_or_else(|| {
                    format!(
                        "attribute {key}: expected a whole number of tokens >= 0, got {}",
                        shown(v)
                    )
                });
            }
        }
        Ok(None)
    }

    /// The first of `keys` set on the span as text (a number as written).
    fn text(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k).and_then(text_of))
    }

    /// The first of `keys` set on the span, else on the resource, as text.
    fn text_or_resource(&self, keys: &[&str]) -> Option<String> {
        self.text(keys).or_else(|| {
            keys.iter().find_map(|k| {
                self.resource
                    .iter()
                    .find(|kv| kv.key == *k)
                    .and_then(|kv| kv.value.as_ref())
                    .and_then(text_of)
            })
        })
    }

    /// The first of `keys` set on the resource as text.
    fn resource_text(&self, keys: &[&str]) -> Option<String> {
        Attrs {
            span: self.resource,
            resource: &[],
        }
        .text(keys)
    }
}

/// A token count: an integer >= 0, a whole double >= 0 (some JavaScript instrumentations) or
/// a string of digits.
fn count_of(v: &AnyValue) -> Option<u64> {
    match v.value.as_ref()? {
        Value::IntValue(n) => u64::try_from(*n).ok(),
        Value::DoubleValue(x) if *x >= 0.0 && x.fract() == 0.0 && *x < 2f64.powi(63) => {
            Some(*x as u64)
        }
        Value::StringValue(s) => {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

/// A text value: a string, or a number or boolean as written; none for an empty string.
fn text_of(v: &AnyValue) -> Option<String> {
    match v.value.as_ref()? {
        Value::StringValue(s) if s.is_empty() => None,
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(n) => Some(n.to_string()),
        Value::DoubleValue(x) => Some(x.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as a message shows it, in OTLP/JSON's terms.
fn shown(v: &AnyValue) -> String {
    match &v.value {
        Some(Value::StringValue(s)) => format!("stringValue {s:?}"),
        Some(Value::IntValue(n)) => format!("intValue {n}"),
        Some(Value::DoubleValue(x)) => format!("doubleValue {x}"),
        Some(Value::BoolValue(b)) => format!("boolValue {b}"),
        Some(Value::ArrayValue(_)) => "an arrayValue".to_string(),
        Some(Value::KvlistValue(_)) => "a kvlistValue".to_string(),
        Some(Value::BytesValue(_)) => "a bytesValue".to_string(),
        Some(Value::StringValueStrindex(_)) => "a stringValueStrindex".to_string(),
        None => "no value".to_string(),
    }
}

const INPUT: [&str; 3] = [
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.usage.prompt_tokens",
];
const OUTPUT: [&str; 3] = [
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.usage.completion_tokens",
];
const CACHE_READ: [&str; 2] = [
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
];
const CACHE_WRITE: [&str; 2] = [
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
];
const REASONING: [&str; 2] = [
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
];
const TOTAL: [&str; 2] = ["gen_ai.usage.total_tokens", "llm.usage.total_tokens"];

/// The span's id in hex and its name, for messages.
fn span_label(span: &Span) -> String {
    let id: String = span.span_id.iter().map(|b| format!("{b:02x}")).collect();
    if id.is_empty() {
        format!("span {:?} (no spanId)", span.name)
    } else {
        format!("span {id} {:?}", span.name)
    }
}

/// The record of one span at `line`, or why it is skipped, or what is wrong with it.
fn span_record(span: &Span, resource: &[KeyValue], line: u64) -> Outcome {
    let a = Attrs {
        span: &span.attributes,
        resource,
    };
    match usage_record(&a, span, line) {
        Ok(Ok(r)) => match check(&r) {
            Ok(()) => Outcome::Record(Box::new(r)),
            Err(m) => Outcome::Bad(format!("{}: {m}", span_label(span))),
        },
        Ok(Err(reason)) => Outcome::Skip(reason),
        Err(m) => Outcome::Bad(format!("{}: {m}", span_label(span))),
    }
}

/// The record of a span with usage, `Ok(Err(reason))` for one left out.
fn usage_record(
    a: &Attrs<'_>,
    span: &Span,
    line: u64,
) -> Result<Result<TraceRecord, &'static str>, String> {
    let input = a.count(&INPUT)?;
    let output = a.count(&OUTPUT)?;
    if input.is_none() && output.is_none() {
        return Ok(Err(NO_USAGE));
    }
    if let Some(op) = a.text(&["gen_ai.operation.name"])
        && matches!(op.as_str(), "invoke_agent" | "invoke_workflow")
    {
        return Ok(Err(AGENT));
    }
    if span.start_time_unix_nano == 0 {
        return Err("startTimeUnixNano: missing (0); a request needs its start time".to_string());
    }
    let cache_read = a.count(&CACHE_READ)?.map(|(_, n)| n);
    let cache_write = a.count(&CACHE_WRITE)?.map(|(_, n)| n);
    let output_tokens = output.map_or(0, |(_, n)| n);
    let model = a.text(&["gen_ai.request.model", "gen_ai.response.model"]);
    let provider = a.text(&["gen_ai.provider.name", "gen_ai.system"]);
    let cached = cache_read
        .unwrap_or(0)
        .saturating_add(cache_write.unwrap_or(0));
    let mut input_tokens = input.map_or(0, |(_, n)| n);
    if is_anthropic(provider.as_deref(), model.as_deref()) && cached > 0 {
        let total = a.count(&TOTAL)?.map(|(_, n)| n);
        let exclusive_total = input_tokens
            .saturating_add(output_tokens)
            .saturating_add(cached);
        if input_tokens < cached || total == Some(exclusive_total) {
            // Anthropic's raw `input_tokens`: the uncached part only.
            input_tokens = input_tokens.saturating_add(cached);
        }
    }
    let mut tags = Vec::new();
    if let Some(s) = a.resource_text(&["service.name"]) {
        tags.push(("service".to_string(), s));
    }
    if let Some(e) = a.resource_text(&["deployment.environment.name", "deployment.environment"]) {
        tags.push(("environment".to_string(), e));
    }
    Ok(Ok(TraceRecord {
        line,
        time_ms: i64::try_from(span.start_time_unix_nano / 1_000_000).unwrap_or(i64::MAX),
        input_tokens,
        output_tokens,
        session_id: a.text(&["gen_ai.conversation.id", "session.id"]),
        endpoint: a.text(&["gen_ai.agent.name", "traceloop.workflow.name"]),
        user_id: a.text_or_resource(&["user.id", "enduser.id"]),
        model,
        cache_read_tokens: cache_read,
        cache_write_tokens: cache_write,
        reasoning_tokens: a.count(&REASONING)?.map(|(_, n)| n),
        provider,
        tags,
        ..TraceRecord::default()
    }))
}

/// Whether a span is a call to an Anthropic model: provider `anthropic`, or a Claude model
/// served by another (AWS Bedrock, Vertex AI).
fn is_anthropic(provider: Option<&str>, model: Option<&str>) -> bool {
    provider == Some("anthropic")
        || model.is_some_and(|m| m.to_ascii_lowercase().contains("claude"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_json_heads_are_recognised() {
        assert!(is_framed_proto(&[0, 0, 1, 0, 0x0a, 0x80]));
        assert!(!is_framed_proto(&[0, 0, 0, 0, 0x0a]));
        assert!(!is_framed_proto(b"{\"resourceSpans\""));
        assert!(!is_framed_proto(&[0, 0, 1]));
        // 64 MiB + 1.
        assert!(!is_framed_proto(&[4, 0, 0, 1, 0x0a]));
        assert!(is_otlp_json(b"{\"resourceSpans\":[]}"));
        assert!(is_otlp_json("\u{feff} { \"resourceSpans\"".as_bytes()));
        assert!(!is_otlp_json(b"{\"input_tokens\": 1}"));
    }

    #[test]
    fn counts_take_integers_whole_doubles_and_digit_strings() {
        let v = |v| AnyValue { value: Some(v) };
        assert_eq!(count_of(&v(Value::IntValue(5))), Some(5));
        assert_eq!(count_of(&v(Value::IntValue(-1))), None);
        assert_eq!(count_of(&v(Value::DoubleValue(7.0))), Some(7));
        assert_eq!(count_of(&v(Value::DoubleValue(7.5))), None);
        assert_eq!(count_of(&v(Value::StringValue("12".into()))), Some(12));
        assert_eq!(count_of(&v(Value::StringValue("12k".into()))), None);
        assert_eq!(count_of(&v(Value::BoolValue(true))), None);
    }
}
