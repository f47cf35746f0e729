//! Loading a scenario: reading the file, resolving its catalog, and checking every field into
//! the domain types of [`super`], collecting all problems.

use std::path::Path;
use std::sync::Arc;

use crate::foundations::calendar::{self, Date};
use crate::foundations::dist::Dist;
use crate::foundations::pricing::{Bucket, Catalog, Mode, ServiceTier};
use crate::model::strategy::{ContextPolicy, Strategy};
use crate::model::uncertain;

use super::check::{
    MAX_SESSIONS_PER_DAY, ScenarioError, Validator, did_you_mean, hex_sha256, parse, trim_float,
    unknown_model,
};
use super::file::{self, Growth, Queries, ScenarioFile, Weekday};
use super::strategies::resolve_strategies;
use super::{Endpoint, Plan, PriceChange, Prompt, Revenue, Scenario, Traffic};

impl Scenario {
    /// Load and validate a scenario file. `prices_override` (the `--prices` flag) replaces the
    /// catalog the file names, if any.
    pub fn load(path: &Path, prices_override: Option<&Path>) -> Result<Scenario, ScenarioError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
            path: display.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Syntax {
            path: display.clone(),
            line: 1,
            col: 1,
            message: format!("file is not UTF-8 text ({e})"),
        })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::load_text(&text, &display, &base_dir, prices_override)
    }

    /// Load and validate scenario text that was not read from its own path (e.g. a version from
    /// `git show`): `display` names it in errors and reports, and a relative `prices` path is
    /// resolved against `base_dir`. `prices_override` is the `--prices` flag.
    pub fn load_text(
        text: &str,
        display: &str,
        base_dir: &Path,
        prices_override: Option<&Path>,
    ) -> Result<Scenario, ScenarioError> {
        let file = parse(text, display)?;
        let catalog = match (prices_override, &file.prices) {
            (Some(p), _) => Catalog::load(p),
            (None, Some(p)) => Catalog::load(&base_dir.join(p)),
            (None, None) => Ok(Catalog::builtin()),
        }
        .map_err(|source| ScenarioError::Prices {
            path: display.to_string(),
            source,
        })?;
        let mut s = Scenario::from_file(file, catalog, display)?;
        s.sha256 = hex_sha256(text.as_bytes());
        Ok(s)
    }

    /// Validate a parsed file against a catalog, collecting every problem.
    pub fn from_file(
        file: ScenarioFile,
        mut catalog: Catalog,
        path: &str,
    ) -> Result<Scenario, ScenarioError> {
        let mut v = Validator::default();
        if file.name.trim().is_empty() {
            v.err("name", "must not be empty");
        }
        if file.horizon_days == 0 || file.horizon_days > 3660 {
            v.err(
                "horizon_days",
                format!("must be between 1 and 3660 (got {})", file.horizon_days),
            );
        }
        let start_date = match &file.start_date {
            Some(t) => match Date::parse(t) {
                Ok(d) => Some(d),
                Err(e) => {
                    v.err("start_date", e);
                    None
                }
            },
            None => None,
        };
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        let start_weekday = match (file.start_weekday, start_date) {
            (Some(w), Some(d)) if w.index() != d.weekday() => {
                v.err(
                    "start_weekday",
                    format!(
                        "is {w:?} but start_date {d} is a {:?}; give one of them",
                        weekdays[d.weekday()]
                    ),
                );
                w
            }
            (Some(w), _) => w,
            (None, Some(d)) => weekdays[d.weekday()],
            (None, None) => Weekday::Mon,
        };
        let horizon = file.horizon_days.min(3660);
        let months = match start_date {
            Some(d) => calendar::calendar_months(d, horizon),
            None => calendar::thirty_day_months(horizon),
        };
        for (id, m) in &file.models {
            if let Err(e) = m.validate() {
                v.err(format!("models[{id:?}]"), e);
            }
        }
        catalog.extend(file.models.clone());
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
            let price = match catalog.get(&e.model) {
                Some(m) => Some(m.clone()),
                None => {
                    v.err(format!("{p}.model"), unknown_model(&e.model, &catalog));
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
            let t = &e.traffic;
            v.non_negative(
                &format!("{p}.traffic.daily_active_users"),
                t.daily_active_users,
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
            v.dist(&format!("{p}.traffic.turns"), &t.turns, 1.0);
            if e.deferrable && t.turns.support_max() > 1.0 {
                v.err(
                    format!("{p}.deferrable"),
                    "a deferrable endpoint's sessions must be single requests (turns: Fixed(1)): \
                     a conversation cannot wait hours for each answer",
                );
            }
            let think_time_s = match &t.think_time_s {
                Some(d) => {
                    v.dist(&format!("{p}.traffic.think_time_s"), d, 0.0);
                    d.clone()
                }
                None => {
                    if t.turns.support_max() > 1.0 {
                        v.err(
                            format!("{p}.traffic.think_time_s"),
                            "required when sessions can have more than one turn, e.g. \
                             think_time_s: LogNormal(median: 30, p90: 120)",
                        );
                    }
                    Dist::Fixed(0.0)
                }
            };
            if let Some(q) = &t.queries {
                validate_queries(&mut v, &format!("{p}.traffic.queries"), q);
            }
            if let Some(g) = &t.growth {
                validate_growth(
                    &mut v,
                    &format!("{p}.traffic.growth"),
                    g,
                    t.daily_active_users,
                );
            }
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
            if let Some(price) = price {
                endpoints.push(Endpoint {
                    name: e.name.clone(),
                    model: e.model.clone(),
                    price,
                    service_tier,
                    deferrable: e.deferrable,
                    traffic: Traffic {
                        daily_active_users: t.daily_active_users,
                        sessions_per_user_per_day: t.sessions_per_user_per_day,
                        hourly_share,
                        weekday_factor,
                        turns: t.turns.clone(),
                        think_time_s,
                        queries: t.queries.clone(),
                        growth: t.growth.clone(),
                    },
                    prompt: Prompt {
                        system_tokens: pr.system_tokens.clone(),
                        tools_tokens: pr.tools_tokens.clone(),
                        context_tokens: pr.context_tokens.clone(),
                        user_tokens: pr.user_tokens.clone(),
                        history: pr.history,
                        context_in_history: pr.context_in_history,
                    },
                    output_tokens: e.output_tokens.clone(),
                    reasoning_tokens: e.reasoning_tokens.clone(),
                });
            }
        }
        let strategies = if endpoints.len() == file.endpoints.len() {
            resolve_strategies(&file, &endpoints, &catalog, &mut v)
        } else {
            Vec::new()
        };
        let price_changes = validate_price_changes(&mut v, &file, start_date, &catalog);
        let revenue = file.revenue.as_ref().map(|r| validate_revenue(&mut v, r));
        let uncertain = if endpoints.len() == file.endpoints.len() {
            uncertain::resolve(
                &file.uncertain,
                &uncertain::Context {
                    endpoints: &endpoints,
                    strategies: &strategies,
                    catalog: &catalog,
                    revenue: revenue.as_ref(),
                },
            )
            .unwrap_or_else(|errors| {
                for (path, message) in errors {
                    v.err(path, message);
                }
                Vec::new()
            })
        } else {
            Vec::new()
        };
        if !v.errors.is_empty() {
            return Err(ScenarioError::Invalid {
                path: path.to_string(),
                errors: v.errors,
            });
        }
        let warnings = prefix_warnings(&endpoints, &strategies)
            .into_iter()
            .chain(unbilled_price_changes(
                &price_changes,
                &endpoints,
                &strategies,
            ))
            .collect();
        Ok(Scenario {
            name: file.name.clone(),
            description: file.description.clone(),
            path: path.to_string(),
            sha256: String::new(),
            seed: file.seed,
            horizon_days: file.horizon_days,
            start_weekday,
            start_date,
            months,
            catalog: Arc::new(catalog),
            uncertain,
            price_changes,
            revenue,
            warnings,
            endpoints,
            strategies,
            file,
        })
    }

    /// Change the horizon, keeping the months (and price changes) consistent with it.
    pub fn set_horizon_days(&mut self, days: u32) {
        self.horizon_days = days;
        self.months = match self.start_date {
            Some(d) => calendar::calendar_months(d, days),
            None => calendar::thirty_day_months(days),
        };
        self.price_changes.retain(|c| c.day < days);
    }

    /// Weekday index (0 = Monday) of day `day`.
    pub fn weekday_of(&self, day: u32) -> usize {
        (self.start_weekday.index() + day as usize) % 7
    }
}
/// Prompt caching switched on for an endpoint whose static prefix (a fixed system prompt and
/// tools) is shorter than the model's minimum cacheable prefix: only prompts that grow past the
/// minimum through history can be cached.
fn prefix_warnings(endpoints: &[Endpoint], strategies: &[Strategy]) -> Vec<String> {
    let mut out = Vec::new();
    for s in strategies {
        for (e, l) in endpoints.iter().zip(&s.endpoints) {
            if l.prompt_cache.is_none() {
                continue;
            }
            let (Dist::Fixed(sys), Dist::Fixed(tools)) =
                (&e.prompt.system_tokens, &e.prompt.tools_tokens)
            else {
                continue;
            };
            let prefix = (sys + tools) as u64;
            let min = e.price.cache.min_prefix_tokens;
            if prefix > 0 && prefix < min {
                out.push(format!(
                    "{}: endpoint {:?}'s system prompt and tools ({prefix} tokens) are shorter than {:?}'s minimum cacheable prefix ({min} tokens): only prompts that grow past {min} tokens can be cached",
                    s.name, e.name, e.model
                ));
            }
        }
    }
    out
}

/// A dated price change for a model nothing in the scenario bills (no endpoint, routing rule,
/// summariser or embedding model uses it) changes nothing: most likely a misspelt or outdated
/// model id, so it is said, once per model.
fn unbilled_price_changes(
    changes: &[PriceChange],
    endpoints: &[Endpoint],
    strategies: &[Strategy],
) -> Vec<String> {
    let mut billed: Vec<&str> = endpoints.iter().map(|e| e.model.as_str()).collect();
    for l in strategies.iter().flat_map(|s| &s.endpoints) {
        if let Some(r) = &l.routing {
            billed.extend(r.models());
        }
        if let Some(ContextPolicy::Summarize { model: Some(m), .. }) = &l.context {
            billed.push(m);
        }
        if let Some(sc) = &l.semantic_cache {
            billed.push(&sc.embedding_model);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for c in changes {
        let said = |m: &str| out.iter().any(|w| w.contains(&format!("{m:?}")));
        if !billed.contains(&c.model.as_str()) && !said(&c.model) {
            out.push(format!(
                "price_changes: model {:?} is not billed by any endpoint or strategy of this scenario (models billed: {}): its price change has no effect",
                c.model,
                {
                    let mut b = billed.clone();
                    b.sort_unstable();
                    b.dedup();
                    b.join(", ")
                }
            ));
        }
    }
    out
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
                    format!("must be a finite number >= 0 (got {s})"),
                );
            }
        }
        Queries::Repetition { rate } => v.probability(&format!("{path}.rate"), *rate),
    }
}

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
                        "must be above -1 and at most 100 (got {monthly_rate}); 0.2 means +20% a month"
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
                        "must be a finite number >= daily_active_users ({}) (got {ceiling_users})",
                        trim_float(dau)
                    ),
                );
            }
            if !monthly_rate.is_finite() || *monthly_rate <= 0.0 || *monthly_rate > 100.0 {
                v.err(
                    format!("{p}.monthly_rate"),
                    format!("must be above 0 and at most 100 (got {monthly_rate})"),
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
                        format!("must be a finite multiplier >= 0 (got {x})"),
                    );
                }
            }
        }
    }
}

