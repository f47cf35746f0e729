//! The price catalog: what each model charges per token, and how its provider's prompt cache
//! behaves.
//!
//! The ledger counts integer tokens per [`Bucket`]; this module turns a count into money with
//! [`ModelPrice::rate_per_token`], for a [`ServiceTier`] (standard, batch, flex) and a
//! [`PriceTier`] (base, or the long-context tier a large request falls into). Prices are stored in
//! USD per **million** tokens, the unit providers publish; `rate_per_token` divides by 10^6.
//!
//! ```text
//!  builtin.ron (embedded, dated) ─┐
//!  --prices FILE.ron ─────────────┼─▶ Catalog ──extend(scenario `models`)──▶ get(id) ──▶ ModelPrice
//!  --prices FILE.json (LiteLLM) ──┘                                     rate_per_token(service, tier, bucket)
//! ```
//!
//! # Sources
//!
//! * [`Catalog::builtin`]: `src/pricing/builtin.ron`, hand-written from the LiteLLM 1.110.2 price
//!   map (`model_prices_and_context_window_backup.json`), taken into tokencast on 2026-11-27
//!   (its `effective_date`). A unit test checks it against the importer's output for the same
//!   entries, so the two cannot drift apart.
//! * [`Catalog::load`]: a `.ron` file holding a [`Catalog`], or a `.json` LiteLLM price map
//!   (see [`litellm`] for the import rules: which entries are kept, how tiers and cache rules are
//!   derived). A LiteLLM map carries no date; `load` uses the file's modification date (UTC).
//!
//! # Fallbacks (what a missing price means)
//!
//! | missing | meaning |
//! |---|---|
//! | `batch` / `flex` tier | the model has no such tier: `rate_per_token` returns `None` |
//! | `long_context` | one price whatever the request size: `LongContext` prices as `Base` |
//! | `reasoning` | reasoning tokens are billed as output |
//! | `cache_read` | no cached-read price: caching is unsupported, `rate_per_token` returns `None` |
//! | `cache_write_*` | a cache write costs plain input of that tier (the OpenAI rule) |
//! | `cache.storage_per_mtok_hour` | cache storage is free |
//!
//! RON catalogs are read with RON's `implicit_some` extension, so an optional price may be
//! written `cache_read: 0.3` or `cache_read: Some(0.3)`.

pub mod litellm;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use litellm::ImportStats;

/// A price catalog: model id -> prices and cache rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Where the prices come from, e.g. "tokencast built-in (LiteLLM 1.110.2 price map)" or the
    /// file path.
    pub source: String,
    /// Date the prices took effect / were taken, "YYYY-MM-DD" (`"unknown"` is accepted for a
    /// LiteLLM map read from a string, which carries no date).
    pub effective_date: String,
    /// Prices per model id.
    pub models: BTreeMap<String, ModelPrice>,
}

/// USD per million tokens for each token bucket under one service tier and one price tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// Uncached prompt tokens (and embedding input), USD per million.
    pub input: f64,
    /// Output tokens, USD per million.
    pub output: f64,
    /// Reasoning tokens, USD per million. `None`: billed as output.
    #[serde(default)]
    pub reasoning: Option<f64>,
    /// Prompt tokens read from the cache, USD per million. `None`: no cached-read price known
    /// (caching unsupported).
    #[serde(default)]
    pub cache_read: Option<f64>,
    /// Prompt tokens written to the cache with a 5-minute TTL, USD per million. `None`: a write
    /// costs plain input (no premium), the OpenAI-style rule.
    #[serde(default)]
    pub cache_write_5m: Option<f64>,
    /// Cache write with a 1-hour TTL, USD per million. `None`: plain input.
    #[serde(default)]
    pub cache_write_1h: Option<f64>,
    /// Cache write with a 24-hour TTL (OpenAI extended retention), USD per million. `None`:
    /// plain input.
    #[serde(default)]
    pub cache_write_24h: Option<f64>,
}

/// What a model is called for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    /// Chat / completion / responses: prompt in, tokens out.
    Chat,
    /// Embedding: input tokens only.
    Embedding,
}

/// A prompt-cache time to live a request can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ttl {
    /// 5 minutes.
    M5,
    /// 1 hour.
    H1,
    /// 24 hours.
    H24,
}

impl Ttl {
    /// Every TTL, shortest first.
    pub const ALL: [Ttl; 3] = [Ttl::M5, Ttl::H1, Ttl::H24];

    /// The TTL in milliseconds of simulated time.
    pub const fn millis(&self) -> u64 {
        match self {
            Ttl::M5 => 5 * 60 * 1000,
            Ttl::H1 => 60 * 60 * 1000,
            Ttl::H24 => 24 * 60 * 60 * 1000,
        }
    }

