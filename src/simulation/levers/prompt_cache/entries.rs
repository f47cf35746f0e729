//! What the cache holds: entries (a cached prefix length and its expiry), and the table that
//! keeps one per live session, looked up on every request of conversation caching (so a
//! direct-mapped array, not a hash map, in the common case).

use crate::foundations::rng::MixedKeyMap;

/// A cached prefix: its length and when it expires.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    /// Prefix length in tokens (already rounded to the granularity).
    pub(super) len: u64,
    /// Expiry time (simulated milliseconds): live while `now_ms < expires_ms`.
    pub(super) expires_ms: u64,
}

/// The session entries: a direct-mapped table indexed by the top bits of the (mixed) key, with
/// a map for the keys whose slot is taken. Live sessions are few (a slot per four of them, at
/// least), so nearly every lookup is one probe of a small array instead of a hash-map probe.
/// An entry with `len == 0` is an empty slot: session entries are only written with `len > 0`.
#[derive(Clone, Debug)]
pub(super) struct SessionTable {
    slots: Vec<(u64, Entry)>,
    /// `64 - log2(slots.len())`: the shift that turns a key into its slot.
    shift: u32,
    overflow: MixedKeyMap<Entry>,
    /// Occupied slots (the overflow map counts its own).
    in_slots: usize,
}

/// Where a session key's entry is, or would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SessionPos {
    /// In slot `i` (occupied by this key, or empty).
    Slot(usize),
    /// In the overflow map (present or not).
    Overflow,
}

const EMPTY: Entry = Entry {
    len: 0,
    expires_ms: 0,
};

impl Default for SessionTable {
    fn default() -> Self {
        SessionTable::with_slots(256)
    }
}

impl SessionTable {
    fn with_slots(n: usize) -> SessionTable {
        SessionTable {
            slots: vec![(0, EMPTY); n],
            shift: 64 - n.trailing_zeros(),
            overflow: MixedKeyMap::default(),
            in_slots: 0,
        }
    }

    /// Entries held.
    pub(super) fn len(&self) -> usize {
        self.in_slots + self.overflow.len()
    }

    /// True when no session has an entry.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of `key`, if any, and where it is or would be put.
    #[inline]
    pub(super) fn find(&self, key: u64) -> (SessionPos, Option<Entry>) {
        let i = (key >> self.shift) as usize;
        let (k, e) = self.slots[i];
        if e.len != 0 && k == key {
            return (SessionPos::Slot(i), Some(e));
        }
        if !self.overflow.is_empty()
            && let Some(e) = self.overflow.get(&key)
        {
            return (SessionPos::Overflow, Some(*e));
        }
        if e.len == 0 {
            (SessionPos::Slot(i), None)
        } else {
            (SessionPos::Overflow, None)
        }
    }

    /// Store `entry` (with `len > 0`) for `key` at `pos` (from [`SessionTable::find`], with
    /// no change to the table in between).
    #[inline]
    pub(super) fn set(&mut self, pos: SessionPos, key: u64, entry: Entry) {
        debug_assert!(entry.len > 0);
        match pos {
            SessionPos::Slot(i) => {
                self.in_slots += usize::from(self.slots[i].1.len == 0);
                self.slots[i] = (key, entry);
                if self.in_slots * 4 > self.slots.len() {
                    self.grow();
                }
            }
            SessionPos::Overflow => {
                self.overflow.insert(key, entry);
            }
        }
    }

    /// Remove `key`'s entry found at `pos`.
    #[inline]
    pub(super) fn remove(&mut self, pos: SessionPos, key: u64) {
        match pos {
            SessionPos::Slot(i) => {
                if self.slots[i].1.len != 0 {
                    self.slots[i].1 = EMPTY;
                    self.in_slots -= 1;
                }
            }
            SessionPos::Overflow => {
                self.overflow.remove(&key);
            }
        }
    }

    /// Keep only the entries for which `keep` is true.
    pub(super) fn retain(&mut self, keep: impl Fn(&Entry) -> bool) {
        for (_, e) in self.slots.iter_mut() {
            if e.len != 0 && !keep(e) {
                *e = EMPTY;
                self.in_slots -= 1;
            }
        }
        self.overflow.retain(|_, e| keep(e));
    }

    /// Twice the slots, every entry put back (overflowing ones included).
    fn grow(&mut self) {
        let mut bigger = SessionTable::with_slots(self.slots.len() * 2);
        let old_slots = std::mem::take(&mut self.slots);
        let old_overflow = std::mem::take(&mut self.overflow);
        for (k, e) in old_slots
            .into_iter()
            .filter(|(_, e)| e.len != 0)
            .chain(old_overflow)
        {
            let (pos, _) = bigger.find(k);
            match pos {
                SessionPos::Slot(i) => {
                    bigger.slots[i] = (k, e);
                    bigger.in_slots += 1;
                }
                SessionPos::Overflow => {
                    bigger.overflow.insert(k, e);
                }
            }
        }
        *self = bigger;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::rng::splitmix64;

    #[test]
    fn session_table_agrees_with_a_map() {
        // Random inserts, updates, removals and sweeps, with enough live keys to fill slots,
        // overflow and grow the table several times: it must hold what a plain map holds.
        let mut table = SessionTable::default();
        let mut map = std::collections::HashMap::new();
        let mut x = 7u64;
        let mut next = || {
            x = splitmix64(x);
            x
        };
        for step in 0..200_000u64 {
            // Keys from a pool that grows then shrinks, so the table sees growth and churn.
            let pool = 50 + (step / 200).min(1000 - step / 400);
            let key = splitmix64(next() % pool.max(1));
            let (pos, found) = table.find(key);
            assert_eq!(found.map(|e| e.len), map.get(&key).copied(), "step {step}");
            match next() % 4 {
                0 if found.is_some() => {
                    table.remove(pos, key);
                    map.remove(&key);
                }
                _ => {
                    let len = next() % 1000 + 1;
                    table.set(
                        pos,
                        key,
                        Entry {
                            len,
                            expires_ms: len,
                        },
                    );
                    map.insert(key, len);
                }
            }
            if step % 5000 == 0 {
                table.retain(|e| e.len % 3 != 0);
                map.retain(|_, len| *len % 3 != 0);
            }
            assert_eq!(table.len(), map.len());
        }
        assert!(table.slots.len() > 256, "the table never grew");
        assert!(
            !table.overflow.is_empty() || table.len() < 10,
            "no key ever overflowed"
        );
    }
}
