//! The cache itself and the per-request split: [`PromptCache::process`] runs for every request
//! of every strategy that caches prompts, so each step below is a small inlined function over
//! state looked up once (this session's entry, the hot prefix) and written back once.
//!
//! The order of one split: sweep when due, find the static prefix's shared entries and this
//! session's entry, read the longest live prefix (the session's, else the shared one), write or
//! refresh the shared entries the write point covers, then keep what the next turn of the
//! session can reuse.

use super::entries::{Entry, SessionPos, SessionTable};
use super::prefix::{HotPrefix, Part, hot_prefix, park_hot};
use super::settings::{EndpointCache, Marks};
use crate::foundations::pricing::CacheKind;
use crate::foundations::rng::{MixedKeyMap, splitmix64};
use crate::model::strategy::RecordedShares;
use crate::model::workload::{PrefixBlocks, Request};

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

/// One strategy's provider cache: shared prefixes and one entry per live session.
#[derive(Clone, Debug, Default)]
pub struct PromptCache {
    shared: MixedKeyMap<Entry>,
    sessions: SessionTable,
    next_sweep_ms: u64,
    /// The last static prefix seen and its two shared entries, kept here instead of in
    /// `shared` while requests keep sending it (they usually do): no map lookup for them.
    hot: Option<HotPrefix>,
}

const SWEEP_EVERY_MS: u64 = 3_600_000;

impl PromptCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries currently held (shared + session), for memory checks.
    pub fn len(&self) -> usize {
        let hot = self.hot.map_or(0, |h| h.held());
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
        p: &PrefixBlocks,
        prompt: u64,
        now_ms: u64,
        ttl: u64,
        salt: u64,
    ) -> Split {
        // Block entries share the map with static prefixes: the map must hold them all.
        park_hot(&mut self.hot, &mut self.shared);
        let key = |h: u64| splitmix64(salt ^ splitmix64(h ^ 0xb10c));
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
        let created = if write > 0 { write_point } else { 0 };
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
        let storage = cfg.storage_token_minutes(created, ttl);
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
            h.drop_expired(now_ms);
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
        if let Some(shares) = cfg.recorded {
            return recorded(shares, req.prompt_tokens());
        }
        let ttl = cfg.ttl_ms();
        if let Some(p) = &req.prefix {
            let split =
                self.process_blocks(cfg, p, req.prompt_tokens(), now_ms, ttl, cfg.salt_of(req));
            return implicit(cfg, split);
        }
        let refresh = cfg.rules.refresh_on_hit;
        let prompt = req.prompt_tokens();
        let marks = cfg.marks();
        let shared = hot_prefix(
            &mut self.hot,
            &mut self.shared,
            cfg,
            cfg.salt_of(req),
            req.system_tokens,
            req.tools_tokens,
        );
        // Only conversation caching (a mark past the static prefix) writes session entries.
        let conversation = marks.prompt || marks.history;
        let mut session = SessionSlot::find(&self.sessions, cfg, req, conversation);
        // A session's document ends the static prefix: its entry is shared by every session
        // sending it, and the breakpoint after the tools goes after it (see `DocumentSlot`).
        let mut document = DocumentSlot::find(&self.shared, cfg, shared, req);
        let write_point = write_point(cfg, marks, shared, &document, req, prompt);
        let expires = now_ms.saturating_add(ttl);

        // Longest live prefix: this session's entry, else the document's, else system +
        // tools, else system.
        let read = match session.read(req, prompt, now_ms, refresh, expires) {
            Some(len) => len,
            None => document
                .live(now_ms)
                .unwrap_or_else(|| shared.longest_live(now_ms)),
        };
        let shared_marks = document.shared_marks(marks);
        let created_shared =
            shared.write_up_to(write_point, shared_marks, now_ms, expires, refresh)
                + document.write(
                    &mut self.shared,
                    write_point,
                    marks,
                    now_ms,
                    expires,
                    refresh,
                );
        let write = write_point.saturating_sub(read);
        // Storage is billed on every token of every cache the request creates: the shared
        // ones it created, and its own up to the write point when that lies past them (a
        // conversation's cache is a new cache holding the whole prefix: Gemini's caches are
        // not extended).
        let own =
            if write > 0 && write_point > shared.prefix_len(Part::SystemTools).max(document.len) {
                write_point
            } else {
                0
            };
        let storage = cfg.storage_token_minutes(created_shared + own, ttl);

        if conversation {
            if req.final_turn {
                session.remove(&mut self.sessions);
            } else {
                let len = reusable_len(cfg, marks, req, prompt, write_point, read);
                session.renew(len, req.history_reset, now_ms, expires, refresh);
            }
        }
        session.write_back(&mut self.sessions);
        implicit(
            cfg,
            Split {
                read,
                write,
                storage_token_minutes: storage,
            },
        )
    }
}

