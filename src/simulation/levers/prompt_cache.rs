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
//! - Turn *k* can reuse what turn *k−1* left in the cache, up to the point where the two
//!   prompts diverge: `S + T + history_{k−1}`, plus turn *k−1*'s context and user message
//!   when they stay in the history (`context_in_history`, or no context at all) — but only
//!   where an entry exists there. Providers that match any prefix they have seen (OpenAI
//!   before GPT-5.6, Gemini) hold an entry at every segment boundary up to the write point.
//!   Anthropic and OpenAI GPT-5.6+ hold one only where a request placed a breakpoint (see
//!   `Placement` below and `EndpointCache::marks`): with breakpoints after the tools and at
//!   the end of each prompt, a turn whose previous prompt is not its prefix (context dropped
//!   from the history) reads only the system + tools entry.
//! - Cached lengths are rounded down to the provider's granularity (OpenAI: 128 tokens) and a
//!   prefix shorter than the minimum cacheable length (1,024–4,096 tokens by model) is never
//!   cached.
//! - TTL: an entry lives `ttl` after it was written; a hit refreshes it when the provider says
//!   so (Anthropic, OpenAI), not otherwise (Gemini explicit caches). Whether turn *k* hits
//!   depends on the think time since turn *k−1* versus the TTL, and on whether another session
//!   kept the shared prefix warm.
//! - Storage (Gemini explicit caching): a request that writes creates a new cache holding its
//!   whole prefix up to the write point (explicit caches are not extended), and every token it
//!   holds is billed for its TTL, per token-hour; the ledger counts token-minutes and the report
//!   converts.
//!
//! ## Placement
//!
//! `System`: a breakpoint after the system prompt. `Tools`: after system + tools.
//! `FullPrompt` (default): after system + tools and at the end of every prompt, so each turn
//! caches the conversation for the next (Anthropic's conversation pattern). `History`: after
//! system + tools and at the end of the history, which the next turn reads even when this
//! turn's retrieved context is dropped from the history. On OpenAI GPT-5.6 and later the
//! provider adds its implicit breakpoint at the end of every prompt to the explicit ones, and
//! `FullPrompt` is that implicit breakpoint alone. Models whose provider caches automatically
//! (OpenAI) cache in every strategy, baseline included: that is the provider's behaviour, not
//! a choice; on GPT-5.6 and later a strategy can still add breakpoints, pick a TTL the model
//! offers (12 hours on Azure) or switch caching off (`mode: Off`). Every placement writes at most three breakpoints, within the
//! providers' limit of four per request; a turn adds a handful of content blocks, well inside
//! Anthropic's 20-block lookback and OpenAI's 80 latest breakpoints.
//!
//! Gemini implicit caching (`implicit_hit_share`) runs as automatic caching of any prefix at
//! the model's minimum, 5 minutes after last use, and reads only the stated share of what it
//! could read (the rest and every write are plain input; no storage).
//!
//! Recorded prefix blocks (Mooncake's `hash_ids`) are the serving system's KV blocks, not API
//! breakpoints: every block boundary holds an entry whatever the provider, an upper bound for
//! the breakpoint providers.
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
