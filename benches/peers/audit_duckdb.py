#!/usr/bin/env python3
"""Time `tokencast audit` against DuckDB answering the same breakdown of a recorded trace.

Workload: a native tokencast CSV trace (default /tmp/sa-334.csv: scenarios/support-assistant.ron
synthesised over 334 days, about 10 million rows, 839 MB) and a Parquet copy of it next to it
(same stem, .parquet: snappy, row groups of 1,000,000 rows, the CSV's column names).

Steps:
  1. Make sure duckdb and pyarrow are importable. If they are not, create a virtual environment
     at .venv next to this script (benches/peers/.venv), `pip install duckdb pyarrow` into it
     and re-run this script with that interpreter.
  2. Make the trace if it is missing: the scenario with `horizon_days: 334`, then
     `tokencast synth SCENARIO -o CSV`; make the Parquet copy if it is missing (pyarrow, explicit
     column types: timestamp and token counts int64, the rest strings, empty strings as null).
  3. For threads N in (1, 2) and each file, best of --runs:
       tokencast audit FILE --threads N --format json -o OUT
     (with --trace-format native-parquet for the Parquet file)
     (process wall time, start-up included) and DuckDB in a fresh process and connection with
     `SET threads=N`, reading the file into a temporary table (read_csv with the same explicit
     types / read_parquet) and computing, in one script:
       (a) per UTC day (timestamp // 86400000), endpoint and model: requests and the sums of
           input, output and reasoning tokens;
       (b) exact medians of input_tokens and output_tokens (median());
       (c) distinct sessions per endpoint (count(DISTINCT session_id));
       (d) the 20 users with the largest cost, cost per row = input * input price + output *
           output price + reasoning * reasoning price, the prices per model taken from
           `tokencast prices MODEL` (standard tier, USD per million tokens).
     DuckDB's time runs from connect() to the last result fetched, so it excludes the Python
     interpreter's start-up and `import duckdb` (which favours DuckDB slightly). Peak RSS is the
     child process's maximum resident set (os.wait4), per run; DuckDB's includes the interpreter.
  4. Check that requests, total input/output tokens, medians, per-day requests and the top-20
     users agree between DuckDB and tokencast's JSON report (strategies.recorded.requests and
     .tokens, .daily; audit.median_input_tokens, audit.median_output_tokens, audit.top_users),
     and that tokencast reports the same for the CSV and the Parquet file. Print a table: tool,
     file, threads, best and worst wall seconds, peak RSS MiB, and the ratio tokencast/DuckDB.

The tokencast binary is $TOKENCAST_BIN (default target/release/tokencast under --repo); this
script does not build it (`cargo build --release` first).

Usage:  python3 benches/peers/audit_duckdb.py [--rows-file PATH] [--runs 3]
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
DAYS = 334
DAY_MS = 86_400_000
ROW_GROUP = 1_000_000
THREADS = (1, 2)
TOP_USERS = 20
COLUMNS = ["timestamp", "input_tokens", "output_tokens", "reasoning_tokens", "session_id",
           "endpoint", "user_id", "model", "intent"]
INT_COLUMNS = {"timestamp", "input_tokens", "output_tokens", "reasoning_tokens"}
REL_TOL = 1e-9


def ensure_peers():
    """Re-execute under benches/peers/.venv (created on first use) without duckdb or pyarrow."""
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401

        return
    except ImportError:
        pass
    if os.environ.get("TOKENCAST_PEERS_REEXEC"):
        sys.exit(f"error: duckdb/pyarrow still not importable with {sys.executable}; "
                 f"remove {VENV} and retry")
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"duckdb/pyarrow not found: creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # The venv may exist without them (compare.py installs only simpy there).
    if subprocess.run([str(python), "-c", "import duckdb, pyarrow"],
                      capture_output=True).returncode != 0:
        print(f"installing duckdb and pyarrow into {VENV}", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "duckdb", "pyarrow"],
                       check=True)
    os.environ["TOKENCAST_PEERS_REEXEC"] = "1"
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def tokencast_binary(repo):
    binary = Path(os.environ.get("TOKENCAST_BIN") or repo / "target" / "release" / "tokencast")
    if not binary.is_absolute():
        binary = repo / binary
    if not binary.exists():
        sys.exit(f"error: tokencast binary not found: {binary} (set TOKENCAST_BIN or run "
                 "`cargo build --release`)")
    return binary


def make_csv(binary, repo, csv_path):
    source = repo / SCENARIO
    if not source.exists():
        sys.exit(f"error: scenario not found: {source} (is --repo the tokencast root?)")
    text, count = re.subn(r"horizon_days\s*:\s*\d+", f"horizon_days: {DAYS}",
                          source.read_text(encoding="utf-8"), count=1)
    if count != 1:
        sys.exit(f"error: no `horizon_days: N` field found in {source}")
    with tempfile.TemporaryDirectory() as tmpdir:
        scenario = Path(tmpdir) / f"sa-{DAYS}.ron"
        scenario.write_text(text, encoding="utf-8")
        print(f"making {csv_path}: tokencast synth ({DAYS} days, ~10M rows) ...", file=sys.stderr)
        done = subprocess.run([str(binary), "synth", str(scenario), "-o", str(csv_path)])
        if done.returncode != 0:
            sys.exit(f"error: tokencast synth failed (exit {done.returncode})")


def make_parquet(csv_path, parquet_path):
    """Stream the CSV into Parquet (snappy, ROW_GROUP rows per group) with explicit types."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    print(f"making {parquet_path} from {csv_path} ...", file=sys.stderr)
    types = {c: (pa.int64() if c in INT_COLUMNS else pa.string()) for c in COLUMNS}
    reader = pacsv.open_csv(
        str(csv_path),
        read_options=pacsv.ReadOptions(block_size=64 << 20),
        convert_options=pacsv.ConvertOptions(column_types=types, include_columns=COLUMNS,
                                             strings_can_be_null=True))
    schema = pa.schema([(c, types[c]) for c in COLUMNS])
    partial = str(parquet_path) + ".partial"
    pending, pending_rows = [], 0
    with pq.ParquetWriter(partial, schema, compression="snappy") as writer:
        def flush(limit):
            nonlocal pending, pending_rows
            table = pa.Table.from_batches(pending, schema=schema)
            while table.num_rows >= limit and table.num_rows > 0:
                writer.write_table(table.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                table = table.slice(ROW_GROUP)
            pending, pending_rows = table.to_batches(), table.num_rows

        for batch in reader:
            pending.append(batch.select(COLUMNS))
            pending_rows += batch.num_rows
            if pending_rows >= ROW_GROUP:
                flush(ROW_GROUP)
        if pending_rows:
            flush(1)
    os.replace(partial, parquet_path)


class ChildFailed(Exception):
    pass


def run_child(cmd):
    """Run `cmd` with stdout to a temp file; (wall s, peak RSS bytes, stdout) via os.wait4.
    Raises ChildFailed (with its standard error) when it exits with an error."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise ChildFailed(f"{' '.join(map(str, cmd[:3]))} ... failed (exit "
                              f"{proc.returncode}): {err.read().decode(errors='replace').strip()}")
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
        return elapsed, usage.ru_maxrss * scale, out.read().decode()


def time_tokencast(binary, path, parquet, threads, runs, report_path):
    # The Parquet file's format is named: tokencast (4afb649 to 84cf450) does not detect
    # Parquet when it plans to read a large file in pieces ("unrecognised trace format").
    forced = ["--trace-format", "native-parquet"] if parquet else []
    cmd = [str(binary), "audit", str(path), *forced, "--threads", str(threads), "--format",
           "json", "-o", str(report_path)]
    walls, rss = [], []
    for _ in range(runs):
        wall, peak, _ = run_child(cmd)
        walls.append(wall)
        rss.append(peak)
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    return {"walls": walls, "rss": rss, "report": report}


# The DuckDB side runs in a fresh interpreter per run so that its peak RSS is its own.
DUCKDB_CHILD = r"""
import json, sys, time
import duckdb
spec = json.loads(sys.argv[1])
started = time.perf_counter()
con = duckdb.connect()
con.execute(f"SET threads={spec['threads']}")
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE TEMP TABLE t AS SELECT timestamp, input_tokens, output_tokens, "
            f"reasoning_tokens, session_id, endpoint, user_id, model FROM {spec['source']}")
