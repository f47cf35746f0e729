//! LiteLLM's spend logs read straight from its Postgres table (`"LiteLLM_SpendLogs"`), given a
//! `postgres://` or `postgresql://` URL where a trace file would go.
//!
//! The read is one read-only transaction (`BEGIN READ ONLY`, then `SET TRANSACTION READ ONLY`
//! again, so no statement of ours could write) holding a server-side cursor,
//! `DECLARE ... NO SCROLL CURSOR FOR SELECT ... ORDER BY "startTime", "request_id"`, fetched
//! 10,000 rows at a time: memory holds one batch, however large the table. `--since` and
//! `--until` bound `"startTime"` (`>=` and `<`) in the query itself, so the server uses its
//! `startTime` index. Every column is selected as text (the time as integer milliseconds, taken
//! as UTC as LiteLLM writes it), and the row goes through the same mapping as the CSV and JSON
//! exports (`litellm`). Columns that later LiteLLM versions added (`session_id`, `status`, ...)
//! are read when the table has them; `request_id`, `startTime`, `prompt_tokens` and
//! `completion_tokens` are required.
//!
//! The password comes from the URL or `PGPASSWORD`, and is never shown: messages and reports
//! name the URL without it. Connections are unencrypted (no TLS): use a local server, a socket
//! or an SSH tunnel. A row is numbered by its place in the query's result (1-based), and named by
//! its `request_id`.
//!
//! The SHA-256 a report quotes is of the rows read, in order: for each selected column `N` for
//! NULL, or `T`, the text's length as 8 little-endian bytes and the text. Two reads of the same
//! rows give one digest; any change to a row read changes it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};

use super::error::TraceError;
use super::litellm::{self, Field, SpendLog};
use super::parse::parse_count;
use super::record::{TraceRecord, check, set};
use super::row_source::RowSource;
use super::source::Hash;

/// The table read unless `--table` names another.
pub const DEFAULT_TABLE: &str = "LiteLLM_SpendLogs";

/// Rows fetched from the cursor at a time.
const BATCH: usize = 10_000;

/// The cursor's name.
const CURSOR: &str = "tokencast_spend_logs";

/// What to read from a database trace: the table and a time range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseQuery {
    /// Rows from this time on (`"startTime" >=`, ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Rows before this time (`"startTime" <`, ms since the Unix epoch).
    pub until_ms: Option<i64>,
    /// The table, `name` or `schema.name` (default [`DEFAULT_TABLE`]).
    pub table: Option<String>,
}

impl DatabaseQuery {
    /// Whether any setting is given (they apply to a database trace only).
    pub fn is_set(&self) -> bool {
        *self != DatabaseQuery::default()
    }
}

/// Whether the trace argument `arg` is a Postgres URL.
pub fn is_postgres_url(arg: &str) -> bool {
    arg.starts_with("postgres://") || arg.starts_with("postgresql://")
}

