#!/usr/bin/env bash
# Starts a PostgreSQL server for the tests that read LiteLLM's spend-log table straight from the
# database (tests/it/litellm_postgres.rs): installs Debian's postgresql if it is missing, makes
# a cluster in a scratch folder, starts it on 127.0.0.1 only (port $TOKENCAST_PG_PORT, 54329 by
# default), and creates the role and database `tokencast` (password `tokencast`, checked with
# SCRAM over TCP, so the URL's password is really used). Prints the URL the tests take in
# TOKENCAST_TEST_POSTGRES_URL, and writes it to $TOKENCAST_PG_DIR/url.
# Idempotent: a server already answering on the port is reused. Stop it with
#   runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl" -D "$TOKENCAST_PG_DIR/data" stop
set -euo pipefail
PORT="${TOKENCAST_PG_PORT:-54329}"
DIR="${TOKENCAST_PG_DIR:-/tmp/tokencast-postgres}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "== installing postgresql" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
# The server refuses to run as root: run it as the package's `postgres` user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else $SUDO -u postgres "$@"; fi
}
URL="postgres://tokencast:tokencast@127.0.0.1:${PORT}/tokencast"
if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  $SUDO mkdir -p "$DIR"
  $SUDO chown postgres:postgres "$DIR"
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --no-sync >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
fi
psql_pg() { as_pg "$BIN/psql" -v ON_ERROR_STOP=1 -q -h "$DIR" -p "$PORT" -U postgres "$@"; }
if [ "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'tokencast'")" != "1" ]; then
  psql_pg -d postgres -c "CREATE ROLE tokencast LOGIN PASSWORD 'tokencast'"
fi
if [ "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'tokencast'")" != "1" ]; then
  psql_pg -d postgres -c "CREATE DATABASE tokencast OWNER tokencast"
fi
$SUDO mkdir -p "$DIR"
echo "$URL" | $SUDO tee "$DIR/url" >/dev/null
echo "$URL"
