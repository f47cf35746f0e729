//! Endless, special and piped inputs: every file a command reads whole has a size limit, a trace
//! line has a length limit, and a trace is read once, so a pipe, a FIFO or standard input gives
//! the same report as the file.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{bin, repo};

/// A symlink named `name` in `dir` to `/dev/zero`: an endless input with an ordinary name.
fn zero(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
    p
}

/// Run tokencast with `args`, expect exit code 2 and a message containing `want`.
fn refused(args: &[&std::ffi::OsStr], want: &str) {
    let out = bin()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: expected {want:?} in:\n{err}");
}

#[test]
fn endless_inputs_are_refused_at_their_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = zero(dir.path(), "endless.ron");
    let map = zero(dir.path(), "endless.json");
    let sc = scenario.as_os_str();
    refused(
        &["validate".as_ref(), sc],
        "more than 8 MiB, the most a scenario file may hold",
    );
    refused(
        &["run".as_ref(), sc],
        "more than 8 MiB, the most a scenario file may hold",
    );
    refused(
        &["prices".as_ref(), "--prices".as_ref(), map.as_os_str()],
        "more than 64 MiB, the most a price map file may hold",
    );
    refused(
        &[
            "plot".as_ref(),
            map.as_os_str(),
            dir.path().join("charts").as_os_str(),
        ],
        "more than 256 MiB, the most a report file may hold",
    );
    // Zero bytes do not start a JSON report: a scenario, held to a scenario's limit.
    refused(
        &["diff".as_ref(), sc, sc],
        "more than 8 MiB, the most a scenario file may hold",
    );
    // A trace is streamed, not read whole: its lines are bounded instead.
    for format in ["native-csv", "native-jsonl", "azure", "mooncake"] {
        refused(
            &[
                "audit".as_ref(),
                "--trace-format".as_ref(),
                format.as_ref(),
                sc,
            ],
            "endless.ron:1: a line longer than 1048576 bytes without a line break",
        );
    }
    refused(
        &["audit".as_ref(), sc],
        "the first line holds control characters: binary data, not a text trace",
    );
    refused(
        &[
            "replay".as_ref(),
            "--model".as_ref(),
            "gpt-4o-mini".as_ref(),
            "--trace-format".as_ref(),
            "azure".as_ref(),
            sc,
        ],
        "a line longer than 1048576 bytes",
    );
}

/// The output of `tokencast ARGS`, with the trace's name `trace` replaced by `TRACE`.
fn report(args: &[&str], trace: &str, stdin: Option<&Path>) -> String {
    let mut cmd = bin();
    cmd.args(args);
    if let Some(p) = stdin {
        cmd.pipe_stdin(p).unwrap();
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(trace, "TRACE")
}

/// A FIFO in `dir` that a thread fills with the bytes of `from`, once.
fn fifo(dir: &Path, from: &Path) -> (PathBuf, std::thread::JoinHandle<()>) {
    let p = dir.join(from.file_name().unwrap());
    let ok = Command::new("mkfifo").arg(&p).status().unwrap();
    assert!(ok.success(), "mkfifo failed");
    let (target, bytes) = (p.clone(), std::fs::read(from).unwrap());
    let writer = std::thread::spawn(move || {
        // Opening blocks until tokencast opens the FIFO for reading.
        std::fs::write(target, bytes).unwrap();
    });
    (p, writer)
}

/// Fail naming the first line where `got` differs from `want`.
fn same(got: &str, want: &str, command: &[&str], how: &str) {
    if let Some((i, (g, w))) = got
        .lines()
        .zip(want.lines())
        .enumerate()
        .find(|(_, (g, w))| g != w)
    {
        panic!(
            "{command:?} from {how}: line {}: got {g:?}, want {w:?}",
            i + 1
        );
    }
    assert_eq!(got.len(), want.len(), "{command:?} from {how}");
}

#[test]
fn a_piped_trace_gives_the_report_of_the_file() {
    let file = repo("traces/example-native.csv");
    let path = file.to_str().unwrap();
    for command in [
        vec!["audit", "--format", "json"],
        vec!["replay", "--model", "gpt-4o-mini", "--format", "json"],
        vec![
            "replay",
            "--model",
            "gpt-4o-mini",
            "--sort",
            "--format",
            "json",
        ],
        vec![
            "replay",
            "--scenario",
            "scenarios/multi-feature.ron",
            "--format",
            "json",
        ],
        vec!["fit", "--model", "gpt-4o-mini", "-o", "-"],
    ] {
        let mut args = command.clone();
        args.push(path);
        let want = report(&args, path, None);
        if command[0] != "fit" {
            assert!(
                want.contains("\"sha256\": \""),
                "the report quotes the trace's digest"
            );
        }

        // Standard input.
        let mut args = command.clone();
        args.push("-");
        // (fit's header quotes the command as typed: `fit -`.)
        let piped = report(&args, "standard input", Some(&file))
            .replace("`tokencast fit -`", "`tokencast fit TRACE`")
            .replace("name: \"fitted\"", "name: \"example-native\"");
        same(&piped, &want, &command, "standard input");

        // A FIFO, which can be read only once (as `<(...)` is).
        let dir = tempfile::tempdir().unwrap();
        let (p, writer) = fifo(dir.path(), &file);
        let fifo_path = p.to_str().unwrap().to_string();
        let mut args = command.clone();
        args.push(&fifo_path);
        same(&report(&args, &fifo_path, None), &want, &command, "a FIFO");
        writer.join().unwrap();
    }
}

#[test]
fn a_jsonl_line_that_is_not_utf8_is_a_row_error_that_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    std::fs::write(
        &trace,
        b"{\"timestamp\": 0, \"input_tokens\": 5, \"output_tokens\": 1}\n\
          {\"timestamp\": 1, \"input_tokens\": \"\xff\", \"output_tokens\": 1}\n\
          {\"timestamp\": 2, \"input_tokens\": 5, \"output_tokens\": 1}\n",
    )
    .unwrap();
    let args = ["audit", "--model", "gpt-4o-mini"];
    refused(
        &[
            args[0].as_ref(),
            args[1].as_ref(),
            args[2].as_ref(),
            trace.as_os_str(),
        ],
        "t.jsonl:2: the line is not UTF-8 text",
    );
    let out = bin()
        .args(args)
        .arg("--skip-bad-rows")
        .arg(&trace)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 bad row"), "{text}");
}
