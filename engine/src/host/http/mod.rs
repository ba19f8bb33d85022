//! `volley:scenario/http`: requests from guests, sent by the VU's client,
//! every hop recorded as an `http_*` sample with k6's tags. Run-wide state
//! ([`HttpRun`]): the client's shared part (TLS, settings, host policy);
//! per VU ([`HttpInstance`]): its own client (pool and cookie jar), the
//! [`Offload`] its requests are polled through, and the requests and
//! streams it has open.
//!
//! The contract versions are adapters over the pipeline here: `v1.rs`
//! (0.1: whole responses as records) and `v2.rs` (0.2: responses as
//! resources read on demand, streamed bodies, requests started without
//! waiting, the cookie jar).

/// `fn wit_timings(&Timings) -> $wit::Timings`: the phases in nanoseconds,
/// for the bindings module `$wit` of one contract version (each version
/// has its own `timings` record of the same shape).
macro_rules! wit_timings {
    ($wit:ident) => {
        fn wit_timings(t: &crate::http::Timings) -> $wit::Timings {
            let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            $wit::Timings {
                blocked: nanos(t.blocked),
                connecting: nanos(t.connecting),
                tls_handshaking: nanos(t.tls_handshaking),
                sending: nanos(t.sending),
                waiting: nanos(t.waiting),
                receiving: nanos(t.receiving),
                duration: nanos(t.duration()),
            }
        }
    };
}
use wit_timings;

mod decode;
mod offload;
mod response;
mod sse;
mod v1;
mod v2;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(crate) use offload::Offload;
pub use response::{PendingHandle, ResponseHandle};

use super::HostState;
use crate::http::{
    ErrorKind, Exchange, Hop, HttpError, HttpRequest, ResponseBody, SharedHttp, VuClient,
    status_code,
};
use crate::metrics::{Builtin, HttpSample, MetricKind, RequestIdent, TagSet};

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
    /// Resource ids of requests started and not waited for yet.
    pending: Vec<u32>,
    /// Resource ids of responses whose body is still being streamed.
    streams: Vec<u32>,
    /// Started requests whose handle the guest dropped before waiting.
    orphans: Vec<(tokio::task::JoinHandle<Exchange>, RequestMeta, Flight)>,
    /// Requests handed to the client and not back yet: left here when the
    /// iteration is cut off (a hard stop, gracefulStop), they are recorded
    /// as interrupted, as the server may well have seen them.
    in_flight: Vec<InFlight>,
}

/// A request on its way, as much of it as its interrupted sample needs.
struct InFlight {
    meta: RequestMeta,
    method: http::Method,
    url: Arc<str>,
}

/// The method and URL of a started request, for its interrupted sample.
pub(crate) type Flight = Option<(http::Method, Arc<str>)>;

impl HttpInstance {
    pub(crate) fn new(run: &HttpRun) -> Self {
        Self {
            client: Arc::new(VuClient::new(run.shared.clone())),
            offload: Offload::default(),
            pending: Vec::new(),
            streams: Vec::new(),
            orphans: Vec::new(),
            in_flight: Vec::new(),
        }
    }

    pub(crate) fn clear_cookies(&self) {
        self.client.clear_cookies();
    }

    pub(crate) fn offload(&self) -> &Offload {
        &self.offload
    }
}

/// Which responses count as expected (k6's response callback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    /// 200 to 399.
    Default,
    /// Statuses in these inclusive ranges.
    Statuses(Vec<(u16, u16)>),
    /// No callback: no `expected_response` tag, no `http_req_failed`.
    None,
}

impl Expect {
    /// The `expected_response` of a hop with `status` (0: no response).
    fn judge(&self, status: u16) -> Option<bool> {
        match self {
            Expect::None => None,
            _ if status == 0 => Some(false),
            Expect::Default => Some((200..=399).contains(&status)),
            Expect::Statuses(ranges) => {
                Some(ranges.iter().any(|(a, b)| (*a..=*b).contains(&status)))
            }
        }
    }
}

