//! Monte Carlo forecasting: uncertain parameters, growth, months, price changes, budgets,
//! revenue, sensitivity and the scale curve.

use std::io::Write;

use tokencast::forecast::ForecastOptions;
use tokencast::report::Report;

use crate::support::{bin, scenario};

/// One endpoint with fixed sizes: every request costs exactly
/// 1000 × $3/M + 100 × $15/M = $0.0045 on claude-sonnet-4-6.
fn fixed(extra_traffic: &str, top: &str) -> String {
    format!(
        r#"Scenario(
            name: "fixed", seed: 11, horizon_days: 30,
            {top}
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(daily_active_users: 1000, sessions_per_user_per_day: 1, {extra_traffic}),
                prompt: Prompt(user_tokens: Fixed(1000)),
                output_tokens: Fixed(100),
            )],
        )"#
    )
}

const PER_REQUEST: f64 = 1000.0 * 3e-6 + 100.0 * 15e-6;

fn forecast(text: &str, runs: u32) -> Report {
    let sc = scenario(text);
    tokencast::forecast::forecast(&sc, &ForecastOptions::runs(runs)).unwrap()
}

/// Total cost = daily active users × 30 days × $0.0045 (plus Poisson noise of ~0.6% at
/// 30,000 requests), with users ~ Uniform(500, 1500): the q-quantile of the total is
/// 135 × (500 + 1000 q). Tolerance: 400 runs put an empirical 5% quantile of a uniform within
/// ±0.022 of the range (1 sd), i.e. about ±2.5% of the P5 value; we allow 6%.
#[test]
fn quantiles_follow_a_known_function_of_one_uncertain_parameter() {
    let text = fixed(
        "",
        r#"uncertain: [Value("endpoints[chat].traffic.daily_active_users", Uniform(min: 500, max: 1500))],"#,
    );
    let rep = forecast(&text, 400);
    let c = &rep.strategies["baseline"].cost_usd;
    let per_user = 30.0 * PER_REQUEST;
    for (q, got) in [
        (0.05, c.p5),
        (0.10, c.p10),
        (0.50, c.p50),
        (0.90, c.p90),
        (0.95, c.p95),
    ] {
        let want = per_user * (500.0 + 1000.0 * q);
        assert!(
            (got - want).abs() < 0.06 * want,
            "P{}: got {got}, want {want}",
            q * 100.0
        );
    }
    assert!((c.mean - per_user * 1000.0).abs() < 0.03 * per_user * 1000.0);
    // What was drawn is reported.
    let u = &rep.uncertain[0];
    assert_eq!(u.parameter, "endpoints[chat].traffic.daily_active_users");
    assert_eq!(u.kind, "value");
    assert!(u.sampled.min >= 500.0 && u.sampled.max < 1500.0);
}

/// Prices are applied when a run is priced, on the same traffic: a scaled price scales each
/// run's total exactly, run by run.
#[test]
fn price_uncertainty_scales_each_run_exactly() {
    let plain = forecast(&fixed("", ""), 5);
    let scaled = forecast(
        &fixed(
            "",
            r#"uncertain: [Scale("prices[claude-sonnet-4-6]", Uniform(min: 0.5, max: 2))],"#,
        ),
        5,
    );
    let f = &scaled.uncertain[0];
    assert_eq!(f.kind, "scale");
    let a = &plain.strategies["baseline"].runs_cost_usd;
    let b = &scaled.strategies["baseline"].runs_cost_usd;
    let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| y / x).collect();
    for r in &ratios {
        assert!((0.5..2.0).contains(r), "{r}");
    }
    // Five different draws, each applied exactly to its own run.
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup_by(|x, y| (*x - *y).abs() < 1e-12);
    assert_eq!(sorted.len(), 5);
    assert!((f.sampled.min - sorted[0]).abs() < 1e-9);
    assert!((f.sampled.max - sorted[4]).abs() < 1e-9);
}

/// With one 30-day month, "some month over budget" is "total over budget": the reported
/// probability equals a direct count over the runs.
#[test]
fn budget_probability_matches_a_direct_count() {
    let text = fixed(
        "",
        r#"uncertain: [Scale("endpoints[chat].traffic.sessions_per_user_per_day", Uniform(min: 0.5, max: 1.5))],"#,
    );
    let sc = scenario(&text);
    let budget = 135.0; // the cost at exactly 1 session per user per day
    let opts = ForecastOptions {
        budget_usd_per_month: Some(budget),
        ..ForecastOptions::runs(60)
    };
    let rep = tokencast::forecast::forecast(&sc, &opts).unwrap();
    let s = &rep.strategies["baseline"];
    let over = s.runs_cost_usd.iter().filter(|c| **c > budget).count();
    let b = s.budget.as_ref().unwrap();
    assert_eq!(b.probability_exceeded, over as f64 / 60.0);
    assert!(over > 10 && over < 50, "{over} of 60 over budget");
    assert_eq!(s.monthly.len(), 1);
    assert_eq!(
        s.monthly[0].probability_over_budget,
        Some(b.probability_exceeded)
    );
    assert_eq!(b.expected_first_month, Some(1.0));
    assert_eq!(b.most_likely_first_month.as_deref(), Some("month 1"));
    assert_eq!(rep.budget_usd_per_month, Some(budget));
}

