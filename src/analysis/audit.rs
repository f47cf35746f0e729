//! `tokencast audit`: price recorded usage exactly as recorded, and say which lever fits.
//!
//! Every row is billed on its model at the catalog's prices: prompt tokens split into cache
//! reads (`cache_read_tokens`), cache writes and uncached input (the rest: LiteLLM's convention
//! that `input_tokens` includes cached tokens); output into reasoning (`reasoning_tokens`) and
//! visible output (the rest). Cache writes are priced by TTL: `cache_write_5m_tokens` at the
//! 5-minute write rate, `cache_write_1h_tokens` at the 1-hour rate (Anthropic's usage reports
//! both), and `cache_write_tokens`, which says no TTL, at the 5-minute rate, or at the rate of
//! the model's only or default TTL when it has no 5-minute one (OpenAI GPT-5.6: 30 minutes). A
//! write price the catalog lacks is the input price (`ModelPrice::rate_per_token`); a row
//! recording writes of a TTL its model does not offer (1-hour writes on GPT-5.6) is an error
//! naming the row and the model. Rows marked `batch` are billed at batch prices. A request whose
//! prompt is above the model's long-context threshold is billed entirely at the tier's rates.
//!
//! The result is a report with one strategy, `recorded`, in the usual contract, plus an
//! `audit` section: medians of prompt and output lengths, the Pareto view of endpoints and
//! users (which few carry most of the spend), input vs output share, and findings, each paired
//! with the lever that addresses it.
//!
//! Memory: the ledger (days × endpoint/model lines) plus one cost total per distinct user and
//! one count per distinct token length (for exact medians); never the rows themselves.

mod bill;
mod breakdown;
mod findings;
mod focus;
mod recorded;
mod strmap;
mod summary;
mod tally;

pub use breakdown::ByKey;
pub use focus::FocusRow;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::analysis::audit::breakdown::Breakdowns;
use crate::analysis::audit::tally::Tally;
use crate::analysis::report::Report;
use crate::foundations::pricing::Catalog;
use crate::model::workload::trace::{
    CostReport, Pieces, TraceError, TraceFormat, TraceReader, TraceRecord, TraceRunError,
};

/// Audit settings.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Model for rows that name none.
    pub default_model: Option<String>,
    /// Count and skip bad rows instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// Keys to break the cost down by (`--by`).
    pub by: Vec<ByKey>,
    /// The FOCUS rows too, with this billing account (`--focus`, `--billing-account`).
    pub focus_account: Option<String>,
    /// A provider's cost report to compare the usage's price with (`--recorded-costs`).
    pub recorded_costs: Option<CostReport>,
}

/// An audit's report, and its FOCUS rows when asked for.
#[derive(Debug)]
pub struct Audited {
    /// The report.
    pub report: Report,
    /// FOCUS cost-and-usage rows (`AuditOptions::focus_account` given).
    pub focus: Option<Vec<FocusRow>>,
}

/// Audit a trace against a catalog, reading it as one stream.
pub fn audit(
    mut reader: TraceReader,
    catalog: &Catalog,
    opts: &AuditOptions,
) -> Result<Audited, TraceRunError> {
    let path = reader.path().to_string();
    let format = reader.format();
    let mut tally = Tally::new(
        format.block_tokens(),
        Breakdowns::new(&opts.by),
        None,
        format.is_bucketed(),
        format.counts_requests(),
    );
    if let Some(costs) = &opts.recorded_costs {
        tally.cost_report = true;
        tally.recorded.use_report(&costs.path);
    }
    read_rows(&mut reader, &mut tally, catalog, opts)?;
    if tally.rows == 0 {
        return Err(TraceRunError::Empty(path));
    }
    if let Some(costs) = &opts.recorded_costs {
        apply_costs(&mut tally, costs);
    }
    // The whole file has been read: its digest is complete.
    let sha256 = reader.sha256();
    finish(tally, format, path, sha256, reader.ignored(), catalog, opts)
}

