//! Each fault kind seen by a real client over loopback, and counted the
//! same in `/__stats`.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::time::{Duration, Instant};

use http::header::{CONTENT_TYPE, HeaderName, RETRY_AFTER};
use http::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Client, call, get, loopback, start, start_with};
use crate::{DemoTarget, FaultProfile, InjectedCounts};

fn fault_header() -> HeaderName {
    HeaderName::from_static("x-volley-fault")
}

/// What the target injected on `route`.
fn injected(target: &DemoTarget, route: &str) -> InjectedCounts {
    target
        .stats()
        .injected
        .get(route)
        .cloned()
        .unwrap_or_default()
}

/// Sends a raw HTTP/1.1 request and reads until the server closes; the
/// error is what the socket reported (a reset shows as `ConnectionReset`).
async fn raw(target: &DemoTarget, path: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(target.local_addr()).await?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_mix_is_binomial_and_counted_exactly() {
    let target =
        start_with(r#"{"default": {"errors": {"500": 0.02, "502": 0.05, "503": 0.01}}}"#).await;
    let (connections, per_connection) = (4, 500);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let addr = target.local_addr();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await;
            let mut seen: BTreeMap<u16, u64> = BTreeMap::new();
            for _ in 0..per_connection {
                let answer = client.send(Method::GET, "/health", &[], "").await;
                *seen.entry(answer.status.as_u16()).or_default() += 1;
            }
            seen
        }));
    }
    let mut seen: BTreeMap<u16, u64> = BTreeMap::new();
    for task in tasks {
        for (status, n) in task.await.expect("client task") {
            *seen.entry(status).or_default() += n;
        }
    }
    let n = (connections * per_connection) as f64;
    for (status, p) in [(500, 0.02), (502, 0.05), (503, 0.01)] {
        let count = seen.get(&status).copied().unwrap_or(0) as f64;
        // Five standard deviations of Binomial(n, p): fails by chance
        // about once in 1.7 million runs.
        let tolerance = 5.0 * (n * p * (1.0 - p)).sqrt();
        assert!(
            (count - n * p).abs() <= tolerance,
            "{status}: {count} of {n}"
        );
    }
    let stats = target.stats();
    let errors: BTreeMap<u16, u64> = seen
        .iter()
        .filter(|(s, _)| **s != 200)
        .map(|(s, n)| (*s, *n))
        .collect();
    assert_eq!(stats.injected["GET /health"].statuses, errors);
    assert_eq!(stats.requests, 2000);
    let received: u64 = stats.timeline.iter().map(|s| s.received).sum();
    let answered: u64 = stats.timeline.iter().map(|s| s.answered).sum();
    assert_eq!((received, answered), (2000, 2000));
}

#[tokio::test]
async fn fault_headers_inject_status_delay_reset_and_timeout() {
    let target = start_with("{}").await;
    let mut client = Client::connect(target.local_addr()).await;
    let header = |value| [(fault_header(), value)];
    let answer = client
        .send(Method::GET, "/products", &header("status=502"), "")
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        answer.json(),
        json!({"error": "injected fault", "status": 502})
    );

    let started = Instant::now();
    let answer = client
        .send(Method::GET, "/health", &header("delay=250ms"), "")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(250));

    let bad = client
        .send(Method::GET, "/health", &header("status=200"), "")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("400 to 599"))
    );

    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        client.try_send(Method::GET, "/health", &header("timeout"), ""),
    )
    .await;
    assert!(waited.is_err(), "a timeout fault is never answered");

    let mut other = Client::connect(target.local_addr()).await;
    let reset = other
        .try_send(Method::GET, "/health", &header("reset"), "")
        .await;
    assert!(reset.is_err(), "the connection is reset");

    let products = injected(&target, "GET /products");
    assert_eq!(products.statuses, BTreeMap::from([(502, 1)]));
    let health = injected(&target, "GET /health");
    assert_eq!((health.delayed, health.timeouts, health.resets), (1, 1, 1));
}

#[tokio::test]
async fn plain_targets_ignore_fault_headers() {
    let target = start().await;
    let mut client = Client::connect(target.local_addr()).await;
    let answer = client
        .send(
            Method::GET,
            "/health",
            &[(fault_header(), "status=502")],
            "",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"status": "ok"}));
    assert!(target.stats().injected.is_empty());
    assert!(target.faults().is_none());
}

