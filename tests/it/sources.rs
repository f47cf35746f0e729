//! Where a trace's bytes come from: gzip and zstd files, and directories of daily files read
//! as one time-ordered stream.

use std::io::Write;

use predicates::prelude::*;

use crate::support::{bin, json, repo};

fn example() -> String {
    std::fs::read_to_string(repo("traces/example-native.csv")).unwrap()
}

fn audit(path: &std::path::Path) -> serde_json::Value {
    json(&["audit", path.to_str().unwrap()])
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A gzip and a zstd copy of a trace (named without their usual extensions: the magic bytes
/// decide) audit to the same bill as the plain file; the digest is the compressed file's.
#[test]
fn compressed_traces_are_read_as_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    let plain = repo("traces/example-native.csv");
    let text = example();
    let gz = dir.path().join("week.csv.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
    let zst = dir.path().join("week.data");
    let zbytes = zstd::encode_all(text.as_bytes(), 3).unwrap();
    std::fs::write(&zst, &zbytes).unwrap();
    let want = audit(&plain);
    for (path, bytes) in [(&gz, std::fs::read(&gz).unwrap()), (&zst, zbytes)] {
        let got = audit(path);
        assert_eq!(got["strategies"], want["strategies"], "{}", path.display());
        assert_eq!(got["audit"]["rows"], want["audit"]["rows"]);
        let sha = got["scenario"]["sha256"].as_str().unwrap().to_string();
        use sha2::Digest;
        let expected: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, expected, "the digest is of the file as it is on disk");
    }
}

/// Two concatenated gzip members (what `cat a.gz b.gz` makes) are one trace.
#[test]
fn concatenated_gzip_members_are_read_whole() {
    let text = example();
    let (header, rows) = text.split_once('\n').unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    let first = format!("{header}\n{}\n", lines[..3].join("\n"));
    let second = format!("{}\n", lines[3..].join("\n"));
    let mut bytes = gzip(first.as_bytes());
    bytes.extend(gzip(second.as_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("two.gz");
    std::fs::write(&p, bytes).unwrap();
    assert_eq!(audit(&p)["audit"]["rows"], 6);
}

/// A corrupt gzip file is an error naming it, not a panic or a short trace.
#[test]
fn a_truncated_gzip_file_is_an_error_naming_it() {
    let mut bytes = gzip(example().as_bytes());
    bytes.truncate(bytes.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.csv.gz");
    std::fs::write(&p, bytes).unwrap();
    bin()
        .args(["audit", p.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cut.csv.gz"));
}

/// Daily files in a directory, one of them compressed, give the bill of the single file; the
/// rows come out in time order even when the files' names are not (replay, which needs time
/// order, accepts the directory without --sort).
#[test]
fn a_directory_of_daily_files_is_one_time_ordered_trace() {
    let text = example();
    let (header, rows) = text.split_once('\n').unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    // Day 2 sorts before day 1 by name; rows of day 1 are split across two files that
    // interleave in time.
    let day1a = format!("{header}\n{}\n{}\n", lines[0], lines[2]);
    let day1b = format!("{header}\n{}\n{}\n{}\n", lines[1], lines[3], lines[4]);
    let day2 = format!("{header}\n{}\n", lines[5]);
    std::fs::write(dir.path().join("b-day1.csv"), day1a).unwrap();
    std::fs::write(dir.path().join("c-day1.csv.gz"), gzip(day1b.as_bytes())).unwrap();
    std::fs::write(dir.path().join("a-day2.csv"), day2).unwrap();
    std::fs::write(dir.path().join(".hidden"), "not a trace").unwrap();
    let want = audit(&repo("traces/example-native.csv"));
    let got = audit(dir.path());
    assert_eq!(got["strategies"], want["strategies"]);
    assert_eq!(got["audit"]["rows"], 6);
    assert_eq!(
        got["audit"]["median_input_tokens"],
        want["audit"]["median_input_tokens"]
    );

    // Replay refuses rows out of time order: a merged directory has none.
    bin()
        .args([
            "replay",
            dir.path().to_str().unwrap(),
            "--model",
            "claude-sonnet-4-6",
            "--format",
            "json",
        ])
        .assert()
        .success();
}

/// A bad row in a directory's file is named by that file and its line; files of two formats
/// and an empty directory are refused, saying why.
#[test]
fn directory_errors_name_the_file() {
    let text = example();
    let (header, rows) = text.split_once('\n').unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("day1.csv"), &text).unwrap();
    std::fs::write(
        dir.path().join("day2.csv"),
        format!("{header}\n2026-01-07T10:00:00Z,12,x,,,,claude-sonnet-4-6,,,,\n"),
    )
    .unwrap();
    bin()
        .args(["audit", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("day2.csv:2:").and(predicate::str::contains("output_tokens")),
        );
    // Skipping bad rows goes on with the other files.
    let v = json(&["audit", dir.path().to_str().unwrap(), "--skip-bad-rows"]);
    assert_eq!(v["audit"]["rows"], 6);
    assert_eq!(v["audit"]["skipped_rows"], 1);
    let _ = rows;

    let mixed = tempfile::tempdir().unwrap();
    std::fs::write(mixed.path().join("a.csv"), &text).unwrap();
    std::fs::copy(
        repo("traces/azure-llm-2023-conv-sample.csv"),
        mixed.path().join("b.csv"),
    )
    .unwrap();
    bin()
        .args(["audit", mixed.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("b.csv is azure but")
                .and(predicate::str::contains("one format")),
        );

    let empty = tempfile::tempdir().unwrap();
    bin()
        .args(["audit", empty.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no trace files"));
}
