//! The Mooncake (FAST'25) JSON-lines trace: every record of a trace read with `--trace-format mooncake`.
#![no_main]

mod trace_common;

use libfuzzer_sys::fuzz_target;
use tokencast::workload::trace::TraceFormat;

fuzz_target!(|data: &[u8]| trace_common::read_all(data, Some(TraceFormat::Mooncake)));
