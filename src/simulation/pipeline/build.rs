//! Building one strategy's pipeline for a run: the ledger lines every endpoint can bill (its
//! own model, a summary model, batch prices, each model it can be routed to) and the state of
//! its levers (prompt caching settings, context trimmer, batch queue, semantic cache, router),
//! each lever with random draws on its own stream of `(scenario.seed, run)`.
//!
//! Models and ledger lines are registered in a fixed order (endpoint by endpoint: own model,
//! summary model, batch prices; then every semantic cache's embedding model; then every
//! router's models), which numbers the model table and the ledger lines.

use super::{ModelTable, Pipeline, Route, Routed, Target};
use crate::foundations::ledger::{Ledger, LineKey};
use crate::foundations::pricing::{
    CacheKind, CacheRules, ModelPrice, PriceTier, ServiceTier, Ttl, caches_implicitly,
};
use crate::foundations::rng::{self, Purpose, stable_hash};
use crate::model::scenario::{Endpoint, Scenario};
use crate::model::strategy::{
    CacheChoice, CacheKey, ContextPolicy, EndpointLevers, Placement, Strategy,
};
use crate::simulation::levers::batch::Batcher;
use crate::simulation::levers::context::ContextTrimmer;
use crate::simulation::levers::prompt_cache::{EndpointCache, PromptCache};
use crate::simulation::levers::routing::Router;
use crate::simulation::levers::semantic_cache::SemanticCache;

impl Pipeline {
    /// Build the pipeline of `strategy` for run `run` of `scenario`, registering its models in
    /// `models`. Levers with random draws take their streams from `(scenario.seed, run)`.
    pub fn new(
        scenario: &Scenario,
        strategy: &Strategy,
        models: &mut ModelTable,
        run: u64,
    ) -> Pipeline {
        let mut b = Builder {
            scenario,
            strategy,
            models,
            run,
            ledger: Ledger::new(scenario.horizon_days, scenario.endpoints.len()),
        };
        let routes: Vec<Route> = scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| b.route(i, e))
            .collect();
        let batch_rng = b.batch_streams(&routes);
        let semantic = b.semantic_caches();
        let routers = b.routers(&routes);
        let direct = direct_endpoints(&routes, &routers, &semantic);
        Pipeline {
            has_batch: routes.iter().any(|r| r.batch.is_some()),
            direct,
            routes,
            routers,
            cache: PromptCache::new(),
            ledger: b.ledger,
            batch_rng,
            semantic,
        }
    }
}

/// What building one pipeline reads (the scenario, the strategy, the run) and registers into
/// (the run's model table, the pipeline's ledger).
struct Builder<'a> {
    scenario: &'a Scenario,
    strategy: &'a Strategy,
    models: &'a mut ModelTable,
    run: u64,
    ledger: Ledger,
}

