//! Cache hit ratios: per strategy, the share of prompt tokens read from the prompt cache and the
//! share of lookups the semantic cache answered; for recorded traffic (an audit), what the
//! provider's cache read against what was there to read.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{BarRow, Bars, RGBColorA, Segment, hbars};
use super::frame::{frame, strategies};
use super::style::DrawResult;
use crate::analysis::report::{AuditSection, Report, StrategyResult};
use crate::output::plot::kind::ChartKind;
use crate::output::plot::labels::pct_short;
use crate::output::plot::palette::{slice_colour, strategy_colour};

/// Axis labels of every panel: shares as percentages.
fn pct(v: &f64) -> String {
    pct_short(*v)
}

/// A bar of one ratio `r`, labelled with it.
fn ratio_row(label: &str, chip: Option<RGBColor>, colour: RGBColor, r: f64) -> BarRow {
    BarRow {
        label: label.to_string(),
        chip,
        segments: vec![Segment {
            from: 0.0,
            to: r,
            colour: RGBColorA(colour, 0.85),
            text: None,
        }],
        whisker: None,
        point: None,
        end_label: Some(pct_short(r)),
    }
}

/// The cache chart: of recorded traffic for an audit, else of each strategy's caches.
pub(super) fn cache_hits<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if let Some(a) = &report.audit {
        return recorded(root, report, a);
    }
    let all = strategies(report);
    let semantic = all.iter().any(|(_, _, s)| s.semantic_cache.lookups > 0.0);
    let prompt = !semantic || all.iter().any(|(_, _, s)| s.prompt_cache.hit_ratio > 0.0);
    let area = frame(
        root,
        ChartKind::CacheHitRatio.title(),
        &subtitle(report, prompt, semantic),
        &[],
    )?;
    let (left, right) = if semantic && prompt {
        let (l, r) = area.split_horizontally(area.dim_in_pixel().0 * 58 / 100);
        (Some(l), Some(r))
    } else if prompt {
        (Some(area), None)
    } else {
        (None, Some(area))
    };
    if let Some(left) = left {
        hbars(
            root,
            &left,
            &Bars {
                rows: prompt_rows(&all),
                x_desc: "prompt tokens read from cache (%)".into(),
                x_fmt: &pct,
                x_fixed: Some(0.0..1.15),
                vline: None,
                caption: semantic.then(|| "Prompt cache".into()),
                labels: true,
            },
        )?;
    }
    if let Some(right) = right {
        hbars(
            root,
            &right,
            &Bars {
                rows: semantic_rows(&all),
                x_desc: "lookups answered from cache (%)".into(),
                x_fmt: &pct,
                x_fixed: Some(if prompt { 0.0..1.4 } else { 0.0..1.2 }),
                vline: None,
                caption: prompt.then(|| "Semantic cache".into()),
                labels: !prompt,
            },
        )?;
    }
    Ok(())
}

/// Recorded traffic: what the provider's cache read, against what was there to read (prefix
/// reuse) and how often an intent repeated, when the trace tells.
fn recorded<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    a: &AuditSection,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let recorded = strategy_colour(0);
    let mut rows = vec![ratio_row(
        "cache reads recorded",
        None,
        recorded,
        a.recorded_cache_read_ratio,
    )];
    if let Some(r) = a.prefix_reuse_ratio {
        rows.push(ratio_row(
            "prefix reuse (unbounded cache)",
            None,
            slice_colour(0),
            r,
        ));
    }
    if let Some(r) = a.intent_repeat_ratio {
        rows.push(ratio_row(
            "repeated intents (semantic)",
            None,
            slice_colour(2),
            r,
        ));
    }
    let subtitle = format!(
        "{}: share of prompt tokens the provider's cache read{}{}.",
        report.scenario.name,
        if a.prefix_reuse_ratio.is_some() {
            ", against the share in prefix blocks seen earlier in the trace"
        } else {
            " (the trace has no prefix hashes to compare with)"
        },
        if a.intent_repeat_ratio.is_some() {
            "; share of requests repeating an earlier intent"
        } else {
            ""
        }
    );
    let area = frame(root, ChartKind::CacheHitRatio.title(), &subtitle, &[])?;
    hbars(
        root,
        &area,
        &Bars {
            rows,
            x_desc: "share (%)".into(),
            x_fmt: &pct,
            x_fixed: Some(0.0..1.12),
            vline: None,
            caption: None,
            labels: true,
        },
    )
}

/// How each cache's ratio is measured, for the caches shown.
fn subtitle(report: &Report, prompt: bool, semantic: bool) -> String {
    match (prompt, semantic) {
        (true, true) => format!(
            "{}: prompt cache = cache-read tokens / all prompt tokens; semantic cache = lookups \
             answered from the cache / lookups.",
            report.scenario.name
        ),
        (true, false) => format!(
            "{}: cache-read tokens / all prompt tokens (token-weighted); no strategy uses a \
             semantic cache.",
            report.scenario.name
        ),
        _ => format!(
            "{}: lookups answered from the cache / lookups (wrong answers in brackets); no \
             strategy reads from a prompt cache.",
            report.scenario.name
        ),
    }
}

/// Each strategy's prompt-cache hit ratio (token-weighted).
fn prompt_rows(all: &[(usize, &str, &StrategyResult)]) -> Vec<BarRow> {
    all.iter()
        .map(|(i, n, s)| {
            ratio_row(
                n,
                Some(strategy_colour(*i)),
                strategy_colour(*i),
                s.prompt_cache.hit_ratio,
            )
        })
        .collect()
}

/// Each strategy's semantic-cache hit ratio, with the share of wrong answers; `none` for a
/// strategy without a semantic cache.
fn semantic_rows(all: &[(usize, &str, &StrategyResult)]) -> Vec<BarRow> {
    all.iter()
        .map(|(i, n, s)| {
            let mut r = ratio_row(
                n,
                Some(strategy_colour(*i)),
                strategy_colour(*i),
                s.semantic_cache.hit_ratio,
            );
            if s.semantic_cache.lookups == 0.0 {
                r.segments.clear();
                r.end_label = Some("none".into());
            } else if s.semantic_cache.false_hit_ratio > 0.0 {
                r.end_label = Some(format!(
                    "{} ({} wrong)",
                    pct_short(s.semantic_cache.hit_ratio),
                    pct_short(s.semantic_cache.false_hit_ratio)
                ));
            }
            r
        })
        .collect()
}
