//! The chart colours: one palette for strategies (by position in `strategy_order`, the same in
//! every chart and in the HTML page's tables), a second for slices of the bill, and the budget
//! line's colour.

use plotters::style::RGBColor;

/// Colours of strategies by their position in `strategy_order`: baseline grey, then the
/// Okabe–Ito colours (distinguishable with colour-blindness), then a few more.
const STRATEGY_COLOURS: [RGBColor; 10] = [
    RGBColor(96, 96, 96),
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(140, 86, 75),
    RGBColor(148, 103, 189),
    RGBColor(170, 170, 20),
];

/// The colour of the strategy at `position` in the report's `strategy_order` (cycling after
/// ten). The HTML page uses the same colours in its tables.
pub fn strategy_colour(position: usize) -> RGBColor {
    STRATEGY_COLOURS[position % STRATEGY_COLOURS.len()]
}

/// `#rrggbb` of a colour.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Colours of slices of the bill (ColorBrewer Set2 and Set3): never used for strategies.
const SLICE_COLOURS: [RGBColor; 12] = [
    RGBColor(102, 194, 165),
    RGBColor(252, 141, 98),
    RGBColor(141, 160, 203),
    RGBColor(231, 138, 195),
    RGBColor(166, 216, 84),
    RGBColor(255, 217, 47),
    RGBColor(229, 196, 148),
    RGBColor(179, 179, 179),
    RGBColor(128, 177, 211),
    RGBColor(251, 128, 114),
    RGBColor(190, 186, 218),
    RGBColor(253, 180, 98),
];

/// The colour of slice `i` of the bill (cycling after twelve).
pub(super) fn slice_colour(i: usize) -> RGBColor {
    SLICE_COLOURS[i % SLICE_COLOURS.len()]
}

/// The budget line's colour.
pub(super) const BUDGET: RGBColor = RGBColor(200, 0, 40);
