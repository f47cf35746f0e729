//! The detail of one strategy in the text report: what it costs and saves, what its caches,
//! batching and context handling did, its unit costs, then its cost by endpoint, model and token
//! bucket, what the prompt is made of, and the dominant cost driver in one sentence.

use crate::analysis::report::StrategyResult;
use crate::output::format::{Table, count, days, pct, usd, usd_signed};

/// The detail block of strategy `name`; `base` is the baseline to compare with (none for the
/// baseline itself).
pub(super) fn strategy_detail(
    name: &str,
    s: &StrategyResult,
    base: Option<&StrategyResult>,
    runs: u32,
) -> String {
    let mut out = format!("== {name} ==\n");
    headline(&mut out, s, base, runs);
    cache_lines(&mut out, s);
    workload_lines(&mut out, s);
    unit_cost_lines(&mut out, s);
    overflow_lines(&mut out, s);
    out.push('\n');
    endpoint_table(&mut out, s, base);
    model_table(&mut out, s);
    bucket_table(&mut out, s, base);
    prompt_table(&mut out, s, base);
    if let Some(line) = strengths(s, base) {
        out.push_str(&format!("  {line}\n"));
    }
    if let Some(line) = dominant(s) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// The description, the total with its spread, and the saving (or loss) against the baseline.
fn headline(out: &mut String, s: &StrategyResult, base: Option<&StrategyResult>, runs: u32) {
    if !s.description.is_empty() {
        out.push_str(&format!("  {}\n", s.description));
    }
    let spread = if runs > 1 {
        format!(
            "  ± {} (P5 {} .. P95 {} ± {} over {runs} runs)",
            usd(s.monte_carlo_error.mean_se_usd),
            usd(s.cost_usd.p5),
            usd(s.cost_usd.p95),
            usd(s.monte_carlo_error.p95_se_usd)
        )
    } else {
        String::new()
    };
    out.push_str(&format!("  total      {}{spread}\n", usd(s.cost_usd.mean)));
    if let Some(b) = base {
        let sv = &s.savings_vs_baseline_usd;
        let verdict = if sv.mean >= 0.0 { "saving" } else { "LOSS" };
        let noise = if runs > 1 && sv.p5 < 0.0 && sv.p95 > 0.0 {
            " (within run-to-run noise: P5..P95 spans zero)"
        } else {
            ""
        };
        out.push_str(&format!(
            "  vs base    {verdict} {} ({}) per {}{noise}\n",
            usd_signed(sv.mean),
            pct(ratio(sv.mean, b.cost_usd.mean)),
            days(s.daily.len() as u64)
        ));
    }
}

/// What the prompt cache and the semantic cache did, when the strategy has them.
fn cache_lines(out: &mut String, s: &StrategyResult) {
    let pc = &s.prompt_cache;
    if pc.read_tokens + pc.write_tokens > 0.0 {
        let net = if pc.net_saving_usd >= 0.0 {
            format!("net saving {}", usd(pc.net_saving_usd))
        } else {
            format!(
                "net LOSS {}: write premiums cost more than the reads save",
                usd(-pc.net_saving_usd)
            )
        };
        out.push_str(&format!(
            "  caching    {} of prompt tokens read from cache; {} read, {} written{}; {net}\n",
            pct(pc.hit_ratio),
            count(pc.read_tokens),
            count(pc.write_tokens),
            if pc.storage_usd > 0.0 {
                format!(", storage {}", usd(pc.storage_usd))
            } else {
                String::new()
            }
        ));
    }
    let sc = &s.semantic_cache;
    if sc.lookups > 0.0 {
        out.push_str(&format!(
            "  semantic   {} of {} lookups answered from the cache ({} wrong answers: {} of queries)\n",
            pct(sc.hit_ratio),
            count(sc.lookups),
            count(sc.false_hits),
            if sc.false_hit_ratio < 0.01 {
                format!("{:.2}%", sc.false_hit_ratio * 100.0)
            } else {
                pct(sc.false_hit_ratio)
            }
        ));
    }
}

/// Batching and context handling, when used, and the traffic volume.
fn workload_lines(out: &mut String, s: &StrategyResult) {
    if s.batch.requests > 0.0 {
        out.push_str(&format!(
            "  batch      {} requests at batch prices; result delay P50 {}, P95 {}, P99 {}\n",
            count(s.batch.requests),
            duration(s.batch.delay_p50_s),
            duration(s.batch.delay_p95_s),
            duration(s.batch.delay_p99_s)
        ));
    }
    let mut ctx = Vec::new();
    if s.context.summaries > 0.0 {
        ctx.push(format!(
            "{} summarisation calls",
            count(s.context.summaries)
        ));
    }
    if s.context.forced_trims > 0.0 {
        ctx.push(format!(
            "{} turns dropped to fit the context window",
            small(s.context.forced_trims)
        ));
    }
    if !ctx.is_empty() {
        out.push_str(&format!("  context    {}\n", ctx.join(", ")));
    }
    let hits = s.semantic_cache.hits;
    if hits > 0.0 {
        out.push_str(&format!(
            "  volume     {} requests served in {} sessions: {} by a model, {} ({}) from the semantic cache\n",
            count(s.requests.mean + hits),
            count(s.sessions.mean),
            count(s.requests.mean),
            count(hits),
            pct(hits / (s.requests.mean + hits))
        ));
    } else {
        out.push_str(&format!(
            "  volume     {} requests in {} sessions\n",
            count(s.requests.mean),
            count(s.sessions.mean)
        ));
    }
}

/// Unit costs, and the margin and budget lines when the scenario has them.
fn unit_cost_lines(out: &mut String, s: &StrategyResult) {
    let u = &s.unit_economics;
    // Cache hits are requests too: say so where there are some.
    let served = if s.semantic_cache.hits > 0.0 {
        " served (model or cache)"
    } else {
        ""
    };
    if s.requests.mean == 0.0 && s.cost_usd.mean > 0.0 {
        // A usage report that does not count requests (Anthropic's).
        out.push_str("  unit cost  not known: the trace does not count its requests\n");
    } else if u.active_user_days <= 0.0 {
        out.push_str(&format!(
            "  unit cost  {} per request{}, {} per session\n",
            usd(u.cost_per_request_usd.mean),
            served,
            usd(u.cost_per_session_usd.mean)
        ));
    } else {
        out.push_str(&format!(
        "  unit cost  {} per request{}, {} per session, {} per active user-day, {} per user-month ({} daily active users)\n",
        usd(u.cost_per_request_usd.mean),
        served,
        usd(u.cost_per_session_usd.mean),
        usd(u.cost_per_active_user_day_usd.mean),
        usd(u.cost_per_user_month_usd.mean),
        count(u.daily_active_users),
    ));
    }
    if let Some(line) = crate::output::forecast::margin_line(s) {
        out.push_str(&format!("  margin     {line}\n"));
    }
    if let Some(line) = crate::output::forecast::budget_line(s) {
        out.push_str(&format!("  budget     {line}\n"));
    }
}

/// Requests refused for the context window, cascaded to a stronger model, or sent to another
/// model because they were too long.
fn overflow_lines(out: &mut String, s: &StrategyResult) {
    if s.context_overflows > 0.0 {
        out.push_str(&format!(
            "  refused    {} requests per run over the context window (not billed)\n",
            small(s.context_overflows)
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
}

/// Cost by endpoint, largest first, against the baseline's.
fn endpoint_table(out: &mut String, s: &StrategyResult, base: Option<&StrategyResult>) {
    // With a semantic cache, the requests here are those a model answered.
    let (requests, per) = if s.semantic_cache.hits > 0.0 {
        ("model requests", "per model request")
    } else {
        ("requests", "per request")
    };
    let mut t = Table::new(&["endpoint", "cost", "share", requests, per, "vs baseline"]);
    let mut eps: Vec<_> = s.by_endpoint.iter().collect();
    eps.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in eps {
        t.row(vec![
            n.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            count(b.requests),
            usd(ratio(b.cost_usd.mean, b.requests)),
            change(
                base.and_then(|x| x.by_endpoint.get(n))
                    .map(|x| x.cost_usd.mean),
                b.cost_usd.mean,
            ),
        ]);
    }
    drop_last_column_if_empty(&mut t);
    out.push_str(&t.text("  "));
    if s.runs_cost_usd.len() > 1 {
        out.push_str(&format!(
            "  {per} here: mean cost ÷ mean {requests}; the unit cost line averages each run's \
             own cost ÷ its requests served, which differs when runs differ in size\n"
        ));
    }
    out.push('\n');
}

/// Cost by model, largest first.
fn model_table(out: &mut String, s: &StrategyResult) {
    let mut t = Table::new(&["model", "cost", "share", "requests"]);
    let mut ms: Vec<_> = s.by_model.iter().collect();
    ms.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in ms {
        // An embedding model answers no request: it embeds semantic-cache lookups.
        t.row(vec![
            n.clone(),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            match b.embedding_lookups {
                Some(l) if b.requests == 0.0 => format!("{} lookups embedded", count(l)),
                _ => count(b.requests),
            },
        ]);
    }
    out.push_str(&t.text("  "));
    out.push('\n');
}

/// Tokens and cost by token bucket (those this strategy or the baseline used), largest first,
/// against the baseline's.
fn bucket_table(out: &mut String, s: &StrategyResult, base: Option<&StrategyResult>) {
    let mut t = Table::new(&["token bucket", "tokens", "cost", "share", "vs baseline"]);
    let mut bs: Vec<_> = s
        .by_bucket
        .iter()
        .filter(|(n, _)| {
            s.tokens.get(*n).copied().unwrap_or(0.0) > 0.0
                || base.is_some_and(|x| x.tokens.get(*n).copied().unwrap_or(0.0) > 0.0)
        })
        .collect();
    bs.sort_by(|a, b| b.1.cost_usd.mean.total_cmp(&a.1.cost_usd.mean));
    for (n, b) in &bs {
        t.row(vec![
            (*n).clone(),
            count(s.tokens.get(*n).copied().unwrap_or(0.0)),
            usd(b.cost_usd.mean),
            pct(b.share_of_cost),
            change(
                base.and_then(|x| x.by_bucket.get(*n))
                    .map(|x| x.cost_usd.mean),
                b.cost_usd.mean,
            ),
        ]);
    }
    drop_last_column_if_empty(&mut t);
    out.push_str(&t.text("  "));
    out.push('\n');
}

/// What the prompt is made of, by segment.
fn prompt_table(out: &mut String, s: &StrategyResult, base: Option<&StrategyResult>) {
    let prompt_total: f64 = s.prompt_segments.values().sum();
    // The prompt as sent is the same under every strategy: show it once, with the baseline.
    if prompt_total > 0.0 && base.is_none() {
        let mut t = Table::new(&["prompt segment", "tokens sent", "share of prompt"]);
        for seg in ["system", "tools", "history", "context", "user"] {
            let v = s.prompt_segments.get(seg).copied().unwrap_or(0.0);
            t.row(vec![seg.to_string(), count(v), pct(v / prompt_total)]);
        }
        out.push_str(&t.text("  "));
        out.push('\n');
    }
}

/// A duration in seconds as `42s`, `12.5m` or `3.2h`.
fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0}s")
    } else if s < 7200.0 {
        format!("{:.1}m", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// A mean count: whole numbers grouped, small fractional means with one decimal.
fn small(x: f64) -> String {
    if x < 10.0 && x.fract() != 0.0 {
        format!("{x:.1}")
    } else {
        count(x)
    }
}

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b != 0.0 { a / b } else { 0.0 }
}

/// `+$1.00` / `-$2.00` against the baseline's figure, empty without a baseline.
fn change(base: Option<f64>, now: f64) -> String {
    match base {
        Some(b) => usd_signed(now - b),
        None => String::new(),
    }
}

/// Remove the last column when every row leaves it empty (no baseline to compare with).
fn drop_last_column_if_empty(t: &mut Table) {
    if t.rows.iter().all(|r| r.last().is_none_or(|c| c.is_empty())) {
        t.headers.pop();
        t.align.pop();
        for r in t.rows.iter_mut() {
            r.pop();
        }
    }
}

/// One sentence on what a strategy already does well against the baseline (read before
/// [`dominant`], which says what could improve): what its levers did (prompt-cache reads,
/// semantic-cache answers, requests routed to another model, batched requests, history
/// trimmed) and what that saved. `None` for the baseline itself.
pub fn strengths(s: &StrategyResult, base: Option<&StrategyResult>) -> Option<String> {
    let base = base.filter(|b| !std::ptr::eq(*b, s))?;
    let mut did = Vec::new();
    if s.prompt_cache.read_tokens > 0.0 {
        did.push(format!(
            "reads {} of prompt tokens from the prompt cache",
            pct(s.prompt_cache.hit_ratio)
        ));
    }
    if s.semantic_cache.hits > 0.0 {
        did.push(format!(
            "answers {} of lookups from the semantic cache",
            pct(s.semantic_cache.hit_ratio)
        ));
    }
    // Requests on a model the baseline did not use.
    let moved: f64 = s
        .by_model
        .iter()
        .filter(|(m, _)| !base.by_model.contains_key(*m))
        .map(|(_, b)| b.requests)
        .sum();
    if moved > 0.0 && s.requests.mean > 0.0 {
        let mut to: Vec<&str> = s
            .by_model
            .iter()
            .filter(|(m, b)| !base.by_model.contains_key(*m) && b.requests > 0.0)
            .map(|(m, _)| m.as_str())
            .collect();
        to.truncate(2);
        did.push(format!(
            "sends {} of requests to {}",
            pct(moved / s.requests.mean),
            to.join(" and ")
        ));
    }
    if s.batch.requests > 0.0 {
        did.push(format!(
            "batches {} requests at the batch rate (median delay {})",
            count(s.batch.requests),
            duration(s.batch.delay_p50_s)
        ));
    }
    let history = |x: &StrategyResult| x.prompt_segments.get("history").copied().unwrap_or(0.0);
    if history(base) > 0.0 && history(s) < 0.95 * history(base) {
        did.push(format!(
            "re-sends {} less conversation history",
            pct(1.0 - history(s) / history(base))
        ));
    }
    let saving = s.savings_vs_baseline_usd.mean;
    let share = if base.cost_usd.mean > 0.0 {
        saving / base.cost_usd.mean
    } else {
        0.0
    };
    if did.is_empty() && saving <= 0.0 {
        return None;
    }
    let what = if did.is_empty() {
        "costs less than the baseline".to_string()
    } else {
        did.join(", ")
    };
    Some(if saving > 0.0 {
        format!(
            "Does well: {what}, saving {} of the baseline's cost.",
            pct(share)
        )
    } else {
        format!(
            "Does well: {what}, yet costs {} more than the baseline overall.",
            pct(-share)
        )
    })
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
            let cached = s.prompt_cache.read_tokens > 0.0;
            if fixed >= history && fixed > 0.3 && !cached {
                format!(
                    ": {} of prompt tokens are the re-sent system prompt and tools, a static prefix that prompt caching bills at the cache-read rate",
                    pct(fixed)
                )
            } else if history > 0.3 && !cached {
                format!(
                    ": {} of prompt tokens are re-sent conversation history; prompt caching and context trimming address it",
                    pct(history)
                )
            } else {
                String::new()
            }
        }
        "output" => ": output is billed at several times the input rate; shorter answers, a cheaper model for simple requests or batch processing address it".to_string(),
        "cache_write_5m" | "cache_write_30m" | "cache_write_1h" | "cache_write_12h"
        | "cache_write_24h" => ": the write premium is paid on content read back too rarely; end the cached prefix before what changes every turn (`placement: History` when retrieved context is not kept in the history); compare placements and TTLs".to_string(),
        "reasoning" => ": hidden reasoning tokens; a lower reasoning effort or a non-reasoning model for simple requests addresses it".to_string(),
        _ => String::new(),
    };
    Some(format!(
        "Dominant cost: {bucket} tokens, {} of the bill{why}.",
        pct(b.share_of_cost)
    ))
}
