//! Reading one JSON row's values by key, with the messages every JSON-lines format gives for a
//! value of the wrong kind.

use serde_json::{Map, Value};

use super::parse::parse_time_ms;

/// One JSON row's object, read by key. A missing key and `null` are both absent.
pub(super) struct JsonRow<'a>(pub(super) &'a Map<String, Value>);

impl JsonRow<'_> {
    /// A whole number >= 0 at `k`, if any.
    pub(super) fn count(&self, k: &str) -> Result<Option<u64>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{k}: expected a whole number >= 0, got {x}")),
        }
    }

    /// A string (or a number, as written) at `k`, if any.
    pub(super) fn string(&self, k: &str) -> Result<Option<String>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(x) => Err(format!("{k}: expected a string, got {x}")),
        }
    }

    /// Block ids at `k`: a list of numbers or a space-separated string; none when absent.
    pub(super) fn hashes(&self, k: &str) -> Result<Vec<u64>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|h| {
                    h.as_u64()
                        .ok_or_else(|| format!("{k}: {h} is not a block id"))
                })
                .collect(),
            Some(Value::String(s)) => s
                .split_ascii_whitespace()
                .map(|h| {
                    h.parse::<u64>()
                        .map_err(|_| format!("{k}: {h:?} is not a block id"))
                })
                .collect(),
            Some(x) => Err(format!("{k}: expected a list of block ids, got {x}")),
        }
    }

    /// The native `timestamp`: integer milliseconds or an RFC 3339 string.
    pub(super) fn native_time(&self) -> Result<i64, String> {
        match self.0.get("timestamp") {
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| format!("timestamp: {n} is not whole milliseconds")),
            Some(Value::String(s)) => parse_time_ms(s).ok_or_else(|| {
                format!("timestamp: expected RFC 3339 or integer milliseconds, got {s:?}")
            }),
            _ => Err("timestamp: missing".to_string()),
        }
    }

    /// The native `batch`: a boolean, if any.
    pub(super) fn batch(&self) -> Result<Option<bool>, String> {
        match self.0.get("batch") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(x) => Err(format!("batch: expected true or false, got {x}")),
        }
    }
}
