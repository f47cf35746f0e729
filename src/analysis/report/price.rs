//! Pricing one run's ledger: tokens × the model's rate for the line's service tier, price tier
//! and bucket, times the run's uncertain price scale and any dated price change in effect that
//! day. The only place money is computed from token counts.

use crate::foundations::ledger::{Cell, Ledger, LineKey};
use crate::foundations::pricing::{Bucket, ModelPrice, PricingGap};
use crate::model::scenario::PriceChange;
use crate::model::uncertain::PriceScales;

use super::PROMPT_BUCKETS;

/// Everything one run of one strategy costs, broken down.
#[derive(Debug, Clone)]
pub(super) struct RunCost {
    pub(super) total: f64,
    pub(super) requests: f64,
    pub(super) sessions: f64,
    pub(super) overflows: f64,
    pub(super) by_endpoint: Vec<f64>,
    pub(super) endpoint_requests: Vec<f64>,
    pub(super) endpoint_tokens: Vec<[f64; Bucket::ALL.len()]>,
    pub(super) by_model: Vec<f64>,
    pub(super) model_requests: Vec<f64>,
    pub(super) model_tokens: Vec<[f64; Bucket::ALL.len()]>,
    pub(super) by_bucket: [f64; Bucket::ALL.len()],
    pub(super) tokens: [f64; Bucket::ALL.len()],
    pub(super) daily: Vec<f64>,
    pub(super) daily_requests: Vec<f64>,
    pub(super) segments: [f64; 5],
    /// Prompt tokens (input, writes, reads) priced at the uncached input rate.
    pub(super) prompt_at_input_price: f64,
    pub(super) summaries: f64,
    pub(super) forced_trims: f64,
    /// Semantic cache: lookups, hits, false hits.
    pub(super) semantic: [f64; 3],
}

/// Per-model rate multipliers of one run: the run's uncertain price scales, and the scenario's
/// dated price changes.
pub(super) struct PriceAdjust {
    /// `run[model][bucket]`.
    run: Vec<[f64; Bucket::ALL.len()]>,
    /// `changes[model]`: `(first day, factors)` in day order; factors multiply from that day.
    changes: Vec<Vec<(u32, [f64; Bucket::ALL.len()])>>,
}

