//! `tokencast audit`: price recorded usage exactly as recorded, and say which lever fits.
//!
//! Every row is billed on its model at the catalog's prices: prompt tokens split into cache
//! reads (`cache_read_tokens`), cache writes (`cache_write_tokens`, priced as 5-minute writes:
//! no trace format says which TTL was used) and uncached input (the rest: LiteLLM's convention
//! that `input_tokens` includes cached tokens); output into reasoning (`reasoning_tokens`) and
//! visible output (the rest). Rows marked `batch` are billed at batch prices. A request whose
//! prompt is above the model's long-context threshold is billed entirely at the tier's rates.
//!
//! The result is a report with one strategy, `recorded`, in the usual contract, plus an
//! `audit` section: medians of prompt and output lengths, the Pareto view of endpoints and
//! users (which few carry most of the spend), input vs output share, and findings, each paired
//! with the lever that addresses it.
//!
//! Memory: the ledger (days × endpoint/model lines) plus one cost total per distinct user and
//! one count per distinct token length (for exact medians); never the rows themselves.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analysis::report::{self, AuditSection, Finding, ParetoRow, Report, Subject};
use crate::foundations::ledger::{Ledger, LineKey};
use crate::foundations::pricing::{Bucket, Catalog, PriceTier, ServiceTier};
use crate::foundations::time::MS_PER_DAY;
use crate::model::strategy::{EndpointLevers, Strategy};
use crate::model::workload::trace::{TraceError, TraceReader, TraceRunError};
use crate::simulation::montecarlo::Outcome;
use crate::simulation::pipeline::ModelTable;

/// Audit settings.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Model for rows that name none.
    pub default_model: Option<String>,
    /// Count and skip bad rows instead of stopping at the first.
    pub skip_bad_rows: bool,
}

/// Exact median of integers from their counts.
fn median(counts: &BTreeMap<u64, u64>, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let value_at = |rank: u64| {
        let mut seen = 0;
        for (v, c) in counts {
            seen += c;
            if seen > rank {
                return *v as f64;
            }
        }
        0.0
    };
    if n % 2 == 1 {
        value_at(n / 2)
    } else {
        (value_at(n / 2 - 1) + value_at(n / 2)) / 2.0
    }
}

