//! A VU's client: its connection pool and cookie jar, sending requests hop
//! by hop through redirects, with every phase timed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cookie_store::CookieStore;
use url::Url;

use super::connect::{self, Conn, Origin};
use super::h1;
use super::timed_io::Probe;
use super::{ErrorKind, Exchange, Hop, HttpError, HttpRequest, HttpResponse, SharedHttp, Timings};

/// Idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 32;

/// One VU's HTTP client: its own keep-alive pool and cookie jar.
#[derive(Debug)]
pub struct VuClient {
    shared: Arc<SharedHttp>,
    inner: Mutex<Inner>,
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
            let body_end = self.done.unwrap_or(end);
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
            shared,
            inner: Mutex::new(Inner::default()),
        }
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

    /// Send one request, following redirects, within its timeout.
    pub async fn send(&self, req: HttpRequest) -> Exchange {
        let settings = self.shared.settings();
        let deadline = tokio::time::Instant::now() + req.timeout.unwrap_or(settings.timeout);
        let max_redirects = req.max_redirects.unwrap_or(settings.max_redirects);
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
            let outcome = tokio::time::timeout_at(
                deadline,
                self.hop(
                    &method,
                    &url,
                    &headers,
                    &body,
                    req.discard_body,
                    &mut progress,
                ),
            )
            .await;
            let end = progress.done.unwrap_or_else(Instant::now);
            let (timings, sent, received) = progress.timings(end);
            let mut hop = Hop {
                method: method.clone(),
                url: Arc::from(url.as_str()),
                status: 0,
                timings,
                bytes_sent: sent,
                bytes_received: received,
                error: None,
            };
            let resp = match outcome {
                Err(_) => Err(HttpError::timeout()),
                Ok(r) => r,
            };
            let (status, resp_headers, resp_body) = match resp {
                Ok(r) => r,
                Err(e) => {
                    // A denied request made no connection; it still counts
                    // as a failed request, with no time spent.
                    hop.error = Some(e.clone());
                    hops.push(hop);
                    return Exchange {
                        hops,
                        result: Err(e),
                    };
                }
            };
            hop.status = status;
            hops.push(hop);
            if is_redirect(status) && redirects < max_redirects {
                let next = resp_headers
                    .iter()
                    .find(|(k, _)| k == "location")
                    .and_then(|(_, v)| url.join(v).ok());
                if let Some(next) = next {
                    redirects += 1;
                    let same_host = next.host_str() == url.host_str();
                    let to_get = status == 303
                        || ((status == 301 || status == 302) && method == http::Method::POST);
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
            return Exchange {
                hops,
                result: Ok(HttpResponse {
                    status,
                    headers: resp_headers,
                    body: resp_body,
                    url: url.to_string(),
                    timings,
                }),
            };
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
        url: &Url,
        set_cookies: impl Iterator<Item = &'a str>,
        returned: Option<(Origin, Conn)>,
    ) {
        let mut set_cookies = set_cookies.peekable();
        if set_cookies.peek().is_none() && returned.is_none() {
            return;
        }
        let mut inner = self.lock();
        if set_cookies.peek().is_some() {
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

    /// One request on the wire: connection, send, headers, body.
    async fn hop(
        &self,
        method: &http::Method,
        url: &Url,
        headers: &[(String, String)],
        body: &Bytes,
        discard: bool,
        p: &mut HopProgress,
    ) -> Result<(u16, Vec<(String, String)>, Bytes), HttpError> {
        p.start = Some(Instant::now());
        let origin = Origin::of(url)?;
        if let Some(policy) = &self.shared.policy {
            policy
                .check(&origin.host, origin.port)
                .map_err(|why| HttpError::new(ErrorKind::BlockedHostname, why))?;
        }
        let settings = self.shared.settings();
        let (cookie, idle) = self.begin(url);
        let head = h1::encode_request(
            method,
            &url[url::Position::BeforePath..url::Position::AfterQuery],
            headers,
            &h1::Defaults {
                host: &url[url::Position::BeforeHost..url::Position::AfterPort],
                user_agent: &settings.user_agent,
                cookie: cookie.as_deref(),
            },
            body.len(),
        )?;
        let (mut conn, mut reused) = match idle {
            Some(c) => (c, true),
            None => {
                let opened =
                    connect::open(&origin, &self.shared.tls, self.shared.policy.as_deref()).await?;
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
            let attempt = h1::exchange(
                &mut *conn.stream,
                &head,
                body,
                settings.max_body_bytes,
                discard,
            )
            .await;
            match attempt {
                Ok(r) => break r,
                Err(e) => {
                    // A kept-alive connection the server closed while idle
                    // fails before any response byte: retry once on a new one.
                    let nothing_read = conn.probe.marks(begin).read == 0;
                    if reused && nothing_read && !retried && e.kind != ErrorKind::Other {
                        retried = true;
                        let opened =
                            connect::open(&origin, &self.shared.tls, self.shared.policy.as_deref())
                                .await?;
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
        p.done = Some(Instant::now());
        let set_cookies = response
            .headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.as_str());
        let returned = response.reusable.then_some((origin, conn));
        self.end(url, set_cookies, returned);
        Ok((response.status, response.headers, response.body))
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
