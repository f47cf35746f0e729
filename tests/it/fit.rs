//! `tokencast fit`: the written scenario validates and reproduces the trace's statistics.

use crate::support::{bin, json, repo, shared};

/// The fitted distributions keep the trace's means exactly (checked on the scenario itself);
/// simulated, the requests in the trace's own time window (the fitted rates are those of the
/// time the trace watched; the scenario's day covers whole hours) are within 8% of its rows
/// (Poisson noise on ~2,000 arrivals is 2.2%), the
/// means of a simulated sample within `mean_tol` (3% on the full traces; heavy tails move the
/// means of the 2,000-row samples more), and the trace's medians sit at the middle of the
/// simulated sample: the share of simulated rows below a median, and the share at or below it,
/// straddle one half within `median_share_tol`. Shares rather than values: the conversation
/// sample's outputs are bimodal with the median in the gap between the modes, where a sample's
/// median jumps from one mode to the other with the slightest noise while its shares do not.
fn check(trace: &std::path::Path, model: &str, mean_tol: f64, median_share_tol: f64) {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("fitted.ron");
    // Without uncertain entries: `synth` would write run 0's draws of them, which move the
    // sample's means by what the trace cannot pin down (tested in `backtest`).
    bin()
        .args(["fit", "--model", model, "--no-uncertain", "-o"])
        .arg(&sc)
        .arg(trace)
        .assert()
        .success();
    bin().arg("validate").arg(&sc).assert().success();
    let original = json(&["audit", trace.to_str().unwrap(), "--model", model]);
    let synth = dir.path().join("synth.csv");
    bin()
        .args(["synth", "-o"])
        .arg(&synth)
        .arg(&sc)
        .assert()
        .success();
    let fitted = json(&["audit", synth.to_str().unwrap()]);
    let (o, f) = (&original["audit"], &fitted["audit"]);
    let close = |k: &str, tol: f64| {
        let (a, b) = (o[k].as_f64().unwrap(), f[k].as_f64().unwrap());
        assert!(
            (b / a - 1.0).abs() < tol,
            "{}: {k} trace {a} vs fitted {b}",
            trace.display()
        );
    };
    // The trace's window, and the synthesized rows inside it (the fitted scenario is dated,
    // so `synth` writes dated timestamps).
    let times: Vec<i64> = tokencast::workload::trace::TraceReader::open(trace, None)
        .unwrap()
        .map(|r| r.unwrap().time_ms)
        .collect();
    let (first, last) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    let in_window = std::fs::read_to_string(&synth)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| {
            let t: i64 = l.split(',').next().unwrap().parse().unwrap();
            (first..=last).contains(&t)
        })
        .count() as f64;
    let rows = o["rows"].as_f64().unwrap();
    assert!(
        (in_window / rows - 1.0).abs() < 0.08,
        "{}: {rows} rows, {in_window} simulated in the same window",
        trace.display()
    );
    close("mean_input_tokens", mean_tol);
    close("mean_output_tokens", mean_tol);
    let loaded = tokencast::Scenario::load(&sc, None).unwrap();
    let e = &loaded.endpoints[0];
    let exact = |d: &tokencast::Dist, k: &str| {
        let a = o[k].as_f64().unwrap();
        assert!(
            (d.mean() / a - 1.0).abs() < 1e-4,
            "{k}: {} vs {a}",
            d.mean()
        );
    };
    exact(&e.prompt.user_tokens, "mean_input_tokens");
    exact(&e.output_tokens, "mean_output_tokens");
    // Input and output token columns of the synthesized native CSV.
    let text = std::fs::read_to_string(&synth).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ci, co) = (col("input_tokens"), col("output_tokens"));
    let values: Vec<(f64, f64)> = rows
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[ci].parse().unwrap(), f[co].parse().unwrap())
        })
        .collect();
    let n = values.len() as f64;
    let straddles = |k: &str, pick: fn(&(f64, f64)) -> f64| {
        let median = o[k].as_f64().unwrap();
        let below = values.iter().filter(|v| pick(v) < median).count() as f64 / n;
        let at_or_below = values.iter().filter(|v| pick(v) <= median).count() as f64 / n;
        assert!(
            below <= 0.5 + median_share_tol && at_or_below >= 0.5 - median_share_tol,
            "{}: {k} {median}: {below:.3} of the fitted sample below it, {at_or_below:.3} at or below",
            trace.display()
        );
    };
    straddles("median_input_tokens", |v| v.0);
    straddles("median_output_tokens", |v| v.1);
}

