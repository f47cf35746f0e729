//! A document of JSON pages: what a provider's admin API returns (the OpenAI usage and costs
//! APIs, Anthropic's usage and cost reports), saved as it came, one page per file
//! (pretty-printed or not) or one page per line.
//!
//! A page is read whole, not line by line, so a document is bounded as a whole, by
//! [`MAX_DOCUMENT_BYTES`]. Values are kept as raw JSON text until read, so each result's line
//! in the file is known, and every error names its JSON path (`data[1].results[0].input_tokens`).

use std::collections::BTreeMap;
use std::io::{BufRead, Read};

use serde_json::Value;
use serde_json::value::RawValue;

use super::error::TraceError;

/// The largest document of pages read, in bytes (256 MiB; a page is a few hundred kilobytes).
pub(super) const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// What a page holds, from its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PageKind {
    /// OpenAI `/v1/organization/usage/completions` (or a page with no results yet).
    OpenAiUsage,
    /// OpenAI `/v1/organization/usage/...` of another kind (embeddings, images, ...).
    OpenAiOtherUsage,
    /// OpenAI `/v1/organization/costs`.
    OpenAiCosts,
    /// Anthropic `/v1/organizations/usage_report/messages`.
    AnthropicUsage,
    /// Anthropic `/v1/organizations/cost_report`.
    AnthropicCosts,
}

impl PageKind {
    /// The page kind of a parsed JSON value, if it is a page of a known API.
    pub(super) fn of(v: &Value) -> Option<PageKind> {
        let o = v.as_object()?;
        let data = o.get("data")?.as_array()?;
        let first_result = data
            .iter()
            .filter_map(|b| b.get("results")?.as_array()?.first())
            .next();
        if o.get("object").and_then(Value::as_str) == Some("page") {
            return Some(match first_result.and_then(|r| r.get("object")?.as_str()) {
                Some("organization.costs.result") => PageKind::OpenAiCosts,
                Some(s) if s.starts_with("organization.usage.") && !s.contains("completions") => {
                    PageKind::OpenAiOtherUsage
                }
                _ => PageKind::OpenAiUsage,
            });
        }
        let anthropic_bucket = data.first().map_or(o.contains_key("has_more"), |b| {
            b.get("starting_at").is_some()
        });
        if !anthropic_bucket {
            return None;
        }
        match first_result {
            Some(r) if r.get("amount").is_some() => Some(PageKind::AnthropicCosts),
            Some(r) if r.get("uncached_input_tokens").is_some() => Some(PageKind::AnthropicUsage),
            Some(_) => None,
            None => Some(PageKind::AnthropicUsage),
        }
    }
}

/// The text of a document read from `reader` (the first `head` bytes already read from it),
/// at most [`MAX_DOCUMENT_BYTES`]; errors name `name`.
pub(super) fn read_document(
    name: &str,
    mut head: Vec<u8>,
    reader: impl BufRead,
) -> Result<String, TraceError> {
    let room = (MAX_DOCUMENT_BYTES + 1).saturating_sub(head.len() as u64);
    reader
        .take(room)
        .read_to_end(&mut head)
        .map_err(|e| TraceError::io(name, e))?;
    if head.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(TraceError::Directory {
            path: name.to_string(),
            message: format!(
                "a document of JSON pages larger than {MAX_DOCUMENT_BYTES} bytes (256 MiB); save \
                 the pages as several files in a directory, or one page per line"
            ),
        });
    }
    String::from_utf8(head).map_err(|e| {
        TraceError::row(
            name,
            line_at(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
            "the document is not UTF-8 text",
        )
    })
}

/// 1-based line of the byte after `before`.
fn line_at(before: &[u8]) -> u64 {
    1 + before.iter().filter(|b| **b == b'\n').count() as u64
}

/// A document of pages and where its values are.
pub(super) struct Document<'a> {
    /// The document's text.
    pub(super) text: &'a str,
    /// Byte offsets of its line breaks.
    breaks: Vec<usize>,
}

