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
/// (ai.google.dev/gemini-api/docs/pricing: Gemini 2.5 Pro $4.50, Gemini 2.5 Flash and
/// Flash-Lite $1.00 per 1,000,000 tokens per hour; see the module docs of [`super`]).
const GEMINI_PRO_STORAGE: f64 = 4.5;
const GEMINI_FLASH_STORAGE: f64 = 1.0;

/// Whose published cache rules a model follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Provider contains `anthropic`, or the id contains `claude`.
    Anthropic,
    /// `openai`, `azure`, `azure_text`, `text-completion-openai`.
    OpenAi,
    /// `gemini`, `vertex_ai-language-models`, or `vertex_ai*` with `gemini` in the id.
    Gemini,
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
        Family::OpenAi => openai(standard, min_override),
        Family::Gemini => gemini(&lower_id, min_override),
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
/// Anthropic, OpenAI, Gemini).
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
    }
}

/// OpenAI. A model with a cache-write price is of the GPT-5.6 generation or later, whose rules
/// differ (OpenAI prompt-caching guide, developers.openai.com/api/docs/guides/prompt-caching,
/// read 2026-12-05 in a stored copy, undated: "For GPT-5.6 models and later model families,
/// cache writes cost 1.25x the uncached input token rate"; "Cache writes have no additional
/// fee on models before the GPT-5.6 family"): see [`openai_breakpoints`]. Earlier models:
/// exact-prefix caching, automatic, 1024-token minimum in steps of 128, 5m TTL (in-memory
/// retention, 5 to 10 minutes idle) plus 24h when an extended-retention write price exists,
/// refreshed on hit.
fn openai(standard: &Rates, min_override: Option<u64>) -> CacheRules {
    if standard.cache_write_5m.is_some() {
        return openai_breakpoints(standard, min_override);
    }
    let mut ttls = vec![Ttl::M5];
    if standard.cache_write_24h.is_some() {
        ttls.push(Ttl::H24);
    }
    CacheRules {
        kind: CacheKind::Automatic,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 128,
        ttls,
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
    }
}

/// OpenAI GPT-5.6 and later families (the API reference of `prompt_cache_options` and
/// `prompt_cache_breakpoint`, read 2026-12-05 as copied into OpenAI's SDK docs, undated; Azure's
/// `PromptCacheBreakpointConfig` reference): an implicit breakpoint at the end of the latest
/// user or tool message, whose boundary "is not rounded to a token block" (granularity 1);
/// entries only at breakpoints; a 1,024-token minimum; `ttl` "Defaults to 30m, which is
/// currently the only supported value" and is a minimum lifetime, assumed refreshed by a read
/// (OpenAI does not say; the README states the assumption); `12h` where a 12-hour write price
/// exists (Azure's API lists it; LiteLLM's `_above_12hr`).
fn openai_breakpoints(standard: &Rates, min_override: Option<u64>) -> CacheRules {
    let mut ttls = vec![Ttl::M30];
    if standard.cache_write_24h.is_some() {
        ttls.push(Ttl::H12);
    }
    CacheRules {
        kind: CacheKind::ImplicitBreakpoint,
        min_prefix_tokens: min_override.unwrap_or(1024),
        granularity_tokens: 1,
        ttls,
        refresh_on_hit: true,
        storage_per_mtok_hour: None,
    }
}

/// An OpenAI GPT-5.6-generation entry's rates as the TTLs they price: LiteLLM's
/// `cache_creation_input_token_cost` is the 30-minute write and `_above_12hr` the 12-hour one
/// (they arrive in the 5m and 24h slots).
pub(super) fn breakpoint_rates(r: &mut Rates) {
    r.cache_write_30m = r.cache_write_5m.take().or(r.cache_write_30m);
    r.cache_write_12h = r.cache_write_24h.take().or(r.cache_write_12h);
}

/// Gemini explicit context caching: created with a TTL (default 1h) that hits do not refresh,
/// storage paid per token-hour; `pro` models have the Pro storage price. Minimum cacheable
/// tokens (ai.google.dev/gemini-api/docs/caching, "Last updated 2026-07-07 UTC", the same in
/// the 2026-10-13 version): 2,048 for Gemini 2.5 Flash and Pro, 4,096 for Gemini 3.x Flash,
/// 3.1 Pro and later; LiteLLM's `prompt_cache_min_tokens` overrides.
fn gemini(lower_id: &str, min_override: Option<u64>) -> CacheRules {
    let pro = lower_id.contains("-pro");
    let min = if lower_id.contains("gemini-2.") || lower_id.contains("gemini-1.") {
        2048
    } else {
        4096
    };
    CacheRules {
        kind: CacheKind::ExplicitWithStorage,
        min_prefix_tokens: min_override.unwrap_or(min),
        granularity_tokens: 1,
        ttls: vec![Ttl::H1, Ttl::M5, Ttl::H24],
        refresh_on_hit: false,
        storage_per_mtok_hour: Some(if pro {
            GEMINI_PRO_STORAGE
        } else {
            GEMINI_FLASH_STORAGE
        }),
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
    }
}

#[cfg(test)]
mod tests {
    use crate::foundations::pricing::{CacheKind, Catalog, Ttl};

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
}
