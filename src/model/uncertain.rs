//! Uncertain parameters: numbers nobody knows before launch (adoption, session length, how often
//! queries repeat, how prompts grow, what a price will be), drawn **once per run**.
//!
//! Per-request variability is written in the field itself (`user_tokens: LogNormal(...)`: every
//! request draws). Uncertainty about the world is written apart, in the scenario's `uncertain`
//! list, so a reviewer sees every assumption the forecast spreads over in one place:
//!
//! ```ron
//! uncertain: [
//!     // The draw replaces the number.
//!     Value("endpoints[chat].traffic.daily_active_users", LogNormal(median: 5000, p90: 9000)),
//!     // The draw multiplies the number, or every draw of a per-request distribution.
//!     Scale("endpoints[*].prompt", Uniform(min: 0.8, max: 1.3)),
//!     Scale("prices[claude-sonnet-4-6].output", Uniform(min: 0.7, max: 1.0)),
//! ]
//! ```
//!
//! Paths (`E` is an endpoint name, its index, or `*` for every endpoint, drawn once and applied
//! to all, so they move together):
//!
//! | path | `Value` | `Scale` |
//! |---|---|---|
//! | `endpoints[E].traffic.daily_active_users`, `.sessions_per_user_per_day` | yes (>= 0) | yes |
//! | `endpoints[E].traffic.turns`, `.think_time_s` | no | yes |
//! | `endpoints[E].traffic.queries.rate` (Repetition), `.s`, `.intents` (Zipf) | yes | yes |
//! | `endpoints[E].traffic.growth.users_per_month`, `.monthly_rate`, `.ceiling_users` | yes | yes |
//! | `endpoints[E].prompt` (every part: system, tools, context, user, first user, documents), `.prompt.system_tokens`, `.tools_tokens`, `.context_tokens`, `.user_tokens`, `.first_user_tokens`, `.documents.tokens`, `endpoints[E].output_tokens`, `.reasoning_tokens` | no | yes |
//! | `prices[MODEL]`, `prices[MODEL].BUCKET` (`MODEL` may be `*`) | no | yes |
//! | `semantic_cache.hit_probability`, `.false_hit_rate` (every strategy's semantic caches) | yes (0 to 1) | yes, capped at 1 |
//! | `routing.escalate_share` (every cascade of every strategy) | yes (0 to 1) | yes, capped at 1 |
//! | `prompt_cache.implicit_hit_share` (every strategy's implicit caching) | yes (0 to 1) | yes, capped at 1 |
//! | `revenue.usd_per_request`, `revenue.plans[NAME].usd_per_user_month` | yes (>= 0) | yes |
//!
//! A logistic growth curve needs its ceiling at or above the day-0 users: bounded draws that
//! could break that (a `Uniform` ceiling reaching below the users) are refused when the file is
//! checked, against the other number as written; a run that still draws a ceiling below its
//! users (an unbounded tail, or both numbers uncertain) holds them flat at the ceiling.
//!
//! Entries on overlapping paths compose in list order (`Scale("endpoints[*].prompt", ..)` and
//! `Scale("endpoints[chat].prompt.user_tokens", ..)` multiply).
//!
//! Each entry draws from its own stream keyed by `(seed, run, path)` ([`crate::foundations::rng`]), so adding
//! an entry never moves another's draws, and run `i` of two scenario versions draws the same
//! world where they agree.
//!
//! **Stratified draws** ([`Sampling::Stratified`], the default): runs come in blocks of
//! [`BLOCK_RUNS`] (runs 0–9, 10–19, ...), and within a block every entry draws once from each
//! tenth of its distribution (a Latin hypercube: entry `j`'s run `k` of block `b` takes the
//! stratum `π_bj(k)` of a random permutation keyed by `(seed, b, path)`, and a uniform position
//! inside it from the run's own stream, turned into a value by [`Dist::quantile`]). Each run
//! is still a draw from the distribution as written, so every mean stays unbiased; but a block
//! cannot draw ten low adoptions in a row, so the block means vary less and a forecast needs
//! fewer runs for the same precision (README, Monte Carlo precision, for the measured gain).
//! The blocks are independent, and the Monte Carlo errors are computed from them
//! ([`crate::analysis::decision`]). [`Sampling::Independent`] draws every run on its own (the
//! engine before 0.1's stratification; `--sampling independent`). Prices are applied when the run is priced (money is derived at the
//! end), everything else to the run's copy of the scenario before it is simulated.

