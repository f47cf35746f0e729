//! What the source says each request cost against what the provider's price makes it, and the
//! likely cause when they differ.
//!
//! Trackers price requests themselves (LiteLLM's `spend`, Langfuse's `total_cost`, Helicone's
//! `cost`), and their price maps go wrong in known ways: cache writes priced as plain input or
//! not at all, 1-hour writes at the 5-minute rate, cache reads at the full input price, the
//! long-context tier or the batch discount missed, or a price that is simply stale. For each
//! row that records a cost, the audit prices the row as the provider bills it and also under
//! each of those mistakes; per model, the mistake whose total comes within 0.5% of what the
//! source recorded is the likely cause. When none does but every row differs by the same
//! factor, the source's price for the model is a different (stale or custom) one.
//!
//! A provider's cost report (`audit --recorded-costs`) records costs per day and model (and
//! token type), not per request: each usage row is then priced into its model's sums with no
//! cost of its own ([`RecordedCosts::add_priced`]), the report's costs are added to the
//! model's recorded total ([`RecordedCosts::record`]), and the same mistakes are tried on the
//! aggregated tokens. Where the report gives token types, each is compared on its own: a
//! difference in cache writes alone, at the input rate, names its cause directly.
//!
//! Memory: a few sums per model.

use std::collections::BTreeMap;

use crate::analysis::report::{RecordedCost, RecordedCostRow, TokenTypeCost, UnmatchedCost};
use crate::foundations::pricing::{Bucket, ModelPrice, PriceTier, ServiceTier};

/// Buckets a cost report's token types compare with (reasoning is output, as billed).
const COMPARED: [Bucket; 5] = [
    Bucket::Input,
    Bucket::CacheRead,
    Bucket::CacheWrite5m,
    Bucket::CacheWrite1h,
    Bucket::Output,
];

/// The compared bucket a ledger bucket's tokens fall in.
fn compared(b: Bucket) -> Bucket {
    match b {
        Bucket::Reasoning => Bucket::Output,
        b => b,
    }
}

/// A mistake a tracker's price map makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mistake {
    WritesAsInput,
    WritesUnpriced,
    Writes1hAt5m,
    ReadsAsInput,
    ReadsUnpriced,
    LongContextMissed,
    BatchDiscountMissed,
}

impl Mistake {
    const ALL: [Mistake; 7] = [
        Mistake::WritesAsInput,
        Mistake::WritesUnpriced,
        Mistake::Writes1hAt5m,
        Mistake::ReadsAsInput,
        Mistake::ReadsUnpriced,
        Mistake::LongContextMissed,
        Mistake::BatchDiscountMissed,
    ];

