//! Drawing a run's uncertain parameters and applying them to its copy of the scenario.

use crate::foundations::dist::Dist;
use crate::foundations::limits;
use crate::foundations::pricing::Bucket;
use crate::foundations::rng::{self, Purpose};
use crate::model::scenario::{self, Endpoint, Growth, Queries, Scenario, Traffic};
use crate::model::strategy::Action;

use rand::RngExt;

use super::{BLOCK_RUNS, Kind, Part, PriceScales, Sampling, Target, TrafficField};

/// Draw every uncertain parameter of run `run`, in list order, as `scenario.sampling` says.
pub fn draw(scenario: &Scenario, run: u64) -> Vec<f64> {
    let block = u64::from(BLOCK_RUNS);
    scenario
        .uncertain
        .iter()
        .map(|u| {
            let mut rng = rng::stream(scenario.seed, run, &u.path, Purpose::Uncertain);
            match scenario.sampling {
                Sampling::Independent => u.sampler.sample(&mut rng),
                Sampling::Stratified => {
                    let strata = strata(scenario.seed, run / block, &u.path);
                    let stratum = strata[(run % block) as usize];
                    let within: f64 = rng.random();
                    u.dist
                        .quantile((f64::from(stratum) + within) / f64::from(BLOCK_RUNS))
                }
            }
        })
        .collect()
}

/// The strata of block `block` for the entry on `path`: a random permutation of
/// `0..BLOCK_RUNS` (Fisher–Yates), run `k` of the block drawing from stratum `strata[k]`.
fn strata(seed: u64, block: u64, path: &str) -> [u32; BLOCK_RUNS as usize] {
    let mut rng = rng::stream(seed, block, path, Purpose::Strata);
    let mut p: [u32; BLOCK_RUNS as usize] = std::array::from_fn(|i| i as u32);
    for i in (1..p.len()).rev() {
        let j = rng.random_range(0..=i);
        p.swap(i, j);
    }
    p
}

/// The scenario of one run: `base` with `draws` (from [`draw`]) applied, and the price
/// multipliers to apply when the run is priced.
pub fn apply(base: &Scenario, draws: &[f64]) -> Result<(Scenario, PriceScales), String> {
    let (sc, prices) = apply_unchecked(base, draws)?;
    check_sessions_per_day(&sc, "this run's draws")?;
    Ok((sc, prices))
}

/// Run `run`'s scenario (its uncertain parameters drawn and applied; `base` as it is when it
/// has none) and the run's price scales, as `run` simulates it; an error names the run.
pub fn for_run(base: &Scenario, run: u64) -> Result<(Scenario, PriceScales), String> {
    if base.uncertain.is_empty() {
        return Ok((base.clone(), PriceScales::default()));
    }
    apply(base, &draw(base, run)).map_err(|e| format!("run {run}: {e}"))
}

