//! The providers' published prompt-cache rules (the "Cache rules" table in the module docs of
//! [`super`]): LiteLLM holds only `prompt_cache_min_tokens` and `supports_prompt_caching`, so the
//! kind, TTLs, granularity, refresh and storage price come from here, one function per provider
//! family.

use serde_json::{Map, Value};

use super::SkipReason;
use super::fields::count;
use crate::foundations::pricing::cache::{CacheKind, CacheRules, Ttl};
use crate::foundations::pricing::model_price::{Mode, Rates};

/// Google's explicit context-caching storage price, USD per million tokens per hour
/// (ai.google.dev/gemini-api/docs/pricing: Gemini 2.5 Pro and 3.1 Pro Preview $4.50, Gemini 2.5
/// Flash and Flash-Lite $1.00 per 1,000,000 tokens per hour; see the module docs of [`super`]).
const GEMINI_PRO_STORAGE: f64 = 4.5;
const GEMINI_FLASH_STORAGE: f64 = 1.0;
/// Gemini 3.8 and 3.6 Flash's launch storage price, "$0.50 / 1,000,000 tokens per hour (storage
/// price) through December 31, 2026. $1.00 ... starting January 1, 2027" (the Gemini API
/// pricing page: 3.8 as quoted by a third party, read 2026-12-05; 3.6 as recorded verbatim from
/// the live page on 2026-09-20 in a third party's price-table test). A catalog holds one price
/// per model: the one in effect on 2026-12-05. 3.7 Flash has the same launch promotion on
/// input, but its storage price was found on no copy of the page: it keeps the 2.5 Flash price
/// (UNCONFIRMED).
const GEMINI_LAUNCH_FLASH_STORAGE: f64 = 0.5;

/// Where each family's rules come from (shown by `tokencast prices MODEL`). The stored copies
/// of the OpenAI, Anthropic and DeepSeek pages show no update date; Google's caching page shows
/// "Last updated 2026-10-13 UTC".
pub(super) const ANTHROPIC_SOURCE: &str = "Anthropic prompt-caching guide \
(platform.claude.com/docs/en/build-with-claude/prompt-caching, undated) and model pages, \
read 2026-12-05; minimum prefix from LiteLLM's prompt_cache_min_tokens where given";
pub(super) const OPENAI_SOURCE: &str = "OpenAI prompt-caching guide \
(developers.openai.com/api/docs/guides/prompt-caching, undated); models before GPT-5.6; \
read 2026-12-05";
pub(super) const OPENAI_24H_SOURCE: &str = "OpenAI prompt-caching guide \
(developers.openai.com/api/docs/guides/prompt-caching, undated) and the prompt_cache_retention \
reference (\"For gpt-5.5, gpt-5.5-pro, and future models, only 24h is supported\"); \
read 2026-12-05";
pub(super) const OPENAI_BREAKPOINT_SOURCE: &str = "OpenAI prompt-caching guide \
(developers.openai.com/api/docs/guides/prompt-caching, undated) and the prompt_cache_options \
reference; GPT-5.6 and later; read 2026-12-05";
pub(super) const GEMINI_SOURCE: &str = "Gemini API context caching \
(ai.google.dev/gemini-api/docs/caching, updated 2026-10-13) and pricing \
(ai.google.dev/gemini-api/docs/pricing) pages; read 2026-12-05";
pub(super) const GEMINI_IMPLICIT_ONLY_SOURCE: &str = "Gemini API explicit caching page \
(ai.google.dev/gemini-api/docs/generate-content/caching, undated): no explicit caches on \
Gemini 4 Argon and later (implicit caching is not a cache kind tokencast models); \
read 2026-12-05";
pub(super) const DEEPSEEK_SOURCE: &str = "DeepSeek context-caching guide \
(api-docs.deepseek.com/guides/kv_cache, undated), read 2026-12-05; the 64-token unit and the \
1-hour lifetime are assumptions (not stated there)";
pub(super) const OTHER_SOURCE: &str = "no published rules known to tokencast for this \
provider: automatic caching, 1,024-token minimum, 5-minute TTL assumed";

