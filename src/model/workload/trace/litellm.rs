//! LiteLLM spend logs (`LiteLLM_SpendLogs`), whichever way they come: the UI's CSV export, the
//! `/spend/logs` JSON (an array or JSON lines), or the Postgres table itself. Each source reads
//! its time, token and text columns its own way and hands the rest here as a [`SpendLog`], so
//! the mapping below is one for all three.
//!
//! | LiteLLM column | record field |
//! |---|---|
//! | `startTime` | `time_ms` (no zone: UTC, as LiteLLM writes it) |
//! | `prompt_tokens` | `input_tokens` (cache-inclusive for every provider: LiteLLM adds Anthropic's cache reads and writes in) |
//! | `completion_tokens` | `output_tokens` (reasoning included) |
//! | `model` | `model` |
//! | `call_type` | `endpoint` |
//! | `session_id` | `session_id` |
//! | `end_user`, else `user` | `user_id` |
//! | `custom_llm_provider` | `provider` |
//! | `spend` | `recorded_cost` (USD) |
//! | `metadata.usage_object` | cache reads, cache writes, reasoning (below) |
//! | `request_tags` (JSON list) | one tag `tag` per element |
//! | `team_id`, `model_group`, `api_key` (a SHA-256 already), `user`, `status` | tags of the same names |
//!
//! From `metadata.usage_object` (LiteLLM's `Usage`), each the first present and not null:
//! cache reads `prompt_tokens_details.cached_tokens`, else `cache_read_input_tokens`; cache
//! writes `cache_creation_input_tokens`, else `prompt_tokens_details.cache_creation_tokens`,
//! split by TTL when `prompt_tokens_details.cache_creation_token_details` gives
//! `ephemeral_5m_input_tokens` and `ephemeral_1h_input_tokens` (which must add up to the
//! writes); reasoning `completion_tokens_details.reasoning_tokens`. Without a `usage_object`
//! (old rows, pass-through calls) `metadata.additional_usage_values` is read the same way; with
//! neither, the row says nothing about caching and its prompt is priced uncached.
//!
//! Failed requests (`status` `failure`) are kept as rows, tagged `status=failure`: LiteLLM
//! records their spend (usually 0) and tokens (usually 0), so they cost what the provider billed
//! and count as requests that arrived.

use serde_json::Value;

use super::json_row::JsonRow;
use super::parse::{parse_count, parse_time_ms};
use super::record::{TraceRecord, check, set};

/// The columns of a spend log beyond time, tokens, model, call type and session, as a source
/// has them: text cells (CSV, Postgres) or JSON values (the JSON export).
#[derive(Default)]
pub(super) struct SpendLog<'a> {
    /// `request_id`, to name the row in messages.
    pub(super) request_id: Option<&'a str>,
    /// `spend`.
    pub(super) spend: Field<'a>,
    /// `metadata`.
    pub(super) metadata: Field<'a>,
    /// `request_tags`.
    pub(super) request_tags: Field<'a>,
    /// `team_id`.
    pub(super) team_id: Option<&'a str>,
    /// `model_group`.
    pub(super) model_group: Option<&'a str>,
    /// `custom_llm_provider`.
    pub(super) provider: Option<&'a str>,
    /// `api_key` (LiteLLM stores the SHA-256 of the virtual key).
    pub(super) api_key: Option<&'a str>,
    /// `user` (the key's owner).
    pub(super) user: Option<&'a str>,
    /// `end_user` (the customer).
    pub(super) end_user: Option<&'a str>,
    /// `status`.
    pub(super) status: Option<&'a str>,
}