    /// The ledger bucket a cache write with this TTL is counted in.
    pub const fn write_bucket(&self) -> Bucket {
        match self {
            Ttl::M5 => Bucket::CacheWrite5m,
            Ttl::H1 => Bucket::CacheWrite1h,
            Ttl::H24 => Bucket::CacheWrite24h,
        }
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ttl::M5 => "5m",
            Ttl::H1 => "1h",
            Ttl::H24 => "24h",
        })
    }
}

/// How a provider's prompt cache is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CacheKind {
    /// No prompt caching.
    None,
    /// The provider caches prefixes by itself (OpenAI exact-prefix caching, Gemini implicit).
    Automatic,
    /// The caller marks cache breakpoints (Anthropic `cache_control`).
    Explicit,
    /// The caller creates caches with a TTL and pays storage per token-hour (Gemini explicit
    /// context caching).
    ExplicitWithStorage,
}

/// A provider's prompt-cache rules for one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRules {
    /// How caching is driven; `None` disables it.
    pub kind: CacheKind,
    /// Shortest cacheable prefix, tokens.
    pub min_prefix_tokens: u64,
    /// Cached prefixes are counted in multiples of this many tokens (1 = any length; OpenAI 128).
    pub granularity_tokens: u64,
    /// TTLs offered; the first is the default.
    pub ttls: Vec<Ttl>,
    /// Whether a cache hit resets the entry's TTL.
    pub refresh_on_hit: bool,
    /// Storage price, USD per million tokens per hour (Gemini explicit caching). `None`: free.
    #[serde(default)]
    pub storage_per_mtok_hour: Option<f64>,
}

impl CacheRules {
    /// Rules for a model without prompt caching.
    pub fn none() -> CacheRules {
        CacheRules {
            kind: CacheKind::None,
            min_prefix_tokens: 0,
            granularity_tokens: 1,
            ttls: Vec::new(),
            refresh_on_hit: false,
            storage_per_mtok_hour: None,
        }
    }
}

/// Prices that apply to a whole request once its prompt is longer than a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongContextTier {
    /// When a request's total prompt tokens (cached included) exceed this, the WHOLE request is
    /// billed at these rates.
    pub above_input_tokens: u64,
    /// Standard service prices above the threshold.
    pub standard: Rates,
    /// Batch prices above the threshold. `None`: no batch service for long requests.
    #[serde(default)]
    pub batch: Option<Rates>,
    /// Flex prices above the threshold. `None`: no flex service for long requests.
    #[serde(default)]
    pub flex: Option<Rates>,
}

/// Everything the simulator needs to bill one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// "anthropic", "openai", "gemini", "vertex_ai", ... (LiteLLM's `litellm_provider`).
    pub provider: String,
    /// Chat or embedding.
    pub mode: Mode,
    /// Context window, prompt tokens. `None`: unknown (no limit enforced).
    #[serde(default)]
    pub max_input_tokens: Option<u64>,
    /// Longest output, tokens. `None`: unknown.
    #[serde(default)]
    pub max_output_tokens: Option<u64>,
    /// Standard (synchronous) prices.
    pub standard: Rates,
    /// Batch API prices. `None`: no batch service.
    #[serde(default)]
    pub batch: Option<Rates>,
    /// Flex (slower, cheaper) service prices. `None`: no flex service.
    #[serde(default)]
    pub flex: Option<Rates>,
    /// Prices for requests above a prompt-size threshold. `None`: one price for all sizes.
    #[serde(default)]
    pub long_context: Option<LongContextTier>,
    /// Prompt-cache rules.
    pub cache: CacheRules,
    /// Date the provider retires the model, "YYYY-MM-DD".
    #[serde(default)]
    pub deprecation_date: Option<String>,
}

/// Which service a request is sent through.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum ServiceTier {
    /// Synchronous requests at list price.
    #[default]
    Standard,
    /// Batch API (asynchronous, discounted).
    Batch,
    /// Flex processing (slower, discounted).
    Flex,
}

impl ServiceTier {
    /// Lower-case name for reports: "standard", "batch", "flex".
    pub const fn name(&self) -> &'static str {
        match self {
            ServiceTier::Standard => "standard",
            ServiceTier::Batch => "batch",
            ServiceTier::Flex => "flex",
        }
    }
}

/// Whether a request is billed at the base or the long-context prices.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum PriceTier {
    /// Prompt at or below the long-context threshold (or the model has none).
    #[default]
    Base,
    /// Prompt above the model's long-context threshold.
    LongContext,
}

impl PriceTier {
    /// Lower-case name for reports: "base", "long_context".
    pub const fn name(&self) -> &'static str {
        match self {
            PriceTier::Base => "base",
            PriceTier::LongContext => "long_context",
        }
    }
}

