//! The statistics of a change: a point change between two values (never `-0`), and the 95%
//! interval of a change from the two sides' per-run values: a t interval of the mean paired
//! difference (Welch's when unpaired) for the mean, a percentile bootstrap for P50 and P95.
//!
//! Pure arithmetic on numbers, apart from the report types, so that it can be checked by hand.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::analysis::diff::{BOOTSTRAP_RESAMPLES, Change, INTERVAL_LEVEL, Interval, Pairing};
use crate::analysis::report::{Stats, quantile_sorted};

/// Which statistic of a side's monthly cost a change is about.
#[derive(Clone, Copy)]
pub(super) enum Metric {
    Mean,
    P50,
    P95,
}

impl Metric {
    /// The statistic's value in `s`.
    pub(super) fn of(self, s: &Stats) -> f64 {
        match self {
            Metric::Mean => s.mean,
            Metric::P50 => s.p50,
            Metric::P95 => s.p95,
        }
    }

    /// The quantile it is (`None` for the mean).
    fn quantile(self) -> Option<f64> {
        match self {
            Metric::Mean => None,
            Metric::P50 => Some(0.5),
            Metric::P95 => Some(0.95),
        }
    }
}

/// `x`, with a negative zero made positive (so nothing prints as `-0`).
fn z(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

impl Change {
    /// The change between two values, without an interval. An absent side counts as 0.
    pub fn point(base: Option<f64>, head: Option<f64>) -> Change {
        let b = z(base.unwrap_or(0.0));
        let h = z(head.unwrap_or(0.0));
        let d = z(h - b);
        Change {
            base_usd: b,
            head_usd: h,
            change_usd: d,
            change_pct: if b != 0.0 {
                Some(z(100.0 * d / b))
            } else if d == 0.0 {
                Some(0.0)
            } else {
                None
            },
            interval_usd: None,
            within_noise: None,
        }
    }
}

/// The 95% interval of the change in `metric`, from per-run values (`None` for an absent side;
/// an empty vector when a side lacks per-run values).
pub(super) fn interval(
    base: Option<&[f64]>,
    head: Option<&[f64]>,
    pairing: Pairing,
    metric: Metric,
    rng_seed: u64,
) -> Option<Interval> {
    let (low, high) = match (base, head) {
        (None, None) => return None,
        // One side: the change is that side's value (negated for a removal).
        (None, Some(x)) => one_side(x, metric, rng_seed)?,
        (Some(x), None) => {
            let (lo, hi) = one_side(x, metric, rng_seed)?;
            (-hi, -lo)
        }
        (Some(b), Some(h)) => both_sides(b, h, pairing, metric, rng_seed)?,
    };
    Some(Interval {
        low: z(low),
        high: z(high),
    })
}

/// The interval of one side's value against zero.
fn one_side(x: &[f64], metric: Metric, rng_seed: u64) -> Option<(f64, f64)> {
    if x.len() < 2 {
        return None;
    }
    match metric.quantile() {
        None => t_interval(x),
        Some(q) => {
            let zeros = vec![0.0; x.len()];
            bootstrap(&zeros, x, true, q, rng_seed)
        }
    }
}

/// The interval of `head - base`: paired or Welch t for the mean, bootstrap for a quantile.
fn both_sides(
    b: &[f64],
    h: &[f64],
    pairing: Pairing,
    metric: Metric,
    rng_seed: u64,
) -> Option<(f64, f64)> {
    if b.len() < 2 || h.len() < 2 {
        return None;
    }
    match (pairing, metric.quantile()) {
        (Pairing::Paired, None) => {
            let d: Vec<f64> = h.iter().zip(b).map(|(h, b)| h - b).collect();
            t_interval(&d)
        }
        (_, None) => welch_interval(b, h),
        (p, Some(q)) => bootstrap(b, h, p == Pairing::Paired, q, rng_seed),
    }
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// t interval of the mean of `d` (at least two values).
pub(crate) fn t_interval(d: &[f64]) -> Option<(f64, f64)> {
    let (m, v) = mean_var(d);
    if v == 0.0 {
        return Some((m, m));
    }
    let n = d.len() as f64;
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - INTERVAL_LEVEL) / 2.0);
    let half = t * (v / n).sqrt();
    Some((m - half, m + half))
}

