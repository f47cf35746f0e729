//! Foundations: the vocabulary every other layer is written in.
//!
//! Simulated time and the event queue ([`time`]), random streams ([`rng`]), distributions
//! ([`dist`]), calendar dates and months ([`calendar`]), prices and provider cache rules
//! ([`pricing`]), the ledger of integer token counts ([`ledger`]), the plausible range of every
//! size, count and price ([`limits`]) and whole input files read within a size limit
//! ([`input`]). Nothing here knows what a scenario, a strategy or a report is: these modules use
//! only each other and the standard library and crates.

pub mod calendar;
pub mod dist;
pub mod input;
pub mod ledger;
pub mod limits;
pub mod pricing;
pub mod rng;
pub mod time;
