//! The scenario file schema, exactly as users write it in RON.
//!
//! These types mirror the file one to one (`deny_unknown_fields` everywhere, so a misspelt field
//! is an error, not a silently ignored line). They are turned into the validated domain types of
//! [`crate::model::scenario`] by [`crate::model::scenario::Scenario::from_file`], which reports every problem
//! with its field path.
//!
//! Units are in the field names: `_tokens` are tokens per request (or per session where the doc
//! says so), `_s` are seconds, `_days` days.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::foundations::dist::Dist;
use crate::foundations::pricing::ModelPrice;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioFile {
    /// Short name shown in reports (required).
    pub name: String,
    /// Free text: what this scenario models and why its numbers are what they are.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream; the same seed gives a byte-identical report (required).
    pub seed: u64,
    /// Length of the simulated period in days, 1 to 3660 (required).
    pub horizon_days: u32,
    /// Weekday of day 0 (default `Mon`, or the weekday of `start_date`). Selects which
    /// `weekday_weights` entry each day uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_weekday: Option<Weekday>,
    /// Calendar date of day 0, `"YYYY-MM-DD"` (default: none). With it, months are calendar
    /// months (`2027-03`) and price changes can be dated; without it, months are 30-day blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Price catalog to use instead of the built-in one: a LiteLLM
    /// `model_prices_and_context_window.json` or a tokencast RON catalog, relative to this file.
    /// The command line's `--prices` takes precedence.
    #[serde(default)]
    pub prices: Option<String>,
    /// Models added to (or replacing entries of) the catalog, by model id.
    #[serde(default)]
    pub models: BTreeMap<String, ModelPrice>,
    /// The product features that call a model (at least one).
    pub endpoints: Vec<EndpointFile>,
    /// Parameters not known in advance: each is drawn once per run from its distribution,
    /// so the runs spread over what the world might be (see [`crate::model::uncertain`]).
    /// `Value("endpoints[chat].traffic.daily_active_users", LogNormal(median: 5000, p90: 9000))`
    /// replaces a number; `Scale("endpoints[*].prompt", Uniform(min: 0.8, max: 1.3))`
    /// multiplies it (or every draw of a per-request distribution).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<UncertainFile>,
    /// Price changes from a date on, e.g. a provider's announced cut.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_changes: Vec<PriceChangeFile>,
    /// What the product earns, for margins (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<RevenueFile>,
    /// Named strategies to compare. A strategy named `baseline` sets the levers every other
    /// strategy starts from (default: none); each other strategy states only what it changes.
    #[serde(default)]
    pub strategies: Vec<StrategyFile>,
}

/// One uncertain parameter: a field path and the distribution of its value across runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Uncertain")]
pub enum UncertainFile {
    /// The draw replaces the field's value.
    Value(String, Dist),
    /// The draw multiplies the field's value, or every draw of a per-request distribution.
    Scale(String, Dist),
}

/// A price change from a day of the horizon on: every rate of `model` (or only those of
/// `buckets`) is multiplied by `factor`. Changes of the same model multiply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "PriceChange")]
pub struct PriceChangeFile {
    /// First date the new price applies, `"YYYY-MM-DD"` (needs the scenario's `start_date`).
    #[serde(default)]
    pub date: Option<String>,
    /// Or the zero-based first day of the horizon it applies.
    #[serde(default)]
    pub day: Option<u32>,
    /// Model id.
    pub model: String,
    /// Multiplier of the rates, `> 0` (e.g. `0.5` for a 50% cut).
    pub factor: f64,
    /// Buckets it applies to: `input`, `output`, `cache_read`, `cache_write_5m`,
    /// `cache_write_1h`, `cache_write_24h`, `reasoning`, `embedding`,
    /// `cache_storage_token_hours` (default: all).
    #[serde(default)]
    pub buckets: Vec<String>,
}

