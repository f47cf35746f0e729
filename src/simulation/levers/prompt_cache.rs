//! Provider prompt caching: static prefixes and earlier turns read from the provider's cache.
//!
//! ## What is modelled
//!
//! A provider cache maps a prompt *prefix* (for one model) to an expiry time. A request reads
//! the longest live cached prefix of its prompt and pays the cache-read price for it; it writes
//! the rest of its prompt up to its *write point* (the last cache breakpoint) at the write price
//! of the chosen TTL; everything after the write point is plain input. So each request's prompt
//! tokens split exactly into `cache_read + cache_write_<ttl> + input`.
//!
//! Prefixes end at segment boundaries. For a request at turn *k* of a session:
//!
//! ```text
//!  | system | tools | history (turns 0..k-1) | context | user |
//!  └─ S ───┘        shared by every session of the endpoint
//!  └──── S+T ──────┘
//!  └──────────── session prefix written by turn k-1 ─┘  (per session)
//! ```
//!
//! - The system prompt and the tools are the same for every session of an endpoint whose sizes
//!   are the same (a `Fixed` size, as real system prompts are), so any session keeps them warm
//!   for every other.
//! - Turn *k* can reuse what turn *k−1* wrote up to the point where the two prompts diverge:
//!   `S + T + history_{k−1}`, plus turn *k−1*'s context and user message when they stay in the
//!   history (`context_in_history`, or no context at all). A request's write creates entries at
//!   every segment boundary up to its write point, as OpenAI's block cache does and as
//!   Anthropic's lookback over earlier content blocks approximates.
//! - Cached lengths are rounded down to the provider's granularity (OpenAI: 128 tokens) and a
//!   prefix shorter than the minimum cacheable length (1,024–4,096 tokens by model) is never
//!   cached.
//! - TTL: an entry lives `ttl` after it was written; a hit refreshes it when the provider says
//!   so (Anthropic, OpenAI), not otherwise (Gemini explicit caches). Whether turn *k* hits
//!   depends on the think time since turn *k−1* versus the TTL, and on whether another session
//!   kept the shared prefix warm.
//! - Storage (Gemini explicit caching): every written token is billed for as long as its entry
//!   lives, per token-hour; the ledger counts token-minutes and the report converts.
//!
//! ## Placement
//!
//! `System`: one breakpoint after the system prompt. `Tools`: after system + tools.
//! `FullPrompt` (default): after system + tools and at the end of every prompt, so each turn
//! caches the conversation for the next (Anthropic's conversation pattern; OpenAI always behaves
//! this way). Models whose provider caches automatically (OpenAI) cache in every strategy,
//! baseline included, with `FullPrompt` placement: that is the provider's behaviour, not a
//! choice; a strategy can still pick their TTL (e.g. 24 h extended retention).
//!
//! Nested expiry: every session entry is written or refreshed at the same instant as the longer
//! ones after it, so when the longest session entry has expired every shorter one has too. One
//! entry per session (its longest reusable prefix) is therefore exact, and memory is one entry
//! per live session plus one per distinct shared prefix.
//!
//! ## Layout
//!
//! [`EndpointCache`] (`settings`) is one endpoint's rules and choices; `entries` holds the cache
//! entries and the per-session table, `prefix` the shared entries of static prefixes, and
//! `cache` the [`PromptCache`] that splits each request's prompt with them.

mod cache;
mod entries;
mod prefix;
mod settings;

pub use cache::{PromptCache, Split};
pub use settings::EndpointCache;
