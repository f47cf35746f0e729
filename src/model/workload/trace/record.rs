//! One recorded request as every format reads it, and the rules every row must meet.

use crate::foundations::limits::MAX_TRACE_ROW_TOKENS;

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

/// Every token count of a row is at most [`MAX_TRACE_ROW_TOKENS`]: a hundred times the
/// largest context window, so above it a count is a corrupt cell, and token sums over billions
/// of rows stay far inside `u64`. Part of [`check`], so every reader refuses such a row as a row
/// error naming its line (skippable with `--skip-bad-rows`, like any bad row).
fn check_sizes(r: &TraceRecord) -> Result<(), String> {
    for (field, n) in [
        ("input_tokens", Some(r.input_tokens)),
        ("output_tokens", Some(r.output_tokens)),
        ("cache_read_tokens", r.cache_read_tokens),
        ("cache_write_tokens", r.cache_write_tokens),
        ("reasoning_tokens", r.reasoning_tokens),
        ("block_tokens", r.block_tokens),
    ] {
        if let Some(n) = n
            && n > MAX_TRACE_ROW_TOKENS
        {
            return Err(format!(
                "{field}: {n} tokens is beyond any real request; at most {MAX_TRACE_ROW_TOKENS} \
                 tokens per row are accepted"
            ));
        }
    }
    Ok(())
}

/// Rules every format's rows must meet: a timestamp before the year 3000, plausible token counts
/// and consistent ones.
pub(super) fn check(r: &TraceRecord) -> Result<(), String> {
    super::span::check_time(r.time_ms)?;
    check_sizes(r)?;
    let cached = r
        .cache_read_tokens
        .unwrap_or(0)
        .saturating_add(r.cache_write_tokens.unwrap_or(0));
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
    check_blocks(r)
}

/// Prefix blocks cover the prompt: block `i` holds tokens `[i·b, min((i+1)·b, input_tokens))`
/// (the last one may be partial), as `audit` counts reuse and `replay` caches them, so each of
/// `n` blocks holds at least one token: `input_tokens > (n − 1) × block_tokens`. More block ids
/// than that would be blocks of no tokens, which `audit` and `replay` would read differently.
/// Readers that have a block size of their own set it (Mooncake's 512); a row with block ids
/// and no `block_tokens` cannot say how many tokens they cover, so it is refused rather than
/// read as no reuse (`audit`) or refused later (`replay`).
fn check_blocks(r: &TraceRecord) -> Result<(), String> {
    let n = r.prefix_hashes.len() as u64;
    if n == 0 {
        return Ok(());
    }
    let Some(block) = r.block_tokens else {
        return Err(format!(
            "{n} prefix_hashes without block_tokens; give block_tokens, the tokens each prefix \
             block holds (e.g. 512)"
        ));
    };
    if block == 0 {
        return Err(format!(
            "block_tokens is 0 with {n} prefix_hashes; a prefix block holds at least 1 token"
        ));
    }
    let before_last = (n - 1).saturating_mul(block);
    if r.input_tokens <= before_last {
        return Err(format!(
            "prefix_hashes: {n} blocks of block_tokens {block} are more than input_tokens ({}) \
             fill; {n} blocks need input_tokens above {before_last} (the last block holds at \
             least 1 token), and {} tokens fill at most {} blocks",
            r.input_tokens,
            r.input_tokens,
            r.input_tokens.div_ceil(block)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_beyond_the_plausible_size_is_refused_naming_the_count() {
        let mut r = TraceRecord {
            input_tokens: MAX_TRACE_ROW_TOKENS,
            output_tokens: 10,
            ..TraceRecord::default()
        };
        assert_eq!(check_sizes(&r), Ok(()));
        r.cache_read_tokens = Some(10_000_000_000_000_000_000);
        assert_eq!(
            check_sizes(&r),
            Err(
                "cache_read_tokens: 10000000000000000000 tokens is beyond any real request; \
                 at most 100000000 tokens per row are accepted"
                    .to_string()
            )
        );
        // The consistency check no longer overflows on such a row (it used to panic in debug).
        r.cache_write_tokens = Some(u64::MAX);
        assert!(check(&r).is_err());
    }

    #[test]
    fn prefix_blocks_must_each_hold_a_token_of_the_prompt() {
        let row = |input_tokens, n: u64, block| TraceRecord {
            input_tokens,
            prefix_hashes: (0..n).collect(),
            block_tokens: block,
            ..TraceRecord::default()
        };
        // 3 blocks of 512: the last one partial, down to 1 token.
        assert_eq!(check(&row(1536, 3, Some(512))), Ok(()));
        assert_eq!(check(&row(1025, 3, Some(512))), Ok(()));
        assert_eq!(
            check(&row(1024, 3, Some(512))),
            Err(
                "prefix_hashes: 3 blocks of block_tokens 512 are more than input_tokens (1024) \
                 fill; 3 blocks need input_tokens above 1024 (the last block holds at least 1 \
                 token), and 1024 tokens fill at most 2 blocks"
                    .to_string()
            )
        );
        assert!(
            check(&row(10, 1, Some(0)))
                .unwrap_err()
                .contains("block_tokens is 0")
        );
        // Without a block size (readers with one of their own set it), or without blocks.
        assert!(
            check(&row(10, 5, None))
                .unwrap_err()
                .contains("5 prefix_hashes without block_tokens")
        );
        assert_eq!(check(&row(0, 0, Some(512))), Ok(()));
        // A huge block size does not overflow.
        assert!(check(&row(10, 3, Some(u64::MAX))).is_err());
    }
}
