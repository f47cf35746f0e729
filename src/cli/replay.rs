//! `tokencast replay`: a trace's recorded arrivals and sizes through a scenario's strategies, or
//! through one model with and without a prompt cache (the quick form, `--model`). Parses the
//! flags, builds the quick form's scenario, has the analysis layer replay the trace and writes
//! the report.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::ValueEnum;

use crate::analysis::replay::{self, ReplayOptions};
use crate::foundations::pricing::{CacheKind, Catalog, ModelPrice, Ttl};
use crate::model::scenario::{self, Scenario};

use super::failure::{Failure, trace_failure};
use super::flags::{DatabaseFlags, ReportFlags, TraceFormatArg, load_catalog};
use super::output_file::{Sink, refuse_input_as_output};

/// Prompt caches for `replay --prompt-cache`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheArg {
    /// Only the baseline (OpenAI's models still cache there: the provider does it by itself).
    None,
    /// The model's default TTL (5 minutes on Anthropic and OpenAI before GPT-5.6, 1 hour on
    /// Gemini); on OpenAI GPT-5.6 and later, whose baseline already caches, caching switched
    /// off (`off`) to compare against.
    Default,
    /// OpenAI GPT-5.6 and later: caching switched off (explicit mode, no breakpoints).
    Off,
    /// 5-minute TTL.
    #[value(name = "5m")]
    M5,
    /// 30-minute TTL (OpenAI GPT-5.6 and later).
    #[value(name = "30m")]
    M30,
    /// 1-hour TTL.
    #[value(name = "1h")]
    H1,
    /// 12-hour TTL (OpenAI GPT-5.6 and later, where offered).
    #[value(name = "12h")]
    H12,
    /// 24-hour TTL.
    #[value(name = "24h")]
    H24,
    /// Entries never expire: the most any TTL could read.
    Unbounded,
}

/// Arguments of `tokencast replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Trace file (`-` for standard input; read once, so a pipe works): native CSV/JSONL,
    /// Azure, Mooncake, BurstGPT, LiteLLM spend logs (CSV or JSON export, or a postgres:// URL of
    /// LiteLLM's database), OpenTelemetry GenAI spans (OTLP JSON or protobuf), Langfuse
    /// observations (Parquet, CSV, JSONL), Helicone requests, native Parquet, or (audit only)
    /// OpenAI and Anthropic usage reports.
    pub trace: PathBuf,
    /// Scenario whose endpoints and strategies the trace goes through.
    #[arg(long, conflicts_with_all = ["model", "prompt_cache", "min_cacheable_tokens"])]
    pub scenario: Option<PathBuf>,
    /// Quick form without a scenario: bill every row on this model...
    #[arg(long, required_unless_present = "scenario")]
    pub model: Option<String>,
    /// ...comparing no caching with this prompt cache.
    #[arg(long, value_enum, default_value_t = CacheArg::Default)]
    pub prompt_cache: CacheArg,
    /// ...with this minimum cacheable prefix instead of the model's.
    #[arg(long)]
    pub min_cacheable_tokens: Option<u64>,
    /// Force the trace format instead of detecting it.
    #[arg(long, value_enum)]
    pub trace_format: Option<TraceFormatArg>,
    /// Take each row's endpoint from the tag or property TAG, where the row has it (a Helicone
    /// property, a LiteLLM request tag key, ...).
    #[arg(long, value_name = "TAG", value_parser = super::flags::tag_key)]
    pub endpoint_from: Option<String>,
    /// What to read of a postgres:// trace.
    #[command(flatten)]
    pub database: DatabaseFlags,
    /// Sort the trace by time in memory (an unsorted trace is otherwise an error).
    #[arg(long)]
    pub sort: bool,
    /// Count and skip bad rows instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Price catalog: LiteLLM JSON or tokencast RON.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Format and output file of the report.
    #[command(flatten)]
    pub report: ReportFlags,
}

/// Run `tokencast replay`.
pub(crate) fn execute(a: &ReplayArgs) -> Result<i32, Failure> {
    refuse_input_as_output(
        &[a.report.output.as_deref()],
        &[Some(&a.trace), a.scenario.as_deref(), a.prices.as_deref()],
    )?;
    let sink = Sink::open(a.report.output.as_deref())?;
    let (sc, single) = replay_scenario(a)?;
    let opts = ReplayOptions {
        format: a.trace_format.map(Into::into),
        endpoint_from: a.endpoint_from.clone(),
        query: a.database.query()?,
        skip_bad_rows: a.skip_bad_rows,
        sort: a.sort,
        single_endpoint: single,
    };
    let report = replay::replay(&a.trace, &sc, &opts).map_err(trace_failure)?;
    sink.write(&a.report.format.render(&report)?)?;
    Ok(0)
}

/// The scenario the trace goes through, and whether it is the quick form's single endpoint.
fn replay_scenario(a: &ReplayArgs) -> Result<(Scenario, bool), Failure> {
    match (&a.scenario, &a.model) {
        (Some(p), _) => Ok((
            Scenario::load(p, a.prices.as_deref()).map_err(Failure::input)?,
            false,
        )),
        (None, Some(m)) => Ok((
            quick_scenario(
                m,
                a.prompt_cache,
                a.min_cacheable_tokens,
                a.prices.as_deref(),
            )?,
            true,
        )),
        (None, None) => Err(Failure::input(anyhow!(
            "replay needs --scenario FILE or --model ID"
        ))),
    }
}

