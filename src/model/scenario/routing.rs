//! Resolving a strategy's `routing` block into validated rules per endpoint (the rules are
//! carried out by [`crate::simulation::levers::routing`]).

use crate::foundations::pricing::{Catalog, Mode, ServiceTier};
use crate::model::strategy::{Action, Condition, MAX_RULES, RoutingChoice, Rule};

use super::Endpoint;
use super::check::FieldError;
use super::file::{RoutingFile, RoutingRuleFile};

/// Check a strategy's `routing` block and resolve it per endpoint (`None` where no rule
/// applies). Problems are appended to `errors` with field paths under `path`.
pub fn resolve(
    file: &RoutingFile,
    path: &str,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    errors: &mut Vec<FieldError>,
) -> Vec<Option<RoutingChoice>> {
    // A rule applying to several endpoints can fail the same way for each: report it once.
    let mut found: Vec<FieldError> = Vec::new();
    let mut err = |p: String, m: String| {
        let e = FieldError {
            path: p,
            message: m,
        };
        if !found.contains(&e) {
            found.push(e);
        }
    };
    let names = endpoints
        .iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let check_names = |p: &str, list: &[String], err: &mut dyn FnMut(String, String)| {
        for (ni, n) in list.iter().enumerate() {
            if !endpoints.iter().any(|e| &e.name == n) {
                err(
                    format!("{p}.endpoints[{ni}]"),
                    format!("no endpoint named {n:?}; endpoints: {names}"),
                );
            }
        }
    };
    check_names(path, &file.endpoints, &mut err);
    if file.rules.len() > MAX_RULES {
        err(
            format!("{path}.rules"),
            format!(
                "at most {MAX_RULES} rules (got {}); group requests with fewer, broader rules",
                file.rules.len()
            ),
        );
    }
    if file.rules.is_empty() {
        err(
            format!("{path}.rules"),
            "at least one rule is required, e.g. Route(when: Share(0.5), model: \"...\")"
                .to_string(),
        );
    }
    // Checks of each rule on its own.
    let mut usable = vec![true; file.rules.len()];
    for (ri, r) in file.rules.iter().enumerate() {
        let rp = format!("{path}.rules[{ri}]");
        let (when, rule_endpoints) = parts(r);
        check_names(&rp, rule_endpoints, &mut err);
        match when {
            Condition::Share(p) if !(0.0..=1.0).contains(&p) => {
                err(
                    format!("{rp}.when"),
                    format!("Share must be between 0 and 1 (got {p})"),
                );
                usable[ri] = false;
            }
            Condition::PromptAtMost(0) | Condition::PromptAbove(0) => err(
                format!("{rp}.when"),
                "the prompt-size threshold must be > 0 tokens".to_string(),
            ),
            _ => {}
        }
        let mut check_model = |field: &str, id: &str| {
            let fp = format!("{rp}.{field}");
            match catalog.get(id) {
                None => {
                    let sugg = catalog.suggest(id);
                    let hint = if sugg.is_empty() {
                        " (run `tokencast prices` to list known models, or add it under `models`)"
                            .to_string()
                    } else {
                        format!(
                            "; did you mean {}?",
                            sugg.iter()
                                .map(|s| format!("{s:?}"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    err(
                        fp,
                        format!("unknown model {id:?} in {}{hint}", catalog.source),
                    );
                    false
                }
                Some(m) if m.mode != Mode::Chat => {
                    err(
                        fp,
                        format!("{id:?} is an embedding model; routing needs a chat model"),
                    );
                    false
                }
                Some(_) => true,
            }
        };
        match r {
            RoutingRuleFile::Route { model, .. } => {
                usable[ri] &= check_model("model", model);
            }
            RoutingRuleFile::Cascade {
                first,
                escalate_share,
                to,
                ..
            } => {
                let ok_first = check_model("first", first);
                let ok_to = to.as_ref().is_none_or(|t| check_model("to", t));
                usable[ri] &= ok_first && ok_to;
                if !(0.0..=1.0).contains(escalate_share) {
                    err(
                        format!("{rp}.escalate_share"),
                        format!("must be between 0 and 1 (got {escalate_share})"),
                    );
                }
            }
        }
    }
    // Checks of the rules each endpoint gets.
    let choices = endpoints
        .iter()
        .map(|e| {
            if !file.endpoints.is_empty() && !file.endpoints.contains(&e.name) {
                return None;
            }
            let applies = |r: &RoutingRuleFile| {
                let list = parts(r).1;
                list.is_empty() || list.contains(&e.name)
            };
            let mine: Vec<usize> = (0..file.rules.len())
                .filter(|&ri| applies(&file.rules[ri]))
                .collect();
            let share_sum: f64 = mine
                .iter()
                .filter_map(|&ri| match parts(&file.rules[ri]).0 {
                    Condition::Share(p) if usable[ri] => Some(p),
                    _ => None,
                })
                .sum();
            if share_sum > 1.0 + 1e-9 {
                err(
                    format!("{path}.rules"),
                    format!(
                        "the Share conditions of endpoint {:?} add up to {share_sum}; each takes \
                         its own slice of the endpoint's requests, so together they must be <= 1",
                        e.name
                    ),
                );
            }
            if let Some(pos) = mine
                .iter()
                .position(|&ri| parts(&file.rules[ri]).0 == Condition::Always)
                && let Some(&next) = mine.get(pos + 1)
            {
                err(
                    format!("{path}.rules[{}].when", mine[pos]),
                    format!(
                        "this rule takes every request of endpoint {:?}, so rules[{next}] is \
                         never reached; add a condition or move it last",
                        e.name
                    ),
                );
            }
            let mut rules = Vec::with_capacity(mine.len());
            for &ri in mine.iter().filter(|&&ri| usable[ri]) {
                let rp = format!("{path}.rules[{ri}]");
                let (when, action) = match &file.rules[ri] {
                    RoutingRuleFile::Route { when, model, .. } => (
                        *when,
                        Action::Route {
                            model: model.clone(),
                        },
                    ),
                    RoutingRuleFile::Cascade {
                        when,
                        first,
                        escalate_share,
                        to,
                        ..
                    } => {
                        let to = to.clone().unwrap_or_else(|| e.model.clone());
                        if &to == first {
                            err(
                                format!("{rp}.first"),
                                format!(
                                    "{first:?} is also the model this cascade escalates to (for \
                                     endpoint {:?}); set `to` or pick a cheaper `first`",
                                    e.name
                                ),
                            );
                        }
                        (
                            *when,
                            Action::Cascade {
                                first: first.clone(),
                                escalate_share: *escalate_share,
                                to,
                            },
                        )
                    }
                };
                if e.service_tier == ServiceTier::Flex {
                    let (field, ids): (&str, Vec<&String>) = match &action {
                        Action::Route { model } => ("model", vec![model]),
                        Action::Cascade { first, to, .. } => ("first", vec![first, to]),
                    };
                    for id in ids {
                        if catalog.get(id).is_some_and(|m| m.flex.is_none()) {
                            err(
                                format!("{rp}.{field}"),
                                format!(
                                    "{id:?} has no flex prices in {}, and endpoint {:?} uses \
                                     Flex",
                                    catalog.source, e.name
                                ),
                            );
                        }
                    }
                }
                rules.push(Rule { when, action });
            }
            (!mine.is_empty()).then_some(RoutingChoice { rules })
        })
        .collect();
    errors.extend(found);
    choices
}

/// A rule's condition and its own endpoint list.
fn parts(r: &RoutingRuleFile) -> (Condition, &[String]) {
    match r {
        RoutingRuleFile::Route {
            when, endpoints, ..
        }
        | RoutingRuleFile::Cascade {
            when, endpoints, ..
        } => (*when, endpoints),
    }
}
