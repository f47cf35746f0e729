//! A LiteLLM JSON price map (`--prices FILE.json`, `tokencast prices --import`): import and
//! validate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokencast::Catalog;

fuzz_target!(|data: &[u8]| {
    // `Catalog::load` reads the file as UTF-8 text, then imports it with the stats variant.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Catalog::from_litellm_str_with_stats(text, "fuzz.json");
    }
});
