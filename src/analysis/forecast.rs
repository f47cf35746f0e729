//! A forecast: the Monte Carlo runs of a scenario priced into a report, with the budget check
//! and, when asked, the scale curve (the scenario simulated again at other user counts; see
//! [`crate::analysis::economics`] for what it shows).
//!
//! A forecast can be stopped: [`ForecastOptions::cancel`] is checked between runs and every
//! 65,536 requests within one, and the forecast then returns [`ForecastError::Interrupted`]
//! without a report (a report of the runs that happened to finish would depend on thread
//! timing).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::analysis::decision::{self, Objective};
use crate::analysis::economics::break_even;
use crate::analysis::report::{self, PrecisionInfo, Report, ScaleCurve, ScalePoint, ScaleStrategy};
use crate::foundations::limits;
use crate::foundations::pricing::PricingGap;
use crate::model::scenario::{self, Scenario};
use crate::simulation::montecarlo::{self, Outcome, Stop};

/// What a forecast is asked for besides the scenario.
#[derive(Clone, Default)]
pub struct ForecastOptions {
    /// Independent runs.
    pub runs: u32,
    /// Monthly budget to check every run against, USD.
    pub budget_usd_per_month: Option<f64>,
    /// Daily active users to evaluate the scenario at (the scale curve), if any.
    pub scale: Vec<f64>,
    /// Days simulated at each scale point (at most the horizon).
    pub scale_days: u32,
    /// Runs at each scale point.
    pub scale_runs: u32,
    /// Set to stop the forecast early.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Called once per finished run (from worker threads).
    pub progress: Option<Arc<dyn Fn() + Send + Sync>>,
    /// What the recommendation ranks strategies by.
    pub objective: Objective,
    /// Run until this precision instead of `runs` runs (`runs` is then where to start).
    pub precision: Option<Precision>,
}

/// How precise a forecast must be: see [`forecast`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// Relative 95% half-width of every strategy's mean and P95 cost (0.01: 1%).
    pub relative: f64,
    /// Absolute 95% half-width of every strategy's budget probability (0.02: ±2 points).
    pub budget_points: f64,
    /// Runs at most.
    pub max_runs: u32,
}

/// Runs a `--precision` forecast starts with: enough for the Maritz–Jarrett error of a P95
/// (which needs the 95th percentile below the largest run) to mean something.
pub const PRECISION_FIRST_RUNS: u32 = 20;

/// Blocks a `--precision` forecast of stratified runs starts with: the errors are estimated
/// from the spread between blocks, which needs a few of them (Student's t with 4 degrees of
/// freedom is 2.78, against 1.96 for many).
pub const PRECISION_FIRST_BLOCKS: u32 = 5;

impl ForecastOptions {
    /// `runs` runs, nothing else.
    pub fn runs(runs: u32) -> ForecastOptions {
        ForecastOptions {
            runs,
            ..ForecastOptions::default()
        }
    }

    /// Runs the whole forecast takes: the main runs plus every scale point's.
    pub fn total_runs(&self) -> u64 {
        u64::from(self.runs) + self.scale.len() as u64 * u64::from(self.scale_runs)
    }
}

impl std::fmt::Debug for ForecastOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForecastOptions")
            .field("runs", &self.runs)
            .field("budget_usd_per_month", &self.budget_usd_per_month)
            .field("scale", &self.scale)
            .field("scale_days", &self.scale_days)
            .field("scale_runs", &self.scale_runs)
            .finish_non_exhaustive()
    }
}

/// Why a forecast failed.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// The simulation could not run (e.g. a run's uncertain draws exceed a limit).
    #[error("{path}: {message}")]
    Simulation {
        /// Scenario path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A `--scale` point the scenario cannot be simulated at (e.g. more sessions a day than
    /// are simulated): bad input, not a failure of the runs.
    #[error("{path}: {message}")]
    Scale {
        /// Scenario path.
        path: String,
        /// Which point and why.
        message: String,
    },
    /// The objective cannot rank this scenario's strategies (margin without revenue).
    #[error("{path}: {message}")]
    Objective {
        /// Scenario path.
        path: String,
        /// Why.
        message: String,
    },
    /// A model has no price for a bucket the runs used.
    #[error(transparent)]
    Pricing(#[from] PricingGap),
    /// A money figure of the report is not a finite number (the scenario's prices, scales or
    /// revenue multiply beyond what `f64` holds): bad input, never a printed "n/a".
    #[error(
        "{path}: {figure} is not a finite number of dollars up to 1e15; the scenario's prices, \
         price scales, revenue or traffic are beyond any real value"
    )]
    Money {
        /// Scenario path.
        path: String,
        /// The report figure, e.g. `strategies.baseline.cost_usd.p95`.
        figure: String,
    },
    /// [`ForecastOptions::cancel`] was set.
    #[error("interrupted before the runs finished; no report was written")]
    Interrupted,
}