impl<'a> Builder<'a> {
    /// The strategy's levers for endpoint `i`, if it sets any.
    fn levers(&self, i: usize) -> Option<&'a EndpointLevers> {
        self.strategy.endpoints.get(i)
    }

    /// Register the ledger lines (base, long context) of endpoint `i` billed on `model` at
    /// `service`.
    fn lines(&mut self, i: usize, model: u16, service: ServiceTier) -> [usize; 2] {
        [PriceTier::Base, PriceTier::LongContext].map(|price_tier| {
            self.ledger.line(LineKey {
                endpoint: i as u16,
                model,
                service,
                price_tier,
            })
        })
    }

    /// Endpoint `i`'s route: its lines on its own model, its prompt caching, its context policy
    /// (and the lines its summaries bill on) and its batch queue (and the lines at batch prices).
    fn route(&mut self, i: usize, e: &Endpoint) -> Route {
        let levers = self.levers(i);
        let model = self.models.index(&e.model);
        let lines = self.lines(i, model, e.service_tier);
        let cache = levers
            .and_then(|l| l.prompt_cache)
            .filter(|c| !c.off)
            .map(|c| endpoint_cache(&e.price, &e.model, e, c));
        let policy = levers.and_then(|l| l.context.clone());
        let (summary_lines, summary_long_context_above) =
            self.summary_billing(i, e, policy.as_ref(), lines);
        let batch_choice = levers.and_then(|l| l.batch.clone());
        let batch_lines = match &batch_choice {
            Some(_) => self.lines(i, model, ServiceTier::Batch),
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
            summary_long_context_above,
            lines,
            max_input_tokens: e.price.max_input_tokens.unwrap_or(u64::MAX),
            long_context_above: long_context_above(&e.price),
        }
    }

    /// Where endpoint `i`'s summary calls bill (`policy`'s summary model, else the endpoint's
    /// own, whose lines are `own_lines`) and that model's long-context threshold.
    fn summary_billing(
        &mut self,
        i: usize,
        e: &Endpoint,
        policy: Option<&ContextPolicy>,
        own_lines: [usize; 2],
    ) -> ([usize; 2], u64) {
        let summary_model = match policy {
            Some(ContextPolicy::Summarize { model: Some(m), .. }) => m.as_str(),
            _ => e.model.as_str(),
        };
        let summary_price = self.scenario.catalog.get(summary_model).unwrap_or(&e.price);
        let sm = self.models.index(summary_model);
        let lines = if policy.is_some() {
            self.lines(i, sm, e.service_tier)
        } else {
            own_lines
        };
        (lines, long_context_above(summary_price))
    }

    /// The turnaround stream of each batched endpoint.
    fn batch_streams(&self, routes: &[Route]) -> Vec<Option<rng::StreamRng>> {
        let scenario = self.scenario;
        scenario
            .endpoints
            .iter()
            .zip(routes)
            .map(|(e, r)| {
                r.batch.as_ref().map(|_| {
                    rng::stream(
                        scenario.seed,
                        self.run,
                        &format!("batch/{}", e.name),
                        Purpose::Batch,
                    )
                })
            })
            .collect()
    }

    /// Each endpoint's semantic cache (on its own stream) and the ledger line of its embeddings.
    fn semantic_caches(&mut self) -> Vec<Option<(SemanticCache, usize)>> {
        let scenario = self.scenario;
        scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let settings = self.levers(i)?.semantic_cache.as_ref()?;
                let line = self.ledger.line(LineKey {
                    endpoint: i as u16,
                    model: self.models.index(&settings.embedding_model),
                    service: ServiceTier::Standard,
                    price_tier: PriceTier::Base,
                });
                let name = format!("semantic_cache/{}", e.name);
                let rng = rng::stream(scenario.seed, self.run, &name, Purpose::SemanticCache);
                Some((SemanticCache::new(settings, rng), line))
            })
            .collect()
    }

    /// Each routed endpoint's router and where each of its models bills.
    fn routers(&mut self, routes: &[Route]) -> Vec<Option<Routed>> {
        let scenario = self.scenario;
        scenario
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let levers = self.levers(i)?;
                let choice = levers.routing.as_ref()?;
                let window = |id: &str| {
                    price_of(scenario, e, id)
                        .max_input_tokens
                        .unwrap_or(u64::MAX)
                };
                let mut router = Router::new(choice, &e.name, &e.model, window, scenario.seed);
                router.set_run(self.run);
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
                        let cache = routed_cache(id, price, levers.prompt_cache);
                        self.target_on(i, e, id, price, cache, own.batch.is_some())
                    })
                    .collect();
                Some(Routed { router, targets })
            })
            .collect()
    }

    /// Register the ledger lines of endpoint `i` billed on the routed model `id` (and at its
    /// batch prices when the endpoint is batched) and build its target.
    fn target_on(
        &mut self,
        i: usize,
        e: &Endpoint,
        id: &str,
        price: &ModelPrice,
        cache: Option<CacheChoice>,
        batched: bool,
    ) -> Target {
        let model = self.models.index(id);
        let lines = self.lines(i, model, e.service_tier);
        let batch_lines = if batched {
            self.lines(i, model, ServiceTier::Batch)
        } else {
            lines
        };
        Target {
            lines,
            batch_lines,
            long_context_above: long_context_above(price),
            cache: cache.map(|c| endpoint_cache(price, id, e, c)),
        }
    }
}

/// Which endpoints send their requests straight to the bill: no context policy, batch, routing
/// or semantic cache.
fn direct_endpoints(
    routes: &[Route],
    routers: &[Option<Routed>],
    semantic: &[Option<(SemanticCache, usize)>],
) -> Vec<bool> {
    routes
        .iter()
        .zip(routers)
        .zip(semantic)
        .map(|((r, routed), sem)| {
            r.context.is_none() && r.batch.is_none() && routed.is_none() && sem.is_none()
        })
        .collect()
}

/// The minimum cacheable prefix of Gemini's implicit caching where the catalog states none
/// (ai.google.dev/gemini-api/docs/caching, "Last updated 2026-10-13 UTC": 4,096 for Gemini 4
/// Argon, 3.8 and 3.6 Flash and 3.1 Pro).
const IMPLICIT_MIN_TOKENS: u64 = 4096;

