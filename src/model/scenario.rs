//! Scenarios: loading a RON file, checking it, and the validated form the simulator runs.
//!
//! Loading happens in two stages, as in ripgrep's argument handling: the file is parsed into the
//! plain schema of [`file`](mod@file) (syntax errors carry `file:line:col`), then
//! [`Scenario::from_file`] checks the meaning of every field and builds the domain types,
//! collecting *all* problems with their field paths
//! (`endpoints[1].traffic.turns: mean must be >= 1 (got 0.5)`) instead of stopping at the first.
//!
//! The price catalog is resolved here too, since validation needs it to know model names: the
//! built-in catalog, or the file named by `--prices` / the scenario's `prices` field, with the
//! scenario's inline `models` laid over it.

mod check;
mod endpoints;
pub mod file;
mod load;
mod price_changes;
mod routing;
mod semantic_cache;
mod strategies;

use std::sync::Arc;

use crate::foundations::calendar::{Date, MonthSpan};
use crate::foundations::dist::Dist;
use crate::foundations::pricing::{Bucket, Catalog, ModelPrice, ServiceTier, Ttl};
use crate::model::strategy::Strategy;
use crate::model::uncertain::{Sampling, Uncertain};

pub use check::{
    FieldError, MAX_MEAN_TOKENS, MAX_SESSIONS_PER_DAY, ScenarioError, did_you_mean, hex_sha256,
    parse, relative_to, trim_float, unknown_model,
};
pub use file::{
    DocumentsFile, Growth, History, OpeningTurns, Queries, ScenarioFile, StrategyFile, TurnsUser,
    Weekday,
};
pub use price_changes::MAX_PRICE_CHANGE_FACTOR;

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name from the file.
    pub name: String,
    /// Description from the file.
    pub description: String,
    /// Where it was loaded from, as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated days.
    pub horizon_days: u32,
    /// Weekday of day 0.
    pub start_weekday: Weekday,
    /// Calendar date of day 0, if stated.
    pub start_date: Option<Date>,
    /// The months of the horizon: calendar months with a start date, else 30-day blocks.
    pub months: Vec<MonthSpan>,
    /// Prices: the base catalog with inline models laid over it (shared by the runs).
    pub catalog: Arc<Catalog>,
    /// Parameters drawn once per run, in file order.
    pub uncertain: Vec<Uncertain>,
    /// How runs draw the uncertain parameters (not written in the file: `tokencast run
    /// --sampling`; stratified unless asked otherwise).
    pub sampling: Sampling,
    /// Price changes, by first day.
    pub price_changes: Vec<PriceChange>,
    /// What the product earns, if stated.
    pub revenue: Option<Revenue>,
    /// The endpoints, in file order.
    pub endpoints: Vec<Endpoint>,
    /// The strategies, resolved per endpoint: `baseline` first, then the file's order.
    pub strategies: Vec<Strategy>,
    /// Things that are valid but probably not what the author meant.
    pub warnings: Vec<String>,
    /// The file as parsed, for reports that show the assumptions.
    pub file: ScenarioFile,
}

/// A validated endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Unique name.
    pub name: String,
    /// Model id, present in the scenario's catalog.
    pub model: String,
    /// The model's prices and cache rules.
    pub price: ModelPrice,
    /// Standard or flex.
    pub service_tier: ServiceTier,
    /// Whether its work can be batched.
    pub deferrable: bool,
    /// Arrivals and session shape.
    pub traffic: Traffic,
    /// Prompt composition.
    pub prompt: Prompt,
    /// Output tokens per request.
    pub output_tokens: Dist,
    /// Reasoning tokens per request.
    pub reasoning_tokens: Dist,
    /// Prompt caching as recorded (`recorded_cache`): the shares, and the TTL of the writes.
    pub recorded_cache: Option<(crate::model::strategy::RecordedShares, Ttl)>,
}

