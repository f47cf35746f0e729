//! The errors of this module: loading or checking a catalog ([`PricingError`]), one bad value in
//! a model ([`InvalidField`]), and a ledger bucket a model has no price for ([`PricingGap`]).

use std::path::PathBuf;

use super::billing::{PriceTier, ServiceTier};

/// An error loading or checking a price catalog.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// The file could not be read.
    #[error("cannot read price catalog {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// RON syntax or schema error.
    #[error("{origin}:{line}:{col}: {message}")]
    Syntax {
        /// File name (or other origin label).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// The LiteLLM JSON could not be parsed.
    #[error("{origin}:{line}:{col}: invalid JSON price map: {message}")]
    Json {
        /// File name (or other origin label).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range.
    #[error("{origin}: {field_path}: {message}")]
    Invalid {
        /// File name (or other origin label).
        origin: String,
        /// Field path, e.g. `models["gpt-4o-mini"].standard.input`.
        field_path: String,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// The file name does not say which format it is.
    #[error(
        "{}: unknown price catalog format {extension:?}; use a .ron file (tokencast catalog) or a .json file (LiteLLM price map)",
        path.display()
    )]
    UnknownExtension {
        /// The file.
        path: PathBuf,
        /// Its extension ("" when it has none).
        extension: String,
    },
    /// A LiteLLM map held no entry tokencast can price.
    #[error(
        "{origin}: no usable model in this LiteLLM price map ({skipped} entries skipped: none is a chat, completion, responses or embedding model with input and output prices per token)"
    )]
    NoModels {
        /// File name (or other origin label).
        origin: String,
        /// Entries looked at and skipped.
        skipped: usize,
    },
}

/// One out-of-range value in a [`ModelPrice`](super::ModelPrice), with its path relative to the model
/// (e.g. `standard.input`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field_path}: {message}")]
pub struct InvalidField {
    /// Path relative to the model, e.g. `long_context.batch.cache_read`.
    pub field_path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl From<InvalidField> for String {
    fn from(e: InvalidField) -> String {
        e.to_string()
    }
}

/// Error pricing a ledger.
#[derive(Debug, thiserror::Error)]
#[error("model {model:?} has no {bucket} price for {service:?} / {tier:?} in {source_name}")]
pub struct PricingGap {
    /// Model id.
    pub model: String,
    /// Bucket name.
    pub bucket: &'static str,
    /// Service tier.
    pub service: ServiceTier,
    /// Price tier.
    pub tier: PriceTier,
    /// Catalog source.
    pub source_name: String,
}
