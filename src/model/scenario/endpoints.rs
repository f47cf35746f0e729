//! Checking a scenario's endpoints: each one's model and service tier, traffic, and request
//! sizes, into validated [`Endpoint`]s, collecting every problem.
//!
//! An endpoint is the largest part of a scenario file; its checks live here so that loading
//! (`load`) reads as the list of a scenario's parts.

use crate::foundations::calendar::MonthSpan;
use crate::foundations::dist::Dist;
use crate::foundations::limits;
use crate::foundations::pricing::{Catalog, Mode, ModelPrice, ServiceTier};

use super::check::{MAX_SESSIONS_PER_DAY, Validator, trim_float, unknown_model};
use super::file::{self, EndpointFile, Growth, Queries, ScenarioFile, TrafficFile};
use super::strategies::check_recorded;
use super::{Documents, Endpoint, Prompt, Traffic};
use crate::model::strategy::RecordedShares;

/// The file's endpoints, each checked against `catalog`. An endpoint whose model is unknown is
/// left out (its errors are in `v`).
pub(super) fn validate_endpoints(
    v: &mut Validator,
    file: &ScenarioFile,
    catalog: &Catalog,
    months: &[MonthSpan],
) -> Vec<Endpoint> {
    if file.endpoints.is_empty() {
        v.err("endpoints", "at least one endpoint is required");
    }
    let mut endpoints = Vec::new();
    for (i, e) in file.endpoints.iter().enumerate() {
        let p = format!("endpoints[{i}]");
        v.name(
            &format!("{p}.name"),
            &e.name,
            file.endpoints[..i].iter().any(|o| o.name == e.name),
            "endpoint",
        );
        let (price, service_tier) = validate_model(v, &p, e, catalog);
        let before = v.errors.len();
        let traffic = validate_traffic(v, &p, e);
        validate_sizes(v, &p, e);
        validate_sessions_per_day(v, &p, &e.traffic);
        if v.errors.len() == before {
            validate_peak_day(v, &p, &traffic, months);
        }
        if let Some(price) = price {
            let mut ep = endpoint(e, price, service_tier, traffic);
            if let Some(rc) = &e.recorded_cache {
                let shares = RecordedShares {
                    read: rc.read,
                    write: rc.write,
                };
                let at = format!("{p}.recorded_cache");
                ep.recorded_cache =
                    check_recorded(v, (&at, &at), &ep, shares, rc.ttl).map(|ttl| (shares, ttl));
            }
            endpoints.push(ep);
        }
    }
    endpoints
}

/// The endpoint's model (when the catalog has it) and service tier: a chat model, with flex
/// prices if the tier is Flex.
fn validate_model(
    v: &mut Validator,
    p: &str,
    e: &EndpointFile,
    catalog: &Catalog,
) -> (Option<ModelPrice>, ServiceTier) {
    let price = match catalog.get(&e.model) {
        Some(m) => Some(m.clone()),
        None => {
            v.err(format!("{p}.model"), unknown_model(&e.model, catalog));
            None
        }
    };
    let service_tier = match e.service_tier {
        file::ServiceTierFile::Standard => ServiceTier::Standard,
        file::ServiceTierFile::Flex => ServiceTier::Flex,
    };
    if let Some(m) = &price {
        if m.mode != Mode::Chat {
            v.err(
                format!("{p}.model"),
                format!(
                    "{:?} is an embedding model; an endpoint needs a chat model",
                    e.model
                ),
            );
        }
        if service_tier == ServiceTier::Flex && m.flex.is_none() {
            v.err(
                format!("{p}.service_tier"),
                format!(
                    "{:?} has no flex prices in {}; use Standard",
                    e.model, catalog.source
                ),
            );
        }
    }
    (price, service_tier)
}

