//! What one model charges: [`ModelPrice`], its per-tier [`Rates`] (USD per million tokens) and
//! long-context tier, and the lookup of a rate per token for a service tier, price tier and
//! bucket, with the fallbacks listed in the [module docs](super).

use serde::{Deserialize, Serialize};

use super::billing::{Bucket, PriceTier, ServiceTier};
use super::cache::CacheRules;

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
    /// Cache write with a 30-minute TTL (OpenAI GPT-5.6 and later), USD per million. `None`:
    /// plain input.
    #[serde(default)]
    pub cache_write_30m: Option<f64>,
    /// Cache write with a 1-hour TTL, USD per million. `None`: plain input.
    #[serde(default)]
    pub cache_write_1h: Option<f64>,
    /// Cache write with a 12-hour TTL (OpenAI GPT-5.6 and later, where offered), USD per
    /// million. `None`: plain input.
    #[serde(default)]
    pub cache_write_12h: Option<f64>,
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
            Bucket::CacheWrite30m => r.cache_write_30m.unwrap_or(r.input),
            Bucket::CacheWrite1h => r.cache_write_1h.unwrap_or(r.input),
            Bucket::CacheWrite12h => r.cache_write_12h.unwrap_or(r.input),
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
}

impl Rates {
    /// Every price with its field name, in declaration order.
    pub(super) fn fields(&self) -> [(&'static str, Option<f64>); 9] {
        [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("reasoning", self.reasoning),
            ("cache_read", self.cache_read),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_30m", self.cache_write_30m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_write_12h", self.cache_write_12h),
            ("cache_write_24h", self.cache_write_24h),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::tests::{close, model};

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
}
