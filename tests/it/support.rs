//! Helpers shared by the integration tests.

use std::path::PathBuf;

use tokencast::pricing::Catalog;
use tokencast::scenario::{self, Scenario};

/// Path of a file in the repository.
pub fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Path of a file in the project's shared folder beside the repository (`../shared/REL`), for
/// the `#[ignore = "needs ../shared"]` tests; fails saying what is missing when it is absent.
pub fn shared(rel: &str) -> PathBuf {
    let p = repo("../shared").join(rel);
    assert!(
        p.exists(),
        "{} is missing: this test needs the project's shared folder beside the repository \
         (../shared, as in CI)",
        p.display()
    );
    p
}

/// Parse and validate scenario text against the built-in catalog.
pub fn scenario(text: &str) -> Scenario {
    let file = scenario::parse(text, "test.ron").unwrap_or_else(|e| panic!("{e}"));
    Scenario::from_file(file, Catalog::builtin(), "test.ron").unwrap_or_else(|e| panic!("{e}"))
}

/// The `tokencast` binary.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("tokencast").expect("binary builds")
}

/// Run `tokencast ARGS --format json`, expect success, and parse the report.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = bin()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run git in `dir` with a fixed identity, no signing and no hooks, none of the calling
/// process's `GIT_*` variables (a git hook's `GIT_DIR` would point elsewhere), and no search
/// for a repository above `dir`'s parent; fails the test when git does.
pub fn git(dir: &std::path::Path, args: &[&str]) {
    let mut c = std::process::Command::new("git");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("GIT_") {
            c.env_remove(k);
        }
    }
    if let Some(parent) = dir.parent() {
        c.env("GIT_CEILING_DIRECTORIES", parent);
    }
    let out = c
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .args([
            "-c",
            "user.name=tokencast tests",
            "-c",
            "user.email=tests@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Send Ctrl-C (SIGINT) to `child` and wait for it: its exit status and output.
pub fn interrupt(child: std::process::Child) -> std::process::Output {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -INT failed");
    child.wait_with_output().expect("the child is waited for")
}
