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
//! A JSON array (LiteLLM's `/spend/logs` export) is recognised by its first byte, before any
//! line is read, and read element by element. A `postgres://` or `postgresql://` URL given
//! where a trace goes ([`TraceReader::open_arg`]) reads LiteLLM's spend-log table through a
//! cursor; its name in messages and reports is the URL without the password.
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
use super::json_array::JsonArrayRows;
use super::jsonl::JsonlRows;
use super::otlp::{OtlpRows, is_framed_proto, is_otlp_json, read_full};
use super::pages;
use super::postgres::{DatabaseQuery, PgRows, is_postgres_url, redact, url_scheme};
use super::record::TraceRecord;
use super::row_source::RowSource;
use super::source::{Hash, Hashed, MAX_LINE_BYTES, Source};
use super::text_rows::TextRows;
use super::usage_report::UsageRows;
use super::{helicone, langfuse, parquet_file};

/// The most files a directory may hold: each is open while the directory is read.
pub const MAX_DIRECTORY_FILES: usize = 512;

/// OpenTelemetry spans (implemented here so that `otlp` does not import the reader).
impl RowSource for OtlpRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        OtlpRows::read_into(self, path, out)
    }

    fn ignored(&self) -> Vec<(String, u64)> {
        OtlpRows::ignored(self)
    }
}

impl RowSource for TextRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        TextRows::read_into(self, path, out)
    }

    fn ignored(&self) -> Vec<(String, u64)> {
        TextRows::ignored(self)
    }
}

