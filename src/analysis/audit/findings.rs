//! The findings of an audit: observations about the recorded usage, each paired with the lever
//! that addresses it (prompt cache, semantic cache, routing, where to focus, context policies).
//!
//! Kept apart from the arithmetic of the audit section so the rules read as a list: one
//! function per lever, each a condition on the section and the sentence it writes.

use crate::analysis::report::{AuditSection, Finding};

/// Observations paired with the lever that addresses them.
pub(super) fn findings(a: &AuditSection, _overflows: f64) -> Vec<Finding> {
    let mut out: Vec<Finding> = [
        prompt_cache(a),
        semantic_cache(a),
        routing(a),
        focus(a),
        context(a),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.extend(recorded_cost(a));
    out
}

/// Models whose recorded cost differs from the provider's price, with dollars and the likely
/// cause: what a team fixes in its tracker's price map before trusting its dashboards.
fn recorded_cost(a: &AuditSection) -> Vec<Finding> {
    let Some(rc) = &a.recorded_cost else {
        return Vec::new();
    };
    rc.by_model
        .iter()
        .filter(|m| m.cause != "matches")
        .map(|m| Finding {
            observation: format!(
                "the source recorded {} for {} ({} rows) where the provider's price is {}: {} by {} ({})",
                money(m.recorded_usd),
                m.model,
                m.rows,
                money(m.priced_usd),
                if m.difference_usd > 0.0 { "over" } else { "under" },
                money(m.difference_usd.abs()),
                if m.priced_usd > 0.0 { pct(m.difference_share.abs()) } else { "n/a".into() }
            ),
            lever: "pricing".into(),
            suggestion: format!("likely cause: {}; fix the tracker's price map before trusting its dashboards", m.explanation),
        })
        .collect()
}

/// Dollars to the cent from $1 up, else to four significant digits.
fn money(x: f64) -> String {
    if x.abs() >= 1.0 || x == 0.0 {
        format!("${x:.2}")
    } else {
        let decimals = (3 - x.abs().log10().floor() as i32).clamp(2, 12) as usize;
        format!("${x:.decimals$}")
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Prompts that repeat a prefix (or, without prefix hashes, a prompt-heavy bill) but are
/// seldom read from a cache.
fn prompt_cache(a: &AuditSection) -> Option<Finding> {
    if let Some(reuse) = a.prefix_reuse_ratio
        && reuse > a.recorded_cache_read_ratio + 0.1
    {
        Some(Finding {
            observation: format!(
                "{} of prompt tokens repeat a prefix seen earlier in the trace, but only {} were read from a cache",
                pct(reuse),
                pct(a.recorded_cache_read_ratio)
            ),
            lever: "prompt_cache".into(),
            suggestion: "cache the shared prefixes: model this traffic in a scenario and compare `prompt_cache` strategies".into(),
        })
    } else if a.prefix_reuse_ratio.is_none()
        && a.input_cost_share > 0.6
        && a.recorded_cache_read_ratio < 0.1
    {
        Some(Finding {
            observation: format!(
                "prompt tokens are {} of the cost and {} of them were read from a cache",
                pct(a.input_cost_share),
                pct(a.recorded_cache_read_ratio)
            ),
            lever: "prompt_cache".into(),
            suggestion: "if requests share a system prompt, tools or documents, put them first and cache them".into(),
        })
    } else {
        None
    }
}

/// Many requests repeat an earlier intent.
fn semantic_cache(a: &AuditSection) -> Option<Finding> {
    let rep = a.intent_repeat_ratio.filter(|rep| *rep > 0.2)?;
    Some(Finding {
        observation: format!("{} of requests repeat an earlier intent", pct(rep)),
        lever: "semantic_cache".into(),
        suggestion: "answer repeated questions from a semantic cache".into(),
    })
}

/// Output tokens carry most of the cost.
fn routing(a: &AuditSection) -> Option<Finding> {
    (a.output_cost_share > 0.5).then(|| Finding {
        observation: format!("output tokens are {} of the cost", pct(a.output_cost_share)),
        lever: "routing".into(),
        suggestion:
            "route simple requests to a cheaper model, cap answer length, or batch what can wait"
                .into(),
    })
}

/// A third of the endpoints or fewer carry 80% of the spend.
fn focus(a: &AuditSection) -> Option<Finding> {
    let n = a.endpoints_pareto.len();
    (n > 2 && a.endpoints_for_80_percent * 3 <= n).then(|| Finding {
        observation: format!(
            "{} of {} endpoints carry 80% of the spend",
            a.endpoints_for_80_percent, n
        ),
        lever: "focus".into(),
        suggestion: format!(
            "start with {}: levers there move the bill most",
            a.endpoints_pareto
                .iter()
                .take(a.endpoints_for_80_percent)
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// A few very long prompts dominate: the mean prompt is over 4 times the median (not known
/// from a bucketed usage report).
fn context(a: &AuditSection) -> Option<Finding> {
    let (mean, median) = (a.mean_input_tokens?, a.median_input_tokens?);
    (mean > 4.0 * median && median > 0.0).then(|| {
        Finding {
            observation: format!(
                "mean prompt ({mean:.0} tokens) is {:.1}x the median ({median:.0}): a few very long prompts dominate",
                mean / median,
            ),
            lever: "context".into(),
            suggestion: "trim or summarise long histories (context policies)".into(),
        }
    })
}