impl PriceAdjust {
    pub(super) fn new(
        model_ids: &[String],
        run: &PriceScales,
        changes: &[PriceChange],
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

/// Price one run's ledger: every line, day by day, at its model's rates times the run's
/// scales and the price changes in effect that day.
pub(super) fn price_run(
    ledger: &Ledger,
    prices: &[&ModelPrice],
    n_endpoints: usize,
    catalog_source: &str,
    model_ids: &[String],
    adjust: &PriceAdjust,
) -> Result<RunCost, PricingGap> {
    let days = ledger.days() as usize;
    let mut rc = RunCost::unpriced(ledger, n_endpoints, prices.len(), days);
    for (li, key) in ledger.lines().iter().enumerate() {
        let m = key.model as usize;
        let total = ledger.line_total(li);
        let rates = LineRates::of(
            prices[m],
            key,
            &adjust.run[m],
            &total.tokens,
            &model_ids[m],
            catalog_source,
        )?;
        rc.add_line(ledger, li, key, &rates, &adjust.changes[m]);
    }
    rc.total = rc.daily.iter().sum();
    Ok(rc)
}

/// The rates of one ledger line, per token, times the run's price scales (before dated price
/// changes).
struct LineRates {
    /// Per bucket; 0 for buckets the line never uses.
    rates: [f64; Bucket::ALL.len()],
    /// The uncached input rate, at which prompt tokens are also valued.
    input_rate: f64,
}

impl LineRates {
    /// The rates of a line of `key`'s service and price tier; an error for a bucket the line
    /// uses (`tokens` over the run) that has no price.
    #[inline]
    fn of(
        price: &ModelPrice,
        key: &LineKey,
        run: &[f64; Bucket::ALL.len()],
        tokens: &[u64; Bucket::ALL.len()],
        model_id: &str,
        catalog_source: &str,
    ) -> Result<LineRates, PricingGap> {
        let mut rates = [0.0; Bucket::ALL.len()];
        for b in Bucket::ALL {
            if tokens[b.index()] == 0 {
                continue;
            }
            rates[b.index()] = price
                .rate_per_token(key.service, key.price_tier, b)
                .ok_or_else(|| PricingGap {
                    model: model_id.to_string(),
                    bucket: b.name(),
                    service: key.service,
                    tier: key.price_tier,
                    source_name: catalog_source.to_string(),
                })?
                * run[b.index()];
        }
        let input_rate = price
            .rate_per_token(key.service, key.price_tier, Bucket::Input)
            .unwrap_or(0.0)
            * run[Bucket::Input.index()];
        Ok(LineRates { rates, input_rate })
    }
}

impl RunCost {
    /// No cost yet, for `days` days: only the run's counts (sessions, context overflows,
    /// summaries, forced trims, semantic cache, prompt segments), summed over the ledger.
    fn unpriced(ledger: &Ledger, n_endpoints: usize, n_models: usize, days: usize) -> RunCost {
        let mut rc = RunCost {
            total: 0.0,
            requests: 0.0,
            sessions: ledger.sessions.iter().sum::<u64>() as f64,
            overflows: ledger.context_overflows.iter().sum::<u64>() as f64,
            by_endpoint: vec![0.0; n_endpoints],
            endpoint_requests: vec![0.0; n_endpoints],
            endpoint_tokens: vec![[0.0; Bucket::ALL.len()]; n_endpoints],
            by_model: vec![0.0; n_models],
            model_requests: vec![0.0; n_models],
            model_tokens: vec![[0.0; Bucket::ALL.len()]; n_models],
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
        rc
    }

    /// Line `li` of the ledger, day by day, the dated price `changes` of its model applied from
    /// their first day on.
    #[inline]
    fn add_line(
        &mut self,
        ledger: &Ledger,
        li: usize,
        key: &LineKey,
        rates: &LineRates,
        changes: &[(u32, [f64; Bucket::ALL.len()])],
    ) {
        let mut factor = [1.0; Bucket::ALL.len()];
        let mut next_change = 0;
        for day in 0..self.daily.len() {
            while next_change < changes.len() && changes[next_change].0 as usize <= day {
                for (f, c) in factor.iter_mut().zip(&changes[next_change].1) {
                    *f *= c;
                }
                next_change += 1;
            }
            self.add_cell(ledger.cell(li, day as u32), key, day, rates, &factor);
        }
    }

    /// One day of one line: its cost per bucket at `rates` × `factor`, added to the totals by
    /// day, endpoint, model and bucket, with its tokens and requests.
    #[inline]
    fn add_cell(
        &mut self,
        cell: &Cell,
        key: &LineKey,
        day: usize,
        rates: &LineRates,
        factor: &[f64; Bucket::ALL.len()],
    ) {
        let (e, m) = (key.endpoint as usize, key.model as usize);
        let prompt_tokens: u64 = PROMPT_BUCKETS.iter().map(|b| cell.tokens[b.index()]).sum();
        self.prompt_at_input_price +=
            prompt_tokens as f64 * rates.input_rate * factor[Bucket::Input.index()];
        let mut day_cost = 0.0;
        for (b, rate) in rates.rates.iter().enumerate() {
            let mut t = cell.tokens[b] as f64;
            if b == Bucket::CacheStorageTokenHours.index() {
                // The ledger counts storage in token-minutes.
                t /= 60.0;
            }
            let c = t * rate * factor[b];
            day_cost += c;
            self.by_bucket[b] += c;
            self.tokens[b] += t;
            self.endpoint_tokens[e][b] += t;
            self.model_tokens[m][b] += t;
        }
        let r = cell.requests as f64;
        self.daily[day] += day_cost;
        self.daily_requests[day] += r;
        self.by_endpoint[e] += day_cost;
        self.endpoint_requests[e] += r;
        self.by_model[m] += day_cost;
        self.model_requests[m] += r;
        self.requests += r;
    }
}
