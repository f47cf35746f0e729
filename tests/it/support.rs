//! Helpers shared by the integration tests.

use std::path::PathBuf;

use tokencast::pricing::Catalog;
use tokencast::scenario::{self, Scenario};

/// Path of a file in the repository.
pub fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
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
