//! `tokencast audit` and the trace readers, on shipped samples and the shared real traces.

use predicates::prelude::*;

use crate::support::{bin, json, repo, shared};

fn audit_json(args: &[&str]) -> serde_json::Value {
    json(&[&["audit"], args].concat())
}

/// Every row of the native example priced by hand (see traces/example-native.csv): cache
/// reads and writes respected, reasoning at the reasoning rate, the batch row at batch prices.
#[test]
fn native_trace_is_priced_exactly_as_recorded() {
    let v = audit_json(&[repo("traces/example-native.csv").to_str().unwrap()]);
    let r = &v["strategies"]["recorded"];
    let rows = [
        // sonnet: input, write 5m, output
        1000.0 * 3e-6 + 4200.0 * 3.75e-6 + 300.0 * 15e-6,
        100.0 * 3e-6 + 4200.0 * 0.3e-6 + 1300.0 * 3.75e-6 + 280.0 * 15e-6,
        100.0 * 3e-6 + 5500.0 * 0.3e-6 + 500.0 * 3.75e-6 + 350.0 * 15e-6,
        // gpt-5.6-luna: reasoning billed as output (no reasoning price)
        1200.0 * 0.2e-6 + 400.0 * 1.2e-6 + 500.0 * 1.2e-6,
        // claude-haiku-4-5 at batch prices
        9000.0 * 0.5e-6 + 1500.0 * 2.5e-6,
        100.0 * 3e-6 + 4200.0 * 0.3e-6 + 1000.0 * 3.75e-6 + 310.0 * 15e-6,
    ];
    let expected: f64 = rows.iter().sum();
    let got = r["cost_usd"]["mean"].as_f64().unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    assert_eq!(v["runs"], 1);
    assert_eq!(r["cost_usd"]["p5"], r["cost_usd"]["p95"]);
    assert_eq!(v["horizon_days"], 2);
    assert_eq!(r["tokens"]["cache_read"], 13900.0);
    assert_eq!(r["tokens"]["reasoning"], 400.0);
    assert_eq!(r["sessions"]["mean"], 2.0 + 0.0 + 2.0);
    let a = &v["audit"];
    assert_eq!(a["rows"], 6);
    assert_eq!(a["users"], 3);
    assert_eq!(a["endpoints_pareto"][0]["name"], "chat");
    assert_eq!(a["top_users"][0]["name"], "u1");
    assert!(
        (a["top_users"][0]["cost_usd"].as_f64().unwrap() - rows[..3].iter().sum::<f64>()).abs()
            < 1e-12
    );
    assert_eq!(a["median_input_tokens"], 5450.0);
}

#[test]
#[ignore = "needs ../shared/traces (the full Azure traces); CI runs it with --ignored"]
fn azure_medians_match_the_published_figures() {
    let path = shared("traces/azure-llm-2023-conv.csv");
    let v = audit_json(&[path.to_str().unwrap(), "--model", "gpt-4o-mini"]);
    // Splitwise (ISCA'24): conversation median prompt 1,020, median output 129.
    assert_eq!(v["audit"]["median_input_tokens"], 1020.0);
    assert_eq!(v["audit"]["median_output_tokens"], 129.0);
    assert_eq!(v["audit"]["rows"], 19366);
    let code = shared("traces/azure-llm-2023-code.csv");
    let v = audit_json(&[code.to_str().unwrap(), "--model", "gpt-4o-mini"]);
    assert_eq!(v["audit"]["median_output_tokens"], 13.0);
}

#[test]
fn mooncake_sample_reports_prefix_reuse_and_the_caching_finding() {
    let v = audit_json(&[
        repo("traces/mooncake-fast25-conversation-sample.jsonl")
            .to_str()
            .unwrap(),
        "--model",
        "claude-sonnet-4-6",
    ]);
    let a = &v["audit"];
    assert_eq!(a["format"], "mooncake");
    let reuse = a["prefix_reuse_ratio"].as_f64().unwrap();
    assert!(reuse > 0.1 && reuse < 0.9, "{reuse}");
    assert!(
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["lever"] == "prompt_cache")
    );
}

