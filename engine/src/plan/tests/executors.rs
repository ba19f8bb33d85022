//! Explicit `scenarios`: each executor's defaults, required options and
//! the options that do not belong to it.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{only_scenario, plan, resolve_errors};
use crate::config::Stage;
use crate::executor::*;
use crate::plan::ExecutorConfig;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `{"scenarios": {"s": {"executor": EXECUTOR, ...fields}}}`.
fn scenario(executor: &str, fields: &str) -> String {
    let comma = if fields.is_empty() { "" } else { ", " };
    format!(r#"{{"scenarios": {{"s": {{"executor": "{executor}"{comma}{fields}}}}}}}"#)
}

fn executor(executor: &str, fields: &str) -> ExecutorConfig {
    only_scenario(&scenario(executor, fields)).executor
}

fn errors(executor: &str, fields: &str) -> Vec<String> {
    resolve_errors(&scenario(executor, fields))
}

#[test]
fn constant_vus() {
    assert_eq!(
        executor("constant-vus", r#""duration": "30s""#),
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 1,
            duration: secs(30)
        })
    );
    assert_eq!(
        executor("constant-vus", r#""vus": 10, "duration": "1m""#),
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 10,
            duration: secs(60)
        })
    );
    assert_eq!(
        errors("constant-vus", ""),
        ["options.scenarios.s.duration: missing; this executor needs it"]
    );
    assert_eq!(
        errors("constant-vus", r#""vus": 0, "duration": "999ms""#),
        [
            "options.scenarios.s.vus: must be more than 0",
            "options.scenarios.s.duration: must be at least 1s, got 999ms",
        ]
    );
}

#[test]
fn per_vu_iterations() {
    assert_eq!(
        executor("per-vu-iterations", ""),
        ExecutorConfig::PerVuIterations(PerVuIterations {
            vus: 1,
            iterations: 1,
            max_duration: secs(600)
        })
    );
    assert_eq!(
        executor(
            "per-vu-iterations",
            r#""vus": 10, "iterations": 20, "maxDuration": "30s""#
        ),
        ExecutorConfig::PerVuIterations(PerVuIterations {
            vus: 10,
            iterations: 20,
            max_duration: secs(30)
        })
    );
    assert_eq!(
        errors(
            "per-vu-iterations",
            r#""vus": 0, "iterations": 0, "maxDuration": "0s""#
        ),
        [
            "options.scenarios.s.vus: must be more than 0",
            "options.scenarios.s.iterations: must be more than 0",
            "options.scenarios.s.maxDuration: must be at least 1s, got 0s",
        ]
    );
}

#[test]
fn shared_iterations() {
    assert_eq!(
        executor("shared-iterations", ""),
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 1,
            iterations: 1,
            max_duration: secs(600)
        })
    );
    assert_eq!(
        executor(
            "shared-iterations",
            r#""vus": 10, "iterations": 200, "maxDuration": "10s""#
        ),
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 10,
            iterations: 200,
            max_duration: secs(10)
        })
    );
    assert_eq!(
        errors("shared-iterations", r#""vus": 5"#),
        ["options.scenarios.s.iterations: 1 iterations can't be fewer than the 5 VUs sharing them"]
    );
}

