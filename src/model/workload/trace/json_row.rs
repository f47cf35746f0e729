//! Reading one JSON row's values by key, with the messages every JSON-lines format gives for a
//! value of the wrong kind, quoting it as the file writes it (`1e2`, not `100.0`).
//!
//! A row names each key once: `serde_json` alone keeps the last of two equal keys, which would
//! silently drop the first value, so the object is read with a visitor that refuses a repeat.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::parse::parse_time_ms;

/// One JSON row's object, read by key. A missing key and `null` are both absent.
pub(super) struct JsonRow<'a> {
    /// The object.
    pub(super) object: Map<String, Value>,
    /// The row's text, to quote a bad value as written.
    text: &'a str,
}

impl<'a> JsonRow<'a> {
    /// The object one line of `text` holds, each key given once, or what is wrong with it.
    pub(super) fn parse(text: &'a str) -> Result<JsonRow<'a>, String> {
        let mut repeated = None;
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = RowSeed {
            repeated: &mut repeated,
        }
        .deserialize(&mut de)
        .and_then(|row| de.end().map(|()| row));
        match (parsed, repeated) {
            (Ok(Some(object)), _) => Ok(JsonRow { object, text }),
            (Ok(None), _) => Err("expected a JSON object".to_string()),
            (Err(e), Some(key)) => Err(format!(
                "key `{key}` appears twice (the second ends at column {}); each key is given once",
                e.column()
            )),
            (Err(e), None) => Err(format!("not a JSON object: {e}")),
        }
    }

    /// A whole number >= 0 at `k`, if any.
    pub(super) fn count(&self, k: &str) -> Result<Option<u64>, String> {
        match self.object.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                format!(
                    "{k}: expected a whole number >= 0, got {}",
                    self.written(k, None, x)
                )
            }),
        }
    }

    /// A string (or a number, as written) at `k`, if any.
    pub(super) fn string(&self, k: &str) -> Result<Option<String>, String> {
        match self.object.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // A whole number within 64 bits is read exactly; any other (`1e2`, an id past
            // 2^64) as the row writes it, where the f64 it was read as would round two ids
            // into one.
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
            Some(x @ Value::Number(_)) => Ok(Some(self.written(k, None, x))),
            Some(x) => Err(format!("{k}: expected a string, got {x}")),
        }
    }

    /// Tags at `k`: an object of strings (`{"service": "shop"}`, read in key order) or the CSV
    /// cell's `key=value;key=value` string; none when absent.
    pub(super) fn tags(&self, k: &str) -> Result<Vec<(String, String)>, String> {
        let mut tags = Vec::new();
        match self.object.get(k) {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (key, v) in m {
                    if key.trim().is_empty() {
                        return Err(format!("{k}: a tag needs a key, got {:?}", key));
                    }
                    match v {
                        Value::String(s) => tags.push((key.clone(), s.clone())),
                        x => {
                            return Err(format!("{k}.{key}: expected a string, got {x}"));
                        }
                    }
                }
            }
            Some(Value::String(s)) => super::parse::fill_tags(&mut tags, Some(s))?,
            Some(x) => {
                return Err(format!(
                    "{k}: expected an object of strings ({{\"service\": \"shop\"}}), got {x}"
                ));
            }
        }
        Ok(tags)
    }

    /// Block ids at `k`: a list of numbers or a space-separated string; none when absent.
    pub(super) fn hashes(&self, k: &str) -> Result<Vec<u64>, String> {
        match self.object.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    h.as_u64().ok_or_else(|| {
                        format!("{k}: {} is not a block id", self.written(k, Some(i), h))
                    })
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
        let k = "timestamp";
        match self.object.get(k) {
            Some(x @ Value::Number(n)) => n.as_i64().ok_or_else(|| {
                format!(
                    "timestamp: {} is not whole milliseconds",
                    self.written(k, None, x)
                )
            }),
            Some(Value::String(s)) => parse_time_ms(s).ok_or_else(|| {
                format!("timestamp: expected RFC 3339 or integer milliseconds, got {s:?}")
            }),
            _ => Err("timestamp: missing".to_string()),
        }
    }

    /// The native `batch`: a boolean, if any.
    pub(super) fn batch(&self) -> Result<Option<bool>, String> {
        match self.object.get("batch") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(x) => Err(format!("batch: expected true or false, got {x}")),
        }
    }

    /// The value `x` at key `k` (element `i` of it, for a list) as the row writes it: `1e2`,
    /// where `serde_json` would print the number it read, `100.0`. For messages, and for
    /// text fields written as numbers that are not whole 64-bit numbers (rare: it re-reads
    /// the row).
    #[cold]
    fn written(&self, k: &str, i: Option<usize>, x: &Value) -> String {
        let raw = || -> Option<String> {
            let object: BTreeMap<String, &RawValue> = serde_json::from_str(self.text).ok()?;
            let value = *object.get(k)?;
            let value = match i {
                None => value,
                Some(i) => *serde_json::from_str::<Vec<&RawValue>>(value.get())
                    .ok()?
                    .get(i)?,
            };
            Some(value.get().trim().to_string())
        };
        raw().unwrap_or_else(|| x.to_string())
    }
}

/// Reads a row: its object (`None` for any other JSON value), noting a key given twice in
/// `repeated` before failing on it.
struct RowSeed<'r> {
    repeated: &'r mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Option<Map<String, Value>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Option<Map<String, Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if object.contains_key(&key) {
                let e = de::Error::custom(format_args!("key `{key}` appears twice"));
                *self.repeated = Some(key);
                return Err(e);
            }
            let value = if key == "tags" {
                // Tags are an object too: each of its keys is given once as well.
                let raw: Box<RawValue> = access.next_value()?;
                let mut nested = None;
                let mut de = serde_json::Deserializer::from_str(raw.get());
                match (RowSeed {
                    repeated: &mut nested,
                })
                .deserialize(&mut de)
                {
                    Ok(Some(tags)) => Value::Object(tags),
                    Ok(None) => serde_json::from_str(raw.get()).map_err(de::Error::custom)?,
                    Err(e) => {
                        *self.repeated = nested.map(|k| format!("tags.{k}"));
                        return Err(de::Error::custom(e));
                    }
                }
            } else {
                access.next_value()?
            };
            object.insert(key, value);
        }
        Ok(Some(object))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        while access.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}
