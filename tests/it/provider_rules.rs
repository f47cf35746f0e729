//! The providers' prompt-cache rules (December 2026), each checked against a bill computed by
//! hand from the rule and the provider's published price, not read back from tokencast.
//!
//! Every scenario has fixed sizes: a system prompt S = 3,000 tokens, tools T = 1,000, a user
//! message of 100 and an output of 200 tokens, 4 turns 10 s apart, so turn k's history holds
//! 300·k tokens (user + output of the turns before it). No session starts in the last three
//! hours of a day, so none is cut at the horizon (4 turns 31 minutes apart end within 95).

use tokencast::montecarlo;
use tokencast::pricing::Bucket;
use tokencast::report;

use crate::support::scenario;

const S: u64 = 3000;
const T: u64 = 1000;
const USER: u64 = 100;
const OUTPUT: u64 = 200;
const TURNS: u64 = 4;

/// One endpoint on `model` with retrieved context of `context` tokens per turn (kept in the
/// history or not), think time `think_s`, and one strategy `cached` with `prompt_cache`.
fn text(model: &str, context: u64, in_history: bool, think_s: u64, prompt_cache: &str) -> String {
    format!(
        r#"Scenario(
            name: "rules", seed: 5, horizon_days: 2,
            endpoints: [Endpoint(
                name: "chat", model: "{model}",
                traffic: Traffic(
                    daily_active_users: 300, sessions_per_user_per_day: 1,
                    hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0,0,0],
                    turns: Fixed({TURNS}), think_time_s: Fixed({think_s}),
                ),
                prompt: Prompt(system_tokens: Fixed({S}), tools_tokens: Fixed({T}),
                               context_tokens: Fixed({context}),
                               context_in_history: {in_history},
                               user_tokens: Fixed({USER})),
                output_tokens: Fixed({OUTPUT}),
            )],
            strategies: [Strategy(name: "cached", prompt_cache: {prompt_cache})],
        )"#
    )
}

/// Per strategy (baseline, cached): the run's token totals, its sessions, and its cost.
struct Run {
    tokens: [[u64; Bucket::ALL.len()]; 2],
    sessions: u64,
    cost: [f64; 2],
}

fn run(text: &str) -> Run {
    let sc = scenario(text);
    let out = montecarlo::simulate(&sc, 1).unwrap();
    let rep = report::build(&sc, &out, 1).unwrap();
    let l = &out.ledgers[0];
    let sessions = l[0].sessions[0];
    assert!(sessions > 400, "expected ~600 sessions, got {sessions}");
    Run {
        tokens: [l[0].total().tokens, l[1].total().tokens],
        sessions,
        cost: [
            rep.strategies["baseline"].runs_cost_usd[0],
            rep.strategies["cached"].runs_cost_usd[0],
        ],
    }
}

/// Turn k's prompt: S + T + history (300·k) + context + user.
fn prompt(k: u64, context: u64) -> u64 {
    S + T + (USER + OUTPUT) * k + context + USER
}

/// `tokencast validate` on scenario `text`, expected to refuse it (exit 2): its standard error.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    std::fs::write(&path, text).unwrap();
    let out = crate::support::bin()
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

/// `a` and `b` agree to a millionth of a cent.
fn same_money(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-8, "{a} != {b}");
}

