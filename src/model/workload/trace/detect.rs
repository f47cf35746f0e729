//! Recognising a trace's format from its first line, and the message when nothing matches.
//!
//! Detection looks only at the first line (a CSV header or a first JSON object), so it costs
//! nothing per row; `--trace-format` skips it. OTLP files are recognised by their first bytes
//! before any line is read (`otlp::is_framed_proto`, `otlp::is_otlp_json`): a protobuf file
//! has no lines, and an OTLP/JSON line (a whole collector batch) may pass the 1 MiB a text
//! trace's line is held to.
//! A JSON array (LiteLLM's `/spend/logs` export, the only format that is one) is recognised by
//! its first byte before any line is read, as the whole array may be one line (`reader`).
//! A provider's usage report is a document of JSON pages, often pretty-printed: when the first
//! line is not a whole object, the document's first page decides ([`document_format`]).

use super::TraceFormat;
use super::error::TraceError;
use super::pages::{Document, PageKind};

/// Recognise a format from the first line.
pub fn detect(first: &str) -> Option<TraceFormat> {
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(first).ok()?;
        if let Some(kind) = PageKind::of(&v) {
            return page_format(kind);
        }
        let o = v.as_object()?;
        if o.contains_key("resourceSpans") {
            return Some(TraceFormat::OtlpJson);
        }
        if o.contains_key("usage_details") && o.contains_key("type") {
            return Some(TraceFormat::Langfuse);
        }
        if o.contains_key("request_created_at") && o.contains_key("prompt_tokens") {
            return Some(TraceFormat::Helicone);
        }
        if o.contains_key("input_length") {
            return Some(TraceFormat::Mooncake);
        }
        if o.contains_key("input_tokens") {
            return Some(TraceFormat::NativeJsonl);
        }
        if o.contains_key("startTime") && o.contains_key("prompt_tokens") {
            return Some(TraceFormat::LiteLlm);
        }
        return None;
    }
    let cols: Vec<&str> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |c: &str| cols.contains(&c);
    if cols == ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] {
        Some(TraceFormat::Azure)
    } else if has("Request tokens") && has("Response tokens") {
        Some(TraceFormat::BurstGpt)
    } else if has("usage_details") && has("start_time") {
        Some(TraceFormat::Langfuse)
    } else if has("request_created_at") && has("prompt_tokens") {
        Some(TraceFormat::Helicone)
    } else if has("startTime") && has("prompt_tokens") {
        Some(TraceFormat::LiteLlm)
    } else if has("timestamp") && has("input_tokens") {
        Some(TraceFormat::NativeCsv)
    } else {
        None
    }
}

/// The trace format of a page of `kind`: the usage reports; cost reports are not traces.
fn page_format(kind: PageKind) -> Option<TraceFormat> {
    match kind {
        PageKind::OpenAiUsage | PageKind::OpenAiOtherUsage => Some(TraceFormat::OpenAiUsage),
        PageKind::AnthropicUsage => Some(TraceFormat::AnthropicUsage),
        PageKind::OpenAiCosts | PageKind::AnthropicCosts => None,
    }
}

/// The format of the document `text` of the file `path` (opening with `{`, its first line not
/// a whole object): the kind of its first page, or an error saying what was seen.
pub(super) fn document_format(path: &str, text: &str) -> Result<TraceFormat, TraceError> {
    let unknown = |detail: String| TraceError::UnknownFormat {
        path: path.to_string(),
        detail,
    };
    let doc = Document::new(text);
    let first = match doc.pages().into_iter().next() {
        Some(Ok(page)) => page,
        Some(Err((line, message))) => {
            return Err(unknown(format!(
                "a JSON document that does not parse at line {line}: {message}"
            )));
        }
        None => return Err(unknown("the file is empty".to_string())),
    };
    let value: serde_json::Value = serde_json::from_str(first.get())
        .map_err(|e| unknown(format!("a JSON document that does not parse: {e}")))?;
    match PageKind::of(&value) {
        Some(kind @ (PageKind::OpenAiCosts | PageKind::AnthropicCosts)) => Err(unknown(format!(
            "a cost report page ({}), not usage; compare it with the usage report through \
             `audit USAGE --recorded-costs COSTS`",
            if kind == PageKind::OpenAiCosts {
                "OpenAI costs"
            } else {
                "Anthropic cost_report"
            }
        ))),
        Some(kind) => Ok(page_format(kind).unwrap_or(TraceFormat::OpenAiUsage)),
        None => Err(unknown(
            "a JSON document that is neither an OpenAI usage page nor an Anthropic usage \
             report page"
                .to_string(),
        )),
    }
}