/// Welch's interval of `mean(h) - mean(b)` for independent samples (at least two values each).
fn welch_interval(b: &[f64], h: &[f64]) -> Option<(f64, f64)> {
    let alpha = 1.0 - INTERVAL_LEVEL;
    let (mb, vb) = mean_var(b);
    let (mh, vh) = mean_var(h);
    let (nb, nh) = (b.len() as f64, h.len() as f64);
    let se2 = vb / nb + vh / nh;
    let d = mh - mb;
    if se2 == 0.0 {
        return Some((d, d));
    }
    let df = se2 * se2 / ((vb / nb).powi(2) / (nb - 1.0) + (vh / nh).powi(2) / (nh - 1.0));
    let t = StudentsT::new(0.0, 1.0, df)
        .ok()?
        .inverse_cdf(1.0 - alpha / 2.0);
    Some((d - t * se2.sqrt(), d + t * se2.sqrt()))
}

/// Percentile-bootstrap interval of `quantile(head) - quantile(base)`; `paired` resamples the
/// same run indices on both sides.
pub(crate) fn bootstrap(
    base: &[f64],
    head: &[f64],
    paired: bool,
    q: f64,
    seed: u64,
) -> Option<(f64, f64)> {
    if base.len() < 2 || head.len() < 2 {
        return None;
    }
    // Identical per-run values give exactly zero, without resampling noise in the last bits.
    if paired && base == head {
        return Some((0.0, 0.0));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bs = vec![0.0; base.len()];
    let mut hs = vec![0.0; head.len()];
    let mut diffs = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        if paired {
            for k in 0..base.len() {
                let i = rng.random_range(0..base.len());
                bs[k] = base[i];
                hs[k] = head[i];
            }
        } else {
            for x in bs.iter_mut() {
                *x = base[rng.random_range(0..base.len())];
            }
            for x in hs.iter_mut() {
                *x = head[rng.random_range(0..head.len())];
            }
        }
        bs.sort_by(f64::total_cmp);
        hs.sort_by(f64::total_cmp);
        diffs.push(quantile_sorted(&hs, q) - quantile_sorted(&bs, q));
    }
    diffs.sort_by(f64::total_cmp);
    let a = (1.0 - INTERVAL_LEVEL) / 2.0;
    Some((quantile_sorted(&diffs, a), quantile_sorted(&diffs, 1.0 - a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_changes_have_no_negative_zero() {
        let c = Change::point(Some(5.0), Some(5.0));
        assert_eq!(c.change_usd.to_bits(), 0.0f64.to_bits());
        assert_eq!(c.change_pct, Some(0.0));
        let c = Change::point(Some(-0.0), Some(0.0));
        assert_eq!(c.base_usd.to_bits(), 0.0f64.to_bits());
        assert_eq!(Change::point(None, Some(2.0)).change_pct, None);
        assert_eq!(Change::point(Some(4.0), Some(5.0)).change_pct, Some(25.0));
    }

    #[test]
    fn paired_t_interval_matches_a_hand_computation() {
        // d = 1, 2, 3: mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.302653.
        let (lo, hi) = t_interval(&[1.0, 2.0, 3.0]).unwrap();
        let half = 4.302_652_729_911_275 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-9 && (hi - (2.0 + half)).abs() < 1e-9);
        assert_eq!(t_interval(&[2.0, 2.0]), Some((2.0, 2.0)));
    }

    #[test]
    fn identical_paired_runs_give_a_zero_interval() {
        let x = [1.0, 5.0, 3.0, 2.0];
        let i = interval(Some(&x), Some(&x), Pairing::Paired, Metric::Mean, 1).unwrap();
        assert_eq!((i.low, i.high), (0.0, 0.0));
        let i = interval(Some(&x), Some(&x), Pairing::Paired, Metric::P95, 1).unwrap();
        assert_eq!((i.low, i.high), (0.0, 0.0));
        assert!(
            interval(
                Some(&x[..1]),
                Some(&x[..1]),
                Pairing::Paired,
                Metric::Mean,
                1
            )
            .is_none()
        );
    }

    #[test]
    fn bootstrap_is_deterministic_and_brackets_a_shift() {
        let b: Vec<f64> = (0..20).map(|i| 100.0 + f64::from(i)).collect();
        let h: Vec<f64> = b.iter().map(|x| x + 10.0).collect();
        let a = bootstrap(&b, &h, true, 0.95, 7).unwrap();
        assert_eq!(a, bootstrap(&b, &h, true, 0.95, 7).unwrap());
        // A constant paired shift moves every quantile by exactly the shift.
        assert!((a.0 - 10.0).abs() < 1e-9 && (a.1 - 10.0).abs() < 1e-9);
        let u = bootstrap(&b, &h, false, 0.5, 7).unwrap();
        assert!(u.0 < 10.0 && 10.0 < u.1, "{u:?}");
    }
}
