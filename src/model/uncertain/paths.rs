//! Checking the paths of a scenario's `uncertain` list and resolving each to what it changes
//! (the table of valid paths is in [`super`]'s docs).

use crate::foundations::dist::Dist;
use crate::foundations::pricing::{Bucket, Catalog};
use crate::model::scenario::file::UncertainFile;
use crate::model::scenario::{self, Endpoint, Growth, Queries, Revenue};
use crate::model::strategy::{Action, Strategy};

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

const PATHS: &str = "endpoints[E].traffic.daily_active_users, .sessions_per_user_per_day, \
    .turns, .think_time_s, .queries.rate, .queries.s, .queries.intents, .growth.users_per_month, \
    .growth.monthly_rate, .growth.ceiling_users; endpoints[E].prompt, .prompt.system_tokens, \
    .prompt.tools_tokens, .prompt.context_tokens, .prompt.user_tokens; endpoints[E].output_tokens, \
    .reasoning_tokens; prices[MODEL], prices[MODEL].BUCKET; semantic_cache.hit_probability, \
    semantic_cache.false_hit_rate; routing.escalate_share; revenue.usd_per_request, \
    revenue.plans[NAME].usd_per_user_month (E: an endpoint name, index or *)";

/// Every uncertain path, `E` standing for the endpoint selector (for "did you mean").
const TEMPLATES: &[&str] = &[
    "endpoints[E].traffic.daily_active_users",
    "endpoints[E].traffic.sessions_per_user_per_day",
    "endpoints[E].traffic.turns",
    "endpoints[E].traffic.think_time_s",
    "endpoints[E].traffic.queries.rate",
    "endpoints[E].traffic.queries.s",
    "endpoints[E].traffic.queries.intents",
    "endpoints[E].traffic.growth.users_per_month",
    "endpoints[E].traffic.growth.monthly_rate",
    "endpoints[E].traffic.growth.ceiling_users",
    "endpoints[E].prompt",
    "endpoints[E].prompt.system_tokens",
    "endpoints[E].prompt.tools_tokens",
    "endpoints[E].prompt.context_tokens",
    "endpoints[E].prompt.user_tokens",
    "endpoints[E].output_tokens",
    "endpoints[E].reasoning_tokens",
    "semantic_cache.hit_probability",
    "semantic_cache.false_hit_rate",
    "routing.escalate_share",
    "revenue.usd_per_request",
];

/// `" (did you mean `...`?)"` for an unknown path close to a valid one (with the path's own
/// endpoint selector), else empty.
fn suggestion(path: &str) -> String {
    let selector = path
        .strip_prefix("endpoints[")
        .and_then(|r| r.split_once(']'))
        .map_or("E", |(sel, _)| sel);
    let candidates: Vec<String> = TEMPLATES
        .iter()
        .map(|t| t.replace("[E]", &format!("[{selector}]")))
        .collect();
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    scenario::did_you_mean(path, &refs)
}

/// One `name` or `name[selector]` step of a path.
#[derive(Debug, PartialEq)]
struct Step<'a> {
    name: &'a str,
    selector: Option<&'a str>,
}

fn split_path(path: &str) -> Result<Vec<Step<'_>>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return Err(format!("{path:?} is not a field path"));
        }
        rest = &rest[end..];
        let mut selector = None;
        if let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("{path:?}: '[' without a closing ']'"))?;
            selector = Some(&r[..close]);
            rest = &r[close + 1..];
        }
        steps.push(Step { name, selector });
        if rest.is_empty() {
            return Ok(steps);
        }
        rest = rest
            .strip_prefix('.')
            .ok_or_else(|| format!("{path:?}: expected '.' after ']'"))?;
    }
}

