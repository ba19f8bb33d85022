//! k6's shortcut options (`vus`, `duration`, `iterations`, `stages`) and
//! the `default` scenario they make.

use std::time::Duration;

use super::{only_scenario, resolve_errors};
use crate::config::Stage;
use crate::executor::*;
use crate::plan::ExecutorConfig;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn executor(json: &str) -> ExecutorConfig {
    only_scenario(json).executor
}

#[test]
fn no_execution_options_run_one_iteration_of_one_vu() {
    let s = only_scenario("{}");
    assert_eq!(s.name, "default");
    assert_eq!(
        s.executor,
        ExecutorConfig::PerVuIterations(PerVuIterations {
            vus: 1,
            iterations: 1,
            max_duration: secs(600)
        })
    );
    assert_eq!((s.start_time, s.graceful_stop), (Duration::ZERO, secs(30)));
    assert_eq!(s.exec, "default");
    assert!(s.env.is_empty() && s.tags.is_empty());
}

#[test]
fn iterations_make_shared_iterations() {
    assert_eq!(
        executor(r#"{"iterations": 20}"#),
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 1,
            iterations: 20,
            max_duration: secs(600)
        })
    );
    // With vus, and with duration as the hard stop (k6's maxDuration).
    assert_eq!(
        executor(r#"{"vus": 2, "iterations": 6, "duration": "10s"}"#),
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 2,
            iterations: 6,
            max_duration: secs(10)
        })
    );
}

#[test]
fn duration_makes_constant_vus() {
    assert_eq!(
        executor(r#"{"duration": "123s"}"#),
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 1,
            duration: secs(123)
        })
    );
    assert_eq!(
        executor(r#"{"vus": 3, "duration": 30000}"#),
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 3,
            duration: secs(30)
        })
    );
}

#[test]
fn stages_make_ramping_vus_starting_from_vus() {
    let stages = vec![
        Stage {
            duration: secs(20),
            target: 10,
            name: None,
        },
        Stage {
            duration: secs(180),
            target: 5,
            name: None,
        },
    ];
    let json =
        r#"{"stages": [{"duration": "20s", "target": 10}, {"duration": "3m", "target": 5}]}"#;
    assert_eq!(
        executor(json),
        ExecutorConfig::RampingVus(RampingVus {
            start_vus: 1,
            stages: stages.clone(),
            graceful_ramp_down: secs(30)
        })
    );
    let json = r#"{"vus": 0, "stages": [{"duration": "20s", "target": 10}, {"duration": "3m", "target": 5}]}"#;
    assert_eq!(
        executor(json),
        ExecutorConfig::RampingVus(RampingVus {
            start_vus: 0,
            stages,
            graceful_ramp_down: secs(30)
        })
    );
}

#[test]
fn vus_alone_makes_that_many_shared_iterations() {
    assert_eq!(
        executor(r#"{"vus": 10}"#),
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 10,
            iterations: 10,
            max_duration: secs(600)
        })
    );
}

#[test]
fn explicitly_empty_stages_or_scenarios_mean_one_iteration() {
    let one = ExecutorConfig::PerVuIterations(PerVuIterations {
        vus: 1,
        iterations: 1,
        max_duration: secs(600),
    });
    assert_eq!(executor(r#"{"vus": 10, "stages": []}"#), one);
    assert_eq!(executor(r#"{"scenarios": {}}"#), one);
    // An empty stages list is no conflict (k6 checks for a non-empty one).
    assert_eq!(
        executor(r#"{"iterations": 3, "stages": []}"#).name(),
        "shared-iterations"
    );
}

#[test]
fn shortcuts_that_clash_in_one_layer_are_errors() {
    let stage = r#"[{"duration": "10s", "target": 20}]"#;
    let scenarios = r#"{"s": {"executor": "shared-iterations"}}"#;
    let cases = [
        (
            format!(r#"{{"iterations": 5, "stages": {stage}}}"#),
            "options.iterations: `iterations` and `stages`",
        ),
        (
            format!(r#"{{"iterations": 5, "scenarios": {scenarios}}}"#),
            "options.iterations: `iterations` and `scenarios`",
        ),
        (
            format!(r#"{{"duration": "1m", "stages": {stage}}}"#),
            "options.duration: `duration` and `stages`",
        ),
        (
            format!(r#"{{"duration": "1m", "scenarios": {scenarios}}}"#),
            "options.duration: `duration` and `scenarios`",
        ),
        (
            format!(r#"{{"stages": {stage}, "scenarios": {scenarios}}}"#),
            "options.stages: `stages` and `scenarios`",
        ),
    ];
    for (json, expected) in cases {
        let errors = resolve_errors(&json);
        assert_eq!(errors.len(), 1, "{json}: {errors:?}");
        assert!(errors[0].starts_with(expected), "{json}: {errors:?}");
    }
    let all = format!(
        r#"{{"iterations": 5, "duration": "1m", "stages": {stage}, "scenarios": {scenarios}}}"#
    );
    assert_eq!(resolve_errors(&all).len(), 5);
}

#[test]
fn shortcut_errors_name_the_options_the_user_wrote() {
    assert_eq!(
        resolve_errors(r#"{"vus": 0, "duration": "30s"}"#),
        ["options.vus: must be more than 0"]
    );
    assert_eq!(
        resolve_errors(r#"{"duration": "0s"}"#),
        ["options.duration: must be at least 1s, got 0s"]
    );
    assert_eq!(
        resolve_errors(r#"{"iterations": 5, "duration": "500ms"}"#),
        ["options.duration: must be at least 1s, got 500ms"]
    );
    assert_eq!(
        resolve_errors(r#"{"vus": 10, "iterations": 6}"#),
        ["options.iterations: 6 iterations can't be fewer than the 10 VUs sharing them"]
    );
    assert_eq!(
        resolve_errors(r#"{"vus": 0}"#),
        ["options.vus: must be more than 0"]
    );
    assert_eq!(
        resolve_errors(r#"{"vus": 0, "stages": [{"duration": "10s", "target": 0}]}"#),
        ["options.stages: either startVUs or one of the stages' targets must be more than 0"]
    );
}

#[test]
fn ramping_vus_targets_have_k6s_limit() {
    let errors = resolve_errors(
        r#"{"vus": 100000001, "stages": [{"duration": "1m", "target": 10}, {"duration": "1m", "target": 200000000}]}"#,
    );
    assert_eq!(
        errors,
        [
            "options.vus: exceeds the limit of 100000000 VUs",
            "options.stages[1].target: exceeds the limit of 100000000 VUs",
        ]
    );
    // At the limit is fine.
    let json = r#"{"stages": [{"duration": "1m", "target": 100000000}]}"#;
    assert_eq!(executor(json).name(), "ramping-vus");
}
