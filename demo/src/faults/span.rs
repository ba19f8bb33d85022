//! Durations in profiles: `"10s"`, `"250ms"`, `"1.5s"`, `"2m"`, `"1h"`, or a
//! bare number of seconds. Written back the same way, so a profile read
//! from a file and served by `GET /__faults` reads alike.

use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// The longest duration accepted anywhere in a profile (a day): beyond it a
/// value is surely a unit mistake, and `Duration` arithmetic stays far from
/// overflow.
const MAX: Duration = Duration::from_secs(86_400);

/// Parses `"250ms"`, `"10s"`, `"1.5s"`, `"2m"`, `"1h"`.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad(text)),
    };
    let number: f64 = number.parse().map_err(|_| bad(text))?;
    from_secs(number * scale).ok_or_else(|| bad(text))
}

fn bad(text: &str) -> String {
    format!(
        "`{text}` is not a duration: write a number and a unit, e.g. \"250ms\", \"10s\", \"2m\" (at most a day)"
    )
}

fn from_secs(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok().filter(|d| *d <= MAX)
}

/// Writes a duration as `"10s"`, `"1.5s"` or `"250ms"`.
pub(crate) fn format(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{}s", duration.as_secs())
    } else if duration.subsec_nanos().is_multiple_of(1_000_000) && duration < Duration::from_secs(1)
    {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{}s", duration.as_secs_f64())
    }
}

/// For `#[serde(with = "span")]`.
pub(crate) fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*duration))
}

/// For `#[serde(with = "span")]`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    d.deserialize_any(SpanVisitor)
}

struct SpanVisitor;

impl Visitor<'_> for SpanVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a duration such as \"250ms\", \"10s\" or \"2m\", or a number of seconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse(v).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        from_secs(v).ok_or_else(|| E::custom(bad(&v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        self.visit_f64(v as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_and_format_back() {
        for (text, duration, back) in [
            ("250ms", Duration::from_millis(250), "250ms"),
            ("10s", Duration::from_secs(10), "10s"),
            ("1.5s", Duration::from_millis(1500), "1.5s"),
            (" 2m", Duration::from_secs(120), "120s"),
            ("1h", Duration::from_secs(3600), "3600s"),
        ] {
            assert_eq!(parse(text), Ok(duration), "{text}");
            assert_eq!(format(duration), back);
        }
        for text in ["10", "ten s", "5 days", "-1s", "2d", "25h"] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
