//! A Langfuse observations export as CSV or JSON lines: every record of a trace read with `--trace-format langfuse`.
#![no_main]

mod trace_common;

use libfuzzer_sys::fuzz_target;
use tokencast::workload::trace::TraceFormat;

fuzz_target!(|data: &[u8]| trace_common::read_all(data, Some(TraceFormat::Langfuse)));
