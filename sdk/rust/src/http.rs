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
//!
//! // A server-sent event stream (an LLM answer token by token):
//! let answer = http::Request::post("http://127.0.0.1:3030/stream")
//!     .stream()
//!     .send()?;
//! for event in answer.events() {
//!     let event = event?;
//!     println!("{}: {}", event.event, event.data);
//! }
//! # Ok(()) }
//! ```

use std::cell::OnceCell;
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
///
/// The status, timings and size come with it; headers and the body are
/// fetched from the engine the first time they are asked for, so a
/// scenario that checks only the status pays nothing for the rest.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The reason phrase as received (`OK`, `Not Found`).
    pub status_text: String,
    /// The protocol, e.g. `HTTP/1.1`.
    pub proto: String,
    /// The URL that produced this response, after redirects.
    pub url: String,
    /// The address the response came from.
    pub remote_ip: String,
    /// Its port.
    pub remote_port: u16,
    /// The engine's timings of this request.
    pub timings: Timings,
    /// Body bytes read so far, on the wire.
    pub body_size: u64,
    /// k6's `error_code`: 1000 + status for 4xx and 5xx, 0 otherwise.
    pub error_code: u32,
    /// Whether the response was expected (`None` when the request had no
    /// expectation, see [`Request::no_expectation`]).
    pub expected: Option<bool>,
    handle: wit::Response,
    headers: OnceCell<Vec<(String, String)>>,
    body: OnceCell<Vec<u8>>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.url)
            .field("proto", &self.proto)
            .field("timings", &self.timings)
            .field("body_size", &self.body_size)
            .finish_non_exhaustive()
    }
}

impl Response {
    /// All headers as received, names in lower case.
    pub fn headers(&self) -> &[(String, String)] {
        self.headers.get_or_init(|| self.handle.headers())
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers()
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body, decompressed (empty when the request discarded it; for a
    /// streamed response, what was not read yet, up to its end).
    pub fn body(&self) -> &[u8] {
        self.body.get_or_init(|| self.handle.body())
    }

    /// The body as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.body()).into_owned()
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

    /// The cookies the response set.
    pub fn cookies(&self) -> Vec<Cookie> {
        self.handle
            .cookies()
            .into_iter()
            .map(Cookie::from)
            .collect()
    }

    /// The headers the request was sent with, the engine's included.
    pub fn request_headers(&self) -> Vec<(String, String)> {
        self.handle.request_headers()
    }

    /// The next part of a streamed body ([`Request::stream`]), at most
    /// `max` bytes; `None` at its end. The VU waits for bytes without
    /// holding a thread.
    pub fn read_chunk(&self, max: u32) -> Result<Option<Chunk>, HttpError> {
        crate::record::flush();
        self.handle
            .read_chunk(max)
            .map(|c| {
                c.map(|c| Chunk {
                    data: c.data,
                    at: c.at,
                })
            })
            .map_err(HttpError::from)
    }

    /// The next server-sent event of a streamed body; `None` at its end.
    pub fn next_event(&self) -> Result<Option<Event>, HttpError> {
        crate::record::flush();
        self.handle
            .next_event()
            .map(|e| e.map(Event::from))
            .map_err(HttpError::from)
    }

    /// The server-sent events of a streamed body, as they arrive. A failed
    /// read ends the iteration with its error as the last item.
    pub fn events(&self) -> impl Iterator<Item = Result<Event, HttpError>> + '_ {
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            match self.next_event() {
                Ok(Some(e)) => Some(Ok(e)),
                Ok(None) => {
                    done = true;
                    None
                }
                Err(e) => {
                    done = true;
                    Some(Err(e))
                }
            }
        })
    }
}

impl From<wit::ResponseHead> for Response {
    fn from(r: wit::ResponseHead) -> Self {
        Self {
            status: r.status,
            status_text: r.status_text,
            proto: r.proto,
            url: r.url,
            remote_ip: r.remote_ip,
            remote_port: r.remote_port,
            timings: r.timings.into(),
            body_size: r.body_size,
            error_code: r.error_code,
            expected: r.expected,
            handle: r.response,
            headers: OnceCell::new(),
            body: OnceCell::new(),
        }
    }
}

/// Part of a streamed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The bytes.
    pub data: Vec<u8>,
    /// When the engine read them (monotonic clock, nanoseconds).
    pub at: u64,
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field; `message` when absent.
    pub event: String,
    /// The `data:` lines, joined with newlines.
    pub data: String,
    /// The `id:` field.
    pub id: Option<String>,
    /// The `retry:` field, milliseconds.
    pub retry: Option<u64>,
    /// When the event was complete (monotonic clock, nanoseconds).
    pub at: u64,
}

impl From<wit::Event> for Event {
    fn from(e: wit::Event) -> Self {
        Self {
            event: e.event,
            data: e.data,
            id: e.id,
            retry: e.retry,
            at: e.at,
        }
    }
}