#[test]
fn fitted_azure_sample_reproduces_its_statistics() {
    check(
        &repo("traces/azure-llm-2023-conv-sample.csv"),
        "gpt-4o-mini",
        0.08,
        0.05,
    );
    check(
        &repo("traces/azure-llm-2023-code-sample.csv"),
        "gpt-4o-mini",
        0.08,
        0.05,
    );
}

#[test]
#[ignore = "needs ../shared/traces (the full Azure traces); CI runs it with --ignored"]
fn fitted_full_azure_traces_reproduce_their_statistics() {
    let base = shared("traces");
    check(
        &base.join("azure-llm-2023-conv.csv"),
        "gpt-4o-mini",
        0.03,
        0.02,
    );
    check(
        &base.join("azure-llm-2023-code.csv"),
        "gpt-4o-mini",
        0.03,
        0.02,
    );
}

/// Sessions in the trace become turns and think times.
#[test]
fn sessions_become_turns_and_think_times() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    bin()
        .args(["synth", "-o"])
        .arg(&trace)
        .arg(repo("tests/fixtures/good/two-endpoints.ron"))
        .assert()
        .success();
    let sc = dir.path().join("fitted.ron");
    bin()
        .args(["fit", "-o"])
        .arg(&sc)
        .arg(&trace)
        .assert()
        .success();
    let text = std::fs::read_to_string(&sc).unwrap();
    assert!(text.contains("name: \"chat\""), "{text}");
    assert!(text.contains("think_time_s: Some(Empirical("), "{text}");
    assert!(text.contains("model: \"gemini-2.5-flash\""));
}

/// A fitted scenario whose cache changes nothing (gpt-4o-mini: writes cost no premium, and the
/// Azure sample's prompts share no prefix, so nothing is read back) reports no saving and no
/// loss, not float noise as a "net LOSS $0.0000000000000000740".
#[test]
fn a_cache_that_changes_nothing_reports_zero_not_float_noise() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("fit.ron");
    let fit = bin()
        .args(["fit", "--model", "gpt-4o-mini", "--no-uncertain", "-o"])
        .arg(&scenario)
        .arg(repo("traces/azure-llm-2023-conv-sample.csv"))
        .output()
        .unwrap();
    assert!(
        fit.status.success(),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );
    let run = bin()
        .args(["run", "--runs", "3"])
        .arg(&scenario)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let caching = out
        .lines()
        .find(|l| l.trim_start().starts_with("caching"))
        .unwrap_or_else(|| panic!("no caching line in:\n{out}"));
    assert!(
        caching.ends_with("0 read, 14,180,395 written; net saving $0.00"),
        "{caching}"
    );
}

