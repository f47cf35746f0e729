//! `tokencast replay`: recorded arrivals and sizes through a scenario's strategies.
//!
//! Each trace row becomes one request at its recorded time, on the scenario endpoint its
//! `endpoint` column names (or the only endpoint, when the scenario has one and the row names
//! none), billed at that endpoint's model (the trace's `model` column is not used: the scenario
//! and its strategies decide the model, which is what lets a replay ask "what if we routed
//! this to a cheaper model"). Recorded cache columns are ignored, and the report says so: the
//! strategies' levers decide caching.
//!
//! Prompts: a row with prompt segments (native `system_tokens`, `tools_tokens`,
//! `history_tokens`, `context_tokens`, `document` + `document_tokens`, as `synth` writes them)
//! is the request `run` would
//! build, so a replay of a `synth` trace reproduces every strategy of the run exactly. A row
//! with prefix hashes (Mooncake `hash_ids`, native `prefix_hashes` + `block_tokens`) is
//! matched block by block against the provider cache. A row with neither is split into the
//! endpoint's fixed system prompt and tools (when the scenario states them as `Fixed`),
//! treated as a prefix shared by the endpoint's requests, and the rest as new content: no
//! conversation prefix is assumed, and each strategy whose levers need one (conversation
//! caching, a context policy; a semantic cache needs intents) carries `replay_caveats`
//! saying so. Users are told apart by a hash of `user_id` (for a per-user cache key).
//!
//! Calendar: with the scenario's `start_date`, months are calendar months from the trace's
//! first date and price changes apply from their dates ([`calendar`]).
//!
//! Sessions: rows sharing a `session_id` are turns of one session, in row order, unless more
//! than a day (of trace time) passes between two of them: the later row then starts a new
//! session under the same id. Reasoning tokens are part of `output_tokens` (the native
//! convention) and are split out.
//!
//! A replay is one deterministic run: `runs: 1`, every quantile equal. Rows must be in time
//! order; `--sort` reads the whole trace into memory to sort it. Otherwise the trace is read
//! once, row by row, and memory holds the live cache entries and, per session seen in the last
//! day, a 64-bit hash of its id, its row count and its last time: it does not grow with the
//! length of the trace.

use std::path::Path;
use std::sync::Arc;

use crate::analysis::report::{self, Report, Subject};
use crate::foundations::calendar::{MonthSpan, calendar_months, thirty_day_months};
use crate::foundations::dist::Dist;
use crate::foundations::ledger::Ledger;
use crate::foundations::rng::{MixedKeyMap, splitmix64, stable_hash};
use crate::foundations::time::{MS_PER_DAY, SimTime};
use crate::model::scenario::{Endpoint, PriceChange, Scenario};
use crate::model::strategy::Placement;
use crate::model::workload::trace::{
    self, TraceError, TraceFormat, TraceReader, TraceRecord, TraceRunError,
};
use crate::model::workload::{PrefixBlocks, Request};
use crate::simulation::montecarlo::Outcome;
use crate::simulation::pipeline::Fleet;
use crate::simulation::pipeline::{ModelTable, Pipeline};

/// Replay settings.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Force a trace format.
    pub format: Option<TraceFormat>,
    /// Take each row's endpoint from this tag (`--endpoint-from`).
    pub endpoint_from: Option<String>,
    /// What to read of a database trace (a postgres:// URL).
    pub query: trace::DatabaseQuery,
    /// Count and skip bad rows instead of stopping.
    pub skip_bad_rows: bool,
    /// Sort rows by time in memory (otherwise an unsorted trace is an error).
    pub sort: bool,
    /// Put every row on the scenario's first endpoint, whatever its `endpoint` column says
    /// (the quick `--model` form).
    pub single_endpoint: bool,
}

