//! `tokencast validate`: check scenario files without running them, stopping at the first bad
//! one; warnings go to standard error.

use std::path::PathBuf;

use crate::model::scenario::Scenario;

use super::failure::Failure;

/// Arguments of `tokencast validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files (RON).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Price catalog to check model names against.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Print nothing for valid files (errors still go to standard error).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run `tokencast validate`: load each file in turn; the first that fails is the error.
pub(crate) fn execute(a: &ValidateArgs) -> Result<i32, Failure> {
    for p in &a.scenarios {
        let s = Scenario::load(p, a.prices.as_deref()).map_err(Failure::input)?;
        if !a.quiet {
            println!(
                "ok: {} ({:?}: {} endpoint{}, {} days)",
                p.display(),
                s.name,
                s.endpoints.len(),
                if s.endpoints.len() == 1 { "" } else { "s" },
                s.horizon_days
            );
        }
        // Warnings (a prefix below the cacheable minimum, a price change nothing bills) do not
        // fail validation, but a reviewer should see them: on standard error, even with -q.
        for w in &s.warnings {
            eprintln!("warning: {}: {w}", p.display());
        }
    }
    Ok(0)
}
