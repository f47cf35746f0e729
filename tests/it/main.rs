//! Integration tests: one binary, one module per area.

mod cli;
mod closed_form;
mod determinism;
mod fixtures;
mod semantic_cache;
mod support;