/// The whole trace in memory, sorted by time (`--sort`), and the bad rows skipped.
/// (Shared with `backtest`, which holds the whole trace too.)
pub(crate) fn read_sorted(
    reader: &mut TraceReader,
    skip_bad_rows: bool,
) -> Result<(Vec<TraceRecord>, u64), TraceRunError> {
    let (mut rows, mut skipped) = (Vec::new(), 0u64);
    let mut r = TraceRecord::default();
    while let Some(res) = reader.read_into(&mut r) {
        match res {
            Ok(()) => rows.push(r.clone()),
            Err(TraceError::Row { .. }) if skip_bad_rows => skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    // Stable: rows of one time keep their order (a session's turns).
    rows.sort_by_key(|r| r.time_ms);
    Ok((rows, skipped))
}

/// A row more than this (trace time) after the previous row of its session id starts a new
/// session under the same id. Sessions idle for longer are forgotten, so memory holds the
/// sessions of the last day, not every session the trace ever had.
const SESSION_IDLE_MS: u64 = MS_PER_DAY;

/// Salt of the numbers of sessions without an id.
const UNNAMED_SESSIONS: u64 = 0x6e6f_2d69_642d_7365;

/// A well-mixed 64-bit hash of a session id, 8 bytes per step. Sessions are told apart by it:
/// two ids with the same hash, both seen within a day, would be one session. Among n such ids
/// that happens with probability about n²/2⁶⁵: one in 370,000 even for ten million.
fn id_hash(id: &str) -> u64 {
    let b = id.as_bytes();
    let mut h = splitmix64(b.len() as u64);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        h = splitmix64(h ^ u64::from_le_bytes(x));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // The last bytes as a little-endian word (a loop: a copy into a stack buffer would
        // stall the load that reads it back).
        let x = rest
            .iter()
            .rev()
            .fold(0u64, |x, byte| x << 8 | u64::from(*byte));
        h = splitmix64(h ^ x);
    }
    h
}

/// Trace rows into the requests the levers see (shared with `backtest`).
pub(crate) struct Converter<'a> {
    scenario: &'a Scenario,
    /// The trace's day 0 (ms), set by the first row.
    pub(crate) day0: i64,
    /// Of each live session, by [`id_hash`] of its id (which is also the session number the
    /// levers see): the rows seen so far, and the time of the last one (ms since day 0).
    sessions: MixedKeyMap<(u32, u64)>,
    /// When to next forget the sessions idle for more than [`SESSION_IDLE_MS`].
    next_sweep_ms: u64,
    /// Rows without a session id so far.
    unnamed_sessions: u64,
    single_endpoint: bool,
    default_block: Option<u64>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        single_endpoint: bool,
        default_block: Option<u64>,
    ) -> Self {
        Converter {
            scenario,
            day0: 0,
            sessions: MixedKeyMap::default(),
            next_sweep_ms: 0,
            unnamed_sessions: 0,
            single_endpoint,
            default_block,
        }
    }

    /// The request a row stands for, or why the row cannot be replayed.
    #[inline]
    pub(crate) fn request(&mut self, r: &TraceRecord) -> Result<Request, String> {
        let endpoint = self.endpoint_of(r)?;
        let now = (r.time_ms - self.day0) as u64;
        let (session, turn) = self.session_of(r, now);
        let reasoning = r.reasoning_tokens.unwrap_or(0);
        let mut req = Request {
            time: SimTime(now),
            endpoint: endpoint as u16,
            session,
            // Users are told apart by a 32-bit hash of their id (what a per-user cache key
            // needs); two ids with the same hash share one user's cache.
            user: r.user_id.as_deref().map_or(0, |u| id_hash(u) as u32),
            turn,
            output_tokens: r.output_tokens - reasoning,
            reasoning_tokens: reasoning,
            intent: r.intent.as_deref().map(stable_hash),
            ..Request::default()
        };
        if let Some(s) = r.segments {
            // The prompt as the application built it: `run`'s own structure.
            req.system_tokens = s.system;
            req.tools_tokens = s.tools;
            req.history_tokens = s.history;
            req.context_tokens = s.context;
            req.document = s.document.map(|d| d.0);
            req.document_tokens = s.document_tokens();
            req.user_tokens = r.input_tokens - s.total();
        } else if r.prefix_hashes.is_empty() {
            split_prompt(&mut req, r, &self.scenario.endpoints[endpoint]);
        } else {
            let block = r
                .block_tokens
                .or(self.default_block)
                .ok_or("prefix_hashes need block_tokens (tokens per block)")?;
            req.user_tokens = r.input_tokens;
            req.prefix = Some(PrefixBlocks {
                hashes: Arc::from(r.prefix_hashes.as_slice()),
                block_tokens: block,
            });
        }
        Ok(req)
    }

    /// The scenario endpoint a row is on: the one its `endpoint` column names, else the only
    /// one (or the first, with `single_endpoint`).
    #[inline]
    fn endpoint_of(&self, r: &TraceRecord) -> Result<usize, String> {
        let sc = self.scenario;
        match (&r.endpoint, self.single_endpoint) {
            (_, true) => Ok(0),
            (Some(name), false) => sc
                .endpoints
                .iter()
                .position(|e| &e.name == name)
                .ok_or_else(|| {
                    format!(
                        "endpoint {name:?} is not in scenario {:?}; its endpoints: {}",
                        sc.name,
                        sc.endpoints
                            .iter()
                            .map(|e| e.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            (None, false) if sc.endpoints.len() == 1 => Ok(0),
            (None, false) => Err(format!(
                "the row names no endpoint and scenario {:?} has {}; add an `endpoint` column",
                sc.name,
                sc.endpoints.len()
            )),
        }
    }

    /// The row's session number and turn at `now` (ms since day 0). Sessions idle for more
    /// than [`SESSION_IDLE_MS`] are swept now and then.
    #[inline]
    fn session_of(&mut self, r: &TraceRecord, now: u64) -> (u64, u32) {
        match &r.session_id {
            Some(id) => {
                if now >= self.next_sweep_ms {
                    self.sessions
                        .retain(|_, (_, last)| now.saturating_sub(*last) <= SESSION_IDLE_MS);
                    self.next_sweep_ms = now + SESSION_IDLE_MS / 4;
                }
                let key = id_hash(id);
                let (rows, last) = self.sessions.entry(key).or_insert((0, now));
                if now.saturating_sub(*last) > SESSION_IDLE_MS {
                    // The id is back after a day's silence: a new session.
                    *rows = 0;
                }
                let turn = *rows;
                *rows = rows.saturating_add(1);
                *last = now;
                (key, turn)
            }
            None => {
                // A session of one row, numbered apart from the hashed ids.
                self.unnamed_sessions += 1;
                (splitmix64(self.unnamed_sessions ^ UNNAMED_SESSIONS), 0)
            }
        }
    }
}

/// A prompt without prefix hashes: the endpoint's fixed system prompt and tools (when `Fixed`),
/// then the rest as new content. No conversation prefix is assumed without hashes.
#[inline]
fn split_prompt(req: &mut Request, r: &TraceRecord, e: &Endpoint) {
    let fixed = |d: &Dist| match d {
        Dist::Fixed(x) => *x as u64,
        _ => 0,
    };
    req.system_tokens = fixed(&e.prompt.system_tokens).min(r.input_tokens);
    req.tools_tokens = fixed(&e.prompt.tools_tokens).min(r.input_tokens - req.system_tokens);
    req.user_tokens = r.input_tokens - req.system_tokens - req.tools_tokens;
    req.history_reset = true;
}

/// Replay the trace at `path` through every strategy of `scenario`.
pub fn replay(
    path: &Path,
    scenario: &Scenario,
    opts: &ReplayOptions,
) -> Result<Report, TraceRunError> {
    // The trace is read once (it may be a pipe), for its rows and its digest.
    let mut reader = TraceReader::open_arg(path, opts.format, &opts.query)?;
    reader.set_endpoint_from(opts.endpoint_from.clone());
    let display = reader.path().to_string();
    if reader.format().is_bucketed() {
        return Err(TraceRunError::Invalid {
            message: reader.format().bucketed_refusal("replay"),
            path: display,
        });
    }
    let mut sc = scenario.clone();
    // The ledgers grow day by day as the trace goes on.
    sc.horizon_days = 1;
    let mut models = ModelTable::default();
    let fleet = Fleet::new(
        sc.strategies
            .iter()
            .map(|s| Pipeline::new(&sc, s, &mut models, 0))
            .collect(),
    );
    let sorted = if opts.sort {
        Some(read_sorted(&mut reader, opts.skip_bad_rows)?)
    } else {
        None
    };
    let format = reader.format();
    let conv = Converter::new(&sc, opts.single_endpoint, format.block_tokens());
    let files = reader.file_paths();
    let mut feed = Feed::new(conv, fleet, &files);
    let skipped = match &sorted {
        Some((rows, bad)) => {
            for r in rows {
                feed.row(r)?;
            }
            *bad
        }
        None => feed.stream(&mut reader, opts)?,
    };
    let sha256 = reader.sha256();
    if feed.rows == 0 {
        return Err(TraceRunError::Empty(display));
    }
    let (days, recorded_cache) = (feed.days, feed.recorded_cache);
    let feed_day0 = feed.conv.day0;
    let span = feed.first_ms.zip(feed.prev.map(|(t, _)| t));
    let without_prefix = (feed.without_prefix, feed.rows);
    let caveats = caveats(&sc, &feed.structure);
    let ledgers: Vec<Ledger> = feed.fleet.into_ledgers();
    if let Some(what) = ledgers.iter().find_map(Ledger::overflow) {
        return Err(TraceRunError::Overflow {
            path: display,
            what,
        });
    }
    let outcome = Outcome {
        models,
        strategies: sc.strategies.clone(),
        ledgers: vec![ledgers],
        runs: Vec::new(),
        block_runs: 1,
    };
    let mut subject = Subject::recorded(
        format!("{} (replay of {display})", sc.name),
        display.clone(),
        sha256,
        days,
        &sc.catalog,
        sc.endpoints.iter().map(|e| e.name.clone()).collect(),
    );
    subject.seed = sc.seed;
    (subject.months, subject.price_changes) = calendar(&sc, feed_day0, days);
    subject.warnings = warnings(&sc, recorded_cache, without_prefix, &caveats, skipped);
    let mut report = report::build_for(&subject, &outcome, 1)?;
    for (s, why) in sc.strategies.iter().zip(caveats) {
        if let Some(r) = report.strategies.get_mut(&s.name) {
            r.replay_caveats = why;
        }
    }
    report.span_s = span.map(|(first, last)| (last - first) as f64 / 1000.0);
    Ok(report)
}

/// The replay's months and price changes, on the trace's days. With the scenario's
/// `start_date`, months are calendar months from the trace's first date (a trace timed from its
/// start, not dated, is taken to start on `start_date`) and each price change applies from its date (one
/// dated before the trace applies from its first day); without it, 30-day months and changes
/// from their day of the trace.
fn calendar(sc: &Scenario, day0_ms: i64, days: u32) -> (Vec<MonthSpan>, Vec<PriceChange>) {
    let dated = trace::date_of(day0_ms);
    let (months, shift) = match (sc.start_date, dated) {
        (Some(start), Some(first)) => (
            calendar_months(first, days),
            first.days_since_epoch() - start.days_since_epoch(),
        ),
        (Some(start), None) => (calendar_months(start, days), 0),
        (None, _) => (thirty_day_months(days), 0),
    };
    let changes = sc
        .price_changes
        .iter()
        .map(|c| PriceChange {
            day: (i64::from(c.day) - shift).clamp(0, i64::from(u32::MAX)) as u32,
            ..c.clone()
        })
        .collect();
    (months, changes)
}

/// The scenario's warnings, and what the replay ignored, assumed or skipped
/// (`without_prefix`: rows without prefix hashes, of all rows).
fn warnings(
    sc: &Scenario,
    recorded_cache: u64,
    without_prefix: (u64, u64),
    caveats: &[Vec<String>],
    skipped: u64,
) -> Vec<String> {
    let mut warnings = sc.warnings.clone();
    if !sc.uncertain.is_empty() {
        warnings.push(format!(
            "the scenario's {} uncertain parameters are not drawn: a replay takes traffic and \
             sizes from the trace and every other value as written (`run` draws them)",
            sc.uncertain.len()
        ));
    }
    if recorded_cache > 0 {
        warnings.push(format!(
            "{recorded_cache} rows record cache reads or writes: ignored, the strategies' levers decide caching (use `tokencast audit` to price the recorded usage)"
        ));
    }
    let (bare, rows) = without_prefix;
    for (s, why) in sc.strategies.iter().zip(caveats) {
        if !why.is_empty() {
            warnings.push(format!(
                "strategy `{}` cannot be evaluated faithfully from this trace: {}",
                s.name,
                why.join("; ")
            ));
        }
    }
    if caveats.iter().any(|c| !c.is_empty()) && bare > 0 {
        warnings.push(format!(
            "{bare} of {rows} rows carry no prefix_hashes or prompt segments; record \
             system_tokens, tools_tokens, history_tokens, context_tokens and document with \
             document_tokens (or prefix_hashes and block_tokens) for a faithful replay of prompt caching and context policies"
        ));
    }
    if skipped > 0 {
        warnings.push(format!("{skipped} bad rows skipped"));
    }
    warnings
}

/// What one endpoint's rows carry of the prompt structure the levers need.
#[derive(Debug, Clone, Copy, Default)]
struct Structure {
    /// Rows replayed on the endpoint.
    rows: u64,
    /// Rows with neither prompt segments nor prefix hashes.
    bare: u64,
    /// Of them, rows after the first of their session (whose earlier turns a cache or a
    /// context policy would see).
    bare_later: u64,
    /// Rows with an intent.
    intents: u64,
}

/// Per strategy (in the scenario's order), why the replay cannot evaluate it faithfully: the
/// levers that need prompt structure the trace lacks. Routing and batching need only sizes
/// and times, which every trace has.
fn caveats(sc: &Scenario, structure: &[Structure]) -> Vec<Vec<String>> {
    sc.strategies
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            for ((e, levers), st) in sc.endpoints.iter().zip(&s.endpoints).zip(structure) {
                if st.rows == 0 {
                    continue;
                }
                let name = &e.name;
                let (bare, later, rows) = (st.bare, st.bare_later, st.rows);
                // Recorded shares need nothing but the prompt's length.
                if let Some(c) = &levers.prompt_cache
                    && !c.off
                    && c.recorded.is_none()
                    && bare > 0
                {
                    let conversation = !c.opted_in
                        || matches!(c.placement, Placement::FullPrompt | Placement::History);
                    let fixed = matches!(e.prompt.system_tokens, Dist::Fixed(_))
                        && matches!(e.prompt.tools_tokens, Dist::Fixed(_));
                    if conversation && later > 0 {
                        out.push(format!(
                            "prompt caching on `{name}`: {later} of {rows} rows continue a \
                             session but carry no prompt segments or prefix_hashes, so their \
                             earlier turns are never read from the cache (writes of them are \
                             counted, reads are not): what it saves is a lower bound"
                        ));
                    }
                    if !fixed {
                        out.push(format!(
                            "prompt caching on `{name}`: the scenario's system prompt and tools \
                             are not both Fixed, so {bare} rows without segments share no \
                             static prefix either"
                        ));
                    }
                    if e.prompt.documents.is_some() {
                        out.push(format!(
                            "prompt caching on `{name}`: the scenario's sessions send documents \
                             from a shared pool, but {bare} of {rows} rows carry no document \
                             (document, document_tokens) or prefix_hashes, so no document is \
                             seen to be shared between sessions"
                        ));
                    }
                }
                if levers.context.is_some() && later > 0 {
                    out.push(format!(
                        "context policy on `{name}`: {later} of {rows} rows continue a session \
                         but carry no history_tokens, so there is no history to trim there and \
                         it saves nothing on them"
                    ));
                }
                if levers.semantic_cache.is_some() && st.intents == 0 {
                    out.push(format!(
                        "semantic caching on `{name}`: no row carries an intent, so no query \
                         is seen to repeat and nothing is answered from the cache"
                    ));
                }
            }
            out
        })
        .collect()
}

/// Rows fed one by one, in time order, to every strategy's pipeline.
struct Feed<'a> {
    conv: Converter<'a>,
    fleet: Fleet,
    /// The trace, as error messages name it.
    /// The trace's files, by the `file` index rows carry, to name them in messages.
    files: &'a [String],
    /// Days the ledgers hold so far.
    days: u32,
    /// Rows replayed.
    rows: u64,
    /// Rows that record cache reads or writes (ignored).
    recorded_cache: u64,
    /// Rows without prefix hashes or segments (no conversation prefix is assumed for them).
    without_prefix: u64,
    /// Per scenario endpoint: rows, rows without prefix structure, rows with an intent.
    structure: Vec<Structure>,
    started: bool,
    /// Time and line of the previous row.
    prev: Option<(i64, u64)>,
    /// Time of the first row.
    first_ms: Option<i64>,
}

