//! Model tiering: routing rules that send some requests to cheaper models, and cascades where a
//! cheap model answers first and a share of its answers is escalated to a stronger one.
//!
//! ## What is modelled
//!
//! A strategy's `routing` gives, per endpoint, an ordered list of rules. For each request the
//! first rule whose condition matches decides where it goes; a request no rule matches stays on
//! the endpoint's model.
//!
//! ```text
//!  request ─▶ rule 0 ─no─▶ rule 1 ─no─▶ … ─no─▶ endpoint's model
//!               │yes          │yes
//!               ▼             ▼
//!          Route: model M    Cascade: first F ──(1 − escalate_share)──▶ done (F billed)
//!                                        └──── escalate_share ─▶ `to` (F and `to` billed)
//! ```
//!
//! Conditions:
//!
//! - `Always` (the default): every request that reaches the rule.
//! - `PromptAtMost(n)` / `PromptAbove(n)`: the request's whole prompt (system, tools, history,
//!   context, user message; cached or not) is at most / more than `n` tokens.
//! - `Share(p)`: a share `p` of the endpoint's requests, drawn at random. Each request draws one
//!   uniform number `u` in [0, 1); the `Share` rules own consecutive slices of [0, 1) in rule
//!   order (`Share(0.3)` then `Share(0.2)` own [0, 0.3) and [0.3, 0.5)), so shares are fractions
//!   of all the endpoint's requests, not of what earlier shares left: 30% and 20% here. A size
//!   rule placed before a share rule takes its requests first, so the share applies to the
//!   requests that earlier size rules let through. Shares of one endpoint add up to at most 1.
//!
//! A cascade calls `first` with the full prompt; its answer has the endpoint's output and
//! reasoning token draws. With probability `escalate_share` (a second uniform `v < share`, so 0
//! never and 1 always escalates) the request is sent again, in full, to `to` (default: the
//! endpoint's model), which produces the same output and reasoning draws again: both calls are
//! billed, each on its own model's ledger line. Later turns of the conversation are the same
//! whatever model answered (the traffic is shared by all strategies).
//!
//! ## Model windows
//!
//! A router checks the prompt size before it sends, so a request longer than the routed model's
//! `max_input_tokens` is sent to the endpoint's model instead (a *window fallback*, counted);
//! only when the endpoint's model cannot take it either is it refused (a context overflow, as
//! without routing). A cascade whose first model cannot take the prompt goes straight to its
//! `to` model (a window fallback, not an escalation). An escalation that no model can take is
//! refused and counted as an overflow; the first call stays billed.
//!
//! ## Prices and caching per model
//!
//! Every call is billed at its own model's prices, in the endpoint's service tier (so routing a
//! `Flex` endpoint needs models with flex prices, and a batched endpoint models with batch
//! prices), and at its own model's long-context tier. The router sees the prompt as sent, after
//! the context policy (DESIGN.md's lever order: context → semantic cache → router → batcher →
//! prompt cache).
//! Prompt caches are per model (a provider's cache holds prefixes for one model): each model an
//! endpoint routes to has its own entries, so a conversation that moves between models pays the
//! write again. A routed model caches when its provider does so automatically (OpenAI), or when
//! the strategy turned `prompt_cache` on for the endpoint (explicit caches: same placement, same
//! TTL if the model offers it, else the model's default TTL).
//!
//! ## Randomness
//!
//! The router draws from its own stream per endpoint (`routing/<endpoint>`), exactly two
//! uniforms per request whatever the rules, so switching routing on never changes the traffic,
//! and two strategies that route the same endpoint see the same draws for the same request
//! (their difference is the rules, not noise).

use rand::RngExt;

use crate::foundations::rng::{self, Purpose};
use crate::model::strategy::{Action, Condition, RoutingChoice};

/// What the router decided for one request: which models bill it, in call order, as indices
/// into [`Router::models`] (0 is the endpoint's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    calls: [u8; 2],
    n: u8,
    /// A cascade's first model answered.
    pub cascaded: bool,
    /// The cascade escalated (the second call may still have been refused).
    pub escalated: bool,
    /// A routed model's window was too small and another model took the request.
    pub window_fallback: bool,
    /// A call was refused for exceeding every candidate's window.
    pub refused: bool,
}

impl Plan {
    /// The billed calls, as model indices.
    pub fn calls(&self) -> &[u8] {
        &self.calls[..self.n as usize]
    }

    fn call(&mut self, t: u8) {
        self.calls[self.n as usize] = t;
        self.n += 1;
    }
}

/// A rule with model references as indices and share conditions as slices of [0, 1).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Route(u8),
    Cascade { first: u8, share: f64, to: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    Always,
    Band(f64, f64),
    AtMost(u64),
    Above(u64),
}

/// One endpoint's router in one run: compiled rules and the lever's random stream.
#[derive(Clone, Debug)]
pub struct Router {
    rules: Vec<(When, Step)>,
    models: Vec<String>,
    windows: Vec<u64>,
    name: String,
    seed: u64,
    rng: crate::foundations::rng::StreamRng,
}