    fn name(self) -> &'static str {
        match self {
            Mistake::WritesAsInput => "cache_writes_as_input",
            Mistake::WritesUnpriced => "cache_writes_unpriced",
            Mistake::Writes1hAt5m => "cache_writes_1h_at_5m",
            Mistake::ReadsAsInput => "cache_reads_as_input",
            Mistake::ReadsUnpriced => "cache_reads_unpriced",
            Mistake::LongContextMissed => "long_context_missed",
            Mistake::BatchDiscountMissed => "batch_discount_missed",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Mistake::WritesAsInput => {
                "cache writes priced as plain input: the write premium (1.25x for 5 minutes, 2x for an hour on Anthropic) is missing"
            }
            Mistake::WritesUnpriced => {
                "cache writes not priced at all (Anthropic's input_tokens leaves them out, and the tracker did not add them back)"
            }
            Mistake::Writes1hAt5m => "1-hour cache writes priced at the 5-minute write rate",
            Mistake::ReadsAsInput => {
                "cache reads priced as uncached input: the cache discount is missing"
            }
            Mistake::ReadsUnpriced => "cache reads not priced at all",
            Mistake::LongContextMissed => {
                "prompts above the model's long-context threshold priced at the base rates"
            }
            Mistake::BatchDiscountMissed => "batch requests priced at the standard rates",
        }
    }

    /// The row's cost under this mistake, when the mistake changes anything for it.
    fn cost(
        self,
        tokens: &[u64; Bucket::ALL.len()],
        price: &ModelPrice,
        service: ServiceTier,
        tier: PriceTier,
    ) -> Option<f64> {
        let moved = |from: &[Bucket], to: Option<Bucket>| {
            let mut t = *tokens;
            let mut n = 0u64;
            for b in from {
                n += t[b.index()];
                t[b.index()] = 0;
            }
            if let Some(to) = to {
                t[to.index()] += n;
            }
            (n > 0).then_some(t)
        };
        let t = match self {
            Mistake::WritesAsInput => moved(&Bucket::CACHE_WRITES, Some(Bucket::Input))?,
            Mistake::WritesUnpriced => moved(&Bucket::CACHE_WRITES, None)?,
            Mistake::Writes1hAt5m => moved(&[Bucket::CacheWrite1h], Some(Bucket::CacheWrite5m))?,
            Mistake::ReadsAsInput => moved(&[Bucket::CacheRead], Some(Bucket::Input))?,
            Mistake::ReadsUnpriced => moved(&[Bucket::CacheRead], None)?,
            Mistake::LongContextMissed => {
                return (tier == PriceTier::LongContext)
                    .then(|| super::bill::bill(tokens, price, service, PriceTier::Base).ok())
                    .flatten();
            }
            Mistake::BatchDiscountMissed => {
                return (service == ServiceTier::Batch)
                    .then(|| super::bill::bill(tokens, price, ServiceTier::Standard, tier).ok())
                    .flatten();
            }
        };
        super::bill::bill(&t, price, service, tier).ok()
    }
}

/// One model's sums.
#[derive(Debug, Clone, Default)]
struct ModelSums {
    rows: u64,
    recorded: f64,
    priced: f64,
    /// The priced cost under each mistake (the row's price where the mistake changes nothing).
    mistaken: [f64; Mistake::ALL.len()],
    /// Whether a mistake changed any row.
    applies: [bool; Mistake::ALL.len()],
    /// Smallest and largest recorded / priced of a row with a price above 0.
    ratio: Option<(f64, f64)>,
    /// Tokens per compared bucket (cost-report mode).
    tokens: [u64; Bucket::ALL.len()],
    /// Price per compared bucket (cost-report mode).
    priced_by: [f64; Bucket::ALL.len()],
    /// `priced_as[b][c]`: bucket `b`'s tokens at bucket `c`'s rates (cost-report mode).
    priced_as: [[f64; Bucket::ALL.len()]; Bucket::ALL.len()],
    /// Recorded per compared bucket, from a cost report's token types.
    recorded_by: [f64; Bucket::ALL.len()],
    /// Whether the cost report gave a token type for any of the model's costs.
    typed: bool,
}

/// Recorded costs against prices, per model (by the tally's model index).
#[derive(Debug, Default)]
pub(super) struct RecordedCosts {
    models: Vec<ModelSums>,
    without: u64,
    /// The cost report compared, when the costs come from one.
    report: Option<String>,
    /// The report's costs that match no model of the usage, by item: USD and why.
    unmatched: BTreeMap<String, (f64, String)>,
}

impl RecordedCosts {
    /// A row without a recorded cost.
    #[inline]
    pub(super) fn without_cost(&mut self) {
        self.without += 1;
    }

    /// The sums of model `model`.
    fn sums(&mut self, model: u16) -> &mut ModelSums {
        let m = model as usize;
        if self.models.len() <= m {
            self.models.resize(m + 1, ModelSums::default());
        }
        &mut self.models[m]
    }

    /// Costs come from the cost report `path` rather than from the rows.
    pub(super) fn use_report(&mut self, path: &str) {
        self.report = Some(path.to_string());
    }

