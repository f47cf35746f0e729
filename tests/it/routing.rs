//! Model tiering: routing rules and cascades, checked against answers known exactly.
//!
//! The scenarios here use fixed token sizes and Claude models (whose caching is opt-in), so
//! nothing is cached unless a test says so and every request of a kind costs the same:
//! claude-sonnet-4-6 bills $3 / $15 and claude-haiku-4-5 $1 / $5 per million input / output
//! tokens.

use std::collections::BTreeMap;

use tokencast::ledger::{Cell, Ledger};
use tokencast::montecarlo::{self, Outcome};
use tokencast::pricing::{Bucket, Catalog, PriceTier};
use tokencast::report::{self, Report};
use tokencast::scenario::{self, Scenario, ScenarioError};

use crate::support::{bin, repo, scenario};

const SONNET: &str = "claude-sonnet-4-6";
const HAIKU: &str = "claude-haiku-4-5";

/// One single-turn endpoint: prompt 1,200 tokens, output 100.
const ONE_SHOT: &str = r#"Endpoint(
    name: "classify", model: "claude-sonnet-4-6",
    traffic: Traffic(daily_active_users: 2000, sessions_per_user_per_day: 1),
    prompt: Prompt(system_tokens: Fixed(1000), user_tokens: Fixed(200)),
    output_tokens: Fixed(100),
)"#;

/// Three turns 10 s apart (no session starts in the last hour, so none is cut at the horizon):
/// prompts of 1,200, 1,500 and 1,800 tokens, output 100.
const THREE_TURNS: &str = r#"Endpoint(
    name: "chat", model: "claude-sonnet-4-6",
    traffic: Traffic(
        daily_active_users: 1000, sessions_per_user_per_day: 1,
        hourly_profile: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0],
        turns: Fixed(3), think_time_s: Fixed(10),
    ),
    prompt: Prompt(system_tokens: Fixed(1000), user_tokens: Fixed(200)),
    output_tokens: Fixed(100),
)"#;

fn with(endpoint: &str, strategies: &str) -> Scenario {
    scenario(&format!(
        r#"Scenario(name: "routing", seed: 17, horizon_days: 3,
            endpoints: [{endpoint}], strategies: [{strategies}])"#
    ))
}

fn simulate(sc: &Scenario, runs: u32) -> (Outcome, Report) {
    let out = montecarlo::simulate(sc, runs).unwrap();
    let rep = report::build(sc, &out, runs).unwrap();
    (out, rep)
}

fn index_of(sc: &Scenario, name: &str) -> usize {
    sc.strategies.iter().position(|s| s.name == name).unwrap()
}

/// Counts per model id, summed over lines and days.
fn by_model(ledger: &Ledger, out: &Outcome) -> BTreeMap<String, Cell> {
    let mut m: BTreeMap<String, Cell> = BTreeMap::new();
    for (li, key) in ledger.lines().iter().enumerate() {
        m.entry(out.models.ids[key.model as usize].clone())
            .or_default()
            .add(&ledger.line_total(li));
    }
    m
}

fn requests(ledger: &Ledger, out: &Outcome, model: &str) -> u64 {
    by_model(ledger, out).get(model).map_or(0, |c| c.requests)
}

fn prompt_tokens(c: &Cell) -> u64 {
    [
        Bucket::Input,
        Bucket::CacheWrite5m,
        Bucket::CacheWrite30m,
        Bucket::CacheWrite1h,
        Bucket::CacheWrite12h,
        Bucket::CacheWrite24h,
        Bucket::CacheRead,
    ]
    .iter()
    .map(|b| c.tokens[b.index()])
    .sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-9)
}

