//! Ports of k6's `lib/executor/ramping_vus_test.go` segment tables
//! (`TestRampingVUsConfigExecutionPlanExample*`,
//! `TestRampingVUsExecutionTupleTests`,
//! `TestRampingVUsGetRawExecutionStepsCornerCases`) and the ramping-vus
//! cases of `executors_test.go`.

use super::tests_support::{secs, stages, steps, tuple};
use super::*;

fn plan_example() -> RampingVus {
    RampingVus {
        start_vus: 4,
        stages: stages("2:6 5:1 4:5 4:1 3:4 2:4 0:1 3:1"),
        ..RampingVus::default()
    }
}

#[test]
fn execution_plan_example() {
    let et = ExecutionTuple::full();
    let mut conf = plan_example();
    let raw = steps(
        "0:4 1:5 2:6 3:5 4:4 5:3 6:2 7:1 8:2 9:3 10:4 11:5 12:4 13:3 14:2 15:1 16:2 17:3 18:4 20:1",
    );
    assert_eq!(conf.raw_execution_steps(&et, false), raw);
    assert_eq!(end_offset(&raw), (secs(20), false));
    let mut raw_zero_end = raw.clone();
    raw_zero_end.extend(steps("23:0"));
    assert_eq!(conf.raw_execution_steps(&et, true), raw_zero_end);
    assert_eq!(end_offset(&raw_zero_end), (secs(23), true));

    assert_eq!(
        conf.execution_requirements(&et),
        steps("0:4 1:5 2:6 33:5 42:4 50:1 53:0")
    );
    conf.graceful_stop = secs(80);
    assert_eq!(
        conf.execution_requirements(&et),
        steps("0:4 1:5 2:6 33:5 42:4 50:1 103:0")
    );
    conf.graceful_stop = secs(3);
    assert_eq!(conf.execution_requirements(&et), steps("0:4 1:5 2:6 26:0"));
    conf.graceful_stop = secs(0);
    assert_eq!(conf.execution_requirements(&et), steps("0:4 1:5 2:6 23:0"));
    conf.graceful_ramp_down = secs(0);
    assert_eq!(conf.execution_requirements(&et), raw_zero_end);
}

#[test]
fn execution_plan_example_one_third() {
    let et = tuple("0:1/3", "");
    let mut conf = plan_example();
    let raw = steps("0:1 1:2 4:1 7:0 8:1 11:2 12:1 15:0 16:1 20:0");
    assert_eq!(conf.raw_execution_steps(&et, false), raw);
    assert_eq!(end_offset(&raw), (secs(20), true));
    assert_eq!(conf.raw_execution_steps(&et, true), raw);

    assert_eq!(conf.execution_requirements(&et), steps("0:1 1:2 42:1 50:0"));
    conf.graceful_stop = secs(80);
    assert_eq!(conf.execution_requirements(&et), steps("0:1 1:2 42:1 50:0"));
    conf.graceful_stop = secs(3);
    assert_eq!(conf.execution_requirements(&et), steps("0:1 1:2 26:0"));
    conf.graceful_stop = secs(0);
    assert_eq!(conf.execution_requirements(&et), steps("0:1 1:2 23:0"));
    conf.graceful_ramp_down = secs(0);
    assert_eq!(conf.execution_requirements(&et), raw);
}

#[test]
fn execution_tuple_table() {
    let conf = RampingVus {
        start_vus: 4,
        stages: stages("2:6 5:1 4:5 4:1 3:4 2:4 0:1 3:1 0:5 3:5 0:0 2:2 2:0 4:4"),
        ..RampingVus::default()
    };
    let thirds = "0:1 1:2 4:1 7:0 8:1 11:2 12:1 15:0 16:1 20:0 23:2 26:0 28:1 29:0 32:1";
    #[rustfmt::skip]
    let cases = [
        ("", "", "0:4 1:5 2:6 3:5 4:4 5:3 6:2 7:1 8:2 9:3 10:4 11:5 12:4 13:3 14:2 15:1 16:2 17:3 18:4 \
                  20:1 23:5 26:0 27:1 28:2 29:1 30:0 31:1 32:2 33:3 34:4"),
        ("0:1/3", "", thirds),
        ("0:1/3", "0,1/3,1", thirds),
        ("1/3:2/3", "", thirds),
        ("2/3:1", "", thirds),
        ("0:1/3", "0,1/3,2/3,1", "0:2 5:1 10:2 13:1 18:2 20:1 23:2 26:0 27:1 30:0 31:1 34:2"),
        ("1/3:2/3", "0,1/3,2/3,1", thirds),
        ("2/3:1", "0,1/3,2/3,1", "0:1 2:2 3:1 6:0 9:1 14:0 17:1 20:0 23:1 26:0 33:1"),
    ];
    for (segment, sequence, expected) in cases {
        let et = tuple(segment, sequence);
        assert_eq!(
            conf.raw_execution_steps(&et, false),
            steps(expected),
            "{et}"
        );
    }
}

