//! Semantic caching: exact counts against the generated traffic, costs, and the baseline left
//! untouched.

use std::collections::HashSet;

use tokencast::ledger::Ledger;
use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report;
use tokencast::scenario::Scenario;
use tokencast::workload::synthetic::Synthetic;

use crate::support::scenario;

/// A single-turn FAQ endpoint with `queries`, and `strategies` as given.
fn faq(queries: &str, turns: u32, strategies: &str) -> Scenario {
    let think = if turns > 1 {
        "think_time_s: Fixed(20),"
    } else {
        ""
    };
    scenario(&format!(
        r#"Scenario(
            name: "faq", seed: 17, horizon_days: 3,
            endpoints: [Endpoint(
                name: "faq", model: "gpt-5.6-luna",
                traffic: Traffic(
                    daily_active_users: 2000, sessions_per_user_per_day: 1,
                    turns: Fixed({turns}), {think}
                    queries: {queries},
                ),
                prompt: Prompt(system_tokens: Fixed(1500), user_tokens: Fixed(40)),
                output_tokens: Fixed(250),
            )],
            strategies: [{strategies}],
        )"#
    ))
}

const PERFECT: &str = r#"Strategy(name: "semantic",
    semantic_cache: SemanticCache(hit_probability: 1.0, false_hit_rate: 0.0))"#;

/// (all requests, requests with an intent, distinct intents) of run `run`.
fn traffic_counts(sc: &Scenario, run: u64) -> (u64, u64, u64) {
    let mut distinct = HashSet::new();
    let (mut all, mut queries) = (0, 0);
    for r in Synthetic::new(sc, run).unwrap() {
        all += 1;
        if let Some(i) = r.intent {
            assert_eq!(r.turn, 0, "only opening queries carry an intent");
            queries += 1;
            distinct.insert(i);
        }
    }
    (all, queries, distinct.len() as u64)
}

fn semantic_totals(l: &Ledger) -> (u64, u64, u64) {
    l.semantic_cache.iter().fold((0, 0, 0), |a, c| {
        (a.0 + c.lookups, a.1 + c.hits, a.2 + c.false_hits)
    })
}

/// Unbounded capacity, no TTL, every repeat recognised, no false hits: exactly the first query of
/// each intent misses, so the hit ratio is 1 - distinct/total.
#[test]
fn unbounded_perfect_cache_hit_ratio_is_one_minus_distinct_over_total() {
    for queries in ["Zipf(intents: 3000, s: 1.1)", "Repetition(rate: 0.3)"] {
        let sc = faq(queries, 1, PERFECT);
        let runs = 3;
        let out = montecarlo::simulate(&sc, runs).unwrap();
        for (run, ledgers) in out.ledgers.iter().enumerate() {
            let (all, total, distinct) = traffic_counts(&sc, run as u64);
            assert_eq!(all, total, "single-turn: every request is a query");
            assert!(
                distinct > 100 && distinct < total,
                "{queries}: {distinct}/{total}"
            );
            let (lookups, hits, false_hits) = semantic_totals(&ledgers[1]);
            assert_eq!(lookups, total, "{queries}");
            assert_eq!(hits, total - distinct, "{queries}");
            assert_eq!(false_hits, 0);
            assert_eq!(
                semantic_totals(&ledgers[0]),
                (0, 0, 0),
                "baseline has no cache"
            );
        }
        // The report's ratio, for one run, is exactly 1 - distinct/total.
        let one = montecarlo::simulate(&sc, 1).unwrap();
        let rep = report::build(&sc, &one, 1).unwrap();
        let (_, total, distinct) = traffic_counts(&sc, 0);
        let s = &rep.strategies["semantic"].semantic_cache;
        assert_eq!(s.hit_ratio, (total - distinct) as f64 / total as f64);
        assert_eq!(s.lookups, total as f64);
        assert_eq!(s.false_hit_ratio, 0.0);
        assert_eq!(rep.strategies["baseline"].semantic_cache.lookups, 0.0);
    }
}

/// With `Repetition(rate)`, every query after the first repeats with probability `rate`, so a
/// perfect unbounded cache hits `rate` of them on average.
#[test]
fn repetition_rate_is_the_perfect_cache_hit_ratio() {
    let sc = faq("Repetition(rate: 0.3)", 1, PERFECT);
    let runs = 4;
    let out = montecarlo::simulate(&sc, runs).unwrap();
    let rep = report::build(&sc, &out, runs).unwrap();
    let s = &rep.strategies["semantic"].semantic_cache;
    // ~6000 lookups a run: binomial sd of the pooled ratio ~ sqrt(0.21 / 24000) ~ 0.003.
    assert!((s.hit_ratio - 0.3).abs() < 0.015, "{}", s.hit_ratio);
}

/// The baseline's numbers do not move when a semantic-cache variant is added.
#[test]
fn baseline_is_unchanged_by_a_semantic_cache_variant() {
    let q = "Zipf(intents: 3000, s: 1.1)";
    let alone = faq(q, 2, "");
    let with = faq(
        q,
        2,
        r#"Strategy(name: "semantic", semantic_cache: SemanticCache(
            capacity: 500, ttl_s: 3600, hit_probability: 0.8, false_hit_rate: 0.02))"#,
    );
    let runs = 3;
    let a = montecarlo::simulate(&alone, runs).unwrap();
    let b = montecarlo::simulate(&with, runs).unwrap();
    for r in 0..runs as usize {
        assert_eq!(a.ledgers[r][0], b.ledgers[r][0], "run {r}");
    }
    let ra = report::build(&alone, &a, runs).unwrap();
    let rb = report::build(&with, &b, runs).unwrap();
    assert_eq!(
        serde_json::to_string(&ra.strategies["baseline"]).unwrap(),
        serde_json::to_string(&rb.strategies["baseline"]).unwrap()
    );
    // And the variant does save something.
    assert!(rb.strategies["semantic"].savings_vs_baseline_usd.mean > 0.0);
}

