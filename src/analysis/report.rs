//! The report: one serde model built from priced ledgers (rendered by [`crate::output`]).
//!
//! Money appears here for the first time: each run's ledger lines are priced (tokens × the
//! model's per-token rate for the line's service tier, price tier and bucket), then statistics are
//! taken across runs. The JSON form is the contract of DESIGN.md (`schema_version: 1`); keys are
//! stable and printed sorted. Quantiles use linear interpolation between order statistics
//! (type 7, as R and NumPy's default).

mod build;
mod price;
mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::foundations::pricing::Bucket;

pub use build::{Subject, build, build_for, run_totals};
pub use read::{Inconsistency, ReadError};

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
    /// The name of the first figure that is not a finite number of magnitude at most `max`.
    fn outside(&self, max: f64) -> Option<&'static str> {
        [
            ("mean", self.mean),
            ("p5", self.p5),
            ("p10", self.p10),
            ("p50", self.p50),
            ("p90", self.p90),
            ("p95", self.p95),
            ("min", self.min),
            ("max", self.max),
        ]
        .into_iter()
        .find(|(_, v)| !in_range(*v, max))
        .map(|(name, _)| name)
    }

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
    pub audit: Option<crate::analysis::report::AuditSection>,
    /// The monthly budget the runs were checked against (`--budget`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd_per_month: Option<f64>,
    /// The scenario's uncertain parameters (drawn once per run) and what was drawn.
    #[serde(default)]
    pub uncertain: Vec<UncertainParam>,
    /// The scenario evaluated at several user counts (`--scale`), if asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_curve: Option<ScaleCurve>,
    /// Recorded traffic (a replay or an audit): seconds from the first request to the last,
    /// so that a trace of an hour is not called a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_s: Option<f64>,
    /// What the spread across runs is: `simulation noise` (nothing uncertain: runs differ only
    /// by their random traffic), `uncertainty` (the scenario's uncertain parameters are drawn
    /// per run), or `none` (one deterministic figure: a replay or an audit).
    #[serde(default)]
    pub spread: String,
    /// The best strategy by the objective, its saving and how sure that is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    /// How the number of runs was chosen, when `--precision` chose it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionInfo>,
    /// How the runs drew the uncertain parameters, when the scenario has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingInfo>,
}

/// How the runs drew the scenario's uncertain parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingInfo {
    /// `stratified` (a Latin hypercube in blocks of runs) or `independent`.
    pub method: String,
    /// Runs per independent block (1 for independent runs): the Monte Carlo errors, the
    /// intervals of the recommendation and `--precision` treat blocks as the independent units.
    pub block_runs: u32,
}

impl Report {
    /// Runs per independent block (1 unless the runs were stratified).
    pub fn block_runs(&self) -> usize {
        self.sampling
            .as_ref()
            .map_or(1, |s| s.block_runs.max(1) as usize)
    }
}

/// A 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// What to do, from the report's own figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// What "best" means: `mean cost`, `P95 cost` or `margin`.
    pub objective: String,
    /// The best strategy by the objective (`baseline` when no strategy beats it).
    pub strategy: String,
    /// The one change to make (or to keep), as an action.
    pub action: String,
    /// The baseline's figure minus the best strategy's (the objective's statistic), USD.
    pub saving_usd: f64,
    /// `saving_usd` as a share of the baseline's figure.
    pub saving_share: f64,
    /// 95% interval of the saving, from the runs paired (run i of each strategy saw the same
    /// traffic): a t interval for the mean, a paired bootstrap for P95. `None` with one run.
    pub saving_interval_usd: Option<Bounds>,
    /// The second best strategy, if there is one.
    pub runner_up: Option<String>,
    /// How far ahead of the runner-up the best is (the runner-up's figure minus the best's).
    pub lead_usd: Option<f64>,
    /// 95% paired interval of the lead.
    pub lead_interval_usd: Option<Bounds>,
    /// Whether the ranking is settled: the lead's interval excludes zero (or the figures are
    /// deterministic).
    pub settled: bool,
    /// Runs that would likely settle an unsettled ranking (from the lead and its spread).
    pub runs_to_settle: Option<u64>,
}

