//! What contract 0.2 gives a scenario, seen through the binary against the
//! demo target: streamed responses and server-sent events timed on the
//! host, requests started and waited for later, the cookie jar, host
//! crypto, execution info, VU tags, responses read on demand, requests
//! without an expectation, checks stamped when made, and handle-summary.

use serde_json::Value;

use crate::support::{Target, fixture, metric, temp_file, tempdir, volley_in};

fn with_thresholds(t: &Target, mode: &str, args: &[&str], thresholds: &str) -> crate::support::Run {
    let cfg = temp_file("t.json", &format!(r#"{{"thresholds": {thresholds}}}"#));
    let mut all = args.to_vec();
    all.extend_from_slice(&["-c", cfg.to_str().unwrap_or_default()]);
    t.run_fixture(mode, &all)
}

/// `--out json` points of `metric`: (time in ns since the epoch, value, tags).
fn points(path: &std::path::Path, name: &str) -> Vec<(u128, f64, Value)> {
    let text = std::fs::read_to_string(path).expect("json output");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "Point" && v["metric"] == name)
        .map(|v| {
            let time = v["data"]["time"].as_str().unwrap_or_default().to_string();
            (
                rfc3339_ns(&time),
                v["data"]["value"].as_f64().unwrap_or(f64::NAN),
                v["data"]["tags"].clone(),
            )
        })
        .collect()
}

/// Nanoseconds since the epoch of `2026-11-30T22:23:37.609921830Z`
/// (within a day is enough to order points of one run).
fn rfc3339_ns(t: &str) -> u128 {
    let (_, time) = t.split_once('T').expect("a time");
    let time = time.trim_end_matches('Z');
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<u128>().expect("number"));
    let (h, m, s) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    let frac = format!("{frac:0<9}");
    let ns: u128 = frac[..9].parse().expect("fraction");
    ((h * 60 + m) * 60 + s) * 1_000_000_000 + ns
}

#[test]
fn server_sent_events_are_read_as_they_arrive_and_timed_on_the_host() {
    let t = Target::start();
    let out = tempdir().join("points.json");
    let json = format!("json={}", out.display());
    let run = with_thresholds(
        &t,
        "stream",
        &["-i", "6", "--vus", "2", "-e", "TOKENS=4", "--out", &json],
        r#"{"checks": ["rate==1"], "stream_events": ["count==30"], "http_reqs": ["count==6"]}"#,
    );
    run.assert_ok();
    let stats = t.stats();
    assert_eq!(stats.requests, 6);
    assert_eq!(
        stats.streams.completed, 6,
        "every stream was read to its end"
    );
    assert_eq!(stats.streams.events, 24);

    // The time to the first event as volley measured it cannot be shorter
    // than what the server logged between receiving the request and
    // writing the first event, and on loopback it is not much longer.
    let server: Vec<f64> = t
        .streams()
        .iter()
        .filter_map(|s| {
            s.first_event_at_us
                .map(|at| (at - s.received_at_us) as f64 / 1000.0)
        })
        .collect();
    let mut client: Vec<f64> = points(&out, "stream_first_event")
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(client.len(), 6, "one first-event sample per stream");
    client.sort_by(f64::total_cmp);
    let mut sorted = server.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(
        client[0] >= sorted[0] - 1.0,
        "client {client:?} vs server {sorted:?}"
    );
    let median = |v: &[f64]| v[v.len() / 2];
    assert!(
        median(&client) - median(&sorted) < 30.0,
        "client {client:?} vs server {sorted:?}"
    );
    // The events came 5 ms apart; the gaps are measured, not invented.
    let gaps: Vec<f64> = points(&out, "stream_event_gap")
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert!(gaps.iter().any(|g| *g >= 4.0), "{gaps:?}");
}

