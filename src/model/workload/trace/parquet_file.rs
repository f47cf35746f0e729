//! Parquet traces: a Langfuse observations export, or tokencast's native columns.
//!
//! Parquet keeps its schema and row groups' places in a footer at the end of the file, so it is
//! read from a file, not a pipe: the file is first hashed in one pass (reports quote its
//! SHA-256), then only the columns used are read, in record batches of [`BATCH_ROWS`] rows,
//! and each row is handed on as a [`TraceRecord`] (`line` = its 1-based row number). Column
//! types are checked once, when the file is opened. Row groups are read in order; each could be
//! read on its own (`ParquetRecordBatchReaderBuilder::with_row_groups`), which is how reading
//! them in parallel would start.
//!
//! Native columns as Parquet: `timestamp` as timestamp[ms/us/ns] (UTC), int64 milliseconds or an
//! RFC 3339 string; token counts as any integer type; strings as utf8; `batch` as bool;
//! `prefix_hashes` as a string of space-separated ids or list<uint64>.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use arrow_array::{Array, ArrayRef, RecordBatch};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::arrow_cells::{self as cells, Kind};
use super::columns::col;
use super::error::TraceError;
use super::langfuse::{self, Field, Observation, Read as Obs, Usage};
use super::parse::fill_tags;
use super::record::{Segments, TraceRecord, check, set};
use super::source::{Hash, Hashed};
use super::{NATIVE_COLUMNS, TraceFormat};

/// Rows per record batch.
pub(super) const BATCH_ROWS: usize = 1 << 16;

/// The first bytes of every Parquet file.
pub(super) const MAGIC: &[u8; 4] = b"PAR1";

/// Whether the file `file` starts with the Parquet magic; leaves it at its start.
pub(super) fn is_parquet(file: &mut File) -> std::io::Result<bool> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(got == 4 && &head == MAGIC)
}

/// The kind of each native column.
fn native_kind(i: usize) -> Kind {
    match i {
        col::TIME => Kind::Time,
        col::SESSION
        | col::ENDPOINT
        | col::USER
        | col::MODEL
        | col::INTENT
        | col::PROVIDER
        | col::TAGS => Kind::Text,
        col::PREFIX => Kind::Hashes,
        col::BATCH => Kind::Bool,
        _ => Kind::Count,
    }
}

/// The kind of each Langfuse field.
fn langfuse_kind(f: Field) -> Kind {
    match f {
        Field::StartTime => Kind::Time,
        Field::UsageDetails => Kind::CountMap,
        Field::CostDetails => Kind::NumberMap,
        Field::TotalCost => Kind::Number,
        Field::Tags => Kind::TextList,
        _ => Kind::Text,
    }
}

/// An open Parquet trace.
pub(super) struct ParquetRows {
    format: TraceFormat,
    /// Names of the columns read, by meaning (native `col` or Langfuse `Field` order).
    names: Vec<&'static str>,
    reader: ParquetRecordBatchReader,
    /// The current batch's columns by meaning, and its length.
    columns: Vec<Option<ArrayRef>>,
    len: usize,
    /// The next row of the batch, and rows before the batch.
    next: usize,
    before: u64,
    usage: Usage,
    /// Observation types left out, with their counts.
    ignored: Vec<(String, u64)>,
}