#[test]
fn bad_rows_stop_with_their_line_or_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(
        &p,
        "timestamp,input_tokens,output_tokens\r\n0,10,5\r\n1,x,5\r\n2,10,5\r\n3,10,-1\r\n",
    )
    .unwrap();
    bin()
        .args(["audit", "--model", "gpt-4o-mini"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.csv:3: input_tokens: expected a whole number of tokens >= 0, got \"x\"",
        ));
    let v = audit_json(&[
        p.to_str().unwrap(),
        "--model",
        "gpt-4o-mini",
        "--skip-bad-rows",
    ]);
    assert_eq!(v["audit"]["rows"], 2);
    assert_eq!(v["audit"]["skipped_rows"], 2);
    assert_eq!(v["audit"]["skipped_lines"], serde_json::json!([3, 5]));
}

#[test]
fn unknown_columns_formats_and_models_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(&p, "timestamp,input_tokens,output_tokens,modle\n0,1,1,x\n").unwrap();
    bin()
        .arg("audit")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.csv:1: unknown column `modle`; native columns are: timestamp,",
        ));
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    bin()
        .arg("audit")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognised trace format"))
        .stderr(predicate::str::contains(
            "known formats: native-csv, native-jsonl, azure, mooncake, burstgpt, litellm",
        ));
    bin()
        .args(["audit", "--model", "gpt-4o-mni"])
        .arg(repo("traces/azure-llm-2023-code-sample.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "azure-llm-2023-code-sample.csv:2: unknown model \"gpt-4o-mni\"",
        ))
        .stderr(predicate::str::contains("did you mean gpt-4o-mini"));
    std::fs::write(
        &p,
        "timestamp,input_tokens,output_tokens,cache_read_tokens\n0,100,1,200\n",
    )
    .unwrap();
    bin()
        .args(["audit", "--model", "gpt-4o-mini"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.csv:2: cache_read_tokens + cache_write_tokens (200) exceed input_tokens (100)",
        ));
}

/// Found running edge values through the trace fuzz targets: token counts near `u64::MAX`
/// overflowed the audit's totals (two rows) or the cached-tokens check (one row) and panicked.
/// Every count is now at most `limits::MAX_TRACE_ROW_TOKENS`, in every format.
#[test]
fn huge_token_counts_are_row_errors_not_overflows() {
    let dir = tempfile::tempdir().unwrap();
    let max = u64::MAX;
    let cases = [
        (
            "sum.csv",
            format!("timestamp,input_tokens,output_tokens\n0,{max},1\n1,{max},1\n"),
            format!("sum.csv:2: input_tokens: {max} tokens is beyond any real request"),
        ),
        (
            "cached.csv",
            format!(
                "timestamp,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens\n0,10,1,{max},{max}\n"
            ),
            format!("cached.csv:2: cache_read_tokens: {max} tokens is beyond any real request"),
        ),
        (
            "mooncake.jsonl",
            "{\"timestamp\": 0, \"input_length\": 1000000001, \"output_length\": 1, \"hash_ids\": []}\n"
                .to_string(),
            "mooncake.jsonl:1: input_tokens: 1000000001 tokens is beyond any real request; at most 100000000 tokens per row are accepted".to_string(),
        ),
    ];
    for (name, text, message) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        bin()
            .args(["audit", "--model", "gpt-4o-mini"])
            .arg(&p)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    // The bound itself is a valid row.
    let p = dir.path().join("bound.csv");
    std::fs::write(
        &p,
        "timestamp,input_tokens,output_tokens\n0,100000000,100000000\n",
    )
    .unwrap();
    let v = audit_json(&[p.to_str().unwrap(), "--model", "gpt-4o-mini"]);
    assert_eq!(v["audit"]["rows"], 1);
}

