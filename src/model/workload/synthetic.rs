//! Synthetic traffic from a scenario's stated assumptions.
//!
//! ```text
//!  per endpoint: Poisson session arrivals ──┐
//!    rate(h) = DAU × sessions/user/day       │    EventQueue<(time, seq)>
//!              × weekday factor × hour share ├──▶  Arrival(endpoint) | Turn(session slot)
//!  per live session: next turn at            │            │
//!    previous turn + think time ─────────────┘            ▼
//!                                               Request stream, time-ordered
//! ```
//!
//! Session arrivals are a non-homogeneous Poisson process whose rate is constant within each
//! hour (the scenario's hourly profile, scaled by the weekday weight and, with a growth curve,
//! by that day's daily active users; user ids are drawn among that day's users): gaps are exponential and,
//! because the exponential is memoryless, restarting the draw at every hour boundary is exact.
//! Each session draws its number of turns, its system and tool prompt sizes once; each turn draws
//! its user message, retrieved context, output and reasoning sizes, and the think time to the
//! next turn. With `history: Full`, turn *k* re-sends every earlier user message and output (and
//! retrieved context if `context_in_history`), so a session of `T` turns with fixed sizes sends
//! `T·S + T·u + (u+o)·T(T−1)/2` prompt tokens, `S` being the static system + tools prefix.
//!
//! The run stops at the horizon: sessions start only before it and turns that would fall after it
//! are not sent (a month's invoice does not contain next month's requests). State starts empty at
//! time zero: no session is in flight before day 0.
//!
//! Randomness: each endpoint has three streams (arrivals, session shape, token sizes) keyed by
//! its name ([`crate::foundations::rng`]), so an edit to one endpoint never moves another's traffic.
//! Memory is one queue entry per endpoint plus one per live session.
//!
//! Output limit: a request whose drawn output and reasoning tokens add up to more than the
//! model's `max_output_tokens` is clamped to it when drawn, as the provider truncates
//! ([`OutputClamps`]); the report warns with the share of requests clamped.
//!
//! Query intents: an endpoint with `traffic.queries` labels the first turn of every session with
//! an intent id ([`Request::intent`]), drawn from a fourth stream ([`Purpose::Queries`]) so the
//! other three, and every result without queries, are unchanged. `Zipf(intents, s)` draws the
//! rank `1..=intents`. `Repetition(rate)` repeats, with probability `rate`, the intent of a
//! uniformly chosen earlier query of the endpoint (popular questions get more popular: Simon's
//! model), else takes the next unused id from 0; the first query is always new. That keeps the
//! endpoint's past intents, 4 bytes per query.
//!
//! Documents: an endpoint with `prompt.documents` decides when each session starts, from a
//! fifth stream ([`Purpose::Documents`]), whether it sends a document (probability `share`),
//! and which one, picked as query intents are (`Zipf` or `Repetition`). A document's size is
//! drawn from `tokens` on a stream keyed by the seed, the endpoint and the document's id, not
//! by the run ([`Purpose::DocumentSize`]): the pool is a property of the application, the same
//! in every run and for every session sending the document; runs differ in which sessions
//! open which document. Sizes are kept once drawn: 16 bytes per distinct document.
//!
//! Turns by opening: with `traffic.turns_by_opening`, a session draws its opening message
//! when it starts (on the token stream, after the system and tool prompts), and its turns
//! from the band its opening (document plus that message) falls in. With
//! `prompt.user_tokens_by_turns`, each turn after the first draws its message from the entry
//! for the session's number of turns. Without either, every draw is as before.

use rand_distr::{Distribution, Exp1};

use crate::foundations::dist::Sampler;
use crate::foundations::rng::{self, Purpose};
use crate::foundations::time::{EventQueue, MS_PER_HOUR, SimTime};
use crate::model::scenario::{Documents, Endpoint, History, Queries, Scenario};
use crate::model::workload::Request;

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival(u16),
    Turn(u32),
}

