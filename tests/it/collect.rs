//! `tokencast collect`: the OTLP/HTTP receiver run as a process, sent requests over loopback,
//! stopped with SIGTERM or killed with SIGKILL, and its directory read back as a trace.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

use crate::support::json;

/// A running receiver.
struct Collector {
    child: Child,
    port: u16,
    /// The OTLP/gRPC port.
    grpc: u16,
    /// Its standard error so far.
    log: Arc<Mutex<String>>,
}

impl Collector {
    /// Start `tokencast collect --dir DIR --listen 127.0.0.1:0 EXTRA...`, possibly under
    /// `prlimit` arguments, and wait until it listens.
    fn start_with(dir: &Path, extra: &[&str], prlimit: Option<&str>) -> Collector {
        let bin = env!("CARGO_BIN_EXE_tokencast");
        let mut cmd = match prlimit {
            Some(limit) => {
                let mut c = Command::new("prlimit");
                c.arg(limit).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = cmd
            .args(["collect", "--dir"])
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tokencast collect starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let port = |scheme: &str| -> u16 {
                    let rest = line.split(scheme).nth(1).unwrap();
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    port.parse().unwrap()
                };
                if line.contains("http://127.0.0.1:") {
                    let _ = tx.send((port("http://127.0.0.1:"), port("grpc://127.0.0.1:")));
                }
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let (port, grpc) = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("collect did not listen: {}", log.lock().unwrap());
            }
        };
        Collector {
            child,
            port,
            grpc,
            log,
        }
    }

    fn start(dir: &Path, extra: &[&str]) -> Collector {
        Collector::start_with(dir, extra, None)
    }

    /// POST `body` to `path` with these headers: the status and the body.
    fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, Vec<u8>) {
        post(self.port, path, headers, body).expect("the receiver answers")
    }

    /// SIGTERM, and wait: the exit code and what it printed.
    fn stop(mut self) -> (i32, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        // The reader thread ends with the pipe.
        std::thread::sleep(Duration::from_millis(50));
        let log = self.log.lock().unwrap().clone();
        (status.code().unwrap_or(-1), log)
    }

    /// SIGKILL, and wait.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// GET `path`: the status and the body as text.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

/// A plain HTTP/1.1 request over loopback: the status, the response headers (as text) and the
/// body; `Err` when the connection fails (the receiver is gone).
fn post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no response head"))?;
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    Ok((status, head, out[split + 4..].to_vec()))
}

const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");
const JSON: (&str, &str) = ("Content-Type", "application/json");

fn text(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.to_string(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.to_string())),
        }),
        ..KeyValue::default()
    }
}

fn int(k: &str, v: i64) -> KeyValue {
    KeyValue {
        key: k.to_string(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(v)),
        }),
        ..KeyValue::default()
    }
}

/// A span starting `ms` after 2026-12-01T00:00:00Z with these attributes.
fn span(id: u8, ms: u64, attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: vec![7; 16],
        span_id: vec![id; 8],
        name: "chat".to_string(),
        start_time_unix_nano: (1_796_083_200_000 + ms) * 1_000_000,
        end_time_unix_nano: (1_796_083_200_000 + ms + 900) * 1_000_000,
        attributes,
        ..Span::default()
    }
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![text("service.name", "shop")],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

/// A GenAI span of `model` with input and output tokens and a session.
fn genai(id: u8, ms: u64, model: &str, input: i64, output: i64, session: &str) -> Span {
    span(
        id,
        ms,
        vec![
            text("gen_ai.request.model", model),
            int("gen_ai.usage.input_tokens", input),
            int("gen_ai.usage.output_tokens", output),
            text("gen_ai.conversation.id", session),
            text("user.id", "alice"),
        ],
    )
}

