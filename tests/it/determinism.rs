//! Same scenario and seed give the same bytes, whatever the thread count; memory does not grow
//! with the horizon.

use tokencast::workload::synthetic::Synthetic;

use crate::support::{bin, repo, scenario};

fn run_json(threads: &str) -> Vec<u8> {
    let out = bin()
        .args([
            "run",
            "--runs",
            "6",
            "--format",
            "json",
            "--threads",
            threads,
        ])
        .arg(repo("scenarios/support-assistant.ron"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn report_is_byte_identical_for_any_thread_count() {
    let one = run_json("1");
    let two = run_json("2");
    let four = run_json("4");
    assert!(!one.is_empty());
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn different_seeds_give_different_reports() {
    let a = bin()
        .args(["run", "--runs", "2", "--format", "json", "--seed", "1"])
        .arg(repo("scenarios/support-assistant.ron"))
        .output()
        .unwrap();
    let b = bin()
        .args(["run", "--runs", "2", "--format", "json", "--seed", "2"])
        .arg(repo("scenarios/support-assistant.ron"))
        .output()
        .unwrap();
    assert!(a.status.success() && b.status.success());
    assert_ne!(a.stdout, b.stdout);
}

fn max_live_sessions(days: u32) -> usize {
    let sc = scenario(&format!(
        r#"Scenario(name: "mem", seed: 5, horizon_days: {days},
            endpoints: [Endpoint(name: "chat", model: "claude-haiku-4-5",
                traffic: Traffic(daily_active_users: 2000, sessions_per_user_per_day: 1,
                    turns: Geometric(mean: 8), think_time_s: Exponential(mean: 60)),
                prompt: Prompt(user_tokens: Fixed(10)),
                output_tokens: Fixed(10))])"#
    ));
    let mut g = Synthetic::new(&sc, 0).unwrap();
    let mut max = 0;
    let mut n = 0u64;
    while g.next().is_some() {
        n += 1;
        if n.is_multiple_of(64) {
            max = max.max(g.live_sessions());
        }
    }
    assert!(n > u64::from(days) * 10_000);
    max
}

/// Live state is bounded by concurrent sessions (here about 2000/day × 8 turns × 60 s), not by
/// the number of requests: 8 times the horizon must not mean more live sessions.
#[test]
fn memory_is_flat_in_the_horizon() {
    let short = max_live_sessions(2);
    let long = max_live_sessions(16);
    assert!(short > 0);
    assert!(
        long < short * 2,
        "live sessions grew from {short} to {long}"
    );
}
