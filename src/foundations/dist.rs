//! Distributions that users write in scenario files, and fast samplers built from them.
//!
//! A scenario field that varies from request to request (prompt tokens, output tokens, think
//! time, turns per session, ...) is written as a [`Dist`], e.g. `LogNormal(median: 60, p90: 200)`.
//! The engine checks it once with [`Dist::validate`], compiles it once with [`Dist::sampler`]
//! and then draws from the [`Sampler`] millions of times per second: a draw is a `match` on a
//! small enum holding prebuilt `rand_distr` objects or tables, and never allocates.
//!
//! Units are the field's own: a `Dist` in a `*_tokens` field is in tokens, one in a `*_s` field is
//! in seconds. Integer quantities are drawn with [`Sampler::sample_count`] and durations with
//! [`Sampler::sample_ms`]; both document their rounding rule, which scenario docs can quote.
//!
//! Determinism: a `Fixed` value (and any other distribution whose every draw is the same value,
//! see [`Sampler::is_constant`]) never touches the random number generator, so replacing a
//! `Fixed` by another `Fixed` keeps every random stream aligned.
//!
//! The parts, one file each: the parameters as written (this file: [`Dist`] and its RON form),
//! their checks (`validate`), analytic moments and support (`moments`), the human form
//! (`describe`), scaling by a factor (`scaled`), and the compiled [`Sampler`] (`sampler`, with the
//! alias tables of `alias`).

use serde::{Deserialize, Serialize};

mod alias;
mod describe;
mod moments;
mod quantile;
mod sampler;
mod scaled;
mod validate;

pub use sampler::Sampler;

/// The 0.9 quantile of the standard normal distribution, used by `LogNormal(median, p90)`.
pub const Z_90: f64 = 1.281_551_565_544_600_4;

/// Largest `Geometric` mean accepted: far beyond any real count, and it keeps every draw (at most
/// about 37 times the mean, from a 53-bit uniform) well inside `u64`.
pub const GEOMETRIC_MAX_MEAN: f64 = 1e15;

/// Largest `Poisson` mean accepted (the limit of `rand_distr::Poisson`).
pub const POISSON_MAX_MEAN: f64 = 1.844e19;