impl RowSource for parquet_file::ParquetRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        parquet_file::ParquetRows::read_into(self, path, out)
    }

    fn ignored(&self) -> Vec<(String, u64)> {
        parquet_file::ParquetRows::ignored(self)
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
        let mut file = File::open(path).map_err(|e| TraceError::io(&display, e))?;
        // A pipe or FIFO cannot seek back: it goes to `from_reader`, which names Parquet.
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        if regular
            && parquet_file::is_parquet(&mut file).map_err(|e| TraceError::io(&display, e))?
        {
            let hash = Hash::default();
            let rows = parquet_file::open(file, &display, format, &hash)?;
            return Ok(TraceReader {
                path: display,
                format: rows.format(),
                inner: Inner::Rows(Box::new(rows)),
                line: 1,
                hash,
                endpoint_from: None,
            });
        }
        if format == Some(TraceFormat::NativeParquet) {
            return Err(TraceError::Parquet {
                path: display,
                message: "not a Parquet file (it does not start with PAR1); native-parquet reads \
                          Parquet files, native-csv and native-jsonl the text ones"
                    .to_string(),
            });
        }
        TraceReader::from_reader(&display, Box::new(file), format)
    }

    /// Open the trace argument `arg`: a `postgres://` or `postgresql://` URL (LiteLLM's
    /// spend-log table, read as `query` says), else a path as [`TraceReader::open`] takes it.
    /// `query`'s settings apply to a database only: given with a file they are an error, as is
    /// a URL of another scheme.
    pub fn open_arg(
        arg: &Path,
        format: Option<TraceFormat>,
        query: &DatabaseQuery,
    ) -> Result<TraceReader, TraceError> {
        let text = arg.to_string_lossy();
        if is_postgres_url(&text) {
            return TraceReader::open_postgres(&text, format, query);
        }
        if let Some(scheme) = url_scheme(&text)
            && !arg.exists()
        {
            return Err(TraceError::Database {
                url: redact(&text),
                message: format!(
                    "a trace is a file, a directory, `-` or a postgres:// URL (LiteLLM's spend \
                     logs); `{scheme}://` is not read"
                ),
                unreachable: false,
            });
        }
        if query.is_set() {
            return Err(TraceError::Directory {
                path: text.to_string(),
                message: "--since, --until and --table apply to a postgres:// trace only (a \
                          file is read whole)"
                    .to_string(),
            });
        }
        TraceReader::open(arg, format)
    }

    /// LiteLLM's spend logs from the Postgres database at `url`.
    fn open_postgres(
        url: &str,
        format: Option<TraceFormat>,
        query: &DatabaseQuery,
    ) -> Result<TraceReader, TraceError> {
        if let Some(f) = format
            && f != TraceFormat::LiteLlm
        {
            return Err(TraceError::Database {
                url: redact(url),
                message: format!(
                    "--trace-format {f}: a database holds LiteLLM spend logs (--trace-format \
                     litellm, or none)"
                ),
                unreachable: false,
            });
        }
        let hash = Hash::default();
        let rows = PgRows::open(url, query, hash.clone())?;
        Ok(TraceReader {
            path: redact(url),
            format: TraceFormat::LiteLlm,
            inner: Inner::Rows(Box::new(rows)),
            line: 0,
            hash,
            endpoint_from: None,
        })
    }

    /// Read a trace from `source`, named `name` in messages, detecting its format from the
    /// first line unless `format` is given. A JSON array is read as LiteLLM spend logs (the
    /// only format that is one), element by element.
    pub fn from_reader(
        name: &str,
        source: Box<dyn Read>,
        format: Option<TraceFormat>,
    ) -> Result<TraceReader, TraceError> {
        let hash = Hash::default();
        let mut decoded = decompress(name, Hashed::new(source, hash.clone()))?;
        // The first bytes decide the OTLP formats, which are not read as lines of text: a
        // protobuf file has none, and an OTLP/JSON line is a whole batch.
        let mut peek = vec![0u8; 64];
        let got = read_full(&mut decoded, &mut peek).map_err(|e| TraceError::io(name, e))?;
        peek.truncate(got);
        let otlp = match format {
            Some(f @ (TraceFormat::OtlpJson | TraceFormat::OtlpProto)) => Some(f),
            Some(_) => None,
            None if is_framed_proto(&peek) => Some(TraceFormat::OtlpProto),
            None if is_otlp_json(&peek) => Some(TraceFormat::OtlpJson),
            None => None,
        };
        if peek.starts_with(parquet_file::MAGIC) || format == Some(TraceFormat::NativeParquet) {
            return Err(parquet_needs_a_file(name));
        }
        if matches!(format, None | Some(TraceFormat::LiteLlm)) && json_array(&peek) {
            let bytes: Box<dyn Read> = Box::new(std::io::Cursor::new(peek).chain(decoded));
            return Ok(TraceReader {
                path: name.to_string(),
                format: TraceFormat::LiteLlm,
                inner: Inner::Rows(Box::new(JsonArrayRows::new(BufReader::with_capacity(
                    1 << 16,
                    bytes,
                )))),
                line: 0,
                hash,
                endpoint_from: None,
            });
        }
        let bytes = std::io::Cursor::new(peek).chain(decoded);
        if let Some(format) = otlp {
            let rows = match format {
                TraceFormat::OtlpProto => OtlpRows::proto(Box::new(bytes)),
                _ => OtlpRows::json(Box::new(BufReader::with_capacity(1 << 16, bytes))),
            };
            return Ok(TraceReader {
                path: name.to_string(),
                format,
                inner: Inner::Rows(Box::new(rows)),
                line: 1,
                hash,
                endpoint_from: None,
            });
        }
        let source = Source::new(Box::new(bytes));
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
        // front of the rest; the CSV reader buffers what it reads itself.
        let reader = std::io::Cursor::new(head).chain(text);
        let inner = match format {
            TraceFormat::NativeJsonl | TraceFormat::Mooncake => Inner::Jsonl(JsonlRows::new(
                Box::new(BufReader::with_capacity(1 << 16, reader)),
            )),
            // An OTLP/JSON first line that the first bytes did not show (another key first).
            TraceFormat::OtlpJson | TraceFormat::OtlpProto => Inner::Rows(Box::new(
                OtlpRows::json(Box::new(BufReader::with_capacity(1 << 16, reader))),
            )),
            // LiteLLM's JSON lines: a first line that is an object.
            TraceFormat::LiteLlm if first.trim_start_matches('\u{feff}').starts_with('{') => {
                Inner::Jsonl(JsonlRows::new(Box::new(BufReader::with_capacity(
                    1 << 16,
                    reader,
                ))))
            }
            TraceFormat::NativeCsv
            | TraceFormat::Azure
            | TraceFormat::BurstGpt
            | TraceFormat::LiteLlm => Inner::Csv(CsvRows::open(name, format, Box::new(reader))?),
            TraceFormat::Langfuse | TraceFormat::Helicone => {
                let text = if format == TraceFormat::Langfuse {
                    &langfuse::TEXT
                } else {
                    &helicone::TEXT
                };
                let reader = BufReader::with_capacity(1 << 16, reader);
                Inner::Rows(Box::new(TextRows::open(
                    name,
                    &first,
                    Box::new(reader),
                    text,
                )?))
            }
            TraceFormat::NativeParquet => return Err(parquet_needs_a_file(name)),
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

    /// A reader of a Parquet file's rows already opened (a row group, see `chunks`): no digest.
    pub(super) fn from_parquet_rows(name: &str, rows: parquet_file::ParquetRows) -> TraceReader {
        TraceReader {
            path: name.to_string(),
            format: rows.format(),
            inner: Inner::Rows(Box::new(rows)),
            line: 1,
            hash: Hash::default(),
            endpoint_from: None,
        }
    }

    /// A reader of CSV rows already opened (a piece of a file, see `chunks`): no digest.
    pub(super) fn from_csv_rows(name: &str, format: TraceFormat, rows: CsvRows) -> TraceReader {
        TraceReader {
            path: name.to_string(),
            format,
            inner: Inner::Csv(rows),
            line: 1,
            hash: Hash::default(),
            endpoint_from: None,
        }
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

/// The error for Parquet read from a stream (standard input, a pipe, a compressed file).
fn parquet_needs_a_file(name: &str) -> TraceError {
    TraceError::Parquet {
        path: name.to_string(),
        message: "Parquet is read from a file: its index is at the end of the file, so it \
                  cannot be read from standard input, a pipe or a compressed file; give the \
                  uncompressed .parquet file's path"
            .to_string(),
    }
}

/// Whether the first bytes of a trace (`peek`) start a JSON array (after a byte-order mark and
/// whitespace): LiteLLM's `/spend/logs` export.
fn json_array(peek: &[u8]) -> bool {
    let head = peek.strip_prefix(b"\xef\xbb\xbf").unwrap_or(peek);
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
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
fn decompress(name: &str, mut file: Hashed) -> Result<Box<dyn Read>, TraceError> {
    // The magic bytes are peeked into a small buffer put back in front: a plain file is then
    // read straight through, with no buffer of its own before the text reader's.
    let mut magic = vec![0u8; ZSTD_MAGIC.len()];
    let got = read_full(&mut file, &mut magic).map_err(|e| TraceError::io(name, e))?;
    magic.truncate(got);
    let compressed = magic.starts_with(&GZIP_MAGIC) || magic.starts_with(&ZSTD_MAGIC);
    let is_zstd = magic.starts_with(&ZSTD_MAGIC);
    let bytes = std::io::Cursor::new(magic).chain(file);
    if !compressed {
        return Ok(Box::new(bytes));
    }
    let buffered = BufReader::with_capacity(1 << 16, bytes);
    if is_zstd {
        let decoder = zstd::stream::read::Decoder::with_buffer(buffered)
            .map_err(|e| TraceError::io(name, e))?;
        Ok(Box::new(decoder))
    } else {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
    }
}