/// Every row of the directory's data files.
fn rows(dir: &Path) -> Vec<serde_json::Value> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("spans-"))
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|n| {
            std::fs::read_to_string(dir.join(n))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Spans sent as protobuf, gzip-compressed protobuf and OTLP/JSON are kept (and only their
/// GenAI spans); the directory audits to the total priced by hand.
#[test]
fn collected_spans_audit_to_the_hand_computed_total() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &[]);
    // Protobuf: two GenAI spans (one Anthropic with cache reads) and a database span.
    let mut cached = genai(1, 5_000, "claude-sonnet-4-6", 10_000, 400, "s1");
    cached
        .attributes
        .push(int("gen_ai.usage.cache_read.input_tokens", 8_000));
    let pb = request(vec![
        cached,
        genai(2, 1_000, "gpt-4o-mini", 2_000, 100, "s2"),
        span(3, 2_000, vec![text("db.system", "postgresql")]),
    ]);
    let (status, head, body) = c.post("/v1/traces", &[PROTOBUF], &pb.encode_to_vec());
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("content-type: application/x-protobuf"),
        "{head}"
    );
    let response = ExportTraceServiceResponse::decode(body.as_slice()).unwrap();
    assert_eq!(response.partial_success, None);
    // Gzip-compressed protobuf.
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(
            &request(vec![genai(4, 9_000, "claude-sonnet-4-6", 1_000, 50, "s1")]).encode_to_vec(),
        )
        .unwrap();
        e.finish().unwrap()
    };
    let (status, head, _) = c.post("/v1/traces", &[PROTOBUF, ("Content-Encoding", "gzip")], &gz);
    assert_eq!(status, 200, "{head}");
    // OTLP/JSON, with one span whose usage cannot be read: a partial success naming it.
    let json_body = serde_json::to_vec(&request(vec![
        genai(5, 3_000, "gpt-4o-mini", 500, 20, "s3"),
        span(6, 4_000, vec![text("gen_ai.usage.input_tokens", "12k")]),
    ]))
    .unwrap();
    let (status, head, body) = c.post("/v1/traces", &[JSON], &json_body);
    assert_eq!(status, 200, "{head}");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["partialSuccess"]["rejectedSpans"], 1, "{v}");
    let message = v["partialSuccess"]["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("span 0606060606060606")
            && message.contains("gen_ai.usage.input_tokens: expected a whole number"),
        "{message}"
    );
    // The metrics count what is on disk, priced by hand at the catalog's prices (`tokencast
    // prices`): claude-sonnet-4-6 $3 input, $0.30 cache read, $15 output; gpt-4o-mini $0.15 /
    // $0.60 per million.
    let (status, metrics) = get(c.port, "/metrics");
    assert_eq!(status, 200);
    let value = |series: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} missing: {metrics}"))
    };
    assert_eq!(value("tokencast_collect_spans_total "), 4.0);
    assert_eq!(value("tokencast_collect_dropped_spans_total "), 1.0);
    assert_eq!(value("tokencast_collect_rejected_spans_total "), 1.0);
    assert_eq!(
        value("tokencast_cache_read_tokens_total{model=\"claude-sonnet-4-6\",endpoint=\"all\"} "),
        8_000.0
    );
    let claude = 2_000.0 * 3e-6 + 8_000.0 * 0.3e-6 + 400.0 * 15e-6 + 1_000.0 * 3e-6 + 50.0 * 15e-6;
    let mini = 2_000.0 * 0.15e-6 + 100.0 * 0.6e-6 + 500.0 * 0.15e-6 + 20.0 * 0.6e-6;
    let got = value("tokencast_cost_usd_total{model=\"claude-sonnet-4-6\",endpoint=\"all\"} ");
    assert!((got - claude).abs() < 1e-12, "{got} vs {claude}");
    let got = value("tokencast_cost_usd_total{model=\"gpt-4o-mini\",endpoint=\"all\"} ");
    assert!((got - mini).abs() < 1e-12, "{got} vs {mini}");
    // The page is the audit of what is on disk.
    let (status, page) = get(c.port, "/");
    assert_eq!(status, 200);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        page.contains("gpt-4o-mini") && page.contains("alice"),
        "{page}"
    );
    assert_eq!(get(c.port, "/healthz"), (200, "ok\n".to_string()));
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    let rows = rows(&dir);
    assert_eq!(rows.len(), 4, "{rows:?}");
    // Sorted by time when the file was closed, though sent out of order.
    let times: Vec<i64> = rows
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // Nothing but counts and labels.
    for r in &rows {
        for k in r.as_object().unwrap().keys() {
            assert!(
                [
                    "timestamp",
                    "input_tokens",
                    "output_tokens",
                    "session_id",
                    "user_id",
                    "model",
                    "cache_read_tokens",
                    "tags"
                ]
                .contains(&k.as_str()),
                "{k}"
            );
        }
        // The resource's service.name, as a tag.
        assert_eq!(r["tags"], serde_json::json!({"service": "shop"}), "{r}");
    }
    let expected = claude + mini;
    let report = json(&["audit", dir.to_str().unwrap()]);
    let got = report["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    assert_eq!(report["strategies"]["recorded"]["requests"]["mean"], 4.0);
    // `replay` and `fit` read the directory as one trace too.
    let replayed = json(&["replay", dir.to_str().unwrap(), "--model", "gpt-4o-mini"]);
    assert_eq!(replayed["strategies"]["baseline"]["requests"]["mean"], 4.0);
    let fitted = tmp.path().join("fitted.ron");
    crate::support::bin()
        .args(["fit", dir.to_str().unwrap(), "-o"])
        .arg(&fitted)
        .assert()
        .success();
    let scenario = std::fs::read_to_string(&fitted).unwrap();
    assert!(scenario.contains("claude-sonnet-4-6"), "{scenario}");
}

