//! Numbers as k6's end-of-test summary writes them (the `humanize*`
//! helpers of k6's `summary.js`), so a value prints the same in Volley's
//! summary as in k6's: durations are truncated, not rounded, and pick their
//! unit from ns to hours; data sizes use SI units (base 1000); rates are
//! truncated percentages; plain numbers keep at most six decimals.

use crate::metrics::ValueType;

/// A value of a metric holding `value_type`, as k6 shows it (`humanizeValue`
/// for counters, gauges and trends; rates use [`percent`]).
pub fn value(v: f64, value_type: ValueType) -> String {
    match value_type {
        ValueType::Time => duration_ms(v),
        ValueType::Data => bytes(v),
        ValueType::Default => number(v),
    }
}

/// A time value given in milliseconds: `0s`, `512ns`, `22.71µs`,
/// `189.81ms`, `2.06s`, `1m2s`, `1h2m3s` (k6's `humanizeGenericDuration`;
/// each unit truncates to two decimals, minutes and hours to whole seconds).
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".to_string();
    }
    if ms == 0.0 {
        return "0s".to_string();
    }
    // k6 does not expect negative durations (it would print "-5000000ns"
    // for -5ms); a gauge of durations can hold one, so keep the unit logic
    // on the magnitude.
    if ms < 0.0 {
        return format!("-{}", duration_ms(-ms));
    }
    if ms < 0.001 {
        return format!("{}ns", (ms * 1_000_000.0).trunc());
    }
    if ms < 1.0 {
        return format!("{}µs", trim_trunc(ms * 1000.0, 2));
    }
    if ms < 1000.0 {
        return format!("{}ms", trim_trunc(ms, 2));
    }
    let decimals = if ms > 60_000.0 { 0 } else { 2 };
    let seconds = format!("{}s", trim_trunc((ms % 60_000.0) / 1000.0, decimals));
    let minutes = (ms / 60_000.0).trunc();
    if minutes < 1.0 {
        return seconds;
    }
    let hours = (minutes / 60.0).trunc();
    let with_minutes = format!("{}m{seconds}", minutes % 60.0);
    if hours < 1.0 {
        with_minutes
    } else {
        format!("{hours}h{with_minutes}")
    }
}

/// A byte count in SI units as k6 writes it (`humanizeBytes`): `5 B`,
/// `512 B`, `23 kB`, `1.2 MB`; one decimal below 10 of a unit.
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    if !v.is_finite() {
        return "-".to_string();
    }
    if v < 10.0 {
        // JavaScript's number-to-string: the shortest form that reads back.
        return format!("{v} B");
    }
    // k6 takes floor(log(v) / log(1000)), which can land one unit low on an
    // exact power of 1000; counting up keeps 1e6 at "1.0 MB".
    let mut unit = 0;
    while unit + 1 < UNITS.len() && v >= 1000f64.powi(unit as i32 + 1) {
        unit += 1;
    }
    let scaled = ((v / 1000f64.powi(unit as i32)) * 10.0 + 0.5).floor() / 10.0;
    let decimals = if scaled < 10.0 { 1 } else { 0 };
    format!("{} {}", to_fixed(scaled, decimals), UNITS[unit])
}

/// A plain value with at most six decimals, trailing zeros removed
/// (`1500`, `1.5`, `0.333333`; k6's `toFixedNoTrailingZeros(v, 6)`).
pub fn number(v: f64) -> String {
    trim(v, 6)
}

/// A share (0 to 1) as k6 shows a rate: a percentage truncated, not
/// rounded, to two decimals: `99.50%`, `0.00%`.
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "-".to_string();
    }
    // Same operations in the same order as k6, so float error lands the
    // same way and a share never rounds up to 100%.
    format!("{}%", to_fixed((share * 100.0 * 100.0).trunc() / 100.0, 2))
}

