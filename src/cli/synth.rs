//! `tokencast synth`: write one run's synthetic traffic of a scenario as a native CSV trace.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use crate::model::scenario::Scenario;
use crate::model::workload::synth;

use super::failure::Failure;

/// Arguments of `tokencast synth`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Scenario file (RON).
    pub scenario: PathBuf,
    /// The trace file to write (`-` is standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Which run's traffic (each run has its own random streams).
    #[arg(long, default_value_t = 0)]
    pub run: u64,
    /// Seed of all random streams (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Price catalog (only used to check model names).
    #[arg(long)]
    pub prices: Option<PathBuf>,
}

/// Run `tokencast synth`: the trace streams straight to standard output or the file.
pub(crate) fn execute(a: &SynthArgs) -> Result<i32, Failure> {
    let mut sc = Scenario::load(&a.scenario, a.prices.as_deref()).map_err(Failure::input)?;
    if let Some(s) = a.seed {
        sc.seed = s;
    }
    let output = a.output.as_path();
    let rows = if output == Path::new("-") {
        let out = io::stdout().lock();
        synth::write_trace(&sc, a.run, io::BufWriter::new(out))
    } else {
        let f = File::create(output)
            .with_context(|| format!("{}: cannot create output file", output.display()))
            .map_err(Failure::input)?;
        synth::write_trace(&sc, a.run, io::BufWriter::new(f))
    }
    .map_err(|e| Failure::runtime(anyhow!("{}: {e}", output.display())))?;
    if output != Path::new("-") {
        eprintln!("wrote {rows} requests to {}", output.display());
    }
    Ok(0)
}
