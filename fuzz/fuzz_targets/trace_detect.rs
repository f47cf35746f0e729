//! A trace of unknown format: its format detected from the first line (as `tokencast audit`
//! does without `--trace-format`), then every record read.
#![no_main]

mod trace_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trace_common::read_all(data, None));
