//! `tokencast backtest`: how far off is a forecast made from the first part of a trace?
//!
//! The trace is cut at an origin (`--train PERCENT` of its time span, default 50, or
//! `--until TIME`); [`fit`](crate::analysis::fit) fits a scenario on the rows before the cut
//! (the rates of the time it watched; hours of the day in the held-out span that it did not
//! watch get the mean rate of those it did), with the strategies of `--scenario` if given; the usual Monte Carlo runs
//! forecast the held-out span; and the held-out rows are priced exactly, as `replay` prices
//! them, through the same fitted scenario's strategies. Both sides bill the same models under
//! the same rules, so the difference is the forecast's error, not a pricing difference.
//!
//! Both sides run from the trace's day 0 and count only what is billed from the cut on: the
//! caches are as warm at the cut as the traffic before it left them, and sessions open at the
//! cut go on. The held-out span splits into periods: days when the trace spans two days or
//! more, hours when it spans two hours or more, else the whole span is one period. A period's
//! cost is the difference of the total billed at its end and at its start.
//!
//! With `--origins N` the held-out part splits into N consecutive windows, each forecast from
//! everything before it (an expanding window): N fits, N forecasts. `coverage` is the share of
//! all held-out periods whose actual cost lies inside the forecast's P5–P95 band (90% if the
//! bands are calibrated); `mape_p50` the mean absolute percentage error of the P50 over the
//! periods that cost something. The totals add the windows run by run (run `i` of every window
//! together), so their band is that of the sum.
//!
//! Memory: the whole trace (sorted by time), and per run the caches of one simulation.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::audit;
use crate::analysis::fit::{self, FitError, FitWindow};
use crate::analysis::replay::{self, Converter};
use crate::analysis::report::{self, PROMPT_BUCKETS, Stats, Subject};
use crate::foundations::pricing::{Bucket, Catalog, PricingGap};
use crate::foundations::time::{MS_PER_DAY, MS_PER_HOUR};
use crate::model::scenario::Scenario;
use crate::model::scenario::file::ScenarioFile;
use crate::model::uncertain::{self, PriceScales};
use crate::model::workload::Request;
use crate::model::workload::synthetic::Synthetic;
use crate::model::workload::trace::{self, TraceFormat, TraceReader, TraceRecord, TraceRunError};
use crate::simulation::pipeline::{Fleet, ModelTable, Pipeline};

/// Where the training part ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Split {
    /// This percentage of the trace's time span (strictly between 0 and 100).
    Percent(f64),
    /// This time (ms, as the trace's timestamps).
    Until(i64),
}

/// Backtest settings.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// Force a trace format.
    pub format: Option<TraceFormat>,
    /// Take each row's endpoint from this tag (`--endpoint-from`).
    pub endpoint_from: Option<String>,
    /// What to read of a database trace.
    pub query: trace::DatabaseQuery,
    /// Count and skip bad rows instead of stopping.
    pub skip_bad_rows: bool,
    /// Model of the fitted endpoints (`--model`), instead of the rows' own.
    pub model: Option<String>,
    /// The first origin.
    pub split: Split,
    /// Forecast origins (rolling, expanding window).
    pub origins: u32,
    /// Monte Carlo runs per forecast.
    pub runs: u32,
    /// Seed of the runs.
    pub seed: u64,
    /// Strategies to add to each fitted scenario, as a scenario file states them (its path,
    /// for messages, and the parsed file).
    pub strategies: Option<(String, ScenarioFile)>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceRunError),
    /// A training part could not be fitted.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The trace or the settings cannot be backtested.
    #[error("{path}: {message}")]
    Invalid {
        /// The trace (or scenario) file.
        path: String,
        /// Why.
        message: String,
    },
}

