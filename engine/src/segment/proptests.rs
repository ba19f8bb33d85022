//! Property tests: for random sequences and executor configurations, the
//! per-segment results of a whole fleet add up exactly to the unsegmented
//! run, ids are unique and dense, and shares never shrink as totals grow.
//!
//! `SEGMENT_PROPTEST_CASES` sets the number of cases per property (default
//! 2000, about a second in release mode, 8 properties); raise it for long
//! runs, e.g. `SEGMENT_PROPTEST_CASES=100000 cargo test --release proptests`.

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;

use super::ratio::{div_to_f64, div_to_f64_slow};
use super::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("SEGMENT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A sequence as a fleet would be given it: an even one, or k6-style random
/// numerators; sometimes only a contiguous part of it, so that filling the
/// gaps is exercised too.
fn given_sequence() -> impl Strategy<Value = ExecutionSegmentSequence> {
    let even = (1u64..=8).prop_map(|n| ExecutionSegmentSequence::new_even(n).expect("even"));
    let random = (
        prop::collection::vec(1u64..=30, 1..=8),
        any::<Index>(),
        any::<Index>(),
    )
        .prop_map(|(nums, a, b)| {
            let total: u64 = nums.iter().sum();
            let mut from = Ratio::ZERO;
            let mut segments = Vec::new();
            for k in nums {
                let to = from
                    .checked_add(Ratio::new(k, total).expect("ratio"))
                    .expect("sum");
                segments.push(ExecutionSegment::new(from, to).expect("segment"));
                from = to;
            }
            let (i, j) = (a.index(segments.len()), b.index(segments.len()));
            ExecutionSegmentSequence::new(segments[i.min(j)..=i.max(j)].to_vec()).expect("sequence")
        });
    prop_oneof![1 => even, 3 => random]
}

/// Every instance of the fleet, each building its own tuple like k6 does.
fn fleet(given: &ExecutionSegmentSequence) -> Vec<ExecutionTuple> {
    let filled = given.filled(&ExecutionSegment::full());
    filled
        .segments()
        .iter()
        .map(|s| ExecutionTuple::new(s, given).expect("tuple"))
        .collect()
}

fn level_at(steps: &[ExecutionStep], t: Duration) -> u64 {
    steps
        .iter()
        .take_while(|s| s.time_offset <= t)
        .last()
        .map_or(0, |s| s.planned_vus)
}

fn assert_sorted(steps: &[ExecutionStep]) {
    assert!(
        steps
            .windows(2)
            .all(|w| w[0].time_offset <= w[1].time_offset),
        "{steps:?}"
    );
}

fn nanos(max: u64) -> impl Strategy<Value = Duration> {
    prop_oneof![1 => Just(Duration::ZERO), 4 => (1..=max).prop_map(Duration::from_nanos)]
}

fn stage(max_target: u64) -> impl Strategy<Value = Stage> {
    (nanos(8_000_000_000), 0..=max_target).prop_map(|(duration, target)| Stage { duration, target })
}

fn time_unit() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::from_secs(1)),
        Just(Duration::from_millis(950)),
        Just(Duration::from_millis(333)),
        (100_000_000u64..=2_000_000_000).prop_map(Duration::from_nanos)
    ]
}

fn tick_set(ticks: impl Iterator<Item = Tick>) -> Vec<(u64, Duration)> {
    ticks.map(|t| (t.index, t.offset)).collect()
}

