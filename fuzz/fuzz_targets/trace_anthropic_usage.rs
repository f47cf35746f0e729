//! Saved pages of Anthropic's usage report: every bucket of a report read with `--trace-format anthropic-usage`.
#![no_main]

mod trace_common;

use libfuzzer_sys::fuzz_target;
use tokencast::workload::trace::TraceFormat;

fuzz_target!(|data: &[u8]| trace_common::read_all(data, Some(TraceFormat::AnthropicUsage)));