/// The scenario of `replay --model`: one endpoint on `model`, and a strategy with the chosen
/// prompt cache (full-prompt placement) unless `none`.
fn quick_scenario(
    model: &str,
    cache: CacheArg,
    min_cacheable: Option<u64>,
    prices: Option<&Path>,
) -> Result<Scenario, Failure> {
    let mut catalog = load_catalog(prices)?;
    let Some(m) = catalog.models.get_mut(model) else {
        return Err(unknown_model(&catalog, model));
    };
    if let Some(n) = min_cacheable {
        m.cache.min_prefix_tokens = n;
    }
    let strategy = cache_strategy(model, cache, m, &catalog.source)?;
    let text = format!(
        r#"Scenario(name: "replay on {model}", seed: 0, horizon_days: 1,
            endpoints: [Endpoint(name: "all", model: {model:?},
                traffic: Traffic(daily_active_users: 0, sessions_per_user_per_day: 0),
                prompt: Prompt(user_tokens: Fixed(0)), output_tokens: Fixed(0))],
            {strategy})"#
    );
    let file = scenario::parse(&text, "--model").map_err(Failure::input)?;
    Scenario::from_file(file, catalog, "--model").map_err(Failure::input)
}

/// `--model` names no model of the catalog: say so, with the nearest names.
fn unknown_model(catalog: &Catalog, model: &str) -> Failure {
    if let Some(skipped) = catalog.skipped_entry(model) {
        return Failure::input(anyhow!("--model: {skipped}"));
    }
    let sugg = catalog.suggest(model);
    Failure::input(anyhow!(
        "--model: unknown model {model:?} in {}{}",
        catalog.source,
        if sugg.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", sugg.join(", "))
        }
    ))
}

/// The quick scenario's `strategies:` line: none for `--prompt-cache none`, else one strategy
/// caching the full prompt; a model without prompt caching is bad input.
fn cache_strategy(
    model: &str,
    cache: CacheArg,
    m: &ModelPrice,
    source: &str,
) -> Result<String, Failure> {
    let default_ttl = m.cache.ttls.first().copied();
    if cache == CacheArg::None {
        return Ok(String::new());
    }
    if m.cache.kind == CacheKind::None || default_ttl.is_none() {
        return Err(Failure::input(anyhow!(
            "--prompt-cache: {model:?} has no prompt caching in {source}; use --prompt-cache none"
        )));
    }
    let off = r#"strategies: [Strategy(name: "prompt-cache-off", prompt_cache: PromptCache(mode: Off))],"#;
    let breakpoints = m.cache.kind == CacheKind::ImplicitBreakpoint;
    match cache {
        CacheArg::Default if breakpoints => return Ok(off.to_string()),
        CacheArg::Off if breakpoints => return Ok(off.to_string()),
        CacheArg::Off => {
            return Err(Failure::input(anyhow!(
                "--prompt-cache off applies to OpenAI GPT-5.6 and later, which cache by \
                 themselves; {model:?} ({source}) does not: use none for the baseline alone"
            )));
        }
        _ => {}
    }
    let cache = match (cache, default_ttl) {
        (CacheArg::Default, Some(Ttl::M30)) => CacheArg::M30,
        (CacheArg::Default, Some(Ttl::H1)) => CacheArg::H1,
        (CacheArg::Default, Some(Ttl::H12)) => CacheArg::H12,
        (CacheArg::Default, Some(Ttl::H24)) => CacheArg::H24,
        (CacheArg::Default, _) => CacheArg::M5,
        (c, _) => c,
    };
    let (ttl, unbounded) = cache.ttl(default_ttl);
    let name = cache.strategy_name();
    Ok(format!(
        r#"strategies: [Strategy(name: "{name}", prompt_cache: PromptCache(ttl: {ttl}, placement: FullPrompt, unbounded: {unbounded}))],"#
    ))
}

impl CacheArg {
    /// The scenario's TTL for this cache, and whether entries never expire; an unbounded cache
    /// keeps the model's default TTL for its prices.
    fn ttl(self, default_ttl: Option<Ttl>) -> (&'static str, bool) {
        match self {
            CacheArg::M5 => ("M5", false),
            CacheArg::M30 => ("M30", false),
            CacheArg::H1 => ("H1", false),
            CacheArg::H12 => ("H12", false),
            CacheArg::H24 => ("H24", false),
            _ => (
                match default_ttl {
                    Some(Ttl::M30) => "M30",
                    Some(Ttl::H1) => "H1",
                    Some(Ttl::H12) => "H12",
                    Some(Ttl::H24) => "H24",
                    _ => "M5",
                },
                true,
            ),
        }
    }

    /// The name of the strategy that uses this cache.
    fn strategy_name(self) -> &'static str {
        match self {
            CacheArg::M30 => "prompt-cache-30m",
            CacheArg::H1 => "prompt-cache-1h",
            CacheArg::H12 => "prompt-cache-12h",
            CacheArg::H24 => "prompt-cache-24h",
            CacheArg::Unbounded => "prompt-cache-unbounded",
            _ => "prompt-cache-5m",
        }
    }
}