/// The URL scheme of `arg` when it looks like a URL (`scheme://...`).
pub(super) fn url_scheme(arg: &str) -> Option<&str> {
    let (scheme, _) = arg.split_once("://")?;
    let mut chars = scheme.chars();
    (chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// `url` without its password (in the user part or a `password=` parameter), for messages and
/// reports.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, params)) => {
            let kept: Vec<&str> = params
                .split('&')
                .filter(|p| !p.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The columns selected, in order: (name, required).
const COLUMNS: [(&str, bool); 17] = [
    ("request_id", true),
    ("startTime", true),
    ("prompt_tokens", true),
    ("completion_tokens", true),
    ("model", false),
    ("call_type", false),
    ("session_id", false),
    ("spend", false),
    ("metadata", false),
    ("request_tags", false),
    ("team_id", false),
    ("model_group", false),
    ("custom_llm_provider", false),
    ("api_key", false),
    ("user", false),
    ("end_user", false),
    ("status", false),
];

/// The spend logs of a Postgres table, read through a cursor.
pub(super) struct PgRows {
    client: Client,
    /// The current batch and the next row in it.
    batch: Vec<postgres::Row>,
    next: usize,
    /// Rows read so far.
    rows: u64,
    /// The cursor has no more rows (or failed).
    done: bool,
    hash: Hash,
    /// The URL without its password.
    url: String,
}

impl PgRows {
    /// Connect to `url`, check the table and its columns, and open the cursor.
    pub(super) fn open(url: &str, query: &DatabaseQuery, hash: Hash) -> Result<PgRows, TraceError> {
        let shown = redact(url);
        let err = |message: String, unreachable| TraceError::Database {
            url: shown.clone(),
            message,
            unreachable,
        };
        let mut config: postgres::Config = url.parse().map_err(|e| {
            err(
                format!(
                    "not a valid PostgreSQL URL ({e}); expected postgres://user@host:port/database"
                ),
                false,
            )
        })?;
        if config.get_password().is_none()
            && let Ok(p) = std::env::var("PGPASSWORD")
        {
            config.password(p);
        }
        let place = place(&config);
        let mut client = config.connect(NoTls).map_err(|e| {
            err(
                format!(
                    "cannot connect to PostgreSQL {place}: {}",
                    server_message(&e)
                ),
                true,
            )
        })?;
        let table = quoted_table(query.table.as_deref().unwrap_or(DEFAULT_TABLE))
            .map_err(|m| err(m, false))?;
        let sql_err = |what: &str, e: postgres::Error| {
            err(format!("{what} {place}: {}", server_message(&e)), false)
        };
        client
            .batch_execute("BEGIN READ ONLY; SET TRANSACTION READ ONLY")
            .map_err(|e| sql_err("cannot start a read-only transaction", e))?;
        let present =
            table_columns(&mut client, &table).map_err(|e| sql_err("cannot read the table", e))?;
        let Some(present) = present else {
            return Err(err(
                format!(
                    "no table {table} {place}; LiteLLM's spend logs are in \"{DEFAULT_TABLE}\" \
                     (name another with --table, e.g. --table myschema.spend_logs)"
                ),
                false,
            ));
        };
        let select = select_list(&present).map_err(|col| {
            err(
                format!(
                    "table {table} has no column \"{col}\"; a LiteLLM spend-log table has \
                     request_id, startTime, prompt_tokens and completion_tokens"
                ),
                false,
            )
        })?;
        let mut sql = format!("DECLARE {CURSOR} NO SCROLL CURSOR FOR SELECT {select} FROM {table}");
        let mut params: Vec<SystemTime> = Vec::new();
        for (bound, op) in [(query.since_ms, ">="), (query.until_ms, "<")] {
            if let Some(ms) = bound {
                params.push(system_time(ms).map_err(|m| err(m, false))?);
                let word = if params.len() == 1 { "WHERE" } else { "AND" };
                sql.push_str(&format!(" {word} \"startTime\" {op} ${}", params.len()));
            }
        }
        sql.push_str(" ORDER BY \"startTime\", \"request_id\"");
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        client
            .execute(sql.as_str(), &refs)
            .map_err(|e| sql_err(&format!("cannot query {table}"), e))?;
        Ok(PgRows {
            client,
            batch: Vec::new(),
            next: 0,
            rows: 0,
            done: false,
            hash,
            url: shown,
        })
    }

    /// The next batch from the cursor; `Ok(false)` when it is empty.
    fn fetch(&mut self) -> Result<bool, TraceError> {
        self.batch = self
            .client
            .query(&format!("FETCH {BATCH} FROM {CURSOR}"), &[])
            .map_err(|e| TraceError::Database {
                url: self.url.clone(),
                message: format!("reading the rows failed: {}", server_message(&e)),
                unreachable: true,
            })?;
        self.next = 0;
        Ok(!self.batch.is_empty())
    }

    /// The row `n` (1-based) into `out`.
    fn fill(row: &postgres::Row, n: u64, hash: &Hash, out: &mut TraceRecord) -> Result<(), String> {
        let mut cells: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
        for (i, cell) in cells.iter_mut().enumerate() {
            *cell = row
                .try_get::<_, Option<&str>>(i)
                .map_err(|e| e.to_string())?;
            match cell {
                None => hash.update(b"N"),
                Some(s) => {
                    hash.update(b"T");
                    hash.update(&(s.len() as u64).to_le_bytes());
                    hash.update(s.as_bytes());
                }
            }
        }
        let named = |m: String| match cells[0] {
            Some(id) => format!("request_id {id:?}: {m}"),
            None => m,
        };
        let count = |i: usize| -> Result<u64, String> {
            let s = cells[i].ok_or_else(|| named(format!("{}: NULL", COLUMNS[i].0)))?;
            parse_count(s).ok_or_else(|| {
                named(format!(
                    "{}: expected a whole number of tokens >= 0, got {s}",
                    COLUMNS[i].0
                ))
            })
        };
        out.line = n;
        out.prefix_hashes.clear();
        out.block_tokens = None;
        out.segments = None;
        out.intent = None;
        out.batch = None;
        out.time_ms = cells[1]
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| named("startTime: NULL".to_string()))?;
        out.input_tokens = count(2)?;
        out.output_tokens = count(3)?;
        set(&mut out.model, cells[4].filter(|s| !s.is_empty()));
        set(&mut out.endpoint, cells[5].filter(|s| !s.is_empty()));
        set(&mut out.session_id, cells[6].filter(|s| !s.is_empty()));
        let nonempty = |i: usize| cells[i].map(str::trim).filter(|s| !s.is_empty());
        let log = SpendLog {
            request_id: cells[0],
            spend: Field::text(cells[7]),
            metadata: Field::text(cells[8]),
            request_tags: Field::text(cells[9]),
            team_id: nonempty(10),
            model_group: nonempty(11),
            provider: nonempty(12),
            api_key: nonempty(13),
            user: nonempty(14),
            end_user: nonempty(15),
            status: nonempty(16),
        };
        litellm::fill(&log, out)?;
        check(out).map_err(named)
    }
}

impl RowSource for PgRows {
    fn read_into(&mut self, path: &str, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        if self.next == self.batch.len() {
            if self.done {
                return None;
            }
            match self.fetch() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    // Read only: ending the transaction changes nothing either way.
                    let _ = self.client.batch_execute("COMMIT");
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        let row = &self.batch[self.next];
        self.next += 1;
        self.rows += 1;
        Some(
            PgRows::fill(row, self.rows, &self.hash, out)
                .map_err(|m| TraceError::row(path, self.rows, m)),
        )
    }
}

/// Where the server is, for messages: `at host:port, database db` (no password).
fn place(config: &postgres::Config) -> String {
    use postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("(default)");
    format!("at {host}:{port}, database {db}")
}

/// The server's message of `e` (its `ERROR:` text and detail), or the client's.
fn server_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut m = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                m.push_str(&format!(": {s}"));
                source = s.source();
            }
            m
        }
    }
}

