//! OTLP/HTTP: `POST /v1/traces` and `GET /healthz`.
//!
//! As the OTLP specification (1.x, "OTLP/HTTP") says:
//! - bodies are `application/x-protobuf` (binary `ExportTraceServiceRequest`) or
//!   `application/json` (its OTLP/JSON mapping), either gzip-compressed
//!   (`Content-Encoding: gzip`) or not; anything else is answered 415;
//! - the response has the request's content type: on success 200 with an
//!   `ExportTraceServiceResponse`, whose `partialSuccess` counts the GenAI spans refused
//!   (usage that cannot be read: a count that is not a whole number, a missing start time)
//!   and says why; spans without GenAI usage are accepted and dropped, not refused;
//! - a body that cannot be decoded is answered 400 with a `google.rpc.Status` and nothing is
//!   written; one over `--max-body-bytes` (before or after gzip) 413;
//! - without the bearer token of `--token-file`, 401 (the page and the metrics too; not
//!   `/healthz`); over `--max-requests-per-second`, 429 with `Retry-After: 1`;
//! - when the writer is behind (its queue is full) or the rows cannot be written (a full
//!   disk), 503 with `Retry-After`, which exporters retry; nothing of the request is kept.
//!
//! A request is answered 200 only after its rows are on disk ([`super::store`]).
//!
//! Also `GET /metrics` and `GET /` ([`super::view`]), and `GET /healthz` (`ok`).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use super::ingest::{Shared, ingest};

/// `google.rpc.Status`, the body of an OTLP error response.
#[derive(Clone, PartialEq, prost::Message)]
struct Status {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// gRPC status codes used in error bodies.
const INVALID_ARGUMENT: i32 = 3;
const RESOURCE_EXHAUSTED: i32 = 8;
const UNAVAILABLE: i32 = 14;

/// The body encoding of a request (and of its response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

/// The receiver's routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.max_body_bytes;
    Router::new()
        .route("/v1/traces", post(traces))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/", get(page))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// 401 for a request without the bearer token.
fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "this receiver needs `Authorization: Bearer TOKEN` (the token of its --token-file)\n",
    )
        .into_response()
}

/// The request's `Authorization` header.
fn authorization(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
}

/// `GET /metrics`: Prometheus text format 0.0.4.
async fn metrics(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !s.admits(authorization(&headers)) {
        return unauthorized();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        super::view::metrics(&s.counters, &s.usage),
    )
        .into_response()
}

/// `GET /`: the audit page, built off the async threads (it reads the whole directory).
async fn page(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !s.admits(authorization(&headers)) {
        return unauthorized();
    }
    match tokio::task::spawn_blocking(move || s.page.get()).await {
        Ok(page) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page.as_str().to_string(),
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page failed\n").into_response(),
    }
}

/// `POST /v1/traces`.
async fn traces(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let response = match body {
        Ok(body) => export(&s, &headers, &body).await,
        // Over --max-body-bytes (or cut off): a Status in the request's encoding.
        Err(e) => {
            let http = e.status();
            let message = format!(
                "{}: at most {} bytes (--max-body-bytes)",
                e.body_text(),
                s.max_body_bytes
            );
            match encoding_of(&headers) {
                Some(encoding) => status(encoding, http, RESOURCE_EXHAUSTED, message),
                None => (http, message + "\n").into_response(),
            }
        }
    };
    if response.status() == StatusCode::OK {
        s.counters.requests.fetch_add(1, Ordering::Relaxed);
    } else {
        s.counters.refused.fetch_add(1, Ordering::Relaxed);
    }
    response
}

async fn export(s: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    if !s.admits(authorization(headers)) {
        return unauthorized();
    }
    if !s.within_rate() {
        let mut r = (
            StatusCode::TOO_MANY_REQUESTS,
            "over --max-requests-per-second; retry\n",
        )
            .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1u32));
        return r;
    }
    let Some(encoding) = encoding_of(headers) else {
        let got = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {got}: OTLP/HTTP takes application/x-protobuf or application/json\n"
            ),
        )
            .into_response();
    };
    let inflated;
    let body = match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("identity") => body,
        Some("gzip") => {
            let mut out = Vec::new();
            let read = flate2::read::MultiGzDecoder::new(body)
                .take(s.max_body_bytes as u64 + 1)
                .read_to_end(&mut out);
            match read {
                Ok(n) if n > s.max_body_bytes => {
                    return status(
                        encoding,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        RESOURCE_EXHAUSTED,
                        format!(
                            "the body is over {} bytes once gunzipped (--max-body-bytes)",
                            s.max_body_bytes
                        ),
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    return status(
                        encoding,
                        StatusCode::BAD_REQUEST,
                        INVALID_ARGUMENT,
                        format!("Content-Encoding gzip: the body is not gzip: {e}"),
                    );
                }
            }
            inflated = out;
            &inflated
        }
        Some(other) => {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Encoding {other}: OTLP/HTTP bodies are gzip or not encoded\n"),
            )
                .into_response();
        }
    };
    let request = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body)
            .map_err(|e| format!("not an OTLP ExportTraceServiceRequest (protobuf): {e}")),
        Encoding::Json => serde_json::from_slice::<ExportTraceServiceRequest>(body)
            .map_err(|e| format!("not an OTLP ExportTraceServiceRequest (OTLP/JSON): {e}")),
    };
    let request = match request {
        Ok(r) => r,
        Err(m) => return status(encoding, StatusCode::BAD_REQUEST, INVALID_ARGUMENT, m),
    };
    let partial_success = match ingest(s, &request).await {
        Ok(p) => p,
        Err(r) => return unavailable(encoding, r.retry_after_seconds(), r.to_string()),
    };
    let response = ExportTraceServiceResponse { partial_success };
    match encoding {
        Encoding::Protobuf => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            response.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            // A full success leaves partialSuccess unset: `{}`, not `null`.
            match &response.partial_success {
                None => b"{}".to_vec(),
                Some(_) => serde_json::to_vec(&response).unwrap_or_else(|_| b"{}".to_vec()),
            },
        )
            .into_response(),
    }
}

/// The body encoding a request's `Content-Type` names, if OTLP's.
fn encoding_of(headers: &HeaderMap) -> Option<Encoding> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim().to_ascii_lowercase();
    match media.as_str() {
        "application/x-protobuf" | "application/protobuf" => Some(Encoding::Protobuf),
        "application/json" => Some(Encoding::Json),
        _ => None,
    }
}

/// An error response: a `google.rpc.Status` in the request's encoding.
fn status(encoding: Encoding, http: StatusCode, code: i32, message: String) -> Response {
    let body = Status { code, message };
    match encoding {
        Encoding::Protobuf => (
            http,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            body.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            http,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "code": body.code, "message": body.message }).to_string(),
        )
            .into_response(),
    }
}

/// 503 with `Retry-After: seconds`: the exporter sends the request again.
fn unavailable(encoding: Encoding, seconds: u32, message: String) -> Response {
    let mut r = status(
        encoding,
        StatusCode::SERVICE_UNAVAILABLE,
        UNAVAILABLE,
        message,
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    r
}
