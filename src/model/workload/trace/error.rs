//! What can go wrong reading a trace, and in a command that reads one and prices it.
//!
//! The messages name the file and, for a bad row, its line, so every reader builds its
//! errors here.

use super::TraceFormat;

/// A problem reading a trace.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line is longer than any trace row could be: a binary file, or a stream without line
    /// breaks.
    #[error(
        "{path}:{line}: a line longer than {} bytes without a line break: not a text trace (a binary file, or an endless stream such as /dev/zero?)",
        super::source::MAX_LINE_BYTES
    )]
    LineTooLong {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
    },
    /// The format could not be recognised.
    #[error(
        "{path}: unrecognised trace format ({detail}); known formats: {}; force one with --trace-format",
        known_formats()
    )]
    UnknownFormat {
        /// The file.
        path: String,
        /// What was seen.
        detail: String,
    },
    /// A directory cannot be read as one trace.
    #[error("{path}: {message}")]
    Directory {
        /// The directory.
        path: String,
        /// What is wrong and what is valid.
        message: String,
    },
    /// A Parquet file cannot be read (truncated, damaged, or not given as a file).
    #[error("{path}: {message}")]
    Parquet {
        /// The file.
        path: String,
        /// What is wrong and what is valid.
        message: String,
    },
    /// A header is unusable.
    #[error("{path}:1: {message}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong and what is valid.
        message: String,
    },
    /// A JSON export that cannot be read past this point (broken JSON in an array): not a
    /// row that `--skip-bad-rows` could step over.
    #[error("{path}:{line}: {message}")]
    Unreadable {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A database trace could not be read (connection, table, query).
    #[error("{url}: {message}")]
    Database {
        /// The database URL, without its password.
        url: String,
        /// What is wrong, with the server's own message.
        message: String,
        /// True when the server could not be reached or failed mid-read (a runtime error,
        /// not bad input).
        unreachable: bool,
    },
    /// A row is unusable.
    #[error("{path}:{line}: {message}")]
    Row {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// What went wrong in a command that reads a trace and prices it (`audit`, `replay`).
#[derive(Debug, thiserror::Error)]
pub enum TraceRunError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A row that parsed cannot be used (unknown model or endpoint, out of order, ...).
    #[error("{path}:{line}: {message}")]
    Row {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The trace has no rows.
    #[error("{0}: the trace has no rows")]
    Empty(String),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] crate::foundations::pricing::PricingGap),
    /// The trace cannot answer what was asked of it (an option it does not support).
    #[error("{path}: {message}")]
    Invalid {
        /// The trace.
        path: String,
        /// What is wrong and what would do.
        message: String,
    },
    /// A token sum over the rows overflowed (a count reached `u64::MAX`).
    #[error("{path}: {what}; the trace's token counts are beyond any real traffic")]
    Overflow {
        /// The file.
        path: String,
        /// Which count, in words.
        what: String,
    },
}

impl TraceRunError {
    /// True when the file could not be read (a runtime error, not bad input).
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            TraceRunError::Trace(
                TraceError::Io { .. }
                    | TraceError::Database {
                        unreachable: true,
                        ..
                    }
            )
        )
    }
}

fn known_formats() -> String {
    TraceFormat::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl TraceError {
    /// The error reading the file `path` failed with: a too-long line when the [`Source`]
    /// refused one, else the OS error.
    ///
    /// [`Source`]: super::source::Source
    pub(super) fn io(path: &str, source: std::io::Error) -> TraceError {
        match super::source::too_long(&source) {
            Some(line) => TraceError::LineTooLong {
                path: path.to_string(),
                line,
            },
            None => TraceError::Io {
                path: path.to_string(),
                source,
            },
        }
    }

    /// A row error at `line` of the file `path`.
    pub fn row(path: &str, line: u64, message: impl Into<String>) -> TraceError {
        TraceError::Row {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}