/// A distribution written in a scenario file.
///
/// Every parameter is in the unit of the field the distribution is written in (tokens, seconds,
/// counts, ...). Integer literals are accepted where a parameter is a real number, so
/// `Fixed(2500)` and `Fixed(2500.0)` mean the same. Unknown variants and unknown fields are errors.
///
/// ```text
/// user_tokens: LogNormal(median: 60, p90: 200),
/// system_tokens: Fixed(2500),
/// think_time_s: Exponential(mean: 30),
/// turns: Geometric(mean: 4),
/// doc_rank: Zipf(n: 1000, s: 1.1),
/// images: Empirical(values: [0, 1, 4], weights: [0.7, 0.2, 0.1]),
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always the given value. Support: that value. It never draws a random number.
    ///
    /// RON: `Fixed(2500)`.
    Fixed(f64),
    /// Continuous uniform on `[min, max)`; `min == max` is allowed and means always `min`.
    ///
    /// RON: `Uniform(min: 10, max: 20)`. Requires finite `min <= max` with a finite width.
    Uniform {
        /// Lower bound (inclusive).
        min: f64,
        /// Upper bound (exclusive, unless equal to `min`).
        max: f64,
    },
    /// Normal (Gaussian) with the given mean and standard deviation. Support: all reals, so a
    /// count drawn from it is clamped at its minimum (see [`Sampler::sample_count`]).
    ///
    /// RON: `Normal(mean: 500, sd: 100)`. Requires `sd >= 0` (`sd == 0` means always `mean`).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, `>= 0`.
        sd: f64,
    },
    /// Log-normal given by its median and 90th percentile: `mu = ln(median)`,
    /// `sigma = (ln(p90) - ln(median)) / 1.2815515655446004` (the standard normal 0.9 quantile).
    /// Support: `(0, inf)`. Its mean, `exp(mu + sigma^2 / 2)`, is above the median.
    ///
    /// RON: `LogNormal(median: 60, p90: 200)`. Requires `0 < median < p90`.
    LogNormal {
        /// Median (50th percentile), `> 0`.
        median: f64,
        /// 90th percentile, `> median`.
        p90: f64,
    },
    /// Exponential with the given mean (rate `1 / mean`). Support: `[0, inf)`.
    ///
    /// RON: `Exponential(mean: 30)`. Requires `mean > 0`.
    Exponential {
        /// Mean, `> 0`.
        mean: f64,
    },
    /// Gamma with shape `k` and scale `theta`: mean `k * theta`, variance `k * theta^2`.
    /// Support: `(0, inf)`.
    ///
    /// RON: `Gamma(shape: 2, scale: 150)`. Requires `shape > 0` and `scale > 0`.
    Gamma {
        /// Shape `k`, `> 0`.
        shape: f64,
        /// Scale `theta`, `> 0`.
        scale: f64,
    },
    /// Geometric: the number of trials up to and including the first success, with success
    /// probability `p = 1 / mean`. Support: `{1, 2, 3, ...}`.
    ///
    /// RON: `Geometric(mean: 4)`. Requires `1 <= mean <= 1e15` (`mean == 1` means always 1).
    Geometric {
        /// Mean number of trials, `>= 1`.
        mean: f64,
    },
    /// Poisson with the given mean. Support: `{0, 1, 2, ...}`.
    ///
    /// RON: `Poisson(mean: 2.5)`. Requires `0 <= mean <= 1.844e19` (`mean == 0` means always 0).
    Poisson {
        /// Mean (and variance), `>= 0`.
        mean: f64,
    },
    /// Zipf on the ranks `{1, ..., n}` with `P(k)` proportional to `k^-s`.
    ///
    /// RON: `Zipf(n: 1000, s: 1.1)`. Requires `n >= 1` and a finite `s >= 0`; `s == 0` is the
    /// uniform distribution on `{1, ..., n}` (allowed as the "no popularity skew" end of the scale).
    Zipf {
        /// Number of ranks, `>= 1`.
        n: u64,
        /// Exponent, `>= 0`; larger means more skewed towards rank 1.
        s: f64,
    },
    /// Discrete distribution over the given values: `values[i]` with probability
    /// `weights[i] / sum(weights)`. Support: the values with a positive weight.
    ///
    /// RON: `Empirical(values: [1, 2, 4], weights: [0.5, 0.3, 0.2])`. Requires at least one
    /// value, as many weights as values, finite values, weights `>= 0` with a positive finite sum.
    /// Weights need not sum to 1.
    Empirical {
        /// The values that can be drawn.
        values: Vec<f64>,
        /// One non-negative weight per value.
        weights: Vec<f64>,
    },
}

impl Dist {
    /// The variant's name as written in a scenario file, e.g. `"LogNormal"`.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Fixed(_) => "Fixed",
            Dist::Uniform { .. } => "Uniform",
            Dist::Normal { .. } => "Normal",
            Dist::LogNormal { .. } => "LogNormal",
            Dist::Exponential { .. } => "Exponential",
            Dist::Gamma { .. } => "Gamma",
            Dist::Geometric { .. } => "Geometric",
            Dist::Poisson { .. } => "Poisson",
            Dist::Zipf { .. } => "Zipf",
            Dist::Empirical { .. } => "Empirical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    pub(super) const DRAWS: usize = 200_000;

