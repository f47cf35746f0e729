//! Building the report: every run of every strategy priced ([`super::price`]), then statistics
//! across runs for each figure the report shows.
//!
//! [`build_for`] reads as its steps: look up each model's prices, price every run, gather what
//! the strategies share (user-days, revenue, the baseline's totals), then one
//! [`StrategyResult`] per strategy, each figure computed by its own function below.

use std::collections::BTreeMap;

use crate::analysis::decision::control;
use crate::analysis::economics::{self, RunTotals};
use crate::foundations::calendar::{MonthSpan, thirty_day_months};
use crate::foundations::dist::Dist;
use crate::foundations::ledger::{DelayHistogram, Ledger, SEGMENTS};
use crate::foundations::pricing::{
    Bucket, Catalog, ModelPrice, PriceTier, PricingGap, ServiceTier,
};
use crate::model::scenario::{PriceChange, Scenario};
use crate::model::strategy::Strategy;
use crate::model::uncertain::PriceScales;
use crate::simulation::montecarlo::{self, Outcome};
use rayon::prelude::*;

use super::price::{PriceAdjust, RunCost, price_run};
use super::{
    BatchStats, Breakdown, ContextStats, DailyCost, MonthCost, PROMPT_BUCKETS, PricesInfo,
    PromptCacheStats, Report, RoutingStats, SCHEMA_VERSION, ScenarioInfo, SemanticCacheStats,
    Stats, StrategyResult, ToolInfo, UncertainParam,
};

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
    pub price_changes: Vec<PriceChange>,
    /// Uncertain parameters: path, kind (`value`/`scale`) and distribution as written.
    pub uncertain: Vec<(String, String, String)>,
    /// The scenario simulated (none for recorded traffic): the budget's control variate
    /// applies fresh draws of its uncertain parameters to it.
    pub scenario: Option<&'a Scenario>,
    /// Monthly budget to check every run against.
    pub budget_usd_per_month: Option<f64>,
}

impl<'a> Subject<'a> {
    /// The subject of a scenario run. The endpoint with the most daily active users stands
    /// for the product's users.
    pub fn of_scenario(scenario: &'a Scenario) -> Subject<'a> {
        let product = montecarlo::product_endpoint(scenario);
        Subject {
            name: scenario.name.clone(),
            path: scenario.path.clone(),
            sha256: scenario.sha256.clone(),
            seed: scenario.seed,
            horizon_days: scenario.horizon_days,
            catalog: &scenario.catalog,
            endpoint_names: scenario.endpoints.iter().map(|e| e.name.clone()).collect(),
            active_user_days: montecarlo::active_user_days(scenario, product),
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
            scenario: Some(scenario),
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
            scenario: None,
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
    let prices = model_prices(subject.catalog, &outcome.models.ids)?;
    let costs = price_runs(subject, outcome, &prices)?;
    let shared = Shared::of(subject, outcome, &costs);
    let control = BudgetControl::of(subject, outcome);
    let mut strategies = BTreeMap::new();
    let mut warnings = subject.warnings.clone();
    for (si, strat) in outcome.strategies.iter().enumerate() {
        let runs = Runs(&costs[si]);
        let result = strategy_result(subject, outcome, si, runs, &shared);
        if let Some(w) = overflow_warning(&strat.name, result.context_overflows) {
            warnings.push(w);
        }
        // Each run's costliest month, and whether it is over the budget.
        let max_month = subject.budget_usd_per_month.map(|_| {
            let daily: Vec<&[f64]> = runs.0.iter().map(|r| r.daily.as_slice()).collect();
            economics::costliest_month(&subject.months, &daily)
        });
        let exceeded: Option<Vec<bool>> = subject
            .budget_usd_per_month
            .zip(max_month.as_ref())
            .map(|(b, m)| m.iter().map(|c| *c > b).collect());
        let mut monte_carlo_error = crate::analysis::decision::mc_error(
            &result.runs_cost_usd,
            exceeded.as_deref(),
            outcome.block_runs.max(1) as usize,
            subject.seed,
        );
        let mut budget = result.budget.clone();
        if let (Some(b), Some(e), Some(m), Some(c)) = (&mut budget, &exceeded, &max_month, &control)
            && let Some(cv) = c.estimate(e, m, b.usd_per_month)
            && cv.se < monte_carlo_error.budget_probability_se.unwrap_or(0.0)
        {
            b.probability_exceeded = cv.probability;
            b.control_variate = true;
            monte_carlo_error.budget_probability_se = Some(cv.se);
        }
        strategies.insert(
            strat.name.clone(),
            StrategyResult {
                description: strat.description.clone(),
                monte_carlo_error,
                budget,
                ..result
            },
        );
    }
    warnings.extend(clamp_warnings(&subject.endpoint_names, &outcome.runs));
    let mut report = Report {
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
            source: subject.catalog.source.clone(),
            effective_date: subject.catalog.effective_date.clone(),
        },
        seed: subject.seed,
        runs,
        horizon_days: subject.horizon_days,
        strategies,
        strategy_order: outcome.strategies.iter().map(|s| s.name.clone()).collect(),
        warnings,
        audit: None,
        budget_usd_per_month: subject.budget_usd_per_month,
        uncertain: uncertain_params(subject, outcome),
        sampling: outcome.runs.iter().any(|r| !r.draws.is_empty()).then(|| {
            crate::analysis::report::SamplingInfo {
                method: if outcome.block_runs > 1 {
                    "stratified"
                } else {
                    "independent"
                }
                .to_string(),
                block_runs: outcome.block_runs.max(1),
            }
        }),
        scale_curve: None,
        span_s: None,
        spread: String::new(),
        recommendation: None,
        precision: None,
    };
    report.spread = crate::analysis::decision::spread(&report).to_string();
    // The mean objective always has what it needs; another objective replaces it (forecast).
    report.recommendation =
        crate::analysis::decision::recommend(&report, crate::analysis::decision::Objective::Mean)
            .ok();
    Ok(report)
}

/// The prices of every model in the outcome's table, in table order.
fn model_prices<'c>(
    catalog: &'c Catalog,
    ids: &[String],
) -> Result<Vec<&'c ModelPrice>, PricingGap> {
    ids.iter()
        .map(|id| {
            // Every model in the table came from a validated endpoint, strategy or trace row.
            catalog.get(id).ok_or_else(|| PricingGap {
                model: id.clone(),
                bucket: "any",
                service: ServiceTier::Standard,
                tier: PriceTier::Base,
                source_name: catalog.source.clone(),
            })
        })
        .collect()
}