/// The endpoint's traffic: users and sessions, the hourly and weekday profiles, turns and
/// think time (a deferrable endpoint has single-request sessions), queries and growth.
fn validate_traffic(v: &mut Validator, p: &str, e: &EndpointFile) -> Traffic {
    let t = &e.traffic;
    v.amount(
        &format!("{p}.traffic.daily_active_users"),
        t.daily_active_users,
        limits::MAX_DAILY_ACTIVE_USERS,
        "daily active users",
    );
    v.non_negative(
        &format!("{p}.traffic.sessions_per_user_per_day"),
        t.sessions_per_user_per_day,
    );
    let hourly_share = v.weights::<24>(
        &format!("{p}.traffic.hourly_profile"),
        t.hourly_profile.as_deref(),
        "24 weights, hour 0 to hour 23",
    );
    let weekday = v.weights::<7>(
        &format!("{p}.traffic.weekday_weights"),
        t.weekday_weights.as_deref(),
        "7 weights, Monday to Sunday",
    );
    let weekday_factor = weekday.map(|w| w * 7.0);
    validate_turns(v, &format!("{p}.traffic.turns"), &t.turns);
    let turns_by_opening = validate_turns_by_opening(v, p, t);
    let multi_turn = std::iter::once(&t.turns)
        .chain(turns_by_opening.iter().map(|(_, d)| d))
        .any(|d| d.support_max() > 1.0);
    if e.deferrable && multi_turn {
        v.err(
            format!("{p}.deferrable"),
            "a deferrable endpoint's sessions must be single requests (turns: Fixed(1)): \
             a conversation cannot wait hours for each answer",
        );
    }
    let think_time_s = validate_think_time(v, p, t, multi_turn);
    if let Some(q) = &t.queries {
        validate_queries(v, &format!("{p}.traffic.queries"), q);
    }
    if let Some(g) = &t.growth {
        validate_growth(v, &format!("{p}.traffic.growth"), g, t.daily_active_users);
    }
    Traffic {
        daily_active_users: t.daily_active_users,
        sessions_per_user_per_day: t.sessions_per_user_per_day,
        hourly_share,
        weekday_factor,
        turns: t.turns.clone(),
        turns_by_opening,
        // Set with the prompt, in `endpoint`.
        opening_shares: vec![1.0],
        think_time_s,
        queries: t.queries.clone(),
        growth: t.growth.clone(),
    }
}

/// A turns distribution at `path`: valid, a mean of at least 1, and a plausible P99.9.
fn validate_turns(v: &mut Validator, path: &str, d: &Dist) {
    let before = v.errors.len();
    v.dist(path, d, 1.0);
    if v.errors.len() == before {
        v.plausible(
            path,
            d,
            limits::MAX_TURNS,
            "turns per session",
            "far beyond the longest agent loops; a run must end",
        );
    }
}

/// `traffic.turns_by_opening`: bounds positive and increasing, turns as `traffic.turns`.
fn validate_turns_by_opening(v: &mut Validator, p: &str, t: &TrafficFile) -> Vec<(f64, Dist)> {
    let mut bands = Vec::new();
    let mut last = 0.0;
    for (i, band) in t.turns_by_opening.iter().enumerate() {
        let path = format!("{p}.traffic.turns_by_opening[{i}]");
        if !(band.below.is_finite() && band.below > last) {
            let what = if i == 0 {
                "a positive number of tokens".to_string()
            } else {
                format!(
                    "more tokens than the band before ({}): bands go from the smallest \
                     openings up",
                    trim_float(last)
                )
            };
            v.err(
                format!("{path}.below"),
                format!("must be {what} (got {})", trim_float(band.below)),
            );
        } else {
            last = band.below;
        }
        validate_turns(v, &format!("{path}.turns"), &band.turns);
        bands.push((band.below, band.turns.clone()));
    }
    bands
}

/// `traffic.think_time_s`: required when sessions can have more than one turn (`multi_turn`),
/// else 0.
fn validate_think_time(v: &mut Validator, p: &str, t: &TrafficFile, multi_turn: bool) -> Dist {
    match &t.think_time_s {
        Some(d) => {
            let path = format!("{p}.traffic.think_time_s");
            let before = v.errors.len();
            v.dist(&path, d, 0.0);
            if v.errors.len() == before {
                v.plausible(
                    &path,
                    d,
                    limits::MAX_THINK_TIME_S,
                    "seconds",
                    "the longest horizon, 3660 days",
                );
            }
            d.clone()
        }
        None => {
            if multi_turn {
                v.err(
                    format!("{p}.traffic.think_time_s"),
                    "required when sessions can have more than one turn, e.g. \
                     think_time_s: LogNormal(median: 30, p90: 120)",
                );
            }
            Dist::Fixed(0.0)
        }
    }
}

/// Sessions' openings sampled to estimate the shares of [`opening_shares`].
const OPENING_SAMPLE: u32 = 4096;

