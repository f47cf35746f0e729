//! Prices LiteLLM does not list, derived from the tier they refine (see "Derived prices" in the
//! module docs of [`super`]): a tier's rates from its slots with the gaps scaled from a reference
//! tier, and the long-context tier at the lowest threshold.

use std::collections::BTreeSet;

use super::{
    IN, ImportStats, OUT, READ, REASONING, RawPrices, Slots, WRITE_1H, WRITE_5M, WRITE_24H,
};
use crate::foundations::pricing::billing::ServiceTier;
use crate::foundations::pricing::model_price::{LongContextTier, Rates};

/// The long-context tier at the lowest threshold the entry lists (the others are counted in
/// [`ImportStats::ignored_thresholds`]); `None` without a threshold, or when the tier has neither
/// an input nor an output price. Missing batch/flex prices are derived (see the module docs).
pub(super) fn long_context_tier(
    raw: &RawPrices,
    standard: &Rates,
    batch: &Option<Rates>,
    flex: &Option<Rates>,
    stats: &mut ImportStats,
) -> Option<LongContextTier> {
    let thresholds: BTreeSet<u64> = raw.keys().filter_map(|&(_, t)| t).collect();
    let derived = &mut stats.derived_prices;
    let mut long_context = None;
    if let Some(&above) = thresholds.first() {
        stats.ignored_thresholds += thresholds.len() - 1;
        let lc = |service| raw.get(&(service, Some(above)));
        if let Some(lc_standard) = tier(lc(ServiceTier::Standard), standard, derived) {
            let mut lc_tier = |service, base_tier: &Option<Rates>| {
                tier(lc(service), &lc_standard, derived).or_else(|| {
                    base_tier
                        .as_ref()
                        .map(|b| derive_tier(&lc_standard, standard, b, derived))
                })
            };
            let lc_batch = lc_tier(ServiceTier::Batch, batch);
            let lc_flex = lc_tier(ServiceTier::Flex, flex);
            long_context = Some(LongContextTier {
                above_input_tokens: above,
                standard: lc_standard,
                batch: lc_batch,
                flex: lc_flex,
            });
        } else {
            stats.ignored_thresholds += 1;
        }
    }
    long_context
}

/// Rates with every optional field from `slots` (input/output filled by the caller).
pub(super) fn rates_from(slots: &Slots) -> Rates {
    Rates {
        input: slots[IN].unwrap_or(0.0),
        output: slots[OUT].unwrap_or(0.0),
        reasoning: slots[REASONING],
        cache_read: slots[READ],
        cache_write_5m: slots[WRITE_5M],
        // LiteLLM has no field of its own for these: an OpenAI GPT-5.6-style entry's writes
        // move here from the 5m and 24h slots (`super::cache_rules::breakpoint_rates`).
        cache_write_30m: None,
        cache_write_1h: slots[WRITE_1H],
        cache_write_12h: None,
        cache_write_24h: slots[WRITE_24H],
    }
}

/// `reference` with prompt-side prices × `in_ratio` and output-side × `out_ratio`.
fn scale(reference: &Rates, in_ratio: f64, out_ratio: f64) -> Rates {
    let p = |x: f64| round_sig(x * in_ratio);
    let o = |x: f64| round_sig(x * out_ratio);
    Rates {
        input: p(reference.input),
        output: o(reference.output),
        reasoning: reference.reasoning.map(o),
        cache_read: reference.cache_read.map(p),
        cache_write_5m: reference.cache_write_5m.map(p),
        cache_write_30m: reference.cache_write_30m.map(p),
        cache_write_1h: reference.cache_write_1h.map(p),
        cache_write_12h: reference.cache_write_12h.map(p),
        cache_write_24h: reference.cache_write_24h.map(p),
    }
}

/// (input ratio, output ratio) of a tier's prices to its reference; each falls back to the
/// other, then to 1.
fn ratios(input: Option<f64>, output: Option<f64>, reference: &Rates) -> (f64, f64) {
    let ratio = |own: Option<f64>, base: f64| own.filter(|_| base > 0.0).map(|x| x / base);
    let i = ratio(input, reference.input);
    let o = ratio(output, reference.output);
    (i.or(o).unwrap_or(1.0), o.or(i).unwrap_or(1.0))
}

