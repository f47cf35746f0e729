//! Trace throughput: rows per second read, and replayed through a scenario's baseline.
//!
//! The traces are support-assistant's synthetic traffic written by `synth` (9 native columns):
//! its month (914,512 rows, 73 MB) and the same traffic over 334 days (10,048,130 rows,
//! 839 MB), written once into a temporary directory. The long trace has as many live sessions
//! at a time as the month, so it measures what a long recording costs, not a busier one.
//! `cargo bench --bench trace`; `cargo bench --bench trace -- month` for the month alone.
//!
//! Times are the bench thread's CPU time (Linux; wall-clock time elsewhere): the goal is rows
//! per second per core, and the build machine is shared, so time slices given to other
//! processes are left out. Their effect on caches is not.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use tokencast::replay::{ReplayOptions, replay};
use tokencast::scenario::Scenario;
use tokencast::workload::synth::write_trace;
use tokencast::workload::trace::{TraceReader, TraceRecord};

/// Write `days` of the scenario's traffic to `path`; the number of rows.
fn write(sc: &Scenario, days: u32, path: &Path) -> u64 {
    let mut sc = sc.clone();
    sc.horizon_days = days;
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let out = std::io::BufWriter::with_capacity(1 << 16, file);
    write_trace(&sc, 0, out).unwrap_or_else(|e| panic!("{e}"))
}

/// This thread's CPU time (Linux), from `/proc/thread-self/schedstat`.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Run `f` `iters` times; the CPU time it took, or the wall-clock time without `cpu_time`.
fn timed(iters: u64, mut f: impl FnMut()) -> Duration {
    let (cpu, wall) = (cpu_time(), Instant::now());
    for _ in 0..iters {
        f();
    }
    match (cpu, cpu_time()) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => wall.elapsed(),
    }
}

fn read_all(path: &Path) -> u64 {
    let mut reader = TraceReader::open(path, None).unwrap_or_else(|e| panic!("{e}"));
    let mut r = TraceRecord::default();
    let mut tokens = 0u64;
    while let Some(res) = reader.read_into(&mut r) {
        if res.is_ok() {
            tokens += r.input_tokens;
        }
    }
    tokens
}

fn bench_trace(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sc = match Scenario::load(&root.join("scenarios/support-assistant.ron"), None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let dir = std::env::temp_dir().join(format!("tokencast-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let traces: [(&str, u32, PathBuf); 2] = [
        ("month", 30, dir.join("support-assistant-month.csv")),
        ("334 days", 334, dir.join("support-assistant-334-days.csv")),
    ];
    // The baseline only: replay's cost per row, not the levers'.
    let mut baseline = sc.clone();
    baseline.strategies.truncate(1);
    for (name, days, path) in &traces {
        let rows = write(&sc, *days, path);
        let mut g = c.benchmark_group(format!("native trace, {name} ({rows} rows)"));
        g.sample_size(10);
        g.warm_up_time(Duration::from_secs(2));
        if rows > 2_000_000 {
            // One run per sample: ten runs of the long trace take about half a minute.
            g.sampling_mode(SamplingMode::Flat);
            g.measurement_time(Duration::from_secs(20));
        }
        g.throughput(Throughput::Elements(rows));
        g.bench_function("read", |b| {
            b.iter_custom(|iters| {
                timed(iters, || {
                    black_box(read_all(path));
                })
            })
        });
        g.bench_function("replay through the baseline", |b| {
            b.iter_custom(|iters| {
                timed(iters, || {
                    black_box(replay(path, &baseline, &ReplayOptions::default()))
                        .unwrap_or_else(|e| panic!("{e}"));
                })
            })
        });
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_trace);
criterion_main!(benches);
