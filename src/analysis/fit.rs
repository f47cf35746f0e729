//! `tokencast fit`: write a scenario that reproduces a trace.
//!
//! One endpoint per `endpoint` value of the trace (one called `all` when there is none), each
//! with:
//!
//! - **arrivals**: the observed requests per day (sessions per day when the trace has session
//!   ids), spread over the hours of the day and the weekdays in the observed proportions. Hours
//!   and weekdays the trace does not cover get no traffic: a one-hour trace becomes a scenario
//!   whose traffic all falls in that hour, at the observed rate. Edit the profile to
//!   extrapolate. `daily_active_users` is the mean number of distinct users per day when the
//!   trace has user ids; otherwise it is the daily session count with one session per user.
//! - **sizes**: prompt, output and reasoning lengths as `Empirical` distributions of 100
//!   points, the mean of each percentile slice of the observed values, which keeps the mean
//!   exactly and medians within the middle slices. The whole recorded prompt becomes `user_tokens` with
//!   `history: None`: recorded prompts already contain whatever history the application sent.
//! - **sessions**: with session ids (or chains), turns per session and the gaps between turns
//!   (think time) as `Empirical` distributions too, allowing for the sessions the end of the
//!   rows cut short ([`censored_sessions`]); without them, single-request sessions.
//! - **prompt structure** (prefix hashes, no session ids): conversations told from the hash
//!   chains, the static prefix as the system prompt, the documents sessions share
//!   ([`Chains::documents`], [`popularity`]), turns by opening size ([`opening_bands`]) and
//!   later messages by session length ([`later_by_turns`]) when the chains show they go
//!   together. Memory: the prefix hashes of every opening row.
//! - **warnings** ([`Fitted::notes`]): a trend in the prompt sizes across the rows ([`drift`])
//!   or in the reuse of documents beyond the fitted pool ([`reopen_drift`]), which the fitted
//!   scenario cannot follow.
//! - **model**: the most frequent `model` of the endpoint's rows, or `--model`.
//!
//! The written file loads and validates (`tokencast validate`), and simulating it reproduces
//! the trace's request count, median and mean lengths within the tolerances the tests state.
//! Memory: one count per distinct token length and per session in flight.

use std::collections::{BTreeMap, HashMap};

use crate::foundations::dist::Dist;
use crate::foundations::pricing::{Catalog, Mode};
use crate::foundations::time::{MAX_HORIZON_DAYS, MS_PER_DAY};
use crate::model::scenario::file::{
    DocumentsFile, EndpointFile, History, OpeningTurns, PromptFile, Queries, RecordedCacheFile,
    ScenarioFile, ServiceTierFile, TrafficFile, TurnsUser, UncertainFile,
};
use crate::model::workload::trace::{self, TraceError, TraceReader, TraceRecord, weekday_of_ms};

/// What went wrong fitting a trace.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The trace cannot be fitted.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// What one endpoint's rows showed: counts per size, hour, weekday, day, user, model, and the
/// sessions in flight.
#[derive(Default)]
struct Acc {
    rows: u64,
    input: BTreeMap<u64, u64>,
    output: BTreeMap<u64, u64>,
    reasoning: BTreeMap<u64, u64>,
    hours: [u64; 24],
    weekdays: [u64; 7],
    day_set: BTreeMap<i64, ()>,
    users_per_day: BTreeMap<(i64, String), ()>,
    models: BTreeMap<String, u64>,
    sessions: HashMap<String, (i64, u64)>,
    turns: BTreeMap<u64, u64>,
    /// Turns per session and think times (seconds) as [`Acc::end_sessions`] estimates them,
    /// sessions still open at the end counted as censored: scaled counts, for [`empirical`].
    turns_fitted: Option<BTreeMap<u64, u64>>,
    gaps_fitted: Option<BTreeMap<u64, u64>>,
    gaps_s: BTreeMap<u64, u64>,
    session_starts_hours: [u64; 24],
    session_starts_weekdays: [u64; 7],
    session_count: u64,
    /// Conversations told from prefix hashes (rows without session ids).
    chains: Chains,
    /// What the chains showed of the prompt's structure, once the trace is read.
    structure: Option<PromptStructure>,
    /// Turns by opening size, when the chains showed they go together ([`opening_bands`]).
    bands: Option<OpeningBands>,
    /// Later messages by session length, when the chains showed they go together
    /// ([`later_by_turns`]).
    later: Option<LaterByTurns>,
    /// Per minute with traffic (ms / 60,000): sessions started, rows, and the sums and sums of
    /// squares of prompt and output sizes, for the blocks of [`uncertainty`].
    minutes: BTreeMap<i64, Minute>,
    /// Prompt tokens, and the cache reads and writes the rows record, for [`recorded_cache`].
    cached: CacheColumns,
}

/// Sums of the prompt tokens and the recorded cache columns of an endpoint's rows.
#[derive(Default, Debug, Clone, Copy)]
struct CacheColumns {
    input: u64,
    read: u64,
    /// `cache_write_tokens`: the model's only or default TTL (5 minutes where it has one).
    write: u64,
    write_5m: u64,
    write_1h: u64,
}

/// Conversations told from prefix hashes, for rows without a session id: a row whose prompt
/// re-sends the whole of an earlier row's prompt (every full block of it, as a chat's next turn
/// re-sends the conversation so far) continues that row's session, the first such row only
/// (sessions are linear); any other row opens a session. Blocks shared by a session's opening
/// rows at the start of the prompt (a system prompt every conversation sends) are measured
/// too: the most common number of leading blocks an opening row shares with earlier rows,
/// when at least half of them share it, is the endpoint's static prefix.
#[derive(Default)]
struct Chains {
    /// The latest row holding each block id.
    owner: HashMap<u64, u32>,
    /// Every row with hashes: prompt and output tokens, full blocks, whether a later row
    /// continued it, its session's number.
    rows: Vec<ChainRow>,
    /// Sessions opened.
    sessions: u32,
    /// Opening rows by the leading blocks they share with earlier rows.
    shared_blocks: BTreeMap<u32, u64>,
    /// Prompt tokens of opening rows, and tokens tokens per block (the last seen).
    first_inputs: BTreeMap<u64, u64>,
    block_tokens: u64,
    /// New tokens of continuing turns: the prompt less the previous turn's prompt and answer.
    later_new: BTreeMap<u64, u64>,
    /// Rows that continued a session.
    continued: u64,
    /// Opening rows: prompt tokens and prefix hashes, for the documents sessions share.
    openings: Vec<(u64, Box<[u64]>)>,
}

#[derive(Debug, Clone, Copy)]
struct ChainRow {
    input: u64,
    output: u64,
    full_blocks: u32,
    continued: bool,
    session: u32,
    /// A continuing row's new tokens (its prompt less the previous turn's prompt and answer).
    new: Option<u64>,
}

impl Chains {
    /// Link a row with prefix hashes: the session id it is given (`\u{1}` + number: not an id
    /// a trace would hold).
    fn link(&mut self, r: &TraceRecord, block: u64) -> String {
        let h = &r.prefix_hashes;
        self.block_tokens = block;
        // The longest prefix seen before (hashes are prefix-chained: a known block means a
        // known prefix up to it).
        let k = (0..h.len())
            .rev()
            .find(|&j| self.owner.contains_key(&h[j]))
            .map_or(0, |j| j + 1);
        let prev = (k > 0).then(|| self.owner[&h[k - 1]]);
        let idx = self.rows.len() as u32;
        let mut later = None;
        let session = match prev.map(|p| (p, self.rows[p as usize])) {
            Some((p, row)) if !row.continued && k as u32 >= row.full_blocks.max(1) => {
                self.rows[p as usize].continued = true;
                self.continued += 1;
                let new = r.input_tokens.saturating_sub(row.input + row.output);
                *self.later_new.entry(new).or_default() += 1;
                later = Some(new);
                row.session
            }
            _ => {
                *self.shared_blocks.entry(k as u32).or_default() += 1;
                *self.first_inputs.entry(r.input_tokens).or_default() += 1;
                self.openings
                    .push((r.input_tokens, h.clone().into_boxed_slice()));
                self.sessions += 1;
                self.sessions - 1
            }
        };
        self.rows.push(ChainRow {
            input: r.input_tokens,
            output: r.output_tokens - r.reasoning_tokens.unwrap_or(0),
            full_blocks: (r.input_tokens / block.max(1)) as u32,
            continued: false,
            session,
            new: later,
        });
        for b in h {
            self.owner.insert(*b, idx);
        }
        format!("\u{1}{session}")
    }

