//! Helicone request exports (its export CLI's CSV, or JSON lines of `HeliconeRequest` objects)
//! into [`TraceRecord`]s.
//!
//! | field | into |
//! |---|---|
//! | `request_created_at` (required) | `time_ms` (RFC 3339, `YYYY-MM-DD HH:MM:SS.sss` UTC, or ms) |
//! | `model`, else `response_model`, else `request_model` | `model` |
//! | `prompt_tokens`, `completion_tokens` (required) | `input_tokens`, `output_tokens` (below) |
//! | `prompt_cache_read_tokens`, `prompt_cache_write_tokens` | `cache_read_tokens`, `cache_write_tokens` |
//! | `reasoning_tokens` | the same (part of `completion_tokens`) |
//! | `request_user_id` | `user_id` |
//! | `request_properties` (a map; JSON text in CSV) | tags, one per property; `Helicone-Session-Id` is also `session_id` |
//! | `provider` | `provider` |
//! | `costUSD`, else `cost_usd`, else `cost` | `recorded_cost` (USD) |
//!
//! Helicone's `prompt_tokens` is the provider's own count: for Anthropic models (provider
//! `ANTHROPIC`, or a model id with `claude`) that is the uncached input only, so cache reads
//! and writes are added to it; for the others (OpenAI's `prompt_tokens`) it includes cached
//! tokens already. The export CLI's CSV has no cache columns; its rows price as uncached.

use serde_json::Value;

use super::json_value::{
    Object, json_count, json_number, json_object, json_text, json_time, value,
};
use super::record::{TraceRecord, check, set};
use super::text_rows::TextFormat;

/// Helicone's CSV and JSON-lines exports.
pub(super) static TEXT: TextFormat = TextFormat {
    required: &["request_created_at", "prompt_tokens", "completion_tokens"],
    json_columns: &["request_properties"],
    map: text_row,
    name: "helicone",
};

/// The property that names a Helicone session.
const SESSION_PROPERTY: &str = "Helicone-Session-Id";

/// One request of a Helicone export.
fn text_row(o: &Object, line: u64, out: &mut TraceRecord) -> Result<Option<String>, String> {
    let count = |k: &str| value(o, k).map(|v| json_count(v, k)).transpose();
    let number = |k: &str| value(o, k).map(|v| json_number(v, k)).transpose();
    out.line = line;
    out.time_ms = json_time(o, "request_created_at")?.ok_or("request_created_at: missing")?;
    let model = match json_text(o, "model")? {
        Some(m) => Some(m),
        None => match json_text(o, "response_model")? {
            Some(m) => Some(m),
            None => json_text(o, "request_model")?,
        },
    };
    set(&mut out.model, model);
    let provider = json_text(o, "provider")?;
    set(&mut out.provider, provider);
    let prompt = count("prompt_tokens")?.ok_or("prompt_tokens: missing")?;
    out.output_tokens = count("completion_tokens")?.ok_or("completion_tokens: missing")?;
    out.cache_read_tokens = count("prompt_cache_read_tokens")?;
    out.cache_write_tokens = count("prompt_cache_write_tokens")?;
    out.cache_write_5m_tokens = None;
    out.cache_write_1h_tokens = None;
    out.reasoning_tokens = count("reasoning_tokens")?;
    let anthropic = provider.is_some_and(|p| p.eq_ignore_ascii_case("anthropic"))
        || model.is_some_and(|m| m.contains("claude"));
    out.input_tokens = if anthropic {
        prompt
            .saturating_add(out.cache_read_tokens.unwrap_or(0))
            .saturating_add(out.cache_write_tokens.unwrap_or(0))
    } else {
        prompt
    };
    out.recorded_cost = match number("costUSD")? {
        Some(c) => Some(c),
        None => match number("cost_usd")? {
            Some(c) => Some(c),
            None => number("cost")?,
        },
    };
    set(&mut out.user_id, json_text(o, "request_user_id")?);
    out.tags.clear();
    out.session_id = None;
    if let Some(props) = json_object(o, "request_properties")? {
        for (k, v) in &props {
            let v = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => v.to_string(),
                v => {
                    return Err(format!(
                        "request_properties.{k}: expected a string, got {v}"
                    ));
                }
            };
            if k == SESSION_PROPERTY {
                out.session_id = Some(v.clone());
            }
            out.tags.push((k.clone(), v));
        }
    }
    out.endpoint = None;
    out.intent = None;
    out.batch = None;
    out.block_tokens = None;
    out.segments = None;
    out.prefix_hashes.clear();
    check(out)?;
    Ok(None)
}
