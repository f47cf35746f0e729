//! Horizontal bars, the other building block: one row per strategy (or per measure), each a
//! run of coloured segments with an optional whisker, dot and end label. The strategies,
//! breakdown and cache charts are bars, and so are cost per day and per month when there is a
//! single day or month to show.

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fan::VLine;
use super::frame::drawable;
use super::frame::strategies;
use super::style::{DrawResult, GRID_BOLD, GRID_LIGHT, INK, MUTED, Plot, anchored, font};
use crate::analysis::report::{Report, Stats, StrategyResult};
use crate::output::plot::labels::usd_short;
use crate::output::plot::palette::strategy_colour;

/// Half the height of a bar, in rows.
const HALF: f64 = 0.32;
/// Row labels longer than this many pixels are cut.
const LABEL_MAX_W: u32 = 260;

/// A piece of a horizontal bar.
pub(super) struct Segment {
    pub(super) from: f64,
    pub(super) to: f64,
    pub(super) colour: RGBColorA,
    /// Drawn inside the segment when it fits.
    pub(super) text: Option<String>,
}

/// Plain RGB or RGB with alpha, for segments.
#[derive(Clone, Copy)]
pub(super) struct RGBColorA(pub(super) RGBColor, pub(super) f64);

/// One bar with what is drawn on and beside it.
pub(super) struct BarRow {
    pub(super) label: String,
    /// The colour chip beside the label (the strategy's colour), if any.
    pub(super) chip: Option<RGBColor>,
    pub(super) segments: Vec<Segment>,
    pub(super) whisker: Option<(f64, f64)>,
    pub(super) point: Option<(f64, RGBColor)>,
    pub(super) end_label: Option<String>,
}

impl BarRow {
    /// The lowest and highest x the row draws (segments, whisker, point), and 0.
    fn extent(&self) -> (f64, f64) {
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for s in &self.segments {
            lo = lo.min(s.from).min(s.to);
            hi = hi.max(s.from).max(s.to);
        }
        if let Some((a, z)) = self.whisker {
            lo = lo.min(a);
            hi = hi.max(z);
        }
        if let Some((p, _)) = self.point {
            lo = lo.min(p);
            hi = hi.max(p);
        }
        (lo, hi)
    }
}

/// What a bar chart shows and how its axis reads.
pub(super) struct Bars<'a> {
    pub(super) rows: Vec<BarRow>,
    pub(super) x_desc: String,
    pub(super) x_fmt: &'a dyn Fn(&f64) -> String,
    /// Fixed axis range instead of one fitted to the data.
    pub(super) x_fixed: Option<Range<f64>>,
    pub(super) vline: Option<VLine>,
    pub(super) caption: Option<String>,
    /// Reserve room for and draw the row labels.
    pub(super) labels: bool,
}

/// Rows of intervals (P5–P95 whisker, P50 dot), one per strategy: a fan chart with one point.
pub(super) fn interval_rows(
    report: &Report,
    pick: impl Fn(&StrategyResult) -> Option<(Stats, String)>,
) -> Vec<BarRow> {
    strategies(report)
        .into_iter()
        .filter_map(|(i, n, s)| {
            let (st, extra) = pick(s)?;
            Some(BarRow {
                label: n.to_string(),
                chip: Some(strategy_colour(i)),
                segments: vec![Segment {
                    from: 0.0,
                    to: st.p50,
                    colour: RGBColorA(strategy_colour(i), 0.3),
                    text: None,
                }],
                whisker: (st.p95 > st.p5).then_some((st.p5, st.p95)),
                point: Some((st.p50, strategy_colour(i))),
                end_label: Some(if report.runs <= 1 {
                    format!("{}{extra}", usd_short(st.p50))
                } else {
                    format!("P50 {}{extra}", usd_short(st.p50))
                }),
            })
        })
        .collect()
}

