//! The audit of recorded usage in the text report: request lengths, the cost split, cache reads,
//! Pareto views of endpoints and users by cost, and the findings.

use crate::analysis::report::{AuditSection, KeyBreakdown, ParetoRow, RecordedCost};
use crate::output::format::{Table, count, length, pct, usd};

/// The audit of recorded usage: lengths, shares, Pareto views and findings.
pub fn audit_section(a: &AuditSection) -> String {
    let mut out = format!(
        "audit: {} rows ({} format){}\n",
        count(a.rows as f64),
        a.format,
        if a.skipped_rows > 0 {
            format!(
                ", {} bad rows skipped (lines {}{})",
                count(a.skipped_rows as f64),
                a.skipped_lines
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if a.skipped_rows > a.skipped_lines.len() as u64 {
                    ", ..."
                } else {
                    ""
                }
            )
        } else {
            String::new()
        }
    );
    for i in &a.ignored {
        out.push_str(&format!(
            "  ignored                     {} {}\n",
            count(i.count as f64),
            i.reason
        ));
    }
    out.push_str(&format!(
        "  prompt tokens per request   median {}, mean {}\n  output tokens per request   median {}, mean {}\n",
        length(a.median_input_tokens),
        length(a.mean_input_tokens),
        length(a.median_output_tokens),
        length(a.mean_output_tokens)
    ));
    out.push_str(&format!(
        "  cost split                  {} prompt side, {} output side\n  recorded cache reads        {} of prompt tokens\n",
        pct(a.input_cost_share),
        pct(a.output_cost_share),
        pct(a.recorded_cache_read_ratio)
    ));
    if let Some(r) = a.prefix_reuse_ratio {
        out.push_str(&format!(
            "  reusable prefixes           {} of prompt tokens repeat an earlier prefix (unbounded cache)\n",
            pct(r)
        ));
    }
    if let Some(r) = a.intent_repeat_ratio {
        out.push_str(&format!("  repeated intents            {}\n", pct(r)));
    }
    out.push('\n');
    out.push_str(&pareto_table("endpoint", &a.endpoints_pareto).text("  "));
    if !a.top_users.is_empty() {
        out.push_str(&format!(
            "\n  top users of {} (at most 20):\n",
            count(a.users as f64)
        ));
        out.push_str(&pareto_table("user", &a.top_users).text("  "));
    }
    if let Some(rc) = &a.recorded_cost {
        match &rc.cost_report {
            Some(report) => out.push_str(&format!(
                "\n  recorded cost: cost report {report}: recorded {}, provider's price of the usage {}, difference {}\n",
                usd(rc.recorded_usd),
                usd(rc.priced_usd),
                signed_usd(rc.difference_usd)
            )),
            None => out.push_str(&format!(
                "\n  recorded cost: {} rows record a cost{}: recorded {}, provider's price {}, difference {}\n",
                count(rc.rows as f64),
                if rc.rows_without_cost > 0 {
                    format!(" ({} do not, left out)", count(rc.rows_without_cost as f64))
                } else {
                    String::new()
                },
                usd(rc.recorded_usd),
                usd(rc.priced_usd),
                signed_usd(rc.difference_usd)
            )),
        }
        out.push_str(&recorded_cost_table(rc).text("  "));
        for line in recorded_cost_notes(rc) {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    for b in &a.breakdowns {
        out.push_str(&format!(
            "\n  cost by {}{}:\n",
            b.by,
            if b.overlapping {
                " (a row with several values counts under each: shares add up to more than 100%)"
            } else {
                ""
            }
        ));
        out.push_str(&breakdown_table(b).text("  "));
    }
    if a.findings.is_empty() {
        out.push_str("\n  findings: nothing stands out\n");
    } else {
        out.push_str("\n  findings:\n");
        for f in &a.findings {
            out.push_str(&format!(
                "  - {} -> {}: {}\n",
                f.observation, f.lever, f.suggestion
            ));
        }
    }
    out
}

/// Recorded cost against the provider's price, per model, with the likely cause.
pub fn recorded_cost_table(rc: &RecordedCost) -> Table {
    let mut t = Table::new(&[
        "model",
        "rows",
        "recorded",
        "price",
        "difference",
        "likely cause",
    ]);
    for m in &rc.by_model {
        t.row(vec![
            m.model.clone(),
            count(m.rows as f64),
            usd(m.recorded_usd),
            usd(m.priced_usd),
            format!(
                "{} ({})",
                signed_usd(m.difference_usd),
                pct(m.difference_share)
            ),
            m.cause.clone(),
        ]);
    }
    t
}

/// What a cost report's comparison adds to the table: each token type that does not match,
/// and each cost that matches no model of the usage.
pub fn recorded_cost_notes(rc: &RecordedCost) -> Vec<String> {
    let mut notes = Vec::new();
    for m in &rc.by_model {
        for t in m.by_token_type.iter().filter(|t| t.note != "matches") {
            notes.push(format!(
                "{} {}: recorded {}, price {} ({}): {}",
                m.model,
                t.token_type,
                usd(t.recorded_usd),
                usd(t.priced_usd),
                signed_usd(t.difference_usd),
                t.note
            ));
        }
    }
    for u in &rc.unmatched {
        notes.push(format!(
            "{} {} not compared: {}",
            u.item,
            usd(u.recorded_usd),
            u.reason
        ));
    }
    notes
}

/// The cost by one key, with what the source recorded when it did.
pub fn breakdown_table(b: &KeyBreakdown) -> Table {
    let recorded = b.rows.iter().any(|r| r.recorded_usd.is_some());
    let mut head = vec![
        b.by.as_str(),
        "requests",
        "prompt tokens",
        "output tokens",
        "cost",
        "share",
    ];
    if recorded {
        head.push("recorded");
    }
    let mut t = Table::new(&head);
    for r in &b.rows {
        let mut row = vec![
            r.value.clone(),
            count(r.requests as f64),
            count(r.input_tokens as f64),
            count(r.output_tokens as f64),
            usd(r.cost_usd),
            pct(r.share),
        ];
        if recorded {
            row.push(r.recorded_usd.map_or_else(String::new, usd));
        }
        t.row(row);
    }
    t
}

/// A signed dollar amount: `+$1.20`, `-$0.35`.
pub fn signed_usd(x: f64) -> String {
    // Sums of the same costs in another order differ by rounding noise: not a difference.
    let x = if x.abs() < 1e-9 { 0.0 } else { x };
    if x < 0.0 {
        format!("-{}", usd(-x))
    } else {
        format!("+{}", usd(x))
    }
}

/// A Pareto view (endpoints or users by cost, with cumulative shares) as a table.
pub fn pareto_table(title: &str, rows: &[ParetoRow]) -> Table {
    let mut t = Table::new(&[title, "cost", "share", "cumulative", "requests"]);
    for r in rows {
        t.row(vec![
            r.name.clone(),
            usd(r.cost_usd),
            pct(r.share),
            pct(r.cumulative_share),
            count(r.requests as f64),
        ]);
    }
    t
}
