use std::collections::BTreeMap;
use std::time::Duration;

use super::options;
use crate::config::{Options, Stage};
use crate::executor::*;
use crate::plan::{ExecutorConfig, Plan};

/// Merges the four layers in Volley's order and resolves.
fn layered(component: &str, file: &str, env: Options, cli: Options) -> Plan {
    let merged = options(component)
        .merge(options(file))
        .merge(env)
        .merge(cli);
    match crate::plan::resolve(&merged, BTreeMap::new()) {
        Ok(plan) => plan,
        Err(errors) => panic!("merged options should resolve:\n{errors}"),
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn later_layers_win_field_by_field() {
    let env = Options {
        max_redirects: Some(4),
        user_agent: Some("env".into()),
        ..Options::default()
    };
    let cli = Options {
        user_agent: Some("cli".into()),
        ..Options::default()
    };
    let plan = layered(
        r#"{"userAgent": "component", "httpTimeout": "5s", "maxRedirects": 1, "seed": 1}"#,
        r#"{"userAgent": "file", "maxRedirects": 2, "noSetup": true}"#,
        env,
        cli,
    );
    assert_eq!(plan.http.user_agent, "cli");
    assert_eq!(plan.http.max_redirects, 4);
    assert_eq!(plan.http.timeout, secs(5));
    assert_eq!(plan.seed, 1);
    assert!(plan.no_setup);
}

#[test]
fn unset_fields_do_not_erase_earlier_ones() {
    let base = options(r#"{"vus": 3, "duration": "1m", "tags": {"a": "1"}}"#);
    assert_eq!(base.clone().merge(Options::default()), base);
}

#[test]
fn a_later_map_replaces_the_earlier_one_whole() {
    let merged = options(
        r#"{"tags": {"a": "1", "b": "2"}, "thresholds": {"checks": ["rate>0.9"], "http_req_failed": ["rate<0.1"]},
            "data": {"users": "u.csv"}, "summaryTrendStats": ["avg", "max"]}"#,
    )
    .merge(options(
        r#"{"tags": {"c": "3"}, "thresholds": {"checks": ["rate>0.99"]}, "data": {}, "summaryTrendStats": ["p(99)"]}"#,
    ));
    let tags = merged.tags.expect("tags");
    assert_eq!(tags.keys().collect::<Vec<_>>(), ["c"]);
    let thresholds = merged.thresholds.expect("thresholds");
    assert_eq!(thresholds.keys().collect::<Vec<_>>(), ["checks"]);
    assert_eq!(merged.data.map(|d| d.len()), Some(0));
    assert_eq!(merged.summary_trend_stats, Some(vec!["p(99)".to_string()]));
}

#[test]
fn a_later_scenarios_map_replaces_the_earlier_one_whole() {
    let merged = options(
        r#"{"scenarios": {"a": {"executor": "shared-iterations"}, "b": {"executor": "shared-iterations"}}}"#,
    )
    .merge(options(r#"{"scenarios": {"c": {"executor": "per-vu-iterations"}}}"#));
    let names: Vec<String> = merged.scenarios.expect("scenarios").into_keys().collect();
    assert_eq!(names, ["c"]);
}

#[test]
fn a_cli_duration_overrides_the_component_scenarios() {
    let cli = Options {
        vus: Some(20),
        duration: Some(secs(30)),
        ..Options::default()
    };
    let plan = layered(
        r#"{"scenarios": {"browse": {"executor": "constant-vus", "vus": 2, "duration": "10m"}}}"#,
        "{}",
        Options::default(),
        cli,
    );
    assert_eq!(plan.scenarios.len(), 1);
    assert_eq!(plan.scenarios[0].name, "default");
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 20,
            duration: secs(30)
        })
    );
}

#[test]
fn env_iterations_and_cli_vus_override_file_scenarios() {
    // k6's consolidation test: scenarios in the config file, K6_ITERATIONS=25
    // and --vus 12 give shared-iterations of 12 VUs and 25 iterations.
    let env = Options {
        iterations: Some(25),
        ..Options::default()
    };
    let cli = Options {
        vus: Some(12),
        ..Options::default()
    };
    let plan = layered(
        "{}",
        r#"{"scenarios": {"someKey": {"executor": "constant-vus", "vus": 10, "duration": "60s"}}}"#,
        env,
        cli,
    );
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 12,
            iterations: 25,
            max_duration: secs(600)
        })
    );
}

