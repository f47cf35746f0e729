//! Scenarios: loading a RON file, checking it, and the validated form the simulator runs.
//!
//! Loading happens in two stages, as in ripgrep's argument handling: the file is parsed into the
//! plain schema of [`file`] (syntax errors carry `file:line:col`), then
//! [`Scenario::from_file`] checks the meaning of every field and builds the domain types,
//! collecting *all* problems with their field paths
//! (`endpoints[1].traffic.turns: mean must be >= 1 (got 0.5)`) instead of stopping at the first.
//!
//! The price catalog is resolved here too, since validation needs it to know model names: the
//! built-in catalog, or the file named by `--prices` / the scenario's `prices` field, with the
//! scenario's inline `models` laid over it.

pub mod file;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::dist::Dist;
use crate::pricing::{CacheKind, Catalog, Mode, ModelPrice, PricingError, ServiceTier};
use crate::strategy::{CacheChoice, EndpointLevers, Strategy};
pub use file::Queries;
pub use file::{Growth, History, ScenarioFile, StrategyFile, Weekday};

use crate::calendar::Date;
use crate::pricing::Bucket;
use crate::report::MonthSpan;

/// One problem found in a scenario, with the path of the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path, e.g. `endpoints[1].traffic.turns`.
    pub path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: cannot read scenario: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid RON for the scenario schema.
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser expected.
        message: String,
    },
    /// The file parsed but some fields are invalid.
    #[error("{}", display_invalid(path, errors))]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found.
        errors: Vec<FieldError>,
    },
    /// The price catalog named by the scenario or `--prices` could not be loaded.
    #[error("{path}: prices: {source}")]
    Prices {
        /// The scenario file.
        path: String,
        /// The catalog error.
        source: PricingError,
    },
}

fn display_invalid(path: &str, errors: &[FieldError]) -> String {
    let mut s = format!(
        "{path}: {} problem{} found",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        s.push_str(&format!("\n  {path}: {e}"));
    }
    s
}

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name from the file.
    pub name: String,
    /// Description from the file.
    pub description: String,
    /// Where it was loaded from, as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated days.
    pub horizon_days: u32,
    /// Weekday of day 0.
    pub start_weekday: Weekday,
    /// Calendar date of day 0, if stated.
    pub start_date: Option<Date>,
    /// The months of the horizon: calendar months with a start date, else 30-day blocks.
    pub months: Vec<MonthSpan>,
    /// Prices: the base catalog with inline models laid over it (shared by the runs).
    pub catalog: Arc<Catalog>,
    /// Parameters drawn once per run, in file order.
    pub uncertain: Vec<crate::uncertain::Uncertain>,
    /// Price changes, by first day.
    pub price_changes: Vec<PriceChange>,
    /// What the product earns, if stated.
    pub revenue: Option<Revenue>,
    /// The endpoints, in file order.
    pub endpoints: Vec<Endpoint>,
    /// The strategies, resolved per endpoint: `baseline` first, then the file's order.
    pub strategies: Vec<Strategy>,
    /// Things that are valid but probably not what the author meant.
    pub warnings: Vec<String>,
    /// The file as parsed, for reports that show the assumptions.
    pub file: ScenarioFile,
}

/// A validated endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Unique name.
    pub name: String,
    /// Model id, present in the scenario's catalog.
    pub model: String,
    /// The model's prices and cache rules.
    pub price: ModelPrice,
    /// Standard or flex.
    pub service_tier: ServiceTier,
    /// Whether its work can be batched.
    pub deferrable: bool,
    /// Arrivals and session shape.
    pub traffic: Traffic,
    /// Prompt composition.
    pub prompt: Prompt,
    /// Output tokens per request.
    pub output_tokens: Dist,
    /// Reasoning tokens per request.
    pub reasoning_tokens: Dist,
}

