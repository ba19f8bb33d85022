//! HTTP behaviour seen through the binary: redirects, cookies, groups,
//! batch, custom metrics, setup data, and the demo target quick start.

use crate::support::{Target, guest, metric, temp_file, volley_run};

fn run_mode(t: &Target, mode: &str, iterations: &str, thresholds: &str) -> crate::support::Run {
    let cfg = temp_file("t.json", &format!(r#"{{"thresholds": {thresholds}}}"#));
    t.run_fixture(
        mode,
        &["-i", iterations, "-c", cfg.to_str().unwrap_or_default()],
    )
}

#[test]
fn each_redirect_hop_is_a_request() {
    let t = Target::start();
    let run = run_mode(&t, "redirect", "2", r#"{"checks": ["rate==1"]}"#);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(
        metric(&export, "http_reqs", "count"),
        8.0,
        "3 redirects + final, twice"
    );
    assert_eq!(t.stats().requests, 8);
}

#[test]
fn cookies_and_setup_data_reach_the_vu() {
    let t = Target::start();
    let run = run_mode(&t, "cookies", "2", r#"{"checks": ["rate==1"]}"#);
    run.assert_ok();
    let run = run_mode(&t, "setup_data", "2", r#"{"checks": ["rate==1"]}"#);
    run.assert_ok();
}

#[test]
fn groups_tag_requests_with_their_path() {
    let t = Target::start();
    let run = run_mode(
        &t,
        "group",
        "3",
        r#"{"http_reqs{group:::outer::inner}": ["count==3"], "http_reqs{group:}": ["count==0"]}"#,
    );
    run.assert_ok();
}

#[test]
fn batch_runs_requests_concurrently() {
    let t = Target::start();
    let run = run_mode(
        &t,
        "batch",
        "2",
        r#"{"checks": ["rate==1"], "http_reqs": ["count==6"], "iteration_duration": ["max<140"]}"#,
    );
    run.assert_ok();
}

#[test]
fn custom_metrics_are_recorded_and_judged() {
    let t = Target::start();
    let run = run_mode(
        &t,
        "custom",
        "3",
        r#"{"fixture_counter": ["count==6"], "fixture_trend": ["avg==10", "p(95)==10"], "fixture_rate": ["rate==1"], "fixture_gauge": ["value>0"]}"#,
    );
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "fixture_counter", "count"), 6.0);
    assert!(
        run.stdout.contains("fixture_trend"),
        "custom metrics in the summary: {}",
        run.stdout
    );
}

#[test]
fn guest_output_is_logged_with_the_vu_id() {
    let t = Target::start();
    let run = run_mode(&t, "log", "1", "{}");
    assert_eq!(run.code, Some(0));
    assert!(
        run.stderr.contains("[vu 1]") && run.stderr.contains("fixture stdout line"),
        "{}",
        run.stderr
    );
}

#[test]
fn hello_example_runs_against_the_embedded_demo_target() {
    let hello = guest("hello", "hello");
    let run = volley_run(
        &hello,
        &["--with-demo-target", "--vus", "2", "--duration", "2s", "-q"],
    );
    run.assert_ok();
    let export = run.export.expect("export");
    assert!(metric(&export, "http_reqs", "count") >= 4.0);
    assert_eq!(metric(&export, "checks", "fails"), 0.0);
}

#[test]
fn customer_care_example_places_orders() {
    let t = Target::start();
    let cc = guest("customer-care", "customer_care");
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(&cc, &["--vus", "2", "--iterations", "4", "-e", &base, "-q"]);
    run.assert_ok();
    let stats = t.stats();
    assert_eq!(stats.by_route.get("POST /orders"), Some(&4));
    assert_eq!(stats.by_route.get("POST /customers"), Some(&4));
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "orders_placed", "count"), 4.0);
    assert_eq!(metric(&export, "http_reqs", "count"), stats.requests as f64);
}

#[test]
fn server_time_is_waiting_not_sending_under_load() {
    // The target answers 30 ms after it read the request: that time is
    // http_req_waiting (time to first byte), and sending stays short, with
    // 50 VUs sharing the engine's threads. Sending ends when the write
    // returns, as in k6: a thread the OS preempts right after its write
    // stamps that end late, and the server's time already running goes to
    // sending (on a machine busy with other tests, 0-2 requests of 500 by
    // 1-2 ms). So the bound is on p(1), not on the minimum: counting server
    // time as sending for every request, or for every new connection's
    // first one (10% here), still fails it.
    let t = Target::start();
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {
            "http_req_waiting": ["med>=30", "p(1)>=29"],
            "http_req_sending": ["p(95)<5"],
            "http_req_receiving": ["p(95)<5"]
        }}"#,
    );
    let run = t.run_fixture(
        "delay",
        &[
            "-e",
            "MS=30",
            "--vus",
            "50",
            "-i",
            "500",
            "-c",
            cfg.to_str().unwrap_or_default(),
        ],
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 500);
}