/// A 50/50 router halves the difference between two models' costs. Exact given the number of
/// requests each model got; that number is Binomial(n, 1/2), so against the closed form
/// (cost(A) + cost(B)) / 2 the tolerance is 5 standard deviations: 5·√n/2 requests times the
/// price difference.
#[test]
fn fifty_fifty_router_halves_the_difference_between_two_models() {
    let sc = with(
        ONE_SHOT,
        r#"Strategy(name: "half", routing: Routing(rules: [
               Route(when: Share(0.5), model: "claude-haiku-4-5")])),
           Strategy(name: "all-haiku", routing: Routing(rules: [
               Route(model: "claude-haiku-4-5")]))"#,
    );
    let runs = 20;
    let (out, rep) = simulate(&sc, runs);
    let per_sonnet = 1200.0 * 3e-6 + 100.0 * 15e-6;
    let per_haiku = 1200.0 * 1e-6 + 100.0 * 5e-6;
    let (half, all) = (index_of(&sc, "half"), index_of(&sc, "all-haiku"));
    let mut n_total = 0u64;
    let mut exact = 0.0;
    for l in &out.ledgers {
        let n = l[0].total().requests;
        assert!(n > 4000, "{n} requests");
        let (h, s) = (
            requests(&l[half], &out, HAIKU),
            requests(&l[half], &out, SONNET),
        );
        // Every request billed once, on one of the two models; no token added or lost.
        assert_eq!(h + s, n);
        assert_eq!(l[half].total().tokens, l[0].total().tokens);
        assert_eq!(requests(&l[all], &out, HAIKU), n);
        n_total += n;
        exact += h as f64 * per_haiku + s as f64 * per_sonnet;
    }
    let b = &rep.strategies["baseline"];
    let a = &rep.strategies["all-haiku"];
    let h = &rep.strategies["half"];
    assert!(close(
        b.cost_usd.mean,
        n_total as f64 * per_sonnet / f64::from(runs)
    ));
    assert!(close(
        a.cost_usd.mean,
        n_total as f64 * per_haiku / f64::from(runs)
    ));
    // Exact given the counts.
    assert!(close(h.cost_usd.mean, exact / f64::from(runs)));
    // Halfway between the two models, within sampling noise of the 50/50 draw.
    let midpoint = (b.cost_usd.mean + a.cost_usd.mean) / 2.0;
    let tol = 5.0 * (n_total as f64).sqrt() / 2.0 * (per_sonnet - per_haiku) / f64::from(runs);
    assert!(
        (h.cost_usd.mean - midpoint).abs() < tol,
        "{} vs {midpoint} ± {tol}",
        h.cost_usd.mean
    );
    // The report's share served by each model.
    let share = h.by_model[HAIKU].share_of_requests;
    assert!(
        (share - 0.5).abs() < 5.0 * 0.5 / (n_total as f64).sqrt(),
        "{share}"
    );
    assert!(close(share + h.by_model[SONNET].share_of_requests, 1.0));
    assert_eq!(b.by_model[SONNET].share_of_requests, 1.0);
    assert_eq!(a.by_model[HAIKU].share_of_requests, 1.0);
}

/// With fixed sizes every turn's prompt is known (1,200, 1,500, 1,800 tokens), so a size rule
/// is all or nothing per turn: the threshold is inclusive for `PromptAtMost` and exclusive for
/// `PromptAbove`, checked on both sides.
#[test]
fn prompt_size_rules_route_exactly_the_requests_on_their_side_of_the_threshold() {
    let sc = with(
        THREE_TURNS,
        r#"Strategy(name: "at-most-1500", routing: Routing(rules: [
               Route(when: PromptAtMost(1500), model: "claude-haiku-4-5")])),
           Strategy(name: "at-most-1499", routing: Routing(rules: [
               Route(when: PromptAtMost(1499), model: "claude-haiku-4-5")])),
           Strategy(name: "above-1500", routing: Routing(rules: [
               Route(when: PromptAbove(1500), model: "claude-haiku-4-5")])),
           Strategy(name: "above-1499", routing: Routing(rules: [
               Route(when: PromptAbove(1499), model: "claude-haiku-4-5")]))"#,
    );
    let (out, _) = simulate(&sc, 2);
    for l in &out.ledgers {
        let sessions = l[0].sessions[0];
        assert!(sessions > 1000);
        assert_eq!(l[0].total().requests, 3 * sessions);
        let count = |name: &str, model: &str| requests(&l[index_of(&sc, name)], &out, model);
        assert_eq!(count("at-most-1500", HAIKU), 2 * sessions);
        assert_eq!(count("at-most-1500", SONNET), sessions);
        assert_eq!(count("at-most-1499", HAIKU), sessions);
        assert_eq!(count("at-most-1499", SONNET), 2 * sessions);
        assert_eq!(count("above-1500", HAIKU), sessions);
        assert_eq!(count("above-1500", SONNET), 2 * sessions);
        assert_eq!(count("above-1499", HAIKU), 2 * sessions);
        assert_eq!(count("above-1499", SONNET), sessions);
        // The tokens moved with the requests: turns 0 and 1 on haiku.
        let m = by_model(&l[index_of(&sc, "at-most-1500")], &out);
        assert_eq!(
            m[HAIKU].tokens[Bucket::Input.index()],
            sessions * (1200 + 1500)
        );
        assert_eq!(m[SONNET].tokens[Bucket::Input.index()], sessions * 1800);
    }
}

