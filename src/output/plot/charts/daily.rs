//! Cost per day: a fan of each strategy's daily cost over the horizon against the budget per
//! day, or intervals when the horizon is a single day.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{Bars, hbars, interval_rows};
use super::fan::{Fan, FanSeries, HLine, VLine, fan};
use super::frame::{LegendItem, Swatch, frame, horizon, spread, strategies, strategy_legend};
use super::style::DrawResult;
use crate::analysis::report::Report;
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::usd_short;
use crate::output::plot::palette::{BUDGET, strategy_colour};

/// The daily cost chart.
pub(super) fn daily<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let days = strategies(report)
        .iter()
        .map(|(_, _, s)| s.daily.len())
        .max()
        .unwrap_or(0);
    let budget_day = report.budget_usd_per_month.map(|b| b / 30.0);
    let area = frame(
        root,
        ChartKind::DailyCost.title(),
        &subtitle(report),
        &legend(report, days),
    )?;
    if days < 2 {
        one_day(root, &area, report, budget_day)
    } else {
        days_fan(root, &area, report, days, budget_day)
    }
}

/// Strategies (a band, or a block when there is one day) and the budget, if any.
fn legend(report: &Report, days: usize) -> Vec<LegendItem> {
    let mut legend = strategy_legend(
        report,
        if days >= 2 {
            Swatch::Band
        } else {
            Swatch::Block
        },
    );
    if let Some(b) = report.budget_usd_per_month {
        legend.push(LegendItem {
            label: format!("budget {}/month ÷ 30", usd_short(b)),
            colour: BUDGET,
            swatch: Swatch::Dashed,
        });
    }
    legend
}

/// What a day's cost is: recorded (an audit) or simulated, over how many runs.
fn subtitle(report: &Report) -> String {
    if report.audit.is_some() {
        format!(
            "{}: USD per day of recorded usage over {}.",
            report.scenario.name,
            horizon(report)
        )
    } else {
        format!(
            "{}: USD per simulated day over {}; {}.",
            report.scenario.name,
            horizon(report),
            spread(report)
        )
    }
}

/// The budget per day, labelled.
fn budget_label(b: f64) -> String {
    format!("budget {}/day", usd_short(b))
}

/// A horizon of one day: each strategy's cost of it as an interval.
fn one_day<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    budget_day: Option<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let rows = interval_rows(report, |s| {
        s.daily.first().map(|d| (d.cost_usd, String::new()))
    });
    let fmt = |v: &f64| usd_short(*v);
    hbars(
        root,
        area,
        &Bars {
            rows,
            x_desc: "cost of the day (USD)".into(),
            x_fmt: &fmt,
            x_fixed: None,
            vline: budget_day.map(|b| VLine {
                x: b,
                label: budget_label(b),
                colour: BUDGET,
                row: 0,
            }),
            caption: None,
            labels: true,
        },
    )
}

/// Two days or more: a fan over the days, numbered from 1.
fn days_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    days: usize,
    budget_day: Option<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let series = strategies(report)
        .into_iter()
        .map(|(i, _, s)| FanSeries {
            colour: strategy_colour(i),
            points: s
                .daily
                .iter()
                .map(|d| (f64::from(d.day) + 1.0, d.cost_usd))
                .collect(),
        })
        .collect();
    let x_fmt = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 {
            format!("{}", v.round() as i64)
        } else {
            String::new()
        }
    };
    fan(
        root,
        area,
        &Fan {
            series,
            x_range: 0.5..days as f64 + 0.5,
            x_desc: "day of the horizon (first day = 1; JSON and CSV count from 0)".into(),
            y_desc: "cost per day (USD)".into(),
            x_fmt: &x_fmt,
            x_labels: days.min(16),
            x_ticks: Vec::new(),
            notes: Vec::new(),
            hlines: budget_day
                .map(|b| HLine {
                    y: b,
                    label: budget_label(b),
                    colour: BUDGET,
                })
                .into_iter()
                .collect(),
            vlines: Vec::new(),
            markers: days <= 14,
            caption: None,
            observed: Vec::new(),
        },
    )
}
