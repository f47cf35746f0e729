//! OTLP/gRPC: the `opentelemetry.proto.collector.trace.v1.TraceService/Export` method, on
//! tonic (the OTLP specification's "OTLP/gRPC"): gzip-compressed messages accepted, messages
//! up to `--max-body-bytes` (beyond it tonic answers `RESOURCE_EXHAUSTED` for a gzip message,
//! `OUT_OF_RANGE` otherwise), a partial success
//! for GenAI spans whose usage cannot be read, and `UNAVAILABLE` (retryable) when the writer is
//! behind or the rows cannot be written, nothing of the request kept; `UNAUTHENTICATED` without
//! the bearer token, `RESOURCE_EXHAUSTED` over the rate limit.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tonic::codec::CompressionEncoding;

use super::ingest::{Shared, ingest};

/// The trace service.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let s = &self.shared;
        let authorization = request
            .metadata()
            .get("authorization")
            .map(tonic::metadata::MetadataValue::as_bytes);
        if !s.admits(authorization) {
            s.counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(tonic::Status::unauthenticated(
                "this receiver needs `authorization: Bearer TOKEN` (the token of its --token-file)",
            ));
        }
        if !s.within_rate() {
            s.counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(tonic::Status::resource_exhausted(
                "over --max-requests-per-second; retry",
            ));
        }
        match ingest(s, request.get_ref()).await {
            Ok(partial_success) => {
                s.counters.requests.fetch_add(1, Ordering::Relaxed);
                Ok(tonic::Response::new(ExportTraceServiceResponse {
                    partial_success,
                }))
            }
            Err(r) => {
                s.counters.refused.fetch_add(1, Ordering::Relaxed);
                Err(tonic::Status::unavailable(r.to_string()))
            }
        }
    }
}

/// The gRPC service over `shared`.
pub(crate) fn service(shared: Arc<Shared>) -> TraceServiceServer<Receiver> {
    let limit = shared.max_body_bytes;
    TraceServiceServer::new(Receiver { shared })
        .max_decoding_message_size(limit)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
}
