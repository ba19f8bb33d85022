//! Stages in the results, the capacity search and the error breakdown,
//! checked against what the demo target itself measured (`/__stats`):
//! its per-second timeline, its queue model's capacity, and the faults it
//! injected. The fixture's `setup()` puts the fault profile on the target
//! and resets its counts, so the target's clock starts with the load.

use serde_json::{Value, json};

use crate::support::{Target, tempdir};

/// Run the fixture in `mode` with a fault profile, a config file and more
/// flags; returns the run and its results document.
fn run_with(
    t: &Target,
    mode: &str,
    profile: &Value,
    config: &Value,
    more: &[&str],
) -> (crate::support::Run, Value) {
    let dir = tempdir();
    let cfg = dir.join("options.json");
    std::fs::write(&cfg, config.to_string()).expect("write config");
    let results = dir.join("results.json");
    let faults = format!("FAULTS={profile}");
    let mut args = vec![
        "-e",
        faults.as_str(),
        "--config",
        cfg.to_str().unwrap_or_default(),
        "--results",
        results.to_str().unwrap_or_default(),
    ];
    args.extend_from_slice(more);
    let run = t.run_fixture(mode, &args);
    let doc = std::fs::read(&results)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (run, doc)
}

#[test]
fn each_stage_matches_what_the_target_saw_in_that_period() {
    let t = Target::start();
    // The target answers in 20 ms, then 60 ms from 3 s, then 150 ms from 6 s.
    let profile = json!({
        "default": {"latency": {"fixed": 20}},
        "phases": [
            {"after": "3s", "default": {"latency": {"fixed": 60}}},
            {"after": "6s", "default": {"latency": {"fixed": 150}}}
        ]
    });
    let config = json!({
        "scenarios": {"ramp": {
            "executor": "ramping-vus", "startVUs": 2, "gracefulRampDown": "0s",
            "stages": [
                {"duration": "3s", "target": 4, "name": "fast"},
                {"duration": "3s", "target": 4},
                {"duration": "3s", "target": 4, "name": "slow"}
            ]
        }},
        "thresholds": {
            "http_req_duration{stage:fast}": ["p(50)<100"],
            "http_req_duration{stage:3}": ["p(50)<100"]
        }
    });
    let (run, doc) = run_with(&t, "status", &profile, &config, &[]);
    // The slow stage fails its threshold, the fast one passes.
    assert_eq!(run.code, Some(99), "{}\n{}", run.stdout, run.stderr);
    let stats = t.stats();
    let rows = doc["stages"]["rows"].as_array().expect("by-stage rows");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0]["name"], "fast");
    assert_eq!(rows[2]["name"], "slow");
    let timeline = &stats.timeline;
    let max_per_second = timeline.iter().map(|s| s.answered).max().unwrap_or(0);
    for (k, row) in rows.iter().enumerate() {
        let first = 3 * k as u64;
        // The last stage keeps what ends after it (its last iterations).
        let last = if k == 2 { u64::MAX } else { first + 2 };
        let seconds: Vec<_> = timeline
            .iter()
            .filter(|s| s.second >= first && s.second <= last)
            .collect();
        let server_count: u64 = seconds.iter().map(|s| s.answered).sum();
        let count = row["requests"].as_u64().expect("requests");
        let diff = count.abs_diff(server_count);
        assert!(
            diff <= max_per_second,
            "stage {}: volley counted {count}, the target answered {server_count} in seconds {first}..={last} (one second is at most {max_per_second})",
            k + 1
        );
        // The median away from the boundaries: the target's own p50 of the
        // stage's middle second.
        let middle = timeline
            .iter()
            .find(|s| s.second == first + 1)
            .and_then(|s| s.p50_ms)
            .expect("the target answered in the stage's middle second");
        let p50 = row["p50_ms"].as_f64().expect("p50");
        assert!(
            (p50 - middle).abs() <= middle * 0.1 + 1.0,
            "stage {}: volley's p50 {p50:.2} ms, the target's {middle:.2} ms",
            k + 1
        );
        println!(
            "stage {}: volley {count} requests, p50 {p50:.2} ms; target {server_count} requests, p50 {middle:.2} ms",
            k + 1
        );
    }
    let lines: Vec<(String, bool)> = doc["thresholds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["metric"].as_str().unwrap_or("").to_string(),
                t["passed"] == true,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("http_req_duration{stage:3}".to_string(), false),
            ("http_req_duration{stage:fast}".to_string(), true),
        ]
    );
    // One table of stages in the summary, not a line per stage per metric.
    assert!(run.stdout.contains("█ STAGES"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("{ stage:").count(), 0, "{}", run.stdout);
}

#[test]
fn a_bad_stage_selector_is_refused_before_any_load() {
    let t = Target::start();
    let config = json!({
        "stages": [{"duration": "1s", "target": 1}, {"duration": "1s", "target": 1}],
        "thresholds": {"http_req_duration{stage:sustained}": ["p(95)<100"]}
    });
    let (run, _) = run_with(&t, "status", &json!({}), &config, &[]);
    assert_eq!(run.code, Some(104), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no stage named \"sustained\"; the stages are 1, 2"),
        "{}",
        run.stderr
    );
    assert_eq!(t.stats().requests, 0, "nothing was sent");
}