/// `name` or `schema.name` as a quoted SQL identifier (`"schema"."name"`).
fn quoted_table(table: &str) -> Result<String, String> {
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "--table {table:?}: expected a table name or schema.table (e.g. {DEFAULT_TABLE} or \
             public.{DEFAULT_TABLE})"
        ));
    }
    Ok(parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join("."))
}

/// The columns of `table` (a quoted identifier), or `None` when there is no such table.
fn table_columns(client: &mut Client, table: &str) -> Result<Option<Vec<String>>, postgres::Error> {
    let oid: Option<String> = client
        .query_one("SELECT to_regclass($1)::oid::text", &[&table])?
        .get(0);
    let Some(oid) = oid else {
        return Ok(None);
    };
    let rows = client.query(
        "SELECT attname::text FROM pg_attribute \
         WHERE attrelid = $1::text::oid AND attnum > 0 AND NOT attisdropped",
        &[&oid],
    )?;
    Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
}

/// The SELECT list of every column in [`COLUMNS`] as text (NULL for an optional column the
/// table lacks), or the first required column it lacks.
fn select_list(present: &[String]) -> Result<String, &'static str> {
    let mut list = Vec::new();
    for (name, required) in COLUMNS {
        let has = present.iter().any(|c| c == name);
        let expr = match (has, name) {
            (false, _) if required => return Err(name),
            (false, _) => "NULL::text".to_string(),
            (true, "startTime") => {
                "floor(extract(epoch FROM \"startTime\") * 1000)::int8::text".to_string()
            }
            (true, _) => format!("\"{name}\"::text"),
        };
        list.push(expr);
    }
    Ok(list.join(", "))
}

/// `ms` since the Unix epoch as a time for the query.
fn system_time(ms: i64) -> Result<SystemTime, String> {
    u64::try_from(ms)
        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
        .map_err(|_| format!("--since/--until {ms} ms is before 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redact("postgres://alice:s3cret@db.local:5432/litellm"),
            "postgres://alice@db.local:5432/litellm"
        );
        assert_eq!(
            redact("postgresql://alice:p@ss@db/litellm?sslmode=disable&password=x"),
            "postgresql://alice@db/litellm?sslmode=disable"
        );
        assert_eq!(redact("postgres://db/x?password=x"), "postgres://db/x");
        assert_eq!(redact("postgres://alice@db"), "postgres://alice@db");
        assert_eq!(url_scheme("mysql://a/b"), Some("mysql"));
        assert_eq!(url_scheme("traces/a.csv"), None);
        assert_eq!(url_scheme("C:\\x"), None);
    }

    #[test]
    fn tables_are_quoted() {
        assert_eq!(
            quoted_table("LiteLLM_SpendLogs").unwrap(),
            "\"LiteLLM_SpendLogs\""
        );
        assert_eq!(quoted_table("s.t\"x").unwrap(), "\"s\".\"t\"\"x\"");
        assert!(quoted_table("a.b.c").is_err());
        assert!(quoted_table("").is_err());
    }
}
