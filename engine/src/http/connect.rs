//! Opening a connection: DNS, TCP connect and TLS, each timed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::h1::{self, Stream};
use super::timed_io::{Probe, TimedStream};
use super::{ErrorKind, HttpError};

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
                return Err(HttpError::invalid(format!(
                    "unsupported URL scheme {other:?} in {url}; use http:// or https://"
                )));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| HttpError::invalid(format!("URL {url} has no host")))?;
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

/// An open HTTP/1.1 connection, idle in the pool or carrying one request.
/// It holds no buffer of its own: a request's buffers live as long as the
/// request.
pub(crate) struct Conn {
    pub stream: Box<dyn Stream>,
    pub probe: Arc<Probe>,
    /// The address connected to.
    pub peer: SocketAddr,
}

impl Conn {
    /// Whether this idle connection can take a request: the peer has not
    /// closed it. Never blocks.
    pub(crate) fn is_alive(&mut self) -> bool {
        h1::idle_alive(&mut *self.stream)
    }
}

/// A new connection and where its setup time went.
pub(crate) struct Opened {
    pub conn: Conn,
    pub dns: Duration,
    pub connecting: Duration,
    pub tls: Duration,
}

async fn resolve(origin: &Origin) -> Result<Vec<SocketAddr>, HttpError> {
    if let Ok(ip) = origin.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, origin.port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((origin.host.as_str(), origin.port))
        .await
        .map_err(|e| {
            // getaddrinfo's failures reach std untyped; "no such host" is
            // the one k6 gives a code of its own.
            let text = e.to_string();
            let kind = if text.contains("not known") || text.contains("No address associated") {
                ErrorKind::NoSuchHost
            } else {
                ErrorKind::Dns
            };
            HttpError::new(kind, format!("lookup {}: {text}", origin.host))
        })?
        .collect();
    if addrs.is_empty() {
        return Err(HttpError::new(
            ErrorKind::NoSuchHost,
            format!("lookup {}: no such host", origin.host),
        ));
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
            return Err(HttpError::new(
                ErrorKind::BlacklistedIp,
                format!("{}: {reason}", origin.host),
            ));
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
            let e = last_err.map_or_else(
                || HttpError::new(ErrorKind::Dial, "no address to connect to"),
                |e| HttpError::from_io(&e),
            );
            return Err(HttpError::new(
                e.kind,
                format!("dial {}:{}: {}", origin.host, origin.port, e.message),
            ));
        }
    };
    let _ = tcp.set_nodelay(true);
    let connecting = connect_start.elapsed();
    let peer = tcp
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::new(IpAddr::from([0, 0, 0, 0]), origin.port));

    let probe = Probe::new();
    let timed = TimedStream::new(tcp, probe.clone()).map_err(|e| HttpError::from_io(&e))?;
    let tls_start = Instant::now();
    let stream: Box<dyn Stream> = if origin.https {
        let name = rustls::pki_types::ServerName::try_from(origin.host.clone()).map_err(|e| {
            HttpError::invalid(format!(
                "host {:?} is not a valid TLS server name: {e}",
                origin.host
            ))
        })?;
        let connector = tokio_rustls::TlsConnector::from(tls.clone());
        let s = connector
            .connect(name, timed)
            .await
            .map_err(|e| HttpError::from_tls(&origin.host, &e))?;
        Box::new(s)
    } else {
        Box::new(timed)
    };
    let tls_time = if origin.https {
        tls_start.elapsed()
    } else {
        Duration::ZERO
    };

    Ok(Opened {
        conn: Conn {
            stream,
            probe,
            peer,
        },
        dns,
        connecting,
        tls: tls_time,
    })
}
