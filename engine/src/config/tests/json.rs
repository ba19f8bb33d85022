use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::{options, parse_errors};
use crate::config::{ConfigError, Options, Stage};

#[test]
fn reads_every_supported_top_level_option() {
    let o = options(
        r#"{
            "vus": 10, "duration": "1m30s", "iterations": 100,
            "stages": [{"duration": "30s", "target": 20}, {"duration": 5000, "target": 0}],
            "thresholds": {"http_req_duration": ["p(95)<500"]},
            "setupTimeout": "2m", "teardownTimeout": 30000,
            "userAgent": "k6-port/1.0", "insecureSkipTLSVerify": true, "maxRedirects": 3,
            "discardResponseBodies": true, "summaryTrendStats": ["avg", "p(99)"],
            "tags": {"team": "web"}, "noSetup": true, "noTeardown": false,
            "httpTimeout": "10s", "maxBodyBytes": 1024, "data": {"users": "users.csv"}, "seed": 42
        }"#,
    );
    assert_eq!(o.vus, Some(10));
    assert_eq!(o.duration, Some(Duration::from_secs(90)));
    assert_eq!(o.iterations, Some(100));
    assert_eq!(
        o.stages,
        Some(vec![
            Stage {
                duration: Duration::from_secs(30),
                target: 20,
                name: None,
            },
            Stage {
                duration: Duration::from_secs(5),
                target: 0,
                name: None,
            },
        ])
    );
    let thresholds = o.thresholds.expect("thresholds");
    assert_eq!(thresholds["http_req_duration"], json!(["p(95)<500"]));
    assert_eq!(o.setup_timeout, Some(Duration::from_secs(120)));
    assert_eq!(o.teardown_timeout, Some(Duration::from_secs(30)));
    assert_eq!(o.user_agent.as_deref(), Some("k6-port/1.0"));
    assert_eq!(o.insecure_skip_tls_verify, Some(true));
    assert_eq!(o.max_redirects, Some(3));
    assert_eq!(o.discard_response_bodies, Some(true));
    assert_eq!(
        o.summary_trend_stats,
        Some(vec!["avg".to_string(), "p(99)".to_string()])
    );
    assert_eq!(o.tags.expect("tags")["team"], "web");
    assert_eq!((o.no_setup, o.no_teardown), (Some(true), Some(false)));
    assert_eq!(o.http_timeout, Some(Duration::from_secs(10)));
    assert_eq!(o.max_body_bytes, Some(1024));
    assert_eq!(o.data.expect("data")["users"], PathBuf::from("users.csv"));
    assert_eq!(o.seed, Some(42));
}

#[test]
fn reads_every_scenario_option() {
    let o = options(
        r#"{"scenarios": {"browse": {
            "executor": "ramping-arrival-rate", "vus": 1, "duration": "1m", "iterations": 2,
            "maxDuration": "2m", "startVUs": 3, "stages": [{"duration": "10s", "target": 50}],
            "gracefulRampDown": "5s", "rate": 4, "timeUnit": "1m", "preAllocatedVUs": 5,
            "maxVUs": 6, "startRate": 7, "startTime": "30s", "gracefulStop": "0s",
            "exec": "browse", "env": {"A": "1"}, "tags": {"kind": "read"}
        }}}"#,
    );
    let scenarios = o.scenarios.expect("scenarios");
    let s = &scenarios["browse"];
    assert_eq!(s.executor.as_deref(), Some("ramping-arrival-rate"));
    // The executor's own options stay raw: the executor reads them.
    let keys: Vec<&str> = s.fields.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "duration",
            "gracefulRampDown",
            "iterations",
            "maxDuration",
            "maxVUs",
            "preAllocatedVUs",
            "rate",
            "stages",
            "startRate",
            "startVUs",
            "timeUnit",
            "vus"
        ]
    );
    assert_eq!(s.fields["rate"], json!(4));
    assert_eq!(s.start_time, Some(Duration::from_secs(30)));
    assert_eq!(s.graceful_stop, Some(Duration::ZERO));
    assert_eq!(s.exec.as_deref(), Some("browse"));
    assert_eq!(s.env.as_ref().expect("env")["A"], "1");
    assert_eq!(s.tags.as_ref().expect("tags")["kind"], "read");
}

#[test]
fn accepts_k6_value_spellings() {
    // Integer strings (k6's null.Int), whole floats from JavaScript, null as
    // unset, numbers of milliseconds and strings of them as durations.
    let o = options(
        r#"{"vus": "5", "iterations": 10.0, "seed": null, "duration": "10000", "setupTimeout": 1500.5}"#,
    );
    assert_eq!(o.vus, Some(5));
    assert_eq!(o.iterations, Some(10));
    assert_eq!(o.seed, None);
    assert_eq!(o.duration, Some(Duration::from_secs(10)));
    assert_eq!(o.setup_timeout, Some(Duration::from_micros(1_500_500)));
}

#[test]
fn empty_text_and_empty_object_set_nothing() {
    assert_eq!(options(""), Options::default());
    assert_eq!(options("  \n"), Options::default());
    assert_eq!(options("{}"), Options::default());
}