/// How `--precision` chose the number of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionInfo {
    /// Relative precision asked for (0.01 for 1%): the 95% half-width of each strategy's mean
    /// and P95 over the figure.
    pub target: f64,
    /// Absolute precision asked for the budget probability (0.02 for ±2 points).
    pub budget_target: f64,
    /// Whether every figure reached its precision (`false`: the run cap stopped it).
    pub reached: bool,
    /// The run cap.
    pub max_runs: u32,
    /// The worst figure when the runs stopped, e.g. `cache-5m P95: ±1.4%`.
    pub worst: String,
}

/// The Monte Carlo error of a strategy's headline figures: how far they could move with other
/// random draws of the same number of runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct McError {
    /// Standard error of the mean cost (sample standard deviation over the square root of the
    /// runs), USD.
    pub mean_se_usd: f64,
    /// Standard error of the P95 cost (Maritz–Jarrett), USD.
    pub p95_se_usd: f64,
    /// Standard error of the probability of exceeding the budget, when a budget is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_probability_se: Option<f64>,
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
    /// Probability that at least one month costs more than the budget: the share of runs that
    /// do, or, when the runs drew uncertain parameters and it is more precise, that share
    /// corrected by a control variate (`control_variate`;
    /// [`crate::analysis::decision::control`]).
    pub probability_exceeded: f64,
    /// Share of runs in which at least one month costs more than the budget.
    #[serde(default)]
    pub share_of_runs: f64,
    /// Whether `probability_exceeded` is the control-variate estimate.
    #[serde(default)]
    pub control_variate: bool,
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
    /// A replay only: why the trace cannot evaluate this strategy faithfully (its levers need
    /// prompt structure the rows lack); empty when it can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replay_caveats: Vec<String>,
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
    /// Monte Carlo error of the headline figures (zero for one deterministic run).
    #[serde(default)]
    pub monte_carlo_error: McError,
    /// Mean requests refused per run for exceeding the model's context window.
    pub context_overflows: f64,
    /// Mean prompt tokens of billed requests by segment (system, tools, history, context,
    /// user), as the application sent them, before any lever. `context` counts a session's
    /// document (`prompt.documents`) with the retrieved context: both are content the
    /// application retrieves rather than the user writes.
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
    /// For an embedding model: mean semantic-cache lookups it embedded (it answers no
    /// request, so `requests` is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_lookups: Option<f64>,
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

/// The buckets a prompt token can land in: exactly one of them.
pub const PROMPT_BUCKETS: [Bucket; 7] = [
    Bucket::Input,
    Bucket::CacheWrite5m,
    Bucket::CacheWrite30m,
    Bucket::CacheWrite1h,
    Bucket::CacheWrite12h,
    Bucket::CacheWrite24h,
    Bucket::CacheRead,
];

/// The audit-specific part of the report.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AuditSection {
    /// Trace format read.
    pub format: String,
    /// Rows priced.
    pub rows: u64,
    /// Bad rows skipped (with `--skip-bad-rows`).
    pub skipped_rows: u64,
    /// Line numbers of the first skipped rows (at most 20).
    pub skipped_lines: Vec<u64>,
    /// Items of the trace read and left out because they carry no LLM usage (an HTTP span),
    /// by reason; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<IgnoredItems>,
    /// Median prompt tokens per request; not known from a bucketed usage report (absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_input_tokens: Option<f64>,
    /// Median output tokens per request; not known from a bucketed usage report (absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_output_tokens: Option<f64>,
    /// Mean prompt tokens per request; not known when the source does not count requests
    /// (Anthropic's usage report: absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_input_tokens: Option<f64>,
    /// Mean output tokens per request; absent when not known, as above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_output_tokens: Option<f64>,
    /// Share of the cost in prompt-side buckets (input, cache writes and reads).
    pub input_cost_share: f64,
    /// Share of the cost in output-side buckets (output, reasoning).
    pub output_cost_share: f64,
    /// Recorded cache reads / prompt tokens.
    pub recorded_cache_read_ratio: f64,
    /// Share of prompt tokens in prefix blocks seen earlier in the trace (what an unbounded
    /// cache could have read), when the trace has prefix hashes.
    pub prefix_reuse_ratio: Option<f64>,
    /// 1 − distinct intents / requests with an intent, when the trace has intents.
    pub intent_repeat_ratio: Option<f64>,
    /// Endpoints by cost, most expensive first, with cumulative share.
    pub endpoints_pareto: Vec<ParetoRow>,
    /// The most expensive users (at most 20), with cumulative share of the total.
    pub top_users: Vec<ParetoRow>,
    /// Distinct users seen.
    pub users: u64,
    /// How many endpoints carry 80% of the spend.
    pub endpoints_for_80_percent: usize,
    /// Findings, each with the lever that addresses it.
    pub findings: Vec<Finding>,
    /// What the source recorded as the cost against tokencast's price of the same rows, when
    /// rows record a cost (LiteLLM `spend`, Langfuse `total_cost`, Helicone `cost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_cost: Option<RecordedCost>,
    /// Cost by each key asked for with `--by` (an endpoint, a user, a tag or property).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<KeyBreakdown>,
}