/// Anthropic (platform.claude.com/docs/en/build-with-claude/prompt-caching): "Cache writes
/// happen only at your breakpoint", and the lookback "is looking for prior writes, not for
/// stable content". With breakpoints after the tools and at the end of each prompt, and 500
/// tokens of retrieved context that the history drops, the end of turn k-1's prompt is not a
/// prefix of turn k's, so every later turn reads only the S + T entry its session refreshed
/// 10 s earlier. Turn 0 reads S + T if another session kept it warm, else nothing.
/// Prices (claude-sonnet-4-6): input $3, 5-minute write $3.75, read $0.30, output $15 per
/// million tokens.
#[test]
fn anthropic_reads_only_entries_written_at_breakpoints() {
    let c = 500;
    let r = run(&text(
        "claude-sonnet-4-6",
        c,
        false,
        10,
        "PromptCache(ttl: M5, placement: FullPrompt)",
    ));
    let n = r.sessions;
    let cached = r.tokens[1];
    let all_prompts: u64 = (0..TURNS).map(|k| prompt(k, c)).sum();
    let read = cached[Bucket::CacheRead.index()];
    let later_turns = n * (TURNS - 1) * (S + T);
    // Turn 0 of h sessions read S + T as well.
    assert!(read >= later_turns, "{read} < {later_turns}");
    assert_eq!((read - later_turns) % (S + T), 0);
    let h = (read - later_turns) / (S + T);
    assert!(h > 0 && h <= n, "h = {h} of {n}");
    // Everything else up to the end of each prompt is written; nothing is plain input.
    let write = cached[Bucket::CacheWrite5m.index()];
    assert_eq!(write, n * all_prompts - read);
    assert_eq!(cached[Bucket::Input.index()], 0);
    let bill = write as f64 * 3.75e-6 + read as f64 * 0.30e-6 + (n * TURNS * OUTPUT) as f64 * 15e-6;
    same_money(r.cost[1], bill);
    same_money(
        r.cost[0],
        (n * all_prompts) as f64 * 3e-6 + (n * TURNS * OUTPUT) as f64 * 15e-6,
    );

    // Breakpoints after the tools and at the end of the history (`History`): turn k reads turn
    // k-1's history entry, S + T + 300·(k-1), and writes the 300 tokens of history after it;
    // the context and user message after the history (600 tokens) are plain input.
    let r = run(&text(
        "claude-sonnet-4-6",
        c,
        false,
        10,
        "PromptCache(ttl: M5, placement: History)",
    ));
    let n = r.sessions;
    let cached = r.tokens[1];
    let read = cached[Bucket::CacheRead.index()];
    let later_turns: u64 = n
        * (1..TURNS)
            .map(|k| S + T + (USER + OUTPUT) * (k - 1))
            .sum::<u64>();
    assert!(read >= later_turns);
    assert_eq!((read - later_turns) % (S + T), 0);
    let h = (read - later_turns) / (S + T);
    let write = cached[Bucket::CacheWrite5m.index()];
    // Turn 0 writes S + T unless it read it; later turns write 300 each.
    assert_eq!(write, (n - h) * (S + T) + n * (TURNS - 1) * (USER + OUTPUT));
    assert_eq!(cached[Bucket::Input.index()], n * TURNS * (c + USER));
    let bill = write as f64 * 3.75e-6
        + read as f64 * 0.30e-6
        + (n * TURNS * (c + USER)) as f64 * 3e-6
        + (n * TURNS * OUTPUT) as f64 * 15e-6;
    same_money(r.cost[1], bill);
}

/// OpenAI GPT-5.6 (developers.openai.com/api/docs/guides/prompt-caching and the
/// `prompt_cache_options` reference): one implicit breakpoint at the end of each prompt, exact
/// to the token; entries only at breakpoints, so a new conversation shares nothing with the
/// others and writes its whole prompt; writes at 1.25x input; a 30-minute minimum lifetime.
/// Without retrieved context, turn k reads turn k-1's whole prompt and writes the 300 tokens
/// after it: a session reads p0 + p1 + p2 and writes p3 (p0 = 4,100 exactly: no 128-token
/// rounding). gpt-5.6-sol: input $4, 30-minute write $5, read $0.40, output $20 per million.
#[test]
fn gpt_5_6_writes_at_an_exact_implicit_breakpoint_and_shares_nothing_without_an_explicit_one() {
    let r = run(&text(
        "gpt-5.6-sol",
        0,
        false,
        10,
        "PromptCache(placement: Tools)",
    ));
    let n = r.sessions;
    // The baseline: the implicit breakpoint alone, as the provider does for every request.
    let base = r.tokens[0];
    let read = n * (prompt(0, 0) + prompt(1, 0) + prompt(2, 0));
    let write = n * prompt(3, 0);
    assert_eq!(base[Bucket::CacheRead.index()], read);
    assert_eq!(base[Bucket::CacheWrite30m.index()], write);
    assert_eq!(base[Bucket::Input.index()], 0);
    assert_eq!(prompt(0, 0), 4100);
    let output = (n * TURNS * OUTPUT) as f64 * 20e-6;
    same_money(
        r.cost[0],
        write as f64 * 5e-6 + read as f64 * 0.40e-6 + output,
    );

    // An explicit breakpoint after the tools: a new conversation reads S + T when another
    // wrote it within 30 minutes (h sessions), and writes only the rest.
    let cached = r.tokens[1];
    let extra = cached[Bucket::CacheRead.index()] - read;
    assert_eq!(extra % (S + T), 0);
    let h = extra / (S + T);
    assert!(h > n / 2 && h <= n, "h = {h} of {n}");
    assert_eq!(cached[Bucket::CacheWrite30m.index()], write - h * (S + T));
    same_money(
        r.cost[1],
        (write - h * (S + T)) as f64 * 5e-6 + (read + h * (S + T)) as f64 * 0.40e-6 + output,
    );
}