/// Every lookup pays the user message's tokens on the embedding model; every hit skips one
/// chat call; later turns of a session are still billed.
#[test]
fn lookups_pay_embeddings_and_hits_skip_chat_calls() {
    let user = 40u64;
    let turns = 3u64;
    let sc = faq(
        "Zipf(intents: 2000, s: 1.0)",
        turns as u32,
        r#"Strategy(name: "semantic", semantic_cache: SemanticCache(
            capacity: 300, hit_probability: 0.9, false_hit_rate: 0.05))"#,
    );
    let runs = 2;
    let out = montecarlo::simulate(&sc, runs).unwrap();
    let emb = out
        .models
        .ids
        .iter()
        .position(|m| m == "text-embedding-3-small")
        .expect("embedding model registered") as u16;
    let mut embedding_cost = 0.0;
    for (run, ledgers) in out.ledgers.iter().enumerate() {
        let (all, total, _) = traffic_counts(&sc, run as u64);
        let l = &ledgers[1];
        let (lookups, hits, false_hits) = semantic_totals(l);
        assert_eq!(lookups, total);
        assert_eq!(lookups, l.sessions[0], "one lookup per session");
        assert!(hits > 0 && false_hits > 0 && false_hits < hits);
        // Chat calls: every request but the hits (later turns still go to the model).
        assert_eq!(l.total().requests, all - hits);
        assert_eq!(ledgers[0].total().requests, all);
        // Embedding tokens: lookups x user tokens, on the embedding model's line only.
        let mut emb_tokens = 0;
        for (li, key) in l.lines().iter().enumerate() {
            let t = l.line_total(li);
            if key.model == emb {
                emb_tokens += t.tokens[Bucket::Embedding.index()];
                assert_eq!(t.requests, 0);
            } else {
                assert_eq!(t.tokens[Bucket::Embedding.index()], 0);
            }
        }
        assert_eq!(emb_tokens, lookups * user);
        // text-embedding-3-small: $0.02 per million tokens.
        embedding_cost += (lookups * user) as f64 * 0.02e-6;
    }
    let rep = report::build(&sc, &out, runs).unwrap();
    let s = &rep.strategies["semantic"];
    let expected = embedding_cost / f64::from(runs);
    let got = s.by_model["text-embedding-3-small"].cost_usd.mean;
    assert!(
        (got - expected).abs() <= 1e-12 * expected,
        "{got} vs {expected}"
    );
    assert!((s.by_bucket["embedding"].cost_usd.mean - expected).abs() <= 1e-12 * expected);
    let sem = &s.semantic_cache;
    assert!(sem.false_hits > 0.0 && sem.false_hit_ratio == sem.false_hits / sem.lookups);
}

/// Two variants differing only in capacity: the larger cache hits at least as often here, and
/// results are reproducible.
#[test]
fn larger_capacity_hits_more() {
    let sc = faq(
        "Zipf(intents: 20000, s: 1.05)",
        1,
        r#"Strategy(name: "small", semantic_cache: SemanticCache(capacity: 200, hit_probability: 0.9)),
           Strategy(name: "large", semantic_cache: SemanticCache(capacity: 5000, hit_probability: 0.9))"#,
    );
    let out = montecarlo::simulate(&sc, 2).unwrap();
    let rep = report::build(&sc, &out, 2).unwrap();
    let small = rep.strategies["small"].semantic_cache.hit_ratio;
    let large = rep.strategies["large"].semantic_cache.hit_ratio;
    assert!(large > small + 0.05, "small {small}, large {large}");
    let again = montecarlo::simulate(&sc, 2).unwrap();
    assert_eq!(out.ledgers, again.ledgers);
}

/// `combine` carries a semantic cache over; a baseline with a semantic cache is what every other
/// strategy starts from.
#[test]
fn combine_carries_the_semantic_cache() {
    let sc = faq(
        "Zipf(intents: 1000, s: 1.0)",
        1,
        r#"Strategy(name: "semantic", semantic_cache: SemanticCache(capacity: 50, hit_probability: 0.7)),
           Strategy(name: "both", combine: ["semantic"], prompt_cache: PromptCache(placement: Tools))"#,
    );
    let by_name = |n: &str| {
        sc.strategies
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .endpoints[0]
            .clone()
    };
    assert_eq!(by_name("baseline").semantic_cache, None);
    let s = by_name("semantic").semantic_cache.expect("on");
    assert_eq!((s.capacity, s.hit_probability), (Some(50), 0.7));
    assert_eq!(by_name("both").semantic_cache, Some(s));
    assert!(by_name("both").prompt_cache.is_some());

    let sc = faq(
        "Zipf(intents: 1000, s: 1.0)",
        1,
        r#"Strategy(name: "baseline", semantic_cache: SemanticCache(hit_probability: 0.9)),
           Strategy(name: "other")"#,
    );
    assert!(
        sc.strategies
            .iter()
            .all(|s| s.endpoints[0].semantic_cache.is_some())
    );
}

/// The FAQ example's report is byte-identical whatever the thread count.
#[test]
fn faq_bot_report_is_byte_identical_for_any_thread_count() {
    let run = |threads: &str| {
        let out = crate::support::bin()
            .args([
                "run",
                "--runs",
                "3",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .arg(crate::support::repo("scenarios/faq-bot.ron"))
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
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let hit = v["strategies"]["semantic-10k"]["semantic_cache"]["hit_ratio"]
        .as_f64()
        .unwrap();
    assert!(hit > 0.3 && hit < 0.9, "{hit}");
}