/// Simulate every strategy of `scenario` over `opts.runs` runs on rayon's current pool and
/// build the priced report: what `tokencast run` prints. With `opts.scale`, the scale curve is
/// simulated too ([`scale_curve`]).
///
/// With [`ForecastOptions::precision`], runs are added in batches until every strategy's mean
/// and P95 are known to the relative precision asked for and its budget probability to the
/// points asked for (95% half-widths from the Monte Carlo errors), or the run cap is reached:
/// from [`PRECISION_FIRST_RUNS`] (or [`PRECISION_FIRST_BLOCKS`] blocks of stratified runs),
/// each batch sized from the worst figure's error (which shrinks as 1/√runs), at least a
/// quarter and at most a half more, in tens (whole blocks). Runs `0..n` are the same whatever the
/// batches, so the report is the report of `--runs n` for the n reached: deterministic for a
/// seed, whatever the threads.
pub fn forecast(scenario: &Scenario, opts: &ForecastOptions) -> Result<Report, ForecastError> {
    let mut subject = report::Subject::of_scenario(scenario);
    subject.budget_usd_per_month = opts.budget_usd_per_month;
    let mut report = match opts.precision {
        None => {
            let outcome = simulate_opts(scenario, opts.runs, opts)?;
            report::build_for(&subject, &outcome, opts.runs)?
        }
        Some(p) => {
            let block = montecarlo::block_runs(scenario);
            let mut n = PRECISION_FIRST_RUNS
                .max(PRECISION_FIRST_BLOCKS * block)
                .min(p.max_runs)
                .max(1);
            let mut outcome = simulate_range(scenario, 0..n, opts)?;
            loop {
                let mut report = report::build_for(&subject, &outcome, n)?;
                let (worst, what) = decision::precision(&report, p.relative, p.budget_points);
                // The runs needed are projected from the error itself (it shrinks as 1/√n),
                // without the t quantile's allowance for few units.
                let units = decision::units(
                    n as usize,
                    decision::effective_block(n as usize, block as usize),
                );
                let projected = worst * decision::t95(usize::MAX) / decision::t95(units - 1);
                if worst <= 1.0 || n >= p.max_runs {
                    report.precision = Some(PrecisionInfo {
                        target: p.relative,
                        budget_target: p.budget_points,
                        reached: worst <= 1.0,
                        max_runs: p.max_runs,
                        worst: what,
                    });
                    break report;
                }
                let wanted =
                    (f64::from(n) * projected * projected * 1.1).min(f64::from(p.max_runs));
                // At most half as many again per batch: an error from few runs (or a control
                // variate fitted on few) can overstate what is needed.
                let next = (wanted.ceil() as u32)
                    .min(n + n / 2)
                    .max(n + n.div_ceil(4))
                    .div_ceil(10)
                    .saturating_mul(10)
                    .min(p.max_runs);
                outcome.append(simulate_range(scenario, n..next, opts)?);
                n = next;
            }
        }
    };
    if opts.objective != Objective::Mean || report.recommendation.is_none() {
        report.recommendation = Some(decision::recommend(&report, opts.objective).map_err(
            |message| ForecastError::Objective {
                path: scenario.path.clone(),
                message,
            },
        )?);
    }
    finite_money(scenario, &report)?;
    if !opts.scale.is_empty() {
        report.scale_curve = Some(scale_curve(scenario, opts)?);
    }
    Ok(report)
}

/// An error naming the first money figure of `report` that is not a finite number of at most
/// [`limits::MAX_REPORT_USD`] dollars.
fn finite_money(scenario: &Scenario, report: &Report) -> Result<(), ForecastError> {
    match report.money_beyond(limits::MAX_REPORT_USD) {
        Some(figure) => Err(ForecastError::Money {
            path: scenario.path.clone(),
            figure,
        }),
        None => Ok(()),
    }
}