    /// A row of model `model` without a cost of its own, priced at `priced` (its `tokens` at
    /// `service` and `tier` rates): its cost is in a cost report, per model and token type.
    pub(super) fn add_priced(
        &mut self,
        model: u16,
        priced: f64,
        tokens: &[u64; Bucket::ALL.len()],
        price: &ModelPrice,
        service: ServiceTier,
        tier: PriceTier,
    ) {
        self.add(model, 0.0, priced, tokens, price, service, tier);
        let s = self.sums(model);
        for b in Bucket::ALL {
            let n = tokens[b.index()];
            if n == 0 {
                continue;
            }
            let into = compared(b).index();
            s.tokens[into] += n;
            let rate = |c: Bucket| price.rate_per_token(service, tier, c);
            s.priced_by[into] += n as f64 * rate(b).unwrap_or(0.0);
            for c in COMPARED {
                s.priced_as[into][c.index()] += n as f64 * rate(c).unwrap_or(f64::NAN);
            }
        }
    }

    /// A cost report's `usd` for model `model`, of token type `kind` when it says.
    pub(super) fn record(&mut self, model: u16, kind: Option<Bucket>, usd: f64) {
        let s = self.sums(model);
        s.recorded += usd;
        if let Some(k) = kind {
            s.recorded_by[compared(k).index()] += usd;
            s.typed = true;
        }
    }

    /// A cost report's `usd` under `item` that matches no model of the usage, and why.
    pub(super) fn unmatched(&mut self, item: &str, usd: f64, reason: &str) {
        let e = self
            .unmatched
            .entry(item.to_string())
            .or_insert_with(|| (0.0, reason.to_string()));
        e.0 += usd;
    }

    /// A row of model `model` whose source recorded `recorded` and which the provider prices
    /// at `priced` (its `tokens` at `service` and `tier` rates).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &mut self,
        model: u16,
        recorded: f64,
        priced: f64,
        tokens: &[u64; Bucket::ALL.len()],
        price: &ModelPrice,
        service: ServiceTier,
        tier: PriceTier,
    ) {
        let aggregated = self.report.is_some();
        let s = self.sums(model);
        s.rows += 1;
        s.recorded += recorded;
        s.priced += priced;
        for (i, mistake) in Mistake::ALL.iter().enumerate() {
            match mistake.cost(tokens, price, service, tier) {
                Some(c) => {
                    s.mistaken[i] += c;
                    s.applies[i] = true;
                }
                None => s.mistaken[i] += priced,
            }
        }
        if priced > 0.0 && !aggregated {
            let r = recorded / priced;
            s.ratio = Some(match s.ratio {
                Some((lo, hi)) => (lo.min(r), hi.max(r)),
                None => (r, r),
            });
        }
    }

    /// Add the sums of `later` (another tally's), whose model `i` is this one's `models[i]`.
    pub(super) fn merge(&mut self, later: RecordedCosts, models: &[u16]) {
        self.without += later.without;
        for (i, s) in later.models.into_iter().enumerate() {
            let t = self.sums(models[i]);
            t.rows += s.rows;
            t.recorded += s.recorded;
            t.priced += s.priced;
            for k in 0..Mistake::ALL.len() {
                t.mistaken[k] += s.mistaken[k];
                t.applies[k] |= s.applies[k];
            }
            t.ratio = match (t.ratio, s.ratio) {
                (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                (a, b) => a.or(b),
            };
            for b in 0..Bucket::ALL.len() {
                t.tokens[b] += s.tokens[b];
                t.priced_by[b] += s.priced_by[b];
                t.recorded_by[b] += s.recorded_by[b];
                for c in 0..Bucket::ALL.len() {
                    t.priced_as[b][c] += s.priced_as[b][c];
                }
            }
            t.typed |= s.typed;
        }
        if self.report.is_none() {
            self.report = later.report;
        }
        for (item, (usd, why)) in later.unmatched {
            let e = self.unmatched.entry(item).or_insert((0.0, why));
            e.0 += usd;
        }
    }

    /// The comparison, when any row recorded a cost or a cost report was given; `names` are
    /// the model ids by index.
    pub(super) fn section(&self, names: &[String]) -> Option<RecordedCost> {
        let rows: u64 = self.models.iter().map(|s| s.rows).sum();
        if rows == 0 && self.report.is_none() {
            return None;
        }
        let aggregated = self.report.is_some();
        let mut by_model: Vec<RecordedCostRow> = self
            .models
            .iter()
            .enumerate()
            .filter(|(_, s)| s.rows > 0)
            .map(|(i, s)| model_row(names.get(i).cloned().unwrap_or_default(), s, aggregated))
            .collect();
        by_model.sort_by(|a, b| {
            b.difference_usd
                .abs()
                .total_cmp(&a.difference_usd.abs())
                .then(a.model.cmp(&b.model))
        });
        let unmatched: Vec<UnmatchedCost> = self
            .unmatched
            .iter()
            .map(|(item, (usd, reason))| UnmatchedCost {
                item: item.clone(),
                recorded_usd: *usd,
                reason: reason.clone(),
            })
            .collect();
        let recorded_usd: f64 = self.models.iter().map(|s| s.recorded).sum::<f64>()
            + unmatched.iter().map(|u| u.recorded_usd).sum::<f64>();
        let priced_usd: f64 = self.models.iter().map(|s| s.priced).sum();
        Some(RecordedCost {
            rows,
            rows_without_cost: self.without,
            recorded_usd,
            priced_usd,
            difference_usd: recorded_usd - priced_usd,
            by_model,
            cost_report: self.report.clone(),
            unmatched,
        })
    }
}

