//! Where the money goes: one stacked bar per strategy, split by endpoint, by model or by token
//! bucket, each slice in a colour of its own and labelled with its share of the bar.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{BarRow, Bars, RGBColorA, Segment, hbars};
use super::frame::{LegendItem, Swatch, frame, horizon, strategies};
use super::style::DrawResult;
use crate::analysis::report::{Breakdown, Report, StrategyResult};
use crate::foundations::pricing::Bucket;
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::{pct_short, usd_short};
use crate::output::plot::palette::{slice_colour, strategy_colour};

/// At most this many slices: past it, the smallest are summed as "others".
const MAX: usize = 10;
/// The colour of the "others" slice.
const OTHER_COLOUR: RGBColor = RGBColor(200, 200, 200);

/// Which breakdown of a strategy's cost the chart splits by.
pub(super) type Pick = fn(&StrategyResult) -> &BTreeMap<String, Breakdown>;

/// What a bucket is called on a chart.
fn bucket_label(name: &str) -> String {
    match name {
        "input" => "input (uncached)".into(),
        "cache_storage_token_hours" => "cache storage".into(),
        other => other.replace('_', " "),
    }
}

/// The slices drawn, in order, and those summed as "others".
struct Slices {
    keys: Vec<String>,
    other: Vec<String>,
    /// Slices are token buckets (fixed order and colours, chart names).
    is_bucket: bool,
}

impl Slices {
    /// Every slice any strategy was billed for, in a fixed order with fixed colours: buckets in
    /// the ledger's order (so a bucket has one colour in every report); endpoints and models by
    /// the first strategy's cost.
    fn of(all: &[(usize, &str, &StrategyResult)], pick: Pick, is_bucket: bool) -> Slices {
        let mut keys: Vec<String> = Vec::new();
        for (_, _, s) in all {
            for (k, b) in pick(s) {
                if b.cost_usd.mean > 0.0 && !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        if is_bucket {
            keys.sort_by_key(|k| bucket_position(k).unwrap_or(usize::MAX));
        } else {
            let total = |k: &str| all.iter().map(|(_, _, s)| cost(pick, s, k)).sum::<f64>();
            keys.sort_by(|a, b| total(b).total_cmp(&total(a)).then_with(|| a.cmp(b)));
        }
        // At most ten slices: the rest is "other".
        let other: Vec<String> = if keys.len() > MAX {
            keys.split_off(MAX - 1)
        } else {
            Vec::new()
        };
        Slices {
            keys,
            other,
            is_bucket,
        }
    }

    /// The colour of the slice `key` at position `pos`.
    fn colour(&self, pos: usize, key: &str) -> RGBColor {
        if self.is_bucket {
            slice_colour(bucket_position(key).unwrap_or(pos))
        } else {
            slice_colour(pos)
        }
    }

    /// What the slice `key` is called.
    fn label(&self, key: &str) -> String {
        if self.is_bucket {
            bucket_label(key)
        } else {
            key.to_string()
        }
    }

    /// One block per slice, then one for the others.
    fn legend(&self) -> Vec<LegendItem> {
        let mut legend: Vec<LegendItem> = self
            .keys
            .iter()
            .enumerate()
            .map(|(p, k)| LegendItem {
                label: self.label(k),
                colour: self.colour(p, k),
                swatch: Swatch::Block,
            })
            .collect();
        if !self.other.is_empty() {
            legend.push(LegendItem {
                label: format!("{} others", self.other.len()),
                colour: OTHER_COLOUR,
                swatch: Swatch::Block,
            });
        }
        legend
    }
}

/// Position of the bucket named `key` in the ledger's order.
fn bucket_position(key: &str) -> Option<usize> {
    Bucket::ALL.iter().position(|b| b.name() == key)
}

/// Mean cost of the slice `key` of strategy `s` (0 when it has none).
fn cost(pick: Pick, s: &StrategyResult, key: &str) -> f64 {
    pick(s).get(key).map_or(0.0, |b| b.cost_usd.mean)
}

/// The breakdown chart of `kind` (by endpoint, model or bucket), sliced by `pick`.
pub(super) fn breakdown<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    kind: ChartKind,
    pick: Pick,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    let slices = Slices::of(&all, pick, kind == ChartKind::CostByBucket);
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
    let area = frame(root, kind.title(), &subtitle, &slices.legend())?;
    let rows = all
        .iter()
        .map(|(i, n, s)| stacked_row(&slices, pick, s, n, *i))
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

/// The bar of strategy `s` (named `name`, palette position `i`): its slices end to end, each
/// with its share of the total, and the total at the end.
fn stacked_row(slices: &Slices, pick: Pick, s: &StrategyResult, name: &str, i: usize) -> BarRow {
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
    for (p, k) in slices.keys.iter().enumerate() {
        push(cost(pick, s, k), slices.colour(p, k));
    }
    push(
        slices.other.iter().map(|k| cost(pick, s, k)).sum(),
        OTHER_COLOUR,
    );
    BarRow {
        label: name.to_string(),
        chip: Some(strategy_colour(i)),
        segments,
        whisker: None,
        point: None,
        end_label: Some(usd_short(total)),
    }
}
