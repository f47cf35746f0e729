//! `tokencast backtest`: forecasts from the first part of a trace against what the rest cost.

use predicates::prelude::*;

use crate::support::{bin, json, repo, shared};

/// Write `synth` of the Poisson fixture with `seed` to `path`.
fn poisson_trace(path: &std::path::Path, seed: u64) {
    bin()
        .args(["synth", "--seed", &seed.to_string(), "-o"])
        .arg(path)
        .arg(repo("tests/fixtures/good/backtest-poisson.ron"))
        .assert()
        .success();
}

/// On traces whose generating process is known (Poisson arrivals, fixed size distributions),
/// the P5–P95 band covers the actual hourly cost at about its stated 90%: over 24 seeds × 4
/// origins × 3 hours (about 290 periods), coverage lies within 0.80–0.98. (Periods of one
/// seed share their fitted parameters, so the spread is wider than a binomial's 1.8 points;
/// measured over 40 seeds: 90.6%.)
#[test]
fn bands_cover_the_actual_at_their_stated_rate() {
    let dir = tempfile::tempdir().unwrap();
    let (mut inside, mut periods) = (0u64, 0u64);
    for seed in 1..=24 {
        let trace = dir.path().join("t.csv");
        poisson_trace(&trace, seed);
        let b = json(&[
            "backtest",
            trace.to_str().unwrap(),
            "--origins",
            "4",
            "--runs",
            "100",
        ]);
        assert_eq!(b["period"], "hour");
        let s = &b["strategies"]["baseline"];
        inside += s["inside"].as_u64().unwrap();
        periods += s["periods"].as_u64().unwrap();
    }
    let coverage = inside as f64 / periods as f64;
    assert!(
        (0.80..=0.98).contains(&coverage),
        "{inside} of {periods} periods inside: {coverage}"
    );
}

/// The same held-out window (hours 18 to 24) forecast from 1 hour and from 12 hours of
/// training: over 12 seeds the longer training's P50 is closer to the actual (mean absolute
/// error measured 5% against 10%) and its band narrower (26% of the P50 against 61%).
#[test]
fn p50_error_and_band_shrink_as_the_training_span_grows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut err, mut width) = ([0.0f64; 2], [0.0f64; 2]);
    for seed in 1..=12 {
        let full = dir.path().join("full.csv");
        poisson_trace(&full, seed);
        let text = std::fs::read_to_string(&full).unwrap();
        // Training from 17:00 (one hour) and from 06:00 (twelve hours); cut at 18:00.
        for (i, start) in [61_200_000i64, 21_600_000].into_iter().enumerate() {
            let part = dir.path().join("part.csv");
            let kept: String = text
                .lines()
                .enumerate()
                .filter(|(n, l)| {
                    *n == 0 || l.split(',').next().unwrap().parse::<i64>().unwrap() >= start
                })
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            std::fs::write(&part, kept).unwrap();
            let b = json(&[
                "backtest",
                part.to_str().unwrap(),
                "--until",
                "64800000",
                "--runs",
                "100",
            ]);
            let t = &b["strategies"]["baseline"]["total"];
            let p = |k: &str| t[k].as_f64().unwrap();
            err[i] += p("error_p50").abs();
            width[i] += (p("p95_usd") - p("p5_usd")) / p("p50_usd");
        }
    }
    assert!(
        err[1] < 0.8 * err[0],
        "mean |error| {err:?} (1 hour, 12 hours)"
    );
    assert!(width[1] < 0.6 * width[0], "band widths {width:?}");
}

