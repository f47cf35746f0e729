//! The quantile function (inverse CDF) of a [`Dist`]: the value below which a share `u` of
//! the draws fall.
//!
//! Stratified draws of the uncertain parameters ([`crate::model::uncertain`]) pick a `u` in
//! each stratum of `(0, 1)` and turn it into a value here, so every distribution an uncertain
//! parameter may use needs one. Continuous distributions use closed forms (`Uniform`,
//! `LogNormal`, `Exponential`) or `statrs`' inverse CDFs (`Normal`, `Gamma`); discrete ones
//! return the smallest support value whose CDF reaches `u` (`Geometric` in closed form,
//! `Poisson` through `statrs`, `Zipf` by bisection on the generalised harmonic numbers,
//! `Empirical` by a walk over its values in increasing order).

use statrs::distribution::{ContinuousCDF, DiscreteCDF, Gamma, Normal, Poisson};

use super::Dist;
use super::moments::{harmonic, lognormal_params};

impl Dist {
    /// The `u` quantile: the smallest `x` with `P(X <= x) >= u`, for `u` in `(0, 1)` (values
    /// outside are clamped into it, so the result is always finite for valid parameters).
    /// Meaningful only for valid parameters.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_nan() {
            0.5
        } else {
            u.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
        };
        match self {
            Dist::Fixed(value) => *value,
            Dist::Uniform { min, max } => min + (max - min) * u,
            Dist::Normal { mean, sd } => {
                if *sd == 0.0 {
                    *mean
                } else {
                    Normal::new(*mean, *sd).map_or(*mean, |d| d.inverse_cdf(u))
                }
            }
            Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = lognormal_params(*median, *p90);
                (mu + sigma * standard_normal_quantile(u)).exp()
            }
            Dist::Exponential { mean } => -mean * (-u).ln_1p(),
            Dist::Gamma { shape, scale } => {
                Gamma::new(*shape, 1.0 / scale).map_or(shape * scale, |d| d.inverse_cdf(u))
            }
            Dist::Geometric { mean } => {
                if *mean <= 1.0 {
                    1.0
                } else {
                    // P(X <= k) = 1 - q^k: the smallest k with q^k <= 1 - u.
                    let ln_q = (-1.0 / mean).ln_1p();
                    ((-u).ln_1p() / ln_q).ceil().max(1.0)
                }
            }
            Dist::Poisson { mean } => {
                if *mean == 0.0 {
                    0.0
                } else {
                    Poisson::new(*mean).map_or(*mean, |d| d.inverse_cdf(u) as f64)
                }
            }
            Dist::Zipf { n, s } => zipf_quantile(*n, *s, u),
            Dist::Empirical { values, weights } => empirical_quantile(values, weights, u),
        }
    }
}

/// The standard normal quantile (`statrs`' inverse of the error function).
fn standard_normal_quantile(u: f64) -> f64 {
    Normal::standard().inverse_cdf(u)
}