/// Whose published cache rules a model follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Provider contains `anthropic`, or the id contains `claude`.
    Anthropic,
    /// `openai`, `azure`, `azure_text`, `text-completion-openai`.
    OpenAi,
    /// `gemini`, `vertex_ai-language-models`, or `vertex_ai*` with `gemini` in the id.
    Gemini,
    /// `deepseek` (DeepSeek's own API; DeepSeek models hosted elsewhere follow their host).
    DeepSeek,
    /// Any other provider.
    Other,
}

/// The cache rules of one entry (the table in the module docs of [`super`]). Caching is off for
/// embedding models and without a cached-read price; `prompt_cache_min_tokens` overrides the
/// minimum prefix.
pub(super) fn cache_rules(
    id: &str,
    provider: &str,
    mode: Mode,
    obj: &Map<String, Value>,
    standard: &Rates,
) -> Result<CacheRules, SkipReason> {
    if mode == Mode::Embedding || standard.cache_read.is_none() {
        return Ok(CacheRules::none());
    }
    let min_override = count(obj, "prompt_cache_min_tokens")?;
    let lower_id = id.to_ascii_lowercase();
    let rules = match family(provider, &lower_id) {
        Family::Anthropic => anthropic(standard, min_override),
        Family::OpenAi => openai(&lower_id, provider, standard, min_override),
        Family::Gemini => gemini(&lower_id, min_override),
        Family::DeepSeek => deepseek(min_override),
        Family::Other
            if obj.get("supports_prompt_caching").and_then(Value::as_bool) == Some(false) =>
        {
            CacheRules::none()
        }
        Family::Other => other(min_override),
    };
    Ok(rules)
}

/// The provider family of an entry, from its provider and lower-case id (first match wins:
/// Anthropic, OpenAI, Gemini, DeepSeek).
fn family(provider: &str, lower_id: &str) -> Family {
    let is_anthropic = provider.contains("anthropic") || lower_id.contains("claude");
    let is_openai = matches!(
        provider,
        "openai" | "azure" | "azure_text" | "text-completion-openai"
    );
    let is_gemini = provider == "gemini"
        || provider == "vertex_ai-language-models"
        || (provider.starts_with("vertex_ai") && lower_id.contains("gemini"));
    if is_anthropic {
        Family::Anthropic
    } else if is_openai {
        Family::OpenAi
    } else if is_gemini {
        Family::Gemini
    } else if provider == "deepseek" {
        Family::DeepSeek
    } else {
        Family::Other
    }
}

/// Anthropic `cache_control`: explicit breakpoints, 1024-token minimum, 5m TTL plus 1h when a
/// 1-hour write price exists, refreshed on hit.
fn anthropic(standard: &Rates, min_override: Option<u64>) -> CacheRules {
    let mut ttls = vec![Ttl::M5];
    if standard.cache_write_1h.is_some() {
        ttls.push(Ttl::H1);
    }
    CacheRules {
        kind: CacheKind::Explicit,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 1,
        ttls,
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
        source: Some(ANTHROPIC_SOURCE.into()),
    }
}

/// OpenAI. A model with a cache-write price is of the GPT-5.6 generation or later, whose rules
/// differ (OpenAI prompt-caching guide, developers.openai.com/api/docs/guides/prompt-caching,
/// read 2026-12-05 in a stored copy, undated: "For GPT-5.6 models and later model families,
/// cache writes cost 1.25x the uncached input token rate"; "Cache writes have no additional
/// fee on models before the GPT-5.6 family"): see [`openai_breakpoints`]. Earlier models:
/// exact-prefix caching, automatic, 1024-token minimum in steps of 128, 5m TTL (in-memory
/// retention, 5 to 10 minutes idle) plus 24h when an extended-retention write price exists,
/// refreshed on hit. The GPT-5.5 family keeps prefixes 24 hours only (the
/// `prompt_cache_retention` reference, read 2026-12-05 as copied into OpenAI's SDK docs,
/// undated: "For `gpt-5.5`, `gpt-5.5-pro`, and future models, only `24h` is supported"), at no
/// write fee either.
fn openai(
    lower_id: &str,
    provider: &str,
    standard: &Rates,
    min_override: Option<u64>,
) -> CacheRules {
    if standard.cache_write_5m.is_some() {
        return openai_breakpoints(provider, standard, min_override);
    }
    let (ttls, source) = if lower_id.contains("gpt-5.5") {
        (vec![Ttl::H24], OPENAI_24H_SOURCE)
    } else if standard.cache_write_24h.is_some() {
        (vec![Ttl::M5, Ttl::H24], OPENAI_SOURCE)
    } else {
        (vec![Ttl::M5], OPENAI_SOURCE)
    };
    CacheRules {
        kind: CacheKind::Automatic,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 128,
        ttls,
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
        source: Some(source.into()),
    }
}

