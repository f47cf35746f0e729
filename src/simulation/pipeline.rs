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

mod fleet;
pub use fleet::Fleet;

use crate::foundations::ledger::{Ledger, LineKey};
use crate::foundations::pricing::{Bucket, CacheKind, ModelPrice, PriceTier, ServiceTier, Ttl};
use crate::foundations::rng::{self, Purpose, stable_hash};
use crate::foundations::time::{MS_PER_DAY, SimTime};
use crate::model::scenario::{Endpoint, Scenario};
use crate::model::strategy::{CacheChoice, ContextPolicy, Placement, Strategy};
use crate::model::workload::Request;
use crate::simulation::levers::batch::Batcher;
use crate::simulation::levers::context::ContextTrimmer;
use crate::simulation::levers::prompt_cache::{EndpointCache, PromptCache};
use crate::simulation::levers::routing::Router;
use crate::simulation::levers::semantic_cache::{Lookup, SemanticCache};

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
#[derive(Debug)]
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
#[derive(Debug)]
struct Routed {
    router: Router,
    targets: Vec<Target>,
}

/// One strategy's per-run state: its routes, its levers' state and its ledger.
#[derive(Debug)]
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

impl Pipeline {
    /// Build the pipeline of `strategy` for run `run` of `scenario`, registering its models in
    /// `models`. Levers with random draws take their streams from `(scenario.seed, run)`.
    pub fn new(
        scenario: &Scenario,
        strategy: &Strategy,
        models: &mut ModelTable,
        run: u64,
    ) -> Pipeline {
        let mut ledger = Ledger::new(scenario.horizon_days, scenario.endpoints.len());
        let routes: Vec<Route> = scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let model = models.index(&e.model);
                let mut line = |price_tier| {
                    ledger.line(LineKey {
                        endpoint: i as u16,
                        model,
                        service: e.service_tier,
                        price_tier,
                    })
                };
                let lines = [line(PriceTier::Base), line(PriceTier::LongContext)];
                let cache = strategy
                    .endpoints
                    .get(i)
                    .and_then(|l| l.prompt_cache)
                    .map(|c| EndpointCache {
                        rules: e.price.cache.clone(),
                        ttl: c.ttl,
                        placement: c.placement,
                        context_in_history: e.prompt.context_in_history,
                        salt: stable_hash(&e.model) ^ stable_hash(&e.name).rotate_left(17),
                        unbounded: c.unbounded,
                    });
                let policy = strategy.endpoints.get(i).and_then(|l| l.context.clone());
                let summary_model = match &policy {
                    Some(ContextPolicy::Summarize { model: Some(m), .. }) => m.clone(),
                    _ => e.model.clone(),
                };
                let summary_price = scenario.catalog.get(&summary_model).unwrap_or(&e.price);
                let sm = models.index(&summary_model);
                let mut sline = |price_tier| {
                    ledger.line(LineKey {
                        endpoint: i as u16,
                        model: sm,
                        service: e.service_tier,
                        price_tier,
                    })
                };
                let summary_lines = if policy.is_some() {
                    [sline(PriceTier::Base), sline(PriceTier::LongContext)]
                } else {
                    lines
                };
                let batch_choice = strategy.endpoints.get(i).and_then(|l| l.batch.clone());
                let batch_lines = match &batch_choice {
                    Some(_) => [PriceTier::Base, PriceTier::LongContext].map(|price_tier| {
                        ledger.line(LineKey {
                            endpoint: i as u16,
                            model,
                            service: ServiceTier::Batch,
                            price_tier,
                        })
                    }),
                    None => lines,
                };
                let batch = batch_choice.and_then(|b| {
                    b.turnaround_s
                        .sampler()
                        .ok()
                        .map(|s| Batcher::new(b.flush_every_ms, b.max_batch, s))
                });
                Route {
                    batch,
                    batch_lines,
                    cache,
                    context: policy.map(ContextTrimmer::new),
                    summary_lines,
                    summary_long_context_above: summary_price
                        .long_context
                        .as_ref()
                        .map(|t| t.above_input_tokens)
                        .unwrap_or(u64::MAX),
                    lines,
                    max_input_tokens: e.price.max_input_tokens.unwrap_or(u64::MAX),
                    long_context_above: e
                        .price
                        .long_context
                        .as_ref()
                        .map(|t| t.above_input_tokens)
                        .unwrap_or(u64::MAX),
                }
            })
            .collect();
        let batch_rng = scenario
            .endpoints
            .iter()
            .zip(&routes)
            .map(|(e, r): (_, &Route)| {
                r.batch.as_ref().map(|_| {
                    rng::stream(
                        scenario.seed,
                        run,
                        &format!("batch/{}", e.name),
                        Purpose::Batch,
                    )
                })
            })
            .collect();
        let semantic = scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let settings = strategy.endpoints.get(i)?.semantic_cache.as_ref()?;
                let line = ledger.line(LineKey {
                    endpoint: i as u16,
                    model: models.index(&settings.embedding_model),
                    service: ServiceTier::Standard,
                    price_tier: PriceTier::Base,
                });
                let name = format!("semantic_cache/{}", e.name);
                let rng = rng::stream(scenario.seed, run, &name, Purpose::SemanticCache);
                Some((SemanticCache::new(settings, rng), line))
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
                let mut router = Router::new(choice, &e.name, &e.model, window, scenario.seed);
                router.set_run(run);
                let own = &routes[i];
                let targets = router
                    .models()
                    .iter()
                    .enumerate()
                    .map(|(k, id)| {
                        if k == 0 {
                            return Target {
                                lines: own.lines,
                                batch_lines: own.batch_lines,
                                long_context_above: own.long_context_above,
                                cache: own.cache.clone(),
                            };
                        }
                        let price = price_of(scenario, e, id);
                        let cache = routed_cache(price, levers.prompt_cache);
                        let batched = own.batch.is_some();
                        target_on(&mut ledger, models, i, e, id, price, cache, batched)
                    })
                    .collect();
                Some(Routed { router, targets })
            })
            .collect();
        let direct = routes
            .iter()
            .zip(&routers)
            .zip(&semantic)
            .map(
                |((r, routed), sem): ((&Route, &Option<Routed>), &Option<_>)| {
                    r.context.is_none() && r.batch.is_none() && routed.is_none() && sem.is_none()
                },
            )
            .collect();
        Pipeline {
            has_batch: routes.iter().any(|r| r.batch.is_some()),
            direct,
            routes,
            routers,
            cache: PromptCache::new(),
            ledger,
            batch_rng,
            semantic,
        }
    }

    /// Bill one request.
    #[inline(always)]
    pub fn process(&mut self, original: &Request) {
        let e = original.endpoint as usize;
        if self.has_batch {
            self.flush_due(original.time);
        }
        // Without a branch: whether a request opens its session is not predictable.
        self.ledger.sessions[e] += u64::from(original.turn == 0);
        if self.direct[e] {
            self.bill_on_route(original, original.history_tokens, false);
        } else {
            self.process_levers(original);
        }
    }

    /// The prompt-cache part of billing `req` at price tier `tier` on a direct endpoint: reads,
    /// writes and storage only, on `day` (the request's, clamped into the horizon). [`Fleet`]
    /// adds everything else.
    #[inline]
    fn split_prompt(&mut self, req: &Request, tier: usize, day: u32) {
        let route = &self.routes[req.endpoint as usize];
        let Some(c) = route.cache.as_ref() else {
            return;
        };
        let cell = self.ledger.cell_mut(route.lines[tier], day);
        let split = self.cache.process(c, req, req.time.as_ms());
        cell.tokens[Bucket::CacheRead.index()] += split.read;
        cell.tokens[c.ttl.write_bucket().index()] += split.write;
        cell.tokens[Bucket::CacheStorageTokenHours.index()] += split.storage_token_minutes;
    }

    /// [`Pipeline::process`] on an endpoint with levers before the bill (kept out of line: the
    /// direct path is the hot one).
    #[inline(never)]
    fn process_levers(&mut self, original: &Request) {
        let e = original.endpoint as usize;
        // The request as this strategy sends it: a copy only when a context policy changes it.
        let trimmed;
        let route = &mut self.routes[e];
        let req = match route.context.as_mut() {
            Some(trimmer) => {
                let t = trimmer.apply(original, route.max_input_tokens);
                self.ledger.forced_trims[e] += u64::from(t.forced_trims);
                if let Some(call) = t.summary {
                    let line = route.summary_lines
                        [usize::from(call.prompt_tokens > route.summary_long_context_above)];
                    let cell = self.ledger.cell_mut(line, original.time.day());
                    cell.tokens[Bucket::Input.index()] += call.prompt_tokens;
                    cell.tokens[Bucket::Output.index()] += call.output_tokens;
                    cell.requests += 1;
                    self.ledger.summaries[e] += 1;
                }
                trimmed = Request {
                    history_tokens: t.history_tokens,
                    history_reset: t.history_reset,
                    ..original.clone()
                };
                &trimmed
            }
            None => original,
        };
        if req.intent.is_some() && self.semantic[e].is_some() && self.answered_from_cache(req) {
            return;
        }
        if let Some(b) = self.routes[e].batch.as_mut() {
            if b.push(req.clone()) {
                self.submit_batch(e, req.time);
            }
            return;
        }
        self.bill(req, original.history_tokens, false);
    }

    /// Submit every batch queue whose scheduled time is at or before `now`.
    fn flush_due(&mut self, now: SimTime) {
        for e in 0..self.routes.len() {
            while let Some(due) = self.routes[e].batch.as_ref().and_then(Batcher::due) {
                if due > now {
                    break;
                }
                self.submit_batch(e, due);
            }
        }
    }

    /// Submit endpoint `e`'s batch queue at `at`: bill each request at batch prices and record
    /// its delay.
    fn submit_batch(&mut self, e: usize, at: SimTime) {
        let Some(b) = self.routes[e].batch.as_mut() else {
            return;
        };
        let queued = b.drain(at);
        for r in queued {
            let turnaround = match (self.routes[e].batch.as_ref(), self.batch_rng.get_mut(e)) {
                (Some(b), Some(Some(rng))) => b.turnaround_ms(rng),
                _ => 0,
            };
            self.ledger
                .batch_delays
                .record(at.as_ms() - r.time.as_ms() + turnaround);
            let submitted = Request { time: at, ..r };
            self.bill(&submitted, r.history_tokens, true);
        }
    }

    /// Semantic cache: look the query up (every lookup pays an embedding). True when the
    /// answer came from the cache, so no model call is made.
    fn answered_from_cache(&mut self, req: &Request) -> bool {
        let e = req.endpoint as usize;
        let route = &self.routes[e];
        let prompt = req.prompt_tokens();
        if let Some(intent) = req.intent
            && let Some((sc, line)) = &mut self.semantic[e]
        {
            let now = req.time.as_ms();
            let found = sc.lookup(intent, now);
            let counts = &mut self.ledger.semantic_cache[e];
            counts.lookups += 1;
            match found {
                Lookup::Hit => counts.hits += 1,
                Lookup::FalseHit => {
                    counts.hits += 1;
                    counts.false_hits += 1;
                }
                Lookup::Miss if prompt <= route.max_input_tokens => sc.store(intent, now),
                Lookup::Miss => {}
            }
            let cell = self.ledger.cell_mut(*line, req.time.day());
            cell.tokens[Bucket::Embedding.index()] += req.user_tokens;
            return found != Lookup::Miss;
        }
        false
    }

    /// Split one model call's prompt through the prompt cache and add it to the ledger.
    /// `original_history` is the history the application held, for the segment breakdown.
    fn bill(&mut self, req: &Request, original_history: u64, batch: bool) {
        let e = req.endpoint as usize;
        let Some(r) = self.routers[e].as_mut() else {
            self.bill_on_route(req, original_history, batch);
            return;
        };
        // Model tiering (levers::routing): the router picks the model(s) that bill it. A
        // batched endpoint's queue keeps arrival order, so the router's draws stay paired with
        // other strategies'.
        let prompt = req.prompt_tokens();
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
            let t = &r.targets[t as usize];
            let lines = if batch { t.batch_lines } else { t.lines };
            let line = lines[usize::from(prompt > t.long_context_above)];
            bill_call(l, &mut self.cache, line, t.cache.as_ref(), req, prompt);
        }
        add_segments(&mut self.ledger, req, original_history);
    }

    /// [`Pipeline::bill`] on the endpoint's own model (no routing).
    #[inline(always)]
    fn bill_on_route(&mut self, req: &Request, original_history: u64, batch: bool) {
        let e = req.endpoint as usize;
        let prompt = req.prompt_tokens();
        let route = &self.routes[e];
        if prompt > route.max_input_tokens {
            self.ledger.context_overflows[e] += 1;
            return;
        }
        let lines = if batch {
            route.batch_lines
        } else {
            route.lines
        };
        let line = lines[usize::from(prompt > route.long_context_above)];
        let cache = route.cache.as_ref();
        bill_call(&mut self.ledger, &mut self.cache, line, cache, req, prompt);
        add_segments(&mut self.ledger, req, original_history);
    }

    /// Submit what is still queued (at its scheduled time, or at the horizon's last
    /// millisecond if that comes first) and return the ledger.
    pub fn finish(mut self) -> Ledger {
        let end = SimTime(u64::from(self.ledger.days()) * MS_PER_DAY - 1);
        for e in 0..self.routes.len() {
            if let Some(due) = self.routes[e].batch.as_ref().and_then(Batcher::due) {
                self.submit_batch(e, due.min(end));
            }
        }
        self.ledger
    }

    /// Cover at least `days` days (recorded traffic, whose span is known only as it is read).
    pub fn ensure_days(&mut self, days: u32) {
        let endpoints = self.routes.len();
        self.ledger.ensure(days, endpoints);
    }

    /// The finished ledger (after submitting what batch queues still hold).
    pub fn into_ledger(self) -> Ledger {
        self.finish()
    }
}

