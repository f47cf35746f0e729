//! Checking a scenario: field errors with their paths, the validator that collects them, the
//! RON syntax errors with `file:line:col`, and the wording shared by every message.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::foundations::dist::Dist;
use crate::foundations::limits;
use crate::foundations::pricing::{Catalog, PricingError};

use super::Endpoint;
use super::file::ScenarioFile;

/// One problem found in a scenario, with the path of the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path, e.g. `endpoints[1].traffic.turns`.
    pub path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: cannot read scenario: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid RON for the scenario schema.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser expected.
        message: String,
    },
    /// The file parsed but some fields are invalid.
    #[error("{}", display_invalid(path, errors))]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found.
        errors: Vec<FieldError>,
    },
    /// The price catalog named by the scenario or `--prices` could not be loaded.
    #[error("{path}: prices: {source}")]
    Prices {
        /// The scenario file.
        path: String,
        /// The catalog error.
        source: PricingError,
    },
}

fn display_invalid(path: &str, errors: &[FieldError]) -> String {
    let mut s = format!(
        "{path}: {} problem{} found",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        s.push_str(&format!("\n  {path}: {e}"));
    }
    s
}

/// Parse scenario text (RON) into the file schema. Syntax errors carry `path:line:col`.
pub fn parse(text: &str, path: &str) -> Result<ScenarioFile, ScenarioError> {
    // A byte-order mark (editors on Windows write one) is not part of the text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    opts.from_str::<ScenarioFile>(text)
        .map_err(|e| ScenarioError::Syntax {
            path: path.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: {
                let m = explain_ron_error(&e.code);
                let first = text.lines().next().unwrap_or("");
                if first.contains("input_tokens")
                    || first.contains("TIMESTAMP")
                    || first.starts_with('{')
                {
                    format!("{m} (this looks like a trace: `tokencast audit` reads traces)")
                } else {
                    m
                }
            },
        })
}

/// RON's messages, with the list of valid field names where the parser knows it.
fn explain_ron_error(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}{}; valid fields: {}",
            outer
                .as_ref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default(),
            did_you_mean(found, expected),
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, outer } => format!(
            "missing required field `{field}`{}",
            outer
                .as_ref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default()
        ),
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}{}; valid: {}",
            outer
                .as_ref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            did_you_mean(found, expected),
            expected.join(", ")
        ),
        ron::Error::ExpectedComma => {
            "expected a comma: is one missing at the end of the previous field or element?"
                .to_string()
        }
        other => other.to_string(),
    }
}

/// `" (did you mean `x`?)"` for the closest valid name, if one is close.
pub fn did_you_mean(found: &str, valid: &[&str]) -> String {
    let best = valid
        .iter()
        .map(|v| {
            (
                strsim::osa_distance(&found.to_lowercase(), &v.to_lowercase()),
                *v,
            )
        })
        .min();
    match best {
        Some((d, v)) if d <= (found.len() / 3).max(2) => format!(" (did you mean `{v}`?)"),
        _ => String::new(),
    }
}

/// "unknown model X in CATALOG; did you mean ...?" (or how to find the valid ids); why its
/// entry was left out when the catalog's file has one for it.
pub fn unknown_model(id: &str, catalog: &Catalog) -> String {
    if let Some(skipped) = catalog.skipped_entry(id) {
        return format!("{skipped}; fix the entry, or add the model under `models`");
    }
    let sugg = catalog.suggest(id);
    let hint = if sugg.is_empty() {
        " (run `tokencast prices` to list known models, or add it under `models`)".to_string()
    } else {
        format!("; did you mean {}?", quote_list(&sugg))
    };
    format!("unknown model {id:?} in {}{hint}", catalog.source)
}