/// What the product earns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Revenue")]
pub struct RevenueFile {
    /// Plans the daily active users are on, with their shares (summing to 1).
    #[serde(default)]
    pub plans: Vec<PlanFile>,
    /// Revenue per request the application serves (a semantic-cache hit is served too; a
    /// summarisation call or cascade escalation is not a request), USD.
    #[serde(default)]
    pub usd_per_request: f64,
}

/// A subscription plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Plan")]
pub struct PlanFile {
    /// Name, e.g. `"pro"`.
    pub name: String,
    /// Share of daily active users on it, 0 to 1.
    pub share: f64,
    /// Price per user per month, USD.
    pub usd_per_user_month: f64,
}

/// How daily active users change over the horizon, from `daily_active_users` on day 0.
/// A month is 30 days here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Growth")]
pub enum Growth {
    /// `users_per_month` more (or fewer) users every month: `dau + users_per_month · d/30`.
    Linear {
        /// Users added per 30 days (may be negative; never below 0 users).
        users_per_month: f64,
    },
    /// Compound growth: `dau · (1 + monthly_rate)^(d/30)`.
    Exponential {
        /// Growth per 30 days, e.g. `0.2` for +20% a month; `> -1`.
        monthly_rate: f64,
    },
    /// Logistic adoption toward a ceiling:
    /// `ceiling_users / (1 + (ceiling_users/dau − 1) · e^(−monthly_rate · d/30))`.
    Logistic {
        /// Users the product saturates at, `>= daily_active_users`.
        ceiling_users: f64,
        /// Early growth rate per 30 days, `> 0`.
        monthly_rate: f64,
    },
    /// Multipliers of `daily_active_users`, one per month (month 1 first; calendar months with
    /// a `start_date`, else 30-day blocks); the last one holds after the list ends.
    Monthly(Vec<f64>),
}

/// A named set of cost-lever settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Strategy")]
pub struct StrategyFile {
    /// Unique name; `baseline` is the reference every saving is measured against.
    pub name: String,
    /// What this strategy shows.
    #[serde(default)]
    pub description: String,
    /// Other strategies whose settings this one starts from, applied in order after the
    /// baseline's, before this strategy's own.
    #[serde(default)]
    pub combine: Vec<String>,
    /// Provider prompt caching.
    #[serde(default)]
    pub prompt_cache: Option<PromptCacheFile>,
    /// Model tiering: routing rules and cascades ([`crate::simulation::levers::routing`]).
    #[serde(default)]
    pub routing: Option<RoutingFile>,
    /// Context policy: history windows and summarisation.
    #[serde(default)]
    pub context: Option<ContextFile>,
    /// Batch processing of deferrable endpoints.
    #[serde(default)]
    pub batch: Option<BatchFile>,
    /// Semantic caching of repeated queries (endpoints with `traffic.queries` only).
    #[serde(default)]
    pub semantic_cache: Option<SemanticCacheFile>,
}

