//! A trace's days: day 0 and the day of each row, within a stated maximum span.
//!
//! Per-day state (the ledgers' day cells) is sized by the span a trace covers, so one row with a
//! far timestamp, typically a microsecond or nanosecond clock read as milliseconds, or a zero
//! timestamp among dated rows, would otherwise make `audit` or `replay` allocate for millions
//! of days. A row more than [`MAX_TRACE_DAYS`] after day 0 is refused, naming its line and, where
//! the timestamp looks like one, the unit it is probably in.

use crate::foundations::calendar::Date;
use crate::foundations::time::{MAX_HORIZON_DAYS, MS_PER_DAY};

/// Most days a trace may cover from its day 0: ten years, as a scenario's horizon.
pub const MAX_TRACE_DAYS: u64 = MAX_HORIZON_DAYS as u64;

/// Timestamps up to this many ms count as relative (from the trace's start): ten years.
const RELATIVE_UP_TO_MS: i64 = 10 * 365 * MS_PER_DAY as i64;

/// 3000-01-01T00:00:00Z in seconds: a timestamp beyond it is almost certainly in a finer unit
/// than the one it is read in.
const YEAR_3000_S: i64 = 32_503_680_000;

/// 3000-01-01T00:00:00Z in ms: a millisecond timestamp beyond it is almost certainly µs or ns.
const YEAR_3000_MS: i64 = YEAR_3000_S * 1000;

/// Clock units from the coarsest, with how many of each make a second.
const UNITS: [(&str, f64); 4] = [
    ("seconds", 1.0),
    ("milliseconds", 1e3),
    ("microseconds", 1e6),
    ("nanoseconds", 1e9),
];

/// Whether a timestamp is a date (ms since 1970) rather than a time from the trace's start:
/// anything past ten years is.
pub fn is_dated(ms: i64) -> bool {
    ms > RELATIVE_UP_TO_MS
}

/// The UTC date of a dated timestamp; `None` for a time from the trace's start.
pub fn date_of(ms: i64) -> Option<Date> {
    is_dated(ms).then(|| Date::EPOCH.plus_days(ms.div_euclid(MS_PER_DAY as i64)))
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

/// A row's timestamp must lie from 1970-01-01 (0 ms: negative timestamps are neither dates
/// nor times from the trace's start) to the year 3000: a later one, whatever the trace's span,
/// is a microsecond or nanosecond clock read as milliseconds (a short trace in µs would
/// otherwise be read as weeks of traffic, silently). The error names the likely unit.
pub fn check_time(time_ms: i64) -> Result<(), String> {
    if time_ms < 0 {
        return Err(format!(
            "timestamp {time_ms} ms lies before 1970-01-01T00:00:00Z; timestamps must be at or \
             after 1970-01-01 (0 ms)"
        ));
    }
    if time_ms <= YEAR_3000_MS {
        return Ok(());
    }
    Err(match likely_unit(time_ms as f64, 1) {
        Some(unit) => format!(
            "timestamp {time_ms} ms lies after the year 3000, so it looks like {unit}: give \
             timestamps as integer milliseconds or RFC 3339 (2026-01-05T09:30:00Z)"
        ),
        None => format!(
            "timestamp {time_ms} ms lies after the year 3000; timestamps are integer \
             milliseconds from 0 to {YEAR_3000_MS} (the year 3000) or RFC 3339"
        ),
    })
}

/// BurstGPT's `Timestamp`, seconds from the trace start (finite, >= 0), as whole milliseconds:
/// at most the year 3000 in seconds. Beyond it the error names the finer unit the value looks
/// like when it does (milliseconds written where seconds belong), else the range.
pub fn seconds_to_ms(seconds: f64) -> Result<i64, String> {
    if seconds <= YEAR_3000_S as f64 {
        return Ok((seconds * 1000.0).round() as i64);
    }
    let written = crate::foundations::limits::readable(seconds);
    Err(match likely_unit(seconds, 0) {
        Some(unit) => format!(
            "Timestamp {written} s lies after the year 3000, so it looks like {unit}: BurstGPT \
             timestamps are seconds from the trace start"
        ),
        None => format!(
            "Timestamp {written} s lies after the year 3000; BurstGPT timestamps are seconds \
             from the trace start, from 0 to {YEAR_3000_S}"
        ),
    })
}

/// The finer unit a time of `value` in `UNITS[unit]` that lies after the year 3000 is probably
/// in: the first finer unit in which it lands before the year 3000. `None` when it lies beyond
/// even in nanoseconds: then it looks like no clock at all.
fn likely_unit(value: f64, unit: usize) -> Option<&'static str> {
    UNITS[unit + 1..]
        .iter()
        .find(|(_, per_second)| value / per_second <= YEAR_3000_S as f64)
        .map(|(name, _)| *name)
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
        // Before 1970: neither a date nor a time from the trace's start.
        assert_eq!(check_time(0), Ok(()));
        assert_eq!(
            check_time(-86_400_000).unwrap_err(),
            "timestamp -86400000 ms lies before 1970-01-01T00:00:00Z; timestamps must be at or \
             after 1970-01-01 (0 ms)"
        );
    }

    #[test]
    fn seconds_after_the_year_3000_name_a_unit_only_when_they_look_like_one() {
        assert_eq!(seconds_to_ms(1.25), Ok(1250));
        assert_eq!(seconds_to_ms(YEAR_3000_S as f64), Ok(YEAR_3000_MS));
        let e = seconds_to_ms(1.7e12).unwrap_err();
        assert!(e.contains("so it looks like milliseconds"), "{e}");
        let e = seconds_to_ms(1.7e15).unwrap_err();
        assert!(e.contains("so it looks like microseconds"), "{e}");
        let e = seconds_to_ms(1.7e18).unwrap_err();
        assert!(e.contains("so it looks like nanoseconds"), "{e}");
        assert_eq!(
            seconds_to_ms(1e300).unwrap_err(),
            "Timestamp 1e300 s lies after the year 3000; BurstGPT timestamps are seconds from \
             the trace start, from 0 to 32503680000"
        );
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
