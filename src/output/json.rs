//! JSON export: the report contract of DESIGN.md, keys sorted, pretty-printed.

use crate::analysis::report::Report;

/// The report as pretty JSON with sorted keys, ending in a newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    // Going through `Value` sorts every object's keys (serde_json's map is a BTreeMap here).
    let value = serde_json::to_value(report)?;
    let mut s = serde_json::to_string_pretty(&value)?;
    s.push('\n');
    Ok(s)
}
