//! Why a request produced no response, classified once, where it happens,
//! into k6's error codes. This table is the one place the codes live: the
//! metrics' `error_code` tag, the WIT contract's documentation and every
//! SDK take them from here.
//!
//! | code | kind | k6's meaning |
//! |---|---|---|
//! | 1000 | [`ErrorKind::Other`] | an error k6 has no code for (HTTP/1 protocol errors) |
//! | 1010 | [`ErrorKind::NonTcpNetwork`] | a network error that is not TCP |
//! | 1020 | [`ErrorKind::InvalidUrl`] | invalid URL (or request) |
//! | 1050 | [`ErrorKind::Timeout`] | request timeout |
//! | 1090 | [`ErrorKind::Interrupted`] | Volley: in flight when the run stopped hard |
//! | 1100 | [`ErrorKind::Dns`] | DNS lookup failed |
//! | 1101 | [`ErrorKind::NoSuchHost`] | no such host |
//! | 1110 | [`ErrorKind::BlacklistedIp`] | the IP is blacklisted (`blacklistIPs`, `--block-private`) |
//! | 1111 | [`ErrorKind::BlockedHostname`] | the host name is blocked (`blockHostnames`, `--allow-host`) |
//! | 1200 | [`ErrorKind::Tcp`] | a TCP error |
//! | 1201 | [`ErrorKind::BrokenPipe`] | broken pipe |
//! | 1202 | [`ErrorKind::UnknownErrno`] | an unknown errno |
//! | 1210 | [`ErrorKind::Dial`] | dial error |
//! | 1211 | [`ErrorKind::DialTimeout`] | dial timeout |
//! | 1212 | [`ErrorKind::Refused`] | connection refused |
//! | 1220 | [`ErrorKind::Reset`] | connection reset by peer |
//! | 1300 | [`ErrorKind::Tls`] | a TLS error |
//! | 1301 | [`ErrorKind::TlsHeader`] | not TLS (bad record header) |
//! | 1310 | [`ErrorKind::UnknownAuthority`] | x509: unknown authority |
//! | 1311 | [`ErrorKind::HostnameMismatch`] | x509: certificate doesn't match hostname |
//! | 1400–1599 | (a response) | HTTP status 400–599: `1000 + status` |
//! | 1701 | [`ErrorKind::Decompression`] | the body could not be decompressed |
//! | 1702 | [`ErrorKind::BodyTooLarge`] | Volley: the body is over the VU's buffer budget |

use std::io;

/// What kind of failure, with its k6 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 1000: no more specific code.
    Other,
    /// 1010: a network error that is not TCP.
    NonTcpNetwork,
    /// 1020: the URL or the request is invalid; nothing was sent.
    InvalidUrl,
    /// 1050: the request (redirects included) took longer than its timeout.
    Timeout,
    /// 1090: the request was in flight when the run stopped hard.
    Interrupted,
    /// 1100: the DNS lookup failed.
    Dns,
    /// 1101: no such host.
    NoSuchHost,
    /// 1110: every address of the host is blocked; no connection was made.
    BlacklistedIp,
    /// 1111: the host name is blocked or not allowed; no connection was made.
    BlockedHostname,
    /// 1200: a TCP error.
    Tcp,
    /// 1201: broken pipe.
    BrokenPipe,
    /// 1202: an unknown errno.
    UnknownErrno,
    /// 1210: dial error.
    Dial,
    /// 1211: the connect timed out.
    DialTimeout,
    /// 1212: connection refused.
    Refused,
    /// 1220: connection reset by peer.
    Reset,
    /// 1300: a TLS error.
    Tls,
    /// 1301: the server did not speak TLS.
    TlsHeader,
    /// 1310: the certificate's authority is unknown.
    UnknownAuthority,
    /// 1311: the certificate does not match the host name.
    HostnameMismatch,
    /// 1701: the body could not be decompressed.
    Decompression,
    /// 1702: the body was over the VU's buffer budget.
    BodyTooLarge,
}

