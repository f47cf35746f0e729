//! The drawing: one function per chart kind, on any plotters backend, from two building blocks
//! (a fan chart of quantile bands over a numeric axis, and horizontal bars with one row per
//! strategy).

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{BUDGET, ChartKind, pct_short, slice_colour, strategy_colour, usd_short, users_short};
use crate::analysis::report::{Breakdown, Report, Stats, StrategyResult};
use crate::foundations::pricing::Bucket;

pub(super) type DrawResult = Result<(), Box<dyn Error>>;

const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
const GRID_BOLD: RGBColor = RGBColor(210, 210, 210);

fn font(size: f64, colour: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&colour)
}

fn anchored(size: f64, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, colour).pos(Pos::new(h, v))
}

/// Draw `kind` of `report` on `root` (the whole image, whose coordinates are pixels).
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    kind: ChartKind,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match kind {
        ChartKind::DailyCost => daily(root, report),
        ChartKind::MonthlyCost => monthly(root, report),
        ChartKind::Strategies => strategies_chart(root, report),
        ChartKind::CostByEndpoint => breakdown(root, report, kind, |s| &s.by_endpoint),
        ChartKind::CostByModel => breakdown(root, report, kind, |s| &s.by_model),
        ChartKind::CostByBucket => breakdown(root, report, kind, |s| &s.by_bucket),
        ChartKind::CacheHitRatio => cache_hits(root, report),
        ChartKind::ScaleCurve => scale_curve(root, report),
    }
}

/// The report's strategies in `strategy_order` with their palette position; names missing
/// from the order (hand-edited reports) follow it.
fn strategies(report: &Report) -> Vec<(usize, &str, &StrategyResult)> {
    crate::output::table::ordered_strategies(report)
}

fn spread(report: &Report) -> String {
    if report.runs <= 1 {
        "one run".to_string()
    } else {
        format!(
            "line: median (P50), band: P5–P95 across {} runs",
            report.runs
        )
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line over a pale band (fan charts).
    Band,
    /// A filled block (bars).
    Block,
    /// A dashed line (budget).
    Dashed,
}

struct LegendItem {
    label: String,
    colour: RGBColor,
    swatch: Swatch,
}

fn strategy_legend(report: &Report, swatch: Swatch) -> Vec<LegendItem> {
    strategies(report)
        .into_iter()
        .map(|(i, n, _)| LegendItem {
            label: n.to_string(),
            colour: strategy_colour(i),
            swatch,
        })
        .collect()
}

/// Lines of `text` no wider than `width` pixels in `style`.
fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: u32,
) -> Result<Vec<String>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && root.estimate_text_size(&candidate, style)?.0 > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Title, subtitle and legend across the top; returns the area left for the plot.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let left = 20;
    root.draw(&Text::new(
        title.to_string(),
        (left, 12),
        anchored(26.0, INK, HPos::Left, VPos::Top),
    ))?;
    let sub = anchored(16.0, MUTED, HPos::Left, VPos::Top);
    let mut y = 46;
    for line in wrap(root, subtitle, &sub, w - 2 * left as u32)? {
        root.draw(&Text::new(line, (left, y), sub.clone()))?;
        y += 20;
    }
    if !legend.is_empty() {
        y += 6;
        let style = anchored(16.0, INK, HPos::Left, VPos::Center);
        let mut x = left;
        let row_h = 24;
        for item in legend {
            let tw = root.estimate_text_size(&item.label, &style)?.0 as i32;
            let item_w = 28 + tw + 24;
            if x > left && x + item_w > w as i32 - left {
                x = left;
                y += row_h;
            }
            let cy = y + row_h / 2;
            match item.swatch {
                Swatch::Band => {
                    root.draw(&Rectangle::new(
                        [(x, cy - 7), (x + 22, cy + 7)],
                        item.colour.mix(0.18).filled(),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x, cy), (x + 22, cy)],
                        item.colour.stroke_width(3),
                    ))?;
                }
                Swatch::Block => {
                    root.draw(&Rectangle::new(
                        [(x, cy - 7), (x + 22, cy + 7)],
                        item.colour.filled(),
                    ))?;
                }
                Swatch::Dashed => {
                    root.draw(&DashedPathElement::new(
                        vec![(x, cy), (x + 22, cy)],
                        6,
                        3,
                        item.colour.stroke_width(2),
                    ))?;
                }
            }
            root.draw(&Text::new(item.label.clone(), (x + 28, cy), style.clone()))?;
            x += item_w;
        }
        y += row_h;
    }
    Ok(root.margin((y + 6) as u32, 0, 0, 0))
}

