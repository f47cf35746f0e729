//! The usage reports of the providers' admin APIs, saved as JSON pages: OpenAI's
//! `GET /v1/organization/usage/completions` and Anthropic's
//! `GET /v1/organizations/usage_report/messages`. Each result of a bucket becomes one row that
//! stands for many requests.
//!
//! | row field | OpenAI completions result | Anthropic messages result |
//! |---|---|---|
//! | `time_ms` | bucket `start_time` (Unix s) | bucket `starting_at` (RFC 3339) |
//! | `input_tokens` | `input_tokens` (cached included) | `uncached_input_tokens` + `cache_read_input_tokens` + both `cache_creation` counts |
//! | `cache_read_tokens` | `input_cached_tokens` | `cache_read_input_tokens` |
//! | `cache_write_5m_tokens`, `_1h_` | — | `cache_creation.ephemeral_5m_input_tokens`, `.ephemeral_1h_input_tokens` |
//! | `output_tokens` | `output_tokens` | `output_tokens` |
//! | `requests` | `num_model_requests` | 0: not known |
//! | `model`, `user_id` | `model`, `user_id` | `model` |
//! | `batch` | `batch` | `service_tier` is `batch` |
//! | `long_context` | not known | `context_window` `200k-1M` (true) or `0-200k` (false) |
//! | `endpoint` | `project_id` | `workspace_id` |
//! | tags | `project_id`, `api_key_id`, `service_tier` | `workspace_id`, `api_key_id`, `service_tier`, `context_window`, `inference_geo`, `speed`, `account_id`, `service_account_id` |
//!
//! A dimension is null unless the report was grouped by it; null is absent. Other keys of a
//! result are read past (the APIs add fields). The rows are sorted by time (pages may come in
//! any order) and held in memory: pages are small. OpenAI results of other usage kinds
//! (embeddings, images) and Anthropic's web searches (`server_tool_use`) are counted as ignored:
//! tokencast does not price them.

use serde_json::value::RawValue;

use super::TraceFormat;
use super::error::TraceError;
use super::json_row::JsonRow;
use super::pages::{Document, PageKind, elements, join, members, required, rfc3339, unix_seconds};
use super::record::{TraceRecord, check, set};

/// The rows of a document of usage pages.
pub(super) struct UsageRows {
    rows: std::vec::IntoIter<Result<TraceRecord, TraceError>>,
    ignored: Vec<(String, u64)>,
}

/// Why OpenAI results of other usage kinds are left out.
const OTHER_KIND: &str = "OpenAI usage results that are not completions (embeddings, images, audio, moderations: not priced by tokencast)";
/// Why Anthropic web searches are left out.
const WEB_SEARCH: &str = "Anthropic web searches (server_tool_use.web_search_requests: billed per search, not priced by tokencast)";

impl UsageRows {
    /// The rows of the `format` document `text` of the file `name`.
    pub(super) fn parse(name: &str, format: TraceFormat, text: &str) -> UsageRows {
        let doc = Document::new(text);
        let mut rows = Vec::new();
        let mut ignored: Vec<(String, u64)> = Vec::new();
        for page in doc.pages() {
            let page = match page {
                Ok(p) => p,
                Err((line, message)) => {
                    rows.push(Err(TraceError::row(name, line, message)));
                    break;
                }
            };
            let mut read = PageRead {
                name,
                doc: &doc,
                format,
                rows: &mut rows,
                ignored: &mut ignored,
            };
            if let Err(message) = read.page(page) {
                rows.push(Err(TraceError::row(name, doc.line_of(page), message)));
            }
        }
        // By time, errors first (so the first error stops the audit before any row).
        rows.sort_by_key(|r| r.as_ref().map_or(i64::MIN, |r| r.time_ms));
        UsageRows {
            rows: rows.into_iter(),
            ignored,
        }
    }

    /// The next row into `out`; `None` at the end (the reader's `RowSource`).
    pub(super) fn next_into(&mut self, out: &mut TraceRecord) -> Option<Result<(), TraceError>> {
        Some(self.rows.next()?.map(|r| *out = r))
    }

    /// Items left out, by reason.
    pub(super) fn ignored(&self) -> Vec<(String, u64)> {
        self.ignored.clone()
    }
}

/// Reading one page.
struct PageRead<'d, 'a> {
    name: &'d str,
    doc: &'d Document<'a>,
    format: TraceFormat,
    rows: &'d mut Vec<Result<TraceRecord, TraceError>>,
    ignored: &'d mut Vec<(String, u64)>,
}

