//! A guest that fails, traps, spins or allocates without bound fails its
//! iteration (counted) and the run goes on; setup failures and aborts end
//! the run with k6's exit codes.

use crate::support::{Run, Target, metric, temp_file};

/// Exit 0 with `failed` failed iterations and `message` in the log.
fn assert_failed_iterations(run: &Run, failed: f64, message: &str) {
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.as_ref().expect("export");
    assert_eq!(metric(export, "iterations_failed", "count"), failed);
    assert!(
        run.stderr.contains(message),
        "expected {message:?} in: {}",
        run.stderr
    );
}

#[test]
fn trapping_iterations_are_counted_and_the_run_goes_on() {
    let t = Target::start();
    let run = t.run_fixture("trap", &["--vus", "1", "-i", "6"]);
    assert_failed_iterations(&run, 3.0, "panicked");
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "iterations", "count"), 6.0);
    assert_eq!(metric(&export, "http_reqs", "count"), 6.0);
    assert_eq!(t.stats().requests, 6);
}

#[test]
fn returned_errors_fail_iterations() {
    let t = Target::start();
    assert_failed_iterations(&t.run_fixture("error", &["-i", "4"]), 4.0, "fixture error");
}

#[test]
fn a_spinning_guest_is_stopped_by_the_cpu_limit() {
    let t = Target::start();
    let run = t.run_fixture("spin", &["-i", "2", "--iteration-cpu-limit", "200ms"]);
    assert_failed_iterations(&run, 2.0, "CPU time");
}

#[test]
fn a_guest_that_allocates_without_bound_hits_the_memory_limit() {
    let t = Target::start();
    let run = t.run_fixture("alloc", &["-i", "2", "--vu-memory", "16MiB"]);
    assert_failed_iterations(&run, 2.0, "out of memory");
}

#[test]
fn setup_failure_exits_107_and_abort_exits_108() {
    let t = Target::start();
    let run = t.run_fixture("setup_fail", &["-i", "2"]);
    assert_eq!(run.code, Some(107), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("fixture setup failed"),
        "{}",
        run.stderr
    );
    assert_eq!(t.stats().requests, 0, "no VU ran");

    let run = t.run_fixture("abort", &["--vus", "1", "-d", "30s"]);
    assert_eq!(run.code, Some(108), "stderr: {}", run.stderr);
    let export = run.export.expect("summary written after an abort");
    assert!(metric(&export, "http_reqs", "count") >= 3.0);
}

#[test]
fn setup_over_its_timeout_exits_100() {
    let t = Target::start();
    let cfg = temp_file("t.json", r#"{"setupTimeout": "1s"}"#);
    let started = std::time::Instant::now();
    let run = t.run_fixture(
        "setup_slow",
        &["-i", "1", "-c", cfg.to_str().unwrap_or_default()],
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
    let cfg = temp_file("t.json", r#"{"maxBodyBytes": 1000}"#);
    let run = t.run_fixture("big", &["-i", "2", "-c", cfg.to_str().unwrap_or_default()]);
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