impl<'a> Feed<'a> {
    fn new(conv: Converter<'a>, fleet: Fleet, files: &'a [String]) -> Feed<'a> {
        let endpoints = conv.scenario.endpoints.len();
        Feed {
            conv,
            fleet,
            files,
            days: 1,
            rows: 0,
            recorded_cache: 0,
            without_prefix: 0,
            structure: vec![Structure::default(); endpoints],
            started: false,
            prev: None,
            first_ms: None,
        }
    }

    /// Read the trace row by row and feed each; returns the bad rows skipped.
    fn stream(
        &mut self,
        reader: &mut TraceReader,
        opts: &ReplayOptions,
    ) -> Result<u64, TraceRunError> {
        let mut skipped = 0;
        let mut r = TraceRecord::default();
        while let Some(res) = reader.read_into(&mut r) {
            match res {
                Ok(()) => self.row(&r)?,
                Err(TraceError::Row { .. }) if opts.skip_bad_rows => skipped += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(skipped)
    }

    /// One row through every pipeline; an error when it is out of time order or cannot be
    /// replayed. The first row sets day 0; the ledgers grow to the row's day.
    #[inline]
    fn row(&mut self, r: &TraceRecord) -> Result<(), TraceRunError> {
        let row_err = |message: String| TraceRunError::Row {
            path: self.files.get(r.file as usize).cloned().unwrap_or_default(),
            line: r.line,
            message,
        };
        if let Some((t, line)) = self.prev
            && r.time_ms < t
        {
            return Err(row_err(format!(
                "timestamp {} is earlier than line {line}'s ({t}): the trace is not in time order; pass --sort to sort it in memory",
                r.time_ms
            )));
        }
        self.prev = Some((r.time_ms, r.line));
        if self.first_ms.is_none() {
            self.first_ms = Some(r.time_ms);
        }
        if !self.started {
            self.conv.day0 = trace::day0_ms(r.time_ms);
            self.started = true;
        }
        let day = trace::day_of(r.time_ms, self.conv.day0).map_err(row_err)?;
        if day >= self.days {
            self.days = day + 1;
            self.fleet.ensure_days(self.days);
        }
        if r.cache_read_tokens.unwrap_or(0) + r.cache_write_total() > 0 {
            self.recorded_cache += 1;
        }
        let bare = r.prefix_hashes.is_empty() && r.segments.is_none();
        self.without_prefix += u64::from(bare);
        self.rows += 1;
        let req = self.conv.request(r).map_err(row_err)?;
        let s = &mut self.structure[usize::from(req.endpoint)];
        s.rows += 1;
        s.bare += u64::from(bare);
        s.bare_later += u64::from(bare && req.turn > 0);
        s.intents += u64::from(req.intent.is_some());
        self.fleet.process(&req);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_hash_apart() {
        // Lengths around the 8-byte steps, trailing zero bytes, one bit apart.
        let ids = [
            "",
            "a",
            "a\0",
            "b",
            "1234567",
            "12345678",
            "123456789",
            "12345678\0",
            "s-1",
            "s-2",
        ];
        let hashes: std::collections::HashSet<u64> = ids.iter().map(|id| id_hash(id)).collect();
        assert_eq!(hashes.len(), ids.len());
        assert_eq!(id_hash("conversation-42"), id_hash("conversation-42"));
        // A million numbered ids, as `synth` writes them: no collision.
        let mut seen = std::collections::HashSet::new();
        assert!((0..1_000_000u64).all(|i| seen.insert(id_hash(&i.to_string()))));
    }

    #[test]
    fn memory_holds_the_last_days_sessions() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/support-assistant.ron");
        let sc = Scenario::load(&path, None).unwrap();
        let mut conv = Converter::new(&sc, false, None);
        let mut r = TraceRecord {
            input_tokens: 5000,
            output_tokens: 100,
            ..TraceRecord::default()
        };
        // 60 days of 100 sessions a day, 3 rows each, 100 minutes apart.
        let (mut most, mut first_turns) = (0, 0);
        for day in 0..60i64 {
            for row in 0..300i64 {
                r.time_ms = day * MS_PER_DAY as i64 + row * 60_000;
                r.session_id = Some(format!("{day}-{}", row % 100));
                first_turns += u32::from(conv.request(&r).unwrap().turn == 0);
                most = most.max(conv.sessions.len());
            }
        }
        assert_eq!(first_turns, 6000);
        // The sessions of the last day at most, and of a quarter day more (the sweep period).
        assert!(most <= 225, "{most} sessions held");
    }
}
