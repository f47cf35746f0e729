//! The providers' cost reports, saved as JSON pages, for `audit USAGE --recorded-costs COSTS`:
//! OpenAI's `GET /v1/organization/costs` and Anthropic's `GET /v1/organizations/cost_report`.
//! Each result is one [`CostLine`]: a day's cost of one model and token type where the report
//! says them.
//!
//! | line field | OpenAI costs result | Anthropic cost report result |
//! |---|---|---|
//! | `time_ms` | bucket `start_time` (Unix s) | bucket `starting_at` (RFC 3339) |
//! | `usd` | `amount.value` (dollars; `amount.currency` must be `usd`) | `amount` (a decimal string in **cents**, divided by 100; `currency` must be `USD`) |
//! | `model` | `line_item` before its last `, ` (`gpt-4o-mini-2024-07-18, input`) | `model` |
//! | `kind` | `line_item` after it: `input` (uncached input), `cached input`, `output` | `token_type`: `uncached_input_tokens`, `cache_read_input_tokens`, `cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens`, `output_tokens` |
//! | `batch` | — | `service_tier` is `batch` |
//! | `label` | `line_item` | `description` |
//!
//! A line without a model (a report not grouped by line item or description, `Image models`,
//! a web search) or without a token type keeps its cost: `audit` lists it rather than drop it.

use std::path::Path;

use serde_json::Value;
use serde_json::value::RawValue;

use super::error::TraceError;
use super::json_row::JsonRow;
use super::pages::{Document, PageKind, elements, join, members, required, rfc3339, unix_seconds};
use crate::foundations::pricing::Bucket;

/// One cost of a cost report.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// The file it came from.
    pub file: String,
    /// 1-based line of its result.
    pub line: u64,
    /// Bucket start, Unix milliseconds.
    pub time_ms: i64,
    /// US dollars.
    pub usd: f64,
    /// The model, when the report names one.
    pub model: Option<String>,
    /// The token type, when the report names one tokencast prices.
    pub kind: Option<CostKind>,
    /// Whether the cost is of batch requests, when the report says.
    pub batch: Option<bool>,
    /// The report's own name of the cost (`line_item`, `description`).
    pub label: String,
}

/// The token type of a cost: the ledger bucket it compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostKind(pub Bucket);

/// A cost report's lines.
#[derive(Debug, Clone, Default)]
pub struct CostReport {
    /// The report as given (a file or a directory).
    pub path: String,
    /// Every cost, in file order.
    pub lines: Vec<CostLine>,
}

impl CostReport {
    /// Read the cost report at `path`: a file of pages (one, pretty-printed or not, or one per
    /// line; gzip or zstd too) or a directory of such files.
    pub fn open(path: &Path) -> Result<CostReport, TraceError> {
        let mut lines = Vec::new();
        for (name, text) in super::reader::read_documents(path)? {
            parse(&name, &text, &mut lines)?;
        }
        Ok(CostReport {
            path: path.display().to_string(),
            lines,
        })
    }

    /// The cost report of the text `text`, named `name` (for tests and standard input).
    pub fn parse_text(name: &str, text: &str) -> Result<CostReport, TraceError> {
        let mut lines = Vec::new();
        parse(name, text, &mut lines)?;
        Ok(CostReport {
            path: name.to_string(),
            lines,
        })
    }
}

