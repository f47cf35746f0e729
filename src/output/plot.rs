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

use std::fmt;
use std::path::{Path, PathBuf};
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

/// The charts tokencast draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Fan chart of cost per day: P5–P95 band and P50 line per strategy.
    DailyCost,
    /// Fan chart of cost per month with the budget line.
    MonthlyCost,
    /// Strategies' total cost and saving against the baseline.
    Strategies,
    /// Stacked bars of cost by endpoint.
    CostByEndpoint,
    /// Stacked bars of cost by model.
    CostByModel,
    /// Stacked bars of cost by token bucket.
    CostByBucket,
    /// Prompt-cache and semantic-cache hit ratios per strategy.
    CacheHitRatio,
    /// Cost and margin per user-month against daily active users.
    ScaleCurve,
}

impl ChartKind {
    /// Every kind, in the order the HTML page shows them.
    pub const ALL: [ChartKind; 8] = [
        ChartKind::MonthlyCost,
        ChartKind::DailyCost,
        ChartKind::Strategies,
        ChartKind::CostByEndpoint,
        ChartKind::CostByModel,
        ChartKind::CostByBucket,
        ChartKind::CacheHitRatio,
        ChartKind::ScaleCurve,
    ];

    /// File name without extension, e.g. `cost-daily`.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::DailyCost => "cost-daily",
            ChartKind::MonthlyCost => "cost-monthly",
            ChartKind::Strategies => "strategies",
            ChartKind::CostByEndpoint => "cost-by-endpoint",
            ChartKind::CostByModel => "cost-by-model",
            ChartKind::CostByBucket => "cost-by-bucket",
            ChartKind::CacheHitRatio => "cache-hit-ratio",
            ChartKind::ScaleCurve => "scale-curve",
        }
    }

    /// Heading of the chart.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::DailyCost => "Cost per day",
            ChartKind::MonthlyCost => "Cost per month",
            ChartKind::Strategies => "Strategies compared",
            ChartKind::CostByEndpoint => "Where the money goes: by endpoint",
            ChartKind::CostByModel => "Where the money goes: by model",
            ChartKind::CostByBucket => "Where the money goes: by token bucket",
            ChartKind::CacheHitRatio => "Cache hit ratios",
            ChartKind::ScaleCurve => "Unit economics at scale",
        }
    }

    /// One sentence on what the chart shows, for captions.
    pub fn describe(self) -> &'static str {
        match self {
            ChartKind::DailyCost => {
                "Cost of each day of the horizon: the line is the median (P50) across runs, the \
                 band the 5th to 95th percentile; weekly patterns and growth show here."
            }
            ChartKind::MonthlyCost => {
                "Cost of each month (calendar months with a start date, else 30-day blocks) with its P5–P95 spread across runs, against the \
                 monthly budget when one is set."
            }
            ChartKind::Strategies => {
                "Each strategy's total cost over the horizon (mean, whisker P5–P95) and what it \
                 saves against the baseline on the same traffic (paired per run)."
            }
            ChartKind::CostByEndpoint => {
                "Mean cost over the horizon split by endpoint, one bar per strategy."
            }
            ChartKind::CostByModel => {
                "Mean cost over the horizon split by model, one bar per strategy: what routing \
                 and cascades move."
            }
            ChartKind::CostByBucket => {
                "Mean cost split by token bucket (uncached input, cache writes and reads, output, \
                 reasoning, embeddings, cache storage): what caching trades."
            }
            ChartKind::CacheHitRatio => {
                "Prompt cache: share of prompt tokens read from the cache (token-weighted). \
                 Semantic cache: share of lookups answered from the cache. One bar per strategy, \
                 so strategies that differ by TTL compare directly."
            }
            ChartKind::ScaleCurve => {
                "Cost (and margin, when the scenario states revenue) per daily active user per \
                 30-day month, as the product grows; where the margin crosses zero is the \
                 break-even user count."
            }
        }
    }

    /// Whether the report has what this chart needs; `Err` says why not and how to get it.
    pub fn available(self, report: &Report) -> Result<(), &'static str> {
        let any = |f: &dyn Fn(&crate::analysis::report::StrategyResult) -> bool| {
            report.strategies.values().any(f)
        };
        let ok = match self {
            ChartKind::DailyCost => any(&|s| !s.daily.is_empty()),
            ChartKind::MonthlyCost => any(&|s| !s.monthly.is_empty()),
            ChartKind::Strategies => report.strategy_order.len() >= 2,
            ChartKind::CostByEndpoint => {
                any(&|s| s.by_endpoint.values().any(|b| b.cost_usd.mean > 0.0))
            }
            ChartKind::CostByModel => any(&|s| s.by_model.values().any(|b| b.cost_usd.mean > 0.0)),
            ChartKind::CostByBucket => {
                any(&|s| s.by_bucket.values().any(|b| b.cost_usd.mean > 0.0))
            }
            ChartKind::CacheHitRatio => !report.strategies.is_empty(),
            ChartKind::ScaleCurve => report
                .scale_curve
                .as_ref()
                .is_some_and(|c| !c.points.is_empty()),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            ChartKind::DailyCost => "the report has no daily costs",
            ChartKind::MonthlyCost => "the report has no monthly costs",
            ChartKind::Strategies => "only one strategy: there is nothing to compare",
            ChartKind::CostByEndpoint | ChartKind::CostByModel | ChartKind::CostByBucket => {
                "nothing was billed"
            }
            ChartKind::CacheHitRatio => "the report has no strategies",
            ChartKind::ScaleCurve => {
                "no scale curve in this report: run with `--scale 1000,10000,100000` to \
                 evaluate the scenario at those daily active user counts"
            }
        })
    }

    /// The kinds this report has data for, in [`ChartKind::ALL`] order.
    pub fn available_for(report: &Report) -> Vec<ChartKind> {
        ChartKind::ALL
            .into_iter()
            .filter(|k| k.available(report).is_ok())
            .collect()
    }
}