/// A cascade that never escalates costs exactly what the cheap model alone costs; one that
/// always escalates costs exactly the cheap model plus the strong one (both calls billed).
#[test]
fn cascade_costs_the_cheap_model_plus_the_escalated_share_of_the_strong_one() {
    let sc = with(
        THREE_TURNS,
        r#"Strategy(name: "cheap", routing: Routing(rules: [Route(model: "claude-haiku-4-5")])),
           Strategy(name: "never", routing: Routing(rules: [
               Cascade(first: "claude-haiku-4-5", escalate_share: 0.0)])),
           Strategy(name: "always", routing: Routing(rules: [
               Cascade(first: "claude-haiku-4-5", escalate_share: 1.0)])),
           Strategy(name: "quarter", routing: Routing(rules: [
               Cascade(first: "claude-haiku-4-5", escalate_share: 0.25, to: "claude-opus-4-8")]))"#,
    );
    let runs = 4;
    let (out, rep) = simulate(&sc, runs);
    let s = |n: &str| &rep.strategies[n];
    let (base, cheap, never, always) = (s("baseline"), s("cheap"), s("never"), s("always"));
    assert!(close(never.cost_usd.mean, cheap.cost_usd.mean));
    assert!(close(never.cost_usd.min, cheap.cost_usd.min));
    assert!(close(never.cost_usd.max, cheap.cost_usd.max));
    assert!(close(
        always.cost_usd.mean,
        cheap.cost_usd.mean + base.cost_usd.mean
    ));
    // Paired per run: always − baseline = cheap in every run.
    assert!(close(
        -always.savings_vs_baseline_usd.min,
        cheap.cost_usd.max
    ));
    assert!(close(
        -always.savings_vs_baseline_usd.max,
        cheap.cost_usd.min
    ));
    assert_eq!(never.routing.escalations, 0.0);
    assert_eq!(never.routing.cascaded_requests, base.requests.mean);
    assert_eq!(always.routing.escalations, base.requests.mean);
    assert_eq!(always.routing.escalation_ratio, 1.0);
    assert_eq!(always.requests.mean, 2.0 * base.requests.mean);
    assert_eq!(always.by_model[HAIKU].share_of_requests, 0.5);
    // A stated `to`: escalations go to opus, never to the endpoint's sonnet.
    let q = s("quarter");
    assert!(!q.by_model.contains_key(SONNET));
    assert_eq!(
        q.by_model["claude-opus-4-8"].requests,
        q.routing.escalations
    );
    assert!((q.routing.escalation_ratio - 0.25).abs() < 0.02);
    for l in &out.ledgers {
        // Escalated requests are billed twice, every other request once.
        let ql = &l[index_of(&sc, "quarter")];
        assert_eq!(
            ql.total().requests,
            l[0].total().requests + ql.escalations[0]
        );
        // The conversation itself is unchanged: the prompt composition is the baseline's.
        assert_eq!(ql.prompt_segments, l[0].prompt_segments);
        assert_eq!(ql.sessions, l[0].sessions);
    }
}

