//! A JSON array of spend-log objects, as LiteLLM's `/spend/logs` API and UI export write it,
//! read one element at a time.
//!
//! The array is never held whole: the bytes between elements (`,`, whitespace) are stepped over
//! here, and each element is parsed on its own (its text kept for messages), so memory holds
//! one element. The array may be on one line of any length (the line limit of text traces does
//! not apply); an element names the line it starts on. Broken JSON stops the read (nothing
//! after it can be trusted); an element that is JSON but a bad row is a row error like any.

use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::TraceError;
use super::json_row::JsonRow;
use super::litellm;
use super::record::TraceRecord;
use super::row_source::RowSource;

/// Where the reader is in the array.
#[derive(PartialEq)]
enum State {
    /// Before `[`.
    Start,
    /// After `[` or an element.
    Within,
    /// After `]`, or after an error that stops the read.
    Done,
}

/// The elements of a JSON array of LiteLLM spend logs.
pub(super) struct JsonArrayRows {
    bytes: Lines,
    state: State,
    /// Elements read so far.
    elements: u64,
}

impl JsonArrayRows {
    /// The elements of the array `reader` holds.
    pub(super) fn new(reader: BufReader<Box<dyn Read>>) -> JsonArrayRows {
        JsonArrayRows {
            bytes: Lines {
                inner: reader,
                line: 1,
            },
            state: State::Start,
            elements: 0,
        }
    }

    /// Step to the next element: `Ok(true)` when one follows, `Ok(false)` at the array's end.
    fn step(&mut self) -> Result<bool, String> {
        if self.state == State::Start {
            self.bytes.skip_space().map_err(|e| e.to_string())?;
            if self.bytes.peek().map_err(|e| e.to_string())? == Some(0xef) {
                // A UTF-8 byte-order mark.
                for _ in 0..3 {
                    self.bytes.next().map_err(|e| e.to_string())?;
                }
            }
            self.bytes.skip_space().map_err(|e| e.to_string())?;
            self.expect(b"[")?;
            self.state = State::Within;
            self.bytes.skip_space().map_err(|e| e.to_string())?;
            if self.bytes.peek().map_err(|e| e.to_string())? == Some(b']') {
                self.bytes.next().map_err(|e| e.to_string())?;
                return self.end();
            }
            return Ok(true);
        }
        self.bytes.skip_space().map_err(|e| e.to_string())?;
        match self.expect(b",]")? {
            b',' => {
                self.bytes.skip_space().map_err(|e| e.to_string())?;
                Ok(true)
            }
            _ => self.end(),
        }
    }

    /// After `]`: only whitespace may follow.
    fn end(&mut self) -> Result<bool, String> {
        self.state = State::Done;
        self.bytes.skip_space().map_err(|e| e.to_string())?;
        match self.bytes.peek().map_err(|e| e.to_string())? {
            None => Ok(false),
            Some(b) => Err(format!(
                "`{}` after the end of the JSON array; a spend-log export is one array",
                char::from(b)
            )),
        }
    }

    /// The next byte, which must be one of `allowed`.
    fn expect(&mut self, allowed: &[u8]) -> Result<u8, String> {
        let shown = |b: &[u8]| {
            b.iter()
                .map(|c| format!("`{}`", char::from(*c)))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match self.bytes.next().map_err(|e| e.to_string())? {
            Some(b) if allowed.contains(&b) => Ok(b),
            Some(b) => Err(format!(
                "expected {} in the JSON array, found `{}`",
                shown(allowed),
                char::from(b)
            )),
            None => Err(format!(
                "the JSON array ends early: expected {}",
                shown(allowed)
            )),
        }
    }
}

impl RowSource for JsonArrayRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        if self.state == State::Done {
            return None;
        }
        let unreadable = |line, message| {
            Some(Err(TraceError::Unreadable {
                path: path.to_string(),
                line,
                message,
            }))
        };
        match self.step() {
            Ok(true) => {}
            Ok(false) => return None,
            Err(m) => {
                self.state = State::Done;
                return unreadable(self.bytes.line, m);
            }
        }
        let line = self.bytes.line;
        self.elements += 1;
        let element = self.elements;
        let raw = match Box::<RawValue>::deserialize(&mut serde_json::Deserializer::from_reader(
            &mut self.bytes,
        )) {
            Ok(raw) => raw,
            Err(e) => {
                self.state = State::Done;
                return unreadable(line, format!("element {element} is not valid JSON: {e}"));
            }
        };
        if raw
            .get()
            .starts_with(|c: char| c == '-' || c.is_ascii_digit())
        {
            // Reading a number consumed the byte after it: the array cannot be followed on.
            self.state = State::Done;
            return unreadable(
                line,
                format!("element {element} is a number, not a spend-log object"),
            );
        }
        Some(
            JsonRow::parse(raw.get())
                .and_then(|o| litellm::json_record(&o, line))
                .map(|r| *out = r)
                .map_err(|m| TraceError::row(path, line, format!("element {element}: {m}"))),
        )
    }
}

/// Bytes read one at a time from a buffer, counting lines.
struct Lines {
    inner: BufReader<Box<dyn Read>>,
    /// The 1-based line of the next byte.
    line: u64,
}

impl Lines {
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }

    fn next(&mut self) -> std::io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.inner.consume(1);
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn skip_space(&mut self) -> std::io::Result<()> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                break;
            }
            self.next()?;
        }
        Ok(())
    }
}

impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}