fn validate_price_changes(
    v: &mut Validator,
    file: &ScenarioFile,
    start: Option<Date>,
    catalog: &Catalog,
) -> Vec<PriceChange> {
    let mut out = Vec::new();
    for (i, c) in file.price_changes.iter().enumerate() {
        let p = format!("price_changes[{i}]");
        let day = match (&c.date, c.day) {
            (Some(_), Some(_)) | (None, None) => {
                v.err(
                    &p,
                    "give exactly one of date: \"YYYY-MM-DD\" (with the scenario's start_date) or day: N",
                );
                None
            }
            (None, Some(d)) => Some(i64::from(d)),
            (Some(t), None) => match (Date::parse(t), start) {
                (Err(e), _) => {
                    v.err(format!("{p}.date"), e);
                    None
                }
                (Ok(_), None) => {
                    v.err(
                        format!("{p}.date"),
                        "a dated change needs the scenario's start_date (or use day: N)",
                    );
                    None
                }
                (Ok(d), Some(s)) => Some(d.days_since_epoch() - s.days_since_epoch()),
            },
        };
        if let Some(d) = day
            && (d < 0 || d >= i64::from(file.horizon_days))
        {
            v.err(
                &p,
                format!(
                    "falls on day {d}, outside the horizon (days 0 to {})",
                    file.horizon_days.saturating_sub(1)
                ),
            );
        }
        if catalog.get(&c.model).is_none() {
            v.err(format!("{p}.model"), unknown_model(&c.model, catalog));
        }
        if !c.factor.is_finite() || c.factor <= 0.0 {
            v.err(
                format!("{p}.factor"),
                format!(
                    "must be a finite number > 0 (got {}); 0.5 halves the price",
                    c.factor
                ),
            );
        }
        let mut buckets = [c.buckets.is_empty(); Bucket::ALL.len()];
        for (j, b) in c.buckets.iter().enumerate() {
            match Bucket::ALL.iter().find(|x| x.name() == b) {
                Some(x) => buckets[x.index()] = true,
                None => {
                    let names = Bucket::ALL.map(|x| x.name());
                    v.err(
                        format!("{p}.buckets[{j}]"),
                        format!(
                            "unknown bucket {b:?}{}; expected one of {}",
                            did_you_mean(b, &names),
                            names.join(", ")
                        ),
                    )
                }
            }
        }
        if let Some(d) = day
            && d >= 0
        {
            out.push(PriceChange {
                day: d as u32,
                model: c.model.clone(),
                factor: c.factor,
                buckets,
            });
        }
    }
    out.sort_by_key(|c| c.day);
    out
}