impl fmt::Display for ChartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_stem())
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
    /// Writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
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
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    enc.write_header()
        .and_then(|mut w| w.write_image_data(&pixels))
        .map_err(|e| draw_err(format!("PNG encoding: {e}")))?;
    Ok(out)
}

/// Draw one chart in `format`.
pub fn render(report: &Report, kind: ChartKind, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
    match format {
        ImageFormat::Svg => svg(report, kind).map(String::into_bytes),
        ImageFormat::Png => png(report, kind),
    }
}

/// Write every chart the report has data for into `dir` (created if missing), as
/// `<file_stem>.<svg|png>`; returns the files written.
pub fn write_all(
    report: &Report,
    dir: &Path,
    format: ImageFormat,
) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for kind in ChartKind::available_for(report) {
        let bytes = render(report, kind, format)?;
        let path = dir.join(format!("{}.{}", kind.file_stem(), format.extension()));
        std::fs::write(&path, bytes).map_err(|source| PlotError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

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

fn slice_colour(i: usize) -> RGBColor {
    SLICE_COLOURS[i % SLICE_COLOURS.len()]
}

/// The budget line's colour.
const BUDGET: RGBColor = RGBColor(200, 0, 40);

/// Money for axes and labels: three significant digits, `k` and `M` suffixes
/// (`$0.0123`, `$1.23`, `$123`, `$1.2k`, `$12.3k`, `$1.23M`), a true minus sign.
pub fn usd_short(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let sign = if v < 0.0 { "\u{2212}" } else { "" };
    let a = v.abs();
    let body = if a == 0.0 {
        "0".to_string()
    } else if a >= 1e6 {
        format!("{}M", sig3(a / 1e6))
    } else if a >= 1e3 {
        format!("{}k", sig3(a / 1e3))
    } else {
        sig3(a)
    };
    format!("{sign}${body}")
}

/// Three significant digits, trailing zeros removed.
fn sig3(a: f64) -> String {
    let digits = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        (2 - a.log10().floor() as i32).clamp(2, 8) as usize
    };
    let s = format!("{a:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A user count: `950`, `1k`, `12.5k`, `1.2M`.
pub fn users_short(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", sig3(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", sig3(v / 1e3))
    } else {
        format!("{v:.0}")
    }
}

/// A share 0..1 as a percentage: `42%`, `4.2%`, `0.42%`.
pub fn pct_short(v: f64) -> String {
    let p = v.abs() * 100.0;
    let sign = if v < 0.0 && p >= 0.005 {
        "\u{2212}"
    } else {
        ""
    };
    if p >= 10.0 || p == 0.0 {
        format!("{sign}{p:.0}%")
    } else if p >= 1.0 {
        format!("{sign}{p:.1}%")
    } else {
        format!("{sign}{p:.2}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_three_significant_digits() {
        assert_eq!(usd_short(0.0), "$0");
        assert_eq!(usd_short(0.012345), "$0.0123");
        assert_eq!(usd_short(1.5), "$1.5");
        assert_eq!(usd_short(123.4), "$123");
        assert_eq!(usd_short(1234.0), "$1.23k");
        assert_eq!(usd_short(12_000.0), "$12k");
        assert_eq!(usd_short(-2_500_000.0), "\u{2212}$2.5M");
        assert_eq!(users_short(100_000.0), "100k");
        assert_eq!(pct_short(0.423), "42%");
        assert_eq!(pct_short(0.0423), "4.2%");
        assert_eq!(pct_short(-0.16), "\u{2212}16%");
    }

    #[test]
    fn the_embedded_font_parses() {
        register_font();
        assert!(FONT.len() < 64 * 1024);
    }
}
