//! HTML export: one self-contained page a reviewer opens from a CI artifact.
//!
//! The page holds the charts as inline SVG, the tables of the text report, and what the
//! forecast assumed (scenario file and its SHA-256, seed, runs, prices, uncertain parameters,
//! and the scenario's source when it is at hand). Nothing is fetched: no scripts, no external
//! stylesheets or fonts, no links to load. Like every exporter it is deterministic: the same
//! report gives the same bytes (no timestamps).
//!
//! The page skeleton (`page`) writes the sections in order: the cost tables (`costs`), the
//! charts (`charts`), unit economics (`economics`), the audit of recorded usage (`audit`) and
//! the assumptions (`assumptions`); `markup` holds the small pieces they share.

mod assumptions;
mod audit;
mod charts;
mod costs;
mod economics;
mod markup;
mod page;

pub use markup::escape;
pub use page::{CSP, render};
