//! Output: one renderer per format, reading only the report model.
//!
//! Text table ([`table`]), markdown ([`markdown`]), CSV ([`csv`]), JSON ([`json`]), the
//! forecast views shared by the text formats ([`forecast`]), number formatting ([`format`](mod@format)),
//! charts ([`plot`]), the self-contained HTML page ([`html`]) and the renderings of a diff
//! ([`diff`]). A change here cannot change a figure: renderers receive a finished
//! [`crate::analysis::report::Report`] (or diff) and write it.

pub mod backtest;
pub mod csv;
pub mod diff;
pub mod forecast;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod plot;
pub mod table;