/// Seen while fuzzing the Mooncake reader: a timestamp above `i64::MAX` was cast to a negative
/// time (u64::MAX became -1 ms), and audit blamed the first row for lying "more than a day
/// before the first row's".
#[test]
fn a_mooncake_timestamp_beyond_i64_is_a_row_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.jsonl");
    std::fs::write(
        &p,
        "{\"timestamp\": 18446744073709551615, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n",
    )
    .unwrap();
    bin()
        .args(["audit", "--model", "gpt-4o-mini"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "m.jsonl:1: timestamp: 18446744073709551615 ms is beyond any time (at most 9223372036854775807)",
        ));
}

#[test]
fn other_formats_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let burst = dir.path().join("burst.csv");
    std::fs::write(
        &burst,
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,100,20,120,Conversation log\n7.5,GPT-4,300,0,300,API log\n",
    )
    .unwrap();
    let v = audit_json(&[burst.to_str().unwrap(), "--model", "gpt-4o-mini"]);
    assert_eq!(v["audit"]["format"], "burstgpt");
    assert_eq!(v["audit"]["rows"], 2);
    assert!(v["strategies"]["recorded"]["by_endpoint"]["GPT-4 API log"].is_object());
    let lite = dir.path().join("spend.csv");
    std::fs::write(
        &lite,
        "request_id,call_type,spend,total_tokens,prompt_tokens,completion_tokens,startTime,model,user,session_id\nr1,acompletion,0.1,150,100,50,2026-03-01 10:00:00.123,gpt-4o-mini,alice,s9\n",
    )
    .unwrap();
    let v = audit_json(&[lite.to_str().unwrap()]);
    assert_eq!(v["audit"]["format"], "litellm");
    let cost = v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    assert!((cost - (100.0 * 0.15e-6 + 50.0 * 0.6e-6)).abs() < 1e-15);
    let jsonl = dir.path().join("t.jsonl");
    std::fs::write(
        &jsonl,
        "{\"timestamp\": \"2026-01-01T00:00:00Z\", \"input_tokens\": 10, \"output_tokens\": 2, \"model\": \"gpt-4o-mini\"}\n\n{\"timestamp\": 5000, \"input_tokens\": 10, \"output_tokens\": 2, \"model\": \"gpt-4o-mini\", \"colour\": 1}\n",
    )
    .unwrap();
    bin()
        .arg("audit")
        .arg(&jsonl)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("t.jsonl:3: unknown key `colour`"));
}

/// `synth` writes the traffic `run` bills; auditing that trace gives the baseline's cost to
/// the cent, token for token.
#[test]
fn synth_then_audit_reproduces_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    let scenario = repo("tests/fixtures/good/two-endpoints.ron");
    bin()
        .args(["synth", "-o"])
        .arg(&trace)
        .arg(&scenario)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote "));
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.starts_with(
        "timestamp,input_tokens,output_tokens,reasoning_tokens,session_id,endpoint,user_id,model,\
         intent,system_tokens,tools_tokens,history_tokens,context_tokens,document,\
         document_tokens\n"
    ));
    let audited = audit_json(&[trace.to_str().unwrap()]);
    let out = bin()
        .args(["run", "--runs", "1", "--format", "json"])
        .arg(&scenario)
        .output()
        .unwrap();
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &audited["strategies"]["recorded"];
    let b = &run["strategies"]["baseline"];
    for k in ["input", "output", "reasoning"] {
        assert_eq!(a["tokens"][k], b["tokens"][k], "{k}");
    }
    assert_eq!(a["requests"], b["requests"]);
    assert_eq!(a["sessions"], b["sessions"]);
    let (ca, cb) = (
        a["cost_usd"]["mean"].as_f64().unwrap(),
        b["cost_usd"]["mean"].as_f64().unwrap(),
    );
    assert!((ca - cb).abs() < 1e-9 * cb, "{ca} vs {cb}");
    // Repeated FAQ intents are visible to the audit.
    assert!(audited["audit"]["intent_repeat_ratio"].as_f64().unwrap() > 0.3);
}

