//! Semantic caching: answer a repeated question from the application's own cache instead of
//! calling the model again.
//!
//! ## What is modelled
//!
//! ```text
//!  opening query ──embed (embedding model, user tokens)──▶ lookup ─┬─ hit ──▶ cached answer
//!  of a session                                                    │         (no LLM call)
//!                                                                  └─ miss ─▶ LLM call ─▶ store
//! ```
//!
//! The traffic labels the opening query of every session of an endpoint with `traffic.queries`
//! with an *intent* id ([`crate::model::workload::Request::intent`]): the same question in any
//! wording. The cache holds answers keyed by intent.
//!
//! - **Which requests.** Only requests that carry an intent: the first turn of each session
//!   (for a single-turn endpoint, every request). Later turns of a chat depend on the
//!   conversation so far and are never answered from a semantic cache.
//! - **Every lookup pays an embedding** of the user message (`user_tokens`) on the embedding
//!   model, in the ledger's `embedding` bucket, hit or miss.
//! - **Recognising a repeat.** When the query's intent is cached (and live), the similarity
//!   search finds it with probability `hit_probability` (what the chosen similarity threshold
//!   catches of paraphrased repeats): a *hit*. Otherwise the lookup has no match; it then returns
//!   a *wrong* cached answer with probability `false_hit_rate`, if the cache holds anything (a
//!   *false hit*), else it is a *miss*. One uniform number is drawn per lookup from the lever's
//!   own stream and compared with both probabilities, so two strategies differing only in
//!   capacity see the same draws.
//! - **A hit (true or false) skips the model call**: nothing is billed on the chat model and the
//!   request is not counted in `requests`. The session goes on as the traffic says (its history
//!   is the traffic's, whatever the cache answered), so later turns are billed as usual; the
//!   provider's prompt cache never saw the skipped call.
//! - **A miss** goes on to the model; its answer is stored under the query's intent (replacing
//!   an unrecognised entry of the same intent), unless the call was refused for exceeding the
//!   context window. A false hit stores nothing.
//! - **Capacity** (entries): when full, the least recently used entry is evicted; a hit or a
//!   store makes an entry the most recently used. Default: unbounded.
//! - **TTL**: an answer is valid `ttl_s` after it was stored; hits do not extend it (a TTL
//!   exists to bound staleness). Expired entries are dropped before each lookup, so they never
//!   take capacity or cause false hits. Default: no expiry.
//!
//! With unbounded capacity, no TTL, `hit_probability: 1` and `false_hit_rate: 0`, exactly the
//! first query of each intent misses, so the hit ratio is `1 - distinct / total`.
//!
//! ## Cost of the lever itself
//!
//! Each operation is O(1): a hash map from intent to a slot of a slab, and two intrusive doubly
//! linked lists through the slab, one in recency order (for LRU eviction) and one in store order
//! (which is expiry order, since every entry has the same TTL). Memory is one slot per cached
//! answer.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand::RngExt;

use crate::foundations::rng::splitmix64;
use crate::model::strategy::SemanticCacheSettings;

/// What a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The query's own cached answer.
    Hit,
    /// A wrong cached answer (the call is skipped all the same).
    FalseHit,
    /// Nothing usable: call the model.
    Miss,
}

/// An intent id hasher: the ids are small integers, so one SplitMix64 step mixes them well and
/// is much cheaper than SipHash.
#[derive(Clone, Default)]
struct IntentHasher(u64);

impl Hasher for IntentHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = splitmix64(self.0 ^ u64::from(*b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = splitmix64(x);
    }
}

const NIL: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
};

#[derive(Debug, Clone, Copy)]
struct Node {
    intent: u64,
    expires_ms: u64,
    /// Recency list: head is the least recently used.
    lru: Link,
    /// Store-order list: head expires first.
    age: Link,
}

#[derive(Debug, Clone, Copy, Default)]
struct Ends {
    head: u32,
    tail: u32,
}

const EMPTY: Ends = Ends {
    head: NIL,
    tail: NIL,
};

/// Which list a link operation acts on.
#[derive(Clone, Copy)]
enum List {
    Lru,
    Age,
}

