//! Timing behaviour under load over loopback: the queue model's capacity,
//! phases switching, and the latency the timeline reports.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};

use super::{Client, get, start_with};

/// Closed-loop clients hammer a route for `window`; returns the requests
/// answered inside it.
async fn saturate(
    addr: std::net::SocketAddr,
    clients: usize,
    path: &'static str,
    window: Duration,
) -> u64 {
    let end = Instant::now() + window;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await;
            let mut answered = 0u64;
            // Bounded by the window: each request takes at least a service time.
            while Instant::now() < end {
                let answer = client.send(Method::GET, path, &[], "").await;
                assert_eq!(answer.status, StatusCode::OK);
                if Instant::now() <= end {
                    answered += 1;
                }
            }
            answered
        }));
    }
    let mut answered = 0;
    for task in tasks {
        answered += task.await.expect("client task");
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_model_serves_its_capacity_at_saturation() {
    // 4 workers × 1000 / 20 ms = 200 requests/s.
    let target =
        start_with(r#"{"routes": {"GET /health": {"queue": {"workers": 4, "service_ms": 20}}}}"#)
            .await;
    let window = Duration::from_secs(2);
    let answered = saturate(target.local_addr(), 16, "/health", window).await;
    let rate = answered as f64 / window.as_secs_f64();
    assert!(
        (rate - 200.0).abs() <= 20.0,
        "{rate} requests/s, capacity 200"
    );
    let counts = target.stats().injected["GET /health"].clone();
    assert!(counts.queue_waits > 0);
    // 16 clients, 4 in service: at most 12 in line.
    assert!(
        (1..=12).contains(&counts.queue_max_len),
        "{}",
        counts.queue_max_len
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_grows_with_concurrency_past_capacity() {
    let target = start_with(r#"{"default": {"queue": {"workers": 2, "service_ms": 10}}}"#).await;
    let addr = target.local_addr();
    // Two clients: no line, each request takes one service time.
    let mut client = Client::connect(addr).await;
    let started = Instant::now();
    for _ in 0..5 {
        client.send(Method::GET, "/products/1", &[], "").await;
    }
    let alone = started.elapsed() / 5;
    // Sixteen clients on two workers: each waits for seven others, so a
    // request takes about 80 ms whatever the machine's noise adds.
    let window = Duration::from_millis(600);
    let answered = saturate(addr, 16, "/products/1", window).await;
    let loaded = window * 16 / answered.max(1) as u32;
    assert!(alone >= Duration::from_millis(10), "{alone:?}");
    assert!(
        loaded >= Duration::from_millis(60),
        "{loaded:?} per request under load"
    );
    assert!(
        loaded >= alone * 2,
        "{loaded:?} under load, {alone:?} alone"
    );
}

#[tokio::test]
async fn phases_switch_at_their_time() {
    let target = start_with(
        r#"{"default": {"latency": {"fixed": 1}},
            "phases": [{"after": "300ms", "default": {"errors": {"503": 1}}}]}"#,
    )
    .await;
    let applied = Instant::now();
    assert_eq!(get(&target, "/health").await.status, StatusCode::OK);
    let view = get(&target, "/__faults").await.json();
    assert_eq!(view["phase"], serde_json::Value::Null);
    // Bounded polling until the phase is in force.
    loop {
        let status = get(&target, "/health").await.status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            applied.elapsed() < Duration::from_secs(5),
            "phase never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(applied.elapsed() >= Duration::from_millis(300));
    assert_eq!(get(&target, "/__faults").await.json()["phase"], 0);
}

#[tokio::test]
async fn timeline_reports_the_applied_latency() {
    let target = start_with(r#"{"routes": {"GET /health": {"latency": {"fixed": 100}}}}"#).await;
    let mut client = Client::connect(target.local_addr()).await;
    for _ in 0..3 {
        client.send(Method::GET, "/health", &[], "").await;
    }
    let stats = target.stats();
    let answered: Vec<_> = stats.timeline.iter().filter(|s| s.answered > 0).collect();
    let total: u64 = answered.iter().map(|s| s.answered).sum();
    assert_eq!(total, 3);
    for second in answered {
        let p50 = second.p50_ms.expect("answered requests have a median");
        // At least the latency; tokio's timer adds up to a millisecond,
        // the histogram up to 6.25%.
        assert!((100.0..=112.0).contains(&p50), "{p50} ms");
    }
    assert_eq!(stats.injected["GET /health"].delayed, 3);
}
