//! A CSV trace split into pieces that threads read at once ([`CsvChunks`]), for commands whose
//! per-row work can be merged afterwards (`audit`).
//!
//! A file is split only when that is safe and gives the rows a sequential read gives: a regular
//! file (not a pipe, not a directory), not compressed, of a CSV format, with no `"` anywhere
//! (a quoted field may hold a line break, and a piece must start at a row) and without
//! `prefix_hashes` (whose reuse depends on every earlier row). The file is cut at line breaks
//! near equal offsets; a first parallel pass counts each piece's line breaks, so every row
//! keeps its line number in messages, and checks for quotes. The SHA-256 of the file is then
//! taken in a pass of its own, beside the pieces.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::TraceFormat;
use super::csv_stream::CsvRows;
use super::detect::format_of;
use super::error::TraceError;
use super::parquet_file::ParquetPieces;
use super::reader::TraceReader;
use super::source::Source;

/// Pieces are about this many bytes: large enough that a piece's setup is nothing, small
/// enough that threads share the work evenly. The cut depends on the file alone, not on the
/// number of threads, so a result does not depend on it either (sums are merged in file order).
pub const PIECE_BYTES: u64 = 16 << 20;

/// A trace file cut into pieces that threads read at once: a CSV file at line breaks, a Parquet
/// file by row groups.
pub enum Pieces {
    /// A CSV file's pieces.
    Csv(CsvChunks),
    /// A Parquet file's row groups.
    Parquet(ParquetPieces),
}

impl Pieces {
    /// Plan reading `path` in pieces, when it is a CSV file ([`CsvChunks::plan`], pieces of
    /// [`PIECE_BYTES`]) or a Parquet file of several row groups that can be split safely;
    /// `None` otherwise (read it with [`TraceReader::open`]).
    pub fn plan(path: &Path, format: Option<TraceFormat>) -> Result<Option<Pieces>, TraceError> {
        if let Some(p) = ParquetPieces::plan(path, format)? {
            return Ok(Some(Pieces::Parquet(p)));
        }
        Ok(CsvChunks::plan(path, format, PIECE_BYTES)?.map(Pieces::Csv))
    }

    /// The number of pieces.
    pub fn len(&self) -> usize {
        match self {
            Pieces::Csv(c) => c.len(),
            Pieces::Parquet(p) => p.len(),
        }
    }

    /// Whether there are no pieces (never: a plan has at least two).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The trace's format.
    pub fn format(&self) -> TraceFormat {
        match self {
            Pieces::Csv(c) => c.format(),
            Pieces::Parquet(p) => p.format(),
        }
    }

    /// The file, as given.
    pub fn path(&self) -> &str {
        match self {
            Pieces::Csv(c) => c.path(),
            Pieces::Parquet(p) => p.path(),
        }
    }

    /// A reader of piece `i`'s rows, numbered as in the whole file.
    pub fn reader(&self, i: usize) -> Result<TraceReader, TraceError> {
        match self {
            Pieces::Csv(c) => c.reader(i),
            Pieces::Parquet(p) => Ok(TraceReader::from_parquet_rows(p.path(), p.rows(i)?)),
        }
    }

    /// The SHA-256 of the whole file.
    pub fn sha256(&self) -> Result<String, TraceError> {
        match self {
            Pieces::Csv(c) => c.sha256(),
            Pieces::Parquet(p) => p.sha256(),
        }
    }
}

/// A CSV trace cut into pieces at line breaks.
pub struct CsvChunks {
    path: PathBuf,
    display: String,
    format: TraceFormat,
    meanings: Vec<Option<usize>>,
    names: Vec<String>,
    /// (start, end, line breaks before start) of each piece, in file order.
    pieces: Vec<(u64, u64, u64)>,
}

