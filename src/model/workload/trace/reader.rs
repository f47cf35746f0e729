//! [`TraceReader`]: opening a trace (a file, standard input or a directory of files),
//! detecting its format unless told, and streaming its records, whichever encoding it has.
//!
//! A file compressed with gzip or zstd is decompressed as it is read, recognised by its magic
//! bytes rather than its name (so `logs.csv.gz`, `logs.zst` and a compressed pipe all work).
//! A directory is read as one time-ordered stream: every file in it (hidden files aside, in
//! name order) is opened, all must be of one format, and the rows are merged by timestamp,
//! holding one row per file. Each file must be in time order itself for the merge to be (daily
//! exports are); a file that is not is read as it is, and `replay --sort` sorts the whole.
//!
//! The reader holds the file's name, its format and the last line read, and hands each row to
//! the CSV, JSON-lines or format-specific stream; nothing is held but the current row.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::TraceFormat;
use super::csv_stream::CsvRows;
use super::detect::{detect, document_format, format_of};
use super::error::TraceError;
use super::jsonl::JsonlRows;
use super::pages;
use super::record::TraceRecord;
use super::source::{Hash, Hashed, MAX_LINE_BYTES, Source};
use super::usage_report::UsageRows;

/// The most files a directory may hold: each is open while the directory is read.
pub const MAX_DIRECTORY_FILES: usize = 512;

/// A format-specific stream of records (OTLP, Parquet, a database query, ...): what a format
/// whose rows are not one CSV row or JSON line each implements.
pub(super) trait RowSource {
    /// Read the next record into `out` (its `line` set to the row's place in the source);
    /// `None` at the end. Errors name `path`.
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>>;