impl Router {
    /// Compile `choice` for an endpoint called `endpoint` on `endpoint_model`. `window` gives a
    /// model's `max_input_tokens` (`u64::MAX` when unknown). Draws come from run 0 of `seed`
    /// until [`Router::set_run`].
    pub fn new(
        choice: &RoutingChoice,
        endpoint: &str,
        endpoint_model: &str,
        window: impl Fn(&str) -> u64,
        seed: u64,
    ) -> Router {
        let mut models = vec![endpoint_model.to_string()];
        let mut index = |id: &str| -> u8 {
            if let Some(i) = models.iter().position(|m| m == id) {
                return i as u8;
            }
            models.push(id.to_string());
            (models.len() - 1) as u8
        };
        let mut band = 0.0;
        let rules = choice
            .rules
            .iter()
            .map(|r| {
                let when = match r.when {
                    Condition::Always => When::Always,
                    Condition::Share(p) => {
                        let lo = band;
                        band += p;
                        When::Band(lo, band)
                    }
                    Condition::PromptAtMost(n) => When::AtMost(n),
                    Condition::PromptAbove(n) => When::Above(n),
                };
                let step = match &r.action {
                    Action::Route { model } => Step::Route(index(model)),
                    Action::Cascade {
                        first,
                        escalate_share,
                        to,
                    } => Step::Cascade {
                        first: index(first),
                        share: *escalate_share,
                        to: index(to),
                    },
                };
                (when, step)
            })
            .collect();
        let windows = models.iter().map(|m| window(m)).collect();
        let name = format!("routing/{endpoint}");
        Router {
            rules,
            models,
            windows,
            rng: rng::stream(seed, 0, &name, Purpose::Routing),
            name,
            seed,
        }
    }

    /// Draw from run `run`'s stream from now on.
    pub fn set_run(&mut self, run: u64) {
        self.rng = rng::stream(self.seed, run, &self.name, Purpose::Routing);
    }

    /// Model ids this router can bill; index 0 is the endpoint's model.
    pub fn models(&self) -> &[String] {
        &self.models
    }

    /// Decide where a request with `prompt` tokens goes (two draws from the stream).
    #[inline]
    pub fn plan(&mut self, prompt: u64) -> Plan {
        let u: f64 = self.rng.random();
        let v: f64 = self.rng.random();
        self.decide(prompt, u, v)
    }

