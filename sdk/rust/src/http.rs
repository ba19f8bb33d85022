//! HTTP requests, timed by the engine.
//!
//! ```no_run
//! use volley_sdk::http;
//! # fn main() -> Result<(), volley_sdk::Error> {
//! let res = http::get("http://127.0.0.1:3030/products")?;
//! assert_eq!(res.status, 200);
//!
//! let order = http::Request::post("http://127.0.0.1:3030/orders")
//!     .json(r#"{"customer_id": 1, "product_id": 2, "quantity": 1}"#)
//!     .name("place order")
//!     .tag("step", "checkout")
//!     .send()?;
//! println!("{}", order.text());
//! # Ok(()) }
//! ```

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::bindings::volley::scenario::http as wit;

/// The method of a request.
pub use wit::Method;

/// Where the time of a request went, as measured by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timings {
    /// Waiting for a connection (pool checkout, DNS): `http_req_blocked`.
    pub blocked: Duration,
    /// TCP connect, zero on a reused connection: `http_req_connecting`.
    pub connecting: Duration,
    /// TLS handshake: `http_req_tls_handshaking`.
    pub tls_handshaking: Duration,
    /// Writing the request: `http_req_sending`.
    pub sending: Duration,
    /// Time to first byte: `http_req_waiting`.
    pub waiting: Duration,
    /// Reading the body: `http_req_receiving`.
    pub receiving: Duration,
    /// sending + waiting + receiving: `http_req_duration`.
    pub duration: Duration,
}

impl From<wit::Timings> for Timings {
    fn from(t: wit::Timings) -> Self {
        Self {
            blocked: Duration::from_nanos(t.blocked),
            connecting: Duration::from_nanos(t.connecting),
            tls_handshaking: Duration::from_nanos(t.tls_handshaking),
            sending: Duration::from_nanos(t.sending),
            waiting: Duration::from_nanos(t.waiting),
            receiving: Duration::from_nanos(t.receiving),
            duration: Duration::from_nanos(t.duration),
        }
    }
}

/// A response. 4xx and 5xx statuses are responses too; check them.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty when the request discarded it).
    pub body: Vec<u8>,
    /// The URL that produced this response, after redirects.
    pub url: String,
    /// The engine's timings of this request.
    pub timings: Timings,
}

impl Response {
    /// The body as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The raw string value of top-level field `key` in a JSON object body,
    /// without a JSON library: numbers and booleans as written, strings
    /// without their quotes (escape sequences left as they are). Enough for
    /// ids and tokens; parse with `serde_json` for anything more.
    pub fn json_field(&self, key: &str) -> Option<String> {
        json_field(&self.text(), key)
    }
}

impl From<wit::Response> for Response {
    fn from(r: wit::Response) -> Self {
        Self {
            status: r.status,
            headers: r.headers,
            body: r.body,
            url: r.url,
            timings: r.timings.into(),
        }
    }
}

