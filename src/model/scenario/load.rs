//! Loading a scenario: reading the file, resolving its catalog, and checking every field into
//! the domain types of [`super`], collecting all problems.
//!
//! [`Scenario::from_file`] reads as the list of a scenario's parts, in the order their problems
//! are reported; the endpoints' checks are in `endpoints`, the price changes' in
//! `price_changes`, the strategies' in `strategies` and the uncertain parameters' in
//! [`uncertain`].

use std::path::Path;
use std::sync::Arc;

use crate::foundations::calendar::{self, Date};
use crate::foundations::dist::Dist;
use crate::foundations::limits;
use crate::foundations::pricing::Catalog;
use crate::foundations::time::MAX_HORIZON_DAYS;
use crate::model::strategy::Strategy;
use crate::model::uncertain;

use crate::foundations::input::{MAX_SCENARIO_BYTES, read_capped};

use super::check::{FieldError, ScenarioError, Validator, hex_sha256, parse, trim_float};
use super::endpoints::validate_endpoints;
use super::file::{self, ScenarioFile, Weekday};
use super::price_changes::{unbilled_price_changes, validate_price_changes};
use super::strategies::resolve_strategies;
use super::{Endpoint, Plan, Revenue, Scenario};

impl Scenario {
    /// Load and validate a scenario file. `prices_override` (the `--prices` flag) replaces the
    /// catalog the file names, if any.
    pub fn load(path: &Path, prices_override: Option<&Path>) -> Result<Scenario, ScenarioError> {
        let display = path.display().to_string();
        let bytes = read_capped(path, MAX_SCENARIO_BYTES, "scenario").map_err(|source| {
            ScenarioError::Io {
                path: display.clone(),
                source,
            }
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
        v.printable("name", &file.name);
        if file.horizon_days == 0 || file.horizon_days > MAX_HORIZON_DAYS {
            v.err(
                "horizon_days",
                format!(
                    "must be between 1 and {MAX_HORIZON_DAYS} (got {})",
                    file.horizon_days
                ),
            );
        }
        let (start_date, start_weekday) = validate_start(&mut v, &file);
        let horizon = file.horizon_days.min(MAX_HORIZON_DAYS);
        let months = match start_date {
            Some(d) => calendar::calendar_months(d, horizon),
            None => calendar::thirty_day_months(horizon),
        };
        add_models(&mut v, &file, &mut catalog);
        let endpoints = validate_endpoints(&mut v, &file, &catalog, &months);
        // Strategies and uncertain parameters refer to endpoints: they are checked only when
        // every endpoint is valid.
        let all_endpoints = endpoints.len() == file.endpoints.len();
        let strategies = if all_endpoints {
            resolve_strategies(&file, &endpoints, &catalog, &mut v)
        } else {
            Vec::new()
        };
        let price_changes = validate_price_changes(&mut v, &file, start_date, &catalog);
        let revenue = file.revenue.as_ref().map(|r| validate_revenue(&mut v, r));
        let uncertain = if all_endpoints {
            let cx = uncertain::Context {
                endpoints: &endpoints,
                strategies: &strategies,
                catalog: &catalog,
                revenue: revenue.as_ref(),
            };
            resolve_uncertain(&mut v, &file, &cx)
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
            .chain(retired_models(&endpoints, start_date, file.horizon_days))
            .chain(unbilled_price_changes(
                &price_changes,
                &endpoints,
                &strategies,
            ))
            .collect();
        let scenario = Scenario {
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
            sampling: uncertain::Sampling::default(),
            price_changes,
            revenue,
            warnings,
            endpoints,
            strategies,
            file,
        };
        let together = uncertain::check_together(&scenario);
        if !together.is_empty() {
            return Err(ScenarioError::Invalid {
                path: path.to_string(),
                errors: together
                    .into_iter()
                    .map(|(path, message)| FieldError { path, message })
                    .collect(),
            });
        }
        Ok(scenario)
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

/// The start date, if given, and the weekday of day 0: the one given, else the start date's,
/// else Monday. Both given must agree.
fn validate_start(v: &mut Validator, file: &ScenarioFile) -> (Option<Date>, Weekday) {
    let start_date = match &file.start_date {
        Some(t) => match Date::parse(t) {
            // Trace timestamps are held to the same years (`trace::span`): a forecast starts
            // within them, and its month labels stay four-digit years.
            Ok(d) if !(1970..=2999).contains(&d.year) => {
                v.err(
                    "start_date",
                    format!("{d} is outside the years 1970 to 2999 that a forecast can start in"),
                );
                None
            }
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
    (start_date, start_weekday)
}

/// Check the file's inline models and lay them over the catalog.
fn add_models(v: &mut Validator, file: &ScenarioFile, catalog: &mut Catalog) {
    for (id, m) in &file.models {
        if let Err(e) = m.validate() {
            v.err(format!("models[{id:?}]"), e);
        }
    }
    catalog.extend(file.models.clone());
}

/// The file's `uncertain` list resolved against the validated scenario (`cx`); its problems
/// go into `v`.
fn resolve_uncertain(
    v: &mut Validator,
    file: &ScenarioFile,
    cx: &uncertain::Context,
) -> Vec<uncertain::Uncertain> {
    uncertain::resolve(&file.uncertain, cx).unwrap_or_else(|errors| {
        for (path, message) in errors {
            v.err(path, message);
        }
        Vec::new()
    })
}

/// Prompt caching switched on for an endpoint whose static prefix (a fixed system prompt and
/// tools) is shorter than the model's minimum cacheable prefix: only prompts that reach the
/// minimum through history can be cached.
fn prefix_warnings(endpoints: &[Endpoint], strategies: &[Strategy]) -> Vec<String> {
    let mut out = Vec::new();
    for s in strategies {
        for (e, l) in endpoints.iter().zip(&s.endpoints) {
            // Recorded shares are read and written whatever the prefix; but they were
            // measured on the prompts the application sent, not on a trimmed history.
            if let Some(c) = l.prompt_cache
                && c.recorded.is_some()
            {
                if l.context.is_some() && e.prompt.history == file::History::Full {
                    out.push(format!(
                        "{}: endpoint {:?} trims or summarises its history under recorded cache \
                         shares, which were measured on the untrimmed prompts: a context \
                         policy moves the cached prefix every time it trims, so the shares \
                         overstate what is read (model the cache with PromptCache(ttl, \
                         placement) to see the interplay)",
                        s.name, e.name
                    ));
                }
                continue;
            }
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
                    "{}: endpoint {:?}'s system prompt and tools ({prefix} tokens) are shorter than {:?}'s minimum cacheable prefix ({min} tokens): only prompts that reach {min} tokens can be cached",
                    s.name, e.name, e.model
                ));
            }
        }
    }
    out
}

/// Endpoints whose model the catalog says is retired before the forecast ends (with a
/// `start_date`, so the forecast has dates): the provider refuses requests after that day, so
/// the forecast prices traffic that would fail.
fn retired_models(endpoints: &[Endpoint], start: Option<Date>, horizon_days: u32) -> Vec<String> {
    let Some(start) = start else {
        return Vec::new();
    };
    let end = start.days_since_epoch() + i64::from(horizon_days);
    endpoints
        .iter()
        .filter_map(|e| {
            let d = Date::parse(e.price.deprecation_date.as_deref()?).ok()?;
            (d.days_since_epoch() < end).then(|| {
                format!(
                    "endpoint {:?}: {:?} is retired on {d} (the catalog's deprecation_date), \
                     before this forecast ends; requests after that day would be refused, so \
                     price its successor",
                    e.name, e.model
                )
            })
        })
        .collect()
}

/// Check the file's revenue: plans with unique names and shares summing to 1, or a price
/// per request.
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
        v.amount(
            &format!("{p}.usd_per_user_month"),
            pl.usd_per_user_month,
            limits::MAX_USD_PER_USER_MONTH,
            "USD per user per month",
        );
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
    v.amount(
        "revenue.usd_per_request",
        r.usd_per_request,
        limits::MAX_USD_PER_REQUEST,
        "USD per request",
    );
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
