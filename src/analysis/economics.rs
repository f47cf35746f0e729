//! Unit economics: cost per user, session and request, revenue and margin, budgets,
//! sensitivity to uncertain parameters, and the scale curve.
//!
//! - **Users** are the product's daily active users: the endpoint with the most users on day 0
//!   stands for the product. A user-month is 30 active user-days (daily active users × the
//!   weekday factor, summed over days), so `cost per user per month = cost / user-days × 30`.
//! - **Revenue** (scenario `revenue`): plans bill every daily active user's share of a month per
//!   active user-day (`user-days / 30 × Σ share × price`), plus `usd_per_request` for every
//!   request the application served (semantic-cache hits included; summaries and cascade
//!   escalations are not requests). Margin = revenue − model cost; gross margin = margin /
//!   revenue. Only model spend is counted as cost: add your other costs to the plan prices'
//!   complement yourself.
//! - **Budget** (`--budget USD`, per month): a run exceeds it when any month's cost is above it;
//!   the probability is the share of runs that do, and the first month over budget is averaged
//!   over those runs. A partial month (a horizon that ends mid-month, or a `start_date` in the
//!   middle of one) is compared with the whole budget.
//! - **Sensitivity**: for each uncertain parameter, the Spearman rank correlation between its
//!   draw and the run's total cost, and the swing (mean cost of the runs drawing above the
//!   parameter's median minus that of the others). Ranked by the correlation's magnitude.
//! - **Scale curve** (`--scale 1000,10000,...`, simulated by [`crate::analysis::forecast`]): the
//!   scenario is simulated again at each count of daily active users (every endpoint scaled in proportion to the product's users, growth
//!   curves and uncertain adoption, i.e. `daily_active_users` and `growth` parameters, set
//!   aside so the count holds), over `--scale-days` days and `--scale-runs` runs per point,
//!   at the prices in effect at the end of the horizon (dated price changes applied from the
//!   start).
//!   Cost per user falls where shared prompt prefixes stay warm and semantic caches fill up with
//!   more traffic. A break-even point is where margin per user crosses zero between two points
//!   (interpolated linearly in log users).

use crate::analysis::report::{BudgetStats, SensitivityRow, Stats, UnitEconomics, quantile_sorted};
use crate::foundations::calendar::MonthSpan;
use crate::simulation::montecarlo::RunInfo;

/// Totals of one run of one strategy.
#[derive(Debug, Clone, Copy)]
pub struct RunTotals {
    /// Cost, USD.
    pub cost: f64,
    /// Requests served: billed model requests plus semantic cache hits.
    pub requests: f64,
    /// Sessions.
    pub sessions: f64,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Revenue of one run (0 without revenue).
pub fn revenue_of_run(run: &RunInfo) -> f64 {
    run.revenue.as_ref().map_or(0.0, |r| {
        run.active_user_days / 30.0 * r.per_user_month()
            + run.served_requests as f64 * r.usd_per_request
    })
}

/// Unit economics of one strategy from its runs (`user_days[i]` and `revenue[i]` of run `i`).
pub fn unit_economics(
    runs: Vec<RunTotals>,
    user_days: &[f64],
    revenue: Option<&[f64]>,
    horizon_days: u32,
) -> UnitEconomics {
    let per = |f: &dyn Fn(usize, &RunTotals) -> f64| -> Stats {
        Stats::of(
            &runs
                .iter()
                .enumerate()
                .map(|(i, r)| f(i, r))
                .collect::<Vec<_>>(),
        )
    };
    let ud = |i: usize| user_days.get(i).copied().unwrap_or(0.0);
    let active_user_days = mean(user_days);
    let rev = |i: usize| revenue.and_then(|r| r.get(i)).copied().unwrap_or(0.0);
    let with_revenue = |f: &dyn Fn(usize, &RunTotals) -> f64| revenue.map(|_| per(f));
    UnitEconomics {
        active_user_days,
        daily_active_users: ratio(active_user_days, f64::from(horizon_days)),
        cost_per_request_usd: per(&|_, r| ratio(r.cost, r.requests)),
        cost_per_session_usd: per(&|_, r| ratio(r.cost, r.sessions)),
        cost_per_active_user_day_usd: per(&|i, r| ratio(r.cost, ud(i))),
        cost_per_user_month_usd: per(&|i, r| ratio(r.cost, ud(i)) * 30.0),
        revenue_usd: with_revenue(&|i, _| rev(i)),
        margin_usd: with_revenue(&|i, r| rev(i) - r.cost),
        gross_margin: revenue.map(|_| {
            Stats::of(
                &runs
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| rev(*i) > 0.0)
                    .map(|(i, r)| (rev(i) - r.cost) / rev(i))
                    .collect::<Vec<_>>(),
            )
        }),
        revenue_per_user_month_usd: with_revenue(&|i, _| ratio(rev(i), ud(i)) * 30.0),
        margin_per_user_month_usd: with_revenue(&|i, r| ratio(rev(i) - r.cost, ud(i)) * 30.0),
    }
}

/// The cost of month `m` of one run (`run`: cost per day; a month past the run's days costs 0).
fn month_cost(m: &MonthSpan, run: &[f64]) -> f64 {
    let from = m.first_day as usize;
    let to = (from + m.days as usize).min(run.len());
    run.get(from..to).map_or(0.0, |d| d.iter().sum::<f64>())
}