/// The expected share of an endpoint's sessions whose opening (document and first message)
/// falls in each band of `bands`, then above them all: the shares of a fixed sample of
/// [`OPENING_SAMPLE`] openings drawn from the prompt's distributions (standard error under
/// 0.8 points). A session's document size is distributed as `documents.tokens` whatever the
/// popularity (sizes are drawn per document independently of which is picked). Only the
/// expected requests use it (run sizing, the budget's control variate); the simulation draws
/// each session's band from its own opening.
fn opening_shares(endpoint: &str, bands: &[(f64, Dist)], pr: &file::PromptFile) -> Vec<f64> {
    use crate::foundations::rng::{self, Purpose};
    use rand::RngExt;
    let mut shares = vec![0.0; bands.len() + 1];
    // A distribution without a sampler has been reported by validation, and the scenario
    // does not load: the shares are then never read.
    let first = pr.first_user_tokens.as_ref().unwrap_or(&pr.user_tokens);
    let Ok(first) = first.sampler() else {
        return shares;
    };
    let doc = match &pr.documents {
        Some(d) => match d.tokens.sampler() {
            Ok(s) => Some((d.share, s)),
            Err(_) => return shares,
        },
        None => None,
    };
    let mut rng = rng::stream(0, 0, endpoint, Purpose::OpeningShares);
    for _ in 0..OPENING_SAMPLE {
        let mut opening = first.sample_count(&mut rng, 0);
        if let Some((share, d)) = &doc {
            let u: f64 = rng.random();
            if u < *share {
                opening = opening.saturating_add(d.sample_count(&mut rng, 0));
            }
        }
        let band = bands
            .iter()
            .position(|(below, _)| (opening as f64) < *below)
            .unwrap_or(bands.len());
        shares[band] += 1.0 / f64::from(OPENING_SAMPLE);
    }
    shares
}

/// Check `traffic.queries` of an endpoint.
fn validate_queries(v: &mut Validator, path: &str, q: &Queries) {
    match q {
        Queries::Zipf { intents, s } => {
            if *intents < 1 {
                v.err(format!("{path}.intents"), "must be >= 1 (got 0)");
            }
            if !s.is_finite() || *s < 0.0 {
                v.err(
                    format!("{path}.s"),
                    format!("must be a finite number >= 0 (got {})", trim_float(*s)),
                );
            }
        }
        Queries::Repetition { rate } => v.probability(&format!("{path}.rate"), *rate),
    }
}

/// Check `traffic.growth` of an endpoint with `dau` day-0 users.
fn validate_growth(v: &mut Validator, p: &str, g: &Growth, dau: f64) {
    match g {
        Growth::Linear { users_per_month } => {
            if !users_per_month.is_finite() {
                v.err(format!("{p}.users_per_month"), "must be a finite number");
            }
        }
        Growth::Exponential { monthly_rate } => {
            if !monthly_rate.is_finite() || *monthly_rate <= -1.0 || *monthly_rate > 100.0 {
                v.err(
                    format!("{p}.monthly_rate"),
                    format!(
                        "must be above -1 and at most 100 (got {}); 0.2 means +20% a month",
                        trim_float(*monthly_rate)
                    ),
                );
            }
        }
        Growth::Logistic {
            ceiling_users,
            monthly_rate,
        } => {
            if !ceiling_users.is_finite() || *ceiling_users < dau {
                v.err(
                    format!("{p}.ceiling_users"),
                    format!(
                        "must be a finite number >= daily_active_users ({}) (got {})",
                        trim_float(dau),
                        trim_float(*ceiling_users)
                    ),
                );
            }
            if !monthly_rate.is_finite() || *monthly_rate <= 0.0 || *monthly_rate > 100.0 {
                v.err(
                    format!("{p}.monthly_rate"),
                    format!(
                        "must be above 0 and at most 100 (got {})",
                        trim_float(*monthly_rate)
                    ),
                );
            }
        }
        Growth::Monthly(points) => {
            if points.is_empty() {
                v.err(
                    p,
                    "needs at least one multiplier, e.g. Monthly([1.0, 1.5, 2.2])",
                );
            }
            for (i, x) in points.iter().enumerate() {
                if !x.is_finite() || *x < 0.0 {
                    v.err(
                        format!("{p}[{i}]"),
                        format!("must be a finite multiplier >= 0 (got {})", trim_float(*x)),
                    );
                }
            }
        }
    }
}

