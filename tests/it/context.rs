//! Context policies: closed-form history sizes, billed summaries, the context window.

use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report;

use crate::support::scenario;

fn text(turns: u32, window: u64, strategy: &str) -> String {
    format!(
        r#"Scenario(
            name: "ctx", seed: 4, horizon_days: 2,
            models: {{
                "small-window": (
                    provider: "test", mode: Chat, max_input_tokens: {window},
                    standard: (input: 1.0, output: 2.0),
                    cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false),
                ),
            }},
            endpoints: [Endpoint(
                name: "chat", model: "small-window",
                traffic: Traffic(
                    daily_active_users: 200, sessions_per_user_per_day: 1,
                    hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0],
                    turns: Fixed({turns}), think_time_s: Fixed(20),
                ),
                prompt: Prompt(system_tokens: Fixed(1000), user_tokens: Fixed(100)),
                output_tokens: Fixed(300),
            )],
            strategies: [Strategy(name: "v", context: {strategy})],
        )"#
    )
}

/// Keep the last n turns: turn k sends min(k, n) × (u + o) history tokens.
#[test]
fn keep_last_turns_matches_closed_form() {
    let (t, n) = (9u64, 3u64);
    let sc = scenario(&text(
        t as u32,
        1_000_000,
        "Context(policy: KeepLastTurns(3))",
    ));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let l = &out.ledgers[0][1];
    let s = l.sessions[0];
    assert!(s > 200);
    let history: u64 = (0..t).map(|k| k.min(n) * 400).sum();
    let expected = s * (t * 1100 + history);
    assert_eq!(l.total().tokens[Bucket::Input.index()], expected);
    // The baseline re-sends everything: (u+o) T(T-1)/2 history per session.
    let b = &out.ledgers[0][0];
    assert_eq!(
        b.total().tokens[Bucket::Input.index()],
        s * (t * 1100 + 400 * t * (t - 1) / 2)
    );
}

/// Summarise every k turns: a billed call before turns k, 2k, ... whose prompt is the held
/// history, after which the history restarts from the summary.
#[test]
fn summaries_are_billed_and_shrink_the_history() {
    let sc = scenario(&text(
        7,
        1_000_000,
        "Context(policy: Summarize(every_turns: 3, summary_tokens: 50))",
    ));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let l = &out.ledgers[0][1];
    let s = l.sessions[0];
    // Turns 0..6: summaries before turns 3 and 6.
    assert_eq!(l.summaries[0], 2 * s);
    // History sent: turns 0,1,2 → 0, 400, 800; turn 3 → 50; 4 → 450; 5 → 850; 6 → 50.
    let chat_history = 400 + 800 + 50 + 450 + 850 + 50;
    // Summary prompts: before turn 3 the held history is 1200; before turn 6, 50 + 1200.
    let summary_prompts = 1200 + 1250;
    let total = l.total();
    assert_eq!(
        total.tokens[Bucket::Input.index()],
        s * (7 * 1100 + chat_history + summary_prompts)
    );
    assert_eq!(total.tokens[Bucket::Output.index()], s * (7 * 300 + 2 * 50));
    assert_eq!(total.requests, s * (7 + 2));
    let rep = report::build(&sc, &out, 1).unwrap();
    assert_eq!(rep.strategies["v"].context.summaries, (2 * s) as f64);
}

/// A 3,000-token window: the baseline's long sessions are refused past it; with a policy the
/// oldest turns are dropped so nothing is refused.
#[test]
fn the_context_window_is_never_exceeded_with_a_policy() {
    let sc = scenario(&text(10, 3000, "Context(policy: KeepLastTurns(100))"));
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let base = &out.ledgers[0][0];
    let trimmed = &out.ledgers[0][1];
    // 1,100 fixed + 400 per turn: turns 5.. exceed 3,000 in the baseline.
    assert_eq!(base.context_overflows[0], base.sessions[0] * 5);
    assert_eq!(trimmed.context_overflows[0], 0);
    assert!(trimmed.forced_trims[0] > 0);
    assert_eq!(trimmed.total().requests, trimmed.sessions[0] * 10);
    let rep = report::build(&sc, &out, 1).unwrap();
    assert_eq!(rep.warnings.len(), 1, "{:?}", rep.warnings);
    assert!(rep.warnings[0].starts_with("baseline:"));
}

#[test]
fn summary_model_must_exist() {
    let t = text(
        4,
        100_000,
        r#"Context(policy: Summarize(every_turns: 2, summary_tokens: 50, model: "gpt-5.6-lun"))"#,
    );
    let file = tokencast::scenario::parse(&t, "t.ron").unwrap();
    let err = tokencast::Scenario::from_file(file, tokencast::Catalog::builtin(), "t.ron")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("strategies[0].context.policy.model: unknown model \"gpt-5.6-lun\"")
            && err.contains("did you mean \"gpt-5.6-luna\""),
        "{err}"
    );
}
