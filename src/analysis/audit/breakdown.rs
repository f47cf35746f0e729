//! The cost of a trace by any key its rows carry, asked for with `audit --by KEY`: a built-in
//! field (`endpoint`, `model`, `user`, `session`, `provider`) or the key of a tag or property
//! the source records (LiteLLM `team_id`, a Langfuse `environment`, a Helicone property; see
//! the trace formats' column maps). `tag:KEY` names a tag even when it is spelt like a field.
//!
//! A row without the key counts under `(none)`. A row with several values of one key (a list
//! of tags) counts under each, and the breakdown says so: its shares then add up to more than
//! 100%. The 50 most expensive values are listed and the rest summed in one row.
//!
//! Memory: one small sum per distinct value of each key, like the per-user costs.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use crate::analysis::report::{BreakdownRow, KeyBreakdown};
use crate::model::workload::trace::TraceRecord;

/// Values listed per key before the rest are summed.
const MAX_VALUES: usize = 50;

/// The value under which rows without the key count.
pub const NONE: &str = "(none)";

/// What a `--by` key reads from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByKey {
    /// The row's endpoint.
    Endpoint,
    /// The row's model.
    Model,
    /// The row's user.
    User,
    /// The row's session.
    Session,
    /// The provider the source names.
    Provider,
    /// A tag or property by its key.
    Tag(String),
}

impl ByKey {
    /// Parse a `--by` value; an error says what is valid.
    pub fn parse(s: &str) -> Result<ByKey, String> {
        let s = s.trim();
        if let Some(tag) = s.strip_prefix("tag:") {
            if tag.is_empty() {
                return Err("`tag:` needs a key, as in `tag:team_id`".into());
            }
            return Ok(ByKey::Tag(tag.to_string()));
        }
        Ok(match s {
            "" => {
                return Err(
                    "an empty key; use endpoint, model, user, session, provider, or a tag's key"
                        .into(),
                );
            }
            "endpoint" => ByKey::Endpoint,
            "model" => ByKey::Model,
            "user" => ByKey::User,
            "session" => ByKey::Session,
            "provider" => ByKey::Provider,
            other => ByKey::Tag(other.to_string()),
        })
    }

