//! Bad input that once ended in an abort or a silently absurd report: each class gets a clear
//! error naming the file, the line and what would be valid, and no partial output.

use crate::support::{bin, repo};

/// A trace of integer-millisecond rows with one far row at line 4.
fn trace_with(far: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        f.path(),
        format!(
            "timestamp,input_tokens,output_tokens,model\n\
             1700000000000,100,10,gpt-4o-mini\n\
             1700000060000,120,12,gpt-4o-mini\n\
             {far},130,13,gpt-4o-mini\n"
        ),
    )
    .unwrap();
    f
}

/// A microsecond clock read as milliseconds would have sized per-day state for millions of
/// days (an abort on a 92 GB allocation); now the row is refused with the likely unit.
#[test]
fn a_microsecond_timestamp_is_refused_naming_the_row_and_unit() {
    let t = trace_with("1700000120000000");
    for cmd in ["audit", "replay"] {
        let mut c = bin();
        c.arg(cmd).arg(t.path());
        if cmd == "replay" {
            c.args(["--model", "gpt-4o-mini", "--prompt-cache", "none"]);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!("{}:4:", t.path().display())),
            "{cmd}: {err}"
        );
        assert!(err.contains("looks like microseconds"), "{cmd}: {err}");
        assert!(out.stdout.is_empty(), "{cmd}: a report was printed");
    }
}

/// A zero timestamp sorted to the front of dated rows sets day 0 at 1970: refused, with the
/// likely cause, instead of a 19,678-day report.
#[test]
fn a_zero_timestamp_among_dated_rows_is_refused_with_its_cause() {
    let t = trace_with("0");
    let out = bin()
        .arg("replay")
        .arg(t.path())
        .args(["--model", "gpt-4o-mini", "--prompt-cache", "none", "--sort"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("zero or missing timestamp"), "{err}");
    // Within the span, the same rows audit fine.
    bin()
        .arg("audit")
        .arg(trace_with("1700000180000").path())
        .assert()
        .success();
}

/// `fit --model` with an embedding model is refused before the trace is read, naming the flag
/// (it used to fit the whole trace, then fail naming the output file).
#[test]
fn fit_refuses_an_embedding_model_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.ron");
    bin()
        .arg("fit")
        .arg(crate::support::repo(
            "traces/azure-llm-2023-conv-sample.csv",
        ))
        .args(["--model", "text-embedding-3-small", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--model: \"text-embedding-3-small\" is an embedding model",
        ));
    assert!(!out.exists());
}

/// Spans read as words: a trace of 7 minutes (the Azure sample) says so, not "1 day" (and
/// never "1 days").
#[test]
fn a_short_trace_says_its_span() {
    for format in ["markdown", "table"] {
        let out = bin()
            .arg("audit")
            .arg(crate::support::repo(
                "traces/azure-llm-2023-conv-sample.csv",
            ))
            .args(["--model", "gpt-4o-mini", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(
            text.contains(": 7 minutes of recorded traffic"),
            "{format}: {text}"
        );
        assert!(!text.contains("1 days"), "{format}: {text}");
    }
}

/// A trace whose own rows name an embedding model is refused by the fit (exit 2, the endpoint
/// named), not after it by the check of the written scenario.
#[test]
fn fit_refuses_an_embedding_model_named_by_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,model\n0,100,0,text-embedding-3-small\n",
    )
    .unwrap();
    bin()
        .arg("fit")
        .arg(&trace)
        .arg("-o")
        .arg(dir.path().join("f.ron"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "endpoint \"all\": \"text-embedding-3-small\" is an embedding model",
        ));
}

