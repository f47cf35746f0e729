//! Langfuse observation exports (Parquet, CSV, JSON lines), Helicone request exports (CSV,
//! JSON lines) and native columns in Parquet: priced by hand, items without usage counted, and
//! bad input named. Fixtures: tests/fixtures/sources/{langfuse,helicone,native-parquet},
//! written by tests/fixtures/sources/langfuse/generate.py.

use predicates::prelude::*;
use tokencast::workload::trace::{TraceFormat, TraceReader, TraceRecord};

use crate::support::{bin, json, repo};

fn fixture(p: &str) -> String {
    repo(&format!("tests/fixtures/sources/{p}"))
        .to_str()
        .unwrap()
        .to_string()
}

fn audit(path: &str) -> serde_json::Value {
    json(&["audit", path])
}

fn cost(v: &serde_json::Value) -> f64 {
    v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap()
}

/// Every record of a trace, and what was left out.
fn read(path: &str) -> (TraceFormat, Vec<TraceRecord>, Vec<(String, u64)>) {
    let mut r = TraceReader::open(std::path::Path::new(path), None).unwrap();
    let rows: Vec<TraceRecord> = r.by_ref().map(|x| x.unwrap()).collect();
    (r.format(), rows, r.ignored())
}

/// The four generations of the Langfuse fixture, priced from the catalog (USD per token).
fn langfuse_rows() -> [f64; 4] {
    [
        // claude-sonnet-4-6: input 1,000 uncached, 4,200 written (TTL unsaid: 5 minutes), 300 out
        1000.0 * 3e-6 + 4200.0 * 3.75e-6 + 300.0 * 15e-6,
        // 100 uncached, 4,200 read, 1,000 written for 5 minutes and 300 for an hour, 280 out
        100.0 * 3e-6 + 4200.0 * 0.3e-6 + 1000.0 * 3.75e-6 + 300.0 * 6e-6 + 280.0 * 15e-6,
        // gpt-5.6-luna: 200 uncached, 2,048 cached, 500 out + 400 reasoning (billed as output)
        200.0 * 0.2e-6 + 2048.0 * 0.02e-6 + 900.0 * 1.2e-6,
        // claude-haiku-4-5: 9,000 in, 1,500 out
        9000.0 * 1e-6 + 1500.0 * 5e-6,
    ]
}

/// The same observations as Parquet, CSV and JSON lines price alike, by hand; spans, events and
/// agents are left out and counted by type.
#[test]
fn langfuse_exports_are_priced_by_hand_in_every_encoding() {
    let expected: f64 = langfuse_rows().iter().sum();
    for file in [
        "langfuse/observations.parquet",
        "langfuse/observations.csv",
        "langfuse/observations.jsonl",
    ] {
        let v = audit(&fixture(file));
        let got = cost(&v);
        assert!(
            (got - expected).abs() < 1e-12,
            "{file}: {got} vs {expected}"
        );
        assert_eq!(v["audit"]["rows"], 4, "{file}");
        assert_eq!(v["audit"]["format"], "langfuse", "{file}");
        assert_eq!(v["audit"]["users"], 3, "{file}");
        assert_eq!(v["strategies"]["recorded"]["tokens"]["cache_read"], 6248.0);
        assert_eq!(v["strategies"]["recorded"]["tokens"]["reasoning"], 400.0);
    }
}

