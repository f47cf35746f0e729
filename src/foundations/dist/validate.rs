//! [`Dist::validate`]: the checks a distribution's parameters must pass before it is sampled.
//!
//! Each variant has its own named check, run in a fixed order so the first problem reported is
//! always the same; a last check rejects parameters whose mean is not a finite number. Messages
//! say what is wrong and what would be valid, e.g.
//! `LogNormal: p90 (50) must be greater than median (60)`.

use super::describe::Num;
use super::{Dist, GEOMETRIC_MAX_MEAN, POISSON_MAX_MEAN};

impl Dist {
    /// Checks the parameters.
    ///
    /// The error message has no field path (the caller prefixes one, e.g.
    /// `endpoints[0].prompt.user_tokens: `) and says both what is wrong and what would be valid,
    /// e.g. `LogNormal: p90 (50) must be greater than median (60)`. All parameters must be
    /// finite, and the distribution's mean must be a finite number.
    pub fn validate(&self) -> Result<(), String> {
        self.check_parameters()?;
        self.check_mean()
    }

    /// The variant's own parameter checks.
    fn check_parameters(&self) -> Result<(), String> {
        let name = self.name();
        match self {
            Dist::Fixed(value) => finite(name, "value", *value),
            Dist::Uniform { min, max } => check_uniform(*min, *max),
            Dist::Normal { mean, sd } => {
                finite(name, "mean", *mean)?;
                finite(name, "sd", *sd)?;
                at_least(name, "sd", *sd, 0.0)
            }
            Dist::LogNormal { median, p90 } => check_lognormal(*median, *p90),
            Dist::Exponential { mean } => {
                finite(name, "mean", *mean)?;
                positive(name, "mean", *mean)
            }
            Dist::Gamma { shape, scale } => {
                finite(name, "shape", *shape)?;
                finite(name, "scale", *scale)?;
                positive(name, "shape", *shape)?;
                positive(name, "scale", *scale)
            }
            Dist::Geometric { mean } => check_geometric(*mean),
            Dist::Poisson { mean } => {
                finite(name, "mean", *mean)?;
                at_least(name, "mean", *mean, 0.0)?;
                at_most(name, "mean", *mean, POISSON_MAX_MEAN)
            }
            Dist::Zipf { n, s } => check_zipf(*n, *s),
            Dist::Empirical { values, weights } => check_empirical(values, weights),
        }
    }

    /// The analytic mean must be a finite number (extreme but finite parameters can overflow it).
    fn check_mean(&self) -> Result<(), String> {
        let mean = self.mean();
        if !mean.is_finite() {
            return Err(format!(
                "{}: the mean of {} is not a finite number (got {}); \
                 use less extreme parameters",
                self.name(),
                self.describe(),
                Num(mean)
            ));
        }
        Ok(())
    }
}

/// `Uniform`: finite bounds, `min <= max`, and a finite width.
fn check_uniform(min: f64, max: f64) -> Result<(), String> {
    finite("Uniform", "min", min)?;
    finite("Uniform", "max", max)?;
    if max < min {
        return Err(format!(
            "Uniform: max ({}) must be >= min ({})",
            Num(max),
            Num(min)
        ));
    }
    if !(max - min).is_finite() {
        return Err(format!(
            "Uniform: max - min must be a finite number \
             (min {} and max {} are too far apart)",
            Num(min),
            Num(max)
        ));
    }
    Ok(())
}

/// `LogNormal`: finite, `0 < median < p90`.
fn check_lognormal(median: f64, p90: f64) -> Result<(), String> {
    finite("LogNormal", "median", median)?;
    finite("LogNormal", "p90", p90)?;
    positive("LogNormal", "median", median)?;
    if p90 <= median {
        return Err(format!(
            "LogNormal: p90 ({}) must be greater than median ({})",
            Num(p90),
            Num(median)
        ));
    }
    Ok(())
}

/// `Geometric`: a finite mean in `[1, GEOMETRIC_MAX_MEAN]`.
fn check_geometric(mean: f64) -> Result<(), String> {
    finite("Geometric", "mean", mean)?;
    if mean < 1.0 {
        return Err(format!(
            "Geometric: mean must be >= 1 (got {}); it counts trials up to and \
             including the first success, so its support is 1, 2, 3, ...",
            Num(mean)
        ));
    }
    at_most("Geometric", "mean", mean, GEOMETRIC_MAX_MEAN)
}

/// `Zipf`: at least one rank and a finite exponent `s >= 0`.
fn check_zipf(n: u64, s: f64) -> Result<(), String> {
    if n < 1 {
        return Err(format!("Zipf: n must be >= 1 (got {n})"));
    }
    finite("Zipf", "s", s)?;
    at_least("Zipf", "s", s, 0.0)
}

/// `Empirical`: as many weights as values (at least one), finite values, finite weights `>= 0`
/// with a positive finite sum.
fn check_empirical(values: &[f64], weights: &[f64]) -> Result<(), String> {
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
        finite("Empirical", &format!("values[{i}]"), *v)?;
    }
    for (i, w) in weights.iter().enumerate() {
        finite("Empirical", &format!("weights[{i}]"), *w)?;
        at_least("Empirical", &format!("weights[{i}]"), *w, 0.0)?;
    }
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(format!(
            "Empirical: weights must have a positive, finite sum (got {})",
            Num(total)
        ));
    }
    Ok(())
}

/// `value` must be a finite number.
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

/// `value` must be `> 0`.
fn positive(dist: &str, param: &str, value: f64) -> Result<(), String> {
    if value > 0.0 {
        Ok(())
    } else {
        Err(format!("{dist}: {param} must be > 0 (got {})", Num(value)))
    }
}

/// `value` must be `>= min`.
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

/// `value` must be `<= max`.
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
    use crate::foundations::dist::tests::{err, examples};

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
}
