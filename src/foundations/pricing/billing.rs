//! The coordinates of a price: which service a request is sent through ([`ServiceTier`]), which
//! price tier its prompt size puts it in ([`PriceTier`]), and which ledger bucket a token is
//! counted in ([`Bucket`]). A [`ModelPrice`](super::ModelPrice) gives one rate per combination.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// Prompt tokens written to the cache with a 30-minute TTL (OpenAI GPT-5.6 and later).
    #[serde(rename = "cache_write_30m")]
    CacheWrite30m,
    /// Prompt tokens written to the cache with a 1-hour TTL.
    #[serde(rename = "cache_write_1h")]
    CacheWrite1h,
    /// Prompt tokens written to the cache with a 12-hour TTL (OpenAI GPT-5.6 and later, where
    /// offered).
    #[serde(rename = "cache_write_12h")]
    CacheWrite12h,
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
    pub const ALL: [Bucket; 11] = [
        Bucket::Input,
        Bucket::CacheWrite5m,
        Bucket::CacheWrite30m,
        Bucket::CacheWrite1h,
        Bucket::CacheWrite12h,
        Bucket::CacheWrite24h,
        Bucket::CacheRead,
        Bucket::Output,
        Bucket::Reasoning,
        Bucket::Embedding,
        Bucket::CacheStorageTokenHours,
    ];

    /// The cache-write buckets, one per TTL, shortest first.
    pub const CACHE_WRITES: [Bucket; 5] = [
        Bucket::CacheWrite5m,
        Bucket::CacheWrite30m,
        Bucket::CacheWrite1h,
        Bucket::CacheWrite12h,
        Bucket::CacheWrite24h,
    ];

    /// Snake-case name used in reports: "input", "cache_write_5m", ...
    pub const fn name(&self) -> &'static str {
        match self {
            Bucket::Input => "input",
            Bucket::CacheWrite5m => "cache_write_5m",
            Bucket::CacheWrite30m => "cache_write_30m",
            Bucket::CacheWrite1h => "cache_write_1h",
            Bucket::CacheWrite12h => "cache_write_12h",
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(Bucket::ALL[10].name(), "cache_storage_token_hours");
    }
}
