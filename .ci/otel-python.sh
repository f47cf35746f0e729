#!/usr/bin/env bash
# Makes a Python virtual environment with the OpenTelemetry Python SDK and its OTLP/HTTP and
# OTLP/gRPC exporters (tests/otel/requirements.txt, pinned) for the real-client test of
# `tokencast collect`, and prints its python, which the test takes in
# TOKENCAST_TEST_OTEL_PYTHON. The venv goes in $TOKENCAST_OTEL_VENV (target/otel-venv by
# default); an existing one with the same requirements is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TOKENCAST_OTEL_VENV:-$PWD/target/otel-venv}"
REQ="tests/otel/requirements.txt"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$VENV/requirements.txt"; then
  echo "== making $VENV with $REQ" >&2
  rm -rf "$VENV"
  # Debian's python3 has the venv module without ensurepip until python3-venv is installed.
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "== installing python3 and python3-venv" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
  cp "$REQ" "$VENV/requirements.txt"
fi
echo "$VENV/bin/python"