/// One strategy's quantiles along a numeric axis.
struct FanSeries {
    colour: RGBColor,
    points: Vec<(f64, Stats)>,
}

/// A horizontal reference line with its label.
struct HLine {
    y: f64,
    label: String,
    colour: RGBColor,
}

/// A vertical reference line with its label (drawn near the top, staggered by `row`).
struct VLine {
    x: f64,
    label: String,
    colour: RGBColor,
    row: i32,
}

struct Fan<'a> {
    series: Vec<FanSeries>,
    x_range: Range<f64>,
    x_desc: String,
    y_desc: String,
    x_fmt: &'a dyn Fn(&f64) -> String,
    x_labels: usize,
    /// Tick positions and labels drawn instead of plotters' own (e.g. a log axis).
    x_ticks: Vec<(f64, String)>,
    hlines: Vec<HLine>,
    vlines: Vec<VLine>,
    /// Lines of coloured text in a box at the lower right of the plot.
    notes: Vec<(String, RGBColor)>,
    markers: bool,
    caption: Option<String>,
}

/// P5–P95 bands and P50 lines of every series, with reference lines.
fn fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    f: &Fan,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
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
    let span = (hi - lo).max(1e-9);
    let y_range = if lo < 0.0 { lo - 0.08 * span } else { 0.0 }..hi + 0.1 * span;
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
    let mut chart = builder.build_cartesian_2d(f.x_range.clone(), y_range.clone())?;
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
    let (_, py0) = chart.backend_coord(&(f.x_range.start, y_range.end));
    let (px1, py1) = chart.backend_coord(&(f.x_range.end, y_range.start));
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
        let style = anchored(14.0, INK, HPos::Left, VPos::Top);
        let mut w = 0;
        for (t, _) in &f.notes {
            w = w.max(root.estimate_text_size(t, &style)?.0 as i32);
        }
        let line = 19;
        let h = line * f.notes.len() as i32;
        let (x0, y0) = (px1 - w - 24, py1 - h - 22);
        root.draw(&Rectangle::new(
            [(x0, y0), (px1 - 8, py1 - 8)],
            WHITE.mix(0.9).filled(),
        ))?;
        root.draw(&Rectangle::new([(x0, y0), (px1 - 8, py1 - 8)], GRID_BOLD))?;
        for (k, (t, c)) in f.notes.iter().enumerate() {
            root.draw(&Text::new(
                t.clone(),
                (x0 + 8, y0 + 7 + line * k as i32),
                anchored(14.0, *c, HPos::Left, VPos::Top),
            ))?;
        }
    }
    for v in &f.vlines {
        let (px, _) = chart.backend_coord(&(v.x, y_range.start));
        root.draw(&DashedPathElement::new(
            vec![(px, py0), (px, py1)],
            4,
            4,
            v.colour.stroke_width(2),
        ))?;
        if v.label.is_empty() {
            continue;
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
    }
    Ok(())
}

/// A piece of a horizontal bar.
struct Segment {
    from: f64,
    to: f64,
    colour: RGBColorA,
    /// Drawn inside the segment when it fits.
    text: Option<String>,
}

/// Plain RGB or RGB with alpha, for segments.
#[derive(Clone, Copy)]
struct RGBColorA(RGBColor, f64);