impl PageRead<'_, '_> {
    /// The page's buckets into rows; an error about the page's own shape.
    fn page(&mut self, page: &RawValue) -> Result<(), String> {
        let parsed: serde_json::Value =
            serde_json::from_str(page.get()).map_err(|e| e.to_string())?;
        let kind = PageKind::of(&parsed);
        let want = match self.format {
            TraceFormat::OpenAiUsage => PageKind::OpenAiUsage,
            _ => PageKind::AnthropicUsage,
        };
        match kind {
            Some(k) if k == want => {}
            Some(PageKind::OpenAiOtherUsage) if want == PageKind::OpenAiUsage => {}
            Some(PageKind::OpenAiCosts | PageKind::AnthropicCosts) => {
                return Err(
                    "a cost report page, not a usage page; compare cost reports with usage \
                     through `audit USAGE --recorded-costs COSTS`"
                        .to_string(),
                );
            }
            _ => {
                return Err(format!(
                    "not a page of the {} usage report: expected {}",
                    if want == PageKind::OpenAiUsage {
                        "OpenAI"
                    } else {
                        "Anthropic"
                    },
                    if want == PageKind::OpenAiUsage {
                        "{\"object\": \"page\", \"data\": [{\"object\": \"bucket\", \"start_time\": ..., \"results\": [...]}]}"
                    } else {
                        "{\"data\": [{\"starting_at\": ..., \"results\": [{\"uncached_input_tokens\": ...}]}], \"has_more\": ...}"
                    }
                ));
            }
        }
        let top = members(page, "")?;
        let data = elements(required(&top, "", "data")?, "data")?;
        for (i, bucket) in data.into_iter().enumerate() {
            let path = format!("data[{i}]");
            if let Err(message) = self.bucket(bucket, &path) {
                self.rows.push(Err(TraceError::row(
                    self.name,
                    self.doc.line_of(bucket),
                    message,
                )));
            }
        }
        Ok(())
    }

    /// A bucket's results into rows; an error about the bucket's own shape.
    fn bucket(&mut self, bucket: &RawValue, path: &str) -> Result<(), String> {
        let b = members(bucket, path)?;
        let time_ms = match self.format {
            TraceFormat::OpenAiUsage => {
                unix_seconds(required(&b, path, "start_time")?, &join(path, "start_time"))?
            }
            _ => rfc3339(
                required(&b, path, "starting_at")?,
                &join(path, "starting_at"),
            )?,
        };
        let results_path = join(path, "results");
        let results = elements(required(&b, path, "results")?, &results_path)?;
        for (j, result) in results.into_iter().enumerate() {
            let rpath = format!("{results_path}[{j}]");
            let line = self.doc.line_of(result);
            let row = match self.format {
                TraceFormat::OpenAiUsage => self.openai(result, &rpath, time_ms, line),
                _ => self.anthropic(result, &rpath, time_ms, line),
            };
            match row {
                Ok(Some(r)) => self.rows.push(Ok(r)),
                Ok(None) => {}
                Err(message) => self
                    .rows
                    .push(Err(TraceError::row(self.name, line, message))),
            }
        }
        Ok(())
    }

    /// Count `n` items left out for `reason`.
    fn ignore(&mut self, reason: &str, n: u64) {
        match self.ignored.iter_mut().find(|(r, _)| r == reason) {
            Some((_, total)) => *total += n,
            None => self.ignored.push((reason.to_string(), n)),
        }
    }

