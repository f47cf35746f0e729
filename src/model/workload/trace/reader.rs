//! [`TraceReader`]: opening a trace file (detecting its format unless told) and streaming its
//! records, whichever encoding it has.
//!
//! The reader holds the file's name, its format and the last line read, and hands each row to
//! the CSV or JSON-lines stream; nothing is held but the current row.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::TraceFormat;
use super::csv_stream::CsvRows;
use super::detect::format_of;
use super::error::TraceError;
use super::jsonl::JsonlRows;
use super::record::TraceRecord;

/// The rows of a file, by encoding.
enum Inner {
    Csv(CsvRows),
    Jsonl(JsonlRows),
}

/// Streams the records of a trace file.
pub struct TraceReader {
    path: String,
    format: TraceFormat,
    inner: Inner,
    line: u64,
}

impl TraceReader {
    /// Open `path`, detecting its format unless `format` is given.
    pub fn open(path: &Path, format: Option<TraceFormat>) -> Result<TraceReader, TraceError> {
        let display = path.display().to_string();
        let io = |source| TraceError::Io {
            path: display.clone(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let first = first_line(&mut reader).map_err(io)?;
        let format = format_of(&display, &first, format)?;
        let inner = match format {
            TraceFormat::NativeJsonl | TraceFormat::Mooncake => {
                Inner::Jsonl(JsonlRows::new(Box::new(reader)))
            }
            _ => Inner::Csv(CsvRows::open(&display, format, Box::new(reader))?),
        };
        Ok(TraceReader {
            path: display,
            format,
            inner,
            line: 1,
        })
    }

    /// The format being read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// The file being read, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Read the next row into `out`, reusing its buffers: the fast way to stream a trace.
    /// `None` at the end of the file.
    pub fn read_into(&mut self, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.read_into(self.format, &self.path, &mut self.line, out),
            Inner::Jsonl(rows) => rows.read_into(self.format, &self.path, &mut self.line, out),
        }
    }
}

impl Iterator for TraceReader {
    type Item = Result<TraceRecord, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut r = TraceRecord::default();
        self.read_into(&mut r).map(|res| res.map(|()| r))
    }
}

/// The first line of `reader`, trimmed, without consuming it (lossy if it is not UTF-8).
fn first_line(reader: &mut BufReader<File>) -> std::io::Result<String> {
    let buf = reader.fill_buf()?;
    let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).trim().to_string())
}