/// A trace spanning more than a scenario's longest horizon is refused naming the row, instead
/// of writing a scenario that does not validate; an existing output file is left as it was. A
/// microsecond clock is refused at its row, however short the trace.
#[test]
fn a_trace_longer_than_ten_years_is_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("far.csv");
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens\n2020-01-01T00:00:00Z,100,10\n2031-01-01T00:00:00Z,100,10\n",
    )
    .unwrap();
    let us = dir.path().join("us.csv");
    std::fs::write(
        &us,
        "timestamp,input_tokens,output_tokens\n1767225600000000,100,10\n1767225660000000,100,10\n",
    )
    .unwrap();
    let out = dir.path().join("fit.ron");
    std::fs::write(&out, "keep me").unwrap();
    let fit = bin()
        .args(["fit", "--model", "gpt-4o-mini", "-o"])
        .arg(&out)
        .arg(&trace)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&fit.stderr);
    assert_eq!(fit.status.code(), Some(2), "{err}");
    assert!(
        err.contains("far.csv: line 3: the trace spans 4018 days"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let fit = bin()
        .args(["fit", "--model", "gpt-4o-mini", "-o"])
        .arg(&out)
        .arg(&us)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&fit.stderr);
    assert_eq!(fit.status.code(), Some(2), "{err}");
    assert!(
        err.contains("us.csv:2: timestamp 1767225600000000 ms lies after the year 3000, so it looks like microseconds"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
}

/// Without session ids, prefix hashes tell conversations apart: a row re-sending the whole of
/// an earlier prompt continues it, the block most openings share is the system prompt, and
/// the sizes split into opening messages and each later turn's new tokens (its prompt less the
/// previous prompt and answer), with the history re-sent.
#[test]
fn prefix_hashes_become_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("chain.csv");
    // A: 250 tokens (blocks 1 2 3), then 330 re-sending A's two full blocks; B likewise;
    // C opens with the shared block 1 only, and D half a minute later (still open at the end,
    // as its last turn is within the median think time of it: its one turn is a lower bound).
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,prefix_hashes,block_tokens\n\
         0,250,20,1 2 3,100\n1000,260,10,1 4 5,100\n5000,330,20,1 2 3 6,100\n\
         9000,420,10,1 4 5 7 8,100\n12000,250,5,1 9 11,100\n42000,150,5,1 10,100\n",
    )
    .unwrap();
    let out = bin()
        .args([
            "fit",
            "--model",
            "claude-sonnet-4-6",
            "--no-uncertain",
            "-o",
            "-",
        ])
        .arg(&trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // C ended after one turn, A and B after two. D, seen for one turn, waits no longer than
    // the longest gap seen (8 s): it goes on with probability w = q, q being the chance to go
    // on after turn 1, 1 - (1 + 1 - w) / 4 (C and D's ending share of the four at risk): w =
    // 2/3, so a third of sessions have one turn (the percentile slice across 1/3 has mean
    // 1.667), two thirds two.
    let turns = format!(
        "turns: Empirical(values: [{}, 1.667, {}]",
        ["1.0"; 33].join(", "),
        ["2.0"; 66].join(", ")
    );
    let think = format!(
        "think_time_s: Some(Empirical(values: [{}, {}]",
        ["5.0"; 50].join(", "),
        ["8.0"; 50].join(", ")
    );
    for expected in [
        turns.as_str(),
        // D's wait of 0 s is censored, below every gap seen: the gaps as they were.
        think.as_str(),
        "system_tokens: Fixed(100.0)",
        // 330 - 250 - 20 and 420 - 260 - 10.
        "user_tokens: Empirical(values: [60.0, 150.0]",
        // 250, 260, 250 and 150 less the 100-token system prompt.
        "first_user_tokens: Some(Empirical(values: [50.0, 150.0, 150.0, 160.0]",
        "history: Full",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

/// Sessions that open with the same long blocks past the system prompt share a document: the
/// fit writes a pool of them (the share of sessions with one, one size per document, a Zipf
/// popularity) and takes each document out of its sessions' opening messages.
#[test]
fn prefix_hashes_shared_across_sessions_become_documents() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("docs.csv");
    // Block 1: the system prompt. Documents A (blocks 10-13) and B (20-23), 400 tokens each,
    // each opened by two single-request sessions with their own question; two short
    // questions without a document.
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,prefix_hashes,block_tokens\n\
         0,660,20,1 10 11 12 13 50 51,100\n1000,650,20,1 20 21 22 23 52 53,100\n\
         2000,670,20,1 10 11 12 13 54 55,100\n3000,150,20,1 70,100\n\
         4000,660,20,1 20 21 22 23 56 57,100\n5000,130,20,1 71,100\n",
    )
    .unwrap();
    let out = bin()
        .args([
            "fit",
            "--model",
            "claude-sonnet-4-6",
            "--no-uncertain",
            "-o",
            "-",
        ])
        .arg(&trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "system_tokens: Fixed(100.0)",
        // Four sessions of six open a document; both documents are 400 tokens.
        "documents: Some(Documents(share: 0.666667, popularity: Zipf(intents: ",
        "tokens: Fixed(400.0)",
        // The openings less the system prompt and their document.
        "first_user_tokens: Some(Empirical(values: [30.0, 50.0, 150.0, 160.0, 160.0, 170.0]",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    // The fitted scenario loads and sends the documents.
    let fitted = dir.path().join("fitted.ron");
    std::fs::write(&fitted, &text).unwrap();
    let out = bin().arg("validate").arg(&fitted).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sessions still open when the trace ends are cut short, not short: every session here has
/// four turns a minute apart, and the trace stops while the last two are under way, so
/// their counts are lower bounds; the product-limit estimate keeps four turns.
#[test]
fn sessions_open_at_the_end_do_not_shorten_the_turns() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("open.csv");
    let mut text = String::from("timestamp,input_tokens,output_tokens,session_id\n");
    let mut rows = Vec::new();
    for s in 0..20u64 {
        for t in 0..4u64 {
            rows.push((s * 100_000 + t * 60_000, s));
        }
    }
    rows.sort();
    // Stop at 32'40": the last two sessions (started at 30' and 31'40") are still going;
    // the last one to finish did 80 seconds before, more than the median think time.
    for (time, s) in rows.iter().filter(|(t, _)| *t <= 1_960_000) {
        text.push_str(&format!("{time},500,50,s{s}\n"));
    }
    std::fs::write(&trace, text).unwrap();
    let out = bin()
        .args(["fit", "--model", "gpt-4o-mini", "--no-uncertain", "-o", "-"])
        .arg(&trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("turns: Fixed(4.0)"), "{text}");
}

/// When the chains show that sessions opened with a short question go on longer than those
/// opened with a long text, and that a follow-up pasting a long text ends the session soon,
/// the fit writes turns by opening size and later messages by session length.
#[test]
fn turns_by_opening_and_later_messages_by_length_are_fitted_when_they_differ() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("kinds.csv");
    let mut text =
        String::from("timestamp,input_tokens,output_tokens,prefix_hashes,block_tokens\n");
    // Block 1 (100 tokens) is the system prompt. Three kinds of session, 300 of each:
    // a 100-token question and three 10-token follow-ups; a 900-token opening and one
    // 2,000-token follow-up; a 2,900-token opening alone.
    for i in 0..900u64 {
        let (opening, follow_ups): (u64, &[u64]) = match i % 3 {
            0 => (200, &[10, 10, 10]),
            1 => (1000, &[2000]),
            _ => (3000, &[]),
        };
        let base = 1000 + i * 100;
        let mut prompt = opening;
        let mut time = i * 60_000;
        for turn in 0..=follow_ups.len() {
            let blocks = prompt.div_ceil(100);
            let hashes: Vec<String> = std::iter::once("1".to_string())
                .chain((1..blocks).map(|b| (base + b).to_string()))
                .collect();
            text.push_str(&format!("{time},{prompt},20,{},100\n", hashes.join(" ")));
            if let Some(new) = follow_ups.get(turn) {
                prompt += 20 + new;
                time += 5000;
            }
        }
    }
    std::fs::write(&trace, text).unwrap();
    let out = bin()
        .args([
            "fit",
            "--model",
            "claude-sonnet-4-6",
            "--no-uncertain",
            "-o",
            "-",
        ])
        .arg(&trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "system_tokens: Fixed(100.0)",
        // Openings past the system prompt: 100 (4 turns), 900 (2 turns), 2,900 (1 turn, the
        // last session's still open at the end, so `turns` is not asserted).
        "turns_by_opening: [Opening(below: 900.0, turns: Fixed(4.0)), \
         Opening(below: 2900.0, turns: Fixed(2.0))]",
        // Sessions of two turns follow up with 2,000 tokens, longer ones with 10.
        "user_tokens: Fixed(10.0)",
        "user_tokens_by_turns: [Turns(at_most: 2, user_tokens: Fixed(2000.0))]",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    // The fitted scenario loads; its generator sends what the trace sent.
    let fitted = dir.path().join("fitted.ron");
    std::fs::write(&fitted, &text).unwrap();
    let synth = dir.path().join("synth.csv");
    let out = bin()
        .arg("synth")
        .arg(&fitted)
        .arg("-o")
        .arg(&synth)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Per session: its opening's prompt and its number of requests.
    let rows = std::fs::read_to_string(&synth).unwrap();
    let mut header = rows.lines().next().unwrap().split(',');
    let col = |name: &str| header.clone().position(|c| c == name).unwrap();
    let (input, session) = (col("input_tokens"), col("session_id"));
    header.next();
    let mut sessions: std::collections::HashMap<String, Vec<u64>> = Default::default();
    for line in rows.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        sessions
            .entry(f[session].to_string())
            .or_default()
            .push(f[input].parse().unwrap());
    }
    // Openings are drawn from the fitted sizes (interpolated between them): below 1,000
    // tokens a session has up to four turns, below 3,000 up to two; a session of two turns
    // follows up with 2,000 tokens, a longer one with 10 (each turn re-sends the last and its
    // 20-token answer).
    let (mut long, mut two) = (0, 0);
    for s in sessions.values() {
        let limit = if s[0] < 1000 { 4 } else { 2 };
        assert!(s.len() <= limit, "{s:?}");
        let step = if s.len() == 2 { 2020 } else { 30 };
        assert!(s[1..].iter().zip(s).all(|(b, a)| *b == a + step), "{s:?}");
        long += usize::from(s.len() > 2);
        two += usize::from(s.len() == 2);
    }
    assert!(long > 50 && two > 50, "{long} {two}");
}

/// Prompts that grow through the fitted rows are a trend the fitted sizes cannot hold: `fit`
/// warns, naming the endpoint and the fitted means at the window's start and end; rows whose
/// prompts only scatter get no warning.
#[test]
fn a_trend_in_the_prompts_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, grow: bool| {
        let trace = dir.path().join(name);
        let mut text = String::from("timestamp,input_tokens,output_tokens\n");
        // An hour, a row every 5 seconds; prompts scatter by ±20% around 1,000 tokens, and
        // in the growing trace add 2 tokens a row (1,000 to 2,440 across the hour).
        for i in 0..720u64 {
            let scatter = [800, 1200, 1000, 900, 1100][(i % 5) as usize];
            let input = scatter + if grow { 2 * i } else { 0 };
            text.push_str(&format!("{},{input},50\n", i * 5000));
        }
        std::fs::write(&trace, text).unwrap();
        trace
    };
    for (trace, warned) in [
        (write("grow.csv", true), true),
        (write("flat.csv", false), false),
    ] {
        let out = bin()
            .args(["fit", "--model", "gpt-4o-mini", "-o", "-"])
            .arg(&trace)
            .output()
            .unwrap();
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.contains("endpoint \"all\": the mean prompt grew from 993 to 2433 tokens"),
            warned,
            "{err}"
        );
    }
}

