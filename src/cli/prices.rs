//! `tokencast prices`: the price catalog as a table, or one model in full (every tier, the
//! long-context rates, the prompt-cache rules and the provider pages they come from), in USD per
//! million tokens.

use std::path::PathBuf;

use anyhow::anyhow;

use crate::foundations::pricing::{
    CacheKind, CacheRules, Catalog, ModelPrice, PriceTier, Rates, ServiceTier,
};
use crate::output::format::{self, Align, Table};

use super::failure::Failure;
use super::flags::load_catalog;
use super::output_file::Sink;

/// Arguments of `tokencast prices`.
#[derive(Debug, clap::Args)]
pub struct PricesArgs {
    /// Model id to show in full; without it, list every model.
    pub model: Option<String>,
    /// Price catalog: LiteLLM JSON or tokencast RON (default: the built-in one).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Only list models whose provider contains this text (e.g. `anthropic`).
    #[arg(long)]
    pub provider: Option<String>,
}

/// Run `tokencast prices`: one model in full, or the list (of one provider's models).
pub(crate) fn execute(a: &PricesArgs) -> Result<i32, Failure> {
    let catalog = load_catalog(a.prices.as_deref())?;
    let text = match a.model.as_deref() {
        Some(id) => {
            let Some(m) = catalog.get(id) else {
                return Err(unknown_model(&catalog, id));
            };
            model_detail(id, m, &catalog)
        }
        None => {
            let provider = a.provider.as_deref();
            if let Some(p) = provider
                && !catalog.models.values().any(|m| m.provider.contains(p))
            {
                return Err(unknown_provider(&catalog, p));
            }
            model_list(&catalog, provider)
        }
    };
    Sink::Stdout.write(&text)?;
    Ok(0)
}

/// No model `id` in the catalog: say so, with the nearest names or how to list them.
fn unknown_model(catalog: &Catalog, id: &str) -> Failure {
    if let Some(skipped) = catalog.skipped_entry(id) {
        return Failure::input(anyhow!("{skipped}"));
    }
    let sugg = catalog.suggest(id);
    let hint = if sugg.is_empty() {
        "; run `tokencast prices` to list every model".to_string()
    } else {
        format!("; did you mean {}?", sugg.join(", "))
    };
    Failure::input(anyhow!("unknown model {id:?} in {}{hint}", catalog.source))
}

/// No model's provider contains `p`: say so, listing the providers there are.
fn unknown_provider(catalog: &Catalog, p: &str) -> Failure {
    let mut providers: Vec<&str> = catalog
        .models
        .values()
        .map(|m| m.provider.as_str())
        .collect();
    providers.sort_unstable();
    providers.dedup();
    Failure::input(anyhow!(
        "no model's provider contains {p:?} in {}; providers: {}",
        catalog.source,
        providers.join(", ")
    ))
}

/// Per-million price, or `-` when absent.
fn per_m(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{}", round_price(v)),
        None => "-".to_string(),
    }
}

