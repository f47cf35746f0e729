//! The report: one serde model built from priced ledgers, and one exporter per format.
//!
//! Money appears here for the first time: each run's ledger lines are priced (tokens × the
//! model's per-token rate for the line's service tier, price tier and bucket), then statistics are
//! taken across runs. The JSON form is the contract of DESIGN.md (`schema_version: 1`); keys are
//! stable and printed sorted. Quantiles use linear interpolation between order statistics
//! (type 7, as R and NumPy's default).

pub mod csv;
pub mod diff;
pub mod forecast;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, SEGMENTS};
use crate::montecarlo::Outcome;
use crate::pricing::{Bucket, Catalog, ModelPrice, PriceTier, ServiceTier};
use crate::scenario::Scenario;

/// Version of the JSON report layout. Bumped only when a field is renamed or removed.
pub const SCHEMA_VERSION: u32 = 1;

/// Distribution of a quantity across runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Stats {
    /// Arithmetic mean.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 10th percentile.
    #[serde(default)]
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    #[serde(default)]
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// Statistics of `values` (in run order; they are sorted on a copy).
    pub fn of(values: &[f64]) -> Stats {
        if values.is_empty() {
            return Stats::default();
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Stats {
            mean,
            p5: quantile_sorted(&v, 0.05),
            p10: quantile_sorted(&v, 0.10),
            p50: quantile_sorted(&v, 0.50),
            p90: quantile_sorted(&v, 0.90),
            p95: quantile_sorted(&v, 0.95),
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

/// Quantile `q` in [0, 1] of sorted values, interpolating linearly between order statistics.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The program that wrote it.
    pub tool: ToolInfo,
    /// The scenario simulated.
    pub scenario: ScenarioInfo,
    /// The price catalog used.
    pub prices: PricesInfo,
    /// Seed of the runs.
    pub seed: u64,
    /// Number of runs.
    pub runs: u32,
    /// Simulated days.
    pub horizon_days: u32,
    /// Results by strategy name.
    pub strategies: BTreeMap<String, StrategyResult>,
    /// Strategy names in the scenario's order, `baseline` first.
    pub strategy_order: Vec<String>,
    /// Things the reader must know (e.g. requests refused for exceeding a context window).
    pub warnings: Vec<String>,
    /// Audit of recorded usage (`tokencast audit` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::audit::AuditSection>,
    /// The monthly budget the runs were checked against (`--budget`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd_per_month: Option<f64>,
    /// The scenario's uncertain parameters (drawn once per run) and what was drawn.
    #[serde(default)]
    pub uncertain: Vec<UncertainParam>,
    /// The scenario evaluated at several user counts (`--scale`), if asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_curve: Option<ScaleCurve>,
}

/// One uncertain parameter: a distribution drawn once per run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UncertainParam {
    /// Field path, e.g. `endpoints[chat].traffic.daily_active_users`.
    pub parameter: String,
    /// `value` (the draw replaces the field) or `scale` (the draw multiplies it).
    pub kind: String,
    /// The distribution as written in the scenario.
    pub distribution: String,
    /// What the runs drew.
    pub sampled: Stats,
}

/// How strongly one uncertain parameter drives a strategy's total cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SensitivityRow {
    /// Field path of the parameter.
    pub parameter: String,
    /// Spearman rank correlation between the parameter's draw and the total cost, -1 to 1.
    pub rank_correlation: f64,
    /// Mean total cost of the runs whose draw is above the parameter's median minus that of
    /// the runs at or below it.
    pub swing_usd: f64,
}

/// Cost of one month of the horizon.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonthCost {
    /// One-based month number.
    pub month: u32,
    /// `2027-03` for calendar months (scenarios with a `start_date`), else `month 3`
    /// (30-day blocks).
    pub label: String,
    /// Zero-based first day of the month in the horizon.
    pub first_day: u32,
    /// Days of the month inside the horizon.
    pub days: u32,
    /// Cost of the month across runs.
    pub cost_usd: Stats,
    /// Mean billed requests in the month.
    pub requests: f64,
    /// Share of runs whose cost this month exceeds the budget (with `--budget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability_over_budget: Option<f64>,
}

/// A strategy's cost against the monthly budget.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BudgetStats {
    /// The budget, USD per month.
    pub usd_per_month: f64,
    /// Share of runs in which at least one month costs more than the budget.
    pub probability_exceeded: f64,
    /// Mean one-based number of the first month over budget, among the runs that exceed it.
    pub expected_first_month: Option<f64>,
    /// Label of the month the budget is most often first exceeded in.
    pub most_likely_first_month: Option<String>,
}