#[test]
fn a_later_scenarios_map_drops_earlier_shortcuts() {
    let plan = layered(
        r#"{"vus": 5, "duration": "1m", "iterations": 9, "stages": [{"duration": "1s", "target": 1}]}"#,
        r#"{"scenarios": {"only": {"executor": "per-vu-iterations", "vus": 2}}}"#,
        Options::default(),
        Options::default(),
    );
    assert_eq!(plan.scenarios.len(), 1);
    assert_eq!(plan.scenarios[0].name, "only");
}

#[test]
fn cli_vus_alone_replaces_the_component_scenarios() {
    // k6 2.1+'s consolidation test: --vus 8 over scenarios in a config file
    // gives shared-iterations of 8 VUs and 8 iterations.
    let cli = Options {
        vus: Some(8),
        ..Options::default()
    };
    let plan = layered(
        r#"{"scenarios": {"api": {"executor": "shared-iterations", "vus": 100, "iterations": 100}}}"#,
        "{}",
        Options::default(),
        cli,
    );
    assert_eq!(plan.scenarios.len(), 1);
    assert_eq!(plan.scenarios[0].name, "default");
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::SharedIterations(SharedIterations {
            vus: 8,
            iterations: 8,
            max_duration: secs(600)
        })
    );
}

#[test]
fn later_scenarios_drop_an_earlier_vus_too() {
    let plan = layered(
        r#"{"vus": 7}"#,
        r#"{"scenarios": {"s": {"executor": "constant-vus", "vus": 2, "duration": "1m"}}}"#,
        Options::default(),
        Options::default(),
    );
    assert_eq!(plan.scenarios[0].name, "s");
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 2,
            duration: secs(60)
        })
    );
}

#[test]
fn vus_and_scenarios_in_one_layer_keep_the_scenarios_with_a_warning() {
    let json = r#"{"vus": 10, "scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2}}}"#;
    let (_, warnings) = Options::from_json(json).expect("valid");
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("options.vus: ignored")),
        "{warnings:?}"
    );
    let plan = layered(json, "{}", Options::default(), Options::default());
    assert_eq!(plan.scenarios[0].name, "s");
}

#[test]
fn shortcuts_of_different_layers_combine() {
    let env = Options {
        vus: Some(5),
        ..Options::default()
    };
    let cli = Options {
        duration: Some(secs(60)),
        ..Options::default()
    };
    let plan = layered("{}", "{}", env, cli);
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::ConstantVus(ConstantVus {
            vus: 5,
            duration: secs(60)
        })
    );
}

#[test]
fn a_later_shortcut_replaces_earlier_shortcuts_but_keeps_vus() {
    // k6: stages in the file, vus 22 in the script, K6_VUS=33, --stage flags:
    // ramping-vus from 33 VUs over the CLI's stages.
    let env = Options {
        vus: Some(33),
        ..Options::default()
    };
    let cli_stages = vec![
        Stage {
            duration: secs(44),
            target: 44,
            name: None,
        },
        Stage {
            duration: secs(55),
            target: 55,
            name: None,
        },
    ];
    let cli = Options {
        stages: Some(cli_stages.clone()),
        ..Options::default()
    };
    let plan = layered(
        r#"{"vus": 22}"#,
        r#"{"stages": [{"duration": "11s", "target": 11}], "duration": "1h"}"#,
        env,
        cli,
    );
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::RampingVus(RampingVus {
            start_vus: 33,
            stages: cli_stages,
            graceful_ramp_down: secs(30)
        })
    );
}

#[test]
fn a_later_empty_stages_list_clears_execution_to_one_iteration() {
    // k6: stages in the file, K6_DURATION=15s, --stage "" → 1 iteration, 1 VU.
    let env = Options {
        duration: Some(secs(15)),
        ..Options::default()
    };
    let cli = Options {
        stages: Some(Vec::new()),
        ..Options::default()
    };
    let plan = layered(
        "{}",
        r#"{"stages": [{"duration": "20s", "target": 20}], "vus": 10}"#,
        env,
        cli,
    );
    assert_eq!(
        plan.scenarios[0].executor,
        ExecutorConfig::PerVuIterations(PerVuIterations {
            vus: 1,
            iterations: 1,
            max_duration: secs(600)
        })
    );
}

#[test]
fn conflicting_options_in_one_layer_survive_the_merge_and_fail() {
    let merged = options("{}").merge(options(
        r#"{"duration": "1m", "scenarios": {"s": {"executor": "shared-iterations"}}}"#,
    ));
    let errors = crate::plan::resolve(&merged, BTreeMap::new()).expect_err("conflict");
    assert_eq!(
        errors.to_string(),
        "options.duration: `duration` and `scenarios` can't be used together (k6 refuses this too)"
    );
}