/// One column's value: absent, a text cell, or a JSON value.
#[derive(Default, Clone, Copy)]
pub(super) enum Field<'a> {
    /// Absent, empty or null.
    #[default]
    None,
    /// A text cell (CSV, or a Postgres value cast to text).
    Text(&'a str),
    /// A JSON value (the JSON export).
    Json(&'a Value),
}

impl<'a> Field<'a> {
    /// The field of an optional cell, absent when empty.
    pub(super) fn text(cell: Option<&'a str>) -> Field<'a> {
        match cell.map(str::trim) {
            Some(s) if !s.is_empty() => Field::Text(s),
            _ => Field::None,
        }
    }

    /// The field of an optional JSON value, absent when null.
    pub(super) fn json(v: Option<&'a Value>) -> Field<'a> {
        match v {
            None | Some(Value::Null) => Field::None,
            Some(v) => Field::Json(v),
        }
    }
}

/// Fill the LiteLLM columns of `log` into `out` (its time, tokens, model, endpoint and session
/// already set), replacing what `out` held of them.
pub(super) fn fill(log: &SpendLog<'_>, out: &mut TraceRecord) -> Result<(), String> {
    let named = |m: String| match log.request_id {
        Some(id) => format!("request_id {id:?}: {m}"),
        None => m,
    };
    set(&mut out.user_id, log.end_user.or(log.user));
    set(&mut out.provider, log.provider);
    out.recorded_cost = spend(log.spend).map_err(named)?;
    out.tags.clear();
    tags(log, &mut out.tags).map_err(named)?;
    usage(log.metadata, out).map_err(named)
}

/// `spend`: US dollars, a finite number >= 0.
fn spend(f: Field<'_>) -> Result<Option<f64>, String> {
    let v = match f {
        Field::None => return Ok(None),
        Field::Text(s) => s.parse::<f64>().ok(),
        Field::Json(Value::Number(n)) => n.as_f64(),
        Field::Json(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Field::Json(_) => None,
    };
    match v {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
        _ => Err(format!(
            "spend: expected US dollars (a number >= 0), got {}",
            shown(f)
        )),
    }
}

/// The tags of a row: one `tag` per element of `request_tags`, then `team_id`, `model_group`,
/// `api_key`, `user` and `status`, each when present.
fn tags(log: &SpendLog<'_>, out: &mut Vec<(String, String)>) -> Result<(), String> {
    let parsed;
    let list = match log.request_tags {
        Field::None => None,
        Field::Text(s) => {
            parsed = json_text("request_tags", s)?;
            Some(&parsed)
        }
        Field::Json(v) => Some(v),
    };
    match list {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => out.push(("tag".to_string(), s.clone())),
                    Value::Null => {}
                    other => {
                        return Err(format!(
                            "request_tags: expected a list of strings, got element {other}"
                        ));
                    }
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "request_tags: expected a JSON list of strings, got {other}"
            ));
        }
    }
    for (key, value) in [
        ("team_id", log.team_id),
        ("model_group", log.model_group),
        ("api_key", log.api_key),
        ("user", log.user),
        ("status", log.status),
    ] {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            out.push((key.to_string(), v.to_string()));
        }
    }
    Ok(())
}

/// Cache reads, cache writes and reasoning from `metadata`'s `usage_object` (or
/// `additional_usage_values` without one).
fn usage(metadata: Field<'_>, out: &mut TraceRecord) -> Result<(), String> {
    out.cache_read_tokens = None;
    out.cache_write_tokens = None;
    out.cache_write_5m_tokens = None;
    out.cache_write_1h_tokens = None;
    out.reasoning_tokens = None;
    let parsed;
    let meta = match metadata {
        Field::None => return Ok(()),
        // `{}`, the column's default, is common: no need to parse it.
        Field::Text("{}") => return Ok(()),
        Field::Text(s) => {
            parsed = json_text("metadata", s)?;
            &parsed
        }
        Field::Json(Value::String(s)) => {
            parsed = json_text("metadata", s)?;
            &parsed
        }
        Field::Json(v) => v,
    };
    let meta = match meta {
        Value::Object(o) => o,
        Value::Null => return Ok(()),
        other => {
            return Err(format!(
                "metadata: expected a JSON object, got {}",
                kind(other)
            ));
        }
    };
    let (key, usage) = match (
        meta.get("usage_object"),
        meta.get("additional_usage_values"),
    ) {
        (Some(u @ Value::Object(_)), _) => ("usage_object", u),
        (None | Some(Value::Null), Some(u @ Value::Object(_))) => ("additional_usage_values", u),
        (None | Some(Value::Null), None | Some(Value::Null)) => return Ok(()),
        (Some(Value::Null) | None, Some(other)) => {
            return Err(format!(
                "metadata.additional_usage_values: expected a JSON object, got {}",
                kind(other)
            ));
        }
        (Some(other), _) => {
            return Err(format!(
                "metadata.usage_object: expected a JSON object, got {}",
                kind(other)
            ));
        }
    };
    let u = Usage { key, usage };
    out.cache_read_tokens = u.first(&[
        &["prompt_tokens_details", "cached_tokens"],
        &["cache_read_input_tokens"],
    ])?;
    let writes = u.first(&[
        &["cache_creation_input_tokens"],
        &["prompt_tokens_details", "cache_creation_tokens"],
    ])?;
    let by_ttl = [
        "prompt_tokens_details",
        "cache_creation_token_details",
        "ephemeral_5m_input_tokens",
    ];
    let w5m = u.count(&by_ttl)?;
    let w1h = u.count(&[by_ttl[0], by_ttl[1], "ephemeral_1h_input_tokens"])?;
    if w5m.is_some() || w1h.is_some() {
        let split = w5m.unwrap_or(0).saturating_add(w1h.unwrap_or(0));
        if let Some(total) = writes
            && total != split
        {
            return Err(format!(
                "metadata.{key}: cache writes by TTL (5m {} + 1h {}) do not add up to \
                 cache_creation_input_tokens ({total})",
                w5m.unwrap_or(0),
                w1h.unwrap_or(0)
            ));
        }
        out.cache_write_5m_tokens = w5m;
        out.cache_write_1h_tokens = w1h;
    } else {
        out.cache_write_tokens = writes;
    }
    out.reasoning_tokens = u.count(&["completion_tokens_details", "reasoning_tokens"])?;
    Ok(())
}

