//! A VU's client: its connection pool and cookie jar, sending requests hop
//! by hop through redirects, with every phase timed.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use cookie_store::CookieStore;
use url::Url;

use super::budget::{Reservation, VuBudget};
use super::connect::{self, Conn, Origin};
use super::h1;
use super::timed_io::Probe;
use super::{
    BodyMode, ErrorKind, Exchange, Hop, HttpError, HttpRequest, HttpResponse, RequestCookie,
    ResponseBody, SharedHttp, Timings,
};

/// Idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 32;

/// One VU's HTTP client: its own keep-alive pool and cookie jar.
#[derive(Debug)]
pub struct VuClient {
    shared: Arc<SharedHttp>,
    inner: Mutex<Inner>,
    /// The response bodies this VU holds on the host.
    budget: Arc<VuBudget>,
}

#[derive(Default)]
struct Inner {
    pool: Vec<(Origin, Vec<Conn>)>,
    cookies: Option<CookieStore>,
    /// The last URL parsed and what it parsed to: most scenarios request
    /// the same few URLs again and again.
    last_url: Option<(String, Url)>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("origins", &self.pool.len())
            .finish()
    }
}

/// What happened so far in a hop, kept outside its future so a timeout can
/// still account for the time spent.
#[derive(Default)]
struct HopProgress {
    start: Option<Instant>,
    dns: Duration,
    connecting: Duration,
    tls: Duration,
    ready: Option<Instant>,
    probe: Option<(Arc<Probe>, (u64, u64))>,
    done: Option<Instant>,
}