/// Validated traffic of one endpoint.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Average daily active users.
    pub daily_active_users: f64,
    /// Sessions per active user per day.
    pub sessions_per_user_per_day: f64,
    /// Share of a day's sessions starting in each hour; sums to 1.
    pub hourly_share: [f64; 24],
    /// Multiplier of each weekday, Monday first; mean 1.
    pub weekday_factor: [f64; 7],
    /// Turns per session (of sessions whose opening is above every band of
    /// `turns_by_opening`).
    pub turns: Dist,
    /// Turns by the session's opening tokens: (below, turns), bounds increasing.
    pub turns_by_opening: Vec<(f64, Dist)>,
    /// The expected share of sessions in each band of `turns_by_opening`, then above them all
    /// ([`Traffic::mean_turns`]); `[1.0]` without bands.
    pub opening_shares: Vec<f64>,
    /// Seconds between turns.
    pub think_time_s: Dist,
    /// How opening queries repeat, if modelled.
    pub queries: Option<Queries>,
    /// How daily active users change over the horizon (`None`: constant).
    pub growth: Option<Growth>,
}

/// A validated price change.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceChange {
    /// First day (zero-based) it applies.
    pub day: u32,
    /// Model id.
    pub model: String,
    /// Multiplier of the rates.
    pub factor: f64,
    /// Buckets it applies to, indexed by [`Bucket::index`].
    pub buckets: [bool; Bucket::ALL.len()],
}

/// Validated revenue.
#[derive(Debug, Clone, PartialEq)]
pub struct Revenue {
    /// Plans with their shares of users (summing to 1), if any.
    pub plans: Vec<Plan>,
    /// Revenue per served request, USD.
    pub usd_per_request: f64,
}

/// A subscription plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Name.
    pub name: String,
    /// Share of users, 0 to 1.
    pub share: f64,
    /// Price per user per month, USD.
    pub usd_per_user_month: f64,
}

impl Revenue {
    /// Revenue per daily active user per 30-day month from the plans.
    pub fn per_user_month(&self) -> f64 {
        self.plans
            .iter()
            .map(|p| p.share * p.usd_per_user_month)
            .sum()
    }
}

impl Growth {
    /// Daily active users on day `day` (zero-based) of a curve starting from `dau`;
    /// `month` is the index of the month the day lies in (for `Monthly`). Never negative.
    pub fn users_on(&self, dau: f64, day: u32, month: usize) -> f64 {
        let m = f64::from(day) / 30.0;
        let u = match self {
            Growth::Linear { users_per_month } => dau + users_per_month * m,
            Growth::Exponential { monthly_rate } => dau * (1.0 + monthly_rate).powf(m),
            Growth::Logistic {
                ceiling_users,
                monthly_rate,
            } => {
                if dau <= 0.0 {
                    0.0
                } else {
                    ceiling_users / (1.0 + (ceiling_users / dau - 1.0) * (-monthly_rate * m).exp())
                }
            }
            Growth::Monthly(points) => {
                dau * points.get(month).or(points.last()).copied().unwrap_or(1.0)
            }
        };
        u.max(0.0)
    }
}

impl Traffic {
    /// Daily active users on each day of the horizon (`months` must cover it).
    pub fn users_by_day(&self, months: &[MonthSpan]) -> Vec<f64> {
        let mut out = Vec::new();
        for (mi, m) in months.iter().enumerate() {
            for d in m.first_day..m.first_day + m.days {
                out.push(match &self.growth {
                    None => self.daily_active_users,
                    Some(g) => g.users_on(self.daily_active_users, d, mi),
                });
            }
        }
        out
    }

    /// Mean turns per session: `turns`' mean, or with `turns_by_opening` each band's mean
    /// weighted by its expected share of sessions.
    pub fn mean_turns(&self) -> f64 {
        self.turns_by_opening
            .iter()
            .map(|(_, d)| d)
            .chain(std::iter::once(&self.turns))
            .zip(&self.opening_shares)
            .map(|(d, share)| d.mean().max(1.0) * share)
            .sum()
    }