struct BarRow {
    label: String,
    /// The colour chip beside the label (the strategy's colour), if any.
    chip: Option<RGBColor>,
    segments: Vec<Segment>,
    whisker: Option<(f64, f64)>,
    point: Option<(f64, RGBColor)>,
    end_label: Option<String>,
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

struct Bars<'a> {
    rows: Vec<BarRow>,
    x_desc: String,
    x_fmt: &'a dyn Fn(&f64) -> String,
    /// Fixed axis range instead of one fitted to the data.
    x_fixed: Option<Range<f64>>,
    vline: Option<VLine>,
    caption: Option<String>,
    /// Reserve room for and draw the row labels.
    labels: bool,
}

/// Horizontal bars, first row at the top.
fn hbars<DB: DrawingBackend>(
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
    let mut label_w = 0;
    let mut labels = Vec::new();
    for r in &b.rows {
        let mut text = r.label.clone();
        // Long names are cut, not allowed to squeeze the plot.
        while root.estimate_text_size(&text, &label_style)?.0 > 260 && text.chars().count() > 4 {
            let keep = text.chars().count() - 2;
            text = text.chars().take(keep).collect::<String>() + "…";
        }
        label_w = label_w.max(root.estimate_text_size(&text, &label_style)?.0);
        labels.push(text);
    }
    let x_range = match &b.x_fixed {
        Some(r) => r.clone(),
        None => {
            let (mut lo, mut hi) = b
                .rows
                .iter()
                .map(BarRow::extent)
                .fold((0.0f64, 0.0f64), |(l, h), (a, z)| (l.min(a), h.max(z)));
            if let Some(v) = &b.vline {
                lo = lo.min(v.x);
                hi = hi.max(v.x);
            }
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
            left..right
        }
    };
    let y_range = -0.6..slots as f64 - 0.4;
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
    let mut chart = builder.build_cartesian_2d(x_range.clone(), y_range.clone())?;
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
    if x_range.start < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, y_range.start), (0.0, y_range.end)],
            INK.stroke_width(1),
        )))?;
    }
    let half = 0.32;
    let inside = anchored(14.0, INK, HPos::Center, VPos::Center);
    for (i, r) in b.rows.iter().enumerate() {
        let y = (n - 1 - i) as f64 + offset;
        for s in &r.segments {
            let RGBColorA(c, a) = s.colour;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(s.from, y - half), (s.to, y + half)],
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
        }
        if let Some((p, c)) = r.point {
            chart.draw_series(std::iter::once(Circle::new((p, y), 7, c.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(
                (p, y),
                7,
                WHITE.stroke_width(2),
            )))?;
        }
        // End label past the farthest drawn thing, on the side the row extends to.
        let (far_lo, far_hi) = r.extent();
        if let Some(t) = &r.end_label {
            let negative = far_hi <= 0.0 && far_lo < 0.0;
            let (px, py) = chart.backend_coord(&(if negative { far_lo } else { far_hi }, y));
            let (pos, h) = if negative {
                ((px - 8, py), HPos::Right)
            } else {
                ((px + 8, py), HPos::Left)
            };
            root.draw(&Text::new(
                t.clone(),
                pos,
                anchored(15.0, INK, h, VPos::Center),
            ))?;
        }
        if b.labels {
            let (px, py) = chart.backend_coord(&(x_range.start, y));
            let mut tx = px - 10;
            if let Some(c) = r.chip {
                root.draw(&Rectangle::new(
                    [(px - 22, py - 6), (px - 10, py + 6)],
                    c.filled(),
                ))?;
                tx = px - 28;
            }
            root.draw(&Text::new(labels[i].clone(), (tx, py), label_style.clone()))?;
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

fn horizon(report: &Report) -> String {
    if report.horizon_days == 1 {
        "1 day".into()
    } else {
        format!("{} days", report.horizon_days)
    }
}

/// Rows of intervals (P5–P95 whisker, P50 dot), one per strategy: a fan chart with one point.
fn interval_rows(
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

fn daily<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &Report) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let days = strategies(report)
        .iter()
        .map(|(_, _, s)| s.daily.len())
        .max()
        .unwrap_or(0);
    let budget_day = report.budget_usd_per_month.map(|b| b / 30.0);
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
    let subtitle = if report.audit.is_some() {
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
    };
    let area = frame(root, ChartKind::DailyCost.title(), &subtitle, &legend)?;
    if days < 2 {
        let rows = interval_rows(report, |s| {
            s.daily.first().map(|d| (d.cost_usd, String::new()))
        });
        let fmt = |v: &f64| usd_short(*v);
        return hbars(
            root,
            &area,
            &Bars {
                rows,
                x_desc: "cost of the day (USD)".into(),
                x_fmt: &fmt,
                x_fixed: None,
                vline: budget_day.map(|b| VLine {
                    x: b,
                    label: format!("budget {}/day", usd_short(b)),
                    colour: BUDGET,
                    row: 0,
                }),
                caption: None,
                labels: true,
            },
        );
    }
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
        &area,
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
                    label: format!("budget {}/day", usd_short(b)),
                    colour: BUDGET,
                })
                .into_iter()
                .collect(),
            vlines: Vec::new(),
            markers: days <= 14,
            caption: None,
        },
    )
}