/// Issue #14: writes split by TTL (Anthropic's `ephemeral_5m_input_tokens` and
/// `ephemeral_1h_input_tokens`) are each priced at their own rate, in CSV and JSONL alike. The
/// expected cost is claude-sonnet-4-6's published prices per million tokens: $3 input, $3.75
/// 5-minute write, $6 1-hour write, $0.30 read, $15 output.
#[test]
fn cache_writes_split_by_ttl_are_priced_at_their_own_rates() {
    let (input, write_5m, write_1h, read, output) = (3e-6, 3.75e-6, 6e-6, 0.3e-6, 15e-6);
    // input, read, cache_write_tokens, 5m, 1h, output; None is an empty cell / absent key.
    type Row = (u64, Option<u64>, Option<u64>, Option<u64>, Option<u64>, u64);
    let rows: [Row; 5] = [
        (10_000, None, None, Some(2_000), Some(3_000), 500),
        (8_000, Some(6_000), None, None, Some(1_000), 200),
        (9_000, Some(4_000), None, Some(4_500), Some(0), 300),
        // cache_write_tokens, on a row of its own, is a 5-minute write on this model.
        (4_000, Some(3_000), Some(500), None, None, 100),
        (1_200, None, None, Some(0), Some(0), 50),
    ];
    let cost = |(i, r, w, w5, w1, o): Row| {
        let (r, w, w5, w1) = (
            r.unwrap_or(0),
            w.unwrap_or(0),
            w5.unwrap_or(0),
            w1.unwrap_or(0),
        );
        (i - r - w - w5 - w1) as f64 * input
            + r as f64 * read
            + (w + w5) as f64 * write_5m
            + w1 as f64 * write_1h
            + o as f64 * output
    };
    // By hand, the first row: 5,000 uncached, 2,000 written for 5 minutes, 3,000 for an hour.
    assert!(
        (cost(rows[0]) - (5_000.0 * 3.0 + 2_000.0 * 3.75 + 3_000.0 * 6.0 + 500.0 * 15.0) / 1e6)
            .abs()
            < 1e-15
    );
    let expected: f64 = rows.iter().map(|r| cost(*r)).sum();

    let cell = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut csv =
        "timestamp,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,\
                   cache_write_5m_tokens,cache_write_1h_tokens\n"
            .to_string();
    let mut jsonl = String::new();
    for (k, &(i, r, w, w5, w1, o)) in rows.iter().enumerate() {
        csv += &format!(
            "{},claude-sonnet-4-6,{i},{o},{},{},{},{}\n",
            k * 1000,
            cell(r),
            cell(w),
            cell(w5),
            cell(w1)
        );
        let mut obj = serde_json::json!({
            "timestamp": k * 1000, "model": "claude-sonnet-4-6",
            "input_tokens": i, "output_tokens": o,
        });
        for (key, n) in [
            ("cache_read_tokens", r),
            ("cache_write_tokens", w),
            ("cache_write_5m_tokens", w5),
            ("cache_write_1h_tokens", w1),
        ] {
            if let Some(n) = n {
                obj[key] = n.into();
            }
        }
        jsonl += &format!("{obj}\n");
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, text, format) in [
        ("t.csv", csv, "native-csv"),
        ("t.jsonl", jsonl, "native-jsonl"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let v = audit_json(&[p.to_str().unwrap()]);
        assert_eq!(v["audit"]["format"], format);
        let r = &v["strategies"]["recorded"];
        let got = r["cost_usd"]["mean"].as_f64().unwrap();
        assert!(
            (got - expected).abs() < 1e-12,
            "{name}: {got} vs {expected}"
        );
        assert_eq!(
            r["tokens"]["cache_write_5m"],
            2_000.0 + 4_500.0 + 500.0,
            "{name}"
        );
        assert_eq!(r["tokens"]["cache_write_1h"], 3_000.0 + 1_000.0, "{name}");
        assert_eq!(r["tokens"]["cache_read"], 13_000.0, "{name}");
        assert_eq!(
            r["tokens"]["input"],
            5_000.0 + 1_000.0 + 500.0 + 500.0 + 1_200.0,
            "{name}"
        );
    }
}

/// Issue #14: the rows a per-TTL write cannot be priced on, each an error naming its line.
#[test]
fn cache_writes_split_by_ttl_are_refused_where_ambiguous_or_unpriceable() {
    let dir = tempfile::tempdir().unwrap();
    let header = "timestamp,model,input_tokens,output_tokens,cache_write_tokens,\
                  cache_write_5m_tokens,cache_write_1h_tokens\n";
    let cases = [
        (
            "both.csv",
            format!(
                "{header}0,claude-sonnet-4-6,1000,1,200,,\n1,claude-sonnet-4-6,1000,1,200,200,\n"
            ),
            "both.csv:3: both cache_write_tokens (200) and cache_write_5m_tokens (200); give \
             writes split by TTL as cache_write_5m_tokens and cache_write_1h_tokens and leave \
             cache_write_tokens empty"
                .to_string(),
        ),
        (
            "over.csv",
            format!("{header}0,claude-sonnet-4-6,1000,1,,600,401\n"),
            "over.csv:2: cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens \
             (1001) exceed input_tokens (1000)"
                .to_string(),
        ),
        (
            "gpt.csv",
            // GPT-5.6 caches for 30 minutes or 12 hours: a 1-hour write is not its usage.
            format!("{header}0,gpt-5.6-luna,1000,1,,,0\n1,gpt-5.6-luna,1000,1,,,300\n"),
            "gpt.csv:3: cache_write_1h_tokens is 300 but \"gpt-5.6-luna\" has no 1h cache TTL \
             in tokencast built-in (LiteLLM 1.110.2 price map) (it has cache TTLs 30m); \
             check the row's model, record writes of the model's default TTL as \
             cache_write_tokens, or pass --prices with a catalog whose entry has the 1h TTL"
                .to_string(),
        ),
        (
            "mini.jsonl",
            "{\"timestamp\": 0, \"model\": \"gpt-4o-mini\", \"input_tokens\": 100, \
             \"output_tokens\": 1, \"cache_write_1h_tokens\": 10}\n"
                .to_string(),
            "mini.jsonl:1: cache_write_1h_tokens is 10 but \"gpt-4o-mini\" has no 1h cache TTL"
                .to_string(),
        ),
        (
            "luna5m.jsonl",
            "{\"timestamp\": 0, \"model\": \"gpt-5.6-luna\", \"input_tokens\": 100, \
             \"output_tokens\": 1, \"cache_write_5m_tokens\": 10}\n"
                .to_string(),
            "luna5m.jsonl:1: cache_write_5m_tokens is 10 but \"gpt-5.6-luna\" has no 5m cache TTL"
                .to_string(),
        ),
    ];
    for (name, text, message) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        bin()
            .arg("audit")
            .arg(&p)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// Issue #14: a catalog entry that offers the 1-hour TTL but has no 1-hour write price bills
/// those writes at its input price, as every missing write price is (`rate_per_token`).
#[test]
fn a_one_hour_write_without_its_price_is_billed_at_the_input_price() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.ron");
    std::fs::write(
        &prices,
        r#"(
    source: "test",
    effective_date: "2026-12-05",
    models: {
        "no-1h-price": (
            provider: "anthropic",
            mode: Chat,
            max_input_tokens: 200000,
            max_output_tokens: 8000,
            standard: (input: 3.0, output: 15.0, cache_read: 0.3, cache_write_5m: 3.75),
            cache: (kind: Explicit, min_prefix_tokens: 1024, granularity_tokens: 1, ttls: [M5, H1], refresh_on_hit: true),
        ),
    },
)"#,
    )
    .unwrap();
    let trace = dir.path().join("t.jsonl");
    std::fs::write(
        &trace,
        "{\"timestamp\": 0, \"model\": \"no-1h-price\", \"input_tokens\": 1000, \
         \"output_tokens\": 10, \"cache_write_5m_tokens\": 200, \"cache_write_1h_tokens\": 300}\n",
    )
    .unwrap();
    let v = audit_json(&[
        trace.to_str().unwrap(),
        "--prices",
        prices.to_str().unwrap(),
    ]);
    let got = v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    let expected = (500.0 * 3.0 + 200.0 * 3.75 + 300.0 * 3.0 + 10.0 * 15.0) / 1e6;
    assert!((got - expected).abs() < 1e-15, "{got} vs {expected}");
}

