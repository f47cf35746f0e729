//! A provider's prompt-cache rules for one model: how caching is driven ([`CacheKind`]), the
//! TTLs a request can ask for ([`Ttl`]), and the rest of [`CacheRules`] (minimum prefix,
//! granularity, refresh on hit, storage price).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::billing::Bucket;

/// A prompt-cache time to live a request can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ttl {
    /// 5 minutes.
    M5,
    /// 30 minutes (OpenAI GPT-5.6 and later: a minimum lifetime).
    M30,
    /// 1 hour.
    H1,
    /// 12 hours (OpenAI GPT-5.6 and later, where offered).
    H12,
    /// 24 hours.
    H24,
}

impl Ttl {
    /// Every TTL, shortest first.
    pub const ALL: [Ttl; 5] = [Ttl::M5, Ttl::M30, Ttl::H1, Ttl::H12, Ttl::H24];

    /// The TTL in milliseconds of simulated time.
    pub const fn millis(&self) -> u64 {
        match self {
            Ttl::M5 => 5 * 60 * 1000,
            Ttl::M30 => 30 * 60 * 1000,
            Ttl::H1 => 60 * 60 * 1000,
            Ttl::H12 => 12 * 60 * 60 * 1000,
            Ttl::H24 => 24 * 60 * 60 * 1000,
        }
    }

    /// The ledger bucket a cache write with this TTL is counted in.
    pub const fn write_bucket(&self) -> Bucket {
        match self {
            Ttl::M5 => Bucket::CacheWrite5m,
            Ttl::M30 => Bucket::CacheWrite30m,
            Ttl::H1 => Bucket::CacheWrite1h,
            Ttl::H12 => Bucket::CacheWrite12h,
            Ttl::H24 => Bucket::CacheWrite24h,
        }
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ttl::M5 => "5m",
            Ttl::M30 => "30m",
            Ttl::H1 => "1h",
            Ttl::H12 => "12h",
            Ttl::H24 => "24h",
        })
    }
}

/// How a provider's prompt cache is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CacheKind {
    /// No prompt caching.
    None,
    /// The provider caches prefixes by itself, any prefix of an earlier prompt matching
    /// (OpenAI before GPT-5.6, in 128-token steps; other providers).
    Automatic,
    /// The provider writes an implicit breakpoint at the end of every request's latest user or
    /// tool message, exact to the token, and the caller may add explicit breakpoints; entries
    /// exist only where a breakpoint was written (OpenAI GPT-5.6 and later families).
    ImplicitBreakpoint,
    /// The caller marks cache breakpoints and entries exist only where one was written
    /// (Anthropic `cache_control`).
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
    /// Where these rules come from: the provider page, its date where it shows one, and when it
    /// was read (`tokencast prices MODEL` prints it). `None`: the catalog does not say (a RON
    /// catalog or scenario override may leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_millis_display_and_bucket() {
        assert_eq!(Ttl::M5.millis(), 300_000);
        assert_eq!(Ttl::H1.millis(), 3_600_000);
        assert_eq!(Ttl::H24.millis(), 86_400_000);
        let shown: Vec<String> = Ttl::ALL.iter().map(Ttl::to_string).collect();
        assert_eq!(shown, ["5m", "30m", "1h", "12h", "24h"]);
        assert_eq!(Ttl::M30.millis(), 1_800_000);
        assert_eq!(Ttl::H12.millis(), 43_200_000);
        assert_eq!(Ttl::M30.write_bucket(), Bucket::CacheWrite30m);
        assert_eq!(Ttl::H12.write_bucket(), Bucket::CacheWrite12h);
        assert_eq!(Ttl::H1.write_bucket(), Bucket::CacheWrite1h);
    }
}