/// A number with at most `decimals` decimals, rounded as JavaScript's
/// `toFixed`, trailing zeros removed.
pub fn trim(v: f64, decimals: usize) -> String {
    let s = to_fixed(v, decimals);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    // JavaScript prints negative zero as "0".
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// [`trim`] after truncating (not rounding) to `decimals` decimals.
fn trim_trunc(v: f64, decimals: usize) -> String {
    let mult = 10f64.powi(decimals as i32);
    trim((v * mult).trunc() / mult, decimals)
}

/// `v` with exactly `decimals` decimals, as JavaScript's `toFixed`: the
/// same as Rust's `{:.N}` except on an exact tie, which JavaScript rounds
/// away from zero and Rust to even (`0.0078125` → `0.007813`, not `…12`).
fn to_fixed(v: f64, decimals: usize) -> String {
    let rounded = format!("{v:.decimals$}");
    if !v.is_finite() {
        return rounded;
    }
    // A tie is a value whose exact decimal expansion stops at a 5 just past
    // the last kept digit; such values are short dyadic fractions, so 40
    // more digits show the whole expansion.
    const EXTRA: usize = 40;
    let exact = format!("{:.*}", decimals + EXTRA, v.abs());
    let (kept, rest) = exact.split_at(exact.len() - EXTRA);
    if !(rest.starts_with('5') && rest[1..].bytes().all(|b| b == b'0')) {
        return rounded;
    }
    let kept = kept.trim_end_matches('.');
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{}", increment_last_digit(kept))
}

/// A decimal string (digits and at most one '.') plus one unit in its last
/// place: `0.0078` → `0.0079`, `9.99` → `10.00`.
fn increment_last_digit(s: &str) -> String {
    let mut digits: Vec<u8> = s.bytes().collect();
    for i in (0..digits.len()).rev() {
        match digits[i] {
            b'.' => continue,
            b'9' => digits[i] = b'0',
            d => {
                digits[i] = d + 1;
                return String::from_utf8_lossy(&digits).into_owned();
            }
        }
    }
    format!("1{}", String::from_utf8_lossy(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings below were produced by k6's own summary.js functions
    // (humanizeGenericDuration, humanizeBytes, humanizeValue) under Node.

    #[test]
    fn durations_like_k6() {
        assert_eq!(duration_ms(0.0), "0s");
        assert_eq!(duration_ms(0.000512), "512ns");
        assert_eq!(duration_ms(0.02271), "22.71µs");
        assert_eq!(duration_ms(0.456), "456µs");
        assert_eq!(duration_ms(1.23), "1.23ms");
        assert_eq!(duration_ms(189.819), "189.81ms", "truncated, not rounded");
        assert_eq!(duration_ms(100.0), "100ms");
        assert_eq!(duration_ms(1500.0), "1.5s");
        assert_eq!(duration_ms(2069.9), "2.06s");
        assert_eq!(duration_ms(60_000.0), "1m0s");
        assert_eq!(duration_ms(62_000.0), "1m2s");
        assert_eq!(duration_ms(123_456.0), "2m3s");
        assert_eq!(duration_ms(3_723_000.0), "1h2m3s");
        assert_eq!(duration_ms(-5.0), "-5ms");
    }

    #[test]
    fn sizes_like_k6() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(5.0), "5 B");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(23_400.0), "23 kB");
        assert_eq!(bytes(22_500.0), "23 kB", "a tie rounds up, as toFixed");
        assert_eq!(bytes(1_234_567.0), "1.2 MB");
        assert_eq!(bytes(1_000_000.0), "1.0 MB");
        assert_eq!(bytes(2_999_999_999.0), "3.0 GB");
        assert_eq!(bytes(999_999.0), "1000 kB");
    }

    #[test]
    fn numbers_and_percentages_like_k6() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(13.1221794), "13.122179");
        assert_eq!(number(0.0078125), "0.007813", "JavaScript tie rounding");
        assert_eq!(number(-0.0000001), "0");
        assert_eq!(percent(0.5), "50.00%");
        assert_eq!(percent(1.0), "100.00%");
        assert_eq!(percent(2.0 / 3.0), "66.66%", "truncated");
        assert_eq!(percent(0.995), "99.50%");
        assert_eq!(percent(0.99999), "99.99%", "never rounds up to 100%");
        assert_eq!(value(1500.0, ValueType::Time), "1.5s");
        assert_eq!(value(1500.0, ValueType::Data), "1.5 kB");
        assert_eq!(value(1500.0, ValueType::Default), "1500");
    }
}