/// What each ledger of one run costs in all (one ledger per strategy, models indexed by
/// `model_ids`), priced as [`build_for`] prices it.
pub fn run_totals(
    subject: &Subject,
    model_ids: &[String],
    ledgers: &[Ledger],
    scales: &PriceScales,
) -> Result<Vec<f64>, PricingGap> {
    let prices = model_prices(subject.catalog, model_ids)?;
    let adjust = PriceAdjust::new(model_ids, scales, &subject.price_changes);
    ledgers
        .iter()
        .map(|l| {
            price_run(
                l,
                &prices,
                subject.endpoint_names.len(),
                &subject.catalog.source,
                model_ids,
                &adjust,
            )
            .map(|c| c.total)
        })
        .collect()
}

/// Every run of every strategy priced: `costs[strategy][run]`.
fn price_runs(
    subject: &Subject,
    outcome: &Outcome,
    prices: &[&ModelPrice],
) -> Result<Vec<Vec<RunCost>>, PricingGap> {
    let mut costs: Vec<Vec<RunCost>> = vec![Vec::new(); outcome.strategies.len()];
    let no_scales = PriceScales::default();
    for (ri, run) in outcome.ledgers.iter().enumerate() {
        let scales = outcome.runs.get(ri).map_or(&no_scales, |r| &r.prices);
        let adjust = PriceAdjust::new(&outcome.models.ids, scales, &subject.price_changes);
        for (si, ledger) in run.iter().enumerate() {
            costs[si].push(price_run(
                ledger,
                prices,
                subject.endpoint_names.len(),
                &subject.catalog.source,
                &outcome.models.ids,
                &adjust,
            )?);
        }
    }
    Ok(costs)
}

/// What the budget's control variate needs, shared by every strategy: the runs' draws, fresh
/// draws of the same parameters, and which parameters are positive.
struct BudgetControl {
    rows: Vec<Vec<f64>>,
    cheap: Vec<Vec<f64>>,
    block: usize,
}