/// A cookie a response set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its domain.
    pub domain: String,
    /// Its path.
    pub path: String,
    /// Unix seconds; `None` for a session cookie.
    pub expires: Option<i64>,
    /// `Max-Age` in seconds, when given.
    pub max_age: Option<i64>,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Secure`.
    pub secure: bool,
    /// `SameSite`, when given.
    pub same_site: Option<String>,
}

impl From<wit::ResponseCookie> for Cookie {
    fn from(c: wit::ResponseCookie) -> Self {
        Self {
            name: c.name,
            value: c.value,
            domain: c.domain,
            path: c.path,
            expires: c.expires,
            max_age: c.max_age,
            http_only: c.http_only,
            secure: c.secure,
            same_site: c.same_site,
        }
    }
}

/// What kind of failure an [`HttpError`] is.
pub use wit::ErrorKind;

/// Why a request produced no response. Counted by the engine as a failed
/// request with k6's `error_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// k6's `error_code` (1050 timeout, 1212 connection refused, ...).
    pub code: u32,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
}

impl HttpError {
    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (error code {})", self.message, self.code)
    }
}

impl std::error::Error for HttpError {}

impl From<wit::Error> for HttpError {
    fn from(e: wit::Error) -> Self {
        Self {
            code: e.code,
            kind: e.kind,
            message: e.message,
        }
    }
}

/// A request being built. Finish with [`send`](Request::send) or
/// [`start`](Request::start).
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
                expect: wit::Expectation::Default,
                body_mode: wit::BodyMode::Buffer,
                cookies: Vec::new(),
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
        let range = wit::StatusRange {
            min: *statuses.start(),
            max: *statuses.end(),
        };
        match &mut self.inner.expect {
            wit::Expectation::Statuses(list) => list.push(range),
            other => *other = wit::Expectation::Statuses(vec![range]),
        }
        self
    }

    /// No expectation at all (k6's `responseCallback: null`): the request
    /// gets no `expected_response` tag and no `http_req_failed` sample.
    pub fn no_expectation(mut self) -> Self {
        self.inner.expect = wit::Expectation::None;
        self
    }

    /// Read and count the body on the host but do not keep it (k6's
    /// `responseType: "none"`).
    pub fn discard_body(mut self) -> Self {
        self.inner.body_mode = wit::BodyMode::Discard;
        self
    }

    /// Leave the body on the connection and read it as it arrives with
    /// [`Response::read_chunk`], [`Response::next_event`] or
    /// [`Response::events`] (server-sent events, LLM token streams).
    /// `send` returns once the head is there.
    pub fn stream(mut self) -> Self {
        self.inner.body_mode = wit::BodyMode::Streamed;
        self
    }

    /// Send a cookie with this request, beside the VU jar's.
    pub fn cookie(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner.cookies.push(wit::RequestCookie {
            name: name.into(),
            value: value.into(),
            replace: false,
        });
        self
    }

    /// Send a cookie with this request instead of the jar's of that name.
    pub fn cookie_replacing(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inner.cookies.push(wit::RequestCookie {
            name: name.into(),
            value: value.into(),
            replace: true,
        });
        self
    }

    /// Send the request and wait for the response.
    pub fn send(self) -> Result<Response, HttpError> {
        crate::record::flush();
        wit::send(&self.inner)
            .map(Response::from)
            .map_err(HttpError::from)
    }

    /// Start the request and go on (k6's `http.asyncRequest`); it proceeds
    /// while the VU does other work. Wait for it with [`Pending::wait`].
    pub fn start(self) -> Pending {
        crate::record::flush();
        Pending(wit::start(&self.inner))
    }
}

/// A request started with [`Request::start`].
pub struct Pending(wit::Pending);

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl Pending {
    /// Whether the response (or the failure) is there.
    pub fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    /// Wait for the response.
    pub fn wait(self) -> Result<Response, HttpError> {
        crate::record::flush();
        self.0.wait().map(Response::from).map_err(HttpError::from)
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
    crate::record::flush();
    let raw: Vec<wit::Request> = requests.into_iter().map(|r| r.inner).collect();
    wit::batch(&raw)
        .into_iter()
        .map(|r| r.map(Response::from).map_err(HttpError::from))
        .collect()
}

/// The VU's cookie jar (k6's `http.cookieJar()`). It is emptied at the
/// start of every iteration, as in k6.
pub mod jar {
    use super::wit;

    /// Options of a cookie set with [`set`].
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct CookieOptions {
        /// The domain; the URL's host when `None`.
        pub domain: Option<String>,
        /// The path; the URL's when `None`.
        pub path: Option<String>,
        /// Unix seconds.
        pub expires: Option<i64>,
        /// Seconds from now.
        pub max_age: Option<i64>,
        /// `Secure`.
        pub secure: bool,
        /// `HttpOnly`.
        pub http_only: bool,
    }

    /// Set cookie `name` for `url`.
    pub fn set(url: &str, name: &str, value: &str, options: CookieOptions) -> Result<(), String> {
        wit::jar_set(
            url,
            name,
            value,
            &wit::CookieOptions {
                domain: options.domain,
                path: options.path,
                expires: options.expires,
                max_age: options.max_age,
                secure: options.secure,
                http_only: options.http_only,
            },
        )
    }

    /// The cookies a request to `url` would send: name and value.
    pub fn cookies_for_url(url: &str) -> Vec<(String, String)> {
        wit::jar_cookies_for_url(url)
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect()
    }

    /// Remove the cookies for `url`.
    pub fn clear(url: &str) {
        wit::jar_clear(Some(url));
    }

    /// Remove every cookie.
    pub fn clear_all() {
        wit::jar_clear(None);
    }

    /// Remove cookie `name` for `url`.
    pub fn delete(url: &str, name: &str) {
        wit::jar_delete(url, name);
    }
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