/// Answers keyed by intent, with LRU eviction and TTL expiry; O(1) per operation.
#[derive(Clone, Debug)]
pub struct LruTtl {
    capacity: u64,
    ttl_ms: Option<u64>,
    map: HashMap<u64, u32, BuildHasherDefault<IntentHasher>>,
    nodes: Vec<Node>,
    free: Vec<u32>,
    lru: Ends,
    age: Ends,
}

impl LruTtl {
    /// An empty cache of at most `capacity` entries (`None`: unbounded) whose entries live
    /// `ttl_ms` after they are stored (`None`: forever).
    pub fn new(capacity: Option<u64>, ttl_ms: Option<u64>) -> Self {
        LruTtl {
            capacity: capacity.unwrap_or(u64::MAX).max(1),
            ttl_ms,
            map: HashMap::default(),
            nodes: Vec::new(),
            free: Vec::new(),
            lru: EMPTY,
            age: EMPTY,
        }
    }

    /// Entries held (after the last expiry sweep).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn link(&mut self, i: u32, which: List) -> &mut Link {
        let n = &mut self.nodes[i as usize];
        match which {
            List::Lru => &mut n.lru,
            List::Age => &mut n.age,
        }
    }

    fn ends(&mut self, which: List) -> &mut Ends {
        match which {
            List::Lru => &mut self.lru,
            List::Age => &mut self.age,
        }
    }

    fn unlink(&mut self, i: u32, which: List) {
        let Link { prev, next } = *self.link(i, which);
        if prev == NIL {
            self.ends(which).head = next;
        } else {
            self.link(prev, which).next = next;
        }
        if next == NIL {
            self.ends(which).tail = prev;
        } else {
            self.link(next, which).prev = prev;
        }
        *self.link(i, which) = UNLINKED;
    }

    fn push_back(&mut self, i: u32, which: List) {
        let tail = self.ends(which).tail;
        *self.link(i, which) = Link {
            prev: tail,
            next: NIL,
        };
        if tail == NIL {
            self.ends(which).head = i;
        } else {
            self.link(tail, which).next = i;
        }
        self.ends(which).tail = i;
    }

    fn remove_slot(&mut self, i: u32) {
        self.unlink(i, List::Lru);
        if self.ttl_ms.is_some() {
            self.unlink(i, List::Age);
        }
        self.map.remove(&self.nodes[i as usize].intent);
        self.free.push(i);
    }

    /// Drop every entry expired at `now_ms`.
    pub fn expire(&mut self, now_ms: u64) {
        if self.ttl_ms.is_none() {
            return;
        }
        while self.age.head != NIL && self.nodes[self.age.head as usize].expires_ms <= now_ms {
            self.remove_slot(self.age.head);
        }
    }

    /// Whether `intent` is held; if so it becomes the most recently used. Call [`Self::expire`]
    /// first.
    pub fn touch(&mut self, intent: u64) -> bool {
        match self.map.get(&intent) {
            Some(&i) => {
                self.unlink(i, List::Lru);
                self.push_back(i, List::Lru);
                true
            }
            None => false,
        }
    }

    /// Whether `intent` is held, without changing recency.
    pub fn contains(&self, intent: u64) -> bool {
        self.map.contains_key(&intent)
    }

    /// Store (or re-store) `intent` at `now_ms`: it becomes the most recently used and its
    /// lifetime restarts. Evicts the least recently used entry when full.
    pub fn insert(&mut self, intent: u64, now_ms: u64) {
        let expires_ms = self.ttl_ms.map_or(u64::MAX, |t| now_ms.saturating_add(t));
        if let Some(&i) = self.map.get(&intent) {
            self.remove_slot(i);
        } else if self.map.len() as u64 >= self.capacity {
            self.remove_slot(self.lru.head);
        }
        let node = Node {
            intent,
            expires_ms,
            lru: UNLINKED,
            age: UNLINKED,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.map.insert(intent, i);
        self.push_back(i, List::Lru);
        if self.ttl_ms.is_some() {
            self.push_back(i, List::Age);
        }
    }

    /// Intents from least to most recently used (for tests and debugging).
    pub fn recency_order(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.len());
        let mut i = self.lru.head;
        while i != NIL {
            out.push(self.nodes[i as usize].intent);
            i = self.nodes[i as usize].lru.next;
        }
        out
    }
}