impl BudgetControl {
    /// `None` without a budget or uncertain parameters.
    fn of(subject: &Subject, outcome: &Outcome) -> Option<BudgetControl> {
        subject.budget_usd_per_month?;
        let scenario = subject.scenario?;
        let d = scenario.uncertain.len();
        if d == 0 || outcome.runs.len() != outcome.ledgers.len() {
            return None;
        }
        if outcome.runs.iter().any(|r| r.draws.len() != d) {
            return None;
        }
        let dists: Vec<Dist> = scenario.uncertain.iter().map(|u| u.dist.clone()).collect();
        let positive: Vec<bool> = dists.iter().map(control::positive).collect();
        let row = |draws: &[f64]| -> Option<Vec<f64>> {
            let busiest = montecarlo::busiest_month_requests(scenario, draws)?;
            Some(control::features(draws, &positive, busiest))
        };
        let rows = outcome
            .runs
            .iter()
            .map(|r| row(&r.draws))
            .collect::<Option<Vec<_>>>()?;
        let cheap = control::cheap_draws(&dists, subject.seed, control::CHEAP_DRAWS)?
            .par_iter()
            .map(|d| row(d))
            .collect::<Option<Vec<_>>>()?;
        Some(BudgetControl {
            rows,
            cheap,
            block: outcome.block_runs.max(1) as usize,
        })
    }

    fn estimate(
        &self,
        exceeded: &[bool],
        max_month: &[f64],
        budget: f64,
    ) -> Option<control::Controlled> {
        control::budget_probability(
            exceeded,
            max_month,
            &self.rows,
            &self.cheap,
            budget,
            self.block,
        )
    }
}

/// What every strategy's figures are computed against.
struct Shared {
    /// Active user-days of each run (they vary when adoption is uncertain).
    user_days: Vec<f64>,
    /// Revenue of each run, when the subject has any.
    revenue: Option<Vec<f64>>,
    /// The baseline's total cost of each run.
    baseline_totals: Vec<f64>,
}

impl Shared {
    fn of(subject: &Subject, outcome: &Outcome, costs: &[Vec<RunCost>]) -> Shared {
        let user_days = (0..outcome.ledgers.len())
            .map(|ri| {
                outcome
                    .runs
                    .get(ri)
                    .map_or(subject.active_user_days, |r| r.active_user_days)
            })
            .collect();
        let revenue = outcome
            .runs
            .iter()
            .any(|r| r.revenue.is_some())
            .then(|| outcome.runs.iter().map(economics::revenue_of_run).collect());
        let baseline_totals = costs
            .first()
            .map(|c| c.iter().map(|r| r.total).collect())
            .unwrap_or_default();
        Shared {
            user_days,
            revenue,
            baseline_totals,
        }
    }
}

/// One strategy's priced runs, read a column at a time.
#[derive(Clone, Copy)]
struct Runs<'a>(&'a [RunCost]);

impl Runs<'_> {
    /// One figure of every run, in run order.
    fn col(self, f: impl Fn(&RunCost) -> f64) -> Vec<f64> {
        self.0.iter().map(f).collect()
    }

    /// The mean of one figure across runs.
    fn mean(self, f: impl Fn(&RunCost) -> f64) -> f64 {
        mean(&self.col(f))
    }
}