/// Merges per-segment tick lists, checking they are disjoint.
fn union_of(parts: Vec<Vec<(u64, Duration)>>) -> Vec<(u64, Duration)> {
    let total: usize = parts.iter().map(Vec::len).sum();
    let merged: BTreeSet<(u64, Duration)> = parts.into_iter().flatten().collect();
    assert_eq!(merged.len(), total, "segments share ticks");
    merged.into_iter().collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scale_sums_to_total_and_never_shrinks(given in given_sequence(), value in 0u64..5000) {
        let tuples = fleet(&given);
        let shares: Vec<u64> = tuples.iter().map(|t| t.scale(value)).collect();
        prop_assert_eq!(shares.iter().sum::<u64>(), value);
        for (t, &share) in tuples.iter().zip(&shares) {
            prop_assert!(t.scale(value + 1) >= share);
            prop_assert!(t.scale(value + 1 + value / 3) >= share);
            // GoTo agrees with ScaleInt64 and with walking the index.
            let (scaled, unscaled) = SegmentedIndex::new(t).go_to(value);
            prop_assert_eq!(scaled, share);
            let mut walked = SegmentedIndex::new(t);
            let last = (0..share).map(|_| walked.next_index()).last().unwrap_or((0, 0));
            prop_assert_eq!((scaled, unscaled), last);
        }
        let text = given.to_string();
        prop_assert_eq!(text.parse::<ExecutionSegmentSequence>(), Ok(given));
    }

    #[test]
    fn vu_ids_are_unique_and_dense(given in given_sequence(), vus in 0u64..300) {
        let mut globals = Vec::new();
        let plan = ConstantVus { vus, ..ConstantVus::default() };
        for t in fleet(&given) {
            let mut ids = VuIdAllocator::new(&t);
            for local in 1..=plan.vus(&t) {
                let id = ids.next_ids();
                prop_assert_eq!(id.local, local);
                globals.push(id.global);
            }
        }
        globals.sort_unstable();
        prop_assert_eq!(globals, (1..=vus).collect::<Vec<_>>());
    }

    #[test]
    fn fixed_vu_executors_sum(given in given_sequence(), vus in 1u64..500, iterations in 1u64..100) {
        let pvi = PerVuIterations { vus, iterations, ..PerVuIterations::default() };
        let tuples = fleet(&given);
        let total: u64 = tuples.iter().map(|t| pvi.vus(t) * pvi.iterations()).sum();
        prop_assert_eq!(total, vus * iterations);
        for t in &tuples {
            prop_assert_eq!(pvi.has_work(t), pvi.vus(t) > 0);
            prop_assert_eq!(max_planned_vus(&pvi.execution_requirements(t)), pvi.vus(t));
        }
    }

    #[test]
    fn shared_iterations_split_exactly(given in given_sequence(), vus in 1u64..200, extra in 0u64..2000) {
        let iterations = vus + extra; // k6 requires iterations >= vus
        let si = SharedIterations { vus, iterations, ..SharedIterations::default() };
        let more = SharedIterations { iterations: iterations + 1 + extra / 2, ..si.clone() };
        let (mut vu_sum, mut iter_sum, mut ids) = (0, 0, Vec::new());
        for t in fleet(&given) {
            let (v, n) = (si.vus(&t), si.iterations(&t));
            vu_sum += v;
            iter_sum += n;
            prop_assert!(v > 0 || n == 0, "iterations without VUs");
            prop_assert!(more.iterations(&t) >= n, "share shrank");
            if si.has_work(&t) {
                let mut counter = IterationCounter::new(&si.iteration_tuple(&t).expect("work"));
                ids.extend((0..n).map(|_| counter.next_ids().global));
            }
        }
        prop_assert_eq!((vu_sum, iter_sum), (vus, iterations));
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..iterations).collect::<Vec<_>>());
    }

    #[test]
    fn ramping_vus_steps_sum(
        given in given_sequence(),
        start_vus in 0u64..=60,
        stages in prop::collection::vec(stage(60), 1..=6),
        graceful_ramp_down in nanos(10_000_000_000),
        graceful_stop in nanos(10_000_000_000),
    ) {
        let conf = RampingVus { start_vus, stages, graceful_ramp_down, graceful_stop };
        let full = ExecutionTuple::full();
        for zero_end in [false, true] {
            let whole = conf.raw_execution_steps(&full, zero_end);
            assert_sorted(&whole);
            let parts: Vec<Vec<ExecutionStep>> = fleet(&given).iter().map(|t| conf.raw_execution_steps(t, zero_end)).collect();
            let times: BTreeSet<Duration> = whole.iter().chain(parts.iter().flatten()).map(|s| s.time_offset).collect();
            for t in times {
                let sum: u64 = parts.iter().map(|p| level_at(p, t)).sum();
                prop_assert_eq!(sum, level_at(&whole, t), "at {:?}", t);
            }
        }
        let peak = conf.stages.iter().map(|s| s.target).fold(start_vus, u64::max);
        for t in fleet(&given) {
            let raw = conf.raw_execution_steps(&t, false);
            assert_sorted(&raw);
            prop_assert_eq!(raw[0], ExecutionStep { planned_vus: conf.start_vus(&t), ..ExecutionStep::default() });
            prop_assert_eq!(max_planned_vus(&raw), t.scale(peak));
            // Not asserted sorted: like k6's, the graceful plan can list a
            // ramp-down reservation before an earlier, partial ramp-up.
            let reqs = conf.execution_requirements(&t);
            prop_assert_eq!(max_planned_vus(&reqs), t.scale(peak));
            let (end, is_final) = end_offset(&reqs);
            prop_assert!(is_final && end <= conf.regular_duration() + graceful_stop);
        }
    }

    #[test]
    fn constant_arrival_rate_ticks_partition(
        given in given_sequence(),
        rate in 1u64..=100,
        time_unit in time_unit(),
        duration in (1u64..=4_000).prop_map(Duration::from_millis),
        pre in 0u64..=40,
        extra in 0u64..=40,
    ) {
        let max_vus = (pre + extra).max(1);
        let car = ConstantArrivalRate { rate, time_unit, duration, pre_allocated_vus: pre, max_vus, ..ConstantArrivalRate::default() };
        let whole = tick_set(car.ticks(&ExecutionTuple::full()).expect("full"));
        prop_assert_eq!(whole.iter().map(|t| t.0).collect::<Vec<_>>(), (0..whole.len() as u64).collect::<Vec<_>>());
        let tuples = fleet(&given);
        let mut parts = Vec::new();
        for t in &tuples {
            match car.ticks(t) {
                Ok(ticks) => parts.push(tick_set(ticks)),
                Err(_) => prop_assert!(!car.has_work(t)),
            }
        }
        prop_assert_eq!(union_of(parts), whole);
        prop_assert_eq!(tuples.iter().map(|t| car.pre_allocated_vus(t)).sum::<u64>(), pre);
        prop_assert_eq!(tuples.iter().map(|t| car.max_vus(t)).sum::<u64>(), max_vus);
    }

    #[test]
    fn ramping_arrival_rate_ticks_partition(
        given in given_sequence(),
        start_rate in 0u64..=30,
        stages in prop::collection::vec(stage(30), 1..=4),
        time_unit in time_unit(),
        max_vus in 1u64..=60,
    ) {
        let rar = RampingArrivalRate { start_rate, time_unit, stages, max_vus, ..RampingArrivalRate::default() };
        let whole = tick_set(rar.ticks(&ExecutionTuple::full()).expect("full"));
        prop_assert_eq!(whole.iter().map(|t| t.0).collect::<Vec<_>>(), (0..whole.len() as u64).collect::<Vec<_>>());
        prop_assert!(whole.windows(2).all(|w| w[0].1 <= w[1].1), "ticks out of order");
        let mut parts = Vec::new();
        for t in fleet(&given) {
            match rar.ticks(&t) {
                Ok(ticks) => parts.push(tick_set(ticks)),
                Err(_) => prop_assert!(!rar.has_work(&t)),
            }
        }
        prop_assert_eq!(union_of(parts), whole);
    }

    #[test]
    fn f64_division_is_correctly_rounded(num in 1u64..(1 << 53), den in 1u64..(1 << 53)) {
        prop_assert_eq!(div_to_f64_slow(num, den), num as f64 / den as f64);
        prop_assert_eq!(div_to_f64(num, den), num as f64 / den as f64);
    }
}

/// Without an explicit sequence each instance fills the gaps around its own
/// segment, so the instances disagree and the shares do not add up (k6 does
/// the same; this is why distributed runs must pass the sequence).
#[test]
fn segments_without_a_sequence_do_not_partition() {
    let none = ExecutionSegmentSequence::default();
    let thirds: Vec<ExecutionTuple> = ["0:1/3", "1/3:2/3", "2/3:1"]
        .iter()
        .map(|s| ExecutionTuple::new(&s.parse().expect("segment"), &none).expect("tuple"))
        .collect();
    assert_eq!(thirds.iter().map(|t| t.scale(1)).sum::<u64>(), 0);
    assert_eq!(thirds.iter().map(|t| t.scale(4)).sum::<u64>(), 3);
    let with_sequence = fleet(&"0,1/3,2/3,1".parse().expect("sequence"));
    assert_eq!(with_sequence.iter().map(|t| t.scale(4)).sum::<u64>(), 4);
}