/// The source's recorded cost against tokencast's price of the same rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedCost {
    /// Rows that record a cost.
    pub rows: u64,
    /// Rows that record none (left out of the comparison).
    pub rows_without_cost: u64,
    /// What the source recorded, USD.
    pub recorded_usd: f64,
    /// tokencast's price of the same rows, USD.
    pub priced_usd: f64,
    /// `recorded_usd - priced_usd`.
    pub difference_usd: f64,
    /// Per model, largest absolute difference first.
    pub by_model: Vec<RecordedCostRow>,
    /// The cost report compared (`audit --recorded-costs`), when the costs come from one
    /// rather than from the rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_report: Option<String>,
    /// Costs of the cost report that match no model of the usage (no model named, a model the
    /// usage never shows, a day outside the usage's), each kept in `recorded_usd`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<UnmatchedCost>,
}

/// A cost of a cost report that matches no model of the usage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnmatchedCost {
    /// The report's name of the cost (its line item or description, or its model).
    pub item: String,
    /// US dollars, summed over the report's lines of that name.
    pub recorded_usd: f64,
    /// Why it matches no usage.
    pub reason: String,
}

/// One token type of a model: what the cost report records against tokencast's price.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenTypeCost {
    /// The ledger bucket (`input`, `cache_read`, `cache_write_5m`, `cache_write_1h`, `output`).
    pub token_type: String,
    /// Tokens of the usage in it.
    pub tokens: u64,
    /// What the cost report records, USD.
    pub recorded_usd: f64,
    /// tokencast's price, USD.
    pub priced_usd: f64,
    /// `recorded_usd - priced_usd`.
    pub difference_usd: f64,
    /// `matches`, or what the recorded figure amounts to (another token type's rate, ...).
    pub note: String,
}

/// One model's recorded cost against tokencast's price.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedCostRow {
    /// Model id.
    pub model: String,
    /// Rows of the model that record a cost.
    pub rows: u64,
    /// What the source recorded, USD.
    pub recorded_usd: f64,
    /// tokencast's price of the same rows, USD.
    pub priced_usd: f64,
    /// `recorded_usd - priced_usd`.
    pub difference_usd: f64,
    /// The difference as a share of `priced_usd` (0 when both are 0).
    pub difference_share: f64,
    /// `matches`, or the likely cause of the difference (`cache_writes_as_input`,
    /// `cache_writes_unpriced`, `cache_writes_1h_at_5m`, `cache_reads_as_input`,
    /// `cache_reads_unpriced`, `long_context_missed`, `batch_discount_missed`,
    /// `constant_factor`, `not_priced`, `unexplained`).
    pub cause: String,
    /// The cause in words, with the figures that show it.
    pub explanation: String,
    /// Per token type, when a cost report gives them (Anthropic's `token_type`, OpenAI's
    /// `input` / `cached input` / `output` line items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_token_type: Vec<TokenTypeCost>,
}

/// The cost by one key: each value's requests, tokens and cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyBreakdown {
    /// The key (`endpoint`, `model`, `user`, `provider`, `session`, or a tag's key).
    pub by: String,
    /// Values, most expensive first; rows without the key under `(none)`.
    pub rows: Vec<BreakdownRow>,
    /// Whether a row can count under several values (a list of tags): shares then add up to
    /// more than 1.
    pub overlapping: bool,
}