    /// The static prefix in tokens: the leading blocks most opening rows share, when at least
    /// half of them do (0 otherwise).
    fn static_prefix(&self) -> u64 {
        let opening: u64 = self.shared_blocks.values().sum();
        match self
            .shared_blocks
            .iter()
            .max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))
        {
            Some((k, c)) if *k > 0 && 2 * c >= opening => u64::from(*k) * self.block_tokens,
            _ => 0,
        }
    }

    /// The prompt's structure, when prefix hashes showed conversations or shared documents.
    fn structure(&self) -> Option<PromptStructure> {
        if self.openings.is_empty() {
            return None;
        }
        let fixed = self
            .static_prefix()
            .min(self.first_inputs.keys().next().copied().unwrap_or(0));
        let (documents, first, notes) = self.documents(fixed);
        (self.continued > 0 || documents.is_some()).then_some(PromptStructure {
            fixed,
            documents,
            first,
            notes,
        })
    }

    /// The documents sessions share after the static prefix of `fixed` tokens, if any session
    /// opens with the same blocks past it as another; each session's opening message less its
    /// document either way.
    ///
    /// Sessions whose first block past the static prefix is the same open the same document
    /// when the blocks they all share (at most the shortest one's prompt) are at least half of
    /// their median opening past the static prefix: a document is most of what its sessions
    /// open with (Mooncake's synthetic trace: 96% at the median), while conversations that
    /// share a little (16% in its conversation trace) are not documents. The rest of each
    /// opening prompt is its question. A session no other shares a document with opened a
    /// document seen once if its prompt past the static prefix, less the mean question, is
    /// within the range of the shared documents' sizes (from their smallest tenth to their
    /// largest): that is then its document; else it opened none (a short question, or a long
    /// pasted text unlike any shared document). Then `share` is the sessions with a document over all,
    /// the popularity as [`popularity`] chooses it, and `tokens` one size per document.
    fn documents(&self, fixed: u64) -> (Option<DocumentsFile>, BTreeMap<u64, u64>, Vec<String>) {
        let block = self.block_tokens.max(1);
        let past = (fixed / block) as usize;
        let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, (_, h)) in self.openings.iter().enumerate() {
            if let Some(b) = h.get(past) {
                groups.entry(*b).or_default().push(i);
            }
        }
        // Shared documents: per group, its size; per member, its question.
        let mut doc_of = vec![None; self.openings.len()];
        let mut sizes: Vec<u64> = Vec::new();
        let mut questions = (0u64, 0u64);
        // The groups kept as shared documents, by their first member.
        let mut kept: std::collections::HashSet<usize> = std::collections::HashSet::new();
        for members in groups.values().filter(|m| m.len() > 1) {
            let first = &self.openings[members[0]].1;
            let lcp = members[1..]
                .iter()
                .map(|&m| {
                    let h = &self.openings[m].1;
                    first
                        .iter()
                        .zip(h.iter())
                        .take_while(|(a, b)| a == b)
                        .count()
                })
                .min()
                .unwrap_or(0);
            let shortest = members
                .iter()
                .map(|&m| self.openings[m].0)
                .min()
                .unwrap_or(0);
            let size = (lcp as u64 * block).min(shortest).saturating_sub(fixed);
            // A document is most of what its sessions open with; openings that share a little
            // (a greeting, a quoted line) are separate conversations.
            let mut past: Vec<u64> = members
                .iter()
                .map(|&m| self.openings[m].0.saturating_sub(fixed))
                .collect();
            past.sort_unstable();
            if size == 0 || 2 * size < past[past.len() / 2] {
                continue;
            }
            sizes.push(size);
            kept.insert(members[0]);
            for &m in members {
                doc_of[m] = Some(size);
                questions.0 += self.openings[m].0 - fixed - size;
                questions.1 += 1;
            }
        }
        if sizes.is_empty() {
            let first = self
                .openings
                .iter()
                .fold(BTreeMap::new(), |mut m, (input, _)| {
                    *m.entry(input.saturating_sub(fixed)).or_default() += 1;
                    m
                });
            return (None, first, Vec::new());
        }
        let question = questions.0 / questions.1.max(1);
        let mut sorted = sizes.clone();
        sorted.sort_unstable();
        let smallest_tenth = sorted[sorted.len() / 10];
        let largest_tenth = sorted[sorted.len() - 1 - (sorted.len() - 1) / 10];
        let shared_sessions = questions.1;
        for (i, (input, _)) in self.openings.iter().enumerate() {
            let past_static = input.saturating_sub(fixed);
            if doc_of[i].is_none()
                && past_static >= smallest_tenth + question
                && past_static <= largest_tenth + question
            {
                let size = past_static - question;
                doc_of[i] = Some(size);
                sizes.push(size);
            }
        }
        let mut first = BTreeMap::new();
        let mut with_doc = 0u64;
        for (i, (input, _)) in self.openings.iter().enumerate() {
            let doc = doc_of[i].unwrap_or(0);
            with_doc += u64::from(doc_of[i].is_some());
            *first
                .entry(input.saturating_sub(fixed).saturating_sub(doc))
                .or_default() += 1;
        }
        // Which document each session opened, in time order: a shared one by its group's
        // first block past the static prefix, the others their own.
        let mut ids: HashMap<u64, usize> = HashMap::new();
        let mut opened: Vec<u64> = Vec::new();
        let mut size_of: Vec<u64> = Vec::new();
        let mut repeats: Vec<bool> = Vec::new();
        for (i, (_, h)) in self.openings.iter().enumerate() {
            if doc_of[i].is_none() {
                continue;
            }
            // A member of a group not kept as a document opened one of its own.
            let key = h.get(past).filter(|b| kept.contains(&groups[*b][0]));
            let id = match key.and_then(|b| ids.get(b)) {
                Some(id) => *id,
                None => {
                    opened.push(0);
                    size_of.push(doc_of[i].unwrap_or(0));
                    if let Some(b) = key {
                        ids.insert(*b, opened.len() - 1);
                    }
                    opened.len() - 1
                }
            };
            repeats.push(opened[id] > 0);
            opened[id] += 1;
        }
        let tokens = sizes.iter().fold(BTreeMap::new(), |mut m, s| {
            *m.entry(*s).or_default() += 1;
            m
        });
        debug_assert!(shared_sessions <= with_doc);
        debug_assert_eq!(opened.len(), sizes.len());
        let (popularity, expected, observed) = popularity(&opened, &repeats);
        let docs = DocumentsFile {
            share: significant(with_doc as f64 / self.openings.len().max(1) as f64),
            popularity,
            tokens: empirical(&tokens),
        };
        let notes = reopen_drift(expected, observed, repeats.len())
            .into_iter()
            .chain(size_follows_popularity(&opened, &size_of))
            .collect();
        (Some(docs), first, notes)
    }
}

/// How sessions pick documents, from how often each document was `opened` and, per session
/// with a document in time order, whether it `repeats` one opened before: a finite Zipf pool
/// ([`zipf_pool`]), under which the share of sessions opening a document seen before grows as
/// the popular ones are all opened, or a constant share of repeats (`Repetition`, Simon's
/// model: an earlier session's document with probability `rate`), whichever predicts the
/// share of repeats in the first and second halves of those sessions more closely (squared
/// errors). Returns the popularity, the shares it expects in the two halves and those seen. A trace whose documents keep coming new reads as `Repetition`; one that comes
/// back to the same set ever more often, as a pool.
fn popularity(opened: &[u64], repeats: &[bool]) -> (Queries, [f64; 2], [f64; 2]) {
    let n = repeats.len();
    let (pool, s) = zipf_pool(opened);
    let rate = 1.0 - opened.len() as f64 / n.max(1) as f64;
    let half = n / 2;
    let share = |r: &[bool]| r.iter().filter(|x| **x).count() as f64 / r.len().max(1) as f64;
    let observed = [share(&repeats[..half]), share(&repeats[half..])];
    // Zipf: draw t (1-based) repeats with probability sum_i p_i (1 - (1 - p_i)^(t-1)); its
    // mean over draws a..=b, per document, is a geometric series.
    let zipf_share = |a: usize, b: usize| {
        if b < a {
            return 0.0;
        }
        let w: Vec<f64> = (1..=pool).map(|i| (i as f64).powf(-s)).collect();
        let h: f64 = w.iter().sum();
        let len = (b - a + 1) as f64;
        w.iter()
            .map(|wi| {
                let p = wi / h;
                let q = 1.0 - p;
                let mean_q = if p <= 0.0 {
                    1.0
                } else {
                    (q.powf((a - 1) as f64) - q.powf(b as f64)) / (p * len)
                };
                p * (1.0 - mean_q)
            })
            .sum::<f64>()
    };
    let zipf = [zipf_share(1, half), zipf_share(half + 1, n)];
    // Simon's model: every draw after the first repeats with probability `rate`.
    let simon = [
        rate * half.saturating_sub(1) as f64 / half.max(1) as f64,
        rate,
    ];
    let sse = |p: [f64; 2]| (p[0] - observed[0]).powi(2) + (p[1] - observed[1]).powi(2);
    if sse(zipf) <= sse(simon) {
        let q = Queries::Zipf {
            intents: pool,
            s: significant(s),
        };
        (q, zipf, observed)
    } else {
        let q = Queries::Repetition {
            rate: significant(rate),
        };
        (q, simon, observed)
    }
}

/// The largest document pool [`zipf_pool`] fits: a pool beyond it would have almost every
/// session open a new document, which a pool this large already gives over a fit's span.
const MAX_POOL: u64 = 100_000;

