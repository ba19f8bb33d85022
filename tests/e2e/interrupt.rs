//! Ctrl-C (SIGINT) stops the run gracefully: running iterations finish,
//! teardown runs, every result is written, and the exit code is 105.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Target, fixture, metric, tempdir};

#[test]
fn sigint_runs_teardown_writes_results_and_exits_105() {
    let t = Target::start();
    let export = tempdir().join("summary.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_volley"))
        .arg("run")
        .arg(fixture())
        .args(["--vus", "2", "--duration", "60s", "-q", "--no-color"])
        .args([
            "-e",
            &format!("BASE_URL={}", t.url),
            "-e",
            "MODE=delay",
            "-e",
            "MS=50",
            "-e",
            "TEARDOWN_PING=1",
        ])
        .arg("--summary-export")
        .arg(&export)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn volley");

    // Wait until load is flowing (bounded), then interrupt.
    let started = Instant::now();
    while t.stats().requests < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no load within 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("volley did not stop within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code, Some(105), "stderr: {stderr}");
    assert_eq!(
        t.stats().by_route.get("GET /bytes/{n}"),
        Some(&1),
        "teardown ran once"
    );
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).expect("summary export written"))
            .expect("JSON");
    let reqs = metric(&export, "http_reqs", "count");
    assert_eq!(
        reqs,
        t.stats().requests as f64,
        "every request, teardown's included, is in the results"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("interrupted"),
        "summary says why it stopped"
    );
}
