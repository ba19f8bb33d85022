//! Ports of the segment-related tables of k6's executor tests other than
//! ramping-vus: `executors_test.go` (requirements and splits),
//! `shared_iterations_test.go`, `constant_arrival_rate_test.go` and
//! `ramping_arrival_rate_test.go`.

use std::time::Duration;

use super::tests_support::{ms, numbers, secs, stages, tuple};
use super::*;

/// `(end offset, is final, max planned, max possible)` of a plan.
fn summary(steps: &[ExecutionStep]) -> (Duration, bool, u64, u64) {
    let (end, is_final) = end_offset(steps);
    (
        end,
        is_final,
        max_planned_vus(steps),
        max_possible_vus(steps),
    )
}

#[test]
fn fixed_vu_executors_requirements() {
    let full = ExecutionTuple::full();
    let cv = ConstantVus {
        vus: 10,
        duration: secs(60),
        graceful_stop: secs(10),
    };
    assert_eq!(
        summary(&cv.execution_requirements(&full)),
        (secs(70), true, 10, 10)
    );

    let pvi = PerVuIterations {
        vus: 13,
        iterations: 23,
        graceful_stop: secs(0),
        ..Default::default()
    };
    assert_eq!(
        summary(&pvi.execution_requirements(&full)),
        (secs(600), true, 13, 13)
    );

    let si = SharedIterations {
        vus: 12,
        iterations: 22,
        max_duration: secs(100),
        ..Default::default()
    };
    let thirds = "0,1/3,2/3,1";
    let thirteenths = "0,1/13,2/13,3/13,4/13,5/13,6/13,7/13,8/13,9/13,10/13,11/13,12/13,1";
    #[rustfmt::skip]
    let cases = [
        (full.clone(), 22, 12, secs(130)),
        (tuple("0:1/3", thirds), 8, 4, secs(130)),
        (tuple("1/3:2/3", thirds), 7, 4, secs(130)),
        (tuple("2/3:1", thirds), 7, 4, secs(130)),
        (tuple("12/13:1", thirteenths), 0, 0, secs(0)),
    ];
    for (et, iterations, vus, end) in cases {
        assert_eq!((si.iterations(&et), si.vus(&et)), (iterations, vus), "{et}");
        assert_eq!(
            summary(&si.execution_requirements(&et)),
            (end, true, vus, vus),
            "{et}"
        );
        assert_eq!(si.has_work(&et), vus > 0);
    }
}

#[test]
fn arrival_rate_requirements() {
    let full = ExecutionTuple::full();
    let car = ConstantArrivalRate {
        rate: 30,
        time_unit: secs(60),
        duration: secs(600),
        pre_allocated_vus: 20,
        max_vus: 30,
        ..Default::default()
    };
    assert_eq!(
        summary(&car.execution_requirements(&full)),
        (secs(630), true, 20, 30)
    );

    let rar = RampingArrivalRate {
        start_rate: 10,
        time_unit: secs(30),
        stages: stages("180:30 300:10"),
        pre_allocated_vus: 20,
        max_vus: 50,
        ..Default::default()
    };
    assert_eq!(
        summary(&rar.execution_requirements(&full)),
        (secs(510), true, 20, 50)
    );

    // TestRampingArrivalRateActiveVUs_GetExecutionRequirements
    #[rustfmt::skip]
    let cases = [
        (1, 4000, "0:1/4", "0,1/4,1/2,3/4,1", 1, 999),
        (100, 4000, "0:1/4", "0,1/4,1/2,3/4,1", 25, 975),
        (1, 4000, "0:1", "0,1", 1, 3999),
        (100, 4000, "0:1", "0,1", 100, 3900),
    ];
    for (pre, max, segment, sequence, planned, unplanned) in cases {
        let conf = RampingArrivalRate {
            pre_allocated_vus: pre,
            max_vus: max,
            graceful_stop: secs(0),
            ..Default::default()
        };
        let first = ExecutionStep {
            time_offset: secs(0),
            planned_vus: planned,
            max_unplanned_vus: unplanned,
        };
        let expected = vec![first, ExecutionStep::default()];
        assert_eq!(
            conf.execution_requirements(&tuple(segment, sequence)),
            expected
        );
    }

    // TestRampingArrivalRateCornerCase: 2 maxVUs leave nothing for 1/5:2/5.
    let corner = RampingArrivalRate {
        start_rate: 1,
        stages: stages("1:1"),
        max_vus: 2,
        ..Default::default()
    };
    assert!(!corner.has_work(&tuple("1/5:2/5", "0,1/5,2/5,1")));
}

fn counters(tuple: &ExecutionTuple, count: u64) -> Vec<u64> {
    let mut counter = IterationCounter::new(tuple);
    (0..count).map(|_| counter.next_ids().global).collect()
}

/// k6's `*GlobalIters` tests: `iterationInTest` of each instance for
/// 5 VUs/maxVUs in `0,1/4,3/4,1`.
const QUARTERS: &str = "0,1/4,3/4,1";
#[rustfmt::skip]
const GLOBAL_ITERS: [(&str, &str); 3] = [
    ("0:1/4", "1 6 11 16 21 26 31 36 41 46"),
    ("1/4:3/4", "0 2 4 5 7 9 10 12 14 15 17 19 20 22 24 25 27 29 30 32 34 35 37 39 40 42 44 45 47 49"),
    ("3/4:1", "3 8 13 18 23 28 33 38 43 48"),
];

