//! Volley-facing parsing behaviour: k6's error messages, options
//! validation, the `--segment I/N` shorthand, and a conformance table for
//! number parsing generated from Go's `math/big` (see `tools/go-oracle`).

use super::tests_support::{seg, seq};
use super::*;
use crate::segment::parse::parse_value;

#[test]
fn segment_error_messages() {
    let err = |s: &str| {
        s.parse::<ExecutionSegment>()
            .expect_err("refused in this test")
            .to_string()
    };
    assert_eq!(
        err("125%"),
        "segment end value can't be more than 1 but was 1.25"
    );
    assert_eq!(err("1a5%"), "'1a5%' is not a valid percentage");
    assert_eq!(
        err("1a5"),
        "'1a5' is not a valid percentage, decimal, fraction or interval value"
    );
    assert_eq!(
        err("55%:50%"),
        "segment start(0.55) must be less than its end(0.50)"
    );
    assert_eq!(
        err("-0.001:1"),
        "segment start value must be at least 0 but was -0.00"
    );
    assert_eq!(
        err("1:2:3"),
        "'2:3' is not a valid percentage, decimal, fraction or interval value"
    );
    assert_eq!(err("12.5%"), "'12.5%' is not a valid percentage");
}

#[test]
fn options_and_shorthand() {
    let err = ExecutionTuple::parse_options(Some("0:1/4"), Some("1/4,1"))
        .expect_err("refused in this test");
    assert_eq!(
        err.to_string(),
        "provided segment 0:1/4 can't be found in sequence 1/4,1"
    );
    assert!(
        ExecutionTuple::parse_options(None, Some("")).is_err(),
        "k6 rejects an explicitly empty sequence"
    );
    let t = ExecutionTuple::parse_options(Some("1/4:2/4"), Some("0,1/4,2/4,3/4,1"))
        .expect("valid in this test");
    assert_eq!(t.to_string(), "1/4:1/2 in 0,1/4,1/2,3/4,1");
    let unfilled =
        ExecutionTuple::parse_options(Some("1/4:1/2"), None).expect("valid in this test");
    assert_eq!(unfilled.to_string(), "1/4:1/2 in 0,1/4,1/2,1");
    let short = ExecutionTuple::from_shorthand("1/4").expect("valid in this test");
    assert_eq!(short.to_string(), t.to_string());
    assert_eq!(short.segment_index(), 1);
    for bad in [
        "4/4", "5/4", "0/0", "1/0", "a/4", "1/4/2", "-1/4", "1.5/4", "",
    ] {
        assert!(ExecutionTuple::from_shorthand(bad).is_err(), "{bad}");
    }
    assert_eq!(
        ExecutionTuple::from_shorthand("0/1")
            .expect("valid in this test")
            .to_string(),
        "0:1 in 0,1"
    );
    let missing =
        ExecutionTuple::new(&seg("0:1/3"), &seq("0,1/4,1")).expect_err("refused in this test");
    assert_eq!(
        missing.to_string(),
        "couldn't find segment 0:1/3 in sequence 0,1/4,1"
    );
    assert!(matches!(
        ExecutionTuple::parse_options(Some("0:1/1000000007"), None),
        Err(SegmentError::LcdTooLarge(_))
    ));
}

/// Go `%q` strings in the oracle file are plain ASCII without escapes.
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .expect("quoted")
}

#[test]
fn parsing_matches_go_math_big() {
    let table = include_str!("testdata/go_rat_oracle.tsv");
    let mut checked = 0;
    for line in table.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let input = unquote(fields[0]);
        let got = parse_value(input);
        match fields[1] {
            "ERR_PCT" => assert_eq!(
                got,
                Err(SegmentError::InvalidPercentage(input.into())),
                "{input}"
            ),
            "ERR_VAL" => assert_eq!(
                got,
                Err(SegmentError::InvalidValue(input.into())),
                "{input}"
            ),
            "OK_HUGE" => assert_eq!(
                got,
                Err(SegmentError::NumberTooLarge(input.into())),
                "{input}"
            ),
            _ => match got {
                Ok(p) => {
                    let sign = if p.is_negative() { "-" } else { "" };
                    assert_eq!(format!("{sign}{}", p.mag), fields[2], "{input}");
                    assert_eq!(p.float_string_2(), fields[3], "{input}");
                }
                Err(SegmentError::NumberTooLarge(_)) => {
                    // Only allowed when the exact value really needs more than u64.
                    let fits = fields[2]
                        .trim_start_matches('-')
                        .split('/')
                        .all(|t| t.parse::<u64>().is_ok());
                    assert!(!fits, "{input}: Volley rejected a value that fits");
                }
                Err(e) => panic!("{input}: Go accepts it ({}), Volley says {e}", fields[2]),
            },
        }
        checked += 1;
    }
    assert!(checked >= 3000);
}