impl HopProgress {
    fn timings(&self, end: Instant) -> (Timings, u64, u64) {
        let start = self.start.unwrap_or(end);
        let Some(ready) = self.ready else {
            let blocked = end
                .duration_since(start)
                .saturating_sub(self.connecting + self.tls);
            return (
                Timings {
                    blocked,
                    connecting: self.connecting,
                    tls_handshaking: self.tls,
                    ..Timings::default()
                },
                0,
                0,
            );
        };
        let blocked = ready
            .duration_since(start)
            .saturating_sub(self.connecting + self.tls);
        let mut t = Timings {
            blocked,
            connecting: self.connecting,
            tls_handshaking: self.tls,
            ..Timings::default()
        };
        let (mut sent, mut received) = (0, 0);
        if let Some((probe, begin)) = &self.probe {
            let m = probe.marks(*begin);
            sent = m.written;
            received = m.read;
            // A body read to its end ended when its last bytes arrived
            // (the kernel's stamp), not when this task got to read them.
            let body_end = match self.done {
                Some(done) => m.last_read.map_or(done, |at| at.min(done)),
                None => end,
            };
            let wrote = m.last_write.unwrap_or(ready).max(ready);
            let first = m.first_read.unwrap_or(body_end).max(wrote);
            t.sending = wrote.duration_since(ready);
            t.waiting = first.duration_since(wrote);
            t.receiving = body_end.saturating_duration_since(first);
        }
        (t, sent, received)
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

impl VuClient {
    /// A client with an empty pool and jar.
    pub fn new(shared: Arc<SharedHttp>) -> VuClient {
        VuClient {
            budget: VuBudget::new(shared.bodies().clone()),
            shared,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// `body` (made on the host, e.g. decoded), held against this VU's
    /// body budget until its last copy is dropped; 1702 when it does not fit.
    pub fn hold(&self, body: Bytes) -> Result<Bytes, HttpError> {
        let mut held = Reservation::new(&self.budget);
        held.grow(body.len() as u64)?;
        Ok(held.attach(body))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget every cookie (k6 does this at each iteration start).
    pub fn clear_cookies(&self) {
        let mut inner = self.lock();
        if let Some(c) = inner.cookies.as_mut() {
            c.clear();
        }
    }

    /// Send several requests concurrently; exchanges come back in order.
    pub async fn batch(&self, reqs: Vec<HttpRequest>) -> Vec<Exchange> {
        let futures: Vec<_> = reqs.into_iter().map(|r| self.send(r)).collect();
        join_all(futures).await
    }

    /// Send one request, following redirects, within its timeout. With
    /// [`BodyMode::Stream`] the final response's body is left on its
    /// connection (see [`StreamBody`]).
    pub async fn send(&self, req: HttpRequest) -> Exchange {
        let settings = self.shared.settings();
        let deadline = tokio::time::Instant::now() + req.timeout.unwrap_or(settings.timeout);
        let max_redirects = req.max_redirects.unwrap_or(settings.max_redirects);
        // maxBodyBytes bounds what is kept; a discarded body is only
        // counted as it streams by.
        let max_body = match req.body_mode {
            BodyMode::Discard => u64::MAX,
            _ => settings.max_body_bytes,
        };
        let mut url = match self.parse_url(&req.url) {
            Ok(u) => u,
            Err(e) => {
                return Exchange {
                    hops: Vec::new(),
                    result: Err(HttpError::invalid(format!(
                        "invalid URL {:?}: {e}",
                        req.url
                    ))),
                };
            }
        };
        let mut method = req.method;
        let mut body = req.body;
        let mut headers = req.headers;
        let mut hops = Vec::with_capacity(1);
        let mut redirects = 0;
        loop {
            let mut progress = HopProgress::default();
            let outcome = tokio::time::timeout_at(deadline, async {
                let mut hop = self
                    .hop(
                        &method,
                        &url,
                        &headers,
                        &body,
                        &req.cookies,
                        max_body,
                        &mut progress,
                    )
                    .await?;
                let follow = is_redirect(hop.status) && redirects < max_redirects;
                let body = if follow {
                    // A redirect's body is read and dropped, so the
                    // connection can carry the next hop.
                    self.finish_body(&mut hop, BodyMode::Discard, &mut progress)
                        .await?
                } else {
                    self.finish_body(&mut hop, req.body_mode, &mut progress)
                        .await?
                };
                Ok::<_, HttpError>((hop, body))
            })
            .await;
            let end = progress.done.unwrap_or_else(Instant::now);
            let (timings, sent, received) = progress.timings(end);
            let mut record = Hop {
                method: method.clone(),
                url: Arc::from(url.as_str()),
                status: 0,
                proto: "",
                timings,
                bytes_sent: sent,
                bytes_received: received,
                error: None,
                streaming: false,
                retry_after: false,
            };
            let (hop, resp_body) = match outcome.unwrap_or_else(|_| Err(HttpError::timeout())) {
                Ok(r) => r,
                Err(e) => {
                    // A denied request made no connection; it still counts
                    // as a failed request, with no time spent.
                    record.error = Some(e.clone());
                    hops.push(record);
                    return Exchange {
                        hops,
                        result: Err(e),
                    };
                }
            };
            record.status = hop.status;
            record.proto = hop.proto;
            // Only a 4xx/5xx answer is counted with its Retry-After: a
            // successful response pays no header scan.
            record.retry_after =
                hop.status >= 400 && hop.headers.iter().any(|(k, _)| k == "retry-after");
            if is_redirect(hop.status) && redirects < max_redirects {
                let next = hop
                    .headers
                    .iter()
                    .find(|(k, _)| k == "location")
                    .and_then(|(_, v)| url.join(v).ok());
                if let Some(next) = next {
                    hops.push(record);
                    redirects += 1;
                    let same_host = next.host_str() == url.host_str();
                    let to_get = hop.status == 303
                        || ((hop.status == 301 || hop.status == 302)
                            && method == http::Method::POST);
                    if to_get && method != http::Method::HEAD {
                        method = http::Method::GET;
                        body = Bytes::new();
                        headers.retain(|(k, _)| {
                            !k.eq_ignore_ascii_case("content-type")
                                && !k.eq_ignore_ascii_case("content-length")
                        });
                    }
                    if !same_host {
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                    }
                    url = next;
                    continue;
                }
            }
            let mut body_size = 0;
            let body = match resp_body {
                Finished::Body(b, size) => {
                    body_size = size;
                    ResponseBody::Bytes(b)
                }
                Finished::Stream(reader) => match hop.conn {
                    Some(conn) => {
                        record.streaming = true;
                        ResponseBody::Stream(Box::new(StreamBody {
                            conn,
                            reader,
                            origin: hop.origin,
                            progress,
                            deadline,
                        }))
                    }
                    None => ResponseBody::Bytes(Bytes::new()),
                },
            };
            hops.push(record);
            return Exchange {
                hops,
                result: Ok(HttpResponse {
                    status: hop.status,
                    reason: hop.reason,
                    proto: hop.proto,
                    headers: hop.headers,
                    body,
                    url: url.to_string(),
                    timings,
                    remote: Some(hop.peer),
                    request_head: Bytes::from(hop.request_head),
                    body_size,
                }),
            };
        }
    }

    /// Read the body of a hop as `mode` says; the connection goes back to
    /// the pool when the body was read to its end and it is reusable.
    async fn finish_body(
        &self,
        hop: &mut HopHead,
        mode: BodyMode,
        p: &mut HopProgress,
    ) -> Result<Finished, HttpError> {
        if mode == BodyMode::Stream {
            let reader = std::mem::replace(&mut hop.body, h1::BodyReader::empty());
            return Ok(Finished::Stream(reader));
        }
        let Some(conn) = hop.conn.as_mut() else {
            return Ok(Finished::Body(Bytes::new(), 0));
        };
        let body = if mode == BodyMode::Discard {
            hop.body.read_to_end(&mut *conn.stream, true).await?
        } else {
            // Kept: held against the VU's and the run's body budget until
            // the last copy of the body is dropped.
            let mut held = Reservation::new(&self.budget);
            match hop.body.known_length() {
                Some(n) => {
                    held.grow(n)?;
                    let body = hop.body.read_to_end(&mut *conn.stream, false).await?;
                    held.attach(body)
                }
                None => {
                    let mut body = BytesMut::new();
                    while let Some(piece) = hop.body.next(&mut *conn.stream, 1 << 20).await? {
                        held.grow(piece.len() as u64)?;
                        body.extend_from_slice(&piece);
                    }
                    held.attach(body.freeze())
                }
            }
        };
        p.done = Some(Instant::now());
        if hop.body.reusable()
            && let Some(conn) = hop.conn.take()
        {
            self.release(hop.origin.clone(), conn);
        }
        Ok(Finished::Body(body, hop.body.total()))
    }

    /// Return a connection whose response was read to its end to the pool.
    pub(crate) fn release(&self, origin: Origin, conn: Conn) {
        self.end(None, std::iter::empty(), Some((origin, conn)));
    }

    /// Set a cookie in the jar for `url` (k6's `jar.set`): `cookie` is a
    /// `Set-Cookie` value.
    pub fn jar_set(&self, url: &str, cookie: &str) -> Result<(), String> {
        let url = Url::parse(url).map_err(|e| format!("invalid URL {url:?}: {e}"))?;
        let mut inner = self.lock();
        let jar = inner.cookies.get_or_insert_with(CookieStore::default);
        jar.parse(cookie, &url)
            .map(drop)
            .map_err(|e| format!("invalid cookie for {url}: {e}"))
    }

    /// The jar's cookies a request to `url` would send.
    pub fn jar_cookies_for(&self, url: &str) -> Vec<(String, String)> {
        let Ok(url) = Url::parse(url) else {
            return Vec::new();
        };
        let inner = self.lock();
        inner.cookies.as_ref().map_or_else(Vec::new, |jar| {
            jar.get_request_values(&url)
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        })
    }

    /// Remove the jar's cookies for `url`, or all of them.
    pub fn jar_clear(&self, url: Option<&str>) {
        let mut inner = self.lock();
        let Some(jar) = inner.cookies.as_mut() else {
            return;
        };
        match url.and_then(|u| Url::parse(u).ok()) {
            None if url.is_none() => jar.clear(),
            None => {}
            Some(url) => {
                let names: Vec<(String, String, String)> = jar
                    .matches(&url)
                    .into_iter()
                    .map(|c| (jar_key(c), c.name().to_string()))
                    .map(|((domain, path), name)| (domain, path, name))
                    .collect();
                for (domain, path, name) in names {
                    jar.remove(&domain, &path, &name);
                }
            }
        }
    }

    /// Remove the cookie `name` the jar holds for `url`.
    pub fn jar_delete(&self, url: &str, name: &str) {
        let Ok(url) = Url::parse(url) else { return };
        let mut inner = self.lock();
        let Some(jar) = inner.cookies.as_mut() else {
            return;
        };
        let found: Vec<(String, String)> = jar
            .matches(&url)
            .into_iter()
            .filter(|c| c.name() == name)
            .map(jar_key)
            .collect();
        for (domain, path) in found {
            jar.remove(&domain, &path, name);
        }
    }

    fn parse_url(&self, raw: &str) -> Result<Url, url::ParseError> {
        let mut inner = self.lock();
        if let Some((seen, url)) = &inner.last_url
            && seen == raw
        {
            return Ok(url.clone());
        }
        let url = Url::parse(raw)?;
        inner.last_url = Some((raw.to_string(), url.clone()));
        Ok(url)
    }

    /// The jar's `Cookie` value for `url` and an idle connection to its
    /// origin, under one lock.
    fn begin(&self, url: &Url) -> (Option<String>, Option<Conn>) {
        let mut inner = self.lock();
        let cookie = inner.cookies.as_ref().and_then(|jar| {
            let mut s = String::new();
            for (name, value) in jar.get_request_values(url) {
                if !s.is_empty() {
                    s.push_str("; ");
                }
                s.push_str(name);
                s.push('=');
                s.push_str(value);
            }
            (!s.is_empty()).then_some(s)
        });
        let conn = inner
            .pool
            .iter_mut()
            .find(|(o, _)| o.matches(url))
            .and_then(|(_, conns)| {
                while let Some(mut c) = conns.pop() {
                    if c.is_alive() {
                        return Some(c);
                    }
                }
                None
            });
        (cookie, conn)
    }

    /// Store the response's cookies and return a reusable connection to the
    /// pool, under one lock.
    fn end<'a>(
        &self,
        url: Option<&Url>,
        set_cookies: impl Iterator<Item = &'a str>,
        returned: Option<(Origin, Conn)>,
    ) {
        let mut set_cookies = set_cookies.peekable();
        if set_cookies.peek().is_none() && returned.is_none() {
            return;
        }
        let mut inner = self.lock();
        if let Some(url) = url.filter(|_| set_cookies.peek().is_some()) {
            let jar = inner.cookies.get_or_insert_with(CookieStore::default);
            for c in set_cookies {
                let _ = jar.parse(c, url);
            }
        }
        if let Some((origin, conn)) = returned {
            match inner.pool.iter_mut().find(|(o, _)| *o == origin) {
                Some((_, conns)) => {
                    if conns.len() < MAX_IDLE_PER_ORIGIN {
                        conns.push(conn);
                    }
                }
                None => inner.pool.push((origin, vec![conn])),
            }
        }
    }

    /// A new connection to `origin`. Its future (DNS, connect, TLS
    /// handshake: 1.4 KiB) is boxed: inline it would be part of every
    /// request's future, including the many that reuse a connection, and
    /// of the memory every VU holds while its request waits.
    fn open<'a>(
        &'a self,
        origin: &'a Origin,
    ) -> Pin<Box<impl Future<Output = Result<connect::Opened, HttpError>> + 'a>> {
        Box::pin(connect::open(
            origin,
            &self.shared.tls,
            self.shared.policy.as_deref(),
        ))
    }

    /// One request on the wire: connection, send, response head; the
    /// body is left for [`finish_body`](Self::finish_body).
    // The parts of one hop, each borrowed from the loop over redirects.
    #[allow(clippy::too_many_arguments)]
    async fn hop(
        &self,
        method: &http::Method,
        url: &Url,
        headers: &[(String, String)],
        body: &Bytes,
        cookies: &[RequestCookie],
        max_body: u64,
        p: &mut HopProgress,
    ) -> Result<HopHead, HttpError> {
        p.start = Some(Instant::now());
        let origin = Origin::of(url)?;
        if let Some(policy) = &self.shared.policy {
            policy
                .check(&origin.host, origin.port)
                .map_err(|why| HttpError::new(ErrorKind::BlockedHostname, why))?;
        }
        let settings = self.shared.settings();
        let (jar, idle) = self.begin(url);
        let cookie = merge_cookies(jar.as_deref(), cookies);
        let head = h1::encode_request(
            method,
            &url[url::Position::BeforePath..url::Position::AfterQuery],
            headers,
            &h1::Defaults {
                host: &url[url::Position::BeforeHost..url::Position::AfterPort],
                user_agent: &settings.user_agent,
                cookie: cookie.as_deref(),
                accept_encoding: Some("gzip"),
            },
            body.len(),
        )?;
        let (mut conn, mut reused) = match idle {
            Some(c) => (c, true),
            None => {
                let opened = self.open(&origin).await?;
                p.dns = opened.dns;
                p.connecting = opened.connecting;
                p.tls = opened.tls;
                (opened.conn, false)
            }
        };
        let mut retried = false;
        let response = loop {
            p.ready = Some(Instant::now());
            // A new connection's handshake bytes belong to its first request.
            let totals = conn.probe.begin();
            let begin = if reused { totals } else { (0, 0) };
            p.probe = Some((conn.probe.clone(), begin));
            let attempt = h1::send_and_read_head(&mut *conn.stream, &head, body, max_body).await;
            match attempt {
                Ok(r) => break r,
                Err(e) => {
                    // A kept-alive connection the server closed while idle
                    // fails before any response byte: retry once on a new one.
                    let nothing_read = conn.probe.marks(begin).read == 0;
                    if reused && nothing_read && !retried && e.kind != ErrorKind::Other {
                        retried = true;
                        let opened = self.open(&origin).await?;
                        p.dns = opened.dns;
                        p.connecting = opened.connecting;
                        p.tls = opened.tls;
                        conn = opened.conn;
                        reused = false;
                        continue;
                    }
                    return Err(e);
                }
            }
        };
        let set_cookies = response
            .headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.as_str());
        self.end(Some(url), set_cookies, None);
        Ok(HopHead {
            status: response.status,
            reason: response.reason,
            proto: response.proto,
            headers: response.headers,
            body: response.body,
            peer: conn.peer,
            conn: Some(conn),
            origin,
            request_head: head.bytes,
        })
    }
}

/// A hop whose response head was read.
struct HopHead {
    status: u16,
    reason: Option<String>,
    proto: &'static str,
    headers: Vec<(String, String)>,
    body: h1::BodyReader,
    peer: std::net::SocketAddr,
    conn: Option<Conn>,
    origin: Origin,
    request_head: Vec<u8>,
}

/// A hop's body, read (with its size on the wire) or left on the
/// connection.
enum Finished {
    Body(Bytes, u64),
    Stream(h1::BodyReader),
}

/// The `Cookie` value: the jar's, with the request's own cookies added
/// (replacing the jar's of the same name when they ask to, k6's `replace`).
fn merge_cookies(jar: Option<&str>, own: &[RequestCookie]) -> Option<String> {
    if own.is_empty() {
        return jar.map(str::to_string);
    }
    let mut pairs: Vec<(String, String)> = jar
        .unwrap_or("")
        .split("; ")
        .filter_map(|p| p.split_once('='))
        .filter(|(name, _)| !own.iter().any(|c| c.replace && c.name == *name))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    pairs.extend(own.iter().map(|c| (c.name.clone(), c.value.clone())));
    let text: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    (!text.is_empty()).then(|| text.join("; "))
}

/// A response body left on its connection, read as the guest asks.
pub struct StreamBody {
    conn: Conn,
    reader: h1::BodyReader,
    origin: Origin,
    progress: HopProgress,
    deadline: tokio::time::Instant,
}

impl std::fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamBody")
            .field("origin", &self.origin)
            .field("done", &self.reader.is_done())
            .finish()
    }
}

