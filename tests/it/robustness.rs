//! Bad input that once ended in an abort or a silently absurd report: each class gets a clear
//! error naming the file, the line and what would be valid, and no partial output.

use crate::support::bin;

/// A trace of integer-millisecond rows with one far row at line 4.
fn trace_with(far: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        f.path(),
        format!(
            "timestamp,input_tokens,output_tokens,model\n\
             1700000000000,100,10,gpt-4o-mini\n\
             1700000060000,120,12,gpt-4o-mini\n\
             {far},130,13,gpt-4o-mini\n"
        ),
    )
    .unwrap();
    f
}

/// A microsecond clock read as milliseconds would have sized per-day state for millions of
/// days (an abort on a 92 GB allocation); now the row is refused with the likely unit.
#[test]
fn a_microsecond_timestamp_is_refused_naming_the_row_and_unit() {
    let t = trace_with("1700000120000000");
    for cmd in ["audit", "replay"] {
        let mut c = bin();
        c.arg(cmd).arg(t.path());
        if cmd == "replay" {
            c.args(["--model", "gpt-4o-mini", "--prompt-cache", "none"]);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!("{}:4:", t.path().display())),
            "{cmd}: {err}"
        );
        assert!(err.contains("at most 3660 days"), "{cmd}: {err}");
        assert!(err.contains("looks like microseconds"), "{cmd}: {err}");
        assert!(out.stdout.is_empty(), "{cmd}: a report was printed");
    }
}

/// A zero timestamp sorted to the front of dated rows sets day 0 at 1970: refused, with the
/// likely cause, instead of a 19,678-day report.
#[test]
fn a_zero_timestamp_among_dated_rows_is_refused_with_its_cause() {
    let t = trace_with("0");
    let out = bin()
        .arg("replay")
        .arg(t.path())
        .args(["--model", "gpt-4o-mini", "--prompt-cache", "none", "--sort"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("zero or missing timestamp"), "{err}");
    // Within the span, the same rows audit fine.
    bin()
        .arg("audit")
        .arg(trace_with("1700000180000").path())
        .assert()
        .success();
}

/// `fit --model` with an embedding model is refused before the trace is read, naming the flag
/// (it used to fit the whole trace, then fail naming the output file).
#[test]
fn fit_refuses_an_embedding_model_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.ron");
    bin()
        .arg("fit")
        .arg(crate::support::repo(
            "traces/azure-llm-2023-conv-sample.csv",
        ))
        .args(["--model", "text-embedding-3-small", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--model: \"text-embedding-3-small\" is an embedding model",
        ));
    assert!(!out.exists());
}

/// Day counts read as words: a one-day trace is "1 day", not "1 days".
#[test]
fn a_one_day_trace_says_one_day() {
    for format in ["markdown", "table"] {
        let out = bin()
            .arg("audit")
            .arg(crate::support::repo(
                "traces/azure-llm-2023-conv-sample.csv",
            ))
            .args(["--model", "gpt-4o-mini", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(
            text.contains(": 1 day of recorded traffic"),
            "{format}: {text}"
        );
        assert!(!text.contains("1 days"), "{format}: {text}");
    }
}

/// A trace whose own rows name an embedding model is refused by the fit (exit 2, the endpoint
/// named), not after it by the check of the written scenario.
#[test]
fn fit_refuses_an_embedding_model_named_by_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        "timestamp,input_tokens,output_tokens,model\n0,100,0,text-embedding-3-small\n",
    )
    .unwrap();
    bin()
        .arg("fit")
        .arg(&trace)
        .arg("-o")
        .arg(dir.path().join("f.ron"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "endpoint \"all\": \"text-embedding-3-small\" is an embedding model",
        ));
}