/// Everything the report says about one strategy (its description is filled in by the caller).
fn strategy_result(
    subject: &Subject,
    outcome: &Outcome,
    si: usize,
    runs: Runs,
    shared: &Shared,
) -> StrategyResult {
    let totals = runs.col(|r| r.total);
    let requests = runs.col(|r| r.requests);
    let savings: Vec<f64> = totals
        .iter()
        .zip(&shared.baseline_totals)
        .map(|(t, b)| b - t)
        .collect();
    let ledgers: Vec<&Ledger> = outcome.ledgers.iter().map(|l| &l[si]).collect();
    StrategyResult {
        replay_caveats: Vec::new(),
        description: String::new(),
        cost_usd: Stats::of(&totals),
        requests: Stats::of(&requests),
        sessions: Stats::of(&runs.col(|r| r.sessions)),
        tokens: bucket_map(|b| runs.mean(|r| r.tokens[b])),
        by_endpoint: by_endpoint(&subject.endpoint_names, runs),
        by_model: by_model(
            &outcome.models.ids,
            runs,
            &embedding_lookups(&outcome.strategies[si], &ledgers),
        ),
        by_bucket: by_bucket(runs),
        daily: daily(subject.horizon_days, runs),
        monthly: monthly(subject, runs),
        runs_cost_usd: totals.clone(),
        budget: subject.budget_usd_per_month.map(|b| {
            economics::budget_stats(
                b,
                &subject.months,
                &runs
                    .0
                    .iter()
                    .map(|r| r.daily.as_slice())
                    .collect::<Vec<_>>(),
            )
        }),
        sensitivity: economics::sensitivity(&subject.uncertain, &outcome.runs, &totals),
        prompt_cache: prompt_cache_stats(runs),
        semantic_cache: semantic_stats(runs),
        routing: routing_stats(&ledgers),
        unit_economics: economics::unit_economics(
            runs.0
                .iter()
                .map(|r| RunTotals {
                    cost: r.total,
                    // Requests served: a semantic cache hit (false ones too) answers a request
                    // without a model call, and still counts as one in the unit cost.
                    requests: r.requests + r.semantic[1],
                    sessions: r.sessions,
                })
                .collect(),
            &shared.user_days,
            shared.revenue.as_deref(),
            subject.horizon_days,
        ),
        savings_vs_baseline_usd: Stats::of(&savings),
        monte_carlo_error: Default::default(),
        context_overflows: runs.mean(|r| r.overflows),
        prompt_segments: SEGMENTS
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), runs.mean(|r| r.segments[i])))
            .collect(),
        batch: batch_stats(&ledgers),
        context: ContextStats {
            summaries: runs.mean(|r| r.summaries),
            forced_trims: runs.mean(|r| r.forced_trims),
        },
    }
}

/// Cost, requests and tokens of each endpoint.
fn by_endpoint(names: &[String], runs: Runs) -> BTreeMap<String, Breakdown> {
    let mean_total = runs.mean(|r| r.total);
    let mean_requests = runs.mean(|r| r.requests);
    names
        .iter()
        .enumerate()
        .map(|(ei, name)| {
            let c = runs.col(|r| r.by_endpoint[ei]);
            let m = mean(&c);
            (
                name.clone(),
                Breakdown {
                    cost_usd: Stats::of(&c),
                    share_of_cost: ratio(m, mean_total),
                    requests: runs.mean(|r| r.endpoint_requests[ei]),
                    share_of_requests: ratio(runs.mean(|r| r.endpoint_requests[ei]), mean_requests),
                    tokens: bucket_map(|b| runs.mean(|r| r.endpoint_tokens[ei][b])),
                    embedding_lookups: None,
                },
            )
        })
        .collect()
}

/// Mean semantic-cache lookups per run embedded by each embedding model of `strategy`
/// (the ledgers count lookups per endpoint; each endpoint's cache names its model).
fn embedding_lookups(strategy: &Strategy, ledgers: &[&Ledger]) -> BTreeMap<String, f64> {
    let mut by_model = BTreeMap::new();
    let runs = ledgers.len().max(1) as f64;
    for (e, levers) in strategy.endpoints.iter().enumerate() {
        if let Some(sc) = &levers.semantic_cache {
            let total: u64 = ledgers
                .iter()
                .filter_map(|l| l.semantic_cache.get(e))
                .map(|c| c.lookups)
                .sum();
            *by_model.entry(sc.embedding_model.clone()).or_insert(0.0) += total as f64 / runs;
        }
    }
    by_model
}

/// Cost, requests and tokens of each model the strategy billed, with the lookups each
/// embedding model embedded (`lookups`, from [`embedding_lookups`]).
fn by_model(
    ids: &[String],
    runs: Runs,
    lookups: &BTreeMap<String, f64>,
) -> BTreeMap<String, Breakdown> {
    let mean_total = runs.mean(|r| r.total);
    let mean_requests = runs.mean(|r| r.requests);
    ids.iter()
        .enumerate()
        .filter(|(mi, _)| {
            runs.0
                .iter()
                .any(|r| r.model_requests[*mi] > 0.0 || r.by_model[*mi] > 0.0)
        })
        .map(|(mi, id)| {
            let c = runs.col(|r| r.by_model[mi]);
            let m = mean(&c);
            (
                id.clone(),
                Breakdown {
                    cost_usd: Stats::of(&c),
                    share_of_cost: ratio(m, mean_total),
                    requests: runs.mean(|r| r.model_requests[mi]),
                    share_of_requests: ratio(runs.mean(|r| r.model_requests[mi]), mean_requests),
                    tokens: bucket_map(|b| runs.mean(|r| r.model_tokens[mi][b])),
                    embedding_lookups: lookups.get(id).copied().filter(|l| *l > 0.0),
                },
            )
        })
        .collect()
}

