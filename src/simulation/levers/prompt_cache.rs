//! Provider prompt caching: static prefixes and earlier turns read from the provider's cache.
//!
//! ## What is modelled
//!
//! A provider cache maps a prompt *prefix* (for one model) to an expiry time. A request reads
//! the longest live cached prefix of its prompt and pays the cache-read price for it; it writes
//! the rest of its prompt up to its *write point* (the last cache breakpoint) at the write price
//! of the chosen TTL; everything after the write point is plain input. So each request's prompt
//! tokens split exactly into `cache_read + cache_write_<ttl> + input`.
//!
//! Prefixes end at segment boundaries. For a request at turn *k* of a session:
//!
//! ```text
//!  | system | tools | history (turns 0..k-1) | context | user |
//!  └─ S ───┘        shared by every session of the endpoint
//!  └──── S+T ──────┘
//!  └──────────── session prefix written by turn k-1 ─┘  (per session)
//! ```
//!
//! - The system prompt and the tools are the same for every session of an endpoint whose sizes
//!   are the same (a `Fixed` size, as real system prompts are), so any session keeps them warm
//!   for every other.
//! - Turn *k* can reuse what turn *k−1* wrote up to the point where the two prompts diverge:
//!   `S + T + history_{k−1}`, plus turn *k−1*'s context and user message when they stay in the
//!   history (`context_in_history`, or no context at all). A request's write creates entries at
//!   every segment boundary up to its write point, as OpenAI's block cache does and as
//!   Anthropic's lookback over earlier content blocks approximates.
//! - Cached lengths are rounded down to the provider's granularity (OpenAI: 128 tokens) and a
//!   prefix shorter than the minimum cacheable length (1,024–4,096 tokens by model) is never
//!   cached.
//! - TTL: an entry lives `ttl` after it was written; a hit refreshes it when the provider says
//!   so (Anthropic, OpenAI), not otherwise (Gemini explicit caches). Whether turn *k* hits
//!   depends on the think time since turn *k−1* versus the TTL, and on whether another session
//!   kept the shared prefix warm.
//! - Storage (Gemini explicit caching): every written token is billed for as long as its entry
//!   lives, per token-hour; the ledger counts token-minutes and the report converts.
//!
//! ## Placement
//!
//! `System`: one breakpoint after the system prompt. `Tools`: after system + tools.
//! `FullPrompt` (default): after system + tools and at the end of every prompt, so each turn
//! caches the conversation for the next (Anthropic's conversation pattern; OpenAI always behaves
//! this way). Models whose provider caches automatically (OpenAI) cache in every strategy,
//! baseline included, with `FullPrompt` placement: that is the provider's behaviour, not a
//! choice; a strategy can still pick their TTL (e.g. 24 h extended retention).
//!
//! Nested expiry: every session entry is written or refreshed at the same instant as the longer
//! ones after it, so when the longest session entry has expired every shorter one has too. One
//! entry per session (its longest reusable prefix) is therefore exact, and memory is one entry
//! per live session plus one per distinct shared prefix.

use crate::foundations::pricing::{CacheKind, CacheRules, Ttl};
use crate::foundations::rng::{MixedKeyMap, splitmix64};
use crate::model::strategy::Placement;
use crate::model::workload::Request;

/// Prompt caching as applied to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointCache {
    /// The provider's rules for the endpoint's model.
    pub rules: CacheRules,
    /// TTL of writes.
    pub ttl: Ttl,
    /// Breakpoints.
    pub placement: Placement,
    /// Whether retrieved context stays in the history (decides what the next turn can reuse).
    pub context_in_history: bool,
    /// Identifies the model and endpoint in cache keys.
    pub salt: u64,
    /// Entries never expire (a what-if bound: `replay --prompt-cache unbounded`). Writes are
    /// priced at `ttl`'s write price; storage is not billed.
    pub unbounded: bool,
}

/// How one request's prompt splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    /// Tokens read from the cache.
    pub read: u64,
    /// Tokens written to the cache.
    pub write: u64,
    /// Token-minutes of storage started by this request (storage-billed caches only).
    pub storage_token_minutes: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Prefix length in tokens (already rounded to the granularity).
    len: u64,
    expires_ms: u64,
}

