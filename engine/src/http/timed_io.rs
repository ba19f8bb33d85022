//! A stream wrapper that counts the bytes on the wire and notes when the
//! request's last byte was written and the response's first and latest
//! bytes arrived, which is how `sending`, `waiting` and `receiving` are
//! measured.
//!
//! On Linux the arrival times are the kernel's (`SO_TIMESTAMPNS`: when the
//! data reached the socket), not when a worker thread got round to reading
//! it, so a busy engine (guests running on every worker) does not add its
//! own delay to the server's measured latency. Where the kernel gives no
//! stamp (another OS, the first packets after the kernel turns stamping
//! on), the time of the read stands in.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

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
    last_read: AtomicU64,
}

/// The marks of one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub last_write: Option<Instant>,
    pub first_read: Option<Instant>,
    /// When the latest data read arrived.
    pub last_read: Option<Instant>,
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
            last_read: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        self.mark(Instant::now())
    }

    fn mark(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX - 1)
            + 1
    }

    fn at(&self, mark: u64) -> Option<Instant> {
        (mark != 0).then(|| self.epoch + Duration::from_nanos(mark - 1))
    }

    /// Start a request: forget the previous request's marks.
    pub(crate) fn begin(&self) -> (u64, u64) {
        self.last_write.store(0, Ordering::Relaxed);
        self.first_read.store(0, Ordering::Relaxed);
        self.last_read.store(0, Ordering::Relaxed);
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
            last_read: self.at(self.last_read.load(Ordering::Relaxed)),
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

    /// `n` bytes read that arrived `at` (now when the kernel did not say).
    fn got(&self, n: usize, at: Option<Instant>) {
        if n > 0 {
            self.read.fetch_add(n as u64, Ordering::Relaxed);
            let at = self.mark(at.unwrap_or_else(Instant::now));
            let _ = self
                .first_read
                .compare_exchange(0, at, Ordering::Relaxed, Ordering::Relaxed);
            self.last_read.fetch_max(at, Ordering::Relaxed);
        }
    }
}

/// A TCP stream that reports to a [`Probe`].
pub(crate) struct TimedStream {
    inner: kernel::Socket,
    probe: Arc<Probe>,
}

impl TimedStream {
    pub(crate) fn new(inner: TcpStream, probe: Arc<Probe>) -> io::Result<Self> {
        Ok(Self {
            inner: kernel::Socket::new(inner)?,
            probe,
        })
    }

    /// Whether the kernel stamps this socket's arriving data.
    #[cfg(test)]
    fn stamped(&self) -> bool {
        self.inner.stamped()
    }

    /// Ready when a read would not wait (see [`super::h1::Stream`]).
    pub(crate) fn poll_arrival(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_read_ready(cx)
    }
}

impl AsyncRead for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let (n, at) = std::task::ready!(this.inner.poll_read(cx, buf))?;
        this.probe.got(n, at);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = self.inner.poll_write(cx, data);
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
        let r = self.inner.poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            self.probe.wrote(n);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the socket.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_shutdown(cx)
    }
}

