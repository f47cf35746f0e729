//! Saved pages of the OpenAI organization usage API: every bucket of a report read with `--trace-format openai-usage`.
#![no_main]

mod trace_common;

use libfuzzer_sys::fuzz_target;
use tokencast::workload::trace::TraceFormat;

fuzz_target!(|data: &[u8]| trace_common::read_all(data, Some(TraceFormat::OpenAiUsage)));
