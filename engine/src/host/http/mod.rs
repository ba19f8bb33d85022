//! `volley:scenario/http`: requests from guests, sent by the VU's client,
//! every hop recorded as an `http_*` sample. Run-wide state ([`HttpRun`]):
//! the client's shared part (TLS, settings, host policy); per VU
//! ([`HttpInstance`]): its own client (pool and cookie jar) and the
//! [`Offload`] its requests are polled through.

mod offload;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

pub(crate) use offload::Offload;

use super::HostState;
use super::bindings::http as wit;
use crate::http::{Exchange, HttpError, HttpRequest, HttpResponse, SharedHttp, Timings, VuClient};
use crate::metrics::{HttpSample, TagSet};

/// Failed requests logged in full before the log goes quiet.
const MAX_LOGGED_REQUEST_ERRORS: u64 = 10;

/// Run-wide state of the `http` interface.
#[derive(Debug)]
pub struct HttpRun {
    /// The client's run-wide part (TLS config, settings, host policy).
    pub shared: Arc<SharedHttp>,
    /// Copy no response body into guests (`discardResponseBodies`).
    pub discard_response_bodies: bool,
    errors_logged: AtomicU64,
}

impl HttpRun {
    /// The run-wide HTTP state.
    pub fn new(shared: Arc<SharedHttp>, discard_response_bodies: bool) -> Self {
        Self {
            shared,
            discard_response_bodies,
            errors_logged: AtomicU64::new(0),
        }
    }

    /// Log a failed request, the first few only.
    fn log_error(&self, vu: u64, method: &str, url: &str, error: &HttpError) {
        let n = self.errors_logged.fetch_add(1, Ordering::Relaxed);
        if n < MAX_LOGGED_REQUEST_ERRORS {
            crate::log::line(
                crate::log::Level::Warn,
                Some(vu),
                &format!(
                    "request failed: {method} {url}: {error} (error_code {})",
                    error.code()
                ),
            );
        } else if n == MAX_LOGGED_REQUEST_ERRORS {
            crate::log::warn(
                "more requests failed; they are counted in http_req_failed (by error_code) but not logged",
            );
        }
    }
}

/// Per-VU state of the `http` interface.
pub(crate) struct HttpInstance {
    client: Arc<VuClient>,
    offload: Offload,
}

impl HttpInstance {
    pub(crate) fn new(run: &HttpRun) -> Self {
        Self {
            client: Arc::new(VuClient::new(run.shared.clone())),
            offload: Offload::default(),
        }
    }

    pub(crate) fn clear_cookies(&self) {
        self.client.clear_cookies();
    }

    pub(crate) fn offload(&self) -> &Offload {
        &self.offload
    }
}

/// What the engine keeps of a guest request for its samples.
struct RequestMeta {
    name: Option<Arc<str>>,
    tags: TagSet,
    expected: Vec<wit::StatusRange>,
}

fn method_of(m: &wit::Method) -> Result<http::Method, String> {
    Ok(match m {
        wit::Method::Get => http::Method::GET,
        wit::Method::Head => http::Method::HEAD,
        wit::Method::Post => http::Method::POST,
        wit::Method::Put => http::Method::PUT,
        wit::Method::Patch => http::Method::PATCH,
        wit::Method::Delete => http::Method::DELETE,
        wit::Method::Options => http::Method::OPTIONS,
        wit::Method::Other(s) => {
            http::Method::from_bytes(s.as_bytes()).map_err(|_| format!("invalid method {s:?}"))?
        }
    })
}

/// The engine's request and metadata, or the URL and why it is invalid.
fn convert(
    req: wit::Request,
    discard_all: bool,
) -> Result<(HttpRequest, RequestMeta), (String, String)> {
    let method = method_of(&req.method).map_err(|m| (req.url.clone(), m))?;
    let meta = RequestMeta {
        name: req.name.map(Arc::from),
        tags: TagSet::from_pairs(req.tags),
        expected: req.expected_statuses,
    };
    let request = HttpRequest {
        method,
        url: req.url,
        headers: req.headers,
        body: Bytes::from(req.body),
        timeout: req.timeout.map(Duration::from_nanos),
        max_redirects: req.max_redirects,
        discard_body: req.discard_body || discard_all,
    };
    Ok((request, meta))
}

/// The method as a shared string: the common ones are allocated once per
/// process, not once per request.
fn method_name(m: &http::Method) -> Arc<str> {
    static COMMON: std::sync::OnceLock<[Arc<str>; 7]> = std::sync::OnceLock::new();
    let common = COMMON.get_or_init(|| {
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map(Arc::from)
    });
    common
        .iter()
        .find(|c| &***c == m.as_str())
        .cloned()
        .unwrap_or_else(|| Arc::from(m.as_str()))
}

