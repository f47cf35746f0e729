//! Small pieces of markup every section of the page uses: escaping, a strategy's colour chip
//! and name cell, a P5 – P95 range, and `code` spans.

use std::fmt::Write;

use crate::analysis::report::{Report, Stats, StrategyResult};
use crate::output::format::{Align, Table};
use crate::output::plot;

/// A text or markdown [`Table`] as an HTML `<table>`, every cell escaped; left-aligned
/// columns other than the first get the page's `text` class.
pub fn table(t: &Table) -> String {
    let class = |i: usize| match (i, t.align.get(i)) {
        (1.., Some(Align::Left)) => " class=\"text\"",
        _ => "",
    };
    let mut out = String::from("<table>\n<tr>");
    for (i, h) in t.headers.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", class(i), escape(h));
    }
    out.push_str("</tr>\n");
    for r in &t.rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", class(i), escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_escaped_with_text_columns_marked() {
        let mut t = Table::new(&["name", "why", "cost"]);
        t.align[1] = Align::Left;
        t.row(vec!["<a>".into(), "x & y".into(), "$1.00".into()]);
        assert_eq!(
            table(&t),
            "<table>\n<tr><th>name</th><th class=\"text\">why</th><th>cost</th></tr>\n\
             <tr><td>&lt;a&gt;</td><td class=\"text\">x &amp; y</td><td>$1.00</td></tr>\n</table>\n"
        );
    }
}