/// [`apply`] without the check of the sessions a day.
fn apply_unchecked(base: &Scenario, draws: &[f64]) -> Result<(Scenario, PriceScales), String> {
    let mut sc = base.clone();
    let mut prices = PriceScales::default();
    for (u, &x) in base.uncertain.iter().zip(draws) {
        let d = Drawn { kind: u.kind, x };
        let fail = |e: String| format!("uncertain {:?}: {e}", u.path);
        match &u.target {
            Target::Traffic { endpoints, field } => {
                for &i in endpoints {
                    set_traffic(&mut sc.endpoints[i].traffic, *field, d).map_err(fail)?;
                }
            }
            Target::Sizes { endpoints, parts } => {
                for &i in endpoints {
                    for &p in parts {
                        if let Some(dist) = sizes_mut(&mut sc.endpoints[i], p) {
                            *dist = dist.scaled(x).map_err(fail)?;
                        }
                        // The later messages by session length are user messages too.
                        if p == Part::User {
                            for (_, d) in &mut sc.endpoints[i].prompt.user_tokens_by_turns {
                                *d = d.scaled(x).map_err(fail)?;
                            }
                        }
                    }
                }
            }
            Target::Price { model, buckets } => {
                let mut f = [1.0; Bucket::ALL.len()];
                for (b, on) in buckets.iter().enumerate() {
                    if *on {
                        f[b] = x;
                    }
                }
                prices.0.push((model.clone(), f));
            }
            Target::SemanticHitProbability | Target::SemanticFalseHitRate => {
                let hit = matches!(u.target, Target::SemanticHitProbability);
                set_semantic_cache(&mut sc, hit, d);
            }
            Target::EscalateShare => set_escalate_share(&mut sc, d),
            Target::ImplicitHitShare => set_implicit_hit_share(&mut sc, d),
            Target::RevenuePerRequest => {
                if let Some(r) = &mut sc.revenue {
                    r.usd_per_request = d.set(r.usd_per_request);
                }
            }
            Target::RevenuePlan(i) => {
                if let Some(r) = &mut sc.revenue {
                    let p = &mut r.plans[*i];
                    p.usd_per_user_month = d.set(p.usd_per_user_month);
                }
            }
        }
    }
    hold_users_at_ceiling(&mut sc);
    Ok((sc, prices))
}

/// Problems the entries of `sc.uncertain` only have together, each entry at its plausible
/// largest draw ([`Dist::plausible_max`]: its largest value if bounded, else its P99.9), as
/// `(field, message)`. Each entry was checked alone when it was resolved; this catches what
/// they compound to: scales of one price multiplying past
/// [`scenario::MAX_PRICE_CHANGE_FACTOR`], size scales multiplying past
/// [`limits::MAX_TOKENS_PER_REQUEST`], and traffic draws (users, sessions per user, growth)
/// giving a day more sessions than are simulated, which would otherwise fail only when a run
/// draws them.
pub fn check_together(sc: &Scenario) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let tops: Vec<f64> = sc
        .uncertain
        .iter()
        .map(|u| u.dist.plausible_max())
        .collect();
    let named = |pick: &dyn Fn(&Target) -> bool| -> String {
        sc.uncertain
            .iter()
            .enumerate()
            .filter(|(_, u)| pick(&u.target))
            .map(|(i, u)| format!("uncertain[{i}] {:?} up to {}", u.path, approx(tops[i])))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Prices: the product of every scale that reaches one model's bucket.
    let mut models: Vec<&str> = sc.endpoints.iter().map(|e| e.model.as_str()).collect();
    for u in &sc.uncertain {
        if let Target::Price { model: Some(m), .. } = &u.target {
            models.push(m);
        }
    }
    models.sort_unstable();
    models.dedup();
    'models: for m in models {
        for b in Bucket::ALL {
            let reaches = |t: &Target| match t {
                Target::Price { model, buckets } => {
                    buckets[b.index()] && model.as_deref().is_none_or(|x| x == m)
                }
                _ => false,
            };
            let factor: f64 = sc
                .uncertain
                .iter()
                .zip(&tops)
                .filter(|(u, _)| reaches(&u.target))
                .map(|(_, t)| t)
                .product();
            if factor > scenario::MAX_PRICE_CHANGE_FACTOR {
                errors.push((
                    "uncertain".to_string(),
                    format!(
                        "the scales of {m:?}'s {} price multiply to x{} at their largest draws \
                         ({}); together they may scale a price by at most x{}",
                        b.name(),
                        scenario::trim_float(factor),
                        named(&reaches),
                        scenario::trim_float(scenario::MAX_PRICE_CHANGE_FACTOR)
                    ),
                ));
                continue 'models;
            }
        }
    }
    // Everything else: the run's scenario with every entry at its largest draw.
    let (worst, _) = match apply_unchecked(sc, &tops) {
        Ok(w) => w,
        Err(e) => {
            errors.push(("uncertain".to_string(), e));
            return errors;
        }
    };
    for (e, w) in sc.endpoints.iter().zip(&worst.endpoints) {
        for p in [
            Part::System,
            Part::Tools,
            Part::Context,
            Part::User,
            Part::FirstUser,
            Part::Documents,
            Part::Output,
            Part::Reasoning,
        ] {
            let mut w = w.clone();
            let Some(mut top) = sizes_mut(&mut w, p).map(|d| d.plausible_max()) else {
                continue;
            };
            if p == Part::User {
                for (_, d) in &w.prompt.user_tokens_by_turns {
                    top = top.max(d.plausible_max());
                }
            }
            if top > limits::MAX_TOKENS_PER_REQUEST {
                errors.push((
                    "uncertain".to_string(),
                    format!(
                        "together, at their largest draws ({}), the scales of endpoint {:?}'s \
                         {} give up to {} tokens per request; at most {} is accepted",
                        named(&|t| matches!(t, Target::Sizes { endpoints, parts }
                            if parts.contains(&p) && endpoints.iter().any(|&i| sc.endpoints[i].name == e.name))),
                        e.name,
                        p.field(),
                        scenario::trim_float(top.round()),
                        scenario::trim_float(limits::MAX_TOKENS_PER_REQUEST)
                    ),
                ));
            }
        }
    }
    if let Err(e) = check_sessions_per_day(&worst, "the largest draws") {
        errors.push((
            "uncertain".to_string(),
            format!("{e} ({})", named(&|t| matches!(t, Target::Traffic { .. }))),
        ));
    }
    errors
}

