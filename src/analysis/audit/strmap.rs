//! A map from strings to small values whose keys live back to back in one buffer: the audit's
//! sets of sessions and users, which reach millions of ids on a large trace.
//!
//! A `HashMap<String, V>` allocates each key on its own: on a 10-million-row trace with two
//! million sessions and a million users that is three million allocations while reading and
//! as many frees at the end, which took a third of the time of a two-thread audit. Here a key
//! is copied once into the buffer, and the table holds its place, its hash and the value.
//! Merging another map (a later piece of the file) reuses the hashes it stored.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// One key: its place in the buffer, its hash and its value.
struct Entry<V> {
    start: usize,
    len: usize,
    hash: u64,
    value: V,
}

/// Strings to values, keys in one buffer.
pub(super) struct StrMap<V> {
    bytes: Vec<u8>,
    table: HashTable<Entry<V>>,
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap {
            bytes: Vec::new(),
            table: HashTable::new(),
        }
    }
}

impl<V> StrMap<V> {
    /// Keys held.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// The hash a key is stored under.
    #[inline]
    fn hash(key: &str) -> u64 {
        FxBuildHasher.hash_one(key)
    }

    /// The value of `key`, if held.
    #[inline]
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let bytes = &self.bytes;
        self.table
            .find_mut(Self::hash(key), |e| {
                &bytes[e.start..e.start + e.len] == key.as_bytes()
            })
            .map(|e| &mut e.value)
    }

    /// Whether `key` is held.
    #[inline]
    pub(super) fn contains(&self, key: &str) -> bool {
        let bytes = &self.bytes;
        self.table
            .find(Self::hash(key), |e| {
                &bytes[e.start..e.start + e.len] == key.as_bytes()
            })
            .is_some()
    }

    /// Add `key`, which is not held, with `value`.
    #[inline]
    pub(super) fn insert_new(&mut self, key: &str, value: V) {
        self.insert_hashed(key.as_bytes(), Self::hash(key), value);
    }

    /// Add `key` (hashed to `hash`), which is not held.
    fn insert_hashed(&mut self, key: &[u8], hash: u64, value: V) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        self.table.insert_unique(
            hash,
            Entry {
                start,
                len: key.len(),
                hash,
                value,
            },
            |e| e.hash,
        );
    }

    /// Each key of `other` in turn, with its value: `both` when this map holds the key too
    /// (given this map's value and the other's), `added` (given the other's) after it is added
    /// here with the value `added` returns.
    pub(super) fn merge(
        &mut self,
        other: StrMap<V>,
        mut both: impl FnMut(&mut V, V),
        mut added: impl FnMut(V) -> V,
    ) {
        self.table.reserve(other.len(), |e| e.hash);
        self.bytes.reserve(other.bytes.len());
        for e in other.table {
            let key = &other.bytes[e.start..e.start + e.len];
            let bytes = &self.bytes;
            match self
                .table
                .find_mut(e.hash, |m| &bytes[m.start..m.start + m.len] == key)
            {
                Some(mine) => both(&mut mine.value, e.value),
                None => {
                    let value = added(e.value);
                    self.insert_hashed(key, e.hash, value);
                }
            }
        }
    }

    /// Every key with its value, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.table.iter().map(|e| {
            let key = &self.bytes[e.start..e.start + e.len];
            // Keys are only ever copied from `&str`s, whole.
            (std::str::from_utf8(key).unwrap_or_default(), &e.value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_finds_and_merges_keys() {
        let mut a: StrMap<u32> = StrMap::default();
        for (i, k) in ["alice", "bob", "", "carol"].iter().enumerate() {
            assert!(!a.contains(k));
            a.insert_new(k, i as u32);
            assert!(a.contains(k));
        }
        assert_eq!(a.len(), 4);
        *a.get_mut("bob").unwrap() += 10;
        assert_eq!(a.get_mut("bob").copied(), Some(11));
        assert_eq!(a.get_mut("bo"), None);
        assert_eq!(a.get_mut("dave"), None);

        let mut b: StrMap<u32> = StrMap::default();
        b.insert_new("dave", 100);
        b.insert_new("bob", 200);
        let mut seen_both = Vec::new();
        a.merge(
            b,
            |mine, theirs| {
                seen_both.push(theirs);
                *mine += theirs;
            },
            |theirs| theirs + 1,
        );
        assert_eq!(seen_both, vec![200]);
        assert_eq!(a.len(), 5);
        assert_eq!(a.get_mut("bob").copied(), Some(211));
        assert_eq!(a.get_mut("dave").copied(), Some(101));
        let mut all: Vec<(String, u32)> = a.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        all.sort();
        assert_eq!(
            all,
            vec![
                ("".to_string(), 2),
                ("alice".to_string(), 0),
                ("bob".to_string(), 211),
                ("carol".to_string(), 3),
                ("dave".to_string(), 101)
            ]
        );
    }

    #[test]
    fn many_keys_survive_growth() {
        let mut m: StrMap<usize> = StrMap::default();
        for i in 0..50_000 {
            m.insert_new(&format!("session-{i}"), i);
        }
        for i in (0..50_000).step_by(997) {
            assert_eq!(m.get_mut(&format!("session-{i}")).copied(), Some(i));
        }
        assert!(!m.contains("session-50000"));
    }
}
