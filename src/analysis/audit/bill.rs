//! A row's cost from its tokens per bucket: what the audit's tally and its recorded-cost
//! comparison both price with (a leaf, so neither imports the other).

use crate::foundations::pricing::{Bucket, ModelPrice, PriceTier, ServiceTier};

/// The row's cost: its tokens at the model's rates, bucket by bucket, in bucket order; the
/// first bucket the row uses that has no price is the error.
#[inline]
pub(super) fn bill(
    tokens: &[u64; Bucket::ALL.len()],
    price: &ModelPrice,
    service: ServiceTier,
    tier: PriceTier,
) -> Result<f64, Bucket> {
    let mut cost = 0.0;
    for b in Bucket::ALL {
        let t = tokens[b.index()];
        if t == 0 {
            continue;
        }
        let rate = price.rate_per_token(service, tier, b).ok_or(b)?;
        cost += t as f64 * rate;
    }
    Ok(cost)
}
