//! OpenTelemetry GenAI spans (OTLP/JSON lines and length-framed OTLP protobuf, as the
//! collector's file exporter writes them): pricing, attribute spellings, the input-token
//! normalisation by provider, skipped spans, and bad input.

use std::io::{Cursor, Write};

use predicates::prelude::*;
use tokencast::workload::trace::{TraceFormat, TraceReader, TraceRecord};

use crate::support::{bin, json, repo};

const JSONL: &str = "tests/fixtures/sources/otlp/traces.jsonl";
const PB: &str = "tests/fixtures/sources/otlp/traces.pb";

fn audit_json(path: &str) -> serde_json::Value {
    json(&["audit", path])
}

/// The records of `text` read as OTLP/JSON (detected).
fn records(text: &str) -> Vec<Result<TraceRecord, String>> {
    let reader =
        TraceReader::from_reader("spans.jsonl", Box::new(Cursor::new(text.to_string())), None)
            .unwrap();
    assert_eq!(reader.format(), TraceFormat::OtlpJson);
    reader.map(|r| r.map_err(|e| e.to_string())).collect()
}

/// One OTLP/JSON line holding one span with `attrs` (`key: value-object` JSON pairs).
fn line(attrs: &[(&str, &str)]) -> String {
    let attrs: Vec<String> = attrs
        .iter()
        .map(|(k, v)| format!(r#"{{"key":"{k}","value":{v}}}"#))
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"resource":{{}},"scopeSpans":[{{"spans":[{{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"00000000000000aa","name":"chat","startTimeUnixNano":"1793610000000000000","attributes":[{}]}}]}}]}}]}}"#,
        attrs.join(",")
    ) + "\n"
}

/// Every span of the fixture priced by hand at the catalog's prices (`tokencast prices`):
/// gpt-4o-mini $0.15 / $0.075 cache read / $0.60 per million; gpt-5.4-mini $0.75 / $4.50
/// (reasoning too); claude-sonnet-4-6 $3 / $0.30 read / $3.75 5-minute write / $15.
#[test]
fn genai_spans_are_priced_exactly_as_recorded() {
    let v = audit_json(JSONL);
    let spans = [
        // Anthropic raw input: 12 uncached, 8000 read, 500 written; 300 output.
        12.0 * 3e-6 + 8000.0 * 0.3e-6 + 500.0 * 3.75e-6 + 300.0 * 15e-6,
        // OpenAI: 1520 input of which 1024 cached; 210 output.
        496.0 * 0.15e-6 + 1024.0 * 0.075e-6 + 210.0 * 0.6e-6,
        // gpt-5.4-mini: 2000 input; 900 output of which 600 reasoning (same rate).
        2000.0 * 0.75e-6 + 900.0 * 4.5e-6,
        // OpenLLMetry Anthropic, cache-inclusive prompt_tokens 3000 = 200 + 2500 + 300.
        200.0 * 3e-6 + 2500.0 * 0.3e-6 + 300.0 * 3.75e-6 + 150.0 * 15e-6,
        // llm.usage.* on gpt-4o-mini.
        400.0 * 0.15e-6 + 50.0 * 0.6e-6,
    ];
    let expected: f64 = spans.iter().sum();
    let r = &v["strategies"]["recorded"];
    let got = r["cost_usd"]["mean"].as_f64().unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    assert_eq!(r["tokens"]["cache_read"], 8000.0 + 1024.0 + 2500.0);
    assert_eq!(r["tokens"]["cache_write_5m"], 500.0 + 300.0);
    assert_eq!(r["tokens"]["reasoning"], 600.0);
    let a = &v["audit"];
    assert_eq!(a["format"], "otlp-json");
    assert_eq!(a["rows"], 5);
    assert_eq!(
        a["ignored"],
        serde_json::json!([
            {"reason": "spans without GenAI usage", "count": 2},
            {"reason": "agent and workflow spans (usage counted on their model calls)", "count": 1},
        ])
    );
    // Endpoints: gen_ai.agent.name, else traceloop.workflow.name, else none.
    let endpoints: Vec<&str> = a["endpoints_pareto"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, ["research", "support", "all"]);
    // u3 is the resource's enduser.id, for the three spans of line 2.
    assert_eq!(a["top_users"][0]["name"], "u3");
    assert_eq!(a["top_users"][0]["requests"], 3);
    assert_eq!(a["users"], 3);
}

/// The protobuf file holds the same requests as the JSON one: the same report, but for the
/// format's name and the file (path and digest).
#[test]
fn protobuf_and_json_give_the_same_report() {
    let mut j = audit_json(JSONL);
    let mut p = audit_json(PB);
    assert_eq!(p["audit"]["format"], "otlp-proto");
    assert_ne!(p["scenario"]["sha256"], j["scenario"]["sha256"]);
    for v in [&mut j, &mut p] {
        v["audit"]["format"] = serde_json::Value::Null;
        v["scenario"]["sha256"] = serde_json::Value::Null;
        let s = serde_json::to_string(v).unwrap();
        *v = serde_json::from_str(&s.replace(PB, "TRACE").replace(JSONL, "TRACE")).unwrap();
    }
    assert_eq!(j, p);
}