    /// The turns of a session whose opening (document and first message) is `opening` tokens.
    pub fn turns_for_opening(&self, opening: u64) -> &Dist {
        self.turns_by_opening
            .iter()
            .find(|(below, _)| (opening as f64) < *below)
            .map_or(&self.turns, |(_, d)| d)
    }

    /// Expected sessions started on a day with weekday index `weekday` (0 = Monday).
    pub fn expected_sessions(&self, weekday: usize) -> f64 {
        self.daily_active_users * self.sessions_per_user_per_day * self.weekday_factor[weekday]
    }
}

/// Validated prompt composition.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// System prompt tokens, per session.
    pub system_tokens: Dist,
    /// Tool definitions, per session.
    pub tools_tokens: Dist,
    /// Retrieved context, per request.
    pub context_tokens: Dist,
    /// User message, per request.
    pub user_tokens: Dist,
    /// The opening message of a session, when it differs from `user_tokens`.
    pub first_user_tokens: Option<Dist>,
    /// Later messages by the session's turns: (at most, user tokens), bounds increasing.
    pub user_tokens_by_turns: Vec<(u32, Dist)>,
    /// The shared pool of documents sessions send, if any.
    pub documents: Option<Documents>,
    /// Whether history is re-sent.
    pub history: History,
    /// Whether retrieved context stays in the history.
    pub context_in_history: bool,
}