/// `--focus` writes FOCUS 1.2 rows: every mandatory column present and filled (ChargeClass and
/// BillingAccountName may be null), one row per day, line and bucket, BilledCost summing to the
/// audit's total, tokens to the trace's, and requests counted once per line and day.
#[test]
fn focus_export_has_the_mandatory_columns_and_sums_to_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let focus = dir.path().join("focus.csv");
    let trace = repo("traces/example-native.csv");
    let v = audit_json(&[
        trace.to_str().unwrap(),
        "--focus",
        focus.to_str().unwrap(),
        "--billing-account",
        "acct-42",
    ]);
    let total = v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    let mut r = csv::Reader::from_path(&focus).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mandatory = [
        "BilledCost",
        "BillingAccountId",
        "BillingCurrency",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargeCategory",
        "ChargeDescription",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ContractedCost",
        "EffectiveCost",
        "InvoiceIssuerName",
        "ListCost",
        "PricingQuantity",
        "PricingUnit",
        "ProviderName",
        "PublisherName",
        "ServiceCategory",
        "ServiceName",
    ];
    let col = |n: &str| {
        head.iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("no {n}"))
    };
    for m in mandatory
        .iter()
        .chain(["ChargeClass", "BillingAccountName"].iter())
    {
        col(m);
    }
    let (mut cost, mut tokens, mut requests, mut rows) = (0.0, 0u64, 0u64, 0);
    let mut days = std::collections::BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        rows += 1;
        for m in mandatory {
            assert!(!rec[col(m)].is_empty(), "{m} is empty");
        }
        let billed: f64 = rec[col("BilledCost")].parse().unwrap();
        assert_eq!(rec[col("EffectiveCost")].parse::<f64>().unwrap(), billed);
        let q: u64 = rec[col("ConsumedQuantity")].parse().unwrap();
        let unit: f64 = rec[col("ListUnitPrice")].parse().unwrap();
        assert!((q as f64 * unit - billed).abs() < 1e-15);
        cost += billed;
        tokens += q;
        requests += rec[col("x_Requests")].parse::<u64>().unwrap();
        assert_eq!(&rec[col("BillingAccountId")], "acct-42");
        assert_eq!(&rec[col("ServiceCategory")], "AI and Machine Learning");
        assert_eq!(&rec[col("BillingPeriodStart")], "2026-01-01T00:00:00Z");
        assert_eq!(&rec[col("BillingPeriodEnd")], "2026-02-01T00:00:00Z");
        days.insert(rec[col("ChargePeriodStart")].to_string());
        let tags: serde_json::Value = serde_json::from_str(&rec[col("Tags")]).unwrap();
        assert!(tags["endpoint"].is_string());
    }
    assert!((cost - total).abs() < 1e-12, "{cost} vs {total}");
    // Prompt + output tokens of traces/example-native.csv: 32,400 + 3,640.
    assert_eq!(tokens, 32_400 + 3_640);
    assert_eq!(requests, 6);
    assert_eq!(
        days.into_iter().collect::<Vec<_>>(),
        ["2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"]
    );
    // Sonnet's day-1 rows (input, 5m writes, reads, output) and gpt-5.6-luna's (input,
    // output, reasoning), Haiku's batch row (input, output), Sonnet's day-2 row (four).
    assert_eq!(rows, 4 + 3 + 2 + 4);

    // `--focus -` alone prints only the CSV; an undated trace is refused, saying why.
    let out = bin()
        .args(["audit", trace.to_str().unwrap(), "--focus", "-"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("BilledCost,")
    );
    bin()
        .args([
            "audit",
            repo("traces/mooncake-fast25-conversation-sample.jsonl")
                .to_str()
                .unwrap(),
            "--model",
            "gpt-4o-mini",
            "--focus",
            dir.path().join("f2.csv").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FOCUS rows need calendar dates"));
}

/// `--by` breaks the cost down by a field; the shares sum to 1 and the costs to the total;
/// a tag no row carries is an error naming the keys that exist.
#[test]
fn breakdowns_by_a_field_sum_to_the_total() {
    let trace = repo("traces/example-native.csv");
    let v = audit_json(&[trace.to_str().unwrap(), "--by", "user", "--by", "model"]);
    let total = v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    let b = &v["audit"]["breakdowns"];
    assert_eq!(b[0]["by"], "user");
    assert_eq!(b[1]["by"], "model");
    for k in [0, 1] {
        let rows = b[k]["rows"].as_array().unwrap();
        let cost: f64 = rows.iter().map(|r| r["cost_usd"].as_f64().unwrap()).sum();
        let share: f64 = rows.iter().map(|r| r["share"].as_f64().unwrap()).sum();
        let requests: u64 = rows.iter().map(|r| r["requests"].as_u64().unwrap()).sum();
        assert!((cost - total).abs() < 1e-12);
        assert!((share - 1.0).abs() < 1e-12);
        assert_eq!(requests, 6);
    }
    // The row without a user (the Haiku batch row, 9,000 in and 1,500 out at batch prices).
    let none = b[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"] == "(none)")
        .unwrap();
    assert!(
        (none["cost_usd"].as_f64().unwrap() - (9000.0 * 0.5e-6 + 1500.0 * 2.5e-6)).abs() < 1e-12
    );
    assert_eq!(none["input_tokens"], 9000);
    bin()
        .args(["audit", trace.to_str().unwrap(), "--by", "team_id"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no row carries a tag or property `team_id`",
        ));
}

/// A tracker whose price map bills Claude's cache writes as plain input, and prices gpt-4o-mini
/// at 1.5x: LiteLLM's spend log of the fixture day with its `spend` so recorded. By hand
/// (Sonnet 4.6: $3 input, $3.75 5m write, $6 1h write, $0.30 read, $15 output per million):
/// row 1, 210 uncached + 1,000 writes + 12,000 reads + 240 out, is $0.01158 and $0.01083 with
/// writes at $3; row 4, 2,000 uncached + 1,000 5m and 2,000 1h writes + 100 out, is $0.02325
/// and $0.0165. gpt-4o-mini: 500 uncached at $0.15, 500 read at $0.075, 100 out at $0.60 is
/// $0.0001725, recorded at $0.00025875.
#[test]
fn recorded_costs_that_differ_from_the_price_are_findings_with_their_cause() {
    let src =
        std::fs::read_to_string(repo("tests/fixtures/sources/litellm/spend-logs.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(src.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let spend = head.iter().position(|h| h == "spend").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&head).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let mut row: Vec<String> = rec.iter().map(String::from).collect();
        row[spend] = match row[spend].as_str() {
            "0.01158" => "0.01083".into(),
            "0.02325" => "0.0165".into(),
            "0.0001725" => "0.00025875".into(),
            other => other.into(),
        };
        w.write_record(&row).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spend.csv");
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    let v = audit_json(&[path.to_str().unwrap()]);
    let rc = &v["audit"]["recorded_cost"];
    let model = |m: &str| {
        rc["by_model"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == m)
            .unwrap()
            .clone()
    };
    let sonnet = model("claude-sonnet-4-6");
    assert_eq!(sonnet["cause"], "cache_writes_as_input");
    assert!((sonnet["recorded_usd"].as_f64().unwrap() - 0.02733).abs() < 1e-12);
    assert!((sonnet["priced_usd"].as_f64().unwrap() - 0.03483).abs() < 1e-12);
    assert!((sonnet["difference_usd"].as_f64().unwrap() + 0.0075).abs() < 1e-12);
    let mini = model("gpt-4o-mini");
    assert_eq!(mini["cause"], "constant_factor");
    assert!(mini["explanation"].as_str().unwrap().contains("1.500x"));
    assert_eq!(model("gpt-5-mini")["cause"], "matches");
    // The largest difference first, and a finding with the dollars for each mismatch.
    assert_eq!(rc["by_model"][0]["model"], "claude-sonnet-4-6");
    let findings: Vec<&serde_json::Value> = v["audit"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["lever"] == "pricing")
        .collect();
    assert_eq!(findings.len(), 2);
    assert!(
        findings[0]["observation"]
            .as_str()
            .unwrap()
            .contains("recorded $0.02733 for claude-sonnet-4-6 (2 rows) where the provider's price is $0.03483: under by $0.007500 (21.5%)")
    );
    assert!(
        findings[0]["suggestion"]
            .as_str()
            .unwrap()
            .contains("cache writes priced as plain input")
    );
}

/// The native `provider` and `tags` columns (CSV `key=value;key=value`, JSONL an object or that
/// string) are read and broken down by; a malformed tags cell is an error naming its line.
#[test]
fn native_provider_and_tags_are_read_and_broken_down() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(
        &csv,
        "timestamp,input_tokens,output_tokens,model,provider,tags\n\
         0,1000,100,gpt-4o-mini,openai,service=shop;environment=prod\n\
         1000,2000,0,gpt-4o-mini,azure,service=search\n\
         2000,4000,0,gpt-4o-mini,,\n",
    )
    .unwrap();
    let jsonl = dir.path().join("t.jsonl");
    std::fs::write(
        &jsonl,
        "{\"timestamp\":0,\"input_tokens\":1000,\"output_tokens\":100,\"model\":\"gpt-4o-mini\",\
         \"provider\":\"openai\",\"tags\":{\"service\":\"shop\",\"environment\":\"prod\"}}\n\
         {\"timestamp\":1000,\"input_tokens\":2000,\"output_tokens\":0,\"model\":\"gpt-4o-mini\",\
         \"provider\":\"azure\",\"tags\":\"service=search\"}\n\
         {\"timestamp\":2000,\"input_tokens\":4000,\"output_tokens\":0,\"model\":\"gpt-4o-mini\"}\n",
    )
    .unwrap();
    for trace in [&csv, &jsonl] {
        let v = audit_json(&[
            trace.to_str().unwrap(),
            "--by",
            "provider",
            "--by",
            "service",
        ]);
        let b = &v["audit"]["breakdowns"];
        let cost = |k: usize, value: &str| -> f64 {
            b[k]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["value"] == value)
                .unwrap_or_else(|| panic!("{value} missing: {b}"))["cost_usd"]
                .as_f64()
                .unwrap()
        };
        let (openai, azure, none) = (
            1000.0 * 0.15e-6 + 100.0 * 0.6e-6,
            2000.0 * 0.15e-6,
            4000.0 * 0.15e-6,
        );
        for (k, names) in [(0, ["openai", "azure"]), (1, ["shop", "search"])] {
            assert!((cost(k, names[0]) - openai).abs() < 1e-15, "{b}");
            assert!((cost(k, names[1]) - azure).abs() < 1e-15, "{b}");
            assert!((cost(k, "(none)") - none).abs() < 1e-15, "{b}");
        }
    }
    std::fs::write(
        &csv,
        "timestamp,input_tokens,output_tokens,model,tags\n0,1,1,gpt-4o-mini,service\n",
    )
    .unwrap();
    bin()
        .arg("audit")
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.csv:2: tags: expected key=value pairs separated by `;` \
             (service=shop;environment=prod), got \"service\"",
        ));
    std::fs::write(
        &jsonl,
        "{\"timestamp\":0,\"input_tokens\":1,\"output_tokens\":1,\"tags\":{\"service\":7}}\n",
    )
    .unwrap();
    bin()
        .arg("audit")
        .arg(&jsonl)
        .args(["--model", "gpt-4o-mini"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.jsonl:1: tags.service: expected a string, got 7",
        ));
    // A tag key given twice in an object would silently lose one value: an error.
    std::fs::write(
        &jsonl,
        "{\"timestamp\":0,\"input_tokens\":1,\"output_tokens\":1,\
         \"tags\":{\"team\":\"a\",\"team\":\"b\"}}\n",
    )
    .unwrap();
    bin()
        .arg("audit")
        .arg(&jsonl)
        .args(["--model", "gpt-4o-mini"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "t.jsonl:1: key `tags.team` appears twice",
        ));
}
