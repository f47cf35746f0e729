//! Streaming a CSV trace: its header once, then each row as bytes, checked to be UTF-8 and
//! numbered by line.
//!
//! Rows are read into one reused `csv::ByteRecord` and checked to be UTF-8 once per row (one
//! pass when the row is ASCII); a row that is not is an error naming the column (1-based, and
//! its header). What the cells mean is `csv_row`'s.

use std::io::Read;

use super::TraceFormat;
use super::columns;
use super::csv_row::fill_csv;
use super::error::TraceError;
use super::record::TraceRecord;

/// The open CSV rows of a trace.
pub(super) struct CsvRows {
    reader: csv::Reader<Box<dyn Read>>,
    record: csv::ByteRecord,
    /// What each column of the file is (a `col` index), if used.
    meanings: Vec<Option<usize>>,
    /// The header's names, trimmed, to name a column in a message.
    names: Vec<String>,
    /// Lines of the file before the bytes this reads (a chunk of a file read in parallel):
    /// added to csv's line count.
    line_offset: u64,
}

impl CsvRows {
    /// Read the header of the `format` file `path` from `file` and check it has the columns
    /// the format needs.
    pub(super) fn open(
        path: &str,
        format: TraceFormat,
        file: Box<dyn Read>,
    ) -> Result<CsvRows, TraceError> {
        let header_err = |message| TraceError::Header {
            path: path.to_string(),
            message,
        };
        // A buffer as large as the file reader's: csv then reads the file straight into its
        // own, past the file reader's.
        let mut reader = csv::ReaderBuilder::new()
            .buffer_capacity(1 << 16)
            .has_headers(true)
            .flexible(false)
            .from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| csv_error(path, e, header_err))?
            .clone();
        let meanings = columns::meanings(format, &headers).map_err(header_err)?;
        Ok(CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            meanings,
            names: headers.iter().map(|h| h.trim().to_string()).collect(),
            line_offset: 0,
        })
    }

    /// The rows of `file`, a piece of a CSV file without its header, after `line_offset`
    /// lines of the file; `meanings` and `names` are the header's (see [`CsvRows::open`]).
    pub(super) fn headless(
        file: Box<dyn Read>,
        meanings: Vec<Option<usize>>,
        names: Vec<String>,
        line_offset: u64,
    ) -> CsvRows {
        let reader = csv::ReaderBuilder::new()
            .buffer_capacity(1 << 16)
            .has_headers(false)
            .flexible(false)
            .from_reader(file);
        CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            meanings,
            names,
            line_offset,
        }
    }

    /// What each column means and the header's names, to read other pieces of the file.
    pub(super) fn header(&self) -> (Vec<Option<usize>>, Vec<String>) {
        (self.meanings.clone(), self.names.clone())
    }

    /// Read the next row into `out`; `line` is the last row's line and becomes this one's.
    /// `None` at the end of the file.
    #[inline]
    pub(super) fn read_into(
        &mut self,
        format: TraceFormat,
        path: &str,
        line: &mut u64,
        out: &mut TraceRecord,
    ) -> Option<Result<(), TraceError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                *line = next_line(self.record.position(), self.line_offset, *line);
                let r = match row_text(&self.record) {
                    Some(text) => fill_csv(format, &self.record, text, &self.meanings, *line, out),
                    None => Err(utf8_message(&self.record, &self.names)),
                };
                Some(r.map_err(|m| TraceError::row(path, *line, m)))
            }
            Err(e) => {
                *line = next_line(e.position(), self.line_offset, *line);
                let at = *line;
                Some(Err(csv_error(path, e, |m| TraceError::row(path, at, m))))
            }
        }
    }
}

/// The trace error of a csv error: reading failed or a line was too long (not a row to skip),
/// else what `not_io` makes of csv's message (of text that is not UTF-8, naming the column
/// 1-based, where csv counts fields from 0).
fn csv_error(path: &str, e: csv::Error, not_io: impl FnOnce(String) -> TraceError) -> TraceError {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => TraceError::io(path, io),
        csv::ErrorKind::Utf8 { err, .. } => {
            not_io(not_utf8(err.field() + 1, None, err.valid_up_to()))
        }
        _ => not_io(message),
    }
}

/// The line of a row at `position` (csv's count from the reader's start, after `offset` lines
/// of the file), the row after the one at `last`. The csv crate under-counts lines of CRLF
/// files: take the larger of its count (right with quoted newlines) and one line per record.
#[inline]
fn next_line(position: Option<&csv::Position>, offset: u64, last: u64) -> u64 {
    (position.map(|p| p.line()).unwrap_or(0) + offset).max(last + 1)
}

/// The row's bytes as text when every field is UTF-8 (as csv checks it: field by field, unless
/// the row is ASCII, the common case).
#[inline]
fn row_text(rec: &csv::ByteRecord) -> Option<&str> {
    let text = std::str::from_utf8(rec.as_slice()).ok()?;
    (text.is_ascii() || rec.iter().all(|f| std::str::from_utf8(f).is_ok())).then_some(text)
}