/// Batch-processing settings of a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Batch")]
pub struct BatchFile {
    /// Seconds between scheduled submissions of the queue (default 3600).
    #[serde(default = "default_flush_s")]
    pub flush_every_s: f64,
    /// Submit as soon as this many requests wait (default 50,000, OpenAI's per-batch limit).
    #[serde(default = "default_max_batch")]
    pub max_batch: u64,
    /// Provider processing time of a submitted request, seconds (default
    /// `LogNormal(median: 1200, p90: 7200)`: most batches finish within an hour or two; the
    /// providers promise 24 hours at most).
    #[serde(default = "default_turnaround")]
    pub turnaround_s: Dist,
    /// Endpoints it applies to (default: every deferrable endpoint; naming a real-time one is
    /// an error).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

/// Semantic-caching settings of a strategy: an application-side cache of answers keyed by the
/// meaning of the user's query (see [`crate::simulation::levers::semantic_cache`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "SemanticCache")]
pub struct SemanticCacheFile {
    /// Model that embeds each query for the lookup; must be an embedding model of the catalog
    /// (default `"text-embedding-3-small"`).
    #[serde(default = "default_embedding_model")]
    pub embedding_model: String,
    /// Most answers held, in entries; the least recently used is evicted first (default: no
    /// limit). Must be >= 1.
    #[serde(default)]
    pub capacity: Option<u64>,
    /// Seconds an answer stays valid after it was stored (default: no expiry). Hits do not
    /// extend it.
    #[serde(default)]
    pub ttl_s: Option<f64>,
    /// Chance that a repeat of a cached query is recognised at the chosen similarity
    /// threshold, 0 to 1 (required: a strict threshold misses paraphrases, a loose one catches
    /// them).
    pub hit_probability: f64,
    /// Chance that a lookup with no cached match returns a wrong cached answer, 0 to 1
    /// (default 0). Only possible when the cache holds something.
    #[serde(default)]
    pub false_hit_rate: f64,
    /// Endpoints it applies to (default: all; each must have `traffic.queries`).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

fn default_flush_s() -> f64 {
    3600.0
}

fn default_max_batch() -> u64 {
    50_000
}

fn default_turnaround() -> Dist {
    Dist::LogNormal {
        median: 1200.0,
        p90: 7200.0,
    }
}

/// Context-policy settings of a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Context")]
pub struct ContextFile {
    /// `KeepLastTurns(n)` or `Summarize(every_turns: k, summary_tokens: s, model: "id")`.
    pub policy: crate::model::strategy::ContextPolicy,
    /// Endpoints it applies to (default: all).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

fn default_embedding_model() -> String {
    "text-embedding-3-small".to_string()
}

/// How an endpoint's queries repeat: each session's opening query is one *intent* (a question
/// asked in any wording); requests with the same intent can be answered from a semantic cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Queries")]
pub enum Queries {
    /// A catalog of `intents` distinct questions whose popularity is Zipf: the intent of rank
    /// `k` is asked with probability proportional to `k^-s`.
    ///
    /// RON: `Zipf(intents: 5000, s: 1.1)`. Requires `intents >= 1` and a finite `s >= 0`
    /// (`s == 0`: every intent equally popular).
    Zipf {
        /// Number of distinct intents, `>= 1`.
        intents: u64,
        /// Popularity exponent, `>= 0`; larger means a few questions dominate.
        s: f64,
    },
    /// A stated share of repeated queries: with probability `rate` a query repeats the intent of
    /// a uniformly chosen earlier query of the endpoint (so often-asked questions are asked
    /// again more often), otherwise it is a new intent.
    ///
    /// RON: `Repetition(rate: 0.3)`. Requires `0 <= rate <= 1`.
    Repetition {
        /// Share of queries that repeat an earlier one, 0 to 1.
        rate: f64,
    },
}

/// Prompt-caching settings of a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "PromptCache")]
pub struct PromptCacheFile {
    /// Cache TTL: `M5`, `M30`, `H1`, `H12` or `H24`, among those the model offers (default: the model's
    /// default, its first listed TTL).
    #[serde(default)]
    pub ttl: Option<crate::foundations::pricing::Ttl>,
    /// Breakpoints: `System`, `Tools`, `FullPrompt` (default) or `History`.
    #[serde(default)]
    pub placement: crate::model::strategy::Placement,
    /// OpenAI GPT-5.6 and later: `Implicit` (default) keeps the provider's implicit breakpoint
    /// at the end of each prompt beside the placement's; `Explicit` (`mode: "explicit"`) drops
    /// it, so the placement's breakpoints are all there is, as on Anthropic.
    #[serde(default)]
    pub mode: crate::model::strategy::CacheMode,
    /// OpenAI's `prompt_cache_key`: `Endpoint` (default: one key, or none, for the endpoint,
    /// so every request shares entries), `User` (a user's requests share entries) or
    /// `Session` (nothing shared across sessions).
    #[serde(default)]
    pub key: crate::model::strategy::CacheKey,
    /// What-if bound: entries never expire (no provider offers this; it shows the most any
    /// TTL could read). Writes are priced at `ttl`'s price and storage is not billed.
    #[serde(default)]
    pub unbounded: bool,
    /// Gemini implicit caching (Gemini 2.5 and newer) instead of an explicit cache: the share,
    /// 0 to 1, of the prefix the provider could match that it does read from its cache (no
    /// guarantee), billed at the cached rate; no write fee, no storage, no TTL or placement to
    /// choose. Often uncertain: `Value("prompt_cache.implicit_hit_share", ...)`.
    #[serde(default)]
    pub implicit_hit_share: Option<f64>,
    /// Caching as a trace recorded it, not modelled: `(read: r, write: w)`, the shares of every
    /// prompt token read from the cache and written to it at `ttl`'s write price (`fit` writes
    /// them from recorded cache columns). No placement, mode, key or unbounded option: the
    /// shares stand for whatever the application did.
    #[serde(default)]
    pub recorded_shares: Option<crate::model::strategy::RecordedShares>,
    /// Endpoints it applies to (default: all).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

/// Model-tiering settings of a strategy: an ordered list of rules, the first that matches a
/// request decides where it goes; a request no rule matches stays on the endpoint's model.
///
/// ```ron
/// routing: Routing(
///     endpoints: ["chat", "summarize"],
///     rules: [
///         Route(when: PromptAtMost(2000), model: "claude-haiku-4-5"),
///         Route(endpoints: ["summarize"], when: Share(0.3), model: "gpt-5.6-luna"),
///         Cascade(first: "claude-haiku-4-5", escalate_share: 0.2),
///     ],
/// )
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Routing")]
pub struct RoutingFile {
    /// Endpoints it applies to (default: all).
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// The rules, evaluated in order; first match wins (at least one).
    pub rules: Vec<RoutingRuleFile>,
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Rule")]
pub enum RoutingRuleFile {
    /// Send the matching requests to `model` instead of the endpoint's model.
    Route {
        /// Endpoints this rule applies to (default: all those of the `Routing` block).
        #[serde(default)]
        endpoints: Vec<String>,
        /// Which requests (default `Always`).
        #[serde(default)]
        when: crate::model::strategy::Condition,
        /// Model id from the catalog (a chat model).
        model: String,
    },
    /// Call the cheaper model `first`; a share `escalate_share` (0 to 1) of its answers is
    /// judged not good enough and the request is sent again, in full, to `to`: both calls are
    /// billed.
    Cascade {
        /// Endpoints this rule applies to (default: all those of the `Routing` block).
        #[serde(default)]
        endpoints: Vec<String>,
        /// Which requests (default `Always`).
        #[serde(default)]
        when: crate::model::strategy::Condition,
        /// Model that answers first.
        first: String,
        /// Share of the first model's answers escalated, 0 to 1.
        escalate_share: f64,
        /// Model escalated to (default: the endpoint's model).
        #[serde(default)]
        to: Option<String>,
    },
}

/// Day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Weekday {
    #[default]
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// 0 for Monday through 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which price list an endpoint's requests are billed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ServiceTier")]
pub enum ServiceTierFile {
    /// Ordinary real-time prices.
    #[default]
    Standard,
    /// Flex processing (slower, cheaper; OpenAI and Google). The model must have flex prices.
    Flex,
}

/// One product feature that calls a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Endpoint")]
pub struct EndpointFile {
    /// Unique name, e.g. "chat" (required). Random streams are keyed by it, so renaming an
    /// endpoint changes its sampled traffic; editing another endpoint never does.
    pub name: String,
    /// Model id as in the price catalog, e.g. "claude-sonnet-4-6" (required).
    pub model: String,
    /// `Standard` (default) or `Flex`.
    #[serde(default)]
    pub service_tier: ServiceTierFile,
    /// Whether the work can wait hours for its result (offline processing), which makes it
    /// eligible for batch processing (default `false`: real-time, never batched). A deferrable
    /// endpoint's sessions must be single requests.
    #[serde(default)]
    pub deferrable: bool,
    /// Who calls it and how often.
    pub traffic: TrafficFile,
    /// What each request sends.
    pub prompt: PromptFile,
    /// Visible output tokens per request (required). They join the history of later turns.
    pub output_tokens: Dist,
    /// Hidden reasoning tokens per request, billed at the reasoning rate (default `Fixed(0)`).
    /// They are not re-sent in later turns (providers drop them from the history).
    #[serde(default = "zero")]
    pub reasoning_tokens: Dist,
    /// Prompt caching as the application does it today, measured from a trace's cache columns
    /// rather than modelled (`fit` writes it): every strategy bills it, the baseline included,
    /// unless the strategy's `prompt_cache` covers the endpoint (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_cache: Option<RecordedCacheFile>,
}

/// An endpoint's prompt caching as its logs record it: `RecordedCache(read: r, write: w, ttl:
/// M5)`, the shares of every prompt token read from the cache and written to it (at `ttl`'s
/// write price, default the model's first TTL); the rest is plain input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "RecordedCache")]
pub struct RecordedCacheFile {
    /// Share of prompt tokens read from the cache, 0 to 1.
    pub read: f64,
    /// Share of prompt tokens written to the cache, 0 to 1 (`read + write` at most 1).
    pub write: f64,
    /// TTL of the writes, among those the model offers (default: its first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<crate::foundations::pricing::Ttl>,
}

/// Traffic of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Traffic")]
pub struct TrafficFile {
    /// Average daily active users over a week (required); on day 0 when `growth` is set.
    pub daily_active_users: f64,
    /// Sessions each active user starts per day, on average (required). Sessions arrive as a
    /// Poisson process whose rate follows `hourly_profile` and `weekday_weights`.
    pub sessions_per_user_per_day: f64,
    /// 24 relative weights, hour 0 (midnight) to hour 23, of when sessions start. Default: flat.
    #[serde(default)]
    pub hourly_profile: Option<Vec<f64>>,
    /// 7 relative weights, Monday to Sunday, scaling each day's sessions (normalised to a mean
    /// of 1, so `daily_active_users` stays the weekly average). Default: all equal.
    #[serde(default)]
    pub weekday_weights: Option<Vec<f64>>,
    /// Requests (turns) per session; draws are rounded and at least 1 (default `Fixed(1)`).
    /// With `turns_by_opening`, the turns of sessions whose opening is above every band.
    #[serde(default = "one")]
    pub turns: Dist,
    /// Turns per session by the size of the session's opening (its document, if it sends one,
    /// plus its first message), when the two go together: a session whose opening is below a
    /// band's `below` tokens draws its turns from the first such band, the others from `turns`
    /// (default: none, every session draws from `turns`). A chat opened with a short question
    /// tends to go on longer than one opened with a long pasted text, e.g. `[Opening(below:
    /// 1000, turns: Geometric(mean: 3)), Opening(below: 10000, turns: Geometric(mean: 1.5))]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns_by_opening: Vec<OpeningTurns>,
    /// Seconds from one request of a session to the next (user reading, typing, tools running).
    /// Required when a session can have more than one turn.
    #[serde(default)]
    pub think_time_s: Option<Dist>,
    /// How the opening queries of sessions repeat, e.g. `Zipf(intents: 5000, s: 1.1)` or
    /// `Repetition(rate: 0.3)` (default: not modelled). Needed by a semantic cache.
    #[serde(default)]
    pub queries: Option<Queries>,
    /// How `daily_active_users` changes over the horizon (default: constant), e.g.
    /// `Logistic(ceiling_users: 50000, monthly_rate: 0.9)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<Growth>,
}

/// The turns of sessions whose opening is below `below` tokens ([`TrafficFile::turns_by_opening`]).
///
/// RON: `Opening(below: 1000, turns: Geometric(mean: 3))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Opening")]
pub struct OpeningTurns {
    /// Tokens of the opening (document and first message) this band holds sessions below.
    pub below: f64,
    /// Requests (turns) of those sessions.
    pub turns: Dist,
}

/// The later messages of sessions of at most `at_most` turns ([`PromptFile::user_tokens_by_turns`]).
///
/// RON: `Turns(at_most: 2, user_tokens: LogNormal(median: 1000, p95: 20000))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Turns")]
pub struct TurnsUser {
    /// Sessions of at most this many turns (at least 2: a one-turn session has no later turn).
    pub at_most: u32,
    /// The new user message of each of their turns after the first.
    pub user_tokens: Dist,
}

/// How much a conversation re-sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum History {
    /// Every turn re-sends all earlier user messages and outputs (the default; what chat APIs do).
    #[default]
    Full,
    /// Stateless: each request sends only its own prompt.
    None,
}

/// The parts of one request's prompt, in the order they are sent:
/// system, tools, history, retrieved context, user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Prompt")]
pub struct PromptFile {
    /// System prompt tokens, drawn once per session (default `Fixed(0)`).
    #[serde(default = "zero")]
    pub system_tokens: Dist,
    /// Tool definition tokens, drawn once per session (default `Fixed(0)`).
    #[serde(default = "zero")]
    pub tools_tokens: Dist,
    /// Retrieved documents sent with each request, drawn per request (default `Fixed(0)`).
    #[serde(default = "zero")]
    pub context_tokens: Dist,
    /// The new user message of each request (required).
    pub user_tokens: Dist,
    /// The opening message of a session (its first request), when it differs from the later
    /// ones: a pasted document, a long first question (default: `user_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_user_tokens: Option<Dist>,
    /// The new message of the turns after the first by the session's length, when the two go
    /// together: a session of at most `at_most` turns draws its later messages from the first
    /// such entry, longer sessions from `user_tokens` (default: none). In chats, a session
    /// whose follow-up pastes a long text tends to end soon, while long sessions go on with
    /// short questions, e.g. `[Turns(at_most: 2, user_tokens: LogNormal(median: 1000, p95:
    /// 20000)), Turns(at_most: 5, user_tokens: LogNormal(median: 40, p95: 2000))]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tokens_by_turns: Vec<TurnsUser>,
    /// Documents sent whole at the start of a session's every request, after the tools, picked
    /// from a shared pool (default: none). Requests of any session that send the same document
    /// share its prefix in the provider's cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<DocumentsFile>,
    /// `Full` (default) or `None`.
    #[serde(default)]
    pub history: History,
    /// Whether a turn's retrieved context stays in the history of later turns (default `false`:
    /// most applications send retrieved documents with their own turn only).
    #[serde(default)]
    pub context_in_history: bool,
}

/// A pool of documents sessions send whole (a manual, a contract, a code base): each session
/// with a document picks one when it starts and sends it on every turn after the system prompt
/// and tools, so the prompt is `system | tools | document | history | context | user`.
///
/// RON: `Documents(share: 0.6, popularity: Repetition(rate: 0.5), tokens: LogNormal(median:
/// 20000, p95: 60000))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Documents")]
pub struct DocumentsFile {
    /// Share of sessions that send a document, 0 to 1 (default 1).
    #[serde(default = "one_share")]
    pub share: f64,
    /// Which document a session picks, as `traffic.queries` picks intents: `Zipf(intents: N,
    /// s: S)` over a pool of `N` documents, or `Repetition(rate: R)`, an earlier session's
    /// document with probability `R`, else a new one.
    pub popularity: Queries,
    /// Tokens of each document, drawn once per document: every session sending it sends the
    /// same tokens.
    pub tokens: Dist,
}

fn one_share() -> f64 {
    1.0
}

fn zero() -> Dist {
    Dist::Fixed(0.0)
}

fn one() -> Dist {
    Dist::Fixed(1.0)
}
