//! Contract 0.2's `http`: responses as resources read on demand, streamed
//! bodies (chunks and server-sent events stamped on the host), requests
//! started without waiting, and the VU's cookie jar.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use wasmtime::component::Resource;

use super::response::{Body, PendingHandle, ResponseHandle};
use super::{Expect, RequestMeta, invalid};
use crate::host::HostState;
use crate::host::bindings::v2::http as wit;
use crate::host::wasi::timestamp_of;
use crate::http::{
    BodyMode, ErrorKind, Exchange, HttpError, HttpRequest, HttpResponse, RequestCookie,
};
use crate::metrics::{Builtin, TagSet};

/// Largest chunk one `read-chunk` hands over.
const MAX_CHUNK: u32 = 1 << 20;
/// What `next-event` reads at a time.
const EVENT_READ: usize = 16 * 1024;

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
    let expect = match req.expect {
        wit::Expectation::Default => Expect::Default,
        wit::Expectation::Statuses(r) if r.is_empty() => Expect::Default,
        wit::Expectation::Statuses(r) => {
            Expect::Statuses(r.iter().map(|r| (r.min, r.max)).collect())
        }
        wit::Expectation::None => Expect::None,
    };
    let body_mode = match req.body_mode {
        wit::BodyMode::Streamed => BodyMode::Stream,
        wit::BodyMode::Discard => BodyMode::Discard,
        wit::BodyMode::Buffer if discard_all => BodyMode::Discard,
        wit::BodyMode::Buffer => BodyMode::Buffer,
    };
    let meta = RequestMeta {
        name: req.name.map(Arc::from),
        tags: TagSet::from_pairs(req.tags),
        expect,
    };
    let request = HttpRequest {
        method,
        url: req.url,
        headers: req.headers,
        body: Bytes::from(req.body),
        timeout: req.timeout.map(Duration::from_nanos),
        max_redirects: req.max_redirects,
        body_mode,
        cookies: req
            .cookies
            .into_iter()
            .map(|c| RequestCookie {
                name: c.name,
                value: c.value,
                replace: c.replace,
            })
            .collect(),
    };
    Ok((request, meta))
}

super::wit_timings!(wit);

fn wit_error(e: HttpError) -> wit::Error {
    use ErrorKind as K;
    let kind = match e.kind {
        K::Timeout => wit::ErrorKind::Timeout,
        K::Interrupted => wit::ErrorKind::Interrupted,
        K::Dns | K::NoSuchHost => wit::ErrorKind::Dns,
        K::Tcp
        | K::BrokenPipe
        | K::UnknownErrno
        | K::Dial
        | K::DialTimeout
        | K::Refused
        | K::Reset
        | K::NonTcpNetwork => wit::ErrorKind::Connect,
        K::Tls | K::TlsHeader | K::UnknownAuthority | K::HostnameMismatch => wit::ErrorKind::Tls,
        K::Other => wit::ErrorKind::Protocol,
        K::Decompression => wit::ErrorKind::Decompression,
        K::BodyTooLarge => wit::ErrorKind::BodyTooLarge,
        K::BlacklistedIp | K::BlockedHostname => wit::ErrorKind::Blocked,
        K::InvalidUrl => wit::ErrorKind::Invalid,
    };
    wit::Error {
        code: e.kind.code(),
        kind,
        message: e.message,
    }
}

impl HostState {
    /// The guest's view of a response: its head now, the rest in a handle.
    fn response_head(
        &mut self,
        mut resp: HttpResponse,
        meta: &RequestMeta,
        final_hop: Option<&crate::http::Hop>,
    ) -> wasmtime::Result<wit::ResponseHead> {
        let streamed = matches!(resp.body, crate::http::ResponseBody::Stream(_));
        let stream = match (streamed, final_hop) {
            (true, Some(hop)) => {
                let tags = self.stream_tags(meta, hop);
                // Time to first byte of a streamed response.
                let ttfb = resp.timings.sending + resp.timings.waiting;
                self.stream_sample(Builtin::HttpReqFirstByte, ttfb, &tags, Instant::now());
                Some((meta.clone(), hop.clone(), tags))
            }
            _ => None,
        };
        let remote = resp.remote;
        let status = resp.status;
        let status_text = resp.status_text().to_string();
        let proto = resp.proto.to_string();
        let url = std::mem::take(&mut resp.url);
        let timings = wit_timings(&resp.timings);
        let body_size = resp.body_size;
        let handle = ResponseHandle::new(&mut resp, stream);
        let response = self.table.push(handle)?;
        if streamed {
            self.http.streams.push(response.rep());
        }
        Ok(wit::ResponseHead {
            status,
            status_text,
            proto,
            url,
            remote_ip: remote.map(|a| a.ip().to_string()).unwrap_or_default(),
            remote_port: remote.map_or(0, |a| a.port()),
            timings,
            body_size,
            error_code: crate::http::status_code(status),
            expected: meta.expect.judge(status),
            response,
        })
    }