/// Whether two totals of `rows` rows agree: within 0.5% of the larger, or a millionth of a
/// dollar per row (trackers round each row's cost).
fn agree(a: f64, b: f64, rows: u64) -> bool {
    (a - b).abs() <= 0.005 * a.abs().max(b.abs()) + 1e-6 * rows as f64
}

/// One model's row: its sums and the likely cause of a difference; `aggregated` when the
/// recorded costs are a cost report's totals, not per row.
fn model_row(model: String, s: &ModelSums, aggregated: bool) -> RecordedCostRow {
    let difference_usd = s.recorded - s.priced;
    let difference_share = if s.priced > 0.0 {
        difference_usd / s.priced
    } else {
        0.0
    };
    let (cause, explanation) = if aggregated {
        aggregated_cause(s)
    } else {
        cause(s)
    };
    let by_token_type = if s.typed { token_types(s) } else { Vec::new() };
    RecordedCostRow {
        model,
        rows: s.rows,
        recorded_usd: s.recorded,
        priced_usd: s.priced,
        difference_usd,
        difference_share,
        cause,
        explanation,
        by_token_type,
    }
}

/// The likely cause of a difference between a cost report's total for a model and the price
/// of its usage: a pricing mistake when one fits the totals, else the ratio of the two.
fn aggregated_cause(s: &ModelSums) -> (String, String) {
    if s.recorded == 0.0 && !agree(s.recorded, s.priced, s.rows) {
        return (
            "not_in_cost_report".into(),
            "the cost report has no cost of this model in the usage's days (a report not grouped \
             by line item or description names no model: see the unmatched costs)"
                .into(),
        );
    }
    let mut t = s.clone();
    t.ratio = (s.priced > 0.0).then(|| (s.recorded / s.priced, s.recorded / s.priced));
    let (cause, explanation) = cause(&t);
    match cause.as_str() {
        "constant_factor" => (
            "different_rate".into(),
            format!(
                "the cost report records {:.3}x tokencast's price of the usage and no single \
                 pricing mistake explains it: a different rate (a discount, a price change, or \
                 a stale catalog entry)",
                s.recorded / s.priced
            ),
        ),
        _ => (cause, explanation),
    }
}