#[test]
fn reports_are_identical_for_any_thread_count_with_uncertainty_and_growth() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    std::fs::write(
        &path,
        fixed(
            "growth: Logistic(ceiling_users: 3000, monthly_rate: 1.5)",
            r#"start_date: "2027-01-20",
               uncertain: [
                 Value("endpoints[chat].traffic.growth.ceiling_users", Uniform(min: 2000, max: 4000)),
                 Scale("endpoints[*].prompt", LogNormal(median: 1, p90: 1.3)),
               ],
               revenue: Revenue(plans: [Plan(name: "pro", share: 1, usd_per_user_month: 1)]),"#,
        ),
    )
    .unwrap();
    let run = |threads: &str| {
        let out = bin()
            .arg("run")
            .arg(&path)
            .args(["--runs", "7", "--format", "json", "--threads", threads])
            .args(["--budget", "200"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"));
    let rep: Report = serde_json::from_slice(&one).unwrap();
    let s = &rep.strategies["baseline"];
    // Calendar months from the start date: 12 days of January, then February.
    assert_eq!(s.monthly[0].label, "2027-01");
    assert_eq!(s.monthly[0].days, 12);
    assert_eq!(s.monthly[1].label, "2027-02");
    assert_eq!(s.monthly[1].days, 18);
    assert_eq!(s.sensitivity.len(), 2);
}

/// Linear growth: sessions on day d are Poisson with mean (1000 + 600 d / 30); over 30 days
/// that is 30,000 + 600 × 14.5 = 38,700 sessions (sd ≈ 197).
#[test]
fn linear_growth_adds_the_stated_users() {
    let rep = forecast(&fixed("growth: Linear(users_per_month: 600)", ""), 2);
    let s = &rep.strategies["baseline"];
    let sessions = s.sessions.mean;
    assert!(
        (sessions - 38_700.0).abs() < 4.0 * 197.0 / 2f64.sqrt(),
        "{sessions}"
    );
    // Days 25..29 carry more than days 0..4.
    let early: f64 = s.daily[..5].iter().map(|d| d.requests).sum();
    let late: f64 = s.daily[25..].iter().map(|d| d.requests).sum();
    assert!(late > 1.3 * early, "{early} {late}");
    // Unit economics use the grown user count: 1000 + 600 × 14.5 / 30 average users.
    let dau = s.unit_economics.daily_active_users;
    assert!((dau - 1290.0).abs() < 1e-6, "{dau}");
}

/// A dated price change halves the output price from its day on; the same traffic is priced
/// (money is derived at the end), so days before are unchanged and days after lose exactly
/// half their output cost.
#[test]
fn dated_price_changes_apply_from_their_day() {
    let plain = forecast(&fixed("", r#"start_date: "2027-03-01","#), 1);
    let cut = forecast(
        &fixed(
            "",
            r#"start_date: "2027-03-01",
               price_changes: [PriceChange(date: "2027-03-16", model: "claude-sonnet-4-6", factor: 0.5, buckets: ["output"])],"#,
        ),
        1,
    );
    let a = &plain.strategies["baseline"].daily;
    let b = &cut.strategies["baseline"].daily;
    for d in 0..30 {
        let (x, y) = (a[d].cost_usd.mean, b[d].cost_usd.mean);
        if d < 15 {
            assert_eq!(x, y, "day {d}");
        } else {
            let requests = a[d].requests;
            let want = x - requests * 100.0 * 15e-6 * 0.5;
            assert!((y - want).abs() < 1e-9 * x, "day {d}: {y} vs {want}");
        }
    }
}

/// A price change for a model nothing bills is a warning (in the report and from `validate`),
/// not silently kept: it would change nothing.
#[test]
fn a_price_change_for_an_unbilled_model_is_a_warning() {
    let text = fixed(
        "",
        r#"price_changes: [PriceChange(day: 3, model: "gpt-4o-mini", factor: 0.5), PriceChange(day: 5, model: "gpt-4o-mini", factor: 0.5)],"#,
    );
    let sc = scenario(&text);
    let said: Vec<&String> = sc
        .warnings
        .iter()
        .filter(|w| w.contains("\"gpt-4o-mini\" is not billed"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", sc.warnings);
    assert!(said[0].contains("models billed: claude-sonnet-4-6"));
    let billed = scenario(&fixed(
        "",
        r#"price_changes: [PriceChange(day: 3, model: "claude-sonnet-4-6", factor: 0.5)],"#,
    ));
    assert!(billed.warnings.is_empty(), "{:?}", billed.warnings);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    std::fs::write(&path, &text).unwrap();
    let out = bin().args(["validate", "-q"]).arg(&path).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("its price change has no effect"));
}

/// Revenue: plans earn user-days / 30 × Σ share × price; per request earns per served request.
#[test]
fn revenue_and_margin_follow_the_plans() {
    let rep = forecast(
        &fixed(
            "",
            r#"revenue: Revenue(
                 plans: [Plan(name: "pro", share: 0.25, usd_per_user_month: 20),
                         Plan(name: "free", share: 0.75, usd_per_user_month: 0)],
                 usd_per_request: 0.001,
               ),"#,
        ),
        3,
    );
    let s = &rep.strategies["baseline"];
    let u = &s.unit_economics;
    // 1000 users every day for 30 days = one user-month per user: 1000 × $5.
    let plans = 1000.0 * 0.25 * 20.0;
    let rev = u.revenue_usd.unwrap();
    let requests = s.requests.mean;
    assert!(
        (rev.mean - (plans + 0.001 * requests)).abs() < 1e-6,
        "{rev:?}"
    );
    let margin = u.margin_usd.unwrap();
    assert!((margin.mean - (rev.mean - s.cost_usd.mean)).abs() < 1e-6);
    let per_user = u.margin_per_user_month_usd.unwrap();
    assert!((per_user.mean - margin.mean / 1000.0).abs() < 1e-9);
    let g = u.gross_margin.unwrap();
    assert!((g.mean - margin.mean / rev.mean).abs() < 1e-3);
}

/// Two uncertain parameters, one driving the cost and one with no effect on it: the first is
/// ranked first with a rank correlation near 1.
#[test]
fn sensitivity_ranks_the_parameter_that_drives_the_cost() {
    let rep = forecast(
        &fixed(
            "",
            r#"uncertain: [
                 Scale("endpoints[chat].reasoning_tokens", Uniform(min: 0.5, max: 2)),
                 Value("endpoints[chat].traffic.daily_active_users", Uniform(min: 500, max: 1500)),
               ],"#,
        ),
        40,
    );
    let sens = &rep.strategies["baseline"].sensitivity;
    assert_eq!(
        sens[0].parameter,
        "endpoints[chat].traffic.daily_active_users"
    );
    assert!(sens[0].rank_correlation > 0.95, "{sens:?}");
    assert!(sens[0].swing_usd > 0.0);
    // Reasoning tokens are Fixed(0): scaling them changes nothing.
    assert!(sens[1].rank_correlation.abs() < 0.4, "{sens:?}");
}

/// The scale curve: with a semantic cache over a fixed catalogue of questions, cost per user
/// falls as users grow (the cache fills up), while the baseline's stays flat. With revenue
/// between the two ends, the semantic strategy breaks even inside the curve.
#[test]
fn scale_curve_shows_semantic_caching_bending_cost_per_user() {
    let text = |revenue: &str| {
        format!(
            r#"Scenario(
            name: "faq", seed: 5, horizon_days: 7,
            {revenue}
            endpoints: [Endpoint(
                name: "faq", model: "claude-sonnet-4-6",
                traffic: Traffic(daily_active_users: 100, sessions_per_user_per_day: 1,
                                 queries: Zipf(intents: 2000, s: 1.0)),
                prompt: Prompt(user_tokens: Fixed(1000)),
                output_tokens: Fixed(100),
            )],
            strategies: [Strategy(name: "semantic",
                semantic_cache: SemanticCache(hit_probability: 1.0))],
        )"#
        )
    };
    let opts = ForecastOptions {
        scale: vec![10_000.0, 100.0, 1_000.0],
        scale_days: 7,
        scale_runs: 2,
        ..ForecastOptions::runs(2)
    };
    let rep = tokencast::forecast::forecast(&scenario(&text("")), &opts).unwrap();
    let c = rep.scale_curve.as_ref().unwrap();
    assert_eq!((c.days, c.runs), (7, 2));
    let users: Vec<f64> = c.points.iter().map(|p| p.daily_active_users).collect();
    assert_eq!(users, [100.0, 1_000.0, 10_000.0]);
    let cost = |i: usize, s: &str| c.points[i].strategies[s].cost_per_user_month_usd.mean;
    // Baseline: every request billed, 30 × $0.0045 = $0.135 per user-month at any scale.
    for i in 0..3 {
        assert!(
            (cost(i, "baseline") - 0.135).abs() < 0.01,
            "{}",
            cost(i, "baseline")
        );
    }
    assert!(cost(2, "semantic") < 0.5 * cost(0, "semantic"));
    assert!(c.break_even_users.values().all(Option::is_none));
    // Revenue between the semantic strategy's cost per user at 100 and at 10,000 users.
    let price = (cost(0, "semantic") + cost(2, "semantic")) / 2.0;
    let with_rev = text(&format!(
        "revenue: Revenue(plans: [Plan(name: \"all\", share: 1, usd_per_user_month: {price})]),"
    ));
    let rep = tokencast::forecast::forecast(&scenario(&with_rev), &opts).unwrap();
    let c = rep.scale_curve.unwrap();
    let be = c.break_even_users["semantic"].expect("semantic breaks even inside the curve");
    assert!((100.0..10_000.0).contains(&be), "{be}");
    assert_eq!(c.break_even_users["baseline"], None);
}

#[test]
fn bad_budget_and_scale_flags_are_usage_errors() {
    for (flag, value) in [
        ("--budget", "-5"),
        ("--budget", "lots"),
        ("--scale", "1k,zero"),
        ("--scale", "-10"),
    ] {
        let out = bin()
            .args(["run", "scenarios/support-assistant.ron"])
            .arg(format!("{flag}={value}"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag) && (err.contains("positive") || err.contains("from 0.01 to 1e15")),
            "{flag}={value}: {err}"
        );
    }
}

/// A failed run leaves an existing output file as it was, and no stray temporary file; no
/// progress bar is drawn when standard error is not a terminal.
#[test]
fn output_is_written_only_when_the_forecast_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("report.json");
    std::fs::write(&out_path, "previous report\n").unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "Scenario(name: \"x\")").unwrap();
    let out = bin()
        .arg("run")
        .arg(&bad)
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "previous report\n"
    );
    let good = dir.path().join("good.ron");
    std::fs::write(&good, fixed("", "")).unwrap();
    let out = bin()
        .arg("run")
        .arg(&good)
        .args(["--runs", "2", "--format", "json", "-o"])
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rep: Report = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(rep.runs, 2);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

