//! httpbin-style probe routes that exercise the load tester's HTTP client:
//! latency, arbitrary statuses, large bodies, redirects and cookies.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, LOCATION, SET_COOKIE};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::params;
use super::reply::{self, Reply};

/// Longest delay `GET /delay` sleeps; larger requests are clamped to it.
const MAX_DELAY_MS: u64 = 60_000;

/// Largest body `GET /bytes/{n}` serves.
const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Zeroes served by `GET /bytes/{n}` as slices of one shared buffer, so a
/// large response costs no allocation or copy. Allocated on first use (and
/// zero pages are lazily mapped), so targets that never serve it pay nothing.
static ZEROES: LazyLock<Bytes> = LazyLock::new(|| Bytes::from(vec![0u8; MAX_BYTES]));

#[derive(Serialize)]
struct Delayed {
    delayed_ms: u64,
}

/// `GET /delay?ms=N`: answers after N milliseconds (at most a minute).
pub(crate) async fn delay(query: Option<&str>) -> Reply {
    let Some(ms) = params::query_param(query, "ms").and_then(|ms| ms.parse::<u64>().ok()) else {
        return reply::error(
            StatusCode::BAD_REQUEST,
            "ms must be a non-negative integer number of milliseconds",
        );
    };
    let ms = ms.min(MAX_DELAY_MS);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    reply::json(StatusCode::OK, &Delayed { delayed_ms: ms })
}

#[derive(Serialize)]
struct Status {
    status: u16,
}

/// `GET /status/{code}`: answers with any final status from 200 to 599.
pub(crate) fn status(code: &str) -> Reply {
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok());
    match status {
        // These statuses must not carry a body.
        Some(s @ (StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)) => reply::empty(s),
        Some(s) => reply::json(s, &Status { status: s.as_u16() }),
        None => reply::error(
            StatusCode::BAD_REQUEST,
            "status code must be an integer from 200 to 599",
        ),
    }
}

/// `GET /bytes/{n}`: `n` zero bytes of `application/octet-stream`.
pub(crate) fn bytes(n: &str) -> Reply {
    match n.parse::<usize>() {
        Ok(n) if n <= MAX_BYTES => reply::with_body(
            StatusCode::OK,
            HeaderValue::from_static("application/octet-stream"),
            // In bounds: n <= MAX_BYTES, the buffer's length.
            ZEROES.slice(..n),
        ),
        _ => reply::error(
            StatusCode::BAD_REQUEST,
            "byte count must be an integer from 0 to 10485760",
        ),
    }
}

/// `GET /redirect/{n}`: a chain of n 302 redirects ending at `/redirect/0`.
pub(crate) fn redirect(n: &str) -> Reply {
    match n.parse::<u64>() {
        Ok(0) => reply::json_static(StatusCode::OK, br#"{"redirected":true}"#),
        Ok(n) => {
            let mut reply = reply::empty(StatusCode::FOUND);
            // Digits only: always a valid header value.
            if let Ok(location) = HeaderValue::try_from(format!("/redirect/{}", n - 1)) {
                reply.headers_mut().insert(LOCATION, location);
            }
            reply
        }
        Err(_) => reply::error(
            StatusCode::BAD_REQUEST,
            "redirect count must be a non-negative integer",
        ),
    }
}

/// `GET /cookies/set?name=value&...`: sets each pair as a cookie and
/// answers with the cookies set.
pub(crate) fn set_cookies(query: Option<&str>) -> Reply {
    let mut set = BTreeMap::new();
    let mut headers = Vec::new();
    for (name, value) in params::query_pairs(query.unwrap_or("")) {
        let header = params::is_valid_cookie(&name, &value)
            .then(|| HeaderValue::try_from(format!("{name}={value}; Path=/")).ok())
            .flatten();
        let Some(header) = header else {
            return reply::error(StatusCode::BAD_REQUEST, "invalid cookie name or value");
        };
        headers.push(header);
        set.insert(name.into_owned(), value.into_owned());
    }
    let mut reply = reply::json(StatusCode::OK, &set);
    for header in headers {
        reply.headers_mut().append(SET_COOKIE, header);
    }
    reply
}

/// `GET /cookies`: the cookies the request carried, as a JSON object.
pub(crate) fn cookies(headers: &HeaderMap) -> Reply {
    reply::json(StatusCode::OK, &params::request_cookies(headers))
}
