//! Contract 0.1's `http`: whole responses as records, the body copied into
//! the guest (empty when discarded).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{Expect, RequestMeta, invalid};
use crate::host::HostState;
use crate::host::bindings::v1::http as wit;
use crate::http::{BodyMode, ErrorKind, HttpError, HttpRequest, HttpResponse};
use crate::metrics::TagSet;

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
    let expect = if req.expected_statuses.is_empty() {
        Expect::Default
    } else {
        Expect::Statuses(
            req.expected_statuses
                .iter()
                .map(|r| (r.min, r.max))
                .collect(),
        )
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
        body_mode: if req.discard_body || discard_all {
            BodyMode::Discard
        } else {
            BodyMode::Buffer
        },
        cookies: Vec::new(),
    };
    Ok((request, meta))
}

super::wit_timings!(wit);

/// The contract's error variant of `e` (its code is in the sample's
/// `error_code` tag; contract 0.1 has no field for it).
fn wit_error(e: HttpError) -> wit::Error {
    use ErrorKind as K;
    let m = e.message;
    match e.kind {
        K::Timeout | K::Interrupted => wit::Error::Timeout,
        K::Dns | K::NoSuchHost => wit::Error::Dns(m),
        K::Tcp
        | K::BrokenPipe
        | K::UnknownErrno
        | K::Dial
        | K::DialTimeout
        | K::Refused
        | K::Reset
        | K::NonTcpNetwork => wit::Error::Connect(m),
        K::Tls | K::TlsHeader | K::UnknownAuthority | K::HostnameMismatch => wit::Error::Tls(m),
        K::Other | K::Decompression | K::BodyTooLarge => wit::Error::Protocol(m),
        K::BlacklistedIp | K::BlockedHostname => wit::Error::Denied(m),
        K::InvalidUrl => wit::Error::Invalid(m),
    }
}

fn wit_response(r: HttpResponse) -> wit::Response {
    let body = r.body_bytes().to_vec();
    wit::Response {
        status: r.status,
        headers: r.headers,
        body,
        url: r.url,
        timings: wit_timings(&r.timings),
    }
}

impl HostState {
    /// Send 0.1 requests; invalid ones fail without being sent.
    async fn send_v1(
        &mut self,
        requests: Vec<wit::Request>,
    ) -> Vec<Result<wit::Response, wit::Error>> {
        let discard = self.run().http.discard_response_bodies;
        let mut out: Vec<Option<Result<wit::Response, wit::Error>>> =
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
        for ((ex, _), i) in self.send_all(valid).await.into_iter().zip(at) {
            out[i] = Some(ex.result.map(wit_response).map_err(wit_error));
        }
        out.into_iter()
            .map(|r| r.unwrap_or(Err(wit::Error::Invalid("request was not sent".into()))))
            .collect()
    }
}

impl wit::Host for HostState {
    async fn send(
        &mut self,
        request: wit::Request,
    ) -> wasmtime::Result<Result<wit::Response, wit::Error>> {
        let mut all = self.send_v1(vec![request]).await;
        Ok(all
            .pop()
            .unwrap_or(Err(wit::Error::Invalid("request was not sent".into()))))
    }

    async fn batch(
        &mut self,
        requests: Vec<wit::Request>,
    ) -> wasmtime::Result<Vec<Result<wit::Response, wit::Error>>> {
        Ok(self.send_v1(requests).await)
    }
}
