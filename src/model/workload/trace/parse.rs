//! The values of a trace's cells: token counts, seconds, timestamps, and the weekday of a
//! time.
//!
//! These run for every cell of every row, so the common case (plain ASCII digits with no
//! surrounding whitespace) is checked first and skips `str::trim` and `str::parse`.

/// `s` without leading and trailing whitespace (Unicode's, as `str::trim`), checking the two
/// ends first: most cells have none.
#[inline(always)]
pub(super) fn trim(s: &str) -> &str {
    let plain = |b: &u8| *b > b' ' && b.is_ascii();
    match s.as_bytes() {
        [] => s,
        [first, .., last] if plain(first) && plain(last) => s,
        [only] if plain(only) => s,
        _ => s.trim(),
    }
}

/// A token count: plain digits, anything `u64`'s parser takes, or a whole float. Counts are
/// read as written, up to `u64::MAX`; the plausible maximum of a row's count, 100 million tokens
/// ([`crate::foundations::limits::MAX_TRACE_ROW_TOKENS`]), is one of the rules every row meets
/// (`record::check`), so no reader hands on a larger count.
pub(super) fn parse_count(s: &str) -> Option<u64> {
    if let Some(n) = digits(s, 19) {
        return Some(n);
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    // Some exports write counts as floats ("123.0").
    let f: f64 = s.parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 1e18).then_some(f as u64)
}

/// The value of `s` when it is 1 to `max_len` ASCII digits (so it cannot overflow a u64 for
/// `max_len` <= 19, nor an i64 for 18): the common case, without `str::parse`'s sign handling.
#[inline]
fn digits(s: &str, max_len: usize) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    let mut n = 0u64;
    for c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

/// Refill `tags` from a native `tags` cell: `key=value` pairs separated by `;`
/// (`service=shop;environment=prod`), each key non-empty (a value may be empty; neither may
/// hold `;`, which has no escape); none when the cell is empty.
pub(super) fn fill_tags(
    tags: &mut Vec<(String, String)>,
    cell: Option<&str>,
) -> Result<(), String> {
    tags.clear();
    let Some(cell) = cell else { return Ok(()) };
    for pair in cell.split(';').map(trim).filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((k, v)) if !trim(k).is_empty() => {
                tags.push((trim(k).to_string(), trim(v).to_string()));
            }
            _ => {
                return Err(format!(
                    "tags: expected key=value pairs separated by `;` \
                     (service=shop;environment=prod), got {pair:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Seconds from the trace start (BurstGPT): a finite number >= 0 (its range is
/// [`super::span::seconds_to_ms`]'s to check).
pub(super) fn parse_seconds(s: &str) -> Option<f64> {
    let f: f64 = s.parse().ok()?;
    (f.is_finite() && f >= 0.0).then_some(f)
}

/// Milliseconds since the Unix epoch from RFC 3339 (`2026-01-05T09:30:00.250Z`,
/// `...+01:00`), the same with a space for `T` and no zone (taken as UTC, as the Azure traces
/// and LiteLLM exports write it), or integer milliseconds.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    if let Some(n) = digits(s, 18) {
        return Some(n as i64);
    }
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ' || b[10] == b't')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // 2023-02-30 is no date (it is not read as 2 March).
    if d as u32 > crate::foundations::calendar::days_in_month(y as i32, mo as u32) {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i];
        let digits: String = frac.chars().chain("000".chars()).take(3).collect();
        ms = digits.parse().ok()?;
    }
    let mut offset_min = 0i64;
    let rest = &s[i..];
    match rest {
        "" | "Z" | "z" => {}
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !(rb[0] == b'+' || rb[0] == b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            offset_min = (oh * 60 + om) * if rb[0] == b'-' { -1 } else { 1 };
        }
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000) + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    crate::foundations::calendar::Date {
        year: y as i32,
        month: m as u32,
        day: d as u32,
    }
    .days_since_epoch()
}

/// Weekday (0 = Monday) of a time in ms since the epoch (1970-01-01 was a Thursday).
pub fn weekday_of_ms(ms: i64) -> usize {
    ((ms.div_euclid(86_400_000) + 3).rem_euclid(7)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_time_ms("0"), Some(0));
        assert_eq!(parse_time_ms("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(parse_time_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time_ms("1970-01-02T00:00:01.5Z"), Some(86_401_500));
        assert_eq!(parse_time_ms("1970-01-01T01:00:00+01:00"), Some(0));
        // Days beyond their month are no dates; 29 February only in leap years.
        assert_eq!(parse_time_ms("2023-02-30T10:00:00Z"), None);
        assert_eq!(parse_time_ms("2023-02-30 18:00:00"), None);
        assert_eq!(parse_time_ms("2023-04-31T00:00:00Z"), None);
        assert_eq!(parse_time_ms("2023-02-29T00:00:00Z"), None);
        assert!(parse_time_ms("2024-02-29T00:00:00Z").is_some());
        // Azure: seven fractional digits, no zone.
        assert_eq!(
            parse_time_ms("2023-11-16 18:17:03.9799600"),
            Some(1_700_158_623_979)
        );
        assert_eq!(
            parse_time_ms("2024-02-29T12:00:00Z"),
            Some(1_709_208_000_000)
        );
        assert_eq!(parse_time_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_time_ms("yesterday"), None);
        assert_eq!(parse_time_ms("2024-01-01T00:00:00+0100"), None);
        // 2023-11-16 was a Thursday.
        assert_eq!(weekday_of_ms(1_700_158_623_979), 3);
    }
}
