//! The drawing: one function per chart kind, on any plotters backend, from two building blocks
//! (a fan chart of quantile bands over a numeric axis, and horizontal bars with one row per
//! strategy).
//!
//! `style` holds the ink and fonts, `frame` the title, subtitle and legend every chart opens
//! with, `fan` and `bars` the two building blocks; `daily`, `monthly`, `comparison`,
//! `breakdown`, `cache` and `scale` each draw one kind of chart from them.

mod backtest;
mod bars;
mod breakdown;
mod cache;
mod comparison;
mod daily;
mod fan;
mod frame;
mod monthly;
mod scale;
mod style;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::ChartKind;
use crate::analysis::report::Report;
use style::DrawResult;

pub(super) use backtest::backtest;

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
        ChartKind::DailyCost => daily::daily(root, report),
        ChartKind::MonthlyCost => monthly::monthly(root, report),
        ChartKind::Strategies => comparison::strategies_chart(root, report),
        ChartKind::CostByEndpoint => breakdown::breakdown(root, report, kind, |s| &s.by_endpoint),
        ChartKind::CostByModel => breakdown::breakdown(root, report, kind, |s| &s.by_model),
        ChartKind::CostByBucket => breakdown::breakdown(root, report, kind, |s| &s.by_bucket),
        ChartKind::CacheHitRatio => cache::cache_hits(root, report),
        ChartKind::ScaleCurve => scale::scale_curve(root, report),
    }
}
