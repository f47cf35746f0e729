//! Writing a [`TraceRecord`] as one native JSON line, which the native JSONL reader reads back
//! into the same record (`collect` keeps what it receives this way).
//!
//! Keys are written in [`super::NATIVE_COLUMNS`] order and only when the record has the value;
//! the timestamp is integer milliseconds; tags are an object (read back in key order), or the
//! `key=value;...` string when a key repeats. What the native
//! format has no key for (a recorded cost, the row's file and line) is not written. A document id is written as
//! its decimal number, which the reader hashes again: equal documents stay equal.

use std::fmt::Write;

use super::record::TraceRecord;

/// The native JSON line of `r`, ending in `\n`.
pub fn native_jsonl_line(r: &TraceRecord) -> String {
    let mut s = String::with_capacity(160);
    write_native_jsonl_line(&mut s, r);
    s
}

/// Append the native JSON line of `r` to `s` (a request's rows share one buffer).
pub fn write_native_jsonl_line(s: &mut String, r: &TraceRecord) {
    // Writing to a String cannot fail.
    let _ = write!(
        s,
        "{{\"timestamp\":{},\"input_tokens\":{},\"output_tokens\":{}",
        r.time_ms, r.input_tokens, r.output_tokens
    );
    let text = |s: &mut String, k: &str, v: &Option<String>| {
        if let Some(v) = v {
            let _ = write!(s, ",\"{k}\":");
            json_string(s, v);
        }
    };
    let count = |s: &mut String, k: &str, v: Option<u64>| {
        if let Some(v) = v {
            let _ = write!(s, ",\"{k}\":{v}");
        }
    };
    text(s, "session_id", &r.session_id);
    text(s, "endpoint", &r.endpoint);
    text(s, "user_id", &r.user_id);
    text(s, "model", &r.model);
    count(s, "cache_read_tokens", r.cache_read_tokens);
    count(s, "cache_write_tokens", r.cache_write_tokens);
    count(s, "cache_write_5m_tokens", r.cache_write_5m_tokens);
    count(s, "cache_write_1h_tokens", r.cache_write_1h_tokens);
    count(s, "reasoning_tokens", r.reasoning_tokens);
    if !r.prefix_hashes.is_empty() {
        s.push_str(",\"prefix_hashes\":[");
        for (i, h) in r.prefix_hashes.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "{h}");
        }
        s.push(']');
    }
    count(s, "block_tokens", r.block_tokens);
    text(s, "intent", &r.intent);
    if let Some(b) = r.batch {
        let _ = write!(s, ",\"batch\":{b}");
    }
    if let Some(g) = &r.segments {
        count(s, "system_tokens", Some(g.system));
        count(s, "tools_tokens", Some(g.tools));
        count(s, "history_tokens", Some(g.history));
        count(s, "context_tokens", Some(g.context));
        if let Some((id, tokens)) = g.document {
            text(s, "document", &Some(id.to_string()));
            count(s, "document_tokens", Some(tokens));
        }
    }
    text(s, "provider", &r.provider);
    let repeated = r
        .tags
        .iter()
        .enumerate()
        .any(|(i, (k, _))| r.tags[..i].iter().any(|(k2, _)| k2 == k));
    if repeated {
        // A key given twice: the `key=value;...` form, which keeps every pair (a JSON object
        // names each key once).
        let pairs: Vec<String> = r.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text(s, "tags", &Some(pairs.join(";")));
    } else if !r.tags.is_empty() {
        s.push_str(",\"tags\":{");
        for (i, (k, v)) in r.tags.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            json_string(s, k);
            s.push(':');
            json_string(s, v);
        }
        s.push('}');
    }
    s.push_str("}\n");
}

/// `v` as a JSON string, escaped as serde_json escapes it (`"`, `\\` and control characters;
/// nothing else), without a copy of it.
fn json_string(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workload::trace::{TraceFormat, TraceReader};

    #[test]
    fn a_written_line_reads_back_as_the_record() {
        let r = TraceRecord {
            line: 1,
            time_ms: 1_764_979_200_123,
            input_tokens: 1200,
            output_tokens: 80,
            session_id: Some("conv \"7\"\n".into()),
            endpoint: Some("support".into()),
            user_id: Some("u-1".into()),
            model: Some("claude-sonnet-4-6".into()),
            cache_read_tokens: Some(1000),
            cache_write_5m_tokens: Some(150),
            reasoning_tokens: Some(20),
            prefix_hashes: vec![3, 9],
            block_tokens: Some(512),
            intent: Some("refund".into()),
            batch: Some(false),
            provider: Some("anthropic".into()),
            // In key order, as they are read back.
            tags: vec![
                ("environment".into(), "prod \"eu\"".into()),
                ("service".into(), "shop".into()),
            ],
            ..TraceRecord::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, native_jsonl_line(&r)).unwrap();
        let mut reader = TraceReader::open(&path, Some(TraceFormat::NativeJsonl)).unwrap();
        let back = reader.next().unwrap().unwrap();
        assert_eq!(back, r);
        assert!(reader.next().is_none());
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let all: String = (0u8..=127).map(char::from).chain("é€😀".chars()).collect();
        let mut s = String::new();
        json_string(&mut s, &all);
        assert_eq!(s, serde_json::to_string(&all).unwrap());
    }

    #[test]
    fn tags_with_a_repeated_key_keep_every_pair() {
        let r = TraceRecord {
            line: 1,
            time_ms: 5,
            input_tokens: 1,
            output_tokens: 1,
            tags: vec![("team".into(), "a".into()), ("team".into(), "b".into())],
            ..TraceRecord::default()
        };
        let line = native_jsonl_line(&r);
        assert!(line.contains("\"tags\":\"team=a;team=b\""), "{line}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, line).unwrap();
        let mut reader = TraceReader::open(&path, Some(TraceFormat::NativeJsonl)).unwrap();
        assert_eq!(reader.next().unwrap().unwrap(), r);
    }
}
