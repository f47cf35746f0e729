//! Strategies: what a run does to each request before it is billed.
//!
//! A strategy turns the application's request stream into billed model calls and records them in
//! its own [`Ledger`]. Every strategy of a scenario sees the *same* requests in the same order
//! (common random numbers), so the difference between two strategies is the effect of their
//! settings, not sampling noise.
//!
//! The `baseline` strategy bills every request as the application sends it: the whole prompt as
//! uncached input at the endpoint's model, service tier and price tier.
//!
//! Context window: a request whose prompt is longer than the model's `max_input_tokens` would be
//! refused by the provider (HTTP 400, nothing billed). It is counted in
//! [`Ledger::context_overflows`] and not billed; the report warns about it. Later turns of that
//! session are still attempted, as the traffic is shared by all strategies.

use crate::ledger::{Ledger, LineKey};
use crate::pricing::{Bucket, PriceTier};
use crate::scenario::Scenario;
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

/// A named strategy as the scenario states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// `baseline` or the variant's name.
    pub name: String,
}

impl Strategy {
    /// The strategy that bills requests as sent.
    pub fn baseline() -> Strategy {
        Strategy {
            name: "baseline".to_string(),
        }
    }
}

/// Where an endpoint's requests are billed under one strategy.
#[derive(Debug, Clone)]
struct Route {
    /// Ledger line for base and long-context prices.
    lines: [usize; 2],
    max_input_tokens: u64,
    long_context_above: u64,
}

/// One strategy's per-run state: its routes and its ledger.
#[derive(Debug, Clone)]
pub struct Pipeline {
    routes: Vec<Route>,
    ledger: Ledger,
}

impl Pipeline {
    /// Build the pipeline of `strategy` for `scenario`, registering its models in `models`.
    pub fn new(scenario: &Scenario, _strategy: &Strategy, models: &mut ModelTable) -> Pipeline {
        let mut ledger = Ledger::new(scenario.horizon_days, scenario.endpoints.len());
        let routes = scenario
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
                Route {
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
        Pipeline { routes, ledger }
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
        if prompt > route.max_input_tokens {
            self.ledger.context_overflows[e] += 1;
            return;
        }
        let line = route.lines[usize::from(prompt > route.long_context_above)];
        let cell = self.ledger.cell_mut(line, req.time.day());
        cell.tokens[Bucket::Input.index()] += prompt;
        cell.tokens[Bucket::Output.index()] += req.output_tokens;
        cell.tokens[Bucket::Reasoning.index()] += req.reasoning_tokens;
        cell.requests += 1;
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