/// A one-endpoint scenario on gpt-4o-mini (max output 16,384 tokens) with `fields` replacing
/// the traffic's turns and the output, and `extra` fields at the end, written to `dir`.
fn scenario_file(dir: &std::path::Path, turns: &str, output: &str, extra: &str) -> String {
    let path = dir.join("s.ron");
    std::fs::write(
        &path,
        format!(
            "Scenario(\n  name: \"big\",\n  seed: 1,\n  horizon_days: 1,\n  endpoints: [\n    \
             Endpoint(\n      name: \"chat\",\n      model: \"gpt-4o-mini\",\n      \
             traffic: Traffic(\n        daily_active_users: 50,\n        \
             sessions_per_user_per_day: 1,\n        turns: {turns},\n        \
             think_time_s: Fixed(30),\n      ),\n      \
             prompt: Prompt(user_tokens: Fixed(100)),\n      output_tokens: {output},\n    \
             ),\n  ],\n{extra})\n"
        ),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

/// `validate` on a scenario: its exit code and standard error.
fn validate(path: &str) -> (Option<i32>, String) {
    let out = bin().arg("validate").arg(path).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The scenario: a billion-billion turns, an output of sd 1e18 and a revenue of 1e308
/// validated (only means were checked), then ran forever or printed trillions with exit 0.
/// Each is now an error naming the field, with the number written readably.
#[test]
fn implausible_sizes_counts_and_revenue_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "Fixed(1e18)",
        "Normal(mean: 0, sd: 1e18)",
        "  revenue: Revenue(usd_per_request: 1e308),\n",
    );
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    for want in [
        "endpoints[0].traffic.turns: Fixed(1e18) has a largest value of 1e18 turns per session; at most 10000",
        "endpoints[0].output_tokens: Normal(mean 0, sd 1e18) has a P99.9 of 3.09e18 tokens per request; at most 10000000",
        "revenue.usd_per_request: 1e308 USD per request is beyond any plausible value; at most 1000",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // No number is printed as hundreds of digits.
    assert!(!err.contains("0000000000000000"), "{err}");
}

/// A LogNormal whose median is fine but whose tail is not: its P99.9 is checked, not its mean.
#[test]
fn a_token_distribution_with_an_implausible_tail_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "Fixed(1)",
        "LogNormal(median: 500, p90: 50000)",
        "",
    );
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("endpoints[0].output_tokens: LogNormal(median 500, p90 50000) has a P99.9 of"),
        "{err}"
    );
}

/// Exponential growth of 100x a month over ten years passed (only day 0 was checked) and would
/// have simulated more sessions than atoms.
#[test]
fn a_growth_curve_beyond_the_session_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "Fixed(1)", "Fixed(100)", "");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("horizon_days: 1", "horizon_days: 3660")
        .replace(
            "sessions_per_user_per_day: 1,",
            "sessions_per_user_per_day: 1,\n        growth: Exponential(monthly_rate: 100),",
        );
    std::fs::write(&path, text).unwrap();
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("endpoints[0].traffic.growth: gives "), "{err}");
    assert!(err.contains("daily active users on day"), "{err}");
}

/// A catalog price of 1e300 per million tokens printed a saturated 40-digit cost; now the
/// catalog is refused, naming the model and field.
#[test]
fn an_implausible_price_is_refused_naming_the_model_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.ron");
    std::fs::write(
        &prices,
        "(\n  source: \"test\",\n  effective_date: \"2026-01-01\",\n  models: {\n    \"gpt-4o-mini\": (\n      \
         provider: \"openai\",\n      mode: Chat,\n      \
         standard: (input: 1e300, output: 0.6),\n      \
         cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false),\n    \
         ),\n  },\n)\n",
    )
    .unwrap();
    let path = scenario_file(dir.path(), "Fixed(1)", "Fixed(100)", "");
    let out = bin()
        .args(["run", &path, "--runs", "1", "--prices"])
        .arg(&prices)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("standard.input"), "{err}");
    assert!(
        err.contains("1e300 USD per million tokens is beyond any model's price"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// Output beyond the model's max_output_tokens is cut to it, as the provider does, and the
/// report says how often.
#[test]
fn output_beyond_the_models_limit_is_clamped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "Fixed(1)", "Fixed(20000)", "");
    let r = crate::support::json(&["run", &path, "--runs", "1"]);
    let base = &r["strategies"]["baseline"];
    let requests = base["requests"]["mean"].as_f64().unwrap();
    assert!(requests > 0.0);
    assert_eq!(
        base["tokens"]["output"].as_f64().unwrap(),
        16384.0 * requests
    );
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    let w = warnings
        .iter()
        .find(|w| w.contains("clamped"))
        .unwrap_or_else(|| panic!("no clamp warning in {warnings:?}"));
    assert!(
        w.starts_with("endpoint \"chat\": 100.0% of requests"),
        "{w}"
    );
    assert!(w.contains("max_output_tokens (16384)"), "{w}");
}

/// A trace row of 1e19 input tokens wrapped the audit's sums; now it is a row error.
#[test]
fn a_trace_row_beyond_the_plausible_size_is_a_row_error() {
    let t = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        t.path(),
        "timestamp,input_tokens,output_tokens,model\n\
         1700000000000,100,10,gpt-4o-mini\n\
         1700000060000,10000000000000000000,12,gpt-4o-mini\n",
    )
    .unwrap();
    for cmd in ["audit", "replay", "fit"] {
        let mut c = bin();
        c.arg(cmd).arg(t.path());
        match cmd {
            "replay" => {
                c.args(["--model", "gpt-4o-mini", "--prompt-cache", "none"]);
            }
            "fit" => {
                c.args(["-o", "-"]);
            }
            _ => {}
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "{}:3: input_tokens: 10000000000000000000 tokens is beyond any real request",
                t.path().display()
            )),
            "{cmd}: {err}"
        );
    }
}

