//! A backtest as text, markdown, CSV or JSON: per strategy the calibration figures (coverage of
//! the P5–P95 band, P50 error), then every held-out period's actual cost against its band.

use crate::analysis::backtest::{Backtest, Band, RECORDED};

use super::format::{Table, pct, pct_signed, usd};

/// A trace time as people read it ([`crate::analysis::backtest::trace_time`]).
pub fn time(ms: i64) -> String {
    crate::analysis::backtest::trace_time(ms)
}

/// A band's cells: actual, P5, P50, P95, P50 error, inside.
fn band_cells(b: &Band) -> [String; 6] {
    [
        usd(b.actual_usd),
        usd(b.p5_usd),
        usd(b.p50_usd),
        usd(b.p95_usd),
        b.error_p50.map_or_else(|| "n/a".to_string(), pct_signed),
        if b.inside { "yes" } else { "no" }.to_string(),
    ]
}

/// The headers of [`band_cells`], after the first column's.
const BAND_HEADERS: [&str; 6] = ["actual", "P5", "P50", "P95", "P50 error", "inside"];

/// The summary table: one row per strategy.
fn summary(b: &Backtest) -> Table {
    let headers: Vec<&str> = std::iter::once("strategy")
        .chain(BAND_HEADERS)
        .chain(["coverage", "MAPE P50"])
        .collect();
    let mut t = Table::new(&headers);
    for name in &b.strategy_order {
        let s = &b.strategies[name];
        let mut row = vec![name.clone()];
        row.extend(band_cells(&s.total));
        row.push(format!("{} ({}/{})", pct(s.coverage), s.inside, s.periods));
        row.push(s.mape_p50.map_or_else(|| "n/a".to_string(), pct));
        t.row(row);
    }
    t
}

/// What the `recorded` entry is.
const RECORDED_NOTE: &str = "recorded: the held-out rows priced as recorded (as `audit` does: \
    each row's own model, its recorded cache reads and writes, batch), against the baseline's \
    forecast";

/// One line per strategy with a prompt cache: its hit ratio replayed against forecast.
fn hit_ratios(b: &Backtest, prefix: &str) -> String {
    let mut out = String::new();
    for name in &b.strategy_order {
        if let Some(h) = &b.strategies[name].prompt_cache_hit_ratio {
            let how = if name == RECORDED {
                "as recorded, the baseline's"
            } else {
                "replayed,"
            };
            out.push_str(&format!(
                "{prefix}{name}: prompt-cache hit ratio of the held-out rows {} {how} {} \
                 forecast (P5-P95 {} to {})\n",
                pct(h.actual),
                pct(h.p50),
                pct(h.p5),
                pct(h.p95)
            ));
        }
    }
    out
}

/// Every held-out period of `strategy`.
fn periods(b: &Backtest, strategy: &str) -> Table {
    let headers: Vec<&str> = std::iter::once("period").chain(BAND_HEADERS).collect();
    let mut t = Table::new(&headers);
    let s = &b.strategies[strategy];
    for (o, bands) in b.origins.iter().zip(&s.origins) {
        for (p, band) in o.periods.iter().zip(&bands.periods) {
            let mut row = vec![format!("{} to {}", time(p[0]), time(p[1]))];
            row.extend(band_cells(band));
            t.row(row);
        }
    }
    t
}

fn heading(b: &Backtest) -> String {
    let o = &b.origins;
    let (train, test): (u64, u64) = (
        o.first().map_or(0, |x| x.train_rows),
        o.iter().map(|x| x.test_rows).sum(),
    );
    format!(
        "Backtest of {} ({}, {} rows from {} to {})\n\
         {} origin(s), first cut at {} ({} rows before it), {} rows held out; {} runs per \
         forecast (seed {}); periods: {}\n",
        b.trace.path,
        b.trace.format,
        b.trace.rows,
        time(b.trace.first_ms),
        time(b.trace.last_ms),
        o.len(),
        o.first().map_or_else(String::new, |x| time(x.cut_ms)),
        train,
        test,
        b.runs,
        b.seed,
        b.period,
    )
}