/// Adding tiering variants changes nothing in the baseline: same ledgers, same report bytes.
#[test]
fn baseline_is_byte_identical_with_and_without_the_tiering_variants() {
    let path = repo("scenarios/multi-feature.ron");
    let full = Scenario::load(&path, None).unwrap();
    assert!(full.strategies.len() >= 3);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut file = scenario::parse(&text, "multi-feature.ron").unwrap();
    file.strategies.clear();
    let alone = Scenario::from_file(file, Catalog::builtin(), &full.path).unwrap();
    assert_eq!(alone.strategies.len(), 1);
    let runs = 2;
    let (out_full, rep_full) = simulate(&full, runs);
    let (out_alone, rep_alone) = simulate(&alone, runs);
    for (a, b) in out_full.ledgers.iter().zip(&out_alone.ledgers) {
        assert_eq!(a[0], b[0]);
    }
    let json = |r: &Report| serde_json::to_string(&r.strategies["baseline"]).unwrap();
    assert_eq!(json(&rep_full), json(&rep_alone));
}

/// No lever increases token counts it should not: routing moves requests between models but
/// never adds a prompt, output or reasoning token; only a cascade's escalations add calls, and
/// the application's prompts (what it sends, by segment) stay the baseline's.
#[test]
fn routing_moves_tokens_between_models_and_only_escalations_add_any() {
    let sc = Scenario::load(&repo("scenarios/multi-feature.ron"), None).unwrap();
    let (out, _) = simulate(&sc, 2);
    let tiering = index_of(&sc, "tiering");
    for l in &out.ledgers {
        let base = l[0].total();
        let t = l[tiering].total();
        assert_eq!(prompt_tokens(&t), prompt_tokens(&base));
        assert_eq!(
            t.tokens[Bucket::Output.index()],
            base.tokens[Bucket::Output.index()]
        );
        assert_eq!(
            t.tokens[Bucket::Reasoning.index()],
            base.tokens[Bucket::Reasoning.index()]
        );
        assert_eq!(t.requests, base.requests);
        for (si, s) in sc.strategies.iter().enumerate() {
            let c = l[si].total();
            assert_eq!(l[si].prompt_segments, l[0].prompt_segments, "{}", s.name);
            assert_eq!(l[si].sessions, l[0].sessions, "{}", s.name);
            let escalated: u64 = l[si].escalations.iter().sum();
            assert_eq!(c.requests, base.requests + escalated, "{}", s.name);
            assert!(prompt_tokens(&c) >= prompt_tokens(&base), "{}", s.name);
            if escalated == 0 {
                assert_eq!(prompt_tokens(&c), prompt_tokens(&base), "{}", s.name);
            }
        }
    }
}

