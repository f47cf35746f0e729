//! tokencast forecasts what an LLM-powered feature will cost in production, before it ships, and
//! what each cost lever would save.
//!
//! ```text
//! scenario.ron ──load+validate──▶ Scenario ──▶ Synthetic (time-ordered Requests)
//!                                                    │
//!                              Strategy pipelines ◀──┘  (same requests for every strategy)
//!                                       │
//!                     Ledger (integer tokens per day, endpoint, model, tier, bucket)
//!                                       │  × prices, at the end
//!                                       ▼
//!                                    Report ──▶ table | json | csv | markdown | svg/png | html
//! ```
//!
//! A minimal use of the library:
//!
//! ```no_run
//! use tokencast::{Scenario, montecarlo, report};
//! let scenario = Scenario::load("scenarios/support-assistant.ron".as_ref(), None)?;
//! let outcome = montecarlo::simulate(&scenario, 10)?;
//! let report = report::build(&scenario, &outcome, 10)?;
//! println!("{}", report::table::render(&report));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod audit;
pub mod calendar;
pub mod cli;
pub mod dist;
pub mod economics;
pub mod engine;
pub mod fit;
pub mod ledger;
pub mod levers;
pub mod montecarlo;
pub mod plot;
pub mod pricing;
pub mod replay;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod strategy;
pub mod uncertain;
pub mod workload;

pub use dist::Dist;
pub use engine::{EventQueue, SimTime};
pub use ledger::Ledger;
pub use pricing::{Bucket, Catalog, ModelPrice};
pub use report::Report;
pub use scenario::Scenario;
pub use strategy::Strategy;
pub use workload::Request;
