//! Import of LiteLLM's price map (`model_prices_and_context_window.json`), the price list most
//! LLM tooling already uses, into a [`Catalog`](super::Catalog).
//!
//! LiteLLM keeps every price in USD per token; tokencast stores USD per million. The conversion
//! shifts the decimal exponent of the number as written (`1.345e-07` becomes `0.1345`, where
//! multiplying by 10^6 gives `0.13449999999999998`), so
//! imported prices print cleanly and compare equal to hand-written ones.
//!
//! # Which entries are kept
//!
//! * The `sample_spec` entry documents the format: ignored, not counted.
//! * `{"alias_of": "id"}` entries become a copy of their target (after all other entries).
//! * An entry is kept when its `mode` is `chat`, `completion`, `responses` (all [`Mode::Chat`](super::Mode::Chat)) or
//!   `embedding`, and it has `input_cost_per_token` and `output_cost_per_token` (an embedding
//!   model without an output price gets 0). Everything else (image, audio, rerank, ... models;
//!   entries without prices; a price that is not a number; a negative price) is skipped and
//!   listed in [`ImportStats::skipped`] with the reason.
//!
//! # Price fields
//!
//! | LiteLLM key (per token) | [`Rates`](super::Rates) field (per million) |
//! |---|---|
//! | `input_cost_per_token` | `input` |
//! | `output_cost_per_token` | `output` |
//! | `output_cost_per_reasoning_token` | `reasoning` |
//! | `cache_read_input_token_cost` | `cache_read` |
//! | `cache_creation_input_token_cost` | `cache_write_5m`; `cache_write_30m` for OpenAI GPT-5.6 and later (the models with an OpenAI write price) |
//! | `cache_creation_input_token_cost_above_1hr` | `cache_write_1h` |
//! | `cache_creation_input_token_cost_above_12hr` | `cache_write_12h` (OpenAI GPT-5.6 and later) |
//!
//! Any of these may carry `_above_NNNk_tokens` (long-context tier, threshold NNN × 1000 prompt
//! tokens) and then `_batches` (batch tier) or `_flex` (flex tier), e.g.
//! `input_cost_per_token_above_272k_tokens_batches`. Other tiers (`_priority`, `_ultrafast`, ...)
//! and non-token prices (images, audio, per-query fees) are ignored. When an entry has several
//! long-context thresholds (a handful of resellers do), the **lowest** is kept, since tokencast
//! models one tier; the others are counted in [`ImportStats::ignored_thresholds`].
//!
//! # Derived prices
//!
//! LiteLLM often lists a discounted tier only partially: Anthropic's batch tier has no 1-hour
//! write price, older OpenAI models no batch cached-read price. Leaving those out would bill a
//! batch 1-hour write at plain batch input (half the real price) or make cached batch requests
//! unpriceable. Providers apply a tier's discount to every bucket (Anthropic: batch discounts
//! stack with cache multipliers; OpenAI and Google: batch is 50% off every token price), so a
//! price missing from a tier that has an input or output price is derived from the tier it
//! refines, scaled by the tier's own discount:
//!
//! * base batch/flex from base standard; long-context standard from base standard; long-context
//!   batch/flex from long-context standard;
//! * prompt-side prices (input, cache read, cache writes) scale by the tier's input ratio,
//!   output-side (output, reasoning) by its output ratio;
//! * a price the reference tier lacks stays missing (the fallbacks in [`super`] apply);
//! * a long-context tier lacking batch (flex) prices while the base has them gets the
//!   long-context standard prices scaled by the base batch (flex) discount.
//!
//! Every derived price is counted in [`ImportStats::derived_prices`].
//!
//! A cache-write price below the same tier's input price is ignored (so the write costs plain
//! input): a write processes the prompt and stores it, and no provider charges less for it than
//! for uncached input. In LiteLLM 1.110.2 such values are placeholders: `0` on DeepSeek, Z.ai,
//! Tencent and gateway entries, the cached-read price on a few Azure entries, and
//! `cache_creation_input_token_cost_above_200k_tokens` equal to 0.1x input on Vertex Gemini Pro
//! entries. They are counted in [`ImportStats::ignored_write_prices`].
//!
//! # Cache rules
//!
//! LiteLLM holds only `prompt_cache_min_tokens` and `supports_prompt_caching`; the rest comes from
//! the providers' published rules. Caching is off ([`CacheKind::None`](super::CacheKind::None)) for embedding models and
//! whenever there is no cached-read price. `prompt_cache_min_tokens`, when given, overrides the
//! minimum prefix below.
//!
//! | provider | kind | min prefix | granularity | TTLs (first = default) | refresh on hit | storage |
//! |---|---|---|---|---|---|---|
//! | Anthropic: provider contains `anthropic`, or the id contains `claude` | `Explicit` | 1024 | 1 | 5m, plus 1h when a 1-hour write price exists | yes | - |
//! | `openai`, `azure`, `azure_text`, `text-completion-openai`, with a write price (GPT-5.6 and later) | `ImplicitBreakpoint` | 1024 | 1 | 30m, plus 12h when an `_above_12hr` write price exists | yes (assumed) | - |
//! | the same, without a write price, id containing `gpt-5.5` | `Automatic` | 1024 | 128 | 24h only | yes | - |
//! | the same, without a write price (before GPT-5.6) | `Automatic` | 1024 | 128 | 5m | yes | - |
//! | Gemini: `gemini`, `vertex_ai-language-models`, or `vertex_ai*` with `gemini` in the id | `ExplicitWithStorage` | 2048 for Gemini 1.x and 2.x, else 4096 | 1 | 1h, 5m, 24h | no | $4.50 (pro), $0.50 (3.8 Flash), $1.00 (others) per 1M tokens per hour |
//! | the same, Gemini 4 and later | `None` (no explicit caches) | - | - | - | - | - |
//! | `deepseek` (DeepSeek's own API) | `Automatic` | 64 | 64 | 1h | yes | - |
//! | any other provider, unless `supports_prompt_caching` is `false` | `Automatic` | 1024 | 1 | 5m | yes | - |
//!
//! Every rule set carries its [`source`](super::CacheRules::source): the provider pages it
//! comes from, with their date where the page shows one and the day they were read
//! (2026-12-05), which `tokencast prices MODEL` prints. The quotes are beside each rule in
//! `cache_rules`. In short:
//!
//! * OpenAI: the prompt-caching guide (developers.openai.com/api/docs/guides/prompt-caching,
//!   undated) and the `prompt_cache_options` / `prompt_cache_retention` reference: writes 1.25x
//!   and exact implicit breakpoints from GPT-5.6; no write fee before; GPT-5.5 and GPT-5.5 Pro
//!   retain 24 hours only.
//! * Gemini: the caching page (ai.google.dev/gemini-api/docs/caching, "Last updated 2026-10-13
//!   UTC") for the minimums; the pricing page (ai.google.dev/gemini-api/docs/pricing) for the
//!   storage prices: Gemini 2.5 Pro and 3.1 Pro $4.50, Gemini 2.5 Flash and Flash-Lite $1.00,
//!   Gemini 3.8 Flash $0.50 through 2026-12-31 ($1.00 from 2027-01-01; a catalog holds the
//!   price in effect when it was read); other Gemini models are assumed to follow the Pro /
//!   Flash split. Gemini explicit caches keep the TTL they were created with (default 1 hour),
//!   so hits do not refresh them. Gemini 4 Argon and later have only implicit caching
//!   (ai.google.dev/gemini-api/docs/generate-content/caching), which is not a cache kind here.
//! * DeepSeek: the context-caching guide (api-docs.deepseek.com/guides/kv_cache, undated):
//!   caching is automatic and a write costs the miss price (LiteLLM's write price is 0); the
//!   64-token unit and the 1-hour lifetime are tokencast's assumptions, as the page states
//!   neither. LiteLLM lists DeepSeek's peak prices; off-peak hours bill half, which one price
//!   per bucket cannot say.
//!
//! # Files
//!
//! This file holds what an import reports ([`ImportStats`]) and the per-tier price slots;
//! `import` walks the map and turns one entry into a [`ModelPrice`](super::ModelPrice), `fields`
//! reads LiteLLM keys and values, `tiers` derives the prices a tier lacks, and `cache_rules`
//! holds the providers' published cache rules.