/// The lines of the document `text` of the file `name`, onto `out`.
fn parse(name: &str, text: &str, out: &mut Vec<CostLine>) -> Result<(), TraceError> {
    let doc = Document::new(text);
    let pages = doc.pages();
    if pages.is_empty() {
        return Err(TraceError::row(name, 1, "the cost report is empty"));
    }
    for page in pages {
        let page = page.map_err(|(line, m)| TraceError::row(name, line, m))?;
        let line = doc.line_of(page);
        let v: Value = serde_json::from_str(page.get())
            .map_err(|e| TraceError::row(name, line, e.to_string()))?;
        let kind = match PageKind::of(&v) {
            Some(k @ (PageKind::OpenAiCosts | PageKind::AnthropicCosts)) => k,
            // A page without results has no costs whichever API it is from.
            Some(PageKind::OpenAiUsage | PageKind::AnthropicUsage)
                if v["data"].as_array().is_some_and(|d| {
                    d.iter()
                        .all(|b| b["results"].as_array().is_none_or(Vec::is_empty))
                }) =>
            {
                continue;
            }
            Some(_) => {
                return Err(TraceError::row(
                    name,
                    line,
                    "a usage page, not a cost report; the usage report is the trace (`audit \
                     USAGE --recorded-costs COSTS`)",
                ));
            }
            None => {
                return Err(TraceError::row(
                    name,
                    line,
                    "not a cost report page: expected OpenAI's costs page ({\"object\": \"page\", \
                     \"data\": [{\"object\": \"bucket\", \"results\": [{\"object\": \
                     \"organization.costs.result\", ...}]}]}) or Anthropic's cost_report page \
                     ({\"data\": [{\"starting_at\": ..., \"results\": [{\"amount\": ...}]}]})",
                ));
            }
        };
        let read = |raw: &RawValue, path: &str, time_ms: i64| -> Result<CostLine, String> {
            let line = doc.line_of(raw);
            match kind {
                PageKind::OpenAiCosts => openai(raw, path, time_ms, line),
                _ => anthropic(raw, path, time_ms, line),
            }
            .map(|mut c| {
                c.file = name.to_string();
                c
            })
        };
        let top = members(page, "").map_err(|m| TraceError::row(name, line, m))?;
        let data = required(&top, "", "data")
            .and_then(|d| elements(d, "data"))
            .map_err(|m| TraceError::row(name, line, m))?;
        for (i, bucket) in data.into_iter().enumerate() {
            let path = format!("data[{i}]");
            let bline = doc.line_of(bucket);
            let berr = |m| TraceError::row(name, bline, m);
            let b = members(bucket, &path).map_err(berr)?;
            let time_ms = match kind {
                PageKind::OpenAiCosts => required(&b, &path, "start_time")
                    .and_then(|t| unix_seconds(t, &join(&path, "start_time"))),
                _ => required(&b, &path, "starting_at")
                    .and_then(|t| rfc3339(t, &join(&path, "starting_at"))),
            }
            .map_err(berr)?;
            let rpath = join(&path, "results");
            let results = required(&b, &path, "results")
                .and_then(|r| elements(r, &rpath))
                .map_err(berr)?;
            for (j, result) in results.into_iter().enumerate() {
                let p = format!("{rpath}[{j}]");
                let c = read(result, &p, time_ms)
                    .map_err(|m| TraceError::row(name, doc.line_of(result), m))?;
                out.push(c);
            }
        }
    }
    Ok(())
}

/// An OpenAI costs result.
fn openai(raw: &RawValue, path: &str, time_ms: i64, line: u64) -> Result<CostLine, String> {
    let o = JsonRow::parse(raw.get()).map_err(|m| format!("{path}: {m}"))?;
    let amount = o
        .object
        .get("amount")
        .filter(|a| !a.is_null())
        .ok_or_else(|| format!("{path}.amount: missing"))?;
    let usd = amount
        .get("value")
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            format!(
                "{path}.amount.value: expected a number of dollars, got {}",
                amount.get("value").unwrap_or(&Value::Null)
            )
        })?;
    match amount.get("currency").and_then(Value::as_str) {
        None => {}
        Some(c) if c.eq_ignore_ascii_case("usd") => {}
        Some(c) => {
            return Err(format!(
                "{path}.amount.currency: {c:?}; only US dollars (\"usd\") are compared"
            ));
        }
    }
    let label = o
        .string("line_item")
        .map_err(|m| format!("{path}.{m}"))?
        .unwrap_or_default();
    let (model, kind) = match label.rsplit_once(", ") {
        Some((model, kind)) => (
            Some(model.trim().to_string()),
            match kind.trim().to_ascii_lowercase().as_str() {
                "input" => Some(CostKind(Bucket::Input)),
                "cached input" => Some(CostKind(Bucket::CacheRead)),
                "output" => Some(CostKind(Bucket::Output)),
                _ => None,
            },
        ),
        None => (None, None),
    };
    Ok(CostLine {
        file: String::new(),
        line,
        time_ms,
        usd,
        model,
        kind,
        batch: None,
        label,
    })
}

