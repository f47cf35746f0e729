//! Number formatting and a small table type shared by the text and markdown exporters.

/// Money: `$12,345.67` from one dollar up, four significant digits below (`$0.002134`).
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    if a >= 1.0 || a == 0.0 {
        let cents = (a * 100.0).round() as u128;
        format!("{sign}${}.{:02}", group(cents / 100), cents % 100)
    } else {
        let digits = (4 - 1 - a.log10().floor() as i32).max(2) as usize;
        format!("{sign}${a:.digits$}")
    }
}

/// Signed money for changes: `+$1,240.00`, `-$3.10`.
pub fn usd_signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", usd(x))
    } else {
        usd(x)
    }
}

/// The report's recommendation in one line starting `Recommendation:` (the table, markdown and
/// HTML views print it first), or `None` for a report without one.
pub fn recommendation_line(report: &crate::analysis::report::Report) -> Option<String> {
    let r = report.recommendation.as_ref()?;
    let interval = |b: &Option<crate::analysis::report::Bounds>| match b {
        Some(b) if b.low != b.high => {
            format!(" (95% interval {} to {})", usd(b.low), usd(b.high))
        }
        _ => String::new(),
    };
    let mut line = format!("Recommendation: {}.", r.action);
    let base = if report.strategies.contains_key("baseline") {
        "baseline"
    } else {
        "the first strategy"
    };
    if r.strategy != base && report.strategies.len() > 1 {
        line.push_str(&format!(
            " It lowers the {} by {} ({:.1}%) over {} against {base}{}.",
            r.objective,
            usd(r.saving_usd),
            100.0 * r.saving_share,
            horizon(report),
            interval(&r.saving_interval_usd)
        ));
    }
    let compared_to_base = r.runner_up.as_deref() == Some(base) && r.strategy != base;
    if compared_to_base && report.runs > 1 {
        // The runner-up is the baseline: the saving's interval already says it.
        line.push_str(if r.settled {
            " Settled: the interval excludes zero."
        } else {
            " Not settled: the interval includes zero."
        });
    } else if let (Some(runner), Some(lead)) = (&r.runner_up, r.lead_usd)
        && lead.abs() < 1e-9
    {
        line.push_str(&format!(
            " {runner} costs exactly the same{}.",
            if report.runs <= 1 {
                " (one deterministic replay)"
            } else {
                " in every run"
            }
        ));
    } else if let (Some(runner), Some(lead)) = (&r.runner_up, r.lead_usd) {
        line.push_str(&if report.runs <= 1 {
            format!(
                " {} by {} (one deterministic replay: no run-to-run noise).",
                if r.strategy == base {
                    format!("The closest, {runner}, costs more")
                } else {
                    format!("Ahead of {runner}")
                },
                usd(lead)
            )
        } else {
            format!(
                " Ranking {}: ahead of {runner} by {}{}.",
                if r.settled { "settled" } else { "not settled" },
                usd(lead),
                interval(&r.lead_interval_usd)
            )
        });
    }
    Some(line)
}

/// How `--precision` chose the number of runs, in one line, or `None` when `--runs` did.
pub fn precision_line(report: &crate::analysis::report::Report) -> Option<String> {
    let p = report.precision.as_ref()?;
    let target = format!(
        "±{}% on every mean and P95{}",
        100.0 * p.target,
        if report.budget_usd_per_month.is_some() {
            format!(
                ", ±{} points on the budget probability",
                100.0 * p.budget_target
            )
        } else {
            String::new()
        }
    );
    Some(if p.reached {
        format!(
            "{} runs reached the precision asked for ({target}; least precise: {}).",
            report.runs, p.worst
        )
    } else {
        format!(
            "The run cap ({} runs) stopped the runs before the precision asked for ({target}): \
             least precise, {}. Raise --max-runs or ask for less (--precision).",
            p.max_runs, p.worst
        )
    })
}

/// What the spread across runs is, in words for the reader, or `None` for one deterministic
/// figure.
pub fn spread_note(report: &crate::analysis::report::Report) -> Option<String> {
    match report.spread.as_str() {
        "simulation noise" => Some(format!(
            "P5-P95 here is simulation noise: nothing in the scenario is uncertain, so the {} runs \
             differ only by their random traffic; it is not confidence about the real world. \
             ± is the Monte Carlo standard error of the mean.",
            report.runs
        )),
        "uncertainty" => {
            let how = match &report.sampling {
                Some(s)
                    if s.block_runs > 1
                        && report.runs as usize
                            >= crate::analysis::decision::MIN_BLOCKS * s.block_runs as usize =>
                {
                    format!(
                        " (stratified: each block of {} runs draws every parameter once from each \
                         of {} equal-probability slices of its range, so {} blocks are the \
                         independent units the errors come from)",
                        s.block_runs,
                        s.block_runs,
                        report.runs.div_ceil(s.block_runs)
                    )
                }
                Some(s) if s.block_runs > 1 => format!(
                    " (stratified in blocks of {} runs; with fewer than {} blocks the errors \
                     are computed as for independent runs, which overstates them)",
                    s.block_runs,
                    crate::analysis::decision::MIN_BLOCKS
                ),
                _ => String::new(),
            };
            Some(format!(
                "P5-P95 here is uncertainty: each of the {} runs draws the scenario's uncertain \
                 parameters{how}. ± is the Monte Carlo standard error of the mean.",
                report.runs
            ))
        }
        _ => None,
    }
}