    /// Items read and left out because they carry no LLM usage (an HTTP span, a Langfuse
    /// event), by reason, so a report can say how many and why.
    fn ignored(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// A usage report's rows, held in memory (pages are small).
impl RowSource for UsageRows {
    fn read_into(&mut self, _path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        self.next_into(out)
    }

    fn ignored(&self) -> Vec<(String, u64)> {
        UsageRows::ignored(self)
    }
}

/// The rows of a trace, by encoding.
enum Inner {
    Csv(CsvRows),
    Jsonl(JsonlRows),
    Rows(Box<dyn RowSource>),
    Merge(Box<Merge>),
}

/// Streams the records of a trace.
pub struct TraceReader {
    path: String,
    format: TraceFormat,
    inner: Inner,
    line: u64,
    hash: Hash,
    /// The tag whose value is each row's endpoint (`--endpoint-from`).
    endpoint_from: Option<String>,
}

/// The magic bytes of the compressions read.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl TraceReader {
    /// Open `path` (`-` for standard input, or a directory), detecting its format unless
    /// `format` is given. A file is read once, as the rows are: a pipe or `<(...)` works.
    pub fn open(path: &Path, format: Option<TraceFormat>) -> Result<TraceReader, TraceError> {
        if path.as_os_str() == "-" {
            return TraceReader::from_reader("standard input", Box::new(std::io::stdin()), format);
        }
        let display = path.display().to_string();
        if path.is_dir() {
            return TraceReader::open_directory(path, &display, format);
        }
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
        let decoded = decompress(name, Hashed::new(source, hash.clone()))?;
        let source = Source::new(decoded);
        let line_check = source.line_check();
        let mut text = BufReader::with_capacity(1 << 16, source);
        // A document of JSON pages (a provider's usage report) may be one long line: a text
        // opening with `{` is read without the line check, bounded by the document's limit.
        if format.is_none() && binary_start(name, &mut text)? {
            return Err(TraceError::UnknownFormat {
                path: name.to_string(),
                detail: "the first line holds control characters: binary data, not a text trace"
                    .to_string(),
            });
        }
        let paged = format.is_none_or(TraceFormat::is_bucketed) && opens_object(name, &mut text)?;
        if paged {
            line_check.set(false);
        }
        let mut head = Vec::new();
        (&mut text)
            .take(pages::MAX_DOCUMENT_BYTES + 1)
            .read_until(b'\n', &mut head)
            .map_err(|e| TraceError::io(name, e))?;
        let first = String::from_utf8_lossy(&head).trim().to_string();
        let detected = format.or_else(|| detect(&first));
        if (paged && detected.is_none_or(TraceFormat::is_bucketed))
            || detected.is_some_and(TraceFormat::is_bucketed)
        {
            line_check.set(false);
            let document = pages::read_document(name, head, text)?;
            let format = match detected {
                Some(f) => f,
                None => document_format(name, &document)?,
            };
            return Ok(TraceReader {
                path: name.to_string(),
                format,
                inner: Inner::Rows(Box::new(UsageRows::parse(name, format, &document))),
                line: 1,
                hash,
                endpoint_from: None,
            });
        }
        line_check.set(true);
        if head.len() as u64 > MAX_LINE_BYTES {
            return Err(TraceError::LineTooLong {
                path: name.to_string(),
                line: 1,
            });
        }
        let format = format_of(name, &first, format)?;
        // The first line, read whole (a decompressor may hand it over in pieces), goes back in
        // front of the rest.
        let reader = std::io::Cursor::new(head).chain(text);
        let inner = match format {
            TraceFormat::NativeJsonl | TraceFormat::Mooncake => {
                Inner::Jsonl(JsonlRows::new(Box::new(reader)))
            }
            TraceFormat::NativeCsv
            | TraceFormat::Azure
            | TraceFormat::BurstGpt
            | TraceFormat::LiteLlm => Inner::Csv(CsvRows::open(name, format, Box::new(reader))?),
            TraceFormat::OpenAiUsage | TraceFormat::AnthropicUsage => {
                unreachable!("usage reports are read as documents above")
            }
        };
        Ok(TraceReader {
            path: name.to_string(),
            format,
            inner,
            line: 1,
            hash,
            endpoint_from: None,
        })
    }

    /// Every file of the directory `dir`, merged by time.
    fn open_directory(
        dir: &Path,
        display: &str,
        format: Option<TraceFormat>,
    ) -> Result<TraceReader, TraceError> {
        let entries = std::fs::read_dir(dir).map_err(|e| TraceError::io(display, e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| TraceError::io(display, e))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(TraceError::Directory {
                path: display.to_string(),
                message: "the directory holds no trace files (hidden files are not read)"
                    .to_string(),
            });
        }
        if files.len() > MAX_DIRECTORY_FILES {
            return Err(TraceError::Directory {
                path: display.to_string(),
                message: format!(
                    "the directory holds {} files; at most {MAX_DIRECTORY_FILES} are read as one \
                     trace (concatenate or compress older days)",
                    files.len()
                ),
            });
        }
        let mut readers: Vec<TraceReader> = Vec::with_capacity(files.len());
        for f in &files {
            let r = TraceReader::open(f, format)?;
            if let Some(first) = readers.first()
                && first.format != r.format
            {
                return Err(TraceError::Directory {
                    path: display.to_string(),
                    message: format!(
                        "{} is {} but {} is {}; a directory holds files of one format",
                        r.path, r.format, first.path, first.format
                    ),
                });
            }
            readers.push(r);
        }
        let format = readers[0].format;
        let n = readers.len();
        Ok(TraceReader {
            path: display.to_string(),
            format,
            inner: Inner::Merge(Box::new(Merge {
                heads: vec![TraceRecord::default(); n],
                pending: (0..n as u32).rev().collect(),
                heap: BinaryHeap::with_capacity(n),
                readers,
            })),
            line: 1,
            hash: Hash::default(),
            endpoint_from: None,
        })
    }

    /// The SHA-256 (lowercase hex) of the bytes read so far: the whole file's once the last
    /// row has been read (the compressed file's, for a compressed one). For a directory, the
    /// SHA-256 of its `sha256sum` listing: one line `<file's sha256>  <file name>` per file,
    /// in name order.
    pub fn sha256(&self) -> String {
        match &self.inner {
            Inner::Merge(m) => {
                let listing: String = m
                    .readers
                    .iter()
                    .map(|r| {
                        let name = Path::new(&r.path)
                            .file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_default();
                        format!("{}  {name}\n", r.sha256())
                    })
                    .collect();
                crate::model::scenario::hex_sha256(listing.as_bytes())
            }
            _ => self.hash.hex(),
        }
    }

    /// The format being read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// The trace being read, as given (a file or a directory).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The file the row `r` came from: the trace itself, or the file of a directory.
    pub fn path_of(&self, r: &TraceRecord) -> &str {
        match &self.inner {
            Inner::Merge(m) => m
                .readers
                .get(r.file as usize)
                .map_or(self.path.as_str(), |f| f.path.as_str()),
            _ => &self.path,
        }
    }

    /// The file of each `file` index a row can carry: the trace itself, or a directory's
    /// files in name order.
    pub fn file_paths(&self) -> Vec<String> {
        match &self.inner {
            Inner::Merge(m) => m.readers.iter().map(|r| r.path.clone()).collect(),
            _ => vec![self.path.clone()],
        }
    }

    /// Items read and left out because they carry no LLM usage, by reason (summed over a
    /// directory's files).
    pub fn ignored(&self) -> Vec<(String, u64)> {
        match &self.inner {
            Inner::Rows(rows) => rows.ignored(),
            Inner::Merge(m) => {
                let mut all: Vec<(String, u64)> = Vec::new();
                for (reason, n) in m.readers.iter().flat_map(|r| r.ignored()) {
                    match all.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, total)) => *total += n,
                        None => all.push((reason, n)),
                    }
                }
                all
            }
            Inner::Csv(_) | Inner::Jsonl(_) => Vec::new(),
        }
    }

    /// Take each row's endpoint from the tag or property `key` where the row has it
    /// (`--endpoint-from`): a Helicone property, a LiteLLM request tag's key, ...
    pub fn set_endpoint_from(&mut self, key: Option<String>) {
        self.endpoint_from = key;
    }

    /// Read the next row into `out`, reusing its buffers: the fast way to stream a trace.
    /// `None` at the end of the file.
    pub fn read_into(&mut self, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        let res = match &mut self.inner {
            Inner::Csv(rows) => rows.read_into(self.format, &self.path, &mut self.line, out),
            Inner::Jsonl(rows) => rows.read_into(self.format, &self.path, &mut self.line, out),
            Inner::Rows(rows) => rows.read_into(&self.path, out),
            Inner::Merge(m) => m.read_into(out),
        };
        if let (Some(Ok(())), Some(key)) = (&res, &self.endpoint_from) {
            out.endpoint_from_tag(key);
        }
        res
    }
}

