//! Analysis: from ledgers to answers.
//!
//! The report model ([`report`]: every run priced, statistics across runs), economics (budgets,
//! sensitivity, unit economics), and the drivers that call the simulation for a question: a
//! forecast with its scale curve ([`forecast`]), the audit of a recorded trace ([`audit`]), its
//! replay through strategies ([`replay`]), fitting a scenario to it ([`fit`]) and the paired
//! comparison of two scenarios ([`diff`]). Uses the layers below; renders nothing.

pub mod audit;
pub mod backtest;
pub mod decision;
pub mod diff;
pub mod economics;
pub mod fit;
pub mod forecast;
pub mod replay;
pub mod report;
