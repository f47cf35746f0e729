//! Prompt caching: analytic cases and invariants.

use proptest::prelude::*;
use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report::{self, PROMPT_BUCKETS};

use crate::support::scenario;

/// A scenario with one endpoint on claude-sonnet-4-6 (min prefix 1,024, refresh on hit) and
/// one `cached` strategy. No session starts in the last hour of a day, so none is cut.
fn text(
    days: u32,
    dau: u32,
    turns: u32,
    think_s: u32,
    tools: u32,
    user: u32,
    strategy: &str,
) -> String {
    format!(
        r#"Scenario(
            name: "pc", seed: 9, horizon_days: {days},
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(
                    daily_active_users: {dau}, sessions_per_user_per_day: 1,
                    hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0],
                    turns: Fixed({turns}), think_time_s: Fixed({think_s}),
                ),
                prompt: Prompt(tools_tokens: Fixed({tools}), user_tokens: Fixed({user})),
                output_tokens: Fixed(500),
            )],
            strategies: [Strategy(name: "cached", prompt_cache: {strategy})],
        )"#
    )
}

fn totals(text: &str, runs: u32) -> (Vec<[u64; Bucket::ALL.len()]>, Vec<u64>, tokencast::Report) {
    let sc = scenario(text);
    let out = montecarlo::simulate(&sc, runs).unwrap();
    let rep = report::build(&sc, &out, runs).unwrap();
    let tokens = out.ledgers[0].iter().map(|l| l.total().tokens).collect();
    let sessions = out.ledgers[0].iter().map(|l| l.sessions[0]).collect();
    (tokens, sessions, rep)
}

/// Think time (60 s) always below the TTL (5 min): every turn after the first reads the whole
/// previous prompt. With no shared prefix, a session of prompts p0..p4 reads p0+p1+p2+p3 and
/// writes p4 in all.
#[test]
fn think_time_below_ttl_hits_every_turn_after_the_first() {
    let t = text(
        2,
        400,
        5,
        60,
        0,
        1500,
        "PromptCache(ttl: M5, placement: FullPrompt)",
    );
    let (tok, sessions, _) = totals(&t, 1);
    let cached = tok[1];
    let p = |k: u64| 1500 + 2000 * k; // user 1500, each turn adds user + output = 2000
    let s = sessions[1];
    assert!(s > 500);
    assert_eq!(
        cached[Bucket::CacheRead.index()],
        s * (p(0) + p(1) + p(2) + p(3))
    );
    assert_eq!(cached[Bucket::CacheWrite5m.index()], s * p(4));
    assert_eq!(cached[Bucket::Input.index()], 0);
    // Same traffic as the baseline, which pays every token as input.
    assert_eq!(
        tok[0][Bucket::Input.index()],
        s * (p(0) + p(1) + p(2) + p(3) + p(4))
    );
}

/// Think time (400 s) always above the TTL: no turn reads the session's earlier prompt.
#[test]
fn think_time_above_ttl_never_hits() {
    let t = text(
        2,
        400,
        5,
        400,
        0,
        1500,
        "PromptCache(ttl: M5, placement: FullPrompt)",
    );
    let (tok, sessions, _) = totals(&t, 1);
    let s = sessions[1];
    let all: u64 = (0..5).map(|k| 1500 + 2000 * k).sum();
    assert_eq!(tok[1][Bucket::CacheRead.index()], 0);
    assert_eq!(tok[1][Bucket::CacheWrite5m.index()], s * all);
    // The 1-hour TTL outlives the think time: every turn after the first hits.
    let t = text(
        2,
        400,
        5,
        400,
        0,
        1500,
        "PromptCache(ttl: H1, placement: FullPrompt)",
    );
    let (tok, sessions, _) = totals(&t, 1);
    let s = sessions[1];
    assert_eq!(
        tok[1][Bucket::CacheRead.index()],
        s * (1500 + 3500 + 5500 + 7500)
    );
    assert_eq!(tok[1][Bucket::CacheWrite1h.index()], s * 9500);
}

