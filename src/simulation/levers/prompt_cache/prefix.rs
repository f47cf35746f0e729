//! The shared entries of static prefixes: the system prompt, and system + tools, which every
//! session of an endpoint sends alike and so keeps warm for every other. Their keys and
//! cacheable lengths ([`PrefixKeys`]) are computed once per distinct prefix, and the prefix in
//! use ([`HotPrefix`]) keeps its two entries out of the shared map while requests keep sending
//! it, so the common request makes no map lookup for them.

use super::entries::Entry;
use super::settings::{EndpointCache, Marks};
use crate::foundations::rng::{MixedKeyMap, splitmix64};

/// A static prefix whose shared entries live outside the map.
#[derive(Debug, Clone, Copy)]
pub(super) struct HotPrefix {
    keys: PrefixKeys,
    /// The system prompt's entry.
    s: Option<Entry>,
    /// The system + tools entry.
    st: Option<Entry>,
    /// The two keys coincide (never seen: two 64-bit mixes would have to collide): they name
    /// one entry, as they would in the map, so a write to either is a write to both.
    alias: bool,
}

/// One of the two shared entries of a static prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// The system prompt.
    System,
    /// The system prompt and the tools.
    SystemTools,
}

/// Put the hot prefix's entries back into the map.
pub(super) fn park_hot(hot: &mut Option<HotPrefix>, shared: &mut MixedKeyMap<Entry>) {
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
pub(super) fn hot_prefix<'a>(
    hot: &'a mut Option<HotPrefix>,
    shared: &mut MixedKeyMap<Entry>,
    cfg: &EndpointCache,
    salt: u64,
    system: u64,
    tools: u64,
) -> &'a mut HotPrefix {
    if !hot
        .as_ref()
        .is_some_and(|h| h.keys.is_for(cfg, salt, system, tools))
    {
        load_hot(hot, shared, cfg, salt, system, tools);
    }
    // `hot` holds this prefix now; the closure is never called.
    hot.get_or_insert_with(|| HotPrefix::new(PrefixKeys::new(cfg, salt, system, tools), None, None))
}

/// Make `system` + `tools` under `cfg` the hot prefix (another prefix than the last one: rare).
#[cold]
#[inline(never)]
fn load_hot(
    hot: &mut Option<HotPrefix>,
    shared: &mut MixedKeyMap<Entry>,
    cfg: &EndpointCache,
    salt: u64,
    system: u64,
    tools: u64,
) {
    park_hot(hot, shared);
    let keys = PrefixKeys::new(cfg, salt, system, tools);
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
    pub(super) fn held(&self) -> usize {
        if self.alias {
            return usize::from(self.s.is_some());
        }
        usize::from(self.s.is_some()) + usize::from(self.st.is_some())
    }

    /// The map key of the entry holding this prefix followed by document `id`.
    #[inline(always)]
    pub(super) fn document_key(&self, id: u64) -> u64 {
        splitmix64(self.keys.key_st ^ splitmix64(id ^ 0xd0c0_3e47))
    }

    /// Cacheable length of `part` of this prefix (0 when too short to cache).
    #[inline(always)]
    pub(super) fn prefix_len(&self, part: Part) -> u64 {
        self.keys.len(part)
    }

    /// The longest live shared prefix at `now_ms`: system + tools, else system, else 0.
    #[inline(always)]
    pub(super) fn longest_live(&self, now_ms: u64) -> u64 {
        for part in [Part::SystemTools, Part::System] {
            if let Some(e) = self.get(part)
                && e.expires_ms > now_ms
            {
                return e.len;
            }
        }
        0
    }

    /// Write, or refresh (when the provider refreshes on a hit), each shared entry that a
    /// request writing up to `write_point` covers (only those at a breakpoint, unless the
    /// provider holds every boundary); the entries then live until `expires`. Returns the
    /// tokens held by the entries it created (not those it refreshed or found live).
    #[inline(always)]
    pub(super) fn write_up_to(
        &mut self,
        write_point: u64,
        marks: Marks,
        now_ms: u64,
        expires: u64,
        refresh: bool,
    ) -> u64 {
        let mut created = 0;
        for (part, marked) in [
            (Part::System, marks.system),
            (Part::SystemTools, marks.tools),
        ] {
            let len = self.keys.len(part);
            if len == 0 || write_point < len || !(marked || marks.every_boundary) {
                continue;
            }
            match self.get(part) {
                Some(e) if e.expires_ms > now_ms => {
                    if refresh {
                        self.set(
                            part,
                            Entry {
                                expires_ms: expires,
                                ..e
                            },
                        );
                    }
                }
                _ => {
                    created += len;
                    self.set(
                        part,
                        Entry {
                            len,
                            expires_ms: expires,
                        },
                    )
                }
            }
        }
        created
    }

    /// Drop the entries expired at `now_ms` (the hourly sweep).
    pub(super) fn drop_expired(&mut self, now_ms: u64) {
        self.s = self.s.filter(|e| e.expires_ms > now_ms);
        self.st = self.st.filter(|e| e.expires_ms > now_ms);
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
    fn new(cfg: &EndpointCache, salt: u64, system: u64, tools: u64) -> PrefixKeys {
        let key_s = splitmix64(salt ^ splitmix64(system));
        let key_st = splitmix64(key_s ^ splitmix64(tools ^ 0x7001));
        PrefixKeys {
            salt,
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

    /// The map key of `part`.
    fn key(&self, part: Part) -> u64 {
        match part {
            Part::System => self.key_s,
            Part::SystemTools => self.key_st,
        }
    }

    /// The cacheable length of `part`.
    #[inline(always)]
    fn len(&self, part: Part) -> u64 {
        match part {
            Part::System => self.len_s,
            Part::SystemTools => self.len_st,
        }
    }

    /// Whether these are the keys of `system` + `tools` under `cfg`.
    #[inline]
    fn is_for(&self, cfg: &EndpointCache, salt: u64, system: u64, tools: u64) -> bool {
        (self.salt, self.system, self.tools) == (salt, system, tools)
            && (self.granularity, self.min_prefix)
                == (cfg.rules.granularity_tokens, cfg.rules.min_prefix_tokens)
    }
}