#[test]
fn streamed_bodies_are_read_in_bounded_chunks() {
    let t = Target::start();
    let run = with_thresholds(&t, "chunks", &["-i", "3"], r#"{"checks": ["rate==1"]}"#);
    run.assert_ok();
    assert_eq!(t.stats().streams.completed, 3);
}

#[test]
fn started_requests_run_concurrently_and_orphans_are_still_recorded() {
    let t = Target::start();
    let run = with_thresholds(
        &t,
        "async",
        &["-i", "2"],
        r#"{"checks": ["rate==1"], "http_reqs": ["count==6"], "iteration_duration": ["max<140"]}"#,
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 6);

    // A request the scenario started and dropped is waited for and counted
    // before the iteration ends, as k6 does.
    let t = Target::start();
    let run = with_thresholds(
        &t,
        "orphan",
        &["-i", "3"],
        r#"{"http_reqs": ["count==3"], "iteration_duration": ["min>=50"]}"#,
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 3);
}

#[test]
fn jar_crypto_execution_tags_and_heads() {
    let t = Target::start();
    for mode in ["jar", "crypto", "head"] {
        let run = with_thresholds(&t, mode, &["-i", "2"], r#"{"checks": ["rate==1"]}"#);
        assert_eq!(run.code, Some(0), "{mode}: {}\n{}", run.stdout, run.stderr);
    }
    let run = with_thresholds(
        &t,
        "execution",
        &["-i", "3", "--vus", "2"],
        r#"{"checks": ["rate==1"]}"#,
    );
    run.assert_ok();
    let run = with_thresholds(
        &t,
        "execution",
        &[
            "--vus",
            "2",
            "--duration",
            "1s",
            "-e",
            "EXECUTOR=constant-vus",
        ],
        r#"{"checks": ["rate==1"]}"#,
    );
    run.assert_ok();
    // A tag set on the first iteration stays on the VU's later samples.
    let run = with_thresholds(
        &t,
        "tags",
        &["-i", "3", "--vus", "1"],
        r#"{"checks": ["rate==1"], "http_reqs{tier:gold}": ["count==3"]}"#,
    );
    run.assert_ok();
}

#[test]
fn a_request_without_expectation_is_not_judged() {
    let t = Target::start();
    let run = with_thresholds(
        &t,
        "expect_none",
        &["-i", "2"],
        r#"{"checks": ["rate==1"]}"#,
    );
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "http_reqs", "count"), 2.0);
    assert!(
        export["metrics"].get("http_req_failed").is_none(),
        "no http_req_failed sample without an expectation (k6's responseCallback: null): {}",
        export["metrics"]["http_req_failed"]
    );
}

#[test]
fn buffered_checks_keep_the_time_they_were_made() {
    let t = Target::start();
    let out = tempdir().join("points.json");
    let json = format!("json={}", out.display());
    let run = t.run_fixture("stamped", &["-i", "1", "--out", &json]);
    run.assert_ok();
    let check = points(&out, "checks");
    let req = points(&out, "http_reqs");
    assert_eq!((check.len(), req.len()), (1, 1));
    // The check was made before a 200 ms sleep and delivered after it.
    let gap_ms = (req[0].0 as f64 - check[0].0 as f64) / 1e6;
    assert!(
        gap_ms >= 190.0,
        "check at {}, request at {}",
        check[0].0,
        req[0].0
    );
}

#[test]
fn handle_summary_replaces_the_summary_and_stays_in_the_directory() {
    let t = Target::start();
    let f = fixture();
    let f = f.to_str().unwrap_or_default();
    let base = format!("BASE_URL={}", t.url);
    let dir = tempdir();
    let run = volley_in(
        &dir,
        &[
            "run",
            f,
            "-e",
            &base,
            "-e",
            "MODE=group",
            "-e",
            "SUMMARY=1",
            "-i",
            "3",
        ],
    );
    run.assert_ok();
    assert!(
        run.stdout.contains("custom summary on stdout"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("TOTAL RESULTS"), "{}", run.stdout);
    let data: Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("file"))
            .expect("k6's summary data is JSON");
    assert_eq!(data["metrics"]["http_reqs"]["values"]["count"], 3.0);
    assert_eq!(data["metrics"]["http_reqs"]["type"], "counter");
    assert_eq!(data["metrics"]["http_req_duration"]["contains"], "time");
    assert_eq!(data["metrics"]["checks"]["values"]["rate"], 1.0);
    let outer = &data["root_group"]["groups"][0];
    assert_eq!(outer["name"], "outer");
    assert_eq!(outer["groups"][0]["checks"][0]["passes"], 3);
    assert!(data["state"]["testRunDurationMs"].as_f64().is_some());

    // A path out of the directory is refused (exit 111), nothing written.
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).expect("dir");
    let run = volley_in(
        &inner,
        &["run", f, "-e", &base, "-e", "SUMMARY=escape", "-i", "1"],
    );
    assert_eq!(run.code, Some(111), "{}", run.stderr);
    assert!(
        run.stderr.contains("outside the current directory"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("escaped.txt").exists());

    // A failing handler leaves the engine's summary in place.
    let run = volley_in(
        &dir,
        &["run", f, "-e", &base, "-e", "SUMMARY=fail", "-i", "1"],
    );
    run.assert_ok();
    assert!(
        run.stderr.contains("fixture summary failed"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("TOTAL RESULTS"), "{}", run.stdout);

    // --no-summary skips the handler too (k6).
    let quiet = tempdir();
    let run = volley_in(
        &quiet,
        &[
            "run",
            f,
            "-e",
            &base,
            "-e",
            "SUMMARY=1",
            "-i",
            "1",
            "--no-summary",
        ],
    );
    run.assert_ok();
    assert!(!quiet.join("summary.json").exists());
}
