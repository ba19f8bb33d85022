//! HTTP/1.1 on the wire: the request head written in one piece, the
//! response head parsed with `httparse`, and the body framed by
//! `Content-Length`, chunked encoding or the connection's end (RFC 9112).
//!
//! A VU has one request in flight per connection, so the exchange is plain
//! sequential code on the VU's own task: no connection task, no channel and
//! no buffer held while the connection is idle. hyper's client did the same
//! job with a dispatcher, two channels and 12 KiB of buffers per connection.

use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::{ErrorKind, HttpError};

/// Largest response head (status line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Headers parsed in place before falling back to a larger, heap table.
const INLINE_HEADERS: usize = 48;
/// Most headers accepted in one response.
const MAX_HEADERS: usize = 1024;
/// How much a read asks for at least.
const READ_CHUNK: usize = 4096;
/// Bodies up to this size are sent in the same write as the head.
const COALESCE_BODY: usize = 16 * 1024;

/// A byte stream a request can be sent on (TCP or TLS).
pub(crate) trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// Ready when a read would find data (or the end, or an error), so that
    /// a request waiting for a slow server holds no read buffer. A stream
    /// that cannot tell is ready at once.
    fn poll_read_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Stream for super::timed_io::TimedStream {
    fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_arrival(cx)
    }
}

/// TLS: readiness of the socket says nothing of records rustls already
/// holds, so reads allocate at once.
impl Stream for tokio_rustls::client::TlsStream<super::timed_io::TimedStream> {}

#[cfg(test)]
impl Stream for tokio::net::TcpStream {}
#[cfg(test)]
impl Stream for tokio::io::DuplexStream {}

/// The request head, ready to write: request line and header block.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    pub(crate) bytes: Vec<u8>,
    /// The request is HEAD: its response has no body whatever it says.
    head_only: bool,
    /// The request asked the server to close the connection.
    close: bool,
}

/// What the engine adds to a guest's headers.
pub(crate) struct Defaults<'a> {
    /// `host[:port]` of the URL.
    pub host: &'a str,
    /// Sent unless the request has its own `User-Agent`.
    pub user_agent: &'a str,
    /// The cookie jar's `Cookie` value, appended to the request's own.
    pub cookie: Option<&'a str>,
    /// Sent unless the request has its own `Accept-Encoding` (k6 sends
    /// `gzip`, as Go's client does).
    pub accept_encoding: Option<&'a str>,
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_token)
}

fn valid_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Encode a request head. `target` is the path and query; the body's
/// length goes in `Content-Length` when there is a body or the method
/// carries one.
pub(crate) fn encode_request(
    method: &http::Method,
    target: &str,
    headers: &[(String, String)],
    defaults: &Defaults<'_>,
    body_len: usize,
) -> Result<RequestHead, HttpError> {
    let mut out = Vec::with_capacity(128 + target.len() + defaults.host.len());
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(if target.is_empty() { "/" } else { target }.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if !has("host") {
        header(&mut out, "Host", defaults.host);
    }
    let mut close = false;
    let mut jar = defaults.cookie;
    for (k, v) in headers {
        if !valid_name(k) {
            return Err(HttpError::invalid(format!("invalid header name {k:?}")));
        }
        if !valid_value(v) {
            return Err(HttpError::invalid(format!(
                "invalid header value {v:?} (control characters are not allowed)"
            )));
        }
        // The engine frames the body itself.
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding") {
            continue;
        }
        if k.eq_ignore_ascii_case("connection") && has_token(v, "close") {
            close = true;
        }
        // The jar's cookies go with the request's own, as Go's client (and
        // so k6) adds them: after those the request names.
        if let Some(cookies) = jar.filter(|_| k.eq_ignore_ascii_case("cookie")) {
            jar = None;
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            if !v.trim().is_empty() {
                out.extend_from_slice(b"; ");
            }
            out.extend_from_slice(cookies.as_bytes());
            out.extend_from_slice(b"\r\n");
            continue;
        }
        header(&mut out, k, v);
    }
    if !has("user-agent") {
        header(&mut out, "User-Agent", defaults.user_agent);
    }
    if let Some(cookie) = jar {
        header(&mut out, "Cookie", cookie);
    }
    if let Some(encoding) = defaults.accept_encoding.filter(|_| !has("accept-encoding")) {
        header(&mut out, "Accept-Encoding", encoding);
    }
    if body_len > 0
        || matches!(
            *method,
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        )
    {
        // Writing into a Vec cannot fail.
        let _ = write!(out, "Content-Length: {body_len}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(RequestHead {
        bytes: out,
        head_only: *method == http::Method::HEAD,
        close,
    })
}

