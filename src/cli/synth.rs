//! `tokencast synth`: write one run's synthetic traffic of a scenario as a native CSV trace.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::anyhow;

use crate::model::scenario::Scenario;
use crate::model::uncertain;
use crate::model::workload::synth;

use super::failure::{Failure, stop_on_ctrl_c};
use super::output_file::{Cancellable, Sink, refuse_input_as_output};

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

/// Run `tokencast synth`: the trace streams to standard output, or to a file that replaces an
/// existing one only once it is whole (Ctrl-C or an error leaves the old file as it was).
pub(crate) fn execute(a: &SynthArgs) -> Result<i32, Failure> {
    let mut sc = Scenario::load(&a.scenario, a.prices.as_deref()).map_err(Failure::input)?;
    if let Some(s) = a.seed {
        sc.seed = s;
    }
    // A run of a scenario with uncertain parameters is the traffic of its own draws, as `run`
    // simulates it.
    let draws = !sc.uncertain.is_empty();
    sc = uncertain::for_run(&sc, a.run)
        .map_err(|e| Failure::input(anyhow!("{}: {e}", a.scenario.display())))?
        .0;
    let to_stdout = a.output.as_os_str() == "-";
    refuse_input_as_output(
        &[Some(&a.output)],
        &[Some(&a.scenario), a.prices.as_deref()],
    )?;
    let sink = Sink::open(Some(&a.output))?;
    let cancel = stop_on_ctrl_c();
    let written = sink.stream(|w| {
        let out = Cancellable {
            inner: w,
            cancel: cancel.clone(),
        };
        synth::write_trace(&sc, a.run, out)
    });
    // A trace that was written whole stands, even if Ctrl-C came after its last row.
    if written.is_err() && cancel.load(Ordering::SeqCst) {
        return Err(Failure {
            code: 130,
            error: anyhow!(
                "{}: interrupted before the trace was written{}",
                a.output.display(),
                if to_stdout {
                    ""
                } else {
                    "; an existing file is left as it was"
                }
            ),
        });
    }
    let rows = written?;
    if !to_stdout {
        eprintln!(
            "wrote {rows} requests to {}{}",
            a.output.display(),
            if draws {
                format!(
                    " (run {}'s draws of the {} uncertain parameters)",
                    a.run,
                    sc.uncertain.len()
                )
            } else {
                String::new()
            }
        );
    }
    Ok(0)
}