fn monthly<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &Report) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    // The months of the longest strategy (all have the same in a report).
    let months: &[crate::analysis::report::MonthCost] = all
        .iter()
        .max_by_key(|(_, _, s)| s.monthly.len())
        .map_or(&[], |(_, _, s)| s.monthly.as_slice());
    // A month cut short by the horizon (fewer than 28 days) is left out when there are full
    // ones: its lower cost would read as a fall. Two or more months shown make a fan; one
    // makes intervals.
    let full: Vec<usize> = (0..months.len())
        .filter(|&m| months[m].days >= 28)
        .collect();
    let shown: Vec<usize> = if full.is_empty() {
        (0..months.len().min(1)).collect()
    } else {
        full
    };
    let left_out: Vec<String> = (0..months.len())
        .filter(|m| !shown.contains(m))
        .map(|m| format!("{} ({} days)", months[m].label, months[m].days))
        .collect();
    let is_fan = shown.len() >= 2;
    let budget = report.budget_usd_per_month;
    let mut legend = strategy_legend(report, if is_fan { Swatch::Band } else { Swatch::Block });
    if let Some(b) = budget {
        legend.push(LegendItem {
            label: format!("budget {}/month", usd_short(b)),
            colour: BUDGET,
            swatch: Swatch::Dashed,
        });
    }
    // Calendar months are labelled `2027-03`; otherwise months are 30-day blocks.
    let calendar = months
        .first()
        .is_some_and(|m| !m.label.starts_with("month"));
    let subtitle = format!(
        "{}: USD per {}{}; {}.",
        report.scenario.name,
        if calendar {
            "calendar month"
        } else {
            "30-day month"
        },
        if left_out.is_empty() {
            String::new()
        } else {
            format!(" ({} left out)", left_out.join(", "))
        },
        if is_fan {
            spread(report)
        } else if report.runs <= 1 {
            "one run".to_string()
        } else {
            format!(
                "dot: median (P50), whisker: P5–P95 across {} runs",
                report.runs
            )
        }
    );
    let area = frame(root, ChartKind::MonthlyCost.title(), &subtitle, &legend)?;
    if !is_fan {
        let Some(&m) = shown.first() else {
            return Ok(());
        };
        let rows = interval_rows(report, |s| {
            let c = s.monthly.get(m)?;
            let p = c
                .probability_over_budget
                .or_else(|| s.budget.as_ref().map(|b| b.probability_exceeded));
            let over = match p {
                Some(p) if budget.is_some() => {
                    format!(" · over budget in {} of runs", pct_short(p))
                }
                _ => String::new(),
            };
            Some((c.cost_usd, over))
        });
        let fmt = |v: &f64| usd_short(*v);
        return hbars(
            root,
            &area,
            &Bars {
                rows,
                x_desc: if months[m].days < 28 {
                    format!(
                        "cost of {} ({} day{} in the horizon, USD)",
                        months[m].label,
                        months[m].days,
                        if months[m].days == 1 { "" } else { "s" }
                    )
                } else {
                    format!("cost of {} (USD)", months[m].label)
                },
                x_fmt: &fmt,
                x_fixed: None,
                vline: budget.map(|b| VLine {
                    x: b,
                    label: format!("budget {}/month", usd_short(b)),
                    colour: BUDGET,
                    row: 0,
                }),
                caption: None,
                labels: true,
            },
        );
    }
    let series = all
        .iter()
        .map(|(i, _, s)| FanSeries {
            colour: strategy_colour(*i),
            points: shown
                .iter()
                .filter_map(|&m| Some((m as f64 + 1.0, s.monthly.get(m)?.cost_usd)))
                .collect(),
        })
        .collect();
    // At most about twelve month labels.
    let every = shown.len().div_ceil(12);
    let x_ticks = shown
        .iter()
        .step_by(every)
        .map(|&m| (m as f64 + 1.0, months[m].label.clone()))
        .collect();
    let first = shown[0] as f64 + 1.0;
    let last = shown[shown.len() - 1] as f64 + 1.0;
    let x_fmt = |_: &f64| String::new();
    fan(
        root,
        &area,
        &Fan {
            series,
            x_range: first - 0.4..last + 0.4,
            x_desc: "month of the horizon".into(),
            y_desc: "cost per month (USD)".into(),
            x_fmt: &x_fmt,
            x_labels: 0,
            x_ticks,
            notes: Vec::new(),
            hlines: budget
                .map(|b| HLine {
                    y: b,
                    label: format!("budget {}/month", usd_short(b)),
                    colour: BUDGET,
                })
                .into_iter()
                .collect(),
            vlines: Vec::new(),
            markers: true,
            caption: None,
        },
    )
}