/// Open the Parquet file `path` (named `display`), read as `forced` or as the format its
/// columns show; its SHA-256 goes into `hash`.
pub(super) fn open(
    mut file: File,
    display: &str,
    forced: Option<TraceFormat>,
    hash: &Hash,
) -> Result<ParquetRows, TraceError> {
    let mut hashed = Hashed::new(
        Box::new(file.try_clone().map_err(|e| TraceError::io(display, e))?),
        hash.clone(),
    );
    std::io::copy(&mut hashed, &mut std::io::sink()).map_err(|e| TraceError::io(display, e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| TraceError::io(display, e))?;
    open_groups(file, display, forced, None)
}

/// Row groups of a Parquet file, read at once by several threads (`audit`): one piece per row
/// group, each read on its own with its rows numbered as in the whole file.
pub struct ParquetPieces {
    path: std::path::PathBuf,
    display: String,
    format: TraceFormat,
    /// (row group, rows before it) of each piece.
    groups: Vec<(usize, u64)>,
}

impl ParquetPieces {
    /// Plan reading `path` by row groups; `None` when it is not a Parquet file, has one row
    /// group, or has `prefix_hashes` (whose reuse depends on every earlier row). Errors are
    /// those reading it whole would give.
    pub fn plan(
        path: &std::path::Path,
        forced: Option<TraceFormat>,
    ) -> Result<Option<ParquetPieces>, TraceError> {
        let display = path.display().to_string();
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(None);
        };
        if !meta.is_file() {
            return Ok(None);
        }
        let mut file = File::open(path).map_err(|e| TraceError::io(&display, e))?;
        if !is_parquet(&mut file).map_err(|e| TraceError::io(&display, e))? {
            return Ok(None);
        }
        // The whole file's checks and format, as a sequential read makes them.
        let rows = open_groups(
            file.try_clone().map_err(|e| TraceError::io(&display, e))?,
            &display,
            forced,
            None,
        )?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| TraceError::Parquet {
                path: display.clone(),
                message: format!("not a readable Parquet file ({e})"),
            })?;
        let names = builder.schema().fields();
        if names.iter().any(|f| f.name() == "prefix_hashes") {
            return Ok(None);
        }
        let meta = builder.metadata();
        if meta.num_row_groups() < 2 {
            return Ok(None);
        }
        let mut before = 0u64;
        let mut groups = Vec::with_capacity(meta.num_row_groups());
        for (g, rg) in meta.row_groups().iter().enumerate() {
            groups.push((g, before));
            before += rg.num_rows().max(0) as u64;
        }
        Ok(Some(ParquetPieces {
            path: path.to_path_buf(),
            display,
            format: rows.format,
            groups,
        }))
    }

    /// The number of pieces.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no pieces (never: a plan has at least two).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The format read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    /// The file, as given.
    pub fn path(&self) -> &str {
        &self.display
    }

    /// The rows of piece `i`.
    pub(super) fn rows(&self, i: usize) -> Result<ParquetRows, TraceError> {
        let file = File::open(&self.path).map_err(|e| TraceError::io(&self.display, e))?;
        open_groups(file, &self.display, Some(self.format), Some(self.groups[i]))
    }

    /// The SHA-256 of the whole file (lowercase hex), read in one pass.
    pub fn sha256(&self) -> Result<String, TraceError> {
        super::source::hash_file(&self.path).map_err(|e| TraceError::io(&self.display, e))
    }
}

/// The rows of `file` (named `display`), read as `forced` or as the format its columns show:
/// all of them, or those of one row group (`(group, rows before it)`).
fn open_groups(
    file: File,
    display: &str,
    forced: Option<TraceFormat>,
    group: Option<(usize, u64)>,
) -> Result<ParquetRows, TraceError> {
    let err = |message: String| TraceError::Parquet {
        path: display.to_string(),
        message,
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
        err(format!(
            "not a readable Parquet file ({e}); a truncated or partly written file?"
        ))
    })?;
    let schema = builder.schema().clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let header = |message: String| TraceError::Header {
        path: display.to_string(),
        message,
    };
    let format = match forced {
        Some(f @ (TraceFormat::Langfuse | TraceFormat::NativeParquet)) => f,
        Some(f) => {
            return Err(err(format!(
                "a Parquet file cannot be read as {f}; Parquet formats: langfuse, native-parquet"
            )));
        }
        None if names.contains(&"usage_details") => TraceFormat::Langfuse,
        None if names.contains(&"input_tokens") => TraceFormat::NativeParquet,
        None => {
            return Err(TraceError::UnknownFormat {
                path: display.to_string(),
                detail: format!(
                    "a Parquet file with columns {}; langfuse needs usage_details, native-parquet \
                     input_tokens",
                    names.join(", ")
                ),
            });
        }
    };
    // The columns read, by meaning, with their kinds and whether they are required.
    let wanted: Vec<(&'static str, Kind, bool)> = match format {
        TraceFormat::Langfuse => Field::ALL
            .iter()
            .map(|f| (f.name(), langfuse_kind(*f), Field::REQUIRED.contains(f)))
            .collect(),
        _ => {
            if let Some(unknown) = names.iter().find(|n| !NATIVE_COLUMNS.contains(n)) {
                return Err(header(format!(
                    "unknown column `{unknown}`; native columns are: {}",
                    NATIVE_COLUMNS.join(", ")
                )));
            }
            NATIVE_COLUMNS
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, native_kind(i), i < 3))
                .collect()
        }
    };
    let mut roots = Vec::new();
    for (name, kind, required) in &wanted {
        match schema.fields().iter().position(|f| f.name() == name) {
            Some(i) => {
                let t = schema.field(i).data_type();
                if !kind.accepts(t) {
                    return Err(header(format!(
                        "column `{name}` has type {t}; accepted: {}",
                        kind.accepted()
                    )));
                }
                roots.push(i);
            }
            None if *required => {
                let required: Vec<&str> = wanted.iter().filter(|w| w.2).map(|w| w.0).collect();
                return Err(header(format!(
                    "missing column `{name}` for the {format} format (required: {}; read: {}); \
                     the file's columns are: {}",
                    required.join(", "),
                    wanted.iter().map(|w| w.0).collect::<Vec<_>>().join(", "),
                    names.join(", ")
                )));
            }
            None => {}
        }
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let mut builder = builder.with_projection(mask).with_batch_size(BATCH_ROWS);
    if let Some((g, _)) = group {
        builder = builder.with_row_groups(vec![g]);
    }
    let reader = builder
        .build()
        .map_err(|e| err(format!("cannot read the Parquet file: {e}")))?;
    Ok(ParquetRows {
        format,
        names: wanted.iter().map(|w| w.0).collect(),
        reader,
        columns: vec![None; wanted.len()],
        len: 0,
        next: 0,
        before: group.map_or(0, |(_, before)| before),
        usage: Usage::default(),
        ignored: Vec::new(),
    })
}