use std::collections::BTreeMap;
use std::fmt;

use super::billing::ServiceTier;
use super::error::InvalidField;

mod cache_rules;

pub use cache_rules::{caches_implicitly, takes_prompt_cache_key};
mod fields;
mod import;
mod tiers;

/// What an import kept, skipped and filled in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportStats {
    /// Entries in the map (the `sample_spec` documentation entry excluded).
    pub entries: usize,
    /// Models imported (aliases included).
    pub imported: usize,
    /// Of `imported`, how many are `alias_of` copies.
    pub aliases: usize,
    /// Entries not imported, by model id, with the reason.
    pub skipped: Vec<Skipped>,
    /// Tier prices LiteLLM does not list, derived by scaling (see the module docs).
    pub derived_prices: usize,
    /// Long-context thresholds dropped because an entry had a lower one.
    pub ignored_thresholds: usize,
    /// Cache-write prices ignored because they were below the same tier's input price.
    pub ignored_write_prices: usize,
}

impl ImportStats {
    /// Number of skipped entries per [`SkipReason::kind`].
    pub fn skipped_by_reason(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for s in &self.skipped {
            *out.entry(s.reason.kind()).or_insert(0) += 1;
        }
        out
    }
}

/// An entry the import left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The entry's key.
    pub model: String,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why an entry was left out.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// The entry is not a JSON object.
    NotAnObject,
    /// Its `mode` is not chat, completion, responses or embedding (`None`: no mode).
    Mode(Option<String>),
    /// A required price is missing (the LiteLLM key).
    MissingPrice(&'static str),
    /// A field tokencast reads has the wrong type.
    BadValue {
        /// The LiteLLM key.
        field: String,
        /// What was found.
        message: String,
    },
    /// The imported prices are out of range.
    Invalid(InvalidField),
    /// An `alias_of` entry whose target was not imported.
    AliasTargetMissing(String),
}