struct Samplers {
    turns: Sampler,
    /// Turns by the session's opening tokens (`traffic.turns_by_opening`): (below, turns).
    turns_by_opening: Vec<(f64, Sampler)>,
    think_s: Sampler,
    system: Sampler,
    tools: Sampler,
    context: Sampler,
    user: Sampler,
    /// The opening message, when the endpoint gives one apart.
    first_user: Option<Sampler>,
    /// Later messages by the session's turns (`prompt.user_tokens_by_turns`): (at most,
    /// sampler).
    user_by_turns: Vec<(u32, Sampler)>,
    output: Sampler,
    reasoning: Sampler,
}

struct EndpointGen {
    samplers: Samplers,
    /// Sessions per millisecond in each hour of the week, for the weekday of day 0 onward
    /// (per daily active user when `users_by_day` is set).
    rate_per_ms: Vec<f64>,
    users: u32,
    /// Daily active users of each day, for endpoints with a growth curve.
    users_by_day: Option<Vec<f64>>,
    history: History,
    context_in_history: bool,
    arrivals: rng::StreamRng,
    sessions: rng::StreamRng,
    tokens: rng::StreamRng,
    /// Continuous time (ms) of the last arrival, and the hour segment it lies in.
    t_ms: f64,
    hour: u64,
    /// Intents of opening queries, for endpoints with `traffic.queries`.
    queries: Option<QueryGen>,
    /// Documents of sessions, for endpoints with `prompt.documents`.
    documents: Option<DocGen>,
    /// Output and reasoning tokens of one request are clamped to this (the model's
    /// `max_output_tokens`, `u64::MAX` when unknown), and how often that happened.
    clamps: OutputClamps,
}

/// How often one endpoint's drawn output was cut to its model's `max_output_tokens` in a run.
///
/// A provider stops generating at the request's output limit, so a request whose drawn output
/// and reasoning tokens add up to more than the model's `max_output_tokens` is clamped when it
/// is drawn: reasoning (generated first) to the limit, then the visible output to what the
/// reasoning left. The clamped output is what the history re-sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputClamps {
    /// The model's `max_output_tokens` (`u64::MAX`: unknown, never clamped).
    pub max_output_tokens: u64,
    /// Requests generated.
    pub requests: u64,
    /// Of those, requests whose output (and reasoning) was clamped.
    pub clamped: u64,
}

/// Draws the intent of each session's opening query.
struct QueryGen {
    kind: QueryKind,
    rng: rng::StreamRng,
}

enum QueryKind {
    Zipf(Sampler),
    Repetition {
        rate: f64,
        /// Intent of every earlier query of the endpoint, in order.
        past: Vec<u32>,
        /// Next unused intent id.
        fresh: u32,
    },
}

impl QueryGen {
    fn new(q: &Queries, rng: rng::StreamRng) -> Result<QueryGen, String> {
        let kind = match q {
            Queries::Zipf { intents, s } => QueryKind::Zipf(
                crate::foundations::dist::Dist::Zipf { n: *intents, s: *s }.sampler()?,
            ),
            Queries::Repetition { rate } => QueryKind::Repetition {
                rate: *rate,
                past: Vec::new(),
                fresh: 0,
            },
        };
        Ok(QueryGen { kind, rng })
    }

    fn next(&mut self) -> u64 {
        use rand::RngExt;
        match &mut self.kind {
            QueryKind::Zipf(z) => z.sample_count(&mut self.rng, 1),
            QueryKind::Repetition { rate, past, fresh } => {
                let u: f64 = self.rng.random();
                let id = if !past.is_empty() && u < *rate {
                    past[self.rng.random_range(0..past.len())]
                } else {
                    // Ids would wrap after 4e9 new intents in one run of one endpoint, far
                    // beyond what a simulation reaches.
                    let id = *fresh;
                    *fresh = fresh.wrapping_add(1);
                    id
                };
                past.push(id);
                u64::from(id)
            }
        }
    }
}

/// Draws each session's document.
struct DocGen {
    share: f64,
    pick: QueryGen,
    tokens: Sampler,
    /// The scenario's seed and the endpoint's name, which key each document's size.
    seed: u64,
    endpoint: String,
    /// The size of every document picked so far.
    sizes: std::collections::HashMap<u64, u64>,
}

