//! The import itself: [`Catalog::from_litellm_str`] parses the JSON map, turns each entry into a
//! [`ModelPrice`] or a [`Skipped`] reason, resolves `alias_of` entries, and validates the result.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::cache_rules::{breakpoint_rates, cache_rules};
use super::fields::{count, number, parse_key, per_million};
use super::tiers::{long_context_tier, rates_from, tier};
use super::{IN, ImportStats, OUT, RawPrices, SkipReason, Skipped, WRITE_1H, WRITE_5M, WRITE_24H};
use crate::foundations::pricing::billing::ServiceTier;
use crate::foundations::pricing::cache::{CacheKind, Ttl};
use crate::foundations::pricing::catalog::Catalog;
use crate::foundations::pricing::error::PricingError;
use crate::foundations::pricing::model_price::{Mode, ModelPrice, Rates};
use crate::foundations::pricing::validate::is_date;

impl Catalog {
    /// Import a LiteLLM price map (see [`litellm`](super) for the rules). Entries tokencast cannot price
    /// are skipped; use [`Catalog::from_litellm_str_with_stats`] to see which. `effective_date`
    /// is `"unknown"` (the map carries no date; [`Catalog::load`] fills in the file's date).
    pub fn from_litellm_str(text: &str, origin: &str) -> Result<Catalog, PricingError> {
        Catalog::from_litellm_str_with_stats(text, origin).map(|(c, _)| c)
    }

    /// [`Catalog::from_litellm_str`], also returning what was imported, skipped and derived.
    pub fn from_litellm_str_with_stats(
        text: &str,
        origin: &str,
    ) -> Result<(Catalog, ImportStats), PricingError> {
        let (catalog, stats) = import(text, origin)?;
        catalog.validate_as(origin)?;
        Ok((catalog, stats))
    }
}

/// Import a LiteLLM price map. The caller validates the result.
fn import(text: &str, origin: &str) -> Result<(Catalog, ImportStats), PricingError> {
    let map: Map<String, Value> = serde_json::from_str(text).map_err(|e| PricingError::Json {
        origin: origin.to_string(),
        line: e.line(),
        col: e.column(),
        message: e.to_string(),
    })?;
    let mut stats = ImportStats::default();
    let mut models = BTreeMap::new();
    let mut aliases = Vec::new();
    for (id, entry) in &map {
        if id == "sample_spec" {
            continue;
        }
        stats.entries += 1;
        let Some(obj) = entry.as_object() else {
            stats.skipped.push(skip(id, SkipReason::NotAnObject));
            continue;
        };
        if let Some(target) = obj.get("alias_of").and_then(Value::as_str) {
            aliases.push((id.clone(), target.to_string()));
            continue;
        }
        match import_entry(id, obj, &mut stats) {
            Ok(m) => {
                models.insert(id.clone(), m);
            }
            Err(reason) => stats.skipped.push(skip(id, reason)),
        }
    }
    resolve_aliases(aliases, &mut models, &mut stats);
    stats.skipped.sort_by(|a, b| a.model.cmp(&b.model));
    stats.imported = models.len();
    if models.is_empty() {
        return Err(PricingError::NoModels {
            origin: origin.to_string(),
            skipped: stats.skipped.len(),
        });
    }
    let catalog = Catalog {
        source: format!("LiteLLM price map {origin}"),
        effective_date: "unknown".into(),
        models,
        skipped: stats
            .skipped
            .iter()
            .map(|s| (s.model.clone(), s.reason.to_string()))
            .collect(),
    };
    Ok((catalog, stats))
}

/// Copies each `(alias, target)` entry's target model; an alias whose target was never imported
/// is skipped.
fn resolve_aliases(
    mut aliases: Vec<(String, String)>,
    models: &mut BTreeMap<String, ModelPrice>,
    stats: &mut ImportStats,
) {
    // Aliases may point at aliases: resolve until nothing changes.
    loop {
        let before = aliases.len();
        aliases.retain(|(id, target)| match models.get(target) {
            Some(m) => {
                let m: ModelPrice = m.clone();
                models.insert(id.clone(), m);
                stats.aliases += 1;
                false
            }
            None => true,
        });
        if aliases.len() == before {
            break;
        }
    }
    for (id, target) in aliases {
        stats
            .skipped
            .push(skip(&id, SkipReason::AliasTargetMissing(target)));
    }
}

fn skip(id: &str, reason: SkipReason) -> Skipped {
    Skipped {
        model: id.to_string(),
        reason,
    }
}