/// A request longer than the routed model's window goes to the endpoint's model (which bills
/// it as the baseline does); long-context tiers follow each model's own threshold.
#[test]
fn windows_fall_back_and_long_context_tiers_are_per_model() {
    // 250K-token prompts: above claude-haiku-4-5's 200K window, above gpt-5.6-luna's 272K
    // long-context threshold only at 300K.
    let endpoint = |system: u64| {
        format!(
            r#"Endpoint(name: "long", model: "claude-sonnet-4-6",
                traffic: Traffic(daily_active_users: 100, sessions_per_user_per_day: 1),
                prompt: Prompt(system_tokens: Fixed({system}), user_tokens: Fixed(10)),
                output_tokens: Fixed(10))"#
        )
    };
    let sc = with(
        &endpoint(250_000),
        r#"Strategy(name: "haiku", routing: Routing(rules: [Route(model: "claude-haiku-4-5")])),
           Strategy(name: "cascade", routing: Routing(rules: [
               Cascade(first: "claude-haiku-4-5", escalate_share: 0.5)]))"#,
    );
    let (_, rep) = simulate(&sc, 2);
    let base = &rep.strategies["baseline"];
    for name in ["haiku", "cascade"] {
        let s = &rep.strategies[name];
        assert!(close(s.cost_usd.mean, base.cost_usd.mean), "{name}");
        assert_eq!(s.routing.window_fallbacks, base.requests.mean, "{name}");
        assert_eq!(s.routing.cascaded_requests, 0.0, "{name}");
        assert_eq!(s.context_overflows, 0.0, "{name}");
        assert!(!s.by_model.contains_key(HAIKU), "{name}");
    }

    let sc = with(
        &endpoint(300_000),
        r#"Strategy(name: "luna", routing: Routing(rules: [Route(model: "gpt-5.6-luna")]))"#,
    );
    let (out, _) = simulate(&sc, 1);
    let l = &out.ledgers[0][1];
    let luna = out
        .models
        .ids
        .iter()
        .position(|m| m == "gpt-5.6-luna")
        .unwrap() as u16;
    let mut long_requests = 0;
    for (li, key) in l.lines().iter().enumerate() {
        let c = l.line_total(li);
        if key.model == luna && key.price_tier == PriceTier::LongContext {
            long_requests += c.requests;
        } else {
            assert_eq!(c.requests, 0, "{key:?}");
        }
    }
    assert_eq!(long_requests, out.ledgers[0][0].total().requests);
}

/// Each model keeps its own prompt-cache entries. gpt-5.6-luna and gpt-5.6-sol have the same
/// automatic cache rules, so in a cascade that always escalates, each sees every request in the
/// same order and splits it exactly as sol alone does in the baseline. A shared cache would
/// let the second call read what the first wrote. (GPT-5.6 caches to the exact token at the
/// end of every prompt: each prompt token is read or written, none is plain input.)
#[test]
fn prompt_caches_are_per_model() {
    let sc = with(
        r#"Endpoint(name: "chat", model: "gpt-5.6-sol",
            traffic: Traffic(daily_active_users: 500, sessions_per_user_per_day: 1,
                turns: Fixed(4), think_time_s: Exponential(mean: 200)),
            prompt: Prompt(system_tokens: Fixed(3000), user_tokens: Fixed(80)),
            output_tokens: Fixed(150))"#,
        r#"Strategy(name: "cascade", routing: Routing(rules: [
               Cascade(first: "gpt-5.6-luna", escalate_share: 1.0)]))"#,
    );
    let (out, _) = simulate(&sc, 2);
    for l in &out.ledgers {
        let base = by_model(&l[0], &out);
        let cascade = by_model(&l[1], &out);
        let sol = base["gpt-5.6-sol"];
        assert!(sol.tokens[Bucket::CacheRead.index()] > 0);
        assert!(sol.tokens[Bucket::CacheWrite30m.index()] > 0);
        assert_eq!(sol.tokens[Bucket::Input.index()], 0);
        assert_eq!(cascade["gpt-5.6-luna"].tokens, sol.tokens);
        assert_eq!(cascade["gpt-5.6-sol"].tokens, sol.tokens);
    }

    // A Claude endpoint without prompt caching routed to an OpenAI model: the provider caches
    // automatically there.
    let sc = with(
        r#"Endpoint(name: "chat", model: "claude-sonnet-4-6",
            traffic: Traffic(daily_active_users: 500, sessions_per_user_per_day: 1,
                turns: Fixed(4), think_time_s: Fixed(30)),
            prompt: Prompt(system_tokens: Fixed(3000), user_tokens: Fixed(80)),
            output_tokens: Fixed(150))"#,
        r#"Strategy(name: "luna", routing: Routing(rules: [
               Route(when: Share(0.5), model: "gpt-5.6-luna")]))"#,
    );
    let (out, _) = simulate(&sc, 1);
    let m = by_model(&out.ledgers[0][1], &out);
    assert!(m["gpt-5.6-luna"].tokens[Bucket::CacheRead.index()] > 0);
    assert_eq!(m[SONNET].tokens[Bucket::CacheRead.index()], 0);
}

