//! [`TraceReader`]: opening a trace file (detecting its format unless told) and streaming its
//! records, whichever encoding it has.
//!
//! The reader holds the file's name, its format and the last line read, and hands each row to
//! the CSV or JSON-lines stream; nothing is held but the current row.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::TraceFormat;
use super::csv_stream::CsvRows;
use super::detect::format_of;
use super::error::TraceError;
use super::jsonl::JsonlRows;
use super::record::TraceRecord;
use super::source::{Hash, Source};

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
    hash: Hash,
}

impl TraceReader {
    /// Open `path` (`-` for standard input), detecting its format unless `format` is given.
    /// The file is read once, as the rows are: a pipe or `<(...)` works.
    pub fn open(path: &Path, format: Option<TraceFormat>) -> Result<TraceReader, TraceError> {
        if path.as_os_str() == "-" {
            return TraceReader::from_reader("standard input", Box::new(std::io::stdin()), format);
        }
        let display = path.display().to_string();
        let file = File::open(path).map_err(|e| TraceError::io(&display, e))?;
        TraceReader::from_reader(&display, Box::new(file), format)
    }

    /// Read a trace from `source`, named `name` in messages, detecting its format from the
    /// first line unless `format` is given.
    pub fn from_reader(
        name: &str,
        source: Box<dyn Read>,
        format: Option<TraceFormat>,
    ) -> Result<TraceReader, TraceError> {
        let hash = Hash::default();
        let mut reader = BufReader::with_capacity(1 << 16, Source::new(source, hash.clone()));
        let first = first_line(&mut reader).map_err(|e| TraceError::io(name, e))?;
        let format = format_of(name, &first, format)?;
        let inner = match format {
            TraceFormat::NativeJsonl | TraceFormat::Mooncake => {
                Inner::Jsonl(JsonlRows::new(Box::new(reader)))
            }
            _ => Inner::Csv(CsvRows::open(name, format, Box::new(reader))?),
        };
        Ok(TraceReader {
            path: name.to_string(),
            format,
            inner,
            line: 1,
            hash,
        })
    }

    /// The SHA-256 (lowercase hex) of the bytes read so far: the whole file's once the last
    /// row has been read.
    pub fn sha256(&self) -> String {
        self.hash.hex()
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
fn first_line(reader: &mut BufReader<Source>) -> std::io::Result<String> {
    let buf = reader.fill_buf()?;
    let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).trim().to_string())
}