/// Caching as a trace recorded it: the recorded shares of this prompt (each rounded to the
/// nearest token, so that they hold on average; the write no more than what the read left),
/// whatever came before; no storage.
#[inline(always)]
fn recorded(shares: RecordedShares, prompt: u64) -> Split {
    let p = prompt as f64;
    let read = ((p * shares.read).round() as u64).min(prompt);
    Split {
        read,
        write: ((p * shares.write).round() as u64).min(prompt - read),
        storage_token_minutes: 0,
    }
}

/// Under implicit caching, the share of what the provider could read that it does read (the
/// expected number of tokens, rounded down); nothing is billed as a write (no write fee: the
/// rest of the prompt is plain input) and nothing for storage.
#[inline(always)]
fn implicit(cfg: &EndpointCache, split: Split) -> Split {
    match cfg.implicit_hit_share {
        None => split,
        Some(share) => Split {
            read: (split.read as f64 * share) as u64,
            write: 0,
            storage_token_minutes: 0,
        },
    }
}

/// Where a request's prompt stops being cached: its last breakpoint (the end of the prompt,
/// of the history, after the tools or after the system prompt), rounded as any cached length.
#[inline(always)]
fn write_point(
    cfg: &EndpointCache,
    marks: Marks,
    shared: &HotPrefix,
    document: &DocumentSlot,
    req: &Request,
    prompt: u64,
) -> u64 {
    if marks.prompt {
        cfg.round(prompt)
    } else if marks.history {
        cfg.round(history_end(req))
    } else if marks.tools && document.key.is_some() {
        document.len
    } else if marks.tools {
        shared.prefix_len(Part::SystemTools)
    } else if marks.system {
        shared.prefix_len(Part::System)
    } else {
        0
    }
}

/// Where the conversation history ends: system + tools + document + history.
#[inline(always)]
fn history_end(req: &Request) -> u64 {
    req.system_tokens + req.tools_tokens + req.document_tokens + req.history_tokens
}

/// A request's document entry (`prompt.documents`): shared by every session that sends the
/// document, keyed by the static prefix before it and the document's id, and holding system +
/// tools + document. The document is the end of the request's static prefix, so the breakpoint
/// placed after the tools (`Tools`, and the tools mark of `FullPrompt` and `History`) goes
/// after the document instead: that is where an application marks the last block every
/// request of the document repeats. Providers that match any prefix hold an entry at both
/// boundaries. Without a document (or one too short to cache on top of the static prefix) the
/// slot is empty and nothing changes.
#[derive(Debug, Clone, Copy)]
struct DocumentSlot {
    /// The entry's key, when the request sends a document.
    key: Option<u64>,
    /// Its cacheable length (0 without a document).
    len: u64,
    /// The entry as found.
    entry: Option<Entry>,
}

impl DocumentSlot {
    #[inline(always)]
    fn find(
        map: &MixedKeyMap<Entry>,
        cfg: &EndpointCache,
        shared: &HotPrefix,
        req: &Request,
    ) -> DocumentSlot {
        match req.document {
            Some(id) if req.document_tokens > 0 => {
                let key = shared.document_key(id);
                DocumentSlot {
                    key: Some(key),
                    len: cfg.round(req.system_tokens + req.tools_tokens + req.document_tokens),
                    entry: map.get(&key).copied(),
                }
            }
            _ => DocumentSlot {
                key: None,
                len: 0,
                entry: None,
            },
        }
    }

    /// The entry's length when it is live at `now_ms`.
    #[inline(always)]
    fn live(&self, now_ms: u64) -> Option<u64> {
        self.entry
            .filter(|e| e.expires_ms > now_ms && e.len > 0)
            .map(|e| e.len)
    }

    /// The marks the shared system and system + tools entries are written under: with a
    /// document, the tools breakpoint is after the document (unless every boundary holds an
    /// entry anyway).
    #[inline(always)]
    fn shared_marks(&self, marks: Marks) -> Marks {
        if self.key.is_some() && !marks.every_boundary {
            Marks {
                tools: false,
                ..marks
            }
        } else {
            marks
        }
    }

    /// Write or refresh the document's entry when the write point covers it and an entry can
    /// exist there; returns the tokens it created.
    #[inline(always)]
    fn write(
        &mut self,
        map: &mut MixedKeyMap<Entry>,
        write_point: u64,
        marks: Marks,
        now_ms: u64,
        expires: u64,
        refresh: bool,
    ) -> u64 {
        let Some(key) = self.key else {
            return 0;
        };
        if self.len == 0 || write_point < self.len || !(marks.tools || marks.every_boundary) {
            return 0;
        }
        // A live entry is only refreshed (when the provider refreshes on a hit); a missing or
        // expired one is created.
        let live = self.live(now_ms).is_some();
        if live && !refresh {
            return 0;
        }
        map.insert(
            key,
            Entry {
                len: self.len,
                expires_ms: expires,
            },
        );
        if live { 0 } else { self.len }
    }
}

