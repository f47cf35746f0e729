//! Calendar dates for scenarios with a `start_date`: parsing `YYYY-MM-DD`, weekdays and the
//! calendar months a horizon spans. Proleptic Gregorian calendar, no time zones (a scenario's
//! day is a calendar day wherever its users are).

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year, e.g. 2027.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
}

impl Date {
    /// 1970-01-01.
    pub const EPOCH: Date = Date {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// Parse `YYYY-MM-DD` (exactly that form), checking the day exists.
    pub fn parse(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date of the form YYYY-MM-DD (e.g. \"2027-01-15\")");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let t = &s[r];
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month) {
            return Err(format!("{s:?}: month {month} is not between 1 and 12"));
        }
        let year = year as i32;
        let last = days_in_month(year, month);
        if day == 0 || day > last {
            return Err(format!("{s:?}: day {day} is not between 1 and {last}"));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after this one.
    pub fn plus_days(self, days: i64) -> Date {
        let z = self.days_since_epoch() + days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// 0 for Monday through 6 for Sunday.
    pub fn weekday(self) -> usize {
        // 1970-01-01 was a Thursday.
        ((self.days_since_epoch() + 3).rem_euclid(7)) as usize
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The calendar months of a horizon of `days` days starting on `start`, labelled `YYYY-MM`;
/// the first and last may be partial.
pub fn calendar_months(start: Date, days: u32) -> Vec<MonthSpan> {
    let mut out = Vec::new();
    let mut first = 0u32;
    let mut date = start;
    while first < days {
        let left_in_month = days_in_month(date.year, date.month) - date.day + 1;
        let n = left_in_month.min(days - first);
        out.push(MonthSpan {
            label: format!("{:04}-{:02}", date.year, date.month),
            first_day: first,
            days: n,
        });
        first += n;
        date = date.plus_days(i64::from(n));
    }
    out
}

/// One month of the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSpan {
    /// `2027-03` or `month 3`.
    pub label: String,
    /// Zero-based first day.
    pub first_day: u32,
    /// Days inside the horizon.
    pub days: u32,
}

/// The horizon cut into 30-day months (`month 1`, `month 2`, ...), the last one possibly
/// shorter: for subjects without calendar dates.
pub fn thirty_day_months(horizon_days: u32) -> Vec<MonthSpan> {
    (0..horizon_days.div_ceil(30))
        .map(|m| MonthSpan {
            label: format!("month {}", m + 1),
            first_day: m * 30,
            days: (horizon_days - m * 30).min(30),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_know_their_weekday() {
        let d = Date::parse("2027-01-15").unwrap();
        assert_eq!(d.to_string(), "2027-01-15");
        assert_eq!(d.weekday(), 4); // a Friday
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(d.plus_days(17).to_string(), "2027-02-01");
        assert_eq!(
            Date::parse("2028-02-28").unwrap().plus_days(1).to_string(),
            "2028-02-29"
        );
        for s in [
            "2027-1-15",
            "2027-13-01",
            "2027-02-29",
            "27-01-15x",
            "2027-00-10",
        ] {
            assert!(Date::parse(s).is_err(), "{s}");
        }
        for n in -800_000..800_000i64 {
            if n % 997 == 0 {
                let e = Date::parse("2000-03-01").unwrap();
                assert_eq!(e.plus_days(n).days_since_epoch(), e.days_since_epoch() + n);
            }
        }
    }

    #[test]
    fn calendar_months_split_at_month_ends() {
        let m = calendar_months(Date::parse("2027-01-15").unwrap(), 60);
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.label.as_str(), m.first_day, m.days))
            .collect();
        assert_eq!(
            got,
            [("2027-01", 0, 17), ("2027-02", 17, 28), ("2027-03", 45, 15)]
        );
    }

    #[test]
    fn thirty_day_months_cover_the_horizon() {
        let m = thirty_day_months(65);
        assert_eq!(
            m.iter().map(|m| (m.first_day, m.days)).collect::<Vec<_>>(),
            [(0, 30), (30, 30), (60, 5)]
        );
        assert_eq!(m[2].label, "month 3");
        assert!(thirty_day_months(0).is_empty());
    }
}
