//! Analytic facts about a [`Dist`] as written: its mean, variance and support.
//!
//! The engine reports these next to simulated results (the mean of a size distribution, before
//! the rounding done when a count is drawn), and validation uses the mean to reject parameters
//! whose mean overflows. `Zipf` needs generalised harmonic numbers, computed here exactly for
//! small `n` and by Euler-Maclaurin beyond.

use super::{Dist, Z_90};

impl Dist {
    /// Analytic mean of the distribution as written, before any rounding or clamping done by
    /// [`Sampler::sample_count`](super::Sampler::sample_count) or [`Sampler::sample_ms`](super::Sampler::sample_ms).
    ///
    /// `LogNormal`: `exp(mu + sigma^2 / 2)`; `Zipf`: `H(n, s - 1) / H(n, s)` with the generalised
    /// harmonic numbers `H(n, a) = sum k^-a` (exact up to n = 10 000, Euler-Maclaurin beyond).
    /// Meaningful only for valid parameters.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(value) => *value,
            Dist::Uniform { min, max } => min + (max - min) / 2.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = lognormal_params(*median, *p90);
                (mu + sigma * sigma / 2.0).exp()
            }
            Dist::Exponential { mean } | Dist::Geometric { mean } | Dist::Poisson { mean } => *mean,
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Zipf { n, s } => harmonic(*n, s - 1.0) / harmonic(*n, *s),
            Dist::Empirical { values, weights } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
        }
    }

    /// Analytic variance of the distribution as written (before rounding or clamping).
    /// Meaningful only for valid parameters.
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Fixed(_) => 0.0,
            Dist::Uniform { min, max } => (max - min) * (max - min) / 12.0,
            Dist::Normal { sd, .. } => sd * sd,
            Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = lognormal_params(*median, *p90);
                let s2 = sigma * sigma;
                s2.exp_m1() * (2.0 * mu + s2).exp()
            }
            Dist::Exponential { mean } => mean * mean,
            Dist::Gamma { shape, scale } => shape * scale * scale,
            Dist::Geometric { mean } => mean * (mean - 1.0),
            Dist::Poisson { mean } => *mean,
            Dist::Zipf { n, s } => {
                let h = harmonic(*n, *s);
                let m = harmonic(*n, s - 1.0) / h;
                (harmonic(*n, s - 2.0) / h - m * m).max(0.0)
            }
            Dist::Empirical { values, weights } => {
                let total: f64 = weights.iter().sum();
                let m = self.mean();
                values
                    .iter()
                    .zip(weights)
                    .map(|(v, w)| w * (v - m) * (v - m))
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// Smallest value the distribution can produce (`f64::NEG_INFINITY` for `Normal` with
    /// `sd > 0`; `0` for the continuous distributions on the positive reals).
    pub fn support_min(&self) -> f64 {
        match self {
            Dist::Fixed(value) => *value,
            Dist::Uniform { min, .. } => *min,
            Dist::Normal { mean, sd } => {
                if *sd == 0.0 {
                    *mean
                } else {
                    f64::NEG_INFINITY
                }
            }
            Dist::LogNormal { .. }
            | Dist::Exponential { .. }
            | Dist::Gamma { .. }
            | Dist::Poisson { .. } => 0.0,
            Dist::Geometric { .. } | Dist::Zipf { .. } => 1.0,
            Dist::Empirical { values, weights } => {
                drawable(values, weights).fold(f64::INFINITY, f64::min)
            }
        }
    }

    /// Largest value the distribution can produce (`f64::INFINITY` where unbounded).
    /// For `Uniform` this is `max`, the (exclusive) upper bound.
    pub fn support_max(&self) -> f64 {
        match self {
            Dist::Fixed(value) => *value,
            Dist::Uniform { max, .. } => *max,
            Dist::Normal { mean, sd } => {
                if *sd == 0.0 {
                    *mean
                } else {
                    f64::INFINITY
                }
            }
            Dist::LogNormal { .. } | Dist::Exponential { .. } | Dist::Gamma { .. } => f64::INFINITY,
            Dist::Geometric { mean } => {
                if *mean == 1.0 {
                    1.0
                } else {
                    f64::INFINITY
                }
            }
            Dist::Poisson { mean } => {
                if *mean == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            }
            Dist::Zipf { n, .. } => *n as f64,
            Dist::Empirical { values, weights } => {
                drawable(values, weights).fold(f64::NEG_INFINITY, f64::max)
            }
        }
    }
}