/// The ledger's disjoint token buckets. The set and order are shared with the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Uncached prompt tokens.
    Input,
    /// Prompt tokens written to the cache with a 5-minute TTL.
    #[serde(rename = "cache_write_5m")]
    CacheWrite5m,
    /// Prompt tokens written to the cache with a 1-hour TTL.
    #[serde(rename = "cache_write_1h")]
    CacheWrite1h,
    /// Prompt tokens written to the cache with a 24-hour TTL.
    #[serde(rename = "cache_write_24h")]
    CacheWrite24h,
    /// Prompt tokens read from the cache.
    CacheRead,
    /// Output tokens (reasoning excluded).
    Output,
    /// Reasoning tokens.
    Reasoning,
    /// Embedding input tokens.
    Embedding,
    /// Cached tokens × hours stored (Gemini explicit caching).
    CacheStorageTokenHours,
}

impl Bucket {
    /// Every bucket, in ledger order (`ALL[b.index()] == b`).
    pub const ALL: [Bucket; 9] = [
        Bucket::Input,
        Bucket::CacheWrite5m,
        Bucket::CacheWrite1h,
        Bucket::CacheWrite24h,
        Bucket::CacheRead,
        Bucket::Output,
        Bucket::Reasoning,
        Bucket::Embedding,
        Bucket::CacheStorageTokenHours,
    ];

    /// Snake-case name used in reports: "input", "cache_write_5m", ...
    pub const fn name(&self) -> &'static str {
        match self {
            Bucket::Input => "input",
            Bucket::CacheWrite5m => "cache_write_5m",
            Bucket::CacheWrite1h => "cache_write_1h",
            Bucket::CacheWrite24h => "cache_write_24h",
            Bucket::CacheRead => "cache_read",
            Bucket::Output => "output",
            Bucket::Reasoning => "reasoning",
            Bucket::Embedding => "embedding",
            Bucket::CacheStorageTokenHours => "cache_storage_token_hours",
        }
    }

    /// Position in [`Bucket::ALL`] and in the ledger's token arrays.
    pub const fn index(&self) -> usize {
        *self as usize
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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

/// One out-of-range value in a [`ModelPrice`], with its path relative to the model
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

/// The built-in catalog's text (embedded at compile time).
const BUILTIN_RON: &str = include_str!("pricing/builtin.ron");
/// Name used for the built-in catalog in error messages.
const BUILTIN_ORIGIN: &str = "<built-in price catalog>";

static BUILTIN: LazyLock<Catalog> = LazyLock::new(|| {
    match Catalog::from_ron_str(BUILTIN_RON, BUILTIN_ORIGIN) {
        Ok(c) => c,
        // The text is a compile-time constant, not user input; the `builtin_parses_and_validates`
        // test fails the build's test suite if it ever stops parsing.
        Err(e) => panic!("the embedded price catalog is invalid (a tokencast build defect): {e}"),
    }
});

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// RON's error message, with the valid names where the parser knows them.
fn explain_ron_error(code: &ron::Error) -> String {
    let outer_in = |o: &Option<String>| o.as_ref().map(|o| format!(" in {o}")).unwrap_or_default();
    match code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}; valid fields: {}",
            outer_in(outer),
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, outer } => {
            format!("missing required field `{field}`{}", outer_in(outer))
        }
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}; valid: {}",
            outer
                .as_ref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        other => other.to_string(),
    }
}

impl Catalog {
    /// The built-in catalog (LiteLLM 1.110.2 prices, effective 2026-11-27), parsed once from the
    /// embedded `builtin.ron` and cloned.
    ///
    /// Infallible by construction: the text is compiled in and a unit test checks that it parses
    /// and validates, so a failure here is a build defect, not a user error (it panics).
    pub fn builtin() -> Catalog {
        BUILTIN.clone()
    }