/// [`montecarlo::simulate`] with the cancel flag and progress callback of `opts`.
pub fn simulate_opts(
    scenario: &Scenario,
    runs: u32,
    opts: &ForecastOptions,
) -> Result<Outcome, ForecastError> {
    simulate_range(scenario, 0..runs, opts)
}

/// Runs `runs` of [`simulate_opts`].
fn simulate_range(
    scenario: &Scenario,
    runs: std::ops::Range<u32>,
    opts: &ForecastOptions,
) -> Result<Outcome, ForecastError> {
    let progress = opts.progress.as_deref().map(|p| p as &(dyn Fn() + Sync));
    montecarlo::simulate_runs(scenario, runs, opts.cancel.as_deref(), progress).map_err(|e| match e
    {
        Stop::Failed(message) => ForecastError::Simulation {
            path: scenario.path.clone(),
            message,
        },
        Stop::Cancelled => ForecastError::Interrupted,
    })
}
/// The scenario at `users` daily active users of the product, flat, over `days` days.
fn at_scale(base: &Scenario, users: f64, days: u32) -> Result<Scenario, String> {
    let product = montecarlo::product_endpoint(base).ok_or("the scenario has no endpoints")?;
    let dau = base.endpoints[product].traffic.daily_active_users;
    if dau <= 0.0 {
        return Err(
            "the product endpoint has 0 daily active users, so there is nothing to scale"
                .to_string(),
        );
    }
    let factor = users / dau;
    let mut sc = base.clone();
    for e in &mut sc.endpoints {
        e.traffic.daily_active_users *= factor;
        e.traffic.growth = None;
        let daily = e.traffic.daily_active_users * e.traffic.sessions_per_user_per_day;
        if daily > scenario::MAX_SESSIONS_PER_DAY {
            return Err(format!(
                "{} users give endpoint {:?} {} sessions a day; at most {} a day are simulated",
                scenario::trim_float(users),
                e.name,
                scenario::trim_float(daily.round()),
                scenario::trim_float(scenario::MAX_SESSIONS_PER_DAY)
            ));
        }
    }
    // The curve shows the steady state being scaled into: the prices in effect at the end of
    // the horizon, every dated change applied from day 0.
    for c in &mut sc.price_changes {
        c.day = 0;
    }
    sc.set_horizon_days(days.min(base.horizon_days).max(1));
    sc.uncertain
        .retain(|u| !u.path.ends_with(".daily_active_users") && !u.path.contains(".growth."));
    Ok(sc)
}

/// The scale curve of `scenario` at `opts.scale` users (see the module docs).
pub fn scale_curve(
    scenario: &Scenario,
    opts: &ForecastOptions,
) -> Result<ScaleCurve, ForecastError> {
    let mut users = opts.scale.clone();
    users.sort_by(f64::total_cmp);
    users.dedup();
    let runs = opts.scale_runs.max(1);
    let mut points = Vec::new();
    let mut days = 0;
    for &u in &users {
        let sc =
            at_scale(scenario, u, opts.scale_days).map_err(|message| ForecastError::Scale {
                path: scenario.path.clone(),
                message: format!("--scale {}: {message}", scenario::trim_float(u)),
            })?;
        days = sc.horizon_days;
        let outcome = simulate_opts(&sc, runs, opts)?;
        let rep = report::build(&sc, &outcome, runs)?;
        finite_money(scenario, &rep)?;
        points.push(ScalePoint {
            daily_active_users: u,
            strategies: rep
                .strategies
                .iter()
                .map(|(name, s)| {
                    (
                        name.clone(),
                        ScaleStrategy {
                            cost_per_user_month_usd: s.unit_economics.cost_per_user_month_usd,
                            cost_per_request_usd: s.unit_economics.cost_per_request_usd,
                            margin_per_user_month_usd: s.unit_economics.margin_per_user_month_usd,
                        },
                    )
                })
                .collect(),
        });
    }
    let break_even_users = scenario_strategy_names(scenario)
        .into_iter()
        .map(|name| {
            let curve: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| {
                    let m = p.strategies.get(&name)?.margin_per_user_month_usd?;
                    Some((p.daily_active_users, m.mean))
                })
                .collect();
            (name, break_even(&curve))
        })
        .collect();
    Ok(ScaleCurve {
        days,
        runs,
        points,
        break_even_users,
    })
}

fn scenario_strategy_names(scenario: &Scenario) -> Vec<String> {
    scenario.strategies.iter().map(|s| s.name.clone()).collect()
}
