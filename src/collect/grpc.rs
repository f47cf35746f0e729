//! OTLP/gRPC: the `opentelemetry.proto.collector.trace.v1.TraceService/Export` method, on
//! tonic (the OTLP specification's "OTLP/gRPC"): gzip-compressed messages accepted, messages
//! up to `--max-body-bytes` (beyond it tonic answers `RESOURCE_EXHAUSTED` for a gzip message,
//! `OUT_OF_RANGE` otherwise), a partial success
//! for GenAI spans whose usage cannot be read, and `UNAVAILABLE` (retryable) when the writer is
//! behind or the rows cannot be written, nothing of the request kept; `UNAUTHENTICATED` without
//! the bearer token, `RESOURCE_EXHAUSTED` over the rate limit.
//!
//! `UNAVAILABLE` and the rate limit's `RESOURCE_EXHAUSTED` carry a `google.rpc.RetryInfo` (in
//! `grpc-status-details-bin`) with the delay HTTP gives in `Retry-After`: the OTLP
//! specification (1.x, "OTLP/gRPC Throttling"; read 2026-12-06) has clients treat
//! `RESOURCE_EXHAUSTED` as retryable only when the status carries RetryInfo, and wait the delay
//! it gives.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
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
            return Err(retryable(
                tonic::Code::ResourceExhausted,
                "over --max-requests-per-second; retry".to_string(),
                1,
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
                Err(retryable(
                    tonic::Code::Unavailable,
                    r.to_string(),
                    r.retry_after_seconds(),
                ))
            }
        }
    }
}

/// `google.rpc.Status` with its details.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// The type URL of [`RetryInfo`] in an [`Any`].
pub(crate) const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// A status the client should retry after `seconds`: `code` and `message` with a RetryInfo.
fn retryable(code: tonic::Code, message: String, seconds: u32) -> tonic::Status {
    let retry = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: i64::from(seconds),
            nanos: 0,
        }),
    };
    let details = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details: vec![Any {
            type_url: RETRY_INFO.to_string(),
            value: retry.encode_to_vec(),
        }],
    };
    tonic::Status::with_details(code, message, details.encode_to_vec().into())
}

/// The gRPC service over `shared`.
pub(crate) fn service(shared: Arc<Shared>) -> TraceServiceServer<Receiver> {
    let limit = shared.max_body_bytes;
    TraceServiceServer::new(Receiver { shared })
        .max_decoding_message_size(limit)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
}
