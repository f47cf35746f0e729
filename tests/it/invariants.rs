//! Invariants across levers, for random combinations of them.

use proptest::prelude::*;
use tokencast::ledger::Ledger;
use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report::PROMPT_BUCKETS;

use crate::support::scenario;

fn text(strategy: &str, turns: u32, think: u32) -> String {
    format!(
        r#"Scenario(
            name: "inv", seed: 13, horizon_days: 1,
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(daily_active_users: 300, sessions_per_user_per_day: 1,
                    turns: Geometric(mean: {turns}), think_time_s: Exponential(mean: {think}),
                    queries: Zipf(intents: 200, s: 1.0)),
                prompt: Prompt(system_tokens: Fixed(1500), tools_tokens: Fixed(600),
                    context_tokens: LogNormal(median: 300, p90: 900),
                    user_tokens: LogNormal(median: 40, p90: 120)),
                output_tokens: LogNormal(median: 200, p90: 500),
            )],
            {strategy}
        )"#
    )
}

fn prompt(l: &Ledger) -> u64 {
    let t = l.total();
    PROMPT_BUCKETS.iter().map(|b| t.tokens[b.index()]).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, .. ProptestConfig::default() })]

    /// Levers that only remove work (caching, semantic caching, trimming, routing without
    /// cascades) never add prompt, output or reasoning tokens nor requests, and never change
    /// the baseline.
    #[test]
    fn levers_never_add_tokens_they_should_not(
        cache in any::<bool>(),
        semantic in any::<bool>(),
        trim in 0u32..6,
        route in any::<bool>(),
        turns in 1u32..6,
        think in 5u32..600,
    ) {
        let mut levers = Vec::new();
        if cache {
            levers.push("prompt_cache: PromptCache(ttl: M5)".to_string());
        }
        if semantic {
            levers.push("semantic_cache: SemanticCache(hit_probability: 0.9, false_hit_rate: 0.01)".to_string());
        }
        if trim > 0 {
            levers.push(format!("context: Context(policy: KeepLastTurns({trim}))"));
        }
        if route {
            levers.push(r#"routing: Routing(rules: [Route(when: Share(0.5), model: "claude-haiku-4-5")])"#.to_string());
        }
        let with = text(
            &format!("strategies: [Strategy(name: \"v\", {})],", levers.join(", ")),
            turns,
            think,
        );
        let without = text("", turns, think);
        let a = scenario(&with);
        let b = scenario(&without);
        let out_a = montecarlo::simulate(&a, 1).unwrap();
        let out_b = montecarlo::simulate(&b, 1).unwrap();
        // The baseline is the same with or without the variant.
        prop_assert_eq!(&out_a.ledgers[0][0], &out_b.ledgers[0][0]);
        let base = &out_a.ledgers[0][0];
        let var = &out_a.ledgers[0][1];
        let (bt, vt) = (base.total(), var.total());
        prop_assert!(prompt(var) <= prompt(base));
        prop_assert!(vt.tokens[Bucket::Output.index()] <= bt.tokens[Bucket::Output.index()]);
        prop_assert!(vt.tokens[Bucket::Reasoning.index()] <= bt.tokens[Bucket::Reasoning.index()]);
        // Embedding lookups are not model calls.
        prop_assert!(vt.requests <= bt.requests);
        if !cache {
            prop_assert_eq!(vt.tokens[Bucket::CacheRead.index()], 0);
        }
        if !semantic {
            prop_assert_eq!(vt.tokens[Bucket::Embedding.index()], 0);
        }
        if trim == 0 && !semantic {
            // Nothing skipped or shortened: every request billed, prompt tokens only re-split.
            prop_assert_eq!(vt.requests, bt.requests);
            prop_assert_eq!(prompt(var), prompt(base));
        }
    }
}
