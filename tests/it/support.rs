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
