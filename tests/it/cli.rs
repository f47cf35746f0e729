//! The command line as a user runs it.

use predicates::prelude::*;

use crate::support::{bin, json, repo, shared};

#[test]
fn run_prints_a_table_with_totals_and_breakdowns() {
    bin()
        .args(["run", "--runs", "3"])
        .arg(repo("scenarios/support-assistant.ron"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "support-assistant: 30 days, 3 runs, seed 42",
        ))
        .stdout(predicate::str::contains("== baseline =="))
        .stdout(predicate::str::contains("support-chat"))
        .stdout(predicate::str::contains("claude-sonnet-4-6"))
        .stdout(predicate::str::contains("per active user-day"))
        .stdout(predicate::str::contains("Dominant cost: input tokens"));
}

#[test]
fn run_json_follows_the_report_contract() {
    let out = bin()
        .args(["run", "--runs", "4", "--format", "json"])
        .arg(repo("scenarios/support-assistant.ron"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "tokencast");
    assert_eq!(v["scenario"]["name"], "support-assistant");
    assert_eq!(v["scenario"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["runs"], 4);
    assert_eq!(v["horizon_days"], 30);
    let b = &v["strategies"]["baseline"];
    for k in ["mean", "p5", "p50", "p95", "min", "max"] {
        assert!(b["cost_usd"][k].as_f64().unwrap() > 0.0, "cost_usd.{k}");
    }
    let c = &b["cost_usd"];
    assert!(c["min"].as_f64() <= c["p5"].as_f64() && c["p95"].as_f64() <= c["max"].as_f64());
    assert!(
        b["by_endpoint"]["support-chat"]["cost_usd"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        b["by_model"]["claude-sonnet-4-6"]["cost_usd"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        b["by_bucket"]["input"]["cost_usd"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(b["daily"].as_array().unwrap().len(), 30);
    assert_eq!(b["prompt_cache"]["hit_ratio"], 0.0);
    assert_eq!(b["savings_vs_baseline_usd"]["mean"], 0.0);
    assert!(
        b["unit_economics"]["cost_per_request_usd"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // The per-day costs add up to the total.
    let daily: f64 = b["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["cost_usd"]["mean"].as_f64().unwrap())
        .sum();
    let total = c["mean"].as_f64().unwrap();
    assert!((daily - total).abs() < 1e-6 * total);
    // Keys are sorted.
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn run_writes_csv_and_markdown_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    bin()
        .args(["run", "--runs", "2", "--format", "csv", "-o"])
        .arg(&csv)
        .arg(repo("scenarios/support-assistant.ron"))
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), tokencast::output::csv::HEADER);
    assert!(text.contains("baseline,total,,"));
    assert!(text.contains("baseline,endpoint,support-chat,"));
    assert!(text.contains("baseline,day,29,"));
    let md = dir.path().join("r.md");
    bin()
        .args(["run", "--runs", "2", "--format", "markdown", "-o"])
        .arg(&md)
        .arg(repo("scenarios/support-assistant.ron"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("## support-assistant: 30 days, 2 runs, seed 42"));
    assert!(text.contains("| strategy | cost (mean) |"));
}

#[test]
fn csv_carries_unit_economics_and_the_scale_curve_as_the_json_does() {
    // Same forecast twice (same seed and runs): the CSV's `unit` and `scale_*` rows hold the
    // JSON's statistics.
    let args = |format: &str| -> Vec<String> {
        [
            "run",
            "--runs",
            "3",
            "--scale",
            "300,3k",
            "--scale-runs",
            "1",
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([repo("scenarios/rollout-12-months.ron")
            .display()
            .to_string()])
        .collect()
    };
    let out = bin().args(args("csv")).output().unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let out = bin().args(args("json")).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let find = |strategy: &str, dim: &str, key: &str| -> Vec<f64> {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{strategy},{dim},{key},")))
            .unwrap_or_else(|| panic!("no {strategy},{dim},{key} row"));
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 13, "{line}");
        assert!(f[9].is_empty() && f[10].is_empty(), "{line}");
        // mean, p5, p50, p95
        [3, 4, 5, 6]
            .iter()
            .map(|&i| f[i].parse().unwrap())
            .collect()
    };
    let stats = |v: &serde_json::Value| -> Vec<f64> {
        ["mean", "p5", "p50", "p95"]
            .iter()
            .map(|k| v[k].as_f64().unwrap())
            .collect()
    };
    let u = &report["strategies"]["cache-5m"]["unit_economics"];
    assert_eq!(
        find("cache-5m", "unit", "per_user_month"),
        stats(&u["cost_per_user_month_usd"])
    );
    assert_eq!(
        find("cache-5m", "unit", "margin_per_user_month"),
        stats(&u["margin_per_user_month_usd"])
    );
    let p = &report["scale_curve"]["points"][1];
    let users = p["daily_active_users"].as_f64().unwrap().to_string();
    assert_eq!(
        find("baseline", "scale_per_user_month", &users),
        stats(&p["strategies"]["baseline"]["cost_per_user_month_usd"])
    );
    assert_eq!(
        find("baseline", "scale_margin_per_user_month", &users),
        stats(&p["strategies"]["baseline"]["margin_per_user_month_usd"])
    );
}

#[test]
fn bad_output_path_fails_before_simulating() {
    bin()
        .args(["run", "-o", "/nonexistent-dir/x.json"])
        .arg(repo("scenarios/support-assistant.ron"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/nonexistent-dir/x.json: cannot create output file",
        ));
}

#[test]
fn missing_scenario_is_exit_2_with_the_path() {
    bin()
        .args(["run", "nope.ron"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: nope.ron: cannot read scenario",
        ));
}

#[test]
fn usage_errors_exit_2() {
    bin().args(["run"]).assert().code(2);
    bin().args(["run", "--runs", "0", "x.ron"]).assert().code(2);
    bin()
        .args(["run", "--format", "xml", "x.ron"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("table"));
}

#[test]
fn prices_lists_the_builtin_catalog() {
    let out = bin().arg("prices").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for m in [
        "claude-opus-4-8",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-5-mini",
        "gpt-4o-mini",
        "text-embedding-3-small",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    ] {
        assert!(text.contains(m), "missing {m}");
    }
    assert!(text.contains("USD per million tokens"));
}

#[test]
fn prices_shows_one_model_in_full() {
    bin()
        .args(["prices", "gpt-5.6-sol"])
        .assert()
        .success()
        .stdout(predicate::str::contains("standard input"))
        .stdout(predicate::str::contains(">272k standard input"))
        .stdout(predicate::str::contains("batch output"))
        .stdout(predicate::str::contains("cache write 30m"))
        .stdout(predicate::str::contains(
            "automatic at an implicit breakpoint at the end of each prompt, plus explicit \
             breakpoints; minimum prefix 1024 tokens; granularity 1 token; TTLs 30m (default);",
        ));
    // Before GPT-5.6: automatic prefix caching in 128-token steps.
    bin()
        .args(["prices", "gpt-4o-mini"])
        .assert()
        .success()
        .stdout(predicate::str::contains("granularity 128 tokens"));
}

#[test]
fn prices_unknown_model_suggests() {
    bin()
        .args(["prices", "claude-sonet-4-6"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean claude-sonnet-4-6"));
}

/// A model whose entry in a LiteLLM map was skipped as invalid was only reported later as
/// "unknown model"; every command that looks a model up now says the entry was skipped, and why.
#[test]
fn a_skipped_litellm_entry_is_explained_where_the_model_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("p.json");
    std::fs::write(
        &map,
        r#"{"good-model": {"mode": "chat", "litellm_provider": "openai",
              "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
            "half-model": {"mode": "chat", "litellm_provider": "openai",
              "input_cost_per_token": 1e-6}}"#,
    )
    .unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,model\n1700000000000,100,10,half-model\n",
    )
    .unwrap();
    let scenario = dir.path().join("s.ron");
    std::fs::write(
        &scenario,
        r#"Scenario(name: "x", seed: 1, horizon_days: 1, prices: "p.json", endpoints: [
             Endpoint(name: "chat", model: "half-model",
               traffic: Traffic(daily_active_users: 5, sessions_per_user_per_day: 1,
                 turns: Fixed(1), think_time_s: Fixed(1)),
               prompt: Prompt(user_tokens: Fixed(10)), output_tokens: Fixed(10))])"#,
    )
    .unwrap();
    let (m, t, s) = (
        map.to_str().unwrap(),
        trace.to_str().unwrap(),
        scenario.to_str().unwrap(),
    );
    let why = format!(
        "\"half-model\" is in LiteLLM price map {m}, but its entry was skipped: no \
         output_cost_per_token"
    );
    let runs: [(Vec<&str>, String); 5] = [
        (vec!["prices", "half-model", "--prices", m], why.clone()),
        (vec!["audit", t, "--prices", m], format!("{t}:2: {why}")),
        (
            vec!["replay", t, "--prices", m, "--model", "half-model"],
            format!("--model: {why}"),
        ),
        (
            vec!["fit", t, "--prices", m, "--model", "half-model", "-o", "-"],
            why.clone(),
        ),
        (
            vec!["validate", s],
            format!("endpoints[0].model: {why}; fix the entry"),
        ),
    ];
    for (args, want) in runs {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&want), "{args:?}: expected {want:?} in\n{err}");
        assert!(!err.contains("unknown model"), "{args:?}: {err}");
    }
    // The valid entry is read as usual.
    bin()
        .args(["prices", "good-model", "--prices", m])
        .assert()
        .success();
}

#[test]
#[ignore = "needs ../shared/pricing (the real LiteLLM map); CI runs it with --ignored"]
fn prices_loads_the_real_litellm_file() {
    let path = shared("pricing/litellm-model-prices-1.110.2.json");
    let out = bin()
        .args(["prices", "--prices"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let n: usize = text
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(n > 2000, "only {n} models imported");
    // The scenario can run against it too.
    bin()
        .args(["run", "--runs", "1", "--prices"])
        .arg(&path)
        .arg(repo("scenarios/support-assistant.ron"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "litellm-model-prices-1.110.2.json",
        ));
}

#[test]
fn validate_accepts_many_and_stops_at_the_first_bad() {
    bin()
        .arg("validate")
        .arg(repo("scenarios/support-assistant.ron"))
        .arg(repo("scenarios/coding-agent.ron"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: "))
        .stdout(predicate::str::contains("coding-agent.ron"));
    bin()
        .arg("validate")
        .arg(repo("scenarios/support-assistant.ron"))
        .arg(repo("tests/fixtures/bad/unknown-model.ron"))
        .arg(repo("tests/fixtures/bad/bad-values.ron"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown-model.ron"))
        .stderr(predicate::str::contains("bad-values.ron").not());
}

fn run_json(args: &[&str], scenario: &std::path::Path) -> serde_json::Value {
    let path = scenario.to_str().unwrap();
    json(&[&["run"], args, &[path]].concat())
}

#[test]
fn inline_models_are_priced() {
    let v = run_json(
        &["--runs", "1"],
        &repo("tests/fixtures/good/inline-model.ron"),
    );
    let b = &v["strategies"]["baseline"];
    let requests = b["requests"]["mean"].as_f64().unwrap();
    assert!(requests > 100.0);
    // $2 per million input, $8 per million output.
    let expected = requests * (1000.0 * 2e-6 + 100.0 * 8e-6);
    let cost = b["cost_usd"]["mean"].as_f64().unwrap();
    assert!(
        (cost - expected).abs() < 1e-9 * expected,
        "{cost} vs {expected}"
    );
    assert!(b["by_model"]["acme-support-ft"].is_object());
}

#[test]
fn scenario_prices_field_loads_a_ron_catalog_relative_to_the_file() {
    let v = run_json(
        &["--runs", "1"],
        &repo("tests/fixtures/good/with-catalog.ron"),
    );
    // Named by its own source and by its path.
    let source = v["prices"]["source"].as_str().unwrap();
    assert!(
        source.starts_with("test catalog (")
            && source.ends_with("tests/fixtures/good/catalog.ron)"),
        "{source}"
    );
    assert_eq!(v["prices"]["effective_date"], "2026-01-01");
    let b = &v["strategies"]["baseline"];
    let requests = b["requests"]["mean"].as_f64().unwrap();
    let cost = b["cost_usd"]["mean"].as_f64().unwrap();
    assert!((cost - requests * 1000.0 * 1e-6).abs() < 1e-9);
}

#[test]
fn prices_flag_overrides_the_scenario_catalog() {
    // The built-in catalog has no "house-model": --prices replaces the scenario's catalog.
    bin()
        .args(["validate", "--prices"])
        .arg(repo("src/foundations/pricing/builtin.ron"))
        .arg(repo("tests/fixtures/good/with-catalog.ron"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown model \"house-model\""));
}

/// Regression: the OS error was printed twice ("...(os error 2): ...(os error 2)").
#[test]
fn io_errors_are_printed_once() {
    let out = bin().args(["run", "nope.ron"]).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

/// Regression: caching a prefix shorter than the model's minimum saved almost nothing and
/// nothing said why.
#[test]
fn a_prefix_below_the_minimum_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.ron");
    std::fs::write(
        &p,
        r#"Scenario(name: "small prefix", seed: 1, horizon_days: 1,
            endpoints: [Endpoint(name: "chat", model: "claude-haiku-4-5",
                traffic: Traffic(daily_active_users: 100, sessions_per_user_per_day: 1),
                prompt: Prompt(system_tokens: Fixed(1500), user_tokens: Fixed(50)),
                output_tokens: Fixed(100))],
            strategies: [Strategy(name: "cache", prompt_cache: PromptCache(placement: System))])"#,
    )
    .unwrap();
    bin()
        .args(["run", "--runs", "1"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "warning: cache: endpoint \"chat\"'s system prompt and tools (1500 tokens) are shorter than \"claude-haiku-4-5\"'s minimum cacheable prefix (4096 tokens)",
        ));
}

#[test]
fn json_report_reads_back_unchanged_and_months_add_up() {
    let out = bin()
        .args([
            "run",
            "scenarios/coding-agent.ron",
            "--runs",
            "3",
            "--format",
            "json",
        ])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: tokencast::report::Report = serde_json::from_slice(&out.stdout).unwrap();
    let again = tokencast::output::json::render(&report).unwrap();
    assert!(
        again == String::from_utf8_lossy(&out.stdout),
        "JSON changed on reading back"
    );
    for (name, s) in &report.strategies {
        assert_eq!(s.runs_cost_usd.len(), 3, "{name}");
        let days: u32 = s.monthly.iter().map(|m| m.days).sum();
        assert_eq!(days, report.horizon_days, "{name}");
        let months: f64 = s.monthly.iter().map(|m| m.cost_usd.mean).sum();
        assert!(
            (months - s.cost_usd.mean).abs() < 1e-6 * s.cost_usd.mean,
            "{name}"
        );
        let runs_mean = s.runs_cost_usd.iter().sum::<f64>() / 3.0;
        assert!((runs_mean - s.cost_usd.mean).abs() < 1e-9 * s.cost_usd.mean);
        assert!(s.cost_usd.p5 <= s.cost_usd.p10 && s.cost_usd.p90 <= s.cost_usd.p95);
    }
}

/// A `--scale` point the scenario cannot be simulated at is bad input (exit 2), named.
#[test]
fn an_impossible_scale_point_is_bad_input() {
    bin()
        .arg("run")
        .arg(repo("scenarios/support-assistant.ron"))
        .args(["--runs", "2", "-q", "--scale", "1e12"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--scale 1000000000000: 1000000000000 users give endpoint \"support-chat\"",
        ));
}