mod draw;
mod paths;
mod syntax;

use crate::foundations::dist::{Dist, Sampler};
use crate::foundations::pricing::Bucket;

pub use draw::{apply, check_together, draw, for_run};
pub use paths::{Context, resolve};

/// Runs in a block of stratified draws: each entry draws once from each of this many equal-probability strata per block.
pub const BLOCK_RUNS: u32 = 10;

/// How runs draw the uncertain parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Latin hypercube in blocks of [`BLOCK_RUNS`] runs (see the module docs).
    #[default]
    Stratified,
    /// Every run draws on its own.
    Independent,
}

impl Sampling {
    /// Its name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Stratified => "stratified",
            Sampling::Independent => "independent",
        }
    }

    /// Runs per independent block of a scenario's runs, with or without uncertain parameters:
    /// [`BLOCK_RUNS`] when they are stratified, else 1 (every run is independent).
    pub fn block_runs(self, has_uncertain: bool) -> u32 {
        if self == Sampling::Stratified && has_uncertain {
            BLOCK_RUNS
        } else {
            1
        }
    }
}

/// Whether a draw replaces or multiplies the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The draw is the field's value.
    Value,
    /// The draw multiplies the field.
    Scale,
}

impl Kind {
    /// `value` or `scale`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Value => "value",
            Kind::Scale => "scale",
        }
    }
}

/// A validated uncertain parameter.
#[derive(Debug, Clone)]
pub struct Uncertain {
    /// The path as written.
    pub path: String,
    /// Value or scale.
    pub kind: Kind,
    /// Its distribution across runs.
    pub dist: Dist,
    sampler: Sampler,
    target: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrafficField {
    DailyActiveUsers,
    SessionsPerUser,
    Turns,
    ThinkTime,
    QueriesRate,
    QueriesS,
    QueriesIntents,
    GrowthUsersPerMonth,
    GrowthMonthlyRate,
    GrowthCeiling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    System,
    Tools,
    Context,
    User,
    FirstUser,
    /// The sizes of the endpoint's shared documents (`prompt.documents.tokens`).
    Documents,
    Output,
    Reasoning,
}

impl Part {
    /// The field's name in the scenario file.
    fn field(self) -> &'static str {
        match self {
            Part::System => "prompt.system_tokens",
            Part::Tools => "prompt.tools_tokens",
            Part::Context => "prompt.context_tokens",
            Part::User => "prompt.user_tokens",
            Part::FirstUser => "prompt.first_user_tokens",
            Part::Documents => "prompt.documents.tokens",
            Part::Output => "output_tokens",
            Part::Reasoning => "reasoning_tokens",
        }
    }
}

#[derive(Debug, Clone)]
enum Target {
    Traffic {
        endpoints: Vec<usize>,
        field: TrafficField,
    },
    Sizes {
        endpoints: Vec<usize>,
        parts: Vec<Part>,
    },
    Price {
        /// `None`: every model.
        model: Option<String>,
        buckets: [bool; Bucket::ALL.len()],
    },
    SemanticHitProbability,
    ImplicitHitShare,
    SemanticFalseHitRate,
    EscalateShare,
    RevenuePerRequest,
    RevenuePlan(usize),
}

/// Per-run price multipliers: `(model or None for all, per-bucket factor)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceScales(pub Vec<(Option<String>, [f64; Bucket::ALL.len()])>);

