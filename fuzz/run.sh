#!/usr/bin/env bash
# Build every fuzz target and run each for SECONDS_PER_TARGET seconds (default 20) on its seed
# corpus; exits 1 if any target crashed (panic, overflow, abort), ran out of memory or took longer
# than 10 s on one input. Crashing inputs land in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Stable toolchain: cargo fuzz's default AddressSanitizer needs nightly (-Zsanitizer), so the
# targets are built with `--sanitizer none` (the crate has no unsafe code: libFuzzer's coverage
# instrumentation and Rust's panics are what find bugs here) and `--debug-assertions`, so that an
# integer overflow panics instead of wrapping. Neither needs nightly nor RUSTC_BOOTSTRAP.
#
# The corpus of each target is fuzz/corpus/<target> (not committed; it grows between local
# runs). Before a run it is seeded from the repository's own inputs (scenarios, fixtures, the
# first 50 lines of each bundled trace, the price maps) and from the committed fuzz/seeds/<target>.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
shift || true
flags=(--sanitizer none --debug-assertions)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz is missing: cargo install --locked cargo-fuzz@0.13.2" >&2
  exit 1
fi

# Copy the files given as "$@" into the corpus of target $1.
seed() {
  local target="$1" dir="corpus/$1"
  shift
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "$dir/seed-$(basename "$f")"
  done
  return 0
}

# Copy the first 50 lines of each trace given as "$@" into the corpus of target $1.
seed_head() {
  local target="$1" dir="corpus/$1"
  shift
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$f" ] && head -n 50 "$f" >"$dir/seed-head-$(basename "$f")"
  done
  return 0
}

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

echo "== cargo fuzz build ${flags[*]}"
cargo fuzz build "${flags[@]}"

for t in "${targets[@]}"; do
  if [ -d "seeds/$t" ]; then seed "$t" "seeds/$t"/*; else mkdir -p "corpus/$t"; fi
done
seed scenario ../scenarios/*.ron ../tests/fixtures/*/*.ron
seed ron_prices ../src/foundations/pricing/builtin.ron ../tests/fixtures/good/catalog.ron
seed litellm_prices ../src/foundations/pricing/testdata/*.json
seed_head trace_native_csv ../traces/*native*.csv
seed_head trace_azure ../traces/azure-*.csv
seed_head trace_mooncake ../traces/mooncake-*.jsonl
seed_head trace_detect ../traces/*.csv ../traces/*.jsonl
seed trace_detect seeds/trace_*/*

failed=()
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s"
  # -timeout: one input taking over 10 s is a failure (libFuzzer's default is 20 minutes).
  # fuzz/dicts/<target>.dict (or trace.dict for trace_*): the format's keywords and edge values.
  dict=()
  if [ -f "dicts/$t.dict" ]; then
    dict=(-dict="dicts/$t.dict")
  elif [ -f "dicts/${t%%_*}.dict" ]; then
    dict=(-dict="dicts/${t%%_*}.dict")
  fi
  if ! cargo fuzz run "${flags[@]}" "$t" "corpus/$t" -- "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "error: fuzz targets failed: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
  exit 1
fi
echo "== fuzzing: no failures in ${#targets[@]} targets"
