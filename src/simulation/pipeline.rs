//! Strategies: what a run does to each request before it is billed.
//!
//! A strategy turns the application's request stream into billed model calls and records them in
//! its own [`Ledger`]. Every strategy of a scenario sees the *same* requests in the same order
//! (common random numbers), so the difference between two strategies is the effect of their
//! settings, not sampling noise.
//!
//! A strategy with no levers bills every request as the application sends it: the whole prompt
//! as uncached input at the endpoint's model, service tier and price tier (except on models
//! whose provider caches prompts automatically, see [`crate::simulation::levers::prompt_cache`]).
//! The ledger's `cache_storage_token_hours` bucket holds token-*minutes*; the report converts.
//!
//! Context window: a request whose prompt is longer than the model's `max_input_tokens` would be
//! refused by the provider (HTTP 400, nothing billed). It is counted in
//! [`Ledger::context_overflows`] and not billed; the report warns about it. Later turns of that
//! session are still attempted, as the traffic is shared by all strategies.
//!
//! Semantic cache ([`crate::simulation::levers::semantic_cache`]): requests that carry a query intent are
//! looked up first; the embedding is billed on its own ledger line (the endpoint, the embedding
//! model, standard prices) and is not counted in `requests`; a hit returns before the model
//! call, so nothing else of the request is billed.
//! Model tiering ([`crate::simulation::levers::routing`]) can bill a request on another model than the
//! endpoint's, or on two (a cascade that escalates): every model an endpoint can be routed to has
//! its own ledger lines and its own prompt-cache entries.
//!
//! The pipeline's parts: `build` registers its ledger lines and sets up its levers for a run,
//! `process` runs each request through the levers, `bill` bills each model call, and [`Fleet`]
//! feeds the same requests to every strategy's pipeline.

mod bill;
mod build;
mod fleet;
mod process;

pub use fleet::Fleet;

use crate::foundations::ledger::Ledger;
use crate::foundations::rng;
use crate::simulation::levers::batch::Batcher;
use crate::simulation::levers::context::ContextTrimmer;
use crate::simulation::levers::prompt_cache::{EndpointCache, PromptCache};
use crate::simulation::levers::routing::Router;
use crate::simulation::levers::semantic_cache::SemanticCache;

/// The table of models a run can bill, shared by all its ledgers: ledger lines refer to models by
/// index into it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTable {
    /// Model ids, in first-use order.
    pub ids: Vec<String>,
}

impl ModelTable {
    /// Index of `id`, adding it if new.
    pub fn index(&mut self, id: &str) -> u16 {
        if let Some(i) = self.ids.iter().position(|m| m == id) {
            return i as u16;
        }
        self.ids.push(id.to_string());
        (self.ids.len() - 1) as u16
    }
}

/// Where an endpoint's requests are billed under one strategy.
#[derive(Clone, Debug)]
struct Route {
    /// Ledger line for base and long-context prices.
    lines: [usize; 2],
    max_input_tokens: u64,
    long_context_above: u64,
    cache: Option<EndpointCache>,
    context: Option<ContextTrimmer>,
    /// Ledger lines (base, long context) of the summary model and its long-context threshold.
    summary_lines: [usize; 2],
    summary_long_context_above: u64,
    /// Batch queue, and the ledger lines at batch prices.
    batch: Option<Batcher>,
    batch_lines: [usize; 2],
}

/// Where one model an endpoint is routed to bills.
#[derive(Debug, Clone)]
struct Target {
    lines: [usize; 2],
    batch_lines: [usize; 2],
    long_context_above: u64,
    cache: Option<EndpointCache>,
}

/// An endpoint's router and where each of its models bills ([`Router::models`] order).
#[derive(Clone, Debug)]
struct Routed {
    router: Router,
    targets: Vec<Target>,
}

/// One strategy's per-run state: its routes, its levers' state and its ledger.
#[derive(Clone, Debug)]
pub struct Pipeline {
    routes: Vec<Route>,
    routers: Vec<Option<Routed>>,
    cache: PromptCache,
    ledger: Ledger,
    has_batch: bool,
    /// Endpoints whose requests go straight to the bill: no context policy, semantic cache,
    /// batch or routing (prompt caching, if any, is applied by the bill).
    direct: Vec<bool>,
    /// Turnaround draws of each endpoint's batch lever (its own stream).
    batch_rng: Vec<Option<rng::StreamRng>>,
    /// Semantic cache of each endpoint, and its embedding ledger line.
    semantic: Vec<Option<(SemanticCache, usize)>>,
}
