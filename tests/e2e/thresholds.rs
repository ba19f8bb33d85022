//! Thresholds decide the exit code; abortOnFail stops the run early and
//! still writes every result.

use std::time::Instant;

use crate::support::{Target, metric, temp_file};

fn config(thresholds: &str, extra: &str) -> String {
    temp_file(
        "options.json",
        &format!(r#"{{"thresholds": {thresholds}{extra}}}"#),
    )
    .to_string_lossy()
    .into_owned()
}

#[test]
fn passing_thresholds_exit_0_and_failing_exit_99() {
    let t = Target::start();
    let pass = config(
        r#"{"http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<5000", "avg<5000"], "checks": ["rate==1"], "http_reqs": ["count==6"]}"#,
        "",
    );
    let run = t.run_fixture("", &["-i", "6", "-c", &pass]);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(
        export["metrics"]["http_req_failed"]["thresholds"]["rate<0.01"],
        serde_json::json!(false),
        "k6 marks failed thresholds true"
    );

    let fail = config(
        r#"{"http_req_duration": ["p(95)<5000"], "http_reqs": ["count<3"]}"#,
        "",
    );
    let run = t.run_fixture("", &["-i", "6", "-c", &fail]);
    assert_eq!(run.code, Some(99), "stdout: {}", run.stdout);
    assert!(
        run.stdout.contains("count<3"),
        "summary names the failed threshold: {}",
        run.stdout
    );
}

#[test]
fn sub_metric_thresholds_select_by_tag() {
    let t = Target::start();
    let cfg = config(
        r#"{"http_reqs{status:503}": ["count==4"], "http_reqs{status:200}": ["count==0"], "checks{check:is 200}": ["rate==0"]}"#,
        "",
    );
    let run = t.run_fixture("status", &["-i", "4", "-c", &cfg, "-e", "CODE=503"]);
    // count==0 on a series without samples: k6 does not evaluate it; it passes.
    run.assert_ok();
}

#[test]
fn abort_on_fail_stops_early_and_writes_the_summary() {
    let t = Target::start();
    let cfg = config(
        r#"{"http_req_duration": [{"threshold": "max<1", "abortOnFail": true}]}"#,
        "",
    );
    let started = Instant::now();
    let run = t.run_fixture(
        "delay",
        &["--vus", "2", "--duration", "60s", "-c", &cfg, "-e", "MS=20"],
    );
    assert_eq!(run.code, Some(99), "stderr: {}", run.stderr);
    assert!(
        started.elapsed().as_secs() < 30,
        "aborted long before the 60 s duration"
    );
    let export = run
        .export
        .expect("summary export written after abortOnFail");
    assert!(metric(&export, "http_reqs", "count") >= 1.0);
    assert_eq!(
        export["metrics"]["http_req_duration"]["thresholds"]["max<1"],
        serde_json::json!(true)
    );
}
