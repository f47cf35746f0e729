//! A control variate for the probability of exceeding the budget.
//!
//! Whether a run exceeds the budget is a yes/no outcome, and a yes/no outcome needs many runs
//! to pin down: ±2 points at a probability near 70% takes about 2,000 independent runs, and
//! stratified draws only about halve that (they even out each parameter alone, not the
//! combinations that push a month over the line). But in a forecast with uncertain
//! parameters, whether a run exceeds the budget is mostly decided by what it drew: its
//! random traffic moves a month's cost by a fraction of a percent. So the runs themselves
//! teach a cheap stand-in, and the stand-in is evaluated on many more draws than could ever be
//! simulated:
//!
//! 1. **The stand-in.** A least-squares fit of the logarithm of each run's costliest month on
//!    its draws (each draw and, for a distribution on positive values, its logarithm). It
//!    predicts "over budget" when the fitted month is above the budget.
//! 2. **Its probability**, P̃: the share of [`CHEAP_DRAWS`] fresh draws of the uncertain
//!    parameters (independent of the runs) that the stand-in predicts over budget. Costs
//!    microseconds per draw instead of a simulation.
//! 3. **The correction**: the runs where the stand-in and the simulation disagree. The
//!    estimate is P̃ + mean over runs of (simulated over budget − predicted over budget),
//!    unbiased whatever the quality of the fit (a poor fit only gives back less precision).
//!
//! The fit is cross-fitted so that no run corrects a stand-in it taught: blocks of runs are
//! split into two halves (even and odd blocks), each half is corrected with the stand-in fitted
//! on the other, and the two halves are averaged. Its standard error is the between-block
//! error of the per-run terms plus the binomial error of each P̃ over its fresh draws; since
//! only the runs where stand-in and simulation disagree vary, and a handful of them (or none)
//! says little about how often that happens, the first part is at least √(q / n), with q the
//! rate of disagreement the stand-in's own residual spread implies (see the code).
//!
//! This is the classic control-variate estimator with coefficient 1 (Glasserman, *Monte Carlo
//! Methods in Financial Engineering*, 4.1; with a fitted stand-in, the "multifidelity" form of
//! Peherstorfer, Willcox and Gunzburger, SIAM Review 60(3), 2018), and the cross-fitting is
//! that of Chernozhukov et al., Econometrics Journal 21(1), 2018. It is used only when it
//! helps: with too few runs to fit both halves, or when its error is not below the plain
//! share's, the report keeps the share of runs over budget.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use statrs::distribution::{ContinuousCDF, Normal};

use crate::foundations::dist::Dist;

/// Fresh draws the stand-in is evaluated on.
pub const CHEAP_DRAWS: usize = 100_000;

/// The budget probability with the control variate: the estimate (within 0 to 1) and its
/// standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Controlled {
    /// Estimated probability of exceeding the budget.
    pub probability: f64,
    /// Its standard error.
    pub se: f64,
}

/// `count` fresh independent draws of the uncertain parameters (`dists`, in list order), for
/// the stand-in's probability. `None` when a distribution cannot be sampled.
pub fn cheap_draws(dists: &[Dist], seed: u64, count: usize) -> Option<Vec<Vec<f64>>> {
    let samplers: Vec<_> = dists
        .iter()
        .map(|d| d.sampler().ok())
        .collect::<Option<_>>()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC0_4E_7A_01_5E_ED);
    Some(
        (0..count)
            .map(|_| samplers.iter().map(|s| s.sample(&mut rng)).collect())
            .collect(),
    )
}

/// The features of one set of draws: 1, each draw, the logarithm of each draw whose
/// distribution has only positive values, and the logarithm of the costliest month's expected
/// requests under those draws (`busiest`; the stand-in's best clue, since how many requests a
/// month sees is what adoption, growth and sessions per user come down to).
pub fn features(draws: &[f64], positive: &[bool], busiest: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(2 + 2 * draws.len());
    out.push(1.0);
    for (x, p) in draws.iter().zip(positive) {
        out.push(*x);
        if *p {
            out.push(x.max(f64::MIN_POSITIVE).ln());
        }
    }
    out.push(busiest.max(f64::MIN_POSITIVE).ln());
    out
}

/// Whether every draw of `dist` is above zero (so its logarithm is a feature): a support
/// starting above zero, or a continuous distribution on the positive reals.
pub fn positive(dist: &Dist) -> bool {
    dist.support_min() > 0.0
        || matches!(
            dist,
            Dist::LogNormal { .. } | Dist::Gamma { .. } | Dist::Exponential { .. }
        )
}

