//! Output files: a regular file is replaced in one step keeping its mode, through a symlink the
//! link stays, special files (a FIFO here) and `-` are written in place, and a command that fails
//! or is interrupted leaves an existing file exactly as it was with no temporary file behind.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{bin, interrupt, repo};

/// `audit` of the small native example: a quick command with an `-o`.
fn audit_to(out: &Path) -> assert_cmd::assert::Assert {
    bin()
        .arg("audit")
        .arg(repo("traces/example-native.csv"))
        .args(["--format", "json", "-o"])
        .arg(out)
        .assert()
}

/// Files in `dir` other than `keep`: temporary files left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn a_regular_file_is_replaced_keeping_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    fs::write(&out, "old").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    audit_to(&out).success();
    let text = fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with('{') && text.contains("\"schema_version\""),
        "{text}"
    );
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    assert_eq!(
        leftovers(dir.path(), &["report.json"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_symlink_stays_a_symlink_and_its_target_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    fs::write(&target, "old").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    audit_to(&link).success();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&target)
            .unwrap()
            .contains("\"schema_version\"")
    );
    let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "mode {mode:o}");
    // A link to a file that does not exist yet: the file is created, the link kept.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("new.json", &dangling).unwrap();
    audit_to(&dangling).success();
    assert!(
        fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(dir.path().join("new.json"))
            .unwrap()
            .contains("schema_version")
    );
    assert_eq!(
        leftovers(
            dir.path(),
            &["real.json", "link.json", "dangling.json", "new.json"]
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_fifo_is_written_in_place_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    audit_to(&fifo).success();
    let got = reader.join().unwrap();
    assert!(got.contains("\"schema_version\""), "{got}");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(leftovers(dir.path(), &["pipe"]), Vec::<String>::new());
}

#[test]
fn dash_is_standard_output() {
    let out = bin()
        .arg("audit")
        .arg(repo("traces/example-native.csv"))
        .args(["--format", "json", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"schema_version\""));
}

#[test]
fn a_failed_command_leaves_the_existing_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.txt");
    fs::write(&out, "keep me").unwrap();
    let bad = dir.path().join("bad.csv");
    fs::write(&bad, "timestamp,input_tokens,output_tokens\n0,ten,5\n").unwrap();
    bin()
        .arg("audit")
        .arg(&bad)
        .args(["--model", "gpt-4o-mini", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(fs::read_to_string(&out).unwrap(), "keep me");
    assert_eq!(
        leftovers(dir.path(), &["report.txt", "bad.csv"]),
        Vec::<String>::new()
    );
    // A directory is not an output file.
    bin()
        .arg("audit")
        .arg(repo("traces/example-native.csv"))
        .arg("-o")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a directory"));
}

#[test]
fn synth_replaces_a_file_only_when_the_trace_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trace.csv");
    fs::write(&out, "old trace").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    // An invalid scenario fails before anything is written.
    let bad = dir.path().join("bad.ron");
    fs::write(&bad, "Scenario(").unwrap();
    bin()
        .arg("synth")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(fs::read_to_string(&out).unwrap(), "old trace");
    // A whole trace replaces the file, keeping its mode.
    bin()
        .arg("synth")
        .arg(repo("tests/fixtures/good/two-endpoints.ron"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("timestamp,input_tokens"),
        "{}",
        &text[..40]
    );
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    assert_eq!(
        leftovers(dir.path(), &["trace.csv", "bad.ron"]),
        Vec::<String>::new()
    );
}

/// Wait (a minute at most, while `child` runs) until a temporary file in `dir` holds at least
/// `min_len` bytes; `what` names the command in failures.
fn wait_for_temporary(dir: &Path, child: &mut std::process::Child, min_len: u64, what: &str) {
    let started = Instant::now();
    while !fs::read_dir(dir).unwrap().any(|e| {
        let e = e.unwrap();
        e.file_name().to_string_lossy().ends_with(".tmp") && e.metadata().unwrap().len() >= min_len
    }) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} never started writing its output"
        );
        assert!(child.try_wait().unwrap().is_none(), "{what} ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Ctrl-C while `synth` streams a long trace: exit 130, the old file untouched, no temporary
/// file left.
#[test]
fn interrupted_synth_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("long.ron");
    // support-assistant over ten years: millions of rows, far longer than the wait below.
    let text = fs::read_to_string(repo("scenarios/support-assistant.ron"))
        .unwrap()
        .replace("horizon_days: 30", "horizon_days: 3650");
    fs::write(&scenario, text).unwrap();
    let out = dir.path().join("trace.csv");
    fs::write(&out, "old trace").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokencast"))
        .arg("synth")
        .arg(&scenario)
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temporary file is being written.
    wait_for_temporary(dir.path(), &mut child, 1, "synth");
    let done = interrupt(child);
    let (status, err) = (done.status, String::from_utf8_lossy(&done.stderr));
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "old trace");
    assert_eq!(
        leftovers(dir.path(), &["trace.csv", "long.ron"]),
        Vec::<String>::new()
    );
}