/// One endpoint's semantic cache under one strategy, with its own random stream.
#[derive(Clone, Debug)]
pub struct SemanticCache {
    hit_probability: f64,
    false_hit_rate: f64,
    store: LruTtl,
    rng: crate::foundations::rng::StreamRng,
}

impl SemanticCache {
    /// An empty cache with `settings`, drawing from `rng` (the lever's stream for this endpoint
    /// and run).
    pub fn new(settings: &SemanticCacheSettings, rng: crate::foundations::rng::StreamRng) -> Self {
        SemanticCache {
            hit_probability: settings.hit_probability,
            false_hit_rate: settings.false_hit_rate,
            store: LruTtl::new(settings.capacity, settings.ttl_ms),
            rng,
        }
    }

    /// Look up the query of `intent` sent at `now_ms`. Draws one uniform number.
    #[inline]
    pub fn lookup(&mut self, intent: u64, now_ms: u64) -> Lookup {
        self.store.expire(now_ms);
        let u: f64 = self.rng.random();
        if self.store.contains(intent) {
            if u < self.hit_probability {
                self.store.touch(intent);
                return Lookup::Hit;
            }
        } else if u < self.false_hit_rate && !self.store.is_empty() {
            return Lookup::FalseHit;
        }
        Lookup::Miss
    }

