//! Checking the paths of a scenario's `uncertain` list and resolving each to what it changes
//! (the table of valid paths is in [`super`]'s docs).

use crate::foundations::dist::Dist;
use crate::foundations::limits;
use crate::foundations::pricing::{Bucket, Catalog};
use crate::model::scenario::file::UncertainFile;
use crate::model::scenario::{self, Endpoint, Growth, MAX_PRICE_CHANGE_FACTOR, Queries, Revenue};
use crate::model::strategy::{Action, Strategy};

use super::syntax::{PATHS, Step, split_path, suggestion};
use super::{Kind, Part, Target, TrafficField, Uncertain};

/// What validation needs to resolve paths.
pub struct Context<'a> {
    /// Validated endpoints.
    pub endpoints: &'a [Endpoint],
    /// Resolved strategies.
    pub strategies: &'a [Strategy],
    /// Prices.
    pub catalog: &'a Catalog,
    /// Revenue, if stated.
    pub revenue: Option<&'a Revenue>,
}

/// What `path` (a `kind` of uncertainty drawn from `dist`) changes, or why it cannot be.
fn resolve_one(path: &str, kind: Kind, dist: &Dist, cx: &Context) -> Result<Target, String> {
    let steps = split_path(path)?;
    let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
    let param = Param {
        path,
        kind,
        dist,
        min: dist.support_min(),
        max: dist.support_max(),
        cx,
    };
    match names.as_slice() {
        ["endpoints", rest @ ..] if !rest.is_empty() => param.endpoint(&steps, rest),
        ["prices", rest @ ..] if rest.len() <= 1 => param.price(steps[0].selector, rest),
        ["semantic_cache", f @ ("hit_probability" | "false_hit_rate")] => param.semantic_cache(f),
        ["routing", "escalate_share"] => param.escalate_share(),
        ["prompt_cache", "implicit_hit_share"] => param.implicit_hit_share(),
        ["revenue", rest @ ..] => param.revenue(rest, steps.get(1).and_then(|s| s.selector)),
        _ => Err(param.unknown()),
    }
}

/// One uncertain parameter being resolved: its path, how it is drawn, and the bounds of the
/// draws, with the checks every kind of target shares.
struct Param<'a> {
    path: &'a str,
    kind: Kind,
    dist: &'a Dist,
    /// The lowest number `dist` can draw.
    min: f64,
    /// The highest number `dist` can draw.
    max: f64,
    cx: &'a Context<'a>,
}