/// OpenAI GPT-5.6 and later families (the API reference of `prompt_cache_options` and
/// `prompt_cache_breakpoint`, read 2026-12-05 as copied into OpenAI's SDK docs, undated; Azure's
/// `PromptCacheBreakpointConfig` reference): an implicit breakpoint at the end of the latest
/// user or tool message, whose boundary "is not rounded to a token block" (granularity 1);
/// entries only at breakpoints; a 1,024-token minimum; `ttl` "Defaults to 30m, which is
/// currently the only supported value" and is a minimum lifetime, assumed refreshed by a read
/// (OpenAI does not say; the README states the assumption). `12h` only on Azure, whose API
/// lists it (`ttl?: "30m" | "12h"`, the `PromptCacheOptions` reference), and only where a
/// 12-hour write price exists (LiteLLM's `_above_12hr`); OpenAI's own API accepts `30m` only,
/// whatever LiteLLM prices.
fn openai_breakpoints(provider: &str, standard: &Rates, min_override: Option<u64>) -> CacheRules {
    let mut ttls = vec![Ttl::M30];
    if provider.starts_with("azure") && standard.cache_write_24h.is_some() {
        ttls.push(Ttl::H12);
    }
    CacheRules {
        kind: CacheKind::ImplicitBreakpoint,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 1,
        ttls,
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
        source: Some(OPENAI_BREAKPOINT_SOURCE.into()),
    }
}

/// An OpenAI GPT-5.6-generation entry's rates as the TTLs they price: LiteLLM's
/// `cache_creation_input_token_cost` is the 30-minute write and `_above_12hr` the 12-hour one
/// (they arrive in the 5m and 24h slots), kept only where the 12-hour TTL is offered
/// (`with_12h`).
pub(super) fn breakpoint_rates(r: &mut Rates, with_12h: bool) {
    r.cache_write_30m = r.cache_write_5m.take().or(r.cache_write_30m);
    let h12 = r.cache_write_24h.take().or(r.cache_write_12h);
    r.cache_write_12h = h12.filter(|_| with_12h);
}

/// The version in a Gemini id as (major, minor) (`gemini-2.5-pro` -> (2, 5),
/// `gemini/gemini-3-flash-preview` -> (3, 0)); `None` for ids without one
/// (`gemini-flash-latest`).
fn gemini_version(lower_id: &str) -> Option<(u32, u32)> {
    let (_, rest) = lower_id.rsplit_once("gemini-")?;
    let number = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let major = number(rest)?;
    let after = &rest[major.to_string().len()..];
    let minor = after.strip_prefix('.').and_then(number).unwrap_or(0);
    Some((major, minor))
}

/// The major version in a Gemini id (`gemini-2.5-pro` -> 2); `None` without one.
fn gemini_major(lower_id: &str) -> Option<u32> {
    gemini_version(lower_id).map(|(major, _)| major)
}