/// Cost and tokens of each bucket (every bucket's requests are all requests).
fn by_bucket(runs: Runs) -> BTreeMap<String, Breakdown> {
    let mean_total = runs.mean(|r| r.total);
    let requests = runs.col(|r| r.requests);
    let mean_requests = mean(&requests);
    Bucket::ALL
        .iter()
        .map(|b| {
            let c = runs.col(|r| r.by_bucket[b.index()]);
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
                            runs.mean(|r| r.tokens[bi])
                        } else {
                            0.0
                        }
                    }),
                    embedding_lookups: None,
                },
            )
        })
        .collect()
}

/// Cost and requests of each day.
fn daily(days: u32, runs: Runs) -> Vec<DailyCost> {
    (0..days as usize)
        .map(|d| DailyCost {
            day: d as u32,
            cost_usd: Stats::of(&runs.col(|r| r.daily[d])),
            requests: runs.mean(|r| r.daily_requests[d]),
        })
        .collect()
}

/// Cost and requests of each month, with the chance it is over budget.
fn monthly(subject: &Subject, runs: Runs) -> Vec<MonthCost> {
    let horizon = subject.horizon_days as usize;
    subject
        .months
        .iter()
        .enumerate()
        .map(|(mi, m)| {
            // Months come from the subject; days past the ledgers' (a subject whose horizon was
            // changed without its months) count as empty.
            let end = ((m.first_day + m.days) as usize).min(horizon);
            let days = (m.first_day as usize).min(end)..end;
            let cost = runs.col(|r| r.daily[days.clone()].iter().sum());
            MonthCost {
                month: mi as u32 + 1,
                label: m.label.clone(),
                first_day: m.first_day,
                days: m.days,
                cost_usd: Stats::of(&cost),
                requests: runs.mean(|r| r.daily_requests[days.clone()].iter().sum()),
                probability_over_budget: subject.budget_usd_per_month.map(|b| {
                    cost.iter().filter(|c| **c > b).count() as f64 / cost.len().max(1) as f64
                }),
            }
        })
        .collect()
}

/// Prompt-cache hit ratio (token-weighted), reads, writes, storage and the net saving against
/// pricing every prompt token at the uncached input rate.
fn prompt_cache_stats(runs: Runs) -> PromptCacheStats {
    let read = runs.mean(|r| r.tokens[Bucket::CacheRead.index()]);
    let write = runs.mean(|r| {
        Bucket::CACHE_WRITES
            .iter()
            .map(|b| r.tokens[b.index()])
            .sum::<f64>()
    });
    let prompt = runs.mean(|r| {
        PROMPT_BUCKETS
            .iter()
            .map(|b| r.tokens[b.index()])
            .sum::<f64>()
    });
    PromptCacheStats {
        hit_ratio: ratio(read, prompt),
        read_tokens: read,
        write_tokens: write,
        net_saving_usd: runs.mean(|r| {
            let net = r.prompt_at_input_price
                - PROMPT_BUCKETS
                    .iter()
                    .map(|b| r.by_bucket[b.index()])
                    .sum::<f64>()
                - r.by_bucket[Bucket::CacheStorageTokenHours.index()];
            without_noise(net, r.prompt_at_input_price)
        }),
        storage_usd: runs.mean(|r| r.by_bucket[Bucket::CacheStorageTokenHours.index()]),
    }
}

/// `net`, a difference from `gross`, or zero when it is less than a billionth of `gross`: the
/// two sides are sums of the same costs in different orders, so a cache that changed nothing
/// (writes without a premium, no reads) leaves float noise such as -7e-17 dollars, which is no
/// saving and no loss.
fn without_noise(net: f64, gross: f64) -> f64 {
    if net.abs() <= gross.abs() * 1e-9 {
        0.0
    } else {
        net
    }
}

