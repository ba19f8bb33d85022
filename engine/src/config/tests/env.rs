use std::time::Duration;

use crate::config::{Options, Stage, parse_stage};

fn vars(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Vec<_>>()
        .into_iter()
}

fn from_env(pairs: &[(&str, &str)]) -> Options {
    match Options::from_env(vars(pairs)) {
        Ok(options) => options,
        Err(errors) => panic!("variables should parse:\n{errors}"),
    }
}

#[test]
fn reads_every_volley_variable() {
    let o = from_env(&[
        ("VOLLEY_VUS", "5"),
        ("VOLLEY_DURATION", "1m"),
        ("VOLLEY_ITERATIONS", "50"),
        ("VOLLEY_STAGES", "30s:10,1m:20"),
        ("VOLLEY_USER_AGENT", "ci-bot"),
        ("VOLLEY_INSECURE_SKIP_TLS_VERIFY", "true"),
        ("VOLLEY_MAX_REDIRECTS", "2"),
        ("VOLLEY_SETUP_TIMEOUT", "90s"),
        ("VOLLEY_TEARDOWN_TIMEOUT", "5000"),
        ("VOLLEY_SUMMARY_TREND_STATS", "avg, p(99), max"),
        ("VOLLEY_HTTP_TIMEOUT", "15s"),
        ("VOLLEY_DISCARD_RESPONSE_BODIES", "1"),
        ("VOLLEY_SEED", "7"),
        ("VOLLEY_NO_SETUP", "True"),
        ("VOLLEY_NO_TEARDOWN", "f"),
    ]);
    assert_eq!(o.vus, Some(5));
    assert_eq!(o.duration, Some(Duration::from_secs(60)));
    assert_eq!(o.iterations, Some(50));
    assert_eq!(
        o.stages,
        Some(vec![
            Stage {
                duration: Duration::from_secs(30),
                target: 10,
                name: None,
            },
            Stage {
                duration: Duration::from_secs(60),
                target: 20,
                name: None,
            },
        ])
    );
    assert_eq!(o.user_agent.as_deref(), Some("ci-bot"));
    assert_eq!(o.insecure_skip_tls_verify, Some(true));
    assert_eq!(o.max_redirects, Some(2));
    assert_eq!(o.setup_timeout, Some(Duration::from_secs(90)));
    assert_eq!(o.teardown_timeout, Some(Duration::from_secs(5)));
    assert_eq!(
        o.summary_trend_stats,
        Some(vec![
            "avg".to_string(),
            "p(99)".to_string(),
            "max".to_string()
        ])
    );
    assert_eq!(o.http_timeout, Some(Duration::from_secs(15)));
    assert_eq!(o.discard_response_bodies, Some(true));
    assert_eq!(o.seed, Some(7));
    assert_eq!((o.no_setup, o.no_teardown), (Some(true), Some(false)));
}

#[test]
fn ignores_other_and_empty_variables() {
    let o = from_env(&[
        ("K6_VUS", ""),
        ("PATH", "/usr/bin"),
        ("VOLLEY_LOG", "debug"),
        ("VOLLEY_VUS", ""),
    ]);
    assert_eq!(o, Options::default());
}

#[test]
fn reports_every_bad_variable_by_name() {
    let errors = Options::from_env(vars(&[
        ("VOLLEY_VUS", "ten"),
        ("VOLLEY_DURATION", "forever"),
        ("VOLLEY_STAGES", "30s:10,oops,1m:x"),
        ("VOLLEY_INSECURE_SKIP_TLS_VERIFY", "yes"),
        ("VOLLEY_MAX_REDIRECTS", "-1"),
        ("VOLLEY_SEED", "1.5"),
    ]))
    .expect_err("all bad");
    let lines: Vec<String> = errors.errors().iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 7, "{}", lines.join("\n"));
    assert_eq!(
        lines[0],
        "VOLLEY_VUS: expected a non-negative integer, got \"ten\""
    );
    assert!(lines[1].starts_with("VOLLEY_DURATION: invalid duration \"forever\""));
    assert!(lines[2].starts_with("VOLLEY_STAGES: invalid stage \"oops\""));
    assert!(lines[3].starts_with("VOLLEY_STAGES: invalid stage \"1m:x\""));
    assert_eq!(
        lines[4],
        "VOLLEY_INSECURE_SKIP_TLS_VERIFY: expected true or false, got \"yes\""
    );
    assert!(lines[5].starts_with("VOLLEY_MAX_REDIRECTS: "));
    assert!(lines[6].starts_with("VOLLEY_SEED: "));
    // Display: one error per line.
    assert_eq!(errors.to_string().lines().count(), 7);
}

#[test]
fn env_shortcuts_resolve_like_k6_ones() {
    // k6: K6_VUS=10 K6_DURATION=10000 gives 10 VUs for 10s (bare ms).
    let options = from_env(&[("VOLLEY_VUS", "10"), ("VOLLEY_DURATION", "10000")]);
    let plan = crate::plan::resolve(&options, Default::default()).expect("valid");
    assert_eq!(
        plan.scenarios[0].executor,
        crate::plan::ExecutorConfig::ConstantVus(crate::executor::ConstantVus {
            vus: 10,
            duration: Duration::from_secs(10)
        })
    );
}

#[test]
fn parses_cli_stages() {
    assert_eq!(
        parse_stage("30s:100"),
        Ok(Stage {
            duration: Duration::from_secs(30),
            target: 100,
            name: None,
        })
    );
    assert_eq!(
        parse_stage("1m30s:0"),
        Ok(Stage {
            duration: Duration::from_secs(90),
            target: 0,
            name: None,
        })
    );
    assert_eq!(
        parse_stage(" 2m : 5 "),
        Ok(Stage {
            duration: Duration::from_secs(120),
            target: 5,
            name: None,
        })
    );
    assert_eq!(
        parse_stage("0s:10"),
        Ok(Stage {
            duration: Duration::ZERO,
            target: 10,
            name: None,
        })
    );
}

#[test]
fn rejects_bad_cli_stages() {
    for (text, why) in [
        ("30s", "DURATION:TARGET"),
        ("30s:", "target"),
        (":10", "empty duration"),
        ("30s:-5", "non-negative"),
        ("abc:5", "invalid duration"),
        // k6 refuses unitless stage durations ("10:20s" has its halves swapped).
        ("10:20s", "needs a unit"),
        ("1000:20", "needs a unit"),
    ] {
        let error = parse_stage(text).expect_err(text);
        assert!(error.contains(why), "{text}: {error}");
    }
}

#[test]
fn reads_k6_names_with_volley_winning() {
    let o = from_env(&[
        ("K6_VUS", "3"),
        ("K6_ITERATIONS", "30"),
        ("K6_DURATION", "10s"),
        ("VOLLEY_DURATION", "20s"),
        ("K6_NO_SETUP", "true"),
        ("K6_UNRELATED_THING", "x"),
    ]);
    assert_eq!(o.vus, Some(3));
    assert_eq!(o.iterations, Some(30));
    assert_eq!(o.duration, Some(Duration::from_secs(20)), "VOLLEY_* wins");
    assert_eq!(o.no_setup, Some(true));
    // An empty VOLLEY_* value is unset, so the K6_* one applies.
    let o = from_env(&[("K6_VUS", "4"), ("VOLLEY_VUS", "")]);
    assert_eq!(o.vus, Some(4));
    // A bad K6_* value is named by its own variable.
    let err = Options::from_env(vars(&[("K6_VUS", "many")]))
        .expect_err("refused")
        .to_string();
    assert!(err.contains("K6_VUS"), "{err}");
}
