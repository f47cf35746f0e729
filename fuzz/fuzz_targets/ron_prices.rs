//! A RON price catalog (`--prices FILE.ron`, a scenario's `prices`): parse and validate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokencast::Catalog;

fuzz_target!(|data: &[u8]| {
    // `Catalog::load` reads the file as UTF-8 text, then calls `from_ron_str`.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Catalog::from_ron_str(text, "fuzz.ron");
    }
});