#[test]
fn unknown_and_unsupported_keys_are_warnings() {
    let (o, warnings) = Options::from_json(
        r#"{"vus": 2, "foo": 1, "hosts": {"a": "1.2.3.4"}, "rps": 10, "cloud": {}, "ext": {},
            "batch": 5, "noConnectionReuse": true, "tlsAuth": [], "env": {"A": "b"}}"#,
    )
    .expect("warnings only");
    assert_eq!(o.vus, Some(2));
    for key in [
        "hosts",
        "rps",
        "cloud",
        "ext",
        "batch",
        "noConnectionReuse",
        "tlsAuth",
    ] {
        let expected = format!("option {key} is not supported by volley yet; ignored");
        assert!(warnings.contains(&expected), "{expected} in {warnings:?}");
    }
    assert!(
        warnings.contains(&"options.foo: unknown option; ignored".to_string()),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("options.env:") && w.contains("--env")),
        "{warnings:?}"
    );
    assert_eq!(warnings.len(), 9);
}

#[test]
fn top_level_stages_without_duration_are_dropped_with_a_warning() {
    let (o, warnings) =
        Options::from_json(r#"{"stages": [{"target": 5}, {"duration": "1m", "target": 5}]}"#)
            .expect("k6 drops such stages");
    assert_eq!(
        o.stages,
        Some(vec![Stage {
            duration: Duration::from_secs(60),
            target: 5,
            name: None,
        }])
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("options.stages[0]:")),
        "{warnings:?}"
    );
}

#[test]
fn empty_scenarios_and_stages_warn() {
    let (o, warnings) = Options::from_json(r#"{"scenarios": {}, "stages": []}"#).expect("valid");
    assert_eq!(o.scenarios.map(|s| s.len()), Some(0));
    assert_eq!(o.stages, Some(vec![]));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn per_scenario_browser_options_warn() {
    let (_, warnings) = Options::from_json(
        r#"{"scenarios": {"ui": {"executor": "shared-iterations", "options": {"browser": {"type": "chromium"}}}}}"#,
    )
    .expect("valid k6");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("options.scenarios.ui.options:"));
}

#[test]
fn type_errors_name_the_key_path_and_the_expectation() {
    let errors = parse_errors(r#"{"scenarios": {"browse": {"executor": 7, "startTime": []}}}"#);
    assert_eq!(
        errors,
        [
            "options.scenarios.browse.executor: expected a string, got 7",
            "options.scenarios.browse.startTime: expected a duration such as \"30s\" or a number of milliseconds, got []"
        ]
    );
}

#[test]
fn reports_every_parse_error_at_once() {
    let errors = parse_errors(
        r#"{
            "vus": -1, "duration": "soon", "iterations": 1.5, "insecureSkipTLSVerify": "yes",
            "maxRedirects": 5000000000, "userAgent": 7, "tags": {"a": 1}, "thresholds": [],
            "summaryTrendStats": ["avg", 95], "stages": [{"duration": "1m"}, 3],
            "scenarios": {"a": {"executor": "constant-vus", "startTime": "x"},
                          "b": null}
        }"#,
    );
    let expected_paths = [
        "options.vus",
        "options.duration",
        "options.iterations",
        "options.insecureSkipTLSVerify",
        "options.maxRedirects",
        "options.userAgent",
        "options.tags.a",
        "options.thresholds",
        "options.summaryTrendStats[1]",
        "options.stages[0].target",
        "options.stages[1]",
        "options.scenarios.a.startTime",
        "options.scenarios.b",
    ];
    for path in expected_paths {
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{path}: "))),
            "no error for {path} in:\n{}",
            errors.join("\n")
        );
    }
    assert_eq!(errors.len(), expected_paths.len(), "{}", errors.join("\n"));
    assert!(errors.contains(&"options.vus: expected a non-negative integer, got -1".to_string()));
    assert!(errors.contains(
        &"options.insecureSkipTLSVerify: expected true or false, got \"yes\"".to_string()
    ));
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let errors =
        Options::from_json("{\n  \"vus\": 10,\n  \"duration\" \"30s\"\n}").expect_err("bad JSON");
    match errors.errors() {
        [
            ConfigError::Syntax {
                line,
                column,
                message,
                ..
            },
        ] => {
            assert_eq!(*line, 3);
            assert!(*column > 0);
            assert!(message.contains("expected `:`"), "{message}");
            assert!(!message.contains("at line"), "{message}");
        }
        other => panic!("one syntax error expected, got {other:?}"),
    }
    assert!(
        errors
            .to_string()
            .starts_with("options: invalid JSON at line 3, column ")
    );
}

#[test]
fn the_top_level_must_be_an_object() {
    assert_eq!(
        parse_errors("[1, 2]"),
        ["options: expected an object, got [1,2]"]
    );
}

#[test]
fn long_values_are_shortened_in_errors() {
    let long = "x".repeat(500);
    let errors = parse_errors(&format!(r#"{{"vus": "{long}"}}"#));
    assert!(errors[0].len() < 150, "{}", errors[0]);
    assert!(errors[0].ends_with('…'));
}
