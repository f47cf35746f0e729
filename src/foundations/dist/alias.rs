//! Walker/Vose alias tables: draw from a finite discrete distribution with one `u64` per draw.
//!
//! `Empirical` tables and `Zipf` with a small `n` are drawn this way by the [`Sampler`]: building
//! the table costs `O(n)` once, a draw is one multiplication and one comparison, whatever the
//! weights.
//!
//! [`Sampler`]: super::Sampler

use std::sync::Arc;

use rand::Rng;

/// One slot of an alias table: a draw that lands in this slot yields `value` if the low 64 bits
/// of its random number are below `threshold`, and `alias_value` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Slot {
    pub(super) threshold: u64,
    pub(super) value: f64,
    pub(super) alias_value: f64,
}

/// Builds a Walker/Vose alias table from `(value, weight)` pairs with positive weights.
pub(super) fn alias_table(entries: &[(f64, f64)]) -> Arc<[Slot]> {
    let n = entries.len();
    let total: f64 = entries.iter().map(|(_, w)| w).sum();
    // Scaled so that the average entry is 1.
    let mut scaled: Vec<f64> = entries.iter().map(|(_, w)| w / total * n as f64).collect();
    let mut slots: Vec<Slot> = entries
        .iter()
        .map(|(v, _)| Slot {
            threshold: u64::MAX,
            value: *v,
            alias_value: *v,
        })
        .collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        // Slot `s` keeps its own value with probability scaled[s]; the rest goes to `l`.
        slots[s].threshold = (scaled[s] * 18_446_744_073_709_551_616.0) as u64;
        slots[s].alias_value = entries[l].0;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // Whatever is left (in either list, from float rounding) has scaled weight ~1 and keeps
    // threshold u64::MAX: it always yields its own value.
    slots.into()
}

/// One draw from an alias table: the high part of `u * n` picks the slot, the low 64 bits are
/// the (independent, up to n / 2^64) coin for the slot's threshold.
#[inline]
pub(super) fn alias_draw<R: Rng + ?Sized>(slots: &[Slot], rng: &mut R) -> f64 {
    let wide = u128::from(rng.next_u64()) * slots.len() as u128;
    // `wide >> 64 < slots.len()` because the random number is below 2^64.
    let slot = &slots[(wide >> 64) as usize];
    if (wide as u64) < slot.threshold {
        slot.value
    } else {
        slot.alias_value
    }
}