    /// The decision for uniforms `u` (shares) and `v` (escalation).
    fn decide(&self, prompt: u64, u: f64, v: f64) -> Plan {
        let step = self
            .rules
            .iter()
            .find(|(w, _)| match *w {
                When::Always => true,
                When::Band(lo, hi) => lo <= u && u < hi,
                When::AtMost(n) => prompt <= n,
                When::Above(n) => prompt > n,
            })
            .map_or(Step::Route(0), |r| r.1);
        let mut plan = Plan::default();
        // The model that takes a call meant for `t`: `t`, else the endpoint's model.
        let fit = |t: u8, plan: &mut Plan| -> Option<u8> {
            if prompt <= self.windows[t as usize] {
                Some(t)
            } else if t != 0 && prompt <= self.windows[0] {
                plan.window_fallback = true;
                Some(0)
            } else {
                plan.refused = true;
                None
            }
        };
        match step {
            Step::Route(t) => {
                if let Some(t) = fit(t, &mut plan) {
                    plan.call(t);
                }
            }
            Step::Cascade { first, share, to } => {
                if prompt > self.windows[first as usize] {
                    plan.window_fallback = true;
                    if let Some(t) = fit(to, &mut plan) {
                        plan.call(t);
                    }
                } else {
                    plan.call(first);
                    plan.cascaded = true;
                    if v < share {
                        plan.escalated = true;
                        if let Some(t) = fit(to, &mut plan) {
                            plan.call(t);
                        }
                    }
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::strategy::Rule;

    fn route(when: Condition, model: &str) -> Rule {
        Rule {
            when,
            action: Action::Route {
                model: model.into(),
            },
        }
    }

    fn cascade(when: Condition, first: &str, share: f64, to: &str) -> Rule {
        Rule {
            when,
            action: Action::Cascade {
                first: first.into(),
                escalate_share: share,
                to: to.into(),
            },
        }
    }

    /// Endpoint model "big" (window 1000), "small" (window 100), "mid" (unknown window).
    fn router(rules: Vec<Rule>) -> Router {
        Router::new(
            &RoutingChoice { rules },
            "chat",
            "big",
            |m| match m {
                "big" => 1000,
                "small" => 100,
                _ => u64::MAX,
            },
            1,
        )
    }

    #[test]
    fn first_match_wins_and_unmatched_requests_stay() {
        let r = router(vec![
            route(Condition::PromptAtMost(50), "small"),
            route(Condition::PromptAbove(500), "mid"),
        ]);
        assert_eq!(r.models(), ["big", "small", "mid"]);
        assert_eq!(r.decide(50, 0.0, 0.0).calls(), [1]);
        assert_eq!(r.decide(51, 0.0, 0.0).calls(), [0]);
        assert_eq!(r.decide(501, 0.0, 0.0).calls(), [2]);
    }

    #[test]
    fn shares_own_consecutive_slices() {
        let r = router(vec![
            route(Condition::Share(0.3), "small"),
            route(Condition::Share(0.2), "mid"),
        ]);
        assert_eq!(r.decide(10, 0.0, 0.0).calls(), [1]);
        assert_eq!(r.decide(10, 0.2999, 0.0).calls(), [1]);
        assert_eq!(r.decide(10, 0.3, 0.0).calls(), [2]);
        assert_eq!(r.decide(10, 0.4999, 0.0).calls(), [2]);
        assert_eq!(r.decide(10, 0.5, 0.0).calls(), [0]);
        // A size rule first takes its requests whatever their draw.
        let r = router(vec![
            route(Condition::PromptAtMost(20), "mid"),
            route(Condition::Share(0.5), "small"),
        ]);
        // Models are numbered in order of first use: mid 1, small 2.
        assert_eq!(r.decide(20, 0.1, 0.0).calls(), [1]);
        assert_eq!(r.decide(21, 0.1, 0.0).calls(), [2]);
        assert_eq!(r.decide(21, 0.6, 0.0).calls(), [0]);
    }

    #[test]
    fn share_draws_match_the_share() {
        let mut r = router(vec![route(Condition::Share(0.25), "small")]);
        let n = 100_000;
        let hits = (0..n).filter(|_| r.plan(10).calls() == [1]).count();
        // Binomial(100000, 0.25): sd = 137; 5 sd.
        assert!((hits as f64 - 25_000.0).abs() < 700.0, "{hits}");
    }

    #[test]
    fn cascade_bills_first_then_escalates_a_share() {
        let r = router(vec![cascade(Condition::Always, "small", 0.2, "big")]);
        let p = r.decide(10, 0.5, 0.1999);
        assert_eq!(p.calls(), [1, 0]);
        assert!(p.cascaded && p.escalated && !p.window_fallback && !p.refused);
        let p = r.decide(10, 0.5, 0.2);
        assert_eq!(p.calls(), [1]);
        assert!(p.cascaded && !p.escalated);
        // Share 0 never escalates, 1 always does (v is in [0, 1)).
        let never = router(vec![cascade(Condition::Always, "small", 0.0, "big")]);
        assert_eq!(never.decide(10, 0.0, 0.0).calls(), [1]);
        let always = router(vec![cascade(Condition::Always, "small", 1.0, "mid")]);
        assert_eq!(always.decide(10, 0.0, 0.999_999).calls(), [1, 2]);
    }

    #[test]
    fn windows_fall_back_to_the_endpoint_model_or_refuse() {
        let r = router(vec![route(Condition::Always, "small")]);
        let p = r.decide(100, 0.0, 0.0);
        assert_eq!((p.calls(), p.window_fallback), (&[1u8][..], false));
        let p = r.decide(101, 0.0, 0.0);
        assert_eq!((p.calls(), p.window_fallback), (&[0u8][..], true));
        let p = r.decide(1001, 0.0, 0.0);
        assert!(p.calls().is_empty() && p.refused);
        // Unrouted requests over the endpoint's window are refused as without routing.
        let r = router(vec![route(Condition::PromptAtMost(10), "small")]);
        let p = r.decide(1001, 0.0, 0.0);
        assert!(p.calls().is_empty() && p.refused && !p.window_fallback);
    }

    #[test]
    fn cascade_too_long_for_first_goes_straight_to_its_target() {
        let r = router(vec![cascade(Condition::Always, "small", 0.5, "mid")]);
        let p = r.decide(500, 0.0, 0.0);
        assert_eq!(p.calls(), [2]);
        assert!(p.window_fallback && !p.cascaded && !p.escalated);
        // Escalation to a model whose window is too small: the endpoint's model takes it.
        let r = router(vec![cascade(Condition::Always, "mid", 1.0, "small")]);
        assert_eq!(r.models(), ["big", "mid", "small"]);
        let p = r.decide(500, 0.0, 0.0);
        assert_eq!(p.calls(), [1, 0]);
        assert!(p.escalated && p.window_fallback);
        // Nothing can take the escalation: the first call stays, the second is refused.
        let p = r.decide(5000, 0.0, 0.0);
        assert_eq!(p.calls(), [1]);
        assert!(p.escalated && p.refused);
    }

    #[test]
    fn streams_are_per_run_and_reproducible() {
        let rules = vec![route(Condition::Share(0.5), "small")];
        let draws = |run| {
            let mut r = router(rules.clone());
            r.set_run(run);
            (0..64).map(|_| r.plan(1).calls()[0]).collect::<Vec<_>>()
        };
        assert_eq!(draws(3), draws(3));
        assert_ne!(draws(3), draws(4));
    }
}