fn strategies_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    let subtitle = format!(
        "{}: mean over {} runs, whisker P5–P95; savings are paired per run (same traffic).",
        report.scenario.name, report.runs
    );
    let area = frame(root, ChartKind::Strategies.title(), &subtitle, &[])?;
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 * 56 / 100);
    let fmt = |v: &f64| usd_short(*v);
    let cost_rows = all
        .iter()
        .map(|(i, n, s)| BarRow {
            label: n.to_string(),
            chip: Some(strategy_colour(*i)),
            segments: vec![Segment {
                from: 0.0,
                to: s.cost_usd.mean,
                colour: RGBColorA(strategy_colour(*i), 0.85),
                text: None,
            }],
            whisker: (s.cost_usd.p95 > s.cost_usd.p5).then_some((s.cost_usd.p5, s.cost_usd.p95)),
            point: None,
            end_label: Some(usd_short(s.cost_usd.mean)),
        })
        .collect();
    hbars(
        root,
        &left,
        &Bars {
            rows: cost_rows,
            x_desc: format!("total cost over {} (USD)", horizon(report)),
            x_fmt: &fmt,
            x_fixed: None,
            vline: None,
            caption: Some("Total cost".into()),
            labels: true,
        },
    )?;
    let base = all.first().map(|(_, _, s)| s.cost_usd.mean).unwrap_or(0.0);
    let saving_rows = all
        .iter()
        .enumerate()
        .map(|(k, (i, _, s))| {
            let sv = s.savings_vs_baseline_usd;
            BarRow {
                label: String::new(),
                chip: None,
                segments: if k == 0 {
                    Vec::new()
                } else {
                    vec![Segment {
                        from: 0.0,
                        to: sv.mean,
                        colour: RGBColorA(strategy_colour(*i), 0.85),
                        text: None,
                    }]
                },
                whisker: (k > 0 && sv.p95 > sv.p5).then_some((sv.p5, sv.p95)),
                point: None,
                end_label: Some(if k == 0 {
                    "baseline".to_string()
                } else if base > 0.0 {
                    format!("{} ({})", usd_short(sv.mean), pct_short(sv.mean / base))
                } else {
                    usd_short(sv.mean)
                }),
            }
        })
        .collect();
    hbars(
        root,
        &right,
        &Bars {
            rows: saving_rows,
            x_desc: "saving vs baseline (USD)".into(),
            x_fmt: &fmt,
            x_fixed: None,
            vline: None,
            caption: Some("Saving vs baseline".into()),
            labels: false,
        },
    )
}