    /// Load a catalog from a file: `.json` -> LiteLLM price map (effective date: the file's
    /// modification date, UTC), `.ron` -> RON [`Catalog`]. The result is validated.
    pub fn load(path: &Path) -> Result<Catalog, PricingError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if extension != "json" && extension != "ron" {
            return Err(PricingError::UnknownExtension {
                path: path.to_path_buf(),
                extension,
            });
        }
        let io = |source| PricingError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        let origin = path.display().to_string();
        if extension == "ron" {
            return Catalog::from_ron_str(&text, &origin);
        }
        let mut catalog = Catalog::from_litellm_str(&text, &origin)?;
        if let Some(date) = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        {
            catalog.effective_date = civil_date(date.as_secs() / 86_400);
        }
        Ok(catalog)
    }

    /// Parse and validate a RON catalog. Syntax and schema errors carry `origin:line:col`;
    /// out-of-range values carry the field path.
    pub fn from_ron_str(text: &str, origin: &str) -> Result<Catalog, PricingError> {
        let catalog: Catalog = ron_options()
            .from_str(text)
            .map_err(|e| PricingError::Syntax {
                origin: origin.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: explain_ron_error(&e.code),
            })?;
        catalog.validate_as(origin)?;
        Ok(catalog)
    }

    /// Import a LiteLLM price map (see [`litellm`] for the rules). Entries tokencast cannot price
    /// are skipped; use [`Catalog::from_litellm_str_with_stats`] to see which. `effective_date`
    /// is `"unknown"` (the map carries no date; [`Catalog::load`] fills in the file's date).
    pub fn from_litellm_str(text: &str, origin: &str) -> Result<Catalog, PricingError> {
        Catalog::from_litellm_str_with_stats(text, origin).map(|(c, _)| c)
    }

    /// [`Catalog::from_litellm_str`], also returning what was imported, skipped and derived.
    pub fn from_litellm_str_with_stats(
        text: &str,
        origin: &str,
    ) -> Result<(Catalog, ImportStats), PricingError> {
        let (catalog, stats) = litellm::import(text, origin)?;
        catalog.validate_as(origin)?;
        Ok((catalog, stats))
    }

    /// The prices of a model, by exact id.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        self.models.get(model)
    }

    /// Up to 3 model ids close to `model` (for "did you mean"), best first. Compares
    /// case-insensitively by optimal-string-alignment distance to the whole id and to the part
    /// after the last `/` (LiteLLM's provider prefixes, +1); ids containing `model` also qualify.
    /// A candidate must be within max(2, len/3) edits and within 2 of the best candidate.
    pub fn suggest(&self, model: &str) -> Vec<String> {
        let query = model.to_lowercase();
        let qlen = query.chars().count();
        if qlen == 0 {
            return Vec::new();
        }
        let limit = (qlen / 3).max(2);
        let mut scored: Vec<(usize, usize, &String)> = self
            .models
            .keys()
            .filter_map(|id| {
                let lower = id.to_lowercase();
                let mut score = strsim::osa_distance(&query, &lower);
                if let Some((_, tail)) = lower.rsplit_once('/') {
                    score = score.min(strsim::osa_distance(&query, tail) + 1);
                }
                if qlen >= 4 && lower.contains(&query) {
                    score = score.min(limit);
                }
                (score <= limit).then_some((score, id.len(), id))
            })
            .collect();
        scored.sort();
        // Only near-ties of the best match: a clear typo should not drag in unrelated models.
        let best = scored.first().map_or(0, |s| s.0);
        scored
            .into_iter()
            .take_while(|s| s.0 <= best + 2)
            .take(3)
            .map(|(_, _, id)| id.clone())
            .collect()
    }

    /// Add or replace models (scenario-inline overrides, or another catalog laid on top).
    pub fn extend(&mut self, other: BTreeMap<String, ModelPrice>) {
        self.models.extend(other);
    }

    /// Check every model: prices finite and >= 0, long-context threshold > 0, TTLs given when
    /// caching is on, granularity >= 1, dates `YYYY-MM-DD`. The error names the first bad field,
    /// e.g. `models["gpt-4o-mini"].standard.input`.
    pub fn validate(&self) -> Result<(), PricingError> {
        self.validate_as(&self.source)
    }

    fn validate_as(&self, origin: &str) -> Result<(), PricingError> {
        let invalid = |field_path: String, message: String| PricingError::Invalid {
            origin: origin.to_string(),
            field_path,
            message,
        };
        if self.effective_date != "unknown" && !is_date(&self.effective_date) {
            return Err(invalid(
                "effective_date".into(),
                format!(
                    "must be a date \"YYYY-MM-DD\" (got {:?})",
                    self.effective_date
                ),
            ));
        }
        for (id, m) in &self.models {
            if id.trim().is_empty() {
                return Err(invalid(
                    format!("models[{id:?}]"),
                    "model id must not be empty".into(),
                ));
            }
            if let Some(p) = m.problems().into_iter().next() {
                return Err(invalid(
                    format!("models[{id:?}].{}", p.field_path),
                    p.message,
                ));
            }
        }
        Ok(())
    }
}

impl ModelPrice {
    /// The rates for a service tier and price tier. `None` when the model has no such service
    /// tier; `LongContext` falls back to `Base` when the model has no long-context tier.
    pub fn rates(&self, service: ServiceTier, tier: PriceTier) -> Option<&Rates> {
        match (tier, &self.long_context) {
            (PriceTier::LongContext, Some(lc)) => match service {
                ServiceTier::Standard => Some(&lc.standard),
                ServiceTier::Batch => lc.batch.as_ref(),
                ServiceTier::Flex => lc.flex.as_ref(),
            },
            _ => match service {
                ServiceTier::Standard => Some(&self.standard),
                ServiceTier::Batch => self.batch.as_ref(),
                ServiceTier::Flex => self.flex.as_ref(),
            },
        }
    }