fn errors(text: &str) -> Vec<String> {
    let file = scenario::parse(text, "t.ron").unwrap();
    match Scenario::from_file(file, Catalog::builtin(), "t.ron") {
        Err(ScenarioError::Invalid { errors, .. }) => {
            errors.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected validation errors, got {other:?}"),
    }
}

#[test]
fn bad_routing_is_reported_with_field_paths() {
    let errs = errors(&format!(
        r#"Scenario(name: "bad", seed: 1, horizon_days: 1, endpoints: [{ONE_SHOT}],
            strategies: [Strategy(name: "r", routing: Routing(endpoints: ["chta"], rules: [
                Route(when: Share(0.7), model: "claude-haiku-4-5"),
                Route(when: Share(0.6), model: "text-embedding-3-small"),
                Route(when: PromptAtMost(0), model: "claude-haiku-4-5"),
                Cascade(first: "claude-sonnet-4-6", escalate_share: 1.5),
                Route(model: "gpt-5.6-luna"),
                Route(model: "gpt-5.6-luna"),
            ]))])"#
    ));
    let expect = [
        "strategies[0].routing.endpoints[0]: no endpoint named \"chta\"; endpoints: classify",
        "strategies[0].routing.rules[1].model: \"text-embedding-3-small\" is an embedding model",
        "strategies[0].routing.rules[2].when: the prompt-size threshold must be > 0 tokens",
        "strategies[0].routing.rules[3].escalate_share: must be between 0 and 1 (got 1.5)",
    ];
    for e in expect {
        assert!(errs.iter().any(|x| x.starts_with(e)), "{e}\nin {errs:#?}");
    }
    // The endpoint filter named no real endpoint, so the per-endpoint checks had nothing to
    // check; without it they run.
    let errs = errors(&format!(
        r#"Scenario(name: "bad", seed: 1, horizon_days: 1, endpoints: [{ONE_SHOT}],
            strategies: [Strategy(name: "r", routing: Routing(rules: [
                Route(when: Share(0.7), model: "claude-haiku-4-5"),
                Route(when: Share(0.6), model: "gpt-5.6-luna"),
                Cascade(first: "claude-sonnet-4-6", escalate_share: 0.5),
                Route(model: "gpt-5.6-luna"),
                Route(endpoints: ["other"], model: "claude-haiku-4-5"),
            ]))])"#
    ));
    let expect = [
        "strategies[0].routing.rules: the Share conditions of endpoint \"classify\" add up to 1.2",
        "strategies[0].routing.rules[2].first: \"claude-sonnet-4-6\" is also the model this \
         cascade escalates to",
        "strategies[0].routing.rules[2].when: this rule takes every request of endpoint \
         \"classify\", so rules[3] is never reached",
        "strategies[0].routing.rules[4].endpoints[0]: no endpoint named \"other\"",
    ];
    for e in expect {
        assert!(errs.iter().any(|x| x.starts_with(e)), "{e}\nin {errs:#?}");
    }
}

#[test]
fn flex_endpoints_route_only_to_models_with_flex_prices() {
    let errs = errors(
        r#"Scenario(name: "bad", seed: 1, horizon_days: 1,
            endpoints: [Endpoint(name: "e", model: "gpt-5.6-terra", service_tier: Flex,
                traffic: Traffic(daily_active_users: 1, sessions_per_user_per_day: 1),
                prompt: Prompt(user_tokens: Fixed(5)), output_tokens: Fixed(5))],
            strategies: [Strategy(name: "r", routing: Routing(rules: [
                Route(when: Share(0.5), model: "gpt-5.6-luna"),
                Route(model: "claude-haiku-4-5"),
            ]))])"#,
    );
    assert_eq!(
        errs,
        [
            "strategies[0].routing.rules[1].model: \"claude-haiku-4-5\" has no flex prices in \
             tokencast built-in (LiteLLM 1.110.2 price map), and endpoint \"e\" uses Flex"
        ]
    );
}