#[test]
fn raw_steps_corner_cases() {
    let up_down = "2:2 2:0 2:2 2:0";
    #[rustfmt::skip]
    let cases = [
        ("going up then down straight away", 2, "0:5 2:3", "", "", "0:2 0:5 1:4 2:3"),
        ("jump up then go up again", 3, "2:5", "", "", "0:3 1:4 2:5"),
        ("up down up down", 0, up_down, "", "", "0:0 1:1 2:2 3:1 4:0 5:1 6:2 7:1 8:0"),
        ("in half", 0, up_down, "0:1/2", "", "0:0 1:1 4:0 5:1 8:0"),
        ("in the other half", 0, up_down, "1/2:1", "", "0:0 2:1 3:0 6:1 7:0"),
        ("with nothing", 0, up_down, "2/3:1", "0,1/3,2/3,1", "0:0"),
        ("with funky sequence", 0, up_down, "0:1/3", "0,1/3,1/2,2/3,1", "0:0 1:1 4:0 5:1 8:0"),
        ("strange", 0, "20:20 30:30", "0:0.3", "0,0.3,0.6,0.9,1", "0:0 1:1 5:2 8:3 11:4 15:5 18:6 23:7 35:8 44:9"),
        ("more up and down", 0, "5:5 5:0", "", "", "0:0 1:1 2:2 3:3 4:4 5:5 6:4 7:3 8:2 9:1 10:0"),
    ];
    for (name, start_vus, stage_list, segment, sequence, expected) in cases {
        let conf = RampingVus {
            start_vus,
            stages: stages(stage_list),
            ..RampingVus::default()
        };
        let et = tuple(segment, sequence);
        assert_eq!(
            conf.raw_execution_steps(&et, false),
            steps(expected),
            "{name}"
        );
    }
}

#[test]
fn config_requirements() {
    let et = ExecutionTuple::full();
    let conf = RampingVus {
        start_vus: 20,
        stages: stages("60:30 130:10"),
        graceful_ramp_down: secs(10),
        graceful_stop: secs(15),
    };
    let reqs = conf.execution_requirements(&et);
    assert_eq!(end_offset(&reqs), (secs(205), true));
    assert_eq!((max_planned_vus(&reqs), max_possible_vus(&reqs)), (30, 30));

    let no_stop = RampingVus {
        graceful_stop: secs(0),
        ..RampingVus::default()
    };
    let one_stage = RampingVus {
        stages: stages("10:10"),
        graceful_ramp_down: secs(10),
        ..no_stop.clone()
    };
    assert_eq!(one_stage.max_vus(&et), 10);
    let jump = RampingVus {
        stages: stages("10:10 0:11 0:1 10:5"),
        graceful_ramp_down: secs(0),
        ..no_stop
    };
    assert_eq!(jump.max_vus(&et), 11);
}

/// A k6 quirk kept on purpose: the graceful plan can list a ramp-down
/// reservation *before* an earlier partial ramp-up (here 23 → 0 → 1 → 3 VUs
/// with a 1s graceful ramp-down: "0 VUs at 1s" precedes "1 VU at 0.75s").
/// k6 applies the steps in list order.
#[test]
fn graceful_plan_can_be_out_of_time_order() {
    let conf = RampingVus {
        start_vus: 0,
        stages: stages("0:23 0:0 3:4"),
        graceful_ramp_down: secs(1),
        graceful_stop: secs(0),
    };
    let reqs = conf.execution_requirements(&ExecutionTuple::full());
    let offsets: Vec<u128> = reqs.iter().map(|s| s.time_offset.as_millis()).collect();
    let planned: Vec<u64> = reqs.iter().map(|s| s.planned_vus).collect();
    assert_eq!(offsets, [0, 0, 1000, 750, 1500, 2250, 3000, 3000]);
    assert_eq!(planned, [0, 23, 0, 1, 2, 3, 4, 0]);
}
