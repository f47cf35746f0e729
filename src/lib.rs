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
//! ## Layers
//!
//! The crate is cut into seven layers, one folder each; a module uses only its own layer and the
//! layers below it, and no two files import each other, directly or round a cycle. The test
//! `layers` in the suite (`tests/it/layers.rs`) reads `src/` and fails on any `use` against this
//! order, naming the line; its table is the architecture, so changing it is a reviewed edit.
//!
//! ```text
//!  cli           one file per command: flags, dispatch, printing           (surfaces)
//!   │
//!  collect       the OTLP receiver: HTTP, the writer, the data directory    (surfaces)
//!   │
//!  output        table, markdown, CSV, JSON, charts, HTML, diff rendering
//!   │
//!  analysis      report model and pricing of runs; economics; forecast, audit,
//!   │            replay, fit, diff (the drivers that call the simulation)
//!  simulation    levers, strategy pipelines, one run and many runs
//!   │
//!  model         scenario (schema, loading, validation), strategies and lever
//!   │            settings, uncertain parameters, workloads (synthetic, traces)
//!  foundations   time and event queue, random streams, distributions, calendar,
//!                prices and provider rules, the ledger of token counts
//! ```
//!
//! | layer | owns | may use |
//! |---|---|---|
//! | [`foundations`] | [`time`], [`rng`], [`dist`], [`calendar`], [`pricing`], [`ledger`] | nothing of the crate |
//! | [`model`] | [`scenario`], [`strategy`], [`uncertain`], [`workload`] | foundations |
//! | [`simulation`] | [`levers`], [`simulation::pipeline`], [`simulation::pipeline::Fleet`], [`montecarlo`] | model, foundations |
//! | [`analysis`] | [`report`], [`economics`], [`forecast`], [`audit`], [`replay`], [`fit`], [`diff`] | simulation, model, foundations |
//! | [`output`] | one module per format, [`plot`], [`output::diff`] | analysis and below |
//! | [`cli`] | one module per command | everything |
//!
//! The modules are re-exported flat (`tokencast::scenario`, `tokencast::report`, ...) for users
//! of the library; inside the crate every path names its layer.
//!
//! A minimal use of the library:
//!
//! ```no_run
//! use tokencast::{Scenario, forecast, output};
//! let scenario = Scenario::load("scenarios/support-assistant.ron".as_ref(), None)?;
//! let report = forecast::forecast(&scenario, &forecast::ForecastOptions::runs(10))?;
//! println!("{}", output::table::render(&report));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod cli;
pub mod collect;
pub mod foundations;
pub mod model;
pub mod output;
pub mod simulation;

pub use analysis::{audit, decision, diff, economics, fit, forecast, replay, report};
pub use foundations::{calendar, dist, ledger, pricing, rng, time};
pub use model::{scenario, strategy, uncertain, workload};
pub use output::plot;
pub use simulation::{levers, montecarlo};

pub use analysis::report::Report;
pub use foundations::dist::Dist;
pub use foundations::ledger::Ledger;
pub use foundations::pricing::{Bucket, Catalog, ModelPrice};
pub use foundations::time::{EventQueue, SimTime};
pub use model::scenario::Scenario;
pub use model::strategy::Strategy;
pub use model::workload::Request;