/// The smallest rank `k` of `Zipf(n, s)` with `H(k, s) >= u H(n, s)`.
fn zipf_quantile(n: u64, s: f64, u: f64) -> f64 {
    let target = u * harmonic(n, s);
    let (mut lo, mut hi) = (1u64, n.max(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if harmonic(mid, s) >= target {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo as f64
}

/// The smallest value whose cumulative weight reaches `u` of the total.
fn empirical_quantile(values: &[f64], weights: &[f64], u: f64) -> f64 {
    let mut kept: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(v, w)| (*v, *w))
        .collect();
    kept.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = kept.iter().map(|(_, w)| w).sum();
    let target = u * total;
    let mut cumulative = 0.0;
    for (v, w) in &kept {
        cumulative += w;
        if cumulative >= target {
            return *v;
        }
    }
    kept.last().map_or(0.0, |(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::rng::{Purpose, stream};

    /// The share of `draws` at or below `x`.
    fn ecdf(draws: &[f64], x: f64) -> f64 {
        draws.iter().filter(|d| **d <= x).count() as f64 / draws.len() as f64
    }

    #[test]
    fn closed_forms() {
        let u = Dist::Uniform { min: 2.0, max: 6.0 };
        assert_eq!(u.quantile(0.25), 3.0);
        let ln = Dist::LogNormal {
            median: 100.0,
            p90: 300.0,
        };
        assert!((ln.quantile(0.5) - 100.0).abs() < 1e-9);
        assert!((ln.quantile(0.9) - 300.0).abs() < 1e-6);
        let e = Dist::Exponential { mean: 10.0 };
        assert!((e.quantile(0.5) - 10.0 * 2f64.ln()).abs() < 1e-12);
        // Geometric(mean 2): P(X <= 1) = 0.5, P(X <= 2) = 0.75.
        let g = Dist::Geometric { mean: 2.0 };
        assert_eq!(g.quantile(0.5), 1.0);
        assert_eq!(g.quantile(0.51), 2.0);
        assert_eq!(g.quantile(0.75), 2.0);
        assert_eq!(g.quantile(0.76), 3.0);
        let emp = Dist::Empirical {
            values: vec![4.0, 1.0, 2.0, 9.0],
            weights: vec![0.2, 0.5, 0.3, 0.0],
        };
        assert_eq!(emp.quantile(0.5), 1.0);
        assert_eq!(emp.quantile(0.6), 2.0);
        assert_eq!(emp.quantile(0.81), 4.0);
        assert_eq!(emp.quantile(1.0), 4.0);
        // Zipf(3, 1): weights 1, 1/2, 1/3 of 11/6: CDF 6/11, 9/11, 1.
        let z = Dist::Zipf { n: 3, s: 1.0 };
        assert_eq!(z.quantile(0.5), 1.0);
        assert_eq!(z.quantile(0.6), 2.0);
        assert_eq!(z.quantile(0.9), 3.0);
        assert_eq!(Dist::Fixed(7.0).quantile(0.3), 7.0);
    }

    #[test]
    fn extreme_shares_stay_finite() {
        for d in [
            Dist::Normal { mean: 0.0, sd: 1.0 },
            Dist::LogNormal {
                median: 1.0,
                p90: 2.0,
            },
            Dist::Exponential { mean: 1.0 },
            Dist::Gamma {
                shape: 2.0,
                scale: 3.0,
            },
            Dist::Poisson { mean: 4.0 },
            Dist::Geometric { mean: 3.0 },
            Dist::Zipf { n: 50_000, s: 1.1 },
        ] {
            for u in [0.0, 1e-300, 0.5, 1.0 - 1e-17, 1.0, f64::NAN] {
                assert!(d.quantile(u).is_finite(), "{d:?} at {u}");
            }
        }
    }

    #[test]
    fn quantiles_match_the_sampler() {
        // The quantile function and the sampler describe the same distribution: at the
        // deciles, the share of 20,000 sampled draws at or below the quantile is the decile
        // (within 0.015, about 4.5 binomial standard errors), or, for a discrete
        // distribution, lies between the CDF just below the value and at it.
        let dists = [
            Dist::Normal { mean: 5.0, sd: 2.0 },
            Dist::LogNormal {
                median: 3000.0,
                p90: 5000.0,
            },
            Dist::Gamma {
                shape: 2.0,
                scale: 150.0,
            },
            Dist::Exponential { mean: 30.0 },
            Dist::Poisson { mean: 3.5 },
            Dist::Geometric { mean: 2.5 },
            Dist::Zipf { n: 20_000, s: 1.2 },
        ];
        for d in dists {
            let sampler = d.sampler().unwrap();
            let mut rng = stream(1, 0, "quantile", Purpose::Uncertain);
            let draws: Vec<f64> = (0..20_000).map(|_| sampler.sample(&mut rng)).collect();
            for k in 1..10 {
                let u = f64::from(k) / 10.0;
                let x = d.quantile(u);
                let at = ecdf(&draws, x);
                let below = draws.iter().filter(|v| **v < x).count() as f64 / draws.len() as f64;
                assert!(
                    at >= u - 0.015 && below <= u + 0.015,
                    "{d:?}: quantile({u}) = {x}, sampled CDF {below}..{at}"
                );
            }
        }
    }
}