impl ParquetRows {
    /// The format read.
    pub(super) fn format(&self) -> TraceFormat {
        self.format
    }

    /// Take up `batch`.
    fn load(&mut self, batch: &RecordBatch) {
        self.before += self.len as u64;
        for (c, name) in self.columns.iter_mut().zip(&self.names) {
            *c = batch.column_by_name(name).cloned();
        }
        self.len = batch.num_rows();
        self.next = 0;
    }
}

impl ParquetRows {
    /// Read the next record into `out` (`line`: its 1-based row), counting the observations
    /// left out on the way; `None` at the end.
    pub(super) fn read_into(
        &mut self,
        path: &str,
        out: &mut TraceRecord,
    ) -> Option<Result<(), TraceError>> {
        loop {
            while self.next >= self.len {
                match self.reader.next()? {
                    Ok(batch) => self.load(&batch),
                    Err(e) => {
                        let row = self.before + self.len as u64 + 1;
                        // Past this batch nothing more can be read.
                        self.len = 0;
                        self.next = 0;
                        return Some(Err(TraceError::Parquet {
                            path: path.to_string(),
                            message: format!(
                                "cannot read the rows from row {row} on ({e}); a damaged file?"
                            ),
                        }));
                    }
                }
            }
            let i = self.next;
            self.next += 1;
            let line = self.before + i as u64 + 1;
            let row = Row {
                columns: &self.columns,
                i,
            };
            let result = match self.format {
                TraceFormat::Langfuse => match langfuse::fill(&row, line, &mut self.usage, out) {
                    Ok(Obs::Record) => Ok(()),
                    Ok(Obs::Ignored(kind)) => {
                        match self.ignored.iter_mut().find(|(k, _)| k == kind) {
                            Some((_, n)) => *n += 1,
                            None => self.ignored.push((kind.to_string(), 1)),
                        }
                        continue;
                    }
                    Err(m) => Err(m),
                },
                _ => native_row(&row, line, out),
            };
            return Some(
                result.map_err(|m| TraceError::row(path, line, format!("row {line}, {m}"))),
            );
        }
    }

    /// Items left out, by reason.
    pub(super) fn ignored(&self) -> Vec<(String, u64)> {
        self.ignored
            .iter()
            .map(|(kind, n)| (langfuse::ignored_reason(kind), *n))
            .collect()
    }
}

/// Row `i` of a batch, its columns by meaning.
struct Row<'a> {
    columns: &'a [Option<ArrayRef>],
    i: usize,
}