/// The format of the file `path` whose first line is `first`: `forced` when given, else the
/// detected one, else an error saying what was seen.
pub(super) fn format_of(
    path: &str,
    first: &str,
    forced: Option<TraceFormat>,
) -> Result<TraceFormat, TraceError> {
    match forced {
        Some(f) => Ok(f),
        None => detect(first).ok_or_else(|| TraceError::UnknownFormat {
            path: path.to_string(),
            detail: if first.is_empty() {
                "the file is empty".to_string()
            } else if first.contains(|c: char| c.is_control() && c != '\t') {
                "the first line holds control characters: binary data, not a text trace".to_string()
            } else {
                format!("first line {:?}", truncate(first, 80))
            },
        }),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(
            detect("TIMESTAMP,ContextTokens,GeneratedTokens"),
            Some(TraceFormat::Azure)
        );
        assert_eq!(
            detect(
                "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [0]}"
            ),
            Some(TraceFormat::Mooncake)
        );
        assert_eq!(
            detect("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type"),
            Some(TraceFormat::BurstGpt)
        );
        assert_eq!(
            detect(
                "request_id,call_type,spend,total_tokens,prompt_tokens,completion_tokens,startTime,model"
            ),
            Some(TraceFormat::LiteLlm)
        );
        assert_eq!(
            detect("timestamp,input_tokens,output_tokens"),
            Some(TraceFormat::NativeCsv)
        );
        assert_eq!(
            detect("{\"timestamp\": 0, \"input_tokens\": 5}"),
            Some(TraceFormat::NativeJsonl)
        );
        assert_eq!(
            detect("{\"resourceSpans\": []}"),
            Some(TraceFormat::OtlpJson)
        );
        assert_eq!(
            detect("id,trace_id,type,start_time,provided_model_name,usage_details,total_cost"),
            Some(TraceFormat::Langfuse)
        );
        assert_eq!(
            detect(
                "{\"type\": \"SPAN\", \"start_time\": \"2026-01-05 09:00:00.000\", \"usage_details\": {}}"
            ),
            Some(TraceFormat::Langfuse)
        );
        assert_eq!(
            detect(
                "response_id,response_created_at,response_status,request_created_at,request_body,request_properties,request_user_id,model,prompt_tokens,completion_tokens,latency,cost_usd"
            ),
            Some(TraceFormat::Helicone)
        );
        assert_eq!(
            detect("{\"request_created_at\": \"2026-01-05T09:00:00Z\", \"prompt_tokens\": 5}"),
            Some(TraceFormat::Helicone)
        );
        assert_eq!(
            detect("{\"request_id\": \"r\", \"startTime\": \"2026-01-01\", \"prompt_tokens\": 1}"),
            Some(TraceFormat::LiteLlm)
        );
        assert_eq!(detect("a,b,c"), None);
        assert_eq!(
            detect(
                r#"{"object":"page","data":[{"object":"bucket","start_time":1,"results":[]}],"has_more":false}"#
            ),
            Some(TraceFormat::OpenAiUsage)
        );
        assert_eq!(
            detect(
                r#"{"data":[{"starting_at":"2025-08-01T00:00:00Z","results":[{"uncached_input_tokens":1}]}],"has_more":false}"#
            ),
            Some(TraceFormat::AnthropicUsage)
        );
        assert_eq!(
            detect(
                r#"{"data":[{"starting_at":"2025-08-01T00:00:00Z","results":[{"amount":"1"}]}],"has_more":false}"#
            ),
            None
        );
    }
}