impl DocGen {
    fn new(
        d: &Documents,
        seed: u64,
        endpoint: &str,
        rng: rng::StreamRng,
    ) -> Result<DocGen, String> {
        Ok(DocGen {
            seed,
            endpoint: endpoint.to_string(),
            share: d.share,
            pick: QueryGen::new(&d.popularity, rng)
                .map_err(|m| format!("prompt.documents.popularity: {m}"))?,
            tokens: d
                .tokens
                .sampler()
                .map_err(|m| format!("prompt.documents.tokens: {m}"))?,
            sizes: std::collections::HashMap::new(),
        })
    }

    /// The document of a new session, if it sends one: its id and tokens.
    fn next(&mut self) -> Option<(u64, u64)> {
        use rand::RngExt;
        if self.share < 1.0 {
            let u: f64 = self.pick.rng.random();
            if u >= self.share {
                return None;
            }
        }
        let id = self.pick.next();
        let size = match self.sizes.get(&id) {
            Some(s) => *s,
            None => {
                let mut rng = rng::stream(self.seed, id, &self.endpoint, Purpose::DocumentSize);
                let s = self.tokens.sample_count(&mut rng, 0);
                self.sizes.insert(id, s);
                s
            }
        };
        Some((id, size))
    }
}

#[derive(Debug, Clone, Copy)]
struct Session {
    id: u64,
    endpoint: u16,
    user: u32,
    turn: u32,
    turns: u32,
    system: u64,
    tools: u64,
    /// The session's document: id and tokens.
    document: Option<(u64, u64)>,
    /// The opening message, when drawn at the start (with `traffic.turns_by_opening`).
    first_user: Option<u64>,
    history: u64,
}

/// The synthetic request stream of one run of a scenario. An iterator of [`Request`]s in time
/// order.
pub struct Synthetic {
    endpoints: Vec<EndpointGen>,
    queue: EventQueue<Event>,
    slots: Vec<Session>,
    free: Vec<u32>,
    horizon_ms: u64,
    horizon_hours: u64,
    next_session: u64,
    /// The event being handled is still at the top of the queue: the first event it schedules
    /// takes its place ([`EventQueue::replace_top`]), else it is removed at the end.
    top_taken: bool,
}

impl Samplers {
    /// The samplers of endpoint `e`'s distributions.
    fn of(e: &Endpoint) -> Result<Samplers, String> {
        let s = |d: &crate::foundations::dist::Dist, what: &str| {
            d.sampler()
                .map_err(|m| format!("endpoint {:?}: {what}: {m}", e.name))
        };
        Ok(Samplers {
            turns: s(&e.traffic.turns, "traffic.turns")?,
            turns_by_opening: e
                .traffic
                .turns_by_opening
                .iter()
                .enumerate()
                .map(|(i, (below, d))| {
                    Ok((
                        *below,
                        s(d, &format!("traffic.turns_by_opening[{i}].turns"))?,
                    ))
                })
                .collect::<Result<_, String>>()?,
            think_s: s(&e.traffic.think_time_s, "traffic.think_time_s")?,
            system: s(&e.prompt.system_tokens, "prompt.system_tokens")?,
            tools: s(&e.prompt.tools_tokens, "prompt.tools_tokens")?,
            context: s(&e.prompt.context_tokens, "prompt.context_tokens")?,
            user: s(&e.prompt.user_tokens, "prompt.user_tokens")?,
            first_user: match &e.prompt.first_user_tokens {
                Some(d) => Some(s(d, "prompt.first_user_tokens")?),
                None => None,
            },
            user_by_turns: e
                .prompt
                .user_tokens_by_turns
                .iter()
                .enumerate()
                .map(|(i, (at_most, d))| {
                    Ok((
                        *at_most,
                        s(d, &format!("prompt.user_tokens_by_turns[{i}].user_tokens"))?,
                    ))
                })
                .collect::<Result<_, String>>()?,
            output: s(&e.output_tokens, "output_tokens")?,
            reasoning: s(&e.reasoning_tokens, "reasoning_tokens")?,
        })
    }
}