/// Why a request produced no response. Counted by the engine as a failed
/// request with k6's `error_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The request timed out.
    Timeout,
    /// The host name did not resolve.
    Dns(String),
    /// The TCP connection failed.
    Connect(String),
    /// The TLS handshake failed.
    Tls(String),
    /// The server broke the HTTP protocol.
    Protocol(String),
    /// The host is not allowed by `--allow-host`.
    Denied(String),
    /// The request is malformed.
    Invalid(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Timeout => f.write_str("request timed out"),
            HttpError::Dns(m) => write!(f, "DNS lookup failed: {m}"),
            HttpError::Connect(m) => write!(f, "connection failed: {m}"),
            HttpError::Tls(m) => write!(f, "TLS handshake failed: {m}"),
            HttpError::Protocol(m) => write!(f, "protocol error: {m}"),
            HttpError::Denied(m) => write!(f, "host denied: {m}"),
            HttpError::Invalid(m) => write!(f, "invalid request: {m}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<wit::Error> for HttpError {
    fn from(e: wit::Error) -> Self {
        match e {
            wit::Error::Timeout => HttpError::Timeout,
            wit::Error::Dns(m) => HttpError::Dns(m),
            wit::Error::Connect(m) => HttpError::Connect(m),
            wit::Error::Tls(m) => HttpError::Tls(m),
            wit::Error::Protocol(m) => HttpError::Protocol(m),
            wit::Error::Denied(m) => HttpError::Denied(m),
            wit::Error::Invalid(m) => HttpError::Invalid(m),
        }
    }
}

/// A request being built. Finish with [`send`](Request::send).
#[derive(Debug, Clone)]
pub struct Request {
    inner: wit::Request,
}

impl Request {
    /// A request with any method.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            inner: wit::Request {
                method,
                url: url.into(),
                headers: Vec::new(),
                body: Vec::new(),
                timeout: None,
                name: None,
                tags: Vec::new(),
                max_redirects: None,
                expected_statuses: Vec::new(),
                discard_body: false,
            },
        }
    }

    /// A GET request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }

    /// A POST request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::Post, url)
    }

    /// A PUT request.
    pub fn put(url: impl Into<String>) -> Self {
        Self::new(Method::Put, url)
    }

    /// A PATCH request.
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new(Method::Patch, url)
    }

    /// A DELETE request.
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new(Method::Delete, url)
    }

    /// A HEAD request.
    pub fn head(url: impl Into<String>) -> Self {
        Self::new(Method::Head, url)
    }

    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner.headers.push((name.into(), value.into()));
        self
    }

    /// Set the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.inner.body = body.into();
        self
    }

    /// Set a JSON body and the `content-type: application/json` header.
    pub fn json(self, json: impl Into<String>) -> Self {
        self.header("content-type", "application/json")
            .body(json.into().into_bytes())
    }

    /// Give up after this long (default: the run's `--http-timeout`, 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.inner.timeout = Some(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX));
        self
    }

    /// Set the `name` tag that groups URLs with ids into one series.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.inner.name = Some(name.into());
        self
    }

    /// Add a tag to this request's metrics.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner.tags.push((key.into(), value.into()));
        self
    }

    /// Follow at most `n` redirects (0: return the redirect itself).
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.inner.max_redirects = Some(n);
        self
    }

    /// Count these statuses as expected (default 200..=399). Call again to
    /// add more ranges.
    pub fn expect_status(mut self, statuses: RangeInclusive<u16>) -> Self {
        self.inner.expected_statuses.push(wit::StatusRange {
            min: *statuses.start(),
            max: *statuses.end(),
        });
        self
    }

    /// Read and count the body on the host but do not copy it into the
    /// scenario.
    pub fn discard_body(mut self) -> Self {
        self.inner.discard_body = true;
        self
    }

    /// Send the request and wait for the response.
    pub fn send(self) -> Result<Response, HttpError> {
        wit::send(&self.inner)
            .map(Response::from)
            .map_err(HttpError::from)
    }
}

/// GET `url`.
pub fn get(url: impl Into<String>) -> Result<Response, HttpError> {
    Request::get(url).send()
}

/// POST `body` to `url`.
pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Result<Response, HttpError> {
    Request::post(url).body(body).send()
}

/// Send all requests concurrently and wait for every response, like k6's
/// `http.batch`. Results are in request order.
pub fn batch(requests: Vec<Request>) -> Vec<Result<Response, HttpError>> {
    let raw: Vec<wit::Request> = requests.into_iter().map(|r| r.inner).collect();
    wit::batch(&raw)
        .into_iter()
        .map(|r| r.map(Response::from).map_err(HttpError::from))
        .collect()
}

fn json_field(text: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let after = rest[at + needle.len()..].trim_start();
        if let Some(value) = after.strip_prefix(':') {
            let value = value.trim_start();
            if let Some(s) = value.strip_prefix('"') {
                let mut end = 0;
                let bytes = s.as_bytes();
                while end < bytes.len() {
                    match bytes[end] {
                        b'\\' => end += 2,
                        b'"' => return Some(s[..end].to_string()),
                        _ => end += 1,
                    }
                }
                return None;
            }
            let end = value
                .find([',', '}', ']', ' ', '\n', '\r', '\t'])
                .unwrap_or(value.len());
            return Some(value[..end].to_string());
        }
        rest = &rest[at + needle.len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::json_field;

    #[test]
    fn json_field_reads_strings_numbers_and_skips_non_keys() {
        let body = r#"{"name": "a \"b\"", "id": 42, "ok":true, "x": {"id": 7}}"#;
        assert_eq!(json_field(body, "id").as_deref(), Some("42"));
        assert_eq!(json_field(body, "name").as_deref(), Some(r#"a \"b\""#));
        assert_eq!(json_field(body, "ok").as_deref(), Some("true"));
        assert_eq!(json_field(body, "missing"), None);
        assert_eq!(
            json_field(r#"{"v":"id","id":3}"#, "id").as_deref(),
            Some("3")
        );
    }
}
