//! LiteLLM spend logs from its exports: the CSV, the JSON array and JSON lines of the same rows
//! (tests/fixtures/sources/litellm, written by make_fixtures.py) price alike, to the amounts
//! worked out by hand here, and carry spend, tags, provider and users. The same rows read from
//! the Postgres table are litellm_postgres.rs's.

use std::path::PathBuf;

use predicates::prelude::*;
use tokencast::workload::trace::{TraceReader, TraceRecord};

use crate::support::{bin, json, repo};

/// A fixture of tests/fixtures/sources/litellm.
pub fn fixture(name: &str) -> PathBuf {
    repo("tests/fixtures/sources/litellm").join(name)
}

/// The day's five rows at the built-in catalog's prices (USD per million tokens), by hand.
/// The amounts LiteLLM recorded in `spend` are the same.
pub fn day_total() -> f64 {
    let sonnet = |uncached: f64, read: f64, w5m: f64, w1h: f64, out: f64| {
        (uncached * 3.0 + read * 0.3 + w5m * 3.75 + w1h * 6.0 + out * 15.0) / 1e6
    };
    // r1: prompt 13,210 = 12,000 read + 1,000 written (5m) + 210 uncached; 240 out.
    let r1 = sonnet(210.0, 12_000.0, 1_000.0, 0.0, 240.0);
    // r2 gpt-5-mini: 2,000 prompt with 1,024 cached; 1,500 out of which 1,000 reasoning (the
    // reasoning rate is the output rate).
    let r2 = (976.0 * 0.25 + 1_024.0 * 0.025 + 1_500.0 * 2.0) / 1e6;
    // r3: the failed request, no tokens.
    let r3 = 0.0;
    // r4: 5,000 prompt = 1,000 written for 5 minutes + 2,000 for an hour + 2,000 uncached.
    let r4 = sonnet(2_000.0, 0.0, 1_000.0, 2_000.0, 100.0);
    // r5 gpt-4o-mini, cache reads from additional_usage_values: 500 cached of 1,000.
    let r5 = (500.0 * 0.15 + 500.0 * 0.075 + 100.0 * 0.6) / 1e6;
    r1 + r2 + r3 + r4 + r5
}

fn cost(v: &serde_json::Value) -> f64 {
    v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap()
}

fn records(path: &std::path::Path) -> Vec<TraceRecord> {
    TraceReader::open(path, None)
        .unwrap()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn the_csv_json_and_json_lines_exports_are_priced_alike_and_by_hand() {
    let want = day_total();
    assert!((want - 0.0382721).abs() < 1e-12, "{want}");
    let csv = json(&["audit", fixture("spend-logs.csv").to_str().unwrap()]);
    assert_eq!(csv["audit"]["format"], "litellm");
    assert_eq!(csv["audit"]["rows"], 5);
    assert!((cost(&csv) - want).abs() < 1e-12, "{}", cost(&csv));
    for name in ["spend-logs.json", "spend-logs.jsonl"] {
        let v = json(&["audit", fixture(name).to_str().unwrap()]);
        assert_eq!(v["audit"]["format"], "litellm", "{name}");
        assert_eq!(v["strategies"], csv["strategies"], "{name}");
        assert_eq!(v["audit"]["top_users"], csv["audit"]["top_users"], "{name}");
    }
    // The recorded spend agrees with the catalog here.
    let spend: f64 = records(&fixture("spend-logs.csv"))
        .iter()
        .map(|r| r.recorded_cost.unwrap())
        .sum();
    assert!((spend - want).abs() < 1e-12);
}

#[test]
fn rows_carry_spend_provider_users_and_tags() {
    for name in ["spend-logs.csv", "spend-logs.json", "spend-logs.jsonl"] {
        let rows = records(&fixture(name));
        assert_eq!(rows.len(), 5, "{name}");
        let r1 = &rows[0];
        assert_eq!(r1.provider.as_deref(), Some("anthropic"));
        assert_eq!(r1.recorded_cost, Some(0.01158));
        assert_eq!(r1.user_id.as_deref(), Some("cust-7"), "end_user first");
        assert_eq!(r1.endpoint.as_deref(), Some("acompletion"));
        assert_eq!(r1.session_id.as_deref(), Some("s1"));
        assert_eq!(
            (r1.input_tokens, r1.cache_read_tokens, r1.cache_write_tokens),
            (13210, Some(12000), Some(1000))
        );
        let tags: Vec<(&str, &str)> = r1
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            tags,
            [
                ("tag", "jobID:214590"),
                ("tag", "feature:summarize"),
                ("team_id", "team-42"),
                ("model_group", "claude-sonnet"),
                (
                    "api_key",
                    "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
                ),
                ("user", "alice@example.com"),
                ("status", "success"),
            ],
            "{name}"
        );
        // No end user: LiteLLM's user.
        assert_eq!(rows[1].user_id.as_deref(), Some("bob@example.com"));
        assert_eq!(rows[1].reasoning_tokens, Some(1000));
        // The failure is kept, tagged, at no cost.
        assert!(rows[2].tags.contains(&("status".into(), "failure".into())));
        assert_eq!(rows[2].recorded_cost, Some(0.0));
        assert_eq!(
            (
                rows[3].cache_write_tokens,
                rows[3].cache_write_5m_tokens,
                rows[3].cache_write_1h_tokens
            ),
            (None, Some(1000), Some(2000))
        );
        assert_eq!(rows[4].cache_read_tokens, Some(500));
    }
}

