//! The diff as text for a terminal and as GitHub markdown for a pull-request comment.
//!
//! Both open with the headline (the change in monthly cost at P50 of each scenario's first
//! strategy, `baseline`), then one section per scenario: a table of every strategy's mean, P50
//! and P95 per 30 days with the change, the change in percent and its 95% interval, the
//! endpoints and buckets that moved, and every endpoint, model and bucket in detail (folded in
//! `<details>` in markdown). Markdown leaves out the sections of unchanged scenarios (they are
//! listed by name); the terminal table shows them. Nothing depends on absolute paths or the
//! tool version, so outputs can be compared byte for byte.

use crate::analysis::diff::{
    Change, Crossing, Diff, Gate, ItemChange, Pairing, ScenarioDiff, Status, StrategyDiff,
    status_name,
};
use crate::output::format::{Table, usd, usd_signed};

/// A number as written on a command line: `10`, `2.5`.
pub fn plain_number(x: f64) -> String {
    x.to_string()
}

/// A change in percent with one decimal and its sign: `+18.0%`, `-3.1%`, `0.0%` for none, and
/// `+<0.1%` for a change too small to show (never `-0.0%`).
pub fn pct_change(p: f64) -> String {
    if p == 0.0 {
        return "0.0%".to_string();
    }
    if !p.is_finite() {
        return "n/a".to_string();
    }
    let s = format!("{p:+.1}%");
    if s == "+0.0%" || s == "-0.0%" {
        format!("{}<0.1%", if p > 0.0 { "+" } else { "-" })
    } else {
        s
    }
}

/// A change in USD: `+$1,240.00`, `-$3.10`, `$0.00`.
pub fn usd_change(x: f64) -> String {
    if x == 0.0 { usd(0.0) } else { usd_signed(x) }
}

/// Money in a headline: whole dollars from $100 up (`$1,240`), cents below.
fn usd_short(x: f64) -> String {
    if x.abs() >= 100.0 {
        let s = usd(x.round());
        s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
    } else {
        usd(x)
    }
}

fn usd_short_change(x: f64) -> String {
    if x == 0.0 {
        usd_short(0.0)
    } else if x > 0.0 {
        format!("+{}", usd_short(x))
    } else {
        usd_short(x)
    }
}

/// A percentage in a headline: whole percent from 10% up (`+18%`), one decimal below.
fn pct_short(p: f64) -> String {
    if p.abs() >= 10.0 && p.is_finite() {
        format!("{p:+.0}%")
    } else {
        pct_change(p)
    }
}

/// "+$1,240 (+18%)", "+$420 (new)".
fn change_short(c: &Change) -> String {
    match c.change_pct {
        Some(p) => format!("{} ({})", usd_short_change(c.change_usd), pct_short(p)),
        None => format!("{} (new)", usd_short_change(c.change_usd)),
    }
}

/// The sentence about one scenario, without its name: "monthly cost +$1,240 (+18%) at P50,
/// $6,890 → $8,130".
fn scenario_sentence(s: &ScenarioDiff) -> String {
    let Some(h) = s.headline() else {
        return "no strategies".to_string();
    };
    let c = &h.monthly_p50;
    match s.status {
        Status::Unchanged => format!(
            "no change in monthly cost, {} at P50",
            usd_short(c.head_usd)
        ),
        Status::Added => format!("added, monthly cost {} at P50", usd_short(c.head_usd)),
        Status::Removed => format!(
            "removed, monthly cost {} at P50 ({} before)",
            usd_short_change(c.change_usd),
            usd_short(c.base_usd)
        ),
        Status::Changed => format!(
            "monthly cost {} at P50, {} → {}",
            change_short(c),
            usd_short(c.base_usd),
            usd_short(c.head_usd)
        ),
    }
}

fn runs_text(s: &ScenarioDiff) -> String {
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    match (s.pairing, &s.base, &s.head) {
        (Pairing::Paired, Some(b), _) => {
            format!("{} paired run{}, seed {}", b.runs, plural(b.runs), b.seed)
        }
        (Pairing::Unpaired, Some(b), Some(h)) => format!(
            "unpaired: base {} run{} (seed {}), new {} run{} (seed {})",
            b.runs,
            plural(b.runs),
            b.seed,
            h.runs,
            plural(h.runs),
            h.seed
        ),
        (_, b, h) => match b.as_ref().or(h.as_ref()) {
            Some(x) => format!("{} run{}, seed {}", x.runs, plural(x.runs), x.seed),
            None => String::new(),
        },
    }
}

