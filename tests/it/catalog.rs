//! The built-in catalog's current models (issue #14): one recorded request per provider family,
//! audited, equals a bill computed by hand from LiteLLM 1.110.2's per-token prices (copied
//! below from `../shared/pricing/litellm-model-prices-1.110.2.json`, not read from tokencast),
//! and `tokencast prices MODEL` names where each family's cache rules come from.

use predicates::prelude::*;

use crate::support::{bin, json};

/// The audited cost of one native-trace row: `input` prompt tokens (of which `read` read from
/// and `write` written to the cache), `output` output tokens (of which `reasoning` reasoning).
fn one_request(model: &str, input: u64, read: u64, write: u64, output: u64, reasoning: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        format!(
            "timestamp,input_tokens,output_tokens,session_id,endpoint,user_id,model,\
             cache_read_tokens,cache_write_tokens,reasoning_tokens,batch\n\
             2026-12-05T09:00:00Z,{input},{output},s1,chat,u1,{model},{read},{write},{reasoning},false\n"
        ),
    )
    .unwrap();
    let v = json(&["audit", trace.to_str().unwrap()]);
    v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap()
}

fn assert_usd(got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= 1e-12 * expected.abs().max(1e-9),
        "{got} vs {expected} (hand-computed)"
    );
}

/// Anthropic: uncached input, the 5-minute write (1.25x) and the read (0.05x on Opus 5.5:
/// `cache_read_input_token_cost` 2e-07 on an input price of 4e-06) at their own rates.
#[test]
fn anthropic_opus_5_5_bill_is_litellm_prices_times_tokens() {
    let got = one_request("claude-opus-5-5", 15_000, 10_000, 3_000, 500, 0);
    let expected = 2_000.0 * 4e-06 + 10_000.0 * 2e-07 + 3_000.0 * 5e-06 + 500.0 * 2e-05;
    assert_usd(got, expected);
}

/// Anthropic Haiku 5.5 above 100K prompt tokens: the whole request at LiteLLM's
/// `_above_100k_tokens` prices (5x), cached tokens included.
#[test]
fn anthropic_haiku_5_5_long_prompt_is_billed_entirely_at_the_100k_tier() {
    let got = one_request("claude-haiku-5-5", 150_000, 100_000, 20_000, 1_000, 0);
    let expected = 30_000.0 * 5e-07 + 100_000.0 * 5e-08 + 20_000.0 * 6.25e-07 + 1_000.0 * 2.5e-06;
    assert_usd(got, expected);
    // At or below 100K, the base prices.
    let got = one_request("claude-haiku-5-5", 100_000, 0, 0, 1_000, 0);
    assert_usd(got, 100_000.0 * 1e-07 + 1_000.0 * 5e-07);
}

/// OpenAI GPT-5.5 (before GPT-5.6): no write fee, so a recorded write costs plain input; reads
/// at `cache_read_input_token_cost`; above 272K prompt tokens the whole request at the
/// long-context prices.
#[test]
fn openai_gpt_5_5_writes_cost_plain_input() {
    let got = one_request("gpt-5.5", 10_000, 4_096, 2_048, 800, 0);
    let expected = (10_000.0 - 4_096.0) * 5e-06 + 4_096.0 * 5e-07 + 800.0 * 3e-05;
    assert_usd(got, expected);
    let got = one_request("gpt-5.5", 300_000, 200_000, 0, 800, 0);
    let expected = 100_000.0 * 1e-05 + 200_000.0 * 1e-06 + 800.0 * 4.5e-05;
    assert_usd(got, expected);
}

/// OpenAI GPT-6.1 (a GPT-5.6-and-later family): a write is the 30-minute write at 1.25x input
/// (`cache_creation_input_token_cost` 2.5e-06 on 2e-06), a read 0.05x (1e-07).
#[test]
fn openai_gpt_6_1_sol_writes_at_the_30_minute_price() {
    let got = one_request("gpt-6.1-sol", 12_000, 8_000, 3_000, 600, 0);
    let expected = 1_000.0 * 2e-06 + 8_000.0 * 1e-07 + 3_000.0 * 2.5e-06 + 600.0 * 1e-05;
    assert_usd(got, expected);
}

/// Gemini 3.8 Flash: reads at 7.5e-08, reasoning at `output_cost_per_reasoning_token`
/// (3.75e-06, the output price); no write price (creation at input).
#[test]
fn gemini_3_8_flash_bill_is_litellm_prices_times_tokens() {
    let got = one_request("gemini-3.8-flash", 9_000, 5_000, 0, 1_600, 1_200);
    let expected = 4_000.0 * 7.5e-07 + 5_000.0 * 7.5e-08 + 400.0 * 3.75e-06 + 1_200.0 * 3.75e-06;
    assert_usd(got, expected);
}