/// Whether Google caches model `id` (prices from `provider`) implicitly, as it does Gemini 2.5
/// and newer (ai.google.dev/gemini-api/docs/caching, "Last updated 2026-07-07 UTC":
/// "Implicit caching is enabled by default for all Gemini 2.5 and newer models"): a model of
/// the Gemini family (a reseller's copy is not Google's cache) whose version is 2.5 or above,
/// or a `-latest` alias.
pub fn caches_implicitly(id: &str, provider: &str) -> bool {
    let lower_id = id.to_ascii_lowercase();
    family(provider, &lower_id) == Family::Gemini
        && match gemini_version(&lower_id) {
            Some(v) => v >= (2, 5),
            None => lower_id.contains("latest"),
        }
}

/// Whether requests to `provider` can carry OpenAI's `prompt_cache_key` (OpenAI and Azure
/// OpenAI).
pub fn takes_prompt_cache_key(provider: &str) -> bool {
    family(provider, "") == Family::OpenAi
}

/// Gemini explicit context caching: created with a TTL (default 1h) that hits do not refresh,
/// storage paid per token-hour; `pro` models have the Pro storage price, Gemini 3.8 and 3.6 Flash
/// their launch price. Minimum cacheable tokens (ai.google.dev/gemini-api/docs/caching, "Last updated
/// 2026-07-07 UTC", the same in the 2026-10-13 version): 2,048 for Gemini 2.5 Flash and Pro,
/// 4,096 for Gemini 3.x Flash, 3.1 Pro and later; LiteLLM's `prompt_cache_min_tokens`
/// overrides. Gemini 4 Argon and later have no explicit caches
/// (ai.google.dev/gemini-api/docs/generate-content/caching, undated stored copy: explicit
/// caching "on Gemini 3 and 2.5 models ... not supported on Gemini 4 Argon and later"), only
/// implicit caching, which is not a cache kind here: caching off.
fn gemini(lower_id: &str, min_override: Option<u64>) -> CacheRules {
    let major = gemini_major(lower_id);
    if major.is_some_and(|m| m >= 4) {
        return CacheRules {
            source: Some(GEMINI_IMPLICIT_ONLY_SOURCE.into()),
            ..CacheRules::none()
        };
    }
    let min = if major.is_some_and(|m| m <= 2) {
        2048
    } else {
        4096
    };
    let storage = if lower_id.contains("-pro") {
        GEMINI_PRO_STORAGE
    } else if lower_id.contains("gemini-3.8-flash") || lower_id.contains("gemini-3.6-flash") {
        GEMINI_LAUNCH_FLASH_STORAGE
    } else {
        GEMINI_FLASH_STORAGE
    };
    CacheRules {
        kind: CacheKind::ExplicitWithStorage,
        min_prefix_tokens: min_override.unwrap_or(min),
        granularity_tokens: 1,
        ttls: vec![Ttl::H1, Ttl::M5, Ttl::H24],
        refresh_on_hit: false,
        storage_per_mtok_hour: Some(storage),
        source: Some(GEMINI_SOURCE.into()),
    }
}

/// DeepSeek's own API (api-docs.deepseek.com/guides/kv_cache, read 2026-12-05, undated stored
/// copy): "Context Caching on Disk" is on for every request, with no write fee (LiteLLM's
/// `cache_creation_input_token_cost` is 0: a write is billed as a cache miss, plain input); a
/// later request hits a "cache prefix unit" persisted at the end of an earlier request's input
/// or output, at a prefix common to several requests, or at fixed token intervals, modelled as
/// automatic prefix caching. Neither a minimum nor a lifetime is stated there: tokencast
/// assumes DeepSeek's earlier 64-token storage unit (minimum and granularity) and a 1-hour
/// lifetime refreshed by hits (the earlier guide said unused caches are cleared "within a few
/// hours to a few days"); LiteLLM's `prompt_cache_min_tokens` overrides the minimum.
fn deepseek(min_override: Option<u64>) -> CacheRules {
    CacheRules {
        kind: CacheKind::Automatic,
        min_prefix_tokens: min_override.unwrap_or(64),
        granularity_tokens: 64,
        ttls: vec![Ttl::H1],
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
        source: Some(DEEPSEEK_SOURCE.into()),
    }
}