/// What is wrong with a row that is not UTF-8: its first such cell, by column (`names`: the
/// header's).
#[cold]
fn utf8_message(rec: &csv::ByteRecord, names: &[String]) -> String {
    let (field, valid_up_to) = rec
        .iter()
        .enumerate()
        .find_map(|(i, f)| std::str::from_utf8(f).err().map(|e| (i, e.valid_up_to())))
        .unwrap_or((0, 0));
    not_utf8(field + 1, names.get(field).map(String::as_str), valid_up_to)
}

/// Column `column` (1-based, named `name` when known) is not UTF-8 from byte `valid_up_to` of
/// its cell.
fn not_utf8(column: usize, name: Option<&str>, valid_up_to: usize) -> String {
    let name = name.map(|n| format!(" (`{n}`)")).unwrap_or_default();
    format!(
        "column {column}{name} is not UTF-8 text (a bad byte after the cell's first \
         {valid_up_to} bytes); save the trace as UTF-8"
    )
}

#[cfg(test)]
mod tests {
    use super::super::TraceReader;
    use super::*;

    /// Every row of a CSV file, or its error message.
    fn rows(bytes: &[u8]) -> Vec<Result<TraceRecord, String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        TraceReader::open(&path, None)
            .unwrap()
            .map(|r| r.map_err(|e| e.to_string().replace(&*path.to_string_lossy(), "t.csv")))
            .collect()
    }

    #[test]
    fn cells_are_trimmed_and_counts_parsed_as_str_does() {
        let got = rows(
            "timestamp,input_tokens,output_tokens,session_id,endpoint\n\
             1000,10,5,s1,chat\n\
             \t2000 , +10 ,5.0,\u{a0}s2\u{a0}, chat\u{2003}\n\
             3000,1e1,100000000,,\n\
             9223372036854775807,0012,5,s,c\n\
             9223372036854775808,1,1,s,c\n\
             4000,99999999999999999999,5,s,c\n\
             5000,\u{663},5,s,c\n"
                .as_bytes(),
        );
        let ok = |i: usize| got[i].as_ref().unwrap();
        assert_eq!(
            (ok(0).time_ms, ok(0).input_tokens, ok(0).output_tokens),
            (1000, 10, 5)
        );
        assert_eq!(ok(0).session_id.as_deref(), Some("s1"));
        // Unicode whitespace is trimmed, `+` and whole floats are counts.
        assert_eq!(
            (ok(1).time_ms, ok(1).input_tokens, ok(1).output_tokens),
            (2000, 10, 5)
        );
        assert_eq!(ok(1).session_id.as_deref(), Some("s2"));
        assert_eq!(ok(1).endpoint.as_deref(), Some("chat"));
        // Whole floats are counts, up to the largest a row may hold; empty cells are absent.
        assert_eq!((ok(2).input_tokens, ok(2).output_tokens), (10, 100_000_000));
        assert_eq!(
            (ok(2).session_id.as_ref(), ok(2).endpoint.as_ref()),
            (None, None)
        );
        // The largest integer parses, and is then refused as a date after the year 3000.
        assert!(
            got[3]
                .as_ref()
                .unwrap_err()
                .starts_with("t.csv:5: timestamp 9223372036854775807 ms lies after the year 3000"),
            "{:?}",
            got[3]
        );
        assert_eq!(
            got[4].as_ref().unwrap_err(),
            "t.csv:6: timestamp: expected RFC 3339 (2026-01-05T09:30:00Z) or integer milliseconds, got \"9223372036854775808\""
        );
        assert_eq!(
            got[5].as_ref().unwrap_err(),
            "t.csv:7: input_tokens: expected a whole number of tokens >= 0, got \"99999999999999999999\""
        );
        assert_eq!(
            got[6].as_ref().unwrap_err(),
            "t.csv:8: input_tokens: expected a whole number of tokens >= 0, got \"\u{663}\""
        );
    }

    #[test]
    fn text_that_is_not_utf8_names_the_column() {
        // A bad byte in any column names it, 1-based with its header, and the rows after it
        // are read.
        let bytes = b"timestamp,input_tokens,output_tokens,session_id,endpoint\n\
            1000,10,5,s\xff,chat\n\
            1000,10,5,a\xc3,\xa9b\n\
            2000,10,5,s\xc3\xa9,chat\n";
        let got = rows(bytes);
        assert_eq!(
            got[0].as_ref().unwrap_err(),
            "t.csv:2: column 4 (`session_id`) is not UTF-8 text (a bad byte after the cell's \
             first 1 bytes); save the trace as UTF-8"
        );
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .starts_with("t.csv:3: column 4 (`session_id`) is not UTF-8 text"),
            "{:?}",
            got[1]
        );
        assert_eq!(
            got[2].as_ref().unwrap().session_id.as_deref(),
            Some("s\u{e9}")
        );
        // A header that is not UTF-8 names its column too.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(
            &path,
            b"timestamp,input_tokens,output_tokens,\xffx\n1000,10,5,s\n",
        )
        .unwrap();
        let e = TraceReader::open(&path, None).err().unwrap().to_string();
        assert_eq!(
            e.replace(&*path.to_string_lossy(), "t.csv"),
            "t.csv:1: column 4 is not UTF-8 text (a bad byte after the cell's first 0 bytes); \
             save the trace as UTF-8"
        );
    }
}