/// The 30-minute lifetime: a turn 29 minutes after the last reads it, 31 minutes after does
/// not (and then writes its whole prompt again).
#[test]
fn gpt_5_6_entries_live_thirty_minutes() {
    let r = run(&text("gpt-5.6-luna", 0, false, 29 * 60, "None"));
    let n = r.sessions;
    let base = r.tokens[0];
    assert_eq!(
        base[Bucket::CacheRead.index()],
        n * (prompt(0, 0) + prompt(1, 0) + prompt(2, 0))
    );
    let r = run(&text("gpt-5.6-luna", 0, false, 31 * 60, "None"));
    let n = r.sessions;
    let base = r.tokens[0];
    assert_eq!(base[Bucket::CacheRead.index()], 0);
    assert_eq!(
        base[Bucket::CacheWrite30m.index()],
        n * (0..TURNS).map(|k| prompt(k, 0)).sum::<u64>()
    );
}

/// Gemini explicit caches (ai.google.dev/gemini-api/docs/caching): a cache is one object a
/// request uses whole, its TTL set when it is created and not extended by hits, so caching a
/// growing conversation creates a new cache holding the whole prompt each turn, and storage is
/// billed on every token a cache holds for its TTL (1 hour by default), not only on the tokens
/// that were new. gemini-2.5-flash: input $0.30 (a cache's creation is billed as input),
/// cached $0.03, output $2.50, storage $1 per million token-hours.
#[test]
fn gemini_explicit_caches_are_used_whole_and_stored_whole() {
    // No static prefix: prompts of 2,100 + 2,300·k tokens (user 2,100, output 200). Turn k
    // reads turn k-1's cache and creates its own: storage p0 + p1 + p2 + p3 token-hours per
    // session.
    let no_prefix = r#"Scenario(
        name: "gemini", seed: 5, horizon_days: 2,
        endpoints: [Endpoint(
            name: "chat", model: "gemini-2.5-flash",
            traffic: Traffic(
                daily_active_users: 300, sessions_per_user_per_day: 1,
                hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0,0,0],
                turns: Fixed(4), think_time_s: Fixed(10),
            ),
            prompt: Prompt(user_tokens: Fixed(2100)),
            output_tokens: Fixed(200),
        )],
        strategies: [Strategy(name: "cached", prompt_cache: PromptCache(placement: FullPrompt))],
    )"#;
    let r = run(no_prefix);
    let n = r.sessions;
    let p = |k: u64| 2100 + 2300 * k;
    let cached = r.tokens[1];
    let all: u64 = n * (0..TURNS).map(p).sum::<u64>();
    let read = n * (p(0) + p(1) + p(2));
    assert_eq!(cached[Bucket::CacheRead.index()], read);
    assert_eq!(cached[Bucket::CacheWrite1h.index()], all - read);
    // The ledger counts token-minutes.
    assert_eq!(cached[Bucket::CacheStorageTokenHours.index()], all * 60);
    same_money(
        r.cost[1],
        (all - read) as f64 * 0.30e-6
            + read as f64 * 0.03e-6
            + all as f64 * 1e-6
            + (n * TURNS * OUTPUT) as f64 * 2.5e-6,
    );

    // With S + T and 500 tokens of retrieved context dropped from the history, no cache of a
    // whole prompt is a prefix of a later prompt: a request reads at most the S + T cache.
    // Each request that did not read it creates it (c of them), and every request creates
    // its own cache of its whole prompt.
    let r = run(&text(
        "gemini-2.5-flash",
        500,
        false,
        10,
        "PromptCache(placement: FullPrompt)",
    ));
    let n = r.sessions;
    let cached = r.tokens[1];
    let read = cached[Bucket::CacheRead.index()];
    assert_eq!(read % (S + T), 0);
    let c = n * TURNS - read / (S + T);
    let prompts: u64 = n * (0..TURNS).map(|k| prompt(k, 500)).sum::<u64>();
    assert_eq!(
        cached[Bucket::CacheStorageTokenHours.index()],
        (prompts + c * (S + T)) * 60
    );
}

