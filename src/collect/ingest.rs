//! What both transports do with an export request: its GenAI spans become rows, queued for
//! the writer; the answer comes once they are on disk.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest,
};

use super::access::{RateLimit, authorized};
use super::users::keyed_hash;
use super::view::{Page, Usage};
use super::writer::{Counters, Job};
use crate::foundations::pricing::Catalog;
use crate::model::workload::trace::{request_spans, write_native_jsonl_line};

/// How many span errors a partial-success message quotes.
const QUOTED_ERRORS: usize = 3;

/// State the handlers share.
pub(crate) struct Shared {
    pub jobs: std::sync::mpsc::SyncSender<Job>,
    pub counters: Arc<Counters>,
    /// Tokens and cost by model and endpoint, for `/metrics`.
    pub usage: Usage,
    /// The prices rows are costed at.
    pub catalog: Arc<Catalog>,
    /// The audit page, for `/`.
    pub page: Page,
    pub max_body_bytes: usize,
    /// The key of user-id hashes, when they are hashed.
    pub user_key: Option<[u8; 32]>,
    /// The bearer token clients must send, if any.
    pub token: Option<String>,
    /// The rate limit on export requests, if any.
    pub rate: Option<RateLimit>,
}

impl Shared {
    /// Whether an `Authorization` header value lets a client in.
    pub(crate) fn admits(&self, authorization: Option<&[u8]>) -> bool {
        self.token
            .as_deref()
            .is_none_or(|t| authorized(t, authorization))
    }

    /// Whether an export request is within the rate limit.
    pub(crate) fn within_rate(&self) -> bool {
        self.rate.as_ref().is_none_or(RateLimit::admit)
    }
}

/// Why a request's rows were not kept; every one is worth a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The writer's queue is full.
    Behind,
    /// The rows could not be written (a full disk): why.
    Failed(String),
    /// The receiver is stopping.
    Stopping,
}

impl Refusal {
    /// How long a client should wait before sending again.
    pub(crate) fn retry_after_seconds(&self) -> u32 {
        match self {
            Refusal::Behind | Refusal::Stopping => 1,
            Refusal::Failed(_) => 5,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Behind => write!(f, "the writer is behind; retry"),
            Refusal::Failed(e) => write!(f, "{e}; retry"),
            Refusal::Stopping => write!(f, "the receiver is stopping; retry"),
        }
    }
}

/// Keep `request`'s GenAI spans: `Ok` once they are on disk, with the partial success to
/// report when some GenAI spans could not be read (and were refused); `Err` when none of the
/// request was kept.
pub(crate) async fn ingest(
    s: &Shared,
    request: &ExportTraceServiceRequest,
) -> Result<Option<ExportTracePartialSuccess>, Refusal> {
    let spans = request_spans(request);
    let dropped: u64 = spans.ignored.iter().map(|(_, n)| n).sum();
    s.counters.dropped.fetch_add(dropped, Ordering::Relaxed);
    s.counters
        .rejected
        .fetch_add(spans.rejected.len() as u64, Ordering::Relaxed);
    if !spans.records.is_empty() {
        let mut rows = String::with_capacity(160 * spans.records.len());
        let mut times = Vec::with_capacity(spans.records.len());
        let mut records = spans.records;
        for r in &mut records {
            if let (Some(key), Some(user)) = (&s.user_key, &r.user_id) {
                r.user_id = Some(keyed_hash(key, user.as_bytes()));
            }
            times.push(r.time_ms);
            write_native_jsonl_line(&mut rows, r);
        }
        let (ack, done) = tokio::sync::oneshot::channel();
        let rows = rows.into_bytes();
        match s.jobs.try_send(Job { rows, times, ack }) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(_)) => return Err(Refusal::Behind),
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return Err(Refusal::Stopping),
        }
        match done.await {
            Ok(Ok(())) => s.usage.add(&records, &s.catalog),
            Ok(Err(e)) => return Err(Refusal::Failed(e)),
            Err(_) => return Err(Refusal::Stopping),
        }
    }
    Ok((!spans.rejected.is_empty()).then(|| {
        let n = spans.rejected.len();
        let mut message = spans.rejected[..n.min(QUOTED_ERRORS)].join("; ");
        if n > QUOTED_ERRORS {
            message.push_str(&format!("; and {} more", n - QUOTED_ERRORS));
        }
        ExportTracePartialSuccess {
            rejected_spans: i64::try_from(n).unwrap_or(i64::MAX),
            error_message: message,
        }
    }))
}