daily = con.execute(
    "SELECT timestamp // 86400000 AS day, endpoint, model, count(*), sum(input_tokens), "
    "sum(output_tokens), sum(reasoning_tokens) FROM t GROUP BY ALL ORDER BY ALL").fetchall()
medians = con.execute("SELECT median(input_tokens), median(output_tokens) FROM t").fetchone()
sessions = con.execute(
    "SELECT endpoint, count(DISTINCT session_id) FROM t GROUP BY endpoint ORDER BY endpoint"
).fetchall()
top = con.execute(
    f"WITH prices(model, ip, op, rp) AS (VALUES {spec['prices']}) "
    "SELECT user_id, sum(input_tokens * ip + output_tokens * op + reasoning_tokens * rp) / 1e6 "
    "AS cost, count(*) FROM t JOIN prices USING (model) GROUP BY user_id "
    f"ORDER BY cost DESC, user_id LIMIT {spec['top']}").fetchall()
elapsed = time.perf_counter() - started
con.close()
print(json.dumps({"seconds": elapsed,
                  "daily": [[int(d), e, m, int(n), int(i), int(o), int(r)]
                            for d, e, m, n, i, o, r in daily],
                  "medians": [float(x) for x in medians],
                  "sessions": [[e, int(n)] for e, n in sessions],
                  "top": [[u, float(c), int(n)] for u, c, n in top]}))