/// What the report covers, in words: its days, or for recorded traffic of less than a day its
/// real span (`3 hours`, `45 minutes`, from the first request to the last).
pub fn horizon(report: &crate::analysis::report::Report) -> String {
    match report.span_s {
        Some(s) if s < 86_400.0 && report.horizon_days <= 1 => {
            if s >= 3_600.0 {
                let h = s / 3_600.0;
                if (h - h.round()).abs() < 0.05 {
                    let h = h.round() as u64;
                    format!("{h} hour{}", if h == 1 { "" } else { "s" })
                } else {
                    format!("{h:.1} hours")
                }
            } else if s >= 60.0 {
                let m = (s / 60.0).round() as u64;
                format!("{m} minute{}", if m == 1 { "" } else { "s" })
            } else {
                let sec = s.round() as u64;
                format!("{sec} second{}", if sec == 1 { "" } else { "s" })
            }
        }
        _ => days(report.horizon_days),
    }
}

/// A number of days in words: `1 day`, `30 days`.
pub fn days(n: impl Into<u64>) -> String {
    match n.into() {
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// A request length (median or mean) as [`count`], or what stands in for one a bucketed usage
/// report cannot give.
pub fn length(x: Option<f64>) -> String {
    match x {
        Some(x) => count(x),
        None => "not known from a bucketed usage report".to_string(),
    }
}

/// An integer count with thousands separators, from a float mean (rounded).
pub fn count(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let r = x.round();
    let sign = if r < 0.0 { "-" } else { "" };
    format!("{sign}{}", group(r.abs() as u128))
}

/// A share 0..1 as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.1}%", x * 100.0)
}

/// A signed percentage change.
pub fn pct_signed(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    format!("{:+.1}%", x * 100.0)
}

fn group(mut n: u128) -> String {
    if n == 0 {
        return "0".to_string();
    }
    let mut parts = Vec::new();
    while n > 0 {
        parts.push(n % 1000);
        n /= 1000;
    }
    let mut s = parts.pop().map(|p| p.to_string()).unwrap_or_default();
    while let Some(p) = parts.pop() {
        s.push_str(&format!(",{p:03}"));
    }
    s
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A table rendered as aligned text or as markdown.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Alignment per column.
    pub align: Vec<Align>,
    /// Cells, row-major.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers; the first column is left-aligned, the rest right-aligned.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            align: (0..headers.len())
                .map(|i| if i == 0 { Align::Left } else { Align::Right })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if i < w.len() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
        }
        w
    }

    /// Aligned plain text, each line prefixed by `indent`.
    pub fn text(&self, indent: &str) -> String {
        let w = self.widths();
        let line = |cells: &[String]| {
            let mut s = String::from(indent);
            for (i, c) in cells.iter().enumerate() {
                let pad = w[i].saturating_sub(c.chars().count());
                if i > 0 {
                    s.push_str("  ");
                }
                match self.align[i] {
                    Align::Left => {
                        s.push_str(c);
                        if i + 1 < cells.len() {
                            s.push_str(&" ".repeat(pad));
                        }
                    }
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(c);
                    }
                }
            }
            let mut s = s.trim_end().to_string();
            s.push('\n');
            s
        };
        let mut out = line(&self.headers);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// The table without the columns headed `headers` (those it has).
    pub fn without(&mut self, headers: &[&str]) {
        let keep: Vec<bool> = self
            .headers
            .iter()
            .map(|h| !headers.contains(&h.as_str()))
            .collect();
        let retain = |v: &mut Vec<String>| {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                keep.get(i - 1).copied().unwrap_or(true)
            });
        };
        retain(&mut self.headers);
        for r in self.rows.iter_mut() {
            retain(r);
        }
        let mut i = 0;
        self.align.retain(|_| {
            i += 1;
            keep.get(i - 1).copied().unwrap_or(true)
        });
    }

    /// GitHub-flavoured markdown.
    pub fn markdown(&self) -> String {
        let esc = |c: &str| c.replace('|', "\\|");
        let mut out = format!(
            "| {} |\n",
            self.headers
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        out.push('|');
        for a in &self.align {
            out.push_str(match a {
                Align::Left => " --- |",
                Align::Right => " ---: |",
            });
        }
        out.push('\n');
        for r in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_counts() {
        assert_eq!(usd(12345.678), "$12,345.68");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(1.0), "$1.00");
        assert_eq!(usd(0.002134), "$0.002134");
        assert_eq!(usd(0.5), "$0.5000");
        assert_eq!(usd(-3.1), "-$3.10");
        assert_eq!(usd_signed(1240.0), "+$1,240.00");
        assert_eq!(count(1234567.4), "1,234,567");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(pct_signed(0.18), "+18.0%");
    }

    #[test]
    fn tables_align_and_escape() {
        let mut t = Table::new(&["name", "cost"]);
        t.row(vec!["a".into(), "$1.00".into()]);
        t.row(vec!["long|name".into(), "$100.00".into()]);
        assert_eq!(
            t.text(""),
            "name          cost\na            $1.00\nlong|name  $100.00\n"
        );
        assert_eq!(
            t.markdown(),
            "| name | cost |\n| --- | ---: |\n| a | $1.00 |\n| long\\|name | $100.00 |\n"
        );
        let mut t = Table::new(&["name", "why", "cost"]);
        t.row(vec!["a".into(), "b".into(), "$1.00".into()]);
        t.without(&["why", "absent"]);
        assert_eq!(t.headers, vec!["name", "cost"]);
        assert_eq!(t.align, vec![Align::Left, Align::Right]);
        assert_eq!(t.rows, vec![vec!["a".to_string(), "$1.00".to_string()]]);
    }
}
