//! Simulation: requests in, ledgers out.
//!
//! One module per cost lever ([`levers`]), the strategy pipelines that run each request through
//! them and bill it into a ledger ([`pipeline`], whose [`pipeline::Fleet`] runs strategies that
//! share their per-request counts together), and one run or many runs of a scenario ([`montecarlo`]: uncertain
//! parameters drawn per run, runs in parallel, collected in order). Uses [`crate::model`] and
//! [`crate::foundations`]; knows nothing of reports or money beyond token counts.

pub mod levers;
pub mod montecarlo;
pub mod pipeline;