fn resolve_one(path: &str, kind: Kind, dist: &Dist, cx: &Context) -> Result<Target, String> {
    let unknown = || {
        format!(
            "unknown parameter {path:?}{}; uncertain parameters are: {PATHS}",
            suggestion(path)
        )
    };
    let steps = split_path(path)?;
    let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
    let scale_only = |what: &str| -> Result<(), String> {
        if kind == Kind::Value {
            Err(format!(
                "{path:?} is {what}; write Scale({path:?}, ...) to multiply it"
            ))
        } else {
            Ok(())
        }
    };
    let min = dist.support_min();
    let max = dist.support_max();
    let non_negative = || -> Result<(), String> {
        if min < 0.0 {
            Err(format!(
                "{} can draw negative numbers{}; this parameter must be >= 0 (e.g. LogNormal, \
                 or Uniform with min >= 0)",
                dist.name(),
                if min.is_finite() {
                    format!(" (down to {})", scenario::trim_float(min))
                } else {
                    String::new()
                }
            ))
        } else {
            Ok(())
        }
    };
    let probability = || -> Result<(), String> {
        non_negative()?;
        if kind == Kind::Value && max > 1.0 {
            Err(format!(
                "{} can draw numbers above 1 ({}); a probability must be between 0 and 1 \
                 (e.g. Uniform(min: 0.6, max: 0.9))",
                dist.name(),
                scenario::trim_float(max)
            ))
        } else {
            Ok(())
        }
    };
    match names.as_slice() {
        ["endpoints", rest @ ..] if !rest.is_empty() => {
            let sel = steps[0].selector.ok_or_else(|| {
                format!("{path:?}: name the endpoint, e.g. endpoints[chat] or endpoints[*]")
            })?;
            let endpoints = select_endpoints(sel, cx.endpoints, path)?;
            if steps[1..].iter().any(|s| s.selector.is_some()) {
                return Err(unknown());
            }
            let traffic = |field| Target::Traffic {
                endpoints: endpoints.clone(),
                field,
            };
            let target = match rest {
                ["traffic", "daily_active_users"] => traffic(TrafficField::DailyActiveUsers),
                ["traffic", "sessions_per_user_per_day"] => traffic(TrafficField::SessionsPerUser),
                ["traffic", "turns"] => {
                    scale_only("a per-session distribution")?;
                    traffic(TrafficField::Turns)
                }
                ["traffic", "think_time_s"] => {
                    scale_only("a per-turn distribution")?;
                    traffic(TrafficField::ThinkTime)
                }
                ["traffic", "queries", q @ ("rate" | "s" | "intents")] => {
                    let want_zipf = *q != "rate";
                    for &i in &endpoints {
                        let ok = match &cx.endpoints[i].traffic.queries {
                            Some(Queries::Zipf { .. }) => want_zipf,
                            Some(Queries::Repetition { .. }) => !want_zipf,
                            None => false,
                        };
                        if !ok {
                            return Err(format!(
                                "{path:?}: endpoint {:?} has no traffic.queries {}",
                                cx.endpoints[i].name,
                                if want_zipf {
                                    "Zipf(...)"
                                } else {
                                    "Repetition(...)"
                                }
                            ));
                        }
                    }
                    match *q {
                        "rate" => {
                            probability()?;
                            traffic(TrafficField::QueriesRate)
                        }
                        "s" => traffic(TrafficField::QueriesS),
                        _ => traffic(TrafficField::QueriesIntents),
                    }
                }
                [
                    "traffic",
                    "growth",
                    g @ ("users_per_month" | "monthly_rate" | "ceiling_users"),
                ] => {
                    for &i in &endpoints {
                        let ok = matches!(
                            (&cx.endpoints[i].traffic.growth, *g),
                            (Some(Growth::Linear { .. }), "users_per_month")
                                | (Some(Growth::Exponential { .. }), "monthly_rate")
                                | (
                                    Some(Growth::Logistic { .. }),
                                    "monthly_rate" | "ceiling_users"
                                )
                        );
                        if !ok {
                            return Err(format!(
                                "{path:?}: endpoint {:?} has no growth curve with {g} \
                                 (Linear has users_per_month, Exponential monthly_rate, \
                                 Logistic ceiling_users and monthly_rate)",
                                cx.endpoints[i].name
                            ));
                        }
                    }
                    match *g {
                        "users_per_month" => traffic(TrafficField::GrowthUsersPerMonth),
                        "monthly_rate" => traffic(TrafficField::GrowthMonthlyRate),
                        _ => traffic(TrafficField::GrowthCeiling),
                    }
                }
                ["prompt"] => {
                    scale_only("a set of per-request distributions")?;
                    Target::Sizes {
                        endpoints,
                        parts: vec![Part::System, Part::Tools, Part::Context, Part::User],
                    }
                }
                ["prompt", p] => {
                    let part = match *p {
                        "system_tokens" => Part::System,
                        "tools_tokens" => Part::Tools,
                        "context_tokens" => Part::Context,
                        "user_tokens" => Part::User,
                        _ => return Err(unknown()),
                    };
                    scale_only("a per-request distribution")?;
                    Target::Sizes {
                        endpoints,
                        parts: vec![part],
                    }
                }
                [p @ ("output_tokens" | "reasoning_tokens")] => {
                    scale_only("a per-request distribution")?;
                    Target::Sizes {
                        endpoints,
                        parts: vec![if *p == "output_tokens" {
                            Part::Output
                        } else {
                            Part::Reasoning
                        }],
                    }
                }
                _ => return Err(unknown()),
            };
            // Scaling must keep every targeted distribution valid (Zipf cannot scale).
            if let Target::Sizes { endpoints, parts } = &target {
                for &i in endpoints {
                    for &p in parts {
                        sizes_mut_ref(&cx.endpoints[i], p)
                            .scaled(1.0)
                            .map_err(|e| format!("{path:?}: {e}"))?;
                    }
                }
            }
            if let Target::Traffic { endpoints, field } = &target {
                for &i in endpoints {
                    let t = &cx.endpoints[i].traffic;
                    let d = match field {
                        TrafficField::Turns => &t.turns,
                        TrafficField::ThinkTime => &t.think_time_s,
                        _ => continue,
                    };
                    d.scaled(1.0).map_err(|e| format!("{path:?}: {e}"))?;
                }
                match (field, kind) {
                    (TrafficField::QueriesRate, _) => {}
                    (TrafficField::GrowthUsersPerMonth, Kind::Value) => {}
                    (TrafficField::GrowthMonthlyRate, Kind::Value) => {
                        if min <= -1.0 {
                            return Err(format!(
                                "{path:?}: {} can draw {} or less; a monthly growth rate must be above -1",
                                dist.name(),
                                -1
                            ));
                        }
                    }
                    (TrafficField::GrowthCeiling | TrafficField::DailyActiveUsers, _) => {
                        non_negative().map_err(|e| format!("{path:?}: {e}"))?;
                        // A logistic curve needs its ceiling at or above the day-0 users: check
                        // the draws against the other number as written.
                        for &i in endpoints {
                            let t = &cx.endpoints[i].traffic;
                            let Some(Growth::Logistic { ceiling_users, .. }) = &t.growth else {
                                continue;
                            };
                            let dau = t.daily_active_users;
                            let (lo, hi) = match kind {
                                Kind::Value => (min, max),
                                Kind::Scale if *field == TrafficField::GrowthCeiling => {
                                    (min * ceiling_users, max * ceiling_users)
                                }
                                Kind::Scale => (min * dau, max * dau),
                            };
                            // Only bounds a distribution really has are held against it: a
                            // LogNormal's support starts at 0 but its far tail is never drawn
                            // in practice (a run that does holds the users at the ceiling).
                            let bounded_below = lo > 0.0
                                || matches!(
                                    dist,
                                    Dist::Fixed(_) | Dist::Uniform { .. } | Dist::Empirical { .. }
                                );
                            if *field == TrafficField::GrowthCeiling && bounded_below && lo < dau {
                                return Err(format!(
                                    "{path:?}: can draw a ceiling of {} users, below endpoint {:?}'s \
                                     daily_active_users ({}); a logistic ceiling must be >= the \
                                     day-0 users",
                                    scenario::trim_float(lo.round()),
                                    cx.endpoints[i].name,
                                    scenario::trim_float(dau)
                                ));
                            }
                            if *field == TrafficField::DailyActiveUsers
                                && hi.is_finite()
                                && hi > *ceiling_users
                            {
                                return Err(format!(
                                    "{path:?}: can draw {} day-0 users, above endpoint {:?}'s \
                                     logistic ceiling_users ({}); raise the ceiling or narrow \
                                     the draws",
                                    scenario::trim_float(hi.round()),
                                    cx.endpoints[i].name,
                                    scenario::trim_float(*ceiling_users)
                                ));
                            }
                        }
                    }
                    (TrafficField::QueriesIntents, Kind::Value) => {
                        if min < 1.0 {
                            return Err(format!(
                                "{path:?}: {} can draw numbers below 1; intents must be >= 1",
                                dist.name()
                            ));
                        }
                    }
                    _ => non_negative().map_err(|e| format!("{path:?}: {e}"))?,
                }
            }
            Ok(target)
        }
        ["prices", rest @ ..] if rest.len() <= 1 => {
            scale_only("a price (prices can only be scaled)")?;
            non_negative().map_err(|e| format!("{path:?}: {e}"))?;
            let sel = steps[0].selector.ok_or_else(|| {
                format!("{path:?}: name the model, e.g. prices[claude-sonnet-4-6] or prices[*]")
            })?;
            let model = if sel == "*" {
                None
            } else if cx.catalog.get(sel).is_some() {
                Some(sel.to_string())
            } else {
                return Err(format!(
                    "{path:?}: {}",
                    scenario::unknown_model(sel, cx.catalog)
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
        ["semantic_cache", f @ ("hit_probability" | "false_hit_rate")] => {
            probability().map_err(|e| format!("{path:?}: {e}"))?;
            let any = cx
                .strategies
                .iter()
                .any(|s| s.endpoints.iter().any(|e| e.semantic_cache.is_some()));
            if !any {
                return Err(format!(
                    "{path:?}: no strategy has a semantic cache for it to apply to"
                ));
            }
            Ok(if *f == "hit_probability" {
                Target::SemanticHitProbability
            } else {
                Target::SemanticFalseHitRate
            })
        }
        ["routing", "escalate_share"] => {
            probability().map_err(|e| format!("{path:?}: {e}"))?;
            let any = cx.strategies.iter().any(|s| {
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
                    "{path:?}: no strategy has a Cascade for it to apply to"
                ));
            }
            Ok(Target::EscalateShare)
        }
        ["revenue", rest @ ..] => {
            let revenue = cx
                .revenue
                .ok_or_else(|| format!("{path:?}: the scenario states no revenue"))?;
            non_negative().map_err(|e| format!("{path:?}: {e}"))?;
            match (rest, steps.get(1).and_then(|s| s.selector)) {
                (["usd_per_request"], None) => Ok(Target::RevenuePerRequest),
                (["plans", "usd_per_user_month"], Some(name)) => revenue
                    .plans
                    .iter()
                    .position(|p| p.name == name)
                    .map(Target::RevenuePlan)
                    .ok_or_else(|| {
                        format!(
                            "{path:?}: no plan named {name:?}; plans are {}",
                            revenue
                                .plans
                                .iter()
                                .map(|p| format!("{:?}", p.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }),
                _ => Err(unknown()),
            }
        }
        _ => Err(unknown()),
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

fn sizes_mut_ref(e: &Endpoint, p: Part) -> &Dist {
    match p {
        Part::System => &e.prompt.system_tokens,
        Part::Tools => &e.prompt.tools_tokens,
        Part::Context => &e.prompt.context_tokens,
        Part::User => &e.prompt.user_tokens,
        Part::Output => &e.output_tokens,
        Part::Reasoning => &e.reasoning_tokens,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_steps_with_selectors() {
        let s = split_path("prices[gpt-4.1].output").unwrap();
        assert_eq!(
            s,
            [
                Step {
                    name: "prices",
                    selector: Some("gpt-4.1")
                },
                Step {
                    name: "output",
                    selector: None
                }
            ]
        );
        assert!(split_path("endpoints[chat").is_err());
        assert!(split_path("a..b").is_err());
        assert!(split_path("endpoints[x]y").is_err());
    }
}
