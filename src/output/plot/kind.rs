//! Which charts exist: their file names, titles, captions, and whether a report has the data
//! for each. Kept apart from the drawing so the HTML page and the command line can list and
//! describe charts without knowing how they are drawn.

use std::fmt;

use crate::analysis::report::Report;

/// The charts tokencast draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Fan chart of cost per day: P5–P95 band and P50 line per strategy.
    DailyCost,
    /// Fan chart of cost per month with the budget line.
    MonthlyCost,
    /// Strategies' total cost and saving against the baseline.
    Strategies,
    /// Stacked bars of cost by endpoint.
    CostByEndpoint,
    /// Stacked bars of cost by model.
    CostByModel,
    /// Stacked bars of cost by token bucket.
    CostByBucket,
    /// Prompt-cache and semantic-cache hit ratios per strategy.
    CacheHitRatio,
    /// Cost and margin per user-month against daily active users.
    ScaleCurve,
}

impl ChartKind {
    /// Every kind, in the order the HTML page shows them.
    pub const ALL: [ChartKind; 8] = [
        ChartKind::MonthlyCost,
        ChartKind::DailyCost,
        ChartKind::Strategies,
        ChartKind::CostByEndpoint,
        ChartKind::CostByModel,
        ChartKind::CostByBucket,
        ChartKind::CacheHitRatio,
        ChartKind::ScaleCurve,
    ];

    /// File name without extension, e.g. `cost-daily`.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::DailyCost => "cost-daily",
            ChartKind::MonthlyCost => "cost-monthly",
            ChartKind::Strategies => "strategies",
            ChartKind::CostByEndpoint => "cost-by-endpoint",
            ChartKind::CostByModel => "cost-by-model",
            ChartKind::CostByBucket => "cost-by-bucket",
            ChartKind::CacheHitRatio => "cache-hit-ratio",
            ChartKind::ScaleCurve => "scale-curve",
        }
    }

    /// Heading of the chart.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::DailyCost => "Cost per day",
            ChartKind::MonthlyCost => "Cost per month",
            ChartKind::Strategies => "Strategies compared",
            ChartKind::CostByEndpoint => "Where the money goes: by endpoint",
            ChartKind::CostByModel => "Where the money goes: by model",
            ChartKind::CostByBucket => "Where the money goes: by token bucket",
            ChartKind::CacheHitRatio => "Cache hit ratios",
            ChartKind::ScaleCurve => "Unit economics at scale",
        }
    }

    /// One sentence on what the chart shows, for captions.
    pub fn describe(self) -> &'static str {
        match self {
            ChartKind::DailyCost => {
                "Cost of each day of the horizon: the line is the median (P50) across runs, the \
                 band the 5th to 95th percentile; weekly patterns and growth show here."
            }
            ChartKind::MonthlyCost => {
                "Cost of each month (calendar months with a start date, else 30-day blocks) with its P5–P95 spread across runs, against the \
                 monthly budget when one is set."
            }
            ChartKind::Strategies => {
                "Each strategy's total cost over the horizon (mean, whisker P5–P95) and what it \
                 saves against the baseline on the same traffic (paired per run)."
            }
            ChartKind::CostByEndpoint => {
                "Mean cost over the horizon split by endpoint, one bar per strategy."
            }
            ChartKind::CostByModel => {
                "Mean cost over the horizon split by model, one bar per strategy: what routing \
                 and cascades move."
            }
            ChartKind::CostByBucket => {
                "Mean cost split by token bucket (uncached input, cache writes and reads, output, \
                 reasoning, embeddings, cache storage): what caching trades."
            }
            ChartKind::CacheHitRatio => {
                "Prompt cache: share of prompt tokens read from the cache (token-weighted). \
                 Semantic cache: share of lookups answered from the cache. One bar per strategy, \
                 so strategies that differ by TTL compare directly."
            }
            ChartKind::ScaleCurve => {
                "Cost (and margin, when the scenario states revenue) per daily active user per \
                 30-day month, as the product grows; where the margin crosses zero is the \
                 break-even user count."
            }
        }
    }

    /// Whether the report has what this chart needs; `Err` says why not and how to get it.
    pub fn available(self, report: &Report) -> Result<(), &'static str> {
        let any = |f: &dyn Fn(&crate::analysis::report::StrategyResult) -> bool| {
            report.strategies.values().any(f)
        };
        let ok = match self {
            ChartKind::DailyCost => any(&|s| !s.daily.is_empty()),
            ChartKind::MonthlyCost => any(&|s| !s.monthly.is_empty()),
            ChartKind::Strategies => report.strategy_order.len() >= 2,
            ChartKind::CostByEndpoint => {
                any(&|s| s.by_endpoint.values().any(|b| b.cost_usd.mean > 0.0))
            }
            ChartKind::CostByModel => any(&|s| s.by_model.values().any(|b| b.cost_usd.mean > 0.0)),
            ChartKind::CostByBucket => {
                any(&|s| s.by_bucket.values().any(|b| b.cost_usd.mean > 0.0))
            }
            ChartKind::CacheHitRatio => !report.strategies.is_empty(),
            ChartKind::ScaleCurve => report
                .scale_curve
                .as_ref()
                .is_some_and(|c| !c.points.is_empty()),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            ChartKind::DailyCost => "the report has no daily costs",
            ChartKind::MonthlyCost => "the report has no monthly costs",
            ChartKind::Strategies => "only one strategy: there is nothing to compare",
            ChartKind::CostByEndpoint | ChartKind::CostByModel | ChartKind::CostByBucket => {
                "nothing was billed"
            }
            ChartKind::CacheHitRatio => "the report has no strategies",
            ChartKind::ScaleCurve => {
                "no scale curve in this report: run with `--scale 1000,10000,100000` to \
                 evaluate the scenario at those daily active user counts"
            }
        })
    }

    /// The kinds this report has data for, in [`ChartKind::ALL`] order.
    pub fn available_for(report: &Report) -> Vec<ChartKind> {
        ChartKind::ALL
            .into_iter()
            .filter(|k| k.available(report).is_ok())
            .collect()
    }
}

impl fmt::Display for ChartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_stem())
    }
}
