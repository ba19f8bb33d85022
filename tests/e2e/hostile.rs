//! A hostile or broken scenario cannot crash, hang or bloat the engine,
//! and bad run inputs are refused before any load: the hostile fixture
//! (`tests/fixtures/hostile`, its attack chosen by `--env HOSTILE=...`)
//! run by the real binary against the demo target. Every run is bounded
//! in count and time.

use std::time::{Duration, Instant};

use crate::support::{Target, fixture, hostile, temp_file, tempdir, volley, volley_run};

/// `volley run <hostile> -e BASE_URL=... -e HOSTILE=mode -q ARGS...`,
/// with a summary export.
fn run_hostile(t: &Target, mode: &str, args: &[&str]) -> crate::support::Run {
    let base = format!("BASE_URL={}", t.url);
    let mode = format!("HOSTILE={mode}");
    let mut all = vec!["-e", base.as_str(), "-e", mode.as_str(), "-q"];
    all.extend_from_slice(args);
    volley_run(&hostile(), &all)
}

fn assert_refused(run: &crate::support::Run, needles: &[&str]) {
    crate::support::assert_clear(run, 104, needles);
}

#[test]
fn unwritable_output_paths_are_refused_before_any_load() {
    let t = Target::start();
    let scenario = hostile();
    let scenario = scenario.to_str().unwrap_or_default();
    let base = format!("BASE_URL={}", t.url);
    let missing = "/nonexistent-volley-dir/out";
    let cases: [(&str, String); 7] = [
        ("--summary-export", format!("{missing}/export.json")),
        ("--results", format!("{missing}/results.json")),
        ("--html", format!("{missing}/report.html")),
        ("--junit", format!("{missing}/junit.xml")),
        ("--out", format!("json={missing}/points.json")),
        ("--out", format!("csv={missing}/points.csv")),
        // A folder where a file is wanted.
        ("--summary-export", tempdir().display().to_string()),
    ];
    for (flag, value) in &cases {
        let run = volley(&[
            "run",
            scenario,
            "-e",
            &base,
            "-e",
            "HOSTILE=health",
            "-i",
            "3",
            "-q",
            "--no-color",
            flag,
            value,
        ]);
        let what = if value.contains(missing) {
            "does not exist; create it first"
        } else {
            "is a directory; give a file path"
        };
        assert_refused(&run, &[flag, what]);
    }
    assert_eq!(t.stats().requests, 0, "no request was sent");

    // One good output beside a bad one: the good one's file is not left behind.
    let dir = tempdir();
    let good = dir.join("points.json");
    let run = run_hostile(
        &t,
        "health",
        &[
            "-i",
            "3",
            "--out",
            &format!("json={}", good.display()),
            "--junit",
            &format!("{missing}/junit.xml"),
        ],
    );
    assert_refused(&run, &["--junit"]);
    assert!(!good.exists(), "the refused run left {}", good.display());
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "junk files left: {left:?}");
    assert_eq!(t.stats().requests, 0, "no request was sent");
}

#[test]
fn zero_cpu_limit_and_url_as_allowed_host_are_refused() {
    let t = Target::start();
    let run = run_hostile(&t, "health", &["-i", "1", "--iteration-cpu-limit", "0s"]);
    assert_refused(&run, &["--iteration-cpu-limit", "is zero"]);
    let url = format!("{}/health", t.url);
    let run = run_hostile(&t, "health", &["-i", "1", "--allow-host", &url]);
    let host = t.url.trim_start_matches("http://");
    assert_refused(
        &run,
        &[
            "--allow-host",
            "give a host name, not a URL",
            &format!("--allow-host {host}"),
        ],
    );
    assert_eq!(t.stats().requests, 0, "no request was sent");
}

#[test]
fn a_guest_calling_exit_gets_one_clear_line() {
    let t = Target::start();
    let run = run_hostile(&t, "exit", &["-i", "2"]);
    assert!(
        matches!(run.code, Some(0) | Some(99)),
        "the guest's exit is not the engine's: code {:?}, stderr: {}",
        run.code,
        run.stderr
    );
    assert!(
        run.stderr.contains("the scenario called exit (status 1;"),
        "stderr: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("backtrace") && !run.stderr.contains("wasm function"),
        "no raw wasm backtrace: {}",
        run.stderr
    );
    let export = run.export.expect("summary export written");
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        t.stats().requests as f64,
        "the requests before exit() are counted"
    );
    assert_eq!(t.stats().requests, 2);
}