/// A Zipf pool (`Zipf(intents: K, s: S)`) whose documents, drawn as many times as `opened`
/// sums to, would give as many distinct documents as `opened` has and as many opened once,
/// in expectation: for each `S` from 0 to 2 in steps of 0.1, the `K` matching the distinct
/// count (bisection: more documents, more distinct ones), then the `S` whose expected
/// documents opened once, and openings of the most opened documents (a tenth of them, at
/// most ten), come closest (the sum of their squared misses, each over its observed count). A finite pool, unlike a constant share of repeats
/// (`Repetition`), makes a growing share of later sessions open a document seen before, as
/// a real set of documents does once its popular ones have all been opened. Time: about
/// 20 passes over at most [`MAX_POOL`] documents for each of the 21 exponents.
fn zipf_pool(opened: &[u64]) -> (u64, f64) {
    let n = opened.iter().sum::<u64>() as f64;
    let distinct = opened.len() as f64;
    let once = opened.iter().filter(|c| **c == 1).count() as f64;
    // The most opened documents (a tenth of them, at most ten): their share of the openings
    // pins the exponent where few documents are opened once.
    let mut sorted = opened.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top = (opened.len() / 10).clamp(1, 10);
    let top_opened = sorted[..top.min(sorted.len())].iter().sum::<u64>() as f64;
    // Expected distinct and once-opened documents of Zipf(k, s) over n draws; `w` holds
    // i^-s for i = 1.. (at least k of them).
    let moments = |w: &[f64], k: usize| {
        let h: f64 = w[..k].iter().sum();
        w[..k].iter().fold((0.0, 0.0), |(d, o), wi| {
            let p = wi / h;
            let miss = (n * (-p).ln_1p()).exp();
            (
                d + 1.0 - miss,
                o + n * p * miss / (1.0 - p).max(f64::MIN_POSITIVE),
            )
        })
    };
    // Nothing fits (an exponent so flat the largest pool repeats too much cannot happen for
    // s = 0, where the pool holds MAX_POOL equally likely documents): the largest pool, flat.
    let mut best = (f64::INFINITY, MAX_POOL, 0.0);
    for step in 0..=20 {
        let s = f64::from(step) / 10.0;
        let w: Vec<f64> = (1..=MAX_POOL).map(|i| (i as f64).powf(-s)).collect();
        let (mut lo, mut hi) = (distinct.max(1.0), MAX_POOL as f64);
        if moments(&w, hi as usize).0 < distinct {
            // Even the largest pool repeats more than the trace at this exponent.
            continue;
        }
        for _ in 0..20 {
            if hi - lo < 1.0 {
                break;
            }
            let mid = (lo * hi).sqrt();
            if moments(&w, mid as usize).0 < distinct {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let k = hi.round().max(1.0) as usize;
        let h: f64 = w[..k].iter().sum();
        let top_expected = n * w[..top.min(k)].iter().sum::<f64>() / h;
        let once_expected = moments(&w, k).1;
        let miss = (once_expected - once).powi(2) / (once + 1.0)
            + (top_expected - top_opened).powi(2) / (top_opened + 1.0);
        if miss < best.0 {
            best = (miss, k as u64, s);
        }
    }
    (best.1, best.2)
}

/// A prompt's structure told from prefix hashes.
struct PromptStructure {
    /// The static prefix every session sends, in tokens.
    fixed: u64,
    /// The documents sessions share, if any.
    documents: Option<DocumentsFile>,
    /// Opening messages less the static prefix and the session's document: counts per size.
    first: BTreeMap<u64, u64>,
    /// How the reopening of documents drifts beyond the fitted popularity ([`reopen_drift`]),
    /// and whether their sizes go with their popularity ([`size_follows_popularity`]).
    notes: Vec<String>,
}

/// Sessions reopening documents more (or less) often in the second half of the rows than the
/// fitted popularity expects: `expected` and `observed` shares of sessions with a document
/// that reopen one seen before, in the first and second halves of those `n` sessions. Said
/// when the second half's observed share is more than 10 points and three binomial standard
/// errors from the expected one: a trend the fitted pool does not follow.
fn reopen_drift(expected: [f64; 2], observed: [f64; 2], n: usize) -> Option<String> {
    let second = (n - n / 2).max(1) as f64;
    let p = expected[1].clamp(0.0, 1.0);
    let se = (p * (1.0 - p) / second).sqrt();
    let miss = (observed[1] - expected[1]).abs();
    (miss > 0.1 && miss > 3.0 * se).then(|| {
        format!(
            "sessions reopened a document seen before in {:.0}% and then {:.0}% of the first \
             and second halves of those with one, where the fitted popularity expects {:.0}% \
             and {:.0}%: a forecast draws documents as the fitted pool does, so it misses the \
             trend in reuse (and the prompt cache's hit ratio with it)",
            observed[0] * 100.0,
            observed[1] * 100.0,
            expected[0] * 100.0,
            expected[1] * 100.0
        )
    })
}

/// Whether documents' sizes go with how often they were `opened` (`sizes` in the same order):
/// the fitted pool draws a document's size independently of its popularity, so a forecast
/// misreads the prompt cache when popular documents are larger (or smaller) than the rest.
/// Spearman's rank correlation over the documents ([`economics::spearman`](crate::analysis::economics::spearman)), said when it is
/// beyond 0.2 and three standard errors (1/√(n−1) under independence). Mooncake's synthetic
/// trace: 0.30 over 812 documents (those opened once are smaller); its conversation trace:
/// 0.03 over 3,017.
fn size_follows_popularity(opened: &[u64], sizes: &[u64]) -> Option<String> {
    let n = opened.len();
    if n < 10 {
        return None;
    }
    let as_f64 = |v: &[u64]| v.iter().map(|x| *x as f64).collect::<Vec<_>>();
    // 0 when either side does not vary: no warning.
    let rho = crate::analysis::economics::spearman(&as_f64(opened), &as_f64(sizes));
    (rho.abs() > 0.2 && rho.abs() * ((n - 1) as f64).sqrt() > 3.0).then(|| {
        format!(
            "the documents sessions open more often are {} than the others (Spearman rank \
             correlation {rho:.2} over {n} documents): the fitted pool draws a document's size \
             independently of how often it is opened, so a forecast {} how much of the \
             prompts a cache reads",
            if rho > 0.0 { "larger" } else { "smaller" },
            if rho > 0.0 {
                "underestimates"
            } else {
                "overestimates"
            }
        )
    })
}

/// One minute of an endpoint's rows.
#[derive(Debug, Clone, Copy, Default)]
struct Minute {
    sessions: u64,
    rows: u64,
    input: f64,
    input2: f64,
    output: f64,
    output2: f64,
}

impl Minute {
    fn add(&mut self, o: &Minute) {
        self.sessions += o.sessions;
        self.rows += o.rows;
        self.input += o.input;
        self.input2 += o.input2;
        self.output += o.output;
        self.output2 += o.output2;
    }
}

/// The observed values as an `Empirical` of 100 equal-weight points: the mean of each
/// percentile slice (the smallest 1% of values, the next 1%, ...). The overall mean is kept
/// exactly and each point sits inside its slice, so medians stay within the middle slices.
/// Fewer than 100 observations give one point per observation.
fn empirical(counts: &BTreeMap<u64, u64>) -> Dist {
    let n: u64 = counts.values().sum();
    if n == 0 {
        return Dist::Fixed(0.0);
    }
    let slices = n.min(100);
    let mut values = Vec::with_capacity(slices as usize);
    let mut weights = Vec::with_capacity(slices as usize);
    let (mut rank, mut sum, mut in_slice) = (0u64, 0.0f64, 0u64);
    let mut slice = 0u64;
    let end_of = |i: u64| ((i + 1) * n).div_ceil(slices);
    for (v, c) in counts {
        let mut left = *c;
        while left > 0 {
            let take = left.min(end_of(slice) - rank);
            sum += *v as f64 * take as f64;
            in_slice += take;
            rank += take;
            left -= take;
            if rank == end_of(slice) {
                values.push((sum / in_slice as f64 * 1000.0).round() / 1000.0);
                weights.push(in_slice as f64);
                sum = 0.0;
                in_slice = 0;
                slice += 1;
            }
        }
    }
    if values.iter().all(|v| *v == values[0]) {
        return Dist::Fixed(values[0]);
    }
    Dist::Empirical { values, weights }
}

/// Fit a scenario to the trace read by `reader`.
pub fn fit(
    reader: TraceReader,
    catalog: &Catalog,
    default_model: Option<&str>,
    name: &str,
    seed: u64,
    how: FitWindow,
) -> Result<Fitted, FitError> {
    let path = reader.path().to_string();
    if reader.format().is_bucketed() {
        return Err(FitError::Invalid {
            message: reader.format().bucketed_refusal("fit"),
            path,
        });
    }
    // `--model` is checked before the trace is read, not after.
    check_model(default_model, catalog, &path)?;
    let observed = observe(reader)?;
    fit_observed(observed, how, catalog, default_model, name, seed, &path)
}

/// The time a fit's rates are measured over, and what hours it did not watch get.
#[derive(Debug, Clone, Copy, Default)]
pub struct FitWindow {
    /// Start (inclusive) and end (exclusive), ms; default: the first row to the last.
    pub span: Option<(i64, i64)>,
    /// A later span (ms, end exclusive) to forecast: the hours of the day in it that the
    /// window did not watch get the mean rate of those it watched, instead of no traffic
    /// (which `fit`'s written scenario keeps: hours a trace did not cover are not guessed),
    /// and those it watched for less than [`MIN_WATCHED_HOURS`] their own sessions topped up
    /// to that span at the mean rate.
    pub fill: Option<(i64, i64)>,
    /// Write `uncertain` entries for a forecast of periods this long (ms): what the window
    /// cannot pin down of the session rate and the mean sizes ([`uncertainty`]); `None`: none.
    pub period_ms: Option<i64>,
}

/// Fit a scenario to `rows` (in any order) of the trace at `path`, as [`fit`] does: the rates
/// are those of the time the rows cover, `window` (ms, start inclusive, end exclusive) when
/// given (a backtest's training span), else from the first row to the last.
pub fn fit_rows<'r>(
    rows: impl IntoIterator<Item = &'r TraceRecord>,
    window: FitWindow,
    catalog: &Catalog,
    default_model: Option<&str>,
    name: &str,
    seed: u64,
    path: &str,
) -> Result<Fitted, FitError> {
    check_model(default_model, catalog, path)?;
    let mut observed = Observed::default();
    for r in rows {
        observed.add(r);
    }
    fit_observed(observed, window, catalog, default_model, name, seed, path)
}

/// `--model`, when given, can bill a fitted endpoint.
fn check_model(default_model: Option<&str>, catalog: &Catalog, path: &str) -> Result<(), FitError> {
    match default_model.and_then(|m| model_problem(m, catalog)) {
        Some(problem) => Err(FitError::Invalid {
            path: path.to_string(),
            message: format!("--model: {problem}"),
        }),
        None => Ok(()),
    }
}

fn fit_observed(
    observed: Observed,
    window: FitWindow,
    catalog: &Catalog,
    default_model: Option<&str>,
    name: &str,
    seed: u64,
    path: &str,
) -> Result<Fitted, FitError> {
    let path = path.to_string();
    let Observed {
        eps,
        first,
        last,
        last_line,
    } = observed;
    if eps.is_empty() {
        return Err(FitError::Invalid {
            path,
            message: "the trace has no rows".into(),
        });
    }
    // Days the trace spans (a partial day counts as one).
    let days = ((last - first).max(0) as f64 / MS_PER_DAY as f64)
        .ceil()
        .max(1.0);
    // The fitted horizon is the span: one a scenario can have, or an error naming the row.
    if days > f64::from(MAX_HORIZON_DAYS) {
        return Err(FitError::Invalid {
            path,
            message: format!(
                "line {last_line}: the trace spans {days} days from its first row, more than the \
                 {MAX_HORIZON_DAYS} days (ten years) a scenario may cover"
            ),
        });
    }
    // The time the rates are measured over: at least a minute, so that a trace of one
    // timestamp still has a rate.
    let (from, to) = window.span.unwrap_or((first, last));
    let exposure = Exposure::of(from, to.max(from + MIN_WINDOW_MS));
    let fill = window
        .fill
        .map(|(a, b)| Exposure::of(a, b).hours.map(|h| h > 0.0));
    let mut endpoints = Vec::new();
    let mut uncertain = Vec::new();
    let mut notes = Vec::new();
    for (ep, mut a) in eps {
        a.end_sessions(to.max(last));
        notes.extend(drift(&ep, &a, (from, to.max(from + MIN_WINDOW_MS))));
        notes.extend(
            a.structure
                .iter()
                .flat_map(|st| &st.notes)
                .map(|n| format!("endpoint {ep:?}: {n}")),
        );
        let model =
            model_for(&ep, &a, default_model, catalog).map_err(|message| FitError::Invalid {
                path: path.clone(),
                message,
            })?;
        if let Some(period) = window.period_ms {
            let span = (from, to.max(from + MIN_WINDOW_MS));
            uncertain.extend(uncertainty(&ep, &a, &exposure, span, period));
        }
        let mut file = endpoint_file(ep, &a, model, &exposure, fill, first);
        let (cache, note) = recorded_cache(&file.name, &a.cached, &file.model, catalog);
        file.recorded_cache = cache;
        notes.extend(note);
        endpoints.push(file);
    }
    let file = ScenarioFile {
        name: name.to_string(),
        description: format!(
            "fitted by tokencast fit to {path}: {} day(s) of traffic",
            days
        ),
        seed,
        horizon_days: days as u32,
        start_weekday: None,
        start_date: start_date(first),
        uncertain,
        price_changes: Vec::new(),
        revenue: None,
        prices: None,
        models: BTreeMap::new(),
        endpoints,
        strategies: Vec::new(),
    };
    Ok(Fitted { file, notes })
}

/// Prompt caching as endpoint `ep`'s rows record it, billed on `model`: the shares of all its
/// prompt tokens read from the cache and written to it (rows without cache columns count as
/// uncached, as `audit` prices them), writes at the TTL most of them name when the model
/// offers it, else at its first (a note when the rows write at both, or at one the model does
/// not offer; writes naming no TTL are at the model's default); none when the rows record no cache reads or writes, with a note when
/// they do but `model` cannot cache. The shares are rounded to six decimals (the write no more
/// than the read leaves).
fn recorded_cache(
    ep: &str,
    c: &CacheColumns,
    model: &str,
    catalog: &Catalog,
) -> (Option<RecordedCacheFile>, Option<String>) {
    use crate::foundations::pricing::{CacheKind, Ttl};
    let writes = c.write + c.write_5m + c.write_1h;
    if c.read + writes == 0 || c.input == 0 {
        return (None, None);
    }
    // In millionths, rounded to the nearest (in integers, so 0.6 is 0.6); the write no more
    // than the read leaves, so that the two never add up to more than every token.
    let ppm = |x: u64| {
        ((u128::from(x) * 1_000_000 + u128::from(c.input) / 2) / u128::from(c.input)) as u64
    };
    let read_ppm = ppm(c.read).min(1_000_000);
    let write_ppm = ppm(writes).min(1_000_000 - read_ppm);
    let (read, write) = (read_ppm as f64 / 1e6, write_ppm as f64 / 1e6);
    let Some(rules) = catalog
        .get(model)
        .map(|m| &m.cache)
        .filter(|r| r.kind != CacheKind::None)
    else {
        return (
            None,
            Some(format!(
                "endpoint {ep:?}: the rows record cache reads or writes ({:.1}% of prompt tokens \
                 read), but {model:?} has no prompt caching: the fitted scenario bills every \
                 prompt token uncached",
                100.0 * read
            )),
        );
    };
    // Writes that name no TTL are at the model's default, as `audit` prices them.
    if c.write_5m + c.write_1h == 0 {
        return (
            Some(RecordedCacheFile {
                read,
                write,
                ttl: None,
            }),
            None,
        );
    }
    // The TTL most writes name, if the model offers it; else the model's first.
    let (wanted, minority) = if c.write_1h > c.write + c.write_5m {
        (Ttl::H1, c.write + c.write_5m)
    } else {
        (Ttl::M5, c.write_1h)
    };
    let ttl = rules.ttls.contains(&wanted).then_some(wanted);
    let used = ttl.or_else(|| rules.ttls.first().copied());
    let note = match used {
        Some(u) if writes > 0 && (minority > 0 || u != wanted) => Some(format!(
            "endpoint {ep:?}: the rows write {writes} tokens to the cache, most of them at a \
             {wanted} TTL{}; all are priced at {model:?}'s {u} TTL",
            if minority > 0 {
                format!(" ({minority} at the other)")
            } else {
                String::new()
            }
        )),
        _ => None,
    };
    (Some(RecordedCacheFile { read, write, ttl }), note)
}

/// A fitted scenario, and what the fit saw in the rows that the scenario cannot express.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The scenario.
    pub file: ScenarioFile,
    /// Warnings about the rows ([`drift`]): a forecast from this fit will miss what they say.
    pub notes: Vec<String>,
}

