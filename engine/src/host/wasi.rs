//! The locked-down WASI context every guest gets: no filesystem, no
//! sockets, no host environment or arguments; stdout and stderr become log
//! lines prefixed with the VU id.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use crate::log::{self, Level};

/// A WASI context that grants nothing but clocks, random and log output.
pub(super) fn locked_down(vu: u64) -> WasiCtx {
    let mut b = WasiCtxBuilder::new();
    b.stdout(LogStream {
        vu,
        level: Level::Info,
    })
    .stderr(LogStream {
        vu,
        level: Level::Warn,
    })
    .allow_tcp(false)
    .allow_udp(false)
    .allow_ip_name_lookup(false);
    b.build()
}

/// Guest output turned into log lines.
#[derive(Clone, Copy)]
struct LogStream {
    vu: u64,
    level: Level,
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            stream: *self,
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
        log::line(
            self.stream.level,
            Some(self.stream.vu),
            text.trim_end_matches(['\n', '\r']),
        );
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