fn round_price(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The standard write price of each TTL the model offers, e.g. `5m 3.75, 1h 6` (a TTL without
/// a write price of its own costs plain input, shown as such); `-` without prompt caching.
fn writes_by_ttl(m: &ModelPrice) -> String {
    let writes: Vec<String> = m
        .cache
        .ttls
        .iter()
        .filter_map(|t| {
            let per_token =
                m.rate_per_token(ServiceTier::Standard, PriceTier::Base, t.write_bucket())?;
            Some(format!("{t} {}", round_price(per_token * 1e6)))
        })
        .collect();
    if m.cache.kind == CacheKind::None || writes.is_empty() {
        "-".to_string()
    } else {
        writes.join(", ")
    }
}

/// Every model (of `provider`, if given), one row each with its standard and batch prices.
fn model_list(catalog: &Catalog, provider: Option<&str>) -> String {
    let mut t = Table::new(&[
        "model",
        "provider",
        "input",
        "output",
        "cache read",
        "cache write by TTL",
        "batch in",
        "batch out",
        "context",
    ]);
    t.align[1] = Align::Left;
    let mut n = 0;
    for (id, m) in &catalog.models {
        if let Some(p) = provider
            && !m.provider.contains(p)
        {
            continue;
        }
        n += 1;
        let r = &m.standard;
        t.row(vec![
            id.clone(),
            m.provider.clone(),
            per_m(Some(r.input)),
            per_m(Some(r.output)),
            per_m(r.cache_read),
            writes_by_ttl(m),
            per_m(m.batch.as_ref().map(|b| b.input)),
            per_m(m.batch.as_ref().map(|b| b.output)),
            m.max_input_tokens
                .map(|x| format::count(x as f64))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    format!(
        "{} (effective {}): {n} models, USD per million tokens\n\n{}",
        catalog.source,
        catalog.effective_date,
        t.text("")
    )
}

/// One model in full: what it is, every price it has, and its prompt-cache rules.
fn model_detail(id: &str, m: &ModelPrice, catalog: &Catalog) -> String {
    let mut out = model_header(id, m, catalog);
    out.push_str(&price_table(m));
    out.push_str(&cache_rules(&m.cache, catalog));
    out
}

/// Provider, mode, context window, deprecation, and where the prices come from.
fn model_header(id: &str, m: &ModelPrice, catalog: &Catalog) -> String {
    let mut out = format!(
        "{id}\n  provider      {}\n  mode          {:?}\n  context       {} input tokens, {} output tokens\n",
        m.provider,
        m.mode,
        m.max_input_tokens
            .map(|x| format::count(x as f64))
            .unwrap_or_else(|| "unknown".into()),
        m.max_output_tokens
            .map(|x| format::count(x as f64))
            .unwrap_or_else(|| "unknown".into()),
    );
    if let Some(d) = &m.deprecation_date {
        out.push_str(&format!("  deprecated    {d}\n"));
    }
    out.push_str(&format!(
        "  prices from   {} (effective {})\n\n",
        catalog.source, catalog.effective_date
    ));
    out
}

/// The prices of every tier (standard, batch, flex, and each again above the long-context
/// threshold), then what the threshold means.
fn price_table(m: &ModelPrice) -> String {
    let mut t = Table::new(&["price", "USD per 1M tokens"]);
    rates_rows(&mut t, "standard", &m.standard);
    if let Some(b) = &m.batch {
        rates_rows(&mut t, "batch", b);
    }
    if let Some(f) = &m.flex {
        rates_rows(&mut t, "flex", f);
    }
    if let Some(lc) = &m.long_context {
        let label = format!(">{}k standard", lc.above_input_tokens / 1000);
        rates_rows(&mut t, &label, &lc.standard);
        if let Some(b) = &lc.batch {
            rates_rows(
                &mut t,
                &format!(">{}k batch", lc.above_input_tokens / 1000),
                b,
            );
        }
        if let Some(f) = &lc.flex {
            rates_rows(
                &mut t,
                &format!(">{}k flex", lc.above_input_tokens / 1000),
                f,
            );
        }
    }
    let mut out = t.text("  ");
    if let Some(lc) = &m.long_context {
        out.push_str(&format!(
            "  (a request with more than {} prompt tokens is billed entirely at the >{}k rates)\n",
            format::count(lc.above_input_tokens as f64),
            lc.above_input_tokens / 1000
        ));
    }
    out
}

/// One tier's rows: input, output, reasoning and the cache reads and writes.
fn rates_rows(t: &mut Table, label: &str, r: &Rates) {
    let rows: [(&str, Option<f64>); 9] = [
        ("input", Some(r.input)),
        ("output", Some(r.output)),
        ("reasoning", r.reasoning.or(Some(r.output))),
        ("cache read", r.cache_read),
        ("cache write 5m", r.cache_write_5m),
        ("cache write 30m", r.cache_write_30m),
        ("cache write 1h", r.cache_write_1h),
        ("cache write 12h", r.cache_write_12h),
        ("cache write 24h", r.cache_write_24h),
    ];
    // The 5-minute write is always shown ("-": plain input); a longer TTL only with a price
    // of its own.
    for (name, v) in rows {
        if name.starts_with("cache write") && name != "cache write 5m" && v.is_none() {
            continue;
        }
        t.row(vec![format!("{label} {name}"), per_m(v)]);
    }
}

/// The prompt cache: kind, minimum prefix, granularity, TTLs, refresh, storage price, and where
/// the rules come from (the catalog's word for it, or that it gives none).
fn cache_rules(c: &CacheRules, catalog: &Catalog) -> String {
    let mut out = format!(
        "\n  prompt cache  {}; minimum prefix {} tokens; granularity {} token{}; TTLs {}; {}\n",
        cache_kind(c.kind),
        c.min_prefix_tokens,
        c.granularity_tokens,
        if c.granularity_tokens == 1 { "" } else { "s" },
        ttl_list(c),
        if c.refresh_on_hit {
            "TTL refreshed on every hit"
        } else {
            "TTL not refreshed by hits"
        }
    );
    if let Some(s) = c.storage_per_mtok_hour {
        out.push_str(&format!(
            "  storage       ${} per million tokens per hour\n",
            round_price(s)
        ));
    }
    match (&c.source, c.kind) {
        (Some(source), _) => out.push_str(&format!("  rules from    {source}\n")),
        // No caching and nothing said about it: no rule to source.
        (None, CacheKind::None) => {}
        (None, _) => out.push_str(&format!(
            "  rules from    not stated in {}\n",
            catalog.source
        )),
    }
    out
}

/// How the provider's prompt cache works, in words.
fn cache_kind(kind: CacheKind) -> &'static str {
    match kind {
        CacheKind::None => "none",
        CacheKind::Automatic => "automatic (the provider caches prefixes itself)",
        CacheKind::ImplicitBreakpoint => {
            "automatic at an implicit breakpoint at the end of each prompt, plus explicit breakpoints"
        }
        CacheKind::Explicit => "explicit breakpoints",
        CacheKind::ExplicitWithStorage => "explicit caches billed for storage per token-hour",
    }
}

/// The TTLs shortest first, the default (the first listed) marked.
fn ttl_list(c: &CacheRules) -> String {
    let mut sorted = c.ttls.clone();
    sorted.sort();
    sorted
        .iter()
        .map(|t| {
            if Some(t) == c.ttls.first() {
                format!("{t} (default)")
            } else {
                t.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
