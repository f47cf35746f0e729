//! Values of exports whose rows are JSON objects (Langfuse, Helicone), read by key: numbers
//! that may be JSON numbers or strings (ClickHouse quotes 64-bit integers and decimals under
//! some settings; CSV cells are strings), times, and objects that may be JSON text.

use serde_json::{Map, Value};

use super::parse::{parse_count, parse_time_ms};

/// A JSON row.
pub(super) type Object = Map<String, Value>;

/// The value at `k`, `None` when absent, null or an empty string.
pub(super) fn value<'a>(o: &'a Object, k: &str) -> Option<&'a Value> {
    match o.get(k) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(v),
    }
}

/// A text at `k`.
pub(super) fn json_text<'a>(o: &'a Object, k: &str) -> Result<Option<&'a str>, String> {
    match value(o, k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(format!("{k}: expected a string, got {v}")),
    }
}

/// A token count: a whole number >= 0, as a JSON number or a string.
pub(super) fn json_count(v: &Value, k: &str) -> Result<u64, String> {
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1e18)
                .map(|f| f as u64)
        }),
        Value::String(s) => parse_count(s.trim()),
        _ => None,
    };
    n.ok_or_else(|| format!("{k}: expected a whole number of tokens >= 0, got {v}"))
}

/// A finite number (a cost), as a JSON number or a string.
pub(super) fn json_number(v: &Value, k: &str) -> Result<f64, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|f| f.is_finite())
        .ok_or_else(|| format!("{k}: expected a number, got {v}"))
}

/// A time: RFC 3339, ClickHouse's `2026-11-03 14:02:11.512` (UTC) or integer milliseconds.
pub(super) fn json_time(o: &Object, k: &str) -> Result<Option<i64>, String> {
    let bad = |v: &Value| {
        format!(
            "{k}: expected RFC 3339, `YYYY-MM-DD HH:MM:SS.sss` (UTC) or integer milliseconds, \
             got {v}"
        )
    };
    match value(o, k) {
        None => Ok(None),
        Some(v @ Value::String(s)) => parse_time_ms(s).map(Some).ok_or_else(|| bad(v)),
        Some(v @ Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad(v)),
        Some(v) => Err(bad(v)),
    }
}

/// The object at `k`: a JSON object, or JSON text of one (as a CSV cell or a string-encoded
/// map holds it).
pub(super) fn json_object(o: &Object, k: &str) -> Result<Option<Object>, String> {
    match value(o, k) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(Value::Null) => Ok(None),
            _ => Err(format!("{k}: expected a JSON object, got {s:?}")),
        },
        Some(v) => Err(format!("{k}: expected a JSON object, got {v}")),
    }
}
