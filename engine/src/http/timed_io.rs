//! A stream wrapper that counts the bytes on the wire and notes when the
//! request's last byte was written and the response's first byte read,
//! which is how `sending`, `waiting` and `receiving` are measured.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What a connection's stream saw. One HTTP/1.1 request is in flight per
/// connection at a time, so marks between [`Probe::begin`] and the end of
/// the response belong to that request.
#[derive(Debug)]
pub(crate) struct Probe {
    epoch: Instant,
    written: AtomicU64,
    read: AtomicU64,
    /// Nanoseconds since `epoch` (+1, so 0 means "not yet").
    last_write: AtomicU64,
    first_read: AtomicU64,
}

/// The marks of one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub last_write: Option<Instant>,
    pub first_read: Option<Instant>,
    pub written: u64,
    pub read: u64,
}

impl Probe {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            epoch: Instant::now(),
            written: AtomicU64::new(0),
            read: AtomicU64::new(0),
            last_write: AtomicU64::new(0),
            first_read: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1) + 1
    }

    fn at(&self, mark: u64) -> Option<Instant> {
        (mark != 0).then(|| self.epoch + Duration::from_nanos(mark - 1))
    }

    /// Start a request: forget the previous request's marks.
    pub(crate) fn begin(&self) -> (u64, u64) {
        self.last_write.store(0, Ordering::Relaxed);
        self.first_read.store(0, Ordering::Relaxed);
        (
            self.written.load(Ordering::Relaxed),
            self.read.load(Ordering::Relaxed),
        )
    }

    /// The marks since `begin` returned `start`.
    pub(crate) fn marks(&self, start: (u64, u64)) -> Marks {
        Marks {
            last_write: self.at(self.last_write.load(Ordering::Relaxed)),
            first_read: self.at(self.first_read.load(Ordering::Relaxed)),
            written: self.written.load(Ordering::Relaxed).saturating_sub(start.0),
            read: self.read.load(Ordering::Relaxed).saturating_sub(start.1),
        }
    }

    fn wrote(&self, n: usize) {
        if n > 0 {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
            self.last_write.store(self.now(), Ordering::Relaxed);
        }
    }

    fn got(&self, n: usize) {
        if n > 0 {
            self.read.fetch_add(n as u64, Ordering::Relaxed);
            let now = self.now();
            let _ = self
                .first_read
                .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }
}

/// A stream that reports to a [`Probe`].
pub(crate) struct TimedStream<S> {
    inner: S,
    probe: Arc<Probe>,
}

impl<S> TimedStream<S> {
    pub(crate) fn new(inner: S, probe: Arc<Probe>) -> Self {
        Self { inner, probe }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            self.probe.got(buf.filled().len() - before);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = r {
            self.probe.wrote(n);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            self.probe.wrote(n);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
