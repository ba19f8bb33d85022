//! Top-level checks, defaults of the plan, and reporting every problem at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::{options, plan, resolve_errors};
use crate::plan::DEFAULT_USER_AGENT;

#[test]
fn unset_options_take_the_defaults() {
    let plan = plan("{}");
    assert_eq!(plan.http.user_agent, DEFAULT_USER_AGENT);
    assert!(plan.http.user_agent.starts_with("volley/"));
    assert!(
        plan.http
            .user_agent
            .ends_with(" (https://github.com/volley-rs/volley)")
    );
    assert_eq!(plan.http.timeout, Duration::from_secs(60));
    assert_eq!(plan.http.max_redirects, 10);
    assert!(!plan.http.insecure_skip_tls_verify);
    assert!(!plan.http.discard_response_bodies);
    assert_eq!(plan.http.max_body_bytes, 64 * 1024 * 1024);
    assert_eq!(plan.setup_timeout, Duration::from_secs(60));
    assert_eq!(plan.teardown_timeout, Duration::from_secs(60));
    assert_eq!(
        plan.summary_trend_stats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["avg", "min", "med", "max", "p(90)", "p(95)"]
    );
    assert!(
        plan.thresholds.is_empty()
            && plan.tags.is_empty()
            && plan.data.is_empty()
            && plan.env.is_empty()
    );
    assert!(!plan.no_setup && !plan.no_teardown);
}

#[test]
fn set_options_reach_the_plan() {
    let json = r#"{"userAgent": "", "httpTimeout": "5s", "maxRedirects": 0, "insecureSkipTLSVerify": true,
                   "discardResponseBodies": true, "maxBodyBytes": 10, "setupTimeout": "2m",
                   "teardownTimeout": "3m", "summaryTrendStats": ["count", "p(99.9)", "p(0)", "p(100)"],
                   "thresholds": {"checks": ["rate>0.9"]}, "tags": {"env": "staging"},
                   "data": {"users": "data/users.json"}, "seed": 1234, "noSetup": true, "noTeardown": true}"#;
    let env = BTreeMap::from([("BASE_URL".to_string(), "http://localhost:8080".to_string())]);
    let plan = crate::plan::resolve(&options(json), env.clone()).expect("valid");
    // k6 sends no User-Agent when it is set to "".
    assert_eq!(plan.http.user_agent, "");
    assert_eq!(plan.http.timeout, Duration::from_secs(5));
    assert_eq!(plan.http.max_redirects, 0);
    assert!(plan.http.insecure_skip_tls_verify && plan.http.discard_response_bodies);
    assert_eq!(plan.http.max_body_bytes, 10);
    assert_eq!(plan.setup_timeout, Duration::from_secs(120));
    assert_eq!(plan.teardown_timeout, Duration::from_secs(180));
    assert_eq!(
        plan.summary_trend_stats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["count", "p(99.9)", "p(0)", "p(100)"]
    );
    assert!(plan.thresholds.contains_key("checks"));
    assert_eq!(plan.tags["env"], "staging");
    assert_eq!(plan.data["users"], PathBuf::from("data/users.json"));
    assert_eq!(plan.seed, 1234);
    assert!(plan.no_setup && plan.no_teardown);
    assert_eq!(plan.env, env);
}

#[test]
fn bad_trend_stats_are_named_by_position() {
    let errors = resolve_errors(
        r#"{"summaryTrendStats": ["avg", "mean", "p(101)", "p(x)", "p95", "p(-1)"]}"#,
    );
    let paths: Vec<&str> = errors.iter().filter_map(|e| e.split(": ").next()).collect();
    assert_eq!(
        paths,
        [
            "options.summaryTrendStats[1]",
            "options.summaryTrendStats[2]",
            "options.summaryTrendStats[3]",
            "options.summaryTrendStats[4]",
            "options.summaryTrendStats[5]",
        ]
    );
}

#[test]
fn zero_timeouts_are_errors() {
    assert_eq!(
        resolve_errors(r#"{"setupTimeout": 0, "teardownTimeout": "0s", "httpTimeout": "0ms"}"#),
        [
            "options.setupTimeout: must be more than 0",
            "options.teardownTimeout: must be more than 0",
            "options.httpTimeout: must be more than 0",
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let result = crate::plan::resolve(
        &options(
            r#"{
            "setupTimeout": "0s",
            "summaryTrendStats": ["p(200)"],
            "scenarios": {
                "browse": {"executor": "constant-vus", "vus": 0},
                "checkout": {"executor": "constant-arrival-rate", "rate": 10, "iterations": 5},
                "bad.name": {"executor": "per-vu-iterations", "duration": "1m"}
            }
        }"#,
        ),
        BTreeMap::new(),
    );
    let errors = result.expect_err("many problems");
    let text = errors.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let expected_paths = [
        "options.scenarios.bad.name",
        "options.scenarios.bad.name.duration",
        "options.scenarios.browse.duration",
        "options.scenarios.browse.vus",
        "options.scenarios.checkout.iterations",
        "options.scenarios.checkout.duration",
        "options.scenarios.checkout.preAllocatedVUs",
        "options.setupTimeout",
        "options.summaryTrendStats[0]",
    ];
    for path in expected_paths {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{path}: "))),
            "no {path} in:\n{text}"
        );
    }
    assert_eq!(lines.len(), expected_paths.len(), "{text}");
    assert_eq!(errors.errors().len(), lines.len());
}

#[test]
fn a_given_seed_is_kept() {
    assert_eq!(plan(r#"{"seed": 0}"#).seed, 0);
    assert_eq!(plan(r#"{"seed": 18446744073709551615}"#).seed, u64::MAX);
}