/// A least-squares fit: the coefficients and the features' centring and scaling.
struct Fit {
    beta: Vec<f64>,
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Fit {
    fn predict(&self, f: &[f64]) -> f64 {
        self.beta[0]
            + (1..f.len())
                .map(|k| self.beta[k] * (f[k] - self.mean[k]) / self.scale[k])
                .sum::<f64>()
    }
}

/// Least squares of `y` on the rows `x` (the first column the constant 1), with the other
/// columns centred and scaled, and a tiny ridge so that a constant or repeated column does not
/// make the system singular. `None` for fewer rows than twice the columns.
fn least_squares(x: &[Vec<f64>], y: &[f64]) -> Option<Fit> {
    let n = x.len();
    let p = x.first()?.len();
    if n < 2 * p {
        return None;
    }
    let mut mean = vec![0.0; p];
    let mut scale = vec![1.0; p];
    for k in 1..p {
        mean[k] = x.iter().map(|r| r[k]).sum::<f64>() / n as f64;
        let var = x.iter().map(|r| (r[k] - mean[k]).powi(2)).sum::<f64>() / n as f64;
        scale[k] = if var > 0.0 { var.sqrt() } else { 1.0 };
    }
    let z = |r: &[f64], k: usize| {
        if k == 0 {
            1.0
        } else {
            (r[k] - mean[k]) / scale[k]
        }
    };
    // Normal equations (XᵀX + λI) β = Xᵀy, solved by Gaussian elimination with pivoting.
    let mut a = vec![vec![0.0; p + 1]; p];
    let mut zr = vec![0.0; p];
    for (r, yi) in x.iter().zip(y) {
        for (k, v) in zr.iter_mut().enumerate() {
            *v = z(r, k);
        }
        for (row, zi) in a.iter_mut().zip(&zr) {
            for (cell, zj) in row.iter_mut().zip(&zr) {
                *cell += zi * zj;
            }
            row[p] += zi * yi;
        }
    }
    for (i, row) in a.iter_mut().enumerate().skip(1) {
        row[i] += 1e-9 * n as f64;
    }
    for c in 0..p {
        let pivot = (c..p).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[pivot][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, pivot);
        let lead = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / lead[c];
                if f != 0.0 {
                    for (cell, l) in row.iter_mut().zip(&lead).skip(c) {
                        *cell -= f * l;
                    }
                }
            }
        }
    }
    let beta: Vec<f64> = (0..p).map(|i| a[i][p] / a[i][i]).collect();
    beta.iter()
        .all(|b| b.is_finite())
        .then_some(Fit { beta, mean, scale })
}