fn header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Whether a comma-separated header value holds `token` (any case).
fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// A parsed response (of [`exchange`]).
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body; empty when discarded.
    pub body: Bytes,
    /// The connection can carry another request.
    pub reusable: bool,
}

/// How the body of a response ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

/// A parsed head and how many bytes of the buffer it took.
#[derive(Debug)]
struct Head {
    len: usize,
    status: u16,
    reason: Option<String>,
    proto: &'static str,
    headers: Vec<(String, String)>,
    framing: Framing,
    keep_alive: bool,
}

/// Parse a response head at the start of `buf`; `None` until it is whole.
fn parse_head(buf: &[u8], head_only: bool) -> Result<Option<Head>, HttpError> {
    let mut inline = [httparse::EMPTY_HEADER; INLINE_HEADERS];
    let mut resp = httparse::Response::new(&mut inline);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => head_of(&resp, len, head_only).map(Some),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            let mut table = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut table);
            match resp.parse(buf) {
                Ok(httparse::Status::Complete(len)) => head_of(&resp, len, head_only).map(Some),
                Ok(httparse::Status::Partial) => Ok(None),
                Err(e) => Err(bad_head(e)),
            }
        }
        Err(e) => Err(bad_head(e)),
    }
}

fn bad_head(e: httparse::Error) -> HttpError {
    HttpError::protocol(format!("invalid response head: {e}"))
}

fn head_of(
    resp: &httparse::Response<'_, '_>,
    len: usize,
    head_only: bool,
) -> Result<Head, HttpError> {
    let status = resp.code.unwrap_or(0);
    let http11 = resp.version == Some(1);
    let mut headers = Vec::with_capacity(resp.headers.len());
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut encoded = false;
    let mut connection_close = !http11;
    for h in resp.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = parse_length(&value)?;
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::protocol(
                    "response has conflicting Content-Length headers",
                ));
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            encoded = true;
            // Chunked must be the last coding; anything else ends at close.
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            if has_token(&value, "close") {
                connection_close = true;
            } else if has_token(&value, "keep-alive") {
                connection_close = false;
            }
        }
        headers.push((h.name.to_ascii_lowercase(), value.into_owned()));
    }
    let framing = if head_only || matches!(status, 100..=199 | 204 | 304) {
        Framing::None
    } else if encoded {
        if chunked {
            Framing::Chunked
        } else {
            Framing::UntilClose
        }
    } else {
        match length {
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        }
    };
    Ok(Head {
        len,
        status,
        // Most servers send the canonical phrase: keep only one that differs.
        reason: resp
            .reason
            .filter(|r| {
                http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    != Some(*r)
            })
            .map(str::to_string),
        proto: if http11 { "HTTP/1.1" } else { "HTTP/1.0" },
        headers,
        framing,
        keep_alive: !connection_close && framing != Framing::UntilClose && status != 101,
    })
}

fn parse_length(v: &str) -> Result<u64, HttpError> {
    // A repeated value in one header ("3, 3") is the same length.
    let mut out: Option<u64> = None;
    for part in v.split(',') {
        let part = part.trim();
        let n = (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| HttpError::protocol(format!("invalid Content-Length {v:?}")))?;
        if out.is_some_and(|o| o != n) {
            return Err(HttpError::protocol(format!("invalid Content-Length {v:?}")));
        }
        out = Some(n);
    }
    out.ok_or_else(|| HttpError::protocol("empty Content-Length"))
}

/// Where body bytes go: kept (up to the limit) or only counted.
struct BodySink {
    body: BytesMut,
    total: u64,
    max: u64,
    discard: bool,
}

