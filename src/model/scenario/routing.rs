//! Resolving a strategy's `routing` block into validated rules per endpoint (the rules are
//! carried out by [`crate::simulation::levers::routing`]).

use crate::foundations::pricing::{Catalog, Mode, ServiceTier};
use crate::model::strategy::{Action, Condition, MAX_RULES, RoutingChoice, Rule};

use super::Endpoint;
use super::check::{FieldError, trim_float, unknown_endpoint, unknown_model};
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
    let mut r = Routing {
        file,
        path,
        endpoints,
        catalog,
        found: Vec::new(),
    };
    r.check_block();
    let usable: Vec<bool> = file
        .rules
        .iter()
        .enumerate()
        .map(|(ri, rule)| r.check_rule(ri, rule))
        .collect();
    let choices = endpoints.iter().map(|e| r.choice_for(e, &usable)).collect();
    errors.extend(r.found);
    choices
}

/// A `routing` block being resolved, with the problems found so far.
struct Routing<'a> {
    file: &'a RoutingFile,
    /// The block's field path.
    path: &'a str,
    endpoints: &'a [Endpoint],
    catalog: &'a Catalog,
    /// Problems, each once: a rule applying to several endpoints can fail the same way for
    /// each.
    found: Vec<FieldError>,
}

impl Routing<'_> {
    /// Record a problem at field path `p`, unless it was already found.
    fn err(&mut self, p: String, m: String) {
        let e = FieldError {
            path: p,
            message: m,
        };
        if !self.found.contains(&e) {
            self.found.push(e);
        }
    }

    /// Every name in `list` (at `p.endpoints`) must be an endpoint's.
    fn check_names(&mut self, p: &str, list: &[String]) {
        for (ni, n) in list.iter().enumerate() {
            if !self.endpoints.iter().any(|e| &e.name == n) {
                let m = unknown_endpoint(n, self.endpoints);
                self.err(format!("{p}.endpoints[{ni}]"), m);
            }
        }
    }

    /// The block's endpoint list and number of rules.
    fn check_block(&mut self) {
        let (file, path) = (self.file, self.path);
        self.check_names(path, &file.endpoints);
        if file.rules.len() > MAX_RULES {
            self.err(
                format!("{path}.rules"),
                format!(
                    "at most {MAX_RULES} rules (got {}); group requests with fewer, broader rules",
                    file.rules.len()
                ),
            );
        }
        if file.rules.is_empty() {
            self.err(
                format!("{path}.rules"),
                "at least one rule is required, e.g. Route(when: Share(0.5), model: \"...\")"
                    .to_string(),
            );
        }
    }

    /// Check rule `ri` on its own: its endpoints, condition and models. Whether it can be
    /// used (a rule with a bad share or model is left out of the endpoints' checks).
    fn check_rule(&mut self, ri: usize, r: &RoutingRuleFile) -> bool {
        let rp = format!("{}.rules[{ri}]", self.path);
        let (when, rule_endpoints) = parts(r);
        self.check_names(&rp, rule_endpoints);
        let mut usable = true;
        match when {
            Condition::Share(p) if !(0.0..=1.0).contains(&p) => {
                self.err(
                    format!("{rp}.when"),
                    format!("Share must be between 0 and 1 (got {})", trim_float(p)),
                );
                usable = false;
            }
            Condition::PromptAtMost(0) | Condition::PromptAbove(0) => self.err(
                format!("{rp}.when"),
                "the prompt-size threshold must be > 0 tokens".to_string(),
            ),
            _ => {}
        }
        match r {
            RoutingRuleFile::Route { model, .. } => {
                usable &= self.check_model(&rp, "model", model);
            }
            RoutingRuleFile::Cascade {
                first,
                escalate_share,
                to,
                ..
            } => {
                let ok_first = self.check_model(&rp, "first", first);
                let ok_to = to.as_ref().is_none_or(|t| self.check_model(&rp, "to", t));
                usable &= ok_first && ok_to;
                if !(0.0..=1.0).contains(escalate_share) {
                    self.err(
                        format!("{rp}.escalate_share"),
                        format!(
                            "must be between 0 and 1 (got {})",
                            trim_float(*escalate_share)
                        ),
                    );
                }
            }
        }
        usable
    }

    /// Whether `id` (the rule at `rp`'s `field`) is a chat model of the catalog.
    fn check_model(&mut self, rp: &str, field: &str, id: &str) -> bool {
        let fp = format!("{rp}.{field}");
        let catalog = self.catalog;
        match catalog.get(id) {
            None => {
                self.err(fp, unknown_model(id, catalog));
                false
            }
            Some(m) if m.mode != Mode::Chat => {
                self.err(
                    fp,
                    format!("{id:?} is an embedding model; routing needs a chat model"),
                );
                false
            }
            Some(_) => true,
        }
    }

    /// The rules endpoint `e` gets (`None` when none applies), checked together: their
    /// shares fit in one, no rule is shadowed by an `Always` before it.
    fn choice_for(&mut self, e: &Endpoint, usable: &[bool]) -> Option<RoutingChoice> {
        let (file, path) = (self.file, self.path);
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
            self.err(
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
            self.err(
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
            rules.push(self.rule_for(e, ri));
        }
        (!mine.is_empty()).then_some(RoutingChoice { rules })
    }

    /// Rule `ri` as endpoint `e` runs it: a cascade without `to` escalates to the endpoint's
    /// model, which must differ from `first`; a Flex endpoint's models need flex prices.
    fn rule_for(&mut self, e: &Endpoint, ri: usize) -> Rule {
        let rp = format!("{}.rules[{ri}]", self.path);
        let file = self.file;
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
                    self.err(
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
            self.check_flex(e, &rp, &action);
        }
        Rule { when, action }
    }

    /// The models of `action` (rule `rp` of Flex endpoint `e`) must have flex prices.
    fn check_flex(&mut self, e: &Endpoint, rp: &str, action: &Action) {
        let (field, ids): (&str, Vec<&String>) = match action {
            Action::Route { model } => ("model", vec![model]),
            Action::Cascade { first, to, .. } => ("first", vec![first, to]),
        };
        for id in ids {
            if self.catalog.get(id).is_some_and(|m| m.flex.is_none()) {
                self.err(
                    format!("{rp}.{field}"),
                    format!(
                        "{id:?} has no flex prices in {}, and endpoint {:?} uses \
                         Flex",
                        self.catalog.source, e.name
                    ),
                );
            }
        }
    }
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
