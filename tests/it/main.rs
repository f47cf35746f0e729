//! Integration tests: one binary, one module per area.

mod cli;
mod closed_form;
mod determinism;
mod fixtures;
mod routing;
mod support;
