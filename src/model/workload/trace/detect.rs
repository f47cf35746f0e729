//! Recognising a trace's format from its first line, and the message when nothing matches.
//!
//! Detection looks only at the first line (a CSV header or a first JSON object), so it costs
//! nothing per row; `--trace-format` skips it. OTLP files are recognised by their first bytes
//! before any line is read (`otlp::is_framed_proto`, `otlp::is_otlp_json`): a protobuf file
//! has no lines, and an OTLP/JSON line (a whole collector batch) may pass the 1 MiB a text
//! trace's line is held to.
//! A JSON array (LiteLLM's `/spend/logs` export, the only format that is one) is recognised by
//! its first byte before any line is read, as the whole array may be one line (`reader`).

use super::TraceFormat;
use super::error::TraceError;

/// Recognise a format from the first line.
pub fn detect(first: &str) -> Option<TraceFormat> {
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(first).ok()?;
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
    }
}
