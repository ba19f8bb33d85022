//! Tests of the probe routes: delay, status, bytes, redirect, cookies.

use std::time::{Duration, Instant};

use http::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use http::{Method, StatusCode};
use serde_json::json;

use super::{Client, get, start};

#[tokio::test]
async fn delay_waits_at_least_the_asked_time() {
    let target = start().await;
    let started = Instant::now();
    let answer = get(&target, "/delay?ms=50").await;
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(
        (answer.status, answer.json()),
        (StatusCode::OK, json!({"delayed_ms": 50}))
    );
    for path in ["/delay", "/delay?ms=", "/delay?ms=-1", "/delay?ms=soon"] {
        assert_eq!(
            get(&target, path).await.status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
}

#[tokio::test]
async fn status_answers_the_asked_status() {
    let target = start().await;
    let teapot = get(&target, "/status/418").await;
    assert_eq!(
        (teapot.status.as_u16(), teapot.json()),
        (418, json!({"status": 418}))
    );
    let no_content = get(&target, "/status/204").await;
    assert_eq!(
        (no_content.status.as_u16(), no_content.body.len()),
        (204, 0)
    );
    assert_eq!(get(&target, "/status/503").await.status.as_u16(), 503);
    for path in ["/status/100", "/status/199", "/status/600", "/status/ok"] {
        assert_eq!(
            get(&target, path).await.status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
}

#[tokio::test]
async fn bytes_serves_n_octets() {
    let target = start().await;
    let answer = get(&target, "/bytes/1000").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[CONTENT_TYPE], "application/octet-stream");
    assert_eq!(answer.body.len(), 1000);
    assert_eq!(get(&target, "/bytes/0").await.body.len(), 0);
    assert_eq!(
        get(&target, "/bytes/10485761").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&target, "/bytes/many").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn redirect_chain_counts_down_to_zero() {
    let target = start().await;
    let mut client = Client::connect(target.local_addr()).await;
    let mut path = "/redirect/3".to_owned();
    let mut hops = 0;
    loop {
        let answer = client.send(Method::GET, &path, &[], "").await;
        if answer.status != StatusCode::FOUND {
            assert_eq!(
                (answer.status, answer.json()),
                (StatusCode::OK, json!({"redirected": true}))
            );
            break;
        }
        hops += 1;
        path = answer.headers[LOCATION]
            .to_str()
            .expect("ASCII location")
            .to_owned();
    }
    assert_eq!((hops, path.as_str()), (3, "/redirect/0"));
    assert_eq!(
        get(&target, "/redirect/x").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn cookies_are_set_and_echoed() {
    let target = start().await;
    let set = get(&target, "/cookies/set?session=abc&theme=dark").await;
    assert_eq!(set.status, StatusCode::OK);
    let set_cookies: Vec<&str> = set
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(set_cookies, ["session=abc; Path=/", "theme=dark; Path=/"]);
    let bad = get(&target, "/cookies/set?a=x%3B%20HttpOnly").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let mut client = Client::connect(target.local_addr()).await;
    let echoed = client
        .send(
            Method::GET,
            "/cookies",
            &[(COOKIE, "session=abc; theme=dark")],
            "",
        )
        .await;
    assert_eq!(echoed.status, StatusCode::OK);
    assert_eq!(echoed.json(), json!({"session": "abc", "theme": "dark"}));
    assert_eq!(get(&target, "/cookies").await.json(), json!({}));
}
