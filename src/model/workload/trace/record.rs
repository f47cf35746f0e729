//! One recorded request as every format reads it, and the rules every row must meet.

use crate::foundations::limits::{MAX_BUCKET_ROW_TOKENS, MAX_TRACE_ROW_TOKENS};
use crate::foundations::rng::stable_hash;

/// One recorded request, or a bucket of requests (a provider's usage report).
#[derive(Debug, Clone, PartialEq)]
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
    /// Prompt tokens written to the provider's cache with a 5-minute TTL, or with the model's
    /// only (or default) TTL when it has no 5-minute one; for traces that do not split writes
    /// by TTL. A row gives either this or the per-TTL counts below, never both.
    pub cache_write_tokens: Option<u64>,
    /// Prompt tokens written to the cache with a 5-minute TTL (Anthropic's
    /// `usage.cache_creation.ephemeral_5m_input_tokens`).
    pub cache_write_5m_tokens: Option<u64>,
    /// Prompt tokens written to the cache with a 1-hour TTL (Anthropic's
    /// `usage.cache_creation.ephemeral_1h_input_tokens`).
    pub cache_write_1h_tokens: Option<u64>,
    /// Reasoning tokens (part of `output_tokens`).
    pub reasoning_tokens: Option<u64>,
    /// Prefix block ids, in prompt order.
    pub prefix_hashes: Vec<u64>,
    /// Tokens per prefix block.
    pub block_tokens: Option<u64>,
    /// Query intent (for semantic-cache analysis).
    pub intent: Option<String>,
    /// The prompt's segments as the application sent them (native `system_tokens`,
    /// `tools_tokens`, `history_tokens`, `context_tokens`; the rest of `input_tokens` is the new
    /// user message): the structure `replay` caches as `run` does. `synth` writes them.
    pub segments: Option<Segments>,
    /// Whether it went through a batch API.
    pub batch: Option<bool>,
    /// Provider as the source names it (`openai`, `anthropic`, `gcp.gemini`, ...), where it
    /// says.
    pub provider: Option<String>,
    /// What the source says the request cost, in US dollars (LiteLLM `spend`, Langfuse
    /// `total_cost`, Helicone `cost`), for `audit` to compare with the catalog's price.
    pub recorded_cost: Option<f64>,
    /// Tags and properties the source carries (`team_id`, `environment`, a Langfuse tag, a
    /// Helicone property), as key and value, for breakdowns by any of them.
    pub tags: Vec<(String, String)>,
    /// Which file of a directory the row came from (0 for a single file); names the file in
    /// messages through [`super::TraceReader::path_of`].
    pub file: u32,
    /// Requests the row stands for: 1 for a request log (the default); a usage report's
    /// bucket counts many (OpenAI's `num_model_requests`), and 0 when the source does not say
    /// how many (Anthropic's usage report), which `audit` reports as not known.
    pub requests: u64,
    /// Whether the source says the row was billed at its model's long-context tier (Anthropic's
    /// `context_window` of `200k-1M`); `None` to decide from `input_tokens`, as for a request.
    pub long_context: Option<bool>,
}

impl Default for TraceRecord {
    fn default() -> TraceRecord {
        TraceRecord {
            line: 0,
            time_ms: 0,
            input_tokens: 0,
            output_tokens: 0,
            session_id: None,
            endpoint: None,
            user_id: None,
            model: None,
            cache_read_tokens: None,
            cache_write_tokens: None,
            cache_write_5m_tokens: None,
            cache_write_1h_tokens: None,
            reasoning_tokens: None,
            prefix_hashes: Vec::new(),
            block_tokens: None,
            intent: None,
            segments: None,
            batch: None,
            provider: None,
            recorded_cost: None,
            tags: Vec::new(),
            file: 0,
            requests: 1,
            long_context: None,
        }
    }
}

/// A prompt's segments before the new user message, in prompt order: the system prompt, the
/// tool definitions, the conversation history re-sent (earlier user messages and answers) and
/// this turn's retrieved context. The same system and tools lengths on an endpoint are the same
/// static prefix; a turn's history continues its session's previous prompt and answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Segments {
    /// System prompt tokens.
    pub system: u64,
    /// Tool definition tokens.
    pub tools: u64,
    /// Conversation history tokens.
    pub history: u64,
    /// Retrieved context tokens.
    pub context: u64,
    /// The session's document (`document`, hashed with [`stable_hash`]: equal ids, equal
    /// documents), sent between the tools and the history, and its tokens.
    pub document: Option<(u64, u64)>,
}

