//! Each executor runs the iterations and VUs its definition says, and
//! several scenarios run side by side. Timing (when each iteration starts)
//! is tested on a virtual clock in the executors' own unit tests; these
//! tests check, through the real binary, what does not depend on how fast
//! the machine is: counts of scheduled iterations, VUs, and that every
//! request the target saw is in the metrics.

use crate::support::{Target, fixture, metric, temp_file, volley_run};

fn run_config(t: &Target, options: &str, ms: &str) -> crate::support::Run {
    let cfg = temp_file("options.json", options);
    let ms = format!("MS={ms}");
    t.run_fixture(
        "delay",
        &["-c", cfg.to_str().unwrap_or_default(), "-e", &ms],
    )
}

#[test]
fn ramping_vus_reaches_each_stage_target() {
    let t = Target::start();
    let run = run_config(
        &t,
        r#"{"scenarios": {"ramp": {"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "1s",
            "stages": [{"duration": "1s", "target": 6}, {"duration": "2s", "target": 6}, {"duration": "1s", "target": 0}]}}}"#,
        "20",
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "vus_max", "value"), 6.0);
    assert_eq!(
        metric(&export, "vus", "max"),
        6.0,
        "the plateau runs all 6 VUs"
    );
    let iterations = metric(&export, "iterations", "count");
    assert!(iterations > 0.0);
    assert_eq!(iterations, t.stats().requests as f64);
}

#[test]
fn constant_arrival_rate_holds_its_rate() {
    let t = Target::start();
    let run = run_config(
        &t,
        r#"{"scenarios": {"open": {"executor": "constant-arrival-rate", "rate": 100, "timeUnit": "1s",
            "duration": "2s", "preAllocatedVUs": 10, "maxVUs": 10}}}"#,
        "10",
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    let iterations = metric(&export, "iterations", "count");
    let dropped = export["metrics"]["dropped_iterations"]["count"]
        .as_f64()
        .unwrap_or(0.0);
    assert_eq!(
        iterations + dropped,
        200.0,
        "100/s for 2 s schedules exactly 200 iterations"
    );
    assert_eq!(iterations, t.stats().requests as f64);
}

#[test]
fn arrival_rate_drops_iterations_without_a_free_vu() {
    let t = Target::start();
    let run = run_config(
        &t,
        r#"{"scenarios": {"open": {"executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s",
            "duration": "2s", "preAllocatedVUs": 1, "maxVUs": 1}}}"#,
        "200",
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    let done = metric(&export, "iterations", "count");
    let dropped = metric(&export, "dropped_iterations", "count");
    assert!(
        dropped >= 20.0,
        "one VU busy 200 ms cannot start 20/s: dropped {dropped}"
    );
    assert_eq!(
        done + dropped,
        40.0,
        "every scheduled iteration is run or dropped: {done} + {dropped}"
    );
    // Open model: durations are measured from the intended start.
    assert!(metric(&export, "iteration_duration", "min") >= 200.0);
}

#[test]
fn ramping_arrival_rate_follows_the_integral_of_its_stages() {
    let t = Target::start();
    let run = run_config(
        &t,
        r#"{"scenarios": {"ramp": {"executor": "ramping-arrival-rate", "startRate": 0, "timeUnit": "1s",
            "preAllocatedVUs": 5, "stages": [{"duration": "2s", "target": 100}]}}}"#,
        "5",
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    let iterations = metric(&export, "iterations", "count");
    let dropped = export["metrics"]["dropped_iterations"]["count"]
        .as_f64()
        .unwrap_or(0.0);
    // The area under the rate is 100, but the 100th iteration falls due at
    // exactly 2 s, the executor's end, where k6 starts none: 99, as in k6.
    assert_eq!(
        iterations + dropped,
        99.0,
        "0→100/s over 2 s schedules 99 iterations"
    );
}

#[test]
fn scenarios_with_start_times_run_side_by_side() {
    let t = Target::start();
    let run = run_config(
        &t,
        r#"{"scenarios": {
            "first": {"executor": "per-vu-iterations", "vus": 2, "iterations": 5},
            "later": {"executor": "shared-iterations", "vus": 3, "iterations": 7, "startTime": "1s"}},
          "thresholds": {"iterations{scenario:first}": ["count==10"], "iterations{scenario:later}": ["count==7"],
                         "http_reqs{scenario:later}": ["count==7"]}}"#,
        "10",
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 17);
}

#[test]
fn allow_host_denies_other_hosts_without_connecting() {
    let allowed = Target::start();
    let other = Target::start();
    let other_url = format!("OTHER_URL={}", other.url);
    let allow = allowed.url.trim_start_matches("http://").to_string();
    let run = allowed.run_fixture(
        "other",
        &["-i", "3", "-e", &other_url, "--allow-host", &allow],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(allowed.stats().requests, 3);
    assert_eq!(
        other.stats().requests,
        0,
        "no request reached the other host"
    );
    let export = run.export.expect("export");
    assert_eq!(
        metric(&export, "http_req_failed", "passes"),
        3.0,
        "denied requests count as failed"
    );
    assert!(run.stderr.contains("allow-host"), "{}", run.stderr);

    let bad = volley_run(&fixture(), &["-i", "1", "--allow-host", "a.*.com"]);
    assert_eq!(bad.code, Some(104), "{}", bad.stderr);
}

#[test]
fn blocked_networks_make_no_connection() {
    let allowed = Target::start();
    let blocked = Target::start_on([127, 0, 0, 2]);
    let other_url = format!("OTHER_URL={}", blocked.url);
    // k6's blacklistIPs, as a flag: only the 127.0.0.2 target is blocked.
    let run = allowed.run_fixture(
        "other",
        &[
            "-i",
            "3",
            "-e",
            &other_url,
            "--blacklist-ip",
            "127.0.0.2/32",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(allowed.stats().requests, 3);
    assert_eq!(blocked.stats().requests, 0, "no request reached 127.0.0.2");
    assert!(run.stderr.contains("1110"), "{}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "http_req_failed", "passes"), 3.0);

    // --block-private covers loopback: nothing reaches either target.
    let run = allowed.run_fixture("other", &["-i", "2", "-e", &other_url, "--block-private"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(allowed.stats().requests, 3, "no new request");
    assert_eq!(blocked.stats().requests, 0);
    let export = run.export.expect("export");
    // The first request of each iteration fails it, so 2 requests in all.
    assert_eq!(metric(&export, "http_req_failed", "passes"), 2.0);
    assert!(run.stderr.contains("--block-private"), "{}", run.stderr);

    // The same from the options, and a bad network is refused up front.
    let bad = volley_run(&fixture(), &["-i", "1", "--blacklist-ip", "10.0.0.0/99"]);
    assert_eq!(bad.code, Some(104), "{}", bad.stderr);
    assert!(bad.stderr.contains("blacklistIPs"), "{}", bad.stderr);
}
