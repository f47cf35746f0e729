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

/// A native CSV trace of `rows` rows, in time order, of three endpoints, two models and a
/// few thousand users and sessions; `bad` rows get an output count that is not a number.
fn big_trace(rows: usize, bad: &[usize]) -> String {
    let mut t = String::from(
        "timestamp,input_tokens,output_tokens,session_id,endpoint,user_id,model,cache_read_tokens,intent\n",
    );
    let eps = ["chat", "search", "summarize"];
    let models = ["claude-sonnet-4-6", "gpt-4o-mini"];
    for i in 0..rows {
        let out = if bad.contains(&i) {
            "x".to_string()
        } else {
            (100 + i % 900).to_string()
        };
        // Most sessions are 5 consecutive rows; one row in 1,000 belongs to one of 7 sessions
        // that run through the whole file, so that pieces far apart share them.
        let session = if i % 1_000 == 999 {
            format!("all{}", i % 7)
        } else {
            format!("s{}", i / 5)
        };
        t.push_str(&format!(
            "{},{},{},{},{},u{},{},{},q{}\n",
            1_767_225_600_000u64 + i as u64 * 2_000,
            2_000 + (i * 7919) % 6_000,
            out,
            session,
            eps[i % 3],
            (i * 31) % 3_000,
            models[(i / 3) % 2],
            (i % 4) * 250,
            (i * 13) % 5_000,
        ));
    }
    t
}

/// Two audits agree: the priced strategy exactly (token sums are integers), the audit section
/// but for floating-point sums added in another order.
fn assert_same_audit(a: &serde_json::Value, b: &serde_json::Value) {
    assert_eq!(a["strategies"], b["strategies"]);
    let (x, y) = (&a["audit"], &b["audit"]);
    for k in [
        "rows",
        "users",
        "median_input_tokens",
        "median_output_tokens",
        "mean_input_tokens",
        "intent_repeat_ratio",
        "skipped_rows",
        "skipped_lines",
        "endpoints_pareto",
    ] {
        assert_eq!(x[k], y[k], "{k}");
    }
    let users = |v: &serde_json::Value| -> Vec<(String, f64)> {
        v["top_users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["name"].as_str().unwrap().to_string(),
                    u["cost_usd"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    for ((n1, c1), (n2, c2)) in users(x).into_iter().zip(users(y)) {
        assert_eq!(n1, n2);
        assert!((c1 - c2).abs() <= 1e-12 * c1.abs().max(1.0));
    }
}

/// A CSV file above two 16 MiB pieces is audited in pieces on several threads: the report is
/// the one a single stream gives (standard input is read as one), sessions seen in two pieces
/// counted once, and bad rows named by their line in the file, skipped or not.
#[test]
fn a_large_csv_is_audited_in_pieces_as_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows = 700_000;
    let bad = [3, 300_001, 500_000];
    std::fs::write(&path, big_trace(rows, &bad)).unwrap();
    assert!(
        std::fs::metadata(&path).unwrap().len() > 33 << 20,
        "more than two pieces"
    );
    let p = path.to_str().unwrap();
    let piecewise = json(&[
        "audit",
        p,
        "--threads",
        "2",
        "--skip-bad-rows",
        "--by",
        "user",
    ]);
    let stdin = bin()
        .args([
            "audit",
            "-",
            "--skip-bad-rows",
            "--by",
            "user",
            "--format",
            "json",
        ])
        .pipe_stdin(&path)
        .unwrap()
        .output()
        .unwrap();
    assert!(stdin.status.success());
    let whole: serde_json::Value = serde_json::from_slice(&stdin.stdout).unwrap();
    assert_same_audit(&piecewise, &whole);
    assert_eq!(piecewise["audit"]["rows"], (rows - bad.len()) as u64);
    // Lines are 1-based with the header on line 1: row i is on line i + 2.
    assert_eq!(
        piecewise["audit"]["skipped_lines"],
        serde_json::json!([5, 300_003, 500_002])
    );
    // Intents repeat across pieces, and are questions of one endpoint: row i asks
    // (i % 3, (13 i) % 5,000), which is i % 15,000 in disguise: 15,000 distinct.
    let repeat = piecewise["audit"]["intent_repeat_ratio"].as_f64().unwrap();
    assert!((repeat - (1.0 - 15_000.0 / (rows - bad.len()) as f64)).abs() < 1e-12);
    // Sessions span pieces: 5 rows each, one count per id.
    assert_eq!(
        piecewise["strategies"]["recorded"]["sessions"]["mean"],
        whole["strategies"]["recorded"]["sessions"]["mean"]
    );
    // One thread or two, the same pieces: the same report, byte for byte.
    let one = json(&[
        "audit",
        p,
        "--threads",
        "1",
        "--skip-bad-rows",
        "--by",
        "user",
    ]);
    assert_eq!(one, piecewise);
    // Without --skip-bad-rows the first bad row in the file stops it, whichever piece is
    // read first.
    let text = std::fs::read_to_string(&path).unwrap();
    let late = dir.path().join("late.csv");
    std::fs::write(&late, text.replacen(",x,", ",7,", 1)).unwrap();
    bin()
        .args(["audit", late.to_str().unwrap(), "--threads", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("late.csv:300003:"));
}

/// A Parquet file of several row groups is audited by row groups on several threads, as read
/// whole (the same rows as the CSV it was written from).
#[test]
fn a_parquet_file_is_audited_by_row_groups() {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let text = big_trace(40_000, &[]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, &text).unwrap();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); 9];
    for line in text.lines().skip(1) {
        for (c, v) in line.split(',').enumerate() {
            cols[c].push(v.to_string());
        }
    }
    let int = |c: usize| -> ArrayRef {
        Arc::new(Int64Array::from(
            cols[c]
                .iter()
                .map(|v| v.parse::<i64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    };
    let string = |c: usize| -> ArrayRef { Arc::new(StringArray::from(cols[c].clone())) };
    let names = text.lines().next().unwrap().split(',').collect::<Vec<_>>();
    let arrays = vec![
        int(0),
        int(1),
        int(2),
        string(3),
        string(4),
        string(5),
        string(6),
        int(7),
        string(8),
    ];
    let batch = RecordBatch::try_from_iter(names.iter().copied().zip(arrays)).unwrap();
    let pq = dir.path().join("t.parquet");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(7_000))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    // Read by row groups (40,000 rows in groups of 7,000), detected without --trace-format.
    let plan = tokencast::workload::trace::Pieces::plan(&pq, None)
        .unwrap()
        .unwrap();
    assert!(matches!(
        plan,
        tokencast::workload::trace::Pieces::Parquet(_)
    ));
    assert_eq!(plan.len(), 6);
    let from_csv = json(&["audit", csv.to_str().unwrap()]);
    let pieces = json(&["audit", pq.to_str().unwrap(), "--threads", "2"]);
    let one = json(&["audit", pq.to_str().unwrap(), "--threads", "1"]);
    assert_same_audit(&pieces, &from_csv);
    assert_eq!(pieces, one);
    assert_eq!(pieces["audit"]["format"], "native-parquet");
}