/// Every format says the same: the table's summary line, the CSV's rows, markdown's table.
#[test]
fn formats_and_periods() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    poisson_trace(&trace, 3);
    let t = trace.to_str().unwrap();
    let b = json(&["backtest", t, "--origins", "2", "--runs", "20"]);
    // Two windows of the 12 held-out hours, cut on the hour: the second origin at the hour
    // before the middle of what is held out (the last row is just before midnight), so 5
    // and 7 hourly periods (the last one ends at the last row).
    assert_eq!(b["origins"].as_array().unwrap().len(), 2);
    let o = &b["origins"][0];
    assert_eq!(o["cut_ms"], 43_200_000);
    assert_eq!(o["end_ms"], 61_200_000);
    assert_eq!(o["periods"].as_array().unwrap().len(), 5);
    assert_eq!(b["origins"][1]["periods"].as_array().unwrap().len(), 7);
    let s = &b["strategies"]["baseline"];
    let sum: f64 = s["origins"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["periods"].as_array().unwrap().clone())
        .map(|p| p["actual_usd"].as_f64().unwrap())
        .sum();
    assert!((sum - s["total"]["actual_usd"].as_f64().unwrap()).abs() < 1e-9);
    let out = |f: &str| {
        let o = bin()
            .args([
                "backtest",
                t,
                "--origins",
                "2",
                "--runs",
                "20",
                "--format",
                f,
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let table = out("table");
    assert!(
        table.contains("coverage") && table.contains("baseline, per period"),
        "{table}"
    );
    let csv = out("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("strategy,origin,period,start_ms,end_ms,actual_usd"));
    // 12 periods, 2 window totals, 1 overall total.
    assert_eq!(rows.len(), 1 + 12 + 2 + 1, "{csv}");
    assert!(out("markdown").contains("| strategy | actual |"));
    // The chart: forecast bands against actual costs, SVG or PNG by the file's extension.
    let svg = dir.path().join("bt.svg");
    bin()
        .args(["backtest", t, "--runs", "20", "--chart"])
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("forecast band against actual cost"));
    bin()
        .args(["backtest", t, "--runs", "20", "--chart", "bt.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--chart bt.txt: name a .svg or .png file",
        ));
}

/// Strategies of `--scenario` are backtested too: each gets its own band against its own
/// actual (the held-out rows replayed through it).
#[test]
fn scenario_strategies_are_backtested() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    poisson_trace(&trace, 4);
    let sc = dir.path().join("s.ron");
    std::fs::write(
        &sc,
        r#"Scenario(name: "s", seed: 1, horizon_days: 1, endpoints: [
            Endpoint(name: "ask", model: "gpt-4o-mini", traffic: Traffic(daily_active_users: 1, sessions_per_user_per_day: 1),
                     prompt: Prompt(user_tokens: Fixed(1)), output_tokens: Fixed(1))],
           strategies: [Strategy(name: "bigger", description: "a dearer model",
                                 routing: Routing(rules: [Route(when: Share(1.0), model: "gpt-5.4")]))])"#,
    )
    .unwrap();
    let b = json(&[
        "backtest",
        trace.to_str().unwrap(),
        "--scenario",
        sc.to_str().unwrap(),
        "--runs",
        "20",
    ]);
    assert_eq!(
        b["strategy_order"],
        serde_json::json!(["baseline", "bigger"])
    );
    let actual = |s: &str| b["strategies"][s]["total"]["actual_usd"].as_f64().unwrap();
    // gpt-5.4 costs over ten times gpt-4o-mini, actual and forecast alike.
    assert!(actual("bigger") > 10.0 * actual("baseline"), "{b}");
    let p50 = b["strategies"]["bigger"]["total"]["p50_usd"]
        .as_f64()
        .unwrap();
    assert!((p50 / actual("bigger") - 1.0).abs() < 0.2, "{b}");
}

