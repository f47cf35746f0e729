//! What a report recommends and how sure it is.
//!
//! - **Monte Carlo error** of each strategy's headline figures ([`mc_error`]): the standard
//!   error of the mean cost (sample standard deviation over √runs), of the P95 cost
//!   (Maritz–Jarrett: the standard deviation of a Beta-weighted mix of the order statistics,
//!   sound from about ten runs) and of the probability of exceeding the budget (√(p(1−p)/n)).
//!   When the uncertain parameters were stratified ([`crate::model::uncertain::Sampling`]),
//!   runs within a block of ten are not independent (that is the point: they cover each
//!   parameter's range evenly), so the errors come from the blocks instead: the between-block
//!   (cluster) standard error of a mean, Σ_b(Σ_{i∈b}(y_i − ȳ))² · G/(G−1) / n² over G blocks
//!   (the last may be shorter), for the mean cost and the budget probability, and a bootstrap
//!   over whole blocks for the P95. Intervals and `--precision` then use Student's t with
//!   G − 1 degrees of freedom.
//! - **What the spread is** ([`spread`]): with no uncertain parameters the runs differ only by
//!   their random traffic, so P5–P95 is simulation noise, not confidence about the real world.
//! - **The recommendation** ([`recommend`]): the best strategy by the objective, its saving
//!   against the baseline with the 95% interval of the paired difference (run i of every
//!   strategy saw the same traffic: common random numbers), and whether the ranking is settled,
//!   i.e. the paired interval of the lead over the runner-up excludes zero.
//! - **Precision** ([`precision`]): how far each figure is from the relative precision asked
//!   for, so that a forecast can run until it is reached (`--precision`).

pub mod control;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{Beta, ContinuousCDF, StudentsT};

use crate::analysis::diff::stats::{bootstrap, t_interval};
use crate::analysis::report::{Bounds, Finding, McError, Recommendation, Report, quantile_sorted};
use crate::foundations::limits::MAX_REPORT_USD;

/// What "best" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Objective {
    /// The lowest mean cost.
    #[default]
    Mean,
    /// The lowest 95th percentile of cost (a bad month rather than an average one).
    P95,
    /// The highest mean margin (revenue minus cost); needs the scenario's revenue. Revenue
    /// does not depend on the strategy (every strategy serves the same requests), so margin
    /// differences are cost differences with the sign turned.
    Margin,
}

impl Objective {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Mean => "mean cost",
            Objective::P95 => "P95 cost",
            Objective::Margin => "margin",
        }
    }
}

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Resamples of the block bootstrap of a P95.
const BLOCK_BOOTSTRAP_RESAMPLES: usize = 400;

/// The Monte Carlo error of one strategy's figures from its per-run costs (in run order) and,
/// with a budget, whether each run exceeded it; runs come in independent blocks of `block`
/// runs (1: every run is independent). `seed` seeds the block bootstrap.
pub fn mc_error(runs_cost: &[f64], exceeded: Option<&[bool]>, block: usize, seed: u64) -> McError {
    let n = runs_cost.len();
    let flags = |e: &[bool]| -> Vec<f64> { e.iter().map(|&x| f64::from(u8::from(x))).collect() };
    if n < 2 {
        return McError {
            mean_se_usd: 0.0,
            p95_se_usd: 0.0,
            budget_probability_se: exceeded.map(|_| 0.0),
        };
    }
    let block = effective_block(n, block);
    if block > 1 {
        return McError {
            mean_se_usd: block_se(runs_cost, block),
            p95_se_usd: block_bootstrap(runs_cost, None, block, 0.95, seed).map_or(0.0, |b| b.se),
            budget_probability_se: exceeded.map(|e| block_se(&flags(e), block)),
        };
    }
    let nf = n as f64;
    let mean = runs_cost.iter().sum::<f64>() / nf;
    let var = runs_cost
        .iter()
        .map(|c| (c - mean) * (c - mean))
        .sum::<f64>()
        / (nf - 1.0);
    let mut sorted = runs_cost.to_vec();
    sorted.sort_by(f64::total_cmp);
    let budget_probability = exceeded.map(|e| flags(e).iter().sum::<f64>() / nf);
    McError {
        mean_se_usd: (var / nf).sqrt(),
        p95_se_usd: maritz_jarrett_se(&sorted, 0.95),
        budget_probability_se: budget_probability.map(|p| (p * (1.0 - p) / nf).sqrt()),
    }
}