impl ErrorKind {
    /// k6's `error_code`.
    pub const fn code(self) -> u32 {
        match self {
            ErrorKind::Other => 1000,
            ErrorKind::NonTcpNetwork => 1010,
            ErrorKind::InvalidUrl => 1020,
            ErrorKind::Timeout => 1050,
            ErrorKind::Interrupted => 1090,
            ErrorKind::Dns => 1100,
            ErrorKind::NoSuchHost => 1101,
            ErrorKind::BlacklistedIp => 1110,
            ErrorKind::BlockedHostname => 1111,
            ErrorKind::Tcp => 1200,
            ErrorKind::BrokenPipe => 1201,
            ErrorKind::UnknownErrno => 1202,
            ErrorKind::Dial => 1210,
            ErrorKind::DialTimeout => 1211,
            ErrorKind::Refused => 1212,
            ErrorKind::Reset => 1220,
            ErrorKind::Tls => 1300,
            ErrorKind::TlsHeader => 1301,
            ErrorKind::UnknownAuthority => 1310,
            ErrorKind::HostnameMismatch => 1311,
            ErrorKind::Decompression => 1701,
            ErrorKind::BodyTooLarge => 1702,
        }
    }

    /// A short label for reports (`timeout`, `connection refused`, ...).
    pub const fn label(self) -> &'static str {
        match self {
            ErrorKind::Other => "protocol error",
            ErrorKind::NonTcpNetwork => "network error",
            ErrorKind::InvalidUrl => "invalid request",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Dns => "DNS lookup failed",
            ErrorKind::NoSuchHost => "no such host",
            ErrorKind::BlacklistedIp => "blocked IP",
            ErrorKind::BlockedHostname => "blocked host name",
            ErrorKind::Tcp | ErrorKind::UnknownErrno | ErrorKind::Dial => "connection failed",
            ErrorKind::BrokenPipe => "broken pipe",
            ErrorKind::DialTimeout => "connect timeout",
            ErrorKind::Refused => "connection refused",
            ErrorKind::Reset => "connection reset",
            ErrorKind::Tls | ErrorKind::TlsHeader => "TLS handshake failed",
            ErrorKind::UnknownAuthority => "unknown certificate authority",
            ErrorKind::HostnameMismatch => "certificate name mismatch",
            ErrorKind::Decompression => "decompression failed",
            ErrorKind::BodyTooLarge => "body over budget",
        }
    }

    /// The message k6 puts in the `error` tag for this code (generic, so
    /// the tag has few values).
    pub const fn k6_message(self) -> &'static str {
        match self {
            ErrorKind::Other => "protocol error",
            ErrorKind::NonTcpNetwork => "network error",
            ErrorKind::InvalidUrl => "invalid URL",
            ErrorKind::Timeout => "request timeout",
            ErrorKind::Interrupted => "request interrupted",
            ErrorKind::Dns => "lookup failed",
            ErrorKind::NoSuchHost => "lookup: no such host",
            ErrorKind::BlacklistedIp => "ip is blacklisted",
            ErrorKind::BlockedHostname => "hostname is blocked",
            ErrorKind::Tcp => "tcp error",
            ErrorKind::BrokenPipe => "write: broken pipe",
            ErrorKind::UnknownErrno => "unknown errno",
            ErrorKind::Dial => "dial error",
            ErrorKind::DialTimeout => "dial: i/o timeout",
            ErrorKind::Refused => "dial: connection refused",
            ErrorKind::Reset => "read: connection reset by peer",
            ErrorKind::Tls => "tls error",
            ErrorKind::TlsHeader => "tls: first record does not look like a TLS handshake",
            ErrorKind::UnknownAuthority => "x509: unknown authority",
            ErrorKind::HostnameMismatch => "x509: certificate doesn't match hostname",
            ErrorKind::Decompression => "error decompressing response body",
            ErrorKind::BodyTooLarge => "response body over budget",
        }
    }

    /// The kind of a k6 code, if it is one of the table's.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// Every kind, in code order.
