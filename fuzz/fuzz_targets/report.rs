//! A saved JSON report (`--format json`): read it as `tokencast plot` and `diff` do, then draw
//! its charts and page (`plot`) and compare it with itself (`diff` of two reports).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokencast::Report;
use tokencast::diff::compare_reports;
use tokencast::output::html;
use tokencast::plot::{self, ChartKind};

fuzz_target!(|data: &[u8]| {
    let Ok(report) = Report::from_json(data) else {
        return;
    };
    for kind in ChartKind::available_for(&report) {
        let _ = plot::svg(&report, kind);
    }
    let _ = html::render(&report, None);
    let side = Some((&report, "report"));
    let _ = compare_reports("fuzz.json", side, side, Vec::new());
});
