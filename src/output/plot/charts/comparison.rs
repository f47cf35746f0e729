//! Strategies compared: two panels of bars side by side, each strategy's total cost (mean,
//! whisker P5–P95) and what it saves against the baseline on the same traffic.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{BarRow, Bars, RGBColorA, Segment, hbars};
use super::frame::{frame, horizon, strategies};
use super::style::DrawResult;
use crate::analysis::report::{Report, StrategyResult};
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::{pct_short, usd_short};
use crate::output::plot::palette::strategy_colour;

/// The strategies chart: total cost on the left, saving against the baseline on the right.
pub(super) fn strategies_chart<DB: DrawingBackend>(
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
    hbars(
        root,
        &left,
        &Bars {
            rows: cost_rows(&all),
            x_desc: format!("total cost over {} (USD)", horizon(report)),
            x_fmt: &fmt,
            x_fixed: None,
            vline: None,
            caption: Some("Total cost".into()),
            labels: true,
        },
    )?;
    hbars(
        root,
        &right,
        &Bars {
            rows: saving_rows(&all),
            x_desc: "saving vs baseline (USD)".into(),
            x_fmt: &fmt,
            x_fixed: None,
            vline: None,
            caption: Some("Saving vs baseline".into()),
            labels: false,
        },
    )
}

/// Each strategy's mean total cost with its P5–P95 whisker, labelled with its name.
fn cost_rows(all: &[(usize, &str, &StrategyResult)]) -> Vec<BarRow> {
    all.iter()
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
        .collect()
}

/// Each strategy's mean saving against the baseline (the first strategy, whose row is only
/// labelled `baseline`), with its share of the baseline's cost.
fn saving_rows(all: &[(usize, &str, &StrategyResult)]) -> Vec<BarRow> {
    let base = all.first().map(|(_, _, s)| s.cost_usd.mean).unwrap_or(0.0);
    all.iter()
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
        .collect()
}