/// A JSON array may be one line far longer than the line limit of text traces (stored
/// messages), and is read element by element; pretty or compact reads alike.
#[test]
fn a_json_array_on_one_long_line_is_read_element_by_element() {
    let text = std::fs::read_to_string(fixture("spend-logs.json")).unwrap();
    let mut rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    rows[0]["messages"] = serde_json::json!([{"role": "user", "content": "x".repeat(3 << 20)}]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.json");
    std::fs::write(&path, serde_json::to_string(&rows).unwrap()).unwrap();
    let v = json(&["audit", path.to_str().unwrap()]);
    assert_eq!(v["audit"]["rows"], 5);
    assert!((cost(&v) - day_total()).abs() < 1e-12);
}

fn audit_fails(path: &std::path::Path, args: &[&str]) -> String {
    let out = bin().arg("audit").arg(path).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8(out.stderr)
        .unwrap()
        .replace(&*path.to_string_lossy(), "FILE")
}

#[test]
fn bad_spend_logs_name_the_row_the_request_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("logs.csv");
    std::fs::write(
        &csv,
        "request_id,startTime,prompt_tokens,completion_tokens,model,spend,metadata,request_tags\n\
         a1,2026-11-03 09:00:00,10,5,gpt-4o-mini,0.1,{},[]\n\
         a2,2026-11-03 09:01:00,10,5,gpt-4o-mini,0.1,\"{\"\"usage_object\"\": {\"\"cache_read_input_tokens\"\": \",[]\n\
         a3,2026-11-03 09:02:00,10,5,gpt-4o-mini,0.1,\"{\"\"usage_object\"\": {\"\"cache_read_input_tokens\"\": \"\"many\"\"}}\",[]\n\
         a4,2026-11-03 09:03:00,10,5,gpt-4o-mini,-1,{},[]\n\
         a5,2026-11-03 09:04:00,10,5,gpt-4o-mini,0.1,{},\"{\"\"team\"\": 1}\"\n\
         a6,2026-11-03 09:05:00,10,5,gpt-4o-mini,0.1,\"{\"\"usage_object\"\": {\"\"cache_read_input_tokens\"\": 11}}\",[]\n",
    )
    .unwrap();
    let e = audit_fails(&csv, &[]);
    assert!(
        e.contains("FILE:3: request_id \"a2\": metadata: not valid JSON ("),
        "{e}"
    );
    let out = bin()
        .arg("audit")
        .arg(&csv)
        .args(["--skip-bad-rows", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["audit"]["rows"], 1);
    assert_eq!(v["audit"]["skipped_rows"], 5);
    // Each message on its own, through the library.
    let got: Vec<String> = TraceReader::open(&csv, None)
        .unwrap()
        .filter_map(|r| r.err())
        .map(|e| e.to_string().replace(&*csv.to_string_lossy(), "FILE"))
        .collect();
    assert_eq!(
        got[1..],
        [
            "FILE:4: request_id \"a3\": metadata.usage_object.cache_read_input_tokens: expected \
             a whole number of tokens >= 0, got \"many\"",
            "FILE:5: request_id \"a4\": spend: expected US dollars (a number >= 0), got \"-1\"",
            "FILE:6: request_id \"a5\": request_tags: expected a JSON list of strings, got \
             {\"team\":1}",
            "FILE:7: cache_read_tokens + cache_write_tokens (11) exceed input_tokens (10); \
             input_tokens must include cached tokens",
        ]
    );
}

#[test]
fn a_broken_json_array_stops_the_read_naming_the_element_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.json");
    std::fs::write(
        &path,
        "[\n{\"request_id\": \"a1\", \"startTime\": \"2026-11-03T09:00:00Z\", \"prompt_tokens\": 10, \"completion_tokens\": 5, \"model\": \"gpt-4o-mini\"},\n\
         {\"request_id\": \"a2\", \"startTime\": \"2026-11-03T09:01:00Z\", \"prompt_tokens\": 10,\n\"completion_tokens\": }\n]\n",
    )
    .unwrap();
    // Not a row --skip-bad-rows could step over: nothing after it can be trusted.
    let e = audit_fails(&path, &["--skip-bad-rows"]);
    assert!(
        e.contains("FILE:3: element 2 is not valid JSON: expected value at line 2"),
        "{e}"
    );
    std::fs::write(
        &path,
        "[{\"request_id\": \"a1\", \"startTime\": \"2026-11-03T09:00:00Z\", \"prompt_tokens\": 10, \"completion_tokens\": 5, \"model\": \"gpt-4o-mini\"}] x",
    )
    .unwrap();
    let e = audit_fails(&path, &[]);
    assert!(
        e.contains("FILE:1: `x` after the end of the JSON array"),
        "{e}"
    );
    std::fs::write(
        &path,
        "[{\"request_id\": \"a1\", \"startTime\": \"2026-11-03T09:00:00Z\", \"completion_tokens\": 5}]",
    )
    .unwrap();
    let e = audit_fails(&path, &[]);
    assert!(
        e.contains("FILE:1: element 1: prompt_tokens: missing"),
        "{e}"
    );
}

#[test]
fn database_flags_and_urls_of_other_schemes_are_refused() {
    bin()
        .args(["audit", "mysql://u@host/litellm"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "mysql://u@host/litellm: a trace is a file, a directory, `-` or a postgres:// URL \
             (LiteLLM's spend logs); `mysql://` is not read",
        ));
    let csv = fixture("spend-logs.csv");
    for flag in [
        ["--since", "2026-11-03"],
        ["--until", "2026-11-03T12:00:00Z"],
        ["--table", "x"],
    ] {
        bin()
            .arg("audit")
            .arg(&csv)
            .args(flag)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "--since, --until and --table apply to a postgres:// trace only",
            ));
    }
    bin()
        .args([
            "audit",
            "postgres://u@127.0.0.1:1/db",
            "--since",
            "tomorrow",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected RFC 3339 (2026-11-03T14:00:00Z) or a date (2026-11-03), got \"tomorrow\"",
        ));
    // A server that is not there: a runtime failure naming where, never the password.
    let out = bin()
        .args(["audit", "postgres://u:hunter2@127.0.0.1:1/db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains(
            "postgres://u@127.0.0.1:1/db: cannot connect to PostgreSQL at 127.0.0.1:1, database db:"
        ),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
}