impl Segments {
    /// The segments a row gives (a missing one is 0), or `None` when it gives none of them;
    /// an error when it gives `document` without `document_tokens` or the other way round.
    pub fn of(
        system: Option<u64>,
        tools: Option<u64>,
        history: Option<u64>,
        context: Option<u64>,
        document: Option<&str>,
        document_tokens: Option<u64>,
    ) -> Result<Option<Segments>, String> {
        let document = match (document, document_tokens) {
            (Some(id), Some(n)) => Some((stable_hash(id), n)),
            (None, None) => None,
            (Some(id), None) => {
                return Err(format!(
                    "document {id:?} without document_tokens; give the document's size in \
                     document_tokens"
                ));
            }
            (None, Some(n)) => {
                return Err(format!(
                    "document_tokens ({n}) without document; give the document's id in \
                     document (equal ids are the same document)"
                ));
            }
        };
        if system.is_none()
            && tools.is_none()
            && history.is_none()
            && context.is_none()
            && document.is_none()
        {
            return Ok(None);
        }
        Ok(Some(Segments {
            system: system.unwrap_or(0),
            tools: tools.unwrap_or(0),
            history: history.unwrap_or(0),
            context: context.unwrap_or(0),
            document,
        }))
    }

    /// Tokens of the document (0 without one).
    pub fn document_tokens(&self) -> u64 {
        self.document.map_or(0, |d| d.1)
    }

    /// Tokens of the segments together (saturating; [`check`] bounds each).
    pub fn total(&self) -> u64 {
        self.system
            .saturating_add(self.tools)
            .saturating_add(self.document_tokens())
            .saturating_add(self.history)
            .saturating_add(self.context)
    }
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
/// error naming its line (skippable with `--skip-bad-rows`, like any bad row). A bucket of
/// `n` requests may hold `n` times as many, up to [`MAX_BUCKET_ROW_TOKENS`] (also the bound
/// of a bucket whose request count is not known).
fn check_sizes(r: &TraceRecord) -> Result<(), String> {
    let limit = match r.requests {
        1 => MAX_TRACE_ROW_TOKENS,
        0 => MAX_BUCKET_ROW_TOKENS,
        n => MAX_TRACE_ROW_TOKENS
            .saturating_mul(n)
            .min(MAX_BUCKET_ROW_TOKENS),
    };
    for (field, n) in [
        ("input_tokens", Some(r.input_tokens)),
        ("output_tokens", Some(r.output_tokens)),
        ("cache_read_tokens", r.cache_read_tokens),
        ("cache_write_tokens", r.cache_write_tokens),
        ("cache_write_5m_tokens", r.cache_write_5m_tokens),
        ("cache_write_1h_tokens", r.cache_write_1h_tokens),
        ("reasoning_tokens", r.reasoning_tokens),
        ("block_tokens", r.block_tokens),
        ("system_tokens", r.segments.map(|s| s.system)),
        ("tools_tokens", r.segments.map(|s| s.tools)),
        ("history_tokens", r.segments.map(|s| s.history)),
        ("context_tokens", r.segments.map(|s| s.context)),
        ("document_tokens", r.segments.map(|s| s.document_tokens())),
    ] {
        if let Some(n) = n
            && n > limit
        {
            if r.requests == 1 {
                return Err(format!(
                    "{field}: {n} tokens is beyond any real request; at most \
                     {MAX_TRACE_ROW_TOKENS} tokens per row are accepted"
                ));
            }
            return Err(format!(
                "{field}: {n} tokens is beyond any real usage bucket of {} requests; at most \
                 {limit} tokens are accepted",
                r.requests
            ));
        }
    }
    Ok(())
}

impl TraceRecord {
    /// Take the endpoint from the tag `key` (`--endpoint-from`): the row's first value of the
    /// tag, when it has one; its own endpoint otherwise.
    pub fn endpoint_from_tag(&mut self, key: &str) {
        if let Some((_, v)) = self.tags.iter().find(|(k, _)| k == key) {
            let v = v.clone();
            set(&mut self.endpoint, Some(&v));
        }
    }

