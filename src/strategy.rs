//! Strategies: what a run does to each request before it is billed.
//!
//! A strategy turns the application's request stream into billed model calls and records them in
//! its own [`Ledger`]. Every strategy of a scenario sees the *same* requests in the same order
//! (common random numbers), so the difference between two strategies is the effect of their
//! settings, not sampling noise.
//!
//! A strategy with no levers bills every request as the application sends it: the whole prompt
//! as uncached input at the endpoint's model, service tier and price tier (except on models
//! whose provider caches prompts automatically, see [`crate::levers::prompt_cache`]).
//! The ledger's `cache_storage_token_hours` bucket holds token-*minutes*; the report converts.
//!
//! Context window: a request whose prompt is longer than the model's `max_input_tokens` would be
//! refused by the provider (HTTP 400, nothing billed). It is counted in
//! [`Ledger::context_overflows`] and not billed; the report warns about it. Later turns of that
//! session are still attempted, as the traffic is shared by all strategies.
//!
//! Model tiering ([`crate::levers::routing`]) can bill a request on another model than the
//! endpoint's, or on two (a cascade that escalates): every model an endpoint can be routed to has
//! its own ledger lines and its own prompt-cache entries.

use crate::ledger::{Ledger, LineKey};
use crate::levers::prompt_cache::{EndpointCache, Placement, PromptCache};
use crate::levers::routing::{Router, RoutingChoice};
use crate::pricing::{Bucket, CacheKind, ModelPrice, PriceTier, Ttl};
use crate::rng::stable_hash;
use crate::scenario::{Endpoint, Scenario};
use crate::workload::Request;

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
    /// Provider prompt caching, if on.
    pub prompt_cache: Option<CacheChoice>,
    /// Model tiering: routing rules and cascades, if any.
    pub routing: Option<RoutingChoice>,
}

/// Prompt-cache settings for one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheChoice {
    /// TTL of writes.
    pub ttl: Ttl,
    /// Breakpoints.
    pub placement: Placement,
    /// True when the strategy turned caching on (`prompt_cache`), false for a provider's
    /// automatic caching. Decides whether models the endpoint is routed to cache explicitly.
    pub opted_in: bool,
}

/// Where an endpoint's requests are billed under one strategy.
#[derive(Debug, Clone)]
struct Route {
    /// Ledger line for base and long-context prices.
    lines: [usize; 2],
    max_input_tokens: u64,
    long_context_above: u64,
    cache: Option<EndpointCache>,
}

/// An endpoint's router and where each of its models bills ([`Router::models`] order).
#[derive(Debug)]
struct Routed {
    router: Router,
    targets: Vec<Route>,
}

/// One strategy's per-run state: its routes, its levers' state and its ledger.
#[derive(Debug)]
pub struct Pipeline {
    routes: Vec<Route>,
    routers: Vec<Option<Routed>>,
    cache: PromptCache,
    ledger: Ledger,
}

impl Pipeline {
    /// Build the pipeline of `strategy` for `scenario`, registering its models in `models`.
    pub fn new(scenario: &Scenario, strategy: &Strategy, models: &mut ModelTable) -> Pipeline {
        let mut ledger = Ledger::new(scenario.horizon_days, scenario.endpoints.len());
        let routes: Vec<Route> = scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let cache = strategy.endpoints.get(i).and_then(|l| l.prompt_cache);
                route_on(&mut ledger, models, i, e, &e.model, &e.price, cache)
            })
            .collect();
        let routers = scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let levers = strategy.endpoints.get(i)?;
                let choice = levers.routing.as_ref()?;
                let window = |id: &str| {
                    price_of(scenario, e, id)
                        .max_input_tokens
                        .unwrap_or(u64::MAX)
                };
                let router = Router::new(choice, &e.name, &e.model, window, scenario.seed);
                let targets = router
                    .models()
                    .iter()
                    .enumerate()
                    .map(|(k, id)| {
                        if k == 0 {
                            return routes[i].clone();
                        }
                        let price = price_of(scenario, e, id);
                        let cache = routed_cache(price, levers.prompt_cache);
                        route_on(&mut ledger, models, i, e, id, price, cache)
                    })
                    .collect();
                Some(Routed { router, targets })
            })
            .collect();
        Pipeline {
            routes,
            routers,
            cache: PromptCache::new(),
            ledger,
        }
    }

    /// Draw the levers' randomness from run `run`'s streams (a new pipeline draws from run 0's).
    pub fn set_run(&mut self, run: u64) {
        for r in self.routers.iter_mut().flatten() {
            r.router.set_run(run);
        }
    }

    /// Bill one request.
    #[inline]
    pub fn process(&mut self, req: &Request) {
        let e = req.endpoint as usize;
        let route = &self.routes[e];
        if req.turn == 0 {
            self.ledger.sessions[e] += 1;
        }
        let prompt = req.prompt_tokens();
        if let Some(r) = self.routers[e].as_mut() {
            // Model tiering (levers::routing): the router picks the model(s) that bill it.
            let plan = r.router.plan(prompt);
            let l = &mut self.ledger;
            l.cascades[e] += u64::from(plan.cascaded);
            l.escalations[e] += u64::from(plan.escalated);
            l.window_fallbacks[e] += u64::from(plan.window_fallback);
            l.context_overflows[e] += u64::from(plan.refused);
            if plan.calls().is_empty() {
                return;
            }
            for &t in plan.calls() {
                bill(l, &mut self.cache, &r.targets[t as usize], req, prompt);
            }
        } else {
            if prompt > route.max_input_tokens {
                self.ledger.context_overflows[e] += 1;
                return;
            }
            bill(&mut self.ledger, &mut self.cache, route, req, prompt);
        }
        let seg = &mut self.ledger.prompt_segments[e];
        seg[0] += req.system_tokens;
        seg[1] += req.tools_tokens;
        seg[2] += req.history_tokens;
        seg[3] += req.context_tokens;
        seg[4] += req.user_tokens;
    }

    /// The finished ledger.
    pub fn into_ledger(self) -> Ledger {
        self.ledger
    }
}