/// Bad settings are refused naming the flag and what would do.
#[test]
fn bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    poisson_trace(&trace, 5);
    let t = trace.to_str().unwrap();
    for (args, says) in [
        (vec!["--train", "100"], "strictly between 0 and 100"),
        (vec!["--until", "0"], "must lie after the first row"),
        (vec!["--until", "yesterday"], "--until: expected RFC 3339"),
        (vec!["--origins", "20"], "too few hours for 20 origins"),
    ] {
        bin()
            .args(["backtest", t])
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    // An endpoint seen only after the cut cannot be forecast: said naming the row.
    let late = dir.path().join("late.csv");
    std::fs::write(
        &late,
        "timestamp,input_tokens,output_tokens,endpoint\n0,100,10,a\n1000,100,10,a\n\
         2000,100,10,b\n3000,100,10,a\n",
    )
    .unwrap();
    bin()
        .args(["backtest", late.to_str().unwrap(), "--model", "gpt-4o-mini"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 4: endpoint \"b\" is not in scenario",
        ))
        .stderr(predicate::str::contains(
            "an endpoint first seen after it cannot be forecast",
        ));
    bin()
        .args(["backtest", t, "--train", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("strictly between 0 and 100"));
}

/// The real traces, the figures the README gives (claude-sonnet-4-6, which caches nothing by
/// itself, with the 5-minute and 1-hour caches of `backtest-caches.ron`; ten origins over the
/// held-out half). The Azure traces and Mooncake's conversation trace are covered at 80% or
/// more of their periods and in total, and on the conversation trace the fitted
/// conversations' cache hit ratio is within 5 points of the replayed one at both TTLs (2.6
/// and 1.0). On Mooncake's synthetic trace the baseline is covered in 9 of 10 windows, but the
/// caches are not: its documents are reopened ever more often through its 17 minutes, which
/// a stationary fit cannot express, though the fitted document pool reads more than 40% of
/// the prompt at 5 minutes (17% without documents) against the replay's 78%; the test holds
/// that too, so a change that fixed it (or broke the others) is seen. Its warnings say why:
/// the prompts grow, and reopened documents are larger than the rest.
#[test]
#[ignore = "needs ../shared/traces; CI runs it with --include-ignored"]
fn real_traces_backtest_as_the_readme_says() {
    let caches = repo("tests/fixtures/good/backtest-caches.ron");
    for (f, calibrated) in [
        ("azure-llm-2023-conv.csv", true),
        ("azure-llm-2023-code.csv", true),
        ("mooncake-fast25-conversation.jsonl", true),
        ("mooncake-fast25-synthetic.jsonl", false),
    ] {
        let p = shared(&format!("traces/{f}"));
        let b = json(&[
            "backtest",
            p.to_str().unwrap(),
            "--model",
            "claude-sonnet-4-6",
            "--scenario",
            caches.to_str().unwrap(),
            "--origins",
            "10",
        ]);
        let s = &b["strategies"]["baseline"];
        let coverage = s["coverage"].as_f64().unwrap();
        let total = &s["total"];
        let hits = |name: &str| {
            let h = &b["strategies"][name]["prompt_cache_hit_ratio"];
            (h["actual"].as_f64(), h["p50"].as_f64())
        };
        if calibrated {
            assert!(coverage >= 0.8, "{f}: coverage {coverage}");
            assert!(total["inside"].as_bool().unwrap(), "{f}: {total}");
            for name in ["cache-5m", "cache-1h"] {
                match hits(name) {
                    (Some(a), Some(p)) => assert!((a - p).abs() < 0.05, "{f} {name}: {a} vs {p}"),
                    // Nothing shared, nothing read, on either side (Azure).
                    (None, None) => assert!(!f.starts_with("mooncake"), "{f} {name}"),
                    other => panic!("{f} {name}: {other:?}"),
                }
            }
        } else {
            assert!(coverage >= 0.8, "{f}: coverage {coverage}");
            let error = total["error_p50"].as_f64().unwrap();
            assert!(error.abs() < 0.25, "{f}: {total}");
            let cached = b["strategies"]["cache-5m"]["coverage"].as_f64().unwrap();
            assert!(cached < 0.5, "{f}: cache-5m coverage {cached}");
            let (a, p) = hits("cache-5m");
            assert!(a.unwrap() - p.unwrap() > 0.2, "{f}: {a:?} vs {p:?}");
            assert!(p.unwrap() > 0.4, "{f}: the documents read {p:?}");
            // Why, in the warnings: prompts grow, and reopened documents are larger.
            let warnings = b["warnings"].to_string();
            assert!(warnings.contains("the mean prompt grew"), "{warnings}");
            assert!(
                warnings.contains("the documents sessions open more often are larger"),
                "{warnings}"
            );
        }
        if calibrated {
            // Documents sized alike however popular (or none): no such warning.
            let warnings = b["warnings"].to_string();
            assert!(!warnings.contains("Spearman"), "{f}: {warnings}");
        }
    }
}

/// The prompt-cache hit ratio, replayed against forecast, on the bundled Mooncake sample:
/// its conversations, told from the prefix hashes, are cached on both sides (24% of the
/// held-out prompt tokens replayed, 27% forecast); the baseline, which caches nothing on
/// claude-sonnet-4-6, has no hit ratio.
#[test]
fn conversations_from_prefix_hashes_are_cached_on_both_sides() {
    let b = json(&[
        "backtest",
        repo("traces/mooncake-fast25-conversation-sample.jsonl")
            .to_str()
            .unwrap(),
        "--model",
        "claude-sonnet-4-6",
        "--scenario",
        repo("tests/fixtures/good/backtest-caches.ron")
            .to_str()
            .unwrap(),
        "--runs",
        "50",
    ]);
    assert!(
        b["strategies"]["baseline"]
            .get("prompt_cache_hit_ratio")
            .is_none()
    );
    let h = &b["strategies"]["cache-5m"]["prompt_cache_hit_ratio"];
    let (actual, p50) = (h["actual"].as_f64().unwrap(), h["p50"].as_f64().unwrap());
    assert!(actual > 0.15 && p50 > 0.1, "{h}");
    assert!((actual - p50).abs() < 0.1, "{h}");
}

/// A cut one second into an hour has watched that hour for a second and seen no session in
/// it: the forecast takes the hour's own sessions topped up to six minutes at the mean rate,
/// not a rate of zero for the rest of the hour.
#[test]
fn a_cut_just_into_an_hour_does_not_forecast_it_empty() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("flat.csv");
    // A request every 30 s for two hours, starting 00:00:00.5.
    let mut text = String::from("timestamp,input_tokens,output_tokens\n");
    for i in 0..240u64 {
        text.push_str(&format!("{},1000,100\n", 500 + i * 30_000));
    }
    std::fs::write(&trace, text).unwrap();
    let b = json(&[
        "backtest",
        trace.to_str().unwrap(),
        "--model",
        "gpt-4o-mini",
        "--until",
        "3600001",
        "--runs",
        "50",
    ]);
    let total = &b["strategies"]["baseline"]["total"];
    let (actual, p50) = (
        total["actual_usd"].as_f64().unwrap(),
        total["p50_usd"].as_f64().unwrap(),
    );
    assert!(actual > 0.0, "{total}");
    assert!((p50 / actual - 1.0).abs() < 0.25, "{total}");
}

