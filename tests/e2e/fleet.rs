//! Fleets of plain processes: N `volley run --segment I/N` processes on
//! this machine against one demo target, started together (`--start-at`,
//! `--paused` with `volley start` or SIGUSR1), then `volley merge`: the
//! merged counts equal the server's and the whole test's, and thresholds
//! are judged on the fleet.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::support::{Target, fixture, metric, tempdir, volley, volley_in};

/// Whole-test options: an arrival-rate scenario (50/s for 2 s: 100
/// iterations on k6's 20 ms grid) and shared iterations (60 by 6 VUs).
fn options(thresholds: &str) -> String {
    format!(
        r#"{{
  "scenarios": {{
    "rate": {{"executor": "constant-arrival-rate", "rate": 50, "timeUnit": "1s",
              "duration": "2s", "preAllocatedVUs": 12, "maxVUs": 12}},
    "shared": {{"executor": "shared-iterations", "iterations": 60, "vus": 6}}
  }},
  "thresholds": {thresholds}
}}"#
    )
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

fn start_in(seconds: u64) -> String {
    volley::wallclock::rfc3339(SystemTime::now() + Duration::from_secs(seconds))
}

/// Run segment I of N in parallel threads, each bounded by the support
/// module's time limit; returns each one's exit code and stderr.
fn run_fleet(
    target: &Target,
    dir: &Path,
    n: usize,
    extra: &[String],
) -> Vec<(Option<i32>, String)> {
    let scenario = fixture();
    let config = dir.join("options.json");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (scenario, config) = (scenario.clone(), config.clone());
                let base = format!("BASE_URL={}", target.url);
                let segment = format!("{i}/{n}");
                let results = dir.join(format!("segment-{i}.json"));
                let extra = extra.to_vec();
                s.spawn(move || {
                    let mut args: Vec<String> = vec![
                        "run".into(),
                        scenario.display().to_string(),
                        "-e".into(),
                        base,
                        "-q".into(),
                        "--no-summary".into(),
                        "--config".into(),
                        config.display().to_string(),
                        "--segment".into(),
                        segment,
                        "--results".into(),
                        results.display().to_string(),
                    ];
                    args.extend(extra);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let run = volley(&args);
                    (run.code, run.stderr)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("segment thread"))
            .collect()
    })
}

fn segment_files(dir: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| dir.join(format!("segment-{i}.json")).display().to_string())
        .collect()
}

