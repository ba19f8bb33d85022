//! The HTTP client of the VUs, written so
//! that every phase of a request is measured for real on the host:
//! `blocked` (pool checkout + DNS), `connecting` (TCP), `tls_handshaking`,
//! `sending` (until the request's last byte is on the socket), `waiting`
//! (until the first response byte) and `receiving` (until the body is read).
//! reqwest cannot expose those per request, hence a client of our own:
//! HTTP/1.1 framing in [`h1`] over tokio sockets and rustls.
//!
//! Each VU has its own [`VuClient`]: its own HTTP/1.1 keep-alive pool and
//! cookie jar, as in k6. HTTP/2 is not spoken yet (ALPN offers http/1.1).

mod budget;
mod client;
mod connect;
mod error;
mod h1;
mod policy;
mod timed_io;
mod tls;

pub use budget::BodyBudget;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

pub use client::{StreamBody, VuClient};
pub use error::{ErrorKind, HttpError, label_of, status_code};
pub use policy::{IpBlock, NetPolicy};

/// Run-wide HTTP settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// `User-Agent` unless the request sets one.
    pub user_agent: String,
    /// Default whole-request timeout.
    pub timeout: Duration,
    /// Default redirect limit.
    pub max_redirects: u32,
    /// Accept any TLS certificate.
    pub insecure_skip_tls_verify: bool,
    /// Largest response body read, in bytes.
    pub max_body_bytes: u64,
}

/// A gate consulted before any connection is made (`--allow-host`,
/// `--block-private`, ...).
pub trait HostPolicy: Send + Sync + std::fmt::Debug {
    /// `Err(reason)` denies the request to this host name or IP literal.
    fn check(&self, host: &str, port: u16) -> Result<(), String>;

    /// `Err(reason)` denies connecting to this resolved address.
    fn check_ip(&self, _ip: std::net::IpAddr) -> Result<(), String> {
        Ok(())
    }
}

/// Why the HTTP client could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub struct HttpSetupError(String);

/// The run-wide part of the client: settings, TLS config, host policy.
#[derive(Debug)]
pub struct SharedHttp {
    settings: HttpSettings,
    tls: Arc<rustls::ClientConfig>,
    policy: Option<Arc<dyn HostPolicy>>,
    bodies: Arc<BodyBudget>,
}

impl SharedHttp {
    /// Shared state for a run.
    pub fn new(settings: HttpSettings) -> Result<Arc<SharedHttp>, HttpSetupError> {
        Self::with_policy(settings, None)
    }

    /// Shared state with a host policy.
    pub fn with_policy(
        settings: HttpSettings,
        policy: Option<Arc<dyn HostPolicy>>,
    ) -> Result<Arc<SharedHttp>, HttpSetupError> {
        Self::with_budget(settings, policy, BodyBudget::unlimited())
    }

    /// Shared state with a host policy and a budget for the response
    /// bodies VUs hold.
    pub fn with_budget(
        settings: HttpSettings,
        policy: Option<Arc<dyn HostPolicy>>,
        bodies: Arc<BodyBudget>,
    ) -> Result<Arc<SharedHttp>, HttpSetupError> {
        let tls = tls::client_config(settings.insecure_skip_tls_verify)
            .map_err(|e| HttpSetupError(e.to_string()))?;
        Ok(Arc::new(SharedHttp {
            settings,
            tls: Arc::new(tls),
            policy,
            bodies,
        }))
    }

    /// The budget of response bodies held on the host.
    pub fn bodies(&self) -> &Arc<BodyBudget> {
        &self.bodies
    }

    /// The settings.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }
}

/// One request as the engine sends it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: http::Method,
    /// Absolute http(s) URL.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body (empty for none).
    pub body: Bytes,
    /// Whole-request timeout; `None` uses the settings'.
    pub timeout: Option<Duration>,
    /// Redirect limit; `None` uses the settings'.
    pub max_redirects: Option<u32>,
    /// How the final response's body is read.
    pub body_mode: BodyMode,
    /// Cookies of this request, beside the jar's (k6's `params.cookies`).
    pub cookies: Vec<RequestCookie>,
}

/// How a response body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyMode {
    /// Read whole and kept.
    #[default]
    Buffer,
    /// Read whole and only counted.
    Discard,
    /// Left on the connection, read as the guest asks.
    Stream,
}

/// A cookie sent with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCookie {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Replace the jar's cookie of the same name.
    pub replace: bool,
}

/// The phases of one hop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Pool checkout and DNS.
    pub blocked: Duration,
    /// TCP connect (0 on a reused connection).
    pub connecting: Duration,
    /// TLS handshake (0 for http or a reused connection).
    pub tls_handshaking: Duration,
    /// Writing the request.
    pub sending: Duration,
    /// Until the first response byte.
    pub waiting: Duration,
    /// Reading the body.
    pub receiving: Duration,
}

impl Timings {
    /// sending + waiting + receiving (`http_req_duration`).
    pub fn duration(&self) -> Duration {
        self.sending + self.waiting + self.receiving
    }
}

/// One request on the wire (a redirect chain has several).
#[derive(Debug, Clone)]
pub struct Hop {
    /// Its method.
    pub method: http::Method,
    /// Its URL.
    pub url: Arc<str>,
    /// Its status; 0 without a response.
    pub status: u16,
    /// The protocol of its response (`HTTP/1.1`), empty without one.
    pub proto: &'static str,
    /// Its phases.
    pub timings: Timings,
    /// Bytes written on the socket for it.
    pub bytes_sent: u64,
    /// Bytes read from the socket for it.
    pub bytes_received: u64,
    /// Why it failed, if it did.
    pub error: Option<HttpError>,
    /// Its body is being streamed: its timings and sizes are final only
    /// when the stream ends (see [`StreamBody::finish`]).
    pub streaming: bool,
    /// Its 4xx/5xx response carried `Retry-After` (a 429 or 503 asking
    /// the client to come back later).
    pub retry_after: bool,
}

/// A final response.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status.
    pub status: u16,
    /// The reason phrase when it is not the canonical one.
    pub reason: Option<String>,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub proto: &'static str,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body, read (empty when discarded) or on its connection.
    pub body: ResponseBody,
    /// The URL that produced it.
    pub url: String,
    /// Its phases.
    pub timings: Timings,
    /// The address it came from.
    pub remote: Option<std::net::SocketAddr>,
    /// The request head as it was written (request line and headers).
    pub request_head: Bytes,
    /// Body bytes read on the wire (before decompression); for a streamed
    /// body, 0 (see [`StreamBody::total`]).
    pub body_size: u64,
}

impl HttpResponse {
    /// The reason phrase: as received, or the canonical one of the status.
    pub fn status_text(&self) -> &str {
        self.reason.as_deref().unwrap_or_else(|| {
            http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|c| c.canonical_reason())
                .unwrap_or("")
        })
    }

    /// The body read whole (empty when streamed or discarded).
    pub fn body_bytes(&self) -> &[u8] {
        match &self.body {
            ResponseBody::Bytes(b) => b,
            ResponseBody::Stream(_) => &[],
        }
    }
}

/// A response body.
#[derive(Debug)]
pub enum ResponseBody {
    /// Read whole (empty when discarded).
    Bytes(Bytes),
    /// Left on its connection.
    Stream(Box<StreamBody>),
}

/// A request's hops and its result.
#[derive(Debug)]
pub struct Exchange {
    /// Every hop, in order; empty when the request was refused before any
    /// connection (invalid or denied).
    pub hops: Vec<Hop>,
    /// The final response or why there is none.
    pub result: Result<HttpResponse, HttpError>,
}
