use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

pub(super) fn defaults() -> Defaults<'static> {
    Defaults {
        host: "127.0.0.1:8080",
        user_agent: "volley/test",
        cookie: None,
        accept_encoding: None,
    }
}

fn text(head: &RequestHead) -> String {
    String::from_utf8(head.bytes.clone()).expect("ASCII head")
}

fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn request_head_has_host_agent_and_length() {
    let h =
        encode_request(&http::Method::GET, "/a?b=1", &[], &defaults(), 0).expect("valid request");
    assert_eq!(
        text(&h),
        "GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: volley/test\r\n\r\n"
    );
    assert!(!h.head_only && !h.close);

    // A POST always says how long its body is, even when empty.
    let h = encode_request(&http::Method::POST, "", &[], &defaults(), 0).expect("valid request");
    assert!(text(&h).starts_with("POST / HTTP/1.1\r\n"));
    assert!(text(&h).contains("Content-Length: 0\r\n"));
}

#[test]
fn request_headers_override_the_engines_own() {
    let d = Defaults {
        cookie: Some("a=1"),
        ..defaults()
    };
    let given = hdrs(&[
        ("host", "example.test"),
        ("User-Agent", "mine"),
        ("Content-Length", "999"),
        ("X-Trace", "t1"),
        ("Connection", "close"),
    ]);
    let h = encode_request(&http::Method::PUT, "/x", &given, &d, 5).expect("valid request");
    let t = text(&h);
    assert!(t.contains("host: example.test\r\n"), "{t}");
    assert!(!t.contains("127.0.0.1"), "{t}");
    assert!(
        t.contains("User-Agent: mine\r\n") && !t.contains("volley/test"),
        "{t}"
    );
    assert!(t.contains("Cookie: a=1\r\n"), "{t}");
    // The engine frames the body: the guest's length is not sent.
    assert!(
        t.contains("Content-Length: 5\r\n") && !t.contains("999"),
        "{t}"
    );
    assert!(t.contains("X-Trace: t1\r\n"), "{t}");
    // A request's own Cookie header keeps the jar's cookies, after its own.
    let own = hdrs(&[("cookie", "b=2")]);
    let t = text(&encode_request(&http::Method::GET, "/", &own, &d, 0).expect("valid"));
    assert!(t.contains("cookie: b=2; a=1\r\n"), "{t}");
    assert_eq!(t.matches("ookie").count(), 1, "{t}");
    assert!(h.close);
}

#[test]
fn bad_request_headers_are_refused() {
    for (name, value, problem) in [
        ("bad name", "x", "header name"),
        ("x", "a\r\nInjected: 1", "header value"),
    ] {
        let e = encode_request(
            &http::Method::GET,
            "/",
            &hdrs(&[(name, value)]),
            &defaults(),
            0,
        )
        .expect_err("invalid request");
        assert!(
            e.kind == ErrorKind::InvalidUrl && e.message.contains(problem),
            "{e:?}"
        );
    }
}

#[test]
fn response_head_parses_in_pieces() {
    let raw = b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Two: a\r\nContent-Length: 2\r\n\r\nok";
    for cut in 0..raw.len() - 2 {
        assert!(
            parse_head(&raw[..cut], false)
                .expect("valid so far")
                .is_none(),
            "cut {cut}"
        );
    }
    let h = parse_head(raw, false).expect("valid").expect("whole");
    assert_eq!(h.status, 201);
    assert_eq!(h.len, raw.len() - 2);
    assert_eq!(h.framing, Framing::Length(2));
    assert!(h.keep_alive);
    assert_eq!(h.headers[0], ("content-type".into(), "text/plain".into()));
    assert_eq!(h.headers[1], ("x-two".into(), "a".into()));
}

#[test]
fn framing_and_keep_alive_follow_rfc_9112() {
    let head = |raw: &str, head_only: bool| {
        parse_head(raw.as_bytes(), head_only)
            .expect("valid")
            .expect("whole")
    };
    let h = head("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true);
    assert_eq!(h.framing, Framing::None);
    assert!(h.keep_alive);
    for status in ["204 No Content", "304 Not Modified"] {
        let h = head(&format!("HTTP/1.1 {status}\r\n\r\n"), false);
        assert_eq!(h.framing, Framing::None);
    }
    let h = head(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 4\r\n\r\n",
        false,
    );
    assert_eq!(h.framing, Framing::Chunked);
    let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false);
    assert_eq!(h.framing, Framing::UntilClose);
    assert!(!h.keep_alive);
    let h = head("HTTP/1.1 200 OK\r\n\r\n", false);
    assert_eq!(h.framing, Framing::UntilClose);
    assert!(!h.keep_alive);
    let h = head(
        "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
        false,
    );
    assert!(!h.keep_alive);
    let h = head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false);
    assert!(!h.keep_alive);
    let h = head(
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
        false,
    );
    assert!(h.keep_alive);
    let h = head("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n", false);
    assert_eq!(h.framing, Framing::Length(3));
}

#[test]
fn malformed_response_heads_are_protocol_errors() {
    for raw in [
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n",
    ] {
        let e = parse_head(raw.as_bytes(), false).expect_err("malformed");
        assert_eq!(e.kind, ErrorKind::Other, "{raw:?}: {e:?}");
    }
}

