//! The ledger: exact integer token counts, never money.
//!
//! Every simulated request adds its tokens to one *line* (endpoint, model, service tier, price
//! tier) on the day it happened, split into disjoint [`Bucket`]s: a prompt token is uncached
//! input, a cache write (per TTL) or a cache read, never two of them. Money is computed from these
//! counts only when a report is built ([`crate::analysis::report`]), so sums are exact, do not depend on
//! thread count, and a finished run can be re-priced without re-simulating.
//!
//! Sums are checked: every addition saturates at `u64::MAX` ([`tally`]) and a saturated count is
//! an overflow ([`Ledger::overflow`]) that the run reports as an error; a sum never wraps.
//!
//! Storage is dense: lines are registered once and each owns one contiguous block of days, so
//! adding tokens on the hot path is two index operations.

use crate::foundations::pricing::{Bucket, PriceTier, ServiceTier};

/// Number of token buckets.
pub const NBUCKETS: usize = Bucket::ALL.len();

/// What a ledger line is keyed by. Endpoint and model are indices into the simulated scenario's
/// endpoint list and model table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineKey {
    /// Index of the endpoint (product feature) in the scenario.
    pub endpoint: u16,
    /// Index of the model in the run's model table.
    pub model: u16,
    /// Standard, batch or flex pricing.
    pub service: ServiceTier,
    /// Base or long-context pricing.
    pub price_tier: PriceTier,
}

/// Counts for one line on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Tokens per bucket, indexed by [`Bucket::index`].
    pub tokens: [u64; NBUCKETS],
    /// Billed model calls.
    pub requests: u64,
}

impl Cell {
    /// Add another cell's counts into this one (saturating, see [`tally`]).
    pub fn add(&mut self, other: &Cell) {
        for (a, b) in self.tokens.iter_mut().zip(other.tokens.iter()) {
            tally(a, *b);
        }
        tally(&mut self.requests, other.requests);
    }
}

/// Add `n` to a count, saturating at `u64::MAX` instead of wrapping (release builds) or
/// panicking (debug builds). A saturated count is an overflow that [`Ledger::overflow`]
/// reports; every token sum of the engine goes through here.
#[inline(always)]
pub fn tally(count: &mut u64, n: u64) {
    *count = count.saturating_add(n);
}

/// Token counts of one simulated run of one strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    days: u32,
    lines: Vec<LineKey>,
    cells: Vec<Cell>,
    /// Sessions started, per endpoint index.
    pub sessions: Vec<u64>,
    /// Requests refused because the prompt exceeded the model's context window, per endpoint.
    pub context_overflows: Vec<u64>,
    /// Prompt tokens of billed requests by segment, as the application sent them (before any
    /// lever), per endpoint: [`SEGMENTS`] order.
    pub prompt_segments: Vec<[u64; 5]>,
    /// Requests a routing cascade's first (cheaper) model answered, per endpoint.
    pub cascades: Vec<u64>,
    /// Cascaded requests escalated to the stronger model (both calls billed), per endpoint.
    pub escalations: Vec<u64>,
    /// Requests routed to a model whose context window was too small, sent to another model
    /// instead, per endpoint.
    pub window_fallbacks: Vec<u64>,
    /// Summarisation calls made by a context policy, per endpoint.
    pub summaries: Vec<u64>,
    /// Turns dropped to fit a context window, per endpoint.
    pub forced_trims: Vec<u64>,
    /// Delays of batched requests, request to result.
    pub batch_delays: DelayHistogram,
    /// Semantic-cache lookups and hits, per endpoint.
    pub semantic_cache: Vec<SemanticCounts>,
}

/// Semantic-cache counts of one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SemanticCounts {
    /// Queries looked up (each paid an embedding).
    pub lookups: u64,
    /// Lookups answered from the cache, false hits included (each skipped a model call).
    pub hits: u64,
    /// Hits that returned a wrong answer.
    pub false_hits: u64,
}

/// `cells` laid out as `blocks` consecutive runs of `old` days, each widened to `new` days
/// (the added days zero): what growing a day-indexed table keeps.
pub(crate) fn widen_days<T: Copy + Default>(
    cells: &[T],
    blocks: usize,
    old: u32,
    new: u32,
) -> Vec<T> {
    let (old, new) = (old as usize, new as usize);
    let mut out = Vec::with_capacity(blocks * new);
    for b in 0..blocks {
        out.extend_from_slice(&cells[b * old..(b + 1) * old]);
        out.extend(std::iter::repeat_n(T::default(), new - old));
    }
    out
}

