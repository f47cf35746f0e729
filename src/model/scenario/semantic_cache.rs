//! Resolving a strategy's `semantic_cache`: which endpoints it applies to (those with
//! `traffic.queries` to look up), its embedding model, and its settings.

use crate::foundations::pricing::{Catalog, Mode};
use crate::model::strategy::SemanticCacheSettings;

use super::Endpoint;
use super::check::{Validator, trim_float, unknown_endpoint, unknown_model};
use super::file::SemanticCacheFile;

/// How to give an endpoint queries, for messages.
const ADD_QUERIES: &str = "add e.g. `queries: Zipf(intents: 5000, s: 1.1)` to its traffic";

/// Resolve a strategy's `semantic_cache` at `path` into settings per endpoint index.
pub(super) fn resolve_semantic_cache(
    sc: &SemanticCacheFile,
    path: &str,
    endpoints: &[Endpoint],
    catalog: &Catalog,
    v: &mut Validator,
) -> Vec<(usize, SemanticCacheSettings)> {
    let before = v.errors.len();
    let chosen = chosen_endpoints(sc, path, endpoints, v);
    check_embedding_model(sc, path, catalog, v);
    if sc.capacity == Some(0) {
        v.err(
            format!("{path}.capacity"),
            "must be >= 1 entry; omit it for an unbounded cache",
        );
    }
    let ttl_ms = ttl_ms(sc, path, v);
    v.probability(&format!("{path}.hit_probability"), sc.hit_probability);
    v.probability(&format!("{path}.false_hit_rate"), sc.false_hit_rate);
    if v.errors.len() > before {
        return Vec::new();
    }
    let settings = SemanticCacheSettings {
        embedding_model: sc.embedding_model.clone(),
        capacity: sc.capacity,
        ttl_ms,
        hit_probability: sc.hit_probability,
        false_hit_rate: sc.false_hit_rate,
    };
    chosen
        .into_iter()
        .map(|ei| (ei, settings.clone()))
        .collect()
}

/// The endpoints the cache applies to: the listed ones, or every one; each needs
/// `traffic.queries`.
fn chosen_endpoints(
    sc: &SemanticCacheFile,
    path: &str,
    endpoints: &[Endpoint],
    v: &mut Validator,
) -> Vec<usize> {
    let with_queries: Vec<&str> = endpoints
        .iter()
        .filter(|e| e.traffic.queries.is_some())
        .map(|e| e.name.as_str())
        .collect();
    let which = if with_queries.is_empty() {
        "no endpoint has `traffic.queries`".to_string()
    } else {
        format!("endpoints with queries: {}", with_queries.join(", "))
    };
    let mut chosen = Vec::new();
    if sc.endpoints.is_empty() {
        let missing: Vec<&str> = endpoints
            .iter()
            .filter(|e| e.traffic.queries.is_none())
            .map(|e| e.name.as_str())
            .collect();
        if !missing.is_empty() {
            v.err(
                path,
                format!(
                    "applies to every endpoint, but {} {} no `traffic.queries` to look up; \
                     list the endpoints to cache in `endpoints` ({which}), or {ADD_QUERIES}",
                    quote_list_and(&missing),
                    if missing.len() == 1 { "has" } else { "have" },
                ),
            );
        }
        chosen.extend(0..endpoints.len());
    }
    for (ni, n) in sc.endpoints.iter().enumerate() {
        let np = format!("{path}.endpoints[{ni}]");
        match endpoints.iter().position(|e| &e.name == n) {
            None => v.err(np, unknown_endpoint(n, endpoints)),
            Some(ei) if endpoints[ei].traffic.queries.is_none() => v.err(
                np,
                format!(
                    "endpoint {n:?} has no `traffic.queries`, so there is nothing to look up; \
                     {ADD_QUERIES} ({which})"
                ),
            ),
            Some(ei) => chosen.push(ei),
        }
    }
    chosen
}

/// The lookups' model must be an embedding model of the catalog.
fn check_embedding_model(sc: &SemanticCacheFile, path: &str, catalog: &Catalog, v: &mut Validator) {
    match catalog.get(&sc.embedding_model) {
        Some(m) if m.mode == Mode::Embedding => {}
        Some(_) => v.err(
            format!("{path}.embedding_model"),
            format!(
                "{:?} is a chat model; lookups need an embedding model, e.g. \
                 \"text-embedding-3-small\"",
                sc.embedding_model
            ),
        ),
        None => v.err(
            format!("{path}.embedding_model"),
            unknown_model(&sc.embedding_model, catalog),
        ),
    }
}

/// How long an entry lives, in ms (at least 1), if it expires.
fn ttl_ms(sc: &SemanticCacheFile, path: &str, v: &mut Validator) -> Option<u64> {
    match sc.ttl_s {
        Some(t) if !t.is_finite() || t <= 0.0 => {
            v.err(
                format!("{path}.ttl_s"),
                format!(
                    "must be a finite number of seconds > 0; omit it for no expiry (got {})",
                    trim_float(t)
                ),
            );
            None
        }
        Some(t) => Some((t * 1000.0).round().max(1.0) as u64),
        None => None,
    }
}

/// `"a"`, `"a" and "b"`, `"a", "b" and "c"`.
fn quote_list_and(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
