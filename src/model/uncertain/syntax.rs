//! The grammar of an uncertain parameter's path (`endpoints[chat].traffic.turns`: dotted
//! steps, each with an optional `[selector]`), and the list of valid paths that messages and
//! "did you mean" draw on.

use crate::model::scenario;

/// Every uncertain path, for messages.
pub(super) const PATHS: &str = "endpoints[E].traffic.daily_active_users, .sessions_per_user_per_day, \
    .turns, .think_time_s, .queries.rate, .queries.s, .queries.intents, .growth.users_per_month, \
    .growth.monthly_rate, .growth.ceiling_users; endpoints[E].prompt, .prompt.system_tokens, \
    .prompt.tools_tokens, .prompt.context_tokens, .prompt.user_tokens, .prompt.first_user_tokens, \
    .prompt.documents.tokens; \
    endpoints[E].output_tokens, \
    .reasoning_tokens; prices[MODEL], prices[MODEL].BUCKET; semantic_cache.hit_probability, \
    semantic_cache.false_hit_rate; prompt_cache.implicit_hit_share; routing.escalate_share; \
    revenue.usd_per_request, \
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
    "endpoints[E].prompt.first_user_tokens",
    "endpoints[E].prompt.documents.tokens",
    "endpoints[E].output_tokens",
    "prompt_cache.implicit_hit_share",
    "endpoints[E].reasoning_tokens",
    "semantic_cache.hit_probability",
    "semantic_cache.false_hit_rate",
    "routing.escalate_share",
    "revenue.usd_per_request",
];

/// `" (did you mean `...`?)"` for an unknown path close to a valid one (with the path's own
/// endpoint selector), else empty.
pub(super) fn suggestion(path: &str) -> String {
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
pub(super) struct Step<'a> {
    /// The field name.
    pub(super) name: &'a str,
    /// What is between the brackets, if any.
    pub(super) selector: Option<&'a str>,
}

/// The steps of a dotted `path`, or why it is not one.
pub(super) fn split_path(path: &str) -> Result<Vec<Step<'_>>, String> {
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
