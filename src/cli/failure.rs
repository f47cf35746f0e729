//! How a command fails: [`Failure`] pairs an error with the exit code it maps to (2 bad input or
//! usage, 1 anything else, 130 interrupted), so every command reports errors the same way and
//! `main` only prints and exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::workload::trace::TraceRunError;

/// A failed command: the error and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub code: i32,
    /// What went wrong.
    pub error: anyhow::Error,
}

impl Failure {
    /// Bad input or usage: exit code 2.
    pub fn input(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// Anything else: exit code 1.
    pub fn runtime(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

/// An unreadable trace is a runtime failure; anything wrong in it is bad input.
pub(crate) fn trace_failure(e: TraceRunError) -> Failure {
    if e.is_io() {
        Failure::runtime(e)
    } else {
        Failure::input(e)
    }
}

/// A flag that Ctrl-C raises, so a long command (a forecast, a synthetic trace) stops at its
/// next check and leaves its output file as it was; a second Ctrl-C while
/// stopping kills the process the ordinary way.
pub(crate) fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let c = Arc::clone(&cancel);
    let _ = ctrlc::try_set_handler(move || {
        if c.swap(true, Ordering::SeqCst) {
            remove_temporary_files();
            std::process::exit(130);
        }
    });
    cancel
}

/// The temporary files of the sinks still open, removed by [`remove_temporary_files`] when
/// Ctrl-C ends the process before they were renamed into place.
pub(crate) static LIVE_TMPS: std::sync::Mutex<Vec<std::path::PathBuf>> =
    std::sync::Mutex::new(Vec::new());

/// Remove the temporary files of every sink still open (on Ctrl-C: the outputs they would have
/// replaced are left as they were).
pub(crate) fn remove_temporary_files() {
    let tmps = LIVE_TMPS.lock().map(|mut t| std::mem::take(&mut *t));
    for tmp in tmps.unwrap_or_default() {
        let _ = std::fs::remove_file(tmp);
    }
}

/// For commands that do not stop cooperatively: Ctrl-C removes the temporary files, says that
/// no output was written, and exits with 130.
pub(crate) fn clean_up_on_ctrl_c() {
    let _ = ctrlc::try_set_handler(|| {
        remove_temporary_files();
        eprintln!("interrupted: no output was written; existing files are as they were");
        std::process::exit(130);
    });
}