/// Per token type: what the cost report records against the price, and what a difference
/// amounts to (another token type's rate, or a rate per million).
fn token_types(s: &ModelSums) -> Vec<TokenTypeCost> {
    COMPARED
        .iter()
        .filter(|b| s.tokens[b.index()] > 0 || s.recorded_by[b.index()] != 0.0)
        .map(|b| {
            let i = b.index();
            let (tokens, recorded, priced) = (s.tokens[i], s.recorded_by[i], s.priced_by[i]);
            let per_m = |usd: f64| usd / tokens as f64 * 1e6;
            let note = if agree(recorded, priced, 1) {
                "matches".to_string()
            } else if tokens == 0 {
                "the cost report records a cost for tokens the usage does not show".to_string()
            } else if recorded == 0.0 {
                "not in the cost report".to_string()
            } else {
                match COMPARED
                    .iter()
                    .filter(|c| *c != b && s.priced_as[i][c.index()].is_finite())
                    .find(|c| agree(recorded, s.priced_as[i][c.index()], 1))
                {
                    Some(c) => format!(
                        "recorded at the {} rate (${:.4} per million) where the provider's {} \
                         rate is ${:.4} per million",
                        c.name(),
                        per_m(recorded),
                        b.name(),
                        per_m(priced)
                    ),
                    None => format!(
                        "recorded at ${:.4} per million where the provider's rate is ${:.4} per \
                         million",
                        per_m(recorded),
                        per_m(priced)
                    ),
                }
            };
            TokenTypeCost {
                token_type: b.name().to_string(),
                tokens,
                recorded_usd: recorded,
                priced_usd: priced,
                difference_usd: recorded - priced,
                note,
            }
        })
        .collect()
}

