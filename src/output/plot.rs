//! Charts of a report, drawn with plotters: what a reader looks at first.
//!
//! ```text
//! Report ──▶ ChartKind::available ──▶ draw (one function per kind, any plotters backend)
//!                                        ├─▶ SVG text (inline in the HTML page, or a file)
//!                                        └─▶ RGB bitmap ──png──▶ PNG file
//! ```
//!
//! Every chart is drawn from the saved report alone, so `tokencast plot report.json DIR` draws
//! the same pictures as `tokencast run --plot DIR`. Colours follow the report's
//! `strategy_order`: the strategy at position `i` always has [`strategy_colour`]`(i)`, in every
//! chart (baseline first, in grey). Slices of the bill (endpoints, models, token buckets) use a
//! second palette, so they are never mistaken for strategies.
//!
//! No system font is needed: plotters runs without its default features, SVG text names the
//! `sans-serif` family (the viewer picks the face), and bitmaps draw an embedded subset of
//! DejaVu Sans with ab_glyph (`src/plot/fonts/`, with its licence). Text is measured with the
//! same embedded font for both formats.

mod charts;
mod kind;
mod labels;
mod palette;

pub use kind::ChartKind;
pub use labels::{pct_short, usd_short, users_short};
pub use palette::{hex, strategy_colour};

use std::sync::OnceLock;

use plotters::prelude::*;

use crate::analysis::report::Report;

/// Width of every chart, pixels (SVG user units).
pub const WIDTH: u32 = 1000;
/// Height of every chart, pixels (SVG user units).
pub const HEIGHT: u32 = 600;

/// Image format of chart files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics (text stays text).
    Svg,
    /// A `WIDTH` × `HEIGHT` RGB PNG.
    Png,
}

impl ImageFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The report lacks what the chart needs.
    #[error("{kind}: {reason}")]
    NoData {
        /// The chart asked for.
        kind: ChartKind,
        /// Why, and how to get it.
        reason: &'static str,
    },
    /// plotters failed to draw.
    #[error("{kind}: cannot draw: {message}")]
    Draw {
        /// The chart.
        kind: ChartKind,
        /// plotters' message.
        message: String,
    },
}

/// The embedded font (a Latin subset of DejaVu Sans) bitmaps are drawn with.
pub const FONT: &[u8] = include_bytes!("plot/fonts/DejaVuSans-subset.ttf");

/// Register the embedded font as plotters' `sans-serif` once per process; every chart measures
/// its text with it, SVG too.
fn register_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        // The font is a fixed, tested asset: failing to parse it is a build defect.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            panic!("the embedded chart font does not parse");
        }
    });
}

fn check(report: &Report, kind: ChartKind) -> Result<(), PlotError> {
    kind.available(report)
        .map_err(|reason| PlotError::NoData { kind, reason })
}

/// Draw one chart as an SVG document.
pub fn svg(report: &Report, kind: ChartKind) -> Result<String, PlotError> {
    check(report, kind)?;
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        charts::draw(&root, report, kind)
            .and_then(|()| root.present().map_err(Into::into))
            .map_err(|e| PlotError::Draw {
                kind,
                message: e.to_string(),
            })?;
    }
    Ok(out)
}

/// Draw one chart as a `WIDTH` × `HEIGHT` RGB PNG.
pub fn png(report: &Report, kind: ChartKind) -> Result<Vec<u8>, PlotError> {
    check(report, kind)?;
    register_font();
    let mut pixels = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    let draw_err = |message: String| PlotError::Draw { kind, message };
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        charts::draw(&root, report, kind)
            .and_then(|()| root.present().map_err(Into::into))
            .map_err(|e| draw_err(e.to_string()))?;
    }
    encode_png(&pixels).map_err(draw_err)
}

/// `WIDTH` × `HEIGHT` RGB pixels as a PNG file.
fn encode_png(pixels: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    enc.write_header()
        .and_then(|mut w| w.write_image_data(pixels))
        .map_err(|e| format!("PNG encoding: {e}"))?;
    Ok(out)
}

/// The chart of a backtest (forecast bands against the actual cost of each held-out period),
/// in `format`.
pub fn backtest_chart(
    b: &crate::analysis::backtest::Backtest,
    format: ImageFormat,
) -> Result<Vec<u8>, String> {
    register_font();
    let err = |e: Box<dyn std::error::Error>| format!("backtest chart: cannot draw: {e}");
    match format {
        ImageFormat::Svg => {
            let mut out = String::new();
            {
                let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
                charts::backtest(&root, b)
                    .and_then(|()| root.present().map_err(Into::into))
                    .map_err(err)?;
            }
            Ok(out.into_bytes())
        }
        ImageFormat::Png => {
            let mut pixels = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
            {
                let root =
                    BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
                charts::backtest(&root, b)
                    .and_then(|()| root.present().map_err(Into::into))
                    .map_err(err)?;
            }
            encode_png(&pixels).map_err(|e| format!("backtest chart: {e}"))
        }
    }
}

/// Draw one chart in `format`.
pub fn render(report: &Report, kind: ChartKind, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    match format {
        ImageFormat::Svg => svg(report, kind).map(String::into_bytes),
        ImageFormat::Png => png(report, kind),
    }
}

/// Every chart the report has data for, drawn in `format`: each chart's file name
/// (`<file_stem>.<svg|png>`) and bytes. All are drawn before any is written, so a chart that
/// cannot be drawn leaves a chart folder as it was.
pub fn render_all(
    report: &Report,
    format: ImageFormat,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    ChartKind::available_for(report)
        .into_iter()
        .map(|kind| {
            let name = format!("{}.{}", kind.file_stem(), format.extension());
            render(report, kind, format).map(|bytes| (name, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_parses() {
        register_font();
        assert!(FONT.len() < 64 * 1024);
    }
}