    /// Prompt tokens written to the cache, every TTL together (`cache_write_tokens`, or
    /// `cache_write_5m_tokens` + `cache_write_1h_tokens`). Saturates; [`check`] bounds each
    /// count, so a checked row's sum is exact.
    pub fn cache_write_total(&self) -> u64 {
        self.cache_write_tokens
            .unwrap_or(0)
            .saturating_add(self.cache_write_5m_tokens.unwrap_or(0))
            .saturating_add(self.cache_write_1h_tokens.unwrap_or(0))
    }
}

/// Rules every format's rows must meet: a timestamp before the year 3000, plausible token counts
/// and consistent ones.
pub(super) fn check(r: &TraceRecord) -> Result<(), String> {
    super::span::check_time(r.time_ms)?;
    check_sizes(r)?;
    check_write_columns(r)?;
    let cached = r
        .cache_read_tokens
        .unwrap_or(0)
        .saturating_add(r.cache_write_total());
    if cached > r.input_tokens {
        let writes = if r.cache_write_5m_tokens.is_some() || r.cache_write_1h_tokens.is_some() {
            "cache_write_5m_tokens + cache_write_1h_tokens"
        } else {
            "cache_write_tokens"
        };
        return Err(format!(
            "cache_read_tokens + {writes} ({cached}) exceed input_tokens ({}); input_tokens must include cached tokens",
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
    check_segments(r)?;
    check_blocks(r)
}

/// Prompt segments fit in the prompt, and a row gives either segments or prefix blocks: both
/// describe what the prompt shares with others, and they could disagree.
fn check_segments(r: &TraceRecord) -> Result<(), String> {
    let Some(s) = r.segments else {
        return Ok(());
    };
    if s.total() > r.input_tokens {
        return Err(format!(
            "system_tokens + tools_tokens + document_tokens + history_tokens + context_tokens \
             ({}) exceed input_tokens ({}); input_tokens is the whole prompt, these are parts of it",
            s.total(),
            r.input_tokens
        ));
    }
    if !r.prefix_hashes.is_empty() {
        return Err(
            "both prompt segments (system_tokens, tools_tokens, document, history_tokens, \
             context_tokens) and prefix_hashes; give one: segments for a prompt whose structure you log, \
             prefix_hashes for one whose blocks you hash"
                .to_string(),
        );
    }
    Ok(())
}

/// A row gives its cache writes either as `cache_write_tokens` (one count, 5-minute or the
/// model's only TTL) or split by TTL (`cache_write_5m_tokens`, `cache_write_1h_tokens`), never
/// both, zeros included: with both, `cache_write_tokens` could be the 5-minute part or the total
/// of every TTL (Anthropic's `cache_creation_input_tokens` is the total), and the row's price
/// would depend on which was meant.
fn check_write_columns(r: &TraceRecord) -> Result<(), String> {
    let Some(generic) = r.cache_write_tokens else {
        return Ok(());
    };
    let split = [
        ("cache_write_5m_tokens", r.cache_write_5m_tokens),
        ("cache_write_1h_tokens", r.cache_write_1h_tokens),
    ];
    for (field, n) in split {
        if let Some(n) = n {
            return Err(format!(
                "both cache_write_tokens ({generic}) and {field} ({n}); give writes split by TTL \
                 as cache_write_5m_tokens and cache_write_1h_tokens and leave cache_write_tokens \
                 empty, or only cache_write_tokens when the trace does not say the TTL"
            ));
        }
    }
    Ok(())
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
    fn prompt_segments_fit_in_the_prompt_and_exclude_prefix_hashes() {
        let seg = |s, t, h, c| Segments::of(s, t, h, c, None, None).unwrap();
        let mut r = TraceRecord {
            input_tokens: 1000,
            output_tokens: 10,
            segments: seg(Some(600), None, Some(300), Some(100)),
            ..TraceRecord::default()
        };
        assert_eq!(r.segments.map(|s| s.tools), Some(0));
        assert_eq!(check(&r), Ok(()));
        r.segments = seg(Some(600), None, Some(300), Some(101));
        let e = check(&r).unwrap_err();
        assert!(e.contains("(1001) exceed input_tokens (1000)"), "{e}");
        // The document counts in the prompt too.
        r.segments = Segments::of(
            Some(600),
            None,
            Some(300),
            None,
            Some("handbook"),
            Some(101),
        )
        .unwrap();
        let e = check(&r).unwrap_err();
        assert!(e.contains("document_tokens + history_tokens"), "{e}");
        assert!(e.contains("(1001) exceed input_tokens (1000)"), "{e}");
        r.segments = seg(None, Some(10), None, None);
        r.prefix_hashes = vec![1, 2];
        r.block_tokens = Some(512);
        assert!(check(&r).unwrap_err().contains("give one"));
        assert_eq!(seg(None, None, None, None), None);
        r.segments = seg(Some(MAX_TRACE_ROW_TOKENS + 1), None, None, None);
        assert!(check(&r).unwrap_err().starts_with("system_tokens: "));
    }

    #[test]
    fn a_document_needs_its_id_and_its_size() {
        let d = Segments::of(None, None, None, None, Some("handbook"), Some(900)).unwrap();
        let d = d.unwrap();
        assert_eq!(d.document, Some((stable_hash("handbook"), 900)));
        assert_eq!((d.document_tokens(), d.total()), (900, 900));
        let e = Segments::of(None, None, None, None, Some("handbook"), None).unwrap_err();
        assert_eq!(
            e,
            "document \"handbook\" without document_tokens; give the document's size in \
             document_tokens"
        );
        let e = Segments::of(Some(5), None, None, None, None, Some(900)).unwrap_err();
        assert_eq!(
            e,
            "document_tokens (900) without document; give the document's id in document \
             (equal ids are the same document)"
        );
    }

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
    fn cache_writes_split_by_ttl_are_checked_with_the_other_cached_tokens() {
        let row = |read, write, w5m, w1h| TraceRecord {
            input_tokens: 1000,
            output_tokens: 10,
            cache_read_tokens: read,
            cache_write_tokens: write,
            cache_write_5m_tokens: w5m,
            cache_write_1h_tokens: w1h,
            ..TraceRecord::default()
        };
        // Reads and both TTLs up to input_tokens; the split columns alone or with reads.
        assert_eq!(check(&row(Some(400), None, Some(200), Some(400))), Ok(()));
        assert_eq!(check(&row(None, None, None, Some(1000))), Ok(()));
        assert_eq!(
            row(Some(400), None, Some(200), Some(400)).cache_write_total(),
            600
        );
        assert_eq!(
            check(&row(Some(400), None, Some(200), Some(401))),
            Err(
                "cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens (1001) exceed \
                 input_tokens (1000); input_tokens must include cached tokens"
                    .to_string()
            )
        );
        // Without the split columns the message is as before.
        assert_eq!(
            check(&row(Some(600), Some(401), None, None)),
            Err(
                "cache_read_tokens + cache_write_tokens (1001) exceed input_tokens (1000); \
                 input_tokens must include cached tokens"
                    .to_string()
            )
        );
        // cache_write_tokens with a split column, zeros included: which one to use.
        let both = "both cache_write_tokens (100) and cache_write_5m_tokens (100); give writes \
                    split by TTL as cache_write_5m_tokens and cache_write_1h_tokens and leave \
                    cache_write_tokens empty, or only cache_write_tokens when the trace does not \
                    say the TTL";
        assert_eq!(
            check(&row(None, Some(100), Some(100), None)),
            Err(both.to_string())
        );
        assert!(
            check(&row(None, Some(100), None, Some(0)))
                .unwrap_err()
                .starts_with("both cache_write_tokens (100) and cache_write_1h_tokens (0);")
        );
        // Each split count within the size limit, without overflowing the sum.
        assert_eq!(
            check(&row(None, None, Some(u64::MAX), Some(u64::MAX))),
            Err(format!(
                "cache_write_5m_tokens: {} tokens is beyond any real request; at most \
                 {MAX_TRACE_ROW_TOKENS} tokens per row are accepted",
                u64::MAX
            ))
        );
        assert!(
            check(&row(None, None, Some(1), Some(MAX_TRACE_ROW_TOKENS + 1)))
                .unwrap_err()
                .starts_with("cache_write_1h_tokens: 100000001 tokens is beyond")
        );
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
