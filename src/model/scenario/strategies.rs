//! Resolving a scenario's strategies into lever settings per endpoint, checked against the
//! endpoints and the catalog.

use crate::foundations::pricing::{
    CacheKind, Catalog, Mode, Ttl, caches_implicitly, takes_prompt_cache_key,
};
use crate::model::strategy::{
    BatchChoice, CacheChoice, CacheKey, CacheMode, ContextPolicy, EndpointLevers, Placement,
    RecordedShares, Strategy,
};

use super::check::{Validator, trim_float, unknown_endpoint, unknown_model};
use super::file::{self, History, ScenarioFile, StrategyFile};
use super::semantic_cache::resolve_semantic_cache;
use super::{Endpoint, routing};

/// Resolve the file's strategies into per-endpoint lever settings, in order: `baseline` (the
/// file's, or no levers), then every other strategy in file order. A strategy starts from the
/// baseline, then applies each strategy it `combine`s (which must come earlier in the file),
/// then its own settings.
pub(super) fn resolve_strategies(
    file: &ScenarioFile,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    v: &mut Validator,
) -> Vec<Strategy> {
    let base_idx = file.strategies.iter().position(|s| s.name == "baseline");
    let mut order: Vec<usize> = base_idx.into_iter().collect();
    order.extend((0..file.strategies.len()).filter(|i| Some(*i) != base_idx));
    let mut resolved: Vec<Strategy> = Vec::new();
    if base_idx.is_none() {
        resolved.push(implicit_baseline(endpoints));
    }
    for i in order {
        let sf = &file.strategies[i];
        let p = format!("strategies[{i}]");
        let duplicate = file.strategies[..i].iter().any(|o| o.name == sf.name);
        v.name(&format!("{p}.name"), &sf.name, duplicate, "strategy");
        if duplicate {
            continue;
        }
        let levers = resolve_levers(&p, sf, &resolved, endpoints, catalog, v);
        resolved.push(Strategy {
            name: sf.name.clone(),
            description: sf.description.clone(),
            endpoints: levers,
        });
    }
    resolved
}

/// The baseline when the file has none: no levers but the provider's automatic ones.
fn implicit_baseline(endpoints: &[Endpoint]) -> Strategy {
    let names = |recorded: bool| -> Vec<&str> {
        endpoints
            .iter()
            .filter(|e| {
                automatic_levers(e)
                    .prompt_cache
                    .is_some_and(|c| c.recorded.is_some() == recorded)
            })
            .map(|e| e.name.as_str())
            .collect()
    };
    let (auto, recorded) = (names(false), names(true));
    let mut description = if auto.is_empty() && recorded.is_empty() {
        "no levers: every request billed as sent".to_string()
    } else if auto.is_empty() {
        "no levers switched on".to_string()
    } else {
        format!(
            "no levers switched on; the provider's automatic prompt caching still applies to {}",
            auto.join(", ")
        )
    };
    if !recorded.is_empty() {
        description.push_str(&format!(
            "; prompt caching as recorded (recorded_cache) on {}",
            recorded.join(", ")
        ));
    }
    Strategy {
        name: "baseline".to_string(),
        description,
        endpoints: endpoints.iter().map(automatic_levers).collect(),
    }
}