/// Names of the prompt segments, in the order they are sent (`context` holds a session's
/// document too, sent before the history).
pub const SEGMENTS: [&str; 5] = ["system", "tools", "history", "context", "user"];

impl Ledger {
    /// An empty ledger for `days` days and `endpoints` endpoints.
    pub fn new(days: u32, endpoints: usize) -> Self {
        Ledger {
            days,
            lines: Vec::new(),
            cells: Vec::new(),
            sessions: vec![0; endpoints],
            context_overflows: vec![0; endpoints],
            prompt_segments: vec![[0; 5]; endpoints],
            cascades: vec![0; endpoints],
            escalations: vec![0; endpoints],
            window_fallbacks: vec![0; endpoints],
            summaries: vec![0; endpoints],
            forced_trims: vec![0; endpoints],
            batch_delays: DelayHistogram::default(),
            semantic_cache: vec![SemanticCounts::default(); endpoints],
        }
    }

    /// Number of days covered.
    pub fn days(&self) -> u32 {
        self.days
    }

    /// Grow to cover at least `days` days (for recorded traffic, whose span is known only at
    /// the end) and `endpoints` endpoints. Existing counts keep their day.
    pub fn ensure(&mut self, days: u32, endpoints: usize) {
        if endpoints > self.sessions.len() {
            self.sessions.resize(endpoints, 0);
            self.context_overflows.resize(endpoints, 0);
            self.prompt_segments.resize(endpoints, [0; 5]);
            self.summaries.resize(endpoints, 0);
            self.forced_trims.resize(endpoints, 0);
            self.semantic_cache
                .resize(endpoints, SemanticCounts::default());
        }
        if days <= self.days {
            return;
        }
        self.cells = widen_days(&self.cells, self.lines.len(), self.days, days);
        self.days = days;
    }

    /// The id of a line, registering it on first use. Callers on a hot path keep the id.
    pub fn line(&mut self, key: LineKey) -> usize {
        if let Some(i) = self.lines.iter().position(|k| *k == key) {
            return i;
        }
        self.lines.push(key);
        self.cells
            .extend(std::iter::repeat_n(Cell::default(), self.days as usize));
        self.lines.len() - 1
    }

    /// Registered lines, in registration order.
    pub fn lines(&self) -> &[LineKey] {
        &self.lines
    }

    /// Count one request on `line` for `day`. Days past the horizon are an engine bug and are
    /// clamped into the last day by a debug assertion only.
    #[inline]
    pub fn cell_mut(&mut self, line: usize, day: u32) -> &mut Cell {
        debug_assert!(day < self.days, "day {day} outside horizon {}", self.days);
        let day = day.min(self.days.saturating_sub(1)) as usize;
        &mut self.cells[line * self.days as usize + day]
    }

    /// The first count that overflowed (reached `u64::MAX`, where [`tally`] saturates), said
    /// in words, or `None` when every sum is exact.
    pub fn overflow(&self) -> Option<String> {
        let days = self.days.max(1) as usize;
        for (i, c) in self.cells.iter().enumerate() {
            let day = i % days;
            if let Some(b) = Bucket::ALL.iter().find(|b| c.tokens[b.index()] == u64::MAX) {
                return Some(format!(
                    "the {} token count of one model on day {day} overflowed (more than {} tokens)",
                    b.name(),
                    u64::MAX
                ));
            }
            if c.requests == u64::MAX {
                return Some(format!(
                    "the request count on day {day} overflowed (more than {} requests)",
                    u64::MAX
                ));
            }
        }
        for (e, seg) in self.prompt_segments.iter().enumerate() {
            if let Some(k) = seg.iter().position(|t| *t == u64::MAX) {
                return Some(format!(
                    "the {} prompt tokens of endpoint {e} overflowed (more than {} tokens)",
                    SEGMENTS[k],
                    u64::MAX
                ));
            }
        }
        None
    }

    /// Counts of one line on one day.
    pub fn cell(&self, line: usize, day: u32) -> &Cell {
        &self.cells[line * self.days as usize + day as usize]
    }

    /// Counts of one line summed over all days.
    pub fn line_total(&self, line: usize) -> Cell {
        let d = self.days as usize;
        let mut total = Cell::default();
        for c in &self.cells[line * d..(line + 1) * d] {
            total.add(c);
        }
        total
    }

