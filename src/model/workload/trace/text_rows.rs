//! Exports whose rows are JSON objects, as JSON lines or as CSV (Langfuse observations, Helicone
//! requests): each row becomes one JSON object, read by key, so a format's mapping is written
//! once for both encodings.
//!
//! A CSV row becomes an object of its non-empty cells, as strings, except the columns a format
//! names as JSON (Langfuse's `usage_details`, `tags`; Helicone's `request_properties`), which
//! exports write as JSON text and which are parsed. Numbers may be JSON numbers or strings
//! (ClickHouse quotes 64-bit integers and decimals in some settings; CSV cells are strings).

use std::io::{BufRead, Read};

use serde_json::{Map, Value};

use super::error::TraceError;
use super::langfuse::{Field, Observation, Usage};
use super::parse::{parse_count, parse_time_ms};
use super::reader::RowSource;
use super::record::TraceRecord;

/// A JSON row.
pub(super) type Object = Map<String, Value>;

/// Maps one row (at `line`) into `out`: `Ok(None)` for a record, `Ok(Some(reason))` for an item
/// without usage, left out and counted under `reason`.
pub(super) type MapRow =
    fn(&Object, u64, &mut Usage, &mut TraceRecord) -> Result<Option<String>, String>;

/// One export format read from text.
pub(super) struct TextFormat {
    /// Columns a CSV file must have.
    pub(super) required: &'static [&'static str],
    /// CSV columns holding JSON text.
    pub(super) json_columns: &'static [&'static str],
    /// The mapping of a row.
    pub(super) map: MapRow,
    /// The format's name, for messages.
    pub(super) name: &'static str,
}

enum Encoding {
    Csv {
        reader: csv::Reader<Box<dyn Read>>,
        record: csv::StringRecord,
        headers: Vec<String>,
    },
    Jsonl {
        reader: Box<dyn BufRead>,
        buf: String,
    },
}

/// The rows of a text export.
pub(super) struct TextRows {
    encoding: Encoding,
    format: &'static TextFormat,
    line: u64,
    usage: Usage,
    ignored: Vec<(String, u64)>,
}

impl TextRows {
    /// The rows of `reader`, JSON lines when `first` (its first line) opens an object, CSV
    /// otherwise, whose header must have the format's required columns.
    pub(super) fn open(
        path: &str,
        first: &str,
        reader: Box<dyn BufRead>,
        format: &'static TextFormat,
    ) -> Result<TextRows, TraceError> {
        let encoding = if first.trim_start_matches('\u{feff}').starts_with('{') {
            Encoding::Jsonl {
                reader,
                buf: String::new(),
            }
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .buffer_capacity(1 << 16)
                .has_headers(true)
                .flexible(false)
                .from_reader(Box::new(reader) as Box<dyn Read>);
            let header_err = |message| TraceError::Header {
                path: path.to_string(),
                message,
            };
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| header_err(e.to_string()))?
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
                .collect();
            for need in format.required {
                if !headers.iter().any(|h| h == need) {
                    return Err(header_err(format!(
                        "missing column `{need}` for the {} format (required: {}); header is: {}",
                        format.name,
                        format.required.join(", "),
                        headers.join(",")
                    )));
                }
            }
            Encoding::Csv {
                reader,
                record: csv::StringRecord::new(),
                headers,
            }
        };
        Ok(TextRows {
            encoding,
            format,
            line: 1,
            usage: Usage::default(),
            ignored: Vec::new(),
        })
    }

    /// The next row as an object, with its line; `None` at the end.
    fn next_object(&mut self, path: &str) -> Option<Result<(u64, Object), TraceError>> {
        match &mut self.encoding {
            Encoding::Jsonl { reader, buf } => loop {
                buf.clear();
                let line = self.line;
                self.line += 1;
                match reader.read_line(buf) {
                    Ok(0) => return None,
                    Ok(_) => {
                        let text = buf.trim().trim_start_matches('\u{feff}');
                        if text.is_empty() {
                            continue;
                        }
                        return Some(match serde_json::from_str::<Value>(text) {
                            Ok(Value::Object(o)) => Ok((line, o)),
                            Ok(_) => Err(TraceError::row(path, line, "expected a JSON object")),
                            Err(e) => Err(TraceError::row(
                                path,
                                line,
                                format!("not a JSON object: {e}"),
                            )),
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                        return Some(Err(TraceError::row(
                            path,
                            line,
                            "the line is not UTF-8 text",
                        )));
                    }
                    Err(e) => return Some(Err(TraceError::io(path, e))),
                }
            },
            Encoding::Csv {
                reader,
                record,
                headers,
            } => match reader.read_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let line = record
                        .position()
                        .map_or(self.line + 1, |p| p.line())
                        .max(self.line + 1);
                    self.line = line;
                    Some(
                        csv_object(headers, record, self.format.json_columns)
                            .map(|o| (line, o))
                            .map_err(|m| TraceError::row(path, line, m)),
                    )
                }
                Err(e) => {
                    let line = e.position().map_or(self.line + 1, |p| p.line());
                    self.line = line.max(self.line + 1);
                    Some(Err(match e.into_kind() {
                        csv::ErrorKind::Io(io) => TraceError::io(path, io),
                        kind => TraceError::row(path, self.line, format!("{kind:?}")),
                    }))
                }
            },
        }
    }
}

/// A CSV row as an object: non-empty cells by column name, JSON columns parsed.
fn csv_object(
    headers: &[String],
    record: &csv::StringRecord,
    json_columns: &[&str],
) -> Result<Object, String> {
    let mut o = Object::new();
    for (name, cell) in headers.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value = if json_columns.contains(&name.as_str()) {
            serde_json::from_str(cell).map_err(|e| format!("{name}: not JSON text ({e})"))?
        } else {
            Value::String(cell.to_string())
        };
        o.insert(name.clone(), value);
    }
    Ok(o)
}

impl RowSource for TextRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        loop {
            let (line, o) = match self.next_object(path)? {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            match (self.format.map)(&o, line, &mut self.usage, out) {
                Ok(None) => return Some(Ok(())),
                Ok(Some(reason)) => count_ignored(&mut self.ignored, &reason),
                Err(m) => return Some(Err(TraceError::row(path, line, m))),
            }
        }
    }

    fn ignored(&self) -> Vec<(String, u64)> {
        self.ignored.clone()
    }
}

/// Count one more item left out for `reason`.
pub(super) fn count_ignored(ignored: &mut Vec<(String, u64)>, reason: &str) {
    match ignored.iter_mut().find(|(r, _)| r == reason) {
        Some((_, n)) => *n += 1,
        None => ignored.push((reason.to_string(), 1)),
    }
}

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

/// A Langfuse observation as a JSON object.
pub(super) struct JsonObservation<'a>(pub(super) &'a Object);

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