impl Row<'_> {
    #[inline]
    fn col(&self, meaning: usize) -> Option<&dyn Array> {
        self.columns[meaning].as_deref()
    }
}

impl Observation for Row<'_> {
    fn text(&self, f: Field) -> Result<Option<&str>, String> {
        match self.col(f as usize) {
            Some(c) => cells::text(c, self.i, f.name()),
            None => Ok(None),
        }
    }

    fn time_ms(&self, f: Field) -> Result<Option<i64>, String> {
        match self.col(f as usize) {
            Some(c) => cells::time_ms(c, self.i, f.name()),
            None => Ok(None),
        }
    }

    fn number(&self, f: Field) -> Result<Option<f64>, String> {
        match self.col(f as usize) {
            Some(c) => cells::number(c, self.i, f.name()),
            None => Ok(None),
        }
    }

    fn map_number(&self, f: Field, key: &str) -> Result<Option<f64>, String> {
        let Some(c) = self.col(f as usize) else {
            return Ok(None);
        };
        let mut found = None;
        cells::map_entries(c, self.i, f.name(), &mut |k, v| {
            if k == key {
                found = v.number(f.name())?;
            }
            Ok(())
        })?;
        Ok(found)
    }

    fn counts(&self, f: Field, usage: &mut Usage) -> Result<(), String> {
        let Some(c) = self.col(f as usize) else {
            return Ok(());
        };
        cells::map_entries(c, self.i, f.name(), &mut |k, v| match v.count(f.name())? {
            Some(n) => usage.add(k, n),
            None => Ok(()),
        })
    }

    fn texts(&self, f: Field, each: &mut dyn FnMut(&str)) -> Result<(), String> {
        match self.col(f as usize) {
            Some(c) => cells::texts(c, self.i, f.name(), each),
            None => Ok(()),
        }
    }
}

/// A native row.
fn native_row(row: &Row<'_>, line: u64, out: &mut TraceRecord) -> Result<(), String> {
    let i = row.i;
    let name = |m: usize| NATIVE_COLUMNS[m];
    let text = |m: usize| match row.col(m) {
        Some(c) => cells::text(c, i, name(m)),
        None => Ok(None),
    };
    let count = |m: usize| match row.col(m) {
        Some(c) => cells::count(c, i, name(m)),
        None => Ok(None),
    };
    out.line = line;
    out.time_ms = match row.col(col::TIME) {
        Some(c) => cells::time_ms(c, i, "timestamp")?,
        None => None,
    }
    .ok_or("timestamp: missing")?;
    out.input_tokens = count(col::INPUT)?.ok_or("input_tokens: missing")?;
    out.output_tokens = count(col::OUTPUT)?.ok_or("output_tokens: missing")?;
    set(&mut out.session_id, text(col::SESSION)?);
    set(&mut out.endpoint, text(col::ENDPOINT)?);
    set(&mut out.user_id, text(col::USER)?);
    set(&mut out.model, text(col::MODEL)?);
    set(&mut out.intent, text(col::INTENT)?);
    out.cache_read_tokens = count(col::CACHE_READ)?;
    out.cache_write_tokens = count(col::CACHE_WRITE)?;
    out.cache_write_5m_tokens = count(col::CACHE_WRITE_5M)?;
    out.cache_write_1h_tokens = count(col::CACHE_WRITE_1H)?;
    out.reasoning_tokens = count(col::REASONING)?;
    out.block_tokens = count(col::BLOCK)?;
    out.segments = Segments::of(
        count(col::SYSTEM)?,
        count(col::TOOLS)?,
        count(col::HISTORY)?,
        count(col::CONTEXT)?,
        text(col::DOCUMENT)?,
        count(col::DOCUMENT_TOKENS)?,
    )?;
    match row.col(col::PREFIX) {
        Some(c) => cells::hashes(c, i, "prefix_hashes", &mut out.prefix_hashes)?,
        None => out.prefix_hashes.clear(),
    }
    out.batch = row.col(col::BATCH).and_then(|c| cells::boolean(c, i));
    set(&mut out.provider, text(col::PROVIDER)?);
    fill_tags(&mut out.tags, text(col::TAGS)?)?;
    out.recorded_cost = None;
    check(out)
}
