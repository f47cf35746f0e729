//! `tokencast synth`: write a scenario's synthetic traffic as a native CSV trace.
//!
//! One run's requests, in time order, exactly as the application sends them before any lever:
//! `timestamp` (integer milliseconds since the Unix epoch when the scenario has a
//! `start_date`, from midnight of day 0 otherwise), `input_tokens` (the whole prompt),
//! `output_tokens` (visible output plus reasoning, the native convention), `reasoning_tokens`,
//! `session_id`, `endpoint`, `user_id` (`endpoint/day/user`), `model` (the endpoint's),
//! `intent` (opening queries of endpoints with `traffic.queries`) and the prompt's segments
//! before the user message (`system_tokens`, `tools_tokens`, `history_tokens`,
//! `context_tokens`) and the session's document (`document`, its id within the endpoint, and
//! `document_tokens`; empty without one): the structure the levers cache and trim, so that
//! `replay` of the file
//! through the scenario reproduces every strategy of `run` exactly.
//!
//! Rows are written as they are generated, so memory stays flat whatever the horizon.

use std::io::Write;

use crate::foundations::time::MS_PER_DAY;
use crate::model::scenario::Scenario;
use crate::model::workload::synthetic::Synthetic;

/// The header `synth` writes.
pub const HEADER: [&str; 15] = [
    "timestamp",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "session_id",
    "endpoint",
    "user_id",
    "model",
    "intent",
    "system_tokens",
    "tools_tokens",
    "history_tokens",
    "context_tokens",
    "document",
    "document_tokens",
];

/// Write run `run` of `scenario` to `out` as native CSV; returns the number of rows.
pub fn write_trace<W: Write>(scenario: &Scenario, run: u64, out: W) -> Result<u64, String> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let err = |e: csv::Error| format!("cannot write the trace: {e}");
    w.write_record(HEADER).map_err(err)?;
    let mut rows = 0u64;
    // (A start date before 1970 is written as an undated trace.)
    let day0_ms = scenario
        .start_date
        .map_or(0, |d| d.days_since_epoch().max(0) as u64 * MS_PER_DAY);
    for r in Synthetic::new(scenario, run)? {
        let e = &scenario.endpoints[r.endpoint as usize];
        let user = format!("{}/{}/{}", e.name, r.time.as_ms() / MS_PER_DAY, r.user);
        let intent = r.intent.map(|i| i.to_string()).unwrap_or_default();
        let counts = |xs: &[u64]| xs.iter().map(u64::to_string).collect::<Vec<_>>();
        let head = counts(&[
            day0_ms + r.time.as_ms(),
            r.prompt_tokens(),
            r.output_tokens + r.reasoning_tokens,
            r.reasoning_tokens,
            r.session,
        ]);
        let mut tail = counts(&[
            r.system_tokens,
            r.tools_tokens,
            r.history_tokens,
            r.context_tokens,
        ]);
        match r.document {
            Some(id) => tail.extend([id.to_string(), r.document_tokens.to_string()]),
            None => tail.extend([String::new(), String::new()]),
        }
        w.write_record(
            head.iter()
                .map(String::as_str)
                .chain([
                    e.name.as_str(),
                    user.as_str(),
                    e.model.as_str(),
                    intent.as_str(),
                ])
                .chain(tail.iter().map(String::as_str)),
        )
        .map_err(err)?;
        rows += 1;
    }
    w.flush()
        .map_err(|e| format!("cannot write the trace: {e}"))?;
    Ok(rows)
}