impl PriceScales {
    /// The factor of `model`'s `bucket` (1 when nothing scales it).
    pub fn factor(&self, model: &str, bucket: usize) -> f64 {
        self.0
            .iter()
            .filter(|(m, _)| m.as_deref().is_none_or(|m| m == model))
            .map(|(_, f)| f[bucket])
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_scales_multiply_per_model_and_bucket() {
        let mut f = [1.0; Bucket::ALL.len()];
        f[Bucket::Output.index()] = 0.5;
        let p = PriceScales(vec![
            (Some("a".into()), f),
            (None, [2.0; Bucket::ALL.len()]),
        ]);
        assert_eq!(p.factor("a", Bucket::Output.index()), 1.0);
        assert_eq!(p.factor("a", Bucket::Input.index()), 2.0);
        assert_eq!(p.factor("b", Bucket::Output.index()), 2.0);
    }
    /// Scaling turns scales every band of turns by opening; scaling the user message scales the
    /// later messages by session length too.
    #[test]
    fn scales_reach_the_bands_of_turns_and_of_later_messages() {
        use crate::foundations::dist::Dist;
        use crate::foundations::pricing::Catalog;
        use crate::model::scenario::{self, Scenario};
        let text = "Scenario(name: \"t\", seed: 1, horizon_days: 1, endpoints: [Endpoint(\
             name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(daily_active_users: \
             10, sessions_per_user_per_day: 1, turns: Fixed(2), think_time_s: Fixed(5), \
             turns_by_opening: [Opening(below: 500, turns: Fixed(4))]), prompt: Prompt(\
             user_tokens: Fixed(10), user_tokens_by_turns: [Turns(at_most: 2, user_tokens: \
             Fixed(300))]), output_tokens: Fixed(20))], uncertain: [\
             Scale(\"endpoints[chat].traffic.turns\", Uniform(min: 1, max: 2)), \
             Scale(\"endpoints[chat].prompt.user_tokens\", Uniform(min: 1, max: 3))])";
        let file = scenario::parse(text, "t.ron").unwrap();
        let sc = Scenario::from_file(file, Catalog::builtin(), "t.ron").unwrap();
        let (drawn, _) = apply(&sc, &[1.5, 2.0]).unwrap();
        let e = &drawn.endpoints[0];
        assert_eq!(e.traffic.turns, Dist::Fixed(3.0));
        assert_eq!(e.traffic.turns_by_opening, vec![(500.0, Dist::Fixed(6.0))]);
        assert_eq!(e.prompt.user_tokens, Dist::Fixed(20.0));
        assert_eq!(e.prompt.user_tokens_by_turns, vec![(2, Dist::Fixed(600.0))]);
    }

    /// Scaling the whole prompt scales the shared documents' sizes too (and
    /// `prompt.documents.tokens` alone, only those); an endpoint without documents has none to
    /// scale.
    #[test]
    fn the_prompt_scale_reaches_the_documents() {
        use crate::foundations::dist::Dist;
        use crate::foundations::pricing::Catalog;
        use crate::model::scenario::{self, Scenario};
        let text = |documents: &str, uncertain: &str| {
            format!(
                "Scenario(name: \"t\", seed: 1, horizon_days: 1, endpoints: [Endpoint(\
                 name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(daily_active_users: \
                 10, sessions_per_user_per_day: 1), prompt: Prompt(user_tokens: Fixed(10){documents}), \
                 output_tokens: Fixed(20))], uncertain: [{uncertain}])"
            )
        };
        let docs = ", documents: Documents(popularity: Repetition(rate: 0.5), tokens: Fixed(1000))";
        let load = |t: &str| {
            let file = scenario::parse(t, "t.ron").unwrap();
            Scenario::from_file(file, Catalog::builtin(), "t.ron")
        };
        let sc = load(&text(
            docs,
            "Scale(\"endpoints[chat].prompt\", Uniform(min: 1, max: 2)), \
             Scale(\"endpoints[chat].prompt.documents.tokens\", Uniform(min: 1, max: 2))",
        ))
        .unwrap();
        let (drawn, _) = apply(&sc, &[1.5, 2.0]).unwrap();
        let e = &drawn.endpoints[0];
        assert_eq!(e.prompt.user_tokens, Dist::Fixed(15.0));
        let tokens = &e.prompt.documents.as_ref().unwrap().tokens;
        assert_eq!(*tokens, Dist::Fixed(3000.0));
        let err = load(&text(
            "",
            "Scale(\"endpoints[chat].prompt.documents.tokens\", Uniform(min: 1, max: 2))",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(
                "\"endpoints[chat].prompt.documents.tokens\": endpoint \"chat\" has no \
                 prompt.documents to scale"
            ),
            "{err}"
        );
    }
}