/// Blocks needed before errors are computed from the spread between blocks: with fewer, that
/// spread is too rough (two blocks that happen to agree would claim no error at all).
pub const MIN_BLOCKS: usize = 5;

/// The block size the errors of `n` runs in blocks of `block` are computed with: `block`
/// from [`MIN_BLOCKS`] blocks on; below, 1, as if the runs were independent (stratified runs
/// vary no more than independent ones, so this overstates the error rather than understating
/// it).
pub fn effective_block(n: usize, block: usize) -> usize {
    if units(n, block) >= MIN_BLOCKS {
        block
    } else {
        1
    }
}

/// The independent units of `n` runs in blocks of `block`: ⌈n / block⌉.
pub fn units(n: usize, block: usize) -> usize {
    n.div_ceil(block.max(1))
}

/// The standard error of the mean of `y` when its values come in independent consecutive
/// blocks of `block` (the last may be shorter): √(G/(G−1) Σ_b (Σ_{i∈b}(y_i − ȳ))²) / n over G
/// blocks (the cluster, or ratio, estimator; with `block` 1 it is s/√n). 0 below two blocks.
pub fn block_se(y: &[f64], block: usize) -> f64 {
    let n = y.len();
    let g = units(n, block);
    if g < 2 {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let ss: f64 = y
        .chunks(block.max(1))
        .map(|c| {
            let s: f64 = c.iter().map(|v| v - mean).sum();
            s * s
        })
        .sum();
    (ss * g as f64 / (g - 1) as f64).sqrt() / n as f64
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom (z beyond 1,000).
pub fn t95(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df > 1000 {
        return Z95;
    }
    StudentsT::new(0.0, 1.0, df as f64).map_or(Z95, |t| t.inverse_cdf(0.975))
}

/// A block bootstrap of the `q` quantile of `a` (or, with `b`, of `q(b) − q(a)`, the blocks
/// of both resampled together): its standard error and 95% percentile interval.
struct Bootstrapped {
    se: f64,
    low: f64,
    high: f64,
}

fn block_bootstrap(
    a: &[f64],
    b: Option<&[f64]>,
    block: usize,
    q: f64,
    seed: u64,
) -> Option<Bootstrapped> {
    let n = a.len();
    let g = units(n, block);
    if g < 2 || b.is_some_and(|b| b.len() != n) {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xB100_C4B0_075E_ED00);
    let starts: Vec<usize> = (0..g).map(|k| k * block).collect();
    let (mut ra, mut rb) = (Vec::with_capacity(n + block), Vec::with_capacity(n + block));
    let mut stats = Vec::with_capacity(BLOCK_BOOTSTRAP_RESAMPLES);
    for _ in 0..BLOCK_BOOTSTRAP_RESAMPLES {
        ra.clear();
        rb.clear();
        for _ in 0..g {
            let s = starts[rng.random_range(0..g)];
            let e = (s + block).min(n);
            ra.extend_from_slice(&a[s..e]);
            if let Some(b) = b {
                rb.extend_from_slice(&b[s..e]);
            }
        }
        ra.sort_by(f64::total_cmp);
        let qa = quantile_sorted(&ra, q);
        stats.push(if b.is_some() {
            rb.sort_by(f64::total_cmp);
            quantile_sorted(&rb, q) - qa
        } else {
            qa
        });
    }
    let m = stats.iter().sum::<f64>() / stats.len() as f64;
    let var = stats.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (stats.len() - 1) as f64;
    stats.sort_by(f64::total_cmp);
    Some(Bootstrapped {
        se: var.sqrt(),
        low: quantile_sorted(&stats, 0.025),
        high: quantile_sorted(&stats, 0.975),
    })
}

/// Maritz–Jarrett estimate of the standard error of the `q` quantile of sorted values (Wilcox,
/// *Introduction to Robust Estimation and Hypothesis Testing*, 3.5.3): with m = ⌊qn + ½⌋ kept
/// within 2..=n−1, weights W_i = I(i/n; m−1, n−m) − I((i−1)/n; m−1, n−m) of the regularised
/// incomplete Beta function, C_k = Σ W_i x_(i)^k, SE = √(C₂ − C₁²). 0 for fewer than 3 values
/// or values all equal.
pub fn maritz_jarrett_se(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n < 3 || sorted[0] == sorted[n - 1] {
        return 0.0;
    }
    let m = ((q * n as f64 + 0.5).floor() as usize).clamp(2, n - 1);
    let Ok(beta) = Beta::new((m - 1) as f64, (n - m) as f64) else {
        return 0.0;
    };
    // Centre the values (on their median) so that the second moment does not lose digits.
    let centre = sorted[n / 2];
    let (mut c1, mut c2) = (0.0, 0.0);
    let mut below = 0.0;
    for (i, x) in sorted.iter().enumerate() {
        let upto = beta.cdf((i + 1) as f64 / n as f64);
        let w = upto - below;
        below = upto;
        let d = x - centre;
        c1 += w * d;
        c2 += w * d * d;
    }
    (c2 - c1 * c1).max(0.0).sqrt()
}

/// What the spread across runs is: `none` for one deterministic figure, `uncertainty` when
/// uncertain parameters are drawn per run, else `simulation noise`.
pub fn spread(report: &Report) -> &'static str {
    if report.runs <= 1 {
        "none"
    } else if report.uncertain.is_empty() {
        "simulation noise"
    } else {
        "uncertainty"
    }
}

/// A strategy's figure under the objective (lower is better; margin is negated).
fn figure(report: &Report, name: &str, objective: Objective) -> Option<f64> {
    let s = report.strategies.get(name)?;
    Some(match objective {
        Objective::Mean => s.cost_usd.mean,
        Objective::P95 => s.cost_usd.p95,
        Objective::Margin => -s.unit_economics.margin_usd.as_ref()?.mean,
    })
}

/// The 95% paired interval of `figure(worse) - figure(better)` from the runs.
fn paired_interval(
    report: &Report,
    better: &str,
    worse: &str,
    objective: Objective,
) -> Option<Bounds> {
    let b = &report.strategies.get(better)?.runs_cost_usd;
    let w = &report.strategies.get(worse)?.runs_cost_usd;
    if b.len() < 2 || b.len() != w.len() {
        return None;
    }
    let block = effective_block(b.len(), report.block_runs());
    if block > 1 {
        // Stratified runs: the blocks are the independent units.
        let (low, high) = match objective {
            Objective::Mean | Objective::Margin => {
                let d: Vec<f64> = w.iter().zip(b).map(|(w, b)| w - b).collect();
                let m = d.iter().sum::<f64>() / d.len() as f64;
                let half = t95(units(d.len(), block) - 1) * block_se(&d, block);
                (m - half, m + half)
            }
            Objective::P95 => {
                let r = block_bootstrap(b, Some(w), block, 0.95, report.seed)?;
                (r.low, r.high)
            }
        };
        return Some(Bounds { low, high });
    }
    let (low, high) = match objective {
        // Margin: revenue is the same in run i whatever the strategy, so the margin lead is the
        // cost difference.
        Objective::Mean | Objective::Margin => {
            let d: Vec<f64> = w.iter().zip(b).map(|(w, b)| w - b).collect();
            t_interval(&d)?
        }
        Objective::P95 => bootstrap(b, w, true, 0.95, report.seed)?,
    };
    Some(Bounds { low, high })
}

/// The recommendation of a forecast or replay with at least the baseline: the best strategy by
/// `objective`, its saving against the baseline, and whether its lead over the runner-up is
/// settled. An error when the objective needs what the report lacks (margin without revenue).
pub fn recommend(report: &Report, objective: Objective) -> Result<Recommendation, String> {
    let names = crate::analysis::report::strategy_order(report);
    let mut ranked: Vec<(String, f64)> = Vec::new();
    for n in &names {
        match figure(report, n, objective) {
            Some(f) => ranked.push((n.clone(), f)),
            None => {
                return Err(format!(
                    "--objective margin needs revenue: add `revenue` to the scenario (price per \
                     user-month or per request), or rank by `mean` or `p95` cost; strategy {n:?} \
                     has no margin"
                ));
            }
        }
    }
    // Lowest figure first; ties keep the report's order (the baseline first).
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let Some((best, best_figure)) = ranked.first().cloned() else {
        return Err("the report has no strategy".to_string());
    };
    let base_name = if report.strategies.contains_key("baseline") {
        "baseline".to_string()
    } else {
        names[0].clone()
    };
    let base_figure = figure(report, &base_name, objective).unwrap_or(best_figure);
    let saving = base_figure - best_figure;
    let saving_share = if base_figure != 0.0 {
        saving / base_figure.abs()
    } else {
        0.0
    };
    let saving_interval = if best == base_name {
        None
    } else {
        paired_interval(report, &best, &base_name, objective)
    };
    let runner = ranked.get(1).cloned();
    let lead = runner.as_ref().map(|(_, f)| f - best_figure);
    let lead_interval = runner
        .as_ref()
        .and_then(|(r, _)| paired_interval(report, &best, r, objective));
    let deterministic = report.runs <= 1;
    let settled = match (&runner, lead_interval) {
        (None, _) => true,
        (Some(_), _) if deterministic => lead.is_some_and(|l| l > 0.0),
        (Some(_), Some(i)) => i.low > 0.0,
        (Some(_), None) => false,
    };
    let runs_to_settle = match (settled, lead, lead_interval) {
        (false, Some(l), Some(i)) if l > 0.0 => {
            // The interval narrows as 1/√n: n' = n (half-width / lead)², with a fifth more
            // for luck, in tens.
            let half = (i.high - i.low) / 2.0;
            let n = report.runs as f64 * (half / l).powi(2) * 1.2;
            (n.is_finite() && n < MAX_REPORT_USD).then(|| (n / 10.0).ceil() as u64 * 10)
        }
        _ => None,
    };
    let action = action(
        report,
        objective,
        &best,
        &base_name,
        runner.as_ref().map(|(n, _)| n.as_str()),
        settled,
        runs_to_settle,
    );
    Ok(Recommendation {
        objective: objective.name().to_string(),
        strategy: best,
        action,
        saving_usd: saving,
        saving_share,
        saving_interval_usd: saving_interval,
        runner_up: runner.map(|(n, _)| n),
        lead_usd: lead,
        lead_interval_usd: lead_interval,
        settled,
        runs_to_settle,
    })
}

/// The recommendation of an audit (recorded usage, one strategy): the first finding's
/// suggestion as the action (findings come most costly lever first), or, when nothing stands
/// out, how to price the levers. No saving is claimed: an audit prices what happened.
pub fn audit_recommendation(findings: &[Finding], strategies: &[String]) -> Recommendation {
    let action = match findings.first() {
        Some(f) => {
            let mut s = f.suggestion.clone();
            if let Some(c) = s.get(..1) {
                s = c.to_uppercase() + &s[1..];
            }
            format!(
                "{s} ({}); price it with `tokencast replay` and a strategy that uses the {} lever",
                f.observation, f.lever
            )
        }
        None => "Nothing stands out in the recorded usage; replay it through strategies \
                 (`tokencast replay TRACE --scenario FILE`) to price each lever"
            .to_string(),
    };
    Recommendation {
        objective: Objective::Mean.name().to_string(),
        strategy: strategies.first().cloned().unwrap_or_default(),
        action,
        saving_usd: 0.0,
        saving_share: 0.0,
        saving_interval_usd: None,
        runner_up: None,
        lead_usd: None,
        lead_interval_usd: None,
        settled: true,
        runs_to_settle: None,
    }
}

/// The one change to make, as an action (the figures are in the recommendation's fields).
fn action(
    report: &Report,
    objective: Objective,
    best: &str,
    base: &str,
    runner: Option<&str>,
    settled: bool,
    runs_to_settle: Option<u64>,
) -> String {
    if report.strategies.len() == 1 {
        return format!(
            "Nothing to compare with {best}: add strategies to the scenario (prompt caching, a \
             cheaper model for some requests, batch) to see what each would save"
        );
    }
    let what = if best == base {
        format!("Keep {base}: no strategy lowers the {}", objective.name())
    } else {
        let how = report
            .strategies
            .get(best)
            .map(|s| s.description.clone())
            .filter(|d| !d.is_empty())
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        format!("Adopt {best}{how}")
    };
    match (runner, settled, report.runs <= 1) {
        (Some(r), false, false) => match runs_to_settle {
            Some(n) => format!(
                "{what}, or {r}: the ranking is not settled; rerun with --runs {n} to tell them \
                 apart"
            ),
            None => format!("{what}, or {r}: the two are within run-to-run noise"),
        },
        _ => what,
    }
}

/// How far the report's figures are from the precision asked for: the largest of, over every
/// strategy, the 95% half-width (Student's t over the independent units: runs, or blocks of
/// stratified runs) of the mean and of the P95 over `target` times the figure,
/// and of the budget probability over `budget_target`; with the figure it comes from. At most
/// 1 when every figure is known to its precision.
pub fn precision(report: &Report, target: f64, budget_target: f64) -> (f64, String) {
    let n = report.runs as usize;
    let t = t95(units(n, effective_block(n, report.block_runs())).saturating_sub(1));
    let mut worst = (0.0, String::new());
    let mut consider = |ratio: f64, what: String| {
        if ratio > worst.0 || worst.1.is_empty() {
            worst = (ratio, what);
        }
    };
    for name in crate::analysis::report::strategy_order(report) {
        let s = &report.strategies[&name];
        let e = &s.monte_carlo_error;
        let rel = |half: f64, of: f64| {
            if half == 0.0 {
                0.0
            } else if of == 0.0 {
                f64::INFINITY
            } else {
                half / of.abs()
            }
        };
        let mean = rel(t * e.mean_se_usd, s.cost_usd.mean);
        consider(mean / target, format!("{name} mean: ±{:.2}%", 100.0 * mean));
        let p95 = rel(t * e.p95_se_usd, s.cost_usd.p95);
        consider(p95 / target, format!("{name} P95: ±{:.2}%", 100.0 * p95));
        if let Some(se) = e.budget_probability_se {
            let half = t * se;
            consider(
                half / budget_target,
                format!("{name} budget probability: ±{:.1} points", 100.0 * half),
            );
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maritz_jarrett_matches_a_hand_computation() {
        // n = 4, q = 0.5: m = 2, Beta(1, 2): I(x) = 1 - (1 - x)^2.
        // Weights: I(.25) = .4375, I(.5) - I(.25) = .3125, I(.75) - I(.5) = .1875, 1 - I(.75) = .0625.
        let x = [1.0, 2.0, 3.0, 10.0];
        let w = [0.4375, 0.3125, 0.1875, 0.0625];
        let c1: f64 = x.iter().zip(w).map(|(x, w)| x * w).sum();
        let c2: f64 = x.iter().zip(w).map(|(x, w)| x * x * w).sum();
        let want = (c2 - c1 * c1).sqrt();
        assert!((maritz_jarrett_se(&x, 0.5) - want).abs() < 1e-12);
        assert_eq!(maritz_jarrett_se(&[5.0, 5.0, 5.0], 0.95), 0.0);
        assert_eq!(maritz_jarrett_se(&[1.0, 2.0], 0.95), 0.0);
    }

    #[test]
    fn mc_error_of_a_known_sample() {
        let e = mc_error(
            &[1.0, 2.0, 3.0, 4.0],
            Some(&[false, true, false, false]),
            1,
            0,
        );
        // sd = √(5/3), se = sd / 2.
        assert!((e.mean_se_usd - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!((e.budget_probability_se.unwrap() - (0.25f64 * 0.75 / 4.0).sqrt()).abs() < 1e-12);
        let one = mc_error(&[7.0], None, 1, 0);
        assert_eq!((one.mean_se_usd, one.p95_se_usd), (0.0, 0.0));
    }

    #[test]
    fn block_errors_of_a_known_sample() {
        // Blocks of 2: [1, 3], [2, 6], [4]; mean 16/5 = 3.2. Block sums of deviations:
        // -2.4, 1.6, 0.8; squares 5.76 + 2.56 + 0.64 = 8.96; G/(G-1) = 1.5; / n^2 = 25.
        let y = [1.0, 3.0, 2.0, 6.0, 4.0];
        assert!((block_se(&y, 2) - (8.96f64 * 1.5).sqrt() / 5.0).abs() < 1e-12);
        // Blocks of one are the usual s / sqrt(n).
        let m = 3.2;
        let s2 = y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 4.0;
        assert!((block_se(&y, 1) - (s2 / 5.0).sqrt()).abs() < 1e-12);
        assert_eq!(block_se(&[1.0, 2.0], 5), 0.0);
        assert_eq!(units(21, 10), 3);
        assert!((t95(4) - 2.776_445).abs() < 1e-5);
        assert!(t95(0).is_infinite());
    }

    #[test]
    fn block_bootstrap_spreads_with_the_blocks() {
        // Every block is the same: resampling blocks cannot move the P95.
        let same: Vec<f64> = (0..40).map(|i| f64::from(i % 10)).collect();
        let b = block_bootstrap(&same, None, 10, 0.95, 1).unwrap();
        assert_eq!(b.se, 0.0);
        // Blocks at different levels: it moves, and a paired difference of a series with
        // itself shifted by 5 is exactly 5.
        let levels: Vec<f64> = (0..40).map(|i| f64::from(i / 10 * 100 + i % 10)).collect();
        assert!(block_bootstrap(&levels, None, 10, 0.95, 1).unwrap().se > 1.0);
        let shifted: Vec<f64> = levels.iter().map(|x| x + 5.0).collect();
        let d = block_bootstrap(&levels, Some(&shifted), 10, 0.95, 1).unwrap();
        assert!((d.low - 5.0).abs() < 1e-9 && (d.high - 5.0).abs() < 1e-9);
    }
}