/// What the next turn of the session can reuse of this prompt (written or read by this
/// request): the longest entry this request leaves that is a prefix of the next prompt.
///
/// The next prompt repeats this one up to the end of this turn's user message when its
/// retrieved context stays in the history (or there is none), else only up to the end of the
/// history. A provider that matches any prefix holds an entry at either point; one that holds
/// entries only at breakpoints (Anthropic, OpenAI GPT-5.6) holds the end of the prompt only if
/// a breakpoint is there, and the end of the history only under the `History` placement: with
/// breakpoints after the tools and at the end of each prompt, and context dropped from the
/// history, the next turn reads only the system + tools entry.
#[inline(always)]
fn reusable_len(
    cfg: &EndpointCache,
    marks: Marks,
    req: &Request,
    prompt: u64,
    write_point: u64,
    read: u64,
) -> u64 {
    let whole_prompt = cfg.context_in_history || req.context_tokens == 0;
    let reusable = if marks.every_boundary {
        if whole_prompt {
            prompt
        } else {
            history_end(req)
        }
    } else if marks.prompt && whole_prompt {
        prompt
    } else if marks.history {
        history_end(req)
    } else {
        0
    };
    cfg.round(reusable.min(write_point.max(read)))
}

/// One request's session entry: looked up once, changed here, written back once.
#[derive(Debug, Clone, Copy)]
struct SessionSlot {
    /// The session's key in the table.
    key: u64,
    /// Where its entry is or would go.
    pos: SessionPos,
    /// The entry, as this request leaves it.
    entry: Option<Entry>,
    /// Whether `entry` must be written back.
    changed: bool,
}

