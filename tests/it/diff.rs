//! `tokencast diff`: paired comparisons of scenario edits, git mode, thresholds, PR markdown.

use std::fs;
use std::path::Path;

use serde_json::Value;
use tokencast::diff::{self, DiffOptions, Status};
use tokencast::pricing::{Bucket, Catalog, PriceTier, ServiceTier};

use crate::support::{bin, git, repo};

/// Two endpoints on different models, fixed sizes, a caching strategy: small and quick.
fn scenario_text(name: &str, seed: u64, chat_output: u32, faq_users: u32) -> String {
    format!(
        r#"Scenario(
    name: "{name}",
    seed: {seed},
    horizon_days: 2,
    endpoints: [
        Endpoint(
            name: "chat",
            model: "claude-haiku-4-5",
            traffic: Traffic(daily_active_users: 150, sessions_per_user_per_day: 1,
                             turns: Geometric(mean: 3), think_time_s: LogNormal(median: 30, p90: 200)),
            prompt: Prompt(system_tokens: Fixed(1500), user_tokens: Fixed(40)),
            output_tokens: Fixed({chat_output}),
        ),
        Endpoint(
            name: "faq",
            model: "gemini-2.5-flash",
            traffic: Traffic(daily_active_users: {faq_users}, sessions_per_user_per_day: 1),
            prompt: Prompt(system_tokens: Fixed(500), user_tokens: Fixed(30), history: None),
            output_tokens: Fixed(100),
        ),
    ],
    strategies: [
        Strategy(name: "cache-5m", prompt_cache: PromptCache(ttl: M5, placement: FullPrompt)),
    ],
)
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Run `tokencast ARGS` and return (exit code, stdout, stderr).
fn run(args: &[&str], dir: Option<&Path>) -> (i32, String, String) {
    let mut c = bin();
    c.args(args);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn diff_json(args: &[&str], dir: Option<&Path>) -> Value {
    let mut a = vec!["diff"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = run(&a, dir);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// Every change, interval bound and item change of a scenario's diff is exactly 0.
fn assert_exactly_zero(s: &Value) {
    assert_eq!(s["status"], "unchanged", "{s:#}");
    assert_eq!(s["pairing"], "paired");
    for st in s["strategies"].as_array().unwrap() {
        assert_eq!(st["status"], "unchanged");
        for m in ["monthly_mean", "monthly_p50", "monthly_p95"] {
            let c = &st[m];
            assert_eq!(f(&c["change_usd"]), 0.0, "{m}");
            assert_eq!(f(&c["change_pct"]), 0.0, "{m}");
            assert_eq!(f(&c["base_usd"]), f(&c["head_usd"]));
            assert!(f(&c["base_usd"]) > 0.0);
            assert_eq!(f(&c["interval_usd"]["low"]), 0.0);
            assert_eq!(f(&c["interval_usd"]["high"]), 0.0);
        }
        for k in ["by_endpoint", "by_model", "by_bucket"] {
            for i in st[k].as_array().unwrap() {
                assert_eq!(f(&i["change_usd"]), 0.0, "{k} {}", i["name"]);
                assert_eq!(i["moved"], false);
            }
        }
    }
}

/// No signed zero anywhere: `-0`, `-$0.00`, `+0.0%`, ...
fn no_negative_zero(text: &str) {
    for token in
        text.split(|c: char| c.is_whitespace() || c == '|' || c == ',' || c == '(' || c == ')')
    {
        assert!(
            !matches!(
                token,
                "-0" | "-0.0" | "-0.00" | "-0.0%" | "+0.0%" | "-$0.00" | "+$0.00" | "+0"
            ),
            "{token:?} in:\n{text}"
        );
    }
}

#[test]
fn self_diff_is_exactly_zero_for_scenarios_reports_and_copies() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario_text("self", 3, 200, 300);
    let a = write(dir.path(), "a.ron", &text);
    let copy = write(dir.path(), "sub/copy.ron", &text);
    let v = diff_json(&[&a, &a, "--runs", "4"], None);
    assert_exactly_zero(&v["scenarios"][0]);
    assert_eq!(f(&v["total_monthly_p50"]["change_usd"]), 0.0);
    // The same text under another path.
    let v = diff_json(&[&a, &copy, "--runs", "4"], None);
    assert_exactly_zero(&v["scenarios"][0]);

    // Saved JSON reports, against themselves and against the scenario they came from.
    let report = dir.path().join("a.json").display().to_string();
    let (code, _, err) = run(
        &["run", &a, "--runs", "4", "--format", "json", "-o", &report],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v = diff_json(&[&report, &report], None);
    assert_exactly_zero(&v["scenarios"][0]);
    let v = diff_json(&[&report, &a], None);
    let s = &v["scenarios"][0];
    assert_exactly_zero(s);
    assert_eq!(
        s["head"]["runs"], 4,
        "the scenario is simulated with the report's runs"
    );
    assert!(s["notes"][0].as_str().unwrap().contains("to pair it with"));

    // Every format shows zero without a sign.
    for format in ["table", "markdown", "csv"] {
        let (code, out, err) = run(&["diff", &a, &a, "--runs", "3", "--format", format], None);
        assert_eq!(code, 0, "{err}");
        no_negative_zero(&out);
        if format != "csv" {
            assert!(out.contains("no change in monthly cost"), "{out}");
            assert!(out.contains("exactly 0"), "{out}");
        }
    }
}

#[test]
fn doubling_one_endpoints_output_costs_exactly_the_extra_tokens_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    // Single-turn chat (no history) so the output tokens are the only thing the edit changes.
    let base = scenario_text("edit", 9, 200, 300).replace("Geometric(mean: 3)", "Fixed(1)");
    let head = base.replace("output_tokens: Fixed(200)", "output_tokens: Fixed(400)");
    let a = write(dir.path(), "a.ron", &base);
    let b = write(dir.path(), "b.ron", &head);
    let d = diff::diff_files(
        Path::new(&a),
        Path::new(&b),
        &DiffOptions {
            runs: Some(3),
            ..DiffOptions::default()
        },
    )
    .unwrap();
    let s = &d.scenarios[0];
    assert_eq!(s.status, Status::Changed);
    let base_st = &s.strategies[0];
    assert_eq!(base_st.strategy, "baseline");

    // The extra cost per 30 days: requests × 200 tokens × the output price.
    let sc = tokencast::Scenario::load(Path::new(&a), None).unwrap();
    let outcome = tokencast::montecarlo::simulate(&sc, 3).unwrap();
    let report = tokencast::report::build(&sc, &outcome, 3).unwrap();
    let requests = report.strategies["baseline"].by_endpoint["chat"].requests;
    let per_token = Catalog::builtin()
        .get("claude-haiku-4-5")
        .unwrap()
        .rate_per_token(ServiceTier::Standard, PriceTier::Base, Bucket::Output)
        .unwrap();
    let expected = requests * 200.0 * per_token * 30.0 / 2.0;
    let chat = base_st
        .by_endpoint
        .iter()
        .find(|i| i.name == "chat")
        .unwrap();
    assert!(
        (chat.change_usd - expected).abs() < 1e-9 * expected,
        "{} vs {expected}",
        chat.change_usd
    );
    assert!(chat.moved);
    assert!((base_st.monthly_mean.change_usd - expected).abs() < 1e-9 * expected);
    let output = base_st
        .by_bucket
        .iter()
        .find(|i| i.name == "output")
        .unwrap();
    assert!((output.change_usd - expected).abs() < 1e-9 * expected);
    // Its share of the output bucket doubled: +100% on chat's output.
    let input = base_st
        .by_bucket
        .iter()
        .find(|i| i.name == "input")
        .unwrap();
    assert_eq!(input.change_usd, 0.0, "prompts did not change");
    // The other endpoint's traffic and cost are exactly the same.
    for st in &s.strategies {
        let faq = st.by_endpoint.iter().find(|i| i.name == "faq").unwrap();
        assert_eq!(faq.change_usd, 0.0, "{}", st.strategy);
        assert_eq!(faq.base_usd, faq.head_usd);
        assert!(!faq.moved);
        assert!(st.monthly_mean.change_usd > 0.0);
        // An exact paired shift is far outside the noise.
        let i = st.monthly_mean.interval_usd.unwrap();
        assert!(i.low > 0.0, "{i:?}");
        assert_eq!(st.monthly_mean.within_noise, Some(false));
    }
}

#[test]
fn a_price_change_through_inline_models_doubles_the_output_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let text = |output_price: f64| {
        format!(
            r#"Scenario(name: "priced", seed: 4, horizon_days: 3,
    models: {{ "acme-ft": (provider: "openai", mode: Chat, max_input_tokens: 128000,
        standard: (input: 2.0, output: {output_price:?}),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)) }},
    endpoints: [Endpoint(name: "tuned", model: "acme-ft",
        traffic: Traffic(daily_active_users: 100, sessions_per_user_per_day: 1),
        prompt: Prompt(user_tokens: Fixed(1000)), output_tokens: Fixed(100))])
"#
        )
    };
    let a = write(dir.path(), "a.ron", &text(8.0));
    let b = write(dir.path(), "b.ron", &text(16.0));
    let v = diff_json(&[&a, &b, "--runs", "3"], None);
    let st = &v["scenarios"][0]["strategies"][0];
    let bucket = |name: &str| {
        st["by_bucket"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()
            .clone()
    };
    let out = bucket("output");
    assert!((f(&out["head_usd"]) - 2.0 * f(&out["base_usd"])).abs() < 1e-9 * f(&out["head_usd"]));
    assert!((f(&out["change_pct"]) - 100.0).abs() < 1e-9);
    assert_eq!(f(&bucket("input")["change_usd"]), 0.0);
    // The reverse edit is a decrease of the same size.
    let back = diff_json(&[&b, &a, "--runs", "3"], None);
    let c = |v: &Value| f(&v["scenarios"][0]["strategies"][0]["monthly_mean"]["change_usd"]);
    assert!(c(&v) > 0.0);
    assert!((c(&back) + c(&v)).abs() < 1e-9 * c(&v));
}

#[test]
fn an_edited_seed_is_simulated_with_the_base_seed_and_one_run_has_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ron", &scenario_text("s", 3, 200, 300));
    let b = write(dir.path(), "b.ron", &scenario_text("s", 99, 200, 300));
    let v = diff_json(&[&a, &b, "--runs", "3"], None);
    let s = &v["scenarios"][0];
    assert_eq!(s["head"]["seed"], 3);
    assert!(
        s["notes"][0]
            .as_str()
            .unwrap()
            .contains("changes the seed from 3 to 99")
    );
    assert_exactly_zero(s);
    // --seed overrides both.
    let v = diff_json(&[&a, &b, "--runs", "2", "--seed", "5"], None);
    assert_eq!(v["scenarios"][0]["base"]["seed"], 5);
    assert_eq!(v["scenarios"][0]["head"]["seed"], 5);

    let (code, out, _) = run(&["diff", &a, &b, "--runs", "1"], None);
    assert_eq!(code, 0);
    assert!(out.contains("n/a (1 run)"), "{out}");
    assert!(out.contains("no interval"), "{out}");
}