/// A trace that records what it paid for (its own models, cache reads and writes, batch) gets
/// a `recorded` entry: the held-out rows priced as `audit` prices them, to the cent, against
/// the baseline's forecast (which caches at the training rows' recorded shares), with the
/// recorded cache hit ratio. A trace that records nothing
/// a replay prices otherwise gets none.
#[test]
fn the_bill_as_recorded_is_compared_with_the_baseline_forecast() {
    let native = repo("traces/example-native.csv");
    let b = json(&["backtest", native.to_str().unwrap(), "--runs", "20"]);
    let order: Vec<&str> = b["strategy_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(order, ["baseline", "recorded"]);
    // The cut falls at 21:00 on the first day: the last two rows are held out.
    let dir = tempfile::tempdir().unwrap();
    let held = dir.path().join("held.csv");
    let text = std::fs::read_to_string(&native).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&held, format!("{}\n{}\n{}\n", lines[0], lines[5], lines[6])).unwrap();
    let audited = json(&["audit", held.to_str().unwrap()]);
    let paid = audited["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap();
    let r = &b["strategies"]["recorded"];
    let actual = r["total"]["actual_usd"].as_f64().unwrap();
    assert!((actual - paid).abs() < 1e-12, "{actual} vs {paid}");
    // The baseline replays the same rows at the training rows' recorded cache shares (the
    // fitted `recorded_cache` of `chat`: 9,700 of 16,900 prompt tokens read), not their own:
    // the held-out chat row's 5,300 tokens read 3,042 where it recorded 4,200.
    let replayed = &b["strategies"]["baseline"];
    assert_ne!(replayed["total"]["actual_usd"], r["total"]["actual_usd"]);
    let h = replayed["prompt_cache_hit_ratio"]["actual"]
        .as_f64()
        .unwrap();
    assert!((h - 3042.0 / 14300.0).abs() < 1e-12, "{h}");
    // Its band is the baseline's.
    assert_eq!(
        r["total"]["p50_usd"],
        b["strategies"]["baseline"]["total"]["p50_usd"]
    );
    // 4,200 of 14,300 held-out prompt tokens were read from the cache.
    let h = &r["prompt_cache_hit_ratio"]["actual"];
    assert!(
        (h.as_f64().unwrap() - 4200.0 / 14300.0).abs() < 1e-12,
        "{h}"
    );
    let table = bin()
        .args(["backtest", native.to_str().unwrap(), "--runs", "20"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("recorded: the held-out rows priced as recorded"),
        "{table}"
    );

    // Azure rows name no model and record no cache: nothing to add.
    let b = json(&[
        "backtest",
        repo("traces/azure-llm-2023-conv-sample.csv")
            .to_str()
            .unwrap(),
        "--model",
        "gpt-4o-mini",
        "--runs",
        "20",
    ]);
    assert!(b["strategies"].get("recorded").is_none());
}

/// The fit's warnings reach the backtest's: prompts that grow through the training rows are
/// named, with the cut they were fitted before.
#[test]
fn a_trend_in_the_training_rows_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("grow.csv");
    let mut text = String::from("timestamp,input_tokens,output_tokens\n");
    for i in 0..720u64 {
        let scatter = [800, 1200, 1000, 900, 1100][(i % 5) as usize];
        text.push_str(&format!("{},{},50\n", i * 5000, scatter + 2 * i));
    }
    std::fs::write(&trace, text).unwrap();
    let b = json(&[
        "backtest",
        trace.to_str().unwrap(),
        "--model",
        "gpt-4o-mini",
        "--runs",
        "20",
    ]);
    let warnings = b["warnings"].to_string();
    assert!(
        warnings.contains(
            "the fit of the rows before +00:29:57: endpoint \\\"all\\\": the mean prompt grew"
        ),
        "{warnings}"
    );
}

/// A native trace whose application cached its conversations (Anthropic, 5-minute TTL, a
/// breakpoint at the end of each prompt): eight hours of sessions of one to four turns with a
/// 3,000-token system prompt, each turn reading the previous prompt when it came within five
/// minutes (else the system prompt), writing the rest. Returns the sums of prompt tokens and
/// of cache reads and writes.
fn cached_conversations(path: &std::path::Path) -> (u64, u64, u64) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut rows: Vec<(u64, String)> = Vec::new();
    let (mut t, mut session) = (0.0f64, 0u64);
    while t < 8.0 * 3600.0 {
        t += -20.0 * (1.0 - next()).ln();
        session += 1;
        let turns = 1 + (next() * 4.0) as u32;
        let (mut at, mut before) = (t, 0u64);
        for k in 0..turns {
            let user = 200 + (next() * 600.0) as u64;
            let output = 100 + (next() * 300.0) as u64;
            let prompt = if k == 0 { 3000 + user } else { before + user };
            let gap = if k == 0 {
                0.0
            } else {
                -120.0 * (1.0 - next()).ln()
            };
            at += gap;
            let read = if k > 0 && gap < 300.0 { before } else { 3000 };
            rows.push((
                (at * 1000.0) as u64,
                format!(
                    "{prompt},{output},s{session},chat,claude-sonnet-4-6,{read},{}",
                    prompt - read
                ),
            ));
            before = prompt + output;
        }
    }
    // The trace is an eight-hour window: turns after it are not in it.
    rows.retain(|(ms, _)| *ms < 8 * 3_600_000);
    rows.sort();
    let mut text = String::from(
        "timestamp,input_tokens,output_tokens,session_id,endpoint,model,cache_read_tokens,cache_write_tokens\n",
    );
    let (mut input, mut read, mut write) = (0, 0, 0);
    for (ms, row) in &rows {
        let f: Vec<u64> = row.split(',').filter_map(|x| x.parse().ok()).collect();
        input += f[0];
        read += f[2];
        write += f[3];
        text.push_str(&format!("{ms},{row}\n"));
    }
    std::fs::write(path, text).unwrap();
    (input, read, write)
}