/// ...except the shared prefix, which busy traffic (about 7 sessions a minute, all day) keeps
/// warm: every request but the very first reads the 2,000 tool tokens.
#[test]
fn shared_prefix_is_kept_warm_by_other_sessions() {
    let t = text(
        1,
        10_000,
        3,
        400,
        2000,
        100,
        "PromptCache(ttl: M5, placement: Tools)",
    );
    let (tok, _, rep) = totals(&t, 1);
    let requests = rep.strategies["cached"].requests.mean as u64;
    assert!(requests > 20_000);
    assert_eq!(tok[1][Bucket::CacheRead.index()], 2000 * (requests - 1));
    assert_eq!(tok[1][Bucket::CacheWrite5m.index()], 2000);
}

/// Single-turn sessions with no shared prefix: every request writes its prompt at 1.25× input
/// and nothing is read back, so caching is a loss of 0.25 × the prompt's input cost.
#[test]
fn write_premium_makes_caching_a_loss_without_reuse() {
    let t = text(
        1,
        500,
        1,
        0,
        0,
        3000,
        "PromptCache(ttl: M5, placement: FullPrompt)",
    );
    let (_, _, rep) = totals(&t, 2);
    let base = &rep.strategies["baseline"];
    let cached = &rep.strategies["cached"];
    assert!(cached.cost_usd.mean > base.cost_usd.mean);
    let prompt_cost = cached.tokens["cache_write_5m"] * 3e-6;
    assert!(prompt_cost > 0.0);
    let expected = -0.25 * prompt_cost;
    let got = cached.prompt_cache.net_saving_usd;
    assert!(
        (got - expected).abs() < 1e-9 * prompt_cost,
        "{got} vs {expected}"
    );
    assert!(cached.savings_vs_baseline_usd.mean < 0.0);
    let table = tokencast::output::table::render(&rep);
    assert!(table.contains("net LOSS"), "{table}");
}

/// Adding strategies never changes the baseline: traffic draws from its own streams.
#[test]
fn baseline_is_unchanged_when_a_variant_is_added() {
    let with = text(
        2,
        300,
        4,
        90,
        2000,
        200,
        "PromptCache(ttl: M5, placement: FullPrompt)",
    );
    let without = with.replace(
        r#"strategies: [Strategy(name: "cached", prompt_cache: PromptCache(ttl: M5, placement: FullPrompt))],"#,
        "",
    );
    assert_ne!(with, without);
    let (a, _, ra) = totals(&with, 3);
    let (b, _, rb) = totals(&without, 3);
    assert_eq!((a.len(), b.len()), (2, 1));
    assert_eq!(a[0], b[0]);
    assert_eq!(
        ra.strategies["baseline"].cost_usd,
        rb.strategies["baseline"].cost_usd
    );
    assert_eq!(rb.strategies.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Buckets are disjoint: every prompt token is input, a write or a read, exactly once,
    /// whatever the sizes, think times, TTL and placement. Caching never changes output.
    #[test]
    fn prompt_tokens_split_exactly(
        turns in 1u32..8,
        think in 1u32..900,
        tools in 0u32..5000,
        user in 1u32..3000,
        ttl in prop::sample::select(vec!["M5", "H1"]),
        placement in prop::sample::select(vec!["System", "Tools", "FullPrompt"]),
    ) {
        let strat = format!("PromptCache(ttl: {ttl}, placement: {placement})");
        let sc = scenario(&text(1, 150, turns, think, tools, user, &strat));
        let out = montecarlo::simulate(&sc, 1).unwrap();
        let base = out.ledgers[0][0].total();
        let cached = out.ledgers[0][1].total();
        let prompt = |c: &tokencast::ledger::Cell| -> u64 {
            PROMPT_BUCKETS.iter().map(|b| c.tokens[b.index()]).sum()
        };
        let sent: u64 = out.ledgers[0][1].prompt_segments[0].iter().sum();
        prop_assert_eq!(prompt(&base), sent);
        prop_assert_eq!(prompt(&cached), sent);
        prop_assert_eq!(base.tokens[Bucket::Output.index()], cached.tokens[Bucket::Output.index()]);
        prop_assert_eq!(base.requests, cached.requests);
        prop_assert!(cached.tokens[Bucket::Input.index()] <= base.tokens[Bucket::Input.index()]);
    }
}