/// Validated traffic of one endpoint.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Average daily active users.
    pub daily_active_users: f64,
    /// Sessions per active user per day.
    pub sessions_per_user_per_day: f64,
    /// Share of a day's sessions starting in each hour; sums to 1.
    pub hourly_share: [f64; 24],
    /// Multiplier of each weekday, Monday first; mean 1.
    pub weekday_factor: [f64; 7],
    /// Turns per session.
    pub turns: Dist,
    /// Seconds between turns.
    pub think_time_s: Dist,
    /// How opening queries repeat, if modelled.
    pub queries: Option<Queries>,
    /// How daily active users change over the horizon (`None`: constant).
    pub growth: Option<Growth>,
}

/// A validated price change.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceChange {
    /// First day (zero-based) it applies.
    pub day: u32,
    /// Model id.
    pub model: String,
    /// Multiplier of the rates.
    pub factor: f64,
    /// Buckets it applies to, indexed by [`Bucket::index`].
    pub buckets: [bool; Bucket::ALL.len()],
}

/// Validated revenue.
#[derive(Debug, Clone, PartialEq)]
pub struct Revenue {
    /// Plans with their shares of users (summing to 1), if any.
    pub plans: Vec<Plan>,
    /// Revenue per served request, USD.
    pub usd_per_request: f64,
}

/// A subscription plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Name.
    pub name: String,
    /// Share of users, 0 to 1.
    pub share: f64,
    /// Price per user per month, USD.
    pub usd_per_user_month: f64,
}

impl Revenue {
    /// Revenue per daily active user per 30-day month from the plans.
    pub fn per_user_month(&self) -> f64 {
        self.plans
            .iter()
            .map(|p| p.share * p.usd_per_user_month)
            .sum()
    }
}

impl Growth {
    /// Daily active users on day `day` (zero-based) of a curve starting from `dau`;
    /// `month` is the index of the month the day lies in (for `Monthly`). Never negative.
    pub fn users_on(&self, dau: f64, day: u32, month: usize) -> f64 {
        let m = f64::from(day) / 30.0;
        let u = match self {
            Growth::Linear { users_per_month } => dau + users_per_month * m,
            Growth::Exponential { monthly_rate } => dau * (1.0 + monthly_rate).powf(m),
            Growth::Logistic {
                ceiling_users,
                monthly_rate,
            } => {
                if dau <= 0.0 {
                    0.0
                } else {
                    ceiling_users / (1.0 + (ceiling_users / dau - 1.0) * (-monthly_rate * m).exp())
                }
            }
            Growth::Monthly(points) => {
                dau * points.get(month).or(points.last()).copied().unwrap_or(1.0)
            }
        };
        u.max(0.0)
    }
}

impl Traffic {
    /// Daily active users on each day of the horizon (`months` must cover it).
    pub fn users_by_day(&self, months: &[MonthSpan]) -> Vec<f64> {
        let mut out = Vec::new();
        for (mi, m) in months.iter().enumerate() {
            for d in m.first_day..m.first_day + m.days {
                out.push(match &self.growth {
                    None => self.daily_active_users,
                    Some(g) => g.users_on(self.daily_active_users, d, mi),
                });
            }
        }
        out
    }

    /// Expected sessions started on a day with weekday index `weekday` (0 = Monday).
    pub fn expected_sessions(&self, weekday: usize) -> f64 {
        self.daily_active_users * self.sessions_per_user_per_day * self.weekday_factor[weekday]
    }
}

/// Validated prompt composition.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// System prompt tokens, per session.
    pub system_tokens: Dist,
    /// Tool definitions, per session.
    pub tools_tokens: Dist,
    /// Retrieved context, per request.
    pub context_tokens: Dist,
    /// User message, per request.
    pub user_tokens: Dist,
    /// Whether history is re-sent.
    pub history: History,
    /// Whether retrieved context stays in the history.
    pub context_in_history: bool,
}

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
            Some(d) => crate::calendar::calendar_months(d, horizon),
            None => crate::report::thirty_day_months(horizon),
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
            crate::uncertain::resolve(
                &file.uncertain,
                &crate::uncertain::Context {
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
            Some(d) => crate::calendar::calendar_months(d, days),
            None => crate::report::thirty_day_months(days),
        };
        self.price_changes.retain(|c| c.day < days);
    }

    /// Weekday index (0 = Monday) of day `day`.
    pub fn weekday_of(&self, day: u32) -> usize {
        (self.start_weekday.index() + day as usize) % 7
    }
}