/// Horizontal bars, first row at the top.
pub(super) fn hbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    // At least three rows' worth of height, so one or two bars are not slabs; rows centred.
    let n = b.rows.len().max(1);
    let slots = n.max(3);
    let offset = (slots - n) as f64 / 2.0;
    let label_style = anchored(15.0, INK, HPos::Right, VPos::Center);
    let (labels, label_w) = row_labels(root, &b.rows, &label_style)?;
    let x_range = match &b.x_fixed {
        // A fixed axis still holds every value drawn: plotters' pixel arithmetic overflows on
        // a value far outside its axis (a hand-edited report's share of 1e308), and the axis
        // check then refuses what cannot be drawn.
        Some(r) => {
            let (lo, hi) = data_extent(b);
            r.start.min(lo)..r.end.max(hi)
        }
        None => fitted_range(root, area, b, label_w)?,
    };
    let y_range = -0.6..slots as f64 - 0.4;
    let mut chart = axes(area, b, label_w, x_range.clone(), y_range.clone())?;
    if x_range.start < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, y_range.start), (0.0, y_range.end)],
            INK.stroke_width(1),
        )))?;
    }
    for (i, r) in b.rows.iter().enumerate() {
        let y = (n - 1 - i) as f64 + offset;
        bar(root, &mut chart, r, y)?;
        if b.labels {
            let (px, py) = chart.backend_coord(&(x_range.start, y));
            row_label(root, r.chip, &labels[i], &label_style, (px, py))?;
        }
    }
    if let Some(v) = &b.vline {
        chart.draw_series(DashedLineSeries::new(
            vec![(v.x, y_range.start), (v.x, y_range.end)],
            10,
            6,
            v.colour.stroke_width(2),
        ))?;
        let (px, py) = chart.backend_coord(&(v.x, y_range.end));
        root.draw(&Text::new(
            v.label.clone(),
            (px + 6, py + 4),
            anchored(15.0, v.colour, HPos::Left, VPos::Top),
        ))?;
    }
    Ok(())
}

/// The rows' labels as drawn (long names cut) and the widest one's width in pixels.
fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[BarRow],
    label_style: &TextStyle,
) -> Result<(Vec<String>, u32), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut label_w = 0;
    let mut labels = Vec::new();
    for r in rows {
        let mut text = r.label.clone();
        // Long names are cut, not allowed to squeeze the plot.
        while root.estimate_text_size(&text, label_style)?.0 > LABEL_MAX_W
            && text.chars().count() > 4
        {
            let keep = text.chars().count() - 2;
            text = text.chars().take(keep).collect::<String>() + "…";
        }
        label_w = label_w.max(root.estimate_text_size(&text, label_style)?.0);
        labels.push(text);
    }
    Ok((labels, label_w))
}

/// The smallest and largest x the rows and the reference line draw at, 0 included.
fn data_extent(b: &Bars) -> (f64, f64) {
    let (mut lo, mut hi) = b
        .rows
        .iter()
        .map(BarRow::extent)
        .fold((0.0f64, 0.0f64), |(l, h), (a, z)| (l.min(a), h.max(z)));
    if let Some(v) = &b.vline {
        lo = lo.min(v.x);
        hi = hi.max(v.x);
    }
    (lo, hi)
}

/// The x axis fitted to what the rows draw and the reference line, with room for the end
/// labels on the side the bars grow to.
fn fitted_range<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
    label_w: u32,
) -> Result<Range<f64>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = data_extent(b);
    let span = (hi - lo).max(1e-9);
    // Room for the end labels on the side the bars grow to: the longest label's share
    // of the plot's width `w` needs `w / (1 - w)` of the span beyond the bars.
    let plot_w = f64::from(area.dim_in_pixel().0.saturating_sub(label_w + 60).max(1));
    let end_style = anchored(15.0, INK, HPos::Left, VPos::Center);
    let mut longest = 0u32;
    for r in &b.rows {
        if let Some(t) = &r.end_label {
            longest = longest.max(root.estimate_text_size(t, &end_style)?.0);
        }
    }
    let w = (f64::from(longest + 16) / plot_w).min(0.6);
    let room = (w / (1.0 - w)).max(0.28);
    let left = if lo < 0.0 { lo - 0.25 * span } else { 0.0 };
    let right = if hi > 0.0 {
        hi + room * span
    } else {
        0.05 * span
    };
    Ok(left..right)
}