/// Bill one call of `req` (prompt `prompt` tokens) on `route`'s model.
#[inline]
fn bill(ledger: &mut Ledger, cache: &mut PromptCache, route: &Route, req: &Request, prompt: u64) {
    let line = route.lines[usize::from(prompt > route.long_context_above)];
    let cell = ledger.cell_mut(line, req.time.day());
    match &route.cache {
        Some(c) => {
            let split = cache.process(c, req, req.time.as_ms());
            cell.tokens[Bucket::Input.index()] += prompt - split.read - split.write;
            cell.tokens[Bucket::CacheRead.index()] += split.read;
            cell.tokens[c.ttl.write_bucket().index()] += split.write;
            cell.tokens[Bucket::CacheStorageTokenHours.index()] += split.storage_token_minutes;
        }
        None => cell.tokens[Bucket::Input.index()] += prompt,
    }
    cell.tokens[Bucket::Output.index()] += req.output_tokens;
    cell.tokens[Bucket::Reasoning.index()] += req.reasoning_tokens;
    cell.requests += 1;
}

/// Prices of model `id`, routed to from endpoint `e` (validated to be in the catalog).
fn price_of<'a>(scenario: &'a Scenario, e: &'a Endpoint, id: &str) -> &'a ModelPrice {
    if id == e.model {
        return &e.price;
    }
    scenario.catalog.get(id).unwrap_or(&e.price)
}

/// Caching of a model an endpoint is routed to: the provider's automatic caching, or explicit
/// caching when the strategy opted in for the endpoint (same placement; the endpoint's TTL if
/// the model offers it, else the model's default).
fn routed_cache(price: &ModelPrice, endpoint: Option<CacheChoice>) -> Option<CacheChoice> {
    let rules = &price.cache;
    let ttl = |want: Option<Ttl>| match want {
        Some(t) if rules.ttls.contains(&t) => Some(t),
        _ => rules.ttls.first().copied(),
    };
    match rules.kind {
        CacheKind::None => None,
        CacheKind::Automatic => Some(CacheChoice {
            ttl: ttl(endpoint.map(|c| c.ttl))?,
            placement: Placement::FullPrompt,
            opted_in: endpoint.is_some_and(|c| c.opted_in),
        }),
        CacheKind::Explicit | CacheKind::ExplicitWithStorage => {
            let c = endpoint.filter(|c| c.opted_in)?;
            Some(CacheChoice {
                ttl: ttl(Some(c.ttl))?,
                ..c
            })
        }
    }
}

/// Register the ledger lines of endpoint `i` billed on model `id` and build its route.
fn route_on(
    ledger: &mut Ledger,
    models: &mut ModelTable,
    i: usize,
    e: &Endpoint,
    id: &str,
    price: &ModelPrice,
    cache: Option<CacheChoice>,
) -> Route {
    let model = models.index(id);
    let mut line = |price_tier| {
        ledger.line(LineKey {
            endpoint: i as u16,
            model,
            service: e.service_tier,
            price_tier,
        })
    };
    let lines = [line(PriceTier::Base), line(PriceTier::LongContext)];
    Route {
        lines,
        max_input_tokens: price.max_input_tokens.unwrap_or(u64::MAX),
        long_context_above: price
            .long_context
            .as_ref()
            .map(|t| t.above_input_tokens)
            .unwrap_or(u64::MAX),
        cache: cache.map(|c| EndpointCache {
            rules: price.cache.clone(),
            ttl: c.ttl,
            placement: c.placement,
            context_in_history: e.prompt.context_in_history,
            // Per model and endpoint: a provider's cache holds prefixes for one model.
            salt: stable_hash(id) ^ stable_hash(&e.name).rotate_left(17),
        }),
    }
}