/// `plot` looped forever on a cost of 1.7e308 (plotters' tick loop on an infinite axis); now a
/// report beyond a quadrillion dollars is refused at once.
#[test]
fn plot_refuses_a_report_with_an_absurd_cost_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "Fixed(1)", "Fixed(100)", "");
    let mut r = crate::support::json(&["run", &path, "--runs", "1"]);
    r["strategies"]["baseline"]["cost_usd"]["p95"] = serde_json::json!(1.7e308);
    let report = dir.path().join("r.json");
    std::fs::write(&report, serde_json::to_string(&r).unwrap()).unwrap();
    let out = bin()
        .arg("plot")
        .arg(&report)
        .arg(dir.path().join("charts"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("strategies.baseline.cost_usd.p95"), "{err}");
}

/// A hand-edited saved report drew no charts with exit 0 (`strategies: {}`), printed a +100%
/// change (`horizon_days: 0`) or paired runs that were not there; now `plot` and `diff` refuse
/// it naming the file, the field and what would be valid.
#[test]
fn an_inconsistent_saved_report_is_refused_naming_the_field() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "Fixed(1)", "Fixed(100)", "");
    let good = crate::support::json(&["run", &path, "--runs", "2"]);
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 10] = [
        (
            |r| r["strategies"]["baseline"]["runs_cost_usd"] = json!([0.5]),
            "strategies.baseline.runs_cost_usd: has 1 value, but runs is 2; it holds one total per run",
        ),
        (
            |r| r["strategies"]["baseline"]["runs_cost_usd"][1] = json!(-1.0),
            "strategies.baseline.runs_cost_usd[1]: is -1; a run's cost is a number of dollars from 0 to 1e15",
        ),
        (
            |r| r["strategies"]["baseline"]["runs_cost_usd"][0] = json!(1e300),
            "strategies.baseline.runs_cost_usd[0]: is 1e300; a run's cost",
        ),
        (
            |r| r["runs"] = json!(0),
            "runs: is 0; a report has at least 1 run",
        ),
        (
            |r| r["horizon_days"] = json!(0),
            "horizon_days: is 0; must be between 1 and 3660",
        ),
        (
            |r| r["strategies"] = json!({}),
            "strategies: is empty; a report has at least one strategy",
        ),
        (
            |r| r["strategy_order"] = json!(["baseline", "ghost"]),
            "strategy_order: names \"ghost\", which is not in strategies (they are \"baseline\")",
        ),
        (
            |r| r["strategy_order"] = json!([]),
            "strategy_order: lacks \"baseline\"",
        ),
        (
            |r| r["strategies"]["baseline"]["daily"] = json!([]),
            "strategies.baseline.daily: has 0 entries, but horizon_days is 1",
        ),
        (
            |r| r["strategies"]["baseline"]["monthly"][0]["days"] = json!(0),
            "strategies.baseline.monthly[0]: is month 1 from day 0 for 0 days",
        ),
    ];
    let report = dir.path().join("r.json");
    for (edit, expected) in cases {
        let mut r = good.clone();
        edit(&mut r);
        std::fs::write(&report, serde_json::to_string(&r).unwrap()).unwrap();
        for args in [
            vec!["plot".into(), report.clone(), dir.path().join("charts")],
            vec!["diff".into(), report.clone(), report.clone()],
        ] {
            let out = bin().args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {expected}: {err}");
            assert!(
                err.contains(&format!("{}: {expected}", report.display())),
                "{args:?}: {err}"
            );
            assert!(
                out.stdout.is_empty(),
                "{args:?}: {expected}: printed a diff"
            );
        }
    }
    assert!(!dir.path().join("charts").exists(), "no charts were drawn");
    // The report as written is read by both.
    std::fs::write(&report, serde_json::to_string(&good).unwrap()).unwrap();
    bin()
        .arg("diff")
        .arg(&report)
        .arg(&report)
        .assert()
        .success();
}