#[test]
fn reports_with_different_runs_are_compared_unpaired() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ron", &scenario_text("u", 3, 200, 300));
    let b = write(dir.path(), "b.ron", &scenario_text("u", 3, 300, 300));
    let (ra, rb) = (
        dir.path().join("a.json").display().to_string(),
        dir.path().join("b.json").display().to_string(),
    );
    for (s, r, n) in [(&a, &ra, "3"), (&b, &rb, "5")] {
        let (code, _, err) = run(&["run", s, "--runs", n, "--format", "json", "-o", r], None);
        assert_eq!(code, 0, "{err}");
    }
    let v = diff_json(&[&ra, &rb], None);
    let s = &v["scenarios"][0];
    assert_eq!(s["pairing"], "unpaired");
    assert!(s["notes"][0].as_str().unwrap().contains("cannot be paired"));
    let c = &s["strategies"][0]["monthly_mean"];
    assert!(f(&c["change_usd"]) > 0.0);
    assert!(c["interval_usd"]["low"].is_number());
}

#[test]
fn git_base_reviews_changed_added_removed_and_unchanged_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(
        root,
        "scenarios/edited.ron",
        &scenario_text("edited", 3, 200, 300),
    );
    write(
        root,
        "scenarios/same.ron",
        &scenario_text("same", 3, 200, 100),
    );
    write(
        root,
        "scenarios/gone.ron",
        &scenario_text("gone", 3, 200, 300),
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    write(
        root,
        "scenarios/edited.ron",
        &scenario_text("edited", 3, 200, 600),
    );
    fs::remove_file(root.join("scenarios/gone.ron")).unwrap();
    write(
        root,
        "scenarios/new.ron",
        &scenario_text("new", 3, 200, 300),
    );

    // A directory stands for its *.ron files, including the one deleted in the working tree.
    let v = diff_json(
        &["--git-base", "HEAD", "scenarios", "--runs", "2"],
        Some(root),
    );
    assert_eq!(v["git_base"], "HEAD");
    let status: Vec<(String, String)> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("scenarios/edited.ron", "changed"),
            ("scenarios/gone.ron", "removed"),
            ("scenarios/new.ron", "added"),
            ("scenarios/same.ron", "unchanged"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let edited = &v["scenarios"][0];
    assert_eq!(edited["base"]["path"], "HEAD:scenarios/edited.ron");
    // Only faq's traffic changed: chat is exactly the same.
    let chat = edited["strategies"][0]["by_endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "chat")
        .unwrap()
        .clone();
    assert_eq!(f(&chat["change_usd"]), 0.0);
    assert_exactly_zero(&v["scenarios"][3]);
    let gone = &v["scenarios"][1];
    assert!(gone["head"].is_null());
    assert!(f(&gone["strategies"][0]["monthly_mean"]["change_usd"]) < 0.0);

    // Paths relative to a subdirectory, and files named one by one.
    let sub = root.join("scenarios");
    let v = diff_json(
        &[
            "--git-base",
            "HEAD",
            "edited.ron",
            "../scenarios/new.ron",
            "--runs",
            "2",
        ],
        Some(&sub),
    );
    assert_eq!(v["scenarios"][0]["status"], "changed");
    assert_eq!(v["scenarios"][1]["status"], "added");

    // The markdown names added and removed scenarios and folds unchanged ones into a line.
    let (code, md, err) = run(
        &[
            "diff",
            "--git-base",
            "HEAD",
            "scenarios",
            "--runs",
            "2",
            "--format",
            "markdown",
        ],
        Some(root),
    );
    assert_eq!(code, 0, "{err}");
    assert!(md.starts_with("## tokencast: monthly cost +"), "{md}");
    assert!(md.contains("- **gone**: removed"), "{md}");
    assert!(md.contains("- **new**: added"), "{md}");
    assert!(md.contains("- unchanged: `same`"), "{md}");
    assert!(md.contains("### edited (changed)"), "{md}");
    assert!(!md.contains("### same"), "{md}");

    // Git errors are input errors (exit 2) that say what is wrong.
    let (code, _, err) = run(
        &["diff", "--git-base", "no-such-rev", "scenarios"],
        Some(root),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--git-base no-such-rev: not a commit"),
        "{err}"
    );
    let (code, _, err) = run(
        &["diff", "--git-base", "HEAD", "scenarios/nowhere.ron"],
        Some(root),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("scenarios/nowhere.ron: neither in the working tree nor at HEAD"),
        "{err}"
    );
    let outside = tempfile::tempdir().unwrap();
    let lone = write(
        outside.path(),
        "lone.ron",
        &scenario_text("lone", 1, 200, 300),
    );
    let mut c = bin();
    c.args(["diff", "--git-base", "HEAD", &lone])
        .env("GIT_CEILING_DIRECTORIES", outside.path().parent().unwrap());
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lone.ron: cannot find its git repository"),
        "{err}"
    );
}

#[test]
fn git_base_prices_the_base_with_the_catalog_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let catalog = |output: f64| {
        format!(
            r#"(source: "house catalog", effective_date: "2026-01-01", models: {{
    "house-model": (provider: "self-hosted", mode: Chat, standard: (input: 1.0, output: {output:?}),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
}})
"#
        )
    };
    git(root, &["init", "-q"]);
    write(root, "scenarios/prices.ron", &catalog(1.0));
    write(
        root,
        "scenarios/house.ron",
        r#"Scenario(name: "house", seed: 1, horizon_days: 1, prices: "prices.ron",
    endpoints: [Endpoint(name: "house", model: "house-model",
        traffic: Traffic(daily_active_users: 50, sessions_per_user_per_day: 1),
        prompt: Prompt(user_tokens: Fixed(500)), output_tokens: Fixed(500))])