/// Gemini 3.1 Pro Preview above 200K prompt tokens: the whole request at the
/// `_above_200k_tokens` prices.
#[test]
fn gemini_3_1_pro_long_prompt_is_billed_at_the_200k_tier() {
    let got = one_request("gemini-3.1-pro-preview", 250_000, 50_000, 0, 2_000, 0);
    let expected = 200_000.0 * 4e-06 + 50_000.0 * 4e-07 + 2_000.0 * 1.8e-05;
    assert_usd(got, expected);
}

/// DeepSeek V4 Pro: writes are free, so a written token costs the miss price (LiteLLM's write
/// price 0 is not a price of its own); hits at 4.4e-08 (peak prices).
#[test]
fn deepseek_v4_pro_writes_cost_the_miss_price() {
    let got = one_request("deepseek-v4-pro", 20_000, 12_000, 6_000, 1_500, 0);
    let expected = 8_000.0 * 1.32e-06 + 12_000.0 * 4.4e-08 + 1_500.0 * 3.96e-06;
    assert_usd(got, expected);
    let flash = one_request("deepseek-v4-flash", 20_000, 12_000, 6_000, 1_500, 0);
    assert_usd(
        flash,
        8_000.0 * 3e-07 + 12_000.0 * 6e-09 + 1_500.0 * 1.2e-06,
    );
}

/// `tokencast prices MODEL` prints the cache rules and the provider pages they come from, for
/// every provider family of the built-in catalog.
#[test]
fn prices_names_where_each_familys_cache_rules_come_from() {
    let cases = [
        (
            "claude-opus-5-5",
            "explicit breakpoints; minimum prefix 512 tokens",
            "rules from    Anthropic prompt-caching guide (platform.claude.com/docs/en/build-with-claude/prompt-caching, undated)",
        ),
        (
            "gpt-4o-mini",
            "minimum prefix 1024 tokens; granularity 128 tokens; TTLs 5m (default)",
            "rules from    OpenAI prompt-caching guide (developers.openai.com/api/docs/guides/prompt-caching, undated); models before GPT-5.6; read 2026-12-05",
        ),
        (
            "gpt-5.5",
            "granularity 128 tokens; TTLs 24h (default)",
            "only 24h is supported",
        ),
        (
            "gpt-6-sol",
            "implicit breakpoint at the end of each prompt",
            "and the prompt_cache_options reference; GPT-5.6 and later; read 2026-12-05",
        ),
        (
            "gemini-2.5-pro",
            "minimum prefix 2048 tokens",
            "rules from    Gemini API context caching (ai.google.dev/gemini-api/docs/caching, updated 2026-10-13)",
        ),
        (
            "gemini-3.8-flash",
            "minimum prefix 4096 tokens",
            "storage       $0.5 per million tokens per hour",
        ),
        // Launch storage price through 2026-12-31, as 3.8 Flash's.
        (
            "gemini-3.6-flash",
            "minimum prefix 4096 tokens",
            "storage       $0.5 per million tokens per hour",
        ),
        (
            "gemini-3.5-flash",
            "minimum prefix 4096 tokens",
            "storage       $1 per million tokens per hour",
        ),
        (
            "deepseek-v4-flash",
            "automatic (the provider caches prefixes itself); minimum prefix 64 tokens; granularity 64 tokens; TTLs 1h (default)",
            "rules from    DeepSeek context-caching guide (api-docs.deepseek.com/guides/kv_cache, undated), read 2026-12-05",
        ),
    ];
    for (model, rule, source) in cases {
        bin()
            .args(["prices", model])
            .assert()
            .success()
            .stdout(predicate::str::contains(rule))
            .stdout(predicate::str::contains(source));
    }
    // No caching and no rules to cite: no "rules from" line.
    bin()
        .args(["prices", "text-embedding-3-small"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rules from").not());
}

/// A RON catalog whose cache rules give no source still loads, and `prices` says so.
#[test]
fn prices_says_when_a_catalog_gives_no_source_for_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("house.ron");
    std::fs::write(
        &path,
        r#"(source: "house prices", effective_date: "2026-12-01", models: {
  "house-model": (provider: "house", mode: Chat, standard: (input: 1.0, output: 2.0, cache_read: 0.1),
        cache: (kind: Automatic, min_prefix_tokens: 1024, granularity_tokens: 1, ttls: [M5], refresh_on_hit: true)),
})"#,
    )
    .unwrap();
    bin()
        .args(["prices", "house-model", "--prices"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "rules from    not stated in house prices ({})",
            path.display()
        )));
}