/// An Anthropic cost report result.
fn anthropic(raw: &RawValue, path: &str, time_ms: i64, line: u64) -> Result<CostLine, String> {
    let o = JsonRow::parse(raw.get()).map_err(|m| format!("{path}: {m}"))?;
    let s = |k: &str| o.string(k).map_err(|m| format!("{path}.{m}"));
    let amount = match o.object.get("amount") {
        Some(Value::String(a)) => a.clone(),
        None | Some(Value::Null) => return Err(format!("{path}.amount: missing")),
        Some(x) => {
            return Err(format!(
                "{path}.amount: expected a decimal string of cents (\"123.45\"), got {x}"
            ));
        }
    };
    let cents: f64 = amount
        .trim()
        .parse()
        .ok()
        .filter(|c: &f64| c.is_finite())
        .ok_or_else(|| {
            format!("{path}.amount: {amount:?} is not a decimal number of cents (\"123.45\")")
        })?;
    match s("currency")?.as_deref() {
        None => {}
        Some(c) if c.eq_ignore_ascii_case("usd") => {}
        Some(c) => {
            return Err(format!(
                "{path}.currency: {c:?}; only US dollars (\"USD\") are compared"
            ));
        }
    }
    let token_type = s("token_type")?;
    let kind = match token_type.as_deref() {
        None => None,
        Some("uncached_input_tokens") => Some(CostKind(Bucket::Input)),
        Some("cache_read_input_tokens") => Some(CostKind(Bucket::CacheRead)),
        Some("cache_creation.ephemeral_5m_input_tokens") => Some(CostKind(Bucket::CacheWrite5m)),
        Some("cache_creation.ephemeral_1h_input_tokens") => Some(CostKind(Bucket::CacheWrite1h)),
        Some("output_tokens") => Some(CostKind(Bucket::Output)),
        Some(other) => {
            return Err(format!(
                "{path}.token_type: {other:?} is not a token type of the report; valid: \
                 uncached_input_tokens, cache_read_input_tokens, \
                 cache_creation.ephemeral_5m_input_tokens, \
                 cache_creation.ephemeral_1h_input_tokens, output_tokens"
            ));
        }
    };
    // Web searches and code execution are costs of their own, not of the model's tokens.
    let kind = match s("cost_type")?.as_deref() {
        None | Some("tokens") => kind,
        Some(_) => None,
    };
    Ok(CostLine {
        file: String::new(),
        line,
        time_ms,
        usd: cents / 100.0,
        model: s("model")?,
        kind,
        batch: s("service_tier")?.map(|t| t == "batch"),
        label: s("description")?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_amounts_are_cents_and_openai_line_items_name_models() {
        let a = r#"{"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z",
  "results":[{"currency":"USD","amount":"123.78912","workspace_id":"wrkspc_01","description":"Claude Sonnet 4 Usage - Input Tokens",
    "cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-20250514","service_tier":"standard","token_type":"uncached_input_tokens"}]}],
 "has_more":false,"next_page":null}"#;
        let r = CostReport::parse_text("a.json", a).unwrap();
        assert_eq!(r.lines.len(), 1);
        assert!((r.lines[0].usd - 1.2378912).abs() < 1e-12);
        assert_eq!(r.lines[0].kind, Some(CostKind(Bucket::Input)));
        assert_eq!(r.lines[0].line, 2);
        let o = r#"{"object":"page","data":[{"object":"bucket","start_time":1730419200,"end_time":1730505600,"results":[{"object":"organization.costs.result","amount":{"value":0.06,"currency":"usd"},"line_item":"gpt-4o-mini, cached input","project_id":"proj_abc"},{"object":"organization.costs.result","amount":{"value":1.5,"currency":"usd"},"line_item":"Image models","project_id":null}]}],"has_more":false,"next_page":null}"#;
        let r = CostReport::parse_text("o.json", o).unwrap();
        assert_eq!(r.lines[0].model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(r.lines[0].kind, Some(CostKind(Bucket::CacheRead)));
        assert_eq!(r.lines[1].model, None);
        assert_eq!(r.lines[0].time_ms, 1_730_419_200_000);
        let bad = o.replace("0.06", "\"six cents\"");
        let e = CostReport::parse_text("o.json", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data[0].results[0].amount.value: expected a number of dollars"),
            "{e}"
        );
    }
}