/// Any other provider with caching: automatic, 1024-token minimum, 5m TTL, refreshed on hit.
fn other(min_override: Option<u64>) -> CacheRules {
    CacheRules {
        kind: CacheKind::Automatic,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 1,
        ttls: vec![Ttl::M5],
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
        source: Some(OTHER_SOURCE.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ANTHROPIC_SOURCE, DEEPSEEK_SOURCE, GEMINI_IMPLICIT_ONLY_SOURCE, GEMINI_SOURCE,
        OPENAI_24H_SOURCE, OPENAI_BREAKPOINT_SOURCE, OPENAI_SOURCE, OTHER_SOURCE,
    };
    use crate::foundations::pricing::litellm::tests::FIXTURE;
    use crate::foundations::pricing::{CacheKind, CacheRules, Catalog, Ttl};

    fn fixture_rules(id: &str) -> CacheRules {
        let c = Catalog::from_litellm_str(FIXTURE, "litellm-sample.json").unwrap();
        c.get(id).unwrap_or_else(|| panic!("{id}")).cache.clone()
    }

    /// (kind, min prefix, granularity, TTLs, refresh on hit, storage, source) of a rule set.
    type Summary = (
        CacheKind,
        u64,
        u64,
        Vec<Ttl>,
        bool,
        Option<f64>,
        Option<String>,
    );

    fn summary(r: &CacheRules) -> Summary {
        (
            r.kind,
            r.min_prefix_tokens,
            r.granularity_tokens,
            r.ttls.clone(),
            r.refresh_on_hit,
            r.storage_per_mtok_hour,
            r.source.clone(),
        )
    }

    fn src(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    /// Anthropic's current models (real LiteLLM entries): explicit breakpoints, 5m and 1h TTLs
    /// refreshed on hit, the minimum from `prompt_cache_min_tokens` (512, 1,024, 2,048).
    #[test]
    fn anthropic_family_rules() {
        for (id, min) in [
            ("claude-opus-5-5", 512),
            ("claude-sonnet-5-5", 512),
            ("claude-haiku-5-5", 512),
            ("claude-fable-5-1", 512),
            ("claude-sonnet-5", 1024),
            ("claude-opus-4-7", 2048),
        ] {
            assert_eq!(
                summary(&fixture_rules(id)),
                (
                    CacheKind::Explicit,
                    min,
                    1,
                    vec![Ttl::M5, Ttl::H1],
                    true,
                    None,
                    src(ANTHROPIC_SOURCE)
                ),
                "{id}"
            );
        }
    }

    /// OpenAI before GPT-5.6 (GPT-5.4): automatic, 1,024 tokens in steps of 128, 5m; GPT-5.5 and
    /// GPT-5.5 Pro: the same, retained 24h only (GPT-5.5 Pro has no cached price: no caching).
    #[test]
    fn openai_before_gpt_5_6_rules() {
        for id in ["gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-4o-mini"] {
            assert_eq!(
                summary(&fixture_rules(id)),
                (
                    CacheKind::Automatic,
                    1024,
                    128,
                    vec![Ttl::M5],
                    true,
                    None,
                    src(OPENAI_SOURCE)
                ),
                "{id}"
            );
        }
        assert_eq!(
            summary(&fixture_rules("gpt-5.5")),
            (
                CacheKind::Automatic,
                1024,
                128,
                vec![Ttl::H24],
                true,
                None,
                src(OPENAI_24H_SOURCE)
            )
        );
        assert_eq!(fixture_rules("gpt-5.5-pro"), CacheRules::none());
        assert_eq!(fixture_rules("gpt-5.4-pro"), CacheRules::none());
    }

    /// OpenAI GPT-5.6 and later families (GPT-5.6, GPT-6, GPT-6.1): implicit breakpoints exact
    /// to the token, the 30m TTL only on OpenAI's API (12h on Azure, below), LiteLLM's write
    /// price in the 30m slot.
    #[test]
    fn openai_gpt_5_6_and_later_rules() {
        let c = Catalog::from_litellm_str(FIXTURE, "litellm-sample.json").unwrap();
        for id in [
            "gpt-5.6-sol",
            "gpt-6-sol",
            "gpt-6-luna",
            "gpt-6-astra",
            "gpt-6.1-sol",
            "gpt-6.1-terra",
        ] {
            let m = c.get(id).unwrap();
            assert_eq!(
                summary(&m.cache),
                (
                    CacheKind::ImplicitBreakpoint,
                    1024,
                    1,
                    vec![Ttl::M30],
                    true,
                    None,
                    src(OPENAI_BREAKPOINT_SOURCE)
                ),
                "{id}"
            );
            // Writes 1.25x input in the 30m slot; no 12h price on OpenAI's API.
            let s = &m.standard;
            assert_eq!(s.cache_write_30m, Some(s.input * 1.25), "{id}");
            assert_eq!(
                (s.cache_write_5m, s.cache_write_12h, s.cache_write_24h),
                (None, None, None),
                "{id}"
            );
        }
    }

    /// Gemini 2.5 and 3.x: explicit caches with storage; 2,048 (2.x) or 4,096 tokens (3.x, the
    /// Flash-Lite models without `prompt_cache_min_tokens` too); storage $4.50 Pro, $0.50 3.8 and 3.6
    /// Flash, $1.00 other Flash models. Gemini 4: no explicit caches.
    #[test]
    fn gemini_family_rules() {
        let gemini = |min, storage| {
            (
                CacheKind::ExplicitWithStorage,
                min,
                1,
                vec![Ttl::H1, Ttl::M5, Ttl::H24],
                false,
                Some(storage),
                src(GEMINI_SOURCE),
            )
        };
        for (id, min, storage) in [
            ("gemini/gemini-2.5-pro", 2048, 4.5),
            ("gemini/gemini-2.5-flash", 2048, 1.0),
            ("gemini/gemini-3.8-flash", 4096, 0.5),
            ("gemini/gemini-3.7-flash", 4096, 1.0),
            ("gemini/gemini-3.6-flash", 4096, 0.5),
            ("gemini/gemini-3.5-flash", 4096, 1.0),
            ("gemini/gemini-3.5-flash-lite", 4096, 1.0),
            ("gemini/gemini-3.1-flash-lite", 4096, 1.0),
            ("gemini/gemini-3.1-pro-preview", 4096, 4.5),
        ] {
            assert_eq!(summary(&fixture_rules(id)), gemini(min, storage), "{id}");
        }
        let text = r#"{
            "gemini/gemini-4-argon": {"mode": "chat", "litellm_provider": "gemini", "input_cost_per_token": 2e-6, "output_cost_per_token": 1e-5, "cache_read_input_token_cost": 1e-7, "prompt_cache_min_tokens": 4096.0},
            "vertex_ai/gemini-2.0-flash": {"mode": "chat", "litellm_provider": "vertex_ai-language-models", "input_cost_per_token": 1e-7, "output_cost_per_token": 4e-7, "cache_read_input_token_cost": 2.5e-8},
            "gemini-flash-latest": {"mode": "chat", "litellm_provider": "gemini", "input_cost_per_token": 7.5e-7, "output_cost_per_token": 3.75e-6, "cache_read_input_token_cost": 7.5e-8}
        }"#;
        let c = Catalog::from_litellm_str(text, "t.json").unwrap();
        let argon = &c.get("gemini/gemini-4-argon").unwrap().cache;
        assert_eq!(
            (argon.kind, argon.source.as_deref()),
            (CacheKind::None, Some(GEMINI_IMPLICIT_ONLY_SOURCE))
        );
        assert_eq!(
            summary(&c.get("vertex_ai/gemini-2.0-flash").unwrap().cache),
            gemini(2048, 1.0)
        );
        // No version in the id: the current generation's minimum.
        assert_eq!(
            summary(&c.get("gemini-flash-latest").unwrap().cache),
            gemini(4096, 1.0)
        );
    }

    /// DeepSeek's own API: automatic, 64-token unit, 1h, refreshed on hit; LiteLLM's write
    /// price 0 is ignored, so a write costs plain input. DeepSeek models hosted by another
    /// provider follow that provider.
    #[test]
    fn deepseek_family_rules() {
        let c = Catalog::from_litellm_str(FIXTURE, "litellm-sample.json").unwrap();
        for id in ["deepseek-v4-flash", "deepseek-v4-pro"] {
            let m = c.get(id).unwrap();
            assert_eq!(
                summary(&m.cache),
                (
                    CacheKind::Automatic,
                    64,
                    64,
                    vec![Ttl::H1],
                    true,
                    None,
                    src(DEEPSEEK_SOURCE)
                ),
                "{id}"
            );
            assert_eq!(m.standard.cache_write_5m, None, "{id}");
            assert_eq!(m.standard.cache_write_1h, None, "{id}");
        }
        let text = r#"{
            "together_ai/deepseek-ai/DeepSeek-V4": {"mode": "chat", "litellm_provider": "together_ai", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 1e-7},
            "deepseek/x": {"mode": "chat", "litellm_provider": "deepseek", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 1e-7, "prompt_cache_min_tokens": 128}
        }"#;
        let c = Catalog::from_litellm_str(text, "t.json").unwrap();
        let hosted = &c.get("together_ai/deepseek-ai/DeepSeek-V4").unwrap().cache;
        assert_eq!(
            (
                hosted.kind,
                hosted.min_prefix_tokens,
                hosted.source.as_deref()
            ),
            (CacheKind::Automatic, 1024, Some(OTHER_SOURCE))
        );
        assert_eq!(c.get("deepseek/x").unwrap().cache.min_prefix_tokens, 128);
    }

    #[test]
    fn generic_provider_cache_rules() {
        let text = r#"{
            "a": {"mode": "chat", "litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 5e-7},
            "b": {"mode": "chat", "litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 5e-7, "supports_prompt_caching": false},
            "bedrock/anthropic.claude-z": {"mode": "chat", "litellm_provider": "bedrock_converse", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 1e-7, "cache_creation_input_token_cost": 1.25e-6}
        }"#;
        let c = Catalog::from_litellm_str(text, "t.json").unwrap();
        let a = &c.get("a").unwrap().cache;
        assert_eq!(
            (a.kind, a.granularity_tokens, a.min_prefix_tokens),
            (CacheKind::Automatic, 1, 1024)
        );
        assert_eq!(c.get("b").unwrap().cache.kind, CacheKind::None);
        let z = &c.get("bedrock/anthropic.claude-z").unwrap().cache;
        assert_eq!(
            (z.kind, z.ttls.as_slice()),
            (CacheKind::Explicit, [Ttl::M5].as_slice())
        );
    }

    /// Gemini 2.5 and newer cache implicitly (Google's models, not a reseller's copy); only
    /// OpenAI and Azure take a `prompt_cache_key`.
    #[test]
    fn implicit_caching_and_prompt_cache_keys_by_provider() {
        use super::{caches_implicitly, takes_prompt_cache_key};
        for (id, provider, yes) in [
            ("gemini-2.5-flash", "gemini", true),
            ("gemini/gemini-2.5-pro", "gemini", true),
            ("gemini-3.5-flash-lite", "gemini", true),
            ("gemini/gemini-3-flash-preview", "gemini", true),
            (
                "vertex_ai/gemini-3.8-flash",
                "vertex_ai-language-models",
                true,
            ),
            ("gemini/gemini-flash-latest", "gemini", true),
            ("gemini-2.0-flash", "gemini", false),
            ("gemini-1.5-pro", "gemini", false),
            ("claude-sonnet-4-6", "anthropic", false),
            ("gpt-5.6-sol", "openai", false),
            ("openrouter/google/gemini-2.5-flash", "openrouter", false),
        ] {
            assert_eq!(caches_implicitly(id, provider), yes, "{id}");
        }
        for (provider, yes) in [
            ("openai", true),
            ("azure", true),
            ("anthropic", false),
            ("deepseek", false),
            ("gemini", false),
        ] {
            assert_eq!(takes_prompt_cache_key(provider), yes, "{provider}");
        }
    }
}
