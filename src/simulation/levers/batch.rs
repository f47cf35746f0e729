//! Batch processing: non-urgent requests queued for the providers' batch APIs.
//!
//! Batch APIs (OpenAI Batch, Anthropic Message Batches, Gemini batch mode) bill about 50% of
//! the real-time price and promise results within 24 hours. Only endpoints marked
//! `deferrable: true` in the scenario can be batched, and each of their sessions must be a
//! single request (a conversation cannot wait hours for its previous answer): both are checked
//! when the scenario is loaded.
//!
//! Model: requests of a batched endpoint wait in a queue that is submitted every `flush_every_s`
//! seconds (on a fixed schedule from midnight of day 0, like a cron job) or as soon as it holds
//! `max_batch` requests. Submitted requests are billed at the model's batch prices on the day of
//! submission, and provider prompt caching still applies where the provider allows it (its cache
//! sees them at submission time, so the requests of one batch can share a prefix). Each request
//! then takes a `turnaround_s` draw (the provider's processing time) to complete. Its *delay* —
//! from the application's request to the result — is the queueing time plus the turnaround,
//! reported as percentiles. Requests still queued at the horizon are submitted then.

use std::collections::VecDeque;

use crate::foundations::dist::Sampler;
use crate::foundations::time::SimTime;
use crate::model::workload::Request;

/// One endpoint's batch queue.
#[derive(Clone, Debug)]
pub struct Batcher {
    flush_every_ms: u64,
    max_batch: usize,
    turnaround_s: Sampler,
    queue: VecDeque<Request>,
    next_flush_ms: u64,
}

impl Batcher {
    /// A queue submitted every `flush_every_ms` or at `max_batch` requests.
    pub fn new(flush_every_ms: u64, max_batch: usize, turnaround_s: Sampler) -> Batcher {
        let flush_every_ms = flush_every_ms.max(1);
        Batcher {
            flush_every_ms,
            max_batch: max_batch.max(1),
            turnaround_s,
            queue: VecDeque::new(),
            next_flush_ms: flush_every_ms,
        }
    }

    /// When the scheduled submission is due, if anything is queued.
    pub fn due(&self) -> Option<SimTime> {
        (!self.queue.is_empty()).then_some(SimTime(self.next_flush_ms))
    }

    /// Queue a request. Returns true when the queue is full and must be submitted now.
    pub fn push(&mut self, req: Request) -> bool {
        // Scheduled submissions that passed while the queue was empty submitted nothing.
        if self.queue.is_empty() {
            while self.next_flush_ms <= req.time.as_ms() {
                self.next_flush_ms += self.flush_every_ms;
            }
        }
        self.queue.push_back(req);
        self.queue.len() >= self.max_batch
    }

    /// Take every queued request for submission at `at`; the next scheduled submission moves
    /// past `at`.
    pub fn drain(&mut self, at: SimTime) -> Vec<Request> {
        while self.next_flush_ms <= at.as_ms() {
            self.next_flush_ms += self.flush_every_ms;
        }
        self.queue.drain(..).collect()
    }

    /// Provider turnaround of one request, in milliseconds.
    pub fn turnaround_ms<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        self.turnaround_s.sample_ms(rng)
    }

    /// Requests waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::dist::Dist;

    fn req(ms: u64) -> Request {
        Request {
            time: SimTime(ms),
            ..Request::default()
        }
    }

    #[test]
    fn flushes_on_schedule_and_when_full() {
        let s = Dist::Fixed(60.0).sampler().unwrap();
        let mut b = Batcher::new(3_600_000, 3, s);
        assert_eq!(b.due(), None);
        assert!(!b.push(req(10)));
        assert_eq!(b.due(), Some(SimTime(3_600_000)));
        assert!(!b.push(req(20)));
        assert!(b.push(req(30)));
        assert_eq!(b.drain(SimTime(30)).len(), 3);
        assert_eq!(b.due(), None);
        // Nothing queued for hours: the next submission is the first slot after the request.
        b.push(req(5 * 3_600_000 + 1));
        assert_eq!(b.due(), Some(SimTime(6 * 3_600_000)));
    }
}
