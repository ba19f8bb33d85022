//! End-to-end tests of the demo target over real loopback connections, one
//! target per test so they run in parallel. This file holds the test client
//! and the server-level tests; route tests live in the submodules.

mod faults;
mod load;
mod probes;
mod shop;
mod stream;

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::{DemoTarget, FaultProfile};

/// A fresh target on an ephemeral loopback port.
async fn start() -> DemoTarget {
    DemoTarget::bind(loopback()).await.expect("bind loopback")
}

/// A fresh target with a JSON fault profile (and fault headers) on.
async fn start_with(profile: &str) -> DemoTarget {
    let profile = FaultProfile::from_json_str(profile, "test profile").expect("valid profile");
    DemoTarget::bind_with_faults(loopback(), profile)
        .await
        .expect("bind loopback")
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// One HTTP/1.1 connection to a target.
struct Client {
    sender: SendRequest<Full<Bytes>>,
}

/// A response read in full.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Client { sender }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(HeaderName, &str)],
        body: &str,
    ) -> Answer {
        self.try_send(method, path, headers, body)
            .await
            .expect("response")
    }

    /// [`send`](Self::send) that hands back the client-side error of a
    /// request the target did not answer.
    async fn try_send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(HeaderName, &str)],
        body: &str,
    ) -> Result<Answer, hyper::Error> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "target");
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
            .expect("valid request");
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// Sends one request on a new connection.
async fn call(target: &DemoTarget, method: Method, path: &str, body: &str) -> Answer {
    let mut client = Client::connect(target.local_addr()).await;
    client.send(method, path, &[], body).await
}

async fn get(target: &DemoTarget, path: &str) -> Answer {
    call(target, Method::GET, path, "").await
}

async fn post(target: &DemoTarget, path: &str, body: &str) -> Answer {
    call(target, Method::POST, path, body).await
}

#[tokio::test]
async fn health_answers_ok_as_json() {
    let target = start().await;
    let answer = get(&target, "/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[CONTENT_TYPE], "application/json");
    assert_eq!(answer.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let target = start().await;
    let missing = get(&target, "/nope").await;
    assert_eq!(
        (missing.status, missing.json()),
        (StatusCode::NOT_FOUND, json!({"error": "not found"}))
    );
    let wrong = post(&target, "/health", "").await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.headers["allow"], "GET");
}

#[tokio::test]
async fn stats_count_routes_but_not_themselves() {
    let target = start().await;
    get(&target, "/products").await;
    get(&target, "/products").await;
    get(&target, "/products/3").await;
    get(&target, "/nope").await;
    call(&target, Method::DELETE, "/products", "").await;
    let served = get(&target, "/__stats").await;
    assert_eq!(served.status, StatusCode::OK);
    let by_route = json!({"GET /products": 2, "GET /products/{id}": 1, "other": 2});
    let json = served.json();
    assert_eq!(
        (&json["requests"], &json["by_route"]),
        (&json!(5), &by_route)
    );
    // Neither the /__stats request above nor this snapshot changed anything.
    let snapshot = target.stats();
    assert_eq!(serde_json::to_value(&snapshot).expect("serializable"), json);
    // The timeline received and answered all five (the 404s too).
    let received: u64 = snapshot.timeline.iter().map(|s| s.received).sum();
    let answered: u64 = snapshot.timeline.iter().map(|s| s.answered).sum();
    assert_eq!((received, answered), (5, 5));

    let reset = post(&target, "/__stats/reset", "").await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    let zero = target.stats();
    assert_eq!((zero.requests, zero.by_route.len()), (0, 0));
    assert!(
        zero.timeline
            .iter()
            .all(|s| s.received == 0 && s.answered == 0)
    );
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let target = start().await;
    let mut client = Client::connect(target.local_addr()).await;
    let first = client.send(Method::GET, "/health", &[], "").await;
    let second = client.send(Method::GET, "/products/1", &[], "").await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(target.stats().requests, 2);
}

#[tokio::test]
async fn shutdown_closes_the_listener() {
    let target = start().await;
    let addr = target.local_addr();
    assert_eq!(get(&target, "/health").await.status, StatusCode::OK);
    target.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn dropping_the_target_stops_serving() {
    let target = start().await;
    let addr = target.local_addr();
    drop(target);
    // The accept loop notices the drop on its next poll; a connect may race
    // it, but no request can be answered afterwards.
    tokio::task::yield_now().await;
    if let Ok(stream) = TcpStream::connect(addr).await {
        let (mut sender, connection) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let request = Request::get("/health")
            .body(Full::new(Bytes::new()))
            .expect("request");
        assert!(sender.send_request(request).await.is_err());
    }
}
