//! The fan chart, one of the two building blocks: per series a pale P5–P95 band and a P50
//! line over a numeric x axis, with dashed reference lines (a budget, break-even points) and
//! an optional box of notes. Cost per day, cost per month and the scale curve are fan charts.

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::frame::drawable;
use super::style::{DrawResult, GRID_BOLD, GRID_LIGHT, INK, MUTED, Plot, anchored, font};
use crate::analysis::report::Stats;
use crate::output::plot::labels::usd_short;

/// One strategy's quantiles along a numeric axis.
pub(super) struct FanSeries {
    pub(super) colour: RGBColor,
    pub(super) points: Vec<(f64, Stats)>,
}

/// A horizontal reference line with its label.
pub(super) struct HLine {
    pub(super) y: f64,
    pub(super) label: String,
    pub(super) colour: RGBColor,
}

/// A vertical reference line with its label (drawn near the top, staggered by `row`).
pub(super) struct VLine {
    pub(super) x: f64,
    pub(super) label: String,
    pub(super) colour: RGBColor,
    pub(super) row: i32,
}

/// What a fan chart shows and how its axes read.
pub(super) struct Fan<'a> {
    pub(super) series: Vec<FanSeries>,
    pub(super) x_range: Range<f64>,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) x_fmt: &'a dyn Fn(&f64) -> String,
    pub(super) x_labels: usize,
    /// Tick positions and labels drawn instead of plotters' own (e.g. a log axis).
    pub(super) x_ticks: Vec<(f64, String)>,
    pub(super) hlines: Vec<HLine>,
    pub(super) vlines: Vec<VLine>,
    /// Lines of coloured text in a box at the lower right of the plot.
    pub(super) notes: Vec<(String, RGBColor)>,
    pub(super) markers: bool,
    pub(super) caption: Option<String>,
    /// Observed values drawn over the bands: per series a colour and its points, as a thin
    /// line with crosses (a backtest's actual costs).
    pub(super) observed: Vec<(RGBColor, Vec<(f64, f64)>)>,
}

/// P5–P95 bands and P50 lines of every series, with reference lines.
pub(super) fn fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    f: &Fan,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let y_range = value_range(f);
    let mut chart = axes(area, f, y_range.clone())?;
    tick_and_zero_lines(&mut chart, f, &y_range)?;
    bands(&mut chart, f)?;
    medians(&mut chart, f)?;
    for (colour, points) in &f.observed {
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            colour.stroke_width(1),
        ))?;
        chart.draw_series(
            points
                .iter()
                .map(|p| Cross::new(*p, 6, colour.stroke_width(2))),
        )?;
    }
    // The plot's corners in pixels: top, right and bottom edges.
    let (_, py0) = chart.backend_coord(&(f.x_range.start, y_range.end));
    let (px1, py1) = chart.backend_coord(&(f.x_range.end, y_range.start));
    hlines(root, &mut chart, f, px1)?;
    for (x, label) in &f.x_ticks {
        let (px, _) = chart.backend_coord(&(*x, y_range.start));
        root.draw(&PathElement::new(vec![(px, py1), (px, py1 + 5)], MUTED))?;
        root.draw(&Text::new(
            label.clone(),
            (px, py1 + 9),
            anchored(15.0, INK, HPos::Center, VPos::Top),
        ))?;
    }
    if !f.notes.is_empty() {
        notes(root, &f.notes, px1, py1)?;
    }
    for v in &f.vlines {
        let (px, _) = chart.backend_coord(&(v.x, y_range.start));
        vline(root, v, px, (py0, px1, py1))?;
    }
    Ok(())
}

/// The y axis: from zero (or below the lowest value, with room) to above the highest value,
/// reference lines included.
fn value_range(f: &Fan) -> Range<f64> {
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for s in &f.series {
        for (_, st) in &s.points {
            lo = lo.min(st.p5).min(st.p50);
            hi = hi.max(st.p95).max(st.p50);
        }
    }
    for h in &f.hlines {
        lo = lo.min(h.y);
        hi = hi.max(h.y);
    }
    for (_, points) in &f.observed {
        for (_, y) in points {
            lo = lo.min(*y);
            hi = hi.max(*y);
        }
    }
    let span = (hi - lo).max(1e-9);
    (if lo < 0.0 { lo - 0.08 * span } else { 0.0 })..hi + 0.1 * span
}

/// The chart on `area` with its axes, grid and axis labels drawn.
fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    f: &Fan,
    y_range: Range<f64>,
) -> Result<Plot<'a, DB>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(14)
        .margin_right(36)
        .margin_bottom(8)
        .margin_top(8)
        .x_label_area_size(52)
        .y_label_area_size(96);
    if let Some(c) = &f.caption {
        builder.caption(c, font(17.0, INK));
    }
    let mut chart = builder.build_cartesian_2d(drawable(f.x_range.clone())?, drawable(y_range)?)?;
    let y_fmt = |v: &f64| usd_short(*v);
    chart
        .configure_mesh()
        .x_desc(f.x_desc.as_str())
        .y_desc(f.y_desc.as_str())
        .x_labels(if f.x_ticks.is_empty() { f.x_labels } else { 0 })
        .y_labels(8)
        .x_label_formatter(f.x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(font(15.0, INK))
        .axis_desc_style(font(16.0, INK))
        .light_line_style(GRID_LIGHT)
        .max_light_lines(2)
        .bold_line_style(GRID_BOLD)
        .axis_style(MUTED)
        .draw()?;
    Ok(chart)
}