impl CsvChunks {
    /// Plan reading `path` in pieces of about `piece_bytes` ([`PIECE_BYTES`]); `None` when it
    /// cannot be split safely or is shorter than two pieces (read it with
    /// [`TraceReader::open`]). Errors are those opening the file would give.
    pub fn plan(
        path: &Path,
        format: Option<TraceFormat>,
        piece_bytes: u64,
    ) -> Result<Option<CsvChunks>, TraceError> {
        let display = path.display().to_string();
        let io = |e| TraceError::io(&display, e);
        if path.as_os_str() == "-" || piece_bytes == 0 {
            return Ok(None);
        }
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(None);
        };
        if !meta.is_file() || meta.len() < 2 * piece_bytes {
            return Ok(None);
        }
        let mut file = BufReader::new(File::open(path).map_err(io)?);
        let head = file.fill_buf().map_err(io)?;
        if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Ok(None);
        }
        let mut first = Vec::new();
        file.read_until(b'\n', &mut first).map_err(io)?;
        let header_end = first.len() as u64;
        let first_text = String::from_utf8_lossy(&first).trim().to_string();
        // A file no text format recognises is read as one stream, which says what it is.
        let Ok(format) = format_of(&display, &first_text, format) else {
            return Ok(None);
        };
        if !matches!(
            format,
            TraceFormat::NativeCsv | TraceFormat::Azure | TraceFormat::BurstGpt
        ) {
            return Ok(None);
        }
        // The header as the sequential reader reads it (its errors included).
        let rows = CsvRows::open(&display, format, Box::new(std::io::Cursor::new(first)))?;
        let (meanings, names) = rows.header();
        if names.iter().any(|n| n == "prefix_hashes") {
            return Ok(None);
        }
        let cuts = cuts(path, header_end, meta.len(), piece_bytes).map_err(io)?;
        if cuts.len() < 3 {
            return Ok(None);
        }
        // Line breaks and quotes of each piece, at once.
        let scans: Vec<std::io::Result<(u64, bool)>> = cuts
            .par_windows(2)
            .map(|w| scan(path, w[0], w[1]))
            .collect();
        let mut pieces = Vec::with_capacity(cuts.len() - 1);
        let mut lines = 1u64;
        for (w, s) in cuts.windows(2).zip(scans) {
            let (breaks, quoted) = s.map_err(io)?;
            if quoted {
                return Ok(None);
            }
            pieces.push((w[0], w[1], lines));
            lines += breaks;
        }
        Ok(Some(CsvChunks {
            path: path.to_path_buf(),
            display,
            format,
            meanings,
            names,
            pieces,
        }))
    }

    /// The number of pieces.
    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    /// Whether there are no pieces (never: a plan has at least two).
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The trace's format.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// The file, as given.
    pub fn path(&self) -> &str {
        &self.display
    }

    /// A reader of piece `i`'s rows, numbered by their lines in the file. Its `sha256` is not
    /// the file's: see [`CsvChunks::sha256`].
    pub fn reader(&self, i: usize) -> Result<TraceReader, TraceError> {
        let (start, end, lines) = self.pieces[i];
        let io = |e| TraceError::io(&self.display, e);
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        let text = Source::new(Box::new(file.take(end - start)));
        let rows = CsvRows::headless(
            Box::new(text),
            self.meanings.clone(),
            self.names.clone(),
            lines,
        );
        Ok(TraceReader::from_csv_rows(&self.display, self.format, rows))
    }

    /// The SHA-256 of the whole file (lowercase hex), read in one pass.
    pub fn sha256(&self) -> Result<String, TraceError> {
        super::source::hash_file(&self.path).map_err(|e| TraceError::io(&self.display, e))
    }
}

/// Offsets cutting the rows of a file of `len` bytes, whose header ends at `header_end`, into
/// pieces of about `piece_bytes`, each cut just after a line break.
fn cuts(path: &Path, header_end: u64, len: u64, piece_bytes: u64) -> std::io::Result<Vec<u64>> {
    let body = len - header_end;
    let n = (body / piece_bytes).max(1);
    let mut out = vec![header_end];
    let mut file = BufReader::new(File::open(path)?);
    let mut skipped = Vec::new();
    for i in 1..n {
        let at = header_end + body * i / n;
        if at <= *out.last().unwrap_or(&0) {
            continue;
        }
        file.seek(SeekFrom::Start(at))?;
        skipped.clear();
        let read = file.read_until(b'\n', &mut skipped)? as u64;
        let cut = at + read;
        if cut < len && cut > *out.last().unwrap_or(&0) {
            out.push(cut);
        }
    }
    out.push(len);
    Ok(out)
}

/// The line breaks of bytes `start..end` of `path`, and whether they hold a `"`.
fn scan(path: &Path, start: u64, end: u64) -> std::io::Result<(u64, bool)> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut piece = file.take(end - start);
    let mut buf = vec![0u8; 1 << 20];
    let (mut breaks, mut quoted) = (0u64, false);
    loop {
        let n = piece.read(&mut buf)?;
        if n == 0 {
            break;
        }
        breaks += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        quoted |= memchr::memchr(b'"', &buf[..n]).is_some();
    }
    Ok((breaks, quoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file cut into pieces gives the rows, lines included, of the file read whole; files
    /// with quotes or prefix hashes, or compressed, are not cut.
    #[test]
    fn pieces_read_as_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = String::from("timestamp,input_tokens,output_tokens,endpoint\n");
        let mut n = 0;
        let piece = 64 << 10;
        while text.len() < 3 * piece as usize + 1000 {
            text.push_str(&format!(
                "{},{},{},ep{}\n",
                1000 + n,
                n % 977,
                n % 13,
                n % 7
            ));
            if n % 1000 == 0 {
                text.push('\n');
            }
            n += 1;
        }
        std::fs::write(&path, &text).unwrap();
        let whole: Vec<_> = TraceReader::open(&path, None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let plan = CsvChunks::plan(&path, None, piece).unwrap().unwrap();
        assert_eq!(plan.len(), 3, "pieces of about `piece` bytes");
        let mut pieces = Vec::new();
        for i in 0..plan.len() {
            pieces.extend(plan.reader(i).unwrap().map(|r| r.unwrap()));
        }
        assert_eq!(pieces.len(), whole.len());
        assert!(pieces == whole, "rows and lines as read whole");
        let mut sequential = TraceReader::open(&path, None).unwrap();
        while sequential.read_into(&mut Default::default()).is_some() {}
        assert_eq!(plan.sha256().unwrap(), sequential.sha256());

        let quoted = dir.path().join("q.csv");
        std::fs::write(&quoted, text.replacen("ep1\n", "\"ep1\"\n", 1)).unwrap();
        assert!(CsvChunks::plan(&quoted, None, piece).unwrap().is_none());
        let small = dir.path().join("s.csv");
        std::fs::write(&small, &text[..1000]).unwrap();
        assert!(CsvChunks::plan(&small, None, piece).unwrap().is_none());
        assert!(CsvChunks::plan(&path, None, 0).unwrap().is_none());
    }
}