/// Gemini 2.5 Flash caches from 2,048 tokens (the caching page, updated 2026-07-07): a 2,000
/// token prompt is never cached, a 2,100 token one is.
#[test]
fn gemini_minimum_cacheable_tokens() {
    let one_turn = |user: u64| {
        format!(
            r#"Scenario(
                name: "min", seed: 5, horizon_days: 1,
                endpoints: [Endpoint(
                    name: "q", model: "gemini-2.5-flash",
                    traffic: Traffic(daily_active_users: 200, sessions_per_user_per_day: 1),
                    prompt: Prompt(system_tokens: Fixed({user}), user_tokens: Fixed(1)),
                    output_tokens: Fixed(10),
                )],
                strategies: [Strategy(name: "cached", prompt_cache: PromptCache(placement: System))],
            )"#
        )
    };
    let tokens = |text: &str| {
        let sc = scenario(text);
        let out = montecarlo::simulate(&sc, 1).unwrap();
        out.ledgers[0][1].total().tokens
    };
    let below = tokens(&one_turn(2000));
    assert_eq!(below[Bucket::CacheRead.index()], 0);
    let above = tokens(&one_turn(2100));
    assert!(above[Bucket::CacheRead.index()] > 0);
    assert_eq!(above[Bucket::CacheRead.index()] % 2100, 0);
}

/// Gemini implicit caching (on for Gemini 2.5 and newer, no guarantee, no write fee, no
/// storage): `implicit_hit_share` of the prefix the provider could match is read at the cached
/// rate. A 1,000-token system prompt is below Gemini 2.5 Flash's 2,048-token minimum, so only
/// the conversation is matched: turn k could read turn k-1's whole prompt, p(k) = 2,500 +
/// 2,000·k. At a share of 0.5, a session reads (p0 + p1 + p2) / 2 = 6,750 tokens; everything
/// else is input. gemini-2.5-flash: input $0.30, cached $0.03, output $2.50 per million.
#[test]
fn gemini_implicit_caching_reads_the_stated_share_of_what_it_could_match() {
    let scenario_text = |strategy: &str, uncertain: &str| {
        format!(
            r#"Scenario(
                name: "implicit", seed: 5, horizon_days: 2,
                endpoints: [Endpoint(
                    name: "chat", model: "gemini-2.5-flash",
                    traffic: Traffic(
                        daily_active_users: 300, sessions_per_user_per_day: 1,
                        hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0,0,0],
                        turns: Fixed(4), think_time_s: Fixed(10),
                    ),
                    prompt: Prompt(system_tokens: Fixed(1000), user_tokens: Fixed(1500)),
                    output_tokens: Fixed(500),
                )],
                strategies: [Strategy(name: "cached", prompt_cache: {strategy})],
                uncertain: [{uncertain}],
            )"#
        )
    };
    let p = |k: u64| 2500 + 2000 * k;
    let check = |text: &str, share: f64| {
        let r = run(text);
        let n = r.sessions;
        let cached = r.tokens[1];
        let read = (n as f64 * share * (p(0) + p(1) + p(2)) as f64).round() as u64;
        let all: u64 = n * (0..4).map(p).sum::<u64>();
        assert_eq!(cached[Bucket::CacheRead.index()], read);
        assert_eq!(cached[Bucket::Input.index()], all - read);
        for b in Bucket::CACHE_WRITES {
            assert_eq!(cached[b.index()], 0);
        }
        assert_eq!(cached[Bucket::CacheStorageTokenHours.index()], 0);
        let bill =
            read as f64 * 0.03e-6 + (all - read) as f64 * 0.30e-6 + (n * 4 * 500) as f64 * 2.5e-6;
        same_money(r.cost[1], bill);
        // The baseline stays uncached: an upper bound for these models.
        same_money(
            r.cost[0],
            all as f64 * 0.30e-6 + (n * 4 * 500) as f64 * 2.5e-6,
        );
    };
    check(
        &scenario_text("PromptCache(implicit_hit_share: 0.5)", ""),
        0.5,
    );
    // Drawn once per run: a Fixed draw replaces the stated share.
    check(
        &scenario_text(
            "PromptCache(implicit_hit_share: 0.5)",
            r#"Value("prompt_cache.implicit_hit_share", Fixed(0.25))"#,
        ),
        0.25,
    );
}

