//! Exports whose rows are JSON objects, as JSON lines or as CSV (Langfuse observations, Helicone
//! requests): each row becomes one JSON object, read by key, so a format's mapping is written
//! once for both encodings.
//!
//! A CSV row becomes an object of its non-empty cells, as strings, except the columns a format
//! names as JSON (Langfuse's `usage_details`, `tags`; Helicone's `request_properties`), which
//! exports write as JSON text and which are parsed. Numbers may be JSON numbers or strings
//! (ClickHouse quotes 64-bit integers and decimals in some settings; CSV cells are strings).

use std::io::{BufRead, Read};

use serde_json::Value;

use super::error::TraceError;
use super::json_value::Object;
use super::record::TraceRecord;

/// Maps one row (at `line`) into `out`: `Ok(None)` for a record, `Ok(Some(reason))` for an item
/// without usage, left out and counted under `reason`.
pub(super) type MapRow = fn(&Object, u64, &mut TraceRecord) -> Result<Option<String>, String>;

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
                    Err(e)
                        if e.kind() == std::io::ErrorKind::InvalidData
                            && super::source::too_long(&e).is_none() =>
                    {
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
                    let message = e.to_string();
                    Some(Err(match e.into_kind() {
                        csv::ErrorKind::Io(io) => TraceError::io(path, io),
                        _ => TraceError::row(path, self.line, message),
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

impl TextRows {
    /// Read the next record into `out`, counting the items left out on the way; `None` at the
    /// end.
    pub(super) fn read_into(
        &mut self,
        path: &str,
        out: &mut TraceRecord,
    ) -> Option<Result<(), TraceError>> {
        loop {
            let (line, o) = match self.next_object(path)? {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            match (self.format.map)(&o, line, out) {
                Ok(None) => return Some(Ok(())),
                Ok(Some(reason)) => count_ignored(&mut self.ignored, &reason),
                Err(m) => return Some(Err(TraceError::row(path, line, m))),
            }
        }
    }

    /// Items left out, by reason.
    pub(super) fn ignored(&self) -> Vec<(String, u64)> {
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