/// Absurd but representable inputs must return errors or saturate, never
/// panic or hang (k6 would overflow `int64` on most of these).
#[test]
fn absurd_inputs_do_not_panic() {
    let t = ExecutionTuple::from_shorthand("1/3").expect("tuple");
    let max = u64::MAX;
    assert!(t.scale(max) <= max);
    assert_eq!(seg("1/3:2/3").scale(max), max / 3); // 2^64-1 is a multiple of 3
    assert!(SegmentedIndex::new(&t).go_to(max).0 <= max);
    assert!(ExecutionSegment::full().split(max).is_err());
    assert!(ExecutionTuple::from_shorthand("1/18446744073709551615").is_err());
    assert!(ExecutionTuple::from_shorthand("1/99999999999999999999999").is_err());
    assert!(matches!(
        "1e400".parse::<ExecutionSegment>(),
        Err(SegmentError::NumberTooLarge(_))
    ));
    assert!(t.resplit(max).is_ok());
    let car = ConstantArrivalRate {
        rate: max,
        max_vus: 1,
        duration: std::time::Duration::MAX,
        ..Default::default()
    };
    assert!(car.ticker_period().is_err());
    let slow = ConstantArrivalRate {
        rate: 1,
        time_unit: std::time::Duration::MAX,
        ..car.clone()
    };
    assert!(slow.ticker_period().is_err());
    let huge = std::time::Duration::from_secs(max);
    let rv = RampingVus {
        start_vus: 3,
        stages: vec![
            Stage {
                duration: huge,
                target: 5,
            },
            Stage {
                duration: huge,
                target: 0,
            },
        ],
        graceful_ramp_down: huge,
        graceful_stop: huge,
    };
    assert!(!rv.execution_requirements(&t).is_empty());
    let rar = RampingArrivalRate {
        start_rate: max,
        stages: vec![Stage {
            duration: std::time::Duration::from_nanos(10),
            target: max,
        }],
        max_vus: max,
        ..Default::default()
    };
    assert!(rar.ticks(&t).expect("work").take(3).count() <= 3);
}

/// The module documentation's example, compiled and checked.
#[test]
fn usage_example() -> Result<(), SegmentError> {
    use std::time::Duration;
    let et = ExecutionTuple::parse_options(Some("1/4:2/4"), Some("0,1/4,2/4,3/4,1"))?;
    assert_eq!(et.scale(10), 3);
    let shares: Vec<u64> = et.sequence().tuples().map(|t| t.scale(10)).collect();
    assert_eq!(shares, [3, 3, 2, 2]);
    assert_eq!(
        ExecutionTuple::from_shorthand("1/4")?.to_string(),
        et.to_string()
    );

    let mut ids = VuIdAllocator::new(&et);
    assert_eq!(
        ids.next_ids(),
        VuIds {
            local: 1,
            global: 2
        }
    );
    assert_eq!(
        ids.next_ids(),
        VuIds {
            local: 2,
            global: 6
        }
    );

    let ramp = RampingVus {
        start_vus: 0,
        stages: vec![Stage {
            duration: Duration::from_secs(10),
            target: 8,
        }],
        ..RampingVus::default()
    };
    let plan = ramp.raw_execution_steps(&et, true);
    assert_eq!(max_planned_vus(&plan), et.scale(8));

    let car = ConstantArrivalRate {
        rate: 100,
        duration: Duration::from_secs(60),
        pre_allocated_vus: 20,
        max_vus: 40,
        ..ConstantArrivalRate::default()
    };
    assert_eq!(car.ticks(&et)?.count(), 6000 / 4);
    Ok(())
}