/// The token distributions of the prompt's parts and of the output.
fn validate_sizes(v: &mut Validator, p: &str, e: &EndpointFile) {
    let pr = &e.prompt;
    for (field, d) in [
        ("prompt.system_tokens", &pr.system_tokens),
        ("prompt.tools_tokens", &pr.tools_tokens),
        ("prompt.context_tokens", &pr.context_tokens),
        ("prompt.user_tokens", &pr.user_tokens),
        ("output_tokens", &e.output_tokens),
        ("reasoning_tokens", &e.reasoning_tokens),
    ] {
        v.tokens(&format!("{p}.{field}"), d);
    }
    if let Some(d) = &pr.first_user_tokens {
        v.tokens(&format!("{p}.prompt.first_user_tokens"), d);
    }
    let mut last = 1;
    for (i, band) in pr.user_tokens_by_turns.iter().enumerate() {
        let path = format!("{p}.prompt.user_tokens_by_turns[{i}]");
        if band.at_most <= last {
            let what = if i == 0 {
                "at least 2 (a session of one turn has no later message)".to_string()
            } else {
                format!(
                    "more than the entry before ({last}): entries go from the shortest sessions up"
                )
            };
            v.err(
                format!("{path}.at_most"),
                format!("must be {what} (got {})", band.at_most),
            );
        } else {
            last = band.at_most;
        }
        v.tokens(&format!("{path}.user_tokens"), &band.user_tokens);
    }
    if let Some(docs) = &pr.documents {
        let dp = format!("{p}.prompt.documents");
        v.probability(&format!("{dp}.share"), docs.share);
        validate_queries(v, &format!("{dp}.popularity"), &docs.popularity);
        v.tokens(&format!("{dp}.tokens"), &docs.tokens);
    }
}

/// Every request is simulated, so the sessions of a day are capped.
fn validate_sessions_per_day(v: &mut Validator, p: &str, t: &TrafficFile) {
    let daily = t.daily_active_users * t.sessions_per_user_per_day;
    if daily.is_finite() && daily > MAX_SESSIONS_PER_DAY {
        v.err(
            format!("{p}.traffic"),
            format!(
                "daily_active_users × sessions_per_user_per_day is {} sessions a day; \
                 tokencast simulates every request, so at most {} a day are supported",
                trim_float(daily),
                trim_float(MAX_SESSIONS_PER_DAY)
            ),
        );
    }
}

/// With a growth curve, the busiest day of the horizon must stay within the limits of day 0:
/// at most [`limits::MAX_DAILY_ACTIVE_USERS`] users and [`MAX_SESSIONS_PER_DAY`] sessions.
fn validate_peak_day(v: &mut Validator, p: &str, t: &Traffic, months: &[MonthSpan]) {
    if t.growth.is_none() {
        return;
    }
    let users = t.users_by_day(months);
    let Some((day, peak)) = users
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return;
    };
    let path = format!("{p}.traffic.growth");
    if !peak.is_finite() || peak > limits::MAX_DAILY_ACTIVE_USERS {
        v.err(
            path,
            format!(
                "gives {} daily active users on day {day}; at most {} is accepted",
                trim_float(peak.round()),
                trim_float(limits::MAX_DAILY_ACTIVE_USERS)
            ),
        );
        return;
    }
    let sessions = peak * t.sessions_per_user_per_day;
    if sessions > MAX_SESSIONS_PER_DAY {
        v.err(
            path,
            format!(
                "gives {} sessions on day {day} ({} users × sessions_per_user_per_day); \
                 tokencast simulates every request, so at most {} a day are supported",
                trim_float(sessions.round()),
                trim_float(peak.round()),
                trim_float(MAX_SESSIONS_PER_DAY)
            ),
        );
    }
}

/// The validated endpoint of `e`, with its model's `price`.
fn endpoint(
    e: &EndpointFile,
    price: ModelPrice,
    service_tier: ServiceTier,
    mut traffic: Traffic,
) -> Endpoint {
    let pr = &e.prompt;
    if !traffic.turns_by_opening.is_empty() {
        traffic.opening_shares = opening_shares(&e.name, &traffic.turns_by_opening, pr);
    }
    Endpoint {
        name: e.name.clone(),
        model: e.model.clone(),
        price,
        service_tier,
        deferrable: e.deferrable,
        traffic,
        prompt: Prompt {
            system_tokens: pr.system_tokens.clone(),
            tools_tokens: pr.tools_tokens.clone(),
            context_tokens: pr.context_tokens.clone(),
            user_tokens: pr.user_tokens.clone(),
            first_user_tokens: pr.first_user_tokens.clone(),
            user_tokens_by_turns: pr
                .user_tokens_by_turns
                .iter()
                .map(|b| (b.at_most, b.user_tokens.clone()))
                .collect(),
            documents: pr.documents.as_ref().map(|d| Documents {
                share: d.share,
                popularity: d.popularity.clone(),
                tokens: d.tokens.clone(),
            }),
            history: pr.history,
            context_in_history: pr.context_in_history,
        },
        output_tokens: e.output_tokens.clone(),
        reasoning_tokens: e.reasoning_tokens.clone(),
        recorded_cache: None,
    }
}
