//! Ports of k6's `lib/execution_segment_test.go` tables for tuples,
//! striping (`GetStripedOffsets`, `ScaleInt64`,
//! `GetNewExecutionTupleFromValue`), `SegmentedIndex` and VU ids
//! (`lib/executor/execution_test.go`).

use super::tests_support::{rat, seg, seq, tuple};
use super::*;

#[test]
fn tuple_scale() {
    for sequence in ["", "0,0.5,1"] {
        assert_eq!(
            (
                tuple("0.5", sequence).scale(2),
                tuple("0.5", sequence).scale(3)
            ),
            (1, 2)
        );
        assert_eq!(
            (
                tuple("0.5:1.0", sequence).scale(2),
                tuple("0.5:1.0", sequence).scale(3)
            ),
            (1, 1)
        );
    }
}

#[test]
fn big_scale() {
    assert_eq!(tuple("0:7/20", "0,7/20,7/10,1").scale(50), 18);
}

/// k6's generateRandomSequence, with a deterministic generator.
fn pseudo_random_sequences() -> Vec<ExecutionSegmentSequence> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    (0..40)
        .map(|_| {
            let n = next(9) + 2;
            let numerators: Vec<u64> = (0..n).map(|_| 1 + next(100)).collect();
            let total: u64 = numerators.iter().sum();
            let mut from = Ratio::ZERO;
            let segments = numerators
                .iter()
                .map(|&k| {
                    let to = from.checked_add(rat(k, total)).expect("valid in this test");
                    let s = ExecutionSegment::new(from, to).expect("valid in this test");
                    from = to;
                    s
                })
                .collect();
            ExecutionSegmentSequence::new(segments).expect("valid in this test")
        })
        .collect()
}

#[test]
fn scale_consistency_and_no_wobble() {
    for sequence in pseudo_random_sequences() {
        let first =
            ExecutionTuple::new(&sequence.segments()[0], &sequence).expect("valid in this test");
        let tuples: Vec<ExecutionTuple> = first.sequence().tuples().collect();
        assert_eq!(tuples.len(), sequence.len());
        for value in 2..=100u64 {
            let unstable: u64 = sequence.segments().iter().map(|s| s.scale(value)).sum();
            assert_eq!(unstable, value, "Scale {sequence} {value}");
            let stable: u64 = tuples.iter().map(|t| t.scale(value)).sum();
            assert_eq!(stable, value, "ScaleInt64 {sequence} {value}");
        }
        for t in &tuples {
            let mut last = 0;
            for value in 1..1000 {
                let scaled = t.scale(value);
                assert!(scaled >= last, "{t}: {value}");
                last = scaled;
            }
        }
    }
}

#[test]
fn striped_offsets() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, u64, &[u64], u64)] = &[
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, &[4, 3, 3], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, &[4, 6], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, &[10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, &[10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, &[4, 6], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, &[10], 10),
        // not full sequences
        ("0,0.2,0.5", "0:0.2", 3, &[6, 4], 10),
        ("0,0.2,0.5", "0.2:0.5", 1, &[4, 2, 4], 10),
        ("0,2/5,4/5", "0:2/5", 0, &[3, 2], 5),
        ("0,2/5,4/5", "2/5:4/5", 1, &[3, 2], 5),
        // no sequence
        ("", "0:0.2", 1, &[5], 5),
        ("", "0:1/5", 1, &[5], 5),
        ("", "0:2/10", 1, &[5], 5),
        ("", "0:0.4", 1, &[2, 3], 5),
        ("", "0:2/5", 1, &[2, 3], 5),
        ("", "2/5:4/5", 1, &[3, 2], 5),
        ("", "0:4/10", 1, &[2, 3], 5),
        ("", "1/10:5/10", 1, &[2, 2, 4, 2], 10),
    ];
    for &(sequence, segment, start, offsets, lcd) in cases {
        let t = tuple(segment, sequence);
        assert_eq!(
            t.striped_offsets(),
            StripedOffsets {
                start,
                offsets,
                lcd
            },
            "{segment} in {sequence}"
        );
    }
}

#[test]
fn resplit_by_value() {
    let t = tuple("0:1/3", "0,1/3,2/3,1")
        .resplit(20)
        .expect("valid in this test");
    assert_eq!(t.sequence().sequence().to_string(), "0,7/20,7/10,1");
}