"#,
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // Only the catalog changes: output tokens cost twice as much.
    write(root, "scenarios/prices.ron", &catalog(2.0));
    let v = diff_json(
        &["--git-base", "HEAD", "scenarios", "--runs", "2"],
        Some(root),
    );
    let all = v["scenarios"].as_array().unwrap();
    assert_eq!(all.len(), 1, "the catalog is not a scenario: {v:#}");
    let s = &all[0];
    assert_eq!(s["status"], "changed");
    let notes: Vec<&str> = s["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(
            &"the price catalog prices.ron changed: the base is priced with its version at HEAD"
        ),
        "{s:#}"
    );
    // Each side's catalog is named by the file (and version) it came from.
    assert!(
        notes.contains(
            &"prices differ: base house catalog (HEAD:scenarios/prices.ron), effective 2026-01-01; new house catalog (scenarios/prices.ron), effective 2026-01-01"
        ),
        "{s:#}"
    );
    let out = s["strategies"][0]["by_bucket"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "output")
        .unwrap()
        .clone();
    assert!((f(&out["head_usd"]) - 2.0 * f(&out["base_usd"])).abs() < 1e-9 * f(&out["head_usd"]));
    // Once committed, nothing differs.
    git(root, &["commit", "-q", "-am", "prices"]);
    let v = diff_json(
        &["--git-base", "HEAD", "scenarios", "--runs", "2"],
        Some(root),
    );
    assert_exactly_zero(&v["scenarios"][0]);
}