/// Implicit caching is refused where it does not exist or cannot be configured, naming the
/// field.
#[test]
fn implicit_caching_is_validated() {
    let bad = |model: &str, cache: &str| {
        let text = format!(
            r#"Scenario(
                name: "bad", seed: 5, horizon_days: 1,
                endpoints: [Endpoint(
                    name: "chat", model: "{model}",
                    traffic: Traffic(daily_active_users: 10, sessions_per_user_per_day: 1),
                    prompt: Prompt(user_tokens: Fixed(100)),
                    output_tokens: Fixed(10),
                )],
                strategies: [Strategy(name: "s", prompt_cache: {cache})],
            )"#
        );
        refused(&text)
    };
    let e = bad("claude-sonnet-4-6", "PromptCache(implicit_hit_share: 0.5)");
    assert!(
        e.contains(
            "strategies[0].prompt_cache.implicit_hit_share: model \"claude-sonnet-4-6\" of \
             endpoint \"chat\" has no implicit caching (Google's Gemini 2.5 and newer have it)"
        ),
        "{e}"
    );
    let e = bad("gemini-2.5-flash", "PromptCache(implicit_hit_share: 1.5)");
    assert!(
        e.contains(
            "strategies[0].prompt_cache.implicit_hit_share: must be between 0 and 1 (got 1.5)"
        ),
        "{e}"
    );
    let e = bad(
        "gemini-2.5-flash",
        "PromptCache(implicit_hit_share: 0.5, ttl: H1)",
    );
    assert!(
        e.contains(
            "strategies[0].prompt_cache: implicit caching has no TTL, placement, mode, unbounded option or recorded shares"
        ),
        "{e}"
    );
}

/// OpenAI's `mode: "explicit"` drops the implicit breakpoint ("With `explicit`, OpenAI does not
/// create an implicit breakpoint"): with a breakpoint after the tools only, each request reads
/// or writes S + T and sends the rest as plain input. Turn 0 of h sessions finds S + T warm;
/// every later turn reads it (its own session refreshed it 10 s earlier). gpt-5.6-sol: input $4,
/// 30-minute write $5, read $0.40, output $20 per million.
#[test]
fn gpt_5_6_explicit_mode_writes_only_the_placed_breakpoints() {
    let r = run(&text(
        "gpt-5.6-sol",
        0,
        false,
        10,
        "PromptCache(placement: Tools, mode: Explicit)",
    ));
    let n = r.sessions;
    let cached = r.tokens[1];
    let read = cached[Bucket::CacheRead.index()];
    let later_turns = n * (TURNS - 1) * (S + T);
    assert_eq!((read - later_turns) % (S + T), 0);
    let h = (read - later_turns) / (S + T);
    assert!(h > 0 && h <= n);
    let write = (n - h) * (S + T);
    assert_eq!(cached[Bucket::CacheWrite30m.index()], write);
    let input = n * (0..TURNS).map(|k| prompt(k, 0)).sum::<u64>() - n * TURNS * (S + T);
    assert_eq!(cached[Bucket::Input.index()], input);
    same_money(
        r.cost[1],
        write as f64 * 5e-6
            + read as f64 * 0.40e-6
            + input as f64 * 4e-6
            + (n * TURNS * OUTPUT) as f64 * 20e-6,
    );
    // The mode is OpenAI's: refused on an Anthropic model, naming the field.
    let err = refused(&text(
        "claude-sonnet-4-6",
        0,
        false,
        10,
        "PromptCache(placement: Tools, mode: Explicit)",
    ));
    assert!(
        err.contains("strategies[0].prompt_cache.mode: Explicit is the mode of OpenAI GPT-5.6"),
        "{err}"
    );
}

