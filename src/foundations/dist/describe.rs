//! The human form of a [`Dist`]: [`Dist::describe`] and `Display`, and the number format shared
//! with the validation messages.
//!
//! Reports and error messages show a distribution the way a user would write it
//! (`LogNormal(median 60, p90 200)`), with numbers such as `1e20` rather than twenty digits; this
//! file is the one place that format is decided.

use std::fmt;

use super::Dist;

/// Most `Empirical` entries that [`Dist::describe`] lists one by one; longer tables are summarised.
const DESCRIBE_MAX_ENTRIES: usize = 8;

impl Dist {
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
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Displays a number the way a user would write it: `60`, `0.5`, and `1e20` rather than
/// twenty digits for very large or very small magnitudes.
pub(super) struct Num(pub(super) f64);

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