/// Bad bodies are refused with the status OTLP/HTTP gives them, and nothing is written.
#[test]
fn bad_requests_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &["--max-body-bytes", "2048"]);
    let good = request(vec![genai(1, 0, "gpt-4o-mini", 10, 1, "s")]);
    let bytes = good.encode_to_vec();
    // What is sent, its headers and body, and the status and text of the answer.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "malformed protobuf",
            vec![PROTOBUF],
            b"\xff\xff\xff".to_vec(),
            400,
            "not an OTLP",
        ),
        (
            "truncated protobuf",
            vec![PROTOBUF],
            bytes[..bytes.len() - 3].to_vec(),
            400,
            "not an OTLP",
        ),
        (
            "truncated JSON",
            vec![JSON],
            b"{\"resourceSpans\":[{\"scopeSpans\"".to_vec(),
            400,
            "OTLP/JSON",
        ),
        (
            "oversized",
            vec![PROTOBUF],
            vec![0x0a; 4096],
            413,
            "at most 2048 bytes (--max-body-bytes)",
        ),
        (
            "wrong content type",
            vec![("Content-Type", "text/plain")],
            bytes.clone(),
            415,
            "application/x-protobuf or application/json",
        ),
        ("no content type", vec![], bytes.clone(), 415, ""),
        (
            "not gzip",
            vec![PROTOBUF, ("Content-Encoding", "gzip")],
            bytes.clone(),
            400,
            "not gzip",
        ),
        (
            "unknown encoding",
            vec![PROTOBUF, ("Content-Encoding", "br")],
            bytes.clone(),
            415,
            "Content-Encoding br",
        ),
    ];
    for (what, headers, body, want, says) in cases {
        let (status, head, body) = c.post("/v1/traces", &headers, &body);
        assert_eq!(status, want, "{what}: {head}");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains(says), "{what}: {body}");
    }
    // A gzip bomb: small on the wire, over the limit once inflated.
    let bomb = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        e.finish().unwrap()
    };
    assert!(bomb.len() < 2048);
    let (status, _, body) = c.post("/v1/traces", &[JSON, ("Content-Encoding", "gzip")], &bomb);
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    // Only /v1/traces takes spans.
    let (status, _, _) = c.post("/v1/metrics", &[PROTOBUF], &bytes);
    assert_eq!(status, 404);
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    assert!(rows(&dir).is_empty());
}