    fn parse(s: &str) -> Dist {
        ron::from_str(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    pub(super) fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    pub(super) fn sampler(d: &Dist) -> Sampler {
        d.sampler()
            .unwrap_or_else(|e| panic!("{d:?} should be valid: {e}"))
    }

    pub(super) fn err(d: Dist) -> String {
        match d.validate() {
            Ok(()) => panic!("{d:?} should be invalid"),
            Err(e) => {
                assert_eq!(d.sampler().err(), Some(e.clone()), "sampler() must agree");
                e
            }
        }
    }

    /// One valid example of every variant, covering both algorithms where rand_distr has two.
    pub(super) fn examples() -> Vec<Dist> {
        vec![
            Dist::Fixed(2500.0),
            Dist::Uniform {
                min: 10.0,
                max: 20.0,
            },
            Dist::Normal {
                mean: 500.0,
                sd: 100.0,
            },
            Dist::LogNormal {
                median: 60.0,
                p90: 200.0,
            },
            Dist::Exponential { mean: 30.0 },
            Dist::Gamma {
                shape: 0.5,
                scale: 4.0,
            },
            Dist::Gamma {
                shape: 3.0,
                scale: 150.0,
            },
            Dist::Geometric { mean: 1.2 },
            Dist::Geometric { mean: 4.0 },
            Dist::Poisson { mean: 2.5 },
            Dist::Poisson { mean: 400.0 },
            Dist::Zipf { n: 1000, s: 1.1 },
            Dist::Zipf { n: 50, s: 0.0 },
            Dist::Zipf { n: 100_000, s: 2.5 },
            Dist::Empirical {
                values: vec![1.0, 2.0, 4.0],
                weights: vec![0.5, 0.3, 0.2],
            },
        ]
    }

    // ---- RON ----

    #[test]
    fn ron_parses_every_variant_with_integer_literals() {
        let cases = [
            ("Fixed(2500)", Dist::Fixed(2500.0)),
            ("Fixed(2.5)", Dist::Fixed(2.5)),
            (
                "Uniform(min: 10, max: 20)",
                Dist::Uniform {
                    min: 10.0,
                    max: 20.0,
                },
            ),
            (
                "Normal(mean: 500, sd: 100.5)",
                Dist::Normal {
                    mean: 500.0,
                    sd: 100.5,
                },
            ),
            (
                "LogNormal(median: 60, p90: 200)",
                Dist::LogNormal {
                    median: 60.0,
                    p90: 200.0,
                },
            ),
            ("Exponential(mean: 30)", Dist::Exponential { mean: 30.0 }),
            (
                "Gamma(shape: 2, scale: 150)",
                Dist::Gamma {
                    shape: 2.0,
                    scale: 150.0,
                },
            ),
            ("Geometric(mean: 4)", Dist::Geometric { mean: 4.0 }),
            ("Poisson(mean: 2.5)", Dist::Poisson { mean: 2.5 }),
            ("Zipf(n: 1000, s: 1.1)", Dist::Zipf { n: 1000, s: 1.1 }),
            (
                "Empirical(values: [1, 2, 4], weights: [0.5, 0.3, 0.2])",
                Dist::Empirical {
                    values: vec![1.0, 2.0, 4.0],
                    weights: vec![0.5, 0.3, 0.2],
                },
            ),
            // Whitespace and a trailing comma, as hand-written files have.
            (
                "LogNormal(\n  median: 60,\n  p90: 200,\n)",
                Dist::LogNormal {
                    median: 60.0,
                    p90: 200.0,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text}");
        }
    }

    #[test]
    fn ron_round_trips() {
        for d in examples() {
            let text = ron::to_string(&d).expect("serialises");
            assert_eq!(parse(&text), d, "{text}");
        }
    }

    #[test]
    fn ron_rejects_unknown_fields_variants_and_missing_fields() {
        let bad = [
            ("LogNormal(median: 60, p90: 200, p99: 900)", "p99"),
            ("Uniform(min: 1, maximum: 2)", "maximum"),
            ("Pareto(alpha: 2)", "Pareto"),
            ("lognormal(median: 60, p90: 200)", "lognormal"),
            ("Uniform(min: 1)", "max"),
            ("Zipf(n: 10.5, s: 1)", ""),
            ("Fixed(\"2500\")", ""),
        ];
        for (text, mention) in bad {
            match ron::from_str::<Dist>(text) {
                Ok(d) => panic!("{text:?} should not parse, got {d:?}"),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(mention),
                        "{text:?}: {msg:?} should mention {mention:?}"
                    );
                }
            }
        }
    }

    // ---- properties ----

    pub(super) fn valid_dist() -> impl Strategy<Value = Dist> {
        let pos = 1e-6..1e9f64;
        prop_oneof![
            (-1e12..1e12f64).prop_map(Dist::Fixed),
            (-1e9..1e9f64, 0.0..1e9f64).prop_map(|(min, w)| Dist::Uniform { min, max: min + w }),
            (-1e9..1e9f64, 0.0..1e9f64).prop_map(|(mean, sd)| Dist::Normal { mean, sd }),
            (1e-3..1e6f64, 1.0001..50.0f64).prop_map(|(median, k)| Dist::LogNormal {
                median,
                p90: median * k
            }),
            pos.clone().prop_map(|mean| Dist::Exponential { mean }),
            (1e-3..1e3f64, 1e-3..1e6f64).prop_map(|(shape, scale)| Dist::Gamma { shape, scale }),
            (1.0..1e12f64).prop_map(|mean| Dist::Geometric { mean }),
            (0.0..1e12f64).prop_map(|mean| Dist::Poisson { mean }),
            (prop_oneof![1..5000u64, 1..u64::MAX], 0.0..10.0f64)
                .prop_map(|(n, s)| Dist::Zipf { n, s }),
            proptest::collection::vec((-1e9..1e9f64, 0.0..10.0f64), 1..40).prop_map(|vw| {
                let (values, mut weights): (Vec<f64>, Vec<f64>) = vw.into_iter().unzip();
                weights[0] += 0.5;
                Dist::Empirical { values, weights }
            }),
        ]
    }

    fn any_param() -> impl Strategy<Value = f64> {
        prop_oneof![
            proptest::num::f64::ANY,
            Just(0.0),
            Just(1.0),
            Just(-1.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            -10.0..10.0f64,
        ]
    }

    fn any_dist() -> impl Strategy<Value = Dist> {
        prop_oneof![
            any_param().prop_map(Dist::Fixed),
            (any_param(), any_param()).prop_map(|(min, max)| Dist::Uniform { min, max }),
            (any_param(), any_param()).prop_map(|(mean, sd)| Dist::Normal { mean, sd }),
            (any_param(), any_param()).prop_map(|(median, p90)| Dist::LogNormal { median, p90 }),
            any_param().prop_map(|mean| Dist::Exponential { mean }),
            (any_param(), any_param()).prop_map(|(shape, scale)| Dist::Gamma { shape, scale }),
            any_param().prop_map(|mean| Dist::Geometric { mean }),
            any_param().prop_map(|mean| Dist::Poisson { mean }),
            (any::<u64>(), any_param()).prop_map(|(n, s)| Dist::Zipf { n, s }),
            (
                proptest::collection::vec(any_param(), 0..5),
                proptest::collection::vec(any_param(), 0..5)
            )
                .prop_map(|(values, weights)| Dist::Empirical { values, weights }),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_parameters_never_panic(d in any_dist(), seed in any::<u64>()) {
            let valid = d.validate();
            let _ = (d.mean(), d.variance(), d.support_min(), d.support_max(), d.describe());
            match d.sampler() {
                Ok(s) => {
                    prop_assert_eq!(valid, Ok(()));
                    let mut r = rng(seed);
                    for _ in 0..10 {
                        let _ = (s.sample(&mut r), s.sample_count(&mut r, 1), s.sample_ms(&mut r));
                    }
                }
                Err(e) => prop_assert_eq!(valid, Err(e)),
            }
        }
    }
}