/// A backtest's result (`--format json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backtest {
    /// Version of this layout.
    pub schema_version: u32,
    /// The trace.
    pub trace: TraceInfo,
    /// How the held-out span splits: `day`, `hour` or `window` (each window one period).
    pub period: String,
    /// Monte Carlo runs per forecast.
    pub runs: u32,
    /// Seed of the runs.
    pub seed: u64,
    /// The forecast origins, in time order.
    pub origins: Vec<Origin>,
    /// Strategies in the fitted scenario's order (`baseline` first).
    pub strategy_order: Vec<String>,
    /// Per strategy: the bands against the actual costs, and the calibration figures.
    pub strategies: BTreeMap<String, StrategyBacktest>,
    /// What the reader should know (bad rows skipped, empty windows).
    pub warnings: Vec<String>,
}

/// The trace backtested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceInfo {
    /// Path as given.
    pub path: String,
    /// Format read.
    pub format: String,
    /// Rows read.
    pub rows: u64,
    /// Bad rows skipped (`--skip-bad-rows`).
    pub skipped_rows: u64,
    /// Time of the first row (ms: since the epoch for dated traces, else from the trace's
    /// start).
    pub first_ms: i64,
    /// Time of the last row.
    pub last_ms: i64,
}

/// One forecast origin: where it cuts, what it held out, its periods.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Origin {
    /// The cut: rows before it train, rows from it to `end_ms` are held out.
    pub cut_ms: i64,
    /// End of the held-out window (exclusive).
    pub end_ms: i64,
    /// Rows before the cut.
    pub train_rows: u64,
    /// Rows held out.
    pub test_rows: u64,
    /// The held-out periods' starts and ends (ms, end exclusive).
    pub periods: Vec<[i64; 2]>,
}

/// One strategy's backtest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyBacktest {
    /// Share of held-out periods whose actual cost lies inside the forecast's P5–P95 band.
    pub coverage: f64,
    /// Held-out periods in all.
    pub periods: u32,
    /// Of them, inside the band.
    pub inside: u32,
    /// Mean absolute percentage error of the P50 over the periods with a cost (a fraction);
    /// `None` when none had one.
    pub mape_p50: Option<f64>,
    /// Every held-out window together.
    pub total: Band,
    /// Per origin: its window's total and its periods.
    pub origins: Vec<OriginBands>,
    /// The prompt-cache hit ratio (cache reads over prompt tokens) of every held-out window
    /// together: the actual replay's, and the forecast's across runs; `None` when neither
    /// side reads a cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_hit_ratio: Option<HitRatio>,
}

/// A prompt-cache hit ratio, replayed against forecast.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct HitRatio {
    /// Of the held-out rows, replayed.
    pub actual: f64,
    /// 5th percentile of the forecast runs.
    pub p5: f64,
    /// Median of the forecast runs.
    pub p50: f64,
    /// 95th percentile of the forecast runs.
    pub p95: f64,
}

/// One origin's bands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OriginBands {
    /// The whole held-out window.
    pub total: Band,
    /// Each period, in time order.
    pub periods: Vec<Band>,
}

/// A forecast band against the actual cost.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Band {
    /// What the held-out rows cost, priced exactly.
    pub actual_usd: f64,
    /// 5th percentile of the forecast.
    pub p5_usd: f64,
    /// Median of the forecast.
    pub p50_usd: f64,
    /// 95th percentile of the forecast.
    pub p95_usd: f64,
    /// Mean of the forecast.
    pub mean_usd: f64,
    /// `(P50 − actual) / actual`; `None` when the actual is 0.
    pub error_p50: Option<f64>,
    /// Whether the actual lies in `[P5, P95]`.
    pub inside: bool,
}

impl Band {
    fn of(actual: f64, forecast: &[f64]) -> Band {
        let s = Stats::of(forecast);
        Band {
            actual_usd: actual,
            p5_usd: s.p5,
            p50_usd: s.p50,
            p95_usd: s.p95,
            mean_usd: s.mean,
            error_p50: (actual > 0.0).then(|| (s.p50 - actual) / actual),
            // A relative tolerance: sums of the same prices in another order differ in the
            // last bits.
            inside: actual >= s.p5 * (1.0 - 1e-12) && actual <= s.p95 * (1.0 + 1e-12),
        }
    }
}