/// Grid lines at the chart's own x ticks, and the zero line when the axis goes below zero.
fn tick_and_zero_lines<DB: DrawingBackend>(
    chart: &mut Plot<DB>,
    f: &Fan,
    y_range: &Range<f64>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for (x, _) in &f.x_ticks {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(*x, y_range.start), (*x, y_range.end)],
            GRID_BOLD.stroke_width(1),
        )))?;
    }
    if y_range.start < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(f.x_range.start, 0.0), (f.x_range.end, 0.0)],
            INK.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// The P5–P95 band of every series with two points or more.
fn bands<DB: DrawingBackend>(chart: &mut Plot<DB>, f: &Fan) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for s in &f.series {
        if s.points.len() >= 2 {
            let mut band: Vec<(f64, f64)> = s.points.iter().map(|(x, st)| (*x, st.p95)).collect();
            band.extend(s.points.iter().rev().map(|(x, st)| (*x, st.p5)));
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                s.colour.mix(0.14).filled(),
            )))?;
        }
    }
    Ok(())
}

/// The P50 line of every series, with markers when asked for; a series of one point gets a
/// P5–P95 whisker and a marker instead of a band.
fn medians<DB: DrawingBackend>(chart: &mut Plot<DB>, f: &Fan) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for s in &f.series {
        if s.points.len() < 2 {
            // No band to read the spread from: a whisker.
            for (x, st) in s.points.iter().filter(|(_, st)| st.p95 > st.p5) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*x, st.p5), (*x, st.p95)],
                    s.colour.stroke_width(2),
                )))?;
            }
        }
        chart.draw_series(LineSeries::new(
            s.points.iter().map(|(x, st)| (*x, st.p50)),
            s.colour.stroke_width(3),
        ))?;
        if f.markers || s.points.len() < 2 {
            chart.draw_series(
                s.points
                    .iter()
                    .map(|(x, st)| Circle::new((*x, st.p50), 5, s.colour.filled())),
            )?;
        }
    }
    Ok(())
}

/// The dashed horizontal reference lines, each labelled at the right end (`px1`).
fn hlines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<DB>,
    f: &Fan,
    px1: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for h in &f.hlines {
        chart.draw_series(DashedLineSeries::new(
            vec![(f.x_range.start, h.y), (f.x_range.end, h.y)],
            10,
            6,
            h.colour.stroke_width(2),
        ))?;
        let (_, py) = chart.backend_coord(&(f.x_range.start, h.y));
        root.draw(&Text::new(
            h.label.clone(),
            (px1 - 6, py - 4),
            anchored(15.0, h.colour, HPos::Right, VPos::Bottom),
        ))?;
    }
    Ok(())
}

/// The notes in a white box whose lower right corner is just inside (`px1`, `py1`).
fn notes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    notes: &[(String, RGBColor)],
    px1: i32,
    py1: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = anchored(14.0, INK, HPos::Left, VPos::Top);
    let mut w = 0;
    for (t, _) in notes {
        w = w.max(root.estimate_text_size(t, &style)?.0 as i32);
    }
    let line = 19;
    let h = line * notes.len() as i32;
    let (x0, y0) = (px1 - w - 24, py1 - h - 22);
    root.draw(&Rectangle::new(
        [(x0, y0), (px1 - 8, py1 - 8)],
        WHITE.mix(0.9).filled(),
    ))?;
    root.draw(&Rectangle::new([(x0, y0), (px1 - 8, py1 - 8)], GRID_BOLD))?;
    for (k, (t, c)) in notes.iter().enumerate() {
        root.draw(&Text::new(
            t.clone(),
            (x0 + 8, y0 + 7 + line * k as i32),
            anchored(14.0, *c, HPos::Left, VPos::Top),
        ))?;
    }
    Ok(())
}

/// A dashed vertical line at pixel column `px` from the plot's top `py0` to its bottom `py1`,
/// with its label near the top, kept inside the plot's right edge `px1`.
fn vline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &VLine,
    px: i32,
    (py0, px1, py1): (i32, i32, i32),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.draw(&DashedPathElement::new(
        vec![(px, py0), (px, py1)],
        4,
        4,
        v.colour.stroke_width(2),
    ))?;
    if v.label.is_empty() {
        return Ok(());
    }
    let style = font(14.0, v.colour);
    let tw = root.estimate_text_size(&v.label, &style)?.0 as i32;
    // Keep the label inside the plot: to the right of the line unless that overflows.
    let (x, h) = if px + 6 + tw < px1 {
        (px + 6, HPos::Left)
    } else {
        (px - 6, HPos::Right)
    };
    root.draw(&Text::new(
        v.label.clone(),
        (x, py0 + 6 + 18 * v.row),
        anchored(14.0, v.colour, h, VPos::Top),
    ))?;
    Ok(())
}