/// What a bucket is called on a chart.
fn bucket_label(name: &str) -> String {
    match name {
        "input" => "input (uncached)".into(),
        "cache_storage_token_hours" => "cache storage".into(),
        other => other.replace('_', " "),
    }
}

fn breakdown<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    kind: ChartKind,
    pick: fn(&StrategyResult) -> &std::collections::BTreeMap<String, Breakdown>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    let cost = |s: &StrategyResult, key: &str| pick(s).get(key).map_or(0.0, |b| b.cost_usd.mean);
    // Slices in a fixed order with fixed colours: buckets in the ledger's order (so a bucket
    // has one colour in every report); endpoints and models by the first strategy's cost.
    let mut keys: Vec<String> = Vec::new();
    for (_, _, s) in &all {
        for (k, b) in pick(s) {
            if b.cost_usd.mean > 0.0 && !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let bucket_names: Vec<&str> = Bucket::ALL.iter().map(|b| b.name()).collect();
    let is_bucket = kind == ChartKind::CostByBucket;
    if is_bucket {
        keys.sort_by_key(|k| {
            bucket_names
                .iter()
                .position(|b| b == k)
                .unwrap_or(usize::MAX)
        });
    } else {
        let total = |k: &str| all.iter().map(|(_, _, s)| cost(s, k)).sum::<f64>();
        keys.sort_by(|a, b| total(b).total_cmp(&total(a)).then_with(|| a.cmp(b)));
    }
    // At most ten slices: the rest is "other".
    const MAX: usize = 10;
    let other: Vec<String> = if keys.len() > MAX {
        keys.split_off(MAX - 1)
    } else {
        Vec::new()
    };
    let colour_of = |pos: usize, key: &str| -> RGBColor {
        if is_bucket {
            slice_colour(bucket_names.iter().position(|b| *b == key).unwrap_or(pos))
        } else {
            slice_colour(pos)
        }
    };
    let label_of = |k: &str| {
        if is_bucket {
            bucket_label(k)
        } else {
            k.to_string()
        }
    };
    let mut legend: Vec<LegendItem> = keys
        .iter()
        .enumerate()
        .map(|(p, k)| LegendItem {
            label: label_of(k),
            colour: colour_of(p, k),
            swatch: Swatch::Block,
        })
        .collect();
    let other_colour = RGBColor(200, 200, 200);
    if !other.is_empty() {
        legend.push(LegendItem {
            label: format!("{} others", other.len()),
            colour: other_colour,
            swatch: Swatch::Block,
        });
    }
    let what = match kind {
        ChartKind::CostByEndpoint => "endpoint",
        ChartKind::CostByModel => "model",
        _ => "token bucket",
    };
    let subtitle = format!(
        "{}: mean cost over {} by {what}, one bar per strategy; segments show their share of the bar.",
        report.scenario.name,
        horizon(report)
    );
    let area = frame(root, kind.title(), &subtitle, &legend)?;
    let rows = all
        .iter()
        .map(|(i, n, s)| {
            let total: f64 = pick(s).values().map(|b| b.cost_usd.mean).sum();
            let mut x = 0.0;
            let mut segments = Vec::new();
            let mut push = |c: f64, colour: RGBColor| {
                if c > 0.0 {
                    segments.push(Segment {
                        from: x,
                        to: x + c,
                        colour: RGBColorA(colour, 1.0),
                        text: (total > 0.0).then(|| pct_short(c / total)),
                    });
                    x += c;
                }
            };
            for (p, k) in keys.iter().enumerate() {
                push(cost(s, k), colour_of(p, k));
            }
            push(other.iter().map(|k| cost(s, k)).sum(), other_colour);
            BarRow {
                label: n.to_string(),
                chip: Some(strategy_colour(*i)),
                segments,
                whisker: None,
                point: None,
                end_label: Some(usd_short(total)),
            }
        })
        .collect();
    let fmt = |v: &f64| usd_short(*v);
    hbars(
        root,
        &area,
        &Bars {
            rows,
            x_desc: format!("mean cost over {} (USD)", horizon(report)),
            x_fmt: &fmt,
            x_fixed: None,
            vline: None,
            caption: None,
            labels: true,
        },
    )
}

fn cache_hits<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &Report) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    let pct = |v: &f64| pct_short(*v);
    let ratio_row = |label: &str, chip: Option<RGBColor>, colour: RGBColor, r: f64| BarRow {
        label: label.to_string(),
        chip,
        segments: vec![Segment {
            from: 0.0,
            to: r,
            colour: RGBColorA(colour, 0.85),
            text: None,
        }],
        whisker: None,
        point: None,
        end_label: Some(pct_short(r)),
    };
    if let Some(a) = &report.audit {
        // Recorded traffic: what the provider's cache read, against what was there to read.
        let recorded = strategy_colour(0);
        let mut rows = vec![ratio_row(
            "cache reads recorded",
            None,
            recorded,
            a.recorded_cache_read_ratio,
        )];
        if let Some(r) = a.prefix_reuse_ratio {
            rows.push(ratio_row(
                "prefix reuse (unbounded cache)",
                None,
                slice_colour(0),
                r,
            ));
        }
        if let Some(r) = a.intent_repeat_ratio {
            rows.push(ratio_row(
                "repeated intents (semantic)",
                None,
                slice_colour(2),
                r,
            ));
        }
        let subtitle = format!(
            "{}: share of prompt tokens the provider's cache read{}{}.",
            report.scenario.name,
            if a.prefix_reuse_ratio.is_some() {
                ", against the share in prefix blocks seen earlier in the trace"
            } else {
                " (the trace has no prefix hashes to compare with)"
            },
            if a.intent_repeat_ratio.is_some() {
                "; share of requests repeating an earlier intent"
            } else {
                ""
            }
        );
        let area = frame(root, ChartKind::CacheHitRatio.title(), &subtitle, &[])?;
        return hbars(
            root,
            &area,
            &Bars {
                rows,
                x_desc: "share (%)".into(),
                x_fmt: &pct,
                x_fixed: Some(0.0..1.12),
                vline: None,
                caption: None,
                labels: true,
            },
        );
    }
    let semantic = all.iter().any(|(_, _, s)| s.semantic_cache.lookups > 0.0);
    let prompt = !semantic || all.iter().any(|(_, _, s)| s.prompt_cache.hit_ratio > 0.0);
    let subtitle = match (prompt, semantic) {
        (true, true) => format!(
            "{}: prompt cache = cache-read tokens / all prompt tokens; semantic cache = lookups \
             answered from the cache / lookups.",
            report.scenario.name
        ),
        (true, false) => format!(
            "{}: cache-read tokens / all prompt tokens (token-weighted); no strategy uses a \
             semantic cache.",
            report.scenario.name
        ),
        _ => format!(
            "{}: lookups answered from the cache / lookups (wrong answers in brackets); no \
             strategy reads from a prompt cache.",
            report.scenario.name
        ),
    };
    let area = frame(root, ChartKind::CacheHitRatio.title(), &subtitle, &[])?;
    let prompt_rows = all
        .iter()
        .map(|(i, n, s)| {
            ratio_row(
                n,
                Some(strategy_colour(*i)),
                strategy_colour(*i),
                s.prompt_cache.hit_ratio,
            )
        })
        .collect();
    let (left, right) = if semantic && prompt {
        let (l, r) = area.split_horizontally(area.dim_in_pixel().0 * 58 / 100);
        (Some(l), Some(r))
    } else if prompt {
        (Some(area), None)
    } else {
        (None, Some(area))
    };
    if let Some(left) = left {
        hbars(
            root,
            &left,
            &Bars {
                rows: prompt_rows,
                x_desc: "prompt tokens read from cache (%)".into(),
                x_fmt: &pct,
                x_fixed: Some(0.0..1.15),
                vline: None,
                caption: semantic.then(|| "Prompt cache".into()),
                labels: true,
            },
        )?;
    }
    if let Some(right) = right {
        let rows = all
            .iter()
            .map(|(i, n, s)| {
                let mut r = ratio_row(
                    n,
                    Some(strategy_colour(*i)),
                    strategy_colour(*i),
                    s.semantic_cache.hit_ratio,
                );
                if s.semantic_cache.lookups == 0.0 {
                    r.segments.clear();
                    r.end_label = Some("none".into());
                } else if s.semantic_cache.false_hit_ratio > 0.0 {
                    r.end_label = Some(format!(
                        "{} ({} wrong)",
                        pct_short(s.semantic_cache.hit_ratio),
                        pct_short(s.semantic_cache.false_hit_ratio)
                    ));
                }
                r
            })
            .collect();
        hbars(
            root,
            &right,
            &Bars {
                rows,
                x_desc: "lookups answered from cache (%)".into(),
                x_fmt: &pct,
                x_fixed: Some(if prompt { 0.0..1.4 } else { 0.0..1.2 }),
                vline: None,
                caption: prompt.then(|| "Semantic cache".into()),
                labels: !prompt,
            },
        )?;
    }
    Ok(())
}

