//! Batch processing: exact batch prices, delays, and what can never be batched.

use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report;

use crate::support::scenario;

fn text(deferrable: bool, turns: u32, strategy: &str) -> String {
    format!(
        r#"Scenario(
            name: "batch", seed: 8, horizon_days: 3,
            endpoints: [Endpoint(
                name: "docs", model: "claude-haiku-4-5", deferrable: {deferrable},
                traffic: Traffic(daily_active_users: 500, sessions_per_user_per_day: 2,
                                 turns: Fixed({turns}), think_time_s: Fixed(5)),
                prompt: Prompt(system_tokens: Fixed(800), context_tokens: Fixed(3000),
                               user_tokens: Fixed(20), history: None),
                output_tokens: Fixed(700),
            )],
            strategies: [Strategy(name: "b", batch: {strategy})],
        )"#
    )
}

/// Without caching, batching bills the same tokens at exactly the batch prices: 50% here.
#[test]
fn batch_cost_is_exactly_the_batch_price() {
    let sc = scenario(&text(true, 1, "Batch(flush_every_s: 3600)"));
    let out = montecarlo::simulate(&sc, 2).unwrap();
    for run in &out.ledgers {
        assert_eq!(run[0].total(), run[1].total(), "same tokens and requests");
    }
    let rep = report::build(&sc, &out, 2).unwrap();
    let base = rep.strategies["baseline"].cost_usd.mean;
    let batch = rep.strategies["b"].cost_usd.mean;
    assert!(
        (batch - base * 0.5).abs() < 1e-9 * base,
        "{batch} vs {base}"
    );
    let b = &rep.strategies["b"];
    assert_eq!(b.batch.requests, b.requests.mean);
    assert_eq!(rep.strategies["baseline"].batch.requests, 0.0);
    // Haiku batch: $0.50 in, $2.50 out per million.
    let tok = &b.tokens;
    let expected = tok["input"] * 0.5e-6 + tok["output"] * 2.5e-6;
    assert!((batch - expected).abs() < 1e-9 * expected);
    assert_eq!(tok["input"], 3820.0 * b.requests.mean);
}

/// With an instant turnaround, the delay is the wait for the next hourly submission: uniform
/// over the hour, so the median is about 30 minutes and the 95th percentile about 57.
#[test]
fn delay_is_queueing_plus_turnaround() {
    let sc = scenario(&text(
        true,
        1,
        "Batch(flush_every_s: 3600, turnaround_s: Fixed(0))",
    ));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let rep = report::build(&sc, &out, 1).unwrap();
    let b = &rep.strategies["b"].batch;
    assert!(
        (b.delay_p50_s / 1800.0 - 1.0).abs() < 0.05,
        "{}",
        b.delay_p50_s
    );
    assert!(
        (b.delay_p95_s / 3420.0 - 1.0).abs() < 0.05,
        "{}",
        b.delay_p95_s
    );
    assert!(b.delay_p99_s < 3600.0 * 1.01);
    let sc = scenario(&text(
        true,
        1,
        "Batch(flush_every_s: 3600, turnaround_s: Fixed(7200))",
    ));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let rep = report::build(&sc, &out, 1).unwrap();
    let b = &rep.strategies["b"].batch;
    assert!(((b.delay_p50_s - 7200.0) / 1800.0 - 1.0).abs() < 0.05);
}

/// A full queue is submitted at once: with max_batch 1 every request is submitted when made.
#[test]
fn a_full_queue_is_submitted_immediately() {
    let sc = scenario(&text(
        true,
        1,
        "Batch(flush_every_s: 3600, max_batch: 1, turnaround_s: Fixed(0))",
    ));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let rep = report::build(&sc, &out, 1).unwrap();
    assert!(rep.strategies["b"].batch.delay_p99_s < 0.01);
    // Billed on the same days as the real-time baseline.
    let days =
        |s: &str| -> Vec<f64> { rep.strategies[s].daily.iter().map(|d| d.requests).collect() };
    assert_eq!(days("b"), days("baseline"));
}

fn error_of(text: &str) -> String {
    let file = tokencast::scenario::parse(text, "t.ron").unwrap();
    tokencast::Scenario::from_file(file, tokencast::Catalog::builtin(), "t.ron")
        .unwrap_err()
        .to_string()
}

#[test]
fn real_time_endpoints_can_never_be_batched() {
    let err = error_of(&text(false, 1, r#"Batch(endpoints: ["docs"])"#));
    assert!(
        err.contains("strategies[0].batch.endpoints: endpoint \"docs\" is real-time (deferrable: false); real-time endpoints can never be batched"),
        "{err}"
    );
    let err = error_of(&text(false, 1, "Batch()"));
    assert!(err.contains("no endpoint is deferrable"), "{err}");
}

#[test]
fn deferrable_endpoints_must_be_single_requests() {
    let err = error_of(&text(true, 3, "Batch()"));
    assert!(
        err.contains(
            "endpoints[0].deferrable: a deferrable endpoint's sessions must be single requests"
        ),
        "{err}"
    );
}

#[test]
fn batched_output_tokens_equal_real_time_ones() {
    let sc = scenario(&text(true, 1, "Batch(flush_every_s: 600)"));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let (a, b) = (out.ledgers[0][0].total(), out.ledgers[0][1].total());
    assert_eq!(
        a.tokens[Bucket::Output.index()],
        b.tokens[Bucket::Output.index()]
    );
}
