//! Plausible ranges: the largest size, count, price and revenue tokencast accepts, in one place.
//!
//! A scenario, a price catalog or a trace row beyond one of these is a typo or a unit mistake
//! (a price per token written where a price per million was meant, a count with six extra
//! zeros), not a forecast: it is rejected when it is loaded, with the field and the limit, so it
//! never becomes a run that does not end, a token sum that wraps or a 40-digit dollar figure.
//! Each limit is far above what any provider or product has today, and says why.
//!
//! | what | limit | rule |
//! |---|---|---|
//! | a per-request token field (`prompt.*_tokens`, `output_tokens`, `reasoning_tokens`) | [`MAX_TOKENS_PER_REQUEST`] = 10,000,000 | its P99.9 (its largest value, for a bounded distribution) must not exceed it |
//! | `output_tokens` + `reasoning_tokens` of one request | the model's `max_output_tokens` | clamped when drawn, as the provider truncates; the report warns with the share clamped |
//! | a request's prompt | the model's `max_input_tokens` | refused, as the provider would (not billed; warned) |
//! | `traffic.turns` | [`MAX_TURNS`] = 10,000 | its P99.9 (largest value, if bounded) |
//! | `traffic.think_time_s` | [`MAX_THINK_TIME_S`] (the longest horizon) | its P99.9 (largest value, if bounded) |
//! | `traffic.daily_active_users`, growth curves | [`MAX_DAILY_ACTIVE_USERS`] = 10 billion | on every day of the horizon |
//! | sessions a day of one endpoint | [`MAX_SESSIONS_PER_DAY`] = 100 million | on every day of the horizon (every request is simulated) |
//! | `horizon_days` | 3,660 ([`crate::foundations::time::MAX_HORIZON_DAYS`]) | |
//! | `--runs` | 1,000,000 | |
//! | any price of a model | [`MAX_USD_PER_MTOK`] = $1,000 per million tokens (per million per hour for storage) | |
//! | a model's `max_input_tokens`, `max_output_tokens` | [`MAX_MODEL_TOKENS`] = 100 million | |
//! | `revenue.plans[].usd_per_user_month` | [`MAX_USD_PER_USER_MONTH`] = $100,000 | |
//! | `revenue.usd_per_request` | [`MAX_USD_PER_REQUEST`] = $1,000 | |
//! | a token count in one trace row | [`MAX_TRACE_ROW_TOKENS`] = 100 million | a row error naming the line |
//! | a token count in one usage-report bucket of `n` requests | `n` × [`MAX_TRACE_ROW_TOKENS`], at most [`MAX_BUCKET_ROW_TOKENS`] = 10^15 | a row error naming the line and field |
//! | a trace row's timestamp | the year 3000 | a row error naming the likely unit (µs, ns) |
//! | `Summarize(summary_tokens)` | the summarising model's `max_output_tokens` | |
//! | `Batch(turnaround_s)` | 604,800 s (a week) | its P99.9 (seven times the batch APIs' 24-hour window) |
//! | `hourly_profile`, `weekday_weights` | finite, with a finite sum | |
//! | an uncertain price scale, a price change | 100 | its P99.9 (largest value, if bounded) |
//! | an uncertain scale of a token field, turns or think time | that field's limit | the field's P99.9 at the scale's P99.9 |
//! | an uncertain revenue value or scale | the revenue limits | at its P99.9 |
//! | any money figure of a report | [`MAX_REPORT_USD`] = $10^15 | an error (exit 2), as is money that is not a finite number |
//!
//! Within these limits a run's totals stay far inside `u64` and `f64`; the sums are still
//! checked (the ledger's counts saturate and a saturated count is an error, not a wrapped
//! number), and money that is not a finite number is an error, never a printed "n/a".

/// The quantile a distribution's plausible largest value is read at: 99.9%, so one request in
/// a thousand may lie beyond it (the tail of a `LogNormal` or `Normal` is unbounded).
pub const PLAUSIBLE_QUANTILE: f64 = 0.999;