#[test]
fn thresholds_exit_3_and_name_the_scenario_and_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ron", &scenario_text("gated", 3, 200, 300));
    let b = write(dir.path(), "b.ron", &scenario_text("gated", 3, 400, 300));
    let pct = |args: &[&str]| {
        let mut all = vec!["diff", a.as_str(), b.as_str(), "--runs", "2"];
        all.extend_from_slice(args);
        run(&all, None)
    };
    let (code, out, err) = pct(&["--fail-above", "5"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        out.contains("THRESHOLD CROSSED"),
        "the report is still written"
    );
    assert!(
        err.contains("threshold crossed: gated (")
            && err.contains("strategy baseline: mean monthly cost +$"),
        "{err}"
    );
    assert!(err.contains("is above --fail-above 5%"), "{err}");
    let (code, _, _) = pct(&["--fail-above", "500"]);
    assert_eq!(code, 0);
    let (code, _, err) = pct(&["--fail-above-usd", "1"]);
    assert_eq!(code, 3);
    assert!(err.contains("is above --fail-above-usd $1"), "{err}");
    let (code, _, _) = pct(&["--fail-above-usd", "100000"]);
    assert_eq!(code, 0);
    // A decrease never crosses.
    let (code, _, _) = run(
        &[
            "diff",
            &b,
            &a,
            "--runs",
            "2",
            "--fail-above",
            "0",
            "--fail-above-usd",
            "0",
        ],
        None,
    );
    assert_eq!(code, 0);
    // The JSON records the gate.
    let (code, out, _) = pct(&["--fail-above", "5", "--format", "json"]);
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gate"]["crossed"][0]["strategy"], "baseline");
    assert_eq!(v["gate"]["crossed"][0]["threshold"], "--fail-above 5%");
    // Bad thresholds are usage errors.
    let (code, _, err) = pct(&["--fail-above=-1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--fail-above -1: must be a number >= 0"),
        "{err}"
    );
}

