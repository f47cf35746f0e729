//! Import of LiteLLM's price map (`model_prices_and_context_window.json`), the price list most
//! LLM tooling already uses, into a [`Catalog`].
//!
//! LiteLLM keeps every price in USD per token; tokencast stores USD per million. The conversion
//! shifts the decimal exponent of the number as written (`1.345e-07` becomes `0.1345`, where
//! multiplying by 10^6 gives `0.13449999999999998`), so
//! imported prices print cleanly and compare equal to hand-written ones.
//!
//! # Which entries are kept
//!
//! * The `sample_spec` entry documents the format: ignored, not counted.
//! * `{"alias_of": "id"}` entries become a copy of their target (after all other entries).
//! * An entry is kept when its `mode` is `chat`, `completion`, `responses` (all [`Mode::Chat`]) or
//!   `embedding`, and it has `input_cost_per_token` and `output_cost_per_token` (an embedding
//!   model without an output price gets 0). Everything else (image, audio, rerank, ... models;
//!   entries without prices; a price that is not a number; a negative price) is skipped and
//!   listed in [`ImportStats::skipped`] with the reason.
//!
//! # Price fields
//!
//! | LiteLLM key (per token) | [`Rates`] field (per million) |
//! |---|---|
//! | `input_cost_per_token` | `input` |
//! | `output_cost_per_token` | `output` |
//! | `output_cost_per_reasoning_token` | `reasoning` |
//! | `cache_read_input_token_cost` | `cache_read` |
//! | `cache_creation_input_token_cost` | `cache_write_5m` |
//! | `cache_creation_input_token_cost_above_1hr` | `cache_write_1h` |
//! | `cache_creation_input_token_cost_above_12hr` | `cache_write_24h` (OpenAI extended retention) |
//!
//! Any of these may carry `_above_NNNk_tokens` (long-context tier, threshold NNN × 1000 prompt
//! tokens) and then `_batches` (batch tier) or `_flex` (flex tier), e.g.
//! `input_cost_per_token_above_272k_tokens_batches`. Other tiers (`_priority`, `_ultrafast`, ...)
//! and non-token prices (images, audio, per-query fees) are ignored. When an entry has several
//! long-context thresholds (a handful of resellers do), the **lowest** is kept, since tokencast
//! models one tier; the others are counted in [`ImportStats::ignored_thresholds`].
//!
//! # Derived prices
//!
//! LiteLLM often lists a discounted tier only partially: Anthropic's batch tier has no 1-hour
//! write price, older OpenAI models no batch cached-read price. Leaving those out would bill a
//! batch 1-hour write at plain batch input (half the real price) or make cached batch requests
//! unpriceable. Providers apply a tier's discount to every bucket (Anthropic: batch discounts
//! stack with cache multipliers; OpenAI and Google: batch is 50% off every token price), so a
//! price missing from a tier that has an input or output price is derived from the tier it
//! refines, scaled by the tier's own discount:
//!
//! * base batch/flex from base standard; long-context standard from base standard; long-context
//!   batch/flex from long-context standard;
//! * prompt-side prices (input, cache read, cache writes) scale by the tier's input ratio,
//!   output-side (output, reasoning) by its output ratio;
//! * a price the reference tier lacks stays missing (the fallbacks in [`super`] apply);
//! * a long-context tier lacking batch (flex) prices while the base has them gets the
//!   long-context standard prices scaled by the base batch (flex) discount.
//!
//! Every derived price is counted in [`ImportStats::derived_prices`].
//!
//! A cache-write price below the same tier's input price is ignored (so the write costs plain
//! input): a write processes the prompt and stores it, and no provider charges less for it than
//! for uncached input. In LiteLLM 1.110.2 such values are placeholders: `0` on DeepSeek, Z.ai,
//! Tencent and gateway entries, the cached-read price on a few Azure entries, and
//! `cache_creation_input_token_cost_above_200k_tokens` equal to 0.1x input on Vertex Gemini Pro
//! entries. They are counted in [`ImportStats::ignored_write_prices`].
//!
//! # Cache rules
//!
//! LiteLLM holds only `prompt_cache_min_tokens` and `supports_prompt_caching`; the rest comes from
//! the providers' published rules. Caching is off ([`CacheKind::None`]) for embedding models and
//! whenever there is no cached-read price. `prompt_cache_min_tokens`, when given, overrides the
//! minimum prefix below.
//!
//! | provider | kind | min prefix | granularity | TTLs (first = default) | refresh on hit | storage |
//! |---|---|---|---|---|---|---|
//! | Anthropic: provider contains `anthropic`, or the id contains `claude` | `Explicit` | 1024 | 1 | 5m, plus 1h when a 1-hour write price exists | yes | - |
//! | `openai`, `azure`, `azure_text`, `text-completion-openai` | `Automatic` | 1024 | 128 | 5m, plus 24h when an `_above_12hr` write price exists | yes | - |
//! | Gemini: `gemini`, `vertex_ai-language-models`, or `vertex_ai*` with `gemini` in the id | `ExplicitWithStorage` | 2048 for `pro` models, else 1024 | 1 | 1h, 5m, 24h | no | $4.50 (pro) / $1.00 (others) per 1M tokens per hour |
//! | any other provider, unless `supports_prompt_caching` is `false` | `Automatic` | 1024 | 1 | 5m | yes | - |
//!
//! The Gemini storage prices are Google's published explicit context-caching storage prices
//! (ai.google.dev/gemini-api/docs/pricing: Gemini 2.5 Pro $4.50, Gemini 2.5 Flash and Flash-Lite
//! $1.00 per 1,000,000 tokens per hour); other Gemini models are assumed to follow the Pro /
//! Flash split. Gemini explicit caches keep the TTL they were created with (default 1 hour),
//! so hits do not refresh them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use super::{
    CacheKind, CacheRules, Catalog, InvalidField, LongContextTier, Mode, ModelPrice, PricingError,
    Rates, ServiceTier, Ttl, is_date,
};