/// A price scale drawn up to 1e300 printed a saturated 40-digit cost with exit 0; now the
/// scale's largest draw is checked at load (a hundredfold rise at most), as is a revenue value.
#[test]
fn uncertain_price_scales_and_revenue_have_maxima() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "Fixed(1)",
        "Fixed(100)",
        "  revenue: Revenue(usd_per_request: 0.01),\n  uncertain: [\n    \
         Scale(\"prices[gpt-4o-mini]\", Uniform(min: 1e300, max: 1.5e300)),\n    \
         Scale(\"revenue.usd_per_request\", LogNormal(median: 1e6, p90: 1e7)),\n    \
         Scale(\"endpoints[chat].output_tokens\", Uniform(min: 1, max: 1e6)),\n  ],\n",
    );
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "uncertain[0]: \"prices[gpt-4o-mini]\": Uniform(min 1e300, max 1.5e300) gives up to \
             1.5e300 times the catalog price (a hundredfold rise at most); at most 100 is accepted"
        ),
        "{err}"
    );
    assert!(
        err.contains("uncertain[1]: \"revenue.usd_per_request\": LogNormal(median 1000000, p90 10000000) gives up to"),
        "{err}"
    );
    assert!(
        err.contains(
            "uncertain[2]: \"endpoints[chat].output_tokens\": Uniform(min 1, max 1000000) scales \
             Fixed(100) up to 100000000 tokens per request (at its largest draw, 1000000); at \
             most 10000000 is accepted"
        ),
        "{err}"
    );
}

/// Entries that pass alone but compound: two price scales of x50 (x2,500 together), two size
/// scales of x1,000 on Fixed(100) (1e8 tokens together), and uncertain users whose P99.9 gives
/// more sessions a day than are simulated. `validate` refuses each, naming the entries, where
/// they used to pass validation (the users failing only in `run`, exit 1, naming no entry).
#[test]
fn uncertain_entries_are_checked_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "Fixed(1)",
        "Fixed(100)",
        "  uncertain: [\n    \
         Scale(\"prices[gpt-4o-mini].input\", Uniform(min: 1, max: 50)),\n    \
         Scale(\"prices[*]\", Uniform(min: 1, max: 50)),\n    \
         Scale(\"endpoints[*].output_tokens\", Uniform(min: 1, max: 1000)),\n    \
         Scale(\"endpoints[chat].output_tokens\", Uniform(min: 1, max: 1000)),\n    \
         Value(\"endpoints[chat].traffic.daily_active_users\", LogNormal(median: 1e8, p90: 2e8)),\n  ],\n",
    );
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
    assert!(
        err.contains(
            "uncertain: the scales of \"gpt-4o-mini\"'s input price multiply to x2500 at their \
             largest draws (uncertain[0] \"prices[gpt-4o-mini].input\" up to 50, uncertain[1] \
             \"prices[*]\" up to 50); together they may scale a price by at most x100"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "uncertain: together, at their largest draws (uncertain[2] \
             \"endpoints[*].output_tokens\" up to 1000, uncertain[3] \
             \"endpoints[chat].output_tokens\" up to 1000), the scales of endpoint \"chat\"'s \
             output_tokens give up to 100000000 tokens per request; at most 10000000 is accepted"
        ),
        "{err}"
    );
    // LogNormal(median 1e8, p90 2e8): P99.9 = 1e8 * 2^(3.0902 / 1.2816) = 531,961,222 users,
    // one session each.
    assert!(
        err.contains(
            "uncertain: endpoint \"chat\": the largest draws give 531961221 sessions a day; at \
             most 100000000 a day are simulated"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "(uncertain[4] \"endpoints[chat].traffic.daily_active_users\" up to 531961221)"
        ),
        "{err}"
    );
    // Each alone, at a size that passes, still validates.
    let ok = scenario_file(
        dir.path(),
        "Fixed(1)",
        "Fixed(100)",
        "  uncertain: [\n    \
         Scale(\"prices[gpt-4o-mini].input\", Uniform(min: 1, max: 10)),\n    \
         Scale(\"prices[*]\", Uniform(min: 1, max: 10)),\n    \
         Value(\"endpoints[chat].traffic.daily_active_users\", LogNormal(median: 1e6, p90: 2e6)),\n  ],\n",
    );
    let (code, err) = validate(&ok);
    assert_eq!(code, Some(0), "{err}");
}