/// The scenario evaluated at several user counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScaleCurve {
    /// Days simulated at each point.
    pub days: u32,
    /// Runs at each point.
    pub runs: u32,
    /// One point per user count, in increasing order.
    pub points: Vec<ScalePoint>,
    /// Per strategy: the daily active users at which the margin per user crosses zero
    /// (interpolated between points), when it does within the curve.
    pub break_even_users: BTreeMap<String, Option<f64>>,
}

/// Unit economics at one user count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScalePoint {
    /// Daily active users of the product (other endpoints scaled in proportion).
    pub daily_active_users: f64,
    /// Per strategy.
    pub strategies: BTreeMap<String, ScaleStrategy>,
}

/// One strategy at one user count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScaleStrategy {
    /// Cost per daily active user per 30-day month.
    pub cost_per_user_month_usd: Stats,
    /// Cost per billed request.
    pub cost_per_request_usd: Stats,
    /// Revenue minus cost per user per month, when the scenario states revenue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_per_user_month_usd: Option<Stats>,
}

/// Program name and version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `tokencast`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// Which scenario a report is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Path as given on the command line.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// Which prices were used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PricesInfo {
    /// Catalog source.
    pub source: String,
    /// Date the prices took effect.
    pub effective_date: String,
}

/// Results of one strategy across runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyResult {
    /// What the strategy does, from the scenario.
    pub description: String,
    /// Total cost over the horizon.
    pub cost_usd: Stats,
    /// Billed model calls.
    pub requests: Stats,
    /// Sessions started.
    pub sessions: Stats,
    /// Mean tokens per bucket over the horizon.
    pub tokens: BTreeMap<String, f64>,
    /// Cost and volume per endpoint.
    pub by_endpoint: BTreeMap<String, Breakdown>,
    /// Cost and volume per model.
    pub by_model: BTreeMap<String, Breakdown>,
    /// Cost and volume per token bucket.
    pub by_bucket: BTreeMap<String, Breakdown>,
    /// Cost per simulated day.
    pub daily: Vec<DailyCost>,
    /// Cost per month of the horizon.
    #[serde(default)]
    pub monthly: Vec<MonthCost>,
    /// Total cost of each run, in run order (runs are paired across strategies and across
    /// scenario edits: run `i` sees the same traffic).
    #[serde(default)]
    pub runs_cost_usd: Vec<f64>,
    /// Against the monthly budget (with `--budget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetStats>,
    /// Uncertain parameters ranked by how strongly they drive the total cost (largest first).
    #[serde(default)]
    pub sensitivity: Vec<SensitivityRow>,
    /// Provider prompt-cache effect (zero when no caching is simulated).
    pub prompt_cache: PromptCacheStats,
    /// Semantic-cache effect (zero when no semantic cache is simulated).
    pub semantic_cache: SemanticCacheStats,
    /// Model-tiering cascades (zero when no cascade is simulated).
    pub routing: RoutingStats,
    /// Cost per unit of use.
    pub unit_economics: UnitEconomics,
    /// Paired per-run saving against `baseline` (positive = cheaper than baseline).
    pub savings_vs_baseline_usd: Stats,
    /// Mean requests refused per run for exceeding the model's context window.
    pub context_overflows: f64,
    /// Mean prompt tokens of billed requests by segment (system, tools, history, context,
    /// user), as the application sent them, before any lever.
    pub prompt_segments: BTreeMap<String, f64>,
    /// Context-policy figures (zero without a policy).
    pub context: ContextStats,
    /// Batch-processing figures (zero without batching).
    pub batch: BatchStats,
}

/// What batch processing did: volume and the delay from request to result.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct BatchStats {
    /// Mean requests batched per run.
    pub requests: f64,
    /// Median delay, seconds (all runs pooled; exact to 1%).
    pub delay_p50_s: f64,
    /// 95th-percentile delay, seconds.
    pub delay_p95_s: f64,
    /// 99th-percentile delay, seconds.
    pub delay_p99_s: f64,
}

/// What context policies did.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ContextStats {
    /// Mean summarisation calls per run (billed as requests).
    pub summaries: f64,
    /// Mean turns dropped per run to fit a context window.
    pub forced_trims: f64,
}

/// Cost and volume of one slice of the bill.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Breakdown {
    /// Cost over the horizon.
    pub cost_usd: Stats,
    /// Share of the strategy's mean cost, 0 to 1.
    pub share_of_cost: f64,
    /// Mean billed requests (for buckets: of the whole strategy).
    pub requests: f64,
    /// Share of the strategy's billed requests (model calls), 0 to 1: for models, the share
    /// each model served (a cascade's escalated request counts once per model). For buckets: 1.
    pub share_of_requests: f64,
    /// Mean tokens per bucket.
    pub tokens: BTreeMap<String, f64>,
}

