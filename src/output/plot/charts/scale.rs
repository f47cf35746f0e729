//! Unit economics at scale: cost (and margin, when the scenario states revenue) per daily
//! active user per month as the product grows, on a log axis of users, with each strategy's
//! break-even user count marked.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::fan::{Fan, FanSeries, VLine, fan};
use super::frame::{Swatch, frame, strategies, strategy_legend};
use super::style::{DrawResult, INK};
use crate::analysis::report::{Report, ScaleCurve, ScaleStrategy, Stats, StrategyResult};
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::users_short;
use crate::output::plot::palette::strategy_colour;

/// The scale curve chart: cost per user-month, and beside it margin per user-month when the
/// scenario states revenue.
pub(super) fn scale_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(curve) = &report.scale_curve else {
        return Ok(());
    };
    let all = strategies(report);
    let margin_known = curve.points.iter().any(|p| {
        p.strategies
            .values()
            .any(|s| s.margin_per_user_month_usd.is_some())
    });
    let (x_range, x_ticks) = users_axis(curve, margin_known);
    let x_fmt = |_: &f64| String::new();
    let margin = series(&all, curve, &|s| s.margin_per_user_month_usd);
    let area = frame(
        root,
        ChartKind::ScaleCurve.title(),
        &subtitle(report, curve),
        &strategy_legend(report, Swatch::Band),
    )?;
    let cost = Fan {
        series: series(&all, curve, &|s| Some(s.cost_per_user_month_usd)),
        x_range: x_range.clone(),
        x_desc: "daily active users".into(),
        y_desc: "cost per user-month (USD)".into(),
        x_fmt: &x_fmt,
        x_labels: 0,
        x_ticks: x_ticks.clone(),
        hlines: Vec::new(),
        vlines: Vec::new(),
        notes: Vec::new(),
        markers: true,
        caption: None,
        observed: Vec::new(),
    };
    if margin.is_empty() {
        return fan(root, &area, &cost);
    }
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    fan(
        root,
        &left,
        &Fan {
            caption: Some("Cost per user-month".into()),
            observed: Vec::new(),
            ..cost
        },
    )?;
    let (vlines, notes) = break_even_marks(&all, curve);
    fan(
        root,
        &right,
        &Fan {
            series: margin,
            x_range,
            x_desc: "daily active users".into(),
            y_desc: "margin per user-month (USD)".into(),
            x_fmt: &x_fmt,
            x_labels: 0,
            x_ticks,
            hlines: Vec::new(),
            vlines,
            notes,
            markers: true,
            caption: Some("Margin per user-month".into()),
            observed: Vec::new(),
        },
    )
}

/// The x axis, log10(users) with some room either side, and its ticks: at 1, 2 and 5 times
/// powers of ten, or only at the powers when that would crowd (a wide curve, or two panels side
/// by side when the margin is known).
fn users_axis(curve: &ScaleCurve, margin_known: bool) -> (Range<f64>, Vec<(f64, String)>) {
    let users: Vec<f64> = curve
        .points
        .iter()
        .map(|p| p.daily_active_users.max(1.0))
        .collect();
    let lo = users.iter().copied().fold(f64::INFINITY, f64::min).log10();
    let hi = users.iter().copied().fold(0.0, f64::max).log10();
    let pad = ((hi - lo) * 0.06).max(0.15);
    let x_range = lo - pad..hi + pad;
    let crowded = hi - lo > if margin_known { 1.5 } else { 3.0 };
    let steps: &[f64] = if crowded { &[1.0] } else { &[1.0, 2.0, 5.0] };
    let mut x_ticks = Vec::new();
    for decade in (x_range.start.floor() as i32)..=(x_range.end.ceil() as i32) {
        for m in steps {
            let u = m * 10f64.powi(decade);
            if x_range.contains(&u.log10()) {
                x_ticks.push((u.log10(), users_short(u)));
            }
        }
    }
    (x_range, x_ticks)
}

/// One series per strategy of the measure `f` picks at each point of the curve (points where
/// it is missing left out; strategies with none left out).
fn series(
    all: &[(usize, &str, &StrategyResult)],
    curve: &ScaleCurve,
    f: &dyn Fn(&ScaleStrategy) -> Option<Stats>,
) -> Vec<FanSeries> {
    all.iter()
        .map(|(i, n, _)| FanSeries {
            colour: strategy_colour(*i),
            points: curve
                .points
                .iter()
                .filter_map(|p| {
                    let st = f(p.strategies.get(*n)?)?;
                    Some((p.daily_active_users.max(1.0).log10(), st))
                })
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect()
}

/// What each point is (runs × days) and what the lines and bands show.
fn subtitle(report: &Report, curve: &ScaleCurve) -> String {
    format!(
        "{}: per daily active user per 30-day month; each point {} runs × {}; {} (log scale of users).",
        report.scenario.name,
        curve.runs,
        crate::output::format::days(curve.days),
        if curve.runs <= 1 {
            "one run".to_string()
        } else {
            "line: P50, band: P5–P95".to_string()
        }
    )
}

/// Each strategy's break-even user count: a dotted line in its colour, and a line in the notes.
fn break_even_marks(
    all: &[(usize, &str, &StrategyResult)],
    curve: &ScaleCurve,
) -> (Vec<VLine>, Vec<(String, RGBColor)>) {
    let break_even: Vec<(usize, &str, f64)> = all
        .iter()
        .filter_map(|(i, n, _)| Some((*i, *n, (*curve.break_even_users.get(*n)?)?)))
        .collect();
    let vlines = break_even
        .iter()
        .map(|(i, _, u)| VLine {
            x: u.max(1.0).log10(),
            label: String::new(),
            colour: strategy_colour(*i),
            row: 0,
        })
        .collect();
    let mut notes: Vec<(String, RGBColor)> = break_even
        .iter()
        .map(|(i, n, u)| {
            (
                format!("{n}: {} users", users_short(*u)),
                strategy_colour(*i),
            )
        })
        .collect();
    if !notes.is_empty() {
        notes.insert(0, ("break-even (dotted lines):".into(), INK));
    }
    (vlines, notes)
}
