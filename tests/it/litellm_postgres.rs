//! LiteLLM's spend logs read straight from a real PostgreSQL server: the table LiteLLM's own
//! migrations create (tests/fixtures/sources/litellm/schema.sql) holding the rows of
//! rows.sql, read through `postgres://` URLs with `--since`, `--until` and `--table`.
//!
//! These need a server: `.ci/postgres.sh` installs and starts one on 127.0.0.1 and prints its
//! URL, which the tests take from `TOKENCAST_TEST_POSTGRES_URL`; `.ci/run` does both and runs
//! them with `--include-ignored`. Each test works in a schema of its own, so they run in
//! parallel and leave the database's `public` schema alone.

use postgres::{Client, NoTls};
use predicates::prelude::*;

use super::litellm::{day_total, fixture};
use crate::support::{bin, json};

/// The server's URL (with its password).
fn server() -> String {
    std::env::var("TOKENCAST_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TOKENCAST_TEST_POSTGRES_URL is not set: start a server with .ci/postgres.sh and \
             set it to the URL it prints"
        )
    })
}

/// A fresh schema `name` holding LiteLLM's table (as `sql_after` leaves it) and the fixture's
/// rows; returns a URL whose search path is that schema, so the default table name finds it.
fn schema(name: &str, sql_after: &str) -> String {
    let url = server();
    let mut c = Client::connect(&url, NoTls).unwrap();
    let read = |f: &str| std::fs::read_to_string(fixture(f)).unwrap();
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path TO {name};\n{}\n{}\n{sql_after}",
        read("schema.sql"),
        read("rows.sql")
    ))
    .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{name}")
}

/// `url` without its password, as reports and messages show it.
fn shown(url: &str) -> String {
    tokencast::workload::trace::redact(url)
}

fn cost(v: &serde_json::Value) -> f64 {
    v["strategies"]["recorded"]["cost_usd"]["mean"]
        .as_f64()
        .unwrap()
}

/// The day's rows from the table audit exactly as the CSV export of the same rows, to the cost
/// worked out by hand; the rows outside the window are left out by the query.
#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one"]
fn the_table_for_a_day_audits_as_its_csv_export() {
    let url = schema("tc_day", "");
    let day = ["--since", "2026-11-03", "--until", "2026-11-04"];
    let db = json(&[&["audit", url.as_str()], &day[..]].concat());
    let csv = json(&["audit", fixture("spend-logs.csv").to_str().unwrap()]);
    assert_eq!(db["strategies"], csv["strategies"]);
    assert_eq!(db["audit"]["rows"], 5);
    assert_eq!(db["audit"]["format"], "litellm");
    assert_eq!(db["audit"]["top_users"], csv["audit"]["top_users"]);
    assert!((cost(&db) - day_total()).abs() < 1e-12, "{}", cost(&db));
    // The report names the database without its password, and the digest is of the rows read:
    // the same on a second read, another for another window.
    assert_eq!(db["scenario"]["path"], shown(&url));
    assert!(!db.to_string().contains(":tokencast@"));
    let again = json(&[&["audit", url.as_str()], &day[..]].concat());
    assert_eq!(again["scenario"]["sha256"], db["scenario"]["sha256"]);
    let morning = json(&[
        "audit",
        url.as_str(),
        "--since",
        "2026-11-03",
        "--until",
        "2026-11-03T10:30:00.500Z",
    ]);
    assert_eq!(morning["audit"]["rows"], 1, "until is exclusive");
    assert_ne!(morning["scenario"]["sha256"], db["scenario"]["sha256"]);
}

/// Without a window every row is read: the day plus one row before and one at its end, each
/// 100 prompt and 10 output tokens of gpt-4o-mini.
#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one"]
fn the_whole_table_is_read_without_a_window_and_by_schema_and_name() {
    let _ = schema("tc_whole", "");
    let edges = 2.0 * (100.0 * 0.15 + 10.0 * 0.6) / 1e6;
    // --table schema.name, on the server's own URL (search path `public`).
    let v = json(&["audit", &server(), "--table", "tc_whole.LiteLLM_SpendLogs"]);
    assert_eq!(v["audit"]["rows"], 7);
    assert!((cost(&v) - (day_total() + edges)).abs() < 1e-12);
    // The window's lower end alone.
    let v = json(&[
        "audit",
        &server(),
        "--table",
        "tc_whole.LiteLLM_SpendLogs",
        "--since",
        "2026-11-03T00:00:00Z",
    ]);
    assert_eq!(v["audit"]["rows"], 6);
}

/// `replay` and `fit` read the table too, with the same flags.
#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one"]
fn replay_and_fit_read_the_table() {
    let url = schema("tc_replay", "");
    let v = json(&[
        "replay",
        &url,
        "--model",
        "gpt-4o-mini",
        "--since",
        "2026-11-03",
        "--until",
        "2026-11-04",
    ]);
    assert_eq!(v["scenario"]["path"], shown(&url));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.ron");
    bin()
        .args([
            "fit",
            &url,
            "--since",
            "2026-11-03",
            "--until",
            "2026-11-04",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("acompletion")
    );
}

/// An older table without the later columns (`session_id`, `status`, ...) is read; one without
/// a column the audit needs, or no table, is an error naming it and the database.
#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one"]
fn missing_tables_and_columns_are_named() {
    let url = schema(
        "tc_old",
        "ALTER TABLE \"LiteLLM_SpendLogs\" DROP COLUMN \"status\", DROP COLUMN \"session_id\";",
    );
    let v = json(&["audit", &url]);
    assert_eq!(v["audit"]["rows"], 7);
    let url = schema(
        "tc_cols",
        "ALTER TABLE \"LiteLLM_SpendLogs\" DROP COLUMN \"prompt_tokens\";",
    );
    bin()
        .args(["audit", &url])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}: table \"LiteLLM_SpendLogs\" has no column \"prompt_tokens\"",
            shown(&url)
        )));
    bin()
        .args(["audit", &url, "--table", "tc_cols.spend"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no table \"tc_cols\".\"spend\" at 127.0.0.1:",
        ))
        .stderr(predicate::str::contains("--table"));
    // A wrong password: a runtime failure with the server's message, the password unshown.
    let bad = server().replacen(":tokencast@", ":wrong-password@", 1);
    let out = bin().args(["audit", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.contains("password authentication failed"), "{e}");
    assert!(!e.contains("wrong-password"), "{e}");
    // --trace-format other than litellm.
    bin()
        .args(["audit", &url, "--trace-format", "native-csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--trace-format native-csv: a database holds LiteLLM spend logs",
        ));
}

/// A bad value inside `metadata` (JSONB is always JSON, but not always LiteLLM's usage) names the
/// row's place in the result, its request_id and the key; --skip-bad-rows skips it.
#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one"]
fn a_bad_usage_object_names_the_request() {
    let url = schema(
        "tc_bad",
        "UPDATE \"LiteLLM_SpendLogs\" SET metadata = \
         '{\"usage_object\": {\"prompt_tokens_details\": {\"cached_tokens\": \"lots\"}}}' \
         WHERE request_id = 'r2';",
    );
    bin()
        .args(["audit", &url])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:3: request_id \"r2\": metadata.usage_object.prompt_tokens_details.cached_tokens: \
             expected a whole number of tokens >= 0, got \"lots\"",
            shown(&url)
        )));
    let v = json(&["audit", &url, "--skip-bad-rows"]);
    assert_eq!(v["audit"]["rows"], 6);
}