/// "no endpoint named X; endpoints: a, b": a lever or rule names an endpoint the scenario lacks.
pub(super) fn unknown_endpoint(name: &str, endpoints: &[Endpoint]) -> String {
    let names: Vec<&str> = endpoints.iter().map(|e| e.name.as_str()).collect();
    format!(
        "no endpoint named {name:?}; endpoints: {}",
        names.join(", ")
    )
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Resolve a path given in a scenario relative to the scenario's directory.
pub fn relative_to(scenario: &Path, p: &str) -> PathBuf {
    scenario
        .parent()
        .map(|d| d.join(p))
        .unwrap_or_else(|| PathBuf::from(p))
}

/// Largest mean token count per request a scenario may state (10 million: ten times the
/// largest context window in the catalog); the draws themselves are checked against
/// [`limits::MAX_TOKENS_PER_REQUEST`].
pub const MAX_MEAN_TOKENS: f64 = limits::MAX_TOKENS_PER_REQUEST;

/// Most sessions a day one endpoint may generate (every request is simulated):
/// [`limits::MAX_SESSIONS_PER_DAY`].
pub const MAX_SESSIONS_PER_DAY: f64 = limits::MAX_SESSIONS_PER_DAY;

#[derive(Default)]
pub(super) struct Validator {
    pub(super) errors: Vec<FieldError>,
}

impl Validator {
    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(super) fn probability(&mut self, path: &str, x: f64) {
        if !(0.0..=1.0).contains(&x) {
            self.err(
                path,
                format!(
                    "must be a probability between 0 and 1 (got {})",
                    trim_float(x)
                ),
            );
        }
    }

    pub(super) fn non_negative(&mut self, path: &str, x: f64) {
        if !x.is_finite() || x < 0.0 {
            self.err(
                path,
                format!("must be a finite number >= 0 (got {})", trim_float(x)),
            );
        }
    }

    /// A name printed in tables, CSV and markdown: no control characters (a newline would
    /// break the row it is printed in).
    pub(super) fn printable(&mut self, path: &str, name: &str) {
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            self.err(
                path,
                format!(
                    "{name:?} contains the control character {:?}; a name is printed in tables \
                     and must be one line of printable text",
                    c
                ),
            );
        }
    }

    /// A name: not empty, and not one an earlier item of the same kind already uses.
    pub(super) fn name(&mut self, path: &str, name: &str, duplicate: bool, kind: &str) {
        if name.trim().is_empty() {
            self.err(path, "must not be empty");
        }
        self.printable(path, name);
        if duplicate {
            self.err(
                path,
                format!("duplicate {kind} name {name:?}; names must be unique"),
            );
        }
    }

    /// A token-count distribution: valid, mean >= 0 and at most [`MAX_MEAN_TOKENS`], and its
    /// plausible largest draw ([`Dist::plausible_max`]) at most
    /// [`limits::MAX_TOKENS_PER_REQUEST`].
    pub(super) fn tokens(&mut self, path: &str, d: &Dist) {
        let before = self.errors.len();
        self.dist(path, d, 0.0);
        if self.errors.len() == before && d.mean() > MAX_MEAN_TOKENS {
            self.err(
                path,
                format!(
                    "mean of {} tokens per request is beyond any model's context window; at most {} is accepted",
                    trim_float(d.mean()),
                    trim_float(MAX_MEAN_TOKENS)
                ),
            );
            return;
        }
        if self.errors.len() == before {
            self.plausible(
                path,
                d,
                limits::MAX_TOKENS_PER_REQUEST,
                "tokens per request",
                "ten times any model's context window",
            );
        }
    }

    /// `d`'s plausible largest draw (its largest value if bounded, else its P99.9) must be at
    /// most `max` (in `unit`); `why` says where the limit comes from.
    pub(super) fn plausible(&mut self, path: &str, d: &Dist, max: f64, unit: &str, why: &str) {
        let top = d.plausible_max();
        if top > max {
            // Whole units are precise enough in a message about a limit.
            let top = if top >= 1.0 { top.round() } else { top };
            let which = if d.support_max().is_finite() {
                "largest value"
            } else {
                "P99.9"
            };
            self.err(
                path,
                format!(
                    "{d} has a {which} of {} {unit}; at most {} is accepted ({why})",
                    trim_float(top),
                    trim_float(max)
                ),
            );
        }
    }

    /// An amount (users, dollars, ...): a finite number from 0 to `max`, in `unit`.
    pub(super) fn amount(&mut self, path: &str, x: f64, max: f64, unit: &str) {
        if !x.is_finite() || x < 0.0 {
            self.err(
                path,
                format!("must be a finite number >= 0 (got {})", trim_float(x)),
            );
        } else if x > max {
            self.err(
                path,
                format!(
                    "{} {unit} is beyond any plausible value; at most {} is accepted",
                    trim_float(x),
                    trim_float(max)
                ),
            );
        }
    }

    pub(super) fn dist(&mut self, path: &str, d: &Dist, min_mean: f64) {
        if let Err(e) = d.validate() {
            self.err(path, e);
            return;
        }
        let mean = d.mean();
        if mean < min_mean {
            self.err(
                path,
                format!("mean must be >= {min_mean} (got {})", trim_float(mean)),
            );
        }
    }

    /// Normalised weights (sum 1), or uniform if absent.
    pub(super) fn weights<const N: usize>(
        &mut self,
        path: &str,
        w: Option<&[f64]>,
        what: &str,
    ) -> [f64; N] {
        let uniform = [1.0 / N as f64; N];
        let Some(w) = w else { return uniform };
        if w.len() != N {
            self.err(path, format!("needs {what} (got {} values)", w.len()));
            return uniform;
        }
        if let Some((i, x)) = w
            .iter()
            .enumerate()
            .find(|(_, x)| !x.is_finite() || **x < 0.0)
        {
            self.err(
                format!("{path}[{i}]"),
                format!("weights must be finite and >= 0 (got {})", trim_float(*x)),
            );
            return uniform;
        }
        let sum: f64 = w.iter().sum();
        if !sum.is_finite() {
            self.err(
                path,
                "weights are relative, and these add up beyond any number (each 1e308?): scale them down, e.g. to shares that sum to 1",
            );
            return uniform;
        }
        if sum <= 0.0 {
            self.err(path, "at least one weight must be positive");
            return uniform;
        }
        let mut out = [0.0; N];
        for (o, x) in out.iter_mut().zip(w) {
            *o = x / sum;
        }
        out
    }
}

/// A float printed without a trailing `.0` when it is whole, and in scientific notation
/// (`1e300`) when very large or very small, never as hundreds of digits
/// ([`limits::readable`]).
pub fn trim_float(x: f64) -> String {
    limits::readable(x)
}
