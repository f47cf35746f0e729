//! The discrete-event core: integer simulated time and an event queue ordered by `(time, seq)`.
//!
//! Time is never a float key. [`SimTime`] counts milliseconds from the start of the scenario
//! (midnight of day 0). Events scheduled for the same millisecond come out in the order they were
//! scheduled, because every entry carries a monotonically increasing sequence number; this makes a
//! run reproducible bit for bit. Scheduling an event before the current time is an error value
//! ([`ScheduleError`]), never a silent reorder.
//!
//! ```text
//!   schedule(t, e) ──▶ BinaryHeap<(t, seq, e)> ──▶ pop() -> earliest (t, seq)
//! ```
//!
//! The traffic generator ([`crate::workload::synthetic`]) keeps one pending arrival per endpoint
//! plus one pending follow-up turn per live session in this queue, so memory grows with the
//! number of live sessions, never with the horizon.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;

/// Milliseconds in one simulated day.
pub const MS_PER_DAY: u64 = 86_400_000;
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

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// `(time, seq)` as one integer with the same order: one branch-free comparison in the
    /// heap instead of two.
    #[inline]
    fn key(&self) -> u128 {
        (u128::from(self.time.0) << 64) | u128::from(self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest (time, seq) is on top.
        other.key().cmp(&self.key())
    }
}

/// A priority queue of events keyed by `(time, insertion sequence)`, with a clock that only
/// moves forward.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
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

    /// Schedule `event` at `time`. Fails if `time` is before the clock.
    pub fn schedule(&mut self, time: SimTime, event: E) -> Result<(), ScheduleError> {
        if time < self.now {
            return Err(ScheduleError {
                at: time,
                now: self.now,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
        Ok(())
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Remove the earliest event and advance the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        self.now = e.time;
        Some((e.time, e.event))
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