#[test]
fn bad_inputs_name_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.ron", &scenario_text("x", 3, 200, 300));
    let bad = write(dir.path(), "bad.ron", "Scenario(name: \"x\", seed: 1,");
    let json = write(dir.path(), "other.json", "{\"hello\": 1}");
    let missing = dir.path().join("missing.ron").display().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["diff", &a], "diff needs two files, BASE and HEAD (got 1)"),
        (&["diff", &a, &a, &a], "(got 3)"),
        (&["diff", &a, &bad], "bad.ron:1:"),
        (
            &["diff", &json, &a],
            "other.json: not a tokencast JSON report",
        ),
        (&["diff", &a, &missing], "missing.ron: cannot read"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = run(args, None);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

/// The PR comment for `tests/fixtures/diff/{base,head}.ron`, byte for byte. To regenerate
/// after an intended change: `TOKENCAST_UPDATE_GOLDEN=1 cargo test diff::markdown`, then read the
/// new file before committing it.
#[test]
fn markdown_matches_the_golden_file() {
    let (code, out, err) = run(
        &[
            "diff",
            "tests/fixtures/diff/base.ron",
            "tests/fixtures/diff/head.ron",
            "--runs",
            "5",
            "--format",
            "markdown",
            "--fail-above",
            "10",
        ],
        Some(&repo("")),
    );
    assert_eq!(code, 3, "{err}");
    let golden = repo("tests/fixtures/diff/expected.md");
    if std::env::var_os("TOKENCAST_UPDATE_GOLDEN").is_some() {
        fs::write(&golden, &out).unwrap();
    }
    let expected = fs::read_to_string(&golden).unwrap();
    assert_eq!(out, expected);
    no_negative_zero(&out);
}
