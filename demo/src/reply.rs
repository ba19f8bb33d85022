//! Response builders shared by the handlers.
//!
//! Responses are built by mutating a `Response::new` rather than through
//! `Response::builder()`, whose `Result` could only fail on header values we
//! already know to be valid.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use serde::Serialize;

use super::body::Body;

/// Every demo-target response. Bodies are complete in memory (so hyper can
/// send a `content-length` and keep the connection alive) except slowed and
/// streamed ones; see [`Body`].
pub(crate) type Reply = Response<Body>;

/// The `content-type` of JSON bodies (a function: `HeaderValue` cannot be
/// a `const` without clippy's interior-mutability warnings).
fn json_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// A response with `status`, a body and a content type.
pub(crate) fn with_body(status: StatusCode, content_type: HeaderValue, body: Bytes) -> Reply {
    let mut response = Response::new(Body::full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

/// A JSON response from an already serialized body.
pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Reply {
    with_body(status, json_type(), body)
}

/// A JSON response from a fixed body.
pub(crate) fn json_static(status: StatusCode, body: &'static [u8]) -> Reply {
    json_bytes(status, Bytes::from_static(body))
}

/// A JSON response serializing `value`.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(status, Bytes::from(body)),
        // Only maps with non-string keys or failing Serialize impls get
        // here; none exist in this module, but a 500 beats a panic.
        Err(_) => json_static(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error":"could not serialize response"}"#,
        ),
    }
}

/// The error shape every failing route answers with: `{"error": message}`.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// A JSON error response `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
    json(status, &ErrorBody { error: message })
}

/// A response with no body (204, 302, 304, ...).
pub(crate) fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(Body::full(Bytes::new()));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn error_bodies_escape_their_message() {
        let reply = error(StatusCode::BAD_REQUEST, "bad \"input\"");
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
        assert_eq!(reply.headers()[CONTENT_TYPE], "application/json");
        let body = reply.into_body().collect().await.map(|b| b.to_bytes());
        assert_eq!(
            body.ok().as_deref(),
            Some(&br#"{"error":"bad \"input\""}"#[..])
        );
    }
}
