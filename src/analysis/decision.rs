//! What a report recommends and how sure it is.
//!
//! - **Monte Carlo error** of each strategy's headline figures ([`mc_error`]): the standard
//!   error of the mean cost (sample standard deviation over √runs), of the P95 cost
//!   (Maritz–Jarrett: the standard deviation of a Beta-weighted mix of the order statistics,
//!   sound from about ten runs) and of the probability of exceeding the budget (√(p(1−p)/n)).
//! - **What the spread is** ([`spread`]): with no uncertain parameters the runs differ only by
//!   their random traffic, so P5–P95 is simulation noise, not confidence about the real world.
//! - **The recommendation** ([`recommend`]): the best strategy by the objective, its saving
//!   against the baseline with the 95% interval of the paired difference (run i of every
//!   strategy saw the same traffic: common random numbers), and whether the ranking is settled,
//!   i.e. the paired interval of the lead over the runner-up excludes zero.
//! - **Precision** ([`precision`]): how far each figure is from the relative precision asked
//!   for, so that a forecast can run until it is reached (`--precision`).

use statrs::distribution::{Beta, ContinuousCDF};

use crate::analysis::diff::stats::{bootstrap, t_interval};
use crate::analysis::report::{Bounds, Finding, McError, Recommendation, Report};
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

/// The Monte Carlo error of one strategy's figures from its per-run costs (in run order) and,
/// with a budget, the share of runs that exceeded it.
pub fn mc_error(runs_cost: &[f64], budget_probability: Option<f64>) -> McError {
    let n = runs_cost.len();
    if n < 2 {
        return McError {
            mean_se_usd: 0.0,
            p95_se_usd: 0.0,
            budget_probability_se: budget_probability.map(|_| 0.0),
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
    McError {
        mean_se_usd: (var / nf).sqrt(),
        p95_se_usd: maritz_jarrett_se(&sorted, 0.95),
        budget_probability_se: budget_probability.map(|p| (p * (1.0 - p) / nf).sqrt()),
    }
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
/// strategy, the 95% half-width of the mean and of the P95 over `target` times the figure,
/// and of the budget probability over `budget_target`; with the figure it comes from. At most
/// 1 when every figure is known to its precision.
pub fn precision(report: &Report, target: f64, budget_target: f64) -> (f64, String) {
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
        let mean = rel(Z95 * e.mean_se_usd, s.cost_usd.mean);
        consider(mean / target, format!("{name} mean: ±{:.2}%", 100.0 * mean));
        let p95 = rel(Z95 * e.p95_se_usd, s.cost_usd.p95);
        consider(p95 / target, format!("{name} P95: ±{:.2}%", 100.0 * p95));
        if let Some(se) = e.budget_probability_se {
            let half = Z95 * se;
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
        let e = mc_error(&[1.0, 2.0, 3.0, 4.0], Some(0.25));
        // sd = √(5/3), se = sd / 2.
        assert!((e.mean_se_usd - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!((e.budget_probability_se.unwrap() - (0.25f64 * 0.75 / 4.0).sqrt()).abs() < 1e-12);
        let one = mc_error(&[7.0], None);
        assert_eq!((one.mean_se_usd, one.p95_se_usd), (0.0, 0.0));
    }
}