/// How long a period is: a day, an hour, or the whole held-out window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Hour,
    Window,
}

impl Period {
    fn of_span(span_ms: i64) -> Period {
        if span_ms >= 2 * MS_PER_DAY as i64 {
            Period::Day
        } else if span_ms >= 2 * MS_PER_HOUR as i64 {
            Period::Hour
        } else {
            Period::Window
        }
    }

    fn ms(self) -> Option<i64> {
        match self {
            Period::Day => Some(MS_PER_DAY as i64),
            Period::Hour => Some(MS_PER_HOUR as i64),
            Period::Window => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Hour => "hour",
            Period::Window => "window",
        }
    }
}

/// The whole trace, sorted by time.
struct Rows {
    rows: Vec<TraceRecord>,
    skipped: u64,
    block: Option<u64>,
    format: TraceFormat,
    files: Vec<String>,
}

fn read_rows(path: &Path, opts: &BacktestOptions) -> Result<Rows, BacktestError> {
    let mut reader = TraceReader::open_arg(path, opts.format, &opts.query)
        .map_err(|e| BacktestError::Trace(e.into()))?;
    reader.set_endpoint_from(opts.endpoint_from.clone());
    let display = reader.path().to_string();
    let format = reader.format();
    if format.is_bucketed() {
        return Err(BacktestError::Invalid {
            message: format.bucketed_refusal("backtest"),
            path: display,
        });
    }
    let (rows, skipped) = replay::read_sorted(&mut reader, opts.skip_bad_rows)?;
    Ok(Rows {
        rows,
        skipped,
        block: format.block_tokens(),
        format,
        files: reader.file_paths(),
    })
}

/// The origins' cuts and window ends: the first cut from `split`, the rest spread evenly to
/// the end, each on the period grid (days and hours from the trace's day 0).
fn cuts(
    first: i64,
    end: i64,
    split: Split,
    origins: u32,
    period: Period,
    path: &str,
) -> Result<Vec<(i64, i64)>, BacktestError> {
    let invalid = |message: String| BacktestError::Invalid {
        path: path.to_string(),
        message,
    };
    let c0 = match split {
        Split::Percent(p) if p > 0.0 && p < 100.0 => {
            first + ((end - first) as f64 * p / 100.0) as i64
        }
        Split::Percent(p) => {
            return Err(invalid(format!(
                "--train {p}: the training share must lie strictly between 0 and 100 (percent of the trace's time span)"
            )));
        }
        Split::Until(t) if t > first && t < end => t,
        Split::Until(t) => {
            return Err(invalid(format!(
                "--until {t}: the cut must lie after the first row ({first}) and before the last ({})",
                end - 1
            )));
        }
    };
    let grid = |t: i64| match period.ms() {
        Some(p) => {
            let day0 = trace::day0_ms(first);
            day0 + (t - day0).div_euclid(p) * p
        }
        None => t,
    };
    let n = i64::from(origins.max(1));
    let mut out: Vec<i64> = Vec::new();
    for i in 0..n {
        let c = grid(c0 + ((end - c0) as f64 * i as f64 / n as f64) as i64);
        if c <= first || out.last().is_some_and(|l| c <= *l) {
            return Err(invalid(format!(
                "--origins {origins}: the held-out span from {c0} to {end} has too few {}s for {origins} origins (each needs at least one, and training data before it); use fewer origins or a smaller --train",
                period.name()
            )));
        }
        out.push(c);
    }
    Ok(out
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, out.get(i + 1).copied().unwrap_or(end)))
        .collect())
}

/// The period boundaries of the window `[cut, end)`: `cut`, then every period start, then
/// `end`.
fn boundaries(cut: i64, end: i64, period: Period) -> Vec<i64> {
    let mut b = vec![cut];
    if let Some(p) = period.ms() {
        let mut t = cut + p;
        while t < end {
            b.push(t);
            t += p;
        }
    }
    b.push(end);
    b
}