/// Validated document pool ([`file::DocumentsFile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Documents {
    /// Share of sessions that send a document.
    pub share: f64,
    /// Which document a session picks.
    pub popularity: Queries,
    /// Tokens of each document, drawn once per document.
    pub tokens: Dist,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_curves_start_at_the_launch_users_and_follow_their_shape() {
        let lin = Growth::Linear {
            users_per_month: 300.0,
        };
        assert_eq!(lin.users_on(1000.0, 0, 0), 1000.0);
        assert_eq!(lin.users_on(1000.0, 60, 2), 1600.0);
        let shrink = Growth::Linear {
            users_per_month: -600.0,
        };
        assert_eq!(shrink.users_on(1000.0, 90, 3), 0.0);
        let exp = Growth::Exponential { monthly_rate: 0.5 };
        assert!((exp.users_on(1000.0, 60, 2) - 2250.0).abs() < 1e-9);
        let log = Growth::Logistic {
            ceiling_users: 10_000.0,
            monthly_rate: 1.0,
        };
        assert!((log.users_on(1000.0, 0, 0) - 1000.0).abs() < 1e-9);
        // Halfway to the ceiling when e^(-r t) = dau / (ceiling - dau): t = ln 9 months.
        let half = (9f64.ln() * 30.0).round() as u32;
        assert!((log.users_on(1000.0, half, 0) - 5000.0).abs() < 60.0);
        assert!(log.users_on(1000.0, 3000, 0) > 9999.0);
        let monthly = Growth::Monthly(vec![1.0, 2.5]);
        assert_eq!(monthly.users_on(400.0, 10, 0), 400.0);
        assert_eq!(monthly.users_on(400.0, 40, 1), 1000.0);
        assert_eq!(monthly.users_on(400.0, 70, 2), 1000.0);
    }

    /// A one-endpoint scenario on gpt-4o-mini with `traffic` and `sizes` spliced in, and
    /// `extra` top-level fields; its field errors as `path: message` lines.
    fn errors(traffic: &str, sizes: &str, extra: &str) -> Vec<String> {
        let text = format!(
            "Scenario(name: \"t\", seed: 1, horizon_days: 30, endpoints: [Endpoint(\
             name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic({traffic}), \
             prompt: Prompt(user_tokens: Fixed(100)), {sizes})], {extra})"
        );
        field_errors(&text)
    }

    /// The field errors of scenario `text` as `path: message` lines (none when it loads).
    fn field_errors(text: &str) -> Vec<String> {
        let file = parse(text, "t.ron").unwrap_or_else(|e| panic!("{e}"));
        match Scenario::from_file(file, Catalog::builtin(), "t.ron") {
            Ok(_) => Vec::new(),
            Err(ScenarioError::Invalid { errors, .. }) => {
                errors.iter().map(ToString::to_string).collect()
            }
            Err(e) => panic!("{e}"),
        }
    }

    const TRAFFIC: &str = "daily_active_users: 100, sessions_per_user_per_day: 1, \
                           turns: Fixed(1)";
    const SIZES: &str = "output_tokens: Fixed(200)";

    #[test]
    fn document_pools_are_checked_field_by_field() {
        let doc = |d: &str| {
            let text = format!(
                "Scenario(name: \"t\", seed: 1, horizon_days: 30, endpoints: [Endpoint(\
                 name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic({TRAFFIC}), \
                 prompt: Prompt(user_tokens: Fixed(100), documents: {d}), {SIZES})])"
            );
            field_errors(&text)
        };
        assert!(
            doc("Documents(popularity: Zipf(intents: 10, s: 1), tokens: Fixed(5000))").is_empty()
        );
        let e =
            doc("Documents(share: 1.5, popularity: Zipf(intents: 0, s: 1), tokens: Fixed(2e7))");
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("endpoints[0].prompt.documents.share: "),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("endpoints[0].prompt.documents.popularity.intents: "),
            "{e:?}"
        );
        assert!(
            e[2].starts_with("endpoints[0].prompt.documents.tokens: "),
            "{e:?}"
        );
    }

    #[test]
    fn bands_of_turns_and_of_later_messages_are_checked_in_order() {
        let check = |traffic: &str, prompt: &str| {
            let text = format!(
                "Scenario(name: \"t\", seed: 1, horizon_days: 30, endpoints: [Endpoint(\
                 name: \"chat\", model: \"gpt-4o-mini\", traffic: Traffic(\
                 daily_active_users: 100, sessions_per_user_per_day: 1, {traffic}), \
                 prompt: Prompt(user_tokens: Fixed(100), {prompt}), {SIZES})])"
            );
            field_errors(&text)
        };
        assert_eq!(
            check(
                "turns: Fixed(1), think_time_s: Fixed(5), turns_by_opening: [Opening(below: \
                 500, turns: Fixed(3)), Opening(below: 2000, turns: Fixed(2))]",
                "user_tokens_by_turns: [Turns(at_most: 2, user_tokens: Fixed(900))]"
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            check(
                "turns: Fixed(1), think_time_s: Fixed(5), turns_by_opening: [Opening(below: \
                 500, turns: Fixed(3)), Opening(below: 500, turns: Fixed(0.2))]",
                "user_tokens_by_turns: [Turns(at_most: 1, user_tokens: Fixed(900)), \
                 Turns(at_most: 4, user_tokens: Fixed(2e7))]"
            ),
            [
                "endpoints[0].traffic.turns_by_opening[1].below: must be more tokens than the \
                 band before (500): bands go from the smallest openings up (got 500)",
                "endpoints[0].traffic.turns_by_opening[1].turns: mean must be >= 1 (got 0.2)",
                "endpoints[0].prompt.user_tokens_by_turns[0].at_most: must be at least 2 (a \
                 session of one turn has no later message) (got 1)",
                "endpoints[0].prompt.user_tokens_by_turns[1].user_tokens: mean of 20000000 \
                 tokens per request is beyond any model's context window; at most 10000000 is \
                 accepted",
            ]
        );
        // A band of several turns needs a think time, as `turns` does.
        assert_eq!(
            check(
                "turns: Fixed(1), turns_by_opening: [Opening(below: 500, turns: Fixed(3))]",
                ""
            ),
            [
                "endpoints[0].traffic.think_time_s: required when sessions can have more than \
                 one turn, e.g. think_time_s: LogNormal(median: 30, p90: 120)"
            ]
        );
    }

    #[test]
    fn plausible_ranges_are_checked_on_draws_not_only_means() {
        assert_eq!(errors(TRAFFIC, SIZES, ""), Vec::<String>::new());
        // Tokens: the P99.9 of a Normal, the largest value of a Uniform.
        assert_eq!(
            errors(TRAFFIC, "output_tokens: Normal(mean: 0, sd: 1e18)", ""),
            [
                "endpoints[0].output_tokens: Normal(mean 0, sd 1e18) has a P99.9 of 3.09e18 \
              tokens per request; at most 10000000 is accepted (ten times any model's context \
              window)"
            ]
        );
        assert_eq!(
            errors(
                TRAFFIC,
                "output_tokens: Fixed(200), reasoning_tokens: Uniform(min: 0, max: 2e7)",
                ""
            ),
            [
                "endpoints[0].reasoning_tokens: Uniform(min 0, max 20000000) has a largest value \
              of 20000000 tokens per request; at most 10000000 is accepted (ten times any \
              model's context window)"
            ]
        );
        // The limit itself is accepted.
        assert!(errors(TRAFFIC, "output_tokens: Uniform(min: 0, max: 1e7)", "").is_empty());
        // Turns and think time.
        let e = errors(
            "daily_active_users: 100, sessions_per_user_per_day: 1, turns: Fixed(1e18), \
             think_time_s: Fixed(30)",
            SIZES,
            "",
        );
        assert_eq!(
            e,
            [
                "endpoints[0].traffic.turns: Fixed(1e18) has a largest value of 1e18 turns per \
              session; at most 10000 is accepted (far beyond the longest agent loops; a run must \
              end)"
            ]
        );
        let e = errors(
            "daily_active_users: 100, sessions_per_user_per_day: 1, \
             turns: Geometric(mean: 5000), think_time_s: Exponential(mean: 1e9)",
            SIZES,
            "",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with(
                "endpoints[0].traffic.turns: Geometric(mean 5000) has a P99.9 of 34536 turns"
            ),
            "{e:?}"
        );
        assert!(e[1].starts_with("endpoints[0].traffic.think_time_s: Exponential(mean 1000000000) has a P99.9 of 6907755279 seconds; at most 316224000"), "{e:?}");
    }

    #[test]
    fn users_sessions_revenue_and_price_changes_have_maxima() {
        assert_eq!(
            errors(
                "daily_active_users: 1e300, sessions_per_user_per_day: 0, turns: Fixed(1)",
                SIZES,
                ""
            ),
            [
                "endpoints[0].traffic.daily_active_users: 1e300 daily active users is beyond any \
              plausible value; at most 10000000000 is accepted"
            ]
        );
        // Growth: the busiest day counts, not day 0.
        let e = errors(
            "daily_active_users: 1e6, sessions_per_user_per_day: 10, turns: Fixed(1), \
             growth: Exponential(monthly_rate: 100)",
            SIZES,
            "",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("endpoints[0].traffic.growth: gives ")
                && e[0].contains("sessions on day 29")
                && e[0].ends_with("at most 100000000 a day are supported"),
            "{e:?}"
        );
        let e = errors(
            TRAFFIC,
            SIZES,
            "revenue: Revenue(plans: [Plan(name: \"pro\", share: 1, usd_per_user_month: 1e6)])",
        );
        assert_eq!(
            e,
            [
                "revenue.plans[0].usd_per_user_month: 1000000 USD per user per month is beyond any \
              plausible value; at most 100000 is accepted"
            ]
        );
        let e = errors(
            TRAFFIC,
            SIZES,
            "price_changes: [PriceChange(day: 1, model: \"gpt-4o-mini\", factor: 1e300)]",
        );
        assert_eq!(
            e,
            [
                "price_changes[0].factor: must be a number above 0 and at most 100 (got 1e300); \
              0.5 halves the price"
            ]
        );
    }

    #[test]
    fn messages_print_huge_numbers_readably() {
        let e = errors(
            "daily_active_users: 100, sessions_per_user_per_day: -1e300, turns: Fixed(1)",
            SIZES,
            "",
        );
        assert_eq!(
            e,
            [
                "endpoints[0].traffic.sessions_per_user_per_day: must be a finite number >= 0 \
              (got -1e300)"
            ]
        );
        assert_eq!(trim_float(1e300), "1e300");
        assert_eq!(trim_float(2500.0), "2500");
    }
}
