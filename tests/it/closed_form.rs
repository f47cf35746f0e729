//! Cases whose answer is known in closed form.

use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report;

use crate::support::scenario;

/// An opening message f apart from the later messages u: every session sends
/// T*S + f + (T-1)*u + (T-1)*(f+o) + (u+o)*(T-1)*(T-2)/2 prompt tokens (turn k re-sends the
/// opening, its answer, and k-1 later messages and answers).
#[test]
fn an_opening_message_is_sent_once_and_re_sent_as_history() {
    let (t, s, f, u, o) = (4u64, 300u64, 5000u64, 40u64, 100u64);
    let text = format!(
        r#"Scenario(
            name: "opening", seed: 3, horizon_days: 2,
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(
                    daily_active_users: 300, sessions_per_user_per_day: 1,
                    hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0],
                    turns: Fixed({t}), think_time_s: Fixed(10),
                ),
                prompt: Prompt(system_tokens: Fixed({s}), user_tokens: Fixed({u}),
                               first_user_tokens: Some(Fixed({f}))),
                output_tokens: Fixed({o}),
            )],
        )"#
    );
    let sc = scenario(&text);
    let out = montecarlo::simulate(&sc, 2).unwrap();
    for ledgers in &out.ledgers {
        let l = &ledgers[0];
        let sessions = l.sessions[0];
        assert!(sessions > 300, "{sessions} sessions");
        let per_session =
            t * s + f + (t - 1) * u + (t - 1) * (f + o) + (u + o) * (t - 1) * (t - 2) / 2;
        assert_eq!(
            l.total().tokens[Bucket::Input.index()],
            sessions * per_session
        );
    }
}

/// T turns of user message u, output o, static prefix S: every session sends
/// T*S + T*u + (u+o)*T*(T-1)/2 prompt tokens.
#[test]
fn fixed_sizes_give_exact_token_counts() {
    let (t, s_sys, s_tools, u, o, r) = (6u64, 2000u64, 500u64, 40u64, 300u64, 25u64);
    // No session may start in the last hour of a day, and 6 turns 10 s apart end within a
    // minute, so no session is cut at the horizon.
    let text = format!(
        r#"Scenario(
            name: "exact", seed: 3, horizon_days: 3,
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(
                    daily_active_users: 300, sessions_per_user_per_day: 2,
                    hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0],
                    turns: Fixed({t}), think_time_s: Fixed(10),
                ),
                prompt: Prompt(system_tokens: Fixed({s_sys}), tools_tokens: Fixed({s_tools}),
                               user_tokens: Fixed({u})),
                output_tokens: Fixed({o}),
                reasoning_tokens: Fixed({r}),
            )],
        )"#
    );
    let sc = scenario(&text);
    let out = montecarlo::simulate(&sc, 3).unwrap();
    for ledgers in &out.ledgers {
        let l = &ledgers[0];
        let sessions = l.sessions[0];
        assert!(sessions > 1000, "expected ~1800 sessions, got {sessions}");
        let total = l.total();
        let s = s_sys + s_tools;
        let per_session_input = t * s + t * u + (u + o) * t * (t - 1) / 2;
        assert_eq!(
            total.tokens[Bucket::Input.index()],
            sessions * per_session_input
        );
        assert_eq!(total.tokens[Bucket::Output.index()], sessions * t * o);
        assert_eq!(total.tokens[Bucket::Reasoning.index()], sessions * t * r);
        assert_eq!(total.requests, sessions * t);
        assert_eq!(total.tokens[Bucket::CacheRead.index()], 0);
    }
    // Money is tokens × catalog prices (claude-sonnet-4-6: $3 in, $15 out per million;
    // reasoning billed as output).
    let rep = report::build(&sc, &out, 3).unwrap();
    let b = &rep.strategies["baseline"];
    for (i, ledgers) in out.ledgers.iter().enumerate() {
        let tot = ledgers[0].total();
        let expected = tot.tokens[Bucket::Input.index()] as f64 * 3e-6
            + (tot.tokens[Bucket::Output.index()] + tot.tokens[Bucket::Reasoning.index()]) as f64
                * 15e-6;
        let _ = i;
        assert!(b.cost_usd.min <= expected + 1e-6 && expected <= b.cost_usd.max + 1e-6);
    }
    let mean_expected: f64 = out
        .ledgers
        .iter()
        .map(|l| {
            let tot = l[0].total();
            tot.tokens[Bucket::Input.index()] as f64 * 3e-6
                + (tot.tokens[Bucket::Output.index()] + tot.tokens[Bucket::Reasoning.index()])
                    as f64
                    * 15e-6
        })
        .sum::<f64>()
        / 3.0;
    assert!((b.cost_usd.mean - mean_expected).abs() < 1e-9 * mean_expected);
    // The prompt composition adds up to the input tokens.
    let seg_sum: f64 = b.prompt_segments.values().sum();
    assert!((seg_sum - b.tokens["input"]).abs() < 1e-6);
    assert!(
        (b.prompt_segments["history"] - b.sessions.mean * ((u + o) * t * (t - 1) / 2) as f64).abs()
            < 1e-6
    );
}

/// Sessions arrive as a Poisson process: the expected count over the horizon is
/// DAU × sessions/user/day × days, and with single-turn fixed requests the expected cost is that
/// times the per-request price.
#[test]
fn poisson_arrivals_match_expected_cost() {
    let text = r#"Scenario(
        name: "poisson", seed: 11, horizon_days: 7,
        endpoints: [Endpoint(
            name: "faq", model: "gpt-4o-mini",
            traffic: Traffic(
                daily_active_users: 1000, sessions_per_user_per_day: 0.5,
                hourly_profile: [0,0,0,0,0,0,1,2,3,4,5,6,6,5,4,3,2,1,0,0,0,0,0,0],
                weekday_weights: [1, 1, 1, 1, 1, 0.5, 0.5],
            ),
            prompt: Prompt(system_tokens: Fixed(1000), user_tokens: Fixed(50)),
            output_tokens: Fixed(200),
        )],
    )"#;
    let sc = scenario(text);
    let runs = 200u32;
    let out = montecarlo::simulate(&sc, runs).unwrap();
    let rep = report::build(&sc, &out, runs).unwrap();
    let b = &rep.strategies["baseline"];
    // Weekday weights are normalised to mean 1 over the week, so a 7-day week has exactly
    // DAU × sessions × 7 expected sessions.
    let lambda = 1000.0 * 0.5 * 7.0;
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    let per_request = 1050.0 * 0.15e-6 + 200.0 * 0.6e-6;
    let expected = lambda * per_request;
    // Standard error of the mean of `runs` Poisson(lambda) totals, times the price.
    let se = (lambda / f64::from(runs)).sqrt() * per_request;
    assert!(
        (b.cost_usd.mean - expected).abs() < 4.0 * se,
        "mean cost {} vs expected {expected} (4 se = {})",
        b.cost_usd.mean,
        4.0 * se
    );
    // The spread across runs is Poisson's: sd = sqrt(lambda) × price, within 15%.
    let costs: Vec<f64> = out
        .ledgers
        .iter()
        .map(|l| l[0].total().requests as f64 * per_request)
        .collect();
    let m = costs.iter().sum::<f64>() / costs.len() as f64;
    let sd = (costs.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (costs.len() - 1) as f64).sqrt();
    let sd_expected = lambda.sqrt() * per_request;
    assert!(
        (sd / sd_expected - 1.0).abs() < 0.15,
        "sd {sd} vs {sd_expected}"
    );
    // No traffic at night: every request falls between 06:00 and 18:00.
    assert_eq!(b.daily.len(), 7);
}
