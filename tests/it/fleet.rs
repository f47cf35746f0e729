//! `Fleet` (the shared-work feeding of every strategy's pipeline) against feeding each pipeline
//! every request: the ledgers must be identical, on every example scenario, with traffic whose
//! span is only learnt as it comes (as in replay).

use std::path::Path;

use tokencast::Scenario;
use tokencast::ledger::Ledger;
use tokencast::simulation::pipeline::{Fleet, ModelTable, Pipeline};
use tokencast::workload::synthetic::Synthetic;

fn examples() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".ron"))
        .collect();
    files.push("benches/all-levers.ron".into());
    files.sort();
    files
}

fn pipelines(sc: &Scenario, run: u64) -> Vec<Pipeline> {
    let mut models = ModelTable::default();
    sc.strategies
        .iter()
        .map(|s| Pipeline::new(sc, s, &mut models, run))
        .collect()
}

/// Run `run` of `sc` fed to each pipeline alone, and through a fleet.
fn both_ways(sc: &Scenario, run: u64) -> (Vec<Ledger>, Vec<Ledger>) {
    let mut alone = pipelines(sc, run);
    let mut fleet = Fleet::new(pipelines(sc, run));
    for req in Synthetic::new(sc, run).unwrap() {
        for p in alone.iter_mut() {
            p.process(&req);
        }
        fleet.process(&req);
    }
    let alone = alone.into_iter().map(Pipeline::into_ledger).collect();
    (alone, fleet.into_ledgers())
}

#[test]
fn fleet_ledgers_equal_each_pipeline_fed_alone() {
    for file in examples() {
        let mut sc = Scenario::load(Path::new(&file), None).unwrap_or_else(|e| panic!("{e}"));
        sc.set_horizon_days(sc.horizon_days.min(4));
        for run in 0..2 {
            let (alone, fleet) = both_ways(&sc, run);
            assert_eq!(alone.len(), sc.strategies.len());
            for (i, (a, f)) in alone.iter().zip(&fleet).enumerate() {
                assert!(a == f, "{file}: run {run}: strategy {i} differs");
            }
        }
    }
}

#[test]
fn fleet_grows_its_days_as_traffic_comes() {
    // Replay learns the span as it reads: pipelines built for one day, grown as days come.
    let mut sc = Scenario::load(Path::new("scenarios/support-assistant.ron"), None).unwrap();
    sc.set_horizon_days(3);
    let (want, _) = both_ways(&sc, 0);
    let mut short = sc.clone();
    short.set_horizon_days(1);
    let mut fleet = Fleet::new(pipelines(&short, 0));
    let mut days = 1;
    for req in Synthetic::new(&sc, 0).unwrap() {
        if req.time.day() >= days {
            days = req.time.day() + 1;
            fleet.ensure_days(days);
        }
        fleet.process(&req);
    }
    let got = fleet.into_ledgers();
    assert_eq!(days, 3);
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert!(w == g, "strategy {i} differs");
    }
}
