//! The discrete-event core: integer simulated time and an event queue ordered by `(time, seq)`.
//!
//! Time is never a float key. [`SimTime`] counts milliseconds from the start of the scenario
//! (midnight of day 0). Events scheduled for the same millisecond come out in the order they were
//! scheduled, because every entry carries a monotonically increasing sequence number; this makes a
//! run reproducible bit for bit. Scheduling an event before the current time is an error value
//! ([`ScheduleError`]), never a silent reorder.
//!
//! ```text
//!   schedule(t, e) ──▶ 4-ary heap of (t, seq, e) ──▶ pop() -> earliest (t, seq)
//! ```
//!
//! The traffic generator ([`crate::model::workload::synthetic`]) keeps one pending arrival per endpoint
//! plus one pending follow-up turn per live session in this queue, so memory grows with the
//! number of live sessions, never with the horizon.

use std::fmt;

/// Milliseconds in one simulated day.
pub const MS_PER_DAY: u64 = 86_400_000;

/// Most days anything is simulated or read over: ten years (a scenario's `horizon_days`, a
/// trace's span, `--scale-days`).
pub const MAX_HORIZON_DAYS: u32 = 3660;
/// Milliseconds in one simulated hour.
pub const MS_PER_HOUR: u64 = 3_600_000;

/// A point in simulated time: integer milliseconds since midnight of day 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);

    /// Milliseconds since the start.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Zero-based day index this instant falls in.
    pub fn day(self) -> u32 {
        (self.0 / MS_PER_DAY) as u32
    }

    /// This instant plus `ms` milliseconds (saturating).
    pub fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        let day = ms / MS_PER_DAY;
        let rem = ms % MS_PER_DAY;
        write!(
            f,
            "day {} {:02}:{:02}:{:02}.{:03}",
            day,
            rem / MS_PER_HOUR,
            (rem / 60_000) % 60,
            (rem / 1000) % 60,
            rem % 1000
        )
    }
}

/// An attempt to schedule an event before the queue's current time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot schedule an event at {at} before the current time {now}")]
pub struct ScheduleError {
    /// The requested time.
    pub at: SimTime,
    /// The queue's clock when the request was made.
    pub now: SimTime,
}

#[derive(Clone, Copy)]
struct Entry<E> {
    /// `(time, seq)` packed into one integer with the same order, so comparing two entries is
    /// one branch-free comparison.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

/// A priority queue of events keyed by `(time, insertion sequence)`, with a clock that only
/// moves forward.
///
/// A 4-ary min-heap in a `Vec` (the children of node `i` are `4i + 1 ..= 4i + 4`): half the
/// depth of a binary heap, and a node's children are adjacent in memory. Keys are unique (the
/// sequence number never repeats), so it pops exactly the order any correct heap would.
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the last event popped (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// `event` at `time` with the next sequence number, or the error if `time` is before the
    /// clock (no number is used then).
    #[inline]
    fn numbered(&mut self, time: SimTime, event: E) -> Result<Entry<E>, ScheduleError> {
        if time < self.now {
            return Err(ScheduleError {
                at: time,
                now: self.now,
            });
        }
        let key = (u128::from(time.0) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        Ok(Entry { key, event })
    }

    /// Schedule `event` at `time`. Fails if `time` is before the clock.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) -> Result<(), ScheduleError> {
        let entry = self.numbered(time, event)?;
        // Sift up: parents later than the new entry move down into the hole.
        let mut hole = self.heap.len();
        self.heap.push(entry);
        while hole > 0 {
            let parent = (hole - 1) / 4;
            if self.heap[parent].key <= entry.key {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = entry;
        Ok(())
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(Entry::time)
    }

    /// Remove the earliest event and advance the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            Some(&top) => {
                self.sift_down(last);
                top
            }
            None => last,
        };
        self.now = top.time();
        Some((self.now, top.event))
    }

    /// Advance the clock to the earliest event and return it, leaving it in the queue: the
    /// caller then calls [`EventQueue::replace_top`] (the event is followed by another, the
    /// usual case in a simulation) or [`EventQueue::remove_top`], before anything else. One
    /// sift instead of a pop's and a schedule's; the order events come out in is the same.
    #[inline]
    pub fn take_top(&mut self) -> Option<(SimTime, E)> {
        let top = self.heap.first()?;
        self.now = top.time();
        Some((self.now, top.event))
    }

