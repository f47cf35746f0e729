//! Provider usage reports (OpenAI's usage API, Anthropic's usage report) as bucketed traces,
//! and their cost reports compared with tokencast's price (`audit --recorded-costs`). The
//! fixtures are written by tests/fixtures/sources/usage/gen.py; every total below is worked out
//! by hand from the catalog's prices (USD per million tokens).

use predicates::prelude::*;

use crate::support::{bin, json, repo};

fn fixture(name: &str) -> String {
    repo(&format!("tests/fixtures/sources/usage/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

fn close(got: &serde_json::Value, want: f64) {
    let g = got.as_f64().unwrap_or(f64::NAN);
    assert!((g - want).abs() < 1e-9, "{g} vs {want}");
}

/// OpenAI: `input_tokens` includes `input_cached_tokens`; batch buckets at batch prices.
/// gpt-4o-mini $0.15 / $0.075 cached / $0.60 (batch $0.075 / $0.30), gpt-5.4 $2.50 / $0.25 /
/// $15.
#[test]
fn openai_usage_buckets_are_priced_by_hand() {
    let v = json(&["audit", &fixture("openai-usage.json"), "--by", "model"]);
    let day1 = (800_000.0 * 0.15 + 1_200_000.0 * 0.075 + 300_000.0 * 0.6) // gpt-4o-mini 0.39
        + (600_000.0 * 2.5 + 400_000.0 * 0.25 + 100_000.0 * 15.0) // gpt-5.4 3.10
        + (4_000_000.0 * 0.075 + 1_000_000.0 * 0.3); // gpt-4o-mini batch 0.60
    let day2 = (500_000.0 * 0.15 + 500_000.0 * 0.075 + 200_000.0 * 0.6) // 0.2325
        + (1_000_000.0 * 2.5 + 1_000_000.0 * 0.25 + 50_000.0 * 15.0); // 3.50
    let r = &v["strategies"]["recorded"];
    close(&r["cost_usd"]["mean"], (day1 + day2) / 1e6);
    close(&(day1 / 1e6).into(), 4.09);
    assert_eq!(v["horizon_days"], 2);
    // Requests are num_model_requests: 1000 + 50 + 2000 + 600 + 40.
    assert_eq!(r["requests"]["mean"], 3690.0);
    let a = &v["audit"];
    assert_eq!(a["rows"], 5);
    assert_eq!(a["format"], "openai-usage");
    // No medians from buckets; means per request: 10,000,000 prompt tokens / 3,690.
    assert!(a.get("median_input_tokens").is_none());
    close(&a["mean_input_tokens"], 10_000_000.0 / 3690.0);
    assert_eq!(a["breakdowns"][0]["rows"][0]["value"], "gpt-5.4");
    assert_eq!(a["breakdowns"][0]["rows"][0]["requests"], 90);
    assert_eq!(a["endpoints_pareto"][0]["name"], "proj_research");
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("gpt-5.4: the usage report does not say which requests had prompts above the model's long-context threshold (272000 tokens)"),
        "{warnings}"
    );
}

/// The same buckets as one page per line, or as a directory of daily page files (compact or
/// pretty-printed), give the same bill.
#[test]
fn pages_one_per_line_read_as_one_report() {
    let one = json(&["audit", &fixture("openai-usage.json")]);
    let lines = json(&["audit", &fixture("openai-usage-pages.jsonl")]);
    assert_eq!(one["strategies"], lines["strategies"]);
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("openai-usage-pages.jsonl")).unwrap();
    for (i, page) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(page).unwrap();
        let body = if i == 0 {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            page.to_string()
        };
        std::fs::write(dir.path().join(format!("day{i}.json")), body).unwrap();
    }
    let merged = json(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(merged["strategies"], one["strategies"]);
    assert_eq!(merged["audit"]["rows"], 5);
}

/// Anthropic: input = uncached + reads + 5m + 1h writes; `service_tier` batch at batch prices;
/// `context_window` 200k-1M at the long-context tier. claude-sonnet-4-6 $3 / 5m $3.75 / 1h $6
/// / read $0.30 / $15; claude-haiku-4-5 $1 / $5 (batch $0.50 / $2.50); claude-haiku-5-5 above
/// its threshold $0.50 / read $0.05 / $2.50.
#[test]
fn anthropic_usage_report_is_priced_by_hand() {
    let v = json(&["audit", &fixture("anthropic-usage.json")]);
    let sonnet = (1_000_000.0 * 3.0 + 500_000.0 * 3.75 + 250_000.0 * 6.0 + 8_000_000.0 * 0.3 + 200_000.0 * 15.0) // 11.775
        + (500_000.0 * 3.0 + 200_000.0 * 3.75 + 100_000.0 * 6.0 + 4_000_000.0 * 0.3 + 100_000.0 * 15.0); // 5.55
    let haiku = (2_000_000.0 * 1.0 + 400_000.0 * 5.0) + (4_000_000.0 * 0.5 + 1_000_000.0 * 2.5);
    let long = 1_000_000.0 * 0.5 + 2_000_000.0 * 0.05 + 50_000.0 * 2.5; // 0.725, not 0.145
    let r = &v["strategies"]["recorded"];
    close(&r["cost_usd"]["mean"], (sonnet + haiku + long) / 1e6);
    close(&r["cost_usd"]["mean"], 26.55);
    assert_eq!(r["tokens"]["cache_write_1h"], 350_000.0);
    assert_eq!(r["tokens"]["cache_write_5m"], 700_000.0);
    // The report counts no requests: none are shown, and neither medians nor means.
    assert_eq!(r["requests"]["mean"], 0.0);
    let a = &v["audit"];
    assert!(a.get("median_input_tokens").is_none());
    assert!(a.get("mean_input_tokens").is_none());
    assert!(
        v["warnings"]
            .to_string()
            .contains("does not count requests")
    );
    // The table says what it cannot know.
    bin()
        .args(["audit", &fixture("anthropic-usage.json")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "median not known from a bucketed usage report",
        ))
        .stdout(predicate::str::contains("unit cost  not known"));
}

/// Anthropic's cost report records claude-sonnet-4-6's cache writes at the $3 input rate:
/// 5m writes 700,000 × $3 = $2.10 (price $2.625), 1h writes 350,000 × $3 = $1.05 (price
/// $2.10); the model's recorded total is $17.325 − $1.575 = $15.75 and the cause is named, per
/// model and per token type. The web search ($0.10, amount "10" cents) names no model and is
/// listed, not dropped.
#[test]
fn anthropic_cost_report_names_cache_writes_at_the_input_rate() {
    let v = json(&[
        "audit",
        &fixture("anthropic-usage.json"),
        "--recorded-costs",
        &fixture("anthropic-costs.json"),
    ]);
    let rc = &v["audit"]["recorded_cost"];
    let sonnet = &rc["by_model"][0];
    assert_eq!(sonnet["model"], "claude-sonnet-4-6");
    assert_eq!(sonnet["cause"], "cache_writes_as_input");
    close(&sonnet["recorded_usd"], 15.75);
    close(&sonnet["priced_usd"], 17.325);
    close(&sonnet["difference_usd"], -1.575);
    let types = sonnet["by_token_type"].as_array().unwrap();
    let of = |t: &str| types.iter().find(|x| x["token_type"] == t).unwrap();
    assert_eq!(of("input")["note"], "matches");
    close(&of("cache_write_5m")["recorded_usd"], 2.10);
    close(&of("cache_write_1h")["priced_usd"], 2.10);
    assert!(
        of("cache_write_1h")["note"]
            .as_str()
            .unwrap()
            .starts_with("recorded at the input rate ($3.0000 per million)")
    );
    for m in &rc["by_model"].as_array().unwrap()[1..] {
        assert_eq!(m["cause"], "matches", "{m}");
    }
    assert_eq!(rc["unmatched"][0]["item"], "Web search");
    close(&rc["unmatched"][0]["recorded_usd"], 0.10);
    close(&rc["recorded_usd"], 26.55 - 1.575 + 0.10);
}

/// OpenAI's costs record gpt-5.4's cached input at the $2.50 input rate: 1,400,000 × $2.50 =
/// $3.50 against $0.35; gpt-4o-mini matches; `Image models` names no model.
#[test]
fn openai_costs_name_cached_input_at_the_input_rate() {
    let v = json(&[
        "audit",
        &fixture("openai-usage.json"),
        "--recorded-costs",
        &fixture("openai-costs.json"),
    ]);
    let rc = &v["audit"]["recorded_cost"];
    let gpt = &rc["by_model"][0];
    assert_eq!(gpt["model"], "gpt-5.4");
    assert_eq!(gpt["cause"], "cache_reads_as_input");
    close(&gpt["difference_usd"], 3.50 - 0.35);
    assert_eq!(rc["by_model"][1]["cause"], "matches");
    assert_eq!(rc["unmatched"][0]["item"], "Image models");
    close(&rc["unmatched"][0]["recorded_usd"], 0.5);
}

/// Replay and fit need requests: a bucketed report is refused with exit code 2.
#[test]
fn replay_and_fit_refuse_bucketed_reports() {
    let out = tempfile::tempdir().unwrap();
    let scenario = out.path().join("s.ron");
    for args in [
        vec!["replay", "--model", "gpt-4o-mini"],
        vec!["fit", "-o", scenario.to_str().unwrap()],
    ] {
        for f in ["openai-usage.json", "anthropic-usage.json"] {
            let mut a = args.clone();
            let path = fixture(f);
            a.insert(1, &path);
            bin().args(&a).assert().code(2).stderr(
                predicate::str::contains("has no per-request rows: ").and(
                    predicate::str::contains(
                        "needs request-level logs (OTel spans, LiteLLM, Langfuse, native)",
                    ),
                ),
            );
        }
    }
    assert!(!scenario.exists());
}

/// A malformed page names the file, the line and the JSON path of the bad value.
#[test]
fn malformed_pages_name_file_line_and_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("openai-usage.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            {
                let mut v = v.clone();
                v["data"][1]["results"][0]["input_tokens"] = "many".into();
                v
            },
            "data[1].results[0].input_tokens: expected a whole number >= 0, got \"many\"",
        ),
        (
            {
                let mut v = v.clone();
                v["data"][0]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("num_model_requests");
                v
            },
            "data[0].results[1].num_model_requests: missing",
        ),
        (
            {
                let mut v = v.clone();
                v["data"][0]["start_time"] = "yesterday".into();
                v
            },
            "data[0].start_time: expected whole Unix seconds, got \"yesterday\"",
        ),
        (
            {
                let mut v = v.clone();
                v["data"][0]["results"][0]["input_cached_tokens"] = 3_000_000.into();
                v
            },
            "data[0].results[0]: cache_read_tokens + cache_write_tokens (3000000) exceed input_tokens (2000000)",
        ),
    ];
    for (i, (page, want)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&page).unwrap()).unwrap();
        bin()
            .args(["audit", path.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("bad{i}.json:")))
            .stderr(predicate::str::contains(want));
    }
    // Anthropic: a context window the report does not have.
    let text = std::fs::read_to_string(fixture("anthropic-usage.json")).unwrap();
    let bad = text.replacen("\"200k-1M\"", "\"1M+\"", 1);
    let path = dir.path().join("anthropic.json");
    std::fs::write(&path, bad).unwrap();
    bin()
        .args(["audit", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "data[1].results[1].context_window: \"1M+\" is not a context window of the report",
        ));
    // A cost report given as the trace says where it goes.
    bin()
        .args(["audit", &fixture("anthropic-costs.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--recorded-costs COSTS"));
    // A JSON document that is no page at all.
    let path = dir.path().join("other.json");
    std::fs::write(&path, "{\n  \"hello\": 1\n}\n").unwrap();
    bin()
        .args(["audit", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognised trace format"));
}

/// A bad cost report names its file and path under `--recorded-costs`.
#[test]
fn a_bad_cost_report_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("anthropic-costs.json")).unwrap();
    let path = dir.path().join("costs.json");
    std::fs::write(
        &path,
        text.replacen("\"amount\": \"300\"", "\"amount\": 300", 1),
    )
    .unwrap();
    bin()
        .args([
            "audit",
            &fixture("anthropic-usage.json"),
            "--recorded-costs",
            path.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--recorded-costs: "))
        .stderr(predicate::str::contains(
            "data[0].results[0].amount: expected a decimal string of cents",
        ));
}