/// The table shows the spans left out, and why.
#[test]
fn the_table_counts_the_ignored_spans() {
    bin()
        .args(["audit", PB])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "audit: 5 rows (otlp-proto format)\n  ignored                     2 spans without GenAI usage\n  ignored                     1 agent and workflow spans",
        ));
}

/// Rows come out in start-time order within a line, numbered by their line, with the
/// attributes mapped as documented.
#[test]
fn spans_become_rows_in_time_order_with_their_attributes() {
    let text = std::fs::read_to_string(repo(JSONL)).unwrap();
    let rows: Vec<TraceRecord> = records(&text).into_iter().map(|r| r.unwrap()).collect();
    let times: Vec<i64> = rows.iter().map(|r| r.time_ms).collect();
    let t0 = 1_793_610_000_000;
    assert_eq!(
        times,
        [t0 + 1000, t0 + 2000, t0 + 10_000, t0 + 11_000, t0 + 13_000]
    );
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [1, 1, 2, 2, 2]
    );
    let claude = &rows[0];
    assert_eq!(claude.input_tokens, 8512);
    assert_eq!(claude.cache_read_tokens, Some(8000));
    assert_eq!(claude.cache_write_tokens, Some(500));
    assert_eq!(claude.provider.as_deref(), Some("anthropic"));
    assert_eq!(claude.session_id.as_deref(), Some("conv_2"));
    assert_eq!(claude.user_id.as_deref(), Some("u2"));
    assert_eq!(
        claude.tags,
        [
            ("service".to_string(), "support-bot".to_string()),
            ("environment".to_string(), "prod".to_string())
        ]
    );
    // The request model, not the response's dated snapshot.
    assert_eq!(rows[1].model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(rows[1].input_tokens, 1520);
    assert_eq!(rows[2].reasoning_tokens, Some(600));
    assert_eq!(rows[2].endpoint.as_deref(), Some("research"));
    assert_eq!(rows[2].user_id.as_deref(), Some("u3"));
    assert_eq!(rows[2].tags[1], ("environment".into(), "staging".into()));
    // The legacy spellings: gen_ai.system, prompt/completion tokens, underscore cache keys.
    assert_eq!(rows[3].provider.as_deref(), Some("anthropic"));
    assert_eq!((rows[3].input_tokens, rows[3].output_tokens), (3000, 150));
    assert_eq!(rows[3].cache_read_tokens, Some(2500));
    assert_eq!((rows[4].input_tokens, rows[4].output_tokens), (400, 50));
}