/// Blocks of the fitted window [`drift`] compares.
const DRIFT_BLOCKS: usize = 8;

/// Relative change across the window below which [`drift`] says nothing, however certain.
const DRIFT_MIN_CHANGE: f64 = 0.15;

/// Whether the mean prompt per request of an endpoint's rows drifts across the fitted window
/// `(from, to)` (ms): a fit holds the sizes fixed, so a forecast of the periods after the window
/// misses a trend that goes on. The window splits into [`DRIFT_BLOCKS`] blocks of equal time;
/// the blocks' mean prompts are regressed on time (weighted by their rows); the trend counts
/// when its t statistic (the residual spread between blocks is the noise, so sessions' rows
/// moving together do not make it look surer) is beyond the Student t quantile of 0.995 with
/// two degrees of freedom fewer than blocks with rows, and the fitted mean changes by more than
/// [`DRIFT_MIN_CHANGE`] from the window's start to its end. At least four blocks with rows.
fn drift(ep: &str, a: &Acc, (from, to): (i64, i64)) -> Option<String> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let span = (to - from).max(1) as f64;
    let mut blocks = [(0.0f64, 0.0f64); DRIFT_BLOCKS];
    for (minute, m) in &a.minutes {
        let at = (*minute * 60_000 + 30_000 - from) as f64 / span;
        let b = ((at * DRIFT_BLOCKS as f64).floor().max(0.0) as usize).min(DRIFT_BLOCKS - 1);
        blocks[b].0 += m.rows as f64;
        blocks[b].1 += m.input;
    }
    let points: Vec<(f64, f64, f64)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0.0)
        .map(|(i, (n, sum))| (i as f64 + 0.5, sum / n, *n))
        .collect();
    if points.len() < 4 {
        return None;
    }
    let w: f64 = points.iter().map(|p| p.2).sum();
    let xm = points.iter().map(|p| p.0 * p.2).sum::<f64>() / w;
    let ym = points.iter().map(|p| p.1 * p.2).sum::<f64>() / w;
    let sxx: f64 = points.iter().map(|p| p.2 * (p.0 - xm).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| p.2 * (p.0 - xm) * (p.1 - ym)).sum();
    if sxx <= 0.0 || ym <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let df = (points.len() - 2) as f64;
    let residual: f64 = points
        .iter()
        .map(|p| p.2 * (p.1 - ym - slope * (p.0 - xm)).powi(2))
        .sum::<f64>()
        / df;
    let t = slope / (residual / sxx).sqrt();
    let critical = StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(0.995);
    let start = ym + slope * (0.0 - xm);
    let end = ym + slope * (DRIFT_BLOCKS as f64 - xm);
    // A NaN statistic (blocks all alike) is no trend either.
    let beyond_chance = t.abs() > critical;
    if !beyond_chance || start <= 0.0 || (end / start - 1.0).abs() <= DRIFT_MIN_CHANGE {
        return None;
    }
    Some(format!(
        "endpoint {ep:?}: the mean prompt {} from {} to {} tokens a request across the fitted \
         rows (a trend beyond chance at the 1% level); the fitted sizes hold the mean of the \
         whole window, so a forecast of later periods misses the trend",
        if end > start { "grew" } else { "fell" },
        start.round(),
        end.round()
    ))
}

/// What the whole trace showed: one accumulator per endpoint, the first and last times, and
/// the line of the last.
struct Observed {
    eps: BTreeMap<String, Acc>,
    first: i64,
    last: i64,
    last_line: u64,
}

impl Default for Observed {
    /// Nothing seen: the first time after every other, the last before.
    fn default() -> Observed {
        Observed {
            eps: BTreeMap::new(),
            first: i64::MAX,
            last: i64::MIN,
            last_line: 0,
        }
    }
}

/// Read every row into its endpoint's accumulator.
fn observe(reader: TraceReader) -> Result<Observed, FitError> {
    let mut o = Observed::default();
    for row in reader {
        o.add(&row?);
    }
    Ok(o)
}

impl Observed {
    fn add(&mut self, r: &TraceRecord) {
        self.first = self.first.min(r.time_ms);
        if r.time_ms > self.last {
            (self.last, self.last_line) = (r.time_ms, r.line);
        }
        self.eps
            .entry(r.endpoint.clone().unwrap_or_else(|| "all".into()))
            .or_default()
            .add(r);
    }
}

/// Sessions per hour of each hour of the day: those seen over the time it was watched.
fn hourly_rates(a: &Acc, exposure: &Exposure) -> [f64; 24] {
    std::array::from_fn(|h| match exposure.hours[h] {
        e if e > 0.0 => a.session_starts_hours[h] as f64 / e,
        _ => 0.0,
    })
}

/// One block of the window: sessions, what the fitted hourly rates expected, and the rows'
/// size sums.
#[derive(Debug, Clone, Copy, Default)]
struct Block {
    expected: f64,
    m: Minute,
}

/// `uncertain` entries for endpoint `ep`: what its rows in `span` cannot pin down of its
/// session rate and mean sizes, for a forecast of periods of `period_ms`. Each is a `Scale` of
/// mean 1 drawn from a Gamma of the variance below.
///
/// The window splits into K blocks (periods, when it holds five; else eighths of it, at
/// least a minute). Sessions: the blocks' counts against what the fitted hourly rates expect
/// give the index of dispersion D (Pearson's X² over its degrees of freedom, at least 1: 1 for
/// Poisson arrivals, more for bursty ones). A period's expected sessions are then uncertain by
/// the estimate's relative variance D/N (N sessions seen: the variance a bootstrap over the
/// blocks gives, in closed form) plus the extra-Poisson variance of one period,
/// (D − 1)/m (m its expected sessions); the simulation adds the Poisson part itself. A Gamma
/// rate under Poisson counts is the negative binomial, the usual model of overdispersed counts.
/// Sizes: the mean's variance s²/R (R rows) plus the variance of the blocks' means beyond
/// what their row counts explain. Turns, think times and the shapes of the size distributions
/// are taken as fitted.
fn uncertainty(
    ep: &str,
    a: &Acc,
    exposure: &Exposure,
    (from, to): (i64, i64),
    period_ms: i64,
) -> Vec<UncertainFile> {
    let span = to - from;
    let period = period_ms.max(60_000);
    let len = if span >= 5 * period {
        period
    } else {
        (span / 8 / 60_000 * 60_000).max(60_000)
    };
    let k = (span / len).max(1) as usize;
    let rates = hourly_rates(a, exposure);
    let mut blocks = vec![Block::default(); k];
    for (i, b) in blocks.iter_mut().enumerate() {
        let start = from + i as i64 * len;
        let end = if i + 1 == k { to } else { start + len };
        let e = Exposure::of(start, end);
        b.expected = e.hours.iter().zip(rates).map(|(h, r)| h * r).sum();
    }
    for (minute, m) in &a.minutes {
        let t = (minute * 60_000).max(from);
        let i = (((t - from) / len) as usize).min(k - 1);
        blocks[i].m.add(m);
    }
    let n = a.session_count as f64;
    let mut out = Vec::new();
    let scale = |path: String, var: f64| {
        (var.is_finite() && var > 1e-9).then(|| {
            let var = var.min(1.0);
            UncertainFile::Scale(
                path,
                Dist::Gamma {
                    shape: significant(1.0 / var),
                    scale: significant(var),
                },
            )
        })
    };
    if n > 0.0 {
        let watched_bins = exposure.hours.iter().filter(|h| **h > 0.0).count();
        let (x2, used) =
            blocks
                .iter()
                .filter(|b| b.expected > 0.0)
                .fold((0.0, 0usize), |(x2, c), b| {
                    let d = b.m.sessions as f64 - b.expected;
                    (x2 + d * d / b.expected, c + 1)
                });
        let df = used.saturating_sub(watched_bins).max(1) as f64;
        let dispersion = (x2 / df).max(1.0);
        let per_period = n * period as f64 / span as f64;
        let var = (dispersion - 1.0) / per_period.max(1e-9) + dispersion / n;
        out.extend(scale(
            format!("endpoints[{ep}].traffic.sessions_per_user_per_day"),
            var,
        ));
    }
    let rows: u64 = blocks.iter().map(|b| b.m.rows).sum();
    if rows > 1 {
        for (path, sum, sum2) in [
            (
                // A prompt fitted with its conversation structure scales as a whole.
                if a.structure.is_some() {
                    format!("endpoints[{ep}].prompt")
                } else {
                    format!("endpoints[{ep}].prompt.user_tokens")
                },
                (|m: &Minute| m.input) as fn(&Minute) -> f64,
                (|m: &Minute| m.input2) as fn(&Minute) -> f64,
            ),
            (
                format!("endpoints[{ep}].output_tokens"),
                |m: &Minute| m.output,
                |m: &Minute| m.output2,
            ),
        ] {
            let r = rows as f64;
            let mean = blocks.iter().map(|b| sum(&b.m)).sum::<f64>() / r;
            if mean <= 0.0 {
                continue;
            }
            let s2 = (blocks.iter().map(|b| sum2(&b.m)).sum::<f64>() / r - mean * mean).max(0.0);
            let with_rows: Vec<&Block> = blocks.iter().filter(|b| b.m.rows > 0).collect();
            let kb = with_rows.len() as f64;
            let between = with_rows
                .iter()
                .map(|b| (sum(&b.m) / b.m.rows as f64 - mean).powi(2))
                .sum::<f64>()
                / kb;
            let within = with_rows.iter().map(|b| s2 / b.m.rows as f64).sum::<f64>() / kb;
            let var = (s2 / r + (between - within).max(0.0)) / (mean * mean);
            out.extend(scale(path, var));
        }
    }
    out
}