/// Ctrl-C (SIGINT) stops a long forecast: exit code 130, a message, no report written.
#[test]
fn interrupt_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.ron");
    let mut f = std::fs::File::create(&path).unwrap();
    // About 100,000 requests per run: 10,000 runs take minutes.
    f.write_all(
        fixed("", "")
            .replace("horizon_days: 30", "horizon_days: 100")
            .as_bytes(),
    )
    .unwrap();
    let out_path = dir.path().join("report.txt");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_tokencast"))
        .arg("run")
        .arg(&path)
        .args(["--runs", "10000", "-o"])
        .arg(&out_path)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let out = crate::support::interrupt(child);
    assert!(started.elapsed().as_secs() < 30, "took too long to stop");
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interrupted"), "{err}");
    assert!(!out_path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A logistic ceiling below the day-0 users is refused whether written or drawn.
#[test]
fn uncertain_draws_that_break_a_logistic_curve_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.ron");
    std::fs::write(
        &path,
        fixed(
            "growth: Logistic(ceiling_users: 3000, monthly_rate: 1)",
            r#"uncertain: [
                 Value("endpoints[chat].traffic.growth.ceiling_users", Uniform(min: 100, max: 200)),
                 Value("endpoints[chat].traffic.daily_active_users", Uniform(min: 5000, max: 6000)),
               ],"#,
        ),
    )
    .unwrap();
    let out = bin().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uncertain[0]")
            && err.contains("below endpoint \"chat\"'s daily_active_users (1000)"),
        "{err}"
    );
    assert!(
        err.contains("uncertain[1]")
            && err.contains("above endpoint \"chat\"'s logistic ceiling_users (3000)"),
        "{err}"
    );
}

/// The scale curve prices at the end of the horizon: a price halved on day 10 of 30 halves the
/// per-user cost at every point (each point simulates only 7 days).
#[test]
fn the_scale_curve_uses_the_prices_in_effect_at_the_end() {
    let sc = scenario(&fixed(
        "",
        r#"price_changes: [PriceChange(day: 10, model: "claude-sonnet-4-6", factor: 0.5)],"#,
    ));
    let opts = ForecastOptions {
        scale: vec![1000.0],
        scale_days: 7,
        scale_runs: 2,
        ..ForecastOptions::runs(1)
    };
    let rep = tokencast::forecast::forecast(&sc, &opts).unwrap();
    let p = &rep.scale_curve.unwrap().points[0];
    let got = p.strategies["baseline"].cost_per_user_month_usd.mean;
    let want = 30.0 * PER_REQUEST * 0.5;
    assert!((got - want).abs() < 0.05 * want, "{got} vs {want}");
}
