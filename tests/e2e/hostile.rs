//! A hostile or broken scenario cannot crash, hang or bloat the engine,
//! and bad run inputs are refused before any load: the hostile fixture
//! (`tests/fixtures/hostile`, its attack chosen by `--env HOSTILE=...`)
//! run by the real binary against the demo target. Every run is bounded
//! in count and time.

use crate::support::{Target, hostile, tempdir, volley, volley_run};

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
    assert_eq!(run.code, Some(104), "stderr: {}", run.stderr);
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "stderr should mention {n:?}: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "no panic: {}", run.stderr);
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
        "--out",
        &format!("json={}", good.display()),
        "--junit",
        &format!("{missing}/junit.xml"),
    ]);
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