/// One strategy's provider cache: shared prefixes and one entry per live session.
#[derive(Debug, Default)]
pub struct PromptCache {
    shared: MixedKeyMap<Entry>,
    sessions: SessionTable,
    next_sweep_ms: u64,
    /// The last static prefix seen and its two shared entries, kept here instead of in
    /// `shared` while requests keep sending it (they usually do): no map lookup for them.
    hot: Option<HotPrefix>,
}

/// A static prefix whose shared entries live outside the map.
#[derive(Debug, Clone, Copy)]
struct HotPrefix {
    keys: PrefixKeys,
    /// The system prompt's entry.
    s: Option<Entry>,
    /// The system + tools entry.
    st: Option<Entry>,
    /// The two keys coincide (never seen: two 64-bit mixes would have to collide): they name
    /// one entry, as they would in the map, so a write to either is a write to both.
    alias: bool,
}

/// The session entries: a direct-mapped table indexed by the top bits of the (mixed) key, with
/// a map for the keys whose slot is taken. Live sessions are few (a slot per four of them, at
/// least), so nearly every lookup is one probe of a small array instead of a hash-map probe.
/// An entry with `len == 0` is an empty slot: session entries are only written with `len > 0`.
#[derive(Debug)]
struct SessionTable {
    slots: Vec<(u64, Entry)>,
    /// `64 - log2(slots.len())`: the shift that turns a key into its slot.
    shift: u32,
    overflow: MixedKeyMap<Entry>,
    /// Occupied slots (the overflow map counts its own).
    in_slots: usize,
}