#[test]
fn a_fleet_of_three_merges_to_the_whole_tests_counts_and_the_servers() {
    let target = Target::start();
    let dir = tempdir();
    std::fs::write(
        dir.join("options.json"),
        options(r#"{"http_reqs": ["count==160"], "http_req_duration": ["p(95)<1000"]}"#),
    )
    .expect("write options");
    let start = start_in(4);
    let extra = vec![
        "--fleet-id".to_string(),
        "e2e-fleet".to_string(),
        "--start-at".to_string(),
        start.clone(),
    ];
    let runs = run_fleet(&target, &dir, 3, &extra);
    for (i, (code, stderr)) in runs.iter().enumerate() {
        // Each segment alone made about a third of 160 requests: its own
        // count==160 fails (99); the fleet's verdict is the merge's.
        assert_eq!(*code, Some(99), "segment {i}: {stderr}");
        assert!(
            !stderr.contains("passed"),
            "segment {i} started late: {stderr}"
        );
    }
    // Every segment's load started at the instant, on the wall clock.
    let at = volley::wallclock::parse_rfc3339(&start).expect("instant");
    let at_ms = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("epoch")
        .as_millis() as i64;
    let mut shares = Vec::new();
    for f in segment_files(&dir, 3) {
        let doc = read_json(Path::new(&f));
        assert_eq!(doc["fleet"]["id"], "e2e-fleet");
        assert_eq!(doc["fleet"]["sequence"], "0,1/3,2/3,1");
        let started = doc["fleet"]["started_at_ms"]
            .as_i64()
            .expect("started_at_ms");
        assert!(
            (started - at_ms).abs() < 250,
            "{f}: load started {} ms from --start-at",
            started - at_ms
        );
        let reqs = doc["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["name"] == "http_reqs")
            .and_then(|m| m["series"].as_array())
            .map(|s| {
                s.iter()
                    .map(|x| x["counter"]["sum"].as_f64().unwrap_or(0.0))
                    .sum::<f64>()
            })
            .unwrap_or(0.0);
        shares.push(reqs);
    }
    // Striped exactly: 100 ticks split 34/33/33, 60 iterations 20/20/20.
    assert_eq!(shares, [54.0, 53.0, 53.0]);

    let files = segment_files(&dir, 3);
    let export = dir.join("fleet-summary.json");
    let merged = dir.join("fleet.json");
    let html = dir.join("fleet.html");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let (export_s, merged_s, html_s) = (
        export.display().to_string(),
        merged.display().to_string(),
        html.display().to_string(),
    );
    args.extend([
        "--summary-export",
        &export_s,
        "--results",
        &merged_s,
        "--html",
        &html_s,
        "--no-color",
    ]);
    let run = volley(&args);
    assert_eq!(
        run.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    let export = read_json(&export);
    // What the server saw, what the whole test asks, what the fleet measured.
    assert_eq!(target.stats().requests, 160);
    assert_eq!(metric(&export, "http_reqs", "count"), 160.0);
    assert_eq!(metric(&export, "iterations", "count"), 160.0);
    assert_eq!(metric(&export, "checks", "fails"), 0.0);
    // The summary names every segment's share and the thresholds passed.
    assert!(run.stdout.contains("segment 0:1/3"), "{}", run.stdout);
    assert!(run.stdout.contains("count==160"), "{}", run.stdout);
    let doc = read_json(&merged);
    assert_eq!(doc["fleet"]["segment"], "0:1");
    assert_eq!(doc["fleet"]["merged"].as_array().map(Vec::len), Some(3));
    assert!(!doc["timeseries"].as_array().expect("series").is_empty());
    // A merged file is a results file: report and compare read it.
    let report = dir.join("again.html");
    let report_s = report.display().to_string();
    volley(&["report", &merged_s, "-o", &report_s]).assert_ok();
    assert!(std::fs::metadata(&html).expect("html").len() > 1000);
    let run = volley(&["compare", &merged_s, &merged_s]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // Files of another fleet are refused before anything is written.
    let mut other = read_json(Path::new(&files[2]));
    other["fleet"]["id"] = Value::from("another-run");
    let other_path = dir.join("other.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let other_s = other_path.display().to_string();
    let run = volley(&["merge", &files[0], &files[1], &other_s]);
    assert_eq!(run.code, Some(104), "{}", run.stderr);
    assert!(run.stderr.contains("fleet ids differ"), "{}", run.stderr);
    // And a missing segment, unless --allow-partial.
    let run = volley(&["merge", &files[0], &files[1]]);
    assert_eq!(run.code, Some(104), "{}", run.stderr);
    assert!(run.stderr.contains("2/3:1"), "{}", run.stderr);
    let run = volley(&[
        "merge",
        &files[0],
        &files[1],
        "--allow-partial",
        "--no-summary",
    ]);
    assert_eq!(run.code, Some(99), "{}", run.stderr);
    assert!(run.stderr.contains("partial fleet"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_threshold_only_the_whole_fleet_fails_fails_the_merge() {
    let target = Target::start();
    let dir = tempdir();
    // Each half makes 80 requests (below 100: passes alone); the fleet 160.
    std::fs::write(
        dir.join("options.json"),
        options(r#"{"http_reqs": ["count<100"]}"#),
    )
    .expect("write options");
    // No --fleet-id: processes of one --start-at name the fleet alike.
    let start = start_in(3);
    let extra = vec!["--start-at".to_string(), start.clone()];
    let runs = run_fleet(&target, &dir, 2, &extra);
    for (code, stderr) in &runs {
        assert_eq!(*code, Some(0), "{stderr}");
    }
    let files = segment_files(&dir, 2);
    let ids: Vec<String> = files
        .iter()
        .map(|f| {
            read_json(Path::new(f))["fleet"]["id"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let secs = volley::wallclock::parse_rfc3339(&start)
        .expect("instant")
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("epoch")
        .as_secs();
    assert_eq!(ids[0], ids[1]);
    assert!(
        ids[0].ends_with(&format!("-{secs}")) && ids[0].len() == 13 + secs.to_string().len(),
        "{ids:?}"
    );
    let run = volley(&["merge", &files[0], &files[1], "--no-color"]);
    assert_eq!(
        run.code,
        Some(99),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("count<100"), "{}", run.stdout);
    // Separate starts: the merge says they did not run together only when
    // they are seconds apart; these started within the same moment.
    assert!(
        !run.stderr.contains("did not run together"),
        "{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `volley run` child whose stderr lines arrive on a channel.
struct Live {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Live {
    fn spawn(args: &[&str]) -> Live {
        let mut child = Command::new(env!("CARGO_BIN_EXE_volley"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn volley");
        let (tx, lines) = mpsc::channel();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Live { child, lines }
    }

    /// Wait (at most 60 s) for a stderr line containing `text`.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!("no stderr line with {text:?} within 60 s"),
            }
        }
    }

    /// Wait (at most 60 s) for the exit code.
    fn finish(mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("volley did not end within 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn paused_args(target: &Target, results: &Path, segment: &str, paused: &str) -> Vec<String> {
    vec![
        "run".into(),
        fixture().display().to_string(),
        "-e".into(),
        format!("BASE_URL={}", target.url),
        "-q".into(),
        "--no-summary".into(),
        "--vus".into(),
        "2".into(),
        "--iterations".into(),
        "20".into(),
        "--segment".into(),
        segment.into(),
        "--results".into(),
        results.display().to_string(),
        paused.into(),
    ]
}

#[test]
fn paused_processes_wait_for_volley_start_or_sigusr1() {
    let target = Target::start();
    let dir = tempdir();
    let ports = [free_port(), free_port()];
    let results: Vec<PathBuf> = (0..2).map(|i| dir.join(format!("p{i}.json"))).collect();
    let lives: Vec<Live> = (0..2)
        .map(|i| {
            let args = paused_args(
                &target,
                &results[i],
                &format!("{i}/2"),
                &format!("--paused=127.0.0.1:{}", ports[i]),
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            Live::spawn(&args)
        })
        .collect();
    for l in &lives {
        l.wait_for("paused: ");
    }
    // Paused: no load yet, however long we wait.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(target.stats().requests, 0);
    let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let run = volley(&["start", &addrs[0], &addrs[1]]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("started {}", addrs[1])),
        "{}",
        run.stdout
    );
    for l in lives {
        assert_eq!(l.finish(), Some(0));
    }
    assert_eq!(target.stats().requests, 20);
    let starts: Vec<i64> = results
        .iter()
        .map(|r| {
            read_json(r)["fleet"]["started_at_ms"]
                .as_i64()
                .expect("started")
        })
        .collect();
    assert!((starts[0] - starts[1]).abs() < 200, "{starts:?}");

    // SIGUSR1 starts a process paused without a port; `volley start` to
    // an address nobody listens on fails, naming it.
    let results = dir.join("usr1.json");
    let args = paused_args(&target, &results, "0/1", "--paused");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let live = Live::spawn(&args);
    let line = live.wait_for("kill -USR1");
    assert!(!line.contains("volley start"), "{line}");
    let status = Command::new("kill")
        .args(["-USR1", &live.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    live.wait_for("started by SIGUSR1");
    assert_eq!(live.finish(), Some(0));
    assert_eq!(target.stats().requests, 40);
    let run = volley(&[
        "start",
        &format!("127.0.0.1:{}", free_port()),
        "--timeout",
        "1s",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fleet_render_prints_the_kubernetes_objects_or_names_the_bad_values() {
    let dir = tempdir();
    let run = volley_in(
        &dir,
        &[
            "fleet",
            "render",
            "--segments",
            "6",
            "--scenario",
            "oci://registry.example/acme/checkout:v3",
            "--name",
            "checkout",
            "--start-at",
            "2030-01-31T12:00:00Z",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("completionMode: Indexed"));
    assert!(run.stdout.contains("completions: 6\n"));
    assert!(run.stdout.contains(r#"START_AT: "2030-01-31T12:00:00Z""#));
    assert!(!run.stdout.contains("{{"));
    let run = volley(&[
        "fleet",
        "render",
        "--segments",
        "0",
        "--scenario",
        "checkout.wasm",
        "--name",
        "Bad_Name",
    ]);
    assert_eq!(run.code, Some(104), "{}", run.stderr);
    for flag in ["--segments", "--scenario", "--name"] {
        assert!(run.stderr.contains(flag), "{flag}: {}", run.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_run_leaves_its_last_checkpoint_which_report_and_merge_read() {
    let target = Target::start();
    let dir = tempdir();
    let results = dir.join("killed.json");
    let args = paused_args(&target, &results, "0/1", "--no-color");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    // A long constant-vus run instead of the 20 iterations.
    let at = args
        .iter()
        .position(|a| *a == "--iterations")
        .expect("flag");
    args[at] = "--duration";
    args[at + 1] = "60s";
    let mut live = Live::spawn(&args);
    // Two checkpoints' worth (every 5 s), then SIGKILL: nothing can run at exit.
    std::thread::sleep(Duration::from_secs(12));
    live.child.kill().expect("SIGKILL");
    let _ = live.child.wait();
    let doc = read_json(&results);
    assert_eq!(doc["partial"], true);
    assert_eq!(doc["fleet"]["exit_code"], -1);
    assert_eq!(doc["fleet"]["segment"], "0:1");
    let duration = doc["duration_s"].as_f64().expect("duration");
    assert!(
        (5.0..=12.5).contains(&duration),
        "checkpoint at {duration}s"
    );
    let reqs: f64 = doc["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter(|m| m["name"] == "http_reqs")
        .flat_map(|m| m["series"].as_array().cloned().unwrap_or_default())
        .map(|s| s["counter"]["sum"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(
        reqs > 0.0 && reqs <= target.stats().requests as f64,
        "{reqs}"
    );
    let file = results.display().to_string();
    let html = dir.join("killed.html").display().to_string();
    let run = volley(&["report", &file, "-o", &html]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let page = std::fs::read_to_string(&html).expect("report");
    assert!(page.contains("checkpoint"), "the report says it is partial");
    let run = volley(&["merge", &file, "--no-summary"]);
    assert_eq!(run.code, Some(104), "{}", run.stderr);
    assert!(run.stderr.contains("checkpoint"), "{}", run.stderr);
    let run = volley(&["merge", &file, "--allow-partial", "--no-summary"]);
    assert_eq!(run.code, Some(105), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
