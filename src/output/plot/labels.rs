//! Numbers as chart labels: money, user counts and shares, short enough for an axis tick or
//! the end of a bar.

/// Money for axes and labels: three significant digits, `k` and `M` suffixes
/// (`$0.0123`, `$1.23`, `$123`, `$1.2k`, `$12.3k`, `$1.23M`), a true minus sign.
pub fn usd_short(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let sign = if v < 0.0 { "\u{2212}" } else { "" };
    let a = v.abs();
    let body = if a == 0.0 {
        "0".to_string()
    } else if a >= 1e6 {
        format!("{}M", sig3(a / 1e6))
    } else if a >= 1e3 {
        format!("{}k", sig3(a / 1e3))
    } else {
        sig3(a)
    };
    format!("{sign}${body}")
}

/// Three significant digits, trailing zeros removed.
fn sig3(a: f64) -> String {
    let digits = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        (2 - a.log10().floor() as i32).clamp(2, 8) as usize
    };
    let s = format!("{a:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A user count: `950`, `1k`, `12.5k`, `1.2M`.
pub fn users_short(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", sig3(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", sig3(v / 1e3))
    } else {
        format!("{v:.0}")
    }
}

/// A share 0..1 as a percentage: `42%`, `4.2%`, `0.42%`.
pub fn pct_short(v: f64) -> String {
    let p = v.abs() * 100.0;
    let sign = if v < 0.0 && p >= 0.005 {
        "\u{2212}"
    } else {
        ""
    };
    if p >= 10.0 || p == 0.0 {
        format!("{sign}{p:.0}%")
    } else if p >= 1.0 {
        format!("{sign}{p:.1}%")
    } else {
        format!("{sign}{p:.2}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_three_significant_digits() {
        assert_eq!(usd_short(0.0), "$0");
        assert_eq!(usd_short(0.012345), "$0.0123");
        assert_eq!(usd_short(1.5), "$1.5");
        assert_eq!(usd_short(123.4), "$123");
        assert_eq!(usd_short(1234.0), "$1.23k");
        assert_eq!(usd_short(12_000.0), "$12k");
        assert_eq!(usd_short(-2_500_000.0), "\u{2212}$2.5M");
        assert_eq!(users_short(100_000.0), "100k");
        assert_eq!(pct_short(0.423), "42%");
        assert_eq!(pct_short(0.0423), "4.2%");
        assert_eq!(pct_short(-0.16), "\u{2212}16%");
    }
}
