//! Opening a connection: DNS, TCP connect and TLS, each timed, then the
//! HTTP/1.1 handshake with hyper's connection-level API.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::HttpError;
use super::timed_io::{Probe, TimedStream};

/// Scheme, host and port: what a pooled connection is good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of `url`, or why it cannot be requested.
    pub(crate) fn of(url: &url::Url) -> Result<Origin, HttpError> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(HttpError::Invalid(format!(
                    "unsupported URL scheme {other:?} in {url}; use http:// or https://"
                )));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| HttpError::Invalid(format!("URL {url} has no host")))?;
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        Ok(Origin {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        })
    }

    /// Whether `url` has this origin (no allocation).
    pub(crate) fn matches(&self, url: &url::Url) -> bool {
        let https = url.scheme() == "https";
        https == self.https
            && url.port_or_known_default() == Some(self.port)
            && url
                .host_str()
                .is_some_and(|h| h.trim_start_matches('[').trim_end_matches(']') == self.host)
    }
}

type Io = TokioIo<Box<dyn Stream>>;

/// A ready HTTP/1.1 connection. Its hyper connection future is polled by
/// the VU's own task while a request is in flight ([`Conn::drive`]), not by
/// a task of its own: no cross-task wake-up per request, and an idle
/// connection costs no task at all.
pub(crate) struct Conn {
    pub sender: SendRequest<Full<Bytes>>,
    pub probe: Arc<Probe>,
    connection: Pin<Box<http1::Connection<Io, Full<Bytes>>>>,
    closed: bool,
}

impl Conn {
    /// Whether the connection can take no more requests.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed || self.sender.is_closed()
    }

    /// Run `fut` (a request or a body read on this connection) while
    /// driving the connection's I/O.
    pub(crate) async fn drive<F: Future>(&mut self, fut: F) -> F::Output {
        drive(&mut self.connection, &mut self.closed, fut).await
    }

    /// Wait until the connection can take a request; false if it closed.
    pub(crate) async fn ready(&mut self) -> bool {
        let Conn {
            sender,
            connection,
            closed,
            ..
        } = self;
        drive(connection, closed, sender.ready()).await.is_ok() && !*closed
    }
}

async fn drive<F: Future>(
    connection: &mut Pin<Box<http1::Connection<Io, Full<Bytes>>>>,
    closed: &mut bool,
    fut: F,
) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        if !*closed && connection.as_mut().poll(cx).is_ready() {
            // Closed by the peer or broken: `fut` sees the error through
            // hyper's channels, and the pool drops this connection.
            *closed = true;
        }
        fut.as_mut().poll(cx)
    })
    .await
}

/// A new connection and where its setup time went.
pub(crate) struct Opened {
    pub conn: Conn,
    pub dns: Duration,
    pub connecting: Duration,
    pub tls: Duration,
}

trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

async fn resolve(origin: &Origin) -> Result<Vec<SocketAddr>, HttpError> {
    if let Ok(ip) = origin.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, origin.port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((origin.host.as_str(), origin.port))
        .await
        .map_err(|e| HttpError::Dns(format!("{}: {e}", origin.host)))?
        .collect();
    if addrs.is_empty() {
        return Err(HttpError::Dns(format!(
            "no address found for {}",
            origin.host
        )));
    }
    Ok(addrs)
}

/// Open a connection to `origin`.
pub(crate) async fn open(
    origin: &Origin,
    tls: &Arc<rustls::ClientConfig>,
    policy: Option<&dyn super::HostPolicy>,
) -> Result<Opened, HttpError> {
    let started = Instant::now();
    let mut addrs = resolve(origin).await?;
    let dns = started.elapsed();
    if let Some(policy) = policy {
        let mut denied = None;
        addrs.retain(|a| match policy.check_ip(a.ip()) {
            Ok(()) => true,
            Err(e) => {
                denied = Some(e);
                false
            }
        });
        if let (true, Some(reason)) = (addrs.is_empty(), denied) {
            return Err(HttpError::BlockedIp(format!("{}: {reason}", origin.host)));
        }
    }

    let connect_start = Instant::now();
    let mut last_err = None;
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let tcp = match tcp {
        Some(t) => t,
        None => {
            let e = last_err.map(|e| HttpError::from_io(&e));
            let e = e.unwrap_or_else(|| HttpError::Connect("no address to connect to".into()));
            return Err(match e {
                HttpError::Connect(m) => {
                    HttpError::Connect(format!("{}:{}: {m}", origin.host, origin.port))
                }
                other => other,
            });
        }
    };
    let _ = tcp.set_nodelay(true);
    let connecting = connect_start.elapsed();

    let probe = Probe::new();
    let timed = TimedStream::new(tcp, probe.clone());
    let tls_start = Instant::now();
    let stream: Box<dyn Stream> = if origin.https {
        let name = rustls::pki_types::ServerName::try_from(origin.host.clone()).map_err(|e| {
            HttpError::Invalid(format!(
                "host {:?} is not a valid TLS server name: {e}",
                origin.host
            ))
        })?;
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        let s = connector
            .connect(name, timed)
            .await
            .map_err(|e| HttpError::Tls(format!("{}: {e}", origin.host)))?;
        Box::new(s)
    } else {
        Box::new(timed)
    };
    let tls_time = if origin.https {
        tls_start.elapsed()
    } else {
        Duration::ZERO
    };

    // A fixed 4 KiB read buffer instead of hyper's adaptive one (8 KiB and
    // growing): thousands of VUs each keep a connection open, and the
    // buffer is most of what an idle connection costs.
    let (sender, connection) = http1::Builder::new()
        .read_buf_exact_size(Some(4096))
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| HttpError::from_hyper(&e))?;
    Ok(Opened {
        conn: Conn {
            sender,
            probe,
            connection: Box::pin(connection),
            closed: false,
        },
        dns,
        connecting,
        tls: tls_time,
    })
}
