//! The compiled form of a [`Dist`]: [`Dist::sampler`] builds a [`Sampler`] once, and the engine
//! draws from it millions of times per second.
//!
//! This is the hottest code of the engine. A draw is a `match` on the small `Kind` enum holding
//! prebuilt `rand_distr` objects or an alias table: no allocation and no dynamic dispatch per
//! draw. The integer draws ([`Sampler::sample_count`], [`Sampler::sample_ms`]) are inlined at
//! every call site for the common distributions, and their rounding rule lives here.

use std::fmt;
use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Poisson, Uniform, Zipf, ZipfError};

use super::Dist;
use super::alias::{Slot, alias_draw, alias_table};
use super::moments::lognormal_params;

/// Largest `Zipf` `n` drawn from a precomputed alias table (at most 96 KiB) rather than by
/// rejection sampling, which costs two `powf` per try.
const ZIPF_TABLE_MAX_N: u64 = 4096;

/// A precompiled sampler for one [`Dist`], built by [`Dist::sampler`].
///
/// Holds prebuilt `rand_distr` objects (or a precomputed table); a draw is a `match` on a
/// small enum and never allocates. Cloning is cheap (tables are shared, not copied).
///
/// How each distribution is drawn (this fixes the random stream a seed produces):
/// `Uniform`, `Normal`, `LogNormal`, `Exponential`, `Gamma`, `Poisson` and `Zipf` with
/// `n > 4096` use `rand_distr`; `Geometric` is inverse-CDF from one uniform draw;
/// `Empirical` and `Zipf` with `n <= 4096` use a Walker/Vose alias table that consumes
/// exactly one `u64` per draw; constant samplers consume nothing.
#[derive(Debug, Clone)]
pub struct Sampler {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Every draw is `value`; `count` and `ms` are its precomputed integer forms.
    Constant {
        value: f64,
        count: u64,
        ms: u64,
    },
    Uniform(Uniform<f64>),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Gamma(Gamma<f64>),
    /// Inverse CDF: `floor(ln(U) / ln_q) + 1` with `U` uniform on `(0, 1]` and
    /// `ln_q = ln(1 - p)`; exact up to float rounding, one uniform draw per sample.
    Geometric {
        ln_q: f64,
    },
    Poisson(Poisson<f64>),
    /// `n` clamps the draw, guarding against float rounding at the top rank.
    Zipf {
        zipf: Zipf<f64>,
        n: f64,
    },
    /// Alias table (for `Empirical`, and `Zipf` with small `n`).
    Table(Arc<[Slot]>),
}

impl Kind {
    /// A sampler whose every draw is `value`, without touching the RNG.
    fn constant(value: f64) -> Kind {
        Kind::Constant {
            value,
            count: round_to_count(value),
            ms: round_to_count(value * 1000.0),
        }
    }

    /// `Geometric`: constant 1 when `mean == 1`, else the inverse-CDF form.
    fn geometric(mean: f64) -> Kind {
        if mean == 1.0 {
            Kind::constant(1.0)
        } else {
            // ln(1 - p), computed accurately for small p; < 0 since mean > 1.
            Kind::Geometric {
                ln_q: (-1.0 / mean).ln_1p(),
            }
        }
    }

    /// `Zipf`: constant 1 for a single rank, an alias table up to [`ZIPF_TABLE_MAX_N`] ranks,
    /// rejection sampling (`rand_distr`) beyond.
    fn zipf(n: u64, s: f64) -> Result<Kind, ZipfError> {
        Ok(if n == 1 {
            Kind::constant(1.0)
        } else if n <= ZIPF_TABLE_MAX_N {
            let ranks: Vec<(f64, f64)> = (1..=n).map(|k| (k as f64, (k as f64).powf(-s))).collect();
            Kind::Table(alias_table(&ranks))
        } else {
            let n = n as f64;
            Kind::Zipf {
                zipf: Zipf::new(n, s)?,
                n,
            }
        })
    }

