//! Prompt caching as one endpoint uses it: the provider's rules, the chosen TTL and placement,
//! and the two per-request rules every split applies to them (how long an entry lives, and how a
//! prefix length rounds to what the provider can cache).

use crate::foundations::pricing::{CacheKind, CacheRules, Ttl};
use crate::foundations::rng::splitmix64;
use crate::model::strategy::{CacheKey, Placement, RecordedShares};
use crate::model::workload::Request;

/// Where one request's breakpoints are, and so where cache entries can exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Marks {
    /// After the system prompt.
    pub system: bool,
    /// After the system prompt and the tools.
    pub tools: bool,
    /// At the end of the conversation history.
    pub history: bool,
    /// At the end of the prompt.
    pub prompt: bool,
    /// Every segment boundary up to the last mark holds an entry, as a provider matching any
    /// prefix does (OpenAI before GPT-5.6, Gemini); otherwise entries exist only at marks
    /// (Anthropic, OpenAI GPT-5.6 and later).
    pub every_boundary: bool,
}

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
    /// Gemini implicit caching: this share of what the provider could read is read (billed at
    /// the cached rate), the rest and every write billed as plain input.
    pub implicit_hit_share: Option<f64>,
    /// OpenAI GPT-5.6 and later with `mode: Explicit`: no implicit breakpoint, so the
    /// placement's breakpoints are read as Anthropic's are.
    pub explicit_mode: bool,
    /// OpenAI's `prompt_cache_key`: the requests that share a key share cache entries.
    pub key: CacheKey,
    /// Caching as a trace recorded it: these shares of every prompt are read and written,
    /// whatever was sent before (no entries are kept).
    pub recorded: Option<RecordedShares>,
}

/// Expiry distance of an unbounded cache: far beyond any horizon, without overflowing.
const UNBOUNDED_MS: u64 = u64::MAX / 4;

impl EndpointCache {
    /// The namespace of `req`'s shared entries: the endpoint's (and model's) salt, and with a
    /// `prompt_cache_key` per user or session, that user's or session's.
    #[inline(always)]
    pub(super) fn salt_of(&self, req: &Request) -> u64 {
        match self.key {
            CacheKey::Endpoint => self.salt,
            CacheKey::User => self.salt ^ splitmix64(u64::from(req.user) ^ 0x05e7),
            CacheKey::Session => self.salt ^ splitmix64(req.session ^ 0x5e55),
        }
    }

    /// The breakpoints of this endpoint's requests (see the module docs of [`super`]):
    ///
    /// | placement | Anthropic (`Explicit`) | OpenAI GPT-5.6+ (`ImplicitBreakpoint`) |
    /// |---|---|---|
    /// | `System` | system | system, end of prompt (implicit) |
    /// | `Tools` | tools | tools, end of prompt (implicit) |
    /// | `FullPrompt` | tools, end of prompt | end of prompt (implicit) |
    /// | `History` | tools, end of history | tools, end of history, end of prompt (implicit) |
    ///
    /// With `mode: Explicit` (OpenAI), an OpenAI model's breakpoints are Anthropic's column.
    ///
    /// Every placement writes at most three breakpoints, within both providers' limit of four
    /// per request (OpenAI: "Each request can write up to four breakpoints"; Anthropic: "You
    /// can define up to 4 cache breakpoints"). On Anthropic, `System` is `Tools` (tools come
    /// first in its prefixes). Gemini's explicit caches (`ExplicitWithStorage`) follow the
    /// Anthropic column: a cache is one object used whole, so only what a request created can
    /// be read. Providers that match any prefix (`Automatic`) write every boundary up to the
    /// placement's last mark.
    #[inline(always)]
    pub(super) fn marks(&self) -> Marks {
        let every_boundary = self.rules.kind == CacheKind::Automatic;
        let implicit = self.rules.kind == CacheKind::ImplicitBreakpoint && !self.explicit_mode;
        // Anthropic builds a prefix tools first, then the system prompt ("Cache prefixes are
        // created in the following order: tools, system, then messages"): a breakpoint on the
        // system prompt caches the tools with it, the same prefix as `Tools`.
        let tools_first = self.rules.kind == CacheKind::Explicit;
        let (system, tools, history, prompt) = match self.placement {
            Placement::System if tools_first => (false, true, false, false),
            Placement::System => (true, false, false, implicit),
            Placement::Tools => (false, true, false, implicit),
            Placement::FullPrompt => (false, !implicit, false, true),
            Placement::History => (false, true, true, implicit),
        };
        Marks {
            system,
            tools,
            history,
            prompt,
            every_boundary,
        }
    }

    /// How long a write or a refresh keeps an entry alive, in milliseconds: an entry is live
    /// while `now < expiry`. OpenAI GPT-5.6's TTL is a minimum lifetime ("The minimum lifetime
    /// applied to every implicit and explicit cache breakpoint"), so its entries are still
    /// live at exactly the TTL (one millisecond more).
    #[inline(always)]
    pub(super) fn ttl_ms(&self) -> u64 {
        if self.unbounded {
            UNBOUNDED_MS
        } else if self.rules.kind == CacheKind::ImplicitBreakpoint {
            self.ttl.millis() + 1
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

#[cfg(test)]
mod tests {
    use super::*;

    /// No placement, provider or mode writes more than the four breakpoints a request may
    /// carry (Anthropic: "You can define up to 4 cache breakpoints"; OpenAI: "Each request can
    /// write up to four breakpoints"), the implicit one included.
    #[test]
    fn every_placement_stays_within_four_breakpoints() {
        for kind in [
            CacheKind::Automatic,
            CacheKind::ImplicitBreakpoint,
            CacheKind::Explicit,
            CacheKind::ExplicitWithStorage,
        ] {
            for placement in [
                Placement::System,
                Placement::Tools,
                Placement::FullPrompt,
                Placement::History,
            ] {
                for explicit_mode in [false, true] {
                    let mut rules = CacheRules::none();
                    rules.kind = kind;
                    let c = EndpointCache {
                        rules,
                        ttl: Ttl::M5,
                        placement,
                        context_in_history: false,
                        salt: 0,
                        unbounded: false,
                        implicit_hit_share: None,
                        explicit_mode,
                        key: CacheKey::Endpoint,
                        recorded: None,
                    };
                    let m = c.marks();
                    let n = [m.system, m.tools, m.history, m.prompt]
                        .iter()
                        .filter(|b| **b)
                        .count();
                    assert!((1..=4).contains(&n), "{kind:?} {placement:?}: {n}");
                    // Entries only at breakpoints, except where any prefix matches.
                    assert_eq!(m.every_boundary, kind == CacheKind::Automatic);
                }
            }
        }
        // GPT-5.6's FullPrompt is the implicit breakpoint alone; in explicit mode, Anthropic's.
        let mut rules = CacheRules::none();
        rules.kind = CacheKind::ImplicitBreakpoint;
        let mut c = EndpointCache {
            rules,
            ttl: Ttl::M30,
            placement: Placement::FullPrompt,
            context_in_history: false,
            salt: 0,
            unbounded: false,
            implicit_hit_share: None,
            explicit_mode: false,
            key: CacheKey::Endpoint,
            recorded: None,
        };
        let m = c.marks();
        assert!(m.prompt && !m.tools && !m.system && !m.history);
        c.explicit_mode = true;
        let m = c.marks();
        assert!(m.prompt && m.tools && !m.system && !m.history);
    }
}