#[test]
fn many_headers_fall_back_to_a_larger_table() {
    let mut raw = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..200 {
        raw.push_str(&format!("X-H{i}: {i}\r\n"));
    }
    raw.push_str("Content-Length: 0\r\n\r\n");
    let h = parse_head(raw.as_bytes(), false)
        .expect("valid")
        .expect("whole");
    assert_eq!(h.headers.len(), 201);
    assert_eq!(h.headers[199], ("x-h199".into(), "199".into()));
}

fn sink(max: u64) -> BodySink {
    BodySink {
        body: BytesMut::new(),
        total: 0,
        max,
        discard: false,
    }
}

#[test]
fn chunked_body_decodes_byte_by_byte() {
    let raw =
        b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n";
    let mut dec = Chunked::default();
    let mut s = sink(1 << 20);
    let mut buf = BytesMut::new();
    let mut done = false;
    for (i, b) in raw.iter().enumerate() {
        assert!(!done, "ended early at byte {i}");
        buf.extend_from_slice(&[*b]);
        done = dec.decode(&mut buf, &mut s).expect("valid chunk");
    }
    assert!(done);
    assert!(buf.is_empty());
    assert_eq!(&s.body[..], b"Wikipedia in\r\n\r\nchunks.");
}

#[test]
fn chunked_body_errors() {
    for raw in [&b"zz\r\n"[..], b"2\r\nabc\r\n", b"ffffffffffffffffff\r\n"] {
        let mut buf = BytesMut::from(raw);
        let e = Chunked::default().decode(&mut buf, &mut sink(1 << 20));
        assert!(
            matches!(&e, Err(e) if e.kind == ErrorKind::Other),
            "{raw:?}: {e:?}"
        );
    }
    let mut buf = BytesMut::from(&b"8\r\n12345678\r\n0\r\n\r\n"[..]);
    let e = Chunked::default()
        .decode(&mut buf, &mut sink(4))
        .expect_err("too large");
    assert!(e.kind == ErrorKind::BodyTooLarge && e.message.contains("maxBodyBytes"));
}

/// A one-connection server on loopback that reads one request head and
/// answers with `parts`, pausing between them so they arrive apart.
async fn serve(
    parts: Vec<&'static [u8]>,
    close_after: bool,
) -> (TcpStream, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        for p in parts {
            s.write_all(p).await.expect("write");
            s.flush().await.expect("flush");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if close_after {
            drop(s);
        } else {
            // Hold the connection open until the client is done.
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
        }
        got
    });
    (TcpStream::connect(addr).await.expect("connect"), server)
}

async fn get(stream: &mut TcpStream, max: u64) -> Result<Response, HttpError> {
    let head = encode_request(&http::Method::GET, "/", &[], &defaults(), 0).expect("valid request");
    tokio::time::timeout(
        Duration::from_secs(10),
        exchange(stream, &head, &Bytes::new(), max, false),
    )
    .await
    .expect("exchange finished")
}

#[tokio::test]
async fn interim_then_chunked_response_over_a_socket() {
    let (mut stream, server) = serve(
        vec![
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
            b"\r\n3\r\nabc",
            b"\r\n2\r\nde\r\n0\r\n\r\n",
        ],
        false,
    )
    .await;
    let r = get(&mut stream, 1 << 20).await.expect("response");
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"abcde");
    assert!(r.reusable);
    assert!(idle_alive(&mut stream));
    drop(stream);
    let req = server.await.expect("server task");
    assert!(req.starts_with(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
}

#[tokio::test]
async fn length_body_in_pieces_and_body_until_close() {
    let (mut stream, _server) = serve(
        vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab",
            b"cd",
            b"ef",
        ],
        false,
    )
    .await;
    let r = get(&mut stream, 1 << 20).await.expect("response");
    assert_eq!(&r.body[..], b"abcdef");
    assert!(r.reusable);

    let (mut stream, _server) =
        serve(vec![b"HTTP/1.0 200 OK\r\n\r\nuntil", b" the end"], true).await;
    let r = get(&mut stream, 1 << 20).await.expect("response");
    assert_eq!(&r.body[..], b"until the end");
    assert!(!r.reusable);
}

#[tokio::test]
async fn early_close_and_oversized_bodies_fail() {
    let (mut stream, _server) = serve(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
        true,
    )
    .await;
    let e = get(&mut stream, 1 << 20).await.expect_err("fails");
    assert!(
        e.kind == ErrorKind::Reset && e.message.contains("before the response was complete"),
        "{e:?}"
    );

    let (mut stream, _server) = serve(
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"],
        false,
    )
    .await;
    let e = get(&mut stream, 4).await.expect_err("fails");
    assert!(
        e.kind == ErrorKind::BodyTooLarge && e.message.contains("maxBodyBytes"),
        "{e:?}"
    );

    let (mut stream, _server) = serve(vec![b"HTTP/1.1 200 OK\r\n"], true).await;
    assert!(get(&mut stream, 1 << 20).await.is_err());
}

#[tokio::test]
async fn a_connection_closed_while_idle_is_noticed() {
    let (mut stream, server) = serve(vec![b"HTTP/1.1 204 No Content\r\n\r\n"], true).await;
    let r = get(&mut stream, 1 << 20).await.expect("response");
    assert_eq!(r.status, 204);
    server.await.expect("server task");
    // The reactor learns of the close on its next turn; give it a few.
    let mut alive = true;
    for _ in 0..100 {
        alive = idle_alive(&mut stream);
        if !alive {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!alive);
}
