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

use std::fmt;
use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Poisson, Uniform, Zipf};
use serde::{Deserialize, Serialize};

/// The 0.9 quantile of the standard normal distribution, used by `LogNormal(median, p90)`.
pub const Z_90: f64 = 1.281_551_565_544_600_4;

/// Largest `Geometric` mean accepted: far beyond any real count, and it keeps every draw (at most
/// about 37 times the mean, from a 53-bit uniform) well inside `u64`.
pub const GEOMETRIC_MAX_MEAN: f64 = 1e15;

/// Largest `Poisson` mean accepted (the limit of `rand_distr::Poisson`).
pub const POISSON_MAX_MEAN: f64 = 1.844e19;

/// Largest `Zipf` `n` drawn from a precomputed alias table (at most 96 KiB) rather than by
/// rejection sampling, which costs two `powf` per try.
const ZIPF_TABLE_MAX_N: u64 = 4096;

/// Most `Empirical` entries that [`Dist::describe`] lists one by one; longer tables are summarised.
const DESCRIBE_MAX_ENTRIES: usize = 8;

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

    /// Checks the parameters.
    ///
    /// The error message has no field path (the caller prefixes one, e.g.
    /// `endpoints[0].prompt.user_tokens: `) and says both what is wrong and what would be valid,
    /// e.g. `LogNormal: p90 (50) must be greater than median (60)`. All parameters must be
    /// finite, and the distribution's mean must be a finite number.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name();
        match self {
            Dist::Fixed(value) => finite(name, "value", *value)?,
            Dist::Uniform { min, max } => {
                finite(name, "min", *min)?;
                finite(name, "max", *max)?;
                if max < min {
                    return Err(format!(
                        "Uniform: max ({}) must be >= min ({})",
                        Num(*max),
                        Num(*min)
                    ));
                }
                if !(max - min).is_finite() {
                    return Err(format!(
                        "Uniform: max - min must be a finite number \
                         (min {} and max {} are too far apart)",
                        Num(*min),
                        Num(*max)
                    ));
                }
            }
            Dist::Normal { mean, sd } => {
                finite(name, "mean", *mean)?;
                finite(name, "sd", *sd)?;
                at_least(name, "sd", *sd, 0.0)?;
            }
            Dist::LogNormal { median, p90 } => {
                finite(name, "median", *median)?;
                finite(name, "p90", *p90)?;
                positive(name, "median", *median)?;
                if p90 <= median {
                    return Err(format!(
                        "LogNormal: p90 ({}) must be greater than median ({})",
                        Num(*p90),
                        Num(*median)
                    ));
                }
            }
            Dist::Exponential { mean } => {
                finite(name, "mean", *mean)?;
                positive(name, "mean", *mean)?;
            }
            Dist::Gamma { shape, scale } => {
                finite(name, "shape", *shape)?;
                finite(name, "scale", *scale)?;
                positive(name, "shape", *shape)?;
                positive(name, "scale", *scale)?;
            }
            Dist::Geometric { mean } => {
                finite(name, "mean", *mean)?;
                if *mean < 1.0 {
                    return Err(format!(
                        "Geometric: mean must be >= 1 (got {}); it counts trials up to and \
                         including the first success, so its support is 1, 2, 3, ...",
                        Num(*mean)
                    ));
                }
                at_most(name, "mean", *mean, GEOMETRIC_MAX_MEAN)?;
            }
            Dist::Poisson { mean } => {
                finite(name, "mean", *mean)?;
                at_least(name, "mean", *mean, 0.0)?;
                at_most(name, "mean", *mean, POISSON_MAX_MEAN)?;
            }
            Dist::Zipf { n, s } => {
                if *n < 1 {
                    return Err(format!("Zipf: n must be >= 1 (got {n})"));
                }
                finite(name, "s", *s)?;
                at_least(name, "s", *s, 0.0)?;
            }
            Dist::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err(
                        "Empirical: values must not be empty (give at least one value \
                                and one weight)"
                            .to_string(),
                    );
                }
                if values.len() != weights.len() {
                    return Err(format!(
                        "Empirical: values and weights must have the same length ({} vs {})",
                        values.len(),
                        weights.len()
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    finite(name, &format!("values[{i}]"), *v)?;
                }
                for (i, w) in weights.iter().enumerate() {
                    finite(name, &format!("weights[{i}]"), *w)?;
                    at_least(name, &format!("weights[{i}]"), *w, 0.0)?;
                }
                let total: f64 = weights.iter().sum();
                if !(total > 0.0 && total.is_finite()) {
                    return Err(format!(
                        "Empirical: weights must have a positive, finite sum (got {})",
                        Num(total)
                    ));
                }
            }
        }
        let mean = self.mean();
        if !mean.is_finite() {
            return Err(format!(
                "{name}: the mean of {} is not a finite number (got {}); \
                 use less extreme parameters",
                self.describe(),
                Num(mean)
            ));
        }
        Ok(())
    }

    /// The distribution of `factor × X` (`factor >= 0`), for uncertain scale parameters: every
    /// draw multiplied by `factor`. Continuous families stay in their family (`LogNormal`'s
    /// median and p90, `Gamma`'s scale, ...); `Geometric` and `Poisson` scale their mean
    /// (`Geometric`'s at least 1); `Empirical` scales its values. `Zipf` draws ranks, which do
    /// not scale: `Err`. A factor of 0 gives `Fixed(0)`.
    pub fn scaled(&self, factor: f64) -> Result<Dist, String> {
        if !factor.is_finite() || factor < 0.0 {
            return Err(format!(
                "scale factor must be a finite number >= 0 (got {factor})"
            ));
        }
        if factor == 0.0 {
            return match self {
                Dist::Zipf { .. } => Err(Dist::zipf_scale_error()),
                _ => Ok(Dist::Fixed(0.0)),
            };
        }
        let f = factor;
        Ok(match self {
            Dist::Fixed(v) => Dist::Fixed(v * f),
            Dist::Uniform { min, max } => Dist::Uniform {
                min: min * f,
                max: max * f,
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * f,
                sd: sd * f,
            },
            Dist::LogNormal { median, p90 } => Dist::LogNormal {
                median: median * f,
                p90: p90 * f,
            },
            Dist::Exponential { mean } => Dist::Exponential { mean: mean * f },
            Dist::Gamma { shape, scale } => Dist::Gamma {
                shape: *shape,
                scale: scale * f,
            },
            Dist::Geometric { mean } => Dist::Geometric {
                mean: (mean * f).max(1.0),
            },
            Dist::Poisson { mean } => Dist::Poisson { mean: mean * f },
            Dist::Zipf { .. } => return Err(Dist::zipf_scale_error()),
            Dist::Empirical { values, weights } => Dist::Empirical {
                values: values.iter().map(|v| v * f).collect(),
                weights: weights.clone(),
            },
        })
    }

    fn zipf_scale_error() -> String {
        "a Zipf distribution draws ranks, which cannot be scaled".to_string()
    }

    /// Analytic mean of the distribution as written, before any rounding or clamping done by
    /// [`Sampler::sample_count`] or [`Sampler::sample_ms`].
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

    /// Short human form for reports, e.g. `LogNormal(median 60, p90 200)`.
    ///
    /// `Empirical` tables with more than 8 entries are summarised as
    /// `Empirical(12 values from 1 to 4096)`.
    pub fn describe(&self) -> String {
        match self {
            Dist::Fixed(value) => format!("Fixed({})", Num(*value)),
            Dist::Uniform { min, max } => format!("Uniform(min {}, max {})", Num(*min), Num(*max)),
            Dist::Normal { mean, sd } => format!("Normal(mean {}, sd {})", Num(*mean), Num(*sd)),
            Dist::LogNormal { median, p90 } => {
                format!("LogNormal(median {}, p90 {})", Num(*median), Num(*p90))
            }
            Dist::Exponential { mean } => format!("Exponential(mean {})", Num(*mean)),
            Dist::Gamma { shape, scale } => {
                format!("Gamma(shape {}, scale {})", Num(*shape), Num(*scale))
            }
            Dist::Geometric { mean } => format!("Geometric(mean {})", Num(*mean)),
            Dist::Poisson { mean } => format!("Poisson(mean {})", Num(*mean)),
            Dist::Zipf { n, s } => format!("Zipf(n {n}, s {})", Num(*s)),
            Dist::Empirical { values, weights } => {
                if values.len() <= DESCRIBE_MAX_ENTRIES && weights.len() <= DESCRIBE_MAX_ENTRIES {
                    format!(
                        "Empirical(values {}, weights {})",
                        list(values),
                        list(weights)
                    )
                } else {
                    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    format!(
                        "Empirical({} values from {} to {})",
                        values.len(),
                        Num(lo),
                        Num(hi)
                    )
                }
            }
        }
    }

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
            Dist::Geometric { mean } => {
                if *mean == 1.0 {
                    Kind::constant(1.0)
                } else {
                    // ln(1 - p), computed accurately for small p; < 0 since mean > 1.
                    Kind::Geometric {
                        ln_q: (-1.0 / mean).ln_1p(),
                    }
                }
            }
            Dist::Poisson { mean } => {
                if *mean == 0.0 {
                    Kind::constant(0.0)
                } else {
                    Kind::Poisson(Poisson::new(*mean).map_err(|e| lib_err(&e))?)
                }
            }
            Dist::Zipf { n, s } => {
                if *n == 1 {
                    Kind::constant(1.0)
                } else if *n <= ZIPF_TABLE_MAX_N {
                    let ranks: Vec<(f64, f64)> =
                        (1..=*n).map(|k| (k as f64, (k as f64).powf(-s))).collect();
                    Kind::Table(alias_table(&ranks))
                } else {
                    let n = *n as f64;
                    Kind::Zipf {
                        zipf: Zipf::new(n, *s).map_err(|e| lib_err(&e))?,
                        n,
                    }
                }
            }
            Dist::Empirical { values, weights } => {
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
        };
        Ok(Sampler { kind })
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

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
    fn constant(value: f64) -> Kind {
        Kind::Constant {
            value,
            count: round_to_count(value),
            ms: round_to_count(value * 1000.0),
        }
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

/// One slot of an alias table: a draw that lands in this slot yields `value` if the low 64 bits
/// of its random number are below `threshold`, and `alias_value` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    threshold: u64,
    value: f64,
    alias_value: f64,
}