#[test]
fn new_execution_tuple() {
    type Pairs = &'static [(u64, u64)];
    type NewScale = &'static [(u64, Option<Pairs>)];
    let unsegmented: NewScale = &[
        (50, Some(&[(50, 50), (1, 1), (0, 0)])),
        (1, Some(&[(50, 50), (1, 1), (0, 0)])),
        (0, None),
    ];
    #[rustfmt::skip]
    let cases: &[(Option<&str>, Option<&str>, Pairs, NewScale)] = &[
        (None, None, &[(50, 50), (1, 1), (0, 0)], unsegmented),
        (Some("0:1"), None, &[(50, 50), (1, 1), (0, 0)], unsegmented),
        (Some("0:1"), Some("0,1"), &[(50, 50), (1, 1), (0, 0)], unsegmented),
        (Some("0:1"), Some(""), &[(50, 50), (1, 1), (0, 0)], unsegmented),
        (Some("0:1/3"), Some("0,1/3,2/3,1"), &[(50, 17), (3, 1), (2, 1), (1, 1), (0, 0)], &[
            (50, Some(&[(50, 17), (1, 1), (0, 0)])), (20, Some(&[(50, 18), (1, 1), (0, 0)])),
            (3, Some(&[(50, 17), (1, 1), (0, 0)])), (2, Some(&[(50, 25), (1, 1), (0, 0)])),
            (1, Some(&[(50, 50), (1, 1), (0, 0)])), (0, None),
        ]),
        (Some("1/3:2/3"), Some("0,1/3,2/3,1"), &[(50, 17), (3, 1), (2, 1), (1, 0), (0, 0)], &[
            (50, Some(&[(50, 17), (1, 0), (0, 0)])), (20, Some(&[(50, 17), (1, 0), (0, 0)])),
            (3, Some(&[(50, 17), (1, 0), (0, 0)])), (2, Some(&[(50, 25), (1, 0), (0, 0)])),
            (1, None), (0, None),
        ]),
        (Some("2/3:1"), Some("0,1/3,2/3,1"), &[(50, 16), (3, 1), (2, 0), (1, 0), (0, 0)], &[
            (50, Some(&[(50, 16), (1, 0), (0, 0)])), (20, Some(&[(50, 15), (1, 0), (0, 0)])),
            (3, Some(&[(50, 16), (1, 0), (0, 0)])), (2, None), (1, None), (0, None),
        ]),
    ];
    for &(segment, sequence, scale_tests, new_scale_tests) in cases {
        let t = ExecutionTuple::new(&seg(segment.unwrap_or("")), &seq(sequence.unwrap_or("")))
            .expect("valid in this test");
        for &(value, expected) in scale_tests {
            assert_eq!(t.scale(value), expected, "{t}: {value}");
        }
        for &(value, expected) in new_scale_tests {
            let resplit = t.resplit(value);
            let Some(expected) = expected else {
                assert!(resplit.is_err(), "{t}: resplit({value}) should fail");
                continue;
            };
            let resplit = resplit.expect("valid in this test");
            for &(v, e) in expected {
                assert_eq!(resplit.scale(v), e, "{t}: resplit({value}).scale({v})");
            }
        }
    }
}

fn index(start: u64, lcd: u64, offsets: &[u64]) -> SegmentedIndex {
    SegmentedIndex::from_striped_offsets(StripedOffsets {
        start,
        offsets,
        lcd,
    })
    .expect("stripe")
}

/// Runs a k6 `TestSegmentedIndex` script: `n` = Next, `p` = Prev, `gV` =
/// GoTo(V), each followed by the expected `unscaled/scaled`.
fn run_index_script(mut s: SegmentedIndex, script: &str) {
    for step in script.split_whitespace() {
        let (op, expected) = step.split_once('=').expect("op=unscaled/scaled");
        match op {
            "n" => _ = s.next_index(),
            "p" => _ = s.prev_index(),
            goto => _ = s.go_to(goto[1..].parse().expect("goto value")),
        }
        assert_eq!(
            format!("{}/{}", s.unscaled(), s.scaled()),
            expected,
            "{step}"
        );
    }
}

#[test]
fn segmented_index() {
    #[rustfmt::skip]
    let scripts = [
        (index(0, 1, &[1]), "n=1/1 p=0/0 n=1/1 n=2/2 n=3/3 p=2/2 p=1/1 n=2/2"),
        (index(0, 2, &[2]), "n=1/1 p=0/0 n=1/1 n=3/2 n=5/3 p=3/2 p=1/1 p=0/0 n=1/1"),
        (index(1, 2, &[2]), "n=2/1 p=0/0 n=2/1 n=4/2 n=6/3 p=4/2 p=2/1 p=0/0 n=2/1"),
        (index(1, 7, &[4, 3]), "n=2/1 p=0/0 n=2/1 n=6/2 n=9/3 p=6/2 p=2/1 p=0/0 n=2/1 \
                                g6=6/2 g5=2/1 g7=6/2 g8=6/2 g9=9/3 p=6/2 p=2/1 p=0/0"),
    ];
    for (s, script) in scripts {
        run_index_script(s, script);
    }
    assert_eq!(index(0, 1, &[1]).prev_index(), None);
}

#[test]
fn vu_ids() {
    // k6's TestExecutionStateVUIDs.
    for (sequence, segment) in [
        ("", ""),
        ("0,1/4,3/4,1", "0:1/4"),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6"),
    ] {
        let t = tuple(segment, sequence);
        let stripe = t.striped_offsets();
        let mut ids = VuIdAllocator::new(&t);
        let mut expected_global = stripe.start + 1;
        for local in 1..=150 {
            assert_eq!(
                ids.next_ids(),
                VuIds {
                    local,
                    global: expected_global
                }
            );
            expected_global += stripe.offsets[0];
        }
    }
}

/// k6's striping is exact per cycle and monotonic, but within a cycle a
/// small segment can lag its proportional share by several items because
/// bigger segments pick first. Volley reproduces this (it must match k6).
#[test]
fn striping_is_not_locally_proportional() {
    let t = tuple("7/15:41/75", "0,13/75,23/75,7/15,41/75,16/25,1");
    assert_eq!(t.scale(13), 0); // exact share: 13 * 6/75 = 1.04
    let t = tuple(
        "23/95:151/475",
        "0,39/475,79/475,23/95,151/475,188/475,231/475,58/95,338/475,376/475,421/475,1",
    );
    assert_eq!(t.scale(627), 43); // exact share: 47.52
    assert_eq!(t.scale(475), 36); // but exact again at the cycle length
}