impl SkipReason {
    /// Short category: "not_an_object", "mode", "missing_price", "bad_value", "invalid",
    /// "alias_target_missing".
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::NotAnObject => "not_an_object",
            SkipReason::Mode(_) => "mode",
            SkipReason::MissingPrice(_) => "missing_price",
            SkipReason::BadValue { .. } => "bad_value",
            SkipReason::Invalid(_) => "invalid",
            SkipReason::AliasTargetMissing(_) => "alias_target_missing",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotAnObject => f.write_str("entry is not a JSON object"),
            SkipReason::Mode(Some(m)) => write!(
                f,
                "mode {m:?} is not priced per token (chat, completion, responses, embedding)"
            ),
            SkipReason::Mode(None) => f.write_str("entry has no mode"),
            SkipReason::MissingPrice(k) => write!(f, "no {k}"),
            SkipReason::BadValue { field, message } => write!(f, "{field}: {message}"),
            SkipReason::Invalid(e) => write!(f, "{e}"),
            SkipReason::AliasTargetMissing(t) => {
                write!(f, "alias of {t:?}, which was not imported")
            }
        }
    }
}

/// Slots of one tier's prices, per million tokens, before fallbacks.
type Slots = [Option<f64>; 7];
const IN: usize = 0;
const OUT: usize = 1;
const REASONING: usize = 2;
const READ: usize = 3;
const WRITE_5M: usize = 4;
const WRITE_1H: usize = 5;
const WRITE_24H: usize = 6;