fn validate_revenue(v: &mut Validator, r: &file::RevenueFile) -> Revenue {
    let mut plans = Vec::new();
    for (i, pl) in r.plans.iter().enumerate() {
        let p = format!("revenue.plans[{i}]");
        v.name(
            &format!("{p}.name"),
            &pl.name,
            r.plans[..i].iter().any(|o| o.name == pl.name),
            "plan",
        );
        v.probability(&format!("{p}.share"), pl.share);
        v.non_negative(&format!("{p}.usd_per_user_month"), pl.usd_per_user_month);
        plans.push(Plan {
            name: pl.name.clone(),
            share: pl.share,
            usd_per_user_month: pl.usd_per_user_month,
        });
    }
    let total: f64 = r.plans.iter().map(|p| p.share).sum();
    if !r.plans.is_empty() && (total - 1.0).abs() > 1e-6 {
        v.err(
            "revenue.plans",
            format!(
                "shares must sum to 1 (got {}){}",
                trim_float(total),
                if total < 1.0 {
                    "; add a free plan for users who pay nothing"
                } else {
                    ""
                }
            ),
        );
    }
    v.non_negative("revenue.usd_per_request", r.usd_per_request);
    if r.plans.is_empty() && r.usd_per_request == 0.0 {
        v.err(
            "revenue",
            "states no revenue: give plans: [Plan(name: \"pro\", share: 1.0, usd_per_user_month: 20)] or usd_per_request",
        );
    }
    Revenue {
        plans,
        usd_per_request: r.usd_per_request,
    }
}