fn scale_curve<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &Report) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(curve) = &report.scale_curve else {
        return Ok(());
    };
    let all = strategies(report);
    let users: Vec<f64> = curve
        .points
        .iter()
        .map(|p| p.daily_active_users.max(1.0))
        .collect();
    let lo = users.iter().copied().fold(f64::INFINITY, f64::min).log10();
    let hi = users.iter().copied().fold(0.0, f64::max).log10();
    let pad = ((hi - lo) * 0.06).max(0.15);
    let x_range = lo - pad..hi + pad;
    let margin_known = curve.points.iter().any(|p| {
        p.strategies
            .values()
            .any(|s| s.margin_per_user_month_usd.is_some())
    });
    // The axis is log10(users), labelled at 1, 2 and 5 times powers of ten, or only at the
    // powers when that would crowd (a wide curve, or two panels side by side).
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
    let x_fmt = |_: &f64| String::new();
    let series =
        |f: &dyn Fn(&crate::analysis::report::ScaleStrategy) -> Option<Stats>| -> Vec<FanSeries> {
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
        };
    let margin = series(&|s| s.margin_per_user_month_usd);
    let subtitle = format!(
        "{}: per daily active user per 30-day month; each point {} runs × {} days; {} (log scale of users).",
        report.scenario.name,
        curve.runs,
        curve.days,
        if curve.runs <= 1 {
            "one run".to_string()
        } else {
            "line: P50, band: P5–P95".to_string()
        }
    );
    let area = frame(
        root,
        ChartKind::ScaleCurve.title(),
        &subtitle,
        &strategy_legend(report, Swatch::Band),
    )?;
    let cost = Fan {
        series: series(&|s| Some(s.cost_per_user_month_usd)),
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
            ..cost
        },
    )?;
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
        },
    )
}