impl<'a> Document<'a> {
    /// The document `text`.
    pub(super) fn new(text: &'a str) -> Document<'a> {
        let breaks = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Document { text, breaks }
    }

    /// The 1-based line where `raw` (a value of this document) starts.
    pub(super) fn line_of(&self, raw: &RawValue) -> u64 {
        let at = (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        1 + self.breaks.partition_point(|b| *b < at) as u64
    }

    /// The pages, in order: JSON values separated by whitespace. A value that does not parse
    /// ends the list with its error, as `(line, message)`.
    pub(super) fn pages(&self) -> Vec<Result<&'a RawValue, (u64, String)>> {
        let mut out = Vec::new();
        let text = self.text.trim_start_matches('\u{feff}');
        for v in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
            match v {
                Ok(raw) => out.push(Ok(raw)),
                Err(e) => {
                    out.push(Err((e.line() as u64, format!("not a JSON page: {e}"))));
                    break;
                }
            }
        }
        out
    }
}

/// The members of the object `raw` at JSON path `path`.
pub(super) fn members<'a>(
    raw: &'a RawValue,
    path: &str,
) -> Result<BTreeMap<String, &'a RawValue>, String> {
    serde_json::from_str(raw.get()).map_err(|_| {
        format!(
            "{}: expected a JSON object, got {}",
            at(path),
            short(raw.get())
        )
    })
}

/// The elements of the array `raw` at JSON path `path`.
pub(super) fn elements<'a>(raw: &'a RawValue, path: &str) -> Result<Vec<&'a RawValue>, String> {
    serde_json::from_str(raw.get())
        .map_err(|_| format!("{}: expected a list, got {}", at(path), short(raw.get())))
}

/// The member `key` of `object` at `path`, which must be there.
pub(super) fn required<'a>(
    object: &BTreeMap<String, &'a RawValue>,
    path: &str,
    key: &str,
) -> Result<&'a RawValue, String> {
    match object.get(key) {
        Some(v) if v.get() != "null" => Ok(v),
        _ => Err(format!("{}: missing", join(path, key))),
    }
}

/// `path.key`, or `key` at the top.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The path for messages: `the page` at the top.
fn at(path: &str) -> &str {
    if path.is_empty() { "the page" } else { path }
}

/// A JSON value as written, cut to 60 characters.
pub(super) fn short(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(60).collect::<String>())
    }
}

/// Unix seconds at `path`, as milliseconds.
pub(super) fn unix_seconds(raw: &RawValue, path: &str) -> Result<i64, String> {
    let s: Value = serde_json::from_str(raw.get()).map_err(|e| format!("{path}: {e}"))?;
    s.as_i64().and_then(|s| s.checked_mul(1000)).ok_or_else(|| {
        format!(
            "{path}: expected whole Unix seconds, got {}",
            short(raw.get())
        )
    })
}

/// An RFC 3339 time at `path`, as Unix milliseconds.
pub(super) fn rfc3339(raw: &RawValue, path: &str) -> Result<i64, String> {
    let s: Value = serde_json::from_str(raw.get()).map_err(|e| format!("{path}: {e}"))?;
    s.as_str()
        .and_then(super::parse::parse_time_ms)
        .ok_or_else(|| {
            format!(
                "{path}: expected an RFC 3339 time (2025-08-01T00:00:00Z), got {}",
                short(raw.get())
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_found_with_their_lines_and_kinds() {
        let text =
            "{\"object\":\"page\",\"data\":[]}\n{\n \"data\": [],\n \"has_more\": false\n}\n";
        let doc = Document::new(text);
        let pages: Vec<_> = doc.pages().into_iter().map(Result::unwrap).collect();
        assert_eq!(pages.len(), 2);
        assert_eq!(doc.line_of(pages[0]), 1);
        assert_eq!(doc.line_of(pages[1]), 2);
        let kind = |p: &RawValue| PageKind::of(&serde_json::from_str(p.get()).unwrap());
        assert_eq!(kind(pages[0]), Some(PageKind::OpenAiUsage));
        assert_eq!(kind(pages[1]), Some(PageKind::AnthropicUsage));
        let bad = Document::new("{\"data\": []}\n{\"data\": [}");
        let p = bad.pages();
        assert!(p[0].is_ok());
        assert_eq!(p[1].as_ref().unwrap_err().0, 2);
    }
}
