//! The checks a model's prices must pass ([`ModelPrice::validate`], [`ModelPrice::problems`]):
//! a provider, positive limits and thresholds, finite non-negative prices, consistent cache
//! rules and real dates. Prices and token limits also have a plausible maximum
//! ([`crate::foundations::limits`]): at most $1,000 per million tokens and 100 million tokens. Each group of checks is one named step, run in field order so the
//! first problem reported is always the same.

use super::cache::CacheKind;
use super::error::InvalidField;
use super::model_price::{ModelPrice, Rates};
use crate::foundations::calendar::Date;
use crate::foundations::limits::{self, readable};

impl ModelPrice {
    /// Check the model (see [`Catalog::validate`]); the error names the first bad field relative
    /// to the model, e.g. `standard.input`. Converts into a `String` for field-error lists.
    ///
    /// [`Catalog::validate`]: super::Catalog::validate
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
        self.check_identity(&mut push);
        self.check_prices(&mut push);
        self.check_cache(&mut push);
        self.check_deprecation_date(&mut push);
        out
    }

    /// A provider name, and context limits that are unknown or positive.
    fn check_identity(&self, push: &mut impl FnMut(String, String)) {
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
            if let Some(n) = v
                && n > limits::MAX_MODEL_TOKENS
            {
                push(
                    name.into(),
                    format!(
                        "{} tokens is beyond any model's limit; at most {} is accepted",
                        readable(n as f64),
                        readable(limits::MAX_MODEL_TOKENS as f64)
                    ),
                );
            }
        }
    }

    /// A positive long-context threshold, and every price of every tier finite and `>= 0`.
    fn check_prices(&self, push: &mut impl FnMut(String, String)) {
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
                    && let Err(m) = price(v, "USD per million tokens")
                {
                    push(format!("{path}.{name}"), m);
                }
            }
        }
    }

    /// Cache rules: granularity `>= 1`; when caching is on, a TTL and a cached-read price; no TTL
    /// listed twice; a storage price finite and `>= 0`.
    fn check_cache(&self, push: &mut impl FnMut(String, String)) {
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
                        "at least one TTL (M5, M30, H1, H12, H24) is required when cache.kind is {:?}",
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
            && let Err(m) = price(s, "USD per million tokens per hour")
        {
            push("cache.storage_per_mtok_hour".into(), m);
        }
    }

    /// A deprecation date, when given, written `YYYY-MM-DD`.
    fn check_deprecation_date(&self, push: &mut impl FnMut(String, String)) {
        if let Some(d) = &self.deprecation_date
            && !is_date(d)
        {
            push(
                "deprecation_date".into(),
                format!("must be a date \"YYYY-MM-DD\" (got {d:?})"),
            );
        }
    }
}

/// A price in `unit` (per million tokens): finite, `>= 0` and at most
/// [`limits::MAX_USD_PER_MTOK`] (no model costs more than $1,000 per million tokens today; a
/// price per token written where a price per million was meant is a million times too small, the
/// reverse a million times too large).
fn price(v: f64, unit: &str) -> Result<(), String> {
    if !(v.is_finite() && v >= 0.0) {
        Err(format!(
            "must be a finite price >= 0, {unit} (got {})",
            readable(v)
        ))
    } else if v > limits::MAX_USD_PER_MTOK {
        Err(format!(
            "{} {unit} is beyond any model's price; at most {} is accepted (is it a price per \
             token or per thousand tokens? prices here are per million)",
            readable(v),
            readable(limits::MAX_USD_PER_MTOK)
        ))
    } else {
        Ok(())
    }
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD` (see [`Date::parse`]).
pub(super) fn is_date(s: &str) -> bool {
    Date::parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::tests::{model, rates};
    use crate::foundations::pricing::{CacheRules, Catalog, PricingError};
    use std::collections::BTreeMap;

    fn catalog_with(m: ModelPrice) -> Catalog {
        Catalog {
            source: "test.ron".into(),
            effective_date: "2026-01-01".into(),
            models: BTreeMap::from([("m-1".to_string(), m)]),
            skipped: BTreeMap::new(),
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

        let mut m = model();
        m.standard.output = 1e300;
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].standard.output"
        );

        let mut m = model();
        m.max_output_tokens = Some(u64::MAX);
        assert_eq!(
            invalid_path(&catalog_with(m)),
            "models[\"m-1\"].max_output_tokens"
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
    fn prices_and_limits_have_plausible_maxima() {
        let mut m = model();
        m.standard.input = 1e300;
        let e = m.validate().unwrap_err();
        assert_eq!(e.field_path, "standard.input");
        assert_eq!(
            e.message,
            "1e300 USD per million tokens is beyond any model's price; at most 1000 is accepted \
             (is it a price per token or per thousand tokens? prices here are per million)"
        );
        // The limit itself is accepted.
        let mut m = model();
        m.standard.output = 1000.0;
        m.max_input_tokens = Some(100_000_000);
        assert_eq!(m.validate(), Ok(()));
        let mut m = model();
        m.cache.storage_per_mtok_hour = Some(1000.5);
        assert_eq!(
            m.validate().unwrap_err().field_path,
            "cache.storage_per_mtok_hour"
        );
        let mut m = model();
        m.max_input_tokens = Some(100_000_001);
        let e = m.validate().unwrap_err();
        assert_eq!(
            e.message,
            "100000001 tokens is beyond any model's limit; at most 100000000 is accepted"
        );
    }

    #[test]
    fn dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("+026-01-01"));
    }
}