/// Builds a Walker/Vose alias table from `(value, weight)` pairs with positive weights.
fn alias_table(entries: &[(f64, f64)]) -> Arc<[Slot]> {
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
fn alias_draw<R: Rng + ?Sized>(slots: &[Slot], rng: &mut R) -> f64 {
    let wide = u128::from(rng.next_u64()) * slots.len() as u128;
    // `wide >> 64 < slots.len()` because the random number is below 2^64.
    let slot = &slots[(wide >> 64) as usize];
    if (wide as u64) < slot.threshold {
        slot.value
    } else {
        slot.alias_value
    }
}

/// The values of an `Empirical` that have a positive weight.
fn drawable<'a>(values: &'a [f64], weights: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
    values
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(v, _)| *v)
}

/// `(mu, sigma)` of the underlying normal for `LogNormal(median, p90)`.
fn lognormal_params(median: f64, p90: f64) -> (f64, f64) {
    let mu = median.ln();
    (mu, (p90.ln() - mu) / Z_90)
}

/// Generalised harmonic number `H(n, a) = sum_{k=1}^{n} k^-a`, for any real `a`.
///
/// Exact summation up to n = 10 000; beyond, the first 999 terms exactly plus the
/// Euler-Maclaurin formula (three Bernoulli terms) for the tail, accurate to about 1e-13.
fn harmonic(n: u64, a: f64) -> f64 {
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

/// Displays a number the way a user would write it: `60`, `0.5`, and `1e20` rather than
/// twenty digits for very large or very small magnitudes.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.abs();
        if self.0.is_finite() && magnitude != 0.0 && !(1e-6..1e15).contains(&magnitude) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// `[1, 2, 4.5]`, with each number shown as [`Num`] does.
fn list(xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| Num(*x).to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn finite(dist: &str, param: &str, value: f64) -> Result<(), String> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "{dist}: {param} must be a finite number (got {})",
            Num(value)
        ))
    }
}