/// The lever settings per endpoint of strategy `sf` (at `p`): the baseline's (`resolved[0]`,
/// if resolved), the strategies it combines, then each of its own levers.
fn resolve_levers(
    p: &str,
    sf: &StrategyFile,
    resolved: &[Strategy],
    endpoints: &[Endpoint],
    catalog: &Catalog,
    v: &mut Validator,
) -> Vec<EndpointLevers> {
    let mut levers: Vec<EndpointLevers> = match resolved.first() {
        Some(b) if sf.name != "baseline" => b.endpoints.clone(),
        _ => endpoints.iter().map(automatic_levers).collect(),
    };
    if sf.name == "baseline" && !sf.combine.is_empty() {
        v.err(
            format!("{p}.combine"),
            "the baseline cannot combine other strategies",
        );
    }
    apply_combined(p, &sf.combine, resolved, &mut levers, v);
    if let Some(pc) = &sf.prompt_cache {
        resolve_prompt_cache(&format!("{p}.prompt_cache"), pc, endpoints, &mut levers, v);
    }
    if let Some(rt) = &sf.routing {
        let choices = routing::resolve(
            rt,
            &format!("{p}.routing"),
            endpoints,
            catalog,
            &mut v.errors,
        );
        for (l, c) in levers.iter_mut().zip(choices) {
            if c.is_some() {
                l.routing = c;
            }
        }
    }
    if let Some(cf) = &sf.context {
        resolve_context(
            &format!("{p}.context"),
            cf,
            endpoints,
            catalog,
            &mut levers,
            v,
        );
    }
    if let Some(bf) = &sf.batch {
        resolve_batch(&format!("{p}.batch"), bf, endpoints, &mut levers, v);
    }
    if let Some(sc) = &sf.semantic_cache {
        resolve_semantic_cache(sc, &format!("{p}.semantic_cache"), endpoints, catalog, v)
            .into_iter()
            .for_each(|(ei, s)| levers[ei].semantic_cache = Some(s));
    }
    check_batched_routing(p, endpoints, &levers, catalog, v);
    levers
}

/// Lay over `levers` what each strategy named in `combine` changed relative to the baseline
/// (`resolved[0]`); a name must be of a strategy resolved before.
fn apply_combined(
    p: &str,
    combine: &[String],
    resolved: &[Strategy],
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    for (ci, c) in combine.iter().enumerate() {
        match resolved.iter().find(|r| &r.name == c) {
            Some(r) => {
                // Apply what `c` changed relative to the baseline.
                let base = &resolved[0].endpoints;
                for (ei, l) in levers.iter_mut().enumerate() {
                    if r.endpoints[ei].prompt_cache != base[ei].prompt_cache {
                        l.prompt_cache = r.endpoints[ei].prompt_cache;
                    }
                    if r.endpoints[ei].routing != base[ei].routing {
                        l.routing = r.endpoints[ei].routing.clone();
                    }
                    if r.endpoints[ei].context != base[ei].context {
                        l.context = r.endpoints[ei].context.clone();
                    }
                    if r.endpoints[ei].batch != base[ei].batch {
                        l.batch = r.endpoints[ei].batch.clone();
                    }
                    if r.endpoints[ei].semantic_cache != base[ei].semantic_cache {
                        l.semantic_cache = r.endpoints[ei].semantic_cache.clone();
                    }
                }
            }
            None => {
                let earlier: Vec<&str> = resolved.iter().map(|r| r.name.as_str()).collect();
                v.err(
                    format!("{p}.combine[{ci}]"),
                    format!(
                        "no strategy {c:?} defined before this one; earlier strategies: {}",
                        earlier.join(", ")
                    ),
                );
            }
        }
    }
}

/// Resolve a strategy's `prompt_cache` at `pp`: each listed (or every) endpoint's model must
/// cache prompts, with the TTL asked for (else its first).
fn resolve_prompt_cache(
    pp: &str,
    pc: &file::PromptCacheFile,
    endpoints: &[Endpoint],
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    check_endpoint_names(&format!("{pp}.endpoints"), &pc.endpoints, endpoints, v);
    for (ei, e) in endpoints.iter().enumerate() {
        if !pc.endpoints.is_empty() && !pc.endpoints.contains(&e.name) {
            continue;
        }
        let rules = &e.price.cache;
        // Implicit caching is the provider's, apart from the explicit caches of the rules
        // (Gemini 4 and later have it without explicit caches).
        if let Some(share) = pc.implicit_hit_share {
            resolve_implicit(pp, pc, e, share, &mut levers[ei], v);
            continue;
        }
        if let Some(shares) = pc.recorded_shares {
            resolve_recorded(pp, pc, e, shares, &mut levers[ei], v);
            continue;
        }
        if rules.kind == CacheKind::None {
            let implicit = if caches_implicitly(&e.model, &e.price.provider) {
                " (it caches implicitly: PromptCache(implicit_hit_share: ..))"
            } else {
                ""
            };
            v.err(
                pp,
                format!(
                    "model {:?} of endpoint {:?} has no prompt caching{implicit}; list the \
                     endpoints to cache in `endpoints`",
                    e.model, e.name
                ),
            );
            continue;
        }
        let Some(ttl) = offered_ttl(v, pp, e, pc.ttl) else {
            continue;
        };
        let placement = if rules.kind == CacheKind::Automatic {
            Placement::FullPrompt
        } else {
            pc.placement
        };
        if !placement_and_mode_apply(pp, pc, e, v) {
            continue;
        }
        let explicit_mode = pc.mode != CacheMode::Implicit;
        let off = pc.mode == CacheMode::Off;
        levers[ei].prompt_cache = Some(CacheChoice {
            ttl,
            placement,
            opted_in: true,
            unbounded: pc.unbounded,
            implicit_hit_share: None,
            explicit_mode,
            off,
            key: pc.key,
            recorded: None,
        });
    }
}

