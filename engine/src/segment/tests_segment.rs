//! Ports of k6's `lib/execution_segment_test.go` tables, plus a conformance
//! table for number parsing generated from Go's `math/big`.

use super::tests_support::{rat, seg, seq};
use super::*;

#[test]
fn segment_equals() {
    assert_eq!(ExecutionSegment::default(), seg("0:1"));
    assert_eq!(seg("1/2:2/3"), seg("1/2:2/3"));
}

#[test]
fn segment_new() {
    assert_eq!(
        seg("0:1"),
        ExecutionSegment::new(Ratio::ZERO, Ratio::ONE).expect("valid in this test")
    );
    // Ratio cannot be negative, so a negative start can only come from parsing.
    assert_eq!(
        "-1:1".parse::<ExecutionSegment>(),
        Err(SegmentError::StartBelowZero("-1.00".into()))
    );
    assert_eq!(
        ExecutionSegment::new(Ratio::ZERO, rat(2, 1)),
        Err(SegmentError::EndAboveOne("2.00".into()))
    );
    let not_before = |s: &str, e: &str| SegmentError::StartNotBeforeEnd {
        start: s.into(),
        end: e.into(),
    };
    assert_eq!(
        ExecutionSegment::new(rat(1, 2), rat(1, 3)),
        Err(not_before("0.50", "0.33"))
    );
    assert_eq!(
        ExecutionSegment::new(rat(1, 2), rat(1, 2)),
        Err(not_before("0.50", "0.50"))
    );
}

#[test]
fn segment_unmarshal_text() {
    let ok = [
        ("0:1", (0, 1), (1, 1)),
        ("0.5:0.75", (1, 2), (3, 4)),
        ("1/2:3/4", (1, 2), (3, 4)),
        ("50%:75%", (1, 2), (3, 4)),
        ("2/4:75%", (1, 2), (3, 4)),
        ("75%", (0, 1), (3, 4)),
        ("", (0, 1), (1, 1)),
    ];
    for (input, (fnum, fden), (tnum, tden)) in ok {
        let expected =
            ExecutionSegment::new(rat(fnum, fden), rat(tnum, tden)).expect("valid in this test");
        let parsed = seg(input);
        assert_eq!(parsed, expected, "{input}");
        assert_eq!(seg(&parsed.to_string()), expected, "round trip of {input}");
    }
    for input in ["125%", "1a5%", "1a5", "1a5%:2/3", "125%:250%", "55%:50%"] {
        assert!(input.parse::<ExecutionSegment>().is_err(), "{input}");
    }
    assert_eq!(ExecutionSegment::default().to_string(), "0:1");
}