/// Each Langfuse field lands where its table says, in every encoding, and what is left out is
/// counted by observation type.
#[test]
fn langfuse_fields_and_ignored_observations() {
    let parquet = read(&fixture("langfuse/observations.parquet"));
    for file in ["langfuse/observations.csv", "langfuse/observations.jsonl"] {
        let text = read(&fixture(file));
        let strip = |rows: &[TraceRecord]| -> Vec<TraceRecord> {
            rows.iter()
                .map(|r| TraceRecord {
                    line: 0,
                    ..r.clone()
                })
                .collect()
        };
        assert_eq!(strip(&text.1), strip(&parquet.1), "{file}");
        assert_eq!(text.2, parquet.2, "{file}");
    }
    let (format, rows, ignored) = parquet;
    assert_eq!(format, TraceFormat::Langfuse);
    assert_eq!(
        ignored,
        vec![
            (
                "Langfuse SPAN observations (not generations: no LLM usage)".to_string(),
                2
            ),
            (
                "Langfuse EVENT observations (not generations: no LLM usage)".to_string(),
                1
            ),
            (
                "Langfuse AGENT observations (not generations: no LLM usage)".to_string(),
                1
            ),
        ]
    );
    // Rows are numbered as the file's rows, the left-out ones included.
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [1, 3, 5, 8]
    );
    let first = &rows[0];
    assert_eq!(first.time_ms, 1_767_603_600_000);
    assert_eq!(first.model.as_deref(), Some("claude-sonnet-4-6"));
    assert_eq!(first.endpoint.as_deref(), Some("chat"), "trace_name");
    assert_eq!(first.user_id.as_deref(), Some("u1"));
    assert_eq!(first.session_id.as_deref(), Some("s1"));
    assert_eq!((first.input_tokens, first.output_tokens), (5200, 300));
    assert_eq!(first.cache_write_tokens, Some(4200));
    assert_eq!(first.recorded_cost, Some(0.02325));
    let tags = |r: &TraceRecord| -> Vec<(String, String)> { r.tags.clone() };
    assert_eq!(
        tags(first),
        [
            ("tag", "beta"),
            ("tag", "eu"),
            ("environment", "production")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let second = &rows[1];
    assert_eq!(second.input_tokens, 100 + 4200 + 1000 + 300);
    assert_eq!(
        (
            second.cache_read_tokens,
            second.cache_write_5m_tokens,
            second.cache_write_1h_tokens
        ),
        (Some(4200), Some(1000), Some(300))
    );
    // No trace name: the observation's name; no total_cost: cost_details.total.
    let third = &rows[2];
    assert_eq!(third.endpoint.as_deref(), Some("summarize"));
    assert_eq!(third.recorded_cost, Some(0.00116096));
    assert_eq!((third.input_tokens, third.output_tokens), (2248, 900));
    assert_eq!(third.reasoning_tokens, Some(400));
    assert_eq!(rows[3].tags[0], ("environment".into(), "staging".into()));
}

/// A Parquet file is hashed whole, as the other traces are.
#[test]
fn a_parquet_trace_reports_the_files_sha256() {
    use sha2::Digest;
    let path = fixture("langfuse/observations.parquet");
    let v = audit(&path);
    let expected: String = sha2::Sha256::digest(std::fs::read(&path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v["scenario"]["sha256"], expected.as_str());
}

/// The native example as Parquet (pyarrow: timestamp[ms, UTC] and int64 with snappy;
/// timestamp[us, UTC], uint32 and large strings with zstd; RFC 3339 strings and int32 with
/// gzip) audits exactly as the CSV.
#[test]
fn native_parquet_audits_exactly_as_the_csv() {
    let csv = audit(repo("traces/example-native.csv").to_str().unwrap());
    for file in [
        "native-parquet/example.parquet",
        "native-parquet/example-zstd.parquet",
        "native-parquet/example-gzip.parquet",
    ] {
        let got = audit(&fixture(file));
        assert_eq!(got["strategies"], csv["strategies"], "{file}");
        let mut a = got["audit"].clone();
        let mut b = csv["audit"].clone();
        assert_eq!(a["format"], "native-parquet");
        for v in [&mut a, &mut b] {
            v.as_object_mut().unwrap().remove("format");
        }
        assert_eq!(a, b, "{file}");
        let (_, rows, _) = read(&fixture(file));
        let (_, csv_rows, _) = read(repo("traces/example-native.csv").to_str().unwrap());
        let lines: Vec<u64> = csv_rows.iter().map(|r| r.line - 1).collect();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
        for (p, c) in rows.iter().zip(&csv_rows) {
            assert_eq!(
                TraceRecord {
                    line: 0,
                    ..p.clone()
                },
                TraceRecord {
                    line: 0,
                    ..c.clone()
                }
            );
        }
    }
}

/// Helicone JSON lines: Anthropic's prompt_tokens exclude the cache (added back), OpenAI's
/// include it; properties are tags, the session property the session.
#[test]
fn helicone_jsonl_is_priced_by_hand() {
    let path = fixture("helicone/requests.jsonl");
    let rows = [
        // claude-sonnet-4-6: 210 uncached + 12,000 read + 1,000 written, 240 out
        210.0 * 3e-6 + 12000.0 * 0.3e-6 + 1000.0 * 3.75e-6 + 240.0 * 15e-6,
        // gpt-5.6-luna: 3,000 prompt tokens of which 2,048 cached, 500 out
        952.0 * 0.2e-6 + 2048.0 * 0.02e-6 + 500.0 * 1.2e-6,
        // claude-haiku-4-5
        9000.0 * 1e-6 + 1500.0 * 5e-6,
    ];
    let v = audit(&path);
    let expected: f64 = rows.iter().sum();
    assert!(
        (cost(&v) - expected).abs() < 1e-12,
        "{} vs {expected}",
        cost(&v)
    );
    assert_eq!(v["audit"]["format"], "helicone");
    let (_, got, ignored) = read(&path);
    assert!(ignored.is_empty());
    assert_eq!(got[0].input_tokens, 13210);
    assert_eq!(got[0].session_id.as_deref(), Some("sess-1"));
    assert_eq!(got[0].provider.as_deref(), Some("ANTHROPIC"));
    assert_eq!(got[0].recorded_cost, Some(0.01158));
    assert_eq!(
        got[0].tags,
        [
            ("Helicone-Session-Id", "sess-1"),
            ("env", "prod"),
            ("feature", "summarize")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        (got[1].input_tokens, got[1].cache_read_tokens),
        (3000, Some(2048))
    );
    assert_eq!(got[1].reasoning_tokens, Some(100));
    assert_eq!(got[1].time_ms, 1_767_603_660_250);
    assert_eq!(got[2].recorded_cost, None);
    assert!(got[2].tags.is_empty());
}

/// Helicone's CSV (its export CLI's) has no cache columns: prompt tokens price as uncached.
#[test]
fn helicone_csv_is_priced_by_hand() {
    let v = audit(&fixture("helicone/requests.csv"));
    let expected = 210.0 * 3e-6
        + 240.0 * 15e-6
        + 3000.0 * 0.2e-6
        + 500.0 * 1.2e-6
        + 9000.0 * 1e-6
        + 1500.0 * 5e-6;
    assert!(
        (cost(&v) - expected).abs() < 1e-12,
        "{} vs {expected}",
        cost(&v)
    );
    let (format, rows, _) = read(&fixture("helicone/requests.csv"));
    assert_eq!(format, TraceFormat::Helicone);
    assert_eq!(rows[0].user_id.as_deref(), Some("alice"));
    assert_eq!(rows[0].tags.len(), 3);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
}

fn audit_fails(args: &[&str], message: &str) {
    bin()
        .arg("audit")
        .args(args)
        .assert()
        .failure()
        .stderr(predicate::str::contains(message));
}

#[test]
fn a_missing_parquet_column_is_named_with_the_valid_ones() {
    audit_fails(
        &[&fixture("langfuse/bad-no-type.parquet")],
        "bad-no-type.parquet:1: missing column `type` for the langfuse format (required: \
         start_time, type, usage_details;",
    );
}

#[test]
fn a_parquet_column_of_the_wrong_type_names_the_type_and_the_accepted_ones() {
    audit_fails(
        &[&fixture("langfuse/bad-start-time-type.parquet")],
        "column `start_time` has type Boolean; accepted: timestamp[s/ms/us/ns]",
    );
}

#[test]
fn a_usage_count_that_is_not_a_number_names_the_row_and_key() {
    audit_fails(
        &[&fixture("langfuse/bad-usage.jsonl")],
        "bad-usage.jsonl:2: usage_details.input: expected a whole number of tokens >= 0, got \"lots\"",
    );
    // With --skip-bad-rows the span is left out and the bad row skipped: nothing is left.
    audit_fails(
        &[&fixture("langfuse/bad-usage.jsonl"), "--skip-bad-rows"],
        "no rows",
    );
}

#[test]
fn a_bad_parquet_cell_names_its_row_and_column() {
    audit_fails(
        &[&fixture("langfuse/bad-usage-key.parquet")],
        "bad-usage-key.parquet:2: row 2, usage_details: unknown key `characters`; known keys",
    );
}

#[test]
fn a_truncated_parquet_file_is_an_error_not_a_panic() {
    let bytes = std::fs::read(fixture("langfuse/observations.parquet")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, cut) in [("half.parquet", bytes.len() / 2), ("head.parquet", 4)] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..cut]).unwrap();
        audit_fails(
            &[path.to_str().unwrap()],
            &format!("{name}: not a readable Parquet file"),
        );
    }
}