/// Semantic-cache lookups, hits and false hits per run.
fn semantic_stats(runs: Runs) -> SemanticCacheStats {
    let (lookups, hits, false_hits) = (
        runs.mean(|r| r.semantic[0]),
        runs.mean(|r| r.semantic[1]),
        runs.mean(|r| r.semantic[2]),
    );
    SemanticCacheStats {
        hit_ratio: ratio(hits, lookups),
        lookups,
        hits,
        false_hits,
        false_hit_ratio: ratio(false_hits, lookups),
    }
}

/// Cascades, escalations and window fallbacks per run.
fn routing_stats(ledgers: &[&Ledger]) -> RoutingStats {
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

/// Batched requests per run and their delay quantiles over every run.
fn batch_stats(ledgers: &[&Ledger]) -> BatchStats {
    let mut h = DelayHistogram::default();
    for l in ledgers {
        h.merge(&l.batch_delays);
    }
    BatchStats {
        requests: h.count() as f64 / ledgers.len().max(1) as f64,
        delay_p50_s: h.quantile_s(0.50),
        delay_p95_s: h.quantile_s(0.95),
        delay_p99_s: h.quantile_s(0.99),
    }
}

/// The warning for requests refused for exceeding the context window, if any were.
fn overflow_warning(strategy: &str, overflows: f64) -> Option<String> {
    (overflows > 0.0).then(|| {
        format!(
            "{strategy}: {} requests per run on average exceeded the model's context window and \
             were refused (not billed); trim the prompt (history or retrieved context) or use a \
             model with a larger window",
            if overflows < 10.0 {
                format!("{overflows:.1}")
            } else {
                format!("{overflows:.0}")
            }
        )
    })
}

/// One warning per endpoint whose drawn output was clamped to its model's `max_output_tokens`
/// in some run, with the share of its requests that were.
fn clamp_warnings(names: &[String], runs: &[montecarlo::RunInfo]) -> Vec<String> {
    let mut out = Vec::new();
    for (e, name) in names.iter().enumerate() {
        let (mut requests, mut clamped, mut limit) = (0u64, 0u64, u64::MAX);
        for c in runs.iter().filter_map(|r| r.output_clamps.get(e)) {
            requests = requests.saturating_add(c.requests);
            clamped = clamped.saturating_add(c.clamped);
            limit = c.max_output_tokens;
        }
        if clamped == 0 {
            continue;
        }
        let share = clamped as f64 / requests.max(1) as f64 * 100.0;
        let share = if share >= 1.0 {
            format!("{share:.1}%")
        } else if share >= 0.01 {
            format!("{share:.2}%")
        } else {
            "under 0.01%".to_string()
        };
        out.push(format!(
            "endpoint {name:?}: {share} of requests ({clamped} of {requests} over {} run{}) drew \
             more output and reasoning tokens than the model's max_output_tokens ({limit}) and \
             were clamped to it, as the provider stops generating there; lower output_tokens or \
             reasoning_tokens, or use a model with a larger output limit",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Each uncertain parameter as written, with the spread of its draws.
fn uncertain_params(subject: &Subject, outcome: &Outcome) -> Vec<UncertainParam> {
    subject
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
        .collect()
}

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

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workload::synthetic::OutputClamps;

    fn run(requests: u64, clamped: u64) -> montecarlo::RunInfo {
        montecarlo::RunInfo {
            output_clamps: vec![
                OutputClamps {
                    max_output_tokens: 16384,
                    requests,
                    clamped,
                },
                OutputClamps {
                    max_output_tokens: u64::MAX,
                    requests,
                    clamped: 0,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn clamped_output_gets_one_warning_per_endpoint_with_its_share() {
        let names = ["chat".to_string(), "batch".to_string()];
        let w = clamp_warnings(&names, &[run(1000, 30), run(1000, 20)]);
        assert_eq!(
            w,
            [
                "endpoint \"chat\": 2.5% of requests (50 of 2000 over 2 runs) drew more output and \
              reasoning tokens than the model's max_output_tokens (16384) and were clamped to \
              it, as the provider stops generating there; lower output_tokens or \
              reasoning_tokens, or use a model with a larger output limit"
            ]
        );
        let w = clamp_warnings(&names, &[run(1_000_000, 3)]);
        assert!(
            w[0].starts_with(
                "endpoint \"chat\": under 0.01% of requests (3 of 1000000 over 1 run)"
            ),
            "{w:?}"
        );
        assert!(clamp_warnings(&names, &[run(1000, 0)]).is_empty());
    }
}