/// The socket, read with `recvmsg` for the kernel's receive timestamps
/// (`SO_TIMESTAMPNS`).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod kernel {
    use std::io::{self, Write};
    use std::mem::{MaybeUninit, size_of};
    use std::net::Shutdown;
    use std::os::fd::AsRawFd;
    use std::task::{Context, Poll, ready};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use tokio::io::ReadBuf;
    use tokio::io::unix::AsyncFd;
    use tokio::net::TcpStream;

    /// A non-blocking TCP socket registered with tokio's reactor. Reads
    /// are tokio's own but for `recvmsg`: a read that leaves room in the
    /// buffer has drained the socket, so its readiness is cleared and the
    /// next read waits for new data instead of asking the kernel again.
    pub(super) struct Socket {
        fd: AsyncFd<std::net::TcpStream>,
        stamped: bool,
    }

    impl Socket {
        pub(super) fn new(tcp: TcpStream) -> io::Result<Self> {
            // Still non-blocking after `into_std`.
            let tcp = tcp.into_std()?;
            let stamped = stamp_arrivals(&tcp);
            // SAFETY: the stream owns its descriptor, which nothing else
            // closes or replaces while the `AsyncFd` holds it.
            let fd = unsafe { AsyncFd::register(tcp)? };
            Ok(Self { fd, stamped })
        }

        #[cfg(test)]
        pub(super) fn stamped(&self) -> bool {
            self.stamped
        }

        /// Ready when the socket is readable; the readiness stays set for
        /// the read that follows.
        pub(super) fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.fd.poll_read_ready(cx).map_ok(|_| ())
        }

        /// Read what is there into `buf`: the bytes read and when the
        /// latest of them arrived, if the kernel said.
        pub(super) fn poll_read(
            &mut self,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<(usize, Option<Instant>)>> {
            let room = buf.remaining();
            if room == 0 {
                return Poll::Ready(Ok((0, None)));
            }
            loop {
                let mut ready = ready!(self.fd.poll_read_ready(cx))?;
                match read_stamped(self.fd.get_ref(), buf, self.stamped) {
                    Ok((n, at)) => {
                        if n > 0 && n < room {
                            ready.clear_ready();
                        }
                        return Poll::Ready(Ok((n, at)));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => ready.clear_ready(),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }

        pub(super) fn poll_write(
            &mut self,
            cx: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_with(cx, |mut s| s.write(data))
        }

        pub(super) fn poll_write_vectored(
            &mut self,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_with(cx, |mut s| s.write_vectored(bufs))
        }

        /// Write with `write`, trying the socket before asking the reactor.
        /// A registration knows no readiness until the reactor has turned
        /// once, and a new connection's socket was registered just now (its
        /// connect awaited readiness on tokio's registration, which
        /// `into_std` dropped): waiting for that turn put a reactor
        /// round-trip, 0.5 ms idle and several under load, into the
        /// `sending` time of every new connection's first request. A
        /// request almost always fits the send buffer, so the write is
        /// tried first and readiness awaited only when the kernel says
        /// the buffer is full.
        fn poll_write_with(
            &mut self,
            cx: &mut Context<'_>,
            mut write: impl FnMut(&std::net::TcpStream) -> io::Result<usize>,
        ) -> Poll<io::Result<usize>> {
            loop {
                match write(self.fd.get_ref()) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    done => return Poll::Ready(done),
                }
            }
            loop {
                let mut ready = ready!(self.fd.poll_write_ready(cx))?;
                if let Ok(r) = ready.try_io(|s| write(s.get_ref())) {
                    return Poll::Ready(r);
                }
            }
        }

        pub(super) fn poll_shutdown(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(self.fd.get_ref().shutdown(Shutdown::Write))
        }
    }

    /// Ask the kernel to stamp the data arriving on `tcp`; false when it
    /// refuses.
    fn stamp_arrivals(tcp: &std::net::TcpStream) -> bool {
        let on: libc::c_int = 1;
        // SAFETY: a valid socket descriptor, and an option value that is a
        // c_int of the size given.
        let r = unsafe {
            libc::setsockopt(
                tcp.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        r == 0
    }

    /// Room for one `SCM_TIMESTAMPNS` message (a `timespec`), aligned for
    /// `cmsghdr`.
    #[repr(C, align(8))]
    struct Control([u8; 64]);

    /// One non-blocking `recvmsg` into `buf`, with room for the arrival
    /// stamp when the socket is `stamped`.
    fn read_stamped(
        tcp: &std::net::TcpStream,
        buf: &mut ReadBuf<'_>,
        stamped: bool,
    ) -> io::Result<(usize, Option<Instant>)> {
        // SAFETY: the bytes `recvmsg` writes are initialised before
        // `assume_init`; nothing reads the rest.
        let unfilled: &mut [MaybeUninit<u8>] = unsafe { buf.unfilled_mut() };
        let mut control = Control([0; 64]);
        let mut iov = libc::iovec {
            iov_base: unfilled.as_mut_ptr().cast(),
            iov_len: unfilled.len(),
        };
        // SAFETY: a zeroed msghdr is valid (no name, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if stamped {
            msg.msg_control = control.0.as_mut_ptr().cast();
            msg.msg_controllen = control.0.len() as _;
        }
        // SAFETY: iov points into `unfilled` and control into `control`,
        // both live and of the lengths given.
        let n = unsafe { libc::recvmsg(tcp.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        let stamp = if stamped { stamp_of(&msg) } else { None };
        // SAFETY: recvmsg initialised the first `n` bytes.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Ok((n, stamp.and_then(instant_of)))
    }

    /// The `SCM_TIMESTAMPNS` of a received message.
    fn stamp_of(msg: &libc::msghdr) -> Option<libc::timespec> {
        // SAFETY: the CMSG_* macros walk the control buffer recvmsg filled,
        // within the length it set; the data read is a timespec when the
        // header says SCM_TIMESTAMPNS, read unaligned.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let data = libc::CMSG_DATA(cmsg).cast::<libc::timespec>();
                    return Some(data.read_unaligned());
                }
                cmsg = libc::CMSG_NXTHDR(msg, cmsg);
            }
        }
        None
    }

    /// A wall-clock stamp as an `Instant`: as far before now as it is
    /// before the wall clock's now (a stamp after it, as a stepped clock
    /// could give, is now). The probe clamps it to after its connection
    /// opened and the timings to after the request was written.
    fn instant_of(ts: libc::timespec) -> Option<Instant> {
        let now = Instant::now();
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
        let secs = u64::try_from(ts.tv_sec).ok()?;
        let nanos = u32::try_from(ts.tv_nsec).ok()?;
        let age = wall
            .checked_sub(Duration::new(secs, nanos))
            .unwrap_or_default();
        now.checked_sub(age)
    }
}

/// Elsewhere, tokio's stream: no kernel stamps, reads are timed when they
/// happen.
#[cfg(not(target_os = "linux"))]
mod kernel {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll, ready};
    use std::time::Instant;

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio::net::TcpStream;

    pub(super) struct Socket(TcpStream);

    impl Socket {
        pub(super) fn new(tcp: TcpStream) -> io::Result<Self> {
            Ok(Self(tcp))
        }

        #[cfg(test)]
        pub(super) fn stamped(&self) -> bool {
            false
        }

        pub(super) fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.0.poll_read_ready(cx)
        }

        pub(super) fn poll_read(
            &mut self,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<(usize, Option<Instant>)>> {
            let before = buf.filled().len();
            ready!(Pin::new(&mut self.0).poll_read(cx, buf))?;
            Poll::Ready(Ok((buf.filled().len() - before, None)))
        }

        pub(super) fn poll_write(
            &mut self,
            cx: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.0).poll_write(cx, data)
        }

        pub(super) fn poll_write_vectored(
            &mut self,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
        }

        pub(super) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.0).poll_shutdown(cx)
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A loopback connection: the client side timed, just registered (no
    /// await after the registration), and the server side.
    async fn connected() -> (TimedStream, TcpStream, Arc<Probe>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("address"))
            .await
            .expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let probe = Probe::new();
        let timed = TimedStream::new(client, probe.clone()).expect("register");
        (timed, server, probe)
    }

    /// Data that waited in the socket before a busy engine read it is
    /// stamped with when it arrived, not when it was read.
    #[tokio::test]
    async fn reads_are_stamped_when_the_data_arrived() {
        let (mut timed, mut server, probe) = connected().await;
        assert!(timed.stamped(), "the kernel stamps loopback TCP");
        // The kernel turns stamping on a moment after the first socket asks.
        tokio::time::sleep(Duration::from_millis(50)).await;
        for round in 0..2 {
            let begin = probe.begin();
            server.write_all(b"hello").await.expect("write");
            let sent = Instant::now();
            // The engine is busy elsewhere for 100 ms.
            std::thread::sleep(Duration::from_millis(100));
            let mut buf = [0u8; 16];
            let n = timed.read(&mut buf).await.expect("read");
            let read = Instant::now();
            assert_eq!(&buf[..n], b"hello");
            let marks = probe.marks(begin);
            let (first, last) = (
                marks.first_read.expect("first read"),
                marks.last_read.expect("last read"),
            );
            assert_eq!(first, last, "one read");
            assert!(
                read.duration_since(first) >= Duration::from_millis(90),
                "round {round}: stamped {:?} after it was sent, read {:?} after",
                first.saturating_duration_since(sent),
                read.duration_since(sent)
            );
            assert_eq!(marks.read, 5);
        }
    }

    /// A new connection's first write goes out when it is polled, without
    /// waiting for the reactor to report the fresh registration writable
    /// (that wait was counted as `http_req_sending`); a full send buffer
    /// still parks the writer until there is room.
    #[tokio::test(flavor = "current_thread")]
    async fn a_new_connection_writes_at_once_and_a_full_one_waits() {
        let (mut timed, mut server, probe) = connected().await;
        let mut cx = Context::from_waker(std::task::Waker::noop());
        // No await between the registration and this poll: the reactor
        // has not turned.
        match Pin::new(&mut timed).poll_write(&mut cx, b"GET / HTTP/1.1\r\n\r\n") {
            Poll::Ready(Ok(n)) => assert_eq!(n, 18),
            other => panic!("the first write waited: {other:?}"),
        }
        assert_eq!(probe.marks((0, 0)).written, 18);
        let mut buf = [0u8; 18];
        server.read_exact(&mut buf).await.expect("read");
        // Fill the send buffer (the server reads nothing meanwhile).
        let chunk = vec![0u8; 1 << 16];
        let mut sent = 0usize;
        let mut blocked = false;
        for _ in 0..10_000 {
            match Pin::new(&mut timed).poll_write(&mut cx, &chunk) {
                Poll::Ready(Ok(n)) => sent += n,
                Poll::Ready(Err(e)) => panic!("write failed: {e}"),
                Poll::Pending => {
                    blocked = true;
                    break;
                }
            }
        }
        assert!(blocked, "the send buffer never filled after {sent} bytes");
        // Once the server drains, the parked write completes.
        let drain = tokio::spawn(async move {
            let mut sink = vec![0u8; 1 << 16];
            let mut got = 0usize;
            while got < sent + 1 {
                let n = server.read(&mut sink).await.expect("drain");
                assert!(n > 0, "closed early");
                got += n;
            }
        });
        let n = tokio::time::timeout(Duration::from_secs(5), timed.write(&chunk[..1]))
            .await
            .expect("the parked write completes once there is room")
            .expect("write");
        assert_eq!(n, 1);
        drain.await.expect("drain task");
    }
}