/// The interval cell: `+$1.20 to +$1.50`, `within noise (-$0.20 to +$1.50)`, `exactly 0`.
fn interval_text(c: &Change, runs: u32) -> String {
    match c.interval_usd {
        None if runs == 1 => "n/a (1 run)".to_string(),
        None => "n/a".to_string(),
        Some(i) if i.low == 0.0 && i.high == 0.0 && c.change_usd == 0.0 => "exactly 0".to_string(),
        Some(i) => {
            let range = format!("{} to {}", usd_change(i.low), usd_change(i.high));
            if c.within_noise == Some(true) {
                format!("within noise ({range})")
            } else {
                range
            }
        }
    }
}

fn cell_pct(c: Option<f64>) -> String {
    match c {
        Some(p) => pct_change(p),
        None => "new".to_string(),
    }
}

/// Rows of the strategy table: strategy, metric, base, new, change, % change, interval.
fn strategy_table(s: &ScenarioDiff) -> Table {
    let mut t = Table::new(&[
        "strategy",
        "",
        "base",
        "new",
        "change",
        "% change",
        "95% interval of change",
    ]);
    t.align[1] = crate::output::format::Align::Left;
    t.align[6] = crate::output::format::Align::Left;
    let runs = s
        .base
        .iter()
        .chain(s.head.iter())
        .map(|x| x.runs)
        .min()
        .unwrap_or(0);
    for st in &s.strategies {
        let label = match st.status {
            Status::Added => format!("{} (added)", st.strategy),
            Status::Removed => format!("{} (removed)", st.strategy),
            _ => st.strategy.clone(),
        };
        for (i, (metric, c)) in [
            ("mean", &st.monthly_mean),
            ("P50", &st.monthly_p50),
            ("P95", &st.monthly_p95),
        ]
        .into_iter()
        .enumerate()
        {
            let absent_base = st.status == Status::Added;
            let absent_head = st.status == Status::Removed;
            // A strategy added to or dropped from a scenario that exists on both sides is an
            // alternative, not a change in spending: no change column.
            let alternative = (absent_base || absent_head)
                && matches!(s.status, Status::Changed | Status::Unchanged);
            let dash = || "-".to_string();
            t.row(vec![
                if i == 0 { label.clone() } else { String::new() },
                metric.to_string(),
                if absent_base { dash() } else { usd(c.base_usd) },
                if absent_head { dash() } else { usd(c.head_usd) },
                if alternative {
                    dash()
                } else {
                    usd_change(c.change_usd)
                },
                if alternative {
                    status_name(st.status).to_string()
                } else {
                    cell_pct(c.change_pct)
                },
                if alternative {
                    dash()
                } else {
                    interval_text(c, runs)
                },
            ]);
        }
    }
    t
}

fn item_change(i: &ItemChange, quote: &str) -> String {
    format!(
        "{quote}{}{quote} {}{}",
        i.name,
        usd_change(i.change_usd),
        match i.change_pct {
            Some(p) => format!(" ({})", pct_change(p)),
            None => " (new)".to_string(),
        }
    )
}

/// "endpoint `chat` +$1.00 (+5.0%); bucket `output` +$1.00 (+9.0%), `input` ...".
/// `quote` wraps names (a backtick in markdown, nothing in text).
fn moved_text(st: &StrategyDiff, quote: &str) -> String {
    let mut parts = Vec::new();
    for (kind, plural, items) in [
        ("endpoint", "endpoints", &st.by_endpoint),
        ("model", "models", &st.by_model),
        ("bucket", "buckets", &st.by_bucket),
    ] {
        let mut moved: Vec<&ItemChange> = items.iter().filter(|i| i.moved).collect();
        moved.sort_by(|a, b| {
            b.change_usd
                .abs()
                .total_cmp(&a.change_usd.abs())
                .then(a.name.cmp(&b.name))
        });
        if moved.is_empty() {
            continue;
        }
        let label = if moved.len() == 1 { kind } else { plural };
        let list: Vec<String> = moved.iter().map(|i| item_change(i, quote)).collect();
        parts.push(format!("{label} {}", list.join(", ")));
    }
    let mut out = if parts.is_empty() {
        format!("nothing moved in {quote}{}{quote}", st.strategy)
    } else {
        format!(
            "moved in {quote}{}{quote}: {}",
            st.strategy,
            parts.join("; ")
        )
    };
    let same: Vec<String> = st
        .by_endpoint
        .iter()
        .filter(|i| i.change_usd == 0.0)
        .map(|i| format!("{quote}{}{quote}", i.name))
        .collect();
    if !same.is_empty() && !parts.is_empty() {
        out.push_str(&format!(
            ". Unchanged: endpoint{} {}",
            if same.len() == 1 { "" } else { "s" },
            same.join(", ")
        ));
    }
    out.push('.');
    out
}

