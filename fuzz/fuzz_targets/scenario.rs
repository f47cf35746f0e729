//! Scenario text -> parsed file -> validated scenario (with the built-in catalog, as when the
//! file names no `prices`), and a short simulation and report when the scenario is small.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokencast::montecarlo::{expected_requests, simulate};
use tokencast::pricing::Catalog;
use tokencast::scenario::parse;
use tokencast::{Scenario, report};

/// Simulate only scenarios expecting at most this many request evaluations per run: a valid
/// scenario may legitimately ask for billions, which would only time the fuzzer out.
const MAX_EVALUATIONS: f64 = 20_000.0;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `parse` + `from_file` is what `Scenario::load_text` does for a file naming no `prices`
    // (which the fuzzer must not make read files).
    let Ok(file) = parse(text, "fuzz.ron") else {
        return;
    };
    let Ok(scenario) = Scenario::from_file(file, Catalog::builtin(), "fuzz.ron") else {
        return;
    };
    let evaluations = expected_requests(&scenario) * scenario.strategies.len().max(1) as f64;
    if !(evaluations <= MAX_EVALUATIONS) {
        return;
    }
    let runs = 2;
    if let Ok(outcome) = simulate(&scenario, runs) {
        let _ = report::build(&scenario, &outcome, runs);
    }
});