    /// USD per token (NOT per million) for one bucket under a service tier and price tier.
    ///
    /// `None` when the model has no such service tier (batch/flex), or for `CacheRead` when no
    /// cached-read price is known. Fallbacks: reasoning -> output; `cache_write_*` -> input of
    /// the same tier; `Embedding` -> input; `CacheStorageTokenHours` ->
    /// `cache.storage_per_mtok_hour` / 10^6 per token-hour, or 0; `LongContext` without a
    /// long-context tier -> `Base`.
    pub fn rate_per_token(
        &self,
        service: ServiceTier,
        tier: PriceTier,
        bucket: Bucket,
    ) -> Option<f64> {
        let r = self.rates(service, tier)?;
        let per_mtok = match bucket {
            Bucket::Input | Bucket::Embedding => r.input,
            Bucket::Output => r.output,
            Bucket::Reasoning => r.reasoning.unwrap_or(r.output),
            Bucket::CacheRead => r.cache_read?,
            Bucket::CacheWrite5m => r.cache_write_5m.unwrap_or(r.input),
            Bucket::CacheWrite1h => r.cache_write_1h.unwrap_or(r.input),
            Bucket::CacheWrite24h => r.cache_write_24h.unwrap_or(r.input),
            Bucket::CacheStorageTokenHours => self.cache.storage_per_mtok_hour.unwrap_or(0.0),
        };
        Some(per_mtok / 1e6)
    }

    /// Which price tier a request with this many prompt tokens (cached included) falls in:
    /// `LongContext` only when strictly above the model's threshold.
    pub fn price_tier(&self, prompt_tokens: u64) -> PriceTier {
        match &self.long_context {
            Some(lc) if prompt_tokens > lc.above_input_tokens => PriceTier::LongContext,
            _ => PriceTier::Base,
        }
    }

    /// Check the model (see [`Catalog::validate`]); the error names the first bad field relative
    /// to the model, e.g. `standard.input`. Converts into a `String` for field-error lists.
    pub fn validate(&self) -> Result<(), InvalidField> {
        match self.problems().into_iter().next() {
            Some(p) => Err(p),
            None => Ok(()),
        }
    }

    /// Every out-of-range value in the model, in field order.
    pub fn problems(&self) -> Vec<InvalidField> {
        let mut out = Vec::new();
        let mut push = |field_path: String, message: String| {
            out.push(InvalidField {
                field_path,
                message,
            })
        };
        if self.provider.trim().is_empty() {
            push(
                "provider".into(),
                "must not be empty (e.g. \"openai\", \"anthropic\", \"gemini\")".into(),
            );
        }
        for (name, v) in [
            ("max_input_tokens", self.max_input_tokens),
            ("max_output_tokens", self.max_output_tokens),
        ] {
            if v == Some(0) {
                push(
                    name.into(),
                    "must be > 0 when given (omit it if unknown)".into(),
                );
            }
        }
        let mut tiers: Vec<(String, &Rates)> = vec![("standard".into(), &self.standard)];
        tiers.extend(self.batch.iter().map(|r| ("batch".to_string(), r)));
        tiers.extend(self.flex.iter().map(|r| ("flex".to_string(), r)));
        if let Some(lc) = &self.long_context {
            if lc.above_input_tokens == 0 {
                push(
                    "long_context.above_input_tokens".into(),
                    "must be > 0 (prompt tokens above which the long-context prices apply)".into(),
                );
            }
            tiers.push(("long_context.standard".into(), &lc.standard));
            tiers.extend(
                lc.batch
                    .iter()
                    .map(|r| ("long_context.batch".to_string(), r)),
            );
            tiers.extend(lc.flex.iter().map(|r| ("long_context.flex".to_string(), r)));
        }
        for (path, r) in tiers {
            for (name, v) in r.fields() {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    push(
                        format!("{path}.{name}"),
                        format!("must be a finite price >= 0, USD per million tokens (got {v})"),
                    );
                }
            }
        }
        let c = &self.cache;
        if c.granularity_tokens == 0 {
            push(
                "cache.granularity_tokens".into(),
                "must be >= 1 (1 = any prefix length)".into(),
            );
        }
        if c.kind != CacheKind::None {
            if c.ttls.is_empty() {
                push(
                    "cache.ttls".into(),
                    format!(
                        "at least one TTL (M5, H1, H24) is required when cache.kind is {:?}",
                        c.kind
                    ),
                );
            }
            if self.standard.cache_read.is_none() {
                push(
                    "standard.cache_read".into(),
                    format!(
                        "a cached-read price is required when cache.kind is {:?}; set it or use kind: None",
                        c.kind
                    ),
                );
            }
        }
        for (i, t) in c.ttls.iter().enumerate() {
            if c.ttls[..i].contains(t) {
                push(format!("cache.ttls[{i}]"), format!("{t} is listed twice"));
            }
        }
        if let Some(s) = c.storage_per_mtok_hour
            && !(s.is_finite() && s >= 0.0)
        {
            push(
                "cache.storage_per_mtok_hour".into(),
                format!("must be a finite price >= 0, USD per million tokens per hour (got {s})"),
            );
        }
        if let Some(d) = &self.deprecation_date
            && !is_date(d)
        {
            push(
                "deprecation_date".into(),
                format!("must be a date \"YYYY-MM-DD\" (got {d:?})"),
            );
        }
        out
    }
}