impl BodySink {
    fn take(&mut self, data: &[u8]) -> Result<(), HttpError> {
        self.total += data.len() as u64;
        if self.total > self.max {
            return Err(too_large(self.max));
        }
        if !self.discard {
            self.body.extend_from_slice(data);
        }
        Ok(())
    }
}

/// Chunked transfer coding, decoded as bytes arrive.
#[derive(Debug, Default)]
struct Chunked {
    state: ChunkState,
    trailer_bytes: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// The longest chunk-size line or trailer section accepted.
const MAX_CHUNK_LINE: usize = 4096;

impl Chunked {
    /// Decode what `buf` holds, consuming it; true once the body ended.
    #[cfg(test)]
    fn decode(&mut self, buf: &mut BytesMut, sink: &mut BodySink) -> Result<bool, HttpError> {
        self.decode_up_to(buf, sink, usize::MAX)
    }

    /// Decode what `buf` holds, handing at most `max` body bytes to `sink`;
    /// true once the body ended.
    fn decode_up_to(
        &mut self,
        buf: &mut BytesMut,
        sink: &mut BodySink,
        max: usize,
    ) -> Result<bool, HttpError> {
        let mut room = max;
        loop {
            match self.state {
                ChunkState::Done => return Ok(true),
                ChunkState::Size => {
                    let Some(line) = take_line(buf, MAX_CHUNK_LINE, "chunk size line")? else {
                        return Ok(false);
                    };
                    let digits = line.split(|&b| b == b';').next().unwrap_or(&[]);
                    let digits = std::str::from_utf8(digits).unwrap_or("").trim();
                    let size = u64::from_str_radix(digits, 16).map_err(|_| {
                        HttpError::protocol(format!("invalid chunk size {digits:?}"))
                    })?;
                    self.state = if size == 0 {
                        ChunkState::Trailers
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    if buf.is_empty() || room == 0 {
                        return Ok(false);
                    }
                    let n = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(buf.len())
                        .min(room);
                    sink.take(&buf[..n])?;
                    buf.advance(n);
                    room -= n;
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::DataEnd => {
                    let Some(line) = take_line(buf, 2, "chunk end")? else {
                        return Ok(false);
                    };
                    if !line.is_empty() {
                        return Err(HttpError::protocol("chunk data longer than its size"));
                    }
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailers => {
                    let Some(line) = take_line(buf, MAX_CHUNK_LINE, "trailer")? else {
                        return Ok(false);
                    };
                    self.trailer_bytes += line.len() + 2;
                    if self.trailer_bytes > MAX_HEAD {
                        return Err(HttpError::protocol("response trailers too large"));
                    }
                    if line.is_empty() {
                        self.state = ChunkState::Done;
                    }
                }
            }
        }
    }
}

/// Take one CRLF-ended line (without the CRLF) off the front of `buf`.
fn take_line(buf: &mut BytesMut, max: usize, what: &str) -> Result<Option<Bytes>, HttpError> {
    match buf.windows(2).position(|w| w == b"\r\n") {
        Some(i) if i <= max => {
            let line = buf.split_to(i).freeze();
            buf.advance(2);
            Ok(Some(line))
        }
        Some(_) => Err(HttpError::protocol(format!("{what} too long"))),
        None if buf.len() > max + 1 => Err(HttpError::protocol(format!("{what} too long"))),
        None => Ok(None),
    }
}

/// Read more bytes into `buf`; `Ok(0)` is the end of the stream.
async fn fill<S: Stream + ?Sized>(stream: &mut S, buf: &mut BytesMut) -> Result<usize, HttpError> {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
    stream
        .read_buf(buf)
        .await
        .map_err(|e| HttpError::from_io(&e))
}

fn closed_early() -> HttpError {
    HttpError::new(
        ErrorKind::Reset,
        "connection closed before the response was complete",
    )
}

/// A response head, read; the body is still on the connection.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub status: u16,
    /// The reason phrase as received, when it is not the canonical one.
    pub reason: Option<String>,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub proto: &'static str,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// Reads the body off the connection.
    pub body: BodyReader,
}

/// Send one request and read its response head (interim 1xx responses are
/// skipped); the body is left for the returned [`BodyReader`].
pub(crate) async fn send_and_read_head<S: Stream + ?Sized>(
    stream: &mut S,
    head: &RequestHead,
    body: &Bytes,
    max_body: u64,
) -> Result<ResponseHead, HttpError> {
    write_request(stream, head, body)
        .await
        .map_err(|e| HttpError::from_io(&e))?;
    // The read buffer is taken when the answer is there: a VU waiting for
    // a slow server holds none.
    std::future::poll_fn(|cx| stream.poll_read_ready(cx))
        .await
        .map_err(|e| HttpError::from_io(&e))?;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    // Interim (1xx) responses come before the real one.
    let head_in = loop {
        let parsed = if buf.is_empty() {
            None
        } else {
            parse_head(&buf, head.head_only)?
        };
        match parsed {
            Some(h) if (100..200).contains(&h.status) && h.status != 101 => {
                buf.advance(h.len);
            }
            Some(h) => break h,
            None => {
                if buf.len() > MAX_HEAD {
                    return Err(HttpError::protocol(format!(
                        "response head larger than {} KiB",
                        MAX_HEAD / 1024
                    )));
                }
                if fill(stream, &mut buf).await? == 0 {
                    return Err(closed_early());
                }
            }
        }
    };
    buf.advance(head_in.len);
    if let Framing::Length(n) = head_in.framing
        && n > max_body
    {
        return Err(too_large(max_body));
    }
    Ok(ResponseHead {
        status: head_in.status,
        reason: head_in.reason,
        proto: head_in.proto,
        headers: head_in.headers,
        body: BodyReader {
            framing: head_in.framing,
            left: match head_in.framing {
                Framing::Length(n) => n,
                _ => 0,
            },
            chunked: Chunked::default(),
            buf,
            total: 0,
            max: max_body,
            done: head_in.framing == Framing::None,
            keep_alive: head_in.keep_alive && !head.close,
        },
    })
}

/// The body of a response, read off its connection in pieces or whole.
#[derive(Debug)]
pub(crate) struct BodyReader {
    framing: Framing,
    /// Bytes left of a `Content-Length` body.
    left: u64,
    chunked: Chunked,
    /// Bytes read from the connection and not handed out yet.
    buf: BytesMut,
    /// Body bytes so far (on the wire, after chunk framing).
    total: u64,
    max: u64,
    done: bool,
    keep_alive: bool,
}

impl BodyReader {
    /// A reader of no body (a placeholder for one moved out).
    pub(crate) fn empty() -> Self {
        Self {
            framing: Framing::None,
            left: 0,
            chunked: Chunked::default(),
            buf: BytesMut::new(),
            total: 0,
            max: 0,
            done: true,
            keep_alive: false,
        }
    }

    /// The body's length, when its `Content-Length` gives it and none of
    /// it was handed out yet.
    pub(crate) fn known_length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(_) if self.total == 0 => Some(self.left),
            _ => None,
        }
    }

