//! What the receiver shows while it runs: `GET /metrics` (Prometheus text format) and `GET /`
//! (the audit of what has been collected, as the HTML page `run --html` writes).
//!
//! **Metrics.** Counters since the receiver started (a restart starts them at zero, which
//! Prometheus reads as a counter reset): requests answered and refused, spans kept, dropped
//! and refused, write groups, and per model and endpoint the requests, tokens by bucket and
//! cost (at most [`MAX_SERIES`] pairs; later ones are summed under the labels `(other)`). A row's cost is the one `audit` gives it (its own model's prices, cache reads and
//! writes at their rates, long prompts at long-context rates: [`crate::analysis::audit`]'s
//! row pricing), added once its rows are on disk; a row whose model the catalog lacks is
//! counted in `tokencast_collect_unpriced_spans_total` instead.
//!
//! **Page.** The audit of every row on disk (each data file up to its committed length, so a
//! group being written is not half read), broken down by endpoint, model and user, with the
//! daily series, rendered by [`crate::output::html`]; rebuilt when asked for and at least
//! `PAGE_INTERVAL` after the last build, so a dashboard polling it does not re-read the
//! directory each time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::analysis::audit::{self, AuditOptions, ByKey};
use crate::foundations::pricing::Catalog;
use crate::model::workload::trace::{TraceFormat, TraceReader, TraceRecord, day0_ms};

use super::store::{Committed, data_files, lock};
use super::writer::Counters;

/// The least time between two builds of the page.
pub const PAGE_INTERVAL: Duration = Duration::from_secs(5);

/// The most model-and-endpoint pairs with series of their own in `/metrics`.
pub const MAX_SERIES: usize = 1000;

/// The labels of the pairs past [`MAX_SERIES`].
const OTHER: &str = "(other)";

/// Sums of one model and endpoint.
#[derive(Debug, Default, Clone)]
struct Sums {
    requests: u64,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
    cost_usd: f64,
}

/// The per-model-and-endpoint sums, and the spans that could not be priced.
#[derive(Debug, Default)]
pub struct Usage {
    by: Mutex<BTreeMap<(String, String), Sums>>,
    unpriced: Mutex<BTreeMap<String, u64>>,
}

impl Usage {
    /// Count rows that are on disk.
    pub(crate) fn add(&self, rows: &[TraceRecord], catalog: &Catalog) {
        let costs = costs(rows, catalog);
        let mut by = lock(&self.by);
        for (r, cost) in rows.iter().zip(costs) {
            let model = r.model.clone().unwrap_or_else(|| "none".to_string());
            let Some(cost) = cost else {
                *lock(&self.unpriced).entry(model).or_default() += 1;
                continue;
            };
            let mut key = (
                model,
                r.endpoint.clone().unwrap_or_else(|| "all".to_string()),
            );
            if by.len() >= MAX_SERIES && !by.contains_key(&key) {
                // Clients choose these labels: past MAX_SERIES pairs, the rest are summed.
                key = (OTHER.to_string(), OTHER.to_string());
            }
            let s = by.entry(key).or_default();
            s.requests += 1;
            s.input += r.input_tokens;
            s.output += r.output_tokens;
            s.cache_read += r.cache_read_tokens.unwrap_or(0);
            s.cache_write += r.cache_write_tokens.unwrap_or(0)
                + r.cache_write_5m_tokens.unwrap_or(0)
                + r.cache_write_1h_tokens.unwrap_or(0);
            s.cost_usd += cost;
        }
    }
}

/// Each row's cost as `audit` prices it (`None`: its model is not in the catalog): one
/// request's rows in one pass, row by row only when that pass fails on one of them.
fn costs(rows: &[TraceRecord], catalog: &Catalog) -> Vec<Option<f64>> {
    let price = |rows: &[TraceRecord]| {
        let first = rows.iter().map(|r| r.time_ms).min()?;
        audit::row_costs(rows, day0_ms(first), catalog, None, "collect").ok()
    };
    match price(rows) {
        Some(all) => all.into_iter().map(Some).collect(),
        None => rows
            .iter()
            .map(|r| price(std::slice::from_ref(r)).and_then(|c| c.first().copied()))
            .collect(),
    }
}

/// A Prometheus label value, escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A series by model and endpoint: its name, its help and its value.
type Series = (&'static str, &'static str, fn(&Sums) -> String);

