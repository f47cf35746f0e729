//! Langfuse observations (its blob-storage export: Parquet, CSV or JSON lines) into
//! [`TraceRecord`]s, whichever encoding they came in.
//!
//! An observation is read through [`Observation`], one field at a time, so the Parquet reader
//! hands over its columns without building a row and the text readers their parsed JSON.
//!
//! | field | into |
//! |---|---|
//! | `start_time` (required) | `time_ms` (ClickHouse `2026-11-03 14:02:11.512`, RFC 3339, ms, or a Parquet timestamp) |
//! | `type` (required) | only `GENERATION` and `EMBEDDING` carry usage; others (`SPAN`, `EVENT`, `AGENT`, ...) are counted as ignored |
//! | `provided_model_name`, else `model` | `model` |
//! | `usage_details` (required) | tokens, by key (below) |
//! | `total_cost`, else `cost_details.total` | `recorded_cost` (USD) |
//! | `user_id`, `session_id` | the same |
//! | `trace_name`, else `name` | `endpoint` |
//! | `tags` (a list) | tags, key `tag`, one per tag |
//! | `environment` | tag `environment` |
//!
//! Langfuse's `usage_details.input` EXCLUDES cached tokens (its OpenAI transform subtracts every
//! `prompt_tokens_details` entry; Anthropic's `input_tokens` is uncached already) and its
//! `output` excludes OpenAI's reasoning tokens, so every key is read into tokencast's inclusive
//! convention:
//!
//! | key | meaning |
//! |---|---|
//! | `input`, `input_tokens`, any other `input_*` (`input_audio_tokens`, ...) | uncached prompt tokens: added to `input_tokens` |
//! | `input_cached_tokens`, `input_cache_read`, `cache_read_input_tokens` | cache reads: `cache_read_tokens`, added to `input_tokens` |
//! | `input_cache_creation`, `cache_creation_input_tokens` | cache writes, TTL unsaid: `cache_write_tokens`, added to `input_tokens` |
//! | `input_cache_creation_5m`, `input_cache_creation_1h` | cache writes by TTL: `cache_write_5m_tokens`, `cache_write_1h_tokens` |
//! | `output`, `output_tokens`, any other `output_*` | output tokens |
//! | `output_reasoning_tokens` | `reasoning_tokens`, added to `output_tokens` |
//! | `total` | not read (a sum of the others) |
//!
//! Two keys for one cache count (`input_cached_tokens` and `cache_read_input_tokens`) are an
//! error, as is any other key: a usage unit tokencast does not know must not be priced as
//! nothing. A write total given with its TTL split is read as the split when they agree.

use super::record::{TraceRecord, check, set};
use serde_json::Value;

use super::json_value::{
    Object, json_count, json_number, json_object, json_text, json_time, value,
};
use super::text_rows::TextFormat;

/// Langfuse's CSV and JSON-lines exports.
pub(super) static TEXT: TextFormat = TextFormat {
    required: &["start_time", "type", "usage_details"],
    json_columns: &["usage_details", "cost_details", "tags"],
    map: text_row,
    name: "langfuse",
};

/// One observation of a CSV or JSON-lines export.
fn text_row(o: &Object, line: u64, out: &mut TraceRecord) -> Result<Option<String>, String> {
    Ok(
        match fill(&JsonObservation(o), line, &mut Usage::default(), out)? {
            Read::Record => None,
            Read::Ignored(kind) => Some(ignored_reason(kind)),
        },
    )
}

/// Why an observation of type `kind` is left out.
pub(super) fn ignored_reason(kind: &str) -> String {
    format!("Langfuse {kind} observations (not generations: no LLM usage)")
}

/// The fields of an observation that are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    StartTime,
    Type,
    ProvidedModelName,
    Model,
    UsageDetails,
    CostDetails,
    TotalCost,
    UserId,
    SessionId,
    TraceName,
    Name,
    Tags,
    Environment,
}