#[test]
fn parquet_from_standard_input_or_compressed_is_refused_clearly() {
    let bytes = std::fs::read(fixture("langfuse/observations.parquet")).unwrap();
    bin()
        .args(["audit", "-"])
        .write_stdin(bytes.clone())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "standard input: Parquet is read from a file",
        ));
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("obs.parquet.zst");
    std::fs::write(&gz, zstd::encode_all(&bytes[..], 3).unwrap()).unwrap();
    audit_fails(&[gz.to_str().unwrap()], "Parquet is read from a file");
    // A text file forced to native-parquet is not Parquet.
    audit_fails(
        &[
            repo("traces/example-native.csv").to_str().unwrap(),
            "--trace-format",
            "native-parquet",
        ],
        "not a Parquet file (it does not start with PAR1)",
    );
    // A Parquet file forced to a text format.
    audit_fails(
        &[
            &fixture("langfuse/observations.parquet"),
            "--trace-format",
            "native-csv",
        ],
        "a Parquet file cannot be read as native-csv",
    );
}

/// An observation type tokencast has not heard of is left out and counted like a span.
#[test]
fn an_unknown_observation_type_is_counted_as_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("obs.jsonl");
    std::fs::write(
        &path,
        "{\"type\":\"GUARDRAIL_V9\",\"start_time\":\"2026-01-05 09:00:00.000\",\"usage_details\":{}}\n\
         {\"type\":\"GENERATION\",\"start_time\":\"2026-01-05T09:00:01Z\",\"provided_model_name\":\"claude-haiku-4-5\",\"usage_details\":{\"input\":\"10\",\"output\":5},\"total_cost\":\"0.000035\"}\n",
    )
    .unwrap();
    let (format, rows, ignored) = read(path.to_str().unwrap());
    assert_eq!(format, TraceFormat::Langfuse);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].recorded_cost, Some(0.000035));
    assert_eq!(
        ignored,
        [(
            "Langfuse GUARDRAIL_V9 observations (not generations: no LLM usage)".to_string(),
            1
        )]
    );
}