/// Audit a trace cut into pieces ([`Pieces`]: a CSV file's, or a Parquet file's row groups), the pieces read at once on the threads of the
/// current rayon pool and their tallies merged in file order: the audit a single stream gives
/// (floating-point sums aside, which are added in another order, the same whatever the number
/// of threads). `None` when the first piece starts with a bad row (then read the trace as one
/// stream, which reports or skips it as usual).
pub fn audit_pieces(
    plan: &Pieces,
    endpoint_from: Option<&str>,
    catalog: &Catalog,
    opts: &AuditOptions,
) -> Result<Option<Audited>, TraceRunError> {
    let open = |i: usize| -> Result<TraceReader, TraceRunError> {
        let mut r = plan.reader(i)?;
        r.set_endpoint_from(endpoint_from.map(str::to_string));
        Ok(r)
    };
    // Day 0 is set by the first row, as when the trace is read as one stream.
    let mut first = TraceRecord::default();
    let day0 = match open(0)?.read_into(&mut first) {
        Some(Ok(())) => crate::model::workload::trace::day0_ms(first.time_ms),
        _ => return Ok(None),
    };
    let format = plan.format();
    let piece = |i: usize| -> PieceTally {
        let mut tally = Tally::new(
            format.block_tokens(),
            Breakdowns::new(&opts.by),
            Some(day0),
            format.is_bucketed(),
            format.counts_requests(),
        );
        if let Some(costs) = &opts.recorded_costs {
            tally.cost_report = true;
            tally.recorded.use_report(&costs.path);
        }
        let mut reader = open(i)?;
        read_rows(&mut reader, &mut tally, catalog, opts)?;
        Ok((tally, reader.ignored()))
    };
    // Pieces are handed out in file order and merged in file order as soon as they and every
    // earlier piece are read, by a thread that finished one of them, so merging overlaps the
    // reading of later pieces. Whatever the schedule, the merges are made in the file's order:
    // the result is the same for any number of threads.
    let next_piece = AtomicUsize::new(0);
    let waiting = Mutex::new(BTreeMap::new());
    let merged = Mutex::new(Merge::default());
    let drain = || {
        // Whoever holds the merge drains what follows it; a piece left behind by a thread that
        // found the merge busy is taken by the next drain (at the latest the one below).
        while let Ok(mut m) = merged.try_lock() {
            let mut took = false;
            loop {
                let next = m.next;
                let Some(done) = lock(&waiting).remove(&next) else {
                    break;
                };
                m.take(done);
                took = true;
            }
            if !took {
                break;
            }
        }
    };
    let (sha256, ()) = rayon::join(
        || plan.sha256(),
        || {
            rayon::scope(|s| {
                for _ in 0..rayon::current_num_threads().min(plan.len()) {
                    s.spawn(|_| {
                        loop {
                            let i = next_piece.fetch_add(1, Ordering::Relaxed);
                            if i >= plan.len() {
                                break;
                            }
                            let done = piece(i);
                            lock(&waiting).insert(i, done);
                            drain();
                        }
                    });
                }
            })
        },
    );
    drain();
    let Merge {
        tally,
        ignored,
        error,
        ..
    } = merged.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = error {
        return Err(e);
    }
    let Some(mut tally) = tally else {
        unreachable!("every piece of a plan is merged or an error stops the merge");
    };
    let path = plan.path().to_string();
    if tally.rows == 0 {
        return Err(TraceRunError::Empty(path));
    }
    if let Some(costs) = &opts.recorded_costs {
        apply_costs(&mut tally, costs);
    }
    finish(tally, format, path, sha256?, ignored, catalog, opts).map(Some)
}

/// A piece's tally and its items left out by reason, or the error that stopped it.
type PieceTally = Result<(Tally, Vec<(String, u64)>), TraceRunError>;

/// The tallies of a file's pieces merged in file order (see [`audit_pieces`]).
#[derive(Default)]
struct Merge {
    /// The pieces before `next`, merged.
    tally: Option<Tally>,
    /// Their items left out, by reason.
    ignored: Vec<(String, u64)>,
    /// The piece to merge next.
    next: usize,
    /// The first error in file order: no piece after it is merged.
    error: Option<TraceRunError>,
}

impl Merge {
    /// Merge piece `self.next`.
    fn take(&mut self, done: PieceTally) {
        self.next += 1;
        if self.error.is_some() {
            return;
        }
        match done {
            Err(e) => self.error = Some(e),
            Ok((t, more)) => {
                match &mut self.tally {
                    None => self.tally = Some(t),
                    Some(tally) => tally.merge(t),
                }
                for (reason, n) in more {
                    match self.ignored.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, total)) => *total += n,
                        None => self.ignored.push((reason, n)),
                    }
                }
            }
        }
    }
}

