//! Small pieces of markup every section of the page uses: escaping, a strategy's colour chip
//! and name cell, a P5 – P95 range, and `code` spans.

use std::fmt::Write;

use crate::analysis::report::{Report, Stats, StrategyResult};
use crate::output::plot;

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

/// Strategies in `strategy_order` with their palette position.
pub(super) fn ordered(report: &Report) -> Vec<(usize, &str, &StrategyResult)> {
    crate::output::table::ordered_strategies(report)
}

/// A small block in the colour the charts give strategy `i`.
pub(super) fn chip(i: usize) -> String {
    format!(
        "<span class=\"chip\" style=\"background:{}\"></span>",
        plot::hex(plot::strategy_colour(i))
    )
}

/// A table cell with strategy `i`'s chip and name.
pub(super) fn strategy_cell(i: usize, name: &str) -> String {
    format!("<td>{}{}</td>", chip(i), escape(name))
}

/// P5 – P95, to three significant digits.
pub(super) fn range(s: &Stats) -> String {
    format!("{} – {}", plot::usd_short(s.p5), plot::usd_short(s.p95))
}

/// `text` with `code` spans in backticks turned into `<code>` elements.
pub(super) fn code_spans(text: &str) -> String {
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