impl Param<'_> {
    /// The message for a path that names no parameter.
    fn unknown(&self) -> String {
        format!(
            "unknown parameter {:?}{}; uncertain parameters are: {PATHS}",
            self.path,
            suggestion(self.path)
        )
    }

    /// An error when the parameter (which is `what`) is given a value rather than scaled.
    fn scale_only(&self, what: &str) -> Result<(), String> {
        if self.kind == Kind::Value {
            let path = self.path;
            Err(format!(
                "{path:?} is {what}; write Scale({path:?}, ...) to multiply it"
            ))
        } else {
            Ok(())
        }
    }

    /// An error when the draws can be negative.
    fn non_negative(&self) -> Result<(), String> {
        let min = self.min;
        if min < 0.0 {
            Err(format!(
                "{} can draw negative numbers{}; this parameter must be >= 0 (e.g. LogNormal, \
                 or Uniform with min >= 0)",
                self.dist.name(),
                if min.is_finite() {
                    format!(" (down to {})", scenario::trim_float(min))
                } else {
                    String::new()
                }
            ))
        } else {
            Ok(())
        }
    }

    /// An error when the draws can leave [0, 1] (above 1 matters only for a value).
    fn probability(&self) -> Result<(), String> {
        self.non_negative()?;
        if self.kind == Kind::Value && self.max > 1.0 {
            Err(format!(
                "{} can draw numbers above 1 ({}); a probability must be between 0 and 1 \
                 (e.g. Uniform(min: 0.6, max: 0.9))",
                self.dist.name(),
                scenario::trim_float(self.max)
            ))
        } else {
            Ok(())
        }
    }

    /// An error when the drawn value (the draw itself, or the draw times `current` for a
    /// scale) can pass `limit` (in `unit`), the draw taken at its plausible largest value
    /// ([`Dist::plausible_max`]: its largest value if bounded, else its P99.9).
    fn at_most(&self, current: f64, limit: f64, unit: &str) -> Result<(), String> {
        let factor = if self.kind == Kind::Scale {
            current
        } else {
            1.0
        };
        let top = self.dist.plausible_max() * factor;
        if top > limit {
            Err(format!(
                "{} gives up to {} {unit}; at most {} is accepted",
                self.dist,
                scenario::trim_float(top),
                scenario::trim_float(limit)
            ))
        } else {
            Ok(())
        }
    }

    /// An error when `d` scaled by this parameter's largest draw can pass `limit` (in `unit`),
    /// both taken at their plausible largest value ([`Dist::plausible_max`]).
    fn scaled_at_most(&self, d: &Dist, limit: f64, unit: &str) -> Result<(), String> {
        let scale = self.dist.plausible_max();
        let top = d.scaled(scale).map_or(f64::INFINITY, |s| s.plausible_max());
        if top > limit {
            Err(format!(
                "{} scales {d} up to {} {unit} (at its largest draw, {}); at most {} is accepted",
                self.dist,
                scenario::trim_float(top.round()),
                scenario::trim_float(scale),
                scenario::trim_float(limit)
            ))
        } else {
            Ok(())
        }
    }

    /// `check`'s message, prefixed with the path.
    fn at(&self, check: Result<(), String>) -> Result<(), String> {
        check.map_err(|e| format!("{:?}: {e}", self.path))
    }

    /// `endpoints[E].rest`: the selected endpoints' field, checked against every one of them.
    fn endpoint(&self, steps: &[Step<'_>], rest: &[&str]) -> Result<Target, String> {
        let path = self.path;
        let sel = steps[0].selector.ok_or_else(|| {
            format!("{path:?}: name the endpoint, e.g. endpoints[chat] or endpoints[*]")
        })?;
        let endpoints = select_endpoints(sel, self.cx.endpoints, path)?;
        if steps[1..].iter().any(|s| s.selector.is_some()) {
            return Err(self.unknown());
        }
        let target = self.endpoint_target(endpoints, rest)?;
        match &target {
            Target::Sizes { endpoints, parts } => self.check_sizes(endpoints, parts)?,
            Target::Traffic { endpoints, field } => self.check_traffic(endpoints, *field)?,
            _ => {}
        }
        Ok(target)
    }

    /// What the field `rest` of `endpoints` is, before its draws are checked.
    fn endpoint_target(&self, endpoints: Vec<usize>, rest: &[&str]) -> Result<Target, String> {
        let traffic = |field| Target::Traffic {
            endpoints: endpoints.clone(),
            field,
        };
        Ok(match rest {
            ["traffic", "daily_active_users"] => traffic(TrafficField::DailyActiveUsers),
            ["traffic", "sessions_per_user_per_day"] => traffic(TrafficField::SessionsPerUser),
            ["traffic", "turns"] => {
                self.scale_only("a per-session distribution")?;
                traffic(TrafficField::Turns)
            }
            ["traffic", "think_time_s"] => {
                self.scale_only("a per-turn distribution")?;
                traffic(TrafficField::ThinkTime)
            }
            ["traffic", "queries", q @ ("rate" | "s" | "intents")] => {
                traffic(self.queries_field(&endpoints, q)?)
            }
            [
                "traffic",
                "growth",
                g @ ("users_per_month" | "monthly_rate" | "ceiling_users"),
            ] => traffic(self.growth_field(&endpoints, g)?),
            ["prompt"] => {
                self.scale_only("a set of per-request distributions")?;
                Target::Sizes {
                    endpoints,
                    parts: vec![
                        Part::System,
                        Part::Tools,
                        Part::Context,
                        Part::User,
                        Part::FirstUser,
                        Part::Documents,
                    ],
                }
            }
            ["prompt", "documents", "tokens"] => {
                if let Some(&i) = endpoints
                    .iter()
                    .find(|&&i| self.cx.endpoints[i].prompt.documents.is_none())
                {
                    return Err(format!(
                        "{:?}: endpoint {:?} has no prompt.documents to scale",
                        self.path, self.cx.endpoints[i].name
                    ));
                }
                self.scale_only("a distribution of document sizes")?;
                Target::Sizes {
                    endpoints,
                    parts: vec![Part::Documents],
                }
            }
            ["prompt", p] => {
                let part = match *p {
                    "system_tokens" => Part::System,
                    "tools_tokens" => Part::Tools,
                    "context_tokens" => Part::Context,
                    "user_tokens" => Part::User,
                    "first_user_tokens" => Part::FirstUser,
                    _ => return Err(self.unknown()),
                };
                self.scale_only("a per-request distribution")?;
                Target::Sizes {
                    endpoints,
                    parts: vec![part],
                }
            }
            [p @ ("output_tokens" | "reasoning_tokens")] => {
                self.scale_only("a per-request distribution")?;
                Target::Sizes {
                    endpoints,
                    parts: vec![if *p == "output_tokens" {
                        Part::Output
                    } else {
                        Part::Reasoning
                    }],
                }
            }
            _ => return Err(self.unknown()),
        })
    }

    /// `traffic.queries.q`: every endpoint must have the query model that has `q` (Zipf's `s`
    /// and `intents`, Repetition's `rate`).
    fn queries_field(&self, endpoints: &[usize], q: &str) -> Result<TrafficField, String> {
        let want_zipf = q != "rate";
        for &i in endpoints {
            let ok = match &self.cx.endpoints[i].traffic.queries {
                Some(Queries::Zipf { .. }) => want_zipf,
                Some(Queries::Repetition { .. }) => !want_zipf,
                None => false,
            };
            if !ok {
                return Err(format!(
                    "{:?}: endpoint {:?} has no traffic.queries {}",
                    self.path,
                    self.cx.endpoints[i].name,
                    if want_zipf {
                        "Zipf(...)"
                    } else {
                        "Repetition(...)"
                    }
                ));
            }
        }
        Ok(match q {
            "rate" => {
                self.probability()?;
                TrafficField::QueriesRate
            }
            "s" => TrafficField::QueriesS,
            _ => TrafficField::QueriesIntents,
        })
    }

    /// `traffic.growth.g`: every endpoint must have a growth curve with `g`.
    fn growth_field(&self, endpoints: &[usize], g: &str) -> Result<TrafficField, String> {
        for &i in endpoints {
            let ok = matches!(
                (&self.cx.endpoints[i].traffic.growth, g),
                (Some(Growth::Linear { .. }), "users_per_month")
                    | (Some(Growth::Exponential { .. }), "monthly_rate")
                    | (
                        Some(Growth::Logistic { .. }),
                        "monthly_rate" | "ceiling_users"
                    )
            );
            if !ok {
                return Err(format!(
                    "{:?}: endpoint {:?} has no growth curve with {g} \
                     (Linear has users_per_month, Exponential monthly_rate, \
                     Logistic ceiling_users and monthly_rate)",
                    self.path, self.cx.endpoints[i].name
                ));
            }
        }
        Ok(match g {
            "users_per_month" => TrafficField::GrowthUsersPerMonth,
            "monthly_rate" => TrafficField::GrowthMonthlyRate,
            _ => TrafficField::GrowthCeiling,
        })
    }

    /// Scaling must keep every targeted size distribution valid (Zipf cannot scale).
    fn check_sizes(&self, endpoints: &[usize], parts: &[Part]) -> Result<(), String> {
        for &i in endpoints {
            for &p in parts {
                let Some(d) = sizes_mut_ref(&self.cx.endpoints[i], p) else {
                    continue;
                };
                d.scaled(1.0).map_err(|e| format!("{:?}: {e}", self.path))?;
                self.at(self.scaled_at_most(
                    d,
                    limits::MAX_TOKENS_PER_REQUEST,
                    "tokens per request",
                ))?;
            }
        }
        Ok(())
    }

    /// The draws of a traffic `field` must keep it valid on every endpoint.
    fn check_traffic(&self, endpoints: &[usize], field: TrafficField) -> Result<(), String> {
        for &i in endpoints {
            let t = &self.cx.endpoints[i].traffic;
            let (dists, limit, unit): (Vec<&Dist>, _, _) = match field {
                TrafficField::Turns => (
                    std::iter::once(&t.turns)
                        .chain(t.turns_by_opening.iter().map(|(_, d)| d))
                        .collect(),
                    limits::MAX_TURNS,
                    "turns per session",
                ),
                TrafficField::ThinkTime => {
                    (vec![&t.think_time_s], limits::MAX_THINK_TIME_S, "seconds")
                }
                _ => continue,
            };
            for d in dists {
                d.scaled(1.0).map_err(|e| format!("{:?}: {e}", self.path))?;
                self.at(self.scaled_at_most(d, limit, unit))?;
            }
        }
        match (field, self.kind) {
            (TrafficField::QueriesRate, _) => {}
            (TrafficField::GrowthUsersPerMonth, Kind::Value) => {}
            (TrafficField::GrowthMonthlyRate, Kind::Value) => {
                if self.min <= -1.0 {
                    return Err(format!(
                        "{:?}: {} can draw {} or less; a monthly growth rate must be above -1",
                        self.path,
                        self.dist.name(),
                        -1
                    ));
                }
            }
            (TrafficField::GrowthCeiling | TrafficField::DailyActiveUsers, _) => {
                self.at(self.non_negative())?;
                self.check_logistic(endpoints, field)?;
            }
            (TrafficField::QueriesIntents, Kind::Value) => {
                if self.min < 1.0 {
                    return Err(format!(
                        "{:?}: {} can draw numbers below 1; intents must be >= 1",
                        self.path,
                        self.dist.name()
                    ));
                }
            }
            _ => self.at(self.non_negative())?,
        }
        Ok(())
    }

    /// A logistic curve needs its ceiling at or above the day-0 users: check the draws of
    /// one (`field`) against the other number as written.
    fn check_logistic(&self, endpoints: &[usize], field: TrafficField) -> Result<(), String> {
        let (min, max, dist) = (self.min, self.max, self.dist);
        for &i in endpoints {
            let t = &self.cx.endpoints[i].traffic;
            let Some(Growth::Logistic { ceiling_users, .. }) = &t.growth else {
                continue;
            };
            let dau = t.daily_active_users;
            let (lo, hi) = match self.kind {
                Kind::Value => (min, max),
                Kind::Scale if field == TrafficField::GrowthCeiling => {
                    (min * ceiling_users, max * ceiling_users)
                }
                Kind::Scale => (min * dau, max * dau),
            };
            // Only bounds a distribution really has are held against it: a LogNormal's support
            // starts at 0 but its far tail is never drawn in practice (a run that does holds
            // the users at the ceiling).
            let bounded_below = lo > 0.0
                || matches!(
                    dist,
                    Dist::Fixed(_) | Dist::Uniform { .. } | Dist::Empirical { .. }
                );
            if field == TrafficField::GrowthCeiling && bounded_below && lo < dau {
                return Err(format!(
                    "{:?}: can draw a ceiling of {} users, below endpoint {:?}'s \
                     daily_active_users ({}); a logistic ceiling must be >= the \
                     day-0 users",
                    self.path,
                    scenario::trim_float(lo.round()),
                    self.cx.endpoints[i].name,
                    scenario::trim_float(dau)
                ));
            }
            if field == TrafficField::DailyActiveUsers && hi.is_finite() && hi > *ceiling_users {
                return Err(format!(
                    "{:?}: can draw {} day-0 users, above endpoint {:?}'s \
                     logistic ceiling_users ({}); raise the ceiling or narrow \
                     the draws",
                    self.path,
                    scenario::trim_float(hi.round()),
                    self.cx.endpoints[i].name,
                    scenario::trim_float(*ceiling_users)
                ));
            }
        }
        Ok(())
    }

    /// `prices[MODEL]` or `prices[MODEL].BUCKET` (`sel` the model, `rest` the bucket if any).
    fn price(&self, sel: Option<&str>, rest: &[&str]) -> Result<Target, String> {
        let path = self.path;
        self.scale_only("a price (prices can only be scaled)")?;
        self.at(self.non_negative())?;
        self.at(self.at_most(
            1.0,
            MAX_PRICE_CHANGE_FACTOR,
            "times the catalog price (a hundredfold rise at most)",
        ))?;
        let sel = sel.ok_or_else(|| {
            format!("{path:?}: name the model, e.g. prices[claude-sonnet-4-6] or prices[*]")
        })?;
        let model = if sel == "*" {
            None
        } else if self.cx.catalog.get(sel).is_some() {
            Some(sel.to_string())
        } else {
            return Err(format!(
                "{path:?}: {}",
                scenario::unknown_model(sel, self.cx.catalog)
            ));
        };
        let mut buckets = [rest.is_empty(); Bucket::ALL.len()];
        if let [b] = rest {
            match Bucket::ALL.iter().find(|x| x.name() == *b) {
                Some(x) => buckets[x.index()] = true,
                None => {
                    let names = Bucket::ALL.map(|x| x.name());
                    return Err(format!(
                        "{path:?}: unknown bucket {b:?}{}; expected one of {}",
                        scenario::did_you_mean(b, &names),
                        names.join(", ")
                    ));
                }
            }
        }
        Ok(Target::Price { model, buckets })
    }

    /// `semantic_cache.f`: a probability, for a strategy with a semantic cache.
    fn semantic_cache(&self, f: &str) -> Result<Target, String> {
        self.at(self.probability())?;
        let any = self
            .cx
            .strategies
            .iter()
            .any(|s| s.endpoints.iter().any(|e| e.semantic_cache.is_some()));
        if !any {
            return Err(format!(
                "{:?}: no strategy has a semantic cache for it to apply to",
                self.path
            ));
        }
        Ok(if f == "hit_probability" {
            Target::SemanticHitProbability
        } else {
            Target::SemanticFalseHitRate
        })
    }

    /// `routing.escalate_share`: a probability, for a strategy with a Cascade.
    fn escalate_share(&self) -> Result<Target, String> {
        self.at(self.probability())?;
        let any = self.cx.strategies.iter().any(|s| {
            s.endpoints.iter().any(|e| {
                e.routing.as_ref().is_some_and(|r| {
                    r.rules
                        .iter()
                        .any(|r| matches!(r.action, Action::Cascade { .. }))
                })
            })
        });
        if !any {
            return Err(format!(
                "{:?}: no strategy has a Cascade for it to apply to",
                self.path
            ));
        }
        Ok(Target::EscalateShare)
    }

    /// `prompt_cache.implicit_hit_share`: a probability, for a strategy with implicit caching.
    fn implicit_hit_share(&self) -> Result<Target, String> {
        self.at(self.probability())?;
        let any = self.cx.strategies.iter().any(|s| {
            s.endpoints.iter().any(|e| {
                e.prompt_cache
                    .is_some_and(|c| c.implicit_hit_share.is_some())
            })
        });
        if !any {
            return Err(format!(
                "{:?}: no strategy has PromptCache(implicit_hit_share: ..) for it to apply to",
                self.path
            ));
        }
        Ok(Target::ImplicitHitShare)
    }

    /// `revenue.rest` (`plan`: the selector of `plans[NAME]`), for a scenario with revenue.
    fn revenue(&self, rest: &[&str], plan: Option<&str>) -> Result<Target, String> {
        let path = self.path;
        let revenue = self
            .cx
            .revenue
            .ok_or_else(|| format!("{path:?}: the scenario states no revenue"))?;
        self.at(self.non_negative())?;
        match (rest, plan) {
            (["usd_per_request"], None) => {
                self.at(self.at_most(
                    revenue.usd_per_request,
                    limits::MAX_USD_PER_REQUEST,
                    "USD per request",
                ))?;
                Ok(Target::RevenuePerRequest)
            }
            (["plans", "usd_per_user_month"], Some(name)) => revenue
                .plans
                .iter()
                .position(|p| p.name == name)
                .map(|i| {
                    self.at(self.at_most(
                        revenue.plans[i].usd_per_user_month,
                        limits::MAX_USD_PER_USER_MONTH,
                        "USD per user per month",
                    ))?;
                    Ok(Target::RevenuePlan(i))
                })
                .unwrap_or_else(|| {
                    Err(format!(
                        "{path:?}: no plan named {name:?}; plans are {}",
                        revenue
                            .plans
                            .iter()
                            .map(|p| format!("{:?}", p.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }),
            _ => Err(self.unknown()),
        }
    }
}

fn select_endpoints(sel: &str, endpoints: &[Endpoint], path: &str) -> Result<Vec<usize>, String> {
    if sel == "*" {
        return Ok((0..endpoints.len()).collect());
    }
    if let Some(i) = endpoints.iter().position(|e| e.name == sel) {
        return Ok(vec![i]);
    }
    if let Ok(i) = sel.parse::<usize>()
        && i < endpoints.len()
    {
        return Ok(vec![i]);
    }
    Err(format!(
        "{path:?}: no endpoint {sel:?}; endpoints are {} (or * for all)",
        endpoints
            .iter()
            .map(|e| format!("{:?}", e.name))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn sizes_mut_ref(e: &Endpoint, p: Part) -> Option<&Dist> {
    Some(match p {
        Part::System => &e.prompt.system_tokens,
        Part::Tools => &e.prompt.tools_tokens,
        Part::Context => &e.prompt.context_tokens,
        Part::User => &e.prompt.user_tokens,
        Part::FirstUser => return e.prompt.first_user_tokens.as_ref(),
        Part::Documents => return e.prompt.documents.as_ref().map(|d| &d.tokens),
        Part::Output => &e.output_tokens,
        Part::Reasoning => &e.reasoning_tokens,
    })
}

/// Validate the file's `uncertain` list; errors are `(field path, message)`.
pub fn resolve(
    list: &[UncertainFile],
    cx: &Context,
) -> Result<Vec<Uncertain>, Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, u) in list.iter().enumerate() {
        let at = format!("uncertain[{i}]");
        let (path, dist, kind) = match u {
            UncertainFile::Value(p, d) => (p, d, Kind::Value),
            UncertainFile::Scale(p, d) => (p, d, Kind::Scale),
        };
        if list[..i].iter().any(|o| match o {
            UncertainFile::Value(p, _) | UncertainFile::Scale(p, _) => p == path,
        }) {
            errors.push((
                at,
                format!("{path:?} is already uncertain above; give each parameter once"),
            ));
            continue;
        }
        let sampler = match dist.validate().and_then(|_| dist.sampler()) {
            Ok(s) => s,
            Err(e) => {
                errors.push((at, format!("{path:?}: {e}")));
                continue;
            }
        };
        if kind == Kind::Scale && dist.support_min() < 0.0 {
            errors.push((
                at,
                format!(
                    "{path:?}: a scale factor must be >= 0, but {} can draw negative numbers",
                    dist.name()
                ),
            ));
            continue;
        }
        match resolve_one(path, kind, dist, cx) {
            Ok(target) => out.push(Uncertain {
                path: path.clone(),
                kind,
                dist: dist.clone(),
                sampler,
                target,
            }),
            Err(e) => errors.push((at, e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
