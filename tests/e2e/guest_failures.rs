//! A guest that fails, traps, spins or allocates without bound fails its
//! iteration (counted) and the run goes on; setup failures and aborts end
//! the run with k6's exit codes.

use crate::support::{Target, fixture, metric, volley_run};

#[test]
fn trapping_iterations_are_counted_and_the_run_goes_on() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &fixture(),
        &[
            "--vus",
            "1",
            "-i",
            "6",
            "-e",
            &base,
            "-e",
            "MODE=trap",
            "-q",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "iterations", "count"), 6.0);
    assert_eq!(metric(&export, "iterations_failed", "count"), 3.0);
    assert_eq!(metric(&export, "http_reqs", "count"), 6.0);
    assert_eq!(t.stats().requests, 6);
    assert!(
        run.stderr.contains("panicked"),
        "the trap is reported: {}",
        run.stderr
    );
}

#[test]
fn returned_errors_fail_iterations() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &fixture(),
        &["-i", "4", "-e", &base, "-e", "MODE=error", "-q"],
    );
    assert_eq!(run.code, Some(0));
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "iterations_failed", "count"), 4.0);
    assert!(run.stderr.contains("fixture error"), "{}", run.stderr);
}

#[test]
fn a_spinning_guest_is_stopped_by_the_cpu_limit() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &fixture(),
        &[
            "-i",
            "2",
            "-e",
            &base,
            "-e",
            "MODE=spin",
            "--iteration-cpu-limit",
            "200ms",
            "-q",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "iterations_failed", "count"), 2.0);
    assert!(run.stderr.contains("CPU time"), "{}", run.stderr);
}

#[test]
fn a_guest_that_allocates_without_bound_hits_the_memory_limit() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &fixture(),
        &[
            "-i",
            "2",
            "-e",
            &base,
            "-e",
            "MODE=alloc",
            "--vu-memory",
            "16MiB",
            "-q",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "iterations_failed", "count"), 2.0);
    assert!(run.stderr.contains("out of memory"), "{}", run.stderr);
}

#[test]
fn setup_failure_exits_107_and_abort_exits_108() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &fixture(),
        &["-i", "2", "-e", &base, "-e", "MODE=setup_fail", "-q"],
    );
    assert_eq!(run.code, Some(107), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("fixture setup failed"),
        "{}",
        run.stderr
    );
    assert_eq!(t.stats().requests, 0, "no VU ran");

    let run = volley_run(
        &fixture(),
        &[
            "--vus",
            "1",
            "-d",
            "30s",
            "-e",
            &base,
            "-e",
            "MODE=abort",
            "-q",
        ],
    );
    assert_eq!(run.code, Some(108), "stderr: {}", run.stderr);
    let export = run.export.expect("summary written after an abort");
    assert!(metric(&export, "http_reqs", "count") >= 3.0);
}

#[test]
fn setup_over_its_timeout_exits_100() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let cfg = crate::support::temp_file("t.json", r#"{"setupTimeout": "1s"}"#);
    let started = std::time::Instant::now();
    let run = volley_run(
        &fixture(),
        &[
            "-i",
            "1",
            "-e",
            &base,
            "-e",
            "MODE=setup_slow",
            "-c",
            cfg.to_str().unwrap_or_default(),
            "-q",
        ],
    );
    assert_eq!(run.code, Some(100), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("setupTimeout"),
        "names the option to raise: {}",
        run.stderr
    );
    assert!(
        started.elapsed().as_secs() < 4,
        "gave up after the timeout, not after setup"
    );
}

#[test]
fn large_bodies_are_refused_past_max_body() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let cfg = crate::support::temp_file("t.json", r#"{"maxBodyBytes": 1000}"#);
    let run = volley_run(
        &fixture(),
        &[
            "-i",
            "2",
            "-e",
            &base,
            "-e",
            "MODE=big",
            "-c",
            cfg.to_str().unwrap_or_default(),
            "-q",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("export");
    assert_eq!(
        metric(&export, "http_req_failed", "passes"),
        2.0,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("maxBodyBytes"), "{}", run.stderr);
}