/// `mode: Off` is OpenAI's explicit mode with no breakpoints: "the request does not use prompt
/// caching", so no write premium either. Without context kept in the history and a think time
/// past the TTL, caching only costs: the uncached bill is every prompt token at $4 plus
/// output at $20 per million (gpt-5.6-sol), below the baseline's implicit writes at $5.
#[test]
fn gpt_5_6_caching_can_be_switched_off() {
    let r = run(&text(
        "gpt-5.6-sol",
        500,
        false,
        40 * 60,
        "PromptCache(mode: Off)",
    ));
    let n = r.sessions;
    let all: u64 = n * (0..TURNS).map(|k| prompt(k, 500)).sum::<u64>();
    let output = (n * TURNS * OUTPUT) as f64 * 20e-6;
    assert_eq!(r.tokens[1][Bucket::Input.index()], all);
    same_money(r.cost[1], all as f64 * 4e-6 + output);
    // The baseline writes every prompt at the implicit breakpoint and never reads it back.
    assert_eq!(r.tokens[0][Bucket::CacheWrite30m.index()], all);
    same_money(r.cost[0], all as f64 * 5e-6 + output);
}

/// A 30-minute TTL is a minimum lifetime: a turn exactly 30 minutes after the last still reads.
#[test]
fn gpt_5_6_entries_are_live_at_exactly_thirty_minutes() {
    let r = run(&text("gpt-5.6-luna", 0, false, 30 * 60, "None"));
    let n = r.sessions;
    assert_eq!(
        r.tokens[0][Bucket::CacheRead.index()],
        n * (prompt(0, 0) + prompt(1, 0) + prompt(2, 0))
    );
}

/// Anthropic builds prefixes tools first, then the system prompt: a breakpoint after the
/// system prompt caches the tools too, so `System` bills exactly as `Tools`.
#[test]
fn anthropic_system_placement_caches_the_tools_with_it() {
    let system = run(&text(
        "claude-sonnet-4-6",
        500,
        false,
        10,
        "PromptCache(placement: System)",
    ));
    let tools = run(&text(
        "claude-sonnet-4-6",
        500,
        false,
        10,
        "PromptCache(placement: Tools)",
    ));
    assert_eq!(system.tokens[1], tools.tokens[1]);
    let n = system.sessions;
    let read = system.tokens[1][Bucket::CacheRead.index()];
    assert_eq!(read % (S + T), 0);
    // Everything after system + tools is plain input.
    assert_eq!(
        system.tokens[1][Bucket::Input.index()],
        n * (0..TURNS).map(|k| prompt(k, 500) - S - T).sum::<u64>()
    );
}

/// A placement means nothing to a provider that caches any prefix by itself (OpenAI before
/// GPT-5.6), and `mode` is GPT-5.6's: both refused naming the field.
#[test]
fn placement_and_mode_are_refused_where_they_mean_nothing() {
    let refused = |model: &str, cache: &str| refused(&text(model, 0, false, 10, cache));
    let e = refused("gpt-4o-mini", "PromptCache(placement: Tools)");
    assert!(
        e.contains(
            "strategies[0].prompt_cache.placement: \"gpt-4o-mini\" (endpoint \"chat\") caches any \
             prefix it has seen by itself and takes no breakpoints"
        ),
        "{e}"
    );
    let e = refused("gpt-4o-mini", "PromptCache(mode: Off)");
    assert!(
        e.contains("caches automatically with no breakpoints and no way to switch it off"),
        "{e}"
    );
    let e = refused("gpt-5.6-sol", "PromptCache(mode: Off, placement: Tools)");
    assert!(
        e.contains("strategies[0].prompt_cache.mode: Off switches prompt caching off"),
        "{e}"
    );
}

/// OpenAI's `prompt_cache_key`, modelled as a namespace shared by the requests that set the
/// same key: with one key per session, a new conversation never finds another's system +
/// tools entry, so each session reads exactly its own earlier prompts (p0 + p1 + p2) and
/// writes p3, as with no shared prefix at all. Anthropic has no such key: refused.
#[test]
fn openai_prompt_cache_key_partitions_the_cache() {
    let r = run(&text(
        "gpt-5.6-sol",
        0,
        false,
        10,
        "PromptCache(placement: Tools, key: Session)",
    ));
    let n = r.sessions;
    let cached = r.tokens[1];
    assert_eq!(
        cached[Bucket::CacheRead.index()],
        n * (prompt(0, 0) + prompt(1, 0) + prompt(2, 0))
    );
    assert_eq!(cached[Bucket::CacheWrite30m.index()], n * prompt(3, 0));
    // One key for the endpoint: most conversations read the system + tools another wrote.
    let shared = run(&text(
        "gpt-5.6-sol",
        0,
        false,
        10,
        "PromptCache(placement: Tools)",
    ));
    assert!(shared.tokens[1][Bucket::CacheRead.index()] > cached[Bucket::CacheRead.index()]);

    let err = refused(&text(
        "claude-sonnet-4-6",
        0,
        false,
        10,
        "PromptCache(key: User)",
    ));
    assert!(
        err.contains("strategies[0].prompt_cache.key: a prompt_cache_key is OpenAI's"),
        "{err}"
    );
}