/// The likely cause of a model's difference, by name and in words.
fn cause(s: &ModelSums) -> (String, String) {
    if agree(s.recorded, s.priced, s.rows) {
        return (
            "matches".into(),
            "the recorded cost matches the provider's price".into(),
        );
    }
    if s.recorded == 0.0 {
        return (
            "not_priced".into(),
            "the source recorded no cost for these rows: the model is missing from its price map"
                .into(),
        );
    }
    // The mistake that changes the price and comes closest to what was recorded.
    let best = Mistake::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| s.applies[*i] && !agree(s.mistaken[*i], s.priced, s.rows))
        .filter(|(i, _)| agree(s.recorded, s.mistaken[*i], s.rows))
        .min_by(|(i, _), (j, _)| {
            (s.recorded - s.mistaken[*i])
                .abs()
                .total_cmp(&(s.recorded - s.mistaken[*j]).abs())
        });
    if let Some((i, m)) = best {
        return (
            m.name().into(),
            format!(
                "{} (priced that way these rows come to ${:.6})",
                m.words(),
                s.mistaken[i]
            ),
        );
    }
    match s.ratio {
        Some((lo, hi)) if hi <= lo * 1.01 => (
            "constant_factor".into(),
            format!(
                "every row is recorded at {:.3}x the provider's price: the source prices this \
                 model at a different rate (a stale or custom price in its price map)",
                (lo + hi) / 2.0
            ),
        ),
        Some((lo, hi)) => (
            "unexplained".into(),
            format!(
                "rows are recorded at between {lo:.3}x and {hi:.3}x the provider's price; no \
                 single pricing mistake explains it"
            ),
        ),
        None => (
            "unexplained".into(),
            "the provider's price of these rows is $0 but the source recorded a cost".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::Catalog;

    /// Tokens of a row: uncached input, 5m writes, 1h writes, reads, output.
    fn tokens(input: u64, w5: u64, w1: u64, read: u64, out: u64) -> [u64; Bucket::ALL.len()] {
        let mut t = [0u64; Bucket::ALL.len()];
        t[Bucket::Input.index()] = input;
        t[Bucket::CacheWrite5m.index()] = w5;
        t[Bucket::CacheWrite1h.index()] = w1;
        t[Bucket::CacheRead.index()] = read;
        t[Bucket::Output.index()] = out;
        t
    }

    /// Claude Sonnet 4.6: input $3, 5m write $3.75, 1h write $6, read $0.30, output $15 per
    /// million. A row of 1,000 input, 4,000 5m writes, 2,000 1h writes, 10,000 reads, 500
    /// output costs 0.003 + 0.015 + 0.012 + 0.003 + 0.0075 = 0.0405; each mistake prices it
    /// as written below, and a source recording that figure is diagnosed with that mistake.
    #[test]
    fn each_pricing_mistake_is_recognised_from_hand_computed_totals() {
        let c = Catalog::builtin();
        let p = c.get("claude-sonnet-4-6").unwrap();
        let t = tokens(1000, 4000, 2000, 10_000, 500);
        let (std, base) = (ServiceTier::Standard, PriceTier::Base);
        let priced = 0.003 + 0.015 + 0.012 + 0.003 + 0.0075;
        let cases = [
            // writes at $3: 0.003 + 0.018 + 0.003 + 0.0075
            (0.0315, "cache_writes_as_input"),
            // writes dropped: 0.003 + 0.003 + 0.0075
            (0.0135, "cache_writes_unpriced"),
            // 1h writes at $3.75: 0.003 + 0.015 + 0.0075 + 0.003 + 0.0075
            (0.036, "cache_writes_1h_at_5m"),
            // reads at $3: 0.003 + 0.015 + 0.012 + 0.03 + 0.0075
            (0.0675, "cache_reads_as_input"),
            // every row at 1.2x: a different price
            (priced * 1.2, "constant_factor"),
            (priced, "matches"),
            (0.0, "not_priced"),
        ];
        for (recorded, cause) in cases {
            let mut rc = RecordedCosts::default();
            for _ in 0..3 {
                rc.add(0, recorded, priced, &t, p, std, base);
            }
            let s = rc.section(&["claude-sonnet-4-6".into()]).unwrap();
            let row = &s.by_model[0];
            assert_eq!(row.cause, cause, "{recorded}: {}", row.explanation);
            assert!((row.priced_usd - 3.0 * priced).abs() < 1e-12);
            assert!((row.difference_usd - 3.0 * (recorded - priced)).abs() < 1e-12);
        }
    }

    /// Batch and long-context mistakes: gpt-4o-mini's batch rates are half its standard
    /// rates ($0.075 / $0.30 per million against $0.15 / $0.60).
    #[test]
    fn a_missed_batch_discount_is_recognised() {
        let c = Catalog::builtin();
        let p = c.get("gpt-4o-mini").unwrap();
        let t = tokens(100_000, 0, 0, 0, 10_000);
        let batch = 100_000.0 * 0.075e-6 + 10_000.0 * 0.3e-6;
        let standard = 100_000.0 * 0.15e-6 + 10_000.0 * 0.6e-6;
        let mut rc = RecordedCosts::default();
        rc.add(
            0,
            standard,
            batch,
            &t,
            p,
            ServiceTier::Batch,
            PriceTier::Base,
        );
        let s = rc.section(&["gpt-4o-mini".into()]).unwrap();
        assert_eq!(s.by_model[0].cause, "batch_discount_missed");
        // Rows differing by varying factors are not given a single cause.
        let mut rc = RecordedCosts::default();
        let std = ServiceTier::Standard;
        rc.add(0, standard * 1.5, standard, &t, p, std, PriceTier::Base);
        rc.add(0, standard * 0.7, standard, &t, p, std, PriceTier::Base);
        let s = rc.section(&["gpt-4o-mini".into()]).unwrap();
        assert_eq!(s.by_model[0].cause, "unexplained");
        assert!(RecordedCosts::default().section(&[]).is_none());
    }
}