/// The `GET /metrics` text.
pub(crate) fn metrics(counters: &Counters, usage: &Usage) -> String {
    let mut m = String::new();
    let mut counter = |name: &str, help: &str, v: u64| {
        let _ = writeln!(m, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
    };
    let c = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    counter(
        "tokencast_collect_requests_total",
        "Export requests answered with success.",
        c(&counters.requests),
    );
    counter(
        "tokencast_collect_refused_requests_total",
        "Export requests refused (bad body, too large, wrong type, writer behind, write failed).",
        c(&counters.refused),
    );
    counter(
        "tokencast_collect_spans_total",
        "GenAI spans kept (rows on disk).",
        c(&counters.rows),
    );
    counter(
        "tokencast_collect_dropped_spans_total",
        "Spans without GenAI usage, and agent or workflow spans, dropped.",
        c(&counters.dropped),
    );
    counter(
        "tokencast_collect_rejected_spans_total",
        "GenAI spans whose usage could not be read, refused in a partial success.",
        c(&counters.rejected),
    );
    counter(
        "tokencast_collect_write_groups_total",
        "Groups of requests written with one sync.",
        c(&counters.groups),
    );
    let by = lock(&usage.by);
    let series: [Series; 6] = [
        (
            "tokencast_requests_total",
            "LLM requests kept, by model and endpoint.",
            |s| s.requests.to_string(),
        ),
        (
            "tokencast_input_tokens_total",
            "Prompt tokens (cached ones included), by model and endpoint.",
            |s| s.input.to_string(),
        ),
        (
            "tokencast_output_tokens_total",
            "Output tokens (reasoning included), by model and endpoint.",
            |s| s.output.to_string(),
        ),
        (
            "tokencast_cache_read_tokens_total",
            "Prompt tokens read from the provider's cache, by model and endpoint.",
            |s| s.cache_read.to_string(),
        ),
        (
            "tokencast_cache_write_tokens_total",
            "Prompt tokens written to the provider's cache, by model and endpoint.",
            |s| s.cache_write.to_string(),
        ),
        (
            "tokencast_cost_usd_total",
            "Cost in US dollars as `audit` prices the rows, by model and endpoint.",
            |s| format!("{}", s.cost_usd),
        ),
    ];
    for (name, help, value) in series {
        let _ = writeln!(m, "# HELP {name} {help}\n# TYPE {name} counter");
        for ((model, endpoint), s) in by.iter() {
            let _ = writeln!(
                m,
                "{name}{{model=\"{}\",endpoint=\"{}\"}} {}",
                label(model),
                label(endpoint),
                value(s)
            );
        }
    }
    let name = "tokencast_collect_unpriced_spans_total";
    let _ = writeln!(
        m,
        "# HELP {name} Spans kept whose model the price catalog lacks, by model.\n# TYPE {name} counter"
    );
    for (model, n) in lock(&usage.unpriced).iter() {
        let _ = writeln!(m, "{name}{{model=\"{}\"}} {n}", label(model));
    }
    m
}

/// The page, built at most every [`PAGE_INTERVAL`].
pub struct Page {
    dir: PathBuf,
    committed: Committed,
    catalog: Arc<Catalog>,
    last: Mutex<Option<(Instant, Arc<String>)>>,
}

impl Page {
    pub(crate) fn new(dir: PathBuf, committed: Committed, catalog: Arc<Catalog>) -> Page {
        Page {
            dir,
            committed,
            catalog,
            last: Mutex::new(None),
        }
    }

    /// The page: the last one built if it is recent, else a new one.
    pub(crate) fn get(&self) -> Arc<String> {
        let mut last = lock(&self.last);
        if let Some((at, page)) = &*last
            && at.elapsed() < PAGE_INTERVAL
        {
            return Arc::clone(page);
        }
        let page = Arc::new(self.build());
        *last = Some((Instant::now(), Arc::clone(&page)));
        page
    }

    fn build(&self) -> String {
        match self.audit() {
            Ok(Some(page)) => page,
            Ok(None) => message_page("Nothing collected yet: no GenAI span has been received."),
            Err(e) => message_page(&format!("The collected rows cannot be audited: {e}")),
        }
    }

    /// The audit page of every committed row; `None` when there is none.
    fn audit(&self) -> Result<Option<String>, String> {
        // The writer holds this across a rotation (close, new file): listed, opened and
        // measured under it, the files are a consistent snapshot, read after. A sort renames
        // a whole sorted copy over a whole file, so an open handle reads one or the other.
        let held = lock(&self.committed);
        let active = held.clone();
        let mut parts: Vec<Box<dyn Read + Send>> = Vec::new();
        let mut bytes = 0;
        for name in data_files(&self.dir)? {
            let path = self.dir.join(&name);
            let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let len = match &active {
                Some((n, len)) if *n == name => *len,
                _ => f
                    .metadata()
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .len(),
            };
            bytes += len;
            parts.push(Box::new(f.take(len)));
        }
        drop(held);
        if bytes == 0 {
            return Ok(None);
        }
        let chained = parts.into_iter().fold(
            Box::new(std::io::empty()) as Box<dyn Read + Send>,
            |a, b| Box::new(a.chain(b)),
        );
        let name = self.dir.display().to_string();
        let reader = TraceReader::from_reader(&name, chained, Some(TraceFormat::NativeJsonl))
            .map_err(|e| e.to_string())?;
        let opts = AuditOptions {
            default_model: None,
            // A span with a wrong clock (days off the others) is counted, not fatal to the
            // page: the files are joined end to end, not merged by time.
            skip_bad_rows: true,
            by: ["endpoint", "model", "user"]
                .iter()
                .filter_map(|k| ByKey::parse(k).ok())
                .collect(),
            focus_account: None,
            recorded_costs: None,
        };
        let audited = audit::audit(reader, &self.catalog, &opts).map_err(|e| e.to_string())?;
        crate::output::html::render(&audited.report, None)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

/// A page saying one thing.
fn message_page(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tokencast \
         collect</title></head><body><h1>tokencast collect</h1><p>{escaped}</p></body></html>\n"
    )
}