/// Whether the strategy's `placement` and `mode` mean something on endpoint `e`'s model (an
/// error naming the field otherwise): a provider that caches any prefix by itself (OpenAI
/// before GPT-5.6) takes no breakpoints, and `mode` is OpenAI GPT-5.6's option.
fn placement_and_mode_apply(
    pp: &str,
    pc: &file::PromptCacheFile,
    e: &Endpoint,
    v: &mut Validator,
) -> bool {
    let kind = e.price.cache.kind;
    let before = v.errors.len();
    if kind == CacheKind::Automatic && pc.placement != Placement::FullPrompt {
        v.err(
            format!("{pp}.placement"),
            format!(
                "{:?} (endpoint {:?}) caches any prefix it has seen by itself and takes no \
                 breakpoints, so a placement changes nothing; drop `placement`, or list the \
                 endpoints it applies to in `endpoints`",
                e.model, e.name
            ),
        );
    }
    if pc.mode != CacheMode::Implicit && kind != CacheKind::ImplicitBreakpoint {
        let why = if kind == CacheKind::Automatic {
            "caches automatically with no breakpoints and no way to switch it off"
        } else {
            "has only the placement's breakpoints anyway"
        };
        v.err(
            format!("{pp}.mode"),
            format!(
                "{:?} is the mode of OpenAI GPT-5.6 and later models, which place an \
                 implicit breakpoint of their own; {:?} (endpoint {:?}) {why}: drop `mode`",
                pc.mode, e.model, e.name
            ),
        );
    }
    if pc.key != CacheKey::Endpoint && !takes_prompt_cache_key(&e.price.provider) {
        v.err(
            format!("{pp}.key"),
            format!(
                "a prompt_cache_key is OpenAI's; {:?} (endpoint {:?}) has none: drop `key`",
                e.model, e.name
            ),
        );
    }
    if pc.mode == CacheMode::Off
        && (pc.placement != Placement::FullPrompt || pc.ttl.is_some() || pc.unbounded)
    {
        v.err(
            format!("{pp}.mode"),
            "Off switches prompt caching off (explicit mode with no breakpoints): give it \
             without placement, ttl or unbounded",
        );
    }
    v.errors.len() == before
}

/// `PromptCache(implicit_hit_share: x)` on endpoint `e`: a Gemini 2.5-or-newer model, a share
/// between 0 and 1, and none of the explicit cache's choices (TTL, placement, unbounded).
fn resolve_implicit(
    pp: &str,
    pc: &file::PromptCacheFile,
    e: &Endpoint,
    share: f64,
    lever: &mut EndpointLevers,
    v: &mut Validator,
) {
    let before = v.errors.len();
    if !caches_implicitly(&e.model, &e.price.provider) {
        v.err(
            format!("{pp}.implicit_hit_share"),
            format!(
                "model {:?} of endpoint {:?} has no implicit caching (Google's Gemini 2.5 and \
                 newer have it); list the endpoints it applies to in `endpoints`",
                e.model, e.name
            ),
        );
    }
    if !(0.0..=1.0).contains(&share) {
        v.err(
            format!("{pp}.implicit_hit_share"),
            format!("must be between 0 and 1 (got {})", trim_float(share)),
        );
    }
    if pc.ttl.is_some()
        || pc.placement != Placement::FullPrompt
        || pc.unbounded
        || pc.mode != CacheMode::Implicit
        || pc.recorded_shares.is_some()
    {
        v.err(
            pp,
            "implicit caching has no TTL, placement, mode, unbounded option or recorded shares \
             (the provider decides what it keeps); give implicit_hit_share alone, or drop it \
             for an explicit cache",
        );
    }
    if v.errors.len() == before {
        lever.prompt_cache = Some(CacheChoice {
            ttl: IMPLICIT_TTL,
            placement: Placement::FullPrompt,
            opted_in: true,
            unbounded: false,
            implicit_hit_share: Some(share),
            explicit_mode: false,
            off: false,
            key: CacheKey::Endpoint,
            recorded: None,
        });
    }
}