/// `x` to six significant digits (rates of quiet hours keep their precision).
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The least time (hours) an hour of the day must be watched for its own rate to stand in a
/// forecast ([`FitWindow::fill`]): a cut one second into an hour has seen no session in it,
/// which is no evidence of a quiet hour. A tenth of the hour: a few minutes of a busy hour
/// already pin its rate down.
const MIN_WATCHED_HOURS: f64 = 0.1;

/// The shortest time a rate is measured over.
const MIN_WINDOW_MS: i64 = 60_000;

/// How long the trace watched each hour of the day and each weekday, in hours: a session rate
/// is the sessions seen in an hour of the day over the time that hour was watched, so a trace
/// that starts at 18:45 does not count its quarter hour as a whole one.
struct Exposure {
    hours: [f64; 24],
    weekdays: [f64; 7],
    /// Days watched in all.
    days: f64,
}

impl Exposure {
    fn of(from: i64, to: i64) -> Exposure {
        const HOUR: i64 = 3_600_000;
        let mut e = Exposure {
            hours: [0.0; 24],
            weekdays: [0.0; 7],
            days: (to - from) as f64 / MS_PER_DAY as f64,
        };
        let mut t = from;
        while t < to {
            let next = (t.div_euclid(HOUR) + 1) * HOUR;
            let span = (next.min(to) - t) as f64 / HOUR as f64;
            e.hours[(t.rem_euclid(MS_PER_DAY as i64) / HOUR) as usize] += span;
            e.weekdays[weekday_of_ms(t)] += span;
            t = next;
        }
        e
    }
}

impl Acc {
    /// Count one row: its sizes, its hour, weekday and day, its user and model, and its place in
    /// its session.
    fn add(&mut self, r: &TraceRecord) {
        let a = self;
        a.rows += 1;
        *a.input.entry(r.input_tokens).or_default() += 1;
        let reasoning = r.reasoning_tokens.unwrap_or(0);
        let (i, o) = (r.input_tokens as f64, (r.output_tokens - reasoning) as f64);
        a.minutes
            .entry(r.time_ms.div_euclid(60_000))
            .or_default()
            .add(&Minute {
                sessions: 0,
                rows: 1,
                input: i,
                input2: i * i,
                output: o,
                output2: o * o,
            });
        *a.output.entry(r.output_tokens - reasoning).or_default() += 1;
        *a.reasoning.entry(reasoning).or_default() += 1;
        let c = &mut a.cached;
        c.input += r.input_tokens;
        c.read += r.cache_read_tokens.unwrap_or(0);
        c.write += r.cache_write_tokens.unwrap_or(0);
        c.write_5m += r.cache_write_5m_tokens.unwrap_or(0);
        c.write_1h += r.cache_write_1h_tokens.unwrap_or(0);
        let day = r.time_ms.div_euclid(MS_PER_DAY as i64);
        let hour = (r.time_ms.rem_euclid(MS_PER_DAY as i64) / 3_600_000) as usize;
        let weekday = weekday_of_ms(r.time_ms);
        a.hours[hour] += 1;
        a.weekdays[weekday] += 1;
        a.day_set.insert(day, ());
        if let Some(u) = &r.user_id {
            a.users_per_day.insert((day, u.clone()), ());
        }
        if let Some(m) = &r.model {
            *a.models.entry(m.clone()).or_default() += 1;
        }
        let inferred = match (&r.session_id, r.prefix_hashes.is_empty(), r.block_tokens) {
            (None, false, Some(block)) => Some(a.chains.link(r, block)),
            _ => None,
        };
        match r.session_id.as_ref().or(inferred.as_ref()) {
            Some(s) => match a.sessions.get_mut(s) {
                Some((prev, turns)) => {
                    let gap = (r.time_ms - *prev).max(0) as u64;
                    *a.gaps_s.entry(gap.div_ceil(1000)).or_default() += 1;
                    *prev = r.time_ms;
                    *turns += 1;
                }
                None => {
                    a.sessions.insert(s.clone(), (r.time_ms, 1));
                    a.start_session(hour, weekday, r.time_ms);
                }
            },
            None => {
                a.start_session(hour, weekday, r.time_ms);
                *a.turns.entry(1).or_default() += 1;
            }
        }
    }

    /// A session starts at `hour` on `weekday`, at `time_ms` (whose minute has been counted).
    fn start_session(&mut self, hour: usize, weekday: usize, time_ms: i64) {
        if let Some(m) = self.minutes.get_mut(&time_ms.div_euclid(60_000)) {
            m.sessions += 1;
        }
        self.session_starts_hours[hour] += 1;
        self.session_starts_weekdays[weekday] += 1;
        self.session_count += 1;
    }

    /// The trace (or the window fitted) ends at `end_ms`: how many turns the sessions had and
    /// how long users took between them, allowing for the sessions the end cut short
    /// ([`censored_sessions`]); then the prompt's structure and what goes with what in it.
    fn end_sessions(&mut self, end_ms: i64) {
        let open: Vec<(String, u64, u64)> = self
            .sessions
            .drain()
            .map(|(id, (last, turns))| (id, turns, ((end_ms - last).max(0) as u64) / 1000))
            .collect();
        let c = censored_sessions(&self.turns, &self.gaps_s, &open);
        self.turns_fitted = Some(scaled_counts(&c.turns));
        self.gaps_fitted = Some(scaled_counts(&c.gaps));
        // Chains' sessions (`\u{1}` + number) still open, by how likely they are to go on.
        let open_chains: HashMap<u32, f64> = open
            .iter()
            .zip(&c.going_on)
            .filter_map(|((id, _, _), w)| {
                let n = id.strip_prefix('\u{1}')?.parse::<u32>().ok()?;
                Some((n, *w))
            })
            .collect();
        self.structure = self.chains.structure();
        if let Some(st) = &self.structure {
            self.bands = opening_bands(&self.chains, st.fixed, &open_chains);
            self.later = later_by_turns(&self.chains, &open_chains);
        }
    }
}

/// Iterations of [`censored_sessions`], at most.
const MAX_EM_ITERATIONS: usize = 200;

/// What [`censored_sessions`] estimates.
struct Censored {
    /// Turns per session: probabilities.
    turns: Vec<(u64, f64)>,
    /// Seconds between turns: probabilities.
    gaps: Vec<(u64, f64)>,
    /// Per session of `open`, the probability that it was still going on at the end.
    going_on: Vec<f64>,
}