    /// The guest's result of one exchange.
    fn exchange_result(
        &mut self,
        ex: Exchange,
        meta: &RequestMeta,
    ) -> wasmtime::Result<Result<wit::ResponseHead, wit::Error>> {
        let Exchange { hops, result } = ex;
        match result {
            Ok(resp) => Ok(Ok(self.response_head(resp, meta, hops.last())?)),
            Err(e) => Ok(Err(wit_error(e))),
        }
    }

    async fn send_v2(
        &mut self,
        requests: Vec<wit::Request>,
    ) -> wasmtime::Result<Vec<Result<wit::ResponseHead, wit::Error>>> {
        let discard = self.run().http.discard_response_bodies;
        let mut out: Vec<Option<Result<wit::ResponseHead, wit::Error>>> =
            (0..requests.len()).map(|_| None).collect();
        let mut valid = Vec::with_capacity(requests.len());
        let mut at = Vec::with_capacity(requests.len());
        for (i, r) in requests.into_iter().enumerate() {
            match convert(r, discard) {
                Ok(pair) => {
                    valid.push(pair);
                    at.push(i);
                }
                Err((url, m)) => out[i] = Some(Err(wit_error(invalid(self.vu.id, &url, &m)))),
            }
        }
        for ((ex, meta), i) in self.send_all(valid).await.into_iter().zip(at) {
            out[i] = Some(self.exchange_result(ex, &meta)?);
        }
        Ok(out
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(wit_error(HttpError::invalid("request was not sent"))))
            })
            .collect())
    }

    /// Take a response's stream out for a read (put back with
    /// [`Self::stream_back`]).
    fn stream_out(
        &mut self,
        res: &Resource<ResponseHandle>,
    ) -> wasmtime::Result<Option<Box<super::response::StreamState>>> {
        let handle = self.table.get_mut(res)?;
        Ok(match &mut handle.body {
            Body::Stream(state) => state.take(),
            Body::Read(_) => None,
        })
    }

    fn stream_back(
        &mut self,
        res: &Resource<ResponseHandle>,
        state: Box<super::response::StreamState>,
        ended: bool,
    ) -> wasmtime::Result<()> {
        if ended {
            self.finish_stream(*state);
            self.http.streams.retain(|r| *r != res.rep());
            self.table.get_mut(res)?.body = Body::Read(Bytes::new());
        } else {
            self.table.get_mut(res)?.body = Body::Stream(Some(state));
        }
        Ok(())
    }

    /// The next piece of a streamed body, read off the guest's stack.
    async fn stream_read(
        &mut self,
        mut state: Box<super::response::StreamState>,
        max: usize,
    ) -> (
        Box<super::response::StreamState>,
        Result<Option<(Bytes, Instant)>, HttpError>,
    ) {
        let started = Instant::now();
        let (state, read) = self
            .http
            .offload
            .run(move || async move {
                let r = state.body.next(max).await;
                (state, r)
            })
            .await;
        self.vu.waited(started, Instant::now());
        (state, read)
    }
}

impl wit::Host for HostState {
    async fn send(
        &mut self,
        request: wit::Request,
    ) -> wasmtime::Result<Result<wit::ResponseHead, wit::Error>> {
        let mut all = self.send_v2(vec![request]).await?;
        Ok(all
            .pop()
            .unwrap_or_else(|| Err(wit_error(HttpError::invalid("request was not sent")))))
    }

    async fn batch(
        &mut self,
        requests: Vec<wit::Request>,
    ) -> wasmtime::Result<Vec<Result<wit::ResponseHead, wit::Error>>> {
        self.send_v2(requests).await
    }