/// Every price slot an entry lists, by (service tier, long-context threshold in tokens).
type RawPrices = BTreeMap<(ServiceTier, Option<u64>), Slots>;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::foundations::pricing::tests::BUILTIN_IDS;
    use crate::foundations::pricing::{
        Bucket, CacheKind, CacheRules, Catalog, Mode, PriceTier, ServiceTier, Ttl,
    };

    /// Entries copied verbatim from LiteLLM 1.110.2: `sample_spec`, the sources of every built-in
    /// model (the `gemini/` entries for Gemini; `claude-haiku-5-5`, unindented in LiteLLM's
    /// file, re-indented), an image model (`gpt-image-2`, skipped) and a real alias whose target
    /// is not in the fixture (`deepseek/deepseek-flash-latest`, skipped); plus one made-up
    /// alias, `gpt-mini-alias` -> `gpt-4o-mini`, to test alias resolution.
    pub(crate) const FIXTURE: &str = include_str!("testdata/litellm-sample.json");

    /// The whole LiteLLM 1.110.2 map: `$TOKENCAST_LITELLM_JSON`, else
    /// `$CARGO_MANIFEST_DIR/../shared/pricing/litellm-model-prices-1.110.2.json`.
    fn real_file() -> Option<(String, String)> {
        let path = std::env::var("TOKENCAST_LITELLM_JSON").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/pricing/litellm-model-prices-1.110.2.json"
            )
            .to_string()
        });
        std::fs::read_to_string(&path).ok().map(|t| (path, t))
    }

    /// The LiteLLM entry a built-in id was copied from (Gemini: the `gemini/` entries).
    fn source_id(id: &str) -> String {
        if id.starts_with("gemini-") {
            format!("gemini/{id}")
        } else {
            id.to_string()
        }
    }

    fn fixture() -> (Catalog, ImportStats) {
        Catalog::from_litellm_str_with_stats(FIXTURE, "litellm-sample.json").unwrap()
    }

    #[test]
    fn fixture_counts() {
        let (c, stats) = fixture();
        // 41 sources + gpt-4o-mini alias imported; image model and dangling real alias skipped.
        assert_eq!(stats.entries, 44);
        assert_eq!(stats.imported, 42);
        assert_eq!(stats.aliases, 1);
        assert_eq!(c.models.len(), 42);
        let reasons: Vec<(&str, &str)> = stats
            .skipped
            .iter()
            .map(|s| (s.model.as_str(), s.reason.kind()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("deepseek/deepseek-flash-latest", "alias_target_missing"),
                ("gpt-image-2", "mode")
            ]
        );
        assert_eq!(c.get("gpt-mini-alias"), c.get("gpt-4o-mini"));
        assert_eq!(c.effective_date, "unknown");
        assert_eq!(c.source, "LiteLLM price map litellm-sample.json");
        assert!(stats.derived_prices > 0);
    }

    #[test]
    fn anthropic_entry() {
        let (c, _) = fixture();
        let m = c.get("claude-opus-4-8").unwrap();
        assert_eq!(m.provider, "anthropic");
        assert_eq!(m.mode, Mode::Chat);
        assert_eq!(
            (m.max_input_tokens, m.max_output_tokens),
            (Some(1_000_000), Some(128_000))
        );
        let s = &m.standard;
        assert_eq!((s.input, s.output, s.reasoning), (5.0, 25.0, None));
        assert_eq!(s.cache_read, Some(0.5));
        assert_eq!(s.cache_write_5m, Some(6.25));
        assert_eq!(s.cache_write_1h, Some(10.0));
        assert_eq!(s.cache_write_24h, None);
        let b = m.batch.as_ref().unwrap();
        assert_eq!(
            (b.input, b.output, b.cache_read, b.cache_write_5m),
            (2.5, 12.5, Some(0.25), Some(3.125))
        );
        // Not in LiteLLM: derived from the 1h write price at the batch discount.
        assert_eq!(b.cache_write_1h, Some(5.0));
        assert_eq!(m.flex, None);
        assert_eq!(m.long_context, None);
        assert_eq!(m.cache.kind, CacheKind::Explicit);
        assert_eq!(m.cache.ttls, [Ttl::M5, Ttl::H1]);
        assert_eq!(
            (m.cache.min_prefix_tokens, m.cache.granularity_tokens),
            (1024, 1)
        );
        assert!(m.cache.refresh_on_hit);
        // prompt_cache_min_tokens overrides the provider default.
        assert_eq!(
            c.get("claude-haiku-4-5").unwrap().cache.min_prefix_tokens,
            4096
        );
    }

    #[test]
    fn openai_entry_with_long_context_and_extended_retention() {
        let (c, _) = fixture();
        let m = c.get("gpt-5.6-sol").unwrap();
        assert_eq!(m.standard.input, 4.0);
        // GPT-5.6: LiteLLM's write price is the 30-minute write, in every tier; OpenAI's API
        // offers no 12-hour TTL, so `_above_12hr` is left out.
        assert_eq!(m.standard.cache_write_30m, Some(5.0));
        assert_eq!(
            (
                m.standard.cache_write_5m,
                m.standard.cache_write_12h,
                m.standard.cache_write_24h
            ),
            (None, None, None)
        );
        let f = m.flex.as_ref().unwrap();
        assert_eq!(
            (f.input, f.output, f.cache_read, f.cache_write_30m),
            (2.0, 10.0, Some(0.2), Some(2.5))
        );
        let lc = m.long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 272_000);
        assert_eq!((lc.standard.input, lc.standard.output), (8.0, 30.0));
        assert_eq!(lc.standard.cache_write_30m, Some(10.0));
        let lb = lc.batch.as_ref().unwrap();
        assert_eq!(
            (lb.input, lb.output, lb.cache_read, lb.cache_write_30m),
            (4.0, 15.0, Some(0.4), Some(5.0))
        );
        assert_eq!(lb.cache_write_12h, None);
        assert_eq!(lc.flex.as_ref().unwrap().output, 15.0);
        assert_eq!(m.cache.kind, CacheKind::ImplicitBreakpoint);
        assert_eq!(m.cache.granularity_tokens, 1);
        assert_eq!(m.cache.ttls, [Ttl::M30]);
        // Azure's API lists a 12-hour TTL: there, with LiteLLM's `_above_12hr` price.
        let azure = Catalog::from_litellm_str(
            r#"{"azure/gpt-5.6-sol": {"mode": "chat", "litellm_provider": "azure",
                "input_cost_per_token": 4e-6, "output_cost_per_token": 2e-5,
                "cache_read_input_token_cost": 4e-7, "cache_creation_input_token_cost": 5e-6,
                "cache_creation_input_token_cost_above_12hr": 1e-5}}"#,
            "azure.json",
        )
        .unwrap();
        let a = azure.get("azure/gpt-5.6-sol").unwrap();
        assert_eq!(a.cache.ttls, [Ttl::M30, Ttl::H12]);
        assert_eq!(
            (a.standard.cache_write_30m, a.standard.cache_write_12h),
            (Some(5.0), Some(10.0))
        );
        assert_eq!(m.price_tier(272_000), PriceTier::Base);
        assert_eq!(m.price_tier(272_001), PriceTier::LongContext);
        // Older model: no write price, no 24h retention; batch cached read derived (LiteLLM has
        // none) at the batch discount.
        let mini = c.get("gpt-4o-mini").unwrap();
        assert_eq!(mini.cache.ttls, [Ttl::M5]);
        assert_eq!(mini.standard.cache_write_5m, None);
        assert_eq!(mini.batch.as_ref().unwrap().cache_read, Some(0.0375));
        assert_eq!(mini.deprecation_date.as_deref(), Some("2027-01-14"));
    }

    #[test]
    fn gemini_entry() {
        let (c, _) = fixture();
        let m = c.get("gemini/gemini-2.5-pro").unwrap();
        assert_eq!(m.provider, "gemini");
        assert_eq!(m.cache.kind, CacheKind::ExplicitWithStorage);
        assert_eq!(m.cache.ttls, [Ttl::H1, Ttl::M5, Ttl::H24]);
        assert!(!m.cache.refresh_on_hit);
        assert_eq!(m.cache.min_prefix_tokens, 2048);
        assert_eq!(m.cache.storage_per_mtok_hour, Some(4.5));
        let lc = m.long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 200_000);
        assert_eq!(
            (
                lc.standard.input,
                lc.standard.output,
                lc.standard.cache_read
            ),
            (2.5, 15.0, Some(0.25))
        );
        assert_eq!(lc.batch.as_ref().unwrap().cache_read, Some(0.25));
        let flash = c.get("gemini/gemini-2.5-flash").unwrap();
        assert_eq!(flash.cache.storage_per_mtok_hour, Some(1.0));
        // 2,048 for Gemini 2.5 (ai.google.dev/gemini-api/docs/caching, 2026-07-07).
        assert_eq!(flash.cache.min_prefix_tokens, 2048);
        assert_eq!(flash.standard.reasoning, Some(2.5));
        let storage = flash.rate_per_token(
            ServiceTier::Standard,
            PriceTier::Base,
            Bucket::CacheStorageTokenHours,
        );
        assert_eq!(storage, Some(1e-6));
    }

    #[test]
    fn embedding_entry() {
        let (c, _) = fixture();
        let m = c.get("text-embedding-3-small").unwrap();
        assert_eq!(m.mode, Mode::Embedding);
        assert_eq!((m.standard.input, m.standard.output), (0.02, 0.0));
        assert_eq!(m.batch.as_ref().map(|b| b.input), Some(0.01));
        assert_eq!(m.cache, CacheRules::none());
    }

    /// Keeps the hand-written catalog honest: every built-in model equals what the importer
    /// makes of its LiteLLM entry (Gemini ids come from the `gemini/` entries). No differences
    /// are allowed.
    #[test]
    fn builtin_matches_importer() {
        let (imported, _) = fixture();
        let builtin = Catalog::builtin();
        for id in BUILTIN_IDS {
            let src = source_id(id);
            assert_eq!(
                builtin.get(id),
                imported.get(&src),
                "built-in {id} differs from the import of LiteLLM {src}"
            );
        }
        assert_eq!(builtin.models.len(), BUILTIN_IDS.len());
    }

    /// The whole real map, from `../shared` beside the repository (or `TOKENCAST_LITELLM_JSON`).
    #[test]
    #[ignore = "needs ../shared/pricing (the real LiteLLM map); CI runs it with --ignored"]
    fn real_litellm_map_loads() {
        let Some((path, text)) = real_file() else {
            panic!(
                "the LiteLLM 1.110.2 map is not at ../shared/pricing/litellm-model-prices-1.110.2.json; \
                 set TOKENCAST_LITELLM_JSON to its path"
            );
        };
        let (c, stats) = Catalog::from_litellm_str_with_stats(&text, &path).unwrap();
        assert_eq!(stats.entries, 4877);
        assert_eq!(stats.imported + stats.skipped.len(), stats.entries);
        assert!(stats.imported > 3000, "{} imported", stats.imported);
        // Every priced chat/embedding entry is usable: nothing fails validation.
        assert_eq!(stats.skipped_by_reason().get("invalid"), None);
        assert_eq!(stats.skipped_by_reason().get("bad_value"), None);
        let (fixture, _) = fixture();
        for id in BUILTIN_IDS {
            let src = source_id(id);
            assert_eq!(c.get(&src), fixture.get(&src), "{src}");
        }
        // Resellers with two thresholds keep the lowest.
        assert!(stats.ignored_thresholds > 0);
        c.validate().unwrap();
    }
}