#[test]
fn capacity_search_finds_the_queue_models_capacity() {
    let t = Target::start();
    // 4 workers × 10 ms: the target serves at most 400 requests/s.
    let profile = json!({"default": {"queue": {"workers": 4, "service_ms": 10}}});
    let config = json!({
        "scenarios": {"search": {
            "executor": "capacity-search",
            "startRate": 100, "maxRate": 1600,
            "stepDuration": "2s", "refineDuration": "2s", "refineSteps": 4,
            "cooldown": "2s", "preAllocatedVUs": 20, "maxVUs": 40
        }},
        "thresholds": {
            "http_req_duration": ["p(95)<40"],
            "http_req_failed": ["rate<0.01"]
        }
    });
    let started = std::time::Instant::now();
    let (run, doc) = run_with(&t, "status", &profile, &config, &[]);
    run.assert_ok();
    let capacity = &doc["stages"]["capacity"][0];
    let found = capacity["sustained"]["rate"]
        .as_f64()
        .expect("a sustained rate");
    println!(
        "capacity found: {found} iterations/s (known: 400/s) in {:.1?}: {}",
        started.elapsed(),
        capacity["summary"]
    );
    assert!(
        (360.0..=440.0).contains(&found),
        "found {found}/s, the target's capacity is 400/s: {capacity}"
    );
    let failed = capacity["failed"]["rate"].as_f64().expect("a failing rate");
    assert!(failed > found, "{capacity}");
    // Every step is a stage, judged: rates go up, then bisect.
    let rates: Vec<f64> = doc["stages"]["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["load"]["to"].as_f64())
        .collect();
    assert_eq!(&rates[..3], &[100.0, 200.0, 400.0], "{rates:?}");
    assert!(rates.len() <= 9, "bounded: {rates:?}");
    assert!(run.stdout.contains("█ CAPACITY"), "{}", run.stdout);
    assert!(run.stdout.contains("sustains"), "{}", run.stdout);
    // The run's thresholds are reported at the sustained step: they pass.
    assert!(
        doc["thresholds"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|t| t["passed"] == true),
        "{}",
        doc["thresholds"]
    );
}

#[test]
fn the_error_breakdown_has_exactly_the_faults_the_target_injected() {
    let t = Target::start();
    let profile = json!({"default": {
        "errors": {"502": 0.05, "429": 0.02},
        "reset": 0.01,
        "timeout": 0.01
    }});
    let dir = tempdir();
    let md = dir.join("report.md");
    let config = json!({"vus": 10, "duration": "4s"});
    let (run, doc) = run_with(
        &t,
        "close",
        &profile,
        &config,
        &[
            "--http-timeout",
            "1s",
            "--report",
            md.to_str().unwrap_or_default(),
        ],
    );
    assert!(run.code.is_some(), "{}", run.stderr);
    let stats = t.stats();
    let mut injected = (0, 0, 0, 0);
    for i in stats.injected.values() {
        injected.0 += i.statuses.get(&502).copied().unwrap_or(0);
        injected.1 += i.statuses.get(&429).copied().unwrap_or(0) + i.rate_limited;
        injected.2 += i.resets;
        injected.3 += i.timeouts;
    }
    let mut seen = (0, 0, 0, 0);
    for e in doc["errors"].as_array().into_iter().flatten() {
        let n = e["count"].as_u64().unwrap_or(0);
        match (e["status"].as_u64(), e["kind"].as_str()) {
            (Some(502), _) => seen.0 += n,
            (Some(429), _) => seen.1 += n,
            (_, Some("connection reset")) => seen.2 += n,
            (_, Some(k)) if k.contains("timeout") => seen.3 += n,
            other => panic!("an error the profile did not inject: {other:?}: {e}"),
        }
    }
    // Every injected 429 carried Retry-After (the target's token bucket says
    // when to come back), and the catalogue counts it.
    let retry_after: u64 = doc["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["status"].as_u64() == Some(429))
        .map(|e| e["retry_after"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(retry_after, injected.1, "429s with Retry-After");
    println!("injected (502, 429, reset, timeout) = {injected:?}; volley's breakdown = {seen:?}");
    assert!(injected.0 > 0 && injected.1 > 0 && injected.2 > 0 && injected.3 > 0);
    assert_eq!(seen, injected);
    let requests: f64 = doc["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == "http_reqs")
        .and_then(|m| m["series"].as_array())
        .map(|s| s.iter().filter_map(|x| x["counter"]["sum"].as_f64()).sum())
        .unwrap_or(0.0);
    // setup()'s two requests go to the target's own endpoints, which it
    // never counts.
    assert_eq!(
        requests as u64 - 2,
        stats.requests,
        "every request counted once"
    );
    // The Markdown report breaks them down by status with the same counts.
    let text = std::fs::read_to_string(&md).expect("report written");
    assert!(text.contains("### By status"), "{text}");
    assert!(
        text.contains(&format!("| 502 | {} |", injected.0)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "429 (Too Many Requests) responses: {}; failed responses with Retry-After: {}",
            injected.1, injected.1
        )),
        "{text}"
    );
}