/// Several clients send while the receiver is killed with SIGKILL; after a restart, every
/// span a client saw acknowledged is in the files exactly once, and no row is torn.
#[test]
fn acknowledged_spans_survive_sigkill_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &[]);
    let port = c.port;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let acked = Arc::clone(&acked);
            std::thread::spawn(move || {
                for i in 0u64.. {
                    let spans: Vec<Span> = (0..20u8)
                        .map(|k| {
                            genai(
                                k,
                                i * 10 + u64::from(k),
                                "gpt-4o-mini",
                                100,
                                10,
                                &format!("c{client}-r{i}-s{k}"),
                            )
                        })
                        .collect();
                    let body = request(spans).encode_to_vec();
                    // Anything but 200 (refused, or cut off) is not acknowledged.
                    if let Ok((200, _, _)) = post(port, "/v1/traces", &[PROTOBUF], &body) {
                        acked
                            .lock()
                            .unwrap()
                            .extend((0..20).map(|k| format!("c{client}-r{i}-s{k}")));
                    }
                    // Until the receiver is gone.
                    if post(port, "/healthz", &[], b"").is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    // Kill it mid-load, once some requests have been answered.
    while acked.lock().unwrap().len() < 2_000 {
        std::thread::sleep(Duration::from_millis(5));
    }
    c.kill();
    for t in clients {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    // A restart mends the files (a torn group cut, the file sorted) and takes new spans.
    let c = Collector::start(&dir, &[]);
    let (status, _, _) = c.post(
        "/v1/traces",
        &[PROTOBUF],
        &request(vec![genai(1, 0, "gpt-4o-mini", 1, 1, "after")]).encode_to_vec(),
    );
    assert_eq!(status, 200);
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for r in rows(&dir) {
        *seen
            .entry(r["session_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "a span written twice");
    for id in &acked {
        assert_eq!(seen.get(id), Some(&1), "acknowledged span {id} lost");
    }
    assert_eq!(seen.get("after"), Some(&1));
    // Every file reads as a trace.
    let report = json(&["audit", dir.to_str().unwrap()]);
    assert_eq!(
        report["strategies"]["recorded"]["requests"]["mean"]
            .as_f64()
            .unwrap(),
        seen.len() as f64
    );
}

/// When the rows cannot be written (a file-size limit standing in for a full disk), requests
/// are answered 503 with `Retry-After`, the receiver stays up, and every acknowledged row is
/// whole in the file.
#[test]
fn a_full_disk_answers_503_and_keeps_what_was_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // Files may grow to 8 KiB: about 60 rows.
    let c = Collector::start_with(&dir, &[], Some("--fsize=8192"));
    let mut acked = Vec::new();
    let mut refused = 0;
    for i in 0..40u64 {
        let id = format!("r{i}");
        let spans = (0..5u8)
            .map(|k| {
                genai(
                    k,
                    i * 10 + u64::from(k),
                    "gpt-4o-mini",
                    100,
                    10,
                    &format!("{id}-{k}"),
                )
            })
            .collect();
        let (status, head, _) = c.post("/v1/traces", &[PROTOBUF], &request(spans).encode_to_vec());
        match status {
            200 => acked.extend((0..5).map(|k| format!("{id}-{k}"))),
            503 => {
                assert!(
                    head.to_ascii_lowercase().contains("retry-after: 5"),
                    "{head}"
                );
                refused += 1;
            }
            other => panic!("status {other}: {head}"),
        }
    }
    assert!(refused > 0 && !acked.is_empty(), "{refused} refused");
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("cannot write the rows"), "{log}");
    let kept: Vec<String> = rows(&dir)
        .iter()
        .map(|r| r["session_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept, acked);
}

/// `--hash-user-ids` keeps a keyed hash of each user id, the same one after a restart.
#[test]
fn user_ids_are_hashed_with_a_kept_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let send = |c: &Collector| {
        let (status, _, _) = c.post(
            "/v1/traces",
            &[PROTOBUF],
            &request(vec![genai(1, 0, "gpt-4o-mini", 1, 1, "s")]).encode_to_vec(),
        );
        assert_eq!(status, 200);
    };
    let c = Collector::start(&dir, &["--hash-user-ids"]);
    send(&c);
    c.stop();
    let c = Collector::start(&dir, &["--hash-user-ids"]);
    send(&c);
    c.stop();
    let users: Vec<String> = rows(&dir)
        .iter()
        .map(|r| r["user_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0], users[1]);
    assert_ne!(users[0], "alice");
    assert!(users[0].len() == 64 && users[0].bytes().all(|b| b.is_ascii_hexdigit()));
    let key = std::fs::metadata(dir.join(".user-key")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
}

/// Two receivers cannot share a directory.
#[test]
fn a_second_receiver_on_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_tokencast"))
        .args(["collect", "--listen", "127.0.0.1:0", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another `tokencast collect` is writing"),
        "{err}"
    );
    c.stop();
}

/// OTLP/gRPC, from tonic's client (gzip on): spans kept as over HTTP, a partial success for a
/// span whose usage cannot be read, and a message over the limit refused.
#[test]
fn spans_sent_over_grpc_are_kept() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &["--max-body-bytes", "4096"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{}", c.grpc))
            .await
            .unwrap()
            .send_compressed(tonic::codec::CompressionEncoding::Gzip);
        let response = client
            .export(request(vec![
                genai(1, 2_000, "gpt-4o-mini", 2_000, 100, "g1"),
                genai(2, 1_000, "gpt-4o-mini", 500, 20, "g2"),
                span(3, 0, vec![text("gen_ai.usage.output_tokens", "lots")]),
                span(4, 0, vec![text("http.method", "GET")]),
            ]))
            .await
            .unwrap()
            .into_inner();
        let partial = response.partial_success.unwrap();
        assert_eq!(partial.rejected_spans, 1);
        assert!(
            partial.error_message.contains("span 0404040404040404")
                || partial.error_message.contains("span 0303030303030303"),
            "{}",
            partial.error_message
        );
        // Over --max-body-bytes (uncompressed: gzip is inflated before the check).
        let big: Vec<Span> = (0..200u8)
            .map(|k| genai(k, 0, "gpt-4o-mini", 1, 1, "big"))
            .collect();
        let err = client.export(request(big)).await.unwrap_err();
        // Gzip: tonic's check of the inflated size.
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("4096"), "{err:?}");
    });
    // The client's connection closes with its runtime.
    drop(runtime);
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    let sessions: Vec<String> = rows(&dir)
        .iter()
        .map(|r| r["session_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sessions, ["g2", "g1"]);
}

/// A client that never finishes its request does not hold a stop: past the drain time the
/// receiver closes it and exits.
#[test]
fn a_stalled_client_does_not_hold_a_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &[]);
    let mut s = TcpStream::connect(("127.0.0.1", c.port)).unwrap();
    s.write_all(
        b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"resourceSpans\"",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("still open 5 s after the signal"), "{log}");
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(s);
}

/// The retry delay in seconds of a `google.rpc.Status` holding one `google.rpc.RetryInfo`
/// (decoded by hand: field 3 `details`, an `Any` whose field 2 holds RetryInfo, whose field 1
/// is a Duration whose field 1 is seconds).
fn retry_details(status: &[u8]) -> Option<i64> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct RpcStatus {
        #[prost(message, repeated, tag = "3")]
        details: Vec<AnyMsg>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct AnyMsg {
        #[prost(string, tag = "1")]
        type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        value: Vec<u8>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        delay: Option<Seconds>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Seconds {
        #[prost(int64, tag = "1")]
        seconds: i64,
    }
    let status = RpcStatus::decode(status).ok()?;
    let [any] = status.details.as_slice() else {
        return None;
    };
    (any.type_url == "type.googleapis.com/google.rpc.RetryInfo").then_some(())?;
    Some(RetryInfo::decode(any.value.as_slice()).ok()?.delay?.seconds)
}

/// `--token-file`: requests without the bearer token are refused (401; gRPC
/// `UNAUTHENTICATED`), the page and metrics too; `--max-requests-per-second`: past it, 429
/// with `Retry-After: 1`. Nothing refused is written.
#[test]
fn a_token_and_a_rate_limit_are_enforced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let token = tmp.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let c = Collector::start(
        &dir,
        &[
            "--token-file",
            token.to_str().unwrap(),
            "--max-requests-per-second",
            "2",
        ],
    );
    let body = request(vec![genai(1, 0, "gpt-4o-mini", 10, 1, "s")]).encode_to_vec();
    let (status, head, _) = c.post("/v1/traces", &[PROTOBUF], &body);
    assert_eq!(status, 401, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("www-authenticate: bearer"),
        "{head}"
    );
    let wrong = ("Authorization", "Bearer s3cre");
    assert_eq!(c.post("/v1/traces", &[PROTOBUF, wrong], &body).0, 401);
    assert_eq!(get(c.port, "/metrics").0, 401);
    assert_eq!(get(c.port, "/").0, 401);
    assert_eq!(get(c.port, "/healthz").0, 200);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
        let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{}", c.grpc))
            .await
            .unwrap();
        let err = client
            .export(request(vec![genai(1, 0, "gpt-4o-mini", 10, 1, "g")]))
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
    });
    drop(runtime);
    // With the token: two a second, then 429.
    let right = ("Authorization", "Bearer s3cret");
    let statuses: Vec<(u16, String)> = (0..3)
        .map(|_| {
            let (status, head, _) = c.post("/v1/traces", &[PROTOBUF, right], &body);
            (status, head.to_ascii_lowercase())
        })
        .collect();
    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[1].0, 200);
    assert_eq!(statuses[2].0, 429, "{}", statuses[2].1);
    assert!(
        statuses[2].1.contains("retry-after: 1"),
        "{}",
        statuses[2].1
    );
    // Over gRPC too, with the RetryInfo that makes RESOURCE_EXHAUSTED retryable for OTLP
    // exporters: a google.rpc.Status whose one detail is RetryInfo { retry_delay: 1 s }.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
        let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{}", c.grpc))
            .await
            .unwrap();
        let mut req = tonic::Request::new(request(vec![genai(1, 0, "gpt-4o-mini", 10, 1, "g")]));
        req.metadata_mut()
            .insert("authorization", "Bearer s3cret".parse().unwrap());
        let err = client.export(req).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        let details = retry_details(err.details());
        assert_eq!(details, Some(1), "{err:?}");
    });
    drop(runtime);
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    assert_eq!(rows(&dir).len(), 2);
}