impl Dist {
    /// The largest value a draw plausibly takes: the largest value of a bounded distribution
    /// (`Fixed`, `Uniform`, `Zipf`, `Empirical`, and the degenerate cases of the others), else
    /// its P99.9
    /// ([`PLAUSIBLE_QUANTILE`](crate::foundations::limits::PLAUSIBLE_QUANTILE)). Validation compares it with a field's limit
    /// ([`crate::foundations::limits`]). Meaningful only for valid parameters.
    ///
    /// The P99.9 is exact for `Normal`, `LogNormal`, `Exponential` and `Geometric`; for `Gamma`
    /// it is the Wilson-Hilferty approximation when `shape >= 1` and the exponential's P99.9 of
    /// the same scale (an upper bound: a gamma of shape < 1 lies below it) otherwise; for
    /// `Poisson` it is the normal approximation `mean + z·sqrt(mean)` plus 2.
    pub fn plausible_max(&self) -> f64 {
        let top = self.support_max();
        if top.is_finite() {
            return top;
        }
        match self {
            Dist::Normal { mean, sd } => mean + Z_999 * sd,
            Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = lognormal_params(*median, *p90);
                (mu + Z_999 * sigma).exp()
            }
            Dist::Exponential { mean } => mean * LN_1000,
            Dist::Gamma { shape, scale } => {
                if *shape >= 1.0 {
                    let v = 1.0 / (9.0 * shape);
                    shape * scale * (1.0 - v + Z_999 * v.sqrt()).powi(3)
                } else {
                    scale * LN_1000
                }
            }
            Dist::Geometric { mean } => (-LN_1000 / (-1.0 / mean).ln_1p()).ceil(),
            Dist::Poisson { mean } => mean + Z_999 * mean.sqrt() + 2.0,
            _ => top,
        }
    }
}

/// The 0.999 quantile of the standard normal distribution.
const Z_999: f64 = 3.090_232_306_167_813_5;

/// `ln(1000)`: the P99.9 of an exponential is `mean · ln(1000)`.
const LN_1000: f64 = 6.907_755_278_982_137;

/// The values of an `Empirical` that have a positive weight.
fn drawable<'a>(values: &'a [f64], weights: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
    values
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(v, _)| *v)
}

/// `(mu, sigma)` of the underlying normal for `LogNormal(median, p90)`.
pub(super) fn lognormal_params(median: f64, p90: f64) -> (f64, f64) {
    let mu = median.ln();
    (mu, (p90.ln() - mu) / Z_90)
}