    /// An OpenAI completions result; `None` for a result of another usage kind.
    fn openai(
        &mut self,
        raw: &RawValue,
        path: &str,
        time_ms: i64,
        line: u64,
    ) -> Result<Option<TraceRecord>, String> {
        let o = JsonRow::parse(raw.get()).map_err(|m| format!("{path}: {m}"))?;
        let f = Fields { o: &o, path };
        match f.string("object")?.as_deref() {
            Some("organization.usage.completions.result") | None => {}
            Some(other) if other.starts_with("organization.usage.") => {
                self.ignore(OTHER_KIND, 1);
                return Ok(None);
            }
            Some(other) => {
                return Err(format!(
                    "{path}.object: {other:?} is not a usage result; expected \
                     \"organization.usage.completions.result\""
                ));
            }
        }
        let mut r = TraceRecord {
            line,
            time_ms,
            input_tokens: f.required_count("input_tokens")?,
            output_tokens: f.required_count("output_tokens")?,
            cache_read_tokens: f.count("input_cached_tokens")?,
            requests: f.required_count("num_model_requests")?,
            model: f.string("model")?,
            user_id: f.string("user_id")?,
            provider: Some("openai".into()),
            ..TraceRecord::default()
        };
        r.batch = match o.object.get("batch") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(x) => return Err(format!("{path}.batch: expected true or false, got {x}")),
        };
        for key in ["project_id", "api_key_id", "service_tier"] {
            if let Some(v) = f.string(key)? {
                r.tags.push((key.to_string(), v));
            }
        }
        let project = f.string("project_id")?;
        set(&mut r.endpoint, project.as_deref());
        check(&r).map_err(|m| format!("{path}: {m}"))?;
        Ok(Some(r))
    }

    /// An Anthropic messages result.
    fn anthropic(
        &mut self,
        raw: &RawValue,
        path: &str,
        time_ms: i64,
        line: u64,
    ) -> Result<Option<TraceRecord>, String> {
        let o = JsonRow::parse(raw.get()).map_err(|m| format!("{path}: {m}"))?;
        let f = Fields { o: &o, path };
        let uncached = f.required_count("uncached_input_tokens")?;
        let read = f.count("cache_read_input_tokens")?.unwrap_or(0);
        let (w5m, w1h) = f.cache_creation()?;
        let input = [read, w5m, w1h]
            .iter()
            .try_fold(uncached, |a, b| a.checked_add(*b))
            .ok_or_else(|| format!("{path}: the input token counts overflow"))?;
        let service_tier = f.string("service_tier")?;
        let context_window = f.string("context_window")?;
        let long_context = match context_window.as_deref() {
            None => None,
            Some(c) if c.eq_ignore_ascii_case("200k-1M") => Some(true),
            Some(c) if c.eq_ignore_ascii_case("0-200k") => Some(false),
            Some(c) => {
                return Err(format!(
                    "{path}.context_window: {c:?} is not a context window of the report; valid: \
                     \"0-200k\", \"200k-1M\""
                ));
            }
        };
        let mut r = TraceRecord {
            line,
            time_ms,
            input_tokens: input,
            output_tokens: f.required_count("output_tokens")?,
            cache_read_tokens: Some(read),
            cache_write_5m_tokens: Some(w5m),
            cache_write_1h_tokens: Some(w1h),
            requests: 0,
            model: f.string("model")?,
            batch: service_tier.as_deref().map(|t| t == "batch"),
            long_context,
            provider: Some("anthropic".into()),
            ..TraceRecord::default()
        };
        for key in [
            "workspace_id",
            "api_key_id",
            "service_tier",
            "context_window",
            "inference_geo",
            "speed",
            "account_id",
            "service_account_id",
        ] {
            if let Some(v) = f.string(key)? {
                r.tags.push((key.to_string(), v));
            }
        }
        let workspace = f.string("workspace_id")?;
        set(&mut r.endpoint, workspace.as_deref());
        if let Some(searches) = f.web_searches()?
            && searches > 0
        {
            self.ignore(WEB_SEARCH, searches);
        }
        check(&r).map_err(|m| format!("{path}: {m}"))?;
        Ok(Some(r))
    }
}

/// A result's values, with its JSON path in messages.
struct Fields<'o, 'a> {
    o: &'o JsonRow<'a>,
    path: &'o str,
}

impl Fields<'_, '_> {
    fn count(&self, k: &str) -> Result<Option<u64>, String> {
        self.o.count(k).map_err(|m| format!("{}.{m}", self.path))
    }

    fn required_count(&self, k: &str) -> Result<u64, String> {
        self.count(k)?
            .ok_or_else(|| format!("{}.{k}: missing", self.path))
    }

    fn string(&self, k: &str) -> Result<Option<String>, String> {
        self.o.string(k).map_err(|m| format!("{}.{m}", self.path))
    }

    /// Anthropic's 5-minute and 1-hour cache writes: `cache_creation.ephemeral_5m_input_tokens`
    /// and `.ephemeral_1h_input_tokens`, or the flat `cache_creation_5m_input_tokens` and
    /// `cache_creation_1h_input_tokens` some copies of the schema show; 0 when absent.
    fn cache_creation(&self) -> Result<(u64, u64), String> {
        let flat = (
            self.count("cache_creation_5m_input_tokens")?,
            self.count("cache_creation_1h_input_tokens")?,
        );
        match self.o.object.get("cache_creation") {
            None | Some(serde_json::Value::Null) => Ok((flat.0.unwrap_or(0), flat.1.unwrap_or(0))),
            Some(serde_json::Value::Object(c)) => {
                if flat.0.is_some() || flat.1.is_some() {
                    return Err(format!(
                        "{}: both cache_creation and cache_creation_5m/1h_input_tokens; give one",
                        self.path
                    ));
                }
                let count = |k: &str| match c.get(k) {
                    None | Some(serde_json::Value::Null) => Ok(0),
                    Some(x) => x.as_u64().ok_or_else(|| {
                        format!(
                            "{}.cache_creation.{k}: expected a whole number >= 0, got {x}",
                            self.path
                        )
                    }),
                };
                Ok((
                    count("ephemeral_5m_input_tokens")?,
                    count("ephemeral_1h_input_tokens")?,
                ))
            }
            Some(x) => Err(format!(
                "{}.cache_creation: expected an object, got {x}",
                self.path
            )),
        }
    }

    /// `server_tool_use.web_search_requests`, if given.
    fn web_searches(&self) -> Result<Option<u64>, String> {
        match self
            .o
            .object
            .get("server_tool_use")
            .and_then(|s| s.get("web_search_requests"))
        {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                format!(
                    "{}.server_tool_use.web_search_requests: expected a whole number >= 0, got {x}",
                    self.path
                )
            }),
        }
    }
}