/// `x` for a message: whole from 100 up, three decimals below.
fn approx(x: f64) -> String {
    if x.abs() >= 100.0 {
        limits::readable(x.round())
    } else {
        limits::readable((x * 1000.0).round() / 1000.0)
    }
}

/// One drawn number and how it applies.
#[derive(Clone, Copy)]
struct Drawn {
    kind: Kind,
    x: f64,
}

impl Drawn {
    /// The new value of a number that was `old`.
    fn set(self, old: f64) -> f64 {
        match self.kind {
            Kind::Value => self.x,
            Kind::Scale => old * self.x,
        }
    }

    /// The new value of a probability that was `old`, kept in [0, 1].
    fn prob(self, old: f64) -> f64 {
        self.set(old).clamp(0.0, 1.0)
    }
}

/// Apply `d` to the traffic `field` of one endpoint (a field its query model or growth curve
/// lacks is left alone).
fn set_traffic(t: &mut Traffic, field: TrafficField, d: Drawn) -> Result<(), String> {
    match field {
        TrafficField::DailyActiveUsers => t.daily_active_users = d.set(t.daily_active_users),
        TrafficField::SessionsPerUser => {
            t.sessions_per_user_per_day = d.set(t.sessions_per_user_per_day)
        }
        TrafficField::Turns => {
            t.turns = t.turns.scaled(d.x)?;
            for (_, band) in &mut t.turns_by_opening {
                *band = band.scaled(d.x)?;
            }
        }
        TrafficField::ThinkTime => t.think_time_s = t.think_time_s.scaled(d.x)?,
        TrafficField::QueriesRate => {
            if let Some(Queries::Repetition { rate }) = &mut t.queries {
                *rate = d.prob(*rate);
            }
        }
        TrafficField::QueriesS => {
            if let Some(Queries::Zipf { s, .. }) = &mut t.queries {
                *s = d.set(*s).max(0.0);
            }
        }
        TrafficField::QueriesIntents => {
            if let Some(Queries::Zipf { intents, .. }) = &mut t.queries {
                *intents = d.set(*intents as f64).round().max(1.0) as u64;
            }
        }
        TrafficField::GrowthUsersPerMonth => {
            if let Some(Growth::Linear { users_per_month }) = &mut t.growth {
                *users_per_month = d.set(*users_per_month);
            }
        }
        TrafficField::GrowthMonthlyRate => match &mut t.growth {
            Some(Growth::Exponential { monthly_rate }) => {
                *monthly_rate = d.set(*monthly_rate).max(-0.999_999);
            }
            Some(Growth::Logistic { monthly_rate, .. }) => {
                *monthly_rate = d.set(*monthly_rate).max(1e-9);
            }
            _ => {}
        },
        TrafficField::GrowthCeiling => {
            if let Some(Growth::Logistic { ceiling_users, .. }) = &mut t.growth {
                *ceiling_users = d.set(*ceiling_users);
            }
        }
    }
    Ok(())
}