/// Turns per session and think times, allowing for the sessions the end of the rows cut short.
///
/// At the end of the rows, every session with an id or a chain (`open`: id, turns seen,
/// whole seconds since its last turn) has either ended or is waiting for its next turn; which,
/// is not seen. Counting each as ended shortens sessions (a forecast from the first half of a
/// trace sees fewer turns than its sessions have), and the gaps seen are only those shorter
/// than the rows' span (long think times are cut out). So both are estimated together, by
/// expectation-maximisation: after its `k`th turn a session goes on with probability `q(k)`
/// and its next turn comes after a think time `G`; a session seen for `k` turns whose last came
/// `e` seconds before the end goes on with probability `w = q(k)·P(G > e) / (1 − q(k) +
/// q(k)·P(G > e))`, none when `e` is the longest gap seen or more (beyond it, the gaps' tail
/// would be made of the waits alone, and feed itself). Given the `w`s, the turns are the product-limit (Kaplan-Meier) estimate
/// with each open session counting `1 − w` as ended at `k` and `w` as censored there, and the
/// think times that of the gaps seen with `w` of a censored gap of `e` per open session
/// ([`product_limit`]); the `w`s start at ½ and are recomputed from them until they move by
/// less than 10⁻⁶ (at most [`MAX_EM_ITERATIONS`]). `ended` holds sessions known to have ended
/// (single rows without a session): they take part as they are. Without any gap seen, no
/// session is known to go on: all ended.
fn censored_sessions(
    ended: &BTreeMap<u64, u64>,
    gaps_s: &BTreeMap<u64, u64>,
    open: &[(String, u64, u64)],
) -> Censored {
    let as_f64 = |m: &BTreeMap<u64, u64>| -> BTreeMap<u64, f64> {
        m.iter().map(|(k, c)| (*k, *c as f64)).collect()
    };
    let gaps_seen = as_f64(gaps_s);
    // Sessions that waited at least the longest gap seen have ended; the others, by (turns,
    // seconds waited), may go on.
    let longest_gap = gaps_s.keys().next_back().copied().unwrap_or(0);
    let mut known = as_f64(ended);
    let mut groups: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    for (_, t, e) in open {
        if *e < longest_gap {
            *groups.entry((*t, *e)).or_default() += 1.0;
        } else {
            *known.entry(*t).or_default() += 1.0;
        }
    }
    let mut w: Vec<f64> = vec![0.5; groups.len()];
    let mut turns = Vec::new();
    let mut gaps = Vec::new();
    for _ in 0..MAX_EM_ITERATIONS {
        let mut t_ended = known.clone();
        let mut t_cens = BTreeMap::new();
        let mut g_cens = BTreeMap::new();
        for (((t, e), n), wi) in groups.iter().zip(&w) {
            *t_ended.entry(*t).or_default() += n * (1.0 - wi);
            *t_cens.entry(*t).or_default() += n * wi;
            *g_cens.entry(*e).or_default() += n * wi;
        }
        turns = product_limit(&t_ended, &t_cens);
        gaps = product_limit(&gaps_seen, &g_cens);
        if gaps_s.is_empty() {
            break;
        }
        let s_turns = Survival::of(&turns);
        let s_gaps = Survival::of(&gaps);
        let mut moved: f64 = 0.0;
        for (((t, e), _), wi) in groups.iter().zip(w.iter_mut()) {
            let reached = s_turns.above(t.saturating_sub(1));
            let q = if reached > 0.0 {
                s_turns.above(*t) / reached
            } else {
                0.0
            };
            let later = q * s_gaps.above(*e);
            let new = if later > 0.0 {
                later / (1.0 - q + later)
            } else {
                0.0
            };
            moved = moved.max((new - *wi).abs());
            *wi = new;
        }
        if moved < 1e-6 {
            break;
        }
    }
    let index: HashMap<(u64, u64), usize> =
        groups.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let going_on = open
        .iter()
        .map(|(_, t, e)| index.get(&(*t, *e)).map_or(0.0, |i| w[*i]))
        .collect();
    Censored {
        turns,
        gaps,
        going_on,
    }
}

/// A distribution's survival function `P(X > x)`, from its probabilities.
struct Survival(Vec<(u64, f64)>);

impl Survival {
    fn of(pmf: &[(u64, f64)]) -> Survival {
        let mut left = 1.0;
        Survival(
            pmf.iter()
                .map(|(k, p)| {
                    left -= p;
                    (*k, left.max(0.0))
                })
                .collect(),
        )
    }

    /// `P(X > x)`.
    fn above(&self, x: u64) -> f64 {
        match self.0.partition_point(|(k, _)| *k <= x) {
            0 => 1.0,
            i => self.0[i - 1].1,
        }
    }
}

/// The endpoint's model: `--model`, else the most frequent in its rows (ties: the first by
/// name); an error message when there is none or the catalog lacks it.
fn model_for(
    ep: &str,
    a: &Acc,
    default_model: Option<&str>,
    catalog: &Catalog,
) -> Result<String, String> {
    let model = match (
        a.models
            .iter()
            .max_by_key(|(m, c)| (**c, std::cmp::Reverse((*m).clone()))),
        default_model,
    ) {
        (_, Some(m)) => m.to_string(),
        (Some((m, _)), None) => m.clone(),
        (None, None) => {
            return Err(format!(
                "endpoint {ep:?}: the trace names no model; pass --model"
            ));
        }
    };
    match model_problem(&model, catalog) {
        Some(problem) => Err(format!("endpoint {ep:?}: {problem}")),
        None => Ok(model),
    }
}

/// Why `model` cannot bill a fitted endpoint: not in the catalog, or not a chat model.
fn model_problem(model: &str, catalog: &Catalog) -> Option<String> {
    if let Some(skipped) = catalog.skipped_entry(model) {
        return Some(format!("{skipped}; pass --model or fix the entry"));
    }
    match catalog.get(model) {
        None => {
            let sugg = catalog.suggest(model);
            Some(format!(
                "model {model:?} is not in {}{}; pass --model or --prices",
                catalog.source,
                if sugg.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", sugg.join(", "))
                }
            ))
        }
        Some(m) if m.mode != Mode::Chat => Some(format!(
            "{model:?} is an embedding model; an endpoint needs a chat model (`tokencast \
             prices` lists them)"
        )),
        Some(_) => None,
    }
}

/// The fitted endpoint: its traffic, and its sizes as `Empirical` distributions. `days` is the
/// trace's span, `first` its first time.
fn endpoint_file(
    ep: String,
    a: &Acc,
    model: String,
    exposure: &Exposure,
    fill: Option<[bool; 24]>,
    first: i64,
) -> EndpointFile {
    EndpointFile {
        name: ep.clone(),
        model,
        service_tier: ServiceTierFile::Standard,
        deferrable: false,
        traffic: traffic(a, exposure, fill, first),
        prompt: prompt(a),
        output_tokens: empirical(&a.output),
        reasoning_tokens: empirical(&a.reasoning),
        recorded_cache: None,
    }
}

/// The prompt: the whole recorded prompt as the user message, with no history (recorded
/// prompts already hold whatever history the application sent), unless prefix hashes showed
/// conversations or shared documents: then the static prefix as the system prompt, the shared
/// documents ([`Chains::documents`]), the opening message less both, and each later turn's new
/// tokens with the history re-sent in full, as the trace's turns re-send it.
fn prompt(a: &Acc) -> PromptFile {
    let plain = PromptFile {
        system_tokens: Dist::Fixed(0.0),
        tools_tokens: Dist::Fixed(0.0),
        context_tokens: Dist::Fixed(0.0),
        user_tokens: empirical(&a.input),
        first_user_tokens: None,
        user_tokens_by_turns: Vec::new(),
        documents: None,
        history: History::None,
        context_in_history: false,
    };
    let c = &a.chains;
    let Some(st) = &a.structure else {
        return plain;
    };
    PromptFile {
        system_tokens: Dist::Fixed(st.fixed as f64),
        user_tokens: if let Some(l) = &a.later {
            empirical(&l.longest)
        } else if c.continued > 0 {
            empirical(&c.later_new)
        } else {
            empirical(&st.first)
        },
        first_user_tokens: Some(empirical(&st.first)),
        user_tokens_by_turns: a.later.as_ref().map_or(Vec::new(), |l| l.shorter.clone()),
        documents: st.documents.clone(),
        history: History::Full,
        ..plain
    }
}