/// A forecast with dates that runs past its model's retirement (the catalog's
/// `deprecation_date`: gemini-2.5-flash on 2026-12-01) says so; one that ends before does not.
#[test]
fn a_model_retired_within_the_forecast_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let faq = std::fs::read_to_string(crate::support::repo("scenarios/faq-bot.ron")).unwrap();
    let warnings = |start: &str| {
        let path = dir.path().join("faq.ron");
        std::fs::write(
            &path,
            faq.replace("start_weekday: Mon,", &format!("start_date: \"{start}\",")),
        )
        .unwrap();
        let out = crate::support::bin()
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(warnings("2026-11-02").contains(
        "endpoint \"faq\": \"gemini-2.5-flash\" is retired on 2026-12-01 (the catalog's \
             deprecation_date), before this forecast ends"
    ));
    // 30 days from 2026-10-01 end on 2026-10-30.
    assert!(!warnings("2026-10-01").contains("retired"));
}

/// An endpoint's `recorded_cache` (prompt caching as its logs show it) bills its shares of
/// every prompt in every strategy, the baseline included, rounded to the token; a strategy's
/// `recorded_shares` replaces them, writes at its TTL. Three turns of 2,000 new tokens and 500
/// of output with the history re-sent: prompts of 2,000, 4,500 and 7,000 tokens. At read 0.6,
/// write 0.2 (5 minutes): 8,100 read and 2,700 written a session; at read 0.5, write 0.25 (1
/// hour): 6,750 and 3,375. claude-sonnet-4-6: input $3, read $0.30, writes $3.75 (5m) and $6
/// (1h), output $15 per million.
#[test]
fn recorded_cache_shares_are_billed_as_stated() {
    let r = run(r#"Scenario(
        name: "recorded", seed: 5, horizon_days: 2,
        endpoints: [Endpoint(
            name: "chat", model: "claude-sonnet-4-6",
            traffic: Traffic(
                daily_active_users: 300, sessions_per_user_per_day: 1,
                turns: Fixed(3), think_time_s: Fixed(10),
            ),
            prompt: Prompt(user_tokens: Fixed(2000)),
            output_tokens: Fixed(500),
            recorded_cache: RecordedCache(read: 0.6, write: 0.2),
        )],
        strategies: [Strategy(
            name: "cached",
            prompt_cache: PromptCache(recorded_shares: Shares(read: 0.5, write: 0.25), ttl: H1),
        )],
    )"#);
    let n = r.sessions;
    let all = n * (2000 + 4500 + 7000);
    let output = (n * 3 * 500) as f64 * 15e-6;
    let (base, cached) = (r.tokens[0], r.tokens[1]);
    assert_eq!(base[Bucket::CacheRead.index()], n * 8100);
    assert_eq!(base[Bucket::CacheWrite5m.index()], n * 2700);
    assert_eq!(base[Bucket::CacheWrite1h.index()], 0);
    assert_eq!(base[Bucket::Input.index()], all - n * 10_800);
    same_money(
        r.cost[0],
        (n * 8100) as f64 * 0.3e-6
            + (n * 2700) as f64 * 3.75e-6
            + (all - n * 10_800) as f64 * 3e-6
            + output,
    );
    assert_eq!(cached[Bucket::CacheRead.index()], n * 6750);
    assert_eq!(cached[Bucket::CacheWrite1h.index()], n * 3375);
    assert_eq!(cached[Bucket::CacheWrite5m.index()], 0);
    same_money(
        r.cost[1],
        (n * 6750) as f64 * 0.3e-6
            + (n * 3375) as f64 * 6e-6
            + (all - n * 10_125) as f64 * 3e-6
            + output,
    );
}

