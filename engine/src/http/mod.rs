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

mod client;
mod connect;
mod error;
mod h1;
mod policy;
mod timed_io;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

pub use client::VuClient;
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
        let tls = tls::client_config(settings.insecure_skip_tls_verify)
            .map_err(|e| HttpSetupError(e.to_string()))?;
        Ok(Arc::new(SharedHttp {
            settings,
            tls: Arc::new(tls),
            policy,
        }))
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
    /// Read the body but return it empty.
    pub discard_body: bool,
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
    /// Its phases.
    pub timings: Timings,
    /// Bytes written on the socket for it.
    pub bytes_sent: u64,
    /// Bytes read from the socket for it.
    pub bytes_received: u64,
    /// Why it failed, if it did.
    pub error: Option<HttpError>,
}

/// A final response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status.
    pub status: u16,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body (empty when discarded).
    pub body: Bytes,
    /// The URL that produced it.
    pub url: String,
    /// Its phases.
    pub timings: Timings,
}

/// A request's hops and its result.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Every hop, in order; empty when the request was refused before any
    /// connection (invalid or denied).
    pub hops: Vec<Hop>,
    /// The final response or why there is none.
    pub result: Result<HttpResponse, HttpError>,
}
