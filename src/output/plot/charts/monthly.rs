//! Cost per month: a fan of each strategy's cost per calendar month (or 30-day block) against
//! the monthly budget, or intervals for a single month with the chance of going over budget.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{Bars, hbars, interval_rows};
use super::fan::{Fan, FanSeries, HLine, VLine, fan};
use super::frame::{LegendItem, Swatch, frame, spread, strategies, strategy_legend};
use super::style::DrawResult;
use crate::analysis::report::{MonthCost, Report, StrategyResult};
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::{pct_short, usd_short};
use crate::output::plot::palette::{BUDGET, strategy_colour};

/// The monthly cost chart.
pub(super) fn monthly<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let all = strategies(report);
    // The months of the longest strategy (all have the same in a report).
    let months: &[MonthCost] = all
        .iter()
        .max_by_key(|(_, _, s)| s.monthly.len())
        .map_or(&[], |(_, _, s)| s.monthly.as_slice());
    let shown = shown_months(months);
    let is_fan = shown.len() >= 2;
    let legend = legend(report, is_fan);
    let subtitle = subtitle(report, months, &shown, is_fan);
    let area = frame(root, ChartKind::MonthlyCost.title(), &subtitle, &legend)?;
    if !is_fan {
        let Some(&m) = shown.first() else {
            return Ok(());
        };
        return one_month(root, &area, report, months, m);
    }
    months_fan(root, &area, report, &all, months, &shown)
}

/// The months drawn, by index. A month cut short by the horizon (fewer than 28 days) is left
/// out when there are full ones: its lower cost would read as a fall. Two or more months shown
/// make a fan; one makes intervals.
fn shown_months(months: &[MonthCost]) -> Vec<usize> {
    let full: Vec<usize> = (0..months.len())
        .filter(|&m| months[m].days >= 28)
        .collect();
    if full.is_empty() {
        (0..months.len().min(1)).collect()
    } else {
        full
    }
}

/// Strategies (a band, or a block for intervals) and the budget, if any.
fn legend(report: &Report, is_fan: bool) -> Vec<LegendItem> {
    let mut legend = strategy_legend(report, if is_fan { Swatch::Band } else { Swatch::Block });
    if let Some(b) = report.budget_usd_per_month {
        legend.push(LegendItem {
            label: budget_label(b),
            colour: BUDGET,
            swatch: Swatch::Dashed,
        });
    }
    legend
}

/// The monthly budget, labelled.
fn budget_label(b: f64) -> String {
    format!("budget {}/month", usd_short(b))
}

/// What a month is (calendar or 30 days), which months are left out, and what the spread
/// shows.
fn subtitle(report: &Report, months: &[MonthCost], shown: &[usize], is_fan: bool) -> String {
    let left_out: Vec<String> = (0..months.len())
        .filter(|m| !shown.contains(m))
        .map(|m| format!("{} ({} days)", months[m].label, months[m].days))
        .collect();
    // Calendar months are labelled `2027-03`; otherwise months are 30-day blocks.
    let calendar = months
        .first()
        .is_some_and(|m| !m.label.starts_with("month"));
    format!(
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
    )
}

/// One month shown (month `m`): each strategy's cost of it as an interval, with the chance of
/// going over budget.
fn one_month<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    months: &[MonthCost],
    m: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let budget = report.budget_usd_per_month;
    let rows = interval_rows(report, |s| {
        let c = s.monthly.get(m)?;
        let p = c.probability_over_budget.or_else(|| {
            s.budget.as_ref().map(|b| {
                if b.control_variate {
                    b.share_of_runs
                } else {
                    b.probability_exceeded
                }
            })
        });
        let over = match p {
            Some(p) if budget.is_some() => {
                format!(" · over budget in {} of runs", pct_short(p))
            }
            _ => String::new(),
        };
        Some((c.cost_usd, over))
    });
    let fmt = |v: &f64| usd_short(*v);
    hbars(
        root,
        area,
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
                label: budget_label(b),
                colour: BUDGET,
                row: 0,
            }),
            caption: None,
            labels: true,
        },
    )
}

/// Two months or more shown: a fan over them, labelled with the months' names.
fn months_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    all: &[(usize, &str, &StrategyResult)],
    months: &[MonthCost],
    shown: &[usize],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
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
        area,
        &Fan {
            series,
            x_range: first - 0.4..last + 0.4,
            x_desc: "month of the horizon".into(),
            y_desc: "cost per month (USD)".into(),
            x_fmt: &x_fmt,
            x_labels: 0,
            x_ticks,
            notes: Vec::new(),
            hlines: report
                .budget_usd_per_month
                .map(|b| HLine {
                    y: b,
                    label: budget_label(b),
                    colour: BUDGET,
                })
                .into_iter()
                .collect(),
            vlines: Vec::new(),
            markers: true,
            caption: None,
            observed: Vec::new(),
        },
    )
}