    /// `Empirical`: an alias table over the values with a positive weight, or a constant when
    /// those values are all equal.
    fn empirical(values: &[f64], weights: &[f64]) -> Kind {
        let kept: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(v, w)| (*v, *w))
            .collect();
        let first = kept.first().map_or(0.0, |(v, _)| *v);
        if kept.iter().all(|(v, _)| *v == first) {
            Kind::constant(first)
        } else {
            Kind::Table(alias_table(&kept))
        }
    }
}

impl Dist {
    /// Builds the fast sampler.
    ///
    /// Call after [`Dist::validate`] succeeded; on invalid parameters this returns the same
    /// `Err(message)` as `validate` instead of panicking.
    pub fn sampler(&self) -> Result<Sampler, String> {
        self.validate()?;
        let name = self.name();
        let lib_err = |e: &dyn fmt::Display| format!("{name}: {e}");
        let kind = match self {
            Dist::Fixed(value) => Kind::constant(*value),
            Dist::Uniform { min, max } => {
                if min == max {
                    Kind::constant(*min)
                } else {
                    Kind::Uniform(Uniform::new(*min, *max).map_err(|e| lib_err(&e))?)
                }
            }
            Dist::Normal { mean, sd } => {
                if *sd == 0.0 {
                    Kind::constant(*mean)
                } else {
                    Kind::Normal(Normal::new(*mean, *sd).map_err(|e| lib_err(&e))?)
                }
            }
            Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = lognormal_params(*median, *p90);
                Kind::LogNormal(LogNormal::new(mu, sigma).map_err(|e| lib_err(&e))?)
            }
            Dist::Exponential { mean } => {
                Kind::Exponential(Exp::new(1.0 / mean).map_err(|e| lib_err(&e))?)
            }
            Dist::Gamma { shape, scale } => {
                Kind::Gamma(Gamma::new(*shape, *scale).map_err(|e| lib_err(&e))?)
            }
            Dist::Geometric { mean } => Kind::geometric(*mean),
            Dist::Poisson { mean } => {
                if *mean == 0.0 {
                    Kind::constant(0.0)
                } else {
                    Kind::Poisson(Poisson::new(*mean).map_err(|e| lib_err(&e))?)
                }
            }
            Dist::Zipf { n, s } => Kind::zipf(*n, *s).map_err(|e| lib_err(&e))?,
            Dist::Empirical { values, weights } => Kind::empirical(values, weights),
        };
        Ok(Sampler { kind })
    }
}