    /// Counts of every line summed over all days and lines.
    pub fn total(&self) -> Cell {
        let mut total = Cell::default();
        for c in &self.cells {
            total.add(c);
        }
        total
    }
}

/// Delays on a log scale: bin `i` holds delays in `[1.01^i, 1.01^(i+1))` milliseconds, so a
/// percentile is exact to 1% whatever the run count, and merging runs is adding counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DelayHistogram {
    counts: Vec<u64>,
}

const GROWTH: f64 = 1.01;

impl DelayHistogram {
    /// Record one delay.
    pub fn record(&mut self, ms: u64) {
        let i = if ms <= 1 {
            0
        } else {
            ((ms as f64).ln() / GROWTH.ln()) as usize
        };
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
    }

    /// Add another histogram's counts.
    pub fn merge(&mut self, other: &DelayHistogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
    }

    /// Delays recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile in seconds (the geometric middle of its bin), 0 when empty.
    pub fn quantile_s(&self, q: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return GROWTH.powf(i as f64 + 0.5) / 1000.0;
            }
        }
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(endpoint: u16) -> LineKey {
        LineKey {
            endpoint,
            model: 0,
            service: ServiceTier::Standard,
            price_tier: PriceTier::Base,
        }
    }

    #[test]
    fn lines_are_registered_once_and_days_kept_apart() {
        let mut l = Ledger::new(3, 2);
        let a = l.line(key(0));
        let b = l.line(key(1));
        assert_eq!(l.line(key(0)), a);
        assert_ne!(a, b);
        l.cell_mut(a, 0).tokens[Bucket::Input.index()] += 10;
        l.cell_mut(a, 2).tokens[Bucket::Input.index()] += 5;
        l.cell_mut(b, 2).tokens[Bucket::Output.index()] += 7;
        l.cell_mut(b, 2).requests += 1;
        assert_eq!(l.cell(a, 1).tokens[Bucket::Input.index()], 0);
        let before = l.clone();
        l.ensure(5, 3);
        assert_eq!(l.days(), 5);
        assert_eq!(l.cell(a, 2), before.cell(a, 2));
        assert_eq!(l.cell(b, 2), before.cell(b, 2));
        assert_eq!(l.cell(b, 4), &Cell::default());
        assert_eq!(l.sessions.len(), 3);
        assert_eq!(l.line_total(a).tokens[Bucket::Input.index()], 15);
        let t = l.total();
        assert_eq!(t.tokens[Bucket::Input.index()], 15);
        assert_eq!(t.tokens[Bucket::Output.index()], 7);
        assert_eq!(t.requests, 1);
    }

    #[test]
    fn sums_saturate_and_an_overflow_is_reported() {
        let mut l = Ledger::new(2, 1);
        let a = l.line(key(0));
        assert_eq!(l.overflow(), None);
        let t = &mut l.cell_mut(a, 1).tokens[Bucket::Output.index()];
        tally(t, u64::MAX - 5);
        assert_eq!(l.overflow(), None);
        tally(&mut l.cell_mut(a, 1).tokens[Bucket::Output.index()], 10);
        assert_eq!(l.cell(a, 1).tokens[Bucket::Output.index()], u64::MAX);
        let msg = l.overflow().expect("an overflow");
        assert!(
            msg.contains("output token count") && msg.contains("day 1"),
            "{msg}"
        );
        // Totals saturate too.
        let mut c = *l.cell(a, 1);
        c.add(l.cell(a, 1));
        assert_eq!(c.tokens[Bucket::Output.index()], u64::MAX);
        let mut l = Ledger::new(1, 1);
        tally(&mut l.prompt_segments[0][2], u64::MAX);
        assert!(
            l.overflow()
                .expect("overflow")
                .contains("history prompt tokens")
        );
    }

    #[test]
    fn histogram_quantiles_are_within_one_percent() {
        let mut h = DelayHistogram::default();
        for s in 1..=1000u64 {
            h.record(s * 1000);
        }
        let p50 = h.quantile_s(0.5);
        let p95 = h.quantile_s(0.95);
        assert!((p50 / 500.0 - 1.0).abs() < 0.01, "{p50}");
        assert!((p95 / 950.0 - 1.0).abs() < 0.01, "{p95}");
        let mut m = DelayHistogram::default();
        m.merge(&h);
        m.merge(&h);
        assert_eq!(m.count(), 2000);
        assert_eq!(m.quantile_s(0.5), p50);
    }
}
