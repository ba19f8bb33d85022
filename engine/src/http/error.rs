//! Why a request produced no response, with k6's error codes.

use std::io;

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The request (redirects included) took longer than its timeout.
    #[error("request timed out")]
    Timeout,
    /// The host name did not resolve.
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    /// The TCP connection failed or broke.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// The server broke HTTP (bad response, closed mid-body, body too large).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The host is not allowed; no connection was made.
    #[error("host denied: {0}")]
    Denied(String),
    /// The host resolved only to blocked addresses; no connection was made.
    #[error("address blocked: {0}")]
    BlockedIp(String),
    /// The request is malformed (URL, method, header).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl HttpError {
    /// k6's `error_code` for this error (see k6's "Error codes" page):
    /// 1020 invalid URL, 1050 timeout, 1100 DNS, 1101 no IP for the host,
    /// 1110 blocked IP, 1111 blocked host name, 1200 TCP, 1201 broken pipe, 1212 connection
    /// refused, 1220 reset by peer, 1300 TLS, 1310 unknown authority, 1311
    /// name mismatch, 1000 anything else (HTTP/1 protocol errors).
    pub fn code(&self) -> u32 {
        match self {
            HttpError::Timeout => 1050,
            HttpError::Dns(m) if m.contains("no address") => 1101,
            HttpError::Dns(_) => 1100,
            HttpError::Connect(m) if m.contains("refused") => 1212,
            HttpError::Connect(m) if m.contains("reset") => 1220,
            HttpError::Connect(m) if m.contains("broken pipe") => 1201,
            HttpError::Connect(_) => 1200,
            HttpError::Tls(m) if m.contains("UnknownIssuer") || m.contains("unknown issuer") => {
                1310
            }
            HttpError::Tls(m)
                if m.contains("NotValidForName") || m.contains("not valid for name") =>
            {
                1311
            }
            HttpError::Tls(_) => 1300,
            HttpError::Protocol(_) => 1000,
            HttpError::Denied(_) => 1111,
            HttpError::BlockedIp(_) => 1110,
            HttpError::Invalid(_) => 1020,
        }
    }

    /// Classify an I/O error on a connection.
    pub(crate) fn from_io(e: &io::Error) -> HttpError {
        let what = match e.kind() {
            io::ErrorKind::ConnectionRefused => "connection refused",
            io::ErrorKind::ConnectionReset => "connection reset by peer",
            io::ErrorKind::BrokenPipe => "broken pipe",
            io::ErrorKind::TimedOut => "connect timed out",
            io::ErrorKind::AddrNotAvailable => "address not available",
            _ => return HttpError::Connect(e.to_string()),
        };
        HttpError::Connect(what.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_k6() {
        assert_eq!(HttpError::Timeout.code(), 1050);
        assert_eq!(
            HttpError::from_io(&io::Error::from(io::ErrorKind::ConnectionRefused)).code(),
            1212
        );
        assert_eq!(
            HttpError::from_io(&io::Error::from(io::ErrorKind::ConnectionReset)).code(),
            1220
        );
        assert_eq!(HttpError::Dns("no address for host".into()).code(), 1101);
        assert_eq!(HttpError::Invalid("x".into()).code(), 1020);
        assert_eq!(HttpError::Denied("x".into()).code(), 1111);
    }
}