"""


def sql_string(text):
    return "'" + str(text).replace("'", "''") + "'"


def duckdb_source(path, parquet):
    if parquet:
        return f"read_parquet({sql_string(path)})"
    columns = ", ".join(f"{sql_string(c)}: '{'BIGINT' if c in INT_COLUMNS else 'VARCHAR'}'"
                        for c in COLUMNS)
    return (f"read_csv({sql_string(path)}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', columns = {{{columns}}})")


def time_duckdb(path, parquet, threads, runs, prices):
    spec = {"threads": threads, "source": duckdb_source(path, parquet), "top": TOP_USERS,
            "prices": ", ".join(f"({sql_string(m)}, {p['input']!r}, {p['output']!r}, "
                                f"{p['reasoning']!r})" for m, p in sorted(prices.items()))}
    cmd = [sys.executable, "-c", DUCKDB_CHILD, json.dumps(spec)]
    walls, process_walls, rss, result = [], [], [], None
    for _ in range(runs):
        wall, peak, out = run_child(cmd)
        result = json.loads(out)
        walls.append(result["seconds"])
        process_walls.append(wall)
        rss.append(peak)
    return {"walls": walls, "process_walls": process_walls, "rss": rss, "result": result}


def model_prices(binary, models):
    """Standard-tier input/output/reasoning USD per million tokens from `tokencast prices MODEL`."""
    prices = {}
    for model in models:
        done = subprocess.run([str(binary), "prices", model], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"error: tokencast prices {model} failed:\n{done.stderr}")
        found = dict(re.findall(r"^\s*standard (input|output|reasoning)\s+([0-9.eE+-]+)\s*$",
                                done.stdout, flags=re.M))
        if "input" not in found or "output" not in found:
            sys.exit(f"error: no standard input/output price in `tokencast prices {model}`:\n"
                     f"{done.stdout}")
        prices[model] = {"input": float(found["input"]), "output": float(found["output"]),
                         "reasoning": float(found.get("reasoning", found["output"]))}
    return prices


def close(a, b):
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def mean_of(value):
    return value["mean"] if isinstance(value, dict) else value


def check(label, tc_report, duck):
    """List of disagreements between a tokencast report and a DuckDB result (empty: agree)."""
    problems = []
    recorded = tc_report["strategies"]["recorded"]
    audit = tc_report["audit"]
    daily = duck["daily"]
    facts = [
        ("requests", mean_of(recorded["requests"]), sum(r[3] for r in daily)),
        ("input tokens", recorded["tokens"]["input"], sum(r[4] for r in daily)),
        ("output tokens", recorded["tokens"]["output"], sum(r[5] for r in daily)),
        ("reasoning tokens", recorded["tokens"]["reasoning"], sum(r[6] for r in daily)),
        ("median input tokens", audit["median_input_tokens"], duck["medians"][0]),
        ("median output tokens", audit["median_output_tokens"], duck["medians"][1]),
    ]
    for name, ours, theirs in facts:
        if not close(float(ours), float(theirs)):
            problems.append(f"{label}: {name}: tokencast {ours} vs DuckDB {theirs}")
    sessions = sum(n for _, n in duck["sessions"])
    if sessions != int(mean_of(recorded["sessions"])):
        problems.append(f"{label}: sessions: tokencast {mean_of(recorded['sessions'])} vs "
                        f"DuckDB {sessions} (distinct per endpoint, summed)")
    per_day = {}
    for day, _, _, n, *_ in daily:
        per_day[day] = per_day.get(day, 0) + n
    tc_days = {d["day"]: d["requests"] for d in recorded["daily"] if d["requests"]}
    if per_day != {k: int(v) for k, v in tc_days.items()}:
        diff = sorted(set(per_day.items()) ^ {(k, int(v)) for k, v in tc_days.items()})[:5]
        problems.append(f"{label}: per-day requests differ, e.g. {diff}")
    tc_top = [(u["name"], u["cost_usd"], u["requests"]) for u in audit["top_users"][:TOP_USERS]]
    if [u for u, _, _ in tc_top] != [u for u, _, _ in duck["top"]]:
        problems.append(f"{label}: top users differ: tokencast {[u for u, _, _ in tc_top][:5]}... "
                        f"vs DuckDB {[u for u, _, _ in duck['top']][:5]}...")
    else:
        for (user, cost, n), (_, dcost, dn) in zip(tc_top, duck["top"]):
            if n != dn or not close(cost, dcost):
                problems.append(f"{label}: user {user}: tokencast ${cost} / {n} requests vs "
                                f"DuckDB ${dcost} / {dn}")
    return problems


def comparable(report):
    """A tokencast report without the fields that name the input file or its format."""
    report = json.loads(json.dumps(report))
    report.pop("scenario", None)
    report.get("audit", {}).pop("format", None)
    return report


def differs(a, b, where="report"):
    """Where two reports first differ (numbers within REL_TOL: summation order may move the
    last digit of a float sum), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{where} (keys {sorted(set(a) ^ set(b))})"
        return next((w for k in a if (w := differs(a[k], b[k], f"{where}.{k}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where} (length {len(a)} vs {len(b)})"
        return next((w for i, (x, y) in enumerate(zip(a, b))
                     if (w := differs(x, y, f"{where}[{i}]"))), None)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return None if close(float(a), float(b)) else f"{where} ({a} vs {b})"
    return None if a == b else f"{where} ({a!r} vs {b!r})"


def mib(n):
    return n / (1 << 20)


def main():
    parser = argparse.ArgumentParser(description="tokencast audit vs DuckDB on a 10M-row trace")
    parser.add_argument("--rows-file", type=Path, default=Path(f"/tmp/sa-{DAYS}.csv"),
                        help=f"native CSV trace (default /tmp/sa-{DAYS}.csv; made when missing); "
                             "its Parquet copy is the same path with .parquet")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement, best kept")
    parser.add_argument("--repo", type=Path, default=HERE.parent.parent,
                        help="tokencast repository root (default: two levels up)")
    parser.add_argument("--make-parquet", nargs=2, type=Path, metavar=("CSV", "PARQUET"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_parquet:
        ensure_peers()
        make_parquet(*args.make_parquet)
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    ensure_peers()
    import duckdb
    import pyarrow

    repo = args.repo.resolve()
    binary = tokencast_binary(repo)
    csv_path = args.rows_file.resolve()
    parquet_path = csv_path.with_suffix(".parquet")
    if not csv_path.exists():
        make_csv(binary, repo, csv_path)
    if not parquet_path.exists() or parquet_path.stat().st_mtime < csv_path.stat().st_mtime:
        # In a child process: a vfork'd child's peak RSS starts at its parent's, so the
        # conversion's gigabyte must not stay in this process's high-water mark.
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--make-parquet",
                        str(csv_path), str(parquet_path)], check=True)

    files = [("CSV", csv_path, False), ("Parquet", parquet_path, True)]
    results, problems, failures, reports = [], [], [], {}
    prices = None
    with tempfile.TemporaryDirectory() as tmpdir:
        for kind, path, parquet in files:
            for threads in THREADS:
                print(f"tokencast audit {kind} --threads {threads} (best of {args.runs}) ...",
                      file=sys.stderr)
                try:
                    tc = time_tokencast(binary, path, parquet, threads, args.runs,
                                        Path(tmpdir) / f"audit-{kind}-{threads}.json")
                except ChildFailed as e:
                    # e.g. a tokencast built before it read Parquet: measure DuckDB anyway.
                    print(f"  tokencast failed: {e}", file=sys.stderr)
                    failures.append(f"tokencast {kind} --threads {threads}: {e}")
                    tc = None
                if tc is not None:
                    reports[(kind, threads)] = tc["report"]
                if prices is None:
                    if tc is None:
                        sys.exit("error: tokencast failed on the CSV trace; nothing to compare")
                    models = sorted(tc["report"]["strategies"]["recorded"]["by_model"])
                    prices = model_prices(binary, models)
                print(f"DuckDB {duckdb.__version__} {kind} threads={threads} "
                      f"(best of {args.runs}) ...", file=sys.stderr)
                dk = time_duckdb(path, parquet, threads, args.runs, prices)
                if tc is not None:
                    problems += check(f"{kind} threads={threads}", tc["report"], dk["result"])
                results.append((kind, threads, tc, dk))

    base = comparable(reports[("CSV", THREADS[0])])
    for key, report in reports.items():
        where = differs(base, comparable(report))
        if where:
            problems.append(f"tokencast {key[0]} --threads {key[1]}: report differs from "
                            f"CSV --threads {THREADS[0]} at {where}")

    rows = next(iter(reports.values()))["audit"]["rows"]
    print(f"\n`tokencast audit` vs DuckDB {duckdb.__version__} (pyarrow {pyarrow.__version__}): "
          f"{rows:,} rows; {csv_path.name} {mib(csv_path.stat().st_size):,.0f} MiB, "
          f"{parquet_path.name} {mib(parquet_path.stat().st_size):,.0f} MiB; "
          f"best of {args.runs}\n")
    print(f"{'tool':<10} {'file':<8} {'threads':>7} {'best s':>8} {'worst s':>8} "
          f"{'peak RSS MiB':>13} {'time tc/duck':>13} {'RSS tc/duck':>12}")
    for kind, threads, tc, dk in results:
        if tc is None:
            print(f"{'tokencast':<10} {kind:<8} {threads:>7} {'failed (see below)':>31}")
        else:
            t_ratio = min(tc["walls"]) / min(dk["walls"])
            m_ratio = max(tc["rss"]) / max(dk["rss"])
            print(f"{'tokencast':<10} {kind:<8} {threads:>7} {min(tc['walls']):>8.2f} "
                  f"{max(tc['walls']):>8.2f} {mib(max(tc['rss'])):>13,.0f} {t_ratio:>13.2f} "
                  f"{m_ratio:>12.2f}")
        print(f"{'DuckDB':<10} {kind:<8} {threads:>7} {min(dk['walls']):>8.2f} "
              f"{max(dk['walls']):>8.2f} {mib(max(dk['rss'])):>13,.0f}")
    print("\ntokencast: process wall time (start-up, parsing and the whole audit report). "
          "DuckDB: connect() to the last result fetched (interpreter start-up and "
          "`import duckdb` excluded, "
          f"{min(min(d['process_walls']) - min(d['walls']) for *_, d in results):.2f} s at best); "
          "peak RSS is the maximum over the runs, per process.")
    if failures:
        print("\nFAILED RUNS:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
    if problems:
        print("\nDISAGREEMENTS:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    compared = ", ".join(f"{k} --threads {t}" for k, t in reports)
    print("checks: requests, token sums, medians, sessions, per-day requests and the top "
          f"{TOP_USERS} users agree with DuckDB, and tokencast's reports agree with each "
          "other (floats to 1e-9), for: "
          f"{compared}.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
