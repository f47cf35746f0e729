//! HTML export: one self-contained page a reviewer opens from a CI artifact.
//!
//! The page holds the charts as inline SVG, the tables of the text report, and what the
//! forecast assumed (scenario file and its SHA-256, seed, runs, prices, uncertain parameters,
//! and the scenario's source when it is at hand). Nothing is fetched: no scripts, no external
//! stylesheets or fonts, no links to load. Like every exporter it is deterministic: the same
//! report gives the same bytes (no timestamps).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::{count, pct, usd, usd_signed};
use crate::analysis::report::{Breakdown, Report, Stats, StrategyResult};
use crate::output::plot::{self, ChartKind, PlotError};

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page loads nothing: a browser blocks (and reports in its console) any script, image,
/// font or stylesheet that is not inline. `tests/it/plot.rs` opens the page in headless
/// Chromium and fails on any console message.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = "
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #212121;
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h1 small { font-weight: normal; color: #666; font-size: 18px; }
h2 { font-size: 21px; margin: 36px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 24px 0 6px; }
.lede { color: #444; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: right; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td { white-space: nowrap; }
td.text { white-space: normal; }
.text { text-align: left; }
.chip { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
  vertical-align: -1px; }
figure { margin: 16px 0 28px; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #e6e6e6; }
figcaption { color: #555; margin-top: 6px; }
.note { background: #f3f6fb; border-left: 4px solid #6b8fc7; padding: 8px 12px; margin: 10px 0; }
.warn { background: #fff7e6; border-left: 4px solid #e69f00; padding: 8px 12px; margin: 10px 0; }
code, pre { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f7f7f7; border: 1px solid #e4e4e4; padding: 10px; overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dt { color: #555; }
dd { margin: 0; word-break: break-all; }
footer { color: #777; margin-top: 40px; font-size: 13px; }
";

/// The page. `scenario_source` is the scenario file's text, shown under "Assumptions" when
/// given (the caller checks it is the file the report was made from).
pub fn render(report: &Report, scenario_source: Option<&str>) -> Result<String, PlotError> {
    let mut h = String::new();
    let name = escape(&report.scenario.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <title>{name}: tokencast {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        if report.audit.is_some() {
            "audit"
        } else {
            "forecast"
        }
    );
    let _ = writeln!(
        h,
        "<h1>{name} <small>{}</small></h1>",
        if report.audit.is_some() {
            "audit of recorded usage"
        } else {
            "cost forecast"
        }
    );
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} over {} day{}, {} run{}, seed {}. Prices: {} (effective {}). \
         Made by {} {}.</p>",
        if report.audit.is_some() {
            "Recorded usage"
        } else {
            "Simulated traffic"
        },
        report.horizon_days,
        if report.horizon_days == 1 { "" } else { "s" },
        report.runs,
        if report.runs == 1 { "" } else { "s" },
        report.seed,
        escape(&report.prices.source),
        escape(&report.prices.effective_date),
        escape(&report.tool.name),
        escape(&report.tool.version),
    );
    for w in &report.warnings {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", escape(w));
    }
    summary(&mut h, report);
    charts(&mut h, report)?;
    monthly(&mut h, report);
    breakdowns(&mut h, report);
    unit_economics(&mut h, report);
    audit(&mut h, report);
    assumptions(&mut h, report, scenario_source);
    let _ = writeln!(
        h,
        "<footer>Generated by {} {} from report schema version {}. This page is self-contained: \
         no scripts, fonts or network requests.</footer>\n</main>\n</body>\n</html>",
        escape(&report.tool.name),
        escape(&report.tool.version),
        report.schema_version
    );
    Ok(h)
}

/// Strategies in `strategy_order` with their palette position.
fn ordered(report: &Report) -> Vec<(usize, &str, &StrategyResult)> {
    crate::output::table::ordered_strategies(report)
}

fn chip(i: usize) -> String {
    format!(
        "<span class=\"chip\" style=\"background:{}\"></span>",
        plot::hex(plot::strategy_colour(i))
    )
}

fn strategy_cell(i: usize, name: &str) -> String {
    format!("<td>{}{}</td>", chip(i), escape(name))
}

/// P5 – P95, to three significant digits.
fn range(s: &Stats) -> String {
    format!("{} – {}", plot::usd_short(s.p5), plot::usd_short(s.p95))
}

fn summary(h: &mut String, report: &Report) {
    let all = ordered(report);
    let budget = report.budget_usd_per_month.is_some();
    // Spread only with several runs, savings only with something to compare.
    let spread = report.runs > 1;
    let compare = all.len() > 1;
    let base = all.first().map(|(_, _, s)| s.cost_usd.mean).unwrap_or(0.0);
    type Cell<'a> = Box<dyn Fn(usize, &StrategyResult) -> String + 'a>;
    let mut columns: Vec<(&str, Cell)> = vec![(
        if spread {
            "total cost (mean)"
        } else {
            "total cost"
        },
        Box::new(|_, s| usd(s.cost_usd.mean)),
    )];
    if spread {
        columns.push(("P5 – P95", Box::new(|_, s| range(&s.cost_usd))));
        columns.push(("P50", Box::new(|_, s| usd(s.cost_usd.p50))));
    }
    if compare {
        columns.push((
            "saving vs baseline",
            Box::new(move |k, s| {
                let m = s.savings_vs_baseline_usd.mean;
                if k == 0 {
                    "baseline".to_string()
                } else if base > 0.0 {
                    format!("{} ({})", usd_signed(m), pct(m / base))
                } else {
                    usd_signed(m)
                }
            }),
        ));
    }
    columns.push((
        "per request",
        Box::new(|_, s| usd(s.unit_economics.cost_per_request_usd.mean)),
    ));
    columns.push((
        "per user-month",
        Box::new(|_, s| usd(s.unit_economics.cost_per_user_month_usd.mean)),
    ));
    columns.push((
        "prompt-cache hit",
        Box::new(|_, s| pct(s.prompt_cache.hit_ratio)),
    ));
    if budget {
        columns.push((
            "runs over budget",
            Box::new(|_, s| {
                s.budget
                    .as_ref()
                    .map(|b| pct(b.probability_exceeded))
                    .unwrap_or_else(|| "–".into())
            }),
        ));
    }
    let _ = write!(h, "<h2>Summary</h2>\n<table>\n<tr><th>strategy</th>");
    for (title, _) in &columns {
        let _ = write!(h, "<th>{title}</th>");
    }
    let _ = writeln!(h, "</tr>");
    for (k, (i, n, s)) in all.iter().enumerate() {
        let _ = write!(h, "<tr>{}", strategy_cell(*i, n));
        for (_, cell) in &columns {
            let _ = write!(h, "<td>{}</td>", cell(k, s));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    if let Some(b) = report.budget_usd_per_month {
        let _ = writeln!(
            h,
            "<p>Monthly budget: {}. \"Runs over budget\" is the share of runs in which some month \
             costs more.</p>",
            usd(b)
        );
    }
}

/// The SVG as an element of the page: no XML namespace declaration (the HTML parser puts
/// `<svg>` in the SVG namespace itself), labelled for screen readers.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = svg.trim_start_matches(|c: char| c != '<').replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        "",
        1,
    );
    let body = if body.starts_with("<?xml") {
        body.split_once("?>")
            .map_or(body.clone(), |(_, rest)| rest.trim_start().to_string())
    } else {
        body
    };
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
        1,
    )
}

fn charts(h: &mut String, report: &Report) -> Result<(), PlotError> {
    let _ = writeln!(h, "<h2>Charts</h2>");
    if report.budget_usd_per_month.is_none() && report.audit.is_none() {
        let _ = writeln!(
            h,
            "<p class=\"note\">No monthly budget: run with <code>--budget USD</code> to draw it on \
             the cost charts and get the probability of exceeding it.</p>"
        );
    }
    for kind in ChartKind::ALL {
        match kind.available(report) {
            Ok(()) => {
                let svg = plot::svg(report, kind)?;
                let _ = writeln!(
                    h,
                    "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    kind.file_stem(),
                    inline_svg(&svg, kind.title()),
                    escape(kind.describe())
                );
            }
            Err(why) => {
                // A missing scale curve or comparison is worth saying; an audit has no
                // strategies to compare, which needs no note.
                if kind == ChartKind::Strategies && report.audit.is_some() {
                    continue;
                }
                let _ = writeln!(
                    h,
                    "<p class=\"note\" id=\"{}\"><strong>{}:</strong> {}</p>",
                    kind.file_stem(),
                    escape(kind.title()),
                    code_spans(&escape(why))
                );
            }
        }
    }
    Ok(())
}

/// `text` with `code` spans in backticks turned into `<code>` elements.
fn code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn monthly(h: &mut String, report: &Report) {
    let all = ordered(report);
    let months = all
        .iter()
        .max_by_key(|(_, _, s)| s.monthly.len())
        .map(|(_, _, s)| &s.monthly);
    let Some(months) = months.filter(|m| !m.is_empty()) else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>Cost per month</h2>\n<p>Median (P50) with the P5 – P95 range across runs.</p>\n<table>\n<tr><th>month</th><th>days</th>"
    );
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for (m, month) in months.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            escape(&month.label),
            month.days
        );
        for (_, _, s) in &all {
            match s.monthly.get(m) {
                Some(c) => {
                    let over = c
                        .probability_over_budget
                        .map(|p| format!("<br>over budget in {} of runs", pct(p)))
                        .unwrap_or_default();
                    let _ = write!(
                        h,
                        "<td>{}<br><small>{}</small>{over}</td>",
                        usd(c.cost_usd.p50),
                        range(&c.cost_usd)
                    );
                }
                None => h.push_str("<td>–</td>"),
            }
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

fn breakdown_table(
    h: &mut String,
    report: &Report,
    title: &str,
    pick: fn(&StrategyResult) -> &BTreeMap<String, Breakdown>,
) {
    let all = ordered(report);
    let mut keys: Vec<&String> = Vec::new();
    for (_, _, s) in &all {
        for (k, b) in pick(s) {
            if b.cost_usd.mean != 0.0 && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if keys.is_empty() {
        return;
    }
    let _ = write!(h, "<h3>{}</h3>\n<table>\n<tr><th></th>", escape(title));
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    for k in keys {
        let _ = write!(h, "<tr><td>{}</td>", escape(k));
        for (_, _, s) in &all {
            match pick(s).get(k) {
                Some(b) => {
                    let _ = write!(
                        h,
                        "<td>{} <small>({})</small></td>",
                        usd(b.cost_usd.mean),
                        pct(b.share_of_cost)
                    );
                }
                None => h.push_str("<td>–</td>"),
            }
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

fn breakdowns(h: &mut String, report: &Report) {
    let _ = writeln!(
        h,
        "<h2>Where the money goes</h2>\n<p>Mean cost over the horizon and its share of the \
         strategy's total.</p>"
    );
    breakdown_table(h, report, "By endpoint", |s| &s.by_endpoint);
    breakdown_table(h, report, "By model", |s| &s.by_model);
    breakdown_table(h, report, "By token bucket", |s| &s.by_bucket);
}

fn unit_economics(h: &mut String, report: &Report) {
    let all = ordered(report);
    let _ = write!(
        h,
        "<h2>Unit economics</h2>\n<p>Means across runs; users are daily active users of the \
         product's largest endpoint.</p>\n<table>\n<tr><th></th>"
    );
    for (i, n, _) in &all {
        let _ = write!(h, "<th>{}{}</th>", chip(*i), escape(n));
    }
    let _ = writeln!(h, "</tr>");
    type Row = (&'static str, fn(&StrategyResult) -> Option<String>);
    let rows: [Row; 10] = [
        ("requests", |s| Some(count(s.requests.mean))),
        ("sessions", |s| Some(count(s.sessions.mean))),
        ("cost per request", |s| {
            Some(usd(s.unit_economics.cost_per_request_usd.mean))
        }),
        ("cost per session", |s| {
            Some(usd(s.unit_economics.cost_per_session_usd.mean))
        }),
        ("cost per active user-day", |s| {
            Some(usd(s.unit_economics.cost_per_active_user_day_usd.mean))
        }),
        ("cost per user-month", |s| {
            Some(usd(s.unit_economics.cost_per_user_month_usd.mean))
        }),
        ("revenue per user-month", |s| {
            s.unit_economics
                .revenue_per_user_month_usd
                .map(|r| usd(r.mean))
        }),
        ("margin per user-month", |s| {
            s.unit_economics
                .margin_per_user_month_usd
                .map(|r| usd(r.mean))
        }),
        ("gross margin", |s| {
            s.unit_economics.gross_margin.map(|r| pct(r.mean))
        }),
        ("semantic-cache hits", |s| {
            (s.semantic_cache.lookups > 0.0).then(|| {
                format!(
                    "{} ({} wrong)",
                    pct(s.semantic_cache.hit_ratio),
                    pct(s.semantic_cache.false_hit_ratio)
                )
            })
        }),
    ];
    for (label, f) in rows {
        let cells: Vec<Option<String>> = all.iter().map(|(_, _, s)| f(s)).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(h, "<tr><td>{label}</td>");
        for c in cells {
            let _ = write!(h, "<td>{}</td>", c.unwrap_or_else(|| "–".into()));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    if let Some(curve) = &report.scale_curve {
        let _ = write!(
            h,
            "<h3>At scale</h3>\n<p>Each point: {} runs of {} days.</p>\n<table>\n<tr><th>daily active users</th>",
            curve.runs, curve.days
        );
        for (i, n, _) in &all {
            let _ = write!(h, "<th>{}{} per user-month</th>", chip(*i), escape(n));
        }
        let _ = writeln!(h, "</tr>");
        for p in &curve.points {
            let _ = write!(h, "<tr><td>{}</td>", count(p.daily_active_users));
            for (_, n, _) in &all {
                match p.strategies.get(*n) {
                    Some(s) => {
                        let margin = s
                            .margin_per_user_month_usd
                            .map(|m| format!("<br><small>margin {}</small>", usd(m.mean)))
                            .unwrap_or_default();
                        let _ = write!(
                            h,
                            "<td>{}{margin}</td>",
                            usd(s.cost_per_user_month_usd.mean)
                        );
                    }
                    None => h.push_str("<td>–</td>"),
                }
            }
            let _ = writeln!(h, "</tr>");
        }
        let _ = writeln!(h, "</table>");
        for (i, n, _) in &all {
            if let Some(Some(u)) = curve.break_even_users.get(*n) {
                let _ = writeln!(
                    h,
                    "<p>{}{} breaks even at about {} daily active users.</p>",
                    chip(*i),
                    escape(n),
                    count(*u)
                );
            }
        }
    }
}

fn audit(h: &mut String, report: &Report) {
    let Some(a) = &report.audit else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>Audit</h2>\n<p>{} rows read ({} format), {} skipped; {} users. Median prompt {} \
         tokens, median output {} tokens. {} of the cost is prompt-side, {} output-side.</p>",
        count(a.rows as f64),
        escape(&a.format),
        count(a.skipped_rows as f64),
        count(a.users as f64),
        count(a.median_input_tokens),
        count(a.median_output_tokens),
        pct(a.input_cost_share),
        pct(a.output_cost_share)
    );
    if !a.findings.is_empty() {
        let _ = writeln!(
            h,
            "<table>\n<tr><th>finding</th><th>lever</th><th>what to try</th></tr>"
        );
        for f in &a.findings {
            let _ = writeln!(
                h,
                "<tr><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td><td class=\"text\">{}</td></tr>",
                escape(&f.observation),
                escape(&f.lever),
                escape(&f.suggestion)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if !a.endpoints_pareto.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Endpoints by cost</h3>\n<table>\n<tr><th>endpoint</th><th>cost</th><th>share</th><th>cumulative</th><th>requests</th></tr>"
        );
        for r in &a.endpoints_pareto {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.name),
                usd(r.cost_usd),
                pct(r.share),
                pct(r.cumulative_share),
                count(r.requests as f64)
            );
        }
        let _ = writeln!(h, "</table>");
    }
}

fn assumptions(h: &mut String, report: &Report, source: Option<&str>) {
    let _ = writeln!(h, "<h2>Assumptions</h2>\n<dl>");
    let rows: [(&str, String); 7] = [
        ("scenario", escape(&report.scenario.name)),
        (
            "file",
            format!("<code>{}</code>", escape(&report.scenario.path)),
        ),
        (
            "SHA-256",
            format!("<code>{}</code>", escape(&report.scenario.sha256)),
        ),
        ("seed", report.seed.to_string()),
        ("runs", report.runs.to_string()),
        ("horizon", format!("{} days", report.horizon_days)),
        (
            "prices",
            format!(
                "{} (effective {})",
                escape(&report.prices.source),
                escape(&report.prices.effective_date)
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    if let Some(b) = report.budget_usd_per_month {
        let _ = writeln!(h, "<dt>budget</dt><dd>{} per month</dd>", usd(b));
    }
    let _ = writeln!(h, "</dl>");
    let all = ordered(report);
    let _ = writeln!(
        h,
        "<h3>Strategies</h3>\n<table>\n<tr><th>strategy</th><th class=\"text\">what it does</th></tr>"
    );
    for (i, n, s) in &all {
        let _ = writeln!(
            h,
            "<tr>{}<td class=\"text\">{}</td></tr>",
            strategy_cell(*i, n),
            escape(&s.description)
        );
    }
    let _ = writeln!(h, "</table>");
    if !report.uncertain.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Uncertain parameters</h3>\n<p>Drawn once per run.</p>\n<table>\n<tr><th>parameter</th><th>kind</th><th>distribution</th><th>drawn P5</th><th>P50</th><th>P95</th></tr>"
        );
        for u in &report.uncertain {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                escape(&u.parameter),
                escape(&u.kind),
                escape(&u.distribution),
                u.sampled.p5,
                u.sampled.p50,
                u.sampled.p95
            );
        }
        let _ = writeln!(h, "</table>");
    }
    match source {
        Some(text) => {
            let _ = writeln!(
                h,
                "<details>\n<summary>Scenario file <code>{}</code></summary>\n<pre>{}</pre>\n</details>",
                escape(&report.scenario.path),
                escape(text)
            );
        }
        None if report.audit.is_none() => {
            let _ = writeln!(
                h,
                "<p>The scenario file was not at hand when this page was made; its SHA-256 above \
                 identifies it.</p>"
            );
        }
        None => {}
    }
}
