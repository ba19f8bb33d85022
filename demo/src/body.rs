//! The body of every demo-target response: a whole buffer (the hot path), a
//! buffer sent slowly in chunks (the `slow_body` fault), or a stream of
//! server-sent events (`GET /stream`).
//!
//! The body also closes the books on its request: when hyper drops it after
//! taking the last byte (hyper writes that byte in the same step), it tells
//! the timeline the request was answered and how long it took. A body
//! dropped before its end (the client left) is not counted as answered.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;

use super::conn::Conn;
use super::stream::EventStream;

/// A response body; see the module docs.
pub(crate) struct Body {
    kind: Kind,
    /// Whom to tell when the body is done; `None` for uncounted requests.
    done: Option<Done>,
}

/// The rare kinds are boxed, so a plain response stays small: hyper moves
/// it several times per request.
enum Kind {
    /// The whole body; `None` once sent (or when empty from the start).
    Full(Option<Bytes>),
    Slow(Box<Slow>),
    Events(Box<EventStream>),
}

/// The request a body answers, for the timeline.
struct Done {
    conn: Arc<Conn>,
    /// When the request was read, on the timeline's clock.
    started: u64,
}

impl Body {
    /// A body sent whole.
    pub(crate) fn full(bytes: Bytes) -> Body {
        let bytes = (!bytes.is_empty()).then_some(bytes);
        Body {
            kind: Kind::Full(bytes),
            done: None,
        }
    }

    /// A stream of server-sent events.
    pub(crate) fn events(events: EventStream) -> Body {
        Body {
            kind: Kind::Events(Box::new(events)),
            done: None,
        }
    }

    /// Sends a whole body in chunks of `chunk` bytes, `gap` apart; true if
    /// it did. Empty and streamed bodies are left as they are (nothing to
    /// slow; streams have their own pace).
    pub(crate) fn slow_down(&mut self, chunk: usize, gap: Duration) -> bool {
        let Kind::Full(Some(bytes)) = &mut self.kind else {
            return false;
        };
        self.kind = Kind::Slow(Box::new(Slow {
            rest: std::mem::take(bytes),
            chunk: chunk.max(1),
            gap,
            next: None,
        }));
        true
    }

    /// Counts the request as answered, `started` being when it was read,
    /// once the body has been handed over whole. Takes the connection's
    /// handle rather than the target's so the hot path touches no
    /// reference count shared between cores.
    pub(crate) fn report_to(&mut self, conn: Arc<Conn>, started: u64) {
        self.done = Some(Done { conn, started });
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let data = match &mut self.get_mut().kind {
            Kind::Full(bytes) => bytes.take(),
            Kind::Slow(slow) => ready!(slow.poll_chunk(cx)),
            Kind::Events(events) => ready!(events.poll_event(cx)),
        };
        Poll::Ready(data.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Slow(slow) => slow.rest.is_empty(),
            Kind::Events(events) => events.is_done(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        // Exact for buffers, so hyper sends content-length and keeps the
        // connection alive; unknown for events, so they go out chunked.
        match &self.kind {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Slow(slow) => SizeHint::with_exact(slow.rest.len() as u64),
            Kind::Events(_) => SizeHint::default(),
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if let Some(done) = self.done.take()
            && hyper::body::Body::is_end_stream(self)
        {
            done.conn
                .state
                .timeline
                .answered(done.started, Instant::now());
        }
    }
}

/// A buffer sent in chunks with a pause between them.
struct Slow {
    rest: Bytes,
    chunk: usize,
    gap: Duration,
    /// The pause before the next chunk; `None` before the first, which
    /// goes at once.
    next: Option<Pin<Box<Sleep>>>,
}

impl Slow {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        match &mut self.next {
            Some(sleep) => {
                ready!(sleep.as_mut().poll(cx));
                // Deadlines follow each other exactly, so timer lateness
                // does not add up over a long body.
                let next = sleep.deadline() + self.gap;
                sleep.as_mut().reset(next);
            }
            None => {
                self.next = Some(Box::pin(tokio::time::sleep(self.gap)));
            }
        }
        let len = self.chunk.min(self.rest.len());
        Poll::Ready(Some(self.rest.split_to(len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test(start_paused = true)]
    async fn slow_bodies_come_in_chunks_a_gap_apart() {
        let mut body = Body::full(Bytes::from_static(b"abcdefgh"));
        assert!(body.slow_down(3, Duration::from_millis(100)));
        assert_eq!(hyper::body::Body::size_hint(&body).exact(), Some(8));
        let start = tokio::time::Instant::now();
        let mut chunks = Vec::new();
        while let Some(frame) = body.frame().await {
            let data = frame.expect("infallible").into_data().expect("data frame");
            chunks.push((data, start.elapsed().as_millis()));
        }
        let expected = [("abc", 0), ("def", 100), ("gh", 200)];
        let expected: Vec<(Bytes, u128)> = expected
            .iter()
            .map(|(d, t)| (Bytes::from_static(d.as_bytes()), *t))
            .collect();
        assert_eq!(chunks, expected);
    }

    #[tokio::test]
    async fn empty_bodies_end_before_any_frame() {
        let mut body = Body::full(Bytes::new());
        assert!(hyper::body::Body::is_end_stream(&body));
        assert!(!body.slow_down(1, Duration::from_millis(1)));
    }
}
