//! The per-request path of one pipeline: the levers in the engine's order (context policy,
//! semantic cache, batch queue) before the bill, the batch queues submitted when due, and the
//! end of a run (what is still queued submitted, the ledger handed back).

use super::Pipeline;
use crate::foundations::ledger::{Ledger, tally};
use crate::foundations::pricing::Bucket;
use crate::foundations::time::{MS_PER_DAY, SimTime};
use crate::model::workload::Request;
use crate::simulation::levers::batch::Batcher;
use crate::simulation::levers::semantic_cache::Lookup;

impl Pipeline {
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

    /// [`Pipeline::process`] on an endpoint with levers before the bill (kept out of line: the
    /// direct path is the hot one).
    #[inline(never)]
    fn process_levers(&mut self, original: &Request) {
        let e = original.endpoint as usize;
        // The request as this strategy sends it: a copy only when a context policy changes it.
        let trimmed = self.apply_context(original);
        let req = trimmed.as_ref().unwrap_or(original);
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

    /// Context policy: the request as this strategy sends it (`None` when the endpoint has no
    /// policy: unchanged), its forced trims counted and its summary call, if any, billed.
    #[inline(always)]
    fn apply_context(&mut self, original: &Request) -> Option<Request> {
        let e = original.endpoint as usize;
        let route = &mut self.routes[e];
        let trimmer = route.context.as_mut()?;
        let t = trimmer.apply(original, route.max_input_tokens);
        self.ledger.forced_trims[e] += u64::from(t.forced_trims);
        if let Some(call) = t.summary {
            let line = route.summary_lines
                [usize::from(call.prompt_tokens > route.summary_long_context_above)];
            let cell = self.ledger.cell_mut(line, original.time.day());
            tally(&mut cell.tokens[Bucket::Input.index()], call.prompt_tokens);
            tally(&mut cell.tokens[Bucket::Output.index()], call.output_tokens);
            cell.requests += 1;
            self.ledger.summaries[e] += 1;
        }
        Some(Request {
            history_tokens: t.history_tokens,
            history_reset: t.history_reset,
            ..original.clone()
        })
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
            tally(&mut cell.tokens[Bucket::Embedding.index()], req.user_tokens);
            return found != Lookup::Miss;
        }
        false
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