impl Sampler {
    /// One real-valued draw, in the unit of the distribution's parameters.
    ///
    /// Discrete distributions (`Geometric`, `Poisson`, `Zipf`) return whole numbers.
    /// A constant sampler (see [`Sampler::is_constant`]) does not touch `rng`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.kind {
            Kind::Constant { value, .. } => *value,
            Kind::Uniform(d) => d.sample(rng),
            Kind::Normal(d) => d.sample(rng),
            Kind::LogNormal(d) => d.sample(rng),
            Kind::Exponential(d) => d.sample(rng),
            Kind::Gamma(d) => d.sample(rng),
            Kind::Geometric { ln_q } => geometric(*ln_q, rng) as f64,
            Kind::Poisson(d) => d.sample(rng),
            Kind::Zipf { zipf, n } => zipf.sample(rng).min(*n),
            Kind::Table(slots) => alias_draw(slots, rng),
        }
    }

    /// A non-negative integer draw, for token counts and other counts.
    ///
    /// Rule: the real draw is rounded to the nearest integer (halves away from zero, so 2.5
    /// becomes 3), then clamped to `[min, u64::MAX]`: anything below `min` (including negative
    /// draws of a `Normal`) becomes `min`, anything above `u64::MAX` becomes `u64::MAX`.
    /// The distribution's analytic [`Dist::mean`] is before this rounding and clamping.
    #[inline(always)]
    pub fn sample_count<R: Rng + ?Sized>(&self, rng: &mut R, min: u64) -> u64 {
        // Inlined at every call site, so each site's branch learns its own distribution; the
        // usual size distributions are drawn here, the rest out of line.
        let count = match &self.kind {
            Kind::Constant { count, .. } => *count,
            Kind::LogNormal(d) => round_to_count(d.sample(rng)),
            _ => self.sample_count_other(rng),
        };
        count.max(min)
    }

    #[inline(never)]
    fn sample_count_other<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match &self.kind {
            Kind::Geometric { ln_q } => geometric(*ln_q, rng),
            _ => round_to_count(self.sample(rng)),
        }
    }

    /// A duration draw: the real draw is taken as seconds and converted to whole milliseconds,
    /// rounded to nearest (halves away from zero) and clamped to `[0, u64::MAX]`.
    #[inline(always)]
    pub fn sample_ms<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match &self.kind {
            Kind::Constant { ms, .. } => *ms,
            Kind::LogNormal(d) => round_to_count(d.sample(rng) * 1000.0),
            _ => self.sample_ms_other(rng),
        }
    }

    #[inline(never)]
    fn sample_ms_other<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        round_to_count(self.sample(rng) * 1000.0)
    }

    /// `Some(value)` if every draw is `value` (`Fixed`, or a degenerate case such as
    /// `Uniform(min == max)`, `Normal(sd: 0)`, `Geometric(mean: 1)`, `Poisson(mean: 0)`,
    /// `Zipf(n: 1)`, or an `Empirical` whose drawable values are all equal). Such a sampler never
    /// touches the RNG, so hot loops may skip it entirely without changing any random stream.
    #[inline]
    pub fn is_constant(&self) -> Option<f64> {
        match self.kind {
            Kind::Constant { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Rounds to the nearest integer, halves away from zero, saturating into `[0, u64::MAX]`
/// (NaN gives 0). Equal to `x.round()` clamped and cast, without a libm call or a branch.
#[inline]
fn round_to_count(x: f64) -> u64 {
    // Below 2^63 (every real count), the signed conversions are single instructions where the
    // unsigned ones take several on x86-64, and they give the same truncation.
    if (0.0..9_223_372_036_854_775_808.0).contains(&x) {
        let t = x as i64;
        return t as u64 + u64::from(x - t as f64 >= 0.5);
    }
    // `as` truncates towards zero and saturates (negative and NaN give 0). For every x whose
    // truncation is exact (x < 2^64), `x - t` is the exact fractional part.
    let t = x as u64;
    t.saturating_add(u64::from(x - t as f64 >= 0.5))
}

/// A `Geometric` draw on `{1, 2, ...}` by inverse CDF: `P(floor(ln U / ln q) >= k) = q^k`.
#[inline]
fn geometric<R: Rng + ?Sized>(ln_q: f64, rng: &mut R) -> u64 {
    // `random` is in [0, 1), so `u` is in (0, 1] and `ln(u) / ln_q` is finite and >= 0.
    let u = 1.0 - rng.random::<f64>();
    ((u.ln() / ln_q) as u64).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::dist::moments::harmonic;
    use crate::foundations::dist::tests::{DRAWS, examples, rng, sampler, valid_dist};
    use proptest::prelude::*;

    #[test]
    fn sample_mean_and_variance_match_analytic_values() {
        for (i, d) in examples().into_iter().enumerate() {
            let s = sampler(&d);
            let mut r = rng(1000 + i as u64);
            let xs: Vec<f64> = (0..DRAWS).map(|_| s.sample(&mut r)).collect();
            let n = DRAWS as f64;
            let mean_hat = xs.iter().sum::<f64>() / n;
            let var_hat = xs.iter().map(|x| (x - mean_hat).powi(2)).sum::<f64>() / (n - 1.0);
            let (mean, var) = (d.mean(), d.variance());
            // Tolerance: 5 standard errors of the mean.
            let tol = 5.0 * (var / n).sqrt() + 1e-12 * mean.abs();
            assert!(
                (mean_hat - mean).abs() <= tol,
                "{d:?}: sample mean {mean_hat} vs {mean} (tol {tol})"
            );
            // Variance within 10%. Not for Zipf: its power-law tail makes the sample variance
            // far too noisy; `zipf_variance_matches_direct_sums` checks it exactly instead.
            let zipf = matches!(d, Dist::Zipf { .. });
            assert!(
                zipf || (var_hat - var).abs() <= 0.1 * var + 1e-12,
                "{d:?}: sample variance {var_hat} vs {var}"
            );
        }
    }

    #[test]
    fn lognormal_median_and_p90_match_parameters() {
        for (median, p90) in [(60.0, 200.0), (1.5, 1.6), (2000.0, 90_000.0)] {
            let s = sampler(&Dist::LogNormal { median, p90 });
            let mut r = rng(7);
            let mut xs: Vec<f64> = (0..DRAWS).map(|_| s.sample(&mut r)).collect();
            xs.sort_by(f64::total_cmp);
            let q = |p: f64| xs[(p * DRAWS as f64) as usize];
            assert!(
                (q(0.5) / median - 1.0).abs() < 0.02,
                "median {} vs {median}",
                q(0.5)
            );
            assert!((q(0.9) / p90 - 1.0).abs() < 0.02, "p90 {} vs {p90}", q(0.9));
            assert!(xs[0] > 0.0);
        }
    }

    #[test]
    fn geometric_starts_at_one_with_probability_one_over_mean() {
        for mean in [1.2, 4.0, 1000.0] {
            let s = sampler(&Dist::Geometric { mean });
            let mut r = rng(11);
            let xs: Vec<u64> = (0..DRAWS).map(|_| s.sample_count(&mut r, 0)).collect();
            assert_eq!(xs.iter().min(), Some(&1), "mean {mean}");
            let p = 1.0 / mean;
            let ones = xs.iter().filter(|&&x| x == 1).count() as f64 / DRAWS as f64;
            let tol = 5.0 * (p * (1.0 - p) / DRAWS as f64).sqrt();
            assert!((ones - p).abs() <= tol, "mean {mean}: P(1) {ones} vs {p}");
            // sample() and sample_count() agree for integer-valued draws.
            let mut r1 = rng(12);
            let mut r2 = rng(12);
            for _ in 0..1000 {
                assert_eq!(s.sample(&mut r1) as u64, s.sample_count(&mut r2, 0));
            }
        }
    }

    #[test]
    fn discrete_draws_are_whole_numbers_in_support() {
        let zipf = Dist::Zipf { n: 1000, s: 1.1 };
        let s = sampler(&zipf);
        let mut r = rng(3);
        let mut top = 0usize;
        for _ in 0..DRAWS {
            let x = s.sample(&mut r);
            assert!(
                (1.0..=1000.0).contains(&x) && x.fract() == 0.0,
                "zipf draw {x}"
            );
            top += usize::from(x == 1.0);
        }
        let p1 = 1.0 / harmonic(1000, 1.1);
        let f1 = top as f64 / DRAWS as f64;
        assert!(
            (f1 - p1).abs() <= 5.0 * (p1 * (1.0 - p1) / DRAWS as f64).sqrt(),
            "{f1} vs {p1}"
        );

        for mean in [2.5, 400.0] {
            let s = sampler(&Dist::Poisson { mean });
            let mut r = rng(4);
            for _ in 0..10_000 {
                let x = s.sample(&mut r);
                assert!(x >= 0.0 && x.fract() == 0.0, "poisson draw {x}");
            }
        }
    }

    #[test]
    fn empirical_frequencies_match_weights() {
        let values = vec![10.0, 20.0, 30.0, 40.0, 50.0];
        let weights = vec![3.0, 0.0, 1.0, 5.0, 1.0];
        let s = sampler(&Dist::Empirical {
            values: values.clone(),
            weights: weights.clone(),
        });
        let mut r = rng(5);
        let mut counts = [0usize; 5];
        for _ in 0..DRAWS {
            let x = s.sample(&mut r);
            let i = values
                .iter()
                .position(|v| *v == x)
                .expect("draw is one of the values");
            counts[i] += 1;
        }
        let total: f64 = weights.iter().sum();
        for (i, w) in weights.iter().enumerate() {
            let p = w / total;
            let f = counts[i] as f64 / DRAWS as f64;
            let tol = 5.0 * (p * (1.0 - p) / DRAWS as f64).sqrt();
            assert!((f - p).abs() <= tol, "value {}: {f} vs {p}", values[i]);
        }
        assert_eq!(counts[1], 0, "zero-weight value must never be drawn");
    }

    /// Probability of each value implied by an alias table, computed exactly from its slots.
    fn implied_probabilities(slots: &[Slot]) -> Vec<(f64, f64)> {
        let mut probs: Vec<(f64, f64)> = Vec::new();
        let mut add = |v: f64, p: f64| match probs.iter_mut().find(|(x, _)| *x == v) {
            Some(entry) => entry.1 += p,
            None => probs.push((v, p)),
        };
        let n = slots.len() as f64;
        for slot in slots {
            let keep = slot.threshold as f64 / 18_446_744_073_709_551_616.0;
            add(slot.value, keep / n);
            add(slot.alias_value, (1.0 - keep) / n);
        }
        probs.sort_by(|a, b| a.0.total_cmp(&b.0));
        probs
    }

    #[test]
    fn alias_table_reproduces_weights_exactly() {
        // Uneven weights spanning six orders of magnitude, many slots.
        let entries: Vec<(f64, f64)> = (0..500)
            .map(|i| (f64::from(i), 1e-3 + f64::from((i * 7919) % 1000).powi(2)))
            .collect();
        let total: f64 = entries.iter().map(|(_, w)| w).sum();
        let probs = implied_probabilities(&alias_table(&entries));
        assert_eq!(probs.len(), entries.len());
        for ((v, p), (ev, w)) in probs.iter().zip(&entries) {
            assert_eq!(v, ev);
            assert!(
                (p - w / total).abs() < 1e-12,
                "value {v}: {p} vs {}",
                w / total
            );
        }
        // Zipf tables too: P(1) = 1 / H(n, s).
        let Kind::Table(slots) = sampler(&Dist::Zipf { n: 4096, s: 1.3 }).kind else {
            panic!("Zipf with n <= 4096 should use a table");
        };
        let probs = implied_probabilities(&slots);
        assert!((probs[0].1 * harmonic(4096, 1.3) - 1.0).abs() < 1e-9);
        assert_eq!(probs.last().map(|(v, _)| *v), Some(4096.0));
    }

    #[test]
    fn constant_samplers_never_touch_the_rng() {
        let cases = [
            (Dist::Fixed(2500.0), 2500.0),
            (Dist::Uniform { min: 4.0, max: 4.0 }, 4.0),
            (
                Dist::Normal {
                    mean: -3.0,
                    sd: 0.0,
                },
                -3.0,
            ),
            (Dist::Geometric { mean: 1.0 }, 1.0),
            (Dist::Poisson { mean: 0.0 }, 0.0),
            (Dist::Zipf { n: 1, s: 2.0 }, 1.0),
            (
                Dist::Empirical {
                    values: vec![9.0, 5.0, 9.0],
                    weights: vec![1.0, 0.0, 2.0],
                },
                9.0,
            ),
        ];
        for (d, value) in cases {
            let s = sampler(&d);
            assert_eq!(s.is_constant(), Some(value), "{d:?}");
            let mut r = rng(99);
            for _ in 0..100 {
                assert_eq!(s.sample(&mut r), value);
                assert_eq!(s.sample_count(&mut r, 0), round_to_count(value));
                assert_eq!(s.sample_ms(&mut r), round_to_count(value * 1000.0));
            }
            assert_eq!(
                rand::Rng::next_u64(&mut r),
                rand::Rng::next_u64(&mut rng(99)),
                "{d:?} consumed randomness"
            );
        }
        for d in examples().into_iter().skip(1) {
            assert_eq!(sampler(&d).is_constant(), None, "{d:?}");
        }
    }

    #[test]
    fn same_seed_gives_same_sequence() {
        for d in examples() {
            let s = sampler(&d);
            let draw = |seed| {
                let mut r = rng(seed);
                (0..1000)
                    .map(|_| s.sample(&mut r).to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(draw(42), draw(42), "{d:?}");
            if s.is_constant().is_none() {
                assert_ne!(draw(42), draw(43), "{d:?}");
            }
            // A clone draws the same sequence.
            let c = s.clone();
            let (mut r1, mut r2) = (rng(8), rng(8));
            for _ in 0..100 {
                assert_eq!(s.sample(&mut r1).to_bits(), c.sample(&mut r2).to_bits());
            }
        }
    }

    #[test]
    fn count_and_ms_rounding_rule() {
        assert_eq!(round_to_count(2.5), 3);
        assert_eq!(round_to_count(2.4999), 2);
        assert_eq!(round_to_count(-7.0), 0);
        assert_eq!(round_to_count(f64::NAN), 0);
        assert_eq!(round_to_count(1e30), u64::MAX);
        assert_eq!(round_to_count(f64::INFINITY), u64::MAX);
        // Either side of the switch from signed to unsigned conversion at 2^63, and halves.
        assert_eq!(round_to_count(-0.0), 0);
        assert_eq!(round_to_count(0.499_999_999_999_999_94), 0);
        assert_eq!(
            round_to_count(4_503_599_627_370_495.5),
            4_503_599_627_370_496
        );
        assert_eq!(
            round_to_count(9_223_372_036_854_774_784.0),
            9_223_372_036_854_774_784
        );
        assert_eq!(round_to_count(9_223_372_036_854_775_808.0), 1 << 63);
        assert_eq!(
            round_to_count(18_446_744_073_709_549_568.0),
            u64::MAX - 2047
        );
        let s = sampler(&Dist::Fixed(0.0015));
        assert_eq!(s.sample_ms(&mut rng(0)), 2);
        assert_eq!(s.sample_count(&mut rng(0), 0), 0);
        assert_eq!(s.sample_count(&mut rng(0), 1), 1);
        // A Normal mostly below zero is clamped to `min`.
        let s = sampler(&Dist::Normal {
            mean: -100.0,
            sd: 10.0,
        });
        let mut r = rng(1);
        assert!((0..1000).all(|_| s.sample_count(&mut r, 3) == 3));
        assert!((0..1000).all(|_| s.sample_ms(&mut r) == 0));
        // Uniform(0.2, 0.3) seconds is 200..=300 ms.
        let s = sampler(&Dist::Uniform { min: 0.2, max: 0.3 });
        assert!((0..1000).all(|_| (200..=300).contains(&s.sample_ms(&mut r))));
    }

    #[test]
    fn sampler_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + Clone + fmt::Debug>() {}
        assert_send_sync::<Sampler>();
        assert!(
            std::mem::size_of::<Sampler>() <= 96,
            "{}",
            std::mem::size_of::<Sampler>()
        );
    }

    proptest! {
        #[test]
        fn sample_count_respects_min(d in valid_dist(), seed in any::<u64>(), min in 0..1000u64) {
            prop_assert_eq!(d.validate(), Ok(()));
            let s = d.sampler().map_err(TestCaseError::fail)?;
            let mut r = rng(seed);
            for _ in 0..50 {
                prop_assert!(s.sample_count(&mut r, min) >= min);
                let _ = s.sample_ms(&mut r);
                let x = s.sample(&mut r);
                prop_assert!(x >= d.support_min() && x <= d.support_max(), "{} outside support", x);
            }
        }

        #[test]
        fn round_to_count_matches_std_round(x in proptest::num::f64::ANY) {
            let want = if x.is_nan() { 0 } else { x.round().max(0.0) as u64 };
            prop_assert_eq!(round_to_count(x), want);
        }
    }
}