/// Runs of one strategy fleet past boundaries: the total billed (per strategy) at each one.
struct Meter<'a> {
    subject: &'a Subject<'a>,
    bounds: &'a [i64],
    /// Next boundary to pass.
    next: usize,
    /// Totals at each boundary passed, per strategy.
    totals: Vec<Vec<f64>>,
    /// Cache reads and prompt tokens at each boundary passed, per strategy.
    tokens: Vec<Vec<(f64, f64)>>,
}

impl<'a> Meter<'a> {
    fn new(subject: &'a Subject<'a>, bounds: &'a [i64]) -> Meter<'a> {
        Meter {
            subject,
            bounds,
            next: 0,
            totals: Vec::with_capacity(bounds.len()),
            tokens: Vec::with_capacity(bounds.len()),
        }
    }

    /// Record the totals at every boundary at or before `t` (ms, trace time) not yet passed.
    /// False once `t` is past the last boundary: the rest is not needed.
    fn pass(
        &mut self,
        t: i64,
        fleet: &Fleet,
        models: &ModelTable,
        scales: &PriceScales,
    ) -> Result<bool, PricingGap> {
        while self.next < self.bounds.len() && self.bounds[self.next] <= t {
            let ledgers = fleet.clone().into_ledgers();
            self.totals.push(report::run_totals(
                self.subject,
                &models.ids,
                &ledgers,
                scales,
            )?);
            self.tokens.push(
                ledgers
                    .iter()
                    .map(|l| {
                        let t = l.total().tokens;
                        let prompt: u64 = PROMPT_BUCKETS.iter().map(|b| t[b.index()]).sum();
                        (t[Bucket::CacheRead.index()] as f64, prompt as f64)
                    })
                    .collect(),
            );
            self.next += 1;
        }
        Ok(self.next < self.bounds.len())
    }

    /// Cost per strategy of each period, and the window's cache reads and prompt tokens.
    fn measured(&self, strategies: usize) -> Measured {
        let (first, last) = (&self.tokens[0], &self.tokens[self.tokens.len() - 1]);
        Measured {
            periods: (0..strategies)
                .map(|s| {
                    self.totals
                        .windows(2)
                        .map(|w| (w[1][s] - w[0][s]).max(0.0))
                        .collect()
                })
                .collect(),
            cache: (0..strategies)
                .map(|s| (last[s].0 - first[s].0, last[s].1 - first[s].1))
                .collect(),
        }
    }
}

/// What one side billed in one window: cost per strategy of each period, and per strategy
/// the cache reads and prompt tokens of the window.
#[derive(Debug, Clone)]
struct Measured {
    periods: Vec<Vec<f64>>,
    cache: Vec<(f64, f64)>,
}

impl Meter<'_> {}

/// Backtest the trace at `path`.
pub fn backtest(
    path: &Path,
    catalog: &Catalog,
    opts: &BacktestOptions,
) -> Result<Backtest, BacktestError> {
    let data = read_rows(path, opts)?;
    let display = data
        .files
        .first()
        .cloned()
        .unwrap_or_else(|| path.display().to_string());
    let invalid = |message: String| BacktestError::Invalid {
        path: display.clone(),
        message,
    };
    let (Some(first), Some(last)) = (data.rows.first(), data.rows.last()) else {
        return Err(invalid("the trace has no rows".into()));
    };
    let (first, last) = (first.time_ms, last.time_ms);
    if last <= first {
        return Err(invalid(
            "every row has the same time: a backtest needs a span to cut".into(),
        ));
    }
    if opts.runs < 2 {
        return Err(invalid(format!(
            "--runs {}: a forecast band needs at least 2 runs",
            opts.runs
        )));
    }
    let end = last + 1;
    let period = Period::of_span(end - first);
    let windows = cuts(first, end, opts.split, opts.origins, period, &display)?;
    let day0 = trace::day0_ms(first);
    let mut origins = Vec::new();
    let mut per_origin: Vec<Costs> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    let mut recorded: Vec<Recorded> = Vec::new();
    let mut records_more = false;
    for (cut, wend) in &windows {
        let (cut, wend) = (*cut, *wend);
        let train = data.rows.partition_point(|r| r.time_ms < cut);
        let held = data.rows.partition_point(|r| r.time_ms < wend) - train;
        let (sc, notes) = fitted(
            &data.rows[..train],
            (first, cut),
            wend,
            (day0, period),
            catalog,
            opts,
            &display,
        )?;
        let at = trace_time(cut);
        warnings.extend(
            notes
                .into_iter()
                .map(|n| format!("the fit of the rows before {at}: {n}")),
        );
        if names.is_empty() {
            names = sc.strategies.iter().map(|s| s.name.clone()).collect();
        }
        let bounds = boundaries(cut, wend, period);
        let actual = actual_costs(&sc, &data, wend, day0, &bounds, &display)?;
        let forecast = forecast_costs(&sc, opts.runs, (day0, first), &bounds)
            .map_err(|e| invalid(e.to_string()))?;
        if held == 0 {
            warnings.push(format!(
                "the window from {} to {} holds no rows: its actual cost is 0",
                trace_time(cut),
                trace_time(wend)
            ));
        }
        let rec = recorded_costs(
            &data.rows[train..train + held],
            (day0, &bounds),
            &sc,
            catalog,
            opts.model.as_deref(),
            &display,
        )?;
        records_more |= rec.differs;
        recorded.push(rec);
        origins.push(Origin {
            cut_ms: cut,
            end_ms: wend,
            train_rows: train as u64,
            test_rows: held as u64,
            periods: bounds.windows(2).map(|w| [w[0], w[1]]).collect(),
        });
        per_origin.push((actual, forecast));
    }
    if data.skipped > 0 {
        warnings.push(format!("{} bad rows skipped", data.skipped));
    }
    if records_more {
        // The bill as recorded, against the baseline's forecast: one more entry, `recorded`.
        names.push(RECORDED.to_string());
        for ((actual, forecast), rec) in per_origin.iter_mut().zip(recorded) {
            actual.periods.push(rec.periods);
            actual.cache.push(rec.cache);
            for run in forecast.iter_mut() {
                run.periods.push(run.periods[0].clone());
                run.cache.push(run.cache[0]);
            }
        }
    }
    let strategies = names
        .iter()
        .enumerate()
        .map(|(s, name)| (name.clone(), summarise(s, &per_origin, opts.runs)))
        .collect();
    Ok(Backtest {
        schema_version: 1,
        trace: TraceInfo {
            path: display.clone(),
            format: data.format.name().to_string(),
            rows: data.rows.len() as u64,
            skipped_rows: data.skipped,
            first_ms: first,
            last_ms: last,
        },
        period: period.name().to_string(),
        runs: opts.runs,
        seed: opts.seed,
        origins,
        strategy_order: names,
        strategies,
        warnings,
    })
}

/// A trace time as people read it: `2023-11-16 18:47:03` (UTC) for a dated trace, `+00:30:00`
/// from the trace's start otherwise.
pub fn trace_time(ms: i64) -> String {
    let day = MS_PER_DAY as i64;
    let (days, rem) = (ms.div_euclid(day), ms.rem_euclid(day) / 1000);
    let clock = format!("{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60);
    if let Some(date) = trace::date_of(ms) {
        format!("{date} {clock}")
    } else if days > 0 {
        format!("+{days}d {clock}")
    } else {
        format!("+{clock}")
    }
}

/// The scenario fitted to `train` (the rows of `window`), with the given strategies, its
/// horizon reaching `end` from `day0`, and the fit's notes.
fn fitted(
    train: &[TraceRecord],
    window: (i64, i64),
    end: i64,
    (day0, period): (i64, Period),
    catalog: &Catalog,
    opts: &BacktestOptions,
    path: &str,
) -> Result<(Scenario, Vec<String>), BacktestError> {
    if train.is_empty() {
        return Err(BacktestError::Invalid {
            path: path.to_string(),
            message: format!(
                "no rows before the cut at {}: nothing to fit; train on more of the trace",
                window.1
            ),
        });
    }
    let how = FitWindow {
        span: Some(window),
        fill: Some((window.1, end)),
        period_ms: Some(period.ms().unwrap_or(end - window.1)),
    };
    let fit::Fitted { mut file, notes } = fit::fit_rows(
        train,
        how,
        catalog,
        opts.model.as_deref(),
        "backtest",
        opts.seed,
        path,
    )?;
    let mut shown = path.to_string();
    if let Some((spath, s)) = &opts.strategies {
        file.strategies = s.strategies.clone();
        file.models = s.models.clone();
        shown = spath.clone();
    }
    let mut sc =
        Scenario::from_file(file, catalog.clone(), &shown).map_err(|e| BacktestError::Invalid {
            path: shown.clone(),
            message: format!("the fitted scenario with these strategies does not load: {e}"),
        })?;
    let days = ((end - day0) as u64).div_ceil(MS_PER_DAY).max(1);
    sc.set_horizon_days(days as u32);
    Ok((sc, notes))
}

/// What the rows up to `end` cost per strategy in each period of `bounds`, replayed through
/// `sc`.
fn actual_costs(
    sc: &Scenario,
    data: &Rows,
    end: i64,
    day0: i64,
    bounds: &[i64],
    path: &str,
) -> Result<Measured, BacktestError> {
    let mut models = ModelTable::default();
    let mut fleet = Fleet::new(
        sc.strategies
            .iter()
            .map(|s| Pipeline::new(sc, s, &mut models, 0))
            .collect(),
    );
    let subject = Subject::of_scenario(sc);
    let mut meter = Meter::new(&subject, bounds);
    // Rows map to the fitted endpoints by name (one without a name to the only endpoint).
    let mut conv = Converter::new(sc, false, data.block);
    conv.day0 = day0;
    let no_scales = PriceScales::default();
    let gap = |e: PricingGap| BacktestError::Invalid {
        path: path.to_string(),
        message: e.to_string(),
    };
    for r in data.rows.iter().take_while(|r| r.time_ms < end) {
        meter
            .pass(r.time_ms, &fleet, &models, &no_scales)
            .map_err(gap)?;
        let req = conv.request(r).map_err(|message| BacktestError::Invalid {
            path: data
                .files
                .get(r.file as usize)
                .cloned()
                .unwrap_or_else(|| path.to_string()),
            message: format!(
                "line {}: {message} (the scenario is fitted to the rows before the cut at {}: \
                 an endpoint first seen after it cannot be forecast; cut later)",
                r.line, bounds[0]
            ),
        })?;
        fleet.process(&req);
    }
    meter
        .pass(i64::MAX, &fleet, &models, &no_scales)
        .map_err(gap)?;
    Ok(meter.measured(sc.strategies.len()))
}

/// The entry comparing the bill as recorded with the baseline's forecast.
pub const RECORDED: &str = "recorded";

/// The held-out rows of one window priced as recorded ([`audit::row_costs`]): cost per period,
/// the recorded cache reads and prompt tokens, and whether the rows record anything a replay
/// prices otherwise (cache reads or writes, batch, a model other than their fitted endpoint's).
struct Recorded {
    periods: Vec<f64>,
    cache: (f64, f64),
    differs: bool,
}

/// [`Recorded`] of `rows` (one window's held-out rows), in the periods of `bounds`, days from
/// `day0`.
fn recorded_costs(
    rows: &[TraceRecord],
    (day0, bounds): (i64, &[i64]),
    sc: &Scenario,
    catalog: &Catalog,
    default_model: Option<&str>,
    path: &str,
) -> Result<Recorded, BacktestError> {
    let costs = audit::row_costs(rows, day0, catalog, default_model, path)?;
    let mut out = Recorded {
        periods: vec![0.0; bounds.len().saturating_sub(1)],
        cache: (0.0, 0.0),
        differs: false,
    };
    for (r, cost) in rows.iter().zip(costs) {
        let k = bounds
            .partition_point(|b| *b <= r.time_ms)
            .saturating_sub(1);
        if let Some(p) = out.periods.get_mut(k) {
            *p += cost;
        }
        let read = r.cache_read_tokens.unwrap_or(0);
        out.cache.0 += read as f64;
        out.cache.1 += r.input_tokens as f64;
        let endpoint = match &r.endpoint {
            Some(name) => sc.endpoints.iter().find(|e| &e.name == name),
            None => sc.endpoints.first(),
        };
        let other_model = match (&r.model, endpoint) {
            (Some(m), Some(e)) => *m != e.model,
            _ => false,
        };
        out.differs |= read + r.cache_write_total() > 0 || r.batch == Some(true) || other_model;
    }
    Ok(out)
}

/// The forecast: `runs` simulations of `sc` up to the last boundary, one [`Measured`] each.
fn forecast_costs(
    sc: &Scenario,
    runs: u32,
    (day0, first): (i64, i64),
    bounds: &[i64],
) -> Result<Vec<Measured>, String> {
    (0..u64::from(runs))
        .into_par_iter()
        .map(|run| {
            let (drawn, scales) = uncertain::for_run(sc, run)?;
            let mut models = ModelTable::default();
            let mut fleet = Fleet::new(
                drawn
                    .strategies
                    .iter()
                    .map(|s| Pipeline::new(&drawn, s, &mut models, run))
                    .collect(),
            );
            let subject = Subject::of_scenario(&drawn);
            let mut meter = Meter::new(&subject, bounds);
            let mut traffic = Synthetic::new(&drawn, run)?;
            let mut req = Request::default();
            let err = |e: PricingGap| e.to_string();
            while traffic.next_into(&mut req) {
                let t = day0 + req.time.as_ms() as i64;
                if t < first {
                    // Before the trace began: the actual side had no traffic then.
                    continue;
                }
                if !meter.pass(t, &fleet, &models, &scales).map_err(err)? {
                    break;
                }
                fleet.process(&req);
            }
            meter
                .pass(i64::MAX, &fleet, &models, &scales)
                .map_err(err)?;
            Ok(meter.measured(drawn.strategies.len()))
        })
        .collect()
}

/// One origin's measurements: the actual, and the forecast's runs.
type Costs = (Measured, Vec<Measured>);

/// Strategy `s`'s bands over every origin and its calibration figures.
fn summarise(s: usize, per_origin: &[Costs], runs: u32) -> StrategyBacktest {
    let mut origins = Vec::new();
    let (mut inside, mut periods) = (0u32, 0u32);
    let (mut ape_sum, mut ape_n) = (0.0, 0u32);
    let mut total_actual = 0.0;
    let mut total_runs = vec![0.0; runs as usize];
    let mut cache_actual = (0.0, 0.0);
    let mut cache_runs = vec![(0.0, 0.0); runs as usize];
    for (actual, forecast) in per_origin {
        cache_actual.0 += actual.cache[s].0;
        cache_actual.1 += actual.cache[s].1;
        for (c, run) in cache_runs.iter_mut().zip(forecast) {
            c.0 += run.cache[s].0;
            c.1 += run.cache[s].1;
        }
        let (actual, forecast): (&Vec<Vec<f64>>, Vec<&Vec<Vec<f64>>>) = (
            &actual.periods,
            forecast.iter().map(|m| &m.periods).collect(),
        );
        let mut bands = Vec::new();
        for (k, a) in actual[s].iter().enumerate() {
            let f: Vec<f64> = forecast.iter().map(|run| run[s][k]).collect();
            let b = Band::of(*a, &f);
            periods += 1;
            inside += u32::from(b.inside);
            if let Some(e) = b.error_p50 {
                ape_sum += e.abs();
                ape_n += 1;
            }
            bands.push(b);
        }
        let window_actual: f64 = actual[s].iter().sum();
        let window_runs: Vec<f64> = forecast.iter().map(|run| run[s].iter().sum()).collect();
        for (t, w) in total_runs.iter_mut().zip(&window_runs) {
            *t += w;
        }
        total_actual += window_actual;
        origins.push(OriginBands {
            total: Band::of(window_actual, &window_runs),
            periods: bands,
        });
    }
    StrategyBacktest {
        coverage: if periods > 0 {
            f64::from(inside) / f64::from(periods)
        } else {
            0.0
        },
        periods,
        inside,
        mape_p50: (ape_n > 0).then(|| ape_sum / f64::from(ape_n)),
        total: Band::of(total_actual, &total_runs),
        origins,
        prompt_cache_hit_ratio: hit_ratio(cache_actual, &cache_runs),
    }
}

/// The hit ratio of `actual` (reads, prompt tokens) and the forecast `runs`' band; `None`
/// when nothing was read on either side.
fn hit_ratio(actual: (f64, f64), runs: &[(f64, f64)]) -> Option<HitRatio> {
    let ratio = |(read, prompt): (f64, f64)| if prompt > 0.0 { read / prompt } else { 0.0 };
    let r: Vec<f64> = runs.iter().map(|c| ratio(*c)).collect();
    if actual.0 == 0.0 && r.iter().all(|x| *x == 0.0) {
        return None;
    }
    let s = Stats::of(&r);
    Some(HitRatio {
        actual: ratio(actual),
        p5: s.p5,
        p50: s.p50,
        p95: s.p95,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_span() {
        let h = MS_PER_HOUR as i64;
        assert_eq!(Period::of_span(h), Period::Window);
        assert_eq!(Period::of_span(2 * h), Period::Hour);
        assert_eq!(Period::of_span(48 * h), Period::Day);
        assert_eq!(boundaries(0, 5, Period::Window), vec![0, 5]);
        assert_eq!(
            boundaries(h / 2, 3 * h, Period::Hour),
            vec![h / 2, 3 * h / 2, 5 * h / 2, 3 * h]
        );
    }

    #[test]
    fn origins_tile_the_held_out_span_on_the_grid() {
        let h = MS_PER_HOUR as i64;
        // Ten hours, half trained, 5 origins: one an hour from hour 5.
        let c = cuts(0, 10 * h, Split::Percent(50.0), 5, Period::Hour, "t").unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(c[0], (5 * h, 6 * h));
        assert_eq!(c[4], (9 * h, 10 * h));
        // Too many origins for the hours left.
        let e = cuts(0, 10 * h, Split::Percent(50.0), 8, Period::Hour, "t").unwrap_err();
        assert!(e.to_string().contains("too few hours for 8 origins"), "{e}");
        assert!(cuts(0, 10, Split::Percent(100.0), 1, Period::Window, "t").is_err());
        assert!(cuts(0, 10, Split::Until(0), 1, Period::Window, "t").is_err());
        assert_eq!(
            cuts(0, 10, Split::Until(4), 2, Period::Window, "t").unwrap(),
            vec![(4, 7), (7, 10)]
        );
    }

    #[test]
    fn a_band_says_whether_it_holds_the_actual() {
        let f: Vec<f64> = (0..=100).map(f64::from).collect();
        let b = Band::of(50.0, &f);
        assert!(b.inside);
        assert_eq!(b.error_p50, Some(0.0));
        assert!(!Band::of(99.0, &f).inside);
        assert_eq!(Band::of(0.0, &f).error_p50, None);
    }
}