/// A usage object (`metadata.<key>`), read by key path.
struct Usage<'a> {
    key: &'static str,
    usage: &'a Value,
}

impl Usage<'_> {
    /// The count at the first of `paths` that is present and not null.
    fn first(&self, paths: &[&[&str]]) -> Result<Option<u64>, String> {
        for p in paths {
            if let Some(n) = self.count(p)? {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// The count at `path`, absent when a step is missing or null.
    fn count(&self, path: &[&str]) -> Result<Option<u64>, String> {
        let mut v = self.usage;
        for k in path {
            match v.get(k) {
                None | Some(Value::Null) => return Ok(None),
                Some(next) => v = next,
            }
        }
        let n = match v {
            Value::Number(n) => n
                .as_u64()
                .or_else(|| n.as_f64().and_then(|f| parse_count(&f.to_string()))),
            _ => None,
        };
        n.map(Some).ok_or_else(|| {
            format!(
                "metadata.{}.{}: expected a whole number of tokens >= 0, got {v}",
                self.key,
                path.join(".")
            )
        })
    }
}

/// JSON text of the column `column`, or what is wrong with it.
fn json_text(column: &str, s: &str) -> Result<Value, String> {
    serde_json::from_str(s).map_err(|e| format!("{column}: not valid JSON ({e})"))
}

/// A value's JSON kind, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A field as it is written, for messages.
fn shown(f: Field<'_>) -> String {
    match f {
        Field::None => "nothing".to_string(),
        Field::Text(s) => format!("{s:?}"),
        Field::Json(v) => v.to_string(),
    }
}

/// The record of one JSON spend-log object (a line of JSON lines, or an element of the JSON
/// array the `/spend/logs` API returns) at `line`.
pub(super) fn json_record(o: &JsonRow<'_>, line: u64) -> Result<TraceRecord, String> {
    let id = o.string("request_id")?;
    let named = |m: String| match &id {
        Some(id) => format!("request_id {id:?}: {m}"),
        None => m,
    };
    let time = o.string("startTime")?.ok_or("startTime: missing")?;
    let time_ms = parse_time_ms(&time).ok_or_else(|| {
        named(format!(
            "startTime: expected a date and time (2026-01-05T09:30:00Z, 2026-01-05 09:30:00.123), \
             got {time:?}"
        ))
    })?;
    let mut r = TraceRecord {
        line,
        time_ms,
        input_tokens: o
            .count("prompt_tokens")
            .map_err(named)?
            .ok_or("prompt_tokens: missing")?,
        output_tokens: o
            .count("completion_tokens")
            .map_err(named)?
            .ok_or("completion_tokens: missing")?,
        model: o.string("model")?.filter(|s| !s.is_empty()),
        endpoint: o.string("call_type")?.filter(|s| !s.is_empty()),
        session_id: o.string("session_id")?.filter(|s| !s.is_empty()),
        ..TraceRecord::default()
    };
    let text = |k: &str| -> Result<Option<String>, String> {
        Ok(o.string(k).map_err(named)?.filter(|s| !s.trim().is_empty()))
    };
    let (team, group, provider, key, user, end_user, status) = (
        text("team_id")?,
        text("model_group")?,
        text("custom_llm_provider")?,
        text("api_key")?,
        text("user")?,
        text("end_user")?,
        text("status")?,
    );
    let log = SpendLog {
        request_id: id.as_deref(),
        spend: Field::json(o.object.get("spend")),
        metadata: Field::json(o.object.get("metadata")),
        request_tags: Field::json(o.object.get("request_tags")),
        team_id: team.as_deref(),
        model_group: group.as_deref(),
        provider: provider.as_deref(),
        api_key: key.as_deref(),
        user: user.as_deref(),
        end_user: end_user.as_deref(),
        status: status.as_deref(),
    };
    fill(&log, &mut r)?;
    check(&r).map_err(named)?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(metadata: &str) -> Result<TraceRecord, String> {
        let mut r = TraceRecord {
            input_tokens: 13210,
            output_tokens: 240,
            ..TraceRecord::default()
        };
        let log = SpendLog {
            request_id: Some("r1"),
            metadata: Field::text(Some(metadata)),
            ..SpendLog::default()
        };
        fill(&log, &mut r)?;
        check(&r)?;
        Ok(r)
    }

    #[test]
    fn usage_object_keys_in_their_order() {
        // The research's Anthropic example: reads and writes both ways, equal.
        let r = record(
            r#"{"usage_object":{"prompt_tokens":13210,"prompt_tokens_details":{"cached_tokens":12000,"cache_creation_tokens":1000},"completion_tokens_details":{"reasoning_tokens":0},"cache_creation_input_tokens":1000,"cache_read_input_tokens":12000}}"#,
        )
        .unwrap();
        assert_eq!(r.cache_read_tokens, Some(12000));
        assert_eq!(r.cache_write_tokens, Some(1000));
        assert_eq!(r.reasoning_tokens, Some(0));
        // prompt_tokens_details.cached_tokens first; cache_read_input_tokens without it.
        let r = record(r#"{"usage_object":{"prompt_tokens_details":{"cached_tokens":5},"cache_read_input_tokens":7}}"#).unwrap();
        assert_eq!(r.cache_read_tokens, Some(5));
        let r = record(r#"{"usage_object":{"prompt_tokens_details":{"cached_tokens":null},"cache_read_input_tokens":7}}"#).unwrap();
        assert_eq!(r.cache_read_tokens, Some(7));
        // Writes split by TTL.
        let r = record(r#"{"usage_object":{"cache_creation_input_tokens":300,"prompt_tokens_details":{"cache_creation_token_details":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200}}}}"#).unwrap();
        assert_eq!(
            (
                r.cache_write_tokens,
                r.cache_write_5m_tokens,
                r.cache_write_1h_tokens
            ),
            (None, Some(100), Some(200))
        );
        assert!(record(r#"{"usage_object":{"cache_creation_input_tokens":301,"prompt_tokens_details":{"cache_creation_token_details":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200}}}}"#).unwrap_err().contains("do not add up"));
        // additional_usage_values without a usage_object.
        let r = record(
            r#"{"usage_object":null,"additional_usage_values":{"cache_read_input_tokens":9}}"#,
        )
        .unwrap();
        assert_eq!(r.cache_read_tokens, Some(9));
        // Nothing said: nothing set.
        let r = record("{}").unwrap();
        assert_eq!((r.cache_read_tokens, r.cache_write_tokens), (None, None));
        assert_eq!(
            record(r#"{"usage_object":{"cache_read_input_tokens":-1}}"#).unwrap_err(),
            "request_id \"r1\": metadata.usage_object.cache_read_input_tokens: expected a whole \
             number of tokens >= 0, got -1"
        );
        assert!(
            record("{not json")
                .unwrap_err()
                .starts_with("request_id \"r1\": metadata: not valid JSON (")
        );
    }
}