/// Generalised harmonic number `H(n, a) = sum_{k=1}^{n} k^-a`, for any real `a`.
///
/// Exact summation up to n = 10 000; beyond, the first 999 terms exactly plus the
/// Euler-Maclaurin formula (three Bernoulli terms) for the tail, accurate to about 1e-13.
pub(super) fn harmonic(n: u64, a: f64) -> f64 {
    const EXACT_UP_TO: u64 = 10_000;
    const HEAD: u64 = 1_000;
    if n <= EXACT_UP_TO {
        // Smallest terms first (for a > 0) to limit rounding error.
        return (1..=n).rev().map(|k| (k as f64).powf(-a)).sum();
    }
    let head: f64 = (1..HEAD).rev().map(|k| (k as f64).powf(-a)).sum();
    let (lo, hi) = (HEAD as f64, n as f64);
    let f = |x: f64| x.powf(-a);
    // Odd derivatives of f: f'(x), f'''(x), f^(5)(x).
    let d1 = |x: f64| -a * x.powf(-a - 1.0);
    let d3 = |x: f64| -a * (a + 1.0) * (a + 2.0) * x.powf(-a - 3.0);
    let d5 = |x: f64| -a * (a + 1.0) * (a + 2.0) * (a + 3.0) * (a + 4.0) * x.powf(-a - 5.0);
    let log_ratio = (hi / lo).ln();
    let integral = if a == 1.0 {
        log_ratio
    } else {
        let b = 1.0 - a;
        lo.powf(b) * (b * log_ratio).exp_m1() / b
    };
    head + integral + (f(lo) + f(hi)) / 2.0 + (d1(hi) - d1(lo)) / 12.0 - (d3(hi) - d3(lo)) / 720.0
        + (d5(hi) - d5(lo)) / 30240.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonic_matches_brute_force_beyond_exact_range() {
        let n = 50_000u64;
        for a in [-2.0, -1.0, 0.0, 0.5, 0.999_999, 1.0, 1.1, 2.0, 3.5] {
            let brute: f64 = (1..=n).rev().map(|k| (k as f64).powf(-a)).sum();
            let fast = harmonic(n, a);
            let rel = ((fast - brute) / brute).abs();
            assert!(rel < 1e-11, "a={a}: {fast} vs {brute} (rel {rel:e})");
        }
        // Closed forms: H(n, 0) = n, H(n, -1) = n(n+1)/2.
        assert!((harmonic(20_000, 0.0) / 20_000.0 - 1.0).abs() < 1e-12);
        let h = harmonic(1_000_000, -1.0);
        assert!((h / 500_000_500_000.0 - 1.0).abs() < 1e-12, "{h}");
    }

    #[test]
    fn zipf_mean_and_variance_match_direct_sums() {
        // n = 1000 uses exact harmonic sums, n = 30 000 the Euler-Maclaurin tail.
        for (n, s) in [(1000u64, 1.1), (1000, 0.3), (30_000, 1.1), (30_000, 2.5)] {
            let p: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
            let z: f64 = p.iter().sum();
            let m1: f64 = p
                .iter()
                .enumerate()
                .map(|(i, p)| (i + 1) as f64 * p)
                .sum::<f64>()
                / z;
            let m2: f64 = p
                .iter()
                .enumerate()
                .map(|(i, p)| ((i + 1) as f64).powi(2) * p)
                .sum::<f64>()
                / z;
            let d = Dist::Zipf { n, s };
            assert!(
                (d.mean() / m1 - 1.0).abs() < 1e-10,
                "{d:?}: {} vs {m1}",
                d.mean()
            );
            let var = m2 - m1 * m1;
            assert!(
                (d.variance() / var - 1.0).abs() < 1e-8,
                "{d:?}: {} vs {var}",
                d.variance()
            );
        }
    }

    #[test]
    fn analytic_means_in_closed_form() {
        // LogNormal(median 60, p90 200): sigma = ln(200/60)/z90.
        let sigma = (200.0f64 / 60.0).ln() / Z_90;
        let want = 60.0 * (sigma * sigma / 2.0).exp();
        let got = Dist::LogNormal {
            median: 60.0,
            p90: 200.0,
        }
        .mean();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        assert_eq!(
            Dist::Uniform {
                min: 10.0,
                max: 20.0
            }
            .mean(),
            15.0
        );
        assert_eq!(
            Dist::Gamma {
                shape: 3.0,
                scale: 150.0
            }
            .mean(),
            450.0
        );
        // Zipf with s = 0 is uniform on 1..=n: mean (n+1)/2, variance (n^2-1)/12.
        let z = Dist::Zipf { n: 99, s: 0.0 };
        assert!((z.mean() - 50.0).abs() < 1e-9);
        assert!((z.variance() - (99.0 * 99.0 - 1.0) / 12.0).abs() < 1e-6);
        let e = Dist::Empirical {
            values: vec![1.0, 2.0, 4.0],
            weights: vec![5.0, 3.0, 2.0],
        };
        assert!((e.mean() - 1.9).abs() < 1e-12);
    }

    #[test]
    fn support_bounds() {
        let cases = [
            (Dist::Fixed(7.0), 7.0, 7.0),
            (Dist::Uniform { min: 1.0, max: 3.0 }, 1.0, 3.0),
            (
                Dist::Normal { mean: 1.0, sd: 2.0 },
                f64::NEG_INFINITY,
                f64::INFINITY,
            ),
            (Dist::Normal { mean: 1.0, sd: 0.0 }, 1.0, 1.0),
            (
                Dist::LogNormal {
                    median: 1.0,
                    p90: 2.0,
                },
                0.0,
                f64::INFINITY,
            ),
            (Dist::Geometric { mean: 3.0 }, 1.0, f64::INFINITY),
            (Dist::Geometric { mean: 1.0 }, 1.0, 1.0),
            (Dist::Poisson { mean: 3.0 }, 0.0, f64::INFINITY),
            (Dist::Poisson { mean: 0.0 }, 0.0, 0.0),
            (Dist::Zipf { n: 40, s: 1.0 }, 1.0, 40.0),
            (
                Dist::Empirical {
                    values: vec![-5.0, 2.0, 9.0],
                    weights: vec![0.0, 1.0, 1.0],
                },
                2.0,
                9.0,
            ),
        ];
        for (d, lo, hi) in cases {
            assert_eq!((d.support_min(), d.support_max()), (lo, hi), "{d:?}");
        }
    }

    #[test]
    fn plausible_max_is_the_largest_value_or_the_p999() {
        let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-6;
        assert_eq!(Dist::Fixed(7.0).plausible_max(), 7.0);
        assert_eq!(Dist::Uniform { min: 1.0, max: 3.0 }.plausible_max(), 3.0);
        assert_eq!(Dist::Zipf { n: 40, s: 1.0 }.plausible_max(), 40.0);
        assert_eq!(Dist::Geometric { mean: 1.0 }.plausible_max(), 1.0);
        // Normal(0, 1e18): the example, 3.09e18.
        let n = Dist::Normal {
            mean: 0.0,
            sd: 1e18,
        }
        .plausible_max();
        assert!(close(n, 3.090_232_306e18), "{n}");
        // LogNormal(median 100, p90 1000): exp(ln 100 + z999 · ln 10 / z90).
        let l = Dist::LogNormal {
            median: 100.0,
            p90: 1000.0,
        }
        .plausible_max();
        let want = (100f64.ln() + Z_999 * 10f64.ln() / Z_90).exp();
        assert!(close(l, want), "{l} vs {want}");
        assert!(close(
            Dist::Exponential { mean: 10.0 }.plausible_max(),
            69.077_552_79
        ));
        // Geometric(mean 2): P(X > k) = 0.5^k <= 0.001 first at k = 10.
        assert_eq!(Dist::Geometric { mean: 2.0 }.plausible_max(), 10.0);
        // Gamma(shape 1) is the exponential: Wilson-Hilferty is 2.3% above its P99.9 (69.08).
        let g = Dist::Gamma {
            shape: 1.0,
            scale: 10.0,
        }
        .plausible_max();
        assert!((69.08..69.08 * 1.03).contains(&g), "{g}");
        // Gamma(shape 10, scale 1): the exact P99.9 is 22.657.
        let g = Dist::Gamma {
            shape: 10.0,
            scale: 1.0,
        }
        .plausible_max();
        assert!((g / 22.657 - 1.0).abs() < 0.01, "{g}");
        // Shape < 1: bounded by the exponential of the same scale.
        assert!(close(
            Dist::Gamma {
                shape: 0.5,
                scale: 10.0
            }
            .plausible_max(),
            69.077_552_79
        ));
        // Poisson(100): the exact P99.9 is 132.
        let p = Dist::Poisson { mean: 100.0 }.plausible_max();
        assert!((132.0..=135.0).contains(&p), "{p}");
    }
}