/// Count the prompt segments of a billed request (`original_history`: the history the
/// application held).
#[inline]
fn add_segments(ledger: &mut Ledger, req: &Request, original_history: u64) {
    let seg = &mut ledger.prompt_segments[req.endpoint as usize];
    seg[0] += req.system_tokens;
    seg[1] += req.tools_tokens;
    seg[2] += original_history;
    seg[3] += req.context_tokens;
    seg[4] += req.user_tokens;
}

/// Add one model call of `req` (prompt `prompt` tokens) to `line`, its prompt split through the
/// prompt cache when `cfg` is on.
#[inline]
fn bill_call(
    ledger: &mut Ledger,
    cache: &mut PromptCache,
    line: usize,
    cfg: Option<&EndpointCache>,
    req: &Request,
    prompt: u64,
) {
    let cell = ledger.cell_mut(line, req.time.day());
    match cfg {
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
            unbounded: endpoint.is_some_and(|c| c.unbounded),
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

/// Register the ledger lines of endpoint `i` billed on the routed model `id` (and at its batch
/// prices when the endpoint is batched) and build its target.
#[allow(clippy::too_many_arguments)]
fn target_on(
    ledger: &mut Ledger,
    models: &mut ModelTable,
    i: usize,
    e: &Endpoint,
    id: &str,
    price: &ModelPrice,
    cache: Option<CacheChoice>,
    batched: bool,
) -> Target {
    let model = models.index(id);
    let mut lines_at = |service| {
        [PriceTier::Base, PriceTier::LongContext].map(|price_tier| {
            ledger.line(LineKey {
                endpoint: i as u16,
                model,
                service,
                price_tier,
            })
        })
    };
    let lines = lines_at(e.service_tier);
    let batch_lines = if batched {
        lines_at(ServiceTier::Batch)
    } else {
        lines
    };
    Target {
        lines,
        batch_lines,
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
            unbounded: c.unbounded,
        }),
    }
}