/// Cost of one day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DailyCost {
    /// Zero-based day.
    pub day: u32,
    /// Cost of that day across runs.
    pub cost_usd: Stats,
    /// Mean billed requests that day.
    pub requests: f64,
}

/// Prompt-cache figures.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PromptCacheStats {
    /// Token-weighted hit ratio: cache-read tokens / all prompt tokens.
    pub hit_ratio: f64,
    /// Mean cache-read tokens.
    pub read_tokens: f64,
    /// Mean cache-write tokens (all TTLs).
    pub write_tokens: f64,
    /// What caching saved on prompt tokens: the prompt's cost at uncached input prices minus
    /// what was paid for input, cache writes, reads and storage. Negative when write premiums
    /// and storage cost more than the reads save.
    pub net_saving_usd: f64,
    /// Mean storage cost (explicit caches billed per token-hour).
    pub storage_usd: f64,
}

/// Semantic-cache figures (means across runs; ratios are of the means).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SemanticCacheStats {
    /// Share of lookups answered from the cache (false hits included): hits / lookups.
    pub hit_ratio: f64,
    /// Mean queries looked up (each paid an embedding).
    pub lookups: f64,
    /// Mean lookups answered from the cache, false hits included (model calls skipped).
    pub hits: f64,
    /// Mean hits that returned a wrong answer.
    pub false_hits: f64,
    /// Share of lookups answered with a wrong cached answer: false hits / lookups.
    pub false_hit_ratio: f64,
}

/// Model-tiering figures (means per run, summed over endpoints).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RoutingStats {
    /// Requests a cascade's first model answered.
    pub cascaded_requests: f64,
    /// Cascaded requests escalated to the stronger model (both calls billed).
    pub escalations: f64,
    /// Escalations / cascaded requests.
    pub escalation_ratio: f64,
    /// Requests routed to a model whose context window was too small, sent to another model.
    pub window_fallbacks: f64,
}

impl RoutingStats {
    fn of(ledgers: &[&Ledger]) -> RoutingStats {
        let per_run = |f: &dyn Fn(&Ledger) -> &Vec<u64>| {
            mean(
                &ledgers
                    .iter()
                    .map(|l| f(l).iter().sum::<u64>() as f64)
                    .collect::<Vec<_>>(),
            )
        };
        let cascaded = per_run(&|l| &l.cascades);
        let escalations = per_run(&|l| &l.escalations);
        RoutingStats {
            cascaded_requests: cascaded,
            escalations,
            escalation_ratio: ratio(escalations, cascaded),
            window_fallbacks: per_run(&|l| &l.window_fallbacks),
        }
    }
}

/// Cost per unit of use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitEconomics {
    /// Active user-days over the horizon: daily active users × weekday factor, summed over days
    /// (the largest endpoint's users stand for the product's users).
    pub active_user_days: f64,
    /// Mean daily active users over the horizon.
    pub daily_active_users: f64,
    /// Cost per billed request.
    pub cost_per_request_usd: Stats,
    /// Cost per session.
    pub cost_per_session_usd: Stats,
    /// Cost per active user per day.
    pub cost_per_active_user_day_usd: Stats,
    /// Cost per daily active user per 30-day month.
    pub cost_per_user_month_usd: Stats,
    /// Revenue over the horizon, when the scenario states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_usd: Option<Stats>,
    /// Revenue minus cost over the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_usd: Option<Stats>,
    /// Gross margin: (revenue − cost) / revenue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_margin: Option<Stats>,
    /// Revenue per daily active user per 30-day month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_per_user_month_usd: Option<Stats>,
    /// Revenue minus cost per daily active user per 30-day month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_per_user_month_usd: Option<Stats>,
}

/// Everything one run of one strategy costs, broken down.
#[derive(Debug, Clone)]
struct RunCost {
    total: f64,
    requests: f64,
    sessions: f64,
    overflows: f64,
    by_endpoint: Vec<f64>,
    endpoint_requests: Vec<f64>,
    endpoint_tokens: Vec<[f64; Bucket::ALL.len()]>,
    by_model: Vec<f64>,
    model_requests: Vec<f64>,
    model_tokens: Vec<[f64; Bucket::ALL.len()]>,
    by_bucket: [f64; Bucket::ALL.len()],
    tokens: [f64; Bucket::ALL.len()],
    daily: Vec<f64>,
    daily_requests: Vec<f64>,
    segments: [f64; 5],
    /// Prompt tokens (input, writes, reads) priced at the uncached input rate.
    prompt_at_input_price: f64,
    summaries: f64,
    forced_trims: f64,
    /// Semantic cache: lookups, hits, false hits.
    semantic: [f64; 3],
}