/// Apply `d` to every strategy's semantic cache: its hit probability (`hit`) or false-hit
/// rate.
fn set_semantic_cache(sc: &mut Scenario, hit: bool, d: Drawn) {
    for s in &mut sc.strategies {
        for e in &mut s.endpoints {
            if let Some(c) = &mut e.semantic_cache {
                if hit {
                    c.hit_probability = d.prob(c.hit_probability);
                } else {
                    c.false_hit_rate = d.prob(c.false_hit_rate);
                }
            }
        }
    }
}

/// Apply `d` to the hit share of every strategy's implicit caching.
fn set_implicit_hit_share(sc: &mut Scenario, d: Drawn) {
    for s in &mut sc.strategies {
        for e in &mut s.endpoints {
            if let Some(c) = &mut e.prompt_cache
                && let Some(share) = &mut c.implicit_hit_share
            {
                *share = d.prob(*share);
            }
        }
    }
}

/// Apply `d` to the escalate share of every strategy's cascades.
fn set_escalate_share(sc: &mut Scenario, d: Drawn) {
    for s in &mut sc.strategies {
        for e in &mut s.endpoints {
            if let Some(r) = &mut e.routing {
                for rule in &mut r.rules {
                    if let Action::Cascade { escalate_share, .. } = &mut rule.action {
                        *escalate_share = d.prob(*escalate_share);
                    }
                }
            }
        }
    }
}

/// Both uncertain and drawn crossed: users held at the ceiling (see the module docs).
fn hold_users_at_ceiling(sc: &mut Scenario) {
    for e in &mut sc.endpoints {
        let t = &mut e.traffic;
        if let Some(Growth::Logistic { ceiling_users, .. }) = &mut t.growth
            && *ceiling_users < t.daily_active_users
        {
            t.daily_active_users = *ceiling_users;
        }
    }
}

/// The run's draws must keep every endpoint's busiest day within the simulated sessions.
fn check_sessions_per_day(sc: &Scenario, draws: &str) -> Result<(), String> {
    for e in &sc.endpoints {
        let t = &e.traffic;
        let peak = t
            .users_by_day(&sc.months)
            .into_iter()
            .fold(t.daily_active_users, f64::max);
        let daily = peak * t.sessions_per_user_per_day;
        if !daily.is_finite() || daily > scenario::MAX_SESSIONS_PER_DAY {
            return Err(format!(
                "endpoint {:?}: {draws} give {} sessions a day; at most {} a day are \
                 simulated: narrow the uncertain traffic distributions",
                e.name,
                limits::readable(daily.round()),
                scenario::trim_float(scenario::MAX_SESSIONS_PER_DAY)
            ));
        }
    }
    Ok(())
}

/// The size distribution `p` of endpoint `e`.
fn sizes_mut(e: &mut Endpoint, p: Part) -> Option<&mut Dist> {
    Some(match p {
        Part::System => &mut e.prompt.system_tokens,
        Part::Tools => &mut e.prompt.tools_tokens,
        Part::Context => &mut e.prompt.context_tokens,
        Part::User => &mut e.prompt.user_tokens,
        Part::FirstUser => return e.prompt.first_user_tokens.as_mut(),
        Part::Documents => return e.prompt.documents.as_mut().map(|d| &mut d.tokens),
        Part::Output => &mut e.output_tokens,
        Part::Reasoning => &mut e.reasoning_tokens,
    })
}