#[test]
fn ramping_vus() {
    let stages =
        r#""stages": [{"duration": "20s", "target": 10}, {"duration": "0s", "target": 0}]"#;
    assert_eq!(
        executor("ramping-vus", stages),
        ExecutorConfig::RampingVus(RampingVus {
            start_vus: 1,
            stages: vec![
                Stage {
                    duration: secs(20),
                    target: 10,
                    name: None,
                },
                Stage {
                    duration: Duration::ZERO,
                    target: 0,
                    name: None,
                }
            ],
            graceful_ramp_down: secs(30),
        })
    );
    let fields =
        r#""startVUs": 0, "gracefulRampDown": "5s", "stages": [{"duration": "1m", "target": 3}]"#;
    assert_eq!(
        executor("ramping-vus", fields),
        ExecutorConfig::RampingVus(RampingVus {
            start_vus: 0,
            stages: vec![Stage {
                duration: secs(60),
                target: 3,
                name: None,
            }],
            graceful_ramp_down: secs(5),
        })
    );
    assert_eq!(
        errors("ramping-vus", ""),
        ["options.scenarios.s.stages: at least one stage has to be specified"]
    );
    assert_eq!(
        errors("ramping-vus", r#""stages": []"#),
        ["options.scenarios.s.stages: at least one stage has to be specified"]
    );
    assert_eq!(
        errors(
            "ramping-vus",
            r#""stages": [{"duration": "1m", "target": 100000001}]"#
        ),
        ["options.scenarios.s.stages[0].target: exceeds the limit of 100000000 VUs"]
    );
}

#[test]
fn constant_arrival_rate() {
    let fields = r#""rate": 30, "duration": "1m", "preAllocatedVUs": 5"#;
    assert_eq!(
        executor("constant-arrival-rate", fields),
        ExecutorConfig::ConstantArrivalRate(ConstantArrivalRate {
            rate: 30,
            time_unit: secs(1),
            duration: secs(60),
            pre_allocated_vus: 5,
            max_vus: 5,
        })
    );
    let fields =
        r#""rate": 30, "timeUnit": "1m", "duration": "1m", "preAllocatedVUs": 5, "maxVUs": 50"#;
    assert_eq!(
        executor("constant-arrival-rate", fields),
        ExecutorConfig::ConstantArrivalRate(ConstantArrivalRate {
            rate: 30,
            time_unit: secs(60),
            duration: secs(60),
            pre_allocated_vus: 5,
            max_vus: 50,
        })
    );
    // Every required option is reported at once.
    assert_eq!(
        errors("constant-arrival-rate", ""),
        [
            "options.scenarios.s.rate: missing; this executor needs it",
            "options.scenarios.s.duration: missing; this executor needs it",
            "options.scenarios.s.preAllocatedVUs: missing; this executor needs it",
        ]
    );
    let fields =
        r#""rate": 0, "timeUnit": "0s", "duration": "1m", "preAllocatedVUs": 5, "maxVUs": 2"#;
    assert_eq!(
        errors("constant-arrival-rate", fields),
        [
            "options.scenarios.s.rate: must be more than 0",
            "options.scenarios.s.maxVUs: 2 can't be less than preAllocatedVUs (5)",
            "options.scenarios.s.timeUnit: must be more than 0",
        ]
    );
}

#[test]
fn ramping_arrival_rate() {
    let fields = r#""preAllocatedVUs": 2, "stages": [{"duration": "1m", "target": 60}]"#;
    assert_eq!(
        executor("ramping-arrival-rate", fields),
        ExecutorConfig::RampingArrivalRate(RampingArrivalRate {
            start_rate: 0,
            time_unit: secs(1),
            stages: vec![Stage {
                duration: secs(60),
                target: 60,
                name: None,
            }],
            pre_allocated_vus: 2,
            max_vus: 2,
        })
    );
    let fields = r#""startRate": 5, "timeUnit": "1m", "preAllocatedVUs": 2, "maxVUs": 9,
                    "stages": [{"duration": "1m", "target": 60}]"#;
    assert_eq!(
        executor("ramping-arrival-rate", fields),
        ExecutorConfig::RampingArrivalRate(RampingArrivalRate {
            start_rate: 5,
            time_unit: secs(60),
            stages: vec![Stage {
                duration: secs(60),
                target: 60,
                name: None,
            }],
            pre_allocated_vus: 2,
            max_vus: 9,
        })
    );
    assert_eq!(
        errors("ramping-arrival-rate", ""),
        [
            "options.scenarios.s.preAllocatedVUs: missing; this executor needs it",
            "options.scenarios.s.stages: at least one stage has to be specified",
        ]
    );
}

#[test]
fn options_of_another_executor_are_errors() {
    assert_eq!(
        errors("per-vu-iterations", r#""duration": "1m""#),
        [
            "options.scenarios.s.duration: not an option of the per-vu-iterations executor (it takes vus, iterations, maxDuration)"
        ]
    );
    let errors = errors(
        "ramping-vus",
        r#""vus": 1, "rate": 2, "maxVUs": 3, "stages": [{"duration": "1m", "target": 1}]"#,
    );
    let paths: Vec<&str> = errors.iter().filter_map(|e| e.split(": ").next()).collect();
    assert_eq!(
        paths,
        // In key order, as the options object holds them.
        [
            "options.scenarios.s.maxVUs",
            "options.scenarios.s.rate",
            "options.scenarios.s.vus"
        ]
    );
}

#[test]
fn executor_must_be_given_known_and_supported() {
    assert_eq!(
        resolve_errors(r#"{"scenarios": {"s": {"vus": 1}}}"#),
        [
            "options.scenarios.s.executor: missing; expected one of constant-vus, ramping-vus, per-vu-iterations, \
          shared-iterations, constant-arrival-rate, ramping-arrival-rate, capacity-search"
        ]
    );
    let unknown = errors("looping-vus", "");
    assert!(
        unknown[0].starts_with("options.scenarios.s.executor: unknown executor \"looping-vus\"")
    );
    let external = errors("externally-controlled", r#""maxVUs": 10"#);
    assert_eq!(external.len(), 1, "{external:?}");
    assert!(external[0].starts_with(
        "options.scenarios.s.executor: the externally-controlled executor is not supported"
    ));
}

#[test]
fn common_scenario_options_carry_over() {
    let fields = r#""startTime": "10s", "gracefulStop": "5s", "exec": "browse",
                    "env": {"EXAMPLEVAR": "testing"}, "tags": {"example_tag": "testing"},
                    "vus": 10, "iterations": 200, "maxDuration": "10s""#;
    let s = only_scenario(&scenario("shared-iterations", fields));
    assert_eq!(s.name, "s");
    assert_eq!((s.start_time, s.graceful_stop), (secs(10), secs(5)));
    assert_eq!(s.exec, "browse");
    assert_eq!(
        s.env,
        BTreeMap::from([("EXAMPLEVAR".to_string(), "testing".to_string())])
    );
    assert_eq!(
        s.tags,
        BTreeMap::from([("example_tag".to_string(), "testing".to_string())])
    );
    assert_eq!(
        errors("shared-iterations", r#""exec": """#),
        ["options.scenarios.s.exec: must not be empty"]
    );
}

#[test]
fn scenario_names_follow_k6s_rule() {
    let errors =
        resolve_errors(r#"{"scenarios": {"bad name!": {"executor": "shared-iterations"}}}"#);
    assert_eq!(
        errors,
        [
            "options.scenarios.bad name!: the scenario name may contain only latin letters, digits, `_` and `-`"
        ]
    );
    let plan = plan(r#"{"scenarios": {"Ok_name-2": {"executor": "shared-iterations"}}}"#);
    assert_eq!(plan.scenarios[0].name, "Ok_name-2");
}

#[test]
fn scenarios_come_out_in_name_order() {
    let plan = plan(
        r#"{"scenarios": {
            "zeta": {"executor": "shared-iterations"},
            "alpha": {"executor": "per-vu-iterations"},
            "mid": {"executor": "constant-vus", "duration": "1m"}
        }}"#,
    );
    let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["alpha", "mid", "zeta"]);
}
