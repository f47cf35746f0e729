#!/usr/bin/env python3
"""Time tokencast against the same baseline model written in SimPy (simpy_baseline.py).

Workload: scenarios/support-assistant.ron, one run, baseline strategy.

Steps:
  1. Make sure SimPy is importable. If it is not, create a virtual environment at
     .venv next to this script (benches/peers/.venv), `pip install simpy` into it (nothing
     else is installed) and re-run this script with that interpreter.
  2. `cargo build --release` in the repository root (two levels up from this script, or
     --repo), honouring CARGO_TARGET_DIR, then time
         tokencast run scenarios/support-assistant.ron --runs 1 --threads 1 --format json
     (best wall time of 3, process start-up and scenario loading included).
  3. Run simpy_baseline.py once with the same horizon (it times its simulation itself,
     excluding interpreter start-up and imports, which favours SimPy slightly).
  4. Print a table (tool, requests, cost, seconds, requests/s), the speed ratio, and check
     that the two mean costs agree within 5%. The two tools use different random number
     generators, so only statistical agreement is expected.

Usage:  python3 benches/peers/compare.py [--days N] [--seed S] [--repo PATH]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
SCENARIO = Path("scenarios") / "support-assistant.ron"
TOLERANCE = 0.05


def ensure_simpy():
    """Re-execute under benches/peers/.venv (created on first use) if SimPy is missing."""
    try:
        import simpy  # noqa: F401

        return
    except ImportError:
        pass
    if os.environ.get("TOKENCAST_PEERS_REEXEC"):
        sys.exit(f"error: simpy still not importable with {sys.executable}; remove {VENV} and retry")
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"SimPy not found: creating {VENV} and installing simpy into it", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "simpy"], check=True)
    os.environ["TOKENCAST_PEERS_REEXEC"] = "1"
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def build_tokencast(repo):
    """`cargo build --release`; return the path of the binary or exit with a clear message."""
    print(f"building tokencast in {repo} ...", file=sys.stderr)
    try:
        done = subprocess.run(["cargo", "build", "--release"], cwd=repo)
    except FileNotFoundError:
        sys.exit("error: `cargo` not found on PATH; install Rust to build tokencast")
    if done.returncode != 0:
        sys.exit(f"error: `cargo build --release` failed in {repo} (exit {done.returncode}); "
                 "fix the build and re-run")
    target = Path(os.environ.get("CARGO_TARGET_DIR") or repo / "target")
    if not target.is_absolute():
        target = repo / target
    binary = target / "release" / ("tokencast.exe" if os.name == "nt" else "tokencast")
    if not binary.exists():
        sys.exit(f"error: build succeeded but {binary} does not exist")
    return binary


def scenario_with_horizon(source, days, tmpdir):
    """Copy of the scenario with `horizon_days: N` set to `days` (tokencast has no --days)."""
    text = source.read_text(encoding="utf-8")
    text, count = re.subn(r"horizon_days\s*:\s*\d+", f"horizon_days: {days}", text, count=1)
    if count != 1:
        sys.exit(f"error: no `horizon_days: N` field found in {source}")
    copy = Path(tmpdir) / source.name
    copy.write_text(text, encoding="utf-8")
    return copy


def mean_of(value):
    """Report fields are either a number or a summary object with a `mean`."""
    return value["mean"] if isinstance(value, dict) else value


def run_tokencast(binary, scenario, seed, repeats=3):
    """Best-of-`repeats` wall time and the baseline's mean requests and cost."""
    cmd = [str(binary), "run", str(scenario), "--runs", "1", "--threads", "1",
           "--format", "json", "--seed", str(seed)]
    best = float("inf")
    stdout = ""
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"error: {' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr}")
        best = min(best, elapsed)
        stdout = done.stdout
    try:
        baseline = json.loads(stdout)["strategies"]["baseline"]
        requests = mean_of(baseline["requests"])
        cost = mean_of(baseline["cost_usd"])
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"error: unexpected tokencast JSON (need strategies.baseline.requests and "
                 f"strategies.baseline.cost_usd.mean): {e!r}")
    return {"requests": requests, "cost_usd": cost, "seconds": best}


def run_simpy(days, seed):
    cmd = [sys.executable, str(HERE / "simpy_baseline.py"), "--days", str(days), "--seed", str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: simpy_baseline.py failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description="tokencast vs SimPy on support-assistant.ron")
    parser.add_argument("--days", type=int, default=None,
                        help="horizon in days for both tools (default: the scenario's, 30)")
    parser.add_argument("--seed", type=int, default=42, help="seed for both tools (default 42)")
    parser.add_argument("--repo", type=Path, default=HERE.parent.parent,
                        help="tokencast repository root (default: two levels up)")
    args = parser.parse_args()
    if args.days is not None and args.days < 1:
        parser.error("--days must be at least 1")

    ensure_simpy()
    repo = args.repo.resolve()
    source = repo / SCENARIO
    if not source.exists():
        sys.exit(f"error: scenario not found: {source} (is --repo the tokencast root?)")
    binary = build_tokencast(repo)

    with tempfile.TemporaryDirectory() as tmpdir:
        if args.days is None:
            scenario = source
            match = re.search(r"horizon_days\s*:\s*(\d+)", source.read_text(encoding="utf-8"))
            days = int(match.group(1)) if match else 30
        else:
            days = args.days
            scenario = scenario_with_horizon(source, days, tmpdir)
        print(f"timing tokencast ({days} days, best of 3) ...", file=sys.stderr)
        tc = run_tokencast(binary, scenario, args.seed)

    print(f"running SimPy ({days} days) ...", file=sys.stderr)
    sp = run_simpy(days, args.seed)

    rows = [("tokencast", tc), ("SimPy", sp)]
    print(f"\nsupport-assistant.ron, baseline, {days} days, 1 run, 1 thread\n")
    print(f"{'tool':<10} {'requests':>10} {'cost_usd':>12} {'seconds':>9} {'requests/s':>12}")
    for name, r in rows:
        rate = r["requests"] / r["seconds"] if r["seconds"] > 0 else float("inf")
        print(f"{name:<10} {r['requests']:>10,.0f} {r['cost_usd']:>12,.2f} "
              f"{r['seconds']:>9.3f} {rate:>12,.0f}")
    print(f"\ntokencast is {sp['seconds'] / tc['seconds']:.1f}x faster than SimPy "
          f"(wall time; tokencast includes process start-up)")

    diff = (tc["cost_usd"] - sp["cost_usd"]) / sp["cost_usd"]
    print(f"mean cost relative difference: {diff:+.2%} (tolerance {TOLERANCE:.0%})")
    if abs(diff) > TOLERANCE:
        print(f"WARNING: costs differ by more than {TOLERANCE:.0%}: the two models disagree",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
