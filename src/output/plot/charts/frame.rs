//! What every chart opens with: a title, a subtitle wrapped to the width, and a legend across
//! the top; the area left below is where the chart itself goes. Also the report facts the
//! subtitles and legends quote (strategies in palette order, the horizon, the spread shown).

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{INK, MUTED, anchored};
use crate::analysis::report::{Report, StrategyResult};
use crate::foundations::limits::readable;
use crate::output::plot::palette::strategy_colour;

/// Left margin of the title, subtitle and legend, pixels.
const LEFT: i32 = 20;
/// Height of one legend row, pixels.
const ROW_H: i32 = 24;

/// Largest magnitude an axis may reach: 1e17, a hundred times the largest money figure a report
/// to plot may hold (1e15 dollars, checked when it is loaded), leaving room for the padding
/// around the bars. plotters computes its ticks from powers of ten of the axis width and never
/// finishes on an infinite or overflowing one, so every axis is checked here before it is built.
pub(super) const MAX_AXIS: f64 = 1e17;

/// `range` as an axis plotters can tick: finite bounds within [`MAX_AXIS`], else an error
/// naming them (a report with such values is not a real forecast).
pub(super) fn drawable(range: Range<f64>) -> Result<Range<f64>, Box<dyn Error>> {
    let ok = |x: f64| x.is_finite() && x.abs() <= MAX_AXIS;
    if ok(range.start) && ok(range.end) {
        Ok(range)
    } else {
        Err(format!(
            "an axis from {} to {} cannot be drawn: chart values must be finite numbers of \
             magnitude at most {}",
            readable(range.start),
            readable(range.end),
            readable(MAX_AXIS)
        )
        .into())
    }
}

/// The report's strategies in `strategy_order` with their palette position; names missing
/// from the order (hand-edited reports) follow it.
pub(super) fn strategies(report: &Report) -> Vec<(usize, &str, &StrategyResult)> {
    crate::output::table::ordered_strategies(report)
}

/// What the band and line of a fan chart show, for subtitles.
pub(super) fn spread(report: &Report) -> String {
    if report.runs <= 1 {
        "one run".to_string()
    } else {
        format!(
            "line: median (P50), band: P5–P95 across {} runs",
            report.runs
        )
    }
}

/// The horizon in words: `1 day`, `90 days`.
pub(super) fn horizon(report: &Report) -> String {
    crate::output::format::days(report.horizon_days)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    /// A line over a pale band (fan charts).
    Band,
    /// A filled block (bars).
    Block,
    /// A dashed line (budget).
    Dashed,
}

/// One entry of a legend.
pub(super) struct LegendItem {
    pub(super) label: String,
    pub(super) colour: RGBColor,
    pub(super) swatch: Swatch,
}

/// One legend entry per strategy, in its colour.
pub(super) fn strategy_legend(report: &Report, swatch: Swatch) -> Vec<LegendItem> {
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
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut y = heading(root, title, subtitle)?;
    if !legend.is_empty() {
        y = legend_rows(root, legend, y + 6)?;
    }
    Ok(root.margin((y + 6) as u32, 0, 0, 0))
}

/// The title and the wrapped subtitle; returns the y below the subtitle.
fn heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<i32, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (LEFT, 12),
        anchored(26.0, INK, HPos::Left, VPos::Top),
    ))?;
    let sub = anchored(16.0, MUTED, HPos::Left, VPos::Top);
    let mut y = 46;
    for line in wrap(root, subtitle, &sub, w - 2 * LEFT as u32)? {
        root.draw(&Text::new(line, (LEFT, y), sub.clone()))?;
        y += 20;
    }
    Ok(y)
}

/// The legend from `y` down, entries left to right and wrapping to a new row when one would
/// overflow; returns the y below the last row.
fn legend_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &[LegendItem],
    mut y: i32,
) -> Result<i32, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let style = anchored(16.0, INK, HPos::Left, VPos::Center);
    let mut x = LEFT;
    for item in legend {
        let tw = root.estimate_text_size(&item.label, &style)?.0 as i32;
        let item_w = 28 + tw + 24;
        if x > LEFT && x + item_w > w as i32 - LEFT {
            x = LEFT;
            y += ROW_H;
        }
        let cy = y + ROW_H / 2;
        swatch(root, item, x, cy)?;
        root.draw(&Text::new(item.label.clone(), (x + 28, cy), style.clone()))?;
        x += item_w;
    }
    Ok(y + ROW_H)
}

/// The swatch of `item`, 22 pixels wide from `x`, centred on `cy`.
fn swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    item: &LegendItem,
    x: i32,
    cy: i32,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_beyond_the_limit_are_an_error_not_an_endless_tick_loop() {
        assert_eq!(
            drawable(0.0..2.5e15).map_err(|e| e.to_string()),
            Ok(0.0..2.5e15)
        );
        for r in [0.0..f64::INFINITY, f64::NAN..1.0, 0.0..1.7e308, -1e18..0.0] {
            let e = drawable(r.clone())
                .expect_err("must be refused")
                .to_string();
            assert!(e.contains("cannot be drawn"), "{r:?}: {e}");
        }
    }
}
