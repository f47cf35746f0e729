//! Every example scenario validates; every bad fixture fails with its exact message.

use std::fs;

use crate::support::{bin, repo};

#[test]
fn every_example_scenario_validates() {
    let mut n = 0;
    for entry in fs::read_dir(repo("scenarios")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "ron") {
            n += 1;
            let out = bin().arg("validate").arg(&p).output().unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(n >= 2, "expected example scenarios, found {n}");
}

/// Each `tests/fixtures/bad/NAME.ron` has a `NAME.expected` holding the exact error output
/// (with `FIXTURE` standing for the file's path).
#[test]
fn bad_fixtures_report_exact_errors() {
    let mut n = 0;
    let dir = repo("tests/fixtures/bad");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    for p in paths {
        n += 1;
        let expected = fs::read_to_string(p.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{} has no .expected file", p.display()));
        let out = bin().arg("validate").arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", p.display());
        let stderr = String::from_utf8(out.stderr).unwrap();
        let expected = expected.replace("FIXTURE", &p.display().to_string());
        assert_eq!(stderr.trim_end(), expected.trim_end(), "{}", p.display());
    }
    assert!(n >= 5);
}