#[test]
fn segment_split() {
    let strings = |s: &ExecutionSegment, n| -> Vec<String> {
        s.split(n)
            .expect("valid in this test")
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let full = ExecutionSegment::full();
    assert_eq!(full.split(0), Err(SegmentError::InvalidPartCount(0)));
    assert_eq!(strings(&full, 1), ["0:1"]);
    assert_eq!(strings(&full, 2), ["0:1/2", "1/2:1"]);
    assert_eq!(strings(&full, 3), ["0:1/3", "1/3:2/3", "2/3:1"]);
    let second_quarter = ExecutionSegment::new(rat(1, 4), rat(2, 4)).expect("valid in this test");
    assert_eq!(strings(&second_quarter, 1), ["1/4:1/2"]);
    assert_eq!(strings(&second_quarter, 2), ["1/4:3/8", "3/8:1/2"]);
    assert_eq!(
        strings(&second_quarter, 3),
        ["1/4:1/3", "1/3:5/12", "5/12:1/2"]
    );
    assert_eq!(
        strings(&second_quarter, 4),
        ["1/4:5/16", "5/16:3/8", "3/8:7/16", "7/16:1/2"]
    );
}

#[test]
fn segment_scale_rounding() {
    // k6's TestExecutionSegmentFailures: the unstable rounding Scale.
    for (s, two, three) in [
        ("0:0.25", 1, 1),
        ("0.25:0.5", 0, 1),
        ("0.5:0.75", 1, 0),
        ("0.75:1", 0, 1),
    ] {
        assert_eq!((seg(s).scale(2), seg(s).scale(3)), (two, three), "{s}");
    }
}

#[test]
fn scale_ratio() {
    for s in ["0.5", "0.5:1.0"] {
        assert_eq!(seg(s).scale_ratio(rat(2, 1)), Some(Ratio::ONE));
        assert_eq!(seg(s).scale_ratio(rat(3, 1)), Some(rat(3, 2)));
    }
    assert_eq!(
        ExecutionSegment::full().scale_ratio(rat(3, 1)),
        Some(rat(3, 1))
    );
}

#[test]
fn sub_segment() {
    let full = ExecutionSegment::full();
    assert_eq!(
        full.sub_segment(&seg("0.2:0.3"))
            .expect("valid in this test"),
        seg("0.2:0.3")
    );
    assert_eq!(
        seg("0.2:0.3")
            .sub_segment(&full)
            .expect("valid in this test"),
        seg("0.2:0.3")
    );
    assert_eq!(
        seg("1/2:1")
            .sub_segment(&seg("0:1/2"))
            .expect("valid in this test"),
        seg("1/2:3/4")
    );
}

#[test]
fn float_length() {
    assert_eq!(ExecutionSegment::full().float_length(), 1.0);
    for (s, expected) in [("1/2:1", 0.5), ("1/3:1", 0.66666), ("0:1/2", 0.5)] {
        assert!(
            (seg(s).float_length() - expected).abs() / expected < 0.001,
            "{s}"
        );
    }
}

#[test]
fn sequence_not_contiguous() {
    let err = ExecutionSegmentSequence::new(vec![seg("0:1/3"), seg("1/2:1")])
        .expect_err("refused in this test");
    assert_eq!(
        err.to_string(),
        "the start value 1/2 of segment #1 must be equal to the end value of the previous one, but it is 1/3"
    );
}

#[test]
fn sequence_strings() {
    let cases: &[(&str, Option<&[&str]>, bool)] = &[
        ("", Some(&[]), false),
        ("0.5", None, false),
        ("1,1", None, false),
        ("-0.5,1", None, false),
        ("1/2,1/2", None, false),
        ("1/2,1/3", None, false),
        ("0,1,1/2", None, false),
        ("0.5,1", Some(&["1/2:1"]), false),
        ("1/2,1", Some(&["1/2:1"]), true),
        ("1/3,2/3", Some(&["1/3:2/3"]), true),
        ("0,1/3,2/3", Some(&["0:1/3", "1/3:2/3"]), true),
        ("0,1/3,2/3,1", Some(&["0:1/3", "1/3:2/3", "2/3:1"]), true),
        ("0.5,0.7", Some(&["1/2:7/10"]), false),
        ("0.5,0.7,1", Some(&["1/2:7/10", "7/10:1"]), false),
        (
            "0,1/13,2/13,1/3,1/2,3/4,1",
            Some(&[
                "0:1/13",
                "1/13:2/13",
                "2/13:1/3",
                "1/3:1/2",
                "1/2:3/4",
                "3/4:1",
            ]),
            true,
        ),
    ];
    for &(input, expected, can_reverse) in cases {
        let result = input.parse::<ExecutionSegmentSequence>();
        let Some(expected) = expected else {
            assert!(result.is_err(), "{input} should fail");
            continue;
        };
        let result = result.expect("valid in this test");
        let expected: Vec<ExecutionSegment> = expected.iter().map(|s| seg(s)).collect();
        assert_eq!(result.segments(), &expected[..], "{input}");
        if can_reverse {
            assert_eq!(result.to_string(), input);
        }
    }
    assert_eq!(
        "0.5"
            .parse::<ExecutionSegmentSequence>()
            .expect_err("refused in this test")
            .to_string(),
        "at least 2 points are needed for an execution segment sequence, 1 given"
    );
}

#[test]
fn sequence_lcd() {
    for (sequence, lcd) in [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.1,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,1/3,5/6", 6),
        ("0,1/3,4/7", 21),
    ] {
        assert_eq!(seq(sequence).lcd(), Ok(lcd), "{sequence}");
    }
}