/// What an import kept, skipped and filled in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportStats {
    /// Entries in the map (the `sample_spec` documentation entry excluded).
    pub entries: usize,
    /// Models imported (aliases included).
    pub imported: usize,
    /// Of `imported`, how many are `alias_of` copies.
    pub aliases: usize,
    /// Entries not imported, by model id, with the reason.
    pub skipped: Vec<Skipped>,
    /// Tier prices LiteLLM does not list, derived by scaling (see the module docs).
    pub derived_prices: usize,
    /// Long-context thresholds dropped because an entry had a lower one.
    pub ignored_thresholds: usize,
    /// Cache-write prices ignored because they were below the same tier's input price.
    pub ignored_write_prices: usize,
}

impl ImportStats {
    /// Number of skipped entries per [`SkipReason::kind`].
    pub fn skipped_by_reason(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for s in &self.skipped {
            *out.entry(s.reason.kind()).or_insert(0) += 1;
        }
        out
    }
}

/// An entry the import left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The entry's key.
    pub model: String,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why an entry was left out.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// The entry is not a JSON object.
    NotAnObject,
    /// Its `mode` is not chat, completion, responses or embedding (`None`: no mode).
    Mode(Option<String>),
    /// A required price is missing (the LiteLLM key).
    MissingPrice(&'static str),
    /// A field tokencast reads has the wrong type.
    BadValue {
        /// The LiteLLM key.
        field: String,
        /// What was found.
        message: String,
    },
    /// The imported prices are out of range.
    Invalid(InvalidField),
    /// An `alias_of` entry whose target was not imported.
    AliasTargetMissing(String),
}

impl SkipReason {
    /// Short category: "not_an_object", "mode", "missing_price", "bad_value", "invalid",
    /// "alias_target_missing".
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::NotAnObject => "not_an_object",
            SkipReason::Mode(_) => "mode",
            SkipReason::MissingPrice(_) => "missing_price",
            SkipReason::BadValue { .. } => "bad_value",
            SkipReason::Invalid(_) => "invalid",
            SkipReason::AliasTargetMissing(_) => "alias_target_missing",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotAnObject => f.write_str("entry is not a JSON object"),
            SkipReason::Mode(Some(m)) => write!(
                f,
                "mode {m:?} is not priced per token (chat, completion, responses, embedding)"
            ),
            SkipReason::Mode(None) => f.write_str("entry has no mode"),
            SkipReason::MissingPrice(k) => write!(f, "no {k}"),
            SkipReason::BadValue { field, message } => write!(f, "{field}: {message}"),
            SkipReason::Invalid(e) => write!(f, "{e}"),
            SkipReason::AliasTargetMissing(t) => {
                write!(f, "alias of {t:?}, which was not imported")
            }
        }
    }
}

/// Slots of one tier's prices, per million tokens, before fallbacks.
type Slots = [Option<f64>; 7];
const IN: usize = 0;
const OUT: usize = 1;
const REASONING: usize = 2;
const READ: usize = 3;
const WRITE_5M: usize = 4;
const WRITE_1H: usize = 5;
const WRITE_24H: usize = 6;

