//! Mooncake FAST'25 rows: `timestamp` (ms), `input_length`, `output_length` and `hash_ids`,
//! one id per 512-token block of the prompt.

use super::json_row::JsonRow;
use super::record::TraceRecord;

/// Keys a Mooncake row may have.
const KEYS: [&str; 4] = ["timestamp", "input_length", "output_length", "hash_ids"];

/// A Mooncake row at `line`: only its keys, and as many block ids as the prompt has blocks.
pub(super) fn mooncake_record(o: &JsonRow<'_>, line: u64) -> Result<TraceRecord, String> {
    for k in o.object.keys() {
        if !KEYS.contains(&k.as_str()) {
            return Err(format!("unknown key `{k}` for the mooncake format"));
        }
    }
    let ms = o.count("timestamp")?.ok_or("timestamp: missing")?;
    // Above i64::MAX a cast would wrap to a negative time.
    let time_ms = i64::try_from(ms).map_err(|_| {
        format!(
            "timestamp: {ms} ms is beyond any time (at most {})",
            i64::MAX
        )
    })?;
    let r = TraceRecord {
        line,
        time_ms,
        input_tokens: o.count("input_length")?.ok_or("input_length: missing")?,
        output_tokens: o.count("output_length")?.ok_or("output_length: missing")?,
        prefix_hashes: o.hashes("hash_ids")?,
        block_tokens: Some(512),
        ..TraceRecord::default()
    };
    let blocks = r.input_tokens.div_ceil(512) as usize;
    if !r.prefix_hashes.is_empty() && r.prefix_hashes.len() != blocks {
        return Err(format!(
            "hash_ids has {} blocks but input_length {} needs ceil({}/512) = {blocks}",
            r.prefix_hashes.len(),
            r.input_tokens,
            r.input_tokens
        ));
    }
    Ok(r)
}