/// Where a session key's entry is, or would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionPos {
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

    fn len(&self) -> usize {
        self.in_slots + self.overflow.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of `key`, if any, and where it is or would be put.
    #[inline]
    fn find(&self, key: u64) -> (SessionPos, Option<Entry>) {
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
    fn set(&mut self, pos: SessionPos, key: u64, entry: Entry) {
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
    fn remove(&mut self, pos: SessionPos, key: u64) {
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
    fn retain(&mut self, keep: impl Fn(&Entry) -> bool) {
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

/// One of the two shared entries of a static prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    System,
    SystemTools,
}

/// Put the hot prefix's entries back into the map.
fn park_hot(hot: &mut Option<HotPrefix>, shared: &mut MixedKeyMap<Entry>) {
    if let Some(h) = hot.take() {
        for (part, entry) in [(Part::System, h.s), (Part::SystemTools, h.st)] {
            if let Some(e) = entry {
                shared.insert(h.keys.key(part), e);
            }
        }
    }
}

/// The hot prefix for `system` + `tools` under `cfg`: the current one if it is that prefix,
/// else that prefix's entries are taken out of the map (the current ones put back).
#[inline]
fn hot_prefix<'a>(
    hot: &'a mut Option<HotPrefix>,
    shared: &mut MixedKeyMap<Entry>,
    cfg: &EndpointCache,
    system: u64,
    tools: u64,
) -> &'a mut HotPrefix {
    if !hot
        .as_ref()
        .is_some_and(|h| h.keys.is_for(cfg, system, tools))
    {
        load_hot(hot, shared, cfg, system, tools);
    }
    // `hot` holds this prefix now; the closure is never called.
    hot.get_or_insert_with(|| HotPrefix::new(PrefixKeys::new(cfg, system, tools), None, None))
}

/// Make `system` + `tools` under `cfg` the hot prefix (another prefix than the last one: rare).
#[cold]
#[inline(never)]
fn load_hot(
    hot: &mut Option<HotPrefix>,
    shared: &mut MixedKeyMap<Entry>,
    cfg: &EndpointCache,
    system: u64,
    tools: u64,
) {
    park_hot(hot, shared);
    let keys = PrefixKeys::new(cfg, system, tools);
    let s = shared.remove(&keys.key_s);
    let st = if keys.key_st == keys.key_s {
        s
    } else {
        shared.remove(&keys.key_st)
    };
    *hot = Some(HotPrefix::new(keys, s, st));
}

impl HotPrefix {
    fn new(keys: PrefixKeys, s: Option<Entry>, st: Option<Entry>) -> HotPrefix {
        HotPrefix {
            keys,
            s,
            st,
            alias: keys.key_s == keys.key_st,
        }
    }

    #[inline]
    fn get(&self, part: Part) -> Option<Entry> {
        match part {
            Part::System => self.s,
            Part::SystemTools => self.st,
        }
    }

    #[inline]
    fn set(&mut self, part: Part, entry: Entry) {
        if self.alias {
            self.s = Some(entry);
            self.st = Some(entry);
            return;
        }
        match part {
            Part::System => self.s = Some(entry),
            Part::SystemTools => self.st = Some(entry),
        }
    }

    /// Entries held (one when the two keys coincide).
    fn len(&self) -> usize {
        if self.alias {
            return usize::from(self.s.is_some());
        }
        usize::from(self.s.is_some()) + usize::from(self.st.is_some())
    }
}

/// The keys and cacheable lengths of a static prefix, for one cache's rules: `salt`, `system`
/// and `tools` tokens give `key_s` and `len_s` (the system prompt) and `key_st` and `len_st`
/// (system + tools).
#[derive(Debug, Clone, Copy)]
struct PrefixKeys {
    salt: u64,
    system: u64,
    tools: u64,
    granularity: u64,
    min_prefix: u64,
    key_s: u64,
    key_st: u64,
    len_s: u64,
    len_st: u64,
}

impl PrefixKeys {
    fn new(cfg: &EndpointCache, system: u64, tools: u64) -> PrefixKeys {
        let key_s = splitmix64(cfg.salt ^ splitmix64(system));
        let key_st = splitmix64(key_s ^ splitmix64(tools ^ 0x7001));
        PrefixKeys {
            salt: cfg.salt,
            system,
            tools,
            granularity: cfg.rules.granularity_tokens,
            min_prefix: cfg.rules.min_prefix_tokens,
            key_s,
            key_st,
            len_s: cfg.round(system),
            len_st: cfg.round(system + tools),
        }
    }

    fn key(&self, part: Part) -> u64 {
        match part {
            Part::System => self.key_s,
            Part::SystemTools => self.key_st,
        }
    }

    fn len(&self, part: Part) -> u64 {
        match part {
            Part::System => self.len_s,
            Part::SystemTools => self.len_st,
        }
    }

    /// Whether these are the keys of `system` + `tools` under `cfg`.
    #[inline]
    fn is_for(&self, cfg: &EndpointCache, system: u64, tools: u64) -> bool {
        (self.salt, self.system, self.tools) == (cfg.salt, system, tools)
            && (self.granularity, self.min_prefix)
                == (cfg.rules.granularity_tokens, cfg.rules.min_prefix_tokens)
    }
}

const SWEEP_EVERY_MS: u64 = 3_600_000;

/// Expiry distance of an unbounded cache: far beyond any horizon, without overflowing.
const UNBOUNDED_MS: u64 = u64::MAX / 4;

impl EndpointCache {
    #[inline]
    fn round(&self, len: u64) -> u64 {
        let g = self.rules.granularity_tokens.max(1);
        // A 64-bit division costs tens of cycles and this runs several times per request; the
        // providers' granularities are 1 and 128, powers of two, where a mask is the same.
        let r = if g.is_power_of_two() {
            len & !(g - 1)
        } else {
            len / g * g
        };
        if r < self.rules.min_prefix_tokens || r == 0 {
            0
        } else {
            r
        }
    }
}

impl PromptCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries currently held (shared + session), for memory checks.
    pub fn len(&self) -> usize {
        let hot = self.hot.map_or(0, |h| h.len());
        self.shared.len() + self.sessions.len() + hot
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Recorded prompts with prefix block ids (Mooncake's `hash_ids`, native `prefix_hashes`):
    /// the read is the longest leading run of blocks whose entries are live; the request
    /// writes every block up to its write point (the whole prompt: breakpoint placement has
    /// no meaning without segments) and refreshes what it read. Block `i` covers tokens
    /// `[i·b, min((i+1)·b, prompt))`; lengths are rounded to the provider's granularity and
    /// minimum like any prefix. Memory: one entry per live block.
    fn process_blocks(
        &mut self,
        cfg: &EndpointCache,
        p: &crate::model::workload::PrefixBlocks,
        prompt: u64,
        now_ms: u64,
        ttl: u64,
    ) -> Split {
        // Block entries share the map with static prefixes: the map must hold them all.
        park_hot(&mut self.hot, &mut self.shared);
        let key = |h: u64| splitmix64(cfg.salt ^ splitmix64(h ^ 0xb10c));
        let block = p.block_tokens.max(1);
        let end_of = |n: usize| (n as u64).saturating_mul(block).min(prompt);
        let mut live = 0;
        for h in p.hashes.iter() {
            match self.shared.get(&key(*h)) {
                Some(e) if e.expires_ms > now_ms => live += 1,
                _ => break,
            }
        }
        let read = cfg.round(end_of(live));
        let write_point = cfg.round(prompt);
        let write = write_point.saturating_sub(read);
        let expires = now_ms.saturating_add(ttl);
        let refresh = cfg.rules.refresh_on_hit;
        for (i, h) in p.hashes.iter().enumerate() {
            let end = end_of(i + 1);
            if end > write_point.max(read) && i >= live {
                break;
            }
            let k = key(*h);
            match self.shared.get_mut(&k) {
                Some(e) if e.expires_ms > now_ms => {
                    if refresh {
                        e.expires_ms = expires;
                    }
                }
                _ => {
                    self.shared.insert(
                        k,
                        Entry {
                            len: end,
                            expires_ms: expires,
                        },
                    );
                }
            }
        }
        let storage = if write > 0 && cfg.rules.storage_per_mtok_hour.is_some() && !cfg.unbounded {
            write * (ttl / 60_000)
        } else {
            0
        };
        Split {
            read,
            write,
            storage_token_minutes: storage,
        }
    }

    /// Drop every entry expired at `now_ms` (hourly: memory stays with the live entries).
    #[cold]
    #[inline(never)]
    fn sweep(&mut self, now_ms: u64) {
        self.shared.retain(|_, e| e.expires_ms > now_ms);
        self.sessions.retain(|e| e.expires_ms > now_ms);
        if let Some(h) = &mut self.hot {
            h.s = h.s.filter(|e| e.expires_ms > now_ms);
            h.st = h.st.filter(|e| e.expires_ms > now_ms);
        }
        self.next_sweep_ms = now_ms + SWEEP_EVERY_MS;
    }

    /// Split the prompt of `req`, sent at `now_ms` to the endpoint cached as `cfg`, and update
    /// the cache.
    #[inline]
    pub fn process(&mut self, cfg: &EndpointCache, req: &Request, now_ms: u64) -> Split {
        if cfg.rules.kind == CacheKind::None {
            return Split::default();
        }
        if now_ms >= self.next_sweep_ms {
            self.sweep(now_ms);
        }
        let ttl = if cfg.unbounded {
            UNBOUNDED_MS
        } else {
            cfg.ttl.millis()
        };
        if let Some(p) = &req.prefix {
            return self.process_blocks(cfg, p, req.prompt_tokens(), now_ms, ttl);
        }
        let refresh = cfg.rules.refresh_on_hit;
        let s = req.system_tokens;
        let st = s + req.tools_tokens;
        let prompt = req.prompt_tokens();
        let shared = hot_prefix(&mut self.hot, &mut self.shared, cfg, s, req.tools_tokens);
        let keys = shared.keys;
        // This session's entry, looked up once and written back below. Only conversation
        // caching writes session entries: without it, an empty table needs no lookup.
        let full_prompt = cfg.placement == Placement::FullPrompt;
        // One multiply (Fibonacci hashing): a bijection of `session ^ salt`, so distinct
        // sessions of an endpoint never share a key, and its top bits, which pick the slot, are
        // well spread even for consecutive session ids. It is on the path to the slot's load.
        let key_sess = (req.session ^ cfg.salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (pos, mut current) = if full_prompt || !self.sessions.is_empty() {
            self.sessions.find(key_sess)
        } else {
            (SessionPos::Overflow, None)
        };
        let mut current_changed = false;

        let write_point = match cfg.placement {
            Placement::System => keys.len_s,
            Placement::Tools => keys.len_st,
            Placement::FullPrompt => cfg.round(prompt),
        };
        let expires = now_ms.saturating_add(ttl);
        let mut storage = 0;
        let minutes = ttl / 60_000;

        // Longest live prefix: this session's entry, else system + tools, else system.
        let mut read = 0;
        let mut read_session = false;
        if let Some(o) = &mut current
            && !req.history_reset
            && o.expires_ms > now_ms
            && o.len <= prompt
        {
            read = o.len;
            read_session = true;
            // Refresh what was read (all prefixes of the read entry are refreshed with it).
            if refresh {
                o.expires_ms = expires;
                current_changed = true;
            }
        }
        if !read_session {
            for part in [Part::SystemTools, Part::System] {
                if let Some(e) = shared.get(part)
                    && e.expires_ms > now_ms
                {
                    read = e.len;
                    break;
                }
            }
        }
        // Shared entries: written or refreshed when the write point covers them.
        for part in [Part::System, Part::SystemTools] {
            let len = keys.len(part);
            if len == 0 || write_point < len {
                continue;
            }
            match shared.get(part) {
                Some(e) if e.expires_ms > now_ms => {
                    if refresh {
                        shared.set(
                            part,
                            Entry {
                                expires_ms: expires,
                                ..e
                            },
                        );
                    }
                }
                _ => shared.set(
                    part,
                    Entry {
                        len,
                        expires_ms: expires,
                    },
                ),
            }
        }
        let write = write_point.saturating_sub(read);
        if write > 0 && cfg.rules.storage_per_mtok_hour.is_some() && !cfg.unbounded {
            storage = write * minutes;
        }

        if full_prompt {
            if req.final_turn {
                if current.is_some() {
                    self.sessions.remove(pos, key_sess);
                }
                current_changed = false;
            } else {
                // What the next turn of this session can reuse of this prompt.
                let reusable = if cfg.context_in_history || req.context_tokens == 0 {
                    prompt
                } else {
                    st + req.history_tokens
                };
                let len = cfg.round(reusable.min(write_point.max(read)));
                let keep_old = !refresh
                    && !req.history_reset
                    && matches!(current, Some(o) if o.expires_ms > now_ms && o.len >= len);
                if len > 0 && !keep_old {
                    current = Some(Entry {
                        len,
                        expires_ms: expires,
                    });
                    current_changed = true;
                }
            }
        }
        if current_changed && let Some(entry) = current {
            self.sessions.set(pos, key_sess, entry);
        }
        Split {
            read,
            write,
            storage_token_minutes: storage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::time::SimTime;

    fn anthropic(min: u64) -> CacheRules {
        CacheRules {
            kind: CacheKind::Explicit,
            min_prefix_tokens: min,
            granularity_tokens: 1,
            ttls: vec![Ttl::M5, Ttl::H1],
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
        }
    }

    fn cfg(rules: CacheRules, placement: Placement) -> EndpointCache {
        EndpointCache {
            rules,
            ttl: Ttl::M5,
            placement,
            context_in_history: false,
            salt: 1,
            unbounded: false,
        }
    }

    fn req(session: u64, turn: u32, history: u64, final_turn: bool) -> Request {
        Request {
            time: SimTime(0),
            endpoint: 0,
            session,
            user: 0,
            turn,
            system_tokens: 3000,
            tools_tokens: 1000,
            history_tokens: history,
            context_tokens: 0,
            user_tokens: 100,
            output_tokens: 200,
            reasoning_tokens: 0,
            final_turn,
            history_reset: false,
            intent: None,
            prefix: None,
        }
    }

    #[test]
    fn a_reset_history_reads_only_the_shared_prefix() {
        let c = cfg(anthropic(1024), Placement::FullPrompt);
        let mut pc = PromptCache::new();
        pc.process(&c, &req(1, 0, 0, false), 0);
        let mut r = req(1, 1, 300, false);
        r.history_reset = true;
        let s = pc.process(&c, &r, 1000);
        assert_eq!(s.read, 4000);
        assert_eq!(s.write, r.prompt_tokens() - 4000);
    }

    #[test]
    fn conversation_hits_within_ttl_and_misses_after() {
        let c = cfg(anthropic(1024), Placement::FullPrompt);
        let mut pc = PromptCache::new();
        // Turn 0: cold, writes the whole prompt (4100).
        let a = pc.process(&c, &req(1, 0, 0, false), 0);
        assert_eq!(
            a,
            Split {
                read: 0,
                write: 4100,
                storage_token_minutes: 0
            }
        );
        // Turn 1 after 60 s: reads turn 0's prompt (4100), writes its new 300 + 100... the rest.
        let r1 = req(1, 1, 300, false);
        let b = pc.process(&c, &r1, 60_000);
        assert_eq!(b.read, 4100);
        assert_eq!(b.write, r1.prompt_tokens() - 4100);
        // Turn 2 after 6 more minutes: the session entry expired, and so did the shared prefix.
        let r2 = req(1, 2, 600, false);
        let c2 = pc.process(&c, &r2, 60_000 + 360_000);
        assert_eq!(c2.read, 0);
        assert_eq!(c2.write, r2.prompt_tokens());
    }

    #[test]
    fn shared_prefix_is_kept_warm_by_other_sessions() {
        let c = cfg(anthropic(1024), Placement::Tools);
        let mut pc = PromptCache::new();
        let first = pc.process(&c, &req(1, 0, 0, true), 0);
        assert_eq!((first.read, first.write), (0, 4000));
        // Other sessions every 4 minutes keep it alive for an hour.
        for i in 1..15u64 {
            let s = pc.process(&c, &req(1 + i, 0, 0, true), i * 240_000);
            assert_eq!((s.read, s.write), (4000, 0), "session {i}");
        }
    }

    #[test]
    fn below_minimum_prefix_nothing_is_cached() {
        let c = cfg(anthropic(4096), Placement::Tools);
        let mut pc = PromptCache::new();
        for t in 0..3 {
            let s = pc.process(&c, &req(1, t, 0, false), u64::from(t) * 1000);
            assert_eq!(s, Split::default());
        }
    }

    #[test]
    fn granularity_rounds_cached_lengths_down() {
        let mut rules = anthropic(1024);
        rules.granularity_tokens = 128;
        rules.kind = CacheKind::Automatic;
        let c = cfg(rules, Placement::FullPrompt);
        let mut pc = PromptCache::new();
        let a = pc.process(&c, &req(1, 0, 0, false), 0);
        // 4100 → 4096 cacheable.
        assert_eq!((a.read, a.write), (0, 4096));
        let b = pc.process(&c, &req(2, 0, 0, false), 1000);
        // Another session: shared S+T = 4000 → 3968.
        assert_eq!((b.read, b.write), (3968, 128));
    }

    #[test]
    fn storage_is_billed_per_written_token_for_the_ttl() {
        let mut rules = anthropic(1024);
        rules.kind = CacheKind::ExplicitWithStorage;
        rules.refresh_on_hit = false;
        rules.storage_per_mtok_hour = Some(1.0);
        let mut c = cfg(rules, Placement::Tools);
        c.ttl = Ttl::H1;
        let mut pc = PromptCache::new();
        let a = pc.process(&c, &req(1, 0, 0, true), 0);
        assert_eq!(a.storage_token_minutes, 4000 * 60);
        // A hit 30 min later does not extend an explicit cache; 31 min after that it is gone.
        let b = pc.process(&c, &req(2, 0, 0, true), 1_800_000);
        assert_eq!((b.read, b.storage_token_minutes), (4000, 0));
        let d = pc.process(&c, &req(3, 0, 0, true), 1_800_000 + 1_860_000);
        assert_eq!((d.read, d.write), (0, 4000));
    }

    #[test]
    fn finished_sessions_free_their_entry() {
        let c = cfg(anthropic(1024), Placement::FullPrompt);
        let mut pc = PromptCache::new();
        pc.process(&c, &req(1, 0, 0, false), 0);
        assert_eq!(pc.sessions.len(), 1);
        pc.process(&c, &req(1, 1, 300, true), 1000);
        assert_eq!(pc.sessions.len(), 0);
    }

    #[test]
    fn interleaved_prefixes_split_as_if_alone() {
        // Two endpoints (salts) and two system prompts take turns in one cache: the shared
        // entries of the prefix in use are kept outside the map and put back when another
        // prefix comes, which must not change any split.
        let a = cfg(anthropic(1024), Placement::FullPrompt);
        let mut b = cfg(anthropic(1024), Placement::Tools);
        b.salt = 2;
        let mut together = PromptCache::new();
        let mut alone = [PromptCache::new(), PromptCache::new(), PromptCache::new()];
        let mut read = 0;
        for i in 0..400u64 {
            let k = (i * 7 % 3) as usize;
            let c = if k == 1 { &b } else { &a };
            let session = i % 5 + 10 * k as u64;
            let mut r = req(session, (i / 5 % 4) as u32, 300 * (i / 5 % 4), i % 4 == 3);
            if k == 2 {
                r.system_tokens = 5000;
            }
            let now = i * 50_000;
            let split = together.process(c, &r, now);
            assert_eq!(split, alone[k].process(c, &r, now), "request {i}");
            read += split.read;
        }
        assert!(read > 0);
        let held: usize = alone.iter().map(PromptCache::len).sum();
        assert_eq!(together.len(), held);
    }

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