#[test]
fn shared_iterations_global_iters() {
    let si = SharedIterations {
        vus: 5,
        iterations: 50,
        max_duration: secs(1),
        ..Default::default()
    };
    for (segment, expected) in GLOBAL_ITERS {
        let et = tuple(segment, QUARTERS);
        let iteration_tuple = si.iteration_tuple(&et).expect("has work");
        assert_eq!(
            counters(&iteration_tuple, si.iterations(&et)),
            numbers(expected),
            "{segment}"
        );
    }
}

#[test]
fn arrival_rate_global_iters() {
    let car = ConstantArrivalRate {
        rate: 20,
        time_unit: ms(950),
        duration: secs(1),
        pre_allocated_vus: 5,
        max_vus: 5,
        graceful_stop: ms(100),
    };
    let rar = RampingArrivalRate {
        start_rate: 0,
        time_unit: ms(950),
        stages: stages("1:20 1:0"),
        pre_allocated_vus: 4,
        max_vus: 5,
        graceful_stop: ms(100),
    };
    for (segment, expected) in GLOBAL_ITERS {
        let et = tuple(segment, QUARTERS);
        let expected = numbers(expected);
        let car_ticks: Vec<u64> = car.ticks(&et).expect("work").map(|t| t.index).collect();
        let car_expected: Vec<u64> = expected.iter().copied().filter(|&i| i <= 21).collect();
        assert_eq!(car_ticks, car_expected, "constant {segment}");
        let rar_ticks: Vec<u64> = rar.ticks(&et).expect("work").map(|t| t.index).collect();
        let rar_expected: Vec<u64> = expected.iter().copied().filter(|&i| i <= 20).collect();
        assert_eq!(rar_ticks, rar_expected, "ramping {segment}");
        // Without dropped ticks, iterationInTest is the tick index.
        let iteration_tuple = car.iteration_tuple(&et).expect("work");
        assert_eq!(
            counters(&iteration_tuple, car_ticks.len() as u64),
            car_ticks
        );
    }
}

#[test]
fn constant_arrival_rate_timing() {
    let car = ConstantArrivalRate {
        rate: 50,
        time_unit: secs(1),
        duration: secs(2),
        pre_allocated_vus: 10,
        max_vus: 20,
        graceful_stop: secs(1),
    };
    assert_eq!(car.ticker_period(), Ok(ms(20)));
    // segment, sequence, first tick (ms), then the repeating gaps (ms)
    #[rustfmt::skip]
    let cases = [
        ("0:1/3", "", 20, "40 60 60 60 60 60 60"),
        ("1/3:2/3", "", 20, "60 60 60 60 60 60 40"),
        ("2/3:1", "", 20, "40 60 60 60 60 60 60"),
        ("1/6:3/6", "", 20, "40 80 40 80 40 80 40"),
        ("1/6:3/6", "1/6,3/6", 20, "40 80 40 80 40 80 40"),
        ("0:1/3", "0,1/3,2/3,1", 0, "60 60 60 60 60 60 40"),
        ("1/3:2/3", "0,1/3,2/3,1", 20, "60 60 60 60 60 60 40"),
        ("2/3:1", "0,1/3,2/3,1", 40, "60 60 60 60 60 100"),
    ];
    for (segment, sequence, start, gaps) in cases {
        let et = tuple(segment, sequence);
        let ticks: Vec<Duration> = car.ticks(&et).expect("work").map(|t| t.offset).collect();
        let mut expected = vec![ms(start)];
        for gap in numbers(gaps).into_iter().cycle() {
            let next = expected[expected.len() - 1] + ms(gap);
            if next >= car.duration {
                break;
            }
            expected.push(next);
        }
        assert_eq!(ticks, expected, "{segment} in {sequence}");
    }
}

#[test]
fn ramping_arrival_rate_cal() {
    let conf = |time_unit| RampingArrivalRate {
        start_rate: 0,
        time_unit,
        stages: stages("5:1 1:1 5:0"),
        ..Default::default()
    };
    // segment, sequence, time unit, expected tick times (ms, within 0.1%)
    #[rustfmt::skip]
    let cases = [
        ("", "", secs(1), "3162 4472 5500 6527 7837 11000"),
        ("0:1/3", "", secs(1), "4472 7837"),
        ("0:1/3", "0,1/3,1", secs(1), "4472 7837"),
        ("1/3:2/3", "", secs(1), "4472 7837"),
        ("2/3:1", "", secs(1), "4472 7837"),
        ("0:1/3", "0,1/3,2/3,1", secs(1), "3162 6527"),
        ("1/3:2/3", "0,1/3,2/3,1", secs(1), "4472 7837"),
        ("2/3:1", "0,1/3,2/3,1", secs(1), "5500 11000"),
        ("", "", secs(1) / 3, "1825 2581 3162 3651 4082 4472 4830 5166 5499 5833 6169 6527 \
                               6917 7348 7837 8418 9174 10999"),
    ];
    for (segment, sequence, time_unit, expected) in cases {
        let et = tuple(segment, sequence);
        let got: Vec<Duration> = conf(time_unit)
            .cal(&et)
            .expect("valid")
            .map(|t| t.offset)
            .collect();
        let expected = numbers(expected);
        assert_eq!(
            got.len(),
            expected.len(),
            "{segment} in {sequence}: {got:?}"
        );
        for (g, e) in got.iter().zip(expected) {
            let e = ms(e).as_secs_f64();
            assert!(
                (g.as_secs_f64() - e).abs() / e < 0.001,
                "{segment} in {sequence}: {g:?} vs {e}"
            );
        }
    }
}
