use std::time::Duration;

use crate::config::{format_duration, parse_duration};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn parses_k6_duration_strings() {
    let cases = [
        ("30s", Duration::from_secs(30)),
        ("1m30s", Duration::from_secs(90)),
        ("500ms", ms(500)),
        ("1h", Duration::from_secs(3600)),
        ("2.5s", ms(2500)),
        ("10us", Duration::from_micros(10)),
        ("10µs", Duration::from_micros(10)),
        ("10μs", Duration::from_micros(10)),
        ("7ns", Duration::from_nanos(7)),
        ("1h2m3.5s", Duration::from_millis(3_723_500)),
        ("1.5h", Duration::from_secs(5400)),
        (".5s", ms(500)),
        ("0.1s", ms(100)),
        ("0", Duration::ZERO),
        ("0s", Duration::ZERO),
        ("+3s", Duration::from_secs(3)),
        ("1d", Duration::from_secs(86_400)),
        ("1d2h", Duration::from_secs(86_400 + 7_200)),
        (" 45s ", Duration::from_secs(45)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_duration(text), Ok(expected), "{text}");
    }
}

#[test]
fn bare_numbers_are_milliseconds_as_in_k6() {
    assert_eq!(parse_duration("1500"), Ok(ms(1500)));
    assert_eq!(parse_duration("10000"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("0.5"), Ok(Duration::from_micros(500)));
    // k6's own consolidation test: 1000.5 is 1s and 500µs exactly.
    assert_eq!(
        parse_duration("1000.5"),
        Ok(Duration::from_micros(1_000_500))
    );
}

#[test]
fn rejects_bad_durations_with_a_reason() {
    for text in [
        "", "abc", "10x", "1s2", "s", "1..5s", "-1s", "-5", "inf", "NaN", "1d-2h", "xd",
    ] {
        let error = parse_duration(text).expect_err(text);
        assert!(!error.is_empty(), "{text}");
    }
    assert!(
        parse_duration("-1s")
            .expect_err("negative")
            .contains("negative")
    );
    assert!(
        parse_duration("10x")
            .expect_err("unit")
            .contains("unknown unit \"x\"")
    );
    assert!(
        parse_duration("1s2")
            .expect_err("unit")
            .contains("missing unit after \"2\"")
    );
}

#[test]
fn refuses_durations_too_large_to_hold() {
    assert!(parse_duration("99999999999999999999999999999999h").is_err());
    assert!(parse_duration("1e300").is_err());
}

#[test]
fn formats_the_short_k6_way() {
    let cases = [
        (Duration::ZERO, "0s"),
        (Duration::from_nanos(7), "7ns"),
        (Duration::from_nanos(1_500), "1.5µs"),
        (ms(500), "500ms"),
        (Duration::from_micros(1_250), "1.25ms"),
        (ms(2500), "2.5s"),
        (Duration::from_secs(30), "30s"),
        (Duration::from_secs(90), "1m30s"),
        (Duration::from_secs(600), "10m"),
        (Duration::from_secs(3600), "1h"),
        (Duration::from_secs(3630), "1h30s"),
        (Duration::from_millis(3_723_500), "1h2m3.5s"),
        (Duration::from_secs(90_000), "25h"),
    ];
    for (duration, expected) in cases {
        assert_eq!(format_duration(duration), expected, "{duration:?}");
    }
}

#[test]
fn formatted_durations_parse_back_to_the_same_value() {
    let samples = [
        Duration::from_nanos(1),
        Duration::from_nanos(999),
        Duration::from_nanos(1_001),
        Duration::from_nanos(123_456_789),
        Duration::from_nanos(61_000_000_001),
        Duration::from_secs(86_399),
        Duration::new(3_661, 5),
    ];
    for duration in samples {
        let text = format_duration(duration);
        assert_eq!(parse_duration(&text), Ok(duration), "{text}");
    }
}
