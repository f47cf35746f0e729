//! `tokencast synth`: write a scenario's synthetic traffic as a native CSV trace.
//!
//! One run's requests, in time order, exactly as the application sends them before any lever:
//! `timestamp` (integer milliseconds from midnight of day 0), `input_tokens` (the whole prompt),
//! `output_tokens` (visible output plus reasoning, the native convention), `reasoning_tokens`,
//! `session_id`, `endpoint`, `user_id` (`endpoint/day/user`), `model` (the endpoint's) and
//! `intent` (opening queries of endpoints with `traffic.queries`). Prefix hashes are not written:
//! a replay of the file prices prompts without the synthetic segment structure.
//!
//! Rows are written as they are generated, so memory stays flat whatever the horizon.

use std::io::Write;

use crate::foundations::time::MS_PER_DAY;
use crate::model::scenario::Scenario;
use crate::model::workload::synthetic::Synthetic;

/// The header `synth` writes.
pub const HEADER: [&str; 9] = [
    "timestamp",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "session_id",
    "endpoint",
    "user_id",
    "model",
    "intent",
];

/// Write run `run` of `scenario` to `out` as native CSV; returns the number of rows.
pub fn write_trace<W: Write>(scenario: &Scenario, run: u64, out: W) -> Result<u64, String> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let err = |e: csv::Error| format!("cannot write the trace: {e}");
    w.write_record(HEADER).map_err(err)?;
    let mut rows = 0u64;
    for r in Synthetic::new(scenario, run)? {
        let e = &scenario.endpoints[r.endpoint as usize];
        let user = format!("{}/{}/{}", e.name, r.time.as_ms() / MS_PER_DAY, r.user);
        let intent = r.intent.map(|i| i.to_string()).unwrap_or_default();
        let fields = [
            r.time.as_ms().to_string(),
            r.prompt_tokens().to_string(),
            (r.output_tokens + r.reasoning_tokens).to_string(),
            r.reasoning_tokens.to_string(),
            r.session.to_string(),
        ];
        w.write_record(fields.iter().map(String::as_str).chain([
            e.name.as_str(),
            user.as_str(),
            e.model.as_str(),
            intent.as_str(),
        ]))
        .map_err(err)?;
        rows += 1;
    }
    w.flush()
        .map_err(|e| format!("cannot write the trace: {e}"))?;
    Ok(rows)
}