/// Every endpoint, model and bucket of every strategy.
fn items_table(s: &ScenarioDiff, quote: &str) -> Table {
    let mut t = Table::new(&["strategy", "item", "base", "new", "change", "% change"]);
    t.align[1] = crate::output::format::Align::Left;
    for st in &s.strategies {
        let mut first = true;
        for (kind, items) in [
            ("endpoint", &st.by_endpoint),
            ("model", &st.by_model),
            ("bucket", &st.by_bucket),
        ] {
            let absent_base = st.status == Status::Added;
            let absent_head = st.status == Status::Removed;
            let alternative = (absent_base || absent_head)
                && matches!(s.status, Status::Changed | Status::Unchanged);
            let dash = || "-".to_string();
            for i in items {
                t.row(vec![
                    if first {
                        st.strategy.clone()
                    } else {
                        String::new()
                    },
                    format!("{kind} {quote}{}{quote}", i.name),
                    if absent_base { dash() } else { usd(i.base_usd) },
                    if absent_head { dash() } else { usd(i.head_usd) },
                    if alternative {
                        dash()
                    } else {
                        usd_change(i.change_usd)
                    },
                    if alternative {
                        status_name(st.status).to_string()
                    } else {
                        cell_pct(i.change_pct)
                    },
                ]);
                first = false;
            }
        }
    }
    t
}

fn title(diff: &Diff) -> Option<String> {
    if diff.scenarios.len() == 1 {
        return None;
    }
    let t = &diff.total_monthly_p50;
    let changed = diff
        .scenarios
        .iter()
        .filter(|s| s.status != Status::Unchanged)
        .count();
    Some(if changed == 0 {
        format!(
            "no change in monthly cost across {} scenarios, {} at P50",
            diff.scenarios.len(),
            usd_short(t.head_usd)
        )
    } else {
        format!(
            "monthly cost {} at P50 across {} scenarios, {} → {}",
            change_short(t),
            diff.scenarios.len(),
            usd_short(t.base_usd),
            usd_short(t.head_usd)
        )
    })
}

