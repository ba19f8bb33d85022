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
