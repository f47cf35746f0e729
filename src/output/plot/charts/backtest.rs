//! A backtest: per strategy the forecast's P5–P95 band and P50 over the held-out periods, and
//! the actual cost of each period as crosses on a thin line, in the strategy's colour.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::fan::{Fan, FanSeries, VLine, fan};
use super::frame::{LegendItem, Swatch, frame};
use super::style::{DrawResult, MUTED};
use crate::analysis::backtest::Backtest;
use crate::analysis::report::Stats;
use crate::output::plot::palette::strategy_colour;

/// The backtest chart.
pub(in crate::output::plot) fn backtest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    b: &Backtest,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let mut legend = Vec::new();
    let mut series = Vec::new();
    let mut observed = Vec::new();
    for (i, name) in b.strategy_order.iter().enumerate() {
        let s = &b.strategies[name];
        let colour = strategy_colour(i);
        let bands: Vec<_> = s.origins.iter().flat_map(|o| o.periods.iter()).collect();
        series.push(FanSeries {
            colour,
            points: bands
                .iter()
                .enumerate()
                .map(|(k, band)| {
                    let st = Stats {
                        mean: band.mean_usd,
                        p5: band.p5_usd,
                        p50: band.p50_usd,
                        p95: band.p95_usd,
                        ..Stats::default()
                    };
                    ((k + 1) as f64, st)
                })
                .collect(),
        });
        observed.push((
            colour,
            bands
                .iter()
                .enumerate()
                .map(|(k, band)| ((k + 1) as f64, band.actual_usd))
                .collect(),
        ));
        legend.push(LegendItem {
            label: format!(
                "{name}: forecast P5-P95 and P50; actual ×; {:.0}% inside",
                s.coverage * 100.0
            ),
            colour,
            swatch: Swatch::Band,
        });
    }
    let periods = series.first().map_or(0, |s| s.points.len());
    // Where each later origin's window starts.
    let mut vlines = Vec::new();
    let mut at = 0usize;
    for (i, o) in b.origins.iter().enumerate() {
        // (Each window is one period when the periods are windows: no line needed.)
        if i > 0 && b.period != "window" {
            vlines.push(VLine {
                x: at as f64 + 0.5,
                label: format!("origin {}", i + 1),
                colour: MUTED,
                row: (i % 2) as i32,
            });
        }
        at += o.periods.len();
    }
    let area = frame(
        root,
        "Backtest: forecast band against actual cost",
        &format!(
            "{}: {} held-out {}(s) from {} origin(s); {} runs per forecast.",
            b.trace.path,
            periods,
            b.period,
            b.origins.len(),
            b.runs
        ),
        &legend,
    )?;
    let fmt = |x: &f64| format!("{x:.0}");
    fan(
        root,
        &area,
        &Fan {
            series,
            x_range: 0.5..periods as f64 + 0.5,
            x_desc: format!("held-out {} (in time order)", b.period),
            y_desc: "USD per period".to_string(),
            x_fmt: &fmt,
            x_labels: periods.min(12),
            x_ticks: Vec::new(),
            hlines: Vec::new(),
            vlines,
            notes: Vec::new(),
            markers: false,
            caption: None,
            observed,
        },
    )
}