/// Error pricing a ledger.
#[derive(Debug, thiserror::Error)]
#[error("model {model:?} has no {bucket} price for {service:?} / {tier:?} in {source_name}")]
pub struct PricingGap {
    /// Model id.
    pub model: String,
    /// Bucket name.
    pub bucket: &'static str,
    /// Service tier.
    pub service: ServiceTier,
    /// Price tier.
    pub tier: PriceTier,
    /// Catalog source.
    pub source_name: String,
}

/// Per-model rate multipliers of one run: the run's uncertain price scales, and the scenario's
/// dated price changes.
struct PriceAdjust {
    /// `run[model][bucket]`.
    run: Vec<[f64; Bucket::ALL.len()]>,
    /// `changes[model]`: `(first day, factors)` in day order; factors multiply from that day.
    changes: Vec<Vec<(u32, [f64; Bucket::ALL.len()])>>,
}

impl PriceAdjust {
    fn new(
        model_ids: &[String],
        run: &crate::uncertain::PriceScales,
        changes: &[crate::scenario::PriceChange],
    ) -> PriceAdjust {
        PriceAdjust {
            run: model_ids
                .iter()
                .map(|m| std::array::from_fn(|b| run.factor(m, b)))
                .collect(),
            changes: model_ids
                .iter()
                .map(|m| {
                    changes
                        .iter()
                        .filter(|c| &c.model == m)
                        .map(|c| {
                            (
                                c.day,
                                std::array::from_fn(|b| if c.buckets[b] { c.factor } else { 1.0 }),
                            )
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

fn price_run(
    ledger: &Ledger,
    prices: &[&ModelPrice],
    n_endpoints: usize,
    catalog_source: &str,
    model_ids: &[String],
    adjust: &PriceAdjust,
) -> Result<RunCost, PricingGap> {
    let days = ledger.days() as usize;
    let mut rc = RunCost {
        total: 0.0,
        requests: 0.0,
        sessions: ledger.sessions.iter().sum::<u64>() as f64,
        overflows: ledger.context_overflows.iter().sum::<u64>() as f64,
        by_endpoint: vec![0.0; n_endpoints],
        endpoint_requests: vec![0.0; n_endpoints],
        endpoint_tokens: vec![[0.0; Bucket::ALL.len()]; n_endpoints],
        by_model: vec![0.0; prices.len()],
        model_requests: vec![0.0; prices.len()],
        model_tokens: vec![[0.0; Bucket::ALL.len()]; prices.len()],
        by_bucket: [0.0; Bucket::ALL.len()],
        tokens: [0.0; Bucket::ALL.len()],
        daily: vec![0.0; days],
        daily_requests: vec![0.0; days],
        segments: [0.0; 5],
        prompt_at_input_price: 0.0,
        summaries: ledger.summaries.iter().sum::<u64>() as f64,
        forced_trims: ledger.forced_trims.iter().sum::<u64>() as f64,
        semantic: [0.0; 3],
    };
    for c in &ledger.semantic_cache {
        rc.semantic[0] += c.lookups as f64;
        rc.semantic[1] += c.hits as f64;
        rc.semantic[2] += c.false_hits as f64;
    }
    for seg in &ledger.prompt_segments {
        for (a, b) in rc.segments.iter_mut().zip(seg) {
            *a += *b as f64;
        }
    }
    for (li, key) in ledger.lines().iter().enumerate() {
        let m = key.model as usize;
        let price = prices[m];
        let mut rates = [0.0; Bucket::ALL.len()];
        let total = ledger.line_total(li);
        for b in Bucket::ALL {
            if total.tokens[b.index()] == 0 {
                continue;
            }
            rates[b.index()] = price
                .rate_per_token(key.service, key.price_tier, b)
                .ok_or_else(|| PricingGap {
                    model: model_ids[m].clone(),
                    bucket: b.name(),
                    service: key.service,
                    tier: key.price_tier,
                    source_name: catalog_source.to_string(),
                })?
                * adjust.run[m][b.index()];
        }
        let input_rate = price
            .rate_per_token(key.service, key.price_tier, Bucket::Input)
            .unwrap_or(0.0)
            * adjust.run[m][Bucket::Input.index()];
        let changes = &adjust.changes[m];
        let mut factor = [1.0; Bucket::ALL.len()];
        let mut next_change = 0;
        for day in 0..days {
            while next_change < changes.len() && changes[next_change].0 as usize <= day {
                for (f, c) in factor.iter_mut().zip(&changes[next_change].1) {
                    *f *= c;
                }
                next_change += 1;
            }
            let cell = ledger.cell(li, day as u32);
            let prompt_tokens: u64 = PROMPT_BUCKETS.iter().map(|b| cell.tokens[b.index()]).sum();
            rc.prompt_at_input_price +=
                prompt_tokens as f64 * input_rate * factor[Bucket::Input.index()];
            let mut day_cost = 0.0;
            for (b, rate) in rates.iter().enumerate() {
                let mut t = cell.tokens[b] as f64;
                if b == Bucket::CacheStorageTokenHours.index() {
                    // The ledger counts storage in token-minutes.
                    t /= 60.0;
                }
                let c = t * rate * factor[b];
                day_cost += c;
                rc.by_bucket[b] += c;
                rc.tokens[b] += t;
                rc.endpoint_tokens[key.endpoint as usize][b] += t;
                rc.model_tokens[m][b] += t;
            }
            let r = cell.requests as f64;
            rc.daily[day] += day_cost;
            rc.daily_requests[day] += r;
            rc.by_endpoint[key.endpoint as usize] += day_cost;
            rc.endpoint_requests[key.endpoint as usize] += r;
            rc.by_model[m] += day_cost;
            rc.model_requests[m] += r;
            rc.requests += r;
        }
    }
    rc.total = rc.daily.iter().sum();
    Ok(rc)
}

/// The buckets a prompt token can land in: exactly one of them.
pub const PROMPT_BUCKETS: [Bucket; 5] = [
    Bucket::Input,
    Bucket::CacheWrite5m,
    Bucket::CacheWrite1h,
    Bucket::CacheWrite24h,
    Bucket::CacheRead,
];

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn bucket_map(values: impl Fn(usize) -> f64) -> BTreeMap<String, f64> {
    Bucket::ALL
        .iter()
        .map(|b| (b.name().to_string(), values(b.index())))
        .collect()
}

fn semantic_stats(rc: &[RunCost]) -> SemanticCacheStats {
    let m = |i: usize| mean(&rc.iter().map(|r| r.semantic[i]).collect::<Vec<_>>());
    let (lookups, hits, false_hits) = (m(0), m(1), m(2));
    SemanticCacheStats {
        hit_ratio: ratio(hits, lookups),
        lookups,
        hits,
        false_hits,
        false_hit_ratio: ratio(false_hits, lookups),
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

/// What a report needs to know about what was simulated or recorded, besides the ledgers.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// Scenario (or trace) name.
    pub name: String,
    /// Path as given.
    pub path: String,
    /// SHA-256 of the input file.
    pub sha256: String,
    /// Seed of the runs (0 for recorded traffic).
    pub seed: u64,
    /// Days covered.
    pub horizon_days: u32,
    /// Prices.
    pub catalog: &'a Catalog,
    /// Endpoint names, indexed like the ledgers' endpoints.
    pub endpoint_names: Vec<String>,
    /// Active user-days over the horizon (for cost per user).
    pub active_user_days: f64,
    /// Warnings found while loading (e.g. a cached prefix below the model's minimum).
    pub warnings: Vec<String>,
    /// How the horizon splits into months.
    pub months: Vec<MonthSpan>,
    /// Price changes from a day on.
    pub price_changes: Vec<crate::scenario::PriceChange>,
    /// Uncertain parameters: path, kind (`value`/`scale`) and distribution as written.
    pub uncertain: Vec<(String, String, String)>,
    /// Monthly budget to check every run against.
    pub budget_usd_per_month: Option<f64>,
}

/// One month of the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSpan {
    /// `2027-03` or `month 3`.
    pub label: String,
    /// Zero-based first day.
    pub first_day: u32,
    /// Days inside the horizon.
    pub days: u32,
}

/// The horizon cut into 30-day months (`month 1`, `month 2`, ...), the last one possibly
/// shorter: for subjects without calendar dates.
pub fn thirty_day_months(horizon_days: u32) -> Vec<MonthSpan> {
    (0..horizon_days.div_ceil(30))
        .map(|m| MonthSpan {
            label: format!("month {}", m + 1),
            first_day: m * 30,
            days: (horizon_days - m * 30).min(30),
        })
        .collect()
}

impl<'a> Subject<'a> {
    /// The subject of a scenario run. The endpoint with the most daily active users stands
    /// for the product's users.
    pub fn of_scenario(scenario: &'a Scenario) -> Subject<'a> {
        let product = crate::montecarlo::product_endpoint(scenario);
        Subject {
            name: scenario.name.clone(),
            path: scenario.path.clone(),
            sha256: scenario.sha256.clone(),
            seed: scenario.seed,
            horizon_days: scenario.horizon_days,
            catalog: &scenario.catalog,
            endpoint_names: scenario.endpoints.iter().map(|e| e.name.clone()).collect(),
            active_user_days: crate::montecarlo::active_user_days(scenario, product),
            warnings: scenario.warnings.clone(),
            months: scenario.months.clone(),
            price_changes: scenario.price_changes.clone(),
            uncertain: scenario
                .uncertain
                .iter()
                .map(|u| {
                    (
                        u.path.clone(),
                        u.kind.name().to_string(),
                        u.dist.to_string(),
                    )
                })
                .collect(),
            budget_usd_per_month: None,
        }
    }

    /// The subject of recorded traffic (audit, replay): seed 0, no warnings, no uncertainty,
    /// 30-day months.
    pub fn recorded(
        name: String,
        path: String,
        sha256: String,
        horizon_days: u32,
        catalog: &'a Catalog,
        endpoint_names: Vec<String>,
    ) -> Subject<'a> {
        Subject {
            name,
            path,
            sha256,
            seed: 0,
            horizon_days,
            catalog,
            endpoint_names,
            active_user_days: 0.0,
            warnings: Vec::new(),
            months: thirty_day_months(horizon_days),
            price_changes: Vec::new(),
            uncertain: Vec::new(),
            budget_usd_per_month: None,
        }
    }
}

/// Price an outcome of a scenario and build the report.
pub fn build(scenario: &Scenario, outcome: &Outcome, runs: u32) -> Result<Report, PricingGap> {
    build_for(&Subject::of_scenario(scenario), outcome, runs)
}

/// Price an outcome and build the report.
pub fn build_for(subject: &Subject, outcome: &Outcome, runs: u32) -> Result<Report, PricingGap> {
    let catalog = subject.catalog;
    let mut prices = Vec::with_capacity(outcome.models.ids.len());
    for id in &outcome.models.ids {
        // Every model in the table came from a validated endpoint, strategy or trace row.
        match catalog.get(id) {
            Some(p) => prices.push(p),
            None => {
                return Err(PricingGap {
                    model: id.clone(),
                    bucket: "any",
                    service: ServiceTier::Standard,
                    tier: PriceTier::Base,
                    source_name: catalog.source.clone(),
                });
            }
        }
    }
    let n_endpoints = subject.endpoint_names.len();
    // costs[strategy][run]
    let mut costs: Vec<Vec<RunCost>> = vec![Vec::new(); outcome.strategies.len()];
    let no_scales = crate::uncertain::PriceScales::default();
    for (ri, run) in outcome.ledgers.iter().enumerate() {
        let scales = outcome.runs.get(ri).map_or(&no_scales, |r| &r.prices);
        let adjust = PriceAdjust::new(&outcome.models.ids, scales, &subject.price_changes);
        for (si, ledger) in run.iter().enumerate() {
            costs[si].push(price_run(
                ledger,
                &prices,
                n_endpoints,
                &catalog.source,
                &outcome.models.ids,
                &adjust,
            )?);
        }
    }
    let days = subject.horizon_days;
    // Active user-days of each run (they vary when adoption is uncertain).
    let user_days: Vec<f64> = (0..outcome.ledgers.len())
        .map(|ri| {
            outcome
                .runs
                .get(ri)
                .map_or(subject.active_user_days, |r| r.active_user_days)
        })
        .collect();
    let revenue: Option<Vec<f64>> = outcome.runs.iter().any(|r| r.revenue.is_some()).then(|| {
        outcome
            .runs
            .iter()
            .map(crate::economics::revenue_of_run)
            .collect()
    });
    let baseline_totals: Vec<f64> = costs
        .first()
        .map(|c| c.iter().map(|r| r.total).collect())
        .unwrap_or_default();

    let mut strategies = BTreeMap::new();
    let mut warnings = subject.warnings.clone();
    for (si, strat) in outcome.strategies.iter().enumerate() {
        let rc = &costs[si];
        let col = |f: &dyn Fn(&RunCost) -> f64| -> Vec<f64> { rc.iter().map(f).collect() };
        let totals = col(&|r| r.total);
        let mean_total = mean(&totals);
        let mean_requests = mean(&col(&|r| r.requests));
        let by_endpoint = subject
            .endpoint_names
            .iter()
            .enumerate()
            .map(|(ei, name)| {
                let c = col(&|r| r.by_endpoint[ei]);
                let m = mean(&c);
                (
                    name.clone(),
                    Breakdown {
                        cost_usd: Stats::of(&c),
                        share_of_cost: ratio(m, mean_total),
                        requests: mean(&col(&|r| r.endpoint_requests[ei])),
                        share_of_requests: ratio(
                            mean(&col(&|r| r.endpoint_requests[ei])),
                            mean_requests,
                        ),
                        tokens: bucket_map(|b| mean(&col(&|r| r.endpoint_tokens[ei][b]))),
                    },
                )
            })
            .collect();
        let by_model = outcome
            .models
            .ids
            .iter()
            .enumerate()
            .filter(|(mi, _)| {
                rc.iter()
                    .any(|r| r.model_requests[*mi] > 0.0 || r.by_model[*mi] > 0.0)
            })
            .map(|(mi, id)| {
                let c = col(&|r| r.by_model[mi]);
                let m = mean(&c);
                (
                    id.clone(),
                    Breakdown {
                        cost_usd: Stats::of(&c),
                        share_of_cost: ratio(m, mean_total),
                        requests: mean(&col(&|r| r.model_requests[mi])),
                        share_of_requests: ratio(
                            mean(&col(&|r| r.model_requests[mi])),
                            mean_requests,
                        ),
                        tokens: bucket_map(|b| mean(&col(&|r| r.model_tokens[mi][b]))),
                    },
                )
            })
            .collect();
        let requests = col(&|r| r.requests);
        let by_bucket = Bucket::ALL
            .iter()
            .map(|b| {
                let c = col(&|r| r.by_bucket[b.index()]);
                let m = mean(&c);
                let bi = b.index();
                (
                    b.name().to_string(),
                    Breakdown {
                        cost_usd: Stats::of(&c),
                        share_of_cost: ratio(m, mean_total),
                        requests: mean(&requests),
                        share_of_requests: ratio(mean_requests, mean_requests),
                        tokens: bucket_map(|x| {
                            if x == bi {
                                mean(&col(&|r| r.tokens[bi]))
                            } else {
                                0.0
                            }
                        }),
                    },
                )
            })
            .collect();
        let daily = (0..days as usize)
            .map(|d| DailyCost {
                day: d as u32,
                cost_usd: Stats::of(&col(&|r| r.daily[d])),
                requests: mean(&col(&|r| r.daily_requests[d])),
            })
            .collect();
        let monthly = subject
            .months
            .iter()
            .enumerate()
            .map(|(mi, m)| {
                // Months come from the subject; days past the ledgers' (a subject whose
                // horizon was changed without its months) count as empty.
                let end = ((m.first_day + m.days) as usize).min(days as usize);
                let days = (m.first_day as usize).min(end)..end;
                let cost = col(&|r| r.daily[days.clone()].iter().sum());
                MonthCost {
                    month: mi as u32 + 1,
                    label: m.label.clone(),
                    first_day: m.first_day,
                    days: m.days,
                    cost_usd: Stats::of(&cost),
                    requests: mean(&col(&|r| r.daily_requests[days.clone()].iter().sum())),
                    probability_over_budget: subject.budget_usd_per_month.map(|b| {
                        cost.iter().filter(|c| **c > b).count() as f64 / cost.len().max(1) as f64
                    }),
                }
            })
            .collect();
        let sessions = col(&|r| r.sessions);
        let prompt_tokens = |r: &RunCost| {
            PROMPT_BUCKETS
                .iter()
                .map(|b| r.tokens[b.index()])
                .sum::<f64>()
        };
        let read = mean(&col(&|r| r.tokens[Bucket::CacheRead.index()]));
        let write = mean(&col(&|r| {
            r.tokens[Bucket::CacheWrite5m.index()]
                + r.tokens[Bucket::CacheWrite1h.index()]
                + r.tokens[Bucket::CacheWrite24h.index()]
        }));
        let prompt = mean(&col(&prompt_tokens));
        let overflows = mean(&col(&|r| r.overflows));
        if overflows > 0.0 {
            warnings.push(format!(
                "{}: {} requests per run on average exceeded the model's context window and were \
                 refused (not billed); trim the prompt (history or retrieved context) or use a \
                 model with a larger window",
                strat.name,
                if overflows < 10.0 {
                    format!("{overflows:.1}")
                } else {
                    format!("{overflows:.0}")
                }
            ));
        }
        let savings: Vec<f64> = totals
            .iter()
            .zip(&baseline_totals)
            .map(|(t, b)| b - t)
            .collect();
        strategies.insert(
            strat.name.clone(),
            StrategyResult {
                description: strat.description.clone(),
                cost_usd: Stats::of(&totals),
                requests: Stats::of(&requests),
                sessions: Stats::of(&sessions),
                tokens: bucket_map(|b| mean(&col(&|r| r.tokens[b]))),
                by_endpoint,
                by_model,
                by_bucket,
                daily,
                monthly,
                runs_cost_usd: totals.clone(),
                budget: subject.budget_usd_per_month.map(|b| {
                    crate::economics::budget_stats(
                        b,
                        &subject.months,
                        &rc.iter().map(|r| r.daily.as_slice()).collect::<Vec<_>>(),
                    )
                }),
                sensitivity: crate::economics::sensitivity(
                    &subject.uncertain,
                    &outcome.runs,
                    &totals,
                ),
                prompt_cache: PromptCacheStats {
                    hit_ratio: ratio(read, prompt),
                    read_tokens: read,
                    write_tokens: write,
                    net_saving_usd: mean(&col(&|r| {
                        r.prompt_at_input_price
                            - PROMPT_BUCKETS
                                .iter()
                                .map(|b| r.by_bucket[b.index()])
                                .sum::<f64>()
                            - r.by_bucket[Bucket::CacheStorageTokenHours.index()]
                    })),
                    storage_usd: mean(&col(&|r| {
                        r.by_bucket[Bucket::CacheStorageTokenHours.index()]
                    })),
                },
                semantic_cache: semantic_stats(rc),
                routing: RoutingStats::of(
                    &outcome.ledgers.iter().map(|l| &l[si]).collect::<Vec<_>>(),
                ),
                unit_economics: crate::economics::unit_economics(
                    rc.iter()
                        .map(|r| crate::economics::RunTotals {
                            cost: r.total,
                            requests: r.requests,
                            sessions: r.sessions,
                        })
                        .collect(),
                    &user_days,
                    revenue.as_deref(),
                    days,
                ),
                savings_vs_baseline_usd: Stats::of(&savings),
                context_overflows: overflows,
                prompt_segments: SEGMENTS
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.to_string(), mean(&col(&|r| r.segments[i]))))
                    .collect(),
                batch: {
                    let mut h = crate::levers::batch::DelayHistogram::default();
                    for run in &outcome.ledgers {
                        h.merge(&run[si].batch_delays);
                    }
                    BatchStats {
                        requests: h.count() as f64 / outcome.ledgers.len().max(1) as f64,
                        delay_p50_s: h.quantile_s(0.50),
                        delay_p95_s: h.quantile_s(0.95),
                        delay_p99_s: h.quantile_s(0.99),
                    }
                },
                context: ContextStats {
                    summaries: mean(&col(&|r| r.summaries)),
                    forced_trims: mean(&col(&|r| r.forced_trims)),
                },
            },
        );
    }
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        scenario: ScenarioInfo {
            name: subject.name.clone(),
            path: subject.path.clone(),
            sha256: subject.sha256.clone(),
        },
        prices: PricesInfo {
            source: catalog.source.clone(),
            effective_date: catalog.effective_date.clone(),
        },
        seed: subject.seed,
        runs,
        horizon_days: days,
        strategies,
        strategy_order: outcome.strategies.iter().map(|s| s.name.clone()).collect(),
        warnings,
        audit: None,
        budget_usd_per_month: subject.budget_usd_per_month,
        uncertain: subject
            .uncertain
            .iter()
            .enumerate()
            .map(|(i, (path, kind, dist))| UncertainParam {
                parameter: path.clone(),
                kind: kind.clone(),
                distribution: dist.clone(),
                sampled: Stats::of(
                    &outcome
                        .runs
                        .iter()
                        .filter_map(|r| r.draws.get(i).copied())
                        .collect::<Vec<_>>(),
                ),
            })
            .collect(),
        scale_curve: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_linearly() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 5.0);
        assert!((quantile_sorted(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.95) - 4.8).abs() < 1e-12);
        let s = Stats::of(&[5.0, 1.0, 3.0]);
        assert_eq!((s.min, s.p50, s.max, s.mean), (1.0, 3.0, 5.0, 3.0));
    }

    #[test]
    fn thirty_day_months_cover_the_horizon() {
        let m = thirty_day_months(65);
        assert_eq!(
            m.iter().map(|m| (m.first_day, m.days)).collect::<Vec<_>>(),
            [(0, 30), (30, 30), (60, 5)]
        );
        assert_eq!(m[2].label, "month 3");
        assert!(thirty_day_months(0).is_empty());
    }

    #[test]
    fn single_run_has_equal_quantiles() {
        let s = Stats::of(&[7.5]);
        assert_eq!([s.mean, s.p5, s.p50, s.p95, s.min, s.max], [7.5; 6]);
    }
}
