//! Every strategy's pipeline fed the same requests, the work they share done once.
//!
//! Most strategies compared on a scenario differ only in prompt caching: each of their endpoints
//! is billed directly (no context policy, semantic cache, batch or routing). For such *direct*
//! pipelines, everything a request adds to the ledger is the same in each of them except how its
//! prompt splits into cache reads, cache writes and uncached input: the output and reasoning
//! tokens, the request count, the session count, the prompt segments, the context-window
//! refusals, and the price tier (the endpoint's model's long-context threshold). [`Fleet`] counts
//! those once per request; each direct pipeline only runs its prompt cache (if it has one) and
//! adds the reads, writes and storage. When the run ends the shared counts are added into every
//! direct pipeline's ledger, uncached input being `prompt − reads − writes` of each ledger cell.
//!
//! ```text
//!   request ──▶ shared counts (once) ──▶ direct pipelines with a cache: split only
//!          └──▶ other pipelines: Pipeline::process (everything)
//!   finish: shared counts ──▶ every direct pipeline's ledger
//! ```
//!
//! Token counts are integers, so the order of the additions cannot matter: the ledgers are
//! exactly those of feeding every request to [`Pipeline::process`] of each pipeline, which
//! `tests/it/fleet.rs` checks on every example scenario and a replayed trace.

use super::Pipeline;
use crate::foundations::ledger::{Ledger, tally};
use crate::foundations::pricing::Bucket;
use crate::model::workload::Request;

/// The pipelines of one run (one per strategy, in strategy order).
#[derive(Clone, Debug)]
pub struct Fleet {
    pipes: Vec<Pipeline>,
    /// Direct pipelines (fed through `shared`).
    direct: Vec<usize>,
    /// The direct pipelines with a prompt cache on some endpoint.
    caching: Vec<usize>,
    /// The other pipelines (fed every request).
    others: Vec<usize>,
    shared: Shared,
}

/// What every direct pipeline adds alike.
#[derive(Clone, Debug)]
struct Shared {
    days: u32,
    /// Per endpoint: the context window and the long-context threshold of its model.
    limits: Vec<(u64, u64)>,
    sessions: Vec<u64>,
    context_overflows: Vec<u64>,
    prompt_segments: Vec<[u64; 5]>,
    /// Per endpoint, price tier (base, long context) and day: `(endpoint·2 + tier)·days + day`.
    cells: Vec<SharedCell>,
}

#[derive(Debug, Clone, Copy, Default)]
struct SharedCell {
    prompt: u64,
    output: u64,
    reasoning: u64,
    requests: u64,
}

impl Fleet {
    /// The fleet of `pipes`, all built for the same scenario and run.
    pub fn new(pipes: Vec<Pipeline>) -> Fleet {
        let limits_of = |p: &Pipeline| -> Vec<(u64, u64)> {
            p.routes
                .iter()
                .map(|r| (r.max_input_tokens, r.long_context_above))
                .collect()
        };
        let is_direct = |p: &Pipeline| !p.has_batch && p.direct.iter().all(|d| *d);
        // The limits are the endpoint model's in every pipeline; a pipeline that somehow
        // disagreed with the first direct one would be fed on its own, never mis-billed.
        let limits = pipes.iter().find(|p| is_direct(p)).map(limits_of);
        let mut direct = Vec::new();
        let mut caching = Vec::new();
        let mut others = Vec::new();
        for (i, p) in pipes.iter().enumerate() {
            if is_direct(p) && Some(limits_of(p)) == limits {
                direct.push(i);
                if p.routes.iter().any(|r| r.cache.is_some()) {
                    caching.push(i);
                }
            } else {
                others.push(i);
            }
        }
        let limits = limits.unwrap_or_default();
        let endpoints = limits.len();
        let days = pipes.first().map_or(0, |p| p.ledger.days());
        Fleet {
            pipes,
            direct,
            caching,
            others,
            shared: Shared {
                days,
                limits,
                sessions: vec![0; endpoints],
                context_overflows: vec![0; endpoints],
                prompt_segments: vec![[0; 5]; endpoints],
                cells: vec![SharedCell::default(); endpoints * 2 * days as usize],
            },
        }
    }

