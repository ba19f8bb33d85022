//! One client connection: the socket wrapper that lets a handler reset the
//! connection or time-stamp a write, and the task that serves it.
//!
//! Handlers never own the socket (hyper does), so they talk to it through
//! [`ConnCtl`]: flags the socket wrapper checks when it writes, shuts down
//! or is dropped. A reset is a flag plus a service error: hyper drops the
//! connection, and the wrapper, seeing the flag, skips the FIN and sets
//! `SO_LINGER` to zero, so closing the socket sends a TCP RST.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::handlers;
use super::state::State;
use super::stream::Entry;

/// What a connection's requests share: the target, the peer, and the line
/// to the socket.
pub(crate) struct Conn {
    pub(crate) state: Arc<State>,
    pub(crate) peer: IpAddr,
    pub(crate) ctl: ConnCtl,
}

/// Requests from handlers to the socket.
#[derive(Default)]
pub(crate) struct ConnCtl {
    reset: AtomicBool,
    /// A stream's first event has been handed to hyper: the next write
    /// puts it on the wire.
    marked: AtomicBool,
    first_event: Mutex<Option<Arc<Entry>>>,
}

impl ConnCtl {
    /// Close with a TCP RST instead of a FIN.
    pub(crate) fn request_reset(&self) {
        self.reset.store(true, Ordering::Relaxed);
    }

    /// Records, in `entry`, the wall-clock time of the next successful
    /// write to the socket: the one that carries the first event.
    pub(crate) fn stamp_next_write(&self, entry: Arc<Entry>) {
        *self
            .first_event
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(entry);
        self.marked.store(true, Ordering::Release);
    }

    fn wrote(&self) {
        // One relaxed load per write when no stream waits for a stamp.
        if self.marked.load(Ordering::Relaxed) && self.marked.swap(false, Ordering::Acquire) {
            let entry = self
                .first_event
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(entry) = entry {
                entry.first_written_now();
            }
        }
    }
}

/// The socket as hyper sees it.
struct ConnIo {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.conn.ctl.wrote();
        }
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.conn.ctl.wrote();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.conn.ctl.reset.load(Ordering::Relaxed) {
            // A FIN first would let the client read a clean end of stream
            // before the RST.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.conn.ctl.reset.load(Ordering::Relaxed) {
            // Zero linger: close() discards unsent data and sends RST. If
            // the option cannot be set the client sees a plain close.
            let _ = self.stream.set_zero_linger();
        }
    }
}

/// Why a request ended without an answer; hyper then drops the connection.
#[derive(Debug)]
pub(crate) enum Abort {
    /// A reset fault: the connection goes with a TCP RST.
    Reset,
    /// A request that was never to be answered, and the target stopped.
    Stopped,
}

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Abort::Reset => "connection reset by a fault",
            Abort::Stopped => "target stopped",
        })
    }
}

impl std::error::Error for Abort {}

/// Serves one connection, keep-alive included, until the client leaves or
/// the target stops.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: IpAddr,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    // Responses are small and written whole: Nagle would only add latency.
    // Failure leaves a slower but working socket, so it is not fatal.
    let _ = stream.set_nodelay(true);
    let conn = Arc::new(Conn {
        state,
        peer,
        ctl: ConnCtl::default(),
    });
    let io = TokioIo::new(ConnIo {
        stream,
        conn: Arc::clone(&conn),
    });
    let service = service_fn(move |request| {
        // Read as soon as hyper has the head: the start of the time the
        // target reports for this request.
        let started = Instant::now();
        // This connection's handle: its count is touched by this core only.
        let conn = Arc::clone(&conn);
        async move { handlers::handle(conn, request, started).await }
    });
    let connection = http1::Builder::new().serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    // Connection errors (resets, clients vanishing mid-request) are routine
    // under load and say nothing about the target, so they are not logged.
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