impl EndpointGen {
    /// The generator of endpoint `e` in run `run`, before its first arrival is scheduled.
    fn new(scenario: &Scenario, run: u64, e: &Endpoint) -> Result<EndpointGen, String> {
        let samplers = Samplers::of(e)?;
        let growing = e.traffic.growth.is_some();
        let rate_per_ms = weekly_rate_per_ms(scenario, e, growing);
        let users_by_day = growing.then(|| e.traffic.users_by_day(&scenario.months));
        Ok(EndpointGen {
            samplers,
            rate_per_ms,
            users: (e.traffic.daily_active_users.round() as u32).max(1),
            users_by_day,
            history: e.prompt.history,
            context_in_history: e.prompt.context_in_history,
            arrivals: rng::stream(scenario.seed, run, &e.name, Purpose::Arrivals),
            sessions: rng::stream(scenario.seed, run, &e.name, Purpose::Sessions),
            tokens: rng::stream(scenario.seed, run, &e.name, Purpose::Tokens),
            t_ms: 0.0,
            hour: 0,
            clamps: OutputClamps {
                max_output_tokens: e.price.max_output_tokens.unwrap_or(u64::MAX),
                requests: 0,
                clamped: 0,
            },
            queries: match &e.traffic.queries {
                Some(q) => Some(
                    QueryGen::new(
                        q,
                        rng::stream(scenario.seed, run, &e.name, Purpose::Queries),
                    )
                    .map_err(|m| format!("endpoint {:?}: traffic.queries: {m}", e.name))?,
                ),
                None => None,
            },
            documents: match &e.prompt.documents {
                Some(d) => Some(
                    DocGen::new(
                        d,
                        scenario.seed,
                        &e.name,
                        rng::stream(scenario.seed, run, &e.name, Purpose::Documents),
                    )
                    .map_err(|m| format!("endpoint {:?}: {m}", e.name))?,
                ),
                None => None,
            },
        })
    }
}

/// Session arrivals per ms of endpoint `e` in each hour of the week from day 0: per user
/// when the users `growing`, else for the endpoint's constant users.
fn weekly_rate_per_ms(scenario: &Scenario, e: &Endpoint, growing: bool) -> Vec<f64> {
    (0..7 * 24)
        .map(|h| {
            let day = (h / 24) as u32;
            let weekday = scenario.weekday_of(day);
            let sessions = if growing {
                e.traffic.sessions_per_user_per_day * e.traffic.weekday_factor[weekday]
            } else {
                e.traffic.expected_sessions(weekday)
            };
            sessions * e.traffic.hourly_share[h % 24] / MS_PER_HOUR as f64
        })
        .collect()
}

impl Synthetic {
    /// The traffic of run `run` of `scenario`.
    ///
    /// Fails only if a distribution cannot be built, which validation already rules out.
    pub fn new(scenario: &Scenario, run: u64) -> Result<Synthetic, String> {
        let horizon_hours = u64::from(scenario.horizon_days) * 24;
        let endpoints = scenario
            .endpoints
            .iter()
            .map(|e| EndpointGen::new(scenario, run, e))
            .collect::<Result<Vec<_>, String>>()?;
        let mut this = Synthetic {
            endpoints,
            queue: EventQueue::new(),
            slots: Vec::new(),
            free: Vec::new(),
            horizon_ms: horizon_hours * MS_PER_HOUR,
            horizon_hours,
            next_session: 0,
            top_taken: false,
        };
        for i in 0..this.endpoints.len() {
            this.schedule_next_arrival(i as u16);
        }
        Ok(this)
    }

    /// Schedule `event` at `at` (never before the clock: callers ensure it), in the place of
    /// the event being handled if it is still at the top.
    #[inline(always)]
    fn push(&mut self, at: SimTime, event: Event) {
        let _ = if self.top_taken {
            self.top_taken = false;
            self.queue.replace_top(at, event)
        } else {
            self.queue.schedule(at, event)
        };
    }

    /// Per endpoint (in scenario order), how often the drawn output was clamped to the model's
    /// `max_output_tokens` so far ([`OutputClamps`]).
    pub fn output_clamps(&self) -> Vec<OutputClamps> {
        self.endpoints.iter().map(|g| g.clamps).collect()
    }