/// `PromptCache(recorded_shares: (read: r, write: w))` on endpoint `e` ([`check_recorded`]),
/// with none of the modelled cache's choices.
fn resolve_recorded(
    pp: &str,
    pc: &file::PromptCacheFile,
    e: &Endpoint,
    shares: RecordedShares,
    lever: &mut EndpointLevers,
    v: &mut Validator,
) {
    let before = v.errors.len();
    let ttl = check_recorded(v, (pp, &format!("{pp}.recorded_shares")), e, shares, pc.ttl);
    if pc.placement != Placement::FullPrompt
        || pc.unbounded
        || pc.mode != CacheMode::Implicit
        || pc.key != CacheKey::Endpoint
    {
        v.err(
            pp,
            "recorded shares stand for whatever the application's cache did, so there is no \
             placement, mode, key or unbounded option to give with them (only ttl, the price \
             of the writes); drop them, or drop recorded_shares for a modelled cache",
        );
    }
    if v.errors.len() == before
        && let Some(ttl) = ttl
    {
        lever.prompt_cache = Some(recorded_choice(shares, ttl));
    }
}

/// The cache choice of recorded `shares`, writes at `ttl`.
pub(super) fn recorded_choice(shares: RecordedShares, ttl: Ttl) -> CacheChoice {
    CacheChoice {
        ttl,
        placement: Placement::FullPrompt,
        opted_in: true,
        unbounded: false,
        implicit_hit_share: None,
        explicit_mode: false,
        off: false,
        key: CacheKey::Endpoint,
        recorded: Some(shares),
    }
}

/// Recorded cache shares on endpoint `e` (`PromptCache(recorded_shares: ..)` or the endpoint's
/// `recorded_cache`; errors at `at`, the shares at `shares_at`): a model that caches prompts
/// (explicitly or by itself), shares between 0 and 1 adding up to at most 1, and a TTL the
/// model offers. The TTL of the writes (`ttl`, else the model's first) when they are fine.
pub(super) fn check_recorded(
    v: &mut Validator,
    (at, shares_at): (&str, &str),
    e: &Endpoint,
    shares: RecordedShares,
    ttl: Option<Ttl>,
) -> Option<Ttl> {
    let before = v.errors.len();
    let rules = &e.price.cache;
    if rules.kind == CacheKind::None {
        let implicit = if caches_implicitly(&e.model, &e.price.provider) {
            " (it caches implicitly, with no write fee: PromptCache(implicit_hit_share: ..))"
        } else {
            ""
        };
        v.err(
            at,
            format!(
                "model {:?} of endpoint {:?} has no prompt caching to read or write from{implicit}; \
                 bill the endpoint on a model that caches, or leave it out (`endpoints`)",
                e.model, e.name
            ),
        );
        return None;
    }
    for (name, x) in [("read", shares.read), ("write", shares.write)] {
        if !(0.0..=1.0).contains(&x) {
            v.err(
                format!("{shares_at}.{name}"),
                format!(
                    "a share of prompt tokens, between 0 and 1 (got {})",
                    trim_float(x)
                ),
            );
        }
    }
    if shares.read + shares.write > 1.0 + 1e-9 {
        v.err(
            shares_at,
            format!(
                "read ({}) and write ({}) add up to more than every prompt token; each token \
                 is read, written or plain input",
                trim_float(shares.read),
                trim_float(shares.write)
            ),
        );
    }
    let ttl = offered_ttl(v, at, e, ttl);
    if v.errors.len() == before { ttl } else { None }
}