fn is_expected(status: u16, ranges: &[wit::StatusRange]) -> bool {
    if status == 0 {
        return false;
    }
    if ranges.is_empty() {
        return (200..=399).contains(&status);
    }
    ranges.iter().any(|r| (r.min..=r.max).contains(&status))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn wit_timings(t: &Timings) -> wit::Timings {
    wit::Timings {
        blocked: nanos(t.blocked),
        connecting: nanos(t.connecting),
        tls_handshaking: nanos(t.tls_handshaking),
        sending: nanos(t.sending),
        waiting: nanos(t.waiting),
        receiving: nanos(t.receiving),
        duration: nanos(t.duration()),
    }
}

/// The contract's error variant of `e` (its code is in the sample's
/// `error_code` tag; contract 0.1 has no field for it).
fn wit_error(e: HttpError) -> wit::Error {
    use crate::http::ErrorKind as K;
    let m = e.message;
    match e.kind {
        K::Timeout | K::Interrupted => wit::Error::Timeout,
        K::Dns | K::NoSuchHost => wit::Error::Dns(m),
        K::Tcp
        | K::BrokenPipe
        | K::UnknownErrno
        | K::Dial
        | K::DialTimeout
        | K::Refused
        | K::Reset
        | K::NonTcpNetwork => wit::Error::Connect(m),
        K::Tls | K::TlsHeader | K::UnknownAuthority | K::HostnameMismatch => wit::Error::Tls(m),
        K::Other | K::Decompression | K::BodyTooLarge => wit::Error::Protocol(m),
        K::BlacklistedIp | K::BlockedHostname => wit::Error::Denied(m),
        K::InvalidUrl => wit::Error::Invalid(m),
    }
}

fn wit_response(r: HttpResponse) -> wit::Response {
    wit::Response {
        status: r.status,
        headers: r.headers,
        body: r.body.to_vec(),
        url: r.url,
        timings: wit_timings(&r.timings),
    }
}

impl HostState {
    /// Turn every hop of an exchange into a sample and the result into WIT.
    fn record(
        &mut self,
        meta: &RequestMeta,
        ex: Exchange,
        at: Instant,
    ) -> Result<wit::Response, wit::Error> {
        let base = self.base_tags().clone();
        for hop in ex.hops {
            if let Some(e) = &hop.error {
                self.run()
                    .http
                    .log_error(self.vu.id, hop.method.as_str(), &hop.url, e);
            }
            let url = hop.url;
            let sample = HttpSample {
                base: base.clone(),
                extra: meta.tags.clone(),
                method: method_name(&hop.method),
                name: meta.name.clone().unwrap_or_else(|| url.clone()),
                url,
                status: hop.status,
                expected: hop.error.is_none() && is_expected(hop.status, &meta.expected),
                error_code: hop.error.as_ref().map_or(0, HttpError::code),
                blocked: hop.timings.blocked,
                connecting: hop.timings.connecting,
                tls_handshaking: hop.timings.tls_handshaking,
                sending: hop.timings.sending,
                waiting: hop.timings.waiting,
                receiving: hop.timings.receiving,
                bytes_sent: hop.bytes_sent,
                bytes_received: hop.bytes_received,
                at,
            };
            self.samples().http(sample);
        }
        ex.result.map(wit_response).map_err(wit_error)
    }

    fn invalid(&mut self, meta_url: &str, message: String) -> Result<wit::Response, wit::Error> {
        crate::log::line(
            crate::log::Level::Warn,
            Some(self.vu.id),
            &format!("invalid request to {meta_url}: {message}"),
        );
        Err(wit::Error::Invalid(message))
    }
}

impl wit::Host for HostState {
    async fn send(
        &mut self,
        request: wit::Request,
    ) -> wasmtime::Result<Result<wit::Response, wit::Error>> {
        let (req, meta) = match convert(request, self.run().http.discard_response_bodies) {
            Ok(x) => x,
            Err((url, m)) => return Ok(self.invalid(&url, m)),
        };
        let started = Instant::now();
        let client = self.http.client.clone();
        let job = Box::pin(async move { vec![client.send(req).await] });
        let ex = self.http.offload.run(job).await.pop();
        let at = Instant::now();
        self.vu.host_wait += at.saturating_duration_since(started);
        let ex = ex.unwrap_or_else(|| Exchange {
            hops: Vec::new(),
            result: Err(HttpError::invalid("request was not sent")),
        });
        Ok(self.record(&meta, ex, at))
    }

    async fn batch(
        &mut self,
        requests: Vec<wit::Request>,
    ) -> wasmtime::Result<Vec<Result<wit::Response, wit::Error>>> {
        let discard = self.run().http.discard_response_bodies;
        let mut metas = Vec::with_capacity(requests.len());
        let mut reqs = Vec::with_capacity(requests.len());
        let mut invalid: Vec<(usize, String, String)> = Vec::new();
        for (i, r) in requests.into_iter().enumerate() {
            match convert(r, discard) {
                Ok((req, meta)) => {
                    reqs.push(req);
                    metas.push((i, meta));
                }
                Err((url, m)) => invalid.push((i, url, m)),
            }
        }
        let started = Instant::now();
        let client = self.http.client.clone();
        let job = Box::pin(async move { client.batch(reqs).await });
        let exchanges = self.http.offload.run(job).await;
        let at = Instant::now();
        self.vu.host_wait += at.saturating_duration_since(started);
        let total = metas.len() + invalid.len();
        let mut out: Vec<Option<Result<wit::Response, wit::Error>>> =
            (0..total).map(|_| None).collect();
        for ((i, meta), ex) in metas.into_iter().zip(exchanges) {
            out[i] = Some(self.record(&meta, ex, at));
        }
        for (i, url, m) in invalid {
            out[i] = Some(self.invalid(&url, m));
        }
        Ok(out
            .into_iter()
            .map(|r| r.unwrap_or(Err(wit::Error::Invalid("request was not sent".into()))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_statuses_default_to_2xx_3xx() {
        assert!(is_expected(200, &[]));
        assert!(is_expected(399, &[]));
        assert!(!is_expected(404, &[]));
        assert!(!is_expected(0, &[]));
        let r = [wit::StatusRange { min: 404, max: 404 }];
        assert!(is_expected(404, &r));
        assert!(!is_expected(200, &r));
    }
}