/// Where the rows record cache reads and writes but carry no prompt structure, `fit` writes
/// the endpoint's `recorded_cache` (the shares of prompt tokens read and written), every
/// strategy bills it, and the forecast of the bill as recorded holds: the `recorded` entry's
/// total P50 is within 10% of what the held-out rows paid (measured −6.7%, 3 of 4 hourly
/// bands covering), and the forecast hit ratio is the recorded one (87.0% against 86.8%).
/// Without it, the baseline billed every prompt token uncached: several times the bill.
#[test]
fn recorded_cache_columns_are_fitted_and_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("cached.csv");
    let (input, read, write) = cached_conversations(&trace);
    let fitted = dir.path().join("fitted.ron");
    bin()
        .args(["fit", trace.to_str().unwrap(), "-o"])
        .arg(&fitted)
        .assert()
        .success();
    let text = std::fs::read_to_string(&fitted).unwrap();
    // Millionths, rounded to the nearest.
    let share = |x: u64| ((x as u128 * 1_000_000 + input as u128 / 2) / input as u128) as f64 / 1e6;
    // Writes that name no TTL (`cache_write_tokens`) are at the model's default: no `ttl`.
    let want = format!(
        "recorded_cache: Some(RecordedCache(\n                read: {},\n                write: {},\n            )),",
        share(read),
        share(write)
    );
    assert!(text.contains(&want), "{want}\n{text}");
    // The fitted baseline reads that share of its prompts.
    let r = json(&["run", fitted.to_str().unwrap(), "--runs", "4"]);
    let baseline = &r["strategies"]["baseline"];
    let hit = baseline["prompt_cache"]["hit_ratio"].as_f64().unwrap();
    assert!((hit - share(read)).abs() < 1e-4, "{hit} vs {}", share(read));

    let b = json(&[
        "backtest",
        trace.to_str().unwrap(),
        "--origins",
        "3",
        "--runs",
        "100",
    ]);
    let rec = &b["strategies"]["recorded"];
    let (actual, p50) = (
        rec["total"]["actual_usd"].as_f64().unwrap(),
        rec["total"]["p50_usd"].as_f64().unwrap(),
    );
    assert!((p50 / actual - 1.0).abs() < 0.1, "{rec}");
    assert!(rec["coverage"].as_f64().unwrap() >= 0.5, "{rec}");
    let h = &rec["prompt_cache_hit_ratio"];
    let (replayed, forecast) = (h["actual"].as_f64().unwrap(), h["p50"].as_f64().unwrap());
    assert!((replayed - forecast).abs() < 0.03, "{h}");
}