/// Largest P99.9 of any per-request token field: ten times the largest context window offered
/// today (about 1 million tokens), and the largest model limit ([`MAX_MODEL_TOKENS`]) divided by
/// ten.
pub const MAX_TOKENS_PER_REQUEST: f64 = 1e7;

/// Largest P99.9 of the turns of a session: an agent that calls tools ten thousand times in one
/// task is far beyond today's longest agent loops (hundreds of steps).
pub const MAX_TURNS: f64 = 1e4;

/// Largest P99.9 of the think time between two turns, in seconds: the longest horizon (3,660
/// days). A turn later than the horizon is never sent anyway.
pub const MAX_THINK_TIME_S: f64 = crate::foundations::time::MAX_HORIZON_DAYS as f64 * 86_400.0;

/// Most daily active users of one endpoint on any day: more than everyone on Earth.
pub const MAX_DAILY_ACTIVE_USERS: f64 = 1e10;

/// Most sessions a day one endpoint may generate on any day (every request is simulated: a
/// hundred million sessions a day already takes minutes per run).
pub const MAX_SESSIONS_PER_DAY: f64 = 1e8;

/// Largest price of a model, USD per million tokens (per million tokens per hour for cache
/// storage): the most expensive models today cost $150 to $600 per million output tokens.
pub const MAX_USD_PER_MTOK: f64 = 1000.0;

/// Largest context window or output limit a model may state, in tokens: a hundred times the
/// largest window offered today.
pub const MAX_MODEL_TOKENS: u64 = 100_000_000;

/// Largest price of a plan, USD per user per month: above any per-seat price.
pub const MAX_USD_PER_USER_MONTH: f64 = 100_000.0;

/// Largest revenue per served request, USD.
pub const MAX_USD_PER_REQUEST: f64 = 1000.0;

/// Largest money figure a report may hold, USD: a quadrillion dollars, ten times the world's
/// yearly output. A forecast beyond it (or not a finite number) is an error, never a printed
/// figure; `plot` refuses a saved report beyond it.
pub const MAX_REPORT_USD: f64 = 1e15;

/// Largest token count one trace row may state (input, output, cached or reasoning): a hundred
/// times the largest context window offered today. Above it a row is an error, so sums over
/// billions of rows stay far inside `u64`.
pub const MAX_TRACE_ROW_TOKENS: u64 = 100_000_000;

/// Largest token count one bucket of a provider's usage report may state (10^15: a million
/// requests' worth of [`MAX_TRACE_ROW_TOKENS`]); a bucket of `n` requests may state at most `n`
/// times [`MAX_TRACE_ROW_TOKENS`], up to this.
pub const MAX_BUCKET_ROW_TOKENS: u64 = 1_000_000_000_000_000;

/// A number for a message: `1e300` rather than three hundred digits (at most four significant
/// digits in scientific notation, from 1e15 up and below 1e-6), `1500` rather than `1500.0`,
/// `0.25` as written.
pub fn readable(x: f64) -> String {
    let a = x.abs();
    if x.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) {
        // Four significant digits at most: `3.09e18`, not `3.0902323061678136e18`.
        let s = format!("{x:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        format!("{mantissa}e{exponent}")
    } else if x.is_finite() && x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_numbers_are_short() {
        assert_eq!(readable(1e300), "1e300");
        assert_eq!(readable(-1.7e308), "-1.7e308");
        assert_eq!(readable(1500.0), "1500");
        assert_eq!(readable(0.25), "0.25");
        assert_eq!(readable(1e-9), "1e-9");
        assert_eq!(readable(3.090_232_306_167_813_5e18), "3.09e18");
        assert_eq!(readable(1.234_56e20), "1.235e20");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(f64::NAN), "NaN");
        assert_eq!(readable(f64::INFINITY), "inf");
        assert_eq!(readable(999_999_999_999_999.0), "999999999999999");
    }
}