/// Anthropic's raw input_tokens excludes cache tokens, OpenAI's includes them; the
/// instrumentations following the GenAI conventions already add Anthropic's cache tokens.
#[test]
fn input_tokens_are_normalised_by_provider() {
    let anthropic = r#"{"stringValue":"anthropic"}"#;
    let openai = r#"{"stringValue":"openai"}"#;
    let n = |v: u64| format!(r#"{{"intValue":"{v}"}}"#);
    let input = |provider: &str, input: u64, read: u64, write: u64, extra: &[(&str, String)]| {
        let mut attrs = vec![
            ("gen_ai.provider.name", provider.to_string()),
            ("gen_ai.usage.input_tokens", n(input)),
            ("gen_ai.usage.cache_read.input_tokens", n(read)),
            ("gen_ai.usage.cache_creation.input_tokens", n(write)),
            ("gen_ai.usage.output_tokens", n(100)),
        ];
        attrs.extend(extra.iter().cloned());
        let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        records(&line(&attrs)).remove(0).map(|r| r.input_tokens)
    };
    // Anthropic, raw: fewer input tokens than cache tokens, so the uncached part only.
    assert_eq!(input(anthropic, 12, 8000, 500, &[]), Ok(8512));
    // Anthropic, raw, told by a total of input + output + cache tokens.
    let total = [("gen_ai.usage.total_tokens", n(5000 + 100 + 1000 + 200))];
    assert_eq!(input(anthropic, 5000, 1000, 200, &total), Ok(6200));
    // Anthropic, inclusive (opentelemetry-python-contrib and OpenLLMetry): as given.
    assert_eq!(input(anthropic, 8512, 8000, 500, &[]), Ok(8512));
    let total = [("gen_ai.usage.total_tokens", n(6200 + 100))];
    assert_eq!(input(anthropic, 6200, 1000, 200, &total), Ok(6200));
    // A Claude model through another provider is Anthropic's usage too.
    let bedrock = r#"{"stringValue":"aws.bedrock"}"#;
    let claude = [(
        "gen_ai.request.model",
        r#"{"stringValue":"anthropic.claude-sonnet-4-6"}"#.to_string(),
    )];
    assert_eq!(input(bedrock, 12, 8000, 500, &claude), Ok(8512));
    // OpenAI: prompt tokens include cached ones, as given.
    assert_eq!(input(openai, 1520, 1024, 0, &[]), Ok(1520));
    // ... so fewer input than cached tokens is an error, not a guess.
    let e = input(openai, 12, 8000, 0, &[]).unwrap_err();
    assert!(
        e.starts_with("spans.jsonl:1: span 00000000000000aa \"chat\": cache_read_tokens"),
        "{e}"
    );
    assert!(e.contains("exceed input_tokens (12)"), "{e}");
}

/// A token attribute that is not a count is an error naming the file, line, span and
/// attribute, and what was found.
#[test]
fn a_token_attribute_that_is_not_a_number_is_named() {
    let rows = records(&line(&[
        ("gen_ai.usage.input_tokens", r#"{"stringValue":"many"}"#),
        ("gen_ai.usage.output_tokens", r#"{"intValue":"3"}"#),
    ]));
    assert_eq!(
        rows[0].as_ref().unwrap_err(),
        "spans.jsonl:1: span 00000000000000aa \"chat\": attribute gen_ai.usage.input_tokens: \
         expected a whole number of tokens >= 0, got stringValue \"many\""
    );
    // Whole doubles and digit strings are counts.
    let rows = records(&line(&[
        ("gen_ai.usage.input_tokens", r#"{"doubleValue":40}"#),
        ("gen_ai.usage.output_tokens", r#"{"stringValue":"3"}"#),
    ]));
    let r = rows[0].as_ref().unwrap();
    assert_eq!((r.input_tokens, r.output_tokens), (40, 3));
    // A line that is not a request names its line.
    let rows = records(&format!("{}{{\"resourceSpans\": 5}}\n", line(&[])));
    assert!(
        rows[0]
            .as_ref()
            .unwrap_err()
            .starts_with("spans.jsonl:2: not an OTLP/JSON ExportTraceServiceRequest"),
        "{rows:?}"
    );
}

/// An OTLP/JSON line is a whole collector batch: one past the 1 MiB a text trace's line is
/// held to is read (prompts captured as attributes make them long).
#[test]
fn a_batch_line_longer_than_a_text_line_is_read() {
    let prompt = format!(r#"{{"stringValue":"{}"}}"#, "x".repeat(2 << 20));
    let rows = records(&line(&[
        ("gen_ai.prompt", prompt.as_str()),
        ("gen_ai.usage.input_tokens", r#"{"intValue":"700000"}"#),
        ("gen_ai.usage.output_tokens", r#"{"intValue":"10"}"#),
    ]));
    assert_eq!(rows[0].as_ref().unwrap().input_tokens, 700_000);
}

/// A protobuf file cut short, or a frame length beyond the limit, is an error naming the
/// message.
#[test]
fn truncated_and_oversized_frames_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(repo(PB)).unwrap();
    let cut = dir.path().join("cut.pb");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    bin()
        .args(["audit", cut.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cut.pb:2: message 2: the file ends after",
        ))
        .stderr(predicate::str::contains("a truncated OTLP protobuf file"));
    let cut_len = dir.path().join("cut-length.pb");
    let first = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    std::fs::write(&cut_len, &bytes[..4 + first + 2]).unwrap();
    bin()
        .args(["audit", cut_len.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cut-length.pb:2: message 2: the file ends inside its 4-byte length (2 bytes)",
        ));
    // Zeros (an empty message, or /dev/zero) are not OTLP.
    bin()
        .args(["audit", "--trace-format", "otlp-proto", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "/dev/zero:1: message 1: a length of 0 bytes; the file is corrupt or not length-framed",
        ));
    // 80 MiB announced: not detected as OTLP (no file starts so), refused when forced.
    let big = dir.path().join("big.pb");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(&(80u32 << 20).to_be_bytes()).unwrap();
    f.write_all(&[0x0a, 0x00]).unwrap();
    drop(f);
    bin()
        .args(["audit", big.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unrecognised trace format"));
    bin()
        .args([
            "audit",
            big.to_str().unwrap(),
            "--trace-format",
            "otlp-proto",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "big.pb:1: message 1: a length of 83886080 bytes, beyond the 67108864 (64 MiB) read",
        ));
}

/// A gzip-compressed protobuf file is detected through the compression and hashed as it is
/// on disk.
#[test]
fn compressed_protobuf_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&std::fs::read(repo(PB)).unwrap()).unwrap();
    let gz = dir.path().join("traces.pb.gz");
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let got = audit_json(gz.to_str().unwrap());
    let want = audit_json(PB);
    assert_eq!(
        got["strategies"]["recorded"]["cost_usd"],
        want["strategies"]["recorded"]["cost_usd"]
    );
    assert_eq!(got["audit"]["format"], "otlp-proto");
}