/// Recorded shares are refused where they mean nothing, naming the field.
#[test]
fn recorded_cache_shares_are_validated() {
    let bad = |model: &str, endpoint: &str, cache: &str| {
        refused(&format!(
            r#"Scenario(
                name: "bad", seed: 5, horizon_days: 1,
                endpoints: [Endpoint(
                    name: "chat", model: "{model}",
                    traffic: Traffic(daily_active_users: 10, sessions_per_user_per_day: 1),
                    prompt: Prompt(user_tokens: Fixed(100)),
                    output_tokens: Fixed(10),
                    {endpoint}
                )],
                strategies: [Strategy(name: "s", prompt_cache: {cache})],
            )"#
        ))
    };
    let ok = "PromptCache(ttl: M5)";
    for (model, endpoint, cache, want) in [
        (
            "gpt-5.4-pro",
            "recorded_cache: RecordedCache(read: 0.5, write: 0.1),",
            "PromptCache(recorded_shares: Shares(read: 0.5, write: 0.1))",
            "endpoints[0].recorded_cache: model \"gpt-5.4-pro\" of endpoint \"chat\" has no \
             prompt caching to read or write from",
        ),
        (
            "claude-sonnet-4-6",
            "recorded_cache: RecordedCache(read: 1.5, write: 0.1),",
            ok,
            "endpoints[0].recorded_cache.read: a share of prompt tokens, between 0 and 1 (got \
             1.5)",
        ),
        (
            "claude-sonnet-4-6",
            "recorded_cache: RecordedCache(read: 0.7, write: 0.4),",
            ok,
            "endpoints[0].recorded_cache: read (0.7) and write (0.4) add up to more than every \
             prompt token",
        ),
        (
            "claude-sonnet-4-6",
            "recorded_cache: RecordedCache(read: 0.5, write: 0.1, ttl: M30),",
            ok,
            "endpoints[0].recorded_cache.ttl: \"claude-sonnet-4-6\" (endpoint \"chat\") offers \
             TTLs M5 (5m), H1 (1h), not 30m",
        ),
        (
            "claude-sonnet-4-6",
            "",
            "PromptCache(recorded_shares: Shares(read: 0.5, write: -0.1))",
            "strategies[0].prompt_cache.recorded_shares.write: a share of prompt tokens, \
             between 0 and 1 (got -0.1)",
        ),
        (
            "claude-sonnet-4-6",
            "",
            "PromptCache(recorded_shares: Shares(read: 0.5, write: 0.1), placement: History)",
            "strategies[0].prompt_cache: recorded shares stand for whatever the application's \
             cache did, so there is no placement, mode, key or unbounded option",
        ),
        (
            "gpt-5.4-pro",
            "",
            "PromptCache(recorded_shares: Shares(read: 0.5, write: 0.1))",
            "strategies[0].prompt_cache: model \"gpt-5.4-pro\" of endpoint \"chat\" has no \
             prompt caching to read or write from",
        ),
    ] {
        let e = bad(model, endpoint, cache);
        assert!(e.contains(want), "{want}\n{e}");
    }
}

/// Recorded shares were measured on the prompts the application sent: a strategy that trims
/// the history under them gets a warning (the shares overstate what a trimmed prompt reads).
#[test]
fn a_context_policy_under_recorded_shares_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    std::fs::write(
        &path,
        r#"Scenario(
            name: "trim", seed: 5, horizon_days: 1,
            endpoints: [Endpoint(
                name: "chat", model: "claude-sonnet-4-6",
                traffic: Traffic(daily_active_users: 10, sessions_per_user_per_day: 1,
                    turns: Fixed(3), think_time_s: Fixed(10)),
                prompt: Prompt(user_tokens: Fixed(100)),
                output_tokens: Fixed(10),
                recorded_cache: RecordedCache(read: 0.6, write: 0.2),
            )],
            strategies: [Strategy(name: "trim", context: Context(policy: KeepLastTurns(1)))],
        )"#,
    )
    .unwrap();
    let out = crate::support::bin()
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "trim: endpoint \"chat\" trims or summarises its history under recorded cache shares"
        ),
        "{err}"
    );
    assert!(!err.contains("baseline: endpoint"), "{err}");
}
