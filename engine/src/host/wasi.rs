//! The locked-down WASI context every guest gets: no filesystem, no
//! sockets, no host environment or arguments; stdout and stderr become log
//! lines prefixed with the VU id. The monotonic clock counts from one
//! instant shared by the whole process, so a time a guest stamps a record
//! with ([`instant_of`]) is an instant the engine can place.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use super::logs::LogLimiter;
use crate::log::{self, Level};

/// A WASI context that grants nothing but clocks, random and log output
/// (within the VU's log budget, `logs`).
pub(super) fn locked_down(vu: u64, logs: Arc<LogLimiter>) -> WasiCtx {
    let mut b = WasiCtxBuilder::new();
    b.stdout(LogStream {
        vu,
        level: Level::Info,
        logs: logs.clone(),
    })
    .stderr(LogStream {
        vu,
        level: Level::Warn,
        logs,
    })
    .allow_tcp(false)
    .allow_udp(false)
    .allow_ip_name_lookup(false)
    .monotonic_clock(EngineClock);
    b.build()
}

/// The origin of every guest's monotonic clock.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// The instant a guest's monotonic timestamp (nanoseconds) stands for.
pub(crate) fn instant_of(timestamp: u64) -> Instant {
    origin() + Duration::from_nanos(timestamp)
}

/// The guest timestamp (nanoseconds on its monotonic clock) of `at`.
pub(crate) fn timestamp_of(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(origin()).as_nanos()).unwrap_or(u64::MAX)
}

/// `wasi:clocks/monotonic-clock`, counted from [`origin`].
struct EngineClock;

impl wasmtime_wasi::HostMonotonicClock for EngineClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        u64::try_from(origin().elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// Guest output turned into log lines.
#[derive(Clone)]
struct LogStream {
    vu: u64,
    level: Level,
    logs: Arc<LogLimiter>,
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            stream: self.clone(),
            buf: Vec::new(),
        })
    }
}

/// Buffers bytes until a newline, then logs the line.
struct LineWriter {
    stream: LogStream,
    buf: Vec<u8>,
}

/// A line longer than this is logged in pieces rather than held.
const MAX_LINE: usize = 16 * 1024;

impl LineWriter {
    fn emit(&mut self, upto: usize) {
        let line: Vec<u8> = self.buf.drain(..upto).collect();
        let text = String::from_utf8_lossy(&line);
        // Rust's panic message starts with a newline: no empty log lines.
        if text.trim().is_empty() {
            return;
        }
        let (level, vu) = (self.stream.level, self.stream.vu);
        self.stream
            .logs
            .line(text.trim_end_matches(['\n', '\r']), |t| {
                log::line(level, Some(vu), t)
            });
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.buf.extend_from_slice(data);
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            self.emit(pos + 1);
        }
        if self.buf.len() > MAX_LINE {
            let n = self.buf.len();
            self.emit(n);
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.buf.is_empty() {
            let n = self.buf.len();
            self.emit(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let n = self.buf.len();
            self.emit(n);
        }
    }
}
