//! `GET /stream`: events, their pacing, and the target's first-event log.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use http::header::CONTENT_TYPE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{get, start};
use crate::DemoTarget;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A stream read over a raw socket, so the first event is time-stamped as
/// soon as its bytes arrive, with no client library in between.
struct Received {
    /// Everything read, headers included.
    text: String,
    /// Wall clock when the first `data:` bytes arrived, µs since the epoch.
    first_event_us: u64,
    /// From sending the request to the first event.
    ttfe: Duration,
    /// From sending the request to the end of the stream.
    total: Duration,
}

async fn read_stream(target: &DemoTarget, query: &str) -> Received {
    let mut socket = TcpStream::connect(target.local_addr())
        .await
        .expect("connect");
    socket.set_nodelay(true).expect("nodelay");
    let request = format!("GET /stream?{query} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n");
    let sent = Instant::now();
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut text = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut first = None;
    loop {
        // Bounded: the target closes the connection after [DONE].
        let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut chunk))
            .await
            .expect("stream stalled")
            .expect("read");
        let arrived_us = now_us();
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
        if first.is_none() && text.windows(5).any(|w| w == b"data:") {
            first = Some((arrived_us, sent.elapsed()));
        }
    }
    let (first_event_us, ttfe) = first.expect("an event arrived");
    Received {
        text: String::from_utf8(text).expect("UTF-8"),
        first_event_us,
        ttfe,
        total: sent.elapsed(),
    }
}

#[tokio::test]
async fn streams_send_paced_events_then_done() {
    let target = start().await;
    let got = read_stream(&target, "tokens=5&ttft_ms=100&gap_ms=20").await;
    assert!(got.text.starts_with("HTTP/1.1 200 OK"));
    assert!(got.text.contains("content-type: text/event-stream"));
    let events: Vec<&str> = got
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .collect();
    assert_eq!(events.len(), 6);
    assert_eq!(events[0], r#"{"token":0,"text":"tok0 "}"#);
    assert_eq!(events[4], r#"{"token":4,"text":"tok4 "}"#);
    assert_eq!(events[5], "[DONE]");
    assert!(got.ttfe >= Duration::from_millis(100), "{:?}", got.ttfe);
    // The first event, then four gaps.
    assert!(got.total >= Duration::from_millis(180), "{:?}", got.total);

    let stats = target.stats();
    assert_eq!(
        (
            stats.streams.started,
            stats.streams.completed,
            stats.streams.events
        ),
        (1, 1, 5)
    );
    assert_eq!(stats.by_route["GET /stream"], 1);
    let log = target.streams();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].tokens, log[0].ttft_ms, log[0].gap_ms), (5, 100, 20));
    assert!(log[0].completed);
    let server_ttfe = log[0].first_event_at_us.expect("stamped") - log[0].received_at_us;
    assert!(server_ttfe >= 100_000, "{server_ttfe} µs");
}

/// The logged first-event time is when the event hit the socket: a client
/// on the same machine reads it within 100 µs. Scheduling noise on a busy
/// machine can delay any one read, so the best of a few streams counts.
/// Two workers, so the client's read is not queued behind the server's
/// task on one thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_event_log_matches_the_client_within_100_us() {
    let target = start().await;
    let mut gaps = Vec::new();
    for _ in 0..5 {
        let got = read_stream(&target, "tokens=2&ttft_ms=20&gap_ms=30").await;
        let log = target.streams();
        let server = log
            .last()
            .and_then(|r| r.first_event_at_us)
            .expect("stamped");
        // The server's write returns before the client's read does.
        gaps.push(got.first_event_us as i64 - server as i64);
    }
    eprintln!("first event, client minus server, µs: {gaps:?}");
    let best = gaps.iter().copied().min().unwrap_or(i64::MAX);
    assert!(
        (0..=100).contains(&best),
        "client minus server, µs: {gaps:?}"
    );
    assert!(gaps.iter().all(|g| g.abs() < 20_000), "{gaps:?}");
    let stats = get(&target, "/__stats/streams").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_eq!(stats.headers[CONTENT_TYPE], "application/json");
    assert_eq!(stats.json().as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn stream_parameters_are_bounded() {
    let target = start().await;
    for query in ["tokens=10001", "ttft_ms=60001", "gap_ms=x"] {
        let answer = get(&target, &format!("/stream?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
    }
    assert_eq!(target.stats().streams.started, 0);
}
