//! The ink every chart is drawn with: text and grid colours, fonts, and the types the drawing
//! functions share (their result, and a chart with two numeric axes). Kept in one place so every
//! chart looks the same.

use std::error::Error;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What drawing a chart (or a part of one) returns.
pub(in crate::output::plot) type DrawResult = Result<(), Box<dyn Error>>;

/// A chart with a numeric x and y axis, as the building blocks draw on.
pub(super) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Text, axis lines at zero, whiskers.
pub(super) const INK: RGBColor = RGBColor(33, 33, 33);
/// Subtitles, axes and tick marks.
pub(super) const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Minor grid lines.
pub(super) const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
/// Major grid lines and box outlines.
pub(super) const GRID_BOLD: RGBColor = RGBColor(210, 210, 210);

/// The chart font at `size` in `colour`.
pub(super) fn font(size: f64, colour: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&colour)
}

/// The chart font, anchored at the text's `h` side and `v` edge.
pub(super) fn anchored(size: f64, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, colour).pos(Pos::new(h, v))
}
