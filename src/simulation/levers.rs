//! Cost levers: the stages a strategy runs each request through before it is billed.
//!
//! Each lever lives in its own file and documents the provider rules it models. The engine
//! drives them in this order for every request of a strategy (DESIGN.md):
//!
//! ```text
//! context policy → semantic cache → router/cascade → batcher → prompt cache → ledger
//! ```
//!
//! Levers draw randomness only from their own streams, so switching one on never changes the
//! traffic or another lever's draws.

pub mod batch;
pub mod context;
pub mod prompt_cache;
pub mod routing;
pub mod semantic_cache;
