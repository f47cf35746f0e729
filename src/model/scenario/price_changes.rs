//! Checking a scenario's dated price changes (day, model, factor, buckets) and warning about
//! a change to a model nothing in the scenario bills.

use crate::foundations::calendar::Date;
use crate::foundations::pricing::{Bucket, Catalog};
use crate::model::strategy::{ContextPolicy, Strategy};

use super::check::{Validator, did_you_mean, trim_float, unknown_model};
use super::file::{PriceChangeFile, ScenarioFile};
use super::{Endpoint, PriceChange};

/// Largest factor of one price change: a hundredfold rise. With every catalog price at most
/// [`crate::foundations::limits::MAX_USD_PER_MTOK`], no changed price exceeds $100,000 per
/// million tokens.
pub const MAX_PRICE_CHANGE_FACTOR: f64 = 100.0;

/// The file's price changes, checked and sorted by first day (`start`: the scenario's
/// start date, which dated changes need).
pub(super) fn validate_price_changes(
    v: &mut Validator,
    file: &ScenarioFile,
    start: Option<Date>,
    catalog: &Catalog,
) -> Vec<PriceChange> {
    let mut out = Vec::new();
    let mut factors_ok = true;
    for (i, c) in file.price_changes.iter().enumerate() {
        let p = format!("price_changes[{i}]");
        let day = change_day(v, &p, c, start, file.horizon_days);
        if catalog.get(&c.model).is_none() {
            v.err(format!("{p}.model"), unknown_model(&c.model, catalog));
        }
        if !c.factor.is_finite() || c.factor <= 0.0 || c.factor > MAX_PRICE_CHANGE_FACTOR {
            factors_ok = false;
            v.err(
                format!("{p}.factor"),
                format!(
                    "must be a number above 0 and at most {} (got {}); 0.5 halves the price",
                    trim_float(MAX_PRICE_CHANGE_FACTOR),
                    trim_float(c.factor)
                ),
            );
        }
        let buckets = change_buckets(v, &p, &c.buckets);
        if let Some(d) = day
            && d >= 0
        {
            out.push(PriceChange {
                day: d as u32,
                model: c.model.clone(),
                factor: c.factor,
                buckets,
            });
        }
    }
    // Changes of one model compound: together they may not raise a price more than one may
    // (checked once each factor is valid on its own).
    let mut seen: Vec<&str> = Vec::new();
    for c in out.iter().filter(|_| factors_ok) {
        if seen.contains(&c.model.as_str()) {
            continue;
        }
        seen.push(&c.model);
        for b in Bucket::ALL {
            let total: f64 = out
                .iter()
                .filter(|d| d.model == c.model && d.buckets[b.index()])
                .map(|d| d.factor)
                .product();
            if total > MAX_PRICE_CHANGE_FACTOR {
                v.err(
                    "price_changes",
                    format!(
                        "the changes of {:?} multiply its {} price by {} in all; at most {} \
                         (changes compound)",
                        c.model,
                        b.name(),
                        trim_float(total),
                        trim_float(MAX_PRICE_CHANGE_FACTOR)
                    ),
                );
                break;
            }
        }
    }
    out.sort_by_key(|c| c.day);
    out
}

/// The day a change takes effect, from exactly one of `date` (with `start`) or `day`, and
/// whether it falls inside the `horizon_days`. `None` when it cannot be told.
fn change_day(
    v: &mut Validator,
    p: &str,
    c: &PriceChangeFile,
    start: Option<Date>,
    horizon_days: u32,
) -> Option<i64> {
    let day = match (&c.date, c.day) {
        (Some(_), Some(_)) | (None, None) => {
            v.err(
                p,
                "give exactly one of date: \"YYYY-MM-DD\" (with the scenario's start_date) or day: N",
            );
            None
        }
        (None, Some(d)) => Some(i64::from(d)),
        (Some(t), None) => match (Date::parse(t), start) {
            (Err(e), _) => {
                v.err(format!("{p}.date"), e);
                None
            }
            (Ok(_), None) => {
                v.err(
                    format!("{p}.date"),
                    "a dated change needs the scenario's start_date (or use day: N)",
                );
                None
            }
            (Ok(d), Some(s)) => Some(d.days_since_epoch() - s.days_since_epoch()),
        },
    };
    if let Some(d) = day
        && (d < 0 || d >= i64::from(horizon_days))
    {
        v.err(
            p,
            format!(
                "falls on day {d}, outside the horizon (days 0 to {})",
                horizon_days.saturating_sub(1)
            ),
        );
    }
    day
}

/// The buckets a change applies to, indexed by [`Bucket::index`]: the named ones, or all when
/// none is named.
fn change_buckets(v: &mut Validator, p: &str, names: &[String]) -> [bool; Bucket::ALL.len()] {
    let mut buckets = [names.is_empty(); Bucket::ALL.len()];
    for (j, b) in names.iter().enumerate() {
        match Bucket::ALL.iter().find(|x| x.name() == b) {
            Some(x) => buckets[x.index()] = true,
            None => {
                let names = Bucket::ALL.map(|x| x.name());
                v.err(
                    format!("{p}.buckets[{j}]"),
                    format!(
                        "unknown bucket {b:?}{}; expected one of {}",
                        did_you_mean(b, &names),
                        names.join(", ")
                    ),
                )
            }
        }
    }
    buckets
}

/// A dated price change for a model nothing in the scenario bills (no endpoint, routing rule,
/// summariser or embedding model uses it) changes nothing: most likely a misspelt or outdated
/// model id, so it is said, once per model.
pub(super) fn unbilled_price_changes(
    changes: &[PriceChange],
    endpoints: &[Endpoint],
    strategies: &[Strategy],
) -> Vec<String> {
    let mut billed: Vec<&str> = endpoints.iter().map(|e| e.model.as_str()).collect();
    for l in strategies.iter().flat_map(|s| &s.endpoints) {
        if let Some(r) = &l.routing {
            billed.extend(r.models());
        }
        if let Some(ContextPolicy::Summarize { model: Some(m), .. }) = &l.context {
            billed.push(m);
        }
        if let Some(sc) = &l.semantic_cache {
            billed.push(&sc.embedding_model);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for c in changes {
        let said = |m: &str| out.iter().any(|w| w.contains(&format!("{m:?}")));
        if !billed.contains(&c.model.as_str()) && !said(&c.model) {
            out.push(format!(
                "price_changes: model {:?} is not billed by any endpoint or strategy of this scenario (models billed: {}): its price change has no effect",
                c.model,
                {
                    let mut b = billed.clone();
                    b.sort_unstable();
                    b.dedup();
                    b.join(", ")
                }
            ));
        }
    }
    out
}
