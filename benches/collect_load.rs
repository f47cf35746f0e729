//! Load on `tokencast collect` over loopback: the release binary run as a process, sent OTLP/HTTP
//! protobuf exports of GenAI spans from several keep-alive connections for a bounded time, with
//! the durability contract on (every 200 means the rows were fsynced).
//!
//! ```sh
//! cargo bench --bench collect_load                         # 60 s, 4 connections, 512 spans/export
//! cargo bench --bench collect_load -- --seconds 600        # the 10-minute soak
//! cargo bench --bench collect_load -- --connections 8 --spans 100
//! ```
//!
//! It prints, every `--every` seconds, the spans acknowledged per second and the receiver's
//! resident memory; at the end, sustained spans/s, the latency of an export (P50, P99, P99.9,
//! max: from the first byte sent to the last byte of the answer), the receiver's peak resident
//! memory (VmHWM) and CPU time per million spans. Then it stops the receiver with SIGTERM and
//! counts the rows in its files: they must equal the spans acknowledged, or it exits 1.
//!
//! The client runs on the same machine (here 2 cores), so the figures are of the receiver and
//! its load generator sharing the cores. A plain `harness = false` bench: latency percentiles
//! and memory are not what criterion measures.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

struct Options {
    seconds: u64,
    connections: usize,
    spans: usize,
    every: u64,
}

fn options() -> Result<Option<Options>, String> {
    let mut o = Options {
        seconds: 60,
        connections: 4,
        spans: 512,
        every: 10,
    };
    let mut bench = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name}: needs a value"))?;
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{name}: expected a whole number > 0, got {v:?}"))
        };
        match a.as_str() {
            // cargo bench passes --bench; cargo test passes neither.
            "--bench" => bench = true,
            "--seconds" => o.seconds = value("--seconds")?.min(3_600),
            "--connections" => o.connections = value("--connections")?.min(256) as usize,
            "--spans" => o.spans = value("--spans")?.min(10_000) as usize,
            "--every" => o.every = value("--every")?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; expected --seconds N (at most 3600), \
                     --connections N (at most 256), --spans N (spans per export, at most \
                     10000), --every N (seconds between progress lines)"
                ));
            }
        }
    }
    Ok(bench.then_some(o))
}

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

/// Export `b` of `spans` GenAI spans, as an instrumented chat service sends them: the
/// attributes of the GenAI semantic conventions (several that are not kept), one model of
/// three, a conversation, an agent and a user.
fn export_body(b: u64, spans: usize) -> Vec<u8> {
    const MODELS: [(&str, &str); 3] = [
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-sonnet-4-6"),
        ("openai", "gpt-4.1"),
    ];
    let base_ms = 1_796_083_200_000u64 + b * 60_000;
    let spans = (0..spans as u64)
        .map(|i| {
            let k = b * 100_003 + i;
            let (provider, model) = MODELS[(k % 3) as usize];
            let start = (base_ms + i * 97) * 1_000_000;
            let mut attributes = vec![
                text("gen_ai.operation.name", "chat"),
                text("gen_ai.provider.name", provider),
                text("gen_ai.request.model", model),
                text("gen_ai.response.model", model),
                text("gen_ai.response.id", &format!("chatcmpl-{k:016x}")),
                text("gen_ai.conversation.id", &format!("conv-{}", k % 5_000)),
                text(
                    "gen_ai.agent.name",
                    ["support", "search", "triage"][(k % 7 % 3) as usize],
                ),
                text("user.id", &format!("user-{}", k % 1_500)),
                text("server.address", "api.example.com"),
                int("gen_ai.request.max_tokens", 1_024),
                int(
                    "gen_ai.usage.input_tokens",
                    800 + (k * 7_919 % 6_000) as i64,
                ),
                int(
                    "gen_ai.usage.output_tokens",
                    40 + (k * 104_729 % 600) as i64,
                ),
            ];
            if provider == "anthropic" {
                attributes.push(int("gen_ai.usage.cache_read.input_tokens", 512));
            }
            Span {
                trace_id: k.to_be_bytes().repeat(2),
                span_id: k.to_le_bytes().to_vec(),
                name: format!("chat {model}"),
                kind: 3,
                start_time_unix_nano: start,
                end_time_unix_nano: start + 850_000_000,
                attributes,
                ..Span::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", "chat-api"),
                    text("deployment.environment.name", "load"),
                    text("telemetry.sdk.language", "rust"),
                ],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
    .encode_to_vec()
}

/// One keep-alive HTTP/1.1 connection's exports: (status, microseconds) per export.
fn post(s: &mut TcpStream, body: &[u8], reader: &mut BufReader<TcpStream>) -> Option<u16> {
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
    }
    let mut rest = vec![0; length];
    reader.read_exact(&mut rest).ok()?;
    Some(status)
}

/// A field of /proc/PID/status in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// The process's user + system CPU time in seconds (/proc/PID/stat, clock ticks of 1/100 s).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat; here 12 and 13 after the state.
    (ticks(11) + ticks(12)) / 100.0
}