/// One value of a breakdown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BreakdownRow {
    /// The value.
    pub value: String,
    /// Requests.
    pub requests: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// tokencast's price, USD.
    pub cost_usd: f64,
    /// Share of the trace's cost.
    pub share: f64,
    /// What the source recorded for these rows, when they record a cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_usd: Option<f64>,
}

/// Items of a trace left out for one reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IgnoredItems {
    /// Why (`spans without GenAI usage`).
    pub reason: String,
    /// How many.
    pub count: u64,
}

/// One row of a Pareto view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParetoRow {
    /// Endpoint or user.
    pub name: String,
    /// Its cost.
    pub cost_usd: f64,
    /// Its share of the total.
    pub share: f64,
    /// Share of the total carried by it and every row above it.
    pub cumulative_share: f64,
    /// Requests.
    pub requests: u64,
}

/// An observation and the lever it points to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// What was seen, with numbers.
    pub observation: String,
    /// The lever that addresses it (`prompt_cache`, `semantic_cache`, `routing`, `batch`,
    /// `context`), or `focus` for where to start.
    pub lever: String,
    /// What to try.
    pub suggestion: String,
}

/// Strategy names in the scenario's order, `baseline` first.
pub fn strategy_order(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = report
        .strategy_order
        .iter()
        .filter(|n| report.strategies.contains_key(*n))
        .cloned()
        .collect();
    // Reports from elsewhere may lack the order: fall back to baseline first, then by name.
    let mut rest: Vec<String> = report
        .strategies
        .keys()
        .filter(|k| !names.contains(k))
        .cloned()
        .collect();
    rest.sort_by_key(|n| (n != "baseline", n.clone()));
    names.extend(rest);
    names
}

impl Report {
    /// The first money figure of the report that is not a finite number of magnitude at most
    /// `max` dollars, with its path (`strategies.baseline.cost_usd.p95`), or `None`. Such money
    /// is an error for the caller to report, never a printed "n/a" or a saturated figure.
    pub fn money_beyond(&self, max: f64) -> Option<String> {
        for (name, s) in &self.strategies {
            let at = |field: String| Some(format!("strategies.{name}.{field}"));
            let stats = |field: &str, st: &Stats| st.outside(max).map(|f| format!("{field}.{f}"));
            let u = &s.unit_economics;
            let mut figures: Vec<(String, &Stats)> = vec![
                ("cost_usd".into(), &s.cost_usd),
                ("savings_vs_baseline_usd".into(), &s.savings_vs_baseline_usd),
                (
                    "unit_economics.cost_per_request_usd".into(),
                    &u.cost_per_request_usd,
                ),
                (
                    "unit_economics.cost_per_user_month_usd".into(),
                    &u.cost_per_user_month_usd,
                ),
            ];
            for (field, st) in [
                ("revenue_usd", &u.revenue_usd),
                ("margin_usd", &u.margin_usd),
                ("gross_margin", &u.gross_margin),
                ("margin_per_user_month_usd", &u.margin_per_user_month_usd),
            ] {
                if let Some(st) = st {
                    figures.push((format!("unit_economics.{field}"), st));
                }
            }
            for (kind, map) in [
                ("by_endpoint", &s.by_endpoint),
                ("by_model", &s.by_model),
                ("by_bucket", &s.by_bucket),
            ] {
                for (key, b) in map {
                    figures.push((format!("{kind}.{key}.cost_usd"), &b.cost_usd));
                }
            }
            for d in &s.daily {
                figures.push((format!("daily[{}].cost_usd", d.day), &d.cost_usd));
            }
            for (i, m) in s.monthly.iter().enumerate() {
                figures.push((format!("monthly[{i}].cost_usd"), &m.cost_usd));
            }
            for (field, st) in figures {
                if let Some(f) = stats(&field, st) {
                    return at(f);
                }
            }
            if let Some(i) = s.runs_cost_usd.iter().position(|c| !in_range(*c, max)) {
                return at(format!("runs_cost_usd[{i}]"));
            }
        }
        None
    }
}

/// Whether `v` is a finite number of magnitude at most `max`.
fn in_range(v: f64, max: f64) -> bool {
    v.is_finite() && v.abs() <= max
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
    fn single_run_has_equal_quantiles() {
        let s = Stats::of(&[7.5]);
        assert_eq!([s.mean, s.p5, s.p50, s.p95, s.min, s.max], [7.5; 6]);
    }
}