/// The chart on `area` with its x axis, grid and axis label drawn, and room at the left for
/// row labels of `label_w` pixels when the bars have labels.
fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    b: &Bars,
    label_w: u32,
    x_range: Range<f64>,
    y_range: Range<f64>,
) -> Result<Plot<'a, DB>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(14)
        .margin_right(30)
        .margin_bottom(8)
        .margin_top(8)
        .x_label_area_size(52)
        .y_label_area_size(if b.labels { label_w + 36 } else { 4 });
    if let Some(c) = &b.caption {
        builder.caption(c, font(17.0, INK));
    }
    let mut chart = builder.build_cartesian_2d(drawable(x_range)?, drawable(y_range)?)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_desc(b.x_desc.as_str())
        .x_label_formatter(b.x_fmt)
        .label_style(font(15.0, INK))
        .axis_desc_style(font(16.0, INK))
        .light_line_style(GRID_LIGHT)
        .max_light_lines(2)
        .bold_line_style(GRID_BOLD)
        .axis_style(MUTED)
        .draw()?;
    Ok(chart)
}

/// One row at height `y`: its segments, whisker, dot and end label.
fn bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<DB>,
    r: &BarRow,
    y: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let inside = anchored(14.0, INK, HPos::Center, VPos::Center);
    for s in &r.segments {
        let RGBColorA(c, a) = s.colour;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(s.from, y - HALF), (s.to, y + HALF)],
            c.mix(a).filled(),
        )))?;
        if let Some(t) = &s.text {
            let (x0, py) = chart.backend_coord(&(s.from, y));
            let (x1, _) = chart.backend_coord(&(s.to, y));
            let tw = root.estimate_text_size(t, &inside)?.0 as i32;
            if (x1 - x0).abs() > tw + 8 {
                root.draw(&Text::new(t.clone(), ((x0 + x1) / 2, py), inside.clone()))?;
            }
        }
    }
    if let Some((a, z)) = r.whisker {
        whisker(chart, a, z, y)?;
    }
    if let Some((p, c)) = r.point {
        chart.draw_series(std::iter::once(Circle::new((p, y), 7, c.filled())))?;
        chart.draw_series(std::iter::once(Circle::new(
            (p, y),
            7,
            WHITE.stroke_width(2),
        )))?;
    }
    if let Some(t) = &r.end_label {
        end_label(root, chart, r, t, y)?;
    }
    Ok(())
}

/// A whisker from `a` to `z` at height `y`, with caps.
fn whisker<DB: DrawingBackend>(chart: &mut Plot<DB>, a: f64, z: f64, y: f64) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let cap = 0.14;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(a, y), (z, y)],
        INK.stroke_width(2),
    )))?;
    for x in [a, z] {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, y - cap), (x, y + cap)],
            INK.stroke_width(2),
        )))?;
    }
    Ok(())
}

/// The end label `t` past the farthest thing the row draws, on the side the row extends to.
fn end_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Plot<DB>,
    r: &BarRow,
    t: &str,
    y: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (far_lo, far_hi) = r.extent();
    let negative = far_hi <= 0.0 && far_lo < 0.0;
    let (px, py) = chart.backend_coord(&(if negative { far_lo } else { far_hi }, y));
    let (pos, h) = if negative {
        ((px - 8, py), HPos::Right)
    } else {
        ((px + 8, py), HPos::Left)
    };
    root.draw(&Text::new(
        t.to_string(),
        pos,
        anchored(15.0, INK, h, VPos::Center),
    ))?;
    Ok(())
}

/// A row's label, right-aligned left of the axis at (`px`, `py`), after its colour chip.
fn row_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chip: Option<RGBColor>,
    text: &str,
    style: &TextStyle,
    (px, py): (i32, i32),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut tx = px - 10;
    if let Some(c) = chip {
        root.draw(&Rectangle::new(
            [(px - 22, py - 6), (px - 10, py + 6)],
            c.filled(),
        ))?;
        tx = px - 28;
    }
    root.draw(&Text::new(text.to_string(), (tx, py), style.clone()))?;
    Ok(())
}