/// The Python interpreter of a virtual environment with the OpenTelemetry SDK and its OTLP
/// exporters (`.ci/otel-python.sh` makes one and prints it).
fn otel_python() -> String {
    std::env::var("TOKENCAST_TEST_OTEL_PYTHON").unwrap_or_else(|_| {
        panic!(
            "TOKENCAST_TEST_OTEL_PYTHON is not set: make the environment with \
             .ci/otel-python.sh and set it to the python it prints"
        )
    })
}

/// Send `spans` (with the resource `resource`) to the receiver with the OpenTelemetry Python
/// SDK over `protocol` (`http` or `grpc`), through tests/otel/send_spans.py; it fails unless
/// every span was acknowledged.
fn send_with_python_sdk(
    protocol: &str,
    endpoint: &str,
    resource: serde_json::Value,
    spans: &[serde_json::Value],
) {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec.json");
    std::fs::write(
        &spec,
        serde_json::json!({"resource": resource, "spans": spans}).to_string(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otel/send_spans.py");
    let out = Command::new(otel_python())
        .arg(script)
        .args([protocol, endpoint])
        .arg(&spec)
        .output()
        .expect("the Python SDK client runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{protocol}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["exported"], spans.len(), "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
}

/// One span of the Python client's spec, `ms` after 2026-12-01T00:00:00Z.
fn sdk_span(
    name: &str,
    ms: u64,
    parent: Option<usize>,
    attributes: serde_json::Value,
) -> serde_json::Value {
    let start = (1_796_083_200_000 + ms) * 1_000_000;
    serde_json::json!({
        "name": name,
        "start_ns": start,
        "end_ns": start + 700_000_000,
        "parent": parent,
        "attributes": attributes,
    })
}

/// A real client: the OpenTelemetry Python SDK's BatchSpanProcessor with its OTLP/HTTP
/// exporter (protobuf, gzip) and its OTLP/gRPC exporter, as an instrumented application sends
/// GenAI spans (an agent span over chat spans, a span that is not GenAI, Anthropic's raw
/// uncached input, a model without a price). The collected directory audits to the total
/// priced by hand, by provider, endpoint and service; the metrics count the unpriced model.
#[test]
#[ignore = "needs the OpenTelemetry Python SDK (TOKENCAST_TEST_OTEL_PYTHON; .ci/otel-python.sh)"]
fn the_opentelemetry_python_sdk_sends_over_http_and_grpc() {
    use serde_json::json;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let c = Collector::start(&dir, &[]);
    // Prices (`tokencast prices`): gpt-4o-mini $0.15 input, $0.60 output; claude-sonnet-4-6
    // $3 input, $0.30 cache read, $15 output, per million tokens.
    let mini = |input: u64, output: u64| input as f64 * 0.15e-6 + output as f64 * 0.6e-6;
    let sonnet = |uncached: u64, read: u64, output: u64| {
        uncached as f64 * 3e-6 + read as f64 * 0.3e-6 + output as f64 * 15e-6
    };
    // Over HTTP: an agent span carrying the run's totals (not a request: left out), sixty chat
    // spans under it, and a span that is not GenAI.
    let mut spans = vec![sdk_span(
        "invoke_agent support",
        0,
        None,
        json!({
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "support",
            "gen_ai.usage.input_tokens": 99_999,
            "gen_ai.usage.output_tokens": 9_999,
        }),
    )];
    let (mut support, mut anthropic) = (0.0, 0.0);
    for i in 0..60u64 {
        let (input, output) = (1_000 + 37 * i, 50 + i);
        let mut a = json!({
            "gen_ai.operation.name": "chat",
            "gen_ai.agent.name": "support",
            "gen_ai.conversation.id": format!("c{}", i % 6),
            "user.id": format!("u{}", i % 4),
            "gen_ai.usage.input_tokens": input,
            "gen_ai.usage.output_tokens": output,
        });
        if i % 3 == 0 {
            // Input including the 800 cached tokens (OpenTelemetry's convention).
            a["gen_ai.provider.name"] = json!("anthropic");
            a["gen_ai.request.model"] = json!("claude-sonnet-4-6");
            a["gen_ai.usage.cache_read.input_tokens"] = json!(800);
            support += sonnet(input - 800, 800, output);
            anthropic += sonnet(input - 800, 800, output);
        } else {
            a["gen_ai.provider.name"] = json!("openai");
            a["gen_ai.request.model"] = json!("gpt-4o-mini");
            support += mini(input, output);
        }
        spans.push(sdk_span("chat", 1_000 * (i + 1), Some(0), a));
    }
    spans.push(sdk_span(
        "GET /orders",
        500,
        None,
        json!({"http.request.method": "GET", "http.response.status_code": 200}),
    ));
    let resource = json!({"service.name": "shop", "deployment.environment.name": "prod"});
    let http = format!("http://127.0.0.1:{}", c.port);
    send_with_python_sdk("http", &http, resource, &spans);
    // Over gRPC, from another service: forty chat spans of a workflow, one Anthropic span
    // giving its raw uncached input (200 of 3,200, the rest read from the cache), and one of a
    // model the catalog does not price.
    let mut spans = Vec::new();
    let mut search = 0.0;
    for i in 0..40u64 {
        spans.push(sdk_span(
            "chat",
            100_000 + 500 * i,
            None,
            json!({
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "traceloop.workflow.name": "search",
                "gen_ai.usage.input_tokens": 500 + i,
                "gen_ai.usage.output_tokens": 20,
            }),
        ));
        search += mini(500 + i, 20);
    }
    spans.push(sdk_span(
        "chat",
        130_000,
        None,
        json!({
            "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-6",
            "traceloop.workflow.name": "search",
            "gen_ai.usage.input_tokens": 200,
            "gen_ai.usage.cache_read.input_tokens": 3_000,
            "gen_ai.usage.output_tokens": 90,
        }),
    ));
    search += sonnet(200, 3_000, 90);
    anthropic += sonnet(200, 3_000, 90);
    spans.push(sdk_span(
        "chat",
        131_000,
        None,
        json!({
            "gen_ai.request.model": "acme-llm-1",
            "traceloop.workflow.name": "search",
            "gen_ai.usage.input_tokens": 100,
            "gen_ai.usage.output_tokens": 10,
        }),
    ));
    let grpc = format!("http://127.0.0.1:{}", c.grpc);
    send_with_python_sdk("grpc", &grpc, json!({"service.name": "search-api"}), &spans);
    let (status, metrics) = get(c.port, "/metrics");
    assert_eq!(status, 200);
    for line in [
        "tokencast_collect_spans_total 102",
        "tokencast_collect_dropped_spans_total 2",
        "tokencast_collect_unpriced_spans_total{model=\"acme-llm-1\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}: {metrics}");
    }
    let (code, log) = c.stop();
    assert_eq!(code, 0, "{log}");
    // The built-in catalog lacks acme-llm-1: the audit names its row. A price map with it (the
    // same prices for the other two) prices every row as by hand.
    let err = crate::support::bin()
        .args(["audit", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains(".jsonl:102: unknown model \"acme-llm-1\""),
        "{err}"
    );
    let prices = tmp.path().join("prices.json");
    std::fs::write(
        &prices,
        json!({
            "gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat",
                "input_cost_per_token": 0.15e-6, "output_cost_per_token": 0.6e-6},
            "claude-sonnet-4-6": {"litellm_provider": "anthropic", "mode": "chat",
                "input_cost_per_token": 3e-6, "output_cost_per_token": 15e-6,
                "cache_read_input_token_cost": 0.3e-6,
                "cache_creation_input_token_cost": 3.75e-6},
            "acme-llm-1": {"litellm_provider": "acme", "mode": "chat",
                "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
        })
        .to_string(),
    )
    .unwrap();
    let acme = 100.0 * 1e-6 + 10.0 * 2e-6;
    search += acme;
    let report = json(&[
        "audit",
        dir.to_str().unwrap(),
        "--prices",
        prices.to_str().unwrap(),
        "--by",
        "endpoint",
        "--by",
        "provider",
        "--by",
        "service",
    ]);
    assert_eq!(report["audit"]["rows"], 102, "{}", report["audit"]);
    let got = report["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    let expected = support + search;
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    let cost = |k: usize, value: &str| -> f64 {
        report["audit"]["breakdowns"][k]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["value"] == value)
            .unwrap_or_else(|| panic!("{value}: {}", report["audit"]["breakdowns"][k]))["cost_usd"]
            .as_f64()
            .unwrap()
    };
    assert!((cost(0, "support") - support).abs() < 1e-12);
    assert!((cost(0, "search") - search).abs() < 1e-12);
    assert!((cost(2, "shop") - support).abs() < 1e-12);
    assert!((cost(2, "search-api") - search).abs() < 1e-12);
    assert!((cost(1, "anthropic") - anthropic).abs() < 1e-12);
    assert!((cost(1, "openai") - (expected - anthropic - acme)).abs() < 1e-12);
    // A span naming no provider.
    assert!((cost(1, "(none)") - acme).abs() < 1e-15);
    // Sessions and users as sent; no span name or other attribute is kept.
    let rows = rows(&dir);
    assert_eq!(rows.len(), 102);
    assert!(rows.iter().all(|r| !r.to_string().contains("GET /orders")));
    assert_eq!(
        rows.iter()
            .filter(|r| r["session_id"] == "c0" && r["user_id"] == "u0")
            .count(),
        5
    );
}