fn positive(dist: &str, param: &str, value: f64) -> Result<(), String> {
    if value > 0.0 {
        Ok(())
    } else {
        Err(format!("{dist}: {param} must be > 0 (got {})", Num(value)))
    }
}

fn at_least(dist: &str, param: &str, value: f64, min: f64) -> Result<(), String> {
    if value >= min {
        Ok(())
    } else {
        Err(format!(
            "{dist}: {param} must be >= {} (got {})",
            Num(min),
            Num(value)
        ))
    }
}

fn at_most(dist: &str, param: &str, value: f64, max: f64) -> Result<(), String> {
    if value <= max {
        Ok(())
    } else {
        Err(format!(
            "{dist}: {param} must be <= {} (got {})",
            Num(max),
            Num(value)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const DRAWS: usize = 200_000;

    fn parse(s: &str) -> Dist {
        ron::from_str(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn sampler(d: &Dist) -> Sampler {
        d.sampler()
            .unwrap_or_else(|e| panic!("{d:?} should be valid: {e}"))
    }

    fn err(d: Dist) -> String {
        match d.validate() {
            Ok(()) => panic!("{d:?} should be invalid"),
            Err(e) => {
                assert_eq!(d.sampler().err(), Some(e.clone()), "sampler() must agree");
                e
            }
        }
    }

    /// One valid example of every variant, covering both algorithms where rand_distr has two.
    fn examples() -> Vec<Dist> {
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

    // ---- validate ----

    #[test]
    fn valid_examples_pass() {
        for d in examples() {
            assert_eq!(d.validate(), Ok(()), "{d:?}");
        }
        // Degenerate but allowed.
        for d in [
            Dist::Uniform { min: 5.0, max: 5.0 },
            Dist::Normal { mean: 3.0, sd: 0.0 },
            Dist::Geometric { mean: 1.0 },
            Dist::Poisson { mean: 0.0 },
            Dist::Zipf { n: 1, s: 3.0 },
            Dist::Empirical {
                values: vec![7.0],
                weights: vec![2.0],
            },
            Dist::Empirical {
                values: vec![1.0, 9.0],
                weights: vec![1.0, 0.0],
            },
        ] {
            assert_eq!(d.validate(), Ok(()), "{d:?}");
        }
    }

    #[test]
    fn validate_messages() {
        let cases = [
            (
                Dist::Fixed(f64::NAN),
                "Fixed: value must be a finite number (got NaN)",
            ),
            (
                Dist::Uniform {
                    min: 10.0,
                    max: 5.0,
                },
                "Uniform: max (5) must be >= min (10)",
            ),
            (
                Dist::Uniform {
                    min: f64::NEG_INFINITY,
                    max: 5.0,
                },
                "Uniform: min must be a finite number (got -inf)",
            ),
            (
                Dist::Uniform {
                    min: 0.0,
                    max: f64::INFINITY,
                },
                "Uniform: max must be a finite number (got inf)",
            ),
            (
                Dist::Uniform {
                    min: -1e308,
                    max: 1e308,
                },
                "Uniform: max - min must be a finite number \
                 (min -1e308 and max 1e308 are too far apart)",
            ),
            (
                Dist::Normal {
                    mean: 0.0,
                    sd: -1.0,
                },
                "Normal: sd must be >= 0 (got -1)",
            ),
            (
                Dist::Normal {
                    mean: f64::NAN,
                    sd: 1.0,
                },
                "Normal: mean must be a finite number (got NaN)",
            ),
            (
                Dist::Normal {
                    mean: 0.0,
                    sd: f64::INFINITY,
                },
                "Normal: sd must be a finite number (got inf)",
            ),
            (
                Dist::LogNormal {
                    median: 60.0,
                    p90: 50.0,
                },
                "LogNormal: p90 (50) must be greater than median (60)",
            ),
            (
                Dist::LogNormal {
                    median: 60.0,
                    p90: 60.0,
                },
                "LogNormal: p90 (60) must be greater than median (60)",
            ),
            (
                Dist::LogNormal {
                    median: 0.0,
                    p90: 10.0,
                },
                "LogNormal: median must be > 0 (got 0)",
            ),
            (
                Dist::LogNormal {
                    median: 1.0,
                    p90: f64::NAN,
                },
                "LogNormal: p90 must be a finite number (got NaN)",
            ),
            (
                Dist::LogNormal {
                    median: 1e-300,
                    p90: 1e300,
                },
                "LogNormal: the mean of LogNormal(median 1e-300, p90 1e300) is not a finite number (got inf); use less extreme parameters",
            ),
            (
                Dist::Exponential { mean: 0.0 },
                "Exponential: mean must be > 0 (got 0)",
            ),
            (
                Dist::Exponential {
                    mean: f64::INFINITY,
                },
                "Exponential: mean must be a finite number (got inf)",
            ),
            (
                Dist::Gamma {
                    shape: 0.0,
                    scale: 1.0,
                },
                "Gamma: shape must be > 0 (got 0)",
            ),
            (
                Dist::Gamma {
                    shape: 1.0,
                    scale: -2.0,
                },
                "Gamma: scale must be > 0 (got -2)",
            ),
            (
                Dist::Gamma {
                    shape: 1e200,
                    scale: 1e200,
                },
                "Gamma: the mean of Gamma(shape 1e200, scale 1e200) is not a finite number (got inf); use less extreme parameters",
            ),
            (
                Dist::Geometric { mean: 0.5 },
                "Geometric: mean must be >= 1 (got 0.5); it counts trials up to and including \
                 the first success, so its support is 1, 2, 3, ...",
            ),
            (
                Dist::Geometric { mean: 1e16 },
                "Geometric: mean must be <= 1e15 (got 1e16)",
            ),
            (
                Dist::Poisson { mean: -1.0 },
                "Poisson: mean must be >= 0 (got -1)",
            ),
            (
                Dist::Poisson { mean: 1e20 },
                "Poisson: mean must be <= 1.844e19 (got 1e20)",
            ),
            (Dist::Zipf { n: 0, s: 1.0 }, "Zipf: n must be >= 1 (got 0)"),
            (
                Dist::Zipf { n: 10, s: -0.5 },
                "Zipf: s must be >= 0 (got -0.5)",
            ),
            (
                Dist::Zipf {
                    n: 10,
                    s: f64::INFINITY,
                },
                "Zipf: s must be a finite number (got inf)",
            ),
            (
                Dist::Empirical {
                    values: vec![],
                    weights: vec![],
                },
                "Empirical: values must not be empty (give at least one value and one weight)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, 2.0, 3.0],
                    weights: vec![1.0, 1.0],
                },
                "Empirical: values and weights must have the same length (3 vs 2)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, f64::NAN],
                    weights: vec![1.0, 1.0],
                },
                "Empirical: values[1] must be a finite number (got NaN)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, 2.0],
                    weights: vec![f64::INFINITY, 1.0],
                },
                "Empirical: weights[0] must be a finite number (got inf)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, 2.0, 3.0],
                    weights: vec![1.0, 1.0, -0.1],
                },
                "Empirical: weights[2] must be >= 0 (got -0.1)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, 2.0],
                    weights: vec![0.0, 0.0],
                },
                "Empirical: weights must have a positive, finite sum (got 0)",
            ),
            (
                Dist::Empirical {
                    values: vec![1.0, 2.0],
                    weights: vec![1e308, 1e308],
                },
                "Empirical: weights must have a positive, finite sum (got inf)",
            ),
        ];
        for (d, want) in cases {
            assert_eq!(err(d.clone()), want, "{d:?}");
        }
    }

    // ---- analytic helpers ----

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
    fn scaled_distributions_scale_their_mean() {
        let f = 1.7;
        for d in [
            Dist::Fixed(10.0),
            Dist::Uniform { min: 2.0, max: 8.0 },
            Dist::Normal {
                mean: 50.0,
                sd: 5.0,
            },
            Dist::LogNormal {
                median: 100.0,
                p90: 300.0,
            },
            Dist::Exponential { mean: 30.0 },
            Dist::Gamma {
                shape: 2.0,
                scale: 150.0,
            },
            Dist::Geometric { mean: 4.0 },
            Dist::Poisson { mean: 2.5 },
            Dist::Empirical {
                values: vec![1.0, 2.0, 4.0],
                weights: vec![0.5, 0.3, 0.2],
            },
        ] {
            let s = d.scaled(f).unwrap();
            assert!((s.mean() - f * d.mean()).abs() < 1e-9 * d.mean(), "{d}");
            assert!(s.validate().is_ok(), "{d}");
            assert_eq!(d.scaled(0.0).unwrap(), Dist::Fixed(0.0));
        }
        assert!(Dist::Zipf { n: 10, s: 1.0 }.scaled(2.0).is_err());
        assert!(Dist::Fixed(1.0).scaled(-1.0).is_err());
    }

    #[test]
    fn describe_forms() {
        assert_eq!(
            Dist::LogNormal {
                median: 60.0,
                p90: 200.0
            }
            .describe(),
            "LogNormal(median 60, p90 200)"
        );
        assert_eq!(Dist::Fixed(2500.0).to_string(), "Fixed(2500)");
        assert_eq!(
            Dist::Zipf { n: 1000, s: 1.1 }.describe(),
            "Zipf(n 1000, s 1.1)"
        );
        assert_eq!(
            Dist::Empirical {
                values: vec![1.0, 2.0, 4.5],
                weights: vec![0.5, 0.3, 0.2]
            }
            .describe(),
            "Empirical(values [1, 2, 4.5], weights [0.5, 0.3, 0.2])"
        );
        let long = Dist::Empirical {
            values: (1..=12).map(|k| f64::from(1u32 << k)).collect(),
            weights: vec![1.0; 12],
        };
        assert_eq!(long.describe(), "Empirical(12 values from 2 to 4096)");
    }

    // ---- sampling ----

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

    // ---- properties ----

    fn valid_dist() -> impl Strategy<Value = Dist> {
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

        #[test]
        fn round_to_count_matches_std_round(x in proptest::num::f64::ANY) {
            let want = if x.is_nan() { 0 } else { x.round().max(0.0) as u64 };
            prop_assert_eq!(round_to_count(x), want);
        }
    }
}