/// One LiteLLM entry as a [`ModelPrice`], or why it is skipped. Checks run in a fixed order (mode,
/// prices, provider, cache rules, limits, the model's own validation), so the reason given is
/// always the first problem.
fn import_entry(
    id: &str,
    obj: &Map<String, Value>,
    stats: &mut ImportStats,
) -> Result<ModelPrice, SkipReason> {
    let mode = entry_mode(obj)?;
    let mut raw = raw_prices(obj)?;
    ignore_cheap_writes(&mut raw, stats);
    let standard = standard_rates(&raw, mode)?;
    let derived = &mut stats.derived_prices;
    let batch = tier(raw.get(&(ServiceTier::Batch, None)), &standard, derived);
    let flex = tier(raw.get(&(ServiceTier::Flex, None)), &standard, derived);
    let long_context = long_context_tier(&raw, &standard, &batch, &flex, stats);
    let provider = provider(obj)?;
    let cache = cache_rules(id, &provider, mode, obj, &standard)?;
    let (mut standard, mut batch, mut flex, mut long_context) =
        (standard, batch, flex, long_context);
    if cache.kind == CacheKind::ImplicitBreakpoint {
        let with_12h = cache.ttls.contains(&Ttl::H12);
        breakpoint_rates(&mut standard, with_12h);
        for r in [&mut batch, &mut flex].into_iter().flatten() {
            breakpoint_rates(r, with_12h);
        }
        if let Some(lc) = &mut long_context {
            breakpoint_rates(&mut lc.standard, with_12h);
            for r in [&mut lc.batch, &mut lc.flex].into_iter().flatten() {
                breakpoint_rates(r, with_12h);
            }
        }
    }
    let model = ModelPrice {
        provider,
        mode,
        // A few entries write 0 for "unknown".
        max_input_tokens: count(obj, "max_input_tokens")?.filter(|&n| n > 0),
        max_output_tokens: count(obj, "max_output_tokens")?.filter(|&n| n > 0),
        standard,
        batch,
        flex,
        long_context,
        cache,
        // Informational: a malformed date is dropped rather than losing the model.
        deprecation_date: obj
            .get("deprecation_date")
            .and_then(Value::as_str)
            .filter(|d| is_date(d))
            .map(str::to_string),
    };
    match model.validate() {
        Ok(()) => Ok(model),
        Err(e) => Err(SkipReason::Invalid(e)),
    }
}

/// The entry's `mode`: chat, completion and responses are [`Mode::Chat`]; anything else skips it.
fn entry_mode(obj: &Map<String, Value>) -> Result<Mode, SkipReason> {
    match obj.get("mode").and_then(Value::as_str) {
        Some("chat" | "completion" | "responses") => Ok(Mode::Chat),
        Some("embedding") => Ok(Mode::Embedding),
        Some(other) => Err(SkipReason::Mode(Some(other.to_string()))),
        None => Err(SkipReason::Mode(None)),
    }
}

/// Every per-token price the entry lists, per million, by (service tier, threshold).
fn raw_prices(obj: &Map<String, Value>) -> Result<RawPrices, SkipReason> {
    let mut raw: RawPrices = BTreeMap::new();
    for key in obj.keys() {
        if let Some((service, threshold, slot)) = parse_key(key)
            && let Some(x) = number(obj, key)?
        {
            raw.entry((service, threshold)).or_default()[slot] = Some(per_million(x));
        }
    }
    Ok(raw)
}

/// Drops cache-write prices below the same tier's input price (counted in
/// [`ImportStats::ignored_write_prices`]).
fn ignore_cheap_writes(raw: &mut RawPrices, stats: &mut ImportStats) {
    // A write is never cheaper than uncached input (it processes the prompt and stores it).
    // LiteLLM sometimes writes 0 or the read price as a placeholder: ignore those, so the
    // write is billed as plain input.
    for slots in raw.values_mut() {
        if let Some(input) = slots[IN] {
            for w in [WRITE_5M, WRITE_1H, WRITE_24H] {
                if slots[w].is_some_and(|x| x < input) {
                    slots[w] = None;
                    stats.ignored_write_prices += 1;
                }
            }
        }
    }
}

/// The base standard rates: an input price is required, and an output price except for
/// embedding models (which get 0).
fn standard_rates(raw: &RawPrices, mode: Mode) -> Result<Rates, SkipReason> {
    let base = raw
        .get(&(ServiceTier::Standard, None))
        .copied()
        .unwrap_or_default();
    let input = base[IN].ok_or(SkipReason::MissingPrice("input_cost_per_token"))?;
    let output = match (base[OUT], mode) {
        (Some(o), _) => o,
        (None, Mode::Embedding) => 0.0,
        (None, Mode::Chat) => return Err(SkipReason::MissingPrice("output_cost_per_token")),
    };
    Ok(Rates {
        input,
        output,
        ..rates_from(&base)
    })
}