/// Existing outputs (a report with mode 600, a page, a folder of charts) before a command that
/// fails on bad input of each class: far timestamps, an endless input, implausible sizes, an
/// absurd saved report. Each command exits 2 naming the problem and leaves every file as it was.
#[cfg(unix)]
#[test]
fn a_refused_input_leaves_existing_outputs_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (report, page, charts) = (d.join("report.json"), d.join("page.html"), d.join("charts"));
    std::fs::write(&report, "old report").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&page, "old page").unwrap();
    std::fs::create_dir(&charts).unwrap();
    // The charts a good report draws, so a failed plot would overwrite them.
    let good = scenario_file(d, "Fixed(1)", "Fixed(100)", "");
    let ok = bin()
        .args([
            "run",
            &good,
            "--runs",
            "1",
            "-q",
            "-o",
            "/dev/null",
            "--plot",
        ])
        .arg(&charts)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let snapshot = |p: &std::path::Path| -> Vec<(String, Vec<u8>, u32)> {
        let mut files: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| {
                let meta = e.metadata().unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                    meta.permissions().mode(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = (snapshot(d), snapshot(&charts));
    assert!(!before.1.is_empty(), "the good run drew charts");

    let far = trace_with("1700000120000000");
    let big_dir = tempfile::tempdir().unwrap();
    let endless = big_dir.path().join("endless.csv");
    std::os::unix::fs::symlink("/dev/zero", &endless).unwrap();
    let big = scenario_file(big_dir.path(), "Fixed(1e18)", "Fixed(100)", "");
    let mut absurd = crate::support::json(&["run", &good, "--runs", "1"]);
    absurd["strategies"]["baseline"]["cost_usd"]["mean"] = serde_json::json!(1.7e308);
    let absurd_path = big_dir.path().join("absurd.json");
    std::fs::write(&absurd_path, serde_json::to_string(&absurd).unwrap()).unwrap();

    let far_path = far.path().to_string_lossy().into_owned();
    let (endless, absurd_path) = (
        endless.to_string_lossy().into_owned(),
        absurd_path.to_string_lossy().into_owned(),
    );
    let (report, page, charts_s) = (
        report.to_string_lossy().into_owned(),
        page.to_string_lossy().into_owned(),
        charts.to_string_lossy().into_owned(),
    );
    let cases: [(Vec<&str>, &str); 6] = [
        (
            vec!["audit", &far_path, "-o", &report],
            "looks like microseconds",
        ),
        (
            vec!["replay", &far_path, "--model", "gpt-4o-mini", "-o", &report],
            "looks like microseconds",
        ),
        (
            vec![
                "audit",
                &endless,
                "--trace-format",
                "native-csv",
                "-o",
                &report,
            ],
            "a line longer than 1048576 bytes",
        ),
        (
            vec![
                "run", &big, "-o", &report, "--html", &page, "--plot", &charts_s,
            ],
            "traffic.turns",
        ),
        (
            vec!["plot", &absurd_path, &charts_s, "--html", &page],
            "strategies.baseline.cost_usd.mean",
        ),
        (
            vec!["fit", &far_path, "--model", "gpt-4o-mini", "-o", &report],
            "looks like microseconds",
        ),
    ];
    for (args, want) in cases {
        let out = bin()
            .args(&args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: expected {want:?} in {err}");
        assert_eq!(
            (snapshot(d), snapshot(&charts)),
            before,
            "{args:?} changed an existing output"
        );
    }
}

/// A summary is one output of the summarising model: `summary_tokens` beyond its
/// `max_output_tokens` is refused at validation (9e12 tokens billed $2.3 billion for two days,
/// and 50,000 on gpt-4o-mini, which writes at most 16,384, was billed in full).
#[test]
fn a_summary_longer_than_the_model_can_write_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (tokens, model, shown) in [
        ("50000", "", "\"gpt-4o-mini\""),
        (
            "9000000000000",
            ", model: \"gpt-5.6-luna\"",
            "\"gpt-5.6-luna\"",
        ),
    ] {
        let path = scenario_file(
            dir.path(),
            "Fixed(5)",
            "Fixed(100)",
            &format!(
                "  strategies: [Strategy(name: \"sum\", context: Context(policy: \
                 Summarize(every_turns: 2, summary_tokens: {tokens}{model})))],\n"
            ),
        );
        let (code, err) = validate(&path);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("strategies[0].context.policy.summary_tokens")
                && err.contains(&format!("longer than {shown} can write")),
            "{err}"
        );
    }
    // Up to the limit validates.
    let path = scenario_file(
        dir.path(),
        "Fixed(5)",
        "Fixed(100)",
        "  strategies: [Strategy(name: \"sum\", context: Context(policy: \
         Summarize(every_turns: 2, summary_tokens: 16384)))],\n",
    );
    assert_eq!(validate(&path).0, Some(0), "{}", validate(&path).1);
}

/// `--threads 20000` hung (a pool of twenty thousand threads) and `--budget 1e300` printed
/// f32::MAX as a 40-digit figure: both are usage errors now.
#[test]
fn absurd_threads_and_budgets_are_usage_errors() {
    for (flag, value, want) in [
        ("--threads", "20000", "20000 is not in 1..=1024"),
        ("--threads", "0", "0 is not in 1..=1024"),
        ("--budget", "1e300", "give USD per month from 0.01 to 1e15"),
        ("--budget", "1e-300", "give USD per month from 0.01 to 1e15"),
    ] {
        let out = bin()
            .args(["run", "scenarios/faq-bot.ron", "--runs", "1", flag, value])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(want), "{flag} {value}: {err}");
    }
}