    /// Whether the body was read to its end.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Body bytes read so far.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Whether the connection can carry another request: the body ended,
    /// the server allows it, and no stray bytes followed.
    pub(crate) fn reusable(&self) -> bool {
        self.done && self.keep_alive && self.buf.is_empty()
    }

    /// The next piece of the body, at most `max` bytes; `None` at its end.
    pub(crate) async fn next<S: Stream + ?Sized>(
        &mut self,
        stream: &mut S,
        max: usize,
    ) -> Result<Option<Bytes>, HttpError> {
        let max = max.max(1);
        loop {
            if self.done {
                return Ok(None);
            }
            let mut sink = BodySink {
                body: BytesMut::new(),
                total: self.total,
                max: self.max,
                discard: false,
            };
            let progressed = match self.framing {
                Framing::None => {
                    self.done = true;
                    false
                }
                Framing::Length(_) => {
                    let take = usize::try_from(self.left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len())
                        .min(max);
                    sink.take(&self.buf[..take])?;
                    self.buf.advance(take);
                    self.left -= take as u64;
                    if self.left == 0 {
                        self.done = true;
                    }
                    take > 0
                }
                Framing::Chunked => {
                    self.done = self.chunked.decode_up_to(&mut self.buf, &mut sink, max)?;
                    !sink.body.is_empty()
                }
                Framing::UntilClose => {
                    let take = self.buf.len().min(max);
                    sink.take(&self.buf[..take])?;
                    self.buf.advance(take);
                    take > 0
                }
            };
            self.total = sink.total;
            if progressed {
                return Ok(Some(sink.body.freeze()));
            }
            if self.done {
                return Ok(None);
            }
            if fill(stream, &mut self.buf).await? == 0 {
                if self.framing == Framing::UntilClose {
                    self.done = true;
                    self.keep_alive = false;
                    return Ok(None);
                }
                return Err(closed_early());
            }
        }
    }