    /// Bill `req` in every pipeline.
    #[inline]
    pub fn process(&mut self, req: &Request) {
        if !self.direct.is_empty() {
            let sh = &mut self.shared;
            let e = req.endpoint as usize;
            // As Pipeline::process: sessions are counted before the context-window check.
            sh.sessions[e] += u64::from(req.turn == 0);
            let prompt = req.prompt_tokens();
            let (max_input, long_above) = sh.limits[e];
            if prompt > max_input {
                sh.context_overflows[e] += 1;
            } else {
                let tier = usize::from(prompt > long_above);
                let days = sh.days as usize;
                // Clamped into the horizon as Ledger::cell_mut does.
                let day = req.time.day().min(sh.days.saturating_sub(1));
                let cell = &mut sh.cells[(e * 2 + tier) * days + day as usize];
                tally(&mut cell.prompt, prompt);
                tally(&mut cell.output, req.output_tokens);
                tally(&mut cell.reasoning, req.reasoning_tokens);
                cell.requests += 1;
                let seg = &mut sh.prompt_segments[e];
                tally(&mut seg[0], req.system_tokens);
                tally(&mut seg[1], req.tools_tokens);
                tally(&mut seg[2], req.history_tokens);
                tally(&mut seg[3], req.context_tokens + req.document_tokens);
                tally(&mut seg[4], req.user_tokens);
                for &i in &self.caching {
                    self.pipes[i].split_prompt(req, tier, day);
                }
            }
        }
        for &i in &self.others {
            self.pipes[i].process(req);
        }
    }

    /// Cover at least `days` days (recorded traffic, whose span is known only as it is read).
    pub fn ensure_days(&mut self, days: u32) {
        for p in self.pipes.iter_mut() {
            p.ensure_days(days);
        }
        let sh = &mut self.shared;
        if days > sh.days {
            sh.cells = crate::foundations::ledger::widen_days(
                &sh.cells,
                sh.limits.len() * 2,
                sh.days,
                days,
            );
            sh.days = days;
        }
    }

    /// The finished ledgers, in strategy order.
    pub fn into_ledgers(mut self) -> Vec<Ledger> {
        let sh = &self.shared;
        for &i in &self.direct {
            let p = &mut self.pipes[i];
            let l = &mut p.ledger;
            for (e, route) in p.routes.iter().enumerate() {
                l.sessions[e] += sh.sessions[e];
                l.context_overflows[e] += sh.context_overflows[e];
                for (a, b) in l.prompt_segments[e].iter_mut().zip(sh.prompt_segments[e]) {
                    tally(a, b);
                }
                for (tier, &line) in route.lines.iter().enumerate() {
                    for day in 0..sh.days {
                        let s = sh.cells[(e * 2 + tier) * sh.days as usize + day as usize];
                        let cell = l.cell_mut(line, day);
                        let t = &mut cell.tokens;
                        let cached = Bucket::CACHE_WRITES
                            .iter()
                            .fold(t[Bucket::CacheRead.index()], |a, b| {
                                a.saturating_add(t[b.index()])
                            });
                        // A saturated prompt sum stays saturated (an overflow, reported).
                        let input = if s.prompt == u64::MAX {
                            u64::MAX
                        } else {
                            s.prompt - cached
                        };
                        tally(&mut t[Bucket::Input.index()], input);
                        tally(&mut t[Bucket::Output.index()], s.output);
                        tally(&mut t[Bucket::Reasoning.index()], s.reasoning);
                        cell.requests += s.requests;
                    }
                }
            }
        }
        self.pipes.into_iter().map(Pipeline::into_ledger).collect()
    }
}