/// The error catalogue's entry of the summary export, as (kind, code, count).
fn errors(export: &serde_json::Value) -> Vec<(String, u64, u64)> {
    export["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    (
                        e["kind"].as_str().unwrap_or_default().to_string(),
                        e["error_code"].as_u64().unwrap_or_default(),
                        e["count"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn blocked_loopback_holds_for_unspecified_addresses_and_trailing_dots() {
    let t = Target::start();
    let port = t.url.rsplit(':').next().unwrap_or_default().to_string();
    for target in [
        format!("http://0.0.0.0:{port}"),
        format!("http://[::]:{port}"),
        format!("http://[::1]:{port}"),
        format!("http://127.0.0.1:{port}"),
    ] {
        let run = run_hostile(
            &t,
            "blocked",
            &[
                "-i",
                "2",
                "-e",
                &format!("TARGET_URL={target}"),
                "--blacklist-ip",
                "127.0.0.0/8",
            ],
        );
        run.assert_ok();
        let export = run.export.expect("summary export");
        assert_eq!(
            errors(&export),
            vec![("blocked IP".to_string(), 1110, 2)],
            "{target}: {}",
            run.stderr
        );
        assert_eq!(
            export["root_group"]["checks"]["blocked"]["passes"], 2,
            "{target}: the guest sees a blocked error: {}",
            export["root_group"]["checks"]
        );
    }
    for (flag, value) in [
        ("--block-hostnames", "localhost"),
        ("--block-hostnames", "localhost."),
    ] {
        let run = run_hostile(
            &t,
            "blocked",
            &[
                "-i",
                "1",
                "-e",
                &format!("TARGET_URL=http://localhost.:{port}"),
                flag,
                value,
            ],
        );
        run.assert_ok();
        let export = run.export.expect("summary export");
        assert_eq!(
            errors(&export),
            vec![("blocked host name".to_string(), 1111, 1)],
            "{flag} {value}: {}",
            run.stderr
        );
    }
    assert_eq!(
        t.stats().requests,
        0,
        "no blocked request reached the server"
    );
}

/// A `volley run` in the background, to be interrupted.
struct Background {
    child: std::process::Child,
    out: Option<std::thread::JoinHandle<Vec<u8>>>,
    err: Option<std::thread::JoinHandle<Vec<u8>>>,
    export: std::path::PathBuf,
}

/// How a background run ended.
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    export: Option<serde_json::Value>,
    /// Its peak resident memory (VmHWM) in KiB, as last read while it ran.
    peak_kib: u64,
}

/// VmHWM of process `pid` in KiB (0 when it cannot be read).
fn vm_hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

impl Background {
    /// `volley run SCENARIO ARGS... --summary-export FILE -q --no-color`.
    fn start(scenario: &std::path::Path, args: &[&str]) -> Background {
        use std::process::{Command, Stdio};
        let export = tempdir().join("export.json");
        let mut child = Command::new(env!("CARGO_BIN_EXE_volley"))
            .arg("run")
            .arg(scenario)
            .args(args)
            .args(["-q", "--no-color", "--summary-export"])
            .arg(&export)
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn volley");
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
        Background {
            child,
            out: Some(out),
            err: Some(err),
            export,
        }
    }

    /// Send SIGINT (Ctrl-C) or SIGTERM.
    fn signal(&self, sig: &str) {
        let status = std::process::Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {sig}");
    }

    /// Wait until `cond` holds (checked every 20 ms), at most `limit`.
    fn wait_for(&mut self, limit: Duration, what: &str, cond: impl Fn() -> bool) {
        let start = Instant::now();
        while !cond() {
            if let Ok(Some(s)) = self.child.try_wait() {
                panic!("volley ended ({s}) before {what}");
            }
            assert!(start.elapsed() < limit, "not {what} within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether it is still running.
    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Wait for the end, at most `limit` (killed and failed after that).
    fn end_within(mut self, limit: Duration) -> Ended {
        let start = Instant::now();
        let mut peak_kib = 0;
        let status = loop {
            peak_kib = peak_kib.max(vm_hwm_kib(self.child.id()));
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let err = self.err.take().map(|h| h.join().unwrap_or_default());
                panic!(
                    "volley did not end within {limit:?}; stderr:\n{}",
                    String::from_utf8_lossy(&err.unwrap_or_default())
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            String::from_utf8_lossy(&h.map(|h| h.join().unwrap_or_default()).unwrap_or_default())
                .into_owned()
        };
        Ended {
            code: status.code(),
            stdout: join(self.out.take()),
            stderr: join(self.err.take()),
            export: std::fs::read(&self.export)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok()),
            peak_kib,
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hostile_args<'a>(base: &'a str, mode: &'a str) -> Vec<&'a str> {
    vec!["-e", base, "-e", mode]
}

#[test]
fn options_that_never_return_are_stopped_within_the_fixed_limit() {
    let t = Target::start();
    for (mode, needle) in [
        ("options_spin", "options() used more than 10s of CPU time"),
        ("options_sleep", "options() did not return within 10s"),
    ] {
        let started = Instant::now();
        let run = run_hostile(&t, mode, &["-i", "1"]);
        assert_refused(&run, &[needle]);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{mode}: took {:?}",
            started.elapsed()
        );
    }
    // `volley inspect` passes no --env: the hostile options() spins.
    let started = Instant::now();
    let scenario = hostile();
    let run = volley(&["inspect", scenario.to_str().unwrap_or_default(), "--json"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "inspect took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .contains("options() used more than 10s of CPU time"),
        "inspect shows why there are no options: {}",
        run.stdout
    );
}

#[test]
fn vu_init_is_held_to_init_timeout() {
    let t = Target::start();
    let cfg = crate::support::temp_file("init.json", r#"{"initTimeout": "2s"}"#);
    let cfg = cfg.to_str().unwrap_or_default();
    for (mode, needle) in [
        (
            "init_spin",
            "vu-init used more than 2s of CPU time (raise the initTimeout option)",
        ),
        (
            "init_sleep",
            "vu-init did not finish within 2s (raise the initTimeout option)",
        ),
    ] {
        let started = Instant::now();
        let run = run_hostile(&t, mode, &["-i", "1", "-c", cfg]);
        assert_eq!(run.code, Some(107), "{mode}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{mode}: {}", run.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{mode}: took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(t.stats().requests, 0);
}

#[test]
fn ctrl_c_stops_a_vu_init_that_never_ends() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let mut run = Background::start(
        &hostile(),
        &hostile_args(&base, "HOSTILE=init_sleep")
            .into_iter()
            .chain(["--vus", "2", "--duration", "10s"])
            .collect::<Vec<_>>(),
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(run.running(), "still initialising");
    let sent = Instant::now();
    run.signal("-INT");
    let end = run.end_within(Duration::from_secs(10));
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "one Ctrl-C stops the VUs' init: {:?}",
        sent.elapsed()
    );
    assert_eq!(end.code, Some(105), "stderr: {}", end.stderr);
    assert!(end.export.is_some(), "results written");
}

#[test]
fn second_ctrl_c_stops_a_slow_setup_or_teardown_at_once() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    for (mode, sig) in [("setup_sleep", "-INT"), ("teardown_sleep", "-TERM")] {
        let hostile_mode = format!("HOSTILE={mode}");
        let mut run = Background::start(
            &hostile(),
            &hostile_args(&base, &hostile_mode)
                .into_iter()
                .chain(["-i", "2"])
                .collect::<Vec<_>>(),
        );
        if mode == "teardown_sleep" {
            let before = t.stats().requests;
            run.wait_for(Duration::from_secs(30), "load done", || {
                t.stats().requests >= before + 2
            });
        }
        std::thread::sleep(Duration::from_millis(800));
        assert!(run.running(), "{mode}: still in the slow call");
        run.signal(sig);
        std::thread::sleep(Duration::from_millis(300));
        assert!(run.running(), "{mode}: the first signal waits for it");
        let sent = Instant::now();
        run.signal(sig);
        let end = run.end_within(Duration::from_secs(10));
        assert!(
            sent.elapsed() < Duration::from_millis(2500),
            "{mode}: the second signal stops it at once: {:?}",
            sent.elapsed()
        );
        assert_eq!(end.code, Some(105), "{mode}: {}", end.stderr);
        assert!(end.stderr.contains("stopping now"), "{}", end.stderr);
        let export = end.export.expect("summary export written");
        let want = if mode == "teardown_sleep" { 2.0 } else { 0.0 };
        let reqs = export["metrics"]["http_reqs"]["count"]
            .as_f64()
            .unwrap_or(0.0);
        assert_eq!(reqs, want, "{mode}: what was measured is written");
        assert!(
            end.stdout.contains("interrupted") || end.stdout.is_empty(),
            "{}",
            end.stdout
        );
    }
}

#[test]
fn requests_in_flight_at_a_hard_stop_are_counted_as_interrupted() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let mut run = Background::start(
        &fixture(),
        &[
            "-e",
            &base,
            "-e",
            "MODE=delay",
            "-e",
            "MS=5000",
            "--vus",
            "4",
            "--duration",
            "60s",
        ],
    );
    run.wait_for(Duration::from_secs(30), "4 requests in flight", || {
        t.stats().requests >= 4
    });
    std::thread::sleep(Duration::from_millis(300));
    run.signal("-INT");
    std::thread::sleep(Duration::from_millis(300));
    run.signal("-INT");
    let end = run.end_within(Duration::from_secs(10));
    assert_eq!(end.code, Some(105), "stderr: {}", end.stderr);
    let export = end.export.expect("summary export written");
    let seen = t.stats().requests;
    assert_eq!(seen, 4, "the server saw each VU's one request");
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        seen as f64,
        "http_reqs counts what the server saw"
    );
    assert_eq!(
        errors(&export),
        vec![("interrupted".to_string(), 1090, seen)],
        "stderr: {}",
        end.stderr
    );
    assert_eq!(
        crate::support::metric(&export, "http_req_failed", "passes"),
        seen as f64
    );
}

#[test]
fn requests_cut_by_graceful_stop_are_counted_as_interrupted() {
    let t = Target::start();
    let cfg = crate::support::temp_file(
        "cut.json",
        r#"{"scenarios": {"cut": {"executor": "constant-vus", "vus": 3, "duration": "1s", "gracefulStop": "0s"}}}"#,
    );
    let run = t.run_fixture(
        "delay",
        &["-e", "MS=4000", "-c", cfg.to_str().unwrap_or_default()],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let export = run.export.expect("summary export");
    let seen = t.stats().requests;
    assert_eq!(seen, 3, "each VU's one request");
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        seen as f64,
        "http_reqs counts what the server saw"
    );
    assert_eq!(errors(&export), vec![("interrupted".to_string(), 1090, 3)]);
}

/// Peak resident memory of a finished child is not readable from here, so
/// cardinality runs are judged by what they fold and count; the memory
/// figures are in docs/security.md.
#[test]
fn distinct_tag_values_fold_into_one_overflow_series() {
    let t = Target::start();
    let run = run_hostile(
        &t,
        "tags",
        &["-u", "2", "-i", "3000", "--max-series-per-metric", "500"],
    );
    run.assert_ok();
    assert_eq!(
        run.stderr
            .matches("further new tag sets are folded")
            .count(),
        1,
        "one warning: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("has 500 distinct series")
            && run.stderr.contains("--max-series-per-metric 500"),
        "the warning has the numbers: {}",
        run.stderr
    );
    let export = run.export.expect("summary export");
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        3000.0,
        "no request lost"
    );
    assert_eq!(t.stats().requests, 3000);
    assert_eq!(
        export["series_folded"],
        serde_json::json!([{"metric": "http_reqs", "samples": 2500}]),
        "{}",
        export["series_folded"]
    );
    assert!(
        run.stdout.contains("SERIES FOLDED")
            && run
                .stdout
                .contains("http_reqs: 2500 samples of new tag sets"),
        "{}",
        run.stdout
    );

    // The limit in all holds across metrics too.
    let run = run_hostile(&t, "urls", &["-u", "1", "-i", "300", "--max-series", "100"]);
    run.assert_ok();
    let export = run.export.expect("summary export");
    assert_eq!(crate::support::metric(&export, "http_reqs", "count"), 300.0);
    assert!(
        run.stderr.contains("the limit in all (--max-series 100)"),
        "{}",
        run.stderr
    );
}

#[test]
fn metric_names_made_of_ids_stop_at_the_custom_metric_limit() {
    let t = Target::start();
    let run = run_hostile(&t, "metrics", &["-u", "1", "-i", "1010"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("a run keeps at most 1000 custom metrics"),
        "{}",
        run.stderr
    );
    let export = run.export.expect("summary export");
    let custom = export["metrics"]
        .as_object()
        .map(|m| m.keys().filter(|k| k.starts_with("hostile_")).count())
        .unwrap_or(0);
    assert_eq!(custom, 1000, "the first 1000 are kept");
    assert_eq!(
        crate::support::metric(&export, "iterations", "count"),
        1010.0,
        "every iteration ran"
    );
}

/// `BYTES` of the demo target's largest body (10 MiB).
const TEN_MIB: &str = "BYTES=10485760";

#[test]
fn response_bodies_held_on_the_host_are_bounded_by_the_vu_and_run_budgets() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    // 2 VUs of 32 MiB, each holding a batch of 16 × 10 MiB responses: at
    // most 3 of each batch fit the VU's budget.
    let run = Background::start(
        &hostile(),
        &[
            "-e",
            &base,
            "-e",
            "HOSTILE=big_batch",
            "-e",
            "N=16",
            "-e",
            TEN_MIB,
            "-u",
            "2",
            "-i",
            "4",
            "--vu-memory",
            "32MiB",
        ],
    );
    let end = run.end_within(Duration::from_secs(60));
    assert_eq!(end.code, Some(0), "stderr: {}", end.stderr);
    let export = end.export.expect("summary export");
    let sent = t.stats().requests;
    assert_eq!(sent, 64);
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        sent as f64
    );
    let over: u64 = errors(&export)
        .iter()
        .filter(|(kind, code, _)| kind == "body over budget" && *code == 1702)
        .map(|(_, _, n)| n)
        .sum();
    assert!(
        (52..=64).contains(&over),
        "at most 3 of 16 fit a 32 MiB VU: {over} over budget; {:?}",
        errors(&export)
    );
    assert!(
        end.stderr
            .contains("would pass its budget of 32 MiB (--vu-memory)"),
        "{}",
        end.stderr
    );
    assert!(
        end.peak_kib < 300 << 10,
        "the engine held {} MiB at its peak",
        end.peak_kib >> 10
    );
    eprintln!("big_batch peak RSS: {} MiB", end.peak_kib >> 10);

    // The run-wide budget.
    let run = run_hostile(
        &t,
        "big_batch",
        &[
            "-e",
            "N=4",
            "-e",
            TEN_MIB,
            "-u",
            "2",
            "-i",
            "2",
            "--body-memory",
            "16MiB",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("would pass the run's budget of 16 MiB (--body-memory)"),
        "{}",
        run.stderr
    );
}

#[test]
fn discarded_bodies_are_streamed_not_held() {
    let t = Target::start();
    // maxBodyBytes bounds kept bodies; a discarded one only streams by.
    let cfg = crate::support::temp_file("max.json", r#"{"maxBodyBytes": 1048576}"#);
    let cfg = cfg.to_str().unwrap_or_default();
    let run = run_hostile(
        &t,
        "big_discard",
        &[
            "-e",
            TEN_MIB,
            "-u",
            "2",
            "-i",
            "6",
            "-c",
            cfg,
            "--vu-memory",
            "8MiB",
        ],
    );
    run.assert_ok();
    let export = run.export.expect("summary export");
    assert_eq!(errors(&export), vec![], "{}", run.stderr);
    assert_eq!(
        export["root_group"]["checks"]["status is 200"]["passes"], 6,
        "{}",
        export["root_group"]["checks"]
    );
    assert!(
        crate::support::metric(&export, "data_received", "count") > 60.0 * 1024.0 * 1024.0,
        "every byte was read"
    );
    // The same bodies kept are refused by maxBodyBytes.
    let run = run_hostile(&t, "big", &["-e", TEN_MIB, "-i", "1", "-c", cfg]);
    let export = run.export.expect("summary export");
    assert_eq!(errors(&export)[0].1, 1702, "{:?}", errors(&export));
}

#[test]
fn started_requests_cut_off_are_counted_as_interrupted() {
    for mode in ["slow_async", "slow_orphan"] {
        let t = Target::start();
        let cfg = crate::support::temp_file(
            "cut.json",
            r#"{"scenarios": {"cut": {"executor": "constant-vus", "vus": 2, "duration": "1s", "gracefulStop": "0s"}}}"#,
        );
        let run = run_hostile(
            &t,
            mode,
            &[
                "-e",
                "MS=4000",
                "-e",
                "N=3",
                "-c",
                cfg.to_str().unwrap_or_default(),
            ],
        );
        assert_eq!(run.code, Some(0), "{mode}: {}", run.stderr);
        let export = run.export.expect("summary export");
        let seen = t.stats().requests;
        assert_eq!(seen, 6, "{mode}: 2 VUs × 3 started requests");
        assert_eq!(
            crate::support::metric(&export, "http_reqs", "count"),
            seen as f64,
            "{mode}: http_reqs counts what the server saw"
        );
        assert_eq!(
            errors(&export),
            vec![("interrupted".to_string(), 1090, 6)],
            "{mode}"
        );
    }
}

#[test]
fn deep_or_long_groups_are_refused_at_the_call_and_every_output_is_written() {
    let t = Target::start();
    let dir = tempdir();
    let results = dir.join("results.json");
    let html = dir.join("report.html");
    for (mode, needle) in [
        ("deep_groups", "groups nested more than 32 deep"),
        ("group_name", "is longer than the limit of 1024"),
    ] {
        let started = Instant::now();
        let run = run_hostile(
            &t,
            mode,
            &[
                "-i",
                "2",
                "--results",
                results.to_str().unwrap_or_default(),
                "--html",
                html.to_str().unwrap_or_default(),
            ],
        );
        assert_eq!(run.code, Some(0), "{mode}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{mode}: {}", run.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{mode}: {:?}",
            started.elapsed()
        );
        let export = run.export.expect("summary export");
        assert_eq!(
            crate::support::metric(&export, "iterations", "count"),
            2.0,
            "{mode}"
        );
        assert!(results.exists() && html.exists(), "{mode}: outputs written");
    }
    // Within the limit, groups work.
    let run = run_hostile(&t, "deep_groups", &["-i", "1", "-e", "DEPTH=30"]);
    run.assert_ok();
    let export = run.export.expect("summary export");
    assert_eq!(crate::support::metric(&export, "http_reqs", "count"), 1.0);
}

#[test]
fn a_log_flood_is_rate_limited_and_cut() {
    let t = Target::start();
    let started = Instant::now();
    let run = run_hostile(
        &t,
        "log_flood",
        &["-u", "2", "-i", "4", "--vu-memory", "128MiB"],
    );
    run.assert_ok();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(
        run.stderr.len() < 4 << 20,
        "400k lines and 4 × 20 MB lines became {} bytes of log",
        run.stderr.len()
    );
    assert!(
        run.stderr.lines().all(|l| l.len() < 65 * 1024),
        "no line past 64 KiB"
    );
    assert!(run.stderr.contains("suppressed"), "a counted note");
    let export = run.export.expect("summary export");
    assert_eq!(crate::support::metric(&export, "http_reqs", "count"), 4.0);
    assert_eq!(t.stats().requests, 4);
}

#[test]
fn a_refused_run_leaves_an_existing_sample_file_as_it_was() {
    // Refused once the VUs are initialised (a threshold on a metric the
    // scenario never defines), after the outputs started: the file of a
    // previous run at the --out path is neither truncated nor removed.
    let t = Target::start();
    let dir = tempdir();
    let kept = dir.join("points.json");
    let csv = dir.join("points.csv");
    std::fs::write(&kept, "a previous run's samples\n").expect("write");
    std::fs::write(&csv, "a previous run's rows\n").expect("write");
    let config = temp_file(
        "thresholds.json",
        r#"{"thresholds": {"never_defined": ["count>0"]}}"#,
    );
    let run = run_hostile(
        &t,
        "health",
        &[
            "-i",
            "3",
            "-c",
            config.to_str().unwrap_or_default(),
            "--out",
            &format!("json={}", kept.display()),
            "--out",
            &format!("csv={}", csv.display()),
        ],
    );
    assert_refused(&run, &["never_defined", "define the custom metric"]);
    assert_eq!(t.stats().requests, 0, "no request was sent");
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap_or_default(),
        "a previous run's samples\n"
    );
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap_or_default(),
        "a previous run's rows\n"
    );
    // The same paths in a run that goes ahead are overwritten.
    let run = run_hostile(
        &t,
        "health",
        &[
            "-i",
            "3",
            "--out",
            &format!("json={}", kept.display()),
            "--out",
            &format!("csv={}", csv.display()),
        ],
    );
    run.assert_ok();
    let json = std::fs::read_to_string(&kept).unwrap_or_default();
    assert!(
        json.lines().count() > 3 && json.lines().all(|l| l.starts_with('{')),
        "{json}"
    );
    let rows = std::fs::read_to_string(&csv).unwrap_or_default();
    assert!(rows.starts_with("metric_name,"), "{rows}");
}