impl StreamBody {
    /// The next piece of the body (at most `max` bytes) and when it
    /// arrived; `None` at its end. The request's timeout still applies.
    pub async fn next(&mut self, max: usize) -> Result<Option<(Bytes, Instant)>, HttpError> {
        let read = self.reader.next(&mut *self.conn.stream, max);
        match tokio::time::timeout_at(self.deadline, read).await {
            Err(_) => Err(HttpError::timeout()),
            Ok(Err(e)) => Err(e),
            // Stamped when the bytes arrived, which a busy engine can
            // read later.
            Ok(Ok(Some(b))) => {
                let at = match &self.progress.probe {
                    Some((probe, begin)) => probe.marks(*begin).last_read,
                    None => None,
                };
                Ok(Some((b, at.unwrap_or_else(Instant::now))))
            }
            Ok(Ok(None)) => {
                self.progress.done.get_or_insert_with(Instant::now);
                Ok(None)
            }
        }
    }

    /// Whether the body was read to its end.
    pub fn is_done(&self) -> bool {
        self.reader.is_done()
    }

    /// Body bytes read so far.
    pub fn total(&self) -> u64 {
        self.reader.total()
    }

    /// When the first response byte arrived.
    pub fn first_byte(&self) -> Option<Instant> {
        let (probe, begin) = self.progress.probe.as_ref()?;
        probe.marks(*begin).first_read
    }