    /// Store the model's answer to the query of `intent`, after a miss.
    #[inline]
    pub fn store(&mut self, intent: u64, now_ms: u64) {
        self.store.insert(intent, now_ms);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn settings(
        capacity: Option<u64>,
        ttl_ms: Option<u64>,
        p: f64,
        f: f64,
    ) -> SemanticCacheSettings {
        SemanticCacheSettings {
            embedding_model: "e".to_string(),
            capacity,
            ttl_ms,
            hit_probability: p,
            false_hit_rate: f,
        }
    }

    fn rng() -> crate::foundations::rng::StreamRng {
        crate::foundations::rng::StreamRng::seed_from_u64(7)
    }

    #[test]
    fn lru_evicts_least_recently_used() {
        let mut c = LruTtl::new(Some(3), None);
        for i in 1..=3 {
            c.insert(i, 0);
        }
        assert_eq!(c.recency_order(), vec![1, 2, 3]);
        // Touching 1 makes 2 the least recently used.
        assert!(c.touch(1));
        assert_eq!(c.recency_order(), vec![2, 3, 1]);
        c.insert(4, 0);
        assert_eq!(c.recency_order(), vec![3, 1, 4]);
        assert!(!c.contains(2));
        // Re-storing a held intent does not evict anything.
        c.insert(3, 0);
        assert_eq!(c.recency_order(), vec![1, 4, 3]);
        assert_eq!(c.len(), 3);
        c.insert(5, 0);
        c.insert(6, 0);
        assert_eq!(c.recency_order(), vec![3, 5, 6]);
    }

    #[test]
    fn capacity_one_keeps_only_the_last() {
        let mut c = LruTtl::new(Some(1), None);
        c.insert(10, 0);
        c.insert(11, 0);
        assert_eq!(c.recency_order(), vec![11]);
        assert!(!c.touch(10));
    }

    #[test]
    fn unbounded_keeps_everything() {
        let mut c = LruTtl::new(None, None);
        for i in 0..10_000 {
            c.insert(i * 7, 0);
        }
        assert_eq!(c.len(), 10_000);
        assert!(c.contains(0) && c.contains(9_999 * 7));
    }

    #[test]
    fn ttl_counts_from_the_store_not_the_hit() {
        let mut c = LruTtl::new(None, Some(1000));
        c.insert(1, 0);
        c.insert(2, 500);
        c.expire(999);
        assert!(c.touch(1), "alive just before its expiry");
        c.expire(1000);
        assert!(!c.contains(1), "a hit does not extend the lifetime");
        assert!(c.contains(2));
        // Re-storing restarts the lifetime and moves it to the back of the expiry order.
        c.insert(2, 1200);
        c.insert(3, 1300);
        c.expire(1500);
        assert_eq!(c.recency_order(), vec![2, 3]);
        c.expire(2200);
        assert_eq!(c.recency_order(), vec![3]);
        c.expire(2300);
        assert!(c.is_empty());
        // Freed slots are reused.
        c.insert(4, 3000);
        assert!(c.nodes.len() <= 3);
    }

    #[test]
    fn eviction_and_expiry_together() {
        let mut c = LruTtl::new(Some(2), Some(100));
        c.insert(1, 0);
        c.insert(2, 10);
        c.touch(1);
        c.insert(3, 20); // evicts 2 (least recently used), not 1 (oldest store)
        assert_eq!(c.recency_order(), vec![1, 3]);
        c.expire(100); // 1 expires by age though recently used
        assert_eq!(c.recency_order(), vec![3]);
        c.expire(120);
        assert!(c.is_empty());
    }

    /// The O(1) structure agrees with a naive one (a vector in recency order, scanned) on a long
    /// random mix of lookups, stores and expiries.
    #[test]
    fn matches_a_naive_lru_with_ttl() {
        for (capacity, ttl) in [
            (Some(1), None),
            (Some(7), Some(50)),
            (None, Some(30)),
            (Some(20), None),
        ] {
            let mut fast = LruTtl::new(capacity, ttl);
            // (intent, expires_ms), least recently used first.
            let mut naive: Vec<(u64, u64)> = Vec::new();
            let mut r = rng();
            let mut now = 0u64;
            for _ in 0..20_000 {
                now += r.random_range(0..5u64);
                let intent = r.random_range(0..40u64);
                fast.expire(now);
                naive.retain(|e| e.1 > now);
                if r.random::<f64>() < 0.5 {
                    let held = naive.iter().position(|e| e.0 == intent);
                    assert_eq!(fast.touch(intent), held.is_some());
                    if let Some(i) = held {
                        let e = naive.remove(i);
                        naive.push(e);
                    }
                } else {
                    fast.insert(intent, now);
                    naive.retain(|e| e.0 != intent);
                    if naive.len() as u64 >= capacity.unwrap_or(u64::MAX) {
                        naive.remove(0);
                    }
                    naive.push((intent, ttl.map_or(u64::MAX, |t| now + t)));
                }
                let order: Vec<u64> = naive.iter().map(|e| e.0).collect();
                assert_eq!(fast.recency_order(), order);
            }
        }
    }

    #[test]
    fn perfect_cache_misses_only_first_occurrences() {
        let mut sc = SemanticCache::new(&settings(None, None, 1.0, 0.0), rng());
        let queries = [1u64, 2, 1, 1, 3, 2, 4, 1];
        let mut hits = 0;
        for q in queries {
            match sc.lookup(q, 0) {
                Lookup::Hit => hits += 1,
                Lookup::Miss => sc.store(q, 0),
                Lookup::FalseHit => panic!("no false hits at rate 0"),
            }
        }
        assert_eq!(hits, queries.len() - 4);
    }

    #[test]
    fn false_hits_need_a_non_empty_cache() {
        let mut sc = SemanticCache::new(&settings(None, None, 1.0, 1.0), rng());
        assert_eq!(sc.lookup(1, 0), Lookup::Miss);
        sc.store(1, 0);
        assert_eq!(sc.lookup(2, 0), Lookup::FalseHit);
        assert_eq!(sc.lookup(1, 0), Lookup::Hit);
        // Expired entries do not count.
        let mut sc = SemanticCache::new(&settings(None, Some(10), 1.0, 1.0), rng());
        sc.store(1, 0);
        assert_eq!(sc.lookup(2, 10), Lookup::Miss);
        assert!(sc.is_empty());
    }

    #[test]
    fn unrecognised_repeats_miss_at_the_stated_rate() {
        let mut sc = SemanticCache::new(&settings(None, None, 0.25, 0.0), rng());
        sc.store(1, 0);
        let n = 100_000;
        let hits = (0..n).filter(|_| sc.lookup(1, 0) == Lookup::Hit).count();
        // Binomial(1e5, 0.25): sd ~ 137; 5 sd.
        assert!((hits as f64 - 25_000.0).abs() < 700.0, "{hits}");
    }
}