impl SessionSlot {
    /// The slot of `req`'s session. Without conversation caching (`full_prompt` false) an
    /// empty table needs no lookup.
    #[inline(always)]
    fn find(table: &SessionTable, cfg: &EndpointCache, req: &Request, full_prompt: bool) -> Self {
        // One multiply (Fibonacci hashing): a bijection of `session ^ salt`, so distinct
        // sessions of an endpoint never share a key, and its top bits, which pick the slot, are
        // well spread even for consecutive session ids. It is on the path to the slot's load.
        let key = (req.session ^ cfg.salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (pos, entry) = if full_prompt || !table.is_empty() {
            table.find(key)
        } else {
            (SessionPos::Overflow, None)
        };
        SessionSlot {
            key,
            pos,
            entry,
            changed: false,
        }
    }

    /// The session's cached length when `req` can read it (live, no history reset, no longer
    /// than the prompt), refreshing it to `expires` when the provider refreshes on a hit (all
    /// prefixes of the read entry are refreshed with it).
    #[inline(always)]
    fn read(
        &mut self,
        req: &Request,
        prompt: u64,
        now_ms: u64,
        refresh: bool,
        expires: u64,
    ) -> Option<u64> {
        if let Some(o) = &mut self.entry
            && !req.history_reset
            && o.expires_ms > now_ms
            && o.len <= prompt
        {
            if refresh {
                o.expires_ms = expires;
                self.changed = true;
            }
            return Some(o.len);
        }
        None
    }

    /// The session ends with this request: its entry is freed.
    #[inline(always)]
    fn remove(&mut self, table: &mut SessionTable) {
        if self.entry.is_some() {
            table.remove(self.pos, self.key);
        }
        self.changed = false;
    }

    /// Keep `len` tokens (what the next turn can reuse) until `expires`, unless the entry
    /// already holds at least that much, live, and is not refreshed by this request.
    #[inline(always)]
    fn renew(&mut self, len: u64, history_reset: bool, now_ms: u64, expires: u64, refresh: bool) {
        let keep_old = !refresh
            && !history_reset
            && matches!(self.entry, Some(o) if o.expires_ms > now_ms && o.len >= len);
        if len > 0 && !keep_old {
            self.entry = Some(Entry {
                len,
                expires_ms: expires,
            });
            self.changed = true;
        }
    }

    /// Store the entry if this request changed it.
    #[inline(always)]
    fn write_back(self, table: &mut SessionTable) {
        if self.changed
            && let Some(entry) = self.entry
        {
            table.set(self.pos, self.key, entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::{CacheRules, Ttl};
    use crate::foundations::time::SimTime;
    use crate::model::strategy::{CacheKey, Placement};

    fn anthropic(min: u64) -> CacheRules {
        CacheRules {
            kind: CacheKind::Explicit,
            min_prefix_tokens: min,
            granularity_tokens: 1,
            ttls: vec![Ttl::M5, Ttl::H1],
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
            source: None,
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
            implicit_hit_share: None,
            explicit_mode: false,
            key: CacheKey::Endpoint,
            recorded: None,
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
            document: None,
            document_tokens: 0,
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

    /// Recorded shares round to the nearest token, never past the prompt, and keep nothing.
    #[test]
    fn recorded_shares_split_each_prompt_alone() {
        let mut c = cfg(anthropic(1024), Placement::FullPrompt);
        c.recorded = Some(RecordedShares {
            read: 0.5,
            write: 0.5,
        });
        let mut pc = PromptCache::new();
        let mut r = req(1, 0, 0, false);
        r.system_tokens = 3;
        r.tools_tokens = 0;
        r.user_tokens = 0;
        // 1.5 rounds to 2; the write gets the 1 token left.
        assert_eq!(
            pc.process(&c, &r, 0),
            Split {
                read: 2,
                write: 1,
                storage_token_minutes: 0
            }
        );
        assert!(pc.is_empty());
        c.recorded = Some(RecordedShares {
            read: 0.3,
            write: 0.1,
        });
        let r = req(1, 1, 300, false);
        let p = r.prompt_tokens();
        assert_eq!(
            pc.process(&c, &r, 1),
            Split {
                read: (p as f64 * 0.3).round() as u64,
                write: (p as f64 * 0.1).round() as u64,
                storage_token_minutes: 0,
            }
        );
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

    /// Turn `turn` of `session`, sending document `doc` of `tokens` after the static prefix.
    fn doc_req(session: u64, turn: u32, doc: u64, tokens: u64) -> Request {
        let mut r = req(session, turn, 200 * u64::from(turn), false);
        r.document = Some(doc);
        r.document_tokens = tokens;
        r
    }

    #[test]
    fn a_document_is_shared_by_the_sessions_that_send_it() {
        // Anthropic, breakpoint after the static prefix: it goes after the document.
        let c = cfg(anthropic(1024), Placement::Tools);
        let mut pc = PromptCache::new();
        let a = pc.process(&c, &doc_req(1, 0, 7, 20_000), 0);
        assert_eq!((a.read, a.write), (0, 24_000));
        // Another session on the same document reads system + tools + document.
        let b = pc.process(&c, &doc_req(2, 0, 7, 20_000), 60_000);
        assert_eq!((b.read, b.write), (24_000, 0));
        // A session on another document reads nothing: no breakpoint sat after the tools.
        let d = pc.process(&c, &doc_req(3, 0, 8, 5_000), 61_000);
        assert_eq!((d.read, d.write), (0, 9_000));
        // The refreshed entry outlives its first write's TTL; expired, it is written again.
        let e = pc.process(&c, &doc_req(4, 0, 7, 20_000), 60_000 + 299_000);
        assert_eq!(e.read, 24_000);
        let f = pc.process(&c, &doc_req(5, 0, 7, 20_000), 60_000 + 299_000 + 300_000);
        assert_eq!((f.read, f.write), (0, 24_000));

        // History placement: a later turn reads its conversation, which holds the document.
        let c = cfg(anthropic(1024), Placement::History);
        let mut pc = PromptCache::new();
        let t0 = pc.process(&c, &doc_req(1, 0, 7, 20_000), 0);
        assert_eq!((t0.read, t0.write), (0, 24_000));
        let t1 = doc_req(1, 1, 7, 20_000);
        let s1 = pc.process(&c, &t1, 10_000);
        assert_eq!(s1.read, 24_000);
        assert_eq!(s1.write, 200);
        // Another session on the document reads the document's entry, not the conversation.
        let o = pc.process(&c, &doc_req(2, 0, 7, 20_000), 20_000);
        assert_eq!((o.read, o.write), (24_000, 0));

        // A provider matching any prefix holds both boundaries: another document still reads
        // system + tools.
        let mut rules = anthropic(1024);
        rules.kind = CacheKind::Automatic;
        let c = cfg(rules, Placement::Tools);
        let mut pc = PromptCache::new();
        pc.process(&c, &doc_req(1, 0, 7, 20_000), 0);
        let other = pc.process(&c, &doc_req(2, 0, 8, 5_000), 1_000);
        assert_eq!((other.read, other.write), (4_000, 5_000));
        let same = pc.process(&c, &doc_req(3, 0, 7, 20_000), 2_000);
        assert_eq!((same.read, same.write), (24_000, 0));
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
}