    /// The hop's timings, bytes sent and received, with the body read up
    /// to now; and the connection back to `client`'s pool when the body
    /// ended and it can carry another request.
    pub fn finish(mut self, client: &VuClient) -> (Timings, u64, u64) {
        let end = *self.progress.done.get_or_insert_with(Instant::now);
        let measured = self.progress.timings(end);
        if self.reader.reusable() {
            client.release(self.origin, self.conn);
        }
        measured
    }
}

/// Await every future concurrently on this task, results in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::pin::Pin;
    use std::task::Poll;
    let mut futs: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// The (domain, path) the jar files `c` under: for a host-only cookie (no
/// Domain attribute) the host it came from, not the absent attribute, so
/// `jar.delete` and `jar.clear(url)` find it.
fn jar_key(c: &cookie_store::Cookie<'_>) -> (String, String) {
    (String::from(&c.domain), String::from(&c.path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpSettings;

    /// The future of one request is moved into a box for every request
    /// (the offloaded job, a started request's task), so its size is a
    /// copy per request, and wherever it is made its size is stack touched.
    #[test]
    fn a_request_future_stays_small() {
        let shared = SharedHttp::new(HttpSettings {
            user_agent: "volley-test".into(),
            timeout: Duration::from_secs(1),
            max_redirects: 0,
            insecure_skip_tls_verify: false,
            max_body_bytes: 1 << 20,
        })
        .expect("settings");
        let client = VuClient::new(shared);
        let req = HttpRequest {
            method: http::Method::GET,
            url: "http://127.0.0.1:9/".into(),
            headers: Vec::new(),
            body: Bytes::new(),
            timeout: None,
            max_redirects: None,
            body_mode: BodyMode::Buffer,
            cookies: Vec::new(),
        };
        let fut = client.send(req);
        // 3,208 bytes on 2026-12-01 morning, 2,024 since the connection's
        // future is boxed.
        let size = std::mem::size_of_val(&fut);
        assert!(
            size <= 2560,
            "the request future grew to {size} bytes; box its deep parts"
        );
    }
}