    /// Replace the event returned by [`EventQueue::take_top`] with `event` at `time`, numbered
    /// as [`EventQueue::schedule`] would number it. Fails if `time` is before the clock (the
    /// queue is then unchanged).
    #[inline]
    pub fn replace_top(&mut self, time: SimTime, event: E) -> Result<(), ScheduleError> {
        let entry = self.numbered(time, event)?;
        if self.heap.is_empty() {
            self.heap.push(entry);
        } else {
            self.sift_down(entry);
        }
        Ok(())
    }

    /// Remove the event returned by [`EventQueue::take_top`].
    #[inline]
    pub fn remove_top(&mut self) {
        if let Some(last) = self.heap.pop()
            && !self.heap.is_empty()
        {
            self.sift_down(last);
        }
    }

    /// Put `entry` at the root's place, moving earlier children up into the hole.
    #[inline]
    fn sift_down(&mut self, entry: Entry<E>) {
        let heap = &mut self.heap;
        let n = heap.len();
        let mut hole = 0;
        loop {
            let first = 4 * hole + 1;
            if first >= n {
                break;
            }
            let kids = &heap[first..n.min(first + 4)];
            let k = if let [k0, k1, k2, k3] = kids {
                // Earliest of four, as two independent comparisons and a third.
                let (a, ka) = if k1.key < k0.key { (1, k1) } else { (0, k0) };
                let (b, kb) = if k3.key < k2.key { (3, k3) } else { (2, k2) };
                if kb.key < ka.key { b } else { a }
            } else {
                (1..kids.len()).fold(0, |m, c| if kids[c].key < kids[m].key { c } else { m })
            };
            let child = kids[k];
            if child.key >= entry.key {
                break;
            }
            heap[hole] = child;
            hole = first + k;
        }
        heap[hole] = entry;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_keep_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 'b').unwrap();
        q.schedule(SimTime(1), 'a').unwrap();
        q.schedule(SimTime(5), 'c').unwrap();
        q.schedule(SimTime(5), 'd').unwrap();
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
    }

    #[test]
    fn pops_in_time_then_scheduling_order() {
        // Against a sorted reference, with many equal times and the queue growing and
        // shrinking through every depth of the heap.
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeMap::new();
        let mut x: u64 = 1;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 33
        };
        for seq in 0..20_000u64 {
            if next() % 3 != 0 || reference.is_empty() {
                let at = q.now().plus_ms(next() % 50);
                q.schedule(at, seq).unwrap();
                reference.insert((at, seq), seq);
            } else {
                let (key, want) = reference.pop_first().unwrap();
                assert_eq!(q.pop(), Some((key.0, want)));
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some((key, want)) = reference.pop_first() {
            assert_eq!(q.pop(), Some((key.0, want)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn take_and_replace_pop_the_same_order_as_pop_and_schedule() {
        // The same random workload through both APIs: identical events at identical times.
        let mut a = EventQueue::new();
        let mut b = EventQueue::new();
        let mut x: u64 = 3;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 33
        };
        for i in 0..50u64 {
            let t = SimTime(next() % 100);
            a.schedule(t, i).unwrap();
            b.schedule(t, i).unwrap();
        }
        let mut id = 1000;
        while let Some((t, e)) = a.pop() {
            assert_eq!(b.take_top(), Some((t, e)));
            assert_eq!(b.now(), t);
            match next() % 4 {
                0 => b.remove_top(),
                k => {
                    // Followed by one event (sometimes at the same instant), sometimes two.
                    let at = t.plus_ms(next() % 40 * u64::from(k != 1));
                    a.schedule(at, id).unwrap();
                    b.replace_top(at, id).unwrap();
                    id += 1;
                    if k == 3 && id < 20_000 {
                        let at = t.plus_ms(next() % 40);
                        a.schedule(at, id).unwrap();
                        b.schedule(at, id).unwrap();
                        id += 1;
                    }
                }
            }
            assert_eq!(a.len(), b.len());
        }
        assert!(b.is_empty() && id > 10_000);
        assert_eq!(
            b.replace_top(SimTime(0), 0),
            Err(ScheduleError {
                at: SimTime(0),
                now: a.now()
            })
        );
    }

    #[test]
    fn scheduling_into_the_past_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ()).unwrap();
        q.pop();
        assert_eq!(
            q.schedule(SimTime(9), ()),
            Err(ScheduleError {
                at: SimTime(9),
                now: SimTime(10)
            })
        );
        assert!(q.schedule(SimTime(10), ()).is_ok());
    }

    #[test]
    fn display_is_day_and_clock() {
        assert_eq!(
            SimTime(MS_PER_DAY * 2 + MS_PER_HOUR * 13 + 61_005).to_string(),
            "day 2 13:01:01.005"
        );
        assert_eq!(SimTime(MS_PER_DAY * 3 - 1).day(), 2);
    }
}