/// Import a LiteLLM price map. The caller validates the result.
pub(super) fn import(text: &str, origin: &str) -> Result<(Catalog, ImportStats), PricingError> {
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
    };
    Ok((catalog, stats))
}

fn skip(id: &str, reason: SkipReason) -> Skipped {
    Skipped {
        model: id.to_string(),
        reason,
    }
}

/// Split a price key into (service tier, long-context threshold in tokens, slot). `None` for
/// keys tokencast does not read.
fn parse_key(key: &str) -> Option<(ServiceTier, Option<u64>, usize)> {
    const PREFIXES: [(&str, usize); 5] = [
        ("input_cost_per_token", IN),
        ("output_cost_per_token", OUT),
        ("output_cost_per_reasoning_token", REASONING),
        ("cache_read_input_token_cost", READ),
        ("cache_creation_input_token_cost", WRITE_5M),
    ];
    let (mut rest, mut slot) = PREFIXES
        .iter()
        .find_map(|&(p, s)| key.strip_prefix(p).map(|r| (r, s)))?;
    if slot == WRITE_5M {
        if let Some(r) = rest.strip_prefix("_above_1hr") {
            (rest, slot) = (r, WRITE_1H);
        } else if let Some(r) = rest.strip_prefix("_above_12hr") {
            (rest, slot) = (r, WRITE_24H);
        }
    }
    let mut threshold = None;
    if let Some(r) = rest.strip_prefix("_above_") {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        let (num, tail) = r.split_at(digits);
        rest = tail.strip_prefix("k_tokens")?;
        threshold = Some(num.parse::<u64>().ok()?.checked_mul(1000)?);
    }
    let service = match rest {
        "" => ServiceTier::Standard,
        "_batches" => ServiceTier::Batch,
        "_flex" => ServiceTier::Flex,
        _ => return None,
    };
    Some((service, threshold, slot))
}

/// USD per token -> USD per million tokens, by moving the decimal exponent of the shortest
/// representation (exact for every price LiteLLM writes, unlike `x * 1e6`).
pub(super) fn per_million(per_token: f64) -> f64 {
    let s = format!("{per_token:e}");
    if let Some((mantissa, exp)) = s.split_once('e')
        && let Ok(exp) = exp.parse::<i32>()
        && let Ok(v) = format!("{mantissa}e{}", exp + 6).parse::<f64>()
    {
        return v;
    }
    per_token * 1e6
}

/// Round to 12 significant digits (derived prices: hides `x * ratio` float noise).
fn round_sig(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn number(obj: &Map<String, Value>, key: &str) -> Result<Option<f64>, SkipReason> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(other) => Err(SkipReason::BadValue {
            field: key.to_string(),
            message: format!("expected a number, found {other}"),
        }),
    }
}