    fn start(&mut self, request: wit::Request) -> wasmtime::Result<Resource<PendingHandle>> {
        let discard = self.run().http.discard_response_bodies;
        let handle = match convert(request, discard) {
            Ok((mut req, meta)) => {
                // A started request's body is read whole: it has no stream
                // to hand over until it is waited for.
                if req.body_mode == BodyMode::Stream {
                    req.body_mode = BodyMode::Buffer;
                }
                let client = self.http.client.clone();
                let flight = Some((req.method.clone(), Arc::from(req.url.as_str())));
                PendingHandle {
                    // The request's future (several KiB) is made and boxed
                    // in the task, on a worker's stack, not on this one (the
                    // guest's fiber); its body is decoded there too.
                    task: Some(tokio::spawn(async move {
                        let mut ex = Box::pin(client.send(req)).await;
                        super::decode_body(&mut ex, &client);
                        ex
                    })),
                    meta,
                    flight,
                    done: None,
                    taken: false,
                }
            }
            Err((url, m)) => PendingHandle {
                task: None,
                meta: RequestMeta {
                    name: None,
                    tags: TagSet::empty(),
                    expect: Expect::Default,
                },
                flight: None,
                done: Some(Err(invalid(self.vu.id, &url, &m))),
                taken: false,
            },
        };
        let res = self.table.push(handle)?;
        if self.table.get(&res)?.task.is_some() {
            self.http.pending.push(res.rep());
        }
        Ok(res)
    }

    fn jar_set(
        &mut self,
        url: String,
        name: String,
        value: String,
        options: wit::CookieOptions,
    ) -> wasmtime::Result<Result<(), String>> {
        let mut cookie = format!("{name}={value}");
        if let Some(d) = &options.domain {
            cookie.push_str(&format!("; Domain={d}"));
        }
        if let Some(p) = &options.path {
            cookie.push_str(&format!("; Path={p}"));
        }
        if let Some(age) = options.max_age {
            cookie.push_str(&format!("; Max-Age={age}"));
        }
        if let Some(at) = options.expires {
            let when = std::time::UNIX_EPOCH + Duration::from_secs(at.max(0) as u64);
            cookie.push_str(&format!("; Expires={}", crate::wallclock::httpdate(when)));
        }
        if options.secure {
            cookie.push_str("; Secure");
        }
        if options.http_only {
            cookie.push_str("; HttpOnly");
        }
        Ok(self.http.client.jar_set(&url, &cookie))
    }

    fn jar_cookies_for_url(&mut self, url: String) -> wasmtime::Result<Vec<wit::JarCookie>> {
        Ok(self
            .http
            .client
            .jar_cookies_for(&url)
            .into_iter()
            .map(|(name, value)| wit::JarCookie { name, value })
            .collect())
    }

    fn jar_clear(&mut self, url: Option<String>) -> wasmtime::Result<()> {
        self.http.client.jar_clear(url.as_deref());
        Ok(())
    }

    fn jar_delete(&mut self, url: String, name: String) -> wasmtime::Result<()> {
        self.http.client.jar_delete(&url, &name);
        Ok(())
    }
}

impl wit::HostResponse for HostState {
    fn header(
        &mut self,
        res: Resource<ResponseHandle>,
        name: String,
    ) -> wasmtime::Result<Option<String>> {
        Ok(self.table.get(&res)?.header(&name))
    }

    fn header_all(
        &mut self,
        res: Resource<ResponseHandle>,
        name: String,
    ) -> wasmtime::Result<Vec<String>> {
        Ok(self.table.get(&res)?.header_all(&name))
    }