    /// Number of sessions currently in flight (for memory checks).
    pub fn live_sessions(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    fn schedule_next_arrival(&mut self, e: u16) {
        let g = &mut self.endpoints[e as usize];
        while g.hour < self.horizon_hours {
            let mut rate = g.rate_per_ms[(g.hour % (7 * 24)) as usize];
            if let Some(u) = &g.users_by_day {
                rate *= u.get((g.hour / 24) as usize).copied().unwrap_or(0.0);
            }
            let end = ((g.hour + 1) * MS_PER_HOUR) as f64;
            if rate > 0.0 {
                let gap: f64 = Exp1.sample(&mut g.arrivals);
                let t = g.t_ms + gap / rate;
                if t < end {
                    g.t_ms = t;
                    let at = SimTime(t as u64);
                    // Arrival times are increasing and never behind the clock: the queue's clock
                    // is at most the previous arrival of some endpoint, and t >= g.t_ms.
                    let now = self.queue.now();
                    self.push(at.max(now), Event::Arrival(e));
                    return;
                }
            }
            g.t_ms = end;
            g.hour += 1;
        }
    }

    fn start_session(&mut self, e: u16) -> u32 {
        let g = &mut self.endpoints[e as usize];
        if let Some(u) = &g.users_by_day {
            let today = u.get((g.hour / 24) as usize).copied().unwrap_or(0.0);
            g.users = (today.round().min(f64::from(u32::MAX)) as u32).max(1);
        }
        let system = g.samplers.system.sample_count(&mut g.tokens, 0);
        let tools = g.samplers.tools.sample_count(&mut g.tokens, 0);
        let document = g.documents.as_mut().and_then(DocGen::next);
        // With turns by opening, the opening message is drawn now, for its band (the other
        // streams' draws are the same either way).
        let first_user = (!g.samplers.turns_by_opening.is_empty()).then(|| {
            g.samplers
                .first_user
                .as_ref()
                .unwrap_or(&g.samplers.user)
                .sample_count(&mut g.tokens, 0)
        });
        let turns_sampler = match first_user {
            Some(first) => {
                let opening = first.saturating_add(document.map_or(0, |d| d.1)) as f64;
                g.samplers
                    .turns_by_opening
                    .iter()
                    .find(|(below, _)| opening < *below)
                    .map_or(&g.samplers.turns, |(_, t)| t)
            }
            None => &g.samplers.turns,
        };
        let turns = turns_sampler
            .sample_count(&mut g.sessions, 1)
            .min(u32::MAX as u64) as u32;
        let user = if g.users > 1 {
            use rand::RngExt;
            g.sessions.random_range(0..g.users)
        } else {
            0
        };
        let s = Session {
            id: self.next_session,
            endpoint: e,
            user,
            turn: 0,
            turns,
            system,
            tools,
            document,
            first_user,
            history: 0,
        };
        self.next_session += 1;
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = s;
                slot
            }
            None => {
                self.slots.push(s);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Emit the current turn of the session in `slot` at `now` and schedule its next turn.
    #[inline(always)]
    fn turn(&mut self, slot: u32, now: SimTime, req: &mut Request) {
        let s = &mut self.slots[slot as usize];
        let g = &mut self.endpoints[s.endpoint as usize];
        let context = g.samplers.context.sample_count(&mut g.tokens, 0);
        let user = match (&g.samplers.first_user, s.first_user) {
            (_, Some(drawn)) if s.turn == 0 => drawn,
            (Some(first), None) if s.turn == 0 => first.sample_count(&mut g.tokens, 0),
            _ if s.turn == 0 => g.samplers.user.sample_count(&mut g.tokens, 0),
            _ => g
                .samplers
                .user_by_turns
                .iter()
                .find(|(at_most, _)| s.turns <= *at_most)
                .map_or(&g.samplers.user, |(_, u)| u)
                .sample_count(&mut g.tokens, 0),
        };
        let mut output = g.samplers.output.sample_count(&mut g.tokens, 0);
        let mut reasoning = g.samplers.reasoning.sample_count(&mut g.tokens, 0);
        let limit = g.clamps.max_output_tokens;
        g.clamps.requests += 1;
        if output.saturating_add(reasoning) > limit {
            reasoning = reasoning.min(limit);
            output = output.min(limit - reasoning);
            g.clamps.clamped += 1;
        }
        let intent = match &mut g.queries {
            Some(q) if s.turn == 0 => Some(q.next()),
            _ => None,
        };
        // The next turn, if the session has one before the horizon (think times come from the
        // session stream, so drawing it before the request is built changes no draw).
        let mut next = None;
        if s.turn + 1 < s.turns {
            let think = g.samplers.think_s.sample_ms(&mut g.sessions);
            let at = now.plus_ms(think);
            if at.as_ms() < self.horizon_ms {
                next = Some(at);
            }
        }
        // Written field by field: `req` is the caller's, reused from request to request.
        req.time = now;
        req.endpoint = s.endpoint;
        req.session = s.id;
        req.user = s.user;
        req.turn = s.turn;
        req.system_tokens = s.system;
        req.tools_tokens = s.tools;
        req.document = s.document.map(|d| d.0);
        req.document_tokens = s.document.map_or(0, |d| d.1);
        req.history_tokens = s.history;
        req.context_tokens = context;
        req.user_tokens = user;
        req.output_tokens = output;
        req.reasoning_tokens = reasoning;
        req.final_turn = next.is_none();
        req.history_reset = false;
        if req.prefix.is_some() {
            req.prefix = None;
        }
        req.intent = intent;
        if g.history == History::Full {
            s.history = s.history.saturating_add(user).saturating_add(output);
            if g.context_in_history {
                s.history = s.history.saturating_add(context);
            }
        }
        s.turn += 1;
        match next {
            // `at >= now`, the queue clock: scheduling cannot fail.
            Some(at) => self.push(at, Event::Turn(slot)),
            None => self.free.push(slot),
        }
    }

    /// Write the next request into `req` (every field), or return false when the run is over.
    /// The same as [`Iterator::next`] without moving a request out per call.
    #[inline]
    pub fn next_into(&mut self, req: &mut Request) -> bool {
        let Some((now, ev)) = self.queue.take_top() else {
            return false;
        };
        self.top_taken = true;
        match ev {
            Event::Arrival(e) => {
                let slot = self.start_session(e);
                self.schedule_next_arrival(e);
                self.turn(slot, now, req);
            }
            Event::Turn(slot) => self.turn(slot, now, req),
        }
        if self.top_taken {
            self.queue.remove_top();
            self.top_taken = false;
        }
        true
    }
}

impl Iterator for Synthetic {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        let mut req = Request::default();
        self.next_into(&mut req).then_some(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::Catalog;
    use crate::model::scenario;

    /// A day of single-turn sessions on gpt-4o-mini (max output 16,384 tokens) with the given
    /// output and reasoning sizes.
    fn scenario(output: &str, reasoning: &str) -> Scenario {
        let text = format!(
            "Scenario(name: \"t\", seed: 3, horizon_days: 1, endpoints: [Endpoint(\
             name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(daily_active_users: 200, \
             sessions_per_user_per_day: 1, turns: Fixed(1)), \
             prompt: Prompt(user_tokens: Fixed(100)), output_tokens: {output}, \
             reasoning_tokens: {reasoning})])"
        );
        let file = scenario::parse(&text, "t.ron").unwrap();
        Scenario::from_file(file, Catalog::builtin(), "t.ron").unwrap()
    }

    /// Every request's (output, reasoning) and the run's clamp counts.
    fn run(sc: &Scenario) -> (Vec<(u64, u64)>, OutputClamps) {
        let mut traffic = Synthetic::new(sc, 0).unwrap();
        let sizes = traffic
            .by_ref()
            .map(|r| (r.output_tokens, r.reasoning_tokens))
            .collect();
        (sizes, traffic.output_clamps()[0])
    }

    #[test]
    fn output_beyond_max_output_tokens_is_clamped_reasoning_first_and_counted() {
        // Output alone over the limit: cut to it.
        let (sizes, c) = run(&scenario("Fixed(20000)", "Fixed(0)"));
        assert!(!sizes.is_empty());
        assert!(sizes.iter().all(|s| *s == (16384, 0)), "{sizes:?}");
        assert_eq!(
            (c.max_output_tokens, c.clamped),
            (16384, sizes.len() as u64)
        );
        assert_eq!(c.requests, sizes.len() as u64);
        // Together over the limit: reasoning kept, output gets what is left.
        let (sizes, c) = run(&scenario("Fixed(10000)", "Fixed(10000)"));
        assert!(sizes.iter().all(|s| *s == (6384, 10000)), "{sizes:?}");
        assert_eq!(c.clamped, c.requests);
        // Reasoning alone over the limit: cut to it, no visible output.
        let (sizes, _) = run(&scenario("Fixed(500)", "Fixed(30000)"));
        assert!(sizes.iter().all(|s| *s == (0, 16384)), "{sizes:?}");
        // At the limit: untouched, nothing counted.
        let (sizes, c) = run(&scenario("Fixed(16000)", "Fixed(384)"));
        assert!(sizes.iter().all(|s| *s == (16000, 384)), "{sizes:?}");
        assert_eq!(c.clamped, 0);
    }

    /// Sessions of three turns on 2,000 daily users, with `documents` in the prompt.
    fn with_documents(documents: &str) -> Scenario {
        let text = format!(
            "Scenario(name: \"t\", seed: 5, horizon_days: 1, endpoints: [Endpoint(\
             name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(daily_active_users: \
             2000, sessions_per_user_per_day: 1, turns: Fixed(3), think_time_s: Fixed(10)), \
             prompt: Prompt(system_tokens: Fixed(500), documents: {documents}, \
             user_tokens: Fixed(100)), output_tokens: Fixed(50))])"
        );
        let file = scenario::parse(&text, "t.ron").unwrap();
        Scenario::from_file(file, Catalog::builtin(), "t.ron").unwrap()
    }

    #[test]
    fn sessions_send_documents_from_the_pool_the_same_size_each_time() {
        let sc = with_documents(
            "Documents(share: 0.4, popularity: Zipf(intents: 50, s: 1.0), \
             tokens: Uniform(min: 1000, max: 90000))",
        );
        let mut sizes = std::collections::HashMap::new();
        let mut by_session = std::collections::HashMap::new();
        let (mut sessions, mut with_doc) = (0u64, 0u64);
        for r in Synthetic::new(&sc, 0).unwrap() {
            // Every turn of a session sends the session's document, in the prompt's tokens.
            let d = r.document.map(|id| (id, r.document_tokens));
            assert_eq!(*by_session.entry(r.session).or_insert(d), d);
            assert_eq!(
                r.prompt_tokens(),
                500 + r.document_tokens + r.history_tokens + 100
            );
            if r.turn == 0 {
                sessions += 1;
                with_doc += u64::from(d.is_some());
            }
            if let Some((id, n)) = d {
                assert!((1..=50).contains(&id), "{id}");
                assert!((1000..=90000).contains(&n), "{n}");
                assert_eq!(*sizes.entry(id).or_insert(n), n, "document {id}");
            } else {
                assert_eq!(r.document_tokens, 0);
            }
        }
        // 2,000 sessions, share 0.4: the binomial's sd is 11, so 0.35..0.45 is over 4 sd.
        let share = with_doc as f64 / sessions as f64;
        assert!((0.35..0.45).contains(&share), "{share} of {sessions}");
        // Zipf(50, 1): the most popular document is 22% of picks; many are picked again.
        assert!(sizes.len() > 20 && sizes.len() <= 50, "{}", sizes.len());
        // Another run picks differently, but a document has the same size in every run.
        let mut picks_differ = false;
        for r in Synthetic::new(&sc, 1).unwrap() {
            if let (Some(id), Some(n)) = (r.document, r.document.and_then(|id| sizes.get(&id))) {
                assert_eq!(r.document_tokens, *n, "document {id} in run 1");
            }
            picks_differ |=
                r.document != by_session.get(&r.session).copied().flatten().map(|d| d.0);
        }
        assert!(picks_differ);

        // Repetition(rate: 1): every session after the first sends the first's document.
        let sc = with_documents(
            "Documents(popularity: Repetition(rate: 1.0), tokens: LogNormal(median: 9000, \
             p90: 20000))",
        );
        let docs: std::collections::HashSet<_> = Synthetic::new(&sc, 0)
            .unwrap()
            .map(|r| (r.document, r.document_tokens))
            .collect();
        assert_eq!(docs.len(), 1, "{docs:?}");
    }

    #[test]
    fn a_tail_beyond_the_limit_clamps_only_the_requests_that_reach_it() {
        // LogNormal(median 4000, p90 16000): P(X > 16384) is about 9.7%.
        let (sizes, c) = run(&scenario("LogNormal(median: 4000, p90: 16000)", "Fixed(0)"));
        assert!(sizes.iter().all(|s| s.0 <= 16384));
        let share = c.clamped as f64 / c.requests as f64;
        assert!((0.05..0.15).contains(&share), "{share} of {}", c.requests);
    }
    /// Sessions of 2,000 daily users whose opening is a 100-token question or, for half of
    /// them, a 5,000-token document and the question; `traffic` and `prompt` add fields.
    fn banded(traffic: &str, prompt: &str) -> Scenario {
        let text = format!(
            "Scenario(name: \"t\", seed: 9, horizon_days: 1, endpoints: [Endpoint(\
             name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(daily_active_users: \
             2000, sessions_per_user_per_day: 1, think_time_s: Fixed(5), {traffic}), \
             prompt: Prompt(first_user_tokens: Fixed(100), user_tokens: Fixed(7), \
             documents: Documents(share: 0.5, popularity: Repetition(rate: 0.0), \
             tokens: Fixed(5000)), {prompt}), output_tokens: Fixed(20))])"
        );
        let file = scenario::parse(&text, "t.ron").unwrap();
        Scenario::from_file(file, Catalog::builtin(), "t.ron").unwrap()
    }

    #[test]
    fn turns_follow_the_band_of_the_sessions_opening() {
        // Openings of 100 tokens (no document) have 4 turns; 5,100 (with one) the default 2.
        let sc = banded(
            "turns: Fixed(2), turns_by_opening: [Opening(below: 1000, turns: Fixed(4))]",
            "history: Full",
        );
        let mut turns: std::collections::HashMap<u64, (bool, u32)> = Default::default();
        for r in Synthetic::new(&sc, 0).unwrap() {
            let e = turns.entry(r.session).or_insert((r.document.is_some(), 0));
            e.1 += 1;
            // The opening message is the one drawn for the band, sent on the first turn.
            if r.turn == 0 {
                assert_eq!(r.user_tokens, 100);
            } else {
                assert_eq!(r.user_tokens, 7);
            }
        }
        // Sessions cut by the end of the day aside, each band has its turns.
        let (mut with, mut without) = (0, 0);
        for (doc, t) in turns.values() {
            if *doc {
                assert!(*t <= 2, "{t}");
                with += u32::from(*t == 2);
            } else {
                assert!(*t <= 4, "{t}");
                without += u32::from(*t == 4);
            }
        }
        assert!(with > 800 && without > 800, "{with} {without}");
        // The expected requests weigh each band by its share of sessions: half and half.
        let mean = sc.endpoints[0].traffic.mean_turns();
        assert!((mean - 3.0).abs() < 0.05, "{mean}");
    }

    #[test]
    fn later_messages_follow_the_sessions_length() {
        // Sessions of 1 to 6 turns; those of at most 3 send 900-token follow-ups, the rest 7.
        let sc = banded(
            "turns: Uniform(min: 1, max: 6)",
            "user_tokens_by_turns: [Turns(at_most: 3, user_tokens: Fixed(900))]",
        );
        let mut sessions: std::collections::HashMap<u64, Vec<u64>> = Default::default();
        for r in Synthetic::new(&sc, 0).unwrap() {
            sessions.entry(r.session).or_default().push(r.user_tokens);
        }
        let (mut short, mut long) = (0, 0);
        for messages in sessions.values() {
            assert_eq!(messages[0], 100);
            // A session seen whole (ended before the day did) of at most 3 turns.
            let later = &messages[1..];
            if later.iter().all(|m| *m == 900) && !later.is_empty() {
                short += 1;
                assert!(messages.len() <= 3, "{messages:?}");
            } else if !later.is_empty() {
                long += 1;
                assert!(later.iter().all(|m| *m == 7), "{messages:?}");
            }
        }
        assert!(short > 300 && long > 300, "{short} {long}");
    }
}