/// The TTL `want` of a cache on endpoint `e` (at `at`), when its model offers it (an error
/// naming `{at}.ttl` and the TTLs it offers otherwise), else the model's first.
fn offered_ttl(v: &mut Validator, at: &str, e: &Endpoint, want: Option<Ttl>) -> Option<Ttl> {
    let ttls = &e.price.cache.ttls;
    match want {
        Some(t) if ttls.contains(&t) => Some(t),
        Some(t) => {
            v.err(
                format!("{at}.ttl"),
                format!(
                    "{:?} (endpoint {:?}) offers TTLs {}, not {t}",
                    e.model,
                    e.name,
                    ttls.iter()
                        .map(|t| format!("{t:?} ({t})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
        None => ttls.first().copied(),
    }
}

/// How long an implicitly cached prefix stays matchable after it was last sent: Google does
/// not say; tokencast assumes 5 minutes, refreshed by each use (the hit share absorbs the
/// rest of the uncertainty).
pub const IMPLICIT_TTL: Ttl = Ttl::M5;

/// A batched endpoint's routed requests are billed at their model's batch prices: each model
/// it routes to needs them.
fn check_batched_routing(
    p: &str,
    endpoints: &[Endpoint],
    levers: &[EndpointLevers],
    catalog: &Catalog,
    v: &mut Validator,
) {
    for (e, l) in endpoints.iter().zip(levers) {
        if let (Some(_), Some(rc)) = (&l.batch, &l.routing) {
            for m in rc.models() {
                if catalog.get(m).is_some_and(|mp| mp.batch.is_none()) {
                    v.err(
                        format!("{p}.routing"),
                        format!(
                            "{m:?} has no batch prices in {}, and endpoint {:?}, which \
                             routes to it, is batched",
                            catalog.source, e.name
                        ),
                    );
                }
            }
        }
    }
}

fn resolve_batch(
    p: &str,
    bf: &file::BatchFile,
    endpoints: &[Endpoint],
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    let before = v.errors.len();
    check_endpoint_names(&format!("{p}.endpoints"), &bf.endpoints, endpoints, v);
    if !bf.flush_every_s.is_finite() || bf.flush_every_s < 1.0 || bf.flush_every_s > 86_400.0 {
        v.err(
            format!("{p}.flush_every_s"),
            format!(
                "must be between 1 and 86400 seconds (got {})",
                trim_float(bf.flush_every_s)
            ),
        );
    }
    if bf.max_batch == 0 {
        v.err(format!("{p}.max_batch"), "must be at least 1");
    }
    let before_turnaround = v.errors.len();
    v.dist(&format!("{p}.turnaround_s"), &bf.turnaround_s, 0.0);
    if v.errors.len() == before_turnaround {
        // OpenAI's and Anthropic's batch APIs finish (or expire) a batch within 24 hours; a
        // week leaves room for a long-tailed distribution of the turnaround.
        v.plausible(
            &format!("{p}.turnaround_s"),
            &bf.turnaround_s,
            604_800.0,
            "seconds",
            "a week, seven times the batch APIs' 24-hour completion window",
        );
    }
    let settings_ok = v.errors.len() == before;
    let mut any = false;
    for (ei, e) in endpoints.iter().enumerate() {
        let listed = bf.endpoints.contains(&e.name);
        if !bf.endpoints.is_empty() && !listed {
            continue;
        }
        if !e.deferrable {
            if listed {
                v.err(
                    format!("{p}.endpoints"),
                    format!(
                        "endpoint {:?} is real-time (deferrable: false); real-time endpoints can never be batched",
                        e.name
                    ),
                );
            }
            continue;
        }
        if e.price.batch.is_none() {
            v.err(
                p.to_string(),
                format!("{:?} (endpoint {:?}) has no batch prices", e.model, e.name),
            );
            continue;
        }
        any = true;
        if !settings_ok {
            continue;
        }
        levers[ei].batch = Some(BatchChoice {
            flush_every_ms: (bf.flush_every_s * 1000.0).round() as u64,
            max_batch: usize::try_from(bf.max_batch).unwrap_or(usize::MAX),
            turnaround_s: bf.turnaround_s.clone(),
        });
    }
    if !any && bf.endpoints.is_empty() {
        v.err(
            p.to_string(),
            "no endpoint is deferrable: mark offline work with `deferrable: true` on its endpoint",
        );
    }
}

/// Check that every name in `names` is an endpoint; report unknown ones at `path[i]`.
fn check_endpoint_names(path: &str, names: &[String], endpoints: &[Endpoint], v: &mut Validator) {
    for (ni, n) in names.iter().enumerate() {
        if !endpoints.iter().any(|e| &e.name == n) {
            v.err(format!("{path}[{ni}]"), unknown_endpoint(n, endpoints));
        }
    }
}

/// Check a model id used by a lever: known, and a chat model.
fn check_chat_model(path: &str, id: &str, catalog: &Catalog, v: &mut Validator) -> bool {
    match catalog.get(id) {
        Some(m) if m.mode == Mode::Chat => true,
        Some(_) => {
            v.err(path, format!("{id:?} is not a chat model"));
            false
        }
        None => {
            v.err(path, unknown_model(id, catalog));
            false
        }
    }
}

fn resolve_context(
    p: &str,
    cf: &file::ContextFile,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    levers: &mut [EndpointLevers],
    v: &mut Validator,
) {
    check_endpoint_names(&format!("{p}.endpoints"), &cf.endpoints, endpoints, v);
    match &cf.policy {
        ContextPolicy::KeepLastTurns(0) => {
            v.err(
                format!("{p}.policy"),
                "KeepLastTurns needs at least 1 turn (KeepLastTurns(0) would send no history: use history: None on the endpoint)",
            );
            return;
        }
        ContextPolicy::Summarize {
            every_turns,
            summary_tokens,
            model,
        } => {
            if *every_turns == 0 {
                v.err(format!("{p}.policy.every_turns"), "must be at least 1");
                return;
            }
            if *summary_tokens == 0 {
                v.err(format!("{p}.policy.summary_tokens"), "must be at least 1");
                return;
            }
            if let Some(m) = model
                && !check_chat_model(&format!("{p}.policy.model"), m, catalog, v)
            {
                return;
            }
        }
        ContextPolicy::KeepLastTurns(_) => {}
    }
    for (ei, e) in endpoints.iter().enumerate() {
        if !cf.endpoints.is_empty() && !cf.endpoints.contains(&e.name) {
            continue;
        }
        if e.prompt.history == History::None {
            if !cf.endpoints.is_empty() {
                v.err(
                    format!("{p}.endpoints"),
                    format!(
                        "endpoint {:?} sends no history (history: None); a context policy has nothing to trim",
                        e.name
                    ),
                );
            }
            continue;
        }
        // A summary is one output of the summarising model: no longer than it can write.
        if let ContextPolicy::Summarize {
            summary_tokens,
            model,
            ..
        } = &cf.policy
        {
            let id = model.as_deref().unwrap_or(&e.model);
            let limit = catalog
                .get(id)
                .and_then(|m| m.max_output_tokens)
                .unwrap_or(crate::foundations::limits::MAX_TOKENS_PER_REQUEST as u64);
            if *summary_tokens > limit {
                v.err(
                    format!("{p}.policy.summary_tokens"),
                    format!(
                        "{summary_tokens} tokens is longer than {id:?} can write in one answer \
                         (max_output_tokens {limit}, for endpoint {:?}); a summary is one output",
                        e.name
                    ),
                );
                return;
            }
        }
        levers[ei].context = Some(cf.policy.clone());
    }
}

/// Levers that apply whatever the strategy: the endpoint's recorded caching
/// (`recorded_cache`), else the provider's automatic prompt caching (OpenAI).
fn automatic_levers(e: &Endpoint) -> EndpointLevers {
    let rules = &e.price.cache;
    if let Some((shares, ttl)) = e.recorded_cache {
        return EndpointLevers {
            prompt_cache: Some(CacheChoice {
                opted_in: false,
                ..recorded_choice(shares, ttl)
            }),
            ..EndpointLevers::default()
        };
    }
    EndpointLevers {
        prompt_cache: matches!(
            rules.kind,
            CacheKind::Automatic | CacheKind::ImplicitBreakpoint
        )
        .then(|| rules.ttls.first().copied())
        .flatten()
        .map(|ttl| CacheChoice {
            ttl,
            placement: Placement::FullPrompt,
            opted_in: false,
            unbounded: false,
            implicit_hit_share: None,
            explicit_mode: false,
            off: false,
            key: CacheKey::Endpoint,
            recorded: None,
        }),
        routing: None,
        context: None,
        batch: None,
        semantic_cache: None,
    }
}