/// Weights that each fit in an f64 but add up to infinity made every hour's share 0 (a $0.00
/// bill), and a batch turnaround of 1e300 s was silently cut to minutes: both are refused.
#[test]
fn overflowing_weights_and_endless_batch_turnarounds_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "Fixed(1),\n        weekday_weights: [1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308]",
        "Fixed(100)",
        "",
    );
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("traffic.weekday_weights: weights are relative"),
        "{err}"
    );
    for (turnaround, ok) in [
        ("Fixed(1e300)", false),
        ("Fixed(700000)", false),
        ("Fixed(90000)", true),
    ] {
        let path = scenario_file(
            dir.path(),
            "Fixed(1)",
            "Fixed(100)",
            &format!(
                "  strategies: [Strategy(name: \"b\", batch: Batch(flush_every_s: 3600, \
                 turnaround_s: {turnaround}))],\n"
            ),
        );
        // The batch needs a deferrable endpoint.
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "model: \"gpt-4o-mini\",",
            "model: \"gpt-4o-mini\", deferrable: true,",
        );
        std::fs::write(&path, text).unwrap();
        let (code, err) = validate(&path);
        if ok {
            assert_eq!(code, Some(0), "{turnaround}: {err}");
        } else {
            assert_eq!(code, Some(2), "{turnaround}: {err}");
            assert!(
                err.contains("strategies[0].batch.turnaround_s")
                    && err.contains("at most 604800 is accepted"),
                "{turnaround}: {err}"
            );
        }
    }
}

/// Three hundredfold price changes of one model compounded to a millionfold price ($221,455 for
/// three days of a $0.20 scenario): changes of one model may not together exceed one's limit.
#[test]
fn compounding_price_changes_are_held_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let change = |f: &str| format!("PriceChange(day: 0, model: \"gpt-4o-mini\", factor: {f})");
    for (factors, ok) in [(["100", "100", "100"], false), (["10", "10", "1"], true)] {
        let changes: Vec<String> = factors.iter().map(|f| change(f)).collect();
        let path = scenario_file(
            dir.path(),
            "Fixed(1)",
            "Fixed(100)",
            &format!("  price_changes: [{}],\n", changes.join(", ")),
        );
        let (code, err) = validate(&path);
        if ok {
            assert_eq!(code, Some(0), "{factors:?}: {err}");
        } else {
            assert_eq!(code, Some(2), "{factors:?}: {err}");
            assert!(
                err.contains("price_changes: the changes of \"gpt-4o-mini\" multiply its")
                    && err.contains("by 1000000 in all; at most 100"),
                "{err}"
            );
        }
    }
}

/// A scenario saved with a byte-order mark loads; a start date past the years a forecast can
/// start in (its months were labelled "10000-01") and a name with a newline (it broke the
/// table's rows) are refused naming the field.
#[test]
fn scenario_text_edge_cases_load_or_are_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("scenarios/faq-bot.ron")).unwrap();
    let bom = dir.path().join("bom.ron");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let (code, err) = validate(bom.to_str().unwrap());
    assert_eq!(code, Some(0), "{err}");

    let far = dir.path().join("far.ron");
    std::fs::write(
        &far,
        text.replace("start_weekday: Mon,", "start_date: \"9999-12-31\","),
    )
    .unwrap();
    let (code, err) = validate(far.to_str().unwrap());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "start_date: 9999-12-31 is outside the years 1970 to 2999 that a forecast can start in"
        ),
        "{err}"
    );

    let newline = dir.path().join("newline.ron");
    std::fs::write(
        &newline,
        text.replace("name: \"faq\",", "name: \"fa\\nq\",")
            .replace("name: \"semantic-10k\",", "name: \"semantic\\t10k\","),
    )
    .unwrap();
    let (code, err) = validate(newline.to_str().unwrap());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "endpoints[0].name: \"fa\\nq\" contains the control character '\\n'; a name is \
             printed in tables and must be one line of printable text"
        ),
        "{err}"
    );
    assert!(
        err.contains("strategies[0].name: \"semantic\\t10k\" contains the control character '\\t'"),
        "{err}"
    );
}

/// `-o` and `--html` naming one file (by two spellings) or both standard output are a usage
/// error before any work, and the existing file is left as it was; `--html -` alone puts only
/// the page on standard output.
#[test]
fn two_outputs_of_one_run_cannot_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("same.json");
    std::fs::write(&out, "old").unwrap();
    let scenario = repo("scenarios/faq-bot.ron");
    let o = bin()
        .current_dir(dir.path())
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "2", "-o", "same.json", "--html", "./same.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: -o and --html both write to same.json; give each output its own file\n"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    let o = bin()
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "2", "-o", "-", "--html", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("both write to standard output"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = bin()
        .arg("run")
        .arg(&scenario)
        .args(["--runs", "2", "--html", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..80]);
    assert!(page.trim_end().ends_with("</html>"));
}

