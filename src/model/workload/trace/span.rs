//! A trace's days: day 0 and the day of each row, within a stated maximum span.
//!
//! Per-day state (the ledgers' day cells) is sized by the span a trace covers, so one row with a
//! far timestamp, typically a microsecond or nanosecond clock read as milliseconds, or a zero
//! timestamp among dated rows, would otherwise make `audit` or `replay` allocate for millions
//! of days. A row more than [`MAX_TRACE_DAYS`] after day 0 is refused, naming its line and, where
//! the timestamp looks like one, the unit it is probably in.

use crate::foundations::time::{MAX_HORIZON_DAYS, MS_PER_DAY};

/// Most days a trace may cover from its day 0: ten years, as a scenario's horizon.
pub const MAX_TRACE_DAYS: u64 = MAX_HORIZON_DAYS as u64;

/// Timestamps up to this many ms count as relative (from the trace's start): ten years.
const RELATIVE_UP_TO_MS: i64 = 10 * 365 * MS_PER_DAY as i64;

/// 3000-01-01T00:00:00Z in ms: a millisecond timestamp beyond it is almost certainly µs or ns.
const YEAR_3000_MS: i64 = 32_503_680_000_000;

/// Whether a timestamp is a date (ms since 1970) rather than a time from the trace's start:
/// anything past ten years is.
pub fn is_dated(ms: i64) -> bool {
    ms > RELATIVE_UP_TO_MS
}

/// Day 0 of a trace whose first row is at `first_ms`: the UTC midnight before it for dated
/// traces, 0 for traces timed from their start.
pub fn day0_ms(first_ms: i64) -> i64 {
    if is_dated(first_ms) {
        first_ms - first_ms.rem_euclid(MS_PER_DAY as i64)
    } else {
        0
    }
}

/// The day (from day 0) of a row at `time_ms`, which must not be before `day0_ms`; an error
/// message when it lies more than [`MAX_TRACE_DAYS`] after day 0.
#[inline]
pub fn day_of(time_ms: i64, day0_ms: i64) -> Result<u32, String> {
    match time_ms.checked_sub(day0_ms) {
        Some(d) if d >= 0 => {
            let day = d as u64 / MS_PER_DAY;
            if day < MAX_TRACE_DAYS {
                Ok(day as u32)
            } else {
                Err(too_far(time_ms, day0_ms, day))
            }
        }
        _ => Err(format!(
            "timestamp {time_ms} ms is before the trace's day 0 ({day0_ms} ms); negative \
             timestamps are not read"
        )),
    }
}

/// A row's timestamp must lie before the year 3000: a later one, whatever the trace's span, is a
/// microsecond or nanosecond clock read as milliseconds (a short trace in µs would otherwise be
/// read as weeks of traffic, silently). The error names the likely unit.
pub fn check_time(time_ms: i64) -> Result<(), String> {
    if time_ms <= YEAR_3000_MS {
        return Ok(());
    }
    let unit = if time_ms > YEAR_3000_MS.saturating_mul(1000) {
        "nanoseconds"
    } else {
        "microseconds"
    };
    Err(format!(
        "timestamp {time_ms} ms lies after the year 3000, so it looks like {unit}: give \
         timestamps as integer milliseconds or RFC 3339 (2026-01-05T09:30:00Z)"
    ))
}

#[cold]
fn too_far(time_ms: i64, day0_ms: i64, day: u64) -> String {
    // The readers refuse rows after the year 3000 already (`check_time`); for a caller that
    // did not, the same words.
    let hint = if let Err(unit) = check_time(time_ms) {
        format!("; {unit}")
    } else if day0_ms == 0 && is_dated(time_ms) {
        "; day 0 was set by a row timed from the trace's start (near 0), so a zero or missing \
         timestamp among dated rows is the likely cause"
            .to_string()
    } else {
        String::new()
    };
    format!(
        "timestamp {time_ms} ms is {day} days after the trace's day 0; at most {MAX_TRACE_DAYS} \
         days of trace are read{hint}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_after_the_year_3000_name_their_likely_unit() {
        assert_eq!(check_time(1_700_000_000_000), Ok(()));
        assert_eq!(check_time(YEAR_3000_MS), Ok(()));
        let e = check_time(1_700_000_000_000_000).unwrap_err();
        assert!(e.contains("looks like microseconds"), "{e}");
        let e = check_time(1_700_000_000_000_000_000).unwrap_err();
        assert!(e.contains("looks like nanoseconds"), "{e}");
    }

    #[test]
    fn days_within_the_span_and_the_units_far_ones_suggest() {
        let d0 = day0_ms(1_700_000_000_000);
        assert_eq!(d0 % MS_PER_DAY as i64, 0);
        assert_eq!(day_of(1_700_000_000_000, d0), Ok(0));
        assert_eq!(day_of(d0 + 3659 * MS_PER_DAY as i64, d0), Ok(3659));
        let e = day_of(d0 + 3660 * MS_PER_DAY as i64, d0).unwrap_err();
        assert!(
            e.contains("3660 days after") && e.ends_with("are read"),
            "{e}"
        );
        // A microsecond clock read as milliseconds.
        let e = day_of(1_700_000_000_000_000, d0).unwrap_err();
        assert!(e.contains("looks like microseconds"), "{e}");
        let e = day_of(1_700_000_000_000_000_000, d0).unwrap_err();
        assert!(e.contains("looks like nanoseconds"), "{e}");
        // Day 0 set by a zero timestamp, then dated rows.
        let e = day_of(1_700_000_000_000, day0_ms(0)).unwrap_err();
        assert!(e.contains("zero or missing timestamp"), "{e}");
        assert_eq!(day0_ms(5_000), 0);
        assert!(
            day_of(-5, 0)
                .unwrap_err()
                .contains("before the trace's day 0")
        );
    }
}