    /// The key's name in the report.
    pub fn name(&self) -> &str {
        match self {
            ByKey::Endpoint => "endpoint",
            ByKey::Model => "model",
            ByKey::User => "user",
            ByKey::Session => "session",
            ByKey::Provider => "provider",
            ByKey::Tag(k) => k,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Sums {
    requests: u64,
    input: u64,
    output: u64,
    cost: f64,
    recorded: f64,
    recorded_rows: u64,
}

/// The sums of each key asked for.
#[derive(Debug, Default)]
pub(super) struct Breakdowns {
    keys: Vec<ByKey>,
    values: Vec<HashMap<String, Sums>>,
    overlapping: Vec<bool>,
    /// Tag keys seen (at most 1,000), to say which exist when one asked for is never seen.
    tag_keys: BTreeSet<String>,
}

impl Breakdowns {
    /// Sums for each of `keys`.
    pub(super) fn new(keys: &[ByKey]) -> Breakdowns {
        Breakdowns {
            keys: keys.to_vec(),
            values: vec![HashMap::default(); keys.len()],
            overlapping: vec![false; keys.len()],
            tag_keys: BTreeSet::new(),
        }
    }

    /// Count row `r`, billed on `model` at `cost`, under its endpoint `endpoint`.
    #[inline]
    pub(super) fn add(&mut self, r: &TraceRecord, endpoint: &str, model: &str, cost: f64) {
        if self.keys.is_empty() {
            return;
        }
        for (k, _) in &r.tags {
            if self.tag_keys.len() < 1000 && !self.tag_keys.contains(k) {
                self.tag_keys.insert(k.clone());
            }
        }
        for (i, key) in self.keys.iter().enumerate() {
            let map = &mut self.values[i];
            match key {
                ByKey::Endpoint => count(map, endpoint, r, cost),
                ByKey::Model => count(map, model, r, cost),
                ByKey::User => count(map, or_none(r.user_id.as_deref()), r, cost),
                ByKey::Session => count(map, or_none(r.session_id.as_deref()), r, cost),
                ByKey::Provider => count(map, or_none(r.provider.as_deref()), r, cost),
                ByKey::Tag(k) => {
                    let mut n = 0;
                    for (_, v) in r.tags.iter().filter(|(tk, _)| tk == k) {
                        count(map, v, r, cost);
                        n += 1;
                    }
                    if n == 0 {
                        count(map, NONE, r, cost);
                    }
                    if n > 1 {
                        self.overlapping[i] = true;
                    }
                }
            }
        }
    }

    /// Add the sums of `later` (another tally's, for the same keys).
    pub(super) fn merge(&mut self, later: Breakdowns) {
        for (i, values) in later.values.into_iter().enumerate() {
            for (v, s) in values {
                let t = self.values[i].entry(v).or_default();
                t.requests += s.requests;
                t.input += s.input;
                t.output += s.output;
                t.cost += s.cost;
                t.recorded += s.recorded;
                t.recorded_rows += s.recorded_rows;
            }
            self.overlapping[i] |= later.overlapping[i];
        }
        for k in later.tag_keys {
            if self.tag_keys.len() < 1000 {
                self.tag_keys.insert(k);
            }
        }
    }

    /// The breakdowns, or an error naming a tag key no row carries (and the keys that exist).
    pub(super) fn finish(self, total_cost: f64) -> Result<Vec<KeyBreakdown>, String> {
        let mut out = Vec::with_capacity(self.keys.len());
        for ((key, values), overlapping) in self.keys.iter().zip(self.values).zip(self.overlapping)
        {
            if let ByKey::Tag(k) = key
                && !self.tag_keys.contains(k)
            {
                return Err(format!(
                    "--by {k}: no row carries a tag or property `{k}`; {}",
                    if self.tag_keys.is_empty() {
                        "this trace's rows carry no tags (use endpoint, model, user, session or provider)".to_string()
                    } else {
                        format!(
                            "keys in this trace: {} (or endpoint, model, user, session, provider)",
                            self.tag_keys.iter().cloned().collect::<Vec<_>>().join(", ")
                        )
                    }
                ));
            }
            out.push(breakdown(key.name(), values, overlapping, total_cost));
        }
        Ok(out)
    }
}

fn or_none(v: Option<&str>) -> &str {
    v.unwrap_or(NONE)
}

#[inline]
fn count(map: &mut HashMap<String, Sums>, value: &str, r: &TraceRecord, cost: f64) {
    let s = match map.get_mut(value) {
        Some(s) => s,
        None => map.entry(value.to_string()).or_default(),
    };
    s.requests += r.requests;
    s.input += r.input_tokens;
    s.output += r.output_tokens;
    s.cost += cost;
    if let Some(c) = r.recorded_cost {
        s.recorded += c;
        s.recorded_rows += 1;
    }
}

/// One key's rows, most expensive first (ties by value), the tail past [`MAX_VALUES`] summed.
fn breakdown(
    by: &str,
    values: HashMap<String, Sums>,
    overlapping: bool,
    total_cost: f64,
) -> KeyBreakdown {
    let mut rows: Vec<(String, Sums)> = values.into_iter().collect();
    rows.sort_by(|a, b| b.1.cost.total_cmp(&a.1.cost).then_with(|| a.0.cmp(&b.0)));
    if rows.len() > MAX_VALUES {
        let tail = rows.split_off(MAX_VALUES - 1);
        let n = tail.len();
        let mut rest = Sums::default();
        for (_, s) in tail {
            rest.requests += s.requests;
            rest.input += s.input;
            rest.output += s.output;
            rest.cost += s.cost;
            rest.recorded += s.recorded;
            rest.recorded_rows += s.recorded_rows;
        }
        rows.push((format!("({n} other values)"), rest));
    }
    let share = |c: f64| {
        if total_cost > 0.0 {
            c / total_cost
        } else {
            0.0
        }
    };
    KeyBreakdown {
        by: by.to_string(),
        overlapping,
        rows: rows
            .into_iter()
            .map(|(value, s)| BreakdownRow {
                value,
                requests: s.requests,
                input_tokens: s.input,
                output_tokens: s.output,
                cost_usd: s.cost,
                share: share(s.cost),
                recorded_usd: (s.recorded_rows > 0).then_some(s.recorded),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_to_fields_and_tags() {
        assert_eq!(ByKey::parse("endpoint"), Ok(ByKey::Endpoint));
        assert_eq!(ByKey::parse("team_id"), Ok(ByKey::Tag("team_id".into())));
        assert_eq!(ByKey::parse("tag:model"), Ok(ByKey::Tag("model".into())));
        assert!(ByKey::parse("tag:").is_err());
        assert!(ByKey::parse(" ").is_err());
    }

    #[test]
    fn rows_with_several_values_count_under_each_and_the_tail_is_summed() {
        let mut b = Breakdowns::new(&[ByKey::Tag("tag".into())]);
        let mut r = TraceRecord {
            input_tokens: 10,
            output_tokens: 1,
            tags: vec![("tag".into(), "a".into()), ("tag".into(), "b".into())],
            ..TraceRecord::default()
        };
        b.add(&r, "ep", "m", 2.0);
        r.tags.clear();
        b.add(&r, "ep", "m", 1.0);
        for i in 0..60 {
            r.tags = vec![("tag".into(), format!("v{i:02}"))];
            b.add(&r, "ep", "m", 0.01);
        }
        let out = b.finish(3.6).unwrap();
        let rows = &out[0].rows;
        assert!(out[0].overlapping);
        assert_eq!(rows.len(), MAX_VALUES);
        assert_eq!((rows[0].value.as_str(), rows[0].cost_usd), ("a", 2.0));
        assert_eq!(rows[1].value, "b");
        assert_eq!(rows[2].value, NONE);
        let last = rows.last().unwrap();
        // 63 values: 49 listed, 14 summed.
        assert_eq!(last.value, "(14 other values)");
        assert_eq!(last.requests, 14);
        let none = Breakdowns::new(&[ByKey::Tag("team".into())]).finish(1.0);
        assert!(none.unwrap_err().contains("carry no tags"));
    }
}