fn count(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, SkipReason> {
    match number(obj, key)? {
        None => Ok(None),
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 9.0e15 => Ok(Some(x as u64)),
        Some(x) => Err(SkipReason::BadValue {
            field: key.to_string(),
            message: format!("expected a whole number of tokens, found {x}"),
        }),
    }
}

fn import_entry(
    id: &str,
    obj: &Map<String, Value>,
    stats: &mut ImportStats,
) -> Result<ModelPrice, SkipReason> {
    let mode = match obj.get("mode").and_then(Value::as_str) {
        Some("chat" | "completion" | "responses") => Mode::Chat,
        Some("embedding") => Mode::Embedding,
        Some(other) => return Err(SkipReason::Mode(Some(other.to_string()))),
        None => return Err(SkipReason::Mode(None)),
    };
    let mut raw: BTreeMap<(ServiceTier, Option<u64>), Slots> = BTreeMap::new();
    for key in obj.keys() {
        if let Some((service, threshold, slot)) = parse_key(key)
            && let Some(x) = number(obj, key)?
        {
            raw.entry((service, threshold)).or_default()[slot] = Some(per_million(x));
        }
    }
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
    let standard = Rates {
        input,
        output,
        ..rates_from(&base)
    };
    let derived = &mut stats.derived_prices;
    let batch = tier(raw.get(&(ServiceTier::Batch, None)), &standard, derived);
    let flex = tier(raw.get(&(ServiceTier::Flex, None)), &standard, derived);

    let thresholds: BTreeSet<u64> = raw.keys().filter_map(|&(_, t)| t).collect();
    let mut long_context = None;
    if let Some(&above) = thresholds.first() {
        stats.ignored_thresholds += thresholds.len() - 1;
        let lc = |service| raw.get(&(service, Some(above)));
        if let Some(lc_standard) = tier(lc(ServiceTier::Standard), &standard, derived) {
            let mut lc_tier = |service, base_tier: &Option<Rates>| {
                tier(lc(service), &lc_standard, derived).or_else(|| {
                    base_tier
                        .as_ref()
                        .map(|b| derive_tier(&lc_standard, &standard, b, derived))
                })
            };
            let lc_batch = lc_tier(ServiceTier::Batch, &batch);
            let lc_flex = lc_tier(ServiceTier::Flex, &flex);
            long_context = Some(LongContextTier {
                above_input_tokens: above,
                standard: lc_standard,
                batch: lc_batch,
                flex: lc_flex,
            });
        } else {
            stats.ignored_thresholds += 1;
        }
    }

    let provider = obj
        .get("litellm_provider")
        .and_then(Value::as_str)
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| SkipReason::BadValue {
            field: "litellm_provider".into(),
            message: "missing".into(),
        })?
        .to_string();
    let cache = cache_rules(id, &provider, mode, obj, &standard)?;
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

/// Rates with every optional field from `slots` (input/output filled by the caller).
fn rates_from(slots: &Slots) -> Rates {
    Rates {
        input: slots[IN].unwrap_or(0.0),
        output: slots[OUT].unwrap_or(0.0),
        reasoning: slots[REASONING],
        cache_read: slots[READ],
        cache_write_5m: slots[WRITE_5M],
        cache_write_1h: slots[WRITE_1H],
        cache_write_24h: slots[WRITE_24H],
    }
}

/// `reference` with prompt-side prices × `in_ratio` and output-side × `out_ratio`.
fn scale(reference: &Rates, in_ratio: f64, out_ratio: f64) -> Rates {
    let p = |x: f64| round_sig(x * in_ratio);
    let o = |x: f64| round_sig(x * out_ratio);
    Rates {
        input: p(reference.input),
        output: o(reference.output),
        reasoning: reference.reasoning.map(o),
        cache_read: reference.cache_read.map(p),
        cache_write_5m: reference.cache_write_5m.map(p),
        cache_write_1h: reference.cache_write_1h.map(p),
        cache_write_24h: reference.cache_write_24h.map(p),
    }
}

/// (input ratio, output ratio) of a tier's prices to its reference; each falls back to the
/// other, then to 1.
fn ratios(input: Option<f64>, output: Option<f64>, reference: &Rates) -> (f64, f64) {
    let ratio = |own: Option<f64>, base: f64| own.filter(|_| base > 0.0).map(|x| x / base);
    let i = ratio(input, reference.input);
    let o = ratio(output, reference.output);
    (i.or(o).unwrap_or(1.0), o.or(i).unwrap_or(1.0))
}

/// A tier's rates from its LiteLLM slots, prices it lacks derived from `reference`. `None` when
/// the tier has neither an input nor an output price.
fn tier(slots: Option<&Slots>, reference: &Rates, derived: &mut usize) -> Option<Rates> {
    let s = slots?;
    if s[IN].is_none() && s[OUT].is_none() {
        return None;
    }
    let (in_ratio, out_ratio) = ratios(s[IN], s[OUT], reference);
    let d = scale(reference, in_ratio, out_ratio);
    let mut pick = |own: Option<f64>, fallback: Option<f64>| match own {
        Some(x) => Some(x),
        None => {
            *derived += usize::from(fallback.is_some());
            fallback
        }
    };
    Some(Rates {
        input: pick(s[IN], Some(d.input)).unwrap_or(d.input),
        output: pick(s[OUT], Some(d.output)).unwrap_or(d.output),
        reasoning: pick(s[REASONING], d.reasoning),
        cache_read: pick(s[READ], d.cache_read),
        cache_write_5m: pick(s[WRITE_5M], d.cache_write_5m),
        cache_write_1h: pick(s[WRITE_1H], d.cache_write_1h),
        cache_write_24h: pick(s[WRITE_24H], d.cache_write_24h),
    })
}

/// A long-context batch/flex tier LiteLLM omits: the long-context standard prices with the base
/// tier's discount.
fn derive_tier(
    lc_standard: &Rates,
    base_standard: &Rates,
    base_tier: &Rates,
    derived: &mut usize,
) -> Rates {
    let (in_ratio, out_ratio) =
        ratios(Some(base_tier.input), Some(base_tier.output), base_standard);
    let r = scale(lc_standard, in_ratio, out_ratio);
    *derived += 2 + [
        r.reasoning,
        r.cache_read,
        r.cache_write_5m,
        r.cache_write_1h,
        r.cache_write_24h,
    ]
    .iter()
    .filter(|x| x.is_some())
    .count();
    r
}

/// Google's explicit context-caching storage price, USD per million tokens per hour.
const GEMINI_PRO_STORAGE: f64 = 4.5;
const GEMINI_FLASH_STORAGE: f64 = 1.0;

fn cache_rules(
    id: &str,
    provider: &str,
    mode: Mode,
    obj: &Map<String, Value>,
    standard: &Rates,
) -> Result<CacheRules, SkipReason> {
    if mode == Mode::Embedding || standard.cache_read.is_none() {
        return Ok(CacheRules::none());
    }
    let min_override = count(obj, "prompt_cache_min_tokens")?;
    let lower_id = id.to_ascii_lowercase();
    let is_anthropic = provider.contains("anthropic") || lower_id.contains("claude");
    let is_openai = matches!(
        provider,
        "openai" | "azure" | "azure_text" | "text-completion-openai"
    );
    let is_gemini = provider == "gemini"
        || provider == "vertex_ai-language-models"
        || (provider.starts_with("vertex_ai") && lower_id.contains("gemini"));
    let rules = if is_anthropic {
        let mut ttls = vec![Ttl::M5];
        if standard.cache_write_1h.is_some() {
            ttls.push(Ttl::H1);
        }
        CacheRules {
            kind: CacheKind::Explicit,
            min_prefix_tokens: min_override.unwrap_or(1024),
            granularity_tokens: 1,
            ttls,
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
        }
    } else if is_openai {
        let mut ttls = vec![Ttl::M5];
        if standard.cache_write_24h.is_some() {
            ttls.push(Ttl::H24);
        }
        CacheRules {
            kind: CacheKind::Automatic,
            min_prefix_tokens: min_override.unwrap_or(1024),
            granularity_tokens: 128,
            ttls,
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
        }
    } else if is_gemini {
        let pro = lower_id.contains("-pro");
        CacheRules {
            kind: CacheKind::ExplicitWithStorage,
            min_prefix_tokens: min_override.unwrap_or(if pro { 2048 } else { 1024 }),
            granularity_tokens: 1,
            ttls: vec![Ttl::H1, Ttl::M5, Ttl::H24],
            refresh_on_hit: false,
            storage_per_mtok_hour: Some(if pro {
                GEMINI_PRO_STORAGE
            } else {
                GEMINI_FLASH_STORAGE
            }),
        }
    } else if obj.get("supports_prompt_caching").and_then(Value::as_bool) == Some(false) {
        CacheRules::none()
    } else {
        CacheRules {
            kind: CacheKind::Automatic,
            min_prefix_tokens: min_override.unwrap_or(1024),
            granularity_tokens: 1,
            ttls: vec![Ttl::M5],
            refresh_on_hit: true,
            storage_per_mtok_hour: None,
        }
    };
    Ok(rules)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::foundations::pricing::tests::BUILTIN_IDS;
    use crate::foundations::pricing::{Bucket, PriceTier};

    /// Entries copied verbatim from LiteLLM 1.110.2: `sample_spec`, the sources of every built-in
    /// model, an image model (`gpt-image-2`, skipped) and a real alias whose target is not in the
    /// fixture (`claude-opus-latest`, skipped); plus one made-up alias, `gpt-mini-alias` ->
    /// `gpt-4o-mini`, to test alias resolution.
    pub(crate) const FIXTURE: &str = include_str!("testdata/litellm-sample.json");

    /// The whole LiteLLM 1.110.2 map: `$TOKENCAST_LITELLM_JSON`, else
    /// `$CARGO_MANIFEST_DIR/../shared/pricing/litellm-model-prices-1.110.2.json`.
    fn real_file() -> Option<(String, String)> {
        let path = std::env::var("TOKENCAST_LITELLM_JSON").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/pricing/litellm-model-prices-1.110.2.json"
            )
            .to_string()
        });
        std::fs::read_to_string(&path).ok().map(|t| (path, t))
    }

    /// The LiteLLM entry a built-in id was copied from (Gemini: the `gemini/` entries).
    fn source_id(id: &str) -> String {
        if id.starts_with("gemini-") {
            format!("gemini/{id}")
        } else {
            id.to_string()
        }
    }

    fn fixture() -> (Catalog, ImportStats) {
        Catalog::from_litellm_str_with_stats(FIXTURE, "litellm-sample.json").unwrap()
    }

    #[test]
    fn per_million_is_exact_decimal_shift() {
        assert_eq!(per_million(3e-6), 3.0);
        assert_eq!(per_million(1.345e-7), 0.1345);
        assert_eq!(per_million(3.75e-6), 3.75);
        assert_eq!(per_million(6e-9), 0.006);
        assert_eq!(per_million(0.0), 0.0);
        assert_eq!(per_million(2.5e-5), 25.0);
        // The naive product is not exact; the shift is.
        assert_ne!(1.345e-7 * 1e6, 0.1345);
    }

    #[test]
    fn parse_key_splits_tier_threshold_and_slot() {
        use ServiceTier::{Batch, Flex, Standard};
        assert_eq!(
            parse_key("input_cost_per_token"),
            Some((Standard, None, IN))
        );
        assert_eq!(
            parse_key("output_cost_per_token_flex"),
            Some((Flex, None, OUT))
        );
        assert_eq!(
            parse_key("input_cost_per_token_above_272k_tokens_batches"),
            Some((Batch, Some(272_000), IN))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_1hr"),
            Some((Standard, None, WRITE_1H))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_12hr_above_272k_tokens_flex"),
            Some((Flex, Some(272_000), WRITE_24H))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_128k_tokens"),
            Some((Standard, Some(128_000), WRITE_5M))
        );
        assert_eq!(
            parse_key("output_cost_per_reasoning_token"),
            Some((Standard, None, REASONING))
        );
        for ignored in [
            "input_cost_per_token_priority",
            "input_cost_per_token_above_272k_tokens_priority",
            "input_cost_per_token_cache_hit",
            "input_cost_per_audio_token",
            "cache_read_input_audio_token_cost",
            "input_cost_per_video_per_second_above_15s_interval",
            "input_cost_per_token_above_k_tokens",
            "output_cost_per_token_batches_extra",
        ] {
            assert_eq!(parse_key(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn fixture_counts() {
        let (c, stats) = fixture();
        // 11 sources + gpt-4o-mini alias imported; image model and dangling real alias skipped.
        assert_eq!(stats.entries, 14);
        assert_eq!(stats.imported, 12);
        assert_eq!(stats.aliases, 1);
        assert_eq!(c.models.len(), 12);
        let reasons: Vec<(&str, &str)> = stats
            .skipped
            .iter()
            .map(|s| (s.model.as_str(), s.reason.kind()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("claude-opus-latest", "alias_target_missing"),
                ("gpt-image-2", "mode")
            ]
        );
        assert_eq!(c.get("gpt-mini-alias"), c.get("gpt-4o-mini"));
        assert_eq!(c.effective_date, "unknown");
        assert_eq!(c.source, "LiteLLM price map litellm-sample.json");
        assert!(stats.derived_prices > 0);
    }

    #[test]
    fn anthropic_entry() {
        let (c, _) = fixture();
        let m = c.get("claude-opus-4-8").unwrap();
        assert_eq!(m.provider, "anthropic");
        assert_eq!(m.mode, Mode::Chat);
        assert_eq!(
            (m.max_input_tokens, m.max_output_tokens),
            (Some(1_000_000), Some(128_000))
        );
        let s = &m.standard;
        assert_eq!((s.input, s.output, s.reasoning), (5.0, 25.0, None));
        assert_eq!(s.cache_read, Some(0.5));
        assert_eq!(s.cache_write_5m, Some(6.25));
        assert_eq!(s.cache_write_1h, Some(10.0));
        assert_eq!(s.cache_write_24h, None);
        let b = m.batch.as_ref().unwrap();
        assert_eq!(
            (b.input, b.output, b.cache_read, b.cache_write_5m),
            (2.5, 12.5, Some(0.25), Some(3.125))
        );
        // Not in LiteLLM: derived from the 1h write price at the batch discount.
        assert_eq!(b.cache_write_1h, Some(5.0));
        assert_eq!(m.flex, None);
        assert_eq!(m.long_context, None);
        assert_eq!(m.cache.kind, CacheKind::Explicit);
        assert_eq!(m.cache.ttls, [Ttl::M5, Ttl::H1]);
        assert_eq!(
            (m.cache.min_prefix_tokens, m.cache.granularity_tokens),
            (1024, 1)
        );
        assert!(m.cache.refresh_on_hit);
        // prompt_cache_min_tokens overrides the provider default.
        assert_eq!(
            c.get("claude-haiku-4-5").unwrap().cache.min_prefix_tokens,
            4096
        );
    }

    #[test]
    fn openai_entry_with_long_context_and_extended_retention() {
        let (c, _) = fixture();
        let m = c.get("gpt-5.6-sol").unwrap();
        assert_eq!(m.standard.input, 4.0);
        assert_eq!(m.standard.cache_write_5m, Some(5.0));
        assert_eq!(m.standard.cache_write_24h, Some(10.0));
        let f = m.flex.as_ref().unwrap();
        assert_eq!(
            (f.input, f.output, f.cache_read, f.cache_write_24h),
            (2.0, 10.0, Some(0.2), Some(5.0))
        );
        let lc = m.long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 272_000);
        assert_eq!((lc.standard.input, lc.standard.output), (8.0, 30.0));
        assert_eq!(lc.standard.cache_write_24h, Some(20.0));
        let lb = lc.batch.as_ref().unwrap();
        assert_eq!(
            (lb.input, lb.output, lb.cache_read, lb.cache_write_5m),
            (4.0, 15.0, Some(0.4), Some(5.0))
        );
        assert_eq!(lb.cache_write_24h, Some(10.0));
        assert_eq!(lc.flex.as_ref().unwrap().output, 15.0);
        assert_eq!(m.cache.kind, CacheKind::Automatic);
        assert_eq!(m.cache.granularity_tokens, 128);
        assert_eq!(m.cache.ttls, [Ttl::M5, Ttl::H24]);
        assert_eq!(m.price_tier(272_000), PriceTier::Base);
        assert_eq!(m.price_tier(272_001), PriceTier::LongContext);
        // Older model: no write price, no 24h retention; batch cached read derived (LiteLLM has
        // none) at the batch discount.
        let mini = c.get("gpt-4o-mini").unwrap();
        assert_eq!(mini.cache.ttls, [Ttl::M5]);
        assert_eq!(mini.standard.cache_write_5m, None);
        assert_eq!(mini.batch.as_ref().unwrap().cache_read, Some(0.0375));
        assert_eq!(mini.deprecation_date.as_deref(), Some("2027-01-14"));
    }

    #[test]
    fn gemini_entry() {
        let (c, _) = fixture();
        let m = c.get("gemini/gemini-2.5-pro").unwrap();
        assert_eq!(m.provider, "gemini");
        assert_eq!(m.cache.kind, CacheKind::ExplicitWithStorage);
        assert_eq!(m.cache.ttls, [Ttl::H1, Ttl::M5, Ttl::H24]);
        assert!(!m.cache.refresh_on_hit);
        assert_eq!(m.cache.min_prefix_tokens, 2048);
        assert_eq!(m.cache.storage_per_mtok_hour, Some(4.5));
        let lc = m.long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 200_000);
        assert_eq!(
            (
                lc.standard.input,
                lc.standard.output,
                lc.standard.cache_read
            ),
            (2.5, 15.0, Some(0.25))
        );
        assert_eq!(lc.batch.as_ref().unwrap().cache_read, Some(0.25));
        let flash = c.get("gemini/gemini-2.5-flash").unwrap();
        assert_eq!(flash.cache.storage_per_mtok_hour, Some(1.0));
        assert_eq!(flash.cache.min_prefix_tokens, 1024);
        assert_eq!(flash.standard.reasoning, Some(2.5));
        let storage = flash.rate_per_token(
            ServiceTier::Standard,
            PriceTier::Base,
            Bucket::CacheStorageTokenHours,
        );
        assert_eq!(storage, Some(1e-6));
    }

    #[test]
    fn embedding_entry() {
        let (c, _) = fixture();
        let m = c.get("text-embedding-3-small").unwrap();
        assert_eq!(m.mode, Mode::Embedding);
        assert_eq!((m.standard.input, m.standard.output), (0.02, 0.0));
        assert_eq!(m.batch.as_ref().map(|b| b.input), Some(0.01));
        assert_eq!(m.cache, CacheRules::none());
    }

    /// Keeps the hand-written catalog honest: every built-in model equals what the importer
    /// makes of its LiteLLM entry (Gemini ids come from the `gemini/` entries). No differences
    /// are allowed.
    #[test]
    fn builtin_matches_importer() {
        let (imported, _) = fixture();
        let builtin = Catalog::builtin();
        for id in BUILTIN_IDS {
            let src = source_id(id);
            assert_eq!(
                builtin.get(id),
                imported.get(&src),
                "built-in {id} differs from the import of LiteLLM {src}"
            );
        }
        assert_eq!(builtin.models.len(), BUILTIN_IDS.len());
    }

    /// The whole real map; skipped (with a note) when the file is not beside the repository.
    #[test]
    fn real_litellm_map_loads() {
        let Some((path, text)) = real_file() else {
            eprintln!(
                "real_litellm_map_loads: LiteLLM 1.110.2 map not found; set TOKENCAST_LITELLM_JSON"
            );
            return;
        };
        let (c, stats) = Catalog::from_litellm_str_with_stats(&text, &path).unwrap();
        assert_eq!(stats.entries, 4877);
        assert_eq!(stats.imported + stats.skipped.len(), stats.entries);
        assert!(stats.imported > 3000, "{} imported", stats.imported);
        // Every priced chat/embedding entry is usable: nothing fails validation.
        assert_eq!(stats.skipped_by_reason().get("invalid"), None);
        assert_eq!(stats.skipped_by_reason().get("bad_value"), None);
        let (fixture, _) = fixture();
        for id in BUILTIN_IDS {
            let src = source_id(id);
            assert_eq!(c.get(&src), fixture.get(&src), "{src}");
        }
        // Resellers with two thresholds keep the lowest.
        assert!(stats.ignored_thresholds > 0);
        c.validate().unwrap();
    }

    #[test]
    fn several_thresholds_keep_the_lowest() {
        let text = r#"{"m": {"mode": "chat", "litellm_provider": "kyma",
            "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
            "input_cost_per_token_above_256k_tokens": 4e-6, "output_cost_per_token_above_256k_tokens": 8e-6,
            "input_cost_per_token_above_32k_tokens": 2e-6, "output_cost_per_token_above_32k_tokens": 4e-6}}"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        let lc = c.get("m").unwrap().long_context.as_ref().unwrap();
        assert_eq!(lc.above_input_tokens, 32_000);
        assert_eq!(lc.standard.input, 2.0);
        assert_eq!(stats.ignored_thresholds, 1);
        // No cached-read price: caching off.
        assert_eq!(c.get("m").unwrap().cache.kind, CacheKind::None);
    }

    #[test]
    fn long_context_batch_derived_from_base_discount() {
        let text = r#"{"claude-x": {"mode": "chat", "litellm_provider": "anthropic",
            "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5,
            "cache_read_input_token_cost": 3e-7, "cache_creation_input_token_cost": 3.75e-6,
            "input_cost_per_token_batches": 1.5e-6, "output_cost_per_token_batches": 7.5e-6,
            "input_cost_per_token_above_200k_tokens": 6e-6, "output_cost_per_token_above_200k_tokens": 2.25e-5}}"#;
        let (c, stats) = Catalog::from_litellm_str_with_stats(text, "t.json").unwrap();
        let m = c.get("claude-x").unwrap();
        let lc = m.long_context.as_ref().unwrap();
        // Missing long-context cache prices scale with the long-context input ratio (2x).
        assert_eq!(lc.standard.cache_read, Some(0.6));
        assert_eq!(lc.standard.cache_write_5m, Some(7.5));
        // Missing long-context batch tier: long-context prices at the base batch discount.
        let lb = lc.batch.as_ref().unwrap();
        assert_eq!(
            (lb.input, lb.output, lb.cache_read),
            (3.0, 11.25, Some(0.3))
        );
        // Base batch: cache read 0.15, write 1.875 derived; no 1h price anywhere.
        let b = m.batch.as_ref().unwrap();
        assert_eq!(
            (b.cache_read, b.cache_write_5m, b.cache_write_1h),
            (Some(0.15), Some(1.875), None)
        );
        assert_eq!(m.cache.ttls, [Ttl::M5]);
        assert_eq!(stats.derived_prices, 2 + 2 + 4);
    }

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

    #[test]
    fn generic_provider_cache_rules() {
        let text = r#"{
            "a": {"mode": "chat", "litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 5e-7},
            "b": {"mode": "chat", "litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 5e-7, "supports_prompt_caching": false},
            "bedrock/anthropic.claude-z": {"mode": "chat", "litellm_provider": "bedrock_converse", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "cache_read_input_token_cost": 1e-7, "cache_creation_input_token_cost": 1.25e-6}
        }"#;
        let c = Catalog::from_litellm_str(text, "t.json").unwrap();
        let a = &c.get("a").unwrap().cache;
        assert_eq!(
            (a.kind, a.granularity_tokens, a.min_prefix_tokens),
            (CacheKind::Automatic, 1, 1024)
        );
        assert_eq!(c.get("b").unwrap().cache.kind, CacheKind::None);
        let z = &c.get("bedrock/anthropic.claude-z").unwrap().cache;
        assert_eq!(
            (z.kind, z.ttls.as_slice()),
            (CacheKind::Explicit, [Ttl::M5].as_slice())
        );
    }
}
