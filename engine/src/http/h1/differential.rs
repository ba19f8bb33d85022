//! Our HTTP/1.1 response parser against hyper's, on generated responses:
//! every valid response (Content-Length, chunked with extensions and
//! trailers, or until close; any header set; delivered in any pieces) must
//! read the same status, headers and body through both. And arbitrary bytes
//! must never make ours panic or hang, and must agree with `httparse` on
//! whether the head is valid.
//!
//! `PROPTEST_CASES` raises the case count for long runs
//! (`scripts/fuzz.sh`); CI runs the default.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

/// How the generated body is framed.
#[derive(Debug, Clone)]
enum Framing {
    Length,
    /// Chunk sizes (the body is split at them), with an extension on each.
    Chunked(Vec<usize>, bool),
    Close,
}

#[derive(Debug, Clone)]
struct Spec {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    framing: Framing,
    trailers: Vec<(String, String)>,
    /// Where the byte stream is cut into separate writes.
    cuts: Vec<usize>,
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,15}".prop_filter("not a framing header", |n| {
        let n = n.to_ascii_lowercase();
        !matches!(
            n.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "trailer"
        )
    })
}

fn value() -> impl Strategy<Value = String> {
    // Visible ASCII and spaces inside; no leading or trailing space (both
    // parsers trim it).
    "[!-~]([ -~]{0,30}[!-~])?"
}

fn spec() -> impl Strategy<Value = Spec> {
    let status = prop_oneof![200u16..=203, 205u16..=299, 400u16..=599];
    let headers = prop::collection::vec((token(), value()), 0..12);
    let body = prop::collection::vec(any::<u8>(), 0..3000);
    (
        status,
        headers,
        body,
        0..3u8,
        prop::collection::vec(1usize..700, 1..8),
        any::<bool>(),
        prop::collection::vec((token(), value()), 0..3),
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    )
        .prop_map(
            |(status, headers, body, kind, sizes, ext, trailers, cuts)| {
                let framing = match kind {
                    0 => Framing::Length,
                    1 => Framing::Chunked(sizes, ext),
                    _ => Framing::Close,
                };
                let trailers = if matches!(framing, Framing::Chunked(..)) {
                    trailers
                } else {
                    Vec::new()
                };
                Spec {
                    status,
                    headers,
                    body,
                    framing,
                    trailers,
                    cuts: cuts.iter().map(|i| i.index(usize::MAX / 2)).collect(),
                }
            },
        )
}

impl Spec {
    fn bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Reason\r\n", self.status).into_bytes();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        match &self.framing {
            Framing::Length => {
                out.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes(),
                );
                out.extend_from_slice(&self.body);
            }
            Framing::Chunked(sizes, ext) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                let mut rest = &self.body[..];
                let mut i = 0;
                while !rest.is_empty() {
                    let n = sizes[i % sizes.len()].min(rest.len());
                    let extension = if *ext { ";name=value" } else { "" };
                    out.extend_from_slice(format!("{n:x}{extension}\r\n").as_bytes());
                    out.extend_from_slice(&rest[..n]);
                    out.extend_from_slice(b"\r\n");
                    rest = &rest[n..];
                    i += 1;
                }
                out.extend_from_slice(b"0\r\n");
                for (k, v) in &self.trailers {
                    out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            Framing::Close => {
                out.extend_from_slice(b"Connection: close\r\n\r\n");
                out.extend_from_slice(&self.body);
            }
        }
        out
    }

    fn closes(&self) -> bool {
        matches!(self.framing, Framing::Close)
    }
}

/// Serve `bytes` in pieces on one end of a duplex pipe, after reading the
/// request; close after when `close`.
fn serve(bytes: Vec<u8>, cuts: Vec<usize>, close: bool) -> DuplexStream {
    let (client, mut server) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match server.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.sort_unstable();
        points.push(bytes.len());
        let mut at = 0;
        for p in points {
            if p > at {
                if server.write_all(&bytes[at..p]).await.is_err() {
                    return;
                }
                let _ = server.flush().await;
                tokio::task::yield_now().await;
                at = p;
            }
        }
        if close {
            drop(server);
        } else {
            // Keep the connection until the client is done.
            let _ = tokio::time::timeout(Duration::from_secs(5), server.read(&mut buf)).await;
        }
    });
    client
}

/// What a parser read: status, headers (lower-case names), body.
type Read = (u16, Vec<(String, String)>, Vec<u8>);

async fn ours(spec: &Spec) -> Read {
    let mut stream = serve(spec.bytes(), spec.cuts.clone(), spec.closes());
    let head = encode_request(&http::Method::GET, "/", &[], &super::tests::defaults(), 0)
        .expect("valid request");
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        exchange(&mut stream, &head, &Bytes::new(), 1 << 20, false),
    )
    .await
    .expect("ours finished")
    .expect("ours read a valid response");
    (r.status, r.headers, r.body.to_vec())
}

async fn hypers(spec: &Spec) -> Read {
    let stream = serve(spec.bytes(), spec.cuts.clone(), spec.closes());
    let (mut send, conn) =
        hyper::client::conn::http1::handshake::<_, http_body_util::Empty<Bytes>>(
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let req = http::Request::get("/")
        .header("host", "x")
        .body(http_body_util::Empty::new())
        .expect("request");
    let resp = tokio::time::timeout(Duration::from_secs(10), send.send_request(req))
        .await
        .expect("hyper finished")
        .expect("hyper read a valid response");
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("hyper body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

/// Headers as a sorted multiset, framing headers left out (hyper drops or
/// keeps some of them differently, and they are checked through the body).
fn comparable(mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        )
    });
    headers.sort();
    headers
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

use crate::robustness::config;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_responses_read_the_same_as_through_hyper(spec in spec()) {
        let rt = runtime();
        let (a, b) = rt.block_on(async { (ours(&spec).await, hypers(&spec).await) });
        prop_assert_eq!(a.0, b.0, "status");
        prop_assert_eq!(&a.2, &spec.body, "our body");
        prop_assert_eq!(&b.2, &spec.body, "hyper's body");
        prop_assert_eq!(comparable(a.1), comparable(b.1), "headers");
    }

    #[test]
    fn arbitrary_bytes_never_panic_or_hang_and_agree_with_httparse(
        prefix in prop_oneof![
            Just(Vec::new()),
            Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
            Just(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()),
            Just(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".to_vec()),
        ],
        tail in prop::collection::vec(any::<u8>(), 0..400),
        cuts in prop::collection::vec(0usize..400, 0..4),
    ) {
        let bytes: Vec<u8> = prefix.into_iter().chain(tail).collect();
        let rt = runtime();
        let result = rt.block_on(async {
            let mut stream = serve(bytes.clone(), cuts, true);
            let head = encode_request(&http::Method::GET, "/", &[], &super::tests::defaults(), 0)
                .expect("valid request");
            tokio::time::timeout(
                Duration::from_secs(10),
                exchange(&mut stream, &head, &Bytes::new(), 1 << 20, false),
            )
            .await
        });
        let result = result.expect("ours finished on arbitrary bytes");
        let mut headers = [httparse::EMPTY_HEADER; 1024];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(&bytes) {
            Ok(httparse::Status::Complete(_)) => {
                if let Ok(r) = &result
                    && parsed.code.is_some_and(|c| c >= 200)
                {
                    prop_assert_eq!(Some(r.status), parsed.code);
                }
            }
            // An invalid head is an error for us too.
            Err(_) => prop_assert!(result.is_err(), "httparse refused the head, we did not"),
            Ok(httparse::Status::Partial) => {}
        }
    }
}