/// Arrivals: users and sessions per day, the hourly profile and (for a dated trace of a week
/// or more) the weekday weights of session starts, turns and think time.
fn traffic(a: &Acc, exposure: &Exposure, fill: Option<[bool; 24]>, first: i64) -> TrafficFile {
    let mut per_hour = hourly_rates(a, exposure).to_vec();
    if let Some(wanted) = fill {
        let watched: f64 = exposure.hours.iter().sum();
        let mean = a.session_count as f64 / watched.max(1e-9);
        for (h, ((r, e), w)) in per_hour
            .iter_mut()
            .zip(exposure.hours)
            .zip(wanted)
            .enumerate()
        {
            if w && e < MIN_WATCHED_HOURS {
                *r = (a.session_starts_hours[h] as f64 + mean * (MIN_WATCHED_HOURS - e))
                    / MIN_WATCHED_HOURS;
            }
        }
    }
    let sessions_per_day: f64 = per_hour.iter().sum();
    let days = exposure.days;
    let dau = if a.users_per_day.is_empty() {
        sessions_per_day
    } else {
        a.users_per_day.len() as f64 / a.day_set.len().max(1) as f64
    };
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let turns = a.turns_fitted.clone().unwrap_or_else(|| a.turns.clone());
    let multi_turn = turns.keys().any(|t| *t > 1);
    let weekday_weights = if days >= 7.0 && trace::is_dated(first) {
        Some(
            a.session_starts_weekdays
                .iter()
                .zip(exposure.weekdays)
                .map(|(c, e)| {
                    if e > 0.0 {
                        significant(*c as f64 / e)
                    } else {
                        0.0
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    TrafficFile {
        daily_active_users: round(dau),
        sessions_per_user_per_day: round(sessions_per_day / dau.max(1e-9)),
        hourly_profile: Some(per_hour.iter().map(|r| significant(*r)).collect()),
        weekday_weights,
        turns: match &a.bands {
            Some(b) => empirical(&b.above),
            None => empirical(&turns),
        },
        turns_by_opening: a.bands.as_ref().map_or(Vec::new(), |b| b.below.clone()),
        think_time_s: multi_turn.then(|| empirical(a.gaps_fitted.as_ref().unwrap_or(&a.gaps_s))),
        queries: None,
        growth: None,
    }
}

/// Sessions per band of [`opening_bands`], at least.
const MIN_BAND_SESSIONS: usize = 100;

/// Bands of [`opening_bands`], at most.
const MAX_BANDS: usize = 5;

/// Significance level of [`opening_bands`]' test that the bands' mean turns differ.
const BANDS_ALPHA: f64 = 0.01;

/// Turns per session by the size of the session's opening (`traffic.turns_by_opening`).
struct OpeningBands {
    /// The bands below the largest openings: upper bound and turns.
    below: Vec<OpeningTurns>,
    /// Turns of the sessions above every band, for `traffic.turns` (scaled counts, as
    /// [`with_censoring`] returns them).
    above: BTreeMap<u64, u64>,
}

/// Turns per session by opening size, when the chains' sessions show that the two go together.
///
/// A session's opening is its first prompt less the static prefix of `fixed` tokens: its
/// document and first message, as the fitted prompt draws them. The sessions are split at the
/// quantiles of their openings into up to [`MAX_BANDS`] bands of at least
/// [`MIN_BAND_SESSIONS`] sessions each (ties stay in one band); each band's turns are the
/// product-limit estimate of [`with_censoring`], the sessions in `open` (numbers of
/// sessions still under way at the end of the rows) counting as censored. The bands are kept
/// when their mean turns (as seen) differ by more than chance ([`means_differ`]). Else
/// `None`: every session draws from the same turns.
fn opening_bands(chains: &Chains, fixed: u64, open: &HashMap<u32, f64>) -> Option<OpeningBands> {
    let n = chains.openings.len();
    let k = (n / MIN_BAND_SESSIONS).min(MAX_BANDS);
    if k < 2 {
        return None;
    }
    let mut turns = vec![0u64; n];
    for r in &chains.rows {
        turns[r.session as usize] += 1;
    }
    // (opening, turns, probability it was still going on at the end) by opening.
    let mut sessions: Vec<(u64, u64, f64)> = chains
        .openings
        .iter()
        .enumerate()
        .map(|(i, (input, _))| {
            (
                input.saturating_sub(fixed),
                turns[i],
                open.get(&(i as u32)).copied().unwrap_or(0.0),
            )
        })
        .collect();
    sessions.sort_unstable_by_key(|s| (s.0, s.1));
    // Bounds at the quantiles, each the first opening of the next band (ties stay together).
    let mut bounds: Vec<u64> = Vec::new();
    for j in 1..k {
        let b = sessions[j * n / k].0;
        if b > bounds.last().copied().unwrap_or(0) && b > sessions[0].0 {
            bounds.push(b);
        }
    }
    if bounds.is_empty() {
        return None;
    }
    let mut bands: Vec<Vec<(u64, u64, f64)>> = vec![Vec::new(); bounds.len() + 1];
    for s in &sessions {
        let band = bounds.iter().position(|b| s.0 < *b).unwrap_or(bounds.len());
        bands[band].push(*s);
    }
    if bands.iter().any(|b| b.len() < MIN_BAND_SESSIONS / 2) {
        return None;
    }
    let turns_of = |b: &Vec<(u64, u64, f64)>| b.iter().map(|s| s.1 as f64).collect::<Vec<_>>();
    if !means_differ(&bands.iter().map(turns_of).collect::<Vec<_>>()) {
        return None;
    }
    let km = |b: &[(u64, u64, f64)]| {
        let (mut ended, mut censored) = (BTreeMap::new(), BTreeMap::new());
        for s in b {
            *ended.entry(s.1).or_default() += 1.0 - s.2;
            *censored.entry(s.1).or_default() += s.2;
        }
        scaled_counts(&product_limit(&ended, &censored))
    };
    let below = bounds
        .iter()
        .zip(&bands)
        .map(|(b, members)| OpeningTurns {
            below: *b as f64,
            turns: empirical(&km(members)),
        })
        .collect();
    Some(OpeningBands {
        below,
        above: km(bands.last().map_or(&[][..], |b| b)),
    })
}

/// Whether the means of `bands` (each of at least two values) differ beyond chance: the sum
/// over bands of the squared difference between the band's mean and the pooled mean, over the
/// band's squared standard error, exceeds the chi-square quantile of 1 − [`BANDS_ALPHA`] with
/// one degree of freedom fewer than bands (a band without spread that differs counts as
/// certain). Shared by [`opening_bands`] and [`later_by_turns`].
fn means_differ(bands: &[Vec<f64>]) -> bool {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let n: usize = bands.iter().map(Vec::len).sum();
    if bands.len() < 2 || n == 0 {
        return false;
    }
    let pooled = bands.iter().flatten().sum::<f64>() / n as f64;
    let mut statistic = 0.0;
    for b in bands {
        let k = b.len() as f64;
        let m = b.iter().sum::<f64>() / k;
        let var = b.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0);
        if var > 0.0 {
            statistic += (m - pooled).powi(2) / (var / k);
        } else if m != pooled {
            statistic = f64::INFINITY;
        }
    }
    ChiSquared::new((bands.len() - 1) as f64)
        .is_ok_and(|c| statistic > c.inverse_cdf(1.0 - BANDS_ALPHA))
}

/// Session lengths [`later_by_turns`] splits at: sessions of at most 2, 3, 5 and 9 turns,
/// and longer ones.
const LATER_SPLITS: [u32; 4] = [2, 3, 5, 9];

/// Later messages per band of [`later_by_turns`], at least.
const MIN_LATER_ROWS: usize = 50;

/// The new message of later turns by the session's length (`prompt.user_tokens_by_turns`).
struct LaterByTurns {
    /// Sessions of at most so many turns, and their later messages.
    shorter: Vec<TurnsUser>,
    /// The later messages of the longest sessions, for `prompt.user_tokens`.
    longest: BTreeMap<u64, u64>,
}

/// The new message of later turns by the session's length, when the chains' sessions show the
/// two go together: in chats, a follow-up that pastes a long text tends to end the session,
/// while long sessions go on with short questions.
///
/// The later rows of sessions that ended (not in `open`, the numbers of sessions still under
/// way at the end of the rows, whose length is not known) fall into bands by their session's
/// turns, split at [`LATER_SPLITS`]; a band with fewer than [`MIN_LATER_ROWS`] rows joins the
/// next longer one. A session still open counts in the longest band when it has reached it
/// already. The bands are kept when their mean new tokens differ by more than chance, by the
/// test of [`means_differ`].
fn later_by_turns(chains: &Chains, open: &HashMap<u32, f64>) -> Option<LaterByTurns> {
    let mut turns = vec![0u32; chains.openings.len()];
    for r in &chains.rows {
        turns[r.session as usize] += 1;
    }
    let band_of = |t: u32| {
        LATER_SPLITS
            .iter()
            .position(|s| t <= *s)
            .unwrap_or(LATER_SPLITS.len())
    };
    let mut bands: Vec<Vec<u64>> = vec![Vec::new(); LATER_SPLITS.len() + 1];
    for r in &chains.rows {
        let Some(new) = r.new else { continue };
        let t = turns[r.session as usize];
        let band = band_of(t);
        if open.get(&r.session).is_some_and(|w| *w > 0.5) && band < LATER_SPLITS.len() {
            continue;
        }
        bands[band].push(new);
    }
    // Merge small bands into the next longer one (the longest into the one before).
    let mut merged: Vec<(u32, Vec<u64>)> = Vec::new();
    let mut carry: Vec<u64> = Vec::new();
    for (i, mut b) in bands.into_iter().enumerate() {
        carry.append(&mut b);
        if carry.len() >= MIN_LATER_ROWS {
            merged.push((
                LATER_SPLITS.get(i).copied().unwrap_or(u32::MAX),
                std::mem::take(&mut carry),
            ));
        }
    }
    match merged.last_mut() {
        Some(last) => {
            last.1.append(&mut carry);
            last.0 = u32::MAX;
        }
        None => return None,
    }
    if merged.len() < 2 {
        return None;
    }
    let values = |b: &Vec<u64>| b.iter().map(|x| *x as f64).collect::<Vec<_>>();
    if !means_differ(&merged.iter().map(|(_, b)| values(b)).collect::<Vec<_>>()) {
        return None;
    }
    let counts = |b: &[u64]| {
        b.iter().fold(BTreeMap::new(), |mut m, x| {
            *m.entry(*x).or_default() += 1;
            m
        })
    };
    let (longest, shorter) = merged.split_last()?;
    Some(LaterByTurns {
        shorter: shorter
            .iter()
            .map(|(at_most, b)| TurnsUser {
                at_most: *at_most,
                user_tokens: empirical(&counts(b)),
            })
            .collect(),
        longest: counts(&longest.1),
    })
}

/// The longest value the tail of [`product_limit`] reaches (turns, or seconds of think time).
const MAX_TAIL: u64 = 10_000;

/// The product-limit (Kaplan-Meier) estimate of a distribution over whole values (turns per
/// session, seconds between turns) from weighted observations: `ended` at a value (a session
/// that ended after `k` turns, a gap seen) and `censored` there (known to go beyond it: a
/// session still going on after `k` turns, a wait of `e` seconds not over yet). Of the weight
/// that reached `k` (ended or censored at `k` or beyond), the share that ended at `k` is the
/// hazard at `k`. Without censored weight, the ended weights as they are, normalised. The mass
/// left beyond the largest value (when what reached it was censored) follows a geometric tail
/// at the mean hazard (ended weight over the sum of the values reached), in steps of 1 up to
/// [`MAX_TAIL`]. Returns the probabilities of the values, in order.
fn product_limit(ended: &BTreeMap<u64, f64>, censored: &BTreeMap<u64, f64>) -> Vec<(u64, f64)> {
    let mut at: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (k, c) in ended.iter().filter(|(_, c)| **c > 0.0) {
        at.entry(*k).or_default().0 += c;
    }
    for (k, c) in censored.iter().filter(|(_, c)| **c > 0.0) {
        at.entry(*k).or_default().1 += c;
    }
    let mut at_risk: f64 = at.values().map(|(d, c)| d + c).sum();
    if at_risk <= 0.0 {
        return Vec::new();
    }
    let mut survival = 1.0;
    let mut pmf: Vec<(u64, f64)> = Vec::new();
    for (k, (d, c)) in &at {
        if at_risk > 0.0 && *d > 0.0 {
            let here = survival * (d / at_risk).min(1.0);
            pmf.push((*k, here));
            survival -= here;
        }
        at_risk -= d + c;
    }
    if survival > 1e-12 {
        let reached: f64 = at.iter().map(|(k, (d, c))| *k as f64 * (d + c)).sum();
        let ended: f64 = at.values().map(|(d, _)| d).sum();
        let hazard = (ended / reached.max(1.0)).clamp(1e-3, 1.0);
        let mut k = *at.keys().next_back().unwrap_or(&1);
        while survival > 1e-6 && k < MAX_TAIL {
            k += 1;
            let here = survival * hazard;
            pmf.push((k, here));
            survival -= here;
        }
        if let Some((_, p)) = pmf.last_mut() {
            *p += survival;
        }
    }
    pmf
}

/// Probabilities as counts out of a million, for [`empirical`] (values whose count rounds to
/// 0 are left out).
fn scaled_counts(pmf: &[(u64, f64)]) -> BTreeMap<u64, u64> {
    pmf.iter()
        .map(|(k, p)| (*k, (p * 1e6).round() as u64))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The date of the first row, for a dated trace: one timed from the epoch's first decade has
/// relative times, not dates.
fn start_date(first: i64) -> Option<String> {
    trace::date_of(first).map(|d| d.to_string())
}

/// The fitted scenario as RON text, with a header saying where it came from.
pub fn to_ron(file: &ScenarioFile, command: &str) -> Result<String, ron::Error> {
    let cfg = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .depth_limit(4)
        .indentor("    ".to_string());
    let body = ron::ser::to_string_pretty(file, cfg)?;
    Ok(format!(
        "// Written by `{command}`.\n// Sizes are Empirical over the means of the trace's 100 percentile slices; hours and weekdays the trace does\n// not cover get no traffic. Edit freely: this file is yours.\n{body}\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::Ttl;
    use crate::foundations::rng::{self, Purpose};

    /// Openings drawn from a known Zipf pool give back about that pool: its size within a
    /// factor of two and its exponent within 0.2, from 3,000 draws of 1,000 documents.
    #[test]
    fn a_zipf_pool_is_recovered_from_how_often_each_document_is_opened() {
        for (k, s) in [(1000u64, 0.9), (300, 0.4), (2000, 1.3)] {
            let sampler = Dist::Zipf { n: k, s }.sampler().unwrap();
            let mut r = rng::stream(9, 0, "pool", Purpose::Documents);
            let mut counts: HashMap<u64, u64> = HashMap::new();
            for _ in 0..3000 {
                *counts.entry(sampler.sample_count(&mut r, 1)).or_default() += 1;
            }
            let opened: Vec<u64> = counts.into_values().collect();
            let (pool, exponent) = zipf_pool(&opened);
            assert!(
                pool >= k / 2 && pool <= 2 * k,
                "Zipf({k}, {s}): fitted pool {pool}"
            );
            assert!(
                (exponent - s).abs() <= 0.2 + 1e-9,
                "Zipf({k}, {s}): fitted s {exponent}"
            );
        }
    }

    /// Sessions still open at the end count as reaching their turns so far, no further.
    #[test]
    fn open_sessions_are_censored_not_ended() {
        let m = |v: &[(u64, f64)]| v.iter().copied().collect::<BTreeMap<u64, f64>>();
        let counts = |v: &[(u64, u64)]| v.iter().copied().collect::<BTreeMap<u64, u64>>();
        let with = |e: &[(u64, f64)], c: &[(u64, f64)]| scaled_counts(&product_limit(&m(e), &m(c)));
        // Nothing open: the counts as they are.
        assert_eq!(
            with(&[(1, 5.0), (3, 5.0)], &[]),
            counts(&[(1, 500_000), (3, 500_000)])
        );
        // Ten sessions still open after 2 turns: none ended at 2, so none is counted there;
        // of the five at risk at 3, all ended there.
        assert_eq!(
            with(&[(1, 5.0), (3, 5.0)], &[(2, 10.0)]),
            counts(&[(1, 250_000), (3, 750_000)])
        );
        // Every session that ended had 4 turns; those cut short had fewer so far.
        assert_eq!(
            with(&[(4, 10.0)], &[(1, 2.0), (2, 3.0), (3, 1.0)]),
            counts(&[(4, 1_000_000)])
        );
        // Weights: half a session ended at 1 and half was censored there; one ended at 2.
        assert_eq!(
            with(&[(1, 0.5), (2, 1.0)], &[(1, 0.5)]),
            counts(&[(1, 250_000), (2, 750_000)])
        );
        // The longest still open: what is left follows a geometric tail at the mean hazard,
        // 1 ended over 6 turns seen.
        let t = with(&[(1, 1.0)], &[(5, 1.0)]);
        assert_eq!(t[&1], 500_000);
        assert!(!t.contains_key(&5));
        assert_eq!(t[&6], (0.5f64 / 6.0 * 1e6).round() as u64);
        assert_eq!(t[&7], (0.5f64 * 5.0 / 36.0 * 1e6).round() as u64);
        let total: u64 = t.values().sum();
        assert!((999_990..=1_000_010).contains(&total), "{total}");
    }

    /// Sessions of known turns and think times, cut half-way through: the estimate recovers
    /// both, where counting what was seen shortens both.
    #[test]
    fn turns_and_think_times_are_recovered_from_sessions_cut_short() {
        use crate::foundations::rng::{self, Purpose};
        use rand::RngExt;
        let mut r = rng::stream(7, 0, "em", Purpose::Sessions);
        // 6,000 sessions over an hour; after each turn one goes on with probability 0.6
        // (mean 2.5 turns), after an exponential think time of mean 120 s; cut at 30 minutes.
        let cut = 1800.0;
        let (mut gaps, mut open) = (BTreeMap::new(), Vec::new());
        let (mut true_turns, mut started, mut seen_turns) = (0u64, 0u64, 0u64);
        for i in 0..6000 {
            let mut t: f64 = r.random::<f64>() * 3600.0;
            if t >= cut {
                continue;
            }
            started += 1;
            let (mut turns, mut seen, mut last) = (1u64, 1u64, t);
            while r.random::<f64>() < 0.6 {
                let gap = -120.0 * (1.0 - r.random::<f64>()).ln();
                t += gap;
                turns += 1;
                if t < cut {
                    seen += 1;
                    *gaps.entry((gap.ceil()) as u64).or_insert(0u64) += 1;
                    last = t;
                }
            }
            true_turns += turns;
            seen_turns += seen;
            open.push((format!("s{i}"), seen, (cut - last) as u64));
        }
        let c = censored_sessions(&BTreeMap::new(), &gaps, &open);
        let mean = |p: &[(u64, f64)]| p.iter().map(|(k, q)| *k as f64 * q).sum::<f64>();
        let truth = true_turns as f64 / started as f64;
        let seen = seen_turns as f64 / started as f64;
        // Seen: 2.26 turns; the estimate is within 4% of the truth (2.5).
        assert!(seen < truth * 0.93, "{seen} {truth}");
        assert!(
            (mean(&c.turns) / truth - 1.0).abs() < 0.04,
            "{} {truth}",
            mean(&c.turns)
        );
        let seen_gap = gaps.iter().map(|(g, n)| *g as f64 * *n as f64).sum::<f64>()
            / gaps.values().sum::<u64>() as f64;
        // Gaps seen: 113.5 s on average (long ones are cut out); the estimate within 5% of
        // the truth (120.5 s, whole seconds rounded up).
        assert!(seen_gap < 116.0, "{seen_gap}");
        assert!(
            (mean(&c.gaps) / 120.5 - 1.0).abs() < 0.05,
            "{}",
            mean(&c.gaps)
        );
    }

    /// Reuse that moves beyond what the fitted pool expects is warned about; reuse that moves
    /// as expected, or by less than chance allows, is not.
    #[test]
    fn reuse_beyond_the_fitted_popularity_is_a_warning() {
        // Mooncake's synthetic trace, whole: 1,293 sessions with a document.
        let note = reopen_drift([0.24, 0.50], [0.13, 0.61], 1293).unwrap();
        assert!(
            note.starts_with(
                "sessions reopened a document seen before in 13% and then 61% of the first \
                 and second halves of those with one, where the fitted popularity expects 24% \
                 and 50%"
            ),
            "{note}"
        );
        // As expected, within 10 points.
        assert!(reopen_drift([0.24, 0.50], [0.22, 0.58], 1293).is_none());
        // 12 points off, but on 40 sessions that is within three standard errors (3 × 0.11).
        assert!(reopen_drift([0.24, 0.50], [0.2, 0.62], 40).is_none());
    }

    /// The recorded shares and the TTL of the writes: the one most writes name when the model
    /// offers it, else the model's first, with a note saying so; writes that name no TTL at
    /// the model's default, without one.
    #[test]
    fn recorded_cache_shares_and_their_ttl() {
        let catalog = Catalog::builtin();
        let c = |write: u64, write_5m: u64, write_1h: u64| CacheColumns {
            input: 10_000,
            read: 6_000,
            write,
            write_5m,
            write_1h,
        };
        let (f, note) = recorded_cache("chat", &c(0, 500, 1_500), "claude-sonnet-4-6", &catalog);
        let f = f.unwrap();
        assert_eq!((f.read, f.write, f.ttl), (0.6, 0.2, Some(Ttl::H1)));
        assert_eq!(
            note.unwrap(),
            "endpoint \"chat\": the rows write 2000 tokens to the cache, most of them at a 1h \
             TTL (500 at the other); all are priced at \"claude-sonnet-4-6\"'s 1h TTL"
        );
        // gpt-5.6-luna offers 30 minutes only: the 1-hour writes are priced at it, and said so.
        let (f, note) = recorded_cache("chat", &c(0, 0, 2_000), "gpt-5.6-luna", &catalog);
        assert_eq!(f.unwrap().ttl, None);
        assert!(
            note.unwrap()
                .ends_with("all are priced at \"gpt-5.6-luna\"'s 30m TTL")
        );
        // Writes naming no TTL: the model's default, no note.
        let (f, note) = recorded_cache("chat", &c(2_000, 0, 0), "gpt-5.6-luna", &catalog);
        assert_eq!(f.unwrap().ttl, None);
        assert!(note.is_none());
        // One TTL the model offers: no note.
        assert!(
            recorded_cache("chat", &c(0, 2_000, 0), "claude-sonnet-4-6", &catalog)
                .1
                .is_none()
        );
        // Nothing recorded: nothing fitted.
        let none = CacheColumns {
            input: 10_000,
            ..CacheColumns::default()
        };
        assert_eq!(
            recorded_cache("chat", &none, "claude-sonnet-4-6", &catalog).0,
            None
        );
        // Reads alone (OpenAI's automatic caching writes nothing): no TTL to choose.
        let (f, note) = recorded_cache("chat", &c(0, 0, 0), "gpt-4o-mini", &catalog);
        assert_eq!(
            f.unwrap(),
            RecordedCacheFile {
                read: 0.6,
                write: 0.0,
                ttl: None
            }
        );
        assert!(note.is_none());
        // A model without prompt caching: nothing fitted, and a note.
        let (f, note) = recorded_cache("chat", &c(0, 2_000, 0), "gpt-5.4-pro", &catalog);
        assert!(f.is_none());
        assert!(
            note.unwrap()
                .contains("\"gpt-5.4-pro\" has no prompt caching")
        );
    }

    /// The warning when documents opened more often are larger (or smaller) beyond chance.
    #[test]
    fn document_sizes_that_follow_popularity_are_a_warning() {
        // 200 documents, the popular ones larger: warned.
        let opened: Vec<u64> = (0..200).map(|i| 1 + i / 40).collect();
        let larger: Vec<u64> = (0..200).map(|i| 1000 + 10 * i + (i * 37) % 500).collect();
        let note = size_follows_popularity(&opened, &larger).unwrap();
        assert!(
            note.starts_with("the documents sessions open more often are larger than the others"),
            "{note}"
        );
        let smaller: Vec<u64> = larger.iter().rev().copied().collect();
        let note = size_follows_popularity(&opened, &smaller).unwrap();
        assert!(
            note.contains("are smaller") && note.contains("overestimates"),
            "{note}"
        );
        // Sizes unrelated to popularity: none.
        let unrelated: Vec<u64> = (0..200).map(|i| (i * 7919) % 200).collect();
        assert!(size_follows_popularity(&opened, &unrelated).is_none());
        // Strong but on few documents: within chance (0.87 × √11 < 3).
        let few: Vec<u64> = (0..12).map(|i| 1 + i / 6).collect();
        let sizes: Vec<u64> = (0..12).collect();
        let f = |v: &[u64]| v.iter().map(|x| *x as f64).collect::<Vec<_>>();
        let rho = crate::analysis::economics::spearman(&f(&few), &f(&sizes));
        assert!((rho - 0.869).abs() < 1e-3, "{rho}");
        assert!(size_follows_popularity(&few, &sizes).is_none());
    }
}
