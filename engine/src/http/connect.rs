//! Opening a connection: DNS, TCP connect and TLS, each timed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::HttpError;
use super::h1::{self, Stream};
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

/// An open HTTP/1.1 connection, idle in the pool or carrying one request.
/// It holds no buffer of its own: a request's buffers live as long as the
/// request.
pub(crate) struct Conn {
    pub stream: Box<dyn Stream>,
    pub probe: Arc<Probe>,
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

    Ok(Opened {
        conn: Conn { stream, probe },
        dns,
        connecting,
        tls: tls_time,
    })
}
