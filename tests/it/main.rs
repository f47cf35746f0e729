//! Integration tests: one binary, one module per area.

mod audit;
mod batch;
mod catalog;
mod cli;
mod closed_form;
mod context;
mod determinism;
mod diff;
mod fit;
mod fixtures;
mod fleet;
mod forecast;
mod inputs;
mod invariants;
mod layers;
mod outputs;
mod plot;
mod prompt_cache;
mod provider_rules;
mod readme;
mod replay;
mod robustness;
mod routing;
mod semantic_cache;
mod sources;
mod support;