/// An output that is one of the command's own inputs (by its name or through a symlink) is
/// refused before anything is written: `run s.ron -o s.ron` used to replace the scenario with
/// its report.
#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let copy = |from: &str, to: &str| {
        fs::copy(repo(from), d.join(to)).unwrap();
        d.join(to).to_string_lossy().into_owned()
    };
    let sc = copy("scenarios/faq-bot.ron", "s.ron");
    let other = copy("scenarios/faq-bot.ron", "other.ron");
    let trace = copy("traces/example-native.csv", "t.csv");
    let link = d.join("link.ron");
    std::os::unix::fs::symlink(&sc, &link).unwrap();
    let link = link.to_string_lossy().into_owned();
    let report = d.join("r.json").to_string_lossy().into_owned();
    let made = bin()
        .args(["run", &sc, "--runs", "1", "--format", "json", "-o", &report])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let charts = d.join("charts").to_string_lossy().into_owned();
    let cases: [Vec<&str>; 8] = [
        vec!["run", &sc, "--runs", "1", "-o", &sc],
        vec!["run", &sc, "--runs", "1", "--html", &link],
        vec!["audit", &trace, "-o", &trace],
        vec!["replay", &trace, "--model", "gpt-4o-mini", "-o", &trace],
        vec!["fit", &trace, "--model", "gpt-4o-mini", "-o", &trace],
        vec!["synth", &sc, "-o", &link],
        vec!["plot", &report, &charts, "--html", &report],
        vec!["diff", &other, &sc, "--runs", "1", "-o", &sc],
    ];
    let before: Vec<Vec<u8>> = [&sc, &other, &trace, &report]
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    for args in cases {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("this output is also an input of the command"),
            "{args:?}: {err}"
        );
        let now: Vec<Vec<u8>> = [&sc, &other, &trace, &report]
            .iter()
            .map(|p| fs::read(p).unwrap())
            .collect();
        assert!(now == before, "{args:?} changed an input");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{args:?}"
        );
    }
}

/// Ctrl-C during a command that does not stop cooperatively (here `audit`, `replay` and `fit`
/// reading a FIFO whose writer never finishes): exit 130 with a message, the old output
/// untouched and no temporary file left beside it.
#[test]
fn interrupted_trace_commands_leave_the_old_file_and_no_temporary() {
    for command in [
        vec!["audit", "--model", "gpt-4o-mini"],
        vec!["replay", "--model", "gpt-4o-mini"],
        vec!["fit", "--model", "gpt-4o-mini"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("live.csv");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let out = dir.path().join("report.txt");
        fs::write(&out, "old report").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tokencast"))
            .args(&command)
            .arg(&fifo)
            .arg("-o")
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The writer sends a header and one row, then keeps the FIFO open: the command waits.
        let mut writer = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        use std::io::Write;
        writer
            .write_all(b"timestamp,input_tokens,output_tokens\n1000,10,5\n")
            .unwrap();
        // Once the output's temporary file exists the command is past its setup.
        wait_for_temporary(dir.path(), &mut child, 0, &format!("{command:?}"));
        let done = interrupt(child);
        drop(writer);
        let (status, err) = (done.status, String::from_utf8_lossy(&done.stderr));
        assert_eq!(status.code(), Some(130), "{command:?}: {err}");
        assert!(
            err.contains("interrupted: no output was written"),
            "{command:?}: {err}"
        );
        assert_eq!(
            fs::read_to_string(&out).unwrap(),
            "old report",
            "{command:?}"
        );
        assert_eq!(
            leftovers(dir.path(), &["report.txt", "live.csv"]),
            Vec::<String>::new(),
            "{command:?}"
        );
    }
}

/// A file this user may not write (read-only, or another user's in a shared folder) is
/// refused as `>` would refuse it, not replaced by a rename the folder happens to allow. As
/// root (who may write anything) the command runs as `nobody` on a root-owned file.
#[test]
fn a_file_the_user_may_not_write_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let out = dir.path().join("report.txt");
    fs::write(&out, "old report").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o444)).unwrap();
    let trace = repo("traces/example-native.csv");
    let root = is_root();
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_tokencast"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_tokencast"))
    };
    let o = cmd
        .arg("audit")
        .arg(&trace)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot create output file: Permission denied"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "old report");
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

/// Whether this process runs as root (from `id -u`, without unsafe code).
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
