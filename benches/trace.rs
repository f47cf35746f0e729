//! Trace throughput: rows per second read, and replayed through a scenario's baseline.
//!
//! The trace is support-assistant's synthetic month written by `synth` (915K rows, 9 native
//! columns). `cargo bench --bench trace`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokencast::replay::{ReplayOptions, replay};
use tokencast::scenario::Scenario;
use tokencast::workload::synth::write_trace;
use tokencast::workload::trace::{TraceReader, TraceRecord};

fn bench_trace(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sc = match Scenario::load(&root.join("scenarios/support-assistant.ron"), None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let dir = std::env::temp_dir().join(format!("tokencast-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("support-assistant.csv");
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    let rows = write_trace(&sc, 0, std::io::BufWriter::new(file)).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("native trace");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows));
    g.bench_function("read (915K rows)", |b| {
        b.iter(|| {
            let mut reader = TraceReader::open(&path, None).unwrap_or_else(|e| panic!("{e}"));
            let mut r = TraceRecord::default();
            let mut tokens = 0u64;
            while let Some(res) = reader.read_into(&mut r) {
                if res.is_ok() {
                    tokens += r.input_tokens;
                }
            }
            black_box(tokens)
        })
    });
    // The baseline only: replay's cost per row, not the levers'.
    sc.strategies.truncate(1);
    g.bench_function("replay through the baseline (915K rows)", |b| {
        b.iter(|| black_box(replay(&path, &sc, &ReplayOptions::default(), String::new())))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_trace);
criterion_main!(benches);
