//! What the engine reports matches what the server saw.

use crate::support::{Target, metric, temp_file};

#[test]
fn shared_iterations_shortcut_counts_match_the_server() {
    let t = Target::start();
    let run = t.run_fixture("", &["--vus", "3", "--iterations", "30"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("summary export");
    let served = t.stats();
    assert_eq!(served.requests, 30);
    assert_eq!(
        metric(&export, "http_reqs", "count"),
        served.requests as f64
    );
    assert_eq!(metric(&export, "iterations", "count"), 30.0);
    assert_eq!(metric(&export, "checks", "passes"), 30.0);
    assert_eq!(metric(&export, "checks", "fails"), 0.0);
    assert!(
        run.stdout.contains("http_reqs"),
        "summary printed: {}",
        run.stdout
    );
}

#[test]
fn per_vu_iterations_run_vus_times_iterations() {
    let t = Target::start();
    let config = temp_file(
        "options.json",
        r#"{"scenarios": {"each": {"executor": "per-vu-iterations", "vus": 3, "iterations": 4}}}"#,
    );
    let run = t.run_fixture("", &["-c", config.to_str().unwrap_or_default()]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("summary export");
    assert_eq!(metric(&export, "iterations", "count"), 12.0);
    assert_eq!(metric(&export, "http_reqs", "count"), 12.0);
    assert_eq!(t.stats().requests, 12);
    assert_eq!(t.stats().by_route.get("GET /health"), Some(&12));
}

#[test]
fn constant_vus_runs_for_the_duration_and_counts_match() {
    let t = Target::start();
    let run = t.run_fixture("delay", &["--vus", "2", "--duration", "1s", "-e", "MS=50"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("summary export");
    let reqs = metric(&export, "http_reqs", "count");
    // 2 VUs × ~1 s / 50 ms: about 40; generous bounds for a loaded machine.
    assert!((10.0..=44.0).contains(&reqs), "http_reqs {reqs}");
    assert_eq!(reqs, t.stats().requests as f64);
    assert_eq!(metric(&export, "iterations", "count"), reqs);
    assert_eq!(metric(&export, "vus_max", "value"), 2.0);
}

#[test]
fn checks_follow_the_status_the_server_returns() {
    let t = Target::start();
    let ok = t.run_fixture("status", &["-i", "5", "-e", "CODE=200"]);
    let ok = ok.export.expect("export");
    assert_eq!(metric(&ok, "checks", "passes"), 10.0);
    assert_eq!(metric(&ok, "checks", "fails"), 0.0);

    let bad = t.run_fixture("status", &["-i", "5", "-e", "CODE=503"]);
    assert_eq!(
        bad.code,
        Some(0),
        "no thresholds, so failed checks alone do not fail the run"
    );
    let bad_export = bad.export.expect("export");
    assert_eq!(metric(&bad_export, "checks", "passes"), 0.0);
    assert_eq!(metric(&bad_export, "checks", "fails"), 10.0);
    assert_eq!(
        metric(&bad_export, "http_req_failed", "passes"),
        5.0,
        "503 is not an expected response"
    );
    let checks = &bad_export["root_group"]["checks"];
    assert_eq!(checks["is 200"]["fails"].as_f64(), Some(5.0), "{checks}");
    assert_eq!(
        checks["is not 5xx"]["fails"].as_f64(),
        Some(5.0),
        "{checks}"
    );

    let mixed = t.run_fixture("status", &["-i", "4", "-e", "CODE=404"]);
    let mixed = mixed.export.expect("export");
    assert_eq!(metric(&mixed, "checks", "passes"), 4.0, "404 is not 5xx");
    assert_eq!(metric(&mixed, "checks", "fails"), 4.0, "404 is not 200");
    assert!(bad.stdout.contains("is 200"), "{}", bad.stdout);
}

#[test]
fn delay_shows_in_duration_and_waiting() {
    let t = Target::start();
    let run = t.run_fixture("delay", &["-i", "5", "-e", "MS=100"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    let med = metric(&export, "http_req_duration", "med");
    let waiting = metric(&export, "http_req_waiting", "med");
    assert!(med >= 100.0, "http_req_duration med {med}");
    assert!(
        waiting >= 100.0 && waiting <= med,
        "http_req_waiting med {waiting} vs duration {med}"
    );
    assert!(metric(&export, "http_req_receiving", "max") < 100.0);
}