impl Field {
    /// Every field, in the order columns are looked up.
    pub(super) const ALL: [Field; 13] = [
        Field::StartTime,
        Field::Type,
        Field::ProvidedModelName,
        Field::Model,
        Field::UsageDetails,
        Field::CostDetails,
        Field::TotalCost,
        Field::UserId,
        Field::SessionId,
        Field::TraceName,
        Field::Name,
        Field::Tags,
        Field::Environment,
    ];

    /// Fields without which an export cannot be read.
    pub(super) const REQUIRED: [Field; 3] = [Field::StartTime, Field::Type, Field::UsageDetails];

    /// The column or key name.
    pub(super) fn name(self) -> &'static str {
        match self {
            Field::StartTime => "start_time",
            Field::Type => "type",
            Field::ProvidedModelName => "provided_model_name",
            Field::Model => "model",
            Field::UsageDetails => "usage_details",
            Field::CostDetails => "cost_details",
            Field::TotalCost => "total_cost",
            Field::UserId => "user_id",
            Field::SessionId => "session_id",
            Field::TraceName => "trace_name",
            Field::Name => "name",
            Field::Tags => "tags",
            Field::Environment => "environment",
        }
    }
}

/// One observation, read field by field. Absent and null values are `None`; a value of the
/// wrong kind is an error naming the field.
pub(super) trait Observation {
    /// A text field.
    fn text(&self, f: Field) -> Result<Option<&str>, String>;
    /// A time in ms since the epoch.
    fn time_ms(&self, f: Field) -> Result<Option<i64>, String>;
    /// A number (a cost in USD).
    fn number(&self, f: Field) -> Result<Option<f64>, String>;
    /// The number at `key` of a map field.
    fn map_number(&self, f: Field, key: &str) -> Result<Option<f64>, String>;
    /// Each (key, count) of a map of counts, into `usage`.
    fn counts(&self, f: Field, usage: &mut Usage) -> Result<(), String>;
    /// Each text of a list field, handed to `each`.
    fn texts(&self, f: Field, each: &mut dyn FnMut(&str)) -> Result<(), String>;
}

/// What an observation is: a record, or an item of the named type without usage.
pub(super) enum Read<'a> {
    Record,
    Ignored(&'a str),
}

/// The observation types that carry usage and cost.
const USAGE_TYPES: [&str; 2] = ["GENERATION", "EMBEDDING"];

/// Fill `out` from the observation `o` at row `line`, reusing its buffers; or say which type of
/// observation without usage it is.
pub(super) fn fill<'o>(
    o: &'o impl Observation,
    line: u64,
    usage: &mut Usage,
    out: &mut TraceRecord,
) -> Result<Read<'o>, String> {
    let kind = o.text(Field::Type)?.ok_or("type: missing")?;
    if !USAGE_TYPES.contains(&kind) {
        return Ok(Read::Ignored(kind));
    }
    out.line = line;
    out.time_ms = o.time_ms(Field::StartTime)?.ok_or("start_time: missing")?;
    let model = match o.text(Field::ProvidedModelName)? {
        Some(m) => Some(m),
        None => o.text(Field::Model)?,
    };
    set(&mut out.model, model);
    let endpoint = match o.text(Field::TraceName)? {
        Some(n) => Some(n),
        None => o.text(Field::Name)?,
    };
    set(&mut out.endpoint, endpoint);
    set(&mut out.user_id, o.text(Field::UserId)?);
    set(&mut out.session_id, o.text(Field::SessionId)?);
    out.recorded_cost = match o.number(Field::TotalCost)? {
        Some(c) => Some(c),
        None => o.map_number(Field::CostDetails, "total")?,
    };
    let (tags, mut n) = (&mut out.tags, 0);
    o.texts(Field::Tags, &mut |t| set_tag(tags, &mut n, "tag", t))?;
    if let Some(env) = o.text(Field::Environment)? {
        set_tag(tags, &mut n, "environment", env);
    }
    tags.truncate(n);
    *usage = Usage::default();
    o.counts(Field::UsageDetails, usage)?;
    usage.apply(out)?;
    out.provider = None;
    out.intent = None;
    out.batch = None;
    out.block_tokens = None;
    out.segments = None;
    out.prefix_hashes.clear();
    check(out)?;
    Ok(Read::Record)
}

