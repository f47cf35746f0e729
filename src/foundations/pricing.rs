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
//! * [`Catalog::builtin`]: `src/foundations/pricing/builtin.ron`, hand-written from the LiteLLM 1.110.2 price
//!   map (`model_prices_and_context_window_backup.json`), taken into tokencast on 2026-11-27
//!   (its `effective_date`). A unit test checks it against the importer's output for the same
//!   entries, so the two cannot drift apart.
//! * [`Catalog::load`]: a `.ron` file holding a [`Catalog`], or a `.json` LiteLLM price map
//!   (see [`litellm`] for the import rules: which entries are kept, how tiers and cache rules are
//!   derived). A LiteLLM map carries no date, so its effective date is `unknown` (a file's
//!   modification time says when it was checked out, not when the prices were published).
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
//!
//! # Files
//!
//! The types a price is made of ([`ModelPrice`] and its [`Rates`], in `model_price`), the
//! coordinates a price is looked up by ([`ServiceTier`], [`PriceTier`], [`Bucket`], in
//! `billing`), prompt-cache rules ([`CacheRules`], [`Ttl`], in `cache`), the checks a model's
//! prices must pass (`validate`), the [`Catalog`] itself (`catalog`), where a catalog comes from
//! (the built-in, RON files, any file by extension: `load`; LiteLLM maps: [`litellm`]) and the
//! errors (`error`).

mod billing;
mod cache;
mod catalog;
mod error;
pub mod litellm;
mod load;
mod model_price;
mod validate;

pub use billing::{Bucket, PriceTier, ServiceTier};
pub use cache::{CacheKind, CacheRules, Ttl};
pub use catalog::Catalog;
pub use error::{InvalidField, PricingError, PricingGap};
pub use litellm::{ImportStats, caches_implicitly, takes_prompt_cache_key};
pub use model_price::{LongContextTier, Mode, ModelPrice, Rates};

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The ids the built-in catalog must cover.
    pub(crate) const BUILTIN_IDS: [&str; 41] = [
        "claude-opus-5-5",
        "claude-opus-5",
        "claude-sonnet-5-5",
        "claude-sonnet-5",
        "claude-haiku-5-5",
        "claude-opus-4-8",
        "claude-opus-4-7",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "claude-fable-5-1",
        "claude-fable-5",
        "claude-mythos-5-1",
        "claude-mythos-5",
        "gpt-6-sol",
        "gpt-6-luna",
        "gpt-6-astra",
        "gpt-6.1-sol",
        "gpt-6.1-terra",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-5.5",
        "gpt-5.5-pro",
        "gpt-5.4",
        "gpt-5.4-mini",
        "gpt-5.4-nano",
        "gpt-5.4-pro",
        "gpt-5-mini",
        "gpt-4o-mini",
        "text-embedding-3-small",
        "gemini-3.8-flash",
        "gemini-3.7-flash",
        "gemini-3.6-flash",
        "gemini-3.5-flash",
        "gemini-3.5-flash-lite",
        "gemini-3.1-pro-preview",
        "gemini-3.1-flash-lite",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "deepseek-v4-flash",
        "deepseek-v4-pro",
    ];

    pub(super) fn rates(input: f64, output: f64) -> Rates {
        Rates {
            input,
            output,
            reasoning: None,
            cache_read: None,
            cache_write_5m: None,
            cache_write_30m: None,
            cache_write_1h: None,
            cache_write_12h: None,
            cache_write_24h: None,
        }
    }

    pub(super) fn model() -> ModelPrice {
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
                source: None,
            },
            deprecation_date: None,
        }
    }

    pub(super) fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1e-12))
    }
}