impl Rates {
    /// Every price with its field name, in declaration order.
    fn fields(&self) -> [(&'static str, Option<f64>); 7] {
        [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("reasoning", self.reasoning),
            ("cache_read", self.cache_read),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_write_24h", self.cache_write_24h),
        ]
    }
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// "YYYY-MM-DD" of a day count since 1970-01-01 (proleptic Gregorian, H. Hinnant's algorithm).
fn civil_date(days_since_epoch: u64) -> String {
    let z = days_since_epoch as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids the built-in catalog must cover.
    pub(crate) const BUILTIN_IDS: [&str; 11] = [
        "claude-opus-4-8",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-5-mini",
        "gpt-4o-mini",
        "text-embedding-3-small",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    ];

    fn rates(input: f64, output: f64) -> Rates {
        Rates {
            input,
            output,
            reasoning: None,
            cache_read: None,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_write_24h: None,
        }
    }

    fn model() -> ModelPrice {
        ModelPrice {
            provider: "test".into(),
            mode: Mode::Chat,
            max_input_tokens: Some(1_000_000),
            max_output_tokens: None,
            standard: Rates {
                cache_read: Some(0.3),
                cache_write_1h: Some(6.0),
                ..rates(3.0, 15.0)
            },
            batch: Some(rates(1.5, 7.5)),
            flex: None,
            long_context: Some(LongContextTier {
                above_input_tokens: 200_000,
                standard: Rates {
                    reasoning: Some(30.0),
                    cache_read: Some(0.6),
                    ..rates(6.0, 22.5)
                },
                batch: None,
                flex: None,
            }),
            cache: CacheRules {
                kind: CacheKind::Explicit,
                min_prefix_tokens: 1024,
                granularity_tokens: 1,
                ttls: vec![Ttl::M5, Ttl::H1],
                refresh_on_hit: true,
                storage_per_mtok_hour: None,
            },
            deprecation_date: None,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1e-12))
    }

    #[test]
    fn builtin_parses_and_validates() {
        let c = Catalog::from_ron_str(BUILTIN_RON, BUILTIN_ORIGIN).unwrap();
        c.validate().unwrap();
        assert_eq!(c.effective_date, "2026-11-27");
        for id in BUILTIN_IDS {
            assert!(c.get(id).is_some(), "built-in catalog lacks {id}");
        }
        assert_eq!(Catalog::builtin(), c);
    }

    #[test]
    fn bucket_order_names_and_index_agree() {
        for (i, b) in Bucket::ALL.iter().enumerate() {
            assert_eq!(b.index(), i);
            // serde's snake_case name is the report name.
            assert_eq!(
                serde_json::to_string(b).unwrap(),
                format!("\"{}\"", b.name())
            );
        }
        assert_eq!(Bucket::ALL[8].name(), "cache_storage_token_hours");
    }

    #[test]
    fn ttl_millis_display_and_bucket() {
        assert_eq!(Ttl::M5.millis(), 300_000);
        assert_eq!(Ttl::H1.millis(), 3_600_000);
        assert_eq!(Ttl::H24.millis(), 86_400_000);
        let shown: Vec<String> = Ttl::ALL.iter().map(Ttl::to_string).collect();
        assert_eq!(shown, ["5m", "1h", "24h"]);
        assert_eq!(Ttl::H1.write_bucket(), Bucket::CacheWrite1h);
    }

    #[test]
    fn rate_per_token_direct_prices_are_per_token() {
        let m = model();
        let s = ServiceTier::Standard;
        assert!(close(
            m.rate_per_token(s, PriceTier::Base, Bucket::Input),
            3e-6
        ));
        assert!(close(
            m.rate_per_token(s, PriceTier::Base, Bucket::Output),
            15e-6
        ));
        assert!(close(
            m.rate_per_token(s, PriceTier::Base, Bucket::CacheRead),
            0.3e-6
        ));
        assert!(close(
            m.rate_per_token(s, PriceTier::Base, Bucket::CacheWrite1h),
            6e-6
        ));
    }

    #[test]
    fn rate_per_token_fallbacks() {
        let m = model();
        let (s, b) = (ServiceTier::Standard, PriceTier::Base);
        // reasoning None -> output; write None -> input of that tier; embedding -> input.
        assert!(close(m.rate_per_token(s, b, Bucket::Reasoning), 15e-6));
        assert!(close(m.rate_per_token(s, b, Bucket::CacheWrite5m), 3e-6));
        assert!(close(m.rate_per_token(s, b, Bucket::CacheWrite24h), 3e-6));
        assert!(close(m.rate_per_token(s, b, Bucket::Embedding), 3e-6));
        let batch = ServiceTier::Batch;
        assert!(close(
            m.rate_per_token(batch, b, Bucket::CacheWrite5m),
            1.5e-6
        ));
        // cache_read None -> unsupported.
        assert_eq!(m.rate_per_token(batch, b, Bucket::CacheRead), None);
        // No flex tier -> None for every bucket.
        for bucket in Bucket::ALL {
            assert_eq!(m.rate_per_token(ServiceTier::Flex, b, bucket), None);
        }
        // Storage: none given -> free; given -> per token-hour.
        assert_eq!(
            m.rate_per_token(s, b, Bucket::CacheStorageTokenHours),
            Some(0.0)
        );
        let mut g = m.clone();
        g.cache.storage_per_mtok_hour = Some(4.5);
        assert!(close(
            g.rate_per_token(s, b, Bucket::CacheStorageTokenHours),
            4.5e-6
        ));
    }

    #[test]
    fn long_context_rates_and_fallback_to_base() {
        let m = model();
        let (s, lc) = (ServiceTier::Standard, PriceTier::LongContext);
        assert!(close(m.rate_per_token(s, lc, Bucket::Input), 6e-6));
        assert!(close(m.rate_per_token(s, lc, Bucket::Reasoning), 30e-6));
        assert!(close(m.rate_per_token(s, lc, Bucket::CacheRead), 0.6e-6));
        // The long-context tier has no batch prices: no guessing from the base batch tier.
        assert_eq!(
            m.rate_per_token(ServiceTier::Batch, lc, Bucket::Input),
            None
        );
        // Without a long-context tier, LongContext prices as Base.
        let mut flat = m.clone();
        flat.long_context = None;
        assert!(close(flat.rate_per_token(s, lc, Bucket::Input), 3e-6));
        assert!(close(
            flat.rate_per_token(ServiceTier::Batch, lc, Bucket::Output),
            7.5e-6
        ));
    }

    #[test]
    fn price_tier_threshold_is_strictly_above() {
        let m = model();
        assert_eq!(m.price_tier(0), PriceTier::Base);
        assert_eq!(m.price_tier(200_000), PriceTier::Base);
        assert_eq!(m.price_tier(200_001), PriceTier::LongContext);
        let mut flat = m;
        flat.long_context = None;
        assert_eq!(flat.price_tier(u64::MAX), PriceTier::Base);
    }

    #[test]
    fn ron_syntax_error_gives_origin_line_col() {
        let text = "(\n  source: \"x\",\n  effective_date: \"2026-01-01\",\n  models: {\n    \"m\": (provider: \"p\" mode: Chat),\n  },\n)";
        let e = Catalog::from_ron_str(text, "prices.ron").unwrap_err();
        match &e {
            PricingError::Syntax {
                origin, line, col, ..
            } => {
                assert_eq!(origin, "prices.ron");
                assert_eq!(*line, 5);
                assert!(
                    *col > 20,
                    "column {col} should point past `provider: \"p\"`"
                );
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert!(e.to_string().starts_with("prices.ron:5:"), "{e}");
    }

    #[test]
    fn ron_unknown_field_lists_valid_fields() {
        let text = r#"(source: "x", effective_date: "2026-01-01", models: {
  "m": (provider: "p", mode: Chat, standard: (input: 1.0, output: 2.0, cached: 0.1),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let e = Catalog::from_ron_str(text, "p.ron")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.ron:2:"), "{e}");
        assert!(e.contains("unknown field `cached`"), "{e}");
        assert!(e.contains("cache_read"), "{e}");
    }

    #[test]
    fn ron_accepts_bare_and_some_optionals() {
        let text = r#"(source: "mine", effective_date: "2026-02-28", models: {
  "a": (provider: "p", mode: Chat, standard: (input: 1.0, output: 2.0, cache_read: 0.1),
        cache: (kind: Automatic, min_prefix_tokens: 1024, granularity_tokens: 128, ttls: [M5], refresh_on_hit: true)),
  "b": (provider: "p", mode: Embedding, standard: (input: 1.0, output: 0.0, cache_read: Some(0.1)),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let c = Catalog::from_ron_str(text, "p.ron").unwrap();
        assert_eq!(c.models["a"].standard.cache_read, Some(0.1));
        assert_eq!(c.models["b"].standard.cache_read, Some(0.1));
        assert_eq!(c.models["a"].cache.granularity_tokens, 128);
        assert_eq!(c.models["b"].mode, Mode::Embedding);
    }

    fn catalog_with(m: ModelPrice) -> Catalog {
        Catalog {
            source: "test.ron".into(),
            effective_date: "2026-01-01".into(),
            models: BTreeMap::from([("m-1".to_string(), m)]),
        }
    }

    fn invalid_path(c: &Catalog) -> String {
        match c.validate() {
            Err(PricingError::Invalid { field_path, .. }) => field_path,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn invalid_values_name_field_paths() {
        assert!(catalog_with(model()).validate().is_ok());

        let mut m = model();
        m.standard.input = -1.0;
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].standard.input"
        );

        let mut m = model();
        if let Some(lc) = &mut m.long_context {
            lc.standard.cache_read = Some(f64::NAN);
        }
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].long_context.standard.cache_read"
        );

        let mut m = model();
        if let Some(lc) = &mut m.long_context {
            lc.above_input_tokens = 0;
        }
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].long_context.above_input_tokens"
        );

        let mut m = model();
        m.cache.ttls.clear();
        assert_eq!(invalid_path(&catalog_with(m)), "models[\"m-1\"].cache.ttls");

        let mut m = model();
        m.cache.granularity_tokens = 0;
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].cache.granularity_tokens"
        );

