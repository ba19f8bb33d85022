//! k6 duration strings: Go's `time.ParseDuration` format (`"1h2m3.5s"`,
//! `"500ms"`, `"10us"`), k6's day prefix (`"2d12h"`) and bare numbers, which
//! k6 reads as milliseconds.

use std::time::Duration;

const NANOS_PER_MILLI: u128 = 1_000_000;
const NANOS_PER_SECOND: u128 = 1_000_000_000;
const NANOS_PER_MINUTE: u128 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: u128 = 60 * NANOS_PER_MINUTE;
const NANOS_PER_DAY: u128 = 24 * NANOS_PER_HOUR;

/// Parses a k6 duration: `"30s"`, `"1m30s"`, `"2.5s"`, `"500ms"`, `"10us"`,
/// `"1d2h"`, or a bare number of milliseconds (`"1500"`, `"0.5"`).
///
/// Negative durations are refused: no Volley option can use one, and k6
/// rejects them later in validation anyway.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let text = s.trim();
    if text.is_empty() {
        return Err("empty duration; expected e.g. \"30s\", \"1m30s\" or \"500ms\"".to_string());
    }
    if text.starts_with('-') {
        return Err(format!("invalid duration \"{s}\": must not be negative"));
    }
    // k6 reads a unitless number as milliseconds (types.ParseExtendedDuration).
    if let Ok(millis) = text.parse::<f64>() {
        return millis_to_duration(millis).ok_or_else(|| format!("invalid duration \"{s}\""));
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let nanos = match unsigned.split_once('d') {
        Some((days, rest)) => parse_days(days, rest),
        None => parse_go_duration(unsigned),
    };
    let nanos = nanos.map_err(|why| {
        format!("invalid duration \"{s}\": {why}; expected e.g. \"30s\", \"1m30s\" or \"500ms\"")
    })?;
    nanos_to_duration(nanos).ok_or_else(|| format!("invalid duration \"{s}\": too large"))
}

/// Formats a duration the short way k6 prints them: `"1m30s"`, `"500ms"`,
/// `"2.5s"`, `"1h"`. Zero components are left out; the result always parses
/// back with [`parse_duration`] to the same value.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < NANOS_PER_MILLI {
        return format!("{}µs", decimal(nanos, 1_000));
    }
    if nanos < NANOS_PER_SECOND {
        return format!("{}ms", decimal(nanos, NANOS_PER_MILLI));
    }
    let hours = nanos / NANOS_PER_HOUR;
    let minutes = (nanos % NANOS_PER_HOUR) / NANOS_PER_MINUTE;
    let seconds = nanos % NANOS_PER_MINUTE;
    let mut out = String::new();
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 {
        out.push_str(&format!("{}s", decimal(seconds, NANOS_PER_SECOND)));
    }
    out
}

/// `value / unit` written with as many decimals as needed and no trailing zeros.
fn decimal(value: u128, unit: u128) -> String {
    let whole = value / unit;
    let frac = value % unit;
    if frac == 0 {
        return whole.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

fn millis_to_duration(millis: f64) -> Option<Duration> {
    // Scaling to nanoseconds first keeps "1000.5" exactly 1.0005s, as in k6.
    let nanos = (millis * 1_000_000.0).round();
    if !nanos.is_finite() || nanos < 0.0 || nanos >= u64::MAX as f64 {
        return None;
    }
    Some(Duration::from_nanos(nanos as u64))
}

fn nanos_to_duration(nanos: u128) -> Option<Duration> {
    let secs = u64::try_from(nanos / NANOS_PER_SECOND).ok()?;
    // The remainder is below one second, so it always fits in a u32.
    let sub = u32::try_from(nanos % NANOS_PER_SECOND).ok()?;
    Some(Duration::new(secs, sub))
}

/// k6's extension: whole days before the `d`, then an optional Go duration.
fn parse_days(days: &str, rest: &str) -> Result<u128, String> {
    let days: u128 = days
        .parse()
        .map_err(|_| format!("\"{days}\" is not a whole number of days"))?;
    let rest = if rest.is_empty() {
        0
    } else {
        parse_go_duration(rest)?
    };
    days.checked_mul(NANOS_PER_DAY)
        .and_then(|d| d.checked_add(rest))
        .ok_or_else(|| "too large".to_string())
}

/// Go's `time.ParseDuration` without the sign: `[number unit]+`, where
/// number is decimal with an optional fraction, or the lone `"0"`.
fn parse_go_duration(s: &str) -> Result<u128, String> {
    if s == "0" {
        return Ok(0);
    }
    let mut rest = s;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if number.is_empty() {
            return Err(format!("expected a number before \"{unit}\""));
        }
        if unit.is_empty() {
            return Err(format!("missing unit after \"{number}\""));
        }
        let unit_nanos = unit_nanos(unit)?;
        total = total
            .checked_add(scaled(number, unit_nanos)?)
            .ok_or_else(|| "too large".to_string())?;
        rest = after;
    }
    Ok(total)
}

fn unit_nanos(unit: &str) -> Result<u128, String> {
    Ok(match unit {
        "ns" => 1,
        // Go accepts the micro sign (U+00B5) and the Greek mu (U+03BC).
        "us" | "µs" | "μs" => 1_000,
        "ms" => NANOS_PER_MILLI,
        "s" => NANOS_PER_SECOND,
        "m" => NANOS_PER_MINUTE,
        "h" => NANOS_PER_HOUR,
        other => {
            return Err(format!(
                "unknown unit \"{other}\" (use ns, us, µs, ms, s, m, h or d)"
            ));
        }
    })
}

/// `number` (digits with an optional fraction) times `unit` nanoseconds,
/// in integers so that `"0.1s"` is exactly 100ms.
fn scaled(number: &str, unit: u128) -> Result<u128, String> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(format!("\"{number}\" is not a number"));
    }
    let too_large = || "too large".to_string();
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let mut value = whole.checked_mul(unit).ok_or_else(too_large)?;
    // Digits finer than a nanosecond are dropped, as Go does.
    let mut place = unit;
    for digit in frac.bytes() {
        place /= 10;
        if place == 0 {
            break;
        }
        value = value
            .checked_add(u128::from(digit - b'0') * place)
            .ok_or_else(too_large)?;
    }
    Ok(value)
}