/// The JSON report carries the share each model served and the cascade figures.
#[test]
fn json_report_has_model_shares_and_escalations() {
    let out = bin()
        .args(["run", "--runs", "2", "--format", "json"])
        .arg(repo("scenarios/multi-feature.ron"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["strategies"];
    let r = &s["cascade"]["routing"];
    let ratio = r["escalation_ratio"].as_f64().unwrap();
    assert!((ratio - 0.25).abs() < 0.01, "{ratio}");
    assert!(r["escalations"].as_f64().unwrap() > 0.0);
    assert_eq!(s["baseline"]["routing"]["escalations"], 0.0);
    // `combine` carries the cascade over, and the router's draws are the same in every
    // strategy: the same requests escalate.
    assert_eq!(s["cascade-cached"]["routing"], s["cascade"]["routing"]);
    let haiku = s["tiering"]["by_model"][HAIKU]["share_of_requests"]
        .as_f64()
        .unwrap();
    assert!(haiku > 0.05 && haiku < 0.5, "{haiku}");
    let shares: f64 = s["tiering"]["by_model"]
        .as_object()
        .unwrap()
        .values()
        .map(|b| b["share_of_requests"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
}

/// Routing decides per call in a batched endpoint too: routed requests are billed at the routed
/// model's batch prices (here all of them: claude-haiku-4-5 batch is $0.50 / $2.50).
#[test]
fn batched_endpoints_bill_routed_models_at_batch_prices() {
    let sc = scenario(
        r#"Scenario(name: "batch", seed: 8, horizon_days: 3,
            endpoints: [Endpoint(name: "docs", model: "claude-sonnet-4-6", deferrable: true,
                traffic: Traffic(daily_active_users: 500, sessions_per_user_per_day: 2),
                prompt: Prompt(system_tokens: Fixed(800), user_tokens: Fixed(20)),
                output_tokens: Fixed(300))],
            strategies: [Strategy(name: "b", batch: Batch(flush_every_s: 3600),
                routing: Routing(rules: [Route(model: "claude-haiku-4-5")]))])"#,
    );
    let (out, rep) = simulate(&sc, 2);
    for l in &out.ledgers {
        assert_eq!(l[1].total(), l[0].total(), "same tokens and requests");
        assert_eq!(requests(&l[1], &out, HAIKU), l[0].total().requests);
    }
    let b = &rep.strategies["b"];
    let expected = b.tokens["input"] * 0.5e-6 + b.tokens["output"] * 2.5e-6;
    assert!(
        close(b.cost_usd.mean, expected),
        "{} vs {expected}",
        b.cost_usd.mean
    );

    // A routed model without batch prices cannot serve a batched endpoint.
    let errs = errors(
        r#"Scenario(name: "bad", seed: 1, horizon_days: 1,
            models: { "nobatch": (provider: "openai", mode: Chat, standard: (input: 1.0, output: 2.0),
                cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [],
                        refresh_on_hit: false)) },
            endpoints: [Endpoint(name: "docs", model: "claude-sonnet-4-6", deferrable: true,
                traffic: Traffic(daily_active_users: 1, sessions_per_user_per_day: 1),
                prompt: Prompt(user_tokens: Fixed(5)), output_tokens: Fixed(5))],
            strategies: [Strategy(name: "b", batch: Batch(),
                routing: Routing(rules: [Route(model: "nobatch")]))])"#,
    );
    assert_eq!(
        errs,
        [
            "strategies[0].routing: \"nobatch\" has no batch prices in tokencast built-in \
             (LiteLLM 1.110.2 price map), and endpoint \"docs\", which routes to it, is batched"
        ]
    );
}

/// The router's draws come from per-run streams: the report is byte-identical for any thread
/// count.
#[test]
fn routed_reports_are_byte_identical_for_any_thread_count() {
    let run = |threads: &str| {
        let out = bin()
            .args([
                "run",
                "--runs",
                "3",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .arg(repo("scenarios/multi-feature.ron"))
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"));
}
