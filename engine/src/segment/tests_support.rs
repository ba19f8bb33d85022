//! Helpers shared by the unit-test modules. Tables are written as compact
//! strings (`"0:4 1:5 2:6"`) so that they stay readable under any rustfmt
//! configuration.

use std::time::Duration;

use super::*;

pub(super) fn seg(s: &str) -> ExecutionSegment {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub(super) fn seq(s: &str) -> ExecutionSegmentSequence {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub(super) fn rat(n: u64, d: u64) -> Ratio {
    Ratio::new(n, d).expect("valid ratio")
}

/// `segment` in `sequence` ("" = not given), as k6's `NewExecutionTuple`.
pub(super) fn tuple(segment: &str, sequence: &str) -> ExecutionTuple {
    ExecutionTuple::new(&seg(segment), &seq(sequence))
        .unwrap_or_else(|e| panic!("{segment} in {sequence}: {e}"))
}

pub(super) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(super) fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// Whitespace-separated `a:b` pairs.
fn pairs(s: &str) -> impl Iterator<Item = (u64, u64)> + '_ {
    s.split_whitespace().map(|p| {
        let (a, b) = p.split_once(':').expect("a:b");
        (a.parse().expect("number"), b.parse().expect("number"))
    })
}

/// `"seconds:vus ..."` as execution steps.
pub(super) fn steps(s: &str) -> Vec<ExecutionStep> {
    pairs(s)
        .map(|(t, vus)| ExecutionStep {
            time_offset: secs(t),
            planned_vus: vus,
            max_unplanned_vus: 0,
        })
        .collect()
}

/// `"seconds:target ..."` as stages.
pub(super) fn stages(s: &str) -> Vec<Stage> {
    pairs(s)
        .map(|(d, target)| Stage {
            duration: secs(d),
            target,
        })
        .collect()
}

/// Whitespace-separated numbers.
pub(super) fn numbers(s: &str) -> Vec<u64> {
    s.split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect()
}