/// A Helicone property names the endpoint (`--endpoint-from feature`) and breaks the cost down
/// (`--by feature`); a row without it stays on `all` and counts under `(none)`. By hand:
/// the `summarize` row (claude-sonnet-4-6, Anthropic's prompt_tokens without its 1,000 cache
/// writes and 12,000 reads) is 210 × $3 + 1,000 × $3.75 + 12,000 × $0.30 + 240 × $15 per
/// million = $0.01158; the `chat` row (gpt-5.6-luna, 3,000 prompt tokens of which 2,048 read)
/// is 952 × $0.20 + 2,048 × $0.02 + 500 × $1.20 per million = $0.00083136.
#[test]
fn a_helicone_property_names_the_endpoint_and_breaks_the_cost_down() {
    let path = repo("tests/fixtures/sources/helicone/requests.jsonl");
    let v = json(&[
        "audit",
        path.to_str().unwrap(),
        "--endpoint-from",
        "feature",
        "--by",
        "feature",
    ]);
    let rows = v["audit"]["breakdowns"][0]["rows"].as_array().unwrap();
    let cost = |name: &str| {
        rows.iter()
            .find(|r| r["value"] == name)
            .unwrap_or_else(|| panic!("no {name}"))["cost_usd"]
            .as_f64()
            .unwrap()
    };
    assert!((cost("summarize") - 0.01158).abs() < 1e-12);
    assert!((cost("chat") - 0.000_831_36).abs() < 1e-12);
    assert_eq!(rows.len(), 3);
    let endpoints: Vec<&str> = v["strategies"]["recorded"]["by_endpoint"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(endpoints.contains(&"summarize") && endpoints.contains(&"chat"));
    assert!(endpoints.contains(&"all"), "the row without the property");
}
