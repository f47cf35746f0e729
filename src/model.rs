//! Model: what is being forecast, as data.
//!
//! The scenario ([`scenario`]: the RON schema, loading with `file:line:col`, validation into
//! domain types), the strategies it asks for and the settings of each lever ([`strategy`]), its
//! uncertain parameters ([`uncertain`]), and workloads behind one [`workload::Request`] stream:
//! synthetic traffic generated from the scenario and recorded traces read row by row. Uses only
//! [`crate::foundations`]; nothing here simulates or prices anything.

pub mod scenario;
pub mod strategy;
pub mod uncertain;
pub mod workload;