fn rows_on_disk(dir: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("spans-") && name.ends_with(".jsonl") {
            let mut f = std::fs::File::open(e.path()).unwrap();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let got = f.read(&mut buf).unwrap();
                if got == 0 {
                    break;
                }
                n += buf[..got].iter().filter(|b| **b == b'\n').count() as u64;
            }
        }
    }
    n
}

fn main() {
    let o = match options() {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("collect_load: a load run; start it with `cargo bench --bench collect_load`");
            return;
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let dir = tmp.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokencast"))
        .args(["collect", "--dir"])
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0", "--no-grpc"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tokencast collect starts");
    let pid = child.id();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let port: u16 = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("collect exited before listening");
        }
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap();
        }
    };
    let log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new((0..64).map(|b| export_body(b, o.spans)).collect());
    println!(
        "collect_load: {} s, {} connections, {} GenAI spans per export ({} KiB protobuf), \
         durability on (fdatasync before each answer)",
        o.seconds,
        o.connections,
        o.spans,
        bodies[0].len() / 1024
    );
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..o.connections)
        .map(|c| {
            let (bodies, acked, stop) = (bodies.clone(), acked.clone(), stop.clone());
            let spans = o.spans as u64;
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_nodelay(true).unwrap();
                let mut reader = BufReader::new(s.try_clone().unwrap());
                let mut latencies_us = Vec::new();
                let mut refused = 0u64;
                let mut k = c;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    match post(&mut s, &bodies[k % bodies.len()], &mut reader) {
                        Some(200) => {
                            latencies_us.push(t.elapsed().as_micros() as u64);
                            acked.fetch_add(spans, Ordering::Relaxed);
                        }
                        Some(_) => {
                            refused += 1;
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        None => panic!("the connection to the receiver failed"),
                    }
                    k += o.connections;
                }
                (latencies_us, refused)
            })
        })
        .collect();
    let started = Instant::now();
    let cpu0 = cpu_seconds(pid);
    let (mut last_n, mut last_t) = (0u64, started);
    let mut rss_mb = Vec::new();
    while started.elapsed() < Duration::from_secs(o.seconds) {
        std::thread::sleep(Duration::from_secs(1));
        rss_mb.push(status_kb(pid, "VmRSS:") as f64 / 1024.0);
        let elapsed = started.elapsed().as_secs();
        if elapsed.is_multiple_of(o.every) || elapsed >= o.seconds {
            let n = acked.load(Ordering::Relaxed);
            let now = Instant::now();
            println!(
                "  {elapsed:>5} s  {:>9.0} spans/s  RSS {:>6.1} MiB",
                (n - last_n) as f64 / (now - last_t).as_secs_f64(),
                rss_mb.last().unwrap()
            );
            (last_n, last_t) = (n, now);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut refused = 0;
    for c in clients {
        let (l, r) = c.join().unwrap();
        latencies.extend(l);
        refused += r;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu0;
    let peak_mb = status_kb(pid, "VmHWM:") as f64 / 1024.0;
    let n = acked.load(Ordering::Relaxed);
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |us| *us as f64 / 1000.0)
    };
    let kill = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    let log = log.join().unwrap();
    let on_disk = rows_on_disk(&dir);
    let tail = |v: &[f64]| {
        v.iter()
            .skip(v.len() / 10)
            .copied()
            .fold(f64::NAN, f64::max)
    };
    println!(
        "sustained: {:.0} spans/s acknowledged ({n} spans in {} exports over {wall:.1} s; {refused} \
         answered 429/503)",
        n as f64 / wall,
        latencies.len()
    );
    println!(
        "export latency: P50 {:.1} ms, P99 {:.1} ms, P99.9 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        latencies.last().map_or(0.0, |us| *us as f64 / 1000.0)
    );
    println!(
        "receiver memory: peak {peak_mb:.1} MiB resident; after the first tenth of the run \
         between {:.1} and {:.1} MiB",
        rss_mb
            .iter()
            .skip(rss_mb.len() / 10)
            .copied()
            .fold(f64::NAN, f64::min),
        tail(&rss_mb)
    );
    println!(
        "receiver CPU: {cpu:.1} s over {wall:.1} s ({:.2} CPU-s per million spans)",
        cpu / (n as f64 / 1e6)
    );
    println!("rows on disk after SIGTERM: {on_disk} (acknowledged: {n})");
    if !exit.success() || on_disk != n {
        eprintln!("error: the receiver exited {exit} or lost rows; its log:\n{log}");
        std::process::exit(1);
    }
}