#[tokio::test]
async fn reset_faults_reach_the_client_as_a_tcp_reset() {
    let target = start_with(r#"{"routes": {"GET /health": {"reset": 1}}}"#).await;
    let err = raw(&target, "/health").await.expect_err("reset");
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    // Other routes answer normally.
    let answer = raw(&target, "/products/1").await.expect("answered");
    assert!(answer.starts_with(b"HTTP/1.1 200 OK"));
    assert_eq!(injected(&target, "GET /health").resets, 1);
}

#[tokio::test]
async fn timeouts_hold_the_connection_until_the_target_stops() {
    let target = start_with(r#"{"default": {"timeout": 1}}"#).await;
    let mut client = Client::connect(target.local_addr()).await;
    let pending = tokio::spawn(async move {
        client
            .try_send(Method::GET, "/health", &[], "")
            .await
            .map(|a| a.status)
    });
    // Bounded wait for the target to have counted the hanging request.
    let deadline = Instant::now() + Duration::from_secs(5);
    while injected(&target, "GET /health").timeouts == 0 {
        assert!(Instant::now() < deadline, "timeout never counted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!pending.is_finished());
    target.shutdown().await;
    let ended = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the request ends when the target stops")
        .expect("client task");
    assert!(ended.is_err(), "never answered: {ended:?}");
}

#[tokio::test]
async fn slow_bodies_arrive_in_paced_chunks() {
    let target = start_with(
        r#"{"routes": {"GET /bytes/{n}": {"slow_body": {"chunk_bytes": 100, "gap_ms": 50}}}}"#,
    )
    .await;
    let started = Instant::now();
    let answer = get(&target, "/bytes/500").await;
    // Five chunks, four gaps.
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!((answer.status, answer.body.len()), (StatusCode::OK, 500));
    assert_eq!(injected(&target, "GET /bytes/{n}").slow_bodies, 1);
    let answered: u64 = target.stats().timeline.iter().map(|s| s.answered).sum();
    assert_eq!(answered, 1);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_per_client_key() {
    let target = start_with(
        r#"{"default": {"rate_limit": {"rate": 10, "burst": 5, "key_header": "X-Client-Key"}}}"#,
    )
    .await;
    let mut client = Client::connect(target.local_addr()).await;
    let key = HeaderName::from_static("x-client-key");
    let started = Instant::now();
    let mut limited = Vec::new();
    for _ in 0..20 {
        let answer = client
            .send(Method::GET, "/health", &[(key.clone(), "alice")], "")
            .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited.push(answer);
        }
    }
    let passed = 20.0 - limited.len() as f64;
    // The burst, plus what the bucket refilled at 10/s meanwhile.
    let refilled = (started.elapsed().as_secs_f64() * 10.0).floor();
    assert!(passed >= 5.0 && passed <= 5.0 + refilled, "{passed} passed");
    assert!(limited.iter().all(|a| a.headers[RETRY_AFTER] == "1"));
    assert_eq!(
        injected(&target, "GET /health").rate_limited,
        limited.len() as u64
    );
    // Bob has his own bucket.
    let bob = client
        .send(Method::GET, "/health", &[(key, "bob")], "")
        .await;
    assert_eq!(bob.status, StatusCode::OK);

    // Retry-After is rounded up to whole seconds: 0.5 tokens/s is 2 s.
    let slow = start_with(r#"{"default": {"rate_limit": {"rate": 0.5, "burst": 1}}}"#).await;
    assert_eq!(get(&slow, "/health").await.status, StatusCode::OK);
    let refused = get(&slow, "/health").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers[RETRY_AFTER], "2");
}

#[tokio::test]
async fn breakers_open_on_real_5xx_then_half_open() {
    let target = start_with(
        r#"{"routes": {"GET /status/{code}": {"breaker": {"failures": 3, "open_for": "300ms"}}}}"#,
    )
    .await;
    for _ in 0..3 {
        assert_eq!(get(&target, "/status/500").await.status.as_u16(), 500);
    }
    let opened = Instant::now();
    let short = get(&target, "/status/200").await;
    assert_eq!(short.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(short.json(), json!({"error": "circuit open"}));
    assert_eq!(short.headers[RETRY_AFTER], "1");
    // Bounded polling until the breaker lets the trial through.
    let mut short_circuits = 1;
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let answer = get(&target, "/status/200").await;
        if answer.status == StatusCode::OK {
            break;
        }
        short_circuits += 1;
        assert!(
            opened.elapsed() < Duration::from_secs(5),
            "breaker never half-opened"
        );
    }
    assert!(opened.elapsed() >= Duration::from_millis(250));
    // The trial succeeded: closed again.
    assert_eq!(get(&target, "/status/201").await.status.as_u16(), 201);
    let counts = injected(&target, "GET /status/{code}");
    assert_eq!(
        (counts.breaker_opens, counts.short_circuits),
        (1, short_circuits)
    );
}

#[tokio::test]
async fn faults_are_set_read_and_cleared_over_http() {
    let target = start().await;
    let profile = r#"{"default": {"errors": {"503": 1}}}"#;
    let set = call(&target, Method::PUT, "/__faults", profile).await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(
        set.json()["profile"],
        json!({"default": {"errors": {"503": 1.0}}})
    );
    assert_eq!(get(&target, "/health").await.status.as_u16(), 503);
    // The admin endpoints are never faulted.
    let view = get(&target, "/__faults").await.json();
    assert_eq!(
        (view["phase"].clone(), view["headers_enabled"].clone()),
        (json!(null), json!(true))
    );

    let toml = "[routes.\"GET /health\"]\nerrors = { 502 = 1 }\n";
    let mut client = Client::connect(target.local_addr()).await;
    let content_type = [(CONTENT_TYPE, "application/toml")];
    let set = client
        .send(Method::PUT, "/__faults", &content_type, toml)
        .await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(get(&target, "/health").await.status.as_u16(), 502);

    let bad = call(
        &target,
        Method::PUT,
        "/__faults",
        r#"{"default": {"eror": {}}}"#,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let message = bad.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.starts_with("PUT /__faults: at `default.eror`: unknown field `eror`"),
        "{message}"
    );

    let cleared = call(&target, Method::DELETE, "/__faults", "").await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&target, "/health").await.status, StatusCode::OK);
    assert_eq!(
        get(&target, "/__faults").await.json()["profile"],
        json!(null)
    );
}

#[tokio::test]
async fn invalid_profiles_are_refused_at_bind() {
    let profile = FaultProfile {
        default: Some(crate::FaultRule {
            reset: 2.0,
            ..crate::FaultRule::default()
        }),
        ..FaultProfile::default()
    };
    let err = DemoTarget::bind_with_faults(loopback(), profile)
        .await
        .err()
        .expect("refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("default.reset"), "{err}");
}