/// A reader that stops early (`synth -o - | head`) ends the command quietly with exit 0, as
/// `run | head` does, instead of "error: ... Broken pipe" and exit 1.
#[cfg(unix)]
#[test]
fn a_closed_pipe_stops_synth_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tokencast"))
        .arg("synth")
        .arg(repo("scenarios/faq-bot.ron"))
        .args(["-o", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `diff` holds a scenario to the scenario limit (8 MiB), not a report's (256 MiB), and says
/// which it was.
#[test]
fn diff_holds_a_scenario_to_the_scenario_limit() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("scenarios/faq-bot.ron")).unwrap();
    let big = dir.path().join("big.ron");
    std::fs::write(&big, format!("{text}//{}\n", "x".repeat(9 << 20))).unwrap();
    let o = bin()
        .arg("diff")
        .arg(&big)
        .arg(repo("scenarios/faq-bot.ron"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("more than 8 MiB, the most a scenario file may hold"),
        "{err}"
    );
}

/// Write `text` to a file named `name` in `dir`; its path.
fn file(dir: &std::path::Path, name: &str, text: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// `tokencast audit TRACE --model gpt-4o-mini`, expected to exit 2: its standard error, after
/// checking that no report was printed.
fn audit_refused(trace: &str) -> String {
    let out = bin()
        .args(["audit", trace, "--model", "gpt-4o-mini"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{trace}: {err}");
    assert!(out.stdout.is_empty(), "{trace}: a report was printed");
    err
}

/// A CSV header naming a column twice, or a JSONL row giving a key twice, was read silently
/// (one of the two values dropped); now each is an error naming the line and the column or key.
#[test]
fn a_column_or_key_given_twice_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = file(
        dir.path(),
        "t.csv",
        b"timestamp,input_tokens,output_tokens, input_tokens\n1700000000000,100,10,5\n",
    );
    let err = audit_refused(&csv);
    assert!(
        err.contains(&format!(
            "{csv}:1: column `input_tokens` appears twice (columns 2 and 4); each column is named once"
        )),
        "{err}"
    );
    let jsonl = file(
        dir.path(),
        "t.jsonl",
        b"{\"timestamp\": 1700000000000, \"input_tokens\": 100, \"output_tokens\": 10}\n\
          {\"timestamp\": 1700000060000, \"input_tokens\": 100, \"output_tokens\": 10, \"input_tokens\": 5}\n",
    );
    let err = audit_refused(&jsonl);
    assert!(
        err.contains(&format!(
            "{jsonl}:2: key `input_tokens` appears twice (the second ends at column 85); each \
             key is given once"
        )),
        "{err}"
    );
    // A column the format does not read may repeat (exports repeat unused ones).
    let burst = file(
        dir.path(),
        "b.csv",
        b"Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type,x,x\n\
          5,ChatGPT,100,20,120,Conversation log,1,2\n",
    );
    bin()
        .args(["audit", &burst, "--model", "gpt-4o-mini"])
        .assert()
        .success();
}

/// A row whose prefix blocks covered more tokens than its prompt was read, and `audit` and
/// `replay` then counted its blocks differently; now it is a row error naming the fields. The
/// last block may be partial: n blocks of b tokens need more than (n − 1) × b input tokens.
#[test]
fn prefix_blocks_beyond_the_prompt_are_a_row_error() {
    let dir = tempfile::tempdir().unwrap();
    let trace = |input: u32| {
        file(
            dir.path(),
            &format!("p{input}.csv"),
            format!(
                "timestamp,input_tokens,output_tokens,model,prefix_hashes,block_tokens\n\
                 1700000000000,{input},10,gpt-4o-mini,1 2 3,64\n"
            )
            .as_bytes(),
        )
    };
    let bad = trace(128);
    for cmd in ["audit", "replay"] {
        let out = bin()
            .args([cmd, &bad, "--model", "gpt-4o-mini"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "{bad}:2: prefix_hashes: 3 blocks of block_tokens 64 are more than input_tokens \
                 (128) fill; 3 blocks need input_tokens above 128"
            )),
            "{cmd}: {err}"
        );
    }
    // One token in the last block is enough.
    let good = trace(129);
    for cmd in ["audit", "replay"] {
        bin()
            .args([cmd, &good, "--model", "gpt-4o-mini"])
            .assert()
            .success();
    }
    // Block ids without a block size: audit read them as no reuse, replay refused them.
    let sizeless = file(
        dir.path(),
        "sizeless.csv",
        b"timestamp,input_tokens,output_tokens,model,prefix_hashes\n\
          1700000000000,2000,10,gpt-4o-mini,1 2 3\n",
    );
    for cmd in ["audit", "replay"] {
        let out = bin()
            .args([cmd, &sizeless, "--model", "gpt-4o-mini"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "{sizeless}:2: 3 prefix_hashes without block_tokens; give block_tokens"
            )),
            "{cmd}: {err}"
        );
    }
}

/// A first row before 1970 set day 0 and audit then said the row lay "more than a day before
/// the first row's"; now the row itself is refused, saying what is valid.
#[test]
fn a_timestamp_before_1970_is_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    for (name, time, ms) in [
        ("neg.csv", "-5000", "-5000"),
        ("old.csv", "1969-12-31T00:00:00Z", "-86400000"),
    ] {
        let t = file(
            dir.path(),
            name,
            format!(
                "timestamp,input_tokens,output_tokens,model\n\
                 {time},100,10,gpt-4o-mini\n1700000000000,100,10,gpt-4o-mini\n"
            )
            .as_bytes(),
        );
        let err = audit_refused(&t);
        assert!(
            err.contains(&format!(
                "{t}:2: timestamp {ms} ms lies before 1970-01-01T00:00:00Z; timestamps must be \
                 at or after 1970-01-01 (0 ms)"
            )),
            "{err}"
        );
        assert!(!err.contains("more than a day"), "{err}");
    }
}

