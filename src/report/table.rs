//! The human-readable report printed by `tokencast run` by default.
//!
//! Readable at a glance: a headline per strategy (total and P5–P95), the unit costs, then where
//! the money goes (endpoint, model, token bucket) and what the prompt is made of, ending with the
//! dominant cost driver in one sentence.

use super::format::{Table, count, pct, pct_signed, usd, usd_signed};
use super::{Report, StrategyResult};

/// Render the report as aligned text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}: {} days, {} run{}, seed {}\n",
        report.scenario.name,
        report.horizon_days,
        report.runs,
        if report.runs == 1 { "" } else { "s" },
        report.seed
    ));
    out.push_str(&format!(
        "prices: {}, effective {}\n",
        report.prices.source, report.prices.effective_date
    ));
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push('\n');

    let names = strategy_order(report);
    let mut summary = Table::new(&[
        "strategy",
        &format!("cost ({} days)", report.horizon_days),
        "P5",
        "P95",
        "vs baseline",
        "saving",
    ]);
    for name in &names {
        let s = &report.strategies[name];
        let (delta, saving) = if name == "baseline" {
            (String::new(), String::new())
        } else {
            let base = report
                .strategies
                .get("baseline")
                .map(|b| b.cost_usd.mean)
                .unwrap_or(0.0);
            (
                if base > 0.0 {
                    pct_signed((s.cost_usd.mean - base) / base)
                } else {
                    String::new()
                },
                usd_signed(s.savings_vs_baseline_usd.mean),
            )
        };
        summary.row(vec![
            name.clone(),
            usd(s.cost_usd.mean),
            usd(s.cost_usd.p5),
            usd(s.cost_usd.p95),
            delta,
            saving,
        ]);
    }
    if names.len() == 1 {
        // Nothing to compare against: drop the comparison columns.
        summary.headers.truncate(4);
        summary.align.truncate(4);
        for r in summary.rows.iter_mut() {
            r.truncate(4);
        }
    }
    out.push_str(&summary.text(""));

    for name in &names {
        out.push('\n');
        out.push_str(&strategy_detail(
            name,
            &report.strategies[name],
            report.runs,
        ));
    }
    out
}

/// Strategy names with `baseline` first, the rest sorted.
pub fn strategy_order(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = report.strategies.keys().cloned().collect();
    names.sort_by_key(|n| (n != "baseline", n.clone()));
    names
}

fn strategy_detail(name: &str, s: &StrategyResult, runs: u32) -> String {
    let mut out = format!("== {name} ==\n");
    let spread = if runs > 1 {
        format!(
            "  (P5 {} .. P95 {} over {runs} runs)",
            usd(s.cost_usd.p5),
            usd(s.cost_usd.p95)
        )
    } else {
        String::new()
    };
    out.push_str(&format!("  total      {}{spread}\n", usd(s.cost_usd.mean)));
    out.push_str(&format!(
        "  volume     {} requests in {} sessions\n",
        count(s.requests.mean),
        count(s.sessions.mean)
    ));
    let u = &s.unit_economics;
    out.push_str(&format!(
        "  unit cost  {} per request, {} per session, {} per active user-day, {} per user-month ({} daily active users)\n",
        usd(u.cost_per_request_usd.mean),
        usd(u.cost_per_session_usd.mean),
        usd(u.cost_per_active_user_day_usd.mean),
        usd(u.cost_per_user_month_usd.mean),
        count(u.daily_active_users),
    ));
    if s.context_overflows > 0.0 {
        out.push_str(&format!(
            "  refused    {} requests over the context window (not billed)\n",
            count(s.context_overflows)
        ));
    }
    if s.routing.cascaded_requests > 0.0 {
        out.push_str(&format!(
            "  cascade    {} of {} cascaded requests escalated to the stronger model ({}), both calls billed\n",
            count(s.routing.escalations),
            count(s.routing.cascaded_requests),
            pct(s.routing.escalation_ratio),
        ));
    }
    if s.routing.window_fallbacks > 0.0 {
        out.push_str(&format!(
            "  fallback   {} requests too long for the routed model's context window, sent to another model\n",
            count(s.routing.window_fallbacks)
        ));
    }
    out.push('\n');

    let mut t = Table::new(&["endpoint", "cost", "share", "requests", "per request"]);
    let mut eps: Vec<_> = s.by_endpoint.iter().collect();
    eps.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in eps {
        t.row(vec![
            n.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            count(b.requests),
            usd(if b.requests > 0.0 {
                b.cost_usd.mean / b.requests
            } else {
                0.0
            }),
        ]);
    }
    out.push_str(&t.text("  "));
    out.push('\n');

    let mut t = Table::new(&["model", "cost", "share", "requests"]);
    let mut ms: Vec<_> = s.by_model.iter().collect();
    ms.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in ms {
        t.row(vec![
            n.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            count(b.requests),
        ]);
    }
    out.push_str(&t.text("  "));
    out.push('\n');

    let mut t = Table::new(&["token bucket", "tokens", "cost", "share"]);
    let mut bs: Vec<_> = s
        .by_bucket
        .iter()
        .filter(|(n, _)| s.tokens.get(*n).copied().unwrap_or(0.0) > 0.0)
        .collect();
    bs.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in &bs {
        t.row(vec![
            (*n).clone(),
            count(s.tokens.get(*n).copied().unwrap_or(0.0)),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
        ]);
    }
    out.push_str(&t.text("  "));
    out.push('\n');

    let prompt_total: f64 = s.prompt_segments.values().sum();
    if prompt_total > 0.0 {
        let mut t = Table::new(&["prompt segment", "tokens sent", "share of prompt"]);
        for seg in ["system", "tools", "history", "context", "user"] {
            let v = s.prompt_segments.get(seg).copied().unwrap_or(0.0);
            t.row(vec![seg.to_string(), count(v), pct(v / prompt_total)]);
        }
        out.push_str(&t.text("  "));
        out.push('\n');
    }
    if let Some(line) = dominant(s) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// One sentence on what dominates the bill and which lever addresses it.
pub fn dominant(s: &StrategyResult) -> Option<String> {
    let (bucket, b) = s
        .by_bucket
        .iter()
        .max_by(|a, b| a.1.cost_usd.mean.total_cmp(&b.1.cost_usd.mean))?;
    if b.cost_usd.mean <= 0.0 {
        return None;
    }
    let prompt_total: f64 = s.prompt_segments.values().sum();
    let seg = |n: &str| s.prompt_segments.get(n).copied().unwrap_or(0.0) / prompt_total.max(1.0);
    let why = match bucket.as_str() {
        "input" => {
            let fixed = seg("system") + seg("tools");
            let history = seg("history");
            if fixed >= history && fixed > 0.3 {
                format!(
                    ": {} of prompt tokens are the re-sent system prompt and tools, a static prefix that prompt caching bills at the cache-read rate",
                    pct(fixed)
                )
            } else if history > 0.3 {
                format!(
                    ": {} of prompt tokens are re-sent conversation history; prompt caching and context trimming address it",
                    pct(history)
                )
            } else {
                String::new()
            }
        }
        "output" => ": output is billed at several times the input rate; shorter answers, a cheaper model for simple requests or batch processing address it".to_string(),
        "reasoning" => ": hidden reasoning tokens; a lower reasoning effort or a non-reasoning model for simple requests addresses it".to_string(),
        _ => String::new(),
    };
    Some(format!(
        "Dominant cost: {bucket} tokens, {} of the bill{why}.",
        pct(b.share_of_cost)
    ))
}