/// A tier's rates from its LiteLLM slots, prices it lacks derived from `reference`. `None` when
/// the tier has neither an input nor an output price.
pub(super) fn tier(slots: Option<&Slots>, reference: &Rates, derived: &mut usize) -> Option<Rates> {
    let s = slots?;
    if s[IN].is_none() && s[OUT].is_none() {
        return None;
    }
    let (in_ratio, out_ratio) = ratios(s[IN], s[OUT], reference);
    let d = scale(reference, in_ratio, out_ratio);
    let mut pick = |own: Option<f64>, fallback: Option<f64>| match own {
        Some(x) => Some(x),
        None => {
            *derived += usize::from(fallback.is_some());
            fallback
        }
    };
    Some(Rates {
        input: pick(s[IN], Some(d.input)).unwrap_or(d.input),
        output: pick(s[OUT], Some(d.output)).unwrap_or(d.output),
        reasoning: pick(s[REASONING], d.reasoning),
        cache_read: pick(s[READ], d.cache_read),
        cache_write_5m: pick(s[WRITE_5M], d.cache_write_5m),
        cache_write_30m: pick(None, d.cache_write_30m),
        cache_write_1h: pick(s[WRITE_1H], d.cache_write_1h),
        cache_write_12h: pick(None, d.cache_write_12h),
        cache_write_24h: pick(s[WRITE_24H], d.cache_write_24h),
    })
}

/// A long-context batch/flex tier LiteLLM omits: the long-context standard prices with the base
/// tier's discount.
fn derive_tier(
    lc_standard: &Rates,
    base_standard: &Rates,
    base_tier: &Rates,
    derived: &mut usize,
) -> Rates {
    let (in_ratio, out_ratio) =
        ratios(Some(base_tier.input), Some(base_tier.output), base_standard);
    let r = scale(lc_standard, in_ratio, out_ratio);
    *derived += 2 + [
        r.reasoning,
        r.cache_read,
        r.cache_write_5m,
        r.cache_write_30m,
        r.cache_write_1h,
        r.cache_write_12h,
        r.cache_write_24h,
    ]
    .iter()
    .filter(|x| x.is_some())
    .count();
    r
}

/// Round to 12 significant digits (derived prices: hides `x * ratio` float noise).
fn round_sig(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use crate::foundations::pricing::{CacheKind, Catalog, Ttl};

    #[test]
    fn several_thresholds_keep_the_lowest() {
        let text = r#"{"m": {"mode": "chat", "litellm_provider": "kyma",
            "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
            "input_cost_per_token_above_256k_tokens": 4e-6, "output_cost_per_token_above_256k_tokens": 8e-6,
            "input_cost_per_token_above_32k_tokens": 2e-6, "output_cost_per_token_above_32k_tokens": 4e-6}}"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        let lc = c.get("m").unwrap().long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 32_000);
        assert_eq!(lc.standard.input, 2.0);
        assert_eq!(stats.ignored_thresholds, 1);
        // No cached-read price: caching off.
        assert_eq!(c.get("m").unwrap().cache.kind, CacheKind::None);
    }

    #[test]
    fn long_context_batch_derived_from_base_discount() {
        let text = r#"{"claude-x": {"mode": "chat", "litellm_provider": "anthropic",
            "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5,
            "cache_read_input_token_cost": 3e-7, "cache_creation_input_token_cost": 3.75e-6,
            "input_cost_per_token_batches": 1.5e-6, "output_cost_per_token_batches": 7.5e-6,
            "input_cost_per_token_above_200k_tokens": 6e-6, "output_cost_per_token_above_200k_tokens": 2.25e-5}}"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        let m = c.get("claude-x").unwrap();
        let lc = m.long_context.as_ref().unwrap();
        // Missing long-context cache prices scale with the long-context input ratio (2x).
        assert_eq!(lc.standard.cache_read, Some(0.6));
        assert_eq!(lc.standard.cache_write_5m, Some(7.5));
        // Missing long-context batch tier: long-context prices at the base batch discount.
        let lb = lc.batch.as_ref().unwrap();
        assert_eq!(
            (lb.input, lb.output, lb.cache_read),
            (3.0, 11.25, Some(0.3))
        );
        // Base batch: cache read 0.15, write 1.875 derived; no 1h price anywhere.
        let b = m.batch.as_ref().unwrap();
        assert_eq!(
            (b.cache_read, b.cache_write_5m, b.cache_write_1h),
            (Some(0.15), Some(1.875), None)
        );
        assert_eq!(m.cache.ttls, [Ttl::M5]);
        assert_eq!(stats.derived_prices, 2 + 2 + 4);
    }
}
