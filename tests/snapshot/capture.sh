#!/usr/bin/env bash
# Capture every report the tool writes for the bundled examples into one folder, so a change that
# must keep results can be checked byte for byte:
#
#   tests/snapshot/capture.sh /tmp/before          # on the commit before the change
#   tests/snapshot/capture.sh /tmp/after           # after it
#   diff -r /tmp/before /tmp/after && echo identical
#
# Covers `run` of every example scenario (JSON, CSV, markdown, table; charts and the HTML page of
# one), `audit`, `replay` and `fit` of every shipped trace, `synth`, `diff` (scenarios and saved
# reports, every format), `validate` warnings and `prices`. Run counts are small to keep it quick;
# they exercise the same code as the defaults. TOKENCAST_BIN names a prebuilt binary (default:
# build the release binary).
set -euo pipefail
out=${1:?usage: tests/snapshot/capture.sh OUT_DIR}
cd "$(dirname "$0")/../.."
if [ -z "${TOKENCAST_BIN:-}" ]; then
  cargo build --release -q
  TOKENCAST_BIN=target/release/tokencast
fi
tc() { "$TOKENCAST_BIN" "$@"; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# run: every example, every format
for s in scenarios/*.ron; do
  n=$(basename "$s" .ron)
  for f in json csv markdown table; do
    tc run "$s" --runs 6 -q --format "$f" -o "$out/run-$n.$f"
  done
done
tc run scenarios/rollout-12-months.ron --runs 12 -q --budget 4000 --scale 300,3k,30k \
  --format json -o "$out/run-rollout-budget-scale.json"
tc run scenarios/rollout-12-months.ron --runs 12 -q --budget 4000 --scale 300,3k,30k \
  --format table -o "$out/run-rollout-budget-scale.table"
tc run scenarios/rollout-12-months.ron --runs 12 -q --budget 4000 --scale 300,3k,30k \
  --format markdown -o "$out/run-rollout-budget-scale.markdown"
tc run scenarios/rollout-12-months.ron --runs 12 -q --budget 4000 --scale 300,3k,30k \
  --format csv -o "$out/run-rollout-budget-scale.csv"
tc run scenarios/support-assistant.ron --runs 4 -q --plot "$out/charts-svg" \
  --html "$out/support.html" --format json -o "$out/run-support-plot.json"
tc plot "$out/run-rollout-budget-scale.json" "$out/charts-rollout-png" --plot-format png
tc run tests/fixtures/good/with-catalog.ron --runs 3 -q \
  --format json -o "$out/run-with-catalog.json"

# traces: audit, replay, fit
audit_trace() { # name trace [flags...]
  local n=$1 t=$2; shift 2
  for f in json csv markdown table; do
    tc audit "$t" "$@" --format "$f" -o "$out/audit-$n.$f"
  done
}
audit_trace native traces/example-native.csv
audit_trace azure-conv traces/azure-llm-2023-conv-sample.csv --model gpt-4o-mini
audit_trace azure-code traces/azure-llm-2023-code-sample.csv --model gpt-5-mini
audit_trace mooncake-conv traces/mooncake-fast25-conversation-sample.jsonl --model claude-sonnet-4-6
audit_trace mooncake-syn traces/mooncake-fast25-synthetic-sample.jsonl --model claude-sonnet-4-6
for ttl in none 5m 1h; do
  tc replay traces/mooncake-fast25-conversation-sample.jsonl --model claude-sonnet-4-6 \
    --prompt-cache "$ttl" --format json -o "$out/replay-mooncake-$ttl.json"
done
tc replay traces/mooncake-fast25-synthetic-sample.jsonl --model gpt-5-mini --prompt-cache 5m \
  --format table -o "$out/replay-mooncake-syn.table"
tc replay traces/azure-llm-2023-conv-sample.csv --model gpt-4o-mini --prompt-cache 5m \
  --format markdown -o "$out/replay-azure.markdown"
tc synth scenarios/support-assistant.ron --seed 7 -o "$out/synth-support.csv"
tc synth scenarios/multi-feature.ron -o "$out/synth-multi.csv"
for s in support-assistant multi-feature; do
  tc replay "$out/synth-support.csv" --scenario "scenarios/$s.ron" --format json \
    -o "$out/replay-synth-$s.json" 2>/dev/null || true
done
tc replay "$out/synth-multi.csv" --scenario scenarios/multi-feature.ron --format csv \
  -o "$out/replay-synth-multi.csv"
tc audit "$out/synth-multi.csv" --format json -o "$out/audit-synth-multi.json"
tc fit traces/azure-llm-2023-conv-sample.csv --model gpt-4o-mini -o "$out/fit-azure-conv.ron"
tc fit traces/mooncake-fast25-conversation-sample.jsonl --model claude-sonnet-4-6 \
  -o "$out/fit-mooncake.ron"
tc fit "$out/synth-support.csv" -o "$out/fit-synth-support.ron"

# diff: scenarios, saved reports, every format
for f in table json csv markdown; do
  tc diff tests/fixtures/diff/base.ron tests/fixtures/diff/head.ron --runs 6 --format "$f" \
    -o "$out/diff.$f"
done
tc run tests/fixtures/diff/base.ron --runs 6 -q --format json -o "$out/diff-base.json"
tc run tests/fixtures/diff/head.ron --runs 6 -q --format json -o "$out/diff-head.json"
tc diff "$out/diff-base.json" "$out/diff-head.json" --format markdown -o "$out/diff-reports.markdown"

# validate warnings, prices
tc validate scenarios/*.ron > "$out/validate.out" 2>&1
tc prices > "$out/prices.out"
for m in gpt-5.6-sol claude-sonnet-4-6 gemini-2.5-pro gpt-4o-mini; do
  tc prices "$m" > "$out/prices-$m.out" 2>&1 || true
done
# Reports name the files they read: the output folder's own path is written as OUT so that two
# captures into different folders compare equal.
grep -rlF --exclude='*.png' "$out" "$out" | while read -r f; do sed -i "s#$out#OUT#g" "$f"; done
echo "captured $(ls "$out" | wc -l) files into $out"