/// The budget probability of one strategy with the control variate, from its runs (in run
/// order, in blocks of `block`): whether each exceeded the budget, its costliest month, the
/// [`features`] of its draws; and the features of the fresh draws from [`cheap_draws`].
/// `None` when it cannot help (see the module docs): then the share of runs over budget
/// stands.
pub fn budget_probability(
    exceeded: &[bool],
    max_month: &[f64],
    rows: &[Vec<f64>],
    cheap: &[Vec<f64>],
    budget: f64,
    block: usize,
) -> Option<Controlled> {
    let n = exceeded.len();
    if n != max_month.len() || n != rows.len() || cheap.is_empty() || budget <= 0.0 {
        return None;
    }
    let block = super::effective_block(n, block.max(1));
    let half = |i: usize| (i / block) % 2;
    let line = budget.ln();
    let y: Vec<f64> = max_month
        .iter()
        .map(|c| c.max(f64::MIN_POSITIVE).ln())
        .collect();
    // Fit on each half; predict the other.
    let mut fits = Vec::new();
    for h in 0..2 {
        let (xs, ys): (Vec<Vec<f64>>, Vec<f64>) = (0..n)
            .filter(|&i| half(i) == h)
            .map(|i| (rows[i].clone(), y[i]))
            .unzip();
        fits.push(least_squares(&xs, &ys)?);
    }
    // Run i is corrected with the stand-in of the other half.
    let predicted: Vec<f64> = (0..n)
        .map(|i| fits[1 - half(i)].predict(&rows[i]))
        .collect();
    // Only the runs where the stand-in and the simulation disagree vary, and a handful of
    // them (or none) says little about how often that happens. So the variance of the
    // correction is also estimated from the fit itself: with the stand-in's residual spread σ
    // (cross-fitted, so honest), a draw whose predicted costliest month lies δ from the budget
    // line is on the wrong side with probability Φ(−|δ|/σ); the mean of that over the fresh
    // draws, q, is the rate of disagreements, and q / n the variance of their mean. The
    // larger of the two estimates is used.
    let sigma = (y
        .iter()
        .zip(&predicted)
        .map(|(y, p)| (y - p).powi(2))
        .sum::<f64>()
        / n as f64)
        .sqrt();
    let normal = Normal::standard();
    // Per stand-in, in one pass over the fresh draws: the share predicted over budget, and
    // the mean probability of being on the wrong side of the line.
    let (cheap_share, wrong_side): (Vec<f64>, Vec<f64>) = fits
        .iter()
        .map(|fit| {
            let (mut over, mut wrong) = (0usize, 0.0);
            for f in cheap {
                let delta = fit.predict(f) - line;
                over += usize::from(delta > 0.0);
                if sigma > 0.0 {
                    wrong += normal.cdf(-delta.abs() / sigma);
                }
            }
            let m = cheap.len() as f64;
            (over as f64 / m, wrong / m)
        })
        .unzip();
    let terms: Vec<f64> = (0..n)
        .map(|i| {
            f64::from(u8::from(exceeded[i])) - f64::from(u8::from(predicted[i] > line))
                + cheap_share[1 - half(i)]
        })
        .collect();
    let estimate = terms.iter().sum::<f64>() / n as f64;
    // Each half's weight in the mean is its share of runs.
    let in_half = |h: usize| (0..n).filter(|&i| half(i) == h).count() as f64 / n as f64;
    let cheap_var: f64 = (0..2)
        .map(|h| {
            let p = cheap_share[1 - h];
            in_half(h).powi(2) * p * (1.0 - p) / cheap.len() as f64
        })
        .sum();
    let q = (wrong_side[0] + wrong_side[1]) / 2.0;
    let floor = q / n as f64;
    let se = (super::block_se(&terms, block).powi(2).max(floor) + cheap_var).sqrt();
    Some(Controlled {
        probability: estimate.clamp(0.0, 1.0),
        se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn least_squares_recovers_a_plane() {
        let x: Vec<Vec<f64>> = (0..20)
            .map(|i| vec![1.0, f64::from(i), f64::from(i * i % 7)])
            .collect();
        let y: Vec<f64> = x.iter().map(|r| 2.0 + 0.5 * r[1] - 3.0 * r[2]).collect();
        let fit = least_squares(&x, &y).unwrap();
        for (r, yi) in x.iter().zip(&y) {
            assert!(
                (fit.predict(r) - yi).abs() < 1e-6,
                "{} vs {yi}",
                fit.predict(r)
            );
        }
        assert!(least_squares(&x[..5], &y[..5]).is_none());
    }

    /// Runs whose costliest month is exp(draw) times a little noise: the stand-in fits almost
    /// exactly, so the estimate lands near the true probability with a small error, far
    /// smaller than the share of runs' binomial error; and over many sets of runs the
    /// estimates spread as the reported errors say.
    #[test]
    fn a_good_stand_in_gives_the_probability_with_a_small_error() {
        let dist = Dist::Normal { mean: 0.0, sd: 1.0 };
        let cheap: Vec<Vec<f64>> = cheap_draws(std::slice::from_ref(&dist), 1, CHEAP_DRAWS)
            .unwrap()
            .iter()
            .map(|d| features(d, &[false], 1.0))
            .collect();
        // P(draw + noise > 0.5) with noise sd 0.02: about 1 - Φ(0.5) = 0.3085.
        let truth = 0.308_538;
        let (mut estimates, mut ses) = (Vec::new(), Vec::new());
        for seed in 0..40 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let draws: Vec<Vec<f64>> = (0..200)
                .map(|_| vec![rng.sample::<f64, _>(rand_distr::StandardNormal)])
                .collect();
            let max_month: Vec<f64> = draws
                .iter()
                .map(|d| (d[0] + 0.02 * rng.sample::<f64, _>(rand_distr::StandardNormal)).exp())
                .collect();
            let budget = 0.5f64.exp();
            let exceeded: Vec<bool> = max_month.iter().map(|m| *m > budget).collect();
            let rows: Vec<Vec<f64>> = draws.iter().map(|d| features(d, &[false], 1.0)).collect();
            let c = budget_probability(&exceeded, &max_month, &rows, &cheap, budget, 10).unwrap();
            estimates.push(c.probability);
            ses.push(c.se);
        }
        let mean = estimates.iter().sum::<f64>() / 40.0;
        let sd = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / 39.0).sqrt();
        let rms = (ses.iter().map(|s| s * s).sum::<f64>() / 40.0).sqrt();
        let binomial = (truth * (1.0 - truth) / 200.0f64).sqrt();
        assert!((mean - truth).abs() < 0.01, "mean estimate {mean}");
        assert!(rms < binomial / 3.0, "error {rms} against {binomial}");
        assert!(
            (0.5..2.0).contains(&(sd / rms)),
            "spread {sd} against {rms}"
        );
    }

    #[test]
    fn too_few_runs_fall_back() {
        let rows = vec![features(&[1.0], &[true], 1.0); 4];
        assert!(budget_probability(&[true; 4], &[2.0; 4], &rows, &rows, 1.0, 1).is_none());
    }
}