    fn headers(
        &mut self,
        res: Resource<ResponseHandle>,
    ) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.table.get(&res)?.headers.clone())
    }

    async fn body(&mut self, res: Resource<ResponseHandle>) -> wasmtime::Result<Vec<u8>> {
        if let Some(mut state) = self.stream_out(&res)? {
            // The rest of a streamed body, to its end.
            let mut rest = Vec::new();
            loop {
                let (back, read) = self.stream_read(state, 1 << 20).await;
                state = back;
                match read {
                    Ok(Some((bytes, _))) => rest.extend_from_slice(&bytes),
                    Ok(None) | Err(_) => {
                        self.stream_back(&res, state, true)?;
                        return Ok(rest);
                    }
                }
            }
        }
        Ok(match &self.table.get(&res)?.body {
            Body::Read(b) => b.to_vec(),
            Body::Stream(_) => Vec::new(),
        })
    }

    async fn text(&mut self, res: Resource<ResponseHandle>) -> wasmtime::Result<String> {
        let bytes = self.body(res).await?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn cookies(
        &mut self,
        res: Resource<ResponseHandle>,
    ) -> wasmtime::Result<Vec<wit::ResponseCookie>> {
        let handle = self.table.get(&res)?;
        Ok(handle
            .header_all("set-cookie")
            .iter()
            .filter_map(|v| cookie_store::RawCookie::parse(v.clone()).ok())
            .map(|c| wit::ResponseCookie {
                name: c.name().to_string(),
                value: c.value().to_string(),
                domain: c.domain().unwrap_or_default().to_string(),
                path: c.path().unwrap_or_default().to_string(),
                expires: c.expires_datetime().map(|t| t.unix_timestamp()),
                max_age: c.max_age().map(|d| d.whole_seconds()),
                http_only: c.http_only().unwrap_or(false),
                secure: c.secure().unwrap_or(false),
                same_site: c.same_site().map(|s| s.to_string()),
            })
            .collect())
    }

    fn request_headers(
        &mut self,
        res: Resource<ResponseHandle>,
    ) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.table.get(&res)?.request_headers())
    }

    async fn read_chunk(
        &mut self,
        res: Resource<ResponseHandle>,
        max: u32,
    ) -> wasmtime::Result<Result<Option<wit::Chunk>, wit::Error>> {
        let Some(state) = self.stream_out(&res)? else {
            return Ok(Ok(None));
        };
        let (state, read) = self
            .stream_read(state, max.clamp(1, MAX_CHUNK) as usize)
            .await;
        Ok(match read {
            Ok(Some((data, at))) => {
                self.stream_back(&res, state, false)?;
                Ok(Some(wit::Chunk {
                    data: data.to_vec(),
                    at: timestamp_of(at),
                }))
            }
            Ok(None) => {
                self.stream_back(&res, state, true)?;
                Ok(None)
            }
            Err(e) => {
                self.stream_back(&res, state, true)?;
                Err(wit_error(e))
            }
        })
    }

    async fn next_event(
        &mut self,
        res: Resource<ResponseHandle>,
    ) -> wasmtime::Result<Result<Option<wit::Event>, wit::Error>> {
        let Some(mut state) = self.stream_out(&res)? else {
            return Ok(Ok(None));
        };
        loop {
            if let Some(e) = state.events.pop_front() {
                self.stream_back(&res, state, false)?;
                return Ok(Ok(Some(wit::Event {
                    event: e.event,
                    data: e.data,
                    id: e.id,
                    retry: e.retry,
                    at: timestamp_of(e.at),
                })));
            }
            let (back, read) = self.stream_read(state, EVENT_READ).await;
            state = back;
            match read {
                Ok(Some((bytes, at))) => {
                    let mut events = Vec::new();
                    state.sse.feed(&bytes, at, &mut events);
                    self.stream_events(&mut state, events);
                }
                Ok(None) => {
                    self.stream_back(&res, state, true)?;
                    return Ok(Ok(None));
                }
                Err(e) => {
                    self.stream_back(&res, state, true)?;
                    return Ok(Err(wit_error(e)));
                }
            }
        }
    }

    async fn drop(&mut self, res: Resource<ResponseHandle>) -> wasmtime::Result<()> {
        // A stream dropped before its end is cut: its sample has what was read.
        self.end_stream(res.rep());
        self.table.delete(res)?;
        Ok(())
    }
}

impl wit::HostPending for HostState {
    fn is_ready(&mut self, res: Resource<PendingHandle>) -> wasmtime::Result<bool> {
        let handle = self.table.get(&res)?;
        Ok(handle.done.is_some() || handle.task.as_ref().is_none_or(|t| t.is_finished()))
    }

    async fn wait(
        &mut self,
        res: Resource<PendingHandle>,
    ) -> wasmtime::Result<Result<wit::ResponseHead, wit::Error>> {
        self.settle_pending(res.rep()).await;
        let handle = self.table.get_mut(&res)?;
        if handle.taken {
            return Ok(Err(wit_error(HttpError::invalid(
                "the response of this request was already taken",
            ))));
        }
        let meta = handle.meta.clone();
        match handle.done.take() {
            Some(Ok(resp)) => {
                handle.taken = true;
                Ok(Ok(self.response_head(resp, &meta, None)?))
            }
            Some(Err(e)) => {
                handle.done = Some(Err(e.clone()));
                Ok(Err(wit_error(e)))
            }
            None => Ok(Err(wit_error(HttpError::invalid("the request never ran")))),
        }
    }

    fn drop(&mut self, res: Resource<PendingHandle>) -> wasmtime::Result<()> {
        // Dropped before it was waited for: it still runs, and is recorded
        // at the iteration's end.
        self.http.pending.retain(|r| *r != res.rep());
        let handle = self.table.delete(res)?;
        if let Some(task) = handle.task {
            self.http.orphans.push((task, handle.meta, handle.flight));
        }
        Ok(())
    }
}