/// What the engine keeps of a guest request for its samples.
#[derive(Debug, Clone)]
pub(crate) struct RequestMeta {
    name: Option<Arc<str>>,
    tags: TagSet,
    expect: Expect,
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

/// k6's `error` tag of a failure: the generic message k6 gives its code,
/// so the tag has few values.
fn error_tag(kind: ErrorKind) -> Arc<str> {
    Arc::from(kind.k6_message())
}

/// The system tags of one hop.
fn ident(meta: &RequestMeta, hop: &Hop) -> RequestIdent {
    let (url, name) = match &meta.name {
        // k6 tags a named request's `url` with its name too (v0.41+).
        Some(n) => (n.clone(), n.clone()),
        None => (hop.url.clone(), hop.url.clone()),
    };
    let error_code = hop
        .error
        .as_ref()
        .map_or_else(|| status_code(hop.status), HttpError::code);
    RequestIdent {
        method: method_name(&hop.method),
        url,
        name,
        status: hop.status,
        proto: hop.proto,
        expected: meta.expect.judge(hop.status),
        error_code,
        error: hop.error.as_ref().map(|e| error_tag(e.kind)),
    }
}

/// Decode a buffered body per its `Content-Encoding` (as k6 does); a
/// failure makes the request a failed one with code 1701. The decoded body
/// is held against the VU's body budget as the raw one was (1702 when it
/// does not fit).
fn decode_body(ex: &mut Exchange, client: &VuClient) {
    let Ok(resp) = &mut ex.result else { return };
    let ResponseBody::Bytes(raw) = &resp.body else {
        return;
    };
    let decoded = decode::decode(&resp.headers, raw.clone())
        .and_then(|d| d.map(|b| client.hold(b)).transpose());
    match decoded {
        Ok(Some(body)) => resp.body = ResponseBody::Bytes(body),
        Ok(None) => {}
        Err(e) => {
            if let Some(last) = ex.hops.last_mut() {
                last.error = Some(e.clone());
            }
            ex.result = Err(e);
        }
    }
}

impl HostState {
    /// Send `requests` concurrently on the VU's client, polled off the
    /// guest's stack; each exchange comes back with its buffered body
    /// decoded (off the guest's stack too: the decoders' frames are several
    /// KiB) and every finished hop recorded.
    async fn send_all(
        &mut self,
        requests: Vec<(HttpRequest, RequestMeta)>,
    ) -> Vec<(Exchange, RequestMeta)> {
        let started = Instant::now();
        let client = self.http.client.clone();
        let (reqs, metas): (Vec<HttpRequest>, Vec<RequestMeta>) = requests.into_iter().unzip();
        self.http
            .in_flight
            .extend(reqs.iter().zip(&metas).map(|(r, meta)| InFlight {
                meta: meta.clone(),
                method: r.method.clone(),
                url: Arc::from(r.url.as_str()),
            }));
        let exchanges = if reqs.len() == 1 {
            let mut reqs = reqs;
            let one = reqs.pop();
            match one {
                Some(r) => vec![
                    self.http
                        .offload
                        .run(move || async move {
                            let mut ex = client.send(r).await;
                            decode_body(&mut ex, &client);
                            ex
                        })
                        .await,
                ],
                None => Vec::new(),
            }
        } else {
            self.http
                .offload
                .run(move || async move {
                    let mut all = client.batch(reqs).await;
                    for ex in &mut all {
                        decode_body(ex, &client);
                    }
                    all
                })
                .await
        };
        let at = Instant::now();
        self.http.in_flight.clear();
        self.vu.waited(started, at);
        exchanges
            .into_iter()
            .zip(metas)
            .map(|(ex, meta)| {
                self.record_hops(&meta, &ex.hops, at);
                (ex, meta)
            })
            .collect()
    }

    /// Record every hop of an exchange but a streaming one (recorded when
    /// its stream ends).
    fn record_hops(&mut self, meta: &RequestMeta, hops: &[Hop], at: Instant) {
        for hop in hops.iter().filter(|h| !h.streaming) {
            self.record_hop(
                meta,
                hop,
                hop.timings,
                hop.bytes_sent,
                hop.bytes_received,
                at,
            );
        }
    }

    /// One `http_*` sample.
    fn record_hop(
        &mut self,
        meta: &RequestMeta,
        hop: &Hop,
        t: crate::http::Timings,
        sent: u64,
        received: u64,
        at: Instant,
    ) {
        // An interrupted request is the run's doing, not the target's.
        if let Some(e) = &hop.error
            && e.kind != ErrorKind::Interrupted
        {
            self.run()
                .http
                .log_error(self.vu.id, hop.method.as_str(), &hop.url, e);
        }
        let sample = HttpSample {
            base: self.vu.base_tags.clone(),
            extra: meta.tags.clone(),
            ident: ident(meta, hop),
            blocked: t.blocked,
            connecting: t.connecting,
            tls_handshaking: t.tls_handshaking,
            sending: t.sending,
            waiting: t.waiting,
            receiving: t.receiving,
            bytes_sent: sent,
            bytes_received: received,
            retry_after: hop.retry_after,
            at,
        };
        self.vu.samples.http(sample);
    }

    /// The tags of a stream's own metrics (`stream_*`): those of its
    /// request's samples.
    fn stream_tags(&self, meta: &RequestMeta, hop: &Hop) -> TagSet {
        crate::metrics::request_tags(&self.vu.base_tags, &meta.tags, &ident(meta, hop))
    }