/// Sessions that open with the same first block past the system prompt but share little of
/// their openings are not one document: each opened its own, when its size fits the shared
/// documents' (a debug assertion checks that the pool's counts agree with its sizes; CI's
/// tests run the debug build).
#[test]
fn openings_that_share_only_a_block_open_documents_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("docs.csv");
    // As in the test above, documents A (blocks 10-13) and B (20-23) opened twice each and
    // two short questions (the last row: a row after a short question sharing only the system
    // block would continue its conversation); and X and Y, which share block 30 and nothing
    // after it: 660
    // tokens each, the 100-token system prompt, a 400-token text and a 160-token question
    // (the shared documents' mean question).
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,prefix_hashes,block_tokens\n\
         0,660,20,1 10 11 12 13 50 51,100\n1000,650,20,1 20 21 22 23 52 53,100\n\
         2000,670,20,1 10 11 12 13 54 55,100\n2500,660,20,1 30 31 32 33 34 35,100\n\
         3000,150,20,1 70,100\n3500,660,20,1 30 41 42 43 44 45,100\n\
         4000,660,20,1 20 21 22 23 56 57,100\n5000,130,20,1 71,100\n",
    )
    .unwrap();
    let out = bin()
        .args([
            "fit",
            "--model",
            "claude-sonnet-4-6",
            "--no-uncertain",
            "-o",
            "-",
        ])
        .arg(&trace)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        // Six sessions of eight open a document, each 400 tokens: A, B, X's and Y's.
        "documents: Some(Documents(share: 0.75, popularity: ",
        "tokens: Fixed(400.0)",
        // Every opening with a document leaves its question; the two short ones theirs.
        "first_user_tokens: Some(Empirical(values: [30.0, 50.0, 150.0, 160.0, 160.0, 160.0, \
         160.0, 170.0]",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}
