//! The writer thread: requests queue for it (a bounded queue), and it writes every queued
//! request in one group, with one sync ([`super::store::Store::append`]), then answers each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use super::store;

/// One request's rows for the writer, and where to say how it went.
pub(crate) struct Job {
    pub rows: Vec<u8>,
    pub times: Vec<i64>,
    pub ack: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// Counters, for the log and `GET /metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Export requests answered 200.
    pub requests: AtomicU64,
    /// Rows written (GenAI spans kept).
    pub rows: AtomicU64,
    /// Spans dropped: no GenAI usage, or agent and workflow spans.
    pub dropped: AtomicU64,
    /// GenAI spans refused (usage that cannot be read).
    pub rejected: AtomicU64,
    /// Requests refused (bad body, too large, wrong type, queue full, write failed).
    pub refused: AtomicU64,
    /// Write groups (fsyncs).
    pub groups: AtomicU64,
}

/// The writer thread: each queued job joins the group written with one sync.
pub(crate) fn writer(mut store: store::Store, jobs: Receiver<Job>, counters: Arc<Counters>) {
    /// A group holds at most this many bytes (more waits for the next).
    const GROUP_BYTES: usize = 8 << 20;
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        let mut bytes = group[0].rows.len();
        while bytes < GROUP_BYTES {
            match jobs.try_recv() {
                Ok(j) => {
                    bytes += j.rows.len();
                    group.push(j);
                }
                Err(_) => break,
            }
        }
        // A request whose client has gone (it timed out, or the stop closed it) is not
        // written: it was never acknowledged, and its exporter sends it again.
        group.retain(|j| !j.ack.is_closed());
        if group.is_empty() {
            continue;
        }
        let mut rows = Vec::with_capacity(bytes);
        let mut times = Vec::new();
        for j in &group {
            rows.extend_from_slice(&j.rows);
            times.extend_from_slice(&j.times);
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let result = store
            .append(&rows, &times, now_ms)
            .map_err(|e| format!("cannot write the rows: {e}"));
        if result.is_ok() {
            counters.groups.fetch_add(1, Ordering::Relaxed);
            counters
                .rows
                .fetch_add(times.len() as u64, Ordering::Relaxed);
        } else if let Err(e) = &result {
            eprintln!("tokencast collect: {e}; the requests are refused with 503");
        }
        for j in group {
            // A client that went away needs no answer.
            let _ = j.ack.send(result.clone());
        }
    }
    if let Err(e) = store.finish() {
        eprintln!("tokencast collect: closing the last file: {e}");
    }
}
