//! Engine throughput: simulated requests per second on the bundled support-assistant scenario,
//! one run on one thread (the Monte Carlo layer parallelises across runs, not within one), and
//! the Monte Carlo layer itself: whole forecasts on every core.
//!
//! `cargo bench --bench engine`; criterion prints the throughput in elements (requests, or
//! runs for the Monte Carlo group)/s.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokencast::montecarlo;
use tokencast::scenario::Scenario;
use tokencast::workload::synthetic::Synthetic;

fn load(name: &str) -> Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    match Scenario::load(&p, None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn bench_engine(c: &mut Criterion) {
    let sc = load("support-assistant.ron");
    let strategies = sc.strategies[..1].to_vec();
    let requests = match montecarlo::run_once(&sc, &strategies, 0) {
        Ok(l) => l[0].total().requests,
        Err(e) => panic!("{e}"),
    };
    let mut g = c.benchmark_group("support-assistant");
    g.sample_size(10);
    g.throughput(Throughput::Elements(requests));
    g.bench_function("traffic only (30 days, 1 run)", |b| {
        b.iter(|| {
            let traffic = Synthetic::new(&sc, 0).unwrap_or_else(|e| panic!("{e}"));
            black_box(traffic.fold(0u64, |acc, r| acc + r.prompt_tokens()))
        })
    });
    g.bench_function("baseline (30 days, 1 run)", |b| {
        b.iter(|| black_box(montecarlo::run_once(&sc, &strategies, 0)))
    });
    g.finish();

    // Every strategy of the scenario in one pass (baseline + prompt-cache variants): the
    // throughput counts requests × strategies.
    let mut g = c.benchmark_group("support-assistant, all strategies");
    g.sample_size(10);
    let all = sc.strategies.clone();
    g.throughput(Throughput::Elements(requests * all.len() as u64));
    g.bench_function(format!("{} strategies (30 days, 1 run)", all.len()), |b| {
        b.iter(|| black_box(montecarlo::run_once(&sc, &all, 0)))
    });
    g.finish();
}

/// The semantic cache's own cost: the FAQ bot's traffic alone, its baseline, and each
/// semantic-cache strategy alone (one lookup per request, every request an opening query).
fn bench_semantic_cache(c: &mut Criterion) {
    let sc = load("faq-bot.ron");
    let requests = match montecarlo::run_once(&sc, &sc.strategies[..1], 0) {
        Ok(l) => l[0].total().requests,
        Err(e) => panic!("{e}"),
    };
    let mut g = c.benchmark_group("faq-bot");
    g.sample_size(10);
    g.throughput(Throughput::Elements(requests));
    g.bench_function("traffic only (30 days, 1 run)", |b| {
        b.iter(|| {
            let traffic = Synthetic::new(&sc, 0).unwrap_or_else(|e| panic!("{e}"));
            black_box(traffic.fold(0u64, |acc, r| acc + r.prompt_tokens()))
        })
    });
    for s in &sc.strategies {
        let one = std::slice::from_ref(s);
        g.bench_function(format!("{} (30 days, 1 run)", s.name), |b| {
            b.iter(|| black_box(montecarlo::run_once(&sc, one, 0)))
        });
    }
    g.finish();
}

/// Every lever on in one strategy (benches/all-levers.ron): requests per second of traffic.
fn bench_all_levers(c: &mut Criterion) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/all-levers.ron");
    let sc = match Scenario::load(&p, None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let all = vec![sc.strategies[1].clone()];
    let requests = Synthetic::new(&sc, 0)
        .unwrap_or_else(|e| panic!("{e}"))
        .count() as u64;
    let mut g = c.benchmark_group("all levers");
    g.sample_size(10);
    g.throughput(Throughput::Elements(requests));
    g.bench_function("one strategy with every lever (30 days, 1 run)", |b| {
        b.iter(|| black_box(montecarlo::run_once(&sc, &all, 0)))
    });
    g.finish();
}

/// The goal: 1,000 runs of support-assistant in under 60 s on 2 cores. A forecast of
/// 50 runs (simulation on rayon's pool, every core, then the report), as `run --runs 50`
/// does it; criterion's throughput is runs per second, so 1,000 runs take 1,000 / that.
fn bench_monte_carlo(c: &mut Criterion) {
    let sc = load("support-assistant.ron");
    let runs = 50;
    let mut g = c.benchmark_group("monte carlo");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(runs)));
    g.bench_function(
        format!(
            "support-assistant, {runs} runs, {} threads",
            rayon::current_num_threads()
        ),
        |b| {
            b.iter(|| {
                black_box(
                    tokencast::forecast::forecast(
                        &sc,
                        &tokencast::forecast::ForecastOptions::runs(runs),
                    )
                    .unwrap_or_else(|e| panic!("{e}")),
                )
            })
        },
    );
    g.finish();
}

criterion_group!(
    benches,
    bench_engine,
    bench_semantic_cache,
    bench_all_levers,
    bench_monte_carlo
);
criterion_main!(benches);