/// Resolve the file's strategies into per-endpoint lever settings, in order: `baseline` (the
/// file's, or no levers), then every other strategy in file order. A strategy starts from the
/// baseline, then applies each strategy it `combine`s (which must come earlier in the file),
/// then its own settings.
fn resolve_strategies(
    file: &ScenarioFile,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    v: &mut Validator,
) -> Vec<Strategy> {
    let base_idx = file.strategies.iter().position(|s| s.name == "baseline");
    let mut order: Vec<usize> = base_idx.into_iter().collect();
    order.extend((0..file.strategies.len()).filter(|i| Some(*i) != base_idx));
    let mut resolved: Vec<Strategy> = Vec::new();
    if base_idx.is_none() {
        let auto: Vec<&str> = endpoints
            .iter()
            .filter(|e| automatic_levers(e).prompt_cache.is_some())
            .map(|e| e.name.as_str())
            .collect();
        resolved.push(Strategy {
            name: "baseline".to_string(),
            description: if auto.is_empty() {
                "no levers: every request billed as sent".to_string()
            } else {
                format!(
                    "no levers switched on; the provider's automatic prompt caching still applies to {}",
                    auto.join(", ")
                )
            },
            endpoints: endpoints.iter().map(automatic_levers).collect(),
        });
    }
    for i in order {
        let sf = &file.strategies[i];
        let p = format!("strategies[{i}]");
        let duplicate = file.strategies[..i].iter().any(|o| o.name == sf.name);
        v.name(&format!("{p}.name"), &sf.name, duplicate, "strategy");
        if duplicate {
            continue;
        }
        let mut levers: Vec<EndpointLevers> = match resolved.first() {
            Some(b) if sf.name != "baseline" => b.endpoints.clone(),
            _ => endpoints.iter().map(automatic_levers).collect(),
        };
        if sf.name == "baseline" && !sf.combine.is_empty() {
            v.err(
                format!("{p}.combine"),
                "the baseline cannot combine other strategies",
            );
        }
        for (ci, c) in sf.combine.iter().enumerate() {
            match resolved.iter().find(|r| &r.name == c) {
                Some(r) => {
                    // Apply what `c` changed relative to the baseline.
                    let base = &resolved[0].endpoints;
                    for (ei, l) in levers.iter_mut().enumerate() {
                        if r.endpoints[ei].prompt_cache != base[ei].prompt_cache {
                            l.prompt_cache = r.endpoints[ei].prompt_cache;
                        }
                        if r.endpoints[ei].routing != base[ei].routing {
                            l.routing = r.endpoints[ei].routing.clone();
                        }
                        if r.endpoints[ei].context != base[ei].context {
                            l.context = r.endpoints[ei].context.clone();
                        }
                        if r.endpoints[ei].batch != base[ei].batch {
                            l.batch = r.endpoints[ei].batch.clone();
                        }
                        if r.endpoints[ei].semantic_cache != base[ei].semantic_cache {
                            l.semantic_cache = r.endpoints[ei].semantic_cache.clone();
                        }
                    }
                }
                None => {
                    let earlier: Vec<&str> = resolved.iter().map(|r| r.name.as_str()).collect();
                    v.err(
                        format!("{p}.combine[{ci}]"),
                        format!(
                            "no strategy {c:?} defined before this one; earlier strategies: {}",
                            earlier.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(pc) = &sf.prompt_cache {
            let pp = format!("{p}.prompt_cache");
            check_endpoint_names(&format!("{pp}.endpoints"), &pc.endpoints, endpoints, v);
            for (ei, e) in endpoints.iter().enumerate() {
                if !pc.endpoints.is_empty() && !pc.endpoints.contains(&e.name) {
                    continue;
                }
                let rules = &e.price.cache;
                if rules.kind == CacheKind::None {
                    v.err(
                        pp.clone(),
                        format!(
                            "model {:?} of endpoint {:?} has no prompt caching; list the \
                             endpoints to cache in `endpoints`",
                            e.model, e.name
                        ),
                    );
                    continue;
                }
                let ttl = match pc.ttl {
                    Some(t) if rules.ttls.contains(&t) => t,
                    Some(t) => {
                        v.err(
                            format!("{pp}.ttl"),
                            format!(
                                "{:?} (endpoint {:?}) offers TTLs {}, not {t}",
                                e.model,
                                e.name,
                                rules
                                    .ttls
                                    .iter()
                                    .map(|t| format!("{t:?} ({t})"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        continue;
                    }
                    None => match rules.ttls.first() {
                        Some(t) => *t,
                        None => continue,
                    },
                };
                let placement = if rules.kind == CacheKind::Automatic {
                    crate::levers::prompt_cache::Placement::FullPrompt
                } else {
                    pc.placement
                };
                levers[ei].prompt_cache = Some(CacheChoice {
                    ttl,
                    placement,
                    opted_in: true,
                    unbounded: pc.unbounded,
                });
            }
        }
        if let Some(rt) = &sf.routing {
            let choices = crate::levers::routing::resolve(
                rt,
                &format!("{p}.routing"),
                endpoints,
                catalog,
                &mut v.errors,
            );
            for (l, c) in levers.iter_mut().zip(choices) {
                if c.is_some() {
                    l.routing = c;
                }
            }
        }
        if let Some(cf) = &sf.context {
            resolve_context(
                &format!("{p}.context"),
                cf,
                endpoints,
                catalog,
                &mut levers,
                v,
            );
        }
        if let Some(bf) = &sf.batch {
            resolve_batch(&format!("{p}.batch"), bf, endpoints, &mut levers, v);
        }
        if let Some(sc) = &sf.semantic_cache {
            resolve_semantic_cache(sc, &format!("{p}.semantic_cache"), endpoints, catalog, v)
                .into_iter()
                .for_each(|(ei, s)| levers[ei].semantic_cache = Some(s));
        }
        // A batched endpoint's routed requests are billed at their model's batch prices.
        for (e, l) in endpoints.iter().zip(&levers) {
            if let (Some(_), Some(rc)) = (&l.batch, &l.routing) {
                for m in rc.models() {
                    if catalog.get(m).is_some_and(|mp| mp.batch.is_none()) {
                        v.err(
                            format!("{p}.routing"),
                            format!(
                                "{m:?} has no batch prices in {}, and endpoint {:?}, which \
                                 routes to it, is batched",
                                catalog.source, e.name
                            ),
                        );
                    }
                }
            }
        }
        resolved.push(Strategy {
            name: sf.name.clone(),
            description: sf.description.clone(),
            endpoints: levers,
        });
    }
    resolved
}

fn resolve_batch(
    p: &str,
    bf: &file::BatchFile,
    endpoints: &[Endpoint],
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    let before = v.errors.len();
    check_endpoint_names(&format!("{p}.endpoints"), &bf.endpoints, endpoints, v);
    if !bf.flush_every_s.is_finite() || bf.flush_every_s < 1.0 || bf.flush_every_s > 86_400.0 {
        v.err(
            format!("{p}.flush_every_s"),
            format!(
                "must be between 1 and 86400 seconds (got {})",
                trim_float(bf.flush_every_s)
            ),
        );
    }
    if bf.max_batch == 0 {
        v.err(format!("{p}.max_batch"), "must be at least 1");
    }
    v.dist(&format!("{p}.turnaround_s"), &bf.turnaround_s, 0.0);
    let settings_ok = v.errors.len() == before;
    let mut any = false;
    for (ei, e) in endpoints.iter().enumerate() {
        let listed = bf.endpoints.contains(&e.name);
        if !bf.endpoints.is_empty() && !listed {
            continue;
        }
        if !e.deferrable {
            if listed {
                v.err(
                    format!("{p}.endpoints"),
                    format!(
                        "endpoint {:?} is real-time (deferrable: false); real-time endpoints can never be batched",
                        e.name
                    ),
                );
            }
            continue;
        }
        if e.price.batch.is_none() {
            v.err(
                p.to_string(),
                format!("{:?} (endpoint {:?}) has no batch prices", e.model, e.name),
            );
            continue;
        }
        any = true;
        if !settings_ok {
            continue;
        }
        levers[ei].batch = Some(crate::strategy::BatchChoice {
            flush_every_ms: (bf.flush_every_s * 1000.0).round() as u64,
            max_batch: usize::try_from(bf.max_batch).unwrap_or(usize::MAX),
            turnaround_s: bf.turnaround_s.clone(),
        });
    }
    if !any && bf.endpoints.is_empty() {
        v.err(
            p.to_string(),
            "no endpoint is deferrable: mark offline work with `deferrable: true` on its endpoint",
        );
    }
}

/// Check that every name in `names` is an endpoint; report unknown ones at `path[i]`.
fn check_endpoint_names(path: &str, names: &[String], endpoints: &[Endpoint], v: &mut Validator) {
    for (ni, n) in names.iter().enumerate() {
        if !endpoints.iter().any(|e| &e.name == n) {
            v.err(
                format!("{path}[{ni}]"),
                format!(
                    "no endpoint named {n:?}; endpoints: {}",
                    endpoints
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

/// Check a model id used by a lever: known, and a chat model.
fn check_chat_model(path: &str, id: &str, catalog: &Catalog, v: &mut Validator) -> bool {
    match catalog.get(id) {
        Some(m) if m.mode == Mode::Chat => true,
        Some(_) => {
            v.err(path, format!("{id:?} is not a chat model"));
            false
        }
        None => {
            v.err(path, unknown_model(id, catalog));
            false
        }
    }
}

fn resolve_context(
    p: &str,
    cf: &file::ContextFile,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    use crate::levers::context::ContextPolicy;
    check_endpoint_names(&format!("{p}.endpoints"), &cf.endpoints, endpoints, v);
    match &cf.policy {
        ContextPolicy::KeepLastTurns(0) => {
            v.err(
                format!("{p}.policy"),
                "KeepLastTurns needs at least 1 turn (KeepLastTurns(0) would send no history: use history: None on the endpoint)",
            );
            return;
        }
        ContextPolicy::Summarize {
            every_turns,
            summary_tokens,
            model,
        } => {
            if *every_turns == 0 {
                v.err(format!("{p}.policy.every_turns"), "must be at least 1");
                return;
            }
            if *summary_tokens == 0 {
                v.err(format!("{p}.policy.summary_tokens"), "must be at least 1");
                return;
            }
            if let Some(m) = model
                && !check_chat_model(&format!("{p}.policy.model"), m, catalog, v)
            {
                return;
            }
        }
        ContextPolicy::KeepLastTurns(_) => {}
    }
    for (ei, e) in endpoints.iter().enumerate() {
        if !cf.endpoints.is_empty() && !cf.endpoints.contains(&e.name) {
            continue;
        }
        if e.prompt.history == History::None {
            if !cf.endpoints.is_empty() {
                v.err(
                    format!("{p}.endpoints"),
                    format!(
                        "endpoint {:?} sends no history (history: None); a context policy has nothing to trim",
                        e.name
                    ),
                );
            }
            continue;
        }
        levers[ei].context = Some(cf.policy.clone());
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
        if let Some(crate::levers::context::ContextPolicy::Summarize { model: Some(m), .. }) =
            &l.context
        {
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

/// Levers the provider applies whatever the strategy: automatic prompt caching (OpenAI).
fn automatic_levers(e: &Endpoint) -> EndpointLevers {
    let rules = &e.price.cache;
    EndpointLevers {
        prompt_cache: (rules.kind == CacheKind::Automatic)
            .then(|| rules.ttls.first().copied())
            .flatten()
            .map(|ttl| CacheChoice {
                ttl,
                placement: crate::levers::prompt_cache::Placement::FullPrompt,
                opted_in: false,
                unbounded: false,
            }),
        routing: None,
        context: None,
        batch: None,
        semantic_cache: None,
    }
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

/// Resolve a strategy's `semantic_cache` at `path` into settings per endpoint index.
fn resolve_semantic_cache(
    sc: &file::SemanticCacheFile,
    path: &str,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    v: &mut Validator,
) -> Vec<(usize, crate::levers::semantic_cache::Settings)> {
    let before = v.errors.len();
    let with_queries: Vec<&str> = endpoints
        .iter()
        .filter(|e| e.traffic.queries.is_some())
        .map(|e| e.name.as_str())
        .collect();
    let which = if with_queries.is_empty() {
        "no endpoint has `traffic.queries`".to_string()
    } else {
        format!("endpoints with queries: {}", with_queries.join(", "))
    };
    let add_queries = "add e.g. `queries: Zipf(intents: 5000, s: 1.1)` to its traffic";
    let mut chosen = Vec::new();
    if sc.endpoints.is_empty() {
        let missing: Vec<&str> = endpoints
            .iter()
            .filter(|e| e.traffic.queries.is_none())
            .map(|e| e.name.as_str())
            .collect();
        if !missing.is_empty() {
            v.err(
                path,
                format!(
                    "applies to every endpoint, but {} {} no `traffic.queries` to look up; \
                     list the endpoints to cache in `endpoints` ({which}), or {add_queries}",
                    quote_list_and(&missing),
                    if missing.len() == 1 { "has" } else { "have" },
                ),
            );
        }
        chosen.extend(0..endpoints.len());
    }
    for (ni, n) in sc.endpoints.iter().enumerate() {
        let np = format!("{path}.endpoints[{ni}]");
        match endpoints.iter().position(|e| &e.name == n) {
            None => v.err(
                np,
                format!(
                    "no endpoint named {n:?}; endpoints: {}",
                    endpoints
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Some(ei) if endpoints[ei].traffic.queries.is_none() => v.err(
                np,
                format!(
                    "endpoint {n:?} has no `traffic.queries`, so there is nothing to look up; \
                     {add_queries} ({which})"
                ),
            ),
            Some(ei) => chosen.push(ei),
        }
    }
    match catalog.get(&sc.embedding_model) {
        Some(m) if m.mode == Mode::Embedding => {}
        Some(_) => v.err(
            format!("{path}.embedding_model"),
            format!(
                "{:?} is a chat model; lookups need an embedding model, e.g. \
                 \"text-embedding-3-small\"",
                sc.embedding_model
            ),
        ),
        None => v.err(
            format!("{path}.embedding_model"),
            unknown_model(&sc.embedding_model, catalog),
        ),
    }
    if sc.capacity == Some(0) {
        v.err(
            format!("{path}.capacity"),
            "must be >= 1 entry; omit it for an unbounded cache",
        );
    }
    let ttl_ms = match sc.ttl_s {
        Some(t) if !t.is_finite() || t <= 0.0 => {
            v.err(
                format!("{path}.ttl_s"),
                format!("must be a finite number of seconds > 0; omit it for no expiry (got {t})"),
            );
            None
        }
        Some(t) => Some((t * 1000.0).round().max(1.0) as u64),
        None => None,
    };
    v.probability(&format!("{path}.hit_probability"), sc.hit_probability);
    v.probability(&format!("{path}.false_hit_rate"), sc.false_hit_rate);
    if v.errors.len() > before {
        return Vec::new();
    }
    let settings = crate::levers::semantic_cache::Settings {
        embedding_model: sc.embedding_model.clone(),
        capacity: sc.capacity,
        ttl_ms,
        hit_probability: sc.hit_probability,
        false_hit_rate: sc.false_hit_rate,
    };
    chosen
        .into_iter()
        .map(|ei| (ei, settings.clone()))
        .collect()
}

/// `"a"`, `"a" and "b"`, `"a", "b" and "c"`.
fn quote_list_and(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Parse scenario text (RON) into the file schema. Syntax errors carry `path:line:col`.
pub fn parse(text: &str, path: &str) -> Result<ScenarioFile, ScenarioError> {
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    opts.from_str::<ScenarioFile>(text)
        .map_err(|e| ScenarioError::Syntax {
            path: path.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: {
                let m = explain_ron_error(&e.code);
                let first = text.lines().next().unwrap_or("");
                if first.contains("input_tokens")
                    || first.contains("TIMESTAMP")
                    || first.starts_with('{')
                {
                    format!("{m} (this looks like a trace: `tokencast audit` reads traces)")
                } else {
                    m
                }
            },
        })
}

/// RON's messages, with the list of valid field names where the parser knows it.
fn explain_ron_error(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}{}; valid fields: {}",
            outer
                .as_ref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default(),
            did_you_mean(found, expected),
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, outer } => format!(
            "missing required field `{field}`{}",
            outer
                .as_ref()
                .map(|o| format!(" in {o}"))
                .unwrap_or_default()
        ),
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}{}; valid: {}",
            outer
                .as_ref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            did_you_mean(found, expected),
            expected.join(", ")
        ),
        ron::Error::ExpectedComma => {
            "expected a comma: is one missing at the end of the previous field or element?"
                .to_string()
        }
        other => other.to_string(),
    }
}

/// `" (did you mean `x`?)"` for the closest valid name, if one is close.
pub(crate) fn did_you_mean(found: &str, valid: &[&str]) -> String {
    let best = valid
        .iter()
        .map(|v| {
            (
                strsim::osa_distance(&found.to_lowercase(), &v.to_lowercase()),
                *v,
            )
        })
        .min();
    match best {
        Some((d, v)) if d <= (found.len() / 3).max(2) => format!(" (did you mean `{v}`?)"),
        _ => String::new(),
    }
}

/// "unknown model X in CATALOG; did you mean ...?" (or how to find the valid ids).
pub(crate) fn unknown_model(id: &str, catalog: &Catalog) -> String {
    let sugg = catalog.suggest(id);
    let hint = if sugg.is_empty() {
        " (run `tokencast prices` to list known models, or add it under `models`)".to_string()
    } else {
        format!("; did you mean {}?", quote_list(&sugg))
    };
    format!("unknown model {id:?} in {}{hint}", catalog.source)
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Resolve a path given in a scenario relative to the scenario's directory.
pub fn relative_to(scenario: &Path, p: &str) -> PathBuf {
    scenario
        .parent()
        .map(|d| d.join(p))
        .unwrap_or_else(|| PathBuf::from(p))
}

/// Largest mean token count per request a scenario may state (10 million: ten times the
/// largest context window in the catalog).
pub const MAX_MEAN_TOKENS: f64 = 1e7;

/// Most sessions a day one endpoint may generate (every request is simulated).
pub const MAX_SESSIONS_PER_DAY: f64 = 1e8;

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
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

impl Validator {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn probability(&mut self, path: &str, x: f64) {
        if !(0.0..=1.0).contains(&x) {
            self.err(
                path,
                format!("must be a probability between 0 and 1 (got {x})"),
            );
        }
    }

    fn non_negative(&mut self, path: &str, x: f64) {
        if !x.is_finite() || x < 0.0 {
            self.err(path, format!("must be a finite number >= 0 (got {x})"));
        }
    }

    /// A name: not empty, and not one an earlier item of the same kind already uses.
    fn name(&mut self, path: &str, name: &str, duplicate: bool, kind: &str) {
        if name.trim().is_empty() {
            self.err(path, "must not be empty");
        }
        if duplicate {
            self.err(
                path,
                format!("duplicate {kind} name {name:?}; names must be unique"),
            );
        }
    }

    /// A token-count distribution: valid, mean >= 0 and at most [`MAX_MEAN_TOKENS`].
    fn tokens(&mut self, path: &str, d: &Dist) {
        let before = self.errors.len();
        self.dist(path, d, 0.0);
        if self.errors.len() == before && d.mean() > MAX_MEAN_TOKENS {
            self.err(
                path,
                format!(
                    "mean of {} tokens per request is beyond any model's context window; at most {} is accepted",
                    trim_float(d.mean()),
                    trim_float(MAX_MEAN_TOKENS)
                ),
            );
        }
    }

    fn dist(&mut self, path: &str, d: &Dist, min_mean: f64) {
        if let Err(e) = d.validate() {
            self.err(path, e);
            return;
        }
        let mean = d.mean();
        if mean < min_mean {
            self.err(
                path,
                format!("mean must be >= {min_mean} (got {})", trim_float(mean)),
            );
        }
    }

    /// Normalised weights (sum 1), or uniform if absent.
    fn weights<const N: usize>(&mut self, path: &str, w: Option<&[f64]>, what: &str) -> [f64; N] {
        let uniform = [1.0 / N as f64; N];
        let Some(w) = w else { return uniform };
        if w.len() != N {
            self.err(path, format!("needs {what} (got {} values)", w.len()));
            return uniform;
        }
        if let Some((i, x)) = w
            .iter()
            .enumerate()
            .find(|(_, x)| !x.is_finite() || **x < 0.0)
        {
            self.err(
                format!("{path}[{i}]"),
                format!("weights must be finite and >= 0 (got {x})"),
            );
            return uniform;
        }
        let sum: f64 = w.iter().sum();
        if sum <= 0.0 {
            self.err(path, "at least one weight must be positive");
            return uniform;
        }
        let mut out = [0.0; N];
        for (o, x) in out.iter_mut().zip(w) {
            *o = x / sum;
        }
        out
    }
}

/// A float printed without a trailing `.0` when it is whole.
pub fn trim_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_curves_start_at_the_launch_users_and_follow_their_shape() {
        let lin = Growth::Linear {
            users_per_month: 300.0,
        };
        assert_eq!(lin.users_on(1000.0, 0, 0), 1000.0);
        assert_eq!(lin.users_on(1000.0, 60, 2), 1600.0);
        let shrink = Growth::Linear {
            users_per_month: -600.0,
        };
        assert_eq!(shrink.users_on(1000.0, 90, 3), 0.0);
        let exp = Growth::Exponential { monthly_rate: 0.5 };
        assert!((exp.users_on(1000.0, 60, 2) - 2250.0).abs() < 1e-9);
        let log = Growth::Logistic {
            ceiling_users: 10_000.0,
            monthly_rate: 1.0,
        };
        assert!((log.users_on(1000.0, 0, 0) - 1000.0).abs() < 1e-9);
        // Halfway to the ceiling when e^(-r t) = dau / (ceiling - dau): t = ln 9 months.
        let half = (9f64.ln() * 30.0).round() as u32;
        assert!((log.users_on(1000.0, half, 0) - 5000.0).abs() < 60.0);
        assert!(log.users_on(1000.0, 3000, 0) > 9999.0);
        let monthly = Growth::Monthly(vec![1.0, 2.5]);
        assert_eq!(monthly.users_on(400.0, 10, 0), 400.0);
        assert_eq!(monthly.users_on(400.0, 40, 1), 1000.0);
        assert_eq!(monthly.users_on(400.0, 70, 2), 1000.0);
    }
}
