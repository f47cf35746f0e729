//! Prompt caching as one endpoint uses it: the provider's rules, the chosen TTL and placement,
//! and the two per-request rules every split applies to them (how long an entry lives, and how a
//! prefix length rounds to what the provider can cache).

use crate::foundations::pricing::{CacheRules, Ttl};
use crate::model::strategy::Placement;

/// Prompt caching as applied to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointCache {
    /// The provider's rules for the endpoint's model.
    pub rules: CacheRules,
    /// TTL of writes.
    pub ttl: Ttl,
    /// Breakpoints.
    pub placement: Placement,
    /// Whether retrieved context stays in the history (decides what the next turn can reuse).
    pub context_in_history: bool,
    /// Identifies the model and endpoint in cache keys.
    pub salt: u64,
    /// Entries never expire (a what-if bound: `replay --prompt-cache unbounded`). Writes are
    /// priced at `ttl`'s write price; storage is not billed.
    pub unbounded: bool,
}

/// Expiry distance of an unbounded cache: far beyond any horizon, without overflowing.
const UNBOUNDED_MS: u64 = u64::MAX / 4;

impl EndpointCache {
    /// How long a write or a refresh keeps an entry alive, in milliseconds.
    #[inline(always)]
    pub(super) fn ttl_ms(&self) -> u64 {
        if self.unbounded {
            UNBOUNDED_MS
        } else {
            self.ttl.millis()
        }
    }

    /// `len` rounded down to the provider's granularity, or 0 below the minimum cacheable
    /// length.
    #[inline]
    pub(super) fn round(&self, len: u64) -> u64 {
        let g = self.rules.granularity_tokens.max(1);
        // A 64-bit division costs tens of cycles and this runs several times per request; the
        // providers' granularities are 1 and 128, powers of two, where a mask is the same.
        let r = if g.is_power_of_two() {
            len & !(g - 1)
        } else {
            len / g * g
        };
        if r < self.rules.min_prefix_tokens || r == 0 {
            0
        } else {
            r
        }
    }

    /// Token-minutes of storage started by writing `write` tokens that live `ttl_ms`
    /// (storage-billed caches only; an unbounded cache bills none).
    #[inline(always)]
    pub(super) fn storage_token_minutes(&self, write: u64, ttl_ms: u64) -> u64 {
        if write > 0 && self.rules.storage_per_mtok_hour.is_some() && !self.unbounded {
            write * (ttl_ms / 60_000)
        } else {
            0
        }
    }
}