    /// A value of one of the built-in stream metrics.
    fn stream_sample(&mut self, metric: Builtin, value: Duration, tags: &TagSet, at: Instant) {
        let kind = metric.kind();
        let v = match kind {
            MetricKind::Counter => 1.0,
            _ => value.as_secs_f64() * 1000.0,
        };
        self.vu
            .samples
            .custom_at(metric.id(), kind, v, tags.clone(), at);
    }

    /// Record the requests still in flight, their iteration cut off (a
    /// hard stop, gracefulStop): failed, with error_code 1090
    /// ("interrupted") and no timings, so `http_reqs` counts every request
    /// the server may have received.
    /// Started requests (`start`) not waited for are settled too: those
    /// already done are recorded as they ended, the others are aborted and
    /// recorded as interrupted.
    pub(crate) fn record_interrupted(&mut self) {
        if self.http.in_flight.is_empty()
            && self.http.pending.is_empty()
            && self.http.orphans.is_empty()
        {
            return;
        }
        let at = Instant::now();
        for f in std::mem::take(&mut self.http.in_flight) {
            self.record_cut(&f.meta, f.method, f.url, at);
        }
        let mut started = std::mem::take(&mut self.http.orphans);
        for rep in std::mem::take(&mut self.http.pending) {
            let res = wasmtime::component::Resource::<response::PendingHandle>::new_borrow(rep);
            if let Ok(h) = self.table.get_mut(&res)
                && let Some(task) = h.task.take()
            {
                started.push((task, h.meta.clone(), h.flight.clone()));
            }
        }
        for (mut task, meta, flight) in started {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            match std::pin::Pin::new(&mut task).poll(&mut cx) {
                std::task::Poll::Ready(Ok(ex)) => self.record_hops(&meta, &ex.hops, at),
                _ => {
                    task.abort();
                    if let Some((method, url)) = flight {
                        self.record_cut(&meta, method, url, at);
                    }
                }
            }
        }
    }

    /// Wait for a started request's task. Until it is done the request
    /// counts as in flight: if the iteration is cut off meanwhile, it is
    /// recorded as interrupted and its task aborted.
    async fn await_started(
        &mut self,
        task: tokio::task::JoinHandle<Exchange>,
        meta: &RequestMeta,
        flight: Flight,
    ) -> Result<Exchange, tokio::task::JoinError> {
        /// Aborts the task when dropped before it was done.
        struct AbortOnDrop(tokio::task::JoinHandle<Exchange>);
        impl Drop for AbortOnDrop {
            fn drop(&mut self) {
                self.0.abort();
            }
        }
        let tracked = flight.is_some();
        if let Some((method, url)) = flight {
            self.http.in_flight.push(InFlight {
                meta: meta.clone(),
                method,
                url,
            });
        }
        let mut task = AbortOnDrop(task);
        let out = (&mut task.0).await;
        if tracked {
            self.http.in_flight.pop();
        }
        out
    }

    /// One interrupted request's sample.
    fn record_cut(&mut self, meta: &RequestMeta, method: http::Method, url: Arc<str>, at: Instant) {
        let hop = Hop {
            method,
            url,
            status: 0,
            proto: "",
            timings: crate::http::Timings::default(),
            bytes_sent: 0,
            bytes_received: 0,
            error: Some(HttpError::new(
                ErrorKind::Interrupted,
                "the request was in flight when the run stopped its iteration",
            )),
            streaming: false,
            retry_after: false,
        };
        self.record_hop(meta, &hop, hop.timings, 0, 0, at);
    }

    /// Record requests started and never waited for, and close streams
    /// left open, at the end of an iteration (k6 ends an iteration once
    /// its requests are done; a stream left open is cut here).
    pub(crate) async fn finish_pending(&mut self) {
        // One at a time, each left in its list until it is settled: an
        // iteration cut off meanwhile records the rest as interrupted.
        for rep in self.http.pending.clone() {
            self.settle_pending(rep).await;
            self.http.pending.retain(|r| *r != rep);
        }
        while !self.http.orphans.is_empty() {
            let (task, meta, flight) = self.http.orphans.remove(0);
            let started = Instant::now();
            if let Ok(ex) = self.await_started(task, &meta, flight).await {
                let at = Instant::now();
                self.vu.waited(started, at);
                self.record_hops(&meta, &ex.hops, at);
            }
        }
        for rep in std::mem::take(&mut self.http.streams) {
            self.end_stream(rep);
        }
    }
}

/// A request the guest could not make (bad method, URL, header): a
/// failed request, logged, that reached no host.
fn invalid(vu: u64, url: &str, message: &str) -> HttpError {
    crate::log::line(
        crate::log::Level::Warn,
        Some(vu),
        &format!("invalid request to {url}: {message}"),
    );
    HttpError::invalid(message.to_string())
}
