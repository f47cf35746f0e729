//! Strategies as a scenario states them: which levers each endpoint uses, with what settings.
//!
//! These are descriptions, validated and resolved by [`crate::model::scenario`] and carried out
//! by [`crate::simulation`] (one module per lever there documents the provider rules it models).
//! Each strategy lists, per endpoint in the scenario's order, its batch, prompt-cache, context,
//! semantic-cache and routing settings; `baseline` has none but the provider's automatic
//! caching.

use serde::{Deserialize, Serialize};

use crate::foundations::dist::Dist;
use crate::foundations::pricing::Ttl;

/// A strategy resolved for a scenario: the lever settings of every endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// `baseline` or the variant's name.
    pub name: String,
    /// What the strategy shows.
    pub description: String,
    /// Lever settings per endpoint, in the scenario's endpoint order.
    pub endpoints: Vec<EndpointLevers>,
}

/// The levers applied to one endpoint under one strategy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EndpointLevers {
    /// Batch processing, if on.
    pub batch: Option<BatchChoice>,
    /// Provider prompt caching, if on.
    pub prompt_cache: Option<CacheChoice>,
    /// Context policy, if any (summary model resolved: never `None` in a resolved strategy).
    pub context: Option<ContextPolicy>,
    /// Semantic caching of the endpoint's opening queries, if on.
    pub semantic_cache: Option<SemanticCacheSettings>,
    /// Model tiering: routing rules and cascades, if any.
    pub routing: Option<RoutingChoice>,
}

/// Batch settings for one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchChoice {
    /// Scheduled submission interval.
    pub flush_every_ms: u64,
    /// Submission as soon as this many requests wait.
    pub max_batch: usize,
    /// Provider processing time of a submitted request, seconds.
    pub turnaround_s: Dist,
}

/// Prompt-cache settings for one endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheChoice {
    /// TTL of writes.
    pub ttl: Ttl,
    /// Breakpoints.
    pub placement: Placement,
    /// True when the strategy turned caching on (`prompt_cache`), false for a provider's
    /// automatic caching. Decides whether models the endpoint is routed to cache explicitly.
    pub opted_in: bool,
    /// Entries never expire (`replay --prompt-cache unbounded`).
    pub unbounded: bool,
    /// Gemini implicit caching: the share of the matchable prefix read from the cache
    /// (`PromptCache(implicit_hit_share: ..)`); `None` for explicit or automatic caching.
    pub implicit_hit_share: Option<f64>,
    /// OpenAI GPT-5.6 and later with `mode: Explicit`: no implicit breakpoint.
    pub explicit_mode: bool,
    /// OpenAI's `prompt_cache_key`: which requests share cache entries.
    pub key: CacheKey,
    /// OpenAI GPT-5.6 and later with `mode: Off` (explicit mode, no breakpoints): the
    /// endpoint's requests do not use prompt caching, on any model they go to that can be
    /// switched off.
    pub off: bool,
    /// Caching as a trace's cache columns record it (`PromptCache(recorded_shares: ..)`): fixed
    /// shares of every prompt read and written, instead of the modelled cache; `None` for a
    /// modelled cache.
    pub recorded: Option<RecordedShares>,
}

/// Prompt caching as an application's logs show it working (`PromptCache(recorded_shares:
/// (read: r, write: w))`): a share `read` of every prompt token is read from the cache and a
/// share `write` written to it at the strategy's TTL, the rest is plain input. What `fit`
/// measures from a trace's `cache_read_tokens` and cache-write columns, for traces whose
/// prompts carry no structure (segments, prefix hashes) the modelled cache could read: the
/// shares stand for whatever the application's breakpoints and traffic gave, at the time of the
/// trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Shares")]
pub struct RecordedShares {
    /// Share of prompt tokens read from the cache, 0 to 1.
    pub read: f64,
    /// Share of prompt tokens written to the cache, 0 to 1 (`read + write` at most 1).
    pub write: f64,
}

/// OpenAI's `prompt_cache_key` ("Used by OpenAI to cache responses for similar requests to
/// optimize your cache hit rates"; on GPT-5.6 and later, reused "for requests that share long,
/// common prompt prefixes"): modelled as a namespace the requests that set the same key share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CacheKey {
    /// One key for the endpoint (or none): every request of the endpoint shares entries.
    #[default]
    Endpoint,
    /// The user's id: a user's sessions share entries, other users' do not.
    User,
    /// The session's id: nothing is shared across sessions.
    Session,
}