/// A BurstGPT `Timestamp` of 1e300 seconds was said to look like nanoseconds (and to be in ms);
/// now a unit is named only when the value reads as a date in it, else the allowed range.
#[test]
fn a_far_burstgpt_timestamp_names_a_unit_only_when_it_looks_like_one() {
    let dir = tempfile::tempdir().unwrap();
    for (time, want) in [
        (
            "1e300",
            "Timestamp 1e300 s lies after the year 3000; BurstGPT timestamps are seconds from \
             the trace start, from 0 to 32503680000",
        ),
        (
            "1700000000000",
            "Timestamp 1700000000000 s lies after the year 3000, so it looks like milliseconds: \
             BurstGPT timestamps are seconds from the trace start",
        ),
    ] {
        let t = file(
            dir.path(),
            "b.csv",
            format!(
                "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n\
                 5,ChatGPT,100,20,120,Conversation log\n{time},ChatGPT,100,20,120,Conversation log\n"
            )
            .as_bytes(),
        );
        let err = audit_refused(&t);
        assert!(err.contains(&format!("{t}:3: {want}")), "{err}");
    }
}

/// Bad values are quoted as the file writes them: `1e2` (not `100.0`, the number serde_json
/// read) in a JSONL row, and a CSV cell that is not UTF-8 by its column, 1-based and named (csv
/// counts fields from 0).
#[test]
fn bad_values_are_quoted_as_written_and_columns_counted_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = file(
        dir.path(),
        "t.jsonl",
        b"{\"timestamp\": 1700000000000, \"input_tokens\": 1e2, \"output_tokens\": 10}\n",
    );
    let err = audit_refused(&jsonl);
    assert!(
        err.contains(&format!(
            "{jsonl}:1: input_tokens: expected a whole number >= 0, got 1e2"
        )),
        "{err}"
    );
    let csv = file(
        dir.path(),
        "t.csv",
        b"timestamp,input_tokens,output_tokens,session_id\n1700000000000,100,10,s\xff\n",
    );
    let err = audit_refused(&csv);
    assert!(
        err.contains(&format!(
            "{csv}:2: column 4 (`session_id`) is not UTF-8 text (a bad byte after the cell's \
             first 1 bytes); save the trace as UTF-8"
        )),
        "{err}"
    );
}

/// A JSONL text field written as a number is kept as written: `1e2` stays `1e2` (not
/// `100.0`), and two session ids past 2^64 that differ in their last digit stay two sessions
/// (read as floating-point numbers, they were rounded into one).
#[test]
fn numeric_ids_in_jsonl_are_kept_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let trace = file(
        dir.path(),
        "ids.jsonl",
        b"{\"timestamp\": 0, \"input_tokens\": 100, \"output_tokens\": 10, \"model\": \"gpt-4o-mini\", \"session_id\": 12345678901234567890123, \"user_id\": 1e2}\n\
          {\"timestamp\": 1000, \"input_tokens\": 100, \"output_tokens\": 10, \"model\": \"gpt-4o-mini\", \"session_id\": 12345678901234567890124, \"user_id\": 1e2}\n",
    );
    let v = crate::support::json(&["audit", &trace]);
    assert_eq!(v["strategies"]["recorded"]["sessions"]["mean"], 2.0);
    assert_eq!(v["audit"]["top_users"][0]["name"], "1e2");
}