/// The data behind `m`, even if a thread panicked holding it (the panic is re-raised by the
/// scope that ran it).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Each of `rows`' cost as `audit` prices it: on its own model (`default_model` for rows that
/// name none), its recorded cache reads and writes at their rates, batch rows at batch prices,
/// long prompts at long-context rates; days count from `day0_ms`. What a backtest compares a
/// forecast with when the trace records what it paid for.
pub(crate) fn row_costs<'r>(
    rows: impl IntoIterator<Item = &'r TraceRecord>,
    day0_ms: i64,
    catalog: &Catalog,
    default_model: Option<&str>,
    path: &str,
) -> Result<Vec<f64>, TraceRunError> {
    let mut tally = Tally::new(None, Breakdowns::new(&[]), Some(day0_ms), false, false);
    rows.into_iter()
        .map(|r| tally.add(r, catalog, default_model, path))
        .collect()
}

/// Read every row of `reader` into `tally`: a bad row stops the audit, or is counted with
/// `skip_bad_rows`.
fn read_rows(
    reader: &mut TraceReader,
    tally: &mut Tally,
    catalog: &Catalog,
    opts: &AuditOptions,
) -> Result<(), TraceRunError> {
    let mut row = TraceRecord::default();
    while let Some(res) = reader.read_into(&mut row) {
        match res {
            Ok(()) => {}
            Err(TraceError::Row { line, .. }) if opts.skip_bad_rows => {
                tally.skip(line);
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        tally.add(
            &row,
            catalog,
            opts.default_model.as_deref(),
            reader.path_of(&row),
        )?;
    }
    Ok(())
}

/// The report (and FOCUS rows) of a whole trace's tally.
fn finish(
    tally: Tally,
    format: TraceFormat,
    path: String,
    sha256: String,
    ignored: Vec<(String, u64)>,
    catalog: &Catalog,
    opts: &AuditOptions,
) -> Result<Audited, TraceRunError> {
    let focus = match &opts.focus_account {
        Some(account) => Some(focus_rows(&tally, catalog, &path, account)?),
        None => None,
    };
    let report = summary::report(tally, format.name(), path, sha256, ignored, catalog)?;
    Ok(Audited { report, focus })
}

/// The costs of a cost report onto the models of the usage: by model name, within the
/// usage's days; the rest is kept as unmatched, never dropped.
fn apply_costs(tally: &mut Tally, costs: &CostReport) {
    const DAY_MS: i64 = 86_400_000;
    let day0 = tally.day0_ms.unwrap_or(0);
    let end = day0.saturating_add(tally.ledger.days() as i64 * DAY_MS);
    for c in &costs.lines {
        let item = match (&c.model, c.label.is_empty()) {
            (_, false) => c.label.clone(),
            (Some(m), true) => m.clone(),
            (None, true) => "(unnamed)".to_string(),
        };
        if c.time_ms < day0 || c.time_ms >= end {
            tally.recorded.unmatched(
                &format!("{item} (outside the usage's days)"),
                c.usd,
                "the cost is of a day the usage report does not cover",
            );
            continue;
        }
        let Some(model) = &c.model else {
            tally.recorded.unmatched(
                &item,
                c.usd,
                "the cost names no model (a report not grouped by line item or description, or \
                 a cost that is not of tokens)",
            );
            continue;
        };
        match tally.models.ids.iter().position(|id| id == model) {
            Some(i) => tally.recorded.record(i as u16, c.kind.map(|k| k.0), c.usd),
            None => tally.recorded.unmatched(
                &item,
                c.usd,
                "a model the usage report never shows (a dated snapshot id against the usage's \
                 alias, or usage outside the report's filters)",
            ),
        }
    }
}

/// The FOCUS rows of the tally; an error for a trace without dates.
fn focus_rows(
    tally: &Tally,
    catalog: &Catalog,
    path: &str,
    account: &str,
) -> Result<Vec<FocusRow>, TraceRunError> {
    match tally.day0_ms {
        Some(day0) if crate::model::workload::trace::is_dated(day0) => Ok(focus::rows(
            &tally.ledger,
            &tally.models,
            &tally.endpoints,
            catalog,
            day0,
            account,
        )),
        _ => Err(TraceRunError::Invalid {
            path: path.to_string(),
            message: "--focus: FOCUS rows need calendar dates, and this trace's timestamps \
                      count from its start (Azure, Mooncake and BurstGPT traces are undated); \
                      audit a trace with dated timestamps"
                .to_string(),
        }),
    }
}