pub const ALL: [ErrorKind; 22] = [
    ErrorKind::Other,
    ErrorKind::NonTcpNetwork,
    ErrorKind::InvalidUrl,
    ErrorKind::Timeout,
    ErrorKind::Interrupted,
    ErrorKind::Dns,
    ErrorKind::NoSuchHost,
    ErrorKind::BlacklistedIp,
    ErrorKind::BlockedHostname,
    ErrorKind::Tcp,
    ErrorKind::BrokenPipe,
    ErrorKind::UnknownErrno,
    ErrorKind::Dial,
    ErrorKind::DialTimeout,
    ErrorKind::Refused,
    ErrorKind::Reset,
    ErrorKind::Tls,
    ErrorKind::TlsHeader,
    ErrorKind::UnknownAuthority,
    ErrorKind::HostnameMismatch,
    ErrorKind::Decompression,
    ErrorKind::BodyTooLarge,
];

/// k6's `error_code` of a response with `status` (0 below 400).
pub const fn status_code(status: u16) -> u32 {
    if status >= 400 {
        1000 + status as u32
    } else {
        0
    }
}

/// The label of a failure by code and status, for reports.
pub fn label_of(code: u32, status: u16) -> String {
    match ErrorKind::from_code(code) {
        Some(kind) => kind.label().to_string(),
        None if status != 0 => format!("HTTP {status}"),
        None => format!("error {code}"),
    }
}

/// Why a request produced no response: its kind (and k6 code) and what
/// happened, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HttpError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
}

impl HttpError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// k6's `error_code`.
    pub fn code(&self) -> u32 {
        self.kind.code()
    }

    /// The request timed out.
    pub fn timeout() -> Self {
        Self::new(ErrorKind::Timeout, "request timeout")
    }

    /// The server broke HTTP.
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Other, message)
    }

    /// The request is malformed; nothing was sent.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidUrl, message)
    }

    /// Classify an I/O error on a connection.
    pub(crate) fn from_io(e: &io::Error) -> HttpError {
        let (kind, what) = match e.kind() {
            io::ErrorKind::ConnectionRefused => (ErrorKind::Refused, "connection refused"),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                (ErrorKind::Reset, "connection reset by peer")
            }
            io::ErrorKind::BrokenPipe => (ErrorKind::BrokenPipe, "broken pipe"),
            io::ErrorKind::TimedOut => (ErrorKind::DialTimeout, "dial: i/o timeout"),
            io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable => (ErrorKind::Dial, "dial: address not reachable"),
            io::ErrorKind::UnexpectedEof => (ErrorKind::Other, "unexpected EOF"),
            _ => return HttpError::new(ErrorKind::Tcp, e.to_string()),
        };
        HttpError::new(kind, what)
    }

    /// Classify a failed TLS handshake by rustls's error, not its text.
    pub(crate) fn from_tls(host: &str, e: &io::Error) -> HttpError {
        use rustls::{CertificateError, Error as Tls};
        let rustls = e.get_ref().and_then(|inner| inner.downcast_ref::<Tls>());
        let kind = match rustls {
            Some(Tls::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                ErrorKind::UnknownAuthority
            }
            Some(Tls::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => ErrorKind::HostnameMismatch,
            Some(Tls::InvalidMessage(_)) => ErrorKind::TlsHeader,
            Some(_) => ErrorKind::Tls,
            None => return HttpError::from_io(e),
        };
        HttpError::new(kind, format!("TLS handshake with {host} failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_k6() {
        assert_eq!(HttpError::timeout().code(), 1050);
        assert_eq!(
            HttpError::from_io(&io::Error::from(io::ErrorKind::ConnectionRefused)).code(),
            1212
        );
        assert_eq!(
            HttpError::from_io(&io::Error::from(io::ErrorKind::ConnectionReset)).code(),
            1220
        );
        assert_eq!(HttpError::invalid("x").code(), 1020);
        assert_eq!(ErrorKind::BlockedHostname.code(), 1111);
        assert_eq!(ErrorKind::BlacklistedIp.code(), 1110);
        assert_eq!(status_code(404), 1404);
        assert_eq!(status_code(503), 1503);
        assert_eq!(status_code(302), 0);
        // Codes are unique and the lookup finds each.
        for k in ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(label_of(0, 503), "HTTP 503");
        assert_eq!(label_of(1503, 503), "HTTP 503");
        assert_eq!(label_of(1110, 0), "blocked IP");
    }
}
