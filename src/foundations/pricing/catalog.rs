//! The [`Catalog`]: model id -> [`ModelPrice`], with lookup by exact id, "did you mean"
//! suggestions, overrides laid on top, and the check of every model. Where a catalog comes from
//! is in `load` and [`litellm`](super::litellm).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::PricingError;
use super::model_price::ModelPrice;
use super::validate::is_date;

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
    /// Entries of the file that were left out when it was read (a LiteLLM map's entries
    /// tokencast cannot price), by model id, with why: a model asked for by such an id is
    /// explained rather than called unknown ([`Catalog::skipped_entry`]). Not part of a RON
    /// catalog.
    #[serde(skip)]
    pub skipped: BTreeMap<String, String>,
}

impl Catalog {
    /// The prices of a model, by exact id.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        self.models.get(model)
    }

    /// When `model` is not in the catalog but its file had an entry for it that was skipped:
    /// `"x" is in SOURCE, but its entry was skipped: WHY`, for the caller's message in place of
    /// "unknown model".
    pub fn skipped_entry(&self, model: &str) -> Option<String> {
        if self.models.contains_key(model) {
            return None;
        }
        self.skipped.get(model).map(|why| {
            format!(
                "{model:?} is in {}, but its entry was skipped: {why}",
                self.source
            )
        })
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

    pub(super) fn validate_as(&self, origin: &str) -> Result<(), PricingError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::tests::model;

    #[test]
    fn suggest_ranks_closest_first() {
        let c = Catalog::builtin();
        // 1 edit from sonnet-4-6, 3 from sonnet-5-5 (a near-tie); opus-4-8 (5 edits) is not.
        assert_eq!(
            c.suggest("claude-sonet-4-6"),
            ["claude-sonnet-4-6", "claude-sonnet-5-5"]
        );
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
            skipped: BTreeMap::new(),
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
}
