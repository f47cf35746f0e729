//! One recorded request as every format reads it, and the rules every row must meet.

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceRecord {
    /// 1-based line of the row in the file.
    pub line: u64,
    /// Milliseconds: since the Unix epoch for dated formats, since trace start otherwise.
    pub time_ms: i64,
    /// Prompt tokens, cached ones included.
    pub input_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// Session (conversation) id.
    pub session_id: Option<String>,
    /// Endpoint (feature) name.
    pub endpoint: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Model id.
    pub model: Option<String>,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_tokens: Option<u64>,
    /// Prompt tokens written to the provider's cache.
    pub cache_write_tokens: Option<u64>,
    /// Reasoning tokens (part of `output_tokens`).
    pub reasoning_tokens: Option<u64>,
    /// Prefix block ids, in prompt order.
    pub prefix_hashes: Vec<u64>,
    /// Tokens per prefix block.
    pub block_tokens: Option<u64>,
    /// Query intent (for semantic-cache analysis).
    pub intent: Option<String>,
    /// Whether it went through a batch API.
    pub batch: Option<bool>,
}

/// Set an optional string field, reusing its buffer.
#[inline]
pub(super) fn set(field: &mut Option<String>, value: Option<&str>) {
    match (field.as_mut(), value) {
        (Some(buf), Some(v)) => {
            buf.clear();
            buf.push_str(v);
        }
        (None, Some(v)) => *field = Some(v.to_string()),
        (_, None) => *field = None,
    }
}

/// Most tokens a row may state in any one count (a billion: a thousand times the largest
/// context window in the catalog). A larger number is a corrupt row, and with the bound a
/// trace's totals cannot overflow (it would take over ten billion rows).
pub const MAX_ROW_TOKENS: u64 = 1_000_000_000;

/// Consistency rules every format's rows must meet.
pub(super) fn check(r: &TraceRecord) -> Result<(), String> {
    let counts = [
        ("input_tokens", Some(r.input_tokens)),
        ("output_tokens", Some(r.output_tokens)),
        ("cache_read_tokens", r.cache_read_tokens),
        ("cache_write_tokens", r.cache_write_tokens),
        ("reasoning_tokens", r.reasoning_tokens),
        ("block_tokens", r.block_tokens),
    ];
    for (name, count) in counts {
        if let Some(n) = count
            && n > MAX_ROW_TOKENS
        {
            return Err(format!(
                "{name} ({n}) is more than any request holds; at most {MAX_ROW_TOKENS} tokens per count are accepted"
            ));
        }
    }
    let cached = r.cache_read_tokens.unwrap_or(0) + r.cache_write_tokens.unwrap_or(0);
    if cached > r.input_tokens {
        return Err(format!(
            "cache_read_tokens + cache_write_tokens ({cached}) exceed input_tokens ({}); input_tokens must include cached tokens",
            r.input_tokens
        ));
    }
    if let Some(reasoning) = r.reasoning_tokens
        && reasoning > r.output_tokens
    {
        return Err(format!(
            "reasoning_tokens ({reasoning}) exceed output_tokens ({}); output_tokens must include reasoning",
            r.output_tokens
        ));
    }
    Ok(())
}