/// The entry's `litellm_provider`, which must be a non-blank string.
fn provider(obj: &Map<String, Value>) -> Result<String, SkipReason> {
    Ok(obj
        .get("litellm_provider")
        .and_then(Value::as_str)
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| SkipReason::BadValue {
            field: "litellm_provider".into(),
            message: "missing".into(),
        })?
        .to_string())
}

#[cfg(test)]
mod tests {
    use crate::foundations::pricing::{Bucket, Catalog, PriceTier, PricingError, ServiceTier};

    #[test]
    fn bad_entries_are_skipped_with_reasons() {
        let text = r#"{
            "ok": {"mode": "chat", "litellm_provider": "x", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
            "no-output": {"mode": "chat", "litellm_provider": "x", "input_cost_per_token": 1e-6},
            "string-price": {"mode": "chat", "litellm_provider": "x", "input_cost_per_token": "1e-6", "output_cost_per_token": 2e-6},
            "negative": {"mode": "chat", "litellm_provider": "x", "input_cost_per_token": 1e-6, "output_cost_per_token": -2e-6},
            "no-mode": {"litellm_provider": "x", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
            "rerank": {"mode": "rerank", "litellm_provider": "x"},
            "list": [1, 2],
            "emb": {"mode": "embedding", "litellm_provider": "x", "input_cost_per_token": 1e-7, "max_input_tokens": 8191.0, "max_output_tokens": 0}
        }"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        assert_eq!(c.models.keys().collect::<Vec<_>>(), ["emb", "ok"]);
        assert_eq!(c.get("emb").unwrap().standard.output, 0.0);
        assert_eq!(c.get("emb").unwrap().max_input_tokens, Some(8191));
        assert_eq!(c.get("emb").unwrap().max_output_tokens, None);
        let got: Vec<(&str, String)> = stats
            .skipped
            .iter()
            .map(|s| (s.model.as_str(), s.reason.to_string()))
            .collect();
        assert_eq!(got[0], ("list", "entry is not a JSON object".to_string()));
        assert!(
            got[1].0 == "negative"
                && got[1]
                    .1
                    .starts_with("standard.output: must be a finite price")
        );
        assert_eq!(got[2], ("no-mode", "entry has no mode".to_string()));
        assert_eq!(
            got[3],
            ("no-output", "no output_cost_per_token".to_string())
        );
        assert!(got[4].0 == "rerank" && got[4].1.contains("\"rerank\""));
        assert!(
            got[5].0 == "string-price"
                && got[5]
                    .1
                    .starts_with("input_cost_per_token: expected a number")
        );
        assert_eq!(stats.skipped_by_reason().get("mode"), Some(&2));
    }

    #[test]
    fn write_prices_below_input_are_ignored() {
        let text = r#"{"deepseek/x": {"mode": "chat", "litellm_provider": "deepseek",
            "input_cost_per_token": 2.8e-7, "output_cost_per_token": 4.2e-7,
            "cache_read_input_token_cost": 2.8e-8, "cache_creation_input_token_cost": 0.0,
            "input_cost_per_token_above_200k_tokens": 5.6e-7, "output_cost_per_token_above_200k_tokens": 8.4e-7,
            "cache_creation_input_token_cost_above_200k_tokens": 6e-7}}"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        let m = c.get("deepseek/x").unwrap();
        assert_eq!(m.standard.cache_write_5m, None);
        // At or above input: kept.
        let lc = m.long_context.as_ref().unwrap();
        assert_eq!(lc.standard.cache_write_5m, Some(0.6));
        assert_eq!(stats.ignored_write_prices, 1);
        let rate = m.rate_per_token(ServiceTier::Standard, PriceTier::Base, Bucket::CacheWrite5m);
        assert_eq!(rate, Some(0.28 / 1e6));
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let e = Catalog::from_litellm_str("{\n  \"m\": {\"mode\": \"chat\",}\n}", "bad.json")
            .unwrap_err();
        match &e {
            PricingError::Json { origin, line, .. } => {
                assert_eq!(origin, "bad.json");
                assert_eq!(*line, 2);
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
        assert!(e.to_string().starts_with("bad.json:2:"), "{e}");
        let e = Catalog::from_litellm_str("[1]", "arr.json").unwrap_err();
        assert!(matches!(e, PricingError::Json { .. }));
        let e = Catalog::from_litellm_str(r#"{"x": {"mode": "image_generation"}}"#, "img.json")
            .unwrap_err();
        assert!(
            matches!(e, PricingError::NoModels { skipped: 1, .. }),
            "{e}"
        );
    }
}