/// Set tag `n` of `tags` to (`key`, `value`), reusing its buffers, and count it.
fn set_tag(tags: &mut Vec<(String, String)>, n: &mut usize, key: &str, value: &str) {
    match tags.get_mut(*n) {
        Some((k, v)) => {
            k.clear();
            k.push_str(key);
            v.clear();
            v.push_str(value);
        }
        None => tags.push((key.to_string(), value.to_string())),
    }
    *n += 1;
}

/// The token counts of one `usage_details` map, by meaning, with the key each came from.
#[derive(Debug, Default)]
pub(super) struct Usage {
    uncached: u64,
    output: u64,
    read: Option<(&'static str, u64)>,
    write: Option<(&'static str, u64)>,
    write_5m: Option<u64>,
    write_1h: Option<u64>,
    reasoning: Option<u64>,
}

/// Keys of cache reads and of writes without a TTL.
const READ_KEYS: [&str; 3] = [
    "input_cached_tokens",
    "input_cache_read",
    "cache_read_input_tokens",
];
const WRITE_KEYS: [&str; 2] = ["input_cache_creation", "cache_creation_input_tokens"];

impl Usage {
    /// Add the count `n` of `key`.
    pub(super) fn add(&mut self, key: &str, n: u64) -> Result<(), String> {
        let once = |slot: &mut Option<(&'static str, u64)>, k: &'static str| match slot {
            Some((first, _)) => Err(format!(
                "usage_details: both `{first}` and `{k}` count the same tokens; give one"
            )),
            None => {
                *slot = Some((k, n));
                Ok(())
            }
        };
        if let Some(k) = READ_KEYS.iter().find(|k| **k == key) {
            return once(&mut self.read, k);
        }
        if let Some(k) = WRITE_KEYS.iter().find(|k| **k == key) {
            return once(&mut self.write, k);
        }
        match key {
            "input_cache_creation_5m" => self.write_5m = Some(n),
            "input_cache_creation_1h" => self.write_1h = Some(n),
            "output_reasoning_tokens" => self.reasoning = Some(n),
            "total" => {}
            k if k.starts_with("input") => self.uncached = self.uncached.saturating_add(n),
            k if k.starts_with("output") => self.output = self.output.saturating_add(n),
            k => {
                return Err(format!(
                    "usage_details: unknown key `{k}`; known keys are input, input_* \
                     (input_cached_tokens, input_cache_read, input_cache_creation, \
                     input_cache_creation_5m, input_cache_creation_1h, ...), \
                     cache_read_input_tokens, cache_creation_input_tokens, output, output_* \
                     (output_reasoning_tokens, ...) and total"
                ));
            }
        }
        Ok(())
    }

    /// Set `out`'s token counts, prompt tokens including cached ones and output including
    /// reasoning.
    pub(super) fn apply(&self, out: &mut TraceRecord) -> Result<(), String> {
        let split = self.write_5m.is_some() || self.write_1h.is_some();
        let split_sum = self
            .write_5m
            .unwrap_or(0)
            .saturating_add(self.write_1h.unwrap_or(0));
        let write = match self.write {
            Some((_, n)) if split && n == split_sum => None,
            Some((k, n)) if split => {
                return Err(format!(
                    "usage_details: `{k}` ({n}) is not input_cache_creation_5m + \
                     input_cache_creation_1h ({split_sum}); give the writes one way"
                ));
            }
            w => w.map(|(_, n)| n),
        };
        let read = self.read.map(|(_, n)| n);
        out.cache_read_tokens = read;
        out.cache_write_tokens = write;
        out.cache_write_5m_tokens = self.write_5m;
        out.cache_write_1h_tokens = self.write_1h;
        out.input_tokens = self
            .uncached
            .saturating_add(read.unwrap_or(0))
            .saturating_add(write.unwrap_or(0))
            .saturating_add(split_sum);
        out.reasoning_tokens = self.reasoning;
        out.output_tokens = self.output.saturating_add(self.reasoning.unwrap_or(0));
        Ok(())
    }
}

/// A Langfuse observation as a JSON object.
struct JsonObservation<'a>(&'a Object);

impl Observation for JsonObservation<'_> {
    fn text(&self, f: Field) -> Result<Option<&str>, String> {
        json_text(self.0, f.name())
    }

    fn time_ms(&self, f: Field) -> Result<Option<i64>, String> {
        json_time(self.0, f.name())
    }

    fn number(&self, f: Field) -> Result<Option<f64>, String> {
        value(self.0, f.name())
            .map(|v| json_number(v, f.name()))
            .transpose()
    }

    fn map_number(&self, f: Field, key: &str) -> Result<Option<f64>, String> {
        let Some(m) = json_object(self.0, f.name())? else {
            return Ok(None);
        };
        let name = format!("{}.{key}", f.name());
        value(&m, key).map(|v| json_number(v, &name)).transpose()
    }

    fn counts(&self, f: Field, usage: &mut Usage) -> Result<(), String> {
        let Some(m) = json_object(self.0, f.name())? else {
            return Ok(());
        };
        for (k, v) in &m {
            if v.is_null() {
                continue;
            }
            usage.add(k, json_count(v, &format!("{}.{k}", f.name()))?)?;
        }
        Ok(())
    }

    fn texts(&self, f: Field, each: &mut dyn FnMut(&str)) -> Result<(), String> {
        let k = f.name();
        let list = match value(self.0, k) {
            None => return Ok(()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(a)) => a,
                _ => return Err(format!("{k}: expected a list of strings, got {s:?}")),
            },
            Some(Value::Array(a)) => a.clone(),
            Some(v) => return Err(format!("{k}: expected a list of strings, got {v}")),
        };
        for t in &list {
            match t {
                Value::String(s) => each(s),
                v => return Err(format!("{k}: expected a list of strings, got {v} in it")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(pairs: &[(&str, u64)]) -> Result<TraceRecord, String> {
        let mut u = Usage::default();
        for (k, n) in pairs {
            u.add(k, *n)?;
        }
        let mut r = TraceRecord::default();
        u.apply(&mut r)?;
        Ok(r)
    }

    #[test]
    fn usage_keys_are_read_into_the_inclusive_convention() {
        // OpenAI through Langfuse: input and output exclude cached and reasoning tokens.
        let r = usage(&[
            ("input", 496),
            ("input_cached_tokens", 1024),
            ("output", 210),
            ("output_reasoning_tokens", 64),
            ("total", 1794),
        ])
        .unwrap();
        assert_eq!((r.input_tokens, r.cache_read_tokens), (1520, Some(1024)));
        assert_eq!((r.output_tokens, r.reasoning_tokens), (274, Some(64)));
        // Anthropic: uncached input, reads and writes apart.
        let r = usage(&[
            ("input", 10),
            ("cache_read_input_tokens", 2000),
            ("cache_creation_input_tokens", 300),
            ("output", 5),
        ])
        .unwrap();
        assert_eq!(r.input_tokens, 2310);
        assert_eq!(r.cache_write_tokens, Some(300));
        // A write total with its split: the split, when they agree.
        let r = usage(&[
            ("input", 1),
            ("input_cache_creation", 30),
            ("input_cache_creation_5m", 10),
            ("input_cache_creation_1h", 20),
        ])
        .unwrap();
        assert_eq!(r.input_tokens, 31);
        assert_eq!(
            (
                r.cache_write_tokens,
                r.cache_write_5m_tokens,
                r.cache_write_1h_tokens
            ),
            (None, Some(10), Some(20))
        );
        assert!(
            usage(&[
                ("input_cache_creation", 31),
                ("input_cache_creation_1h", 20)
            ])
            .unwrap_err()
            .contains("is not input_cache_creation_5m + input_cache_creation_1h (20)")
        );
        assert!(
            usage(&[("input_cached_tokens", 1), ("cache_read_input_tokens", 1)])
                .unwrap_err()
                .contains("both `input_cached_tokens` and `cache_read_input_tokens`")
        );
        assert!(
            usage(&[("characters", 1)])
                .unwrap_err()
                .starts_with("usage_details: unknown key `characters`")
        );
    }
}