fn headline_strategies(diff: &Diff) -> String {
    let mut names: Vec<&str> = diff
        .scenarios
        .iter()
        .map(|s| s.headline_strategy.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join("`, `")
}

/// The diff as GitHub-flavoured markdown: a pull-request comment.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::new();
    heading(&mut out, diff);
    out.push_str(&format!(
        "Costs are per 30 days; the headline is the P50 across runs of strategy `{}`.{}\n\n",
        headline_strategies(diff),
        match &diff.git_base {
            Some(rev) => format!(" Base: `{rev}`."),
            None => String::new(),
        }
    ));
    if let Some(g) = &diff.gate {
        gate_section(&mut out, g);
    }
    for s in &diff.scenarios {
        if s.status == Status::Unchanged && diff.scenarios.len() > 1 {
            continue;
        }
        scenario_section(&mut out, diff, s);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The heading: across several scenarios, the total change and a line per changed scenario;
/// for one, its sentence.
fn heading(out: &mut String, diff: &Diff) {
    match title(diff) {
        Some(t) => {
            out.push_str(&format!("## tokencast: {t}\n\n"));
            let mut unchanged = Vec::new();
            for s in &diff.scenarios {
                if s.status == Status::Unchanged {
                    unchanged.push(format!("`{}`", s.name));
                } else {
                    out.push_str(&format!("- **{}**: {}\n", s.name, scenario_sentence(s)));
                }
            }
            if !unchanged.is_empty() {
                out.push_str(&format!("- unchanged: {}\n", unchanged.join(", ")));
            }
            out.push('\n');
        }
        None => {
            if let Some(s) = diff.scenarios.first() {
                out.push_str(&format!("## {}: {}\n\n", s.name, scenario_sentence(s)));
            }
        }
    }
}

/// Whether the gate's thresholds were crossed, and which.
fn gate_section(out: &mut String, g: &Gate) {
    let limits = gate_limits(g);
    if g.crossed.is_empty() {
        out.push_str(&format!("Thresholds (`{limits}`): none crossed.\n\n"));
    } else {
        out.push_str("> **Threshold crossed:**\n");
        for c in &g.crossed {
            out.push_str(&format!("> - {}\n", crossing_message(c)));
        }
        out.push('\n');
    }
}

/// One scenario: its files and runs, notes and new warnings, the strategy table, what moved the
/// headline, and the per-item table folded away.
fn scenario_section(out: &mut String, diff: &Diff, s: &ScenarioDiff) {
    out.push_str(&format!("### {} ({})\n\n", s.name, status_name(s.status)));
    out.push_str(&format!(
        "{} · {} · USD per 30 days\n\n",
        files_text(diff, s, "`"),
        runs_text(s)
    ));
    for n in &s.notes {
        out.push_str(&format!("- Note: {n}\n"));
    }
    for w in &s.new_warnings {
        out.push_str(&format!("- **New warning:** {w}\n"));
    }
    if !s.notes.is_empty() || !s.new_warnings.is_empty() {
        out.push('\n');
    }
    out.push_str(&strategy_table(s).markdown());
    out.push('\n');
    if let Some(h) = s.headline()
        && s.status == Status::Changed
    {
        let m = moved_text(h, "`");
        let mut chars = m.chars();
        let m = match chars.next() {
            Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
            None => m,
        };
        out.push_str(&format!("{m}\n\n"));
    }
    out.push_str(
        "<details><summary>Per endpoint, model and token bucket (mean per 30 days)</summary>\n\n",
    );
    out.push_str(&items_table(s, "`").markdown());
    out.push_str("\n</details>\n\n");
}

fn gate_limits(g: &Gate) -> String {
    let mut v = Vec::new();
    if let Some(p) = g.fail_above_pct {
        v.push(format!("--fail-above {}", plain_number(p)));
    }
    if let Some(u) = g.fail_above_usd {
        v.push(format!("--fail-above-usd {}", plain_number(u)));
    }
    v.join(" ")
}

/// `BASE → HEAD` for two files given directly, else the file.
fn files_text(diff: &Diff, s: &ScenarioDiff, quote: &str) -> String {
    match (&diff.git_base, &s.base, &s.head) {
        (None, Some(b), Some(h)) if b.path != h.path => {
            format!("{quote}{}{quote} → {quote}{}{quote}", b.path, h.path)
        }
        _ => format!("{quote}{}{quote}", s.file),
    }
}

/// The diff as aligned text for a terminal.
pub fn text(diff: &Diff) -> String {
    let mut out = String::new();
    if let Some(t) = title(diff) {
        out.push_str(&format!("{t}\n"));
    }
    for s in &diff.scenarios {
        out.push_str(&format!("{}: {}\n", s.name, scenario_sentence(s)));
    }
    out.push_str(&format!(
        "(costs per 30 days; headline: P50 across runs of strategy {}{})\n",
        headline_strategies(diff).replace('`', ""),
        match &diff.git_base {
            Some(rev) => format!("; base {rev}"),
            None => String::new(),
        }
    ));
    if let Some(g) = &diff.gate {
        if g.crossed.is_empty() {
            out.push_str(&format!("thresholds ({}): none crossed\n", gate_limits(g)));
        }
        for c in &g.crossed {
            out.push_str(&format!("THRESHOLD CROSSED: {}\n", crossing_message(c)));
        }
    }
    for s in &diff.scenarios {
        out.push_str(&format!(
            "\n== {} ({}) ==\n{}: {}; USD per 30 days\n",
            s.name,
            status_name(s.status),
            files_text(diff, s, ""),
            runs_text(s)
        ));
        for n in &s.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        for w in &s.new_warnings {
            out.push_str(&format!("new warning: {w}\n"));
        }
        out.push('\n');
        out.push_str(&strategy_table(s).text(""));
        if let Some(h) = s.headline()
            && s.status == Status::Changed
        {
            out.push_str(&format!("\n{}\n", moved_text(h, "")));
        }
        out.push_str("\nper endpoint, model and token bucket (mean per 30 days):\n");
        out.push_str(&items_table(s, "").text("  "));
    }
    out
}

/// One line for standard error and the PR comment: which scenario and strategy crossed which
/// threshold.
pub fn crossing_message(c: &Crossing) -> String {
    format!(
        "{} ({}), strategy {}: mean monthly cost {}{} is above {}",
        c.scenario,
        c.file,
        c.strategy,
        usd_signed(c.change_usd),
        match c.change_pct {
            Some(p) => format!(" ({})", pct_change(p)),
            None => " (new)".to_string(),
        },
        c.threshold
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_never_print_negative_zero() {
        assert_eq!(pct_change(0.0), "0.0%");
        assert_eq!(pct_change(-0.0), "0.0%");
        assert_eq!(pct_change(-0.01), "-<0.1%");
        assert_eq!(pct_change(0.04), "+<0.1%");
        assert_eq!(pct_change(18.04), "+18.0%");
        assert_eq!(usd_change(0.0), "$0.00");
        assert_eq!(usd_change(-0.0), "$0.00");
        assert_eq!(usd_change(1240.0), "+$1,240.00");
        assert_eq!(usd_short_change(1240.4), "+$1,240");
        assert_eq!(usd_short_change(-12.5), "-$12.50");
        assert_eq!(pct_short(18.2), "+18%");
        assert_eq!(pct_short(2.44), "+2.4%");
        assert_eq!(plain_number(10.0), "10");
        assert_eq!(plain_number(2.5), "2.5");
    }
}
