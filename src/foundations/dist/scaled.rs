//! [`Dist::scaled`]: the distribution of a draw multiplied by a factor, for uncertain scale
//! parameters (a scenario that says "prompts may be 20% longer" scales every size distribution).

use super::Dist;

impl Dist {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