/// Audit a trace against a catalog.
pub fn audit(
    mut reader: TraceReader,
    catalog: &Catalog,
    opts: &AuditOptions,
    sha256: String,
) -> Result<Report, TraceRunError> {
    let path = reader.path().to_string();
    let format = reader.format();
    let mut models = ModelTable::default();
    let mut endpoints: Vec<String> = Vec::new();
    let mut endpoint_index: HashMap<String, u16> = HashMap::new();
    let mut ledger = Ledger::new(1, 0);
    let mut lines: HashMap<(u16, u16, ServiceTier, PriceTier), usize> = HashMap::new();
    let mut thresholds: HashMap<u16, u64> = HashMap::new();
    let mut user_cost: HashMap<String, (f64, u64)> = HashMap::new();
    let mut input_counts: BTreeMap<u64, u64> = BTreeMap::new();
    let mut output_counts: BTreeMap<u64, u64> = BTreeMap::new();
    let mut seen_blocks: HashSet<u64> = HashSet::new();
    let (mut reuse_tokens, mut hashed_tokens) = (0u64, 0u64);
    let mut intents: HashSet<String> = HashSet::new();
    let mut intent_rows = 0u64;
    let mut sessions: HashSet<String> = HashSet::new();
    let mut first_ms: Option<i64> = None;
    let mut day0_ms = 0i64;
    let (mut rows, mut skipped) = (0u64, 0u64);
    let mut skipped_lines = Vec::new();
    let (mut sum_in, mut sum_out) = (0u64, 0u64);
    let mut row = crate::model::workload::trace::TraceRecord::default();
    while let Some(res) = reader.read_into(&mut row) {
        let r = &row;
        match res {
            Ok(()) => {}
            Err(TraceError::Row { line, .. }) if opts.skip_bad_rows => {
                skipped += 1;
                if skipped_lines.len() < 20 {
                    skipped_lines.push(line);
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let model_id = match r.model.as_deref().or(opts.default_model.as_deref()) {
            Some(m) => m,
            None => {
                return Err(TraceRunError::Row {
                    path,
                    line: r.line,
                    message: "the row names no model; pass --model to price rows without one"
                        .into(),
                });
            }
        };
        let Some(price) = catalog.get(model_id) else {
            let sugg = catalog.suggest(model_id);
            return Err(TraceRunError::Row {
                path,
                line: r.line,
                message: format!(
                    "unknown model {model_id:?} in {}{}; pass --prices with a catalog that has it",
                    catalog.source,
                    if sugg.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", sugg.join(", "))
                    }
                ),
            });
        };
        let first = *first_ms.get_or_insert_with(|| {
            // Dated traces start their day 0 at the UTC midnight before the first row.
            day0_ms = if r.time_ms > 10 * MS_PER_DAY as i64 * 365 {
                r.time_ms - r.time_ms.rem_euclid(MS_PER_DAY as i64)
            } else {
                0
            };
            r.time_ms
        });
        let _ = first;
        if r.time_ms < day0_ms {
            return Err(TraceRunError::Row {
                path,
                line: r.line,
                message: format!(
                    "timestamp is more than a day before the first row's; audit accepts unsorted rows within the trace's span (first row's day starts at {day0_ms} ms)"
                ),
            });
        }
        let day = ((r.time_ms - day0_ms) as u64 / MS_PER_DAY) as u32;
        let ep_name = r.endpoint.as_deref().unwrap_or("all");
        let ep = match endpoint_index.get(ep_name) {
            Some(i) => *i,
            None => {
                let i = endpoints.len() as u16;
                endpoints.push(ep_name.to_string());
                endpoint_index.insert(ep_name.to_string(), i);
                i
            }
        };
        let model = models.index(model_id);
        let threshold = *thresholds.entry(model).or_insert_with(|| {
            price
                .long_context
                .as_ref()
                .map(|t| t.above_input_tokens)
                .unwrap_or(u64::MAX)
        });
        let service = if r.batch == Some(true) {
            ServiceTier::Batch
        } else {
            ServiceTier::Standard
        };
        let tier = if r.input_tokens > threshold {
            PriceTier::LongContext
        } else {
            PriceTier::Base
        };
        ledger.ensure(day + 1, endpoints.len());
        let key = (ep, model, service, tier);
        let line = match lines.get(&key) {
            Some(l) => *l,
            None => {
                let l = ledger.line(LineKey {
                    endpoint: ep,
                    model,
                    service,
                    price_tier: tier,
                });
                lines.insert(key, l);
                l
            }
        };
        let read = r.cache_read_tokens.unwrap_or(0);
        let write = r.cache_write_tokens.unwrap_or(0);
        let reasoning = r.reasoning_tokens.unwrap_or(0);
        let mut tokens = [0u64; Bucket::ALL.len()];
        tokens[Bucket::Input.index()] = r.input_tokens - read - write;
        tokens[Bucket::CacheRead.index()] = read;
        tokens[Bucket::CacheWrite5m.index()] = write;
        tokens[Bucket::Reasoning.index()] = reasoning;
        tokens[Bucket::Output.index()] = r.output_tokens - reasoning;
        let mut cost = 0.0;
        for b in Bucket::ALL {
            let t = tokens[b.index()];
            if t == 0 {
                continue;
            }
            let rate =
                price
                    .rate_per_token(service, tier, b)
                    .ok_or_else(|| TraceRunError::Row {
                        path: path.clone(),
                        line: r.line,
                        message: format!(
                            "{model_id:?} has no {} price at {:?} prices in {}",
                            b.name(),
                            service,
                            catalog.source
                        ),
                    })?;
            cost += t as f64 * rate;
        }
        let cell = ledger.cell_mut(line, day);
        for (c, t) in cell.tokens.iter_mut().zip(tokens) {
            *c += t;
        }
        cell.requests += 1;
        if let Some(u) = &r.user_id {
            match user_cost.get_mut(u.as_str()) {
                Some(e) => {
                    e.0 += cost;
                    e.1 += 1;
                }
                None => {
                    user_cost.insert(u.clone(), (cost, 1));
                }
            }
        }
        match &r.session_id {
            Some(s) => {
                if !sessions.contains(s.as_str()) {
                    sessions.insert(s.clone());
                    ledger.sessions[ep as usize] += 1;
                }
            }
            // A request without a session id is a session of its own.
            None => ledger.sessions[ep as usize] += 1,
        }
        if !r.prefix_hashes.is_empty() {
            let block = r.block_tokens.or(format.block_tokens()).unwrap_or(0);
            let mut reusable = 0u64;
            let mut prefix = true;
            for (i, h) in r.prefix_hashes.iter().enumerate() {
                let len = block.min(r.input_tokens.saturating_sub(i as u64 * block));
                if prefix && seen_blocks.contains(h) {
                    reusable += len;
                } else {
                    prefix = false;
                }
                seen_blocks.insert(*h);
            }
            reuse_tokens += reusable;
            hashed_tokens += r.input_tokens;
        }
        if let Some(i) = &r.intent {
            // Intents are questions of one endpoint: the same id elsewhere is another question.
            intent_rows += 1;
            intents.insert(format!("{ep}/{i}"));
        }
        *input_counts.entry(r.input_tokens).or_default() += 1;
        *output_counts.entry(r.output_tokens).or_default() += 1;
        sum_in += r.input_tokens;
        sum_out += r.output_tokens;
        rows += 1;
    }
    if rows == 0 {
        return Err(TraceRunError::Empty(path));
    }
    let strategy = Strategy {
        name: "recorded".to_string(),
        description: "the trace's usage priced as recorded".to_string(),
        endpoints: vec![EndpointLevers::default(); endpoints.len()],
    };
    let horizon_days = ledger.days();
    let users = user_cost.len() as u64;
    let outcome = Outcome {
        models,
        strategies: vec![strategy],
        ledgers: vec![vec![ledger]],
        runs: Vec::new(),
    };
    let subject = Subject::recorded(
        path.clone(),
        path.clone(),
        sha256,
        horizon_days,
        catalog,
        endpoints.clone(),
    );
    let mut rep = report::build_for(&subject, &outcome, 1)?;
    let rec = &rep.strategies["recorded"];
    let total = rec.cost_usd.mean;
    let share = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    let bucket_cost = |n: &str| rec.by_bucket.get(n).map_or(0.0, |b| b.cost_usd.mean);
    let input_cost: f64 = [
        "input",
        "cache_write_5m",
        "cache_write_1h",
        "cache_write_24h",
        "cache_read",
    ]
    .iter()
    .map(|b| bucket_cost(b))
    .sum();
    let output_cost = bucket_cost("output") + bucket_cost("reasoning");
    let mut eps: Vec<(String, f64, u64)> = rec
        .by_endpoint
        .iter()
        .map(|(n, b)| (n.clone(), b.cost_usd.mean, b.requests as u64))
        .collect();
    eps.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let pareto = |items: &[(String, f64, u64)]| -> Vec<ParetoRow> {
        let mut cum = 0.0;
        items
            .iter()
            .map(|(n, c, r)| {
                cum += share(*c);
                ParetoRow {
                    name: n.clone(),
                    cost_usd: *c,
                    share: share(*c),
                    cumulative_share: cum,
                    requests: *r,
                }
            })
            .collect()
    };
    let endpoints_pareto = pareto(&eps);
    let endpoints_for_80_percent = endpoints_pareto
        .iter()
        .position(|r| r.cumulative_share >= 0.8 - 1e-12)
        .map_or(endpoints_pareto.len(), |i| i + 1);
    let mut us: Vec<(String, f64, u64)> =
        user_cost.into_iter().map(|(u, (c, r))| (u, c, r)).collect();
    us.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    us.truncate(20);
    let prompt_tokens: f64 = ["input", "cache_write_5m", "cache_read"]
        .iter()
        .map(|b| rec.tokens.get(*b).copied().unwrap_or(0.0))
        .sum();
    let read_ratio = if prompt_tokens > 0.0 {
        rec.tokens.get("cache_read").copied().unwrap_or(0.0) / prompt_tokens
    } else {
        0.0
    };
    let prefix_reuse_ratio =
        (hashed_tokens > 0).then(|| reuse_tokens as f64 / hashed_tokens as f64);
    let intent_repeat_ratio =
        (intent_rows > 0).then(|| 1.0 - intents.len() as f64 / intent_rows as f64);
    let mut a = AuditSection {
        format: format.name().to_string(),
        rows,
        skipped_rows: skipped,
        skipped_lines,
        median_input_tokens: median(&input_counts, rows),
        median_output_tokens: median(&output_counts, rows),
        mean_input_tokens: sum_in as f64 / rows as f64,
        mean_output_tokens: sum_out as f64 / rows as f64,
        input_cost_share: share(input_cost),
        output_cost_share: share(output_cost),
        recorded_cache_read_ratio: read_ratio,
        prefix_reuse_ratio,
        intent_repeat_ratio,
        endpoints_pareto,
        top_users: pareto(&us),
        users,
        endpoints_for_80_percent,
        findings: Vec::new(),
    };
    a.findings = findings(&a, rec.context_overflows);
    rep.audit = Some(a);
    Ok(rep)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Observations paired with the lever that addresses them.
fn findings(a: &AuditSection, _overflows: f64) -> Vec<Finding> {
    let mut f = Vec::new();
    if let Some(reuse) = a.prefix_reuse_ratio
        && reuse > a.recorded_cache_read_ratio + 0.1
    {
        f.push(Finding {
            observation: format!(
                "{} of prompt tokens repeat a prefix seen earlier in the trace, but only {} were read from a cache",
                pct(reuse),
                pct(a.recorded_cache_read_ratio)
            ),
            lever: "prompt_cache".into(),
            suggestion: "cache the shared prefixes: model this traffic in a scenario and compare `prompt_cache` strategies".into(),
        });
    } else if a.prefix_reuse_ratio.is_none()
        && a.input_cost_share > 0.6
        && a.recorded_cache_read_ratio < 0.1
    {
        f.push(Finding {
            observation: format!(
                "prompt tokens are {} of the cost and {} of them were read from a cache",
                pct(a.input_cost_share),
                pct(a.recorded_cache_read_ratio)
            ),
            lever: "prompt_cache".into(),
            suggestion: "if requests share a system prompt, tools or documents, put them first and cache them".into(),
        });
    }
    if let Some(rep) = a.intent_repeat_ratio
        && rep > 0.2
    {
        f.push(Finding {
            observation: format!("{} of requests repeat an earlier intent", pct(rep)),
            lever: "semantic_cache".into(),
            suggestion: "answer repeated questions from a semantic cache".into(),
        });
    }
    if a.output_cost_share > 0.5 {
        f.push(Finding {
            observation: format!("output tokens are {} of the cost", pct(a.output_cost_share)),
            lever: "routing".into(),
            suggestion: "route simple requests to a cheaper model, cap answer length, or batch what can wait".into(),
        });
    }
    if a.endpoints_pareto.len() > 2 && a.endpoints_for_80_percent * 3 <= a.endpoints_pareto.len() {
        f.push(Finding {
            observation: format!(
                "{} of {} endpoints carry 80% of the spend",
                a.endpoints_for_80_percent,
                a.endpoints_pareto.len()
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
        });
    }
    if a.mean_input_tokens > 4.0 * a.median_input_tokens && a.median_input_tokens > 0.0 {
        f.push(Finding {
            observation: format!(
                "mean prompt ({:.0} tokens) is {:.1}x the median ({:.0}): a few very long prompts dominate",
                a.mean_input_tokens,
                a.mean_input_tokens / a.median_input_tokens,
                a.median_input_tokens
            ),
            lever: "context".into(),
            suggestion: "trim or summarise long histories (context policies)".into(),
        });
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_exact() {
        let mut c = BTreeMap::new();
        for v in [5u64, 1, 3, 3, 9] {
            *c.entry(v).or_default() += 1;
        }
        assert_eq!(median(&c, 5), 3.0);
        *c.entry(10).or_default() += 1;
        assert_eq!(median(&c, 6), 4.0);
    }
}