/// Prompt caching of endpoint `e` billed on model `id` (prices `price`) as `c` chooses.
fn endpoint_cache(price: &ModelPrice, id: &str, e: &Endpoint, c: CacheChoice) -> EndpointCache {
    // Implicit caching matches any prefix the provider saw recently, with no write fee or
    // storage: the automatic rules, at the model's minimum prefix (a model without explicit
    // caches, Gemini 4 and later, has none stated: Google's 4,096 for Gemini 3 and later) and
    // exact boundaries.
    let rules = match c.implicit_hit_share {
        Some(_) => CacheRules {
            kind: CacheKind::Automatic,
            min_prefix_tokens: match price.cache.min_prefix_tokens {
                0 => IMPLICIT_MIN_TOKENS,
                n => n,
            },
            granularity_tokens: 1,
            ttls: vec![c.ttl],
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
            source: price.cache.source.clone(),
        },
        None => price.cache.clone(),
    };
    EndpointCache {
        rules,
        implicit_hit_share: c.implicit_hit_share,
        explicit_mode: c.explicit_mode,
        key: c.key,
        ttl: c.ttl,
        placement: c.placement,
        context_in_history: e.prompt.context_in_history,
        // Per model and endpoint: a provider's cache holds prefixes for one model.
        salt: stable_hash(id) ^ stable_hash(&e.name).rotate_left(17),
        unbounded: c.unbounded,
        recorded: c.recorded,
    }
}

/// The prompt length above which `price`'s long-context prices apply (never, if it has none).
fn long_context_above(price: &ModelPrice) -> u64 {
    price
        .long_context
        .as_ref()
        .map(|t| t.above_input_tokens)
        .unwrap_or(u64::MAX)
}

/// Prices of model `id`, routed to from endpoint `e` (validated to be in the catalog).
fn price_of<'a>(scenario: &'a Scenario, e: &'a Endpoint, id: &str) -> &'a ModelPrice {
    if id == e.model {
        return &e.price;
    }
    scenario.catalog.get(id).unwrap_or(&e.price)
}

/// Caching of model `id` an endpoint is routed to: the provider's automatic caching, or explicit
/// caching when the strategy opted in for the endpoint (same placement; the endpoint's TTL if
/// the model offers it, else the model's default), or implicit caching when the strategy chose
/// it and the routed model has it too, or the endpoint's recorded shares on any routed model
/// that caches prompts.
fn routed_cache(
    id: &str,
    price: &ModelPrice,
    endpoint: Option<CacheChoice>,
) -> Option<CacheChoice> {
    // Caching switched off (OpenAI's explicit mode without breakpoints) is off wherever it can
    // be; a provider that caches every prompt by itself still does.
    if endpoint.is_some_and(|c| c.off) {
        return match price.cache.kind {
            CacheKind::Automatic => routed_cache(id, price, None),
            _ => None,
        };
    }
    // Recorded shares stand for the application's cache on every model it routes to that
    // caches prompts (at the endpoint's TTL if the model offers it, else its first).
    if let Some(c) = endpoint.filter(|c| c.recorded.is_some()) {
        let rules = &price.cache;
        if rules.kind == CacheKind::None {
            return None;
        }
        let ttl = if rules.ttls.contains(&c.ttl) {
            c.ttl
        } else {
            *rules.ttls.first()?
        };
        return Some(CacheChoice { ttl, ..c });
    }
    let implicit = endpoint.filter(|c| c.implicit_hit_share.is_some());
    if implicit.is_some() && caches_implicitly(id, &price.provider) {
        return implicit;
    }
    // A choice of implicit caching says nothing about another provider's cache.
    let endpoint = if implicit.is_some() { None } else { endpoint };
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
            implicit_hit_share: None,
            explicit_mode: false,
            off: false,
            key: endpoint.map_or(CacheKey::Endpoint, |c| c.key),
            recorded: None,
        }),
        // The implicit breakpoint always; the explicit ones the strategy placed, if it did.
        CacheKind::ImplicitBreakpoint => Some(CacheChoice {
            ttl: ttl(endpoint.map(|c| c.ttl))?,
            placement: endpoint
                .filter(|c| c.opted_in)
                .map_or(Placement::FullPrompt, |c| c.placement),
            opted_in: endpoint.is_some_and(|c| c.opted_in),
            unbounded: endpoint.is_some_and(|c| c.unbounded),
            implicit_hit_share: None,
            explicit_mode: endpoint.is_some_and(|c| c.opted_in && c.explicit_mode),
            off: false,
            key: endpoint.map_or(CacheKey::Endpoint, |c| c.key),
            recorded: None,
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