/// Aligned text for a terminal.
pub fn table(b: &Backtest) -> String {
    let mut out = heading(b);
    out.push('\n');
    out.push_str(&summary(b).text("  "));
    out.push_str(
        "\n  actual: the held-out rows priced exactly through the fitted scenario; P5-P95: the \
         forecast band from the rows before each cut;\n  coverage: share of held-out periods \
         whose actual lies in its band (about 90% when calibrated)\n",
    );
    if b.strategies.contains_key(RECORDED) {
        out.push_str(&format!("  {RECORDED_NOTE}\n"));
    }
    let hits = hit_ratios(b, "  ");
    if !hits.is_empty() {
        out.push('\n');
        out.push_str(&hits);
    }
    for name in &b.strategy_order {
        out.push_str(&format!("\n{name}, per period\n"));
        out.push_str(&periods(b, name).text("  "));
    }
    for w in &b.warnings {
        out.push_str(&format!("\nwarning: {w}\n"));
    }
    out
}

/// GitHub-flavoured markdown.
pub fn markdown(b: &Backtest) -> String {
    let mut out = format!("## {}", heading(b).replacen('\n', "\n\n", 1));
    out.push('\n');
    out.push_str(&summary(b).markdown());
    out.push_str(
        "\nCoverage: the share of held-out periods whose actual cost lies inside the forecast's \
         P5-P95 band (about 90% when calibrated).\n",
    );
    if b.strategies.contains_key(RECORDED) {
        out.push_str(&format!("\n{RECORDED_NOTE}\n"));
    }
    let hits = hit_ratios(b, "- ");
    if !hits.is_empty() {
        out.push('\n');
        out.push_str(&hits);
    }
    for name in &b.strategy_order {
        out.push_str(&format!(
            "\n<details><summary>{name}, per period</summary>\n\n{}\n</details>\n",
            periods(b, name).markdown()
        ));
    }
    for w in &b.warnings {
        out.push_str(&format!("\n> warning: {w}\n"));
    }
    out
}

/// One row per strategy, origin and period (`period` = `total` for the origin's window, and
/// `all` for every window together).
pub fn csv(b: &Backtest) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "strategy",
        "origin",
        "period",
        "start_ms",
        "end_ms",
        "actual_usd",
        "p5_usd",
        "p50_usd",
        "p95_usd",
        "mean_usd",
        "error_p50",
        "inside",
    ];
    let _ = w.write_record(head);
    let row = |w: &mut csv::Writer<Vec<u8>>,
               s: &str,
               origin: String,
               period: String,
               span: [i64; 2],
               band: &Band| {
        let _ = w.write_record([
            s.to_string(),
            origin,
            period,
            span[0].to_string(),
            span[1].to_string(),
            band.actual_usd.to_string(),
            band.p5_usd.to_string(),
            band.p50_usd.to_string(),
            band.p95_usd.to_string(),
            band.mean_usd.to_string(),
            band.error_p50.map_or_else(String::new, |e| e.to_string()),
            band.inside.to_string(),
        ]);
    };
    for name in &b.strategy_order {
        let s = &b.strategies[name];
        for (i, (o, bands)) in b.origins.iter().zip(&s.origins).enumerate() {
            for (k, (p, band)) in o.periods.iter().zip(&bands.periods).enumerate() {
                row(&mut w, name, i.to_string(), k.to_string(), *p, band);
            }
            row(
                &mut w,
                name,
                i.to_string(),
                "total".into(),
                [o.cut_ms, o.end_ms],
                &bands.total,
            );
        }
        let span = [
            b.origins.first().map_or(0, |o| o.cut_ms),
            b.origins.last().map_or(0, |o| o.end_ms),
        ];
        row(&mut w, name, "all".into(), "total".into(), span, &s.total);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The JSON document, keys sorted.
pub fn json(b: &Backtest) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(b)?;
    let mut s = serde_json::to_string_pretty(&value)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::time::MS_PER_DAY;

    #[test]
    fn times_read_as_dates_or_offsets() {
        assert_eq!(time(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(time(1_800_000), "+00:30:00");
        assert_eq!(time(MS_PER_DAY as i64 + 61_000), "+1d 00:01:01");
    }
}
