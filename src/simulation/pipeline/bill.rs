//! Billing one model call: the prompt split through the prompt cache (when the model's
//! caching is on) and added with the output to the ledger line of the model, service tier and
//! price tier, on a routed endpoint once per model the router's plan calls. Also the part of
//! billing a [`Fleet`](super::Fleet) leaves to each direct pipeline: the prompt cache's split
//! alone.

use super::Pipeline;
use crate::foundations::ledger::{Ledger, tally};
use crate::foundations::pricing::Bucket;
use crate::model::workload::Request;
use crate::simulation::levers::prompt_cache::{EndpointCache, PromptCache};

impl Pipeline {
    /// The prompt-cache part of billing `req` at price tier `tier` on a direct endpoint: reads,
    /// writes and storage only, on `day` (the request's, clamped into the horizon). [`Fleet`](super::Fleet)
    /// adds everything else.
    #[inline]
    pub(super) fn split_prompt(&mut self, req: &Request, tier: usize, day: u32) {
        let route = &self.routes[req.endpoint as usize];
        let Some(c) = route.cache.as_ref() else {
            return;
        };
        let cell = self.ledger.cell_mut(route.lines[tier], day);
        let split = self.cache.process(c, req, req.time.as_ms());
        tally(&mut cell.tokens[Bucket::CacheRead.index()], split.read);
        tally(&mut cell.tokens[c.ttl.write_bucket().index()], split.write);
        tally(
            &mut cell.tokens[Bucket::CacheStorageTokenHours.index()],
            split.storage_token_minutes,
        );
    }

    /// Split one model call's prompt through the prompt cache and add it to the ledger.
    /// `original_history` is the history the application held, for the segment breakdown.
    pub(super) fn bill(&mut self, req: &Request, original_history: u64, batch: bool) {
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
    pub(super) fn bill_on_route(&mut self, req: &Request, original_history: u64, batch: bool) {
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
}

/// Count the prompt segments of a billed request (`original_history`: the history the
/// application held).
#[inline]
fn add_segments(ledger: &mut Ledger, req: &Request, original_history: u64) {
    let seg = &mut ledger.prompt_segments[req.endpoint as usize];
    tally(&mut seg[0], req.system_tokens);
    tally(&mut seg[1], req.tools_tokens);
    tally(&mut seg[2], original_history);
    tally(&mut seg[3], req.context_tokens + req.document_tokens);
    tally(&mut seg[4], req.user_tokens);
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
            let t = &mut cell.tokens;
            tally(
                &mut t[Bucket::Input.index()],
                prompt - split.read - split.write,
            );
            tally(&mut t[Bucket::CacheRead.index()], split.read);
            tally(&mut t[c.ttl.write_bucket().index()], split.write);
            tally(
                &mut t[Bucket::CacheStorageTokenHours.index()],
                split.storage_token_minutes,
            );
        }
        None => tally(&mut cell.tokens[Bucket::Input.index()], prompt),
    }
    tally(&mut cell.tokens[Bucket::Output.index()], req.output_tokens);
    tally(
        &mut cell.tokens[Bucket::Reasoning.index()],
        req.reasoning_tokens,
    );
    cell.requests += 1;
}