    /// Read the rest of the body: kept, or only counted when `discard`.
    pub(crate) async fn read_to_end<S: Stream + ?Sized>(
        &mut self,
        stream: &mut S,
        discard: bool,
    ) -> Result<Bytes, HttpError> {
        // The common case: a Content-Length body already whole in the
        // buffer is kept as it is, without a copy; a small one is copied
        // out, so that a response the guest keeps (a 0.2 response
        // resource, held across a sleep) does not keep the whole read
        // buffer alive with it.
        if let Framing::Length(_) = self.framing
            && !discard
            && self.total == 0
            && self.buf.len() as u64 == self.left
        {
            self.total = self.left;
            self.left = 0;
            self.done = true;
            if self.buf.len() <= READ_CHUNK / 4 {
                let body = Bytes::copy_from_slice(&self.buf);
                self.buf.clear();
                return Ok(body);
            }
            return Ok(self.buf.split().freeze());
        }
        let mut body = BytesMut::new();
        if let (Framing::Length(n), false) = (self.framing, discard) {
            body.reserve(usize::try_from(n).unwrap_or(0).min(1 << 20));
        }
        while let Some(piece) = self.next(stream, 1 << 20).await? {
            if !discard {
                body.extend_from_slice(&piece);
            }
        }
        Ok(body.freeze())
    }
}

/// Send one request and read its whole response.
#[cfg(test)]
pub(crate) async fn exchange<S: Stream + ?Sized>(
    stream: &mut S,
    head: &RequestHead,
    body: &Bytes,
    max_body: u64,
    discard: bool,
) -> Result<Response, HttpError> {
    let mut r = send_and_read_head(stream, head, body, max_body).await?;
    let body = r.body.read_to_end(stream, discard).await?;
    Ok(Response {
        status: r.status,
        headers: r.headers,
        body,
        reusable: r.body.reusable(),
    })
}

fn too_large(max: u64) -> HttpError {
    HttpError::new(
        ErrorKind::BodyTooLarge,
        format!("response body larger than {max} bytes; raise the maxBodyBytes option"),
    )
}

async fn write_request<S: Stream + ?Sized>(
    stream: &mut S,
    head: &RequestHead,
    body: &Bytes,
) -> std::io::Result<()> {
    if body.is_empty() {
        stream.write_all(&head.bytes).await?;
    } else if body.len() <= COALESCE_BODY {
        let mut all = Vec::with_capacity(head.bytes.len() + body.len());
        all.extend_from_slice(&head.bytes);
        all.extend_from_slice(body);
        stream.write_all(&all).await?;
    } else {
        stream.write_all(&head.bytes).await?;
        stream.write_all(body).await?;
    }
    stream.flush().await
}

/// Whether an idle connection still looks usable: not closed by the peer
/// and with no stray bytes waiting. Never blocks.
pub(crate) fn idle_alive<S: Stream + ?Sized>(stream: &mut S) -> bool {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut byte = [0u8; 1];
    let mut rb = ReadBuf::new(&mut byte);
    // Ready means the end of the stream, an unexpected byte or an error.
    Pin::new(stream).poll_read(&mut cx, &mut rb).is_pending()
}

#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;