        let mut m = model();
        m.standard.cache_read = None;
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].standard.cache_read"
        );

        let mut m = model();
        m.deprecation_date = Some("2026-02-30".into());
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].deprecation_date"
        );

        let mut c = catalog_with(model());
        c.effective_date = "27/11/2026".into();
        assert_eq!(invalid_path(&c), "effective_date");
    }

    #[test]
    fn model_validate_converts_to_relative_message() {
        let mut m = model();
        m.batch = Some(rates(1.0, f64::INFINITY));
        let e = m.validate().unwrap_err();
        assert_eq!(e.field_path, "batch.output");
        let s: String = e.into();
        assert!(s.starts_with("batch.output: must be a finite price"), "{s}");
        // Caching off needs no TTLs or read price.
        let mut m = model();
        m.cache = CacheRules::none();
        m.standard.cache_read = None;
        assert_eq!(m.validate(), Ok(()));
    }

    #[test]
    fn invalid_value_in_ron_file_names_origin_and_path() {
        let text = r#"(source: "mine", effective_date: "2026-02-28", models: {
  "a": (provider: "p", mode: Chat, standard: (input: 1.0, output: -2.0),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let e = Catalog::from_ron_str(text, "mine.ron")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("mine.ron: models[\"a\"].standard.output: must be a finite price"),
            "{e}"
        );
    }

    #[test]
    fn suggest_ranks_closest_first() {
        let c = Catalog::builtin();
        // 1 edit from sonnet-4-6, 2 from sonnet-4-5; opus-4-8 (5 edits) is not a near-tie.
        assert_eq!(c.suggest("claude-sonet-4-6"), ["claude-sonnet-4-6"]);
        assert_eq!(
            c.suggest("GPT-4o-mini").first().map(String::as_str),
            Some("gpt-4o-mini")
        );
        assert_eq!(
            c.suggest("gemini-2.5").first().map(String::as_str),
            Some("gemini-2.5-pro")
        );
        assert!(c.suggest("llama-3-70b-instruct").is_empty());
        assert!(c.suggest("").is_empty());
    }

    #[test]
    fn suggest_strips_provider_prefixes() {
        let m = model();
        let c = Catalog {
            source: "t".into(),
            effective_date: "unknown".into(),
            models: BTreeMap::from([
                ("anthropic/claude-x-9".to_string(), m.clone()),
                ("zz-unrelated".to_string(), m),
            ]),
        };
        assert_eq!(c.suggest("claude-x-9"), ["anthropic/claude-x-9"]);
        let mut c = c;
        for id in ["claude-sonnet-4-6", "claude-sonnet-4-5", "claude-opus-4-8"] {
            c.models.insert(id.to_string(), model());
        }
        assert_eq!(
            c.suggest("claude-sonet-4-6"),
            ["claude-sonnet-4-6", "claude-sonnet-4-5"]
        );
    }

    #[test]
    fn extend_adds_and_replaces() {
        let mut c = Catalog::builtin();
        let n = c.models.len();
        let mut cheap = model();
        cheap.standard.input = 0.01;
        c.extend(BTreeMap::from([
            ("gpt-4o-mini".to_string(), cheap.clone()),
            ("my-model".to_string(), model()),
        ]));
        assert_eq!(c.models.len(), n + 1);
        assert_eq!(c.get("gpt-4o-mini"), Some(&cheap));
        assert_eq!(c.get("my-model"), Some(&model()));
    }

    #[test]
    fn load_rejects_unknown_extension_and_reports_missing_file() {
        let e = Catalog::load(Path::new("prices.yaml")).unwrap_err();
        assert!(
            matches!(&e, PricingError::UnknownExtension { extension, .. } if extension == "yaml")
        );
        assert!(e.to_string().contains(".ron") && e.to_string().contains(".json"));
        let e = Catalog::load(Path::new("/nonexistent/dir/prices.ron")).unwrap_err();
        assert!(matches!(e, PricingError::Io { .. }));
        assert!(e.to_string().contains("/nonexistent/dir/prices.ron"));
    }

    #[test]
    fn load_reads_ron_and_json_files() {
        let dir = std::env::temp_dir().join(format!("tokencast-pricing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ron_path = dir.join("cat.RON");
        std::fs::write(&ron_path, ron::ser::to_string(&Catalog::builtin()).unwrap()).unwrap();
        assert_eq!(Catalog::load(&ron_path).unwrap(), Catalog::builtin());
        let json_path = dir.join("prices.json");
        std::fs::write(&json_path, litellm::tests::FIXTURE).unwrap();
        let c = Catalog::load(&json_path).unwrap();
        assert!(is_date(&c.effective_date), "{}", c.effective_date);
        assert!(c.source.contains("prices.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_784), "2026-11-27");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("+026-01-01"));
    }
}