/// The cost of the costliest month of each run (`daily[run]`: cost per day): a run exceeds a
/// monthly budget exactly when this is above it.
pub fn costliest_month(months: &[MonthSpan], daily: &[&[f64]]) -> Vec<f64> {
    daily
        .iter()
        .map(|run| {
            months
                .iter()
                .map(|m| month_cost(m, run))
                .fold(0.0, f64::max)
        })
        .collect()
}

/// How the runs of one strategy fare against a monthly budget (`daily[run]`: cost per day).
pub fn budget_stats(budget: f64, months: &[MonthSpan], daily: &[&[f64]]) -> BudgetStats {
    let mut first: Vec<usize> = Vec::new();
    for run in daily {
        if let Some(m) = months.iter().position(|m| month_cost(m, run) > budget) {
            first.push(m);
        }
    }
    let n = daily.len().max(1) as f64;
    let mut counts = vec![0usize; months.len()];
    for &m in &first {
        counts[m] += 1;
    }
    // The most frequent first month; the earliest on ties.
    let mode = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(m, _)| months[m].label.clone());
    BudgetStats {
        usd_per_month: budget,
        probability_exceeded: first.len() as f64 / n,
        share_of_runs: first.len() as f64 / n,
        control_variate: false,
        expected_first_month: (!first.is_empty())
            .then(|| first.iter().map(|m| (m + 1) as f64).sum::<f64>() / first.len() as f64),
        most_likely_first_month: mode,
    }
}

/// Average ranks (1-based; ties share their mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (0 when either side does not vary).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let (mx, my) = (mean(&rx), mean(&ry));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    }
}

/// Uncertain parameters ranked by how strongly they drive `totals` (one per run).
pub fn sensitivity(
    params: &[(String, String, String)],
    runs: &[RunInfo],
    totals: &[f64],
) -> Vec<SensitivityRow> {
    if runs.len() != totals.len() || runs.len() < 3 {
        return Vec::new();
    }
    let mut rows: Vec<SensitivityRow> = params
        .iter()
        .enumerate()
        // Revenue cannot move the cost: any correlation there would be noise.
        .filter(|(_, (path, _, _))| !path.starts_with("revenue."))
        .map(|(i, (path, _, _))| {
            let x: Vec<f64> = runs
                .iter()
                .map(|r| r.draws.get(i).copied().unwrap_or(0.0))
                .collect();
            let mut sorted = x.clone();
            sorted.sort_by(f64::total_cmp);
            let median = quantile_sorted(&sorted, 0.5);
            let (mut hi, mut lo) = (Vec::new(), Vec::new());
            for (xi, t) in x.iter().zip(totals) {
                if *xi > median { &mut hi } else { &mut lo }.push(*t);
            }
            SensitivityRow {
                parameter: path.clone(),
                rank_correlation: spearman(&x, totals),
                swing_usd: if hi.is_empty() || lo.is_empty() {
                    0.0
                } else {
                    mean(&hi) - mean(&lo)
                },
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.rank_correlation
            .abs()
            .total_cmp(&a.rank_correlation.abs())
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    rows
}

/// The first user count where `margin` changes sign between two points, interpolated linearly
/// in log users; `None` if it never does.
pub fn break_even(curve: &[(f64, f64)]) -> Option<f64> {
    curve.windows(2).find_map(|w| {
        let ((u0, m0), (u1, m1)) = (w[0], w[1]);
        if m0 == 0.0 {
            return Some(u0);
        }
        if (m0 < 0.0) != (m1 < 0.0) || m1 == 0.0 {
            let t = m0 / (m0 - m1);
            let (l0, l1) = (u0.ln(), u1.ln());
            Some((l0 + t * (l1 - l0)).exp())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_monotone_and_reversed_data() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&x, &[10.0, 20.0, 25.0, 100.0, 1000.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x, &[1.0; 5]), 0.0);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), [2.5, 1.0, 2.5]);
    }

    #[test]
    fn break_even_interpolates_in_log_users() {
        assert_eq!(break_even(&[(1000.0, 1.0), (10000.0, 2.0)]), None);
        let b = break_even(&[(1000.0, -1.0), (100_000.0, 1.0)]).unwrap();
        assert!((b - 10_000.0).abs() < 1e-6, "{b}");
    }

    #[test]
    fn budget_counts_runs_and_first_months() {
        let months = crate::foundations::calendar::thirty_day_months(60);
        let low = vec![1.0; 60];
        let mut late = vec![1.0; 60];
        late[45] = 100.0;
        let early = vec![10.0; 60];
        let b = budget_stats(50.0, &months, &[&low, &late, &early, &early]);
        assert_eq!(b.probability_exceeded, 0.75);
        assert_eq!(b.expected_first_month, Some((2.0 + 1.0 + 1.0) / 3.0));
        assert_eq!(b.most_likely_first_month.as_deref(), Some("month 1"));
        let none = budget_stats(1e9, &months, &[&low]);
        assert_eq!(none.probability_exceeded, 0.0);
        assert_eq!(none.expected_first_month, None);
    }
}