/// OpenAI's `prompt_cache_options.mode` (GPT-5.6 and later; the API reference: "With
/// `explicit`, OpenAI does not create an implicit breakpoint and writes up to the latest four
/// explicit breakpoints").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CacheMode {
    /// The implicit breakpoint at the end of each prompt, plus the placement's.
    #[default]
    Implicit,
    /// The placement's breakpoints only.
    Explicit,
    /// Explicit mode without breakpoints: "If there are no explicit breakpoints, the request
    /// does not use prompt caching" (the prompt-caching guide): no caching, no write premium.
    Off,
}

// Context policy ----------------------------------------------------------------------------

/// A context policy as the scenario states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ContextPolicy {
    /// Re-send only the last `n` turns (n ≥ 1).
    KeepLastTurns(u32),
    /// Replace the history with a summary every `every_turns` turns.
    Summarize {
        /// Turns between summaries (≥ 1).
        every_turns: u32,
        /// Output tokens of each summary.
        summary_tokens: u64,
        /// Model that writes the summaries (default: the endpoint's model).
        #[serde(default)]
        model: Option<String>,
    },
}

// Prompt caching ----------------------------------------------------------------------------

/// Where the cache breakpoints go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Placement {
    /// After the system prompt only.
    System,
    /// After the system prompt and the tool definitions.
    Tools,
    /// After system + tools and at the end of every prompt (conversation caching). On OpenAI
    /// GPT-5.6 and later: the implicit breakpoint alone, at the end of every prompt.
    #[default]
    FullPrompt,
    /// After system + tools and at the end of the conversation history (on OpenAI GPT-5.6 and
    /// later, plus the implicit one at the end of the prompt): the next turn reads the history
    /// even when this turn's retrieved context is not kept in it, and what follows the history
    /// (context, user message) is not written to a cache nobody reads back.
    History,
}

// Semantic caching --------------------------------------------------------------------------

/// Semantic-cache settings of one endpoint under one strategy, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticCacheSettings {
    /// Embedding model id (an embedding model of the catalog).
    pub embedding_model: String,
    /// Most entries held; `None` is unbounded.
    pub capacity: Option<u64>,
    /// Lifetime of a stored answer in ms; `None` never expires.
    pub ttl_ms: Option<u64>,
    /// Chance that a cached, live intent is recognised, 0 to 1.
    pub hit_probability: f64,
    /// Chance that a lookup with no recognised match returns a wrong answer, 0 to 1.
    pub false_hit_rate: f64,
}

// Model tiering -----------------------------------------------------------------------------

/// Most rules a `routing` block may have (each names at most two models; a router numbers
/// its models with a byte).
pub const MAX_RULES: usize = 100;

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Condition {
    /// Every request that reaches the rule.
    #[default]
    Always,
    /// A random share of the endpoint's requests, 0 to 1 (see the module docs).
    Share(f64),
    /// Requests whose whole prompt is at most this many tokens.
    PromptAtMost(u64),
    /// Requests whose whole prompt is more than this many tokens.
    PromptAbove(u64),
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Bill the request on `model`.
    Route {
        /// Model id.
        model: String,
    },
    /// Call `first`; escalate a share of requests to `to`, billing both.
    Cascade {
        /// Model that answers first.
        first: String,
        /// Probability of escalation, 0 to 1.
        escalate_share: f64,
        /// Model escalated to (resolved: the endpoint's model when the file omits it).
        to: String,
    },
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Which requests.
    pub when: Condition,
    /// Where they go.
    pub action: Action,
}

/// Routing of one endpoint under one strategy: validated rules, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingChoice {
    /// First match wins; unmatched requests stay on the endpoint's model.
    pub rules: Vec<Rule>,
}

impl RoutingChoice {
    /// Every model id the rules can bill, in rule order (repeats possible).
    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().flat_map(|r| match &r.action {
            Action::Route { model } => vec![model.as_str()],
            Action::Cascade { first, to, .. } => vec![first.as_str(), to.as_str()],
        })
    }
}