impl Iterator for TraceReader {
    type Item = Result<TraceRecord, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut r = TraceRecord::default();
        self.read_into(&mut r).map(|res| res.map(|()| r))
    }
}

/// The files of a directory, merged by time: one row ahead per file, the earliest first (ties
/// in name order).
struct Merge {
    readers: Vec<TraceReader>,
    /// The next row of each file, when it is in `heap`.
    heads: Vec<TraceRecord>,
    /// Files whose next row is still to be read, the next to read last.
    pending: Vec<u32>,
    /// (time, file) of each file's next row.
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Merge {
    fn read_into(&mut self, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        while let Some(&i) = self.pending.last() {
            let head = &mut self.heads[i as usize];
            match self.readers[i as usize].read_into(head) {
                None => {
                    self.pending.pop();
                }
                Some(Ok(())) => {
                    head.file = i;
                    self.heap.push(Reverse((head.time_ms, i)));
                    self.pending.pop();
                }
                // The file stays pending: after a skipped bad row its next row is read.
                Some(Err(e)) => return Some(Err(e)),
            }
        }
        let Reverse((_, i)) = self.heap.pop()?;
        std::mem::swap(out, &mut self.heads[i as usize]);
        self.pending.push(i);
        Some(Ok(()))
    }
}

/// Whether the text's first bytes (up to its first line break) hold control characters: binary
/// data (or `/dev/zero`), said as such before a line is read.
fn binary_start(name: &str, text: &mut impl BufRead) -> Result<bool, TraceError> {
    let head = text.fill_buf().map_err(|e| TraceError::io(name, e))?;
    let line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    Ok(line
        .iter()
        .any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\r')))
}

/// Whether the text opens with `{` (after a byte-order mark and whitespace): a JSON object,
/// perhaps a document of pages.
fn opens_object(name: &str, text: &mut impl BufRead) -> Result<bool, TraceError> {
    let head = text.fill_buf().map_err(|e| TraceError::io(name, e))?;
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    Ok(head
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{'))
}

/// The documents of `path` (a file, or every file of a directory in name order; hidden files
/// aside), decompressed, as `(name, text)`: for reports read whole, such as cost reports.
pub(super) fn read_documents(path: &Path) -> Result<Vec<(String, String)>, TraceError> {
    let display = path.display().to_string();
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| TraceError::io(&display, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| TraceError::io(&display, e))?;
            if !entry.file_name().to_string_lossy().starts_with('.') && entry.path().is_file() {
                files.push(entry.path());
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(TraceError::Directory {
                path: display,
                message: "the directory holds no files (hidden files are not read)".to_string(),
            });
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let f = File::open(&file).map_err(|e| TraceError::io(&name, e))?;
        let decoded = decompress(&name, Hashed::new(Box::new(f), Hash::default()))?;
        let text = pages::read_document(&name, Vec::new(), BufReader::new(decoded))?;
        out.push((name, text));
    }
    Ok(out)
}

/// `file`'s bytes decompressed when they are gzip or zstd (recognised by magic bytes), as they
/// are otherwise.
fn decompress(name: &str, file: Hashed) -> Result<Box<dyn Read>, TraceError> {
    let mut buffered = BufReader::with_capacity(1 << 16, file);
    let head = buffered.fill_buf().map_err(|e| TraceError::io(name, e))?;
    if head.starts_with(&GZIP_MAGIC) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
    } else if head.starts_with(&ZSTD_MAGIC) {
        let decoder = zstd::stream::read::Decoder::with_buffer(buffered)
            .map_err(|e| TraceError::io(name, e))?;
        Ok(Box::new(decoder))
    } else {
        Ok(Box::new(buffered))
    }
}
