//! Starting a fleet together: after its VUs are initialised, a process
//! waits at the start gate for an instant (`--start-at`) or for a trigger
//! (`--paused`: SIGUSR1, or a line `start` on its start port, which
//! `volley start ADDR...` sends), the way the k6-operator's starter
//! releases its runners.
//!
//! The start port speaks one line each way over TCP: the client sends
//! `start\n` and the process answers `started\n` as its load begins
//! (`status\n` gets `paused\n`). A client may connect while the VUs are
//! still initialising: the answer comes once they are ready, so
//! `volley start` returns when every process has started.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::control::{StopLevel, StopSignal};
use crate::log;
use crate::wallclock::rfc3339;

/// How long a client of the start port has to send its line.
const LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest line the start port reads.
const MAX_LINE: usize = 64;

/// When the load starts, once the VUs are ready.
#[derive(Debug, Default)]
pub enum StartGate {
    /// At once.
    #[default]
    Now,
    /// At this instant (`--start-at`); at once, with a warning, when it has
    /// passed.
    At(SystemTime),
    /// When told to (`--paused`).
    Paused(Paused),
}

/// A paused process's triggers, made before any VU so a trigger that
/// arrives early is kept (and SIGUSR1 never falls to its default action,
/// which would end the process).
#[derive(Debug)]
pub struct Paused {
    listener: Option<TcpListener>,
    #[cfg(unix)]
    usr1: Option<tokio::signal::unix::Signal>,
}

impl Paused {
    /// Catch SIGUSR1, and listen for `start` on `addr` when given. Call it
    /// in the runtime that will run the test.
    pub async fn new(addr: Option<SocketAddr>) -> Result<Self, String> {
        let listener = match addr {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                format!(
                    "--paused={addr}: cannot listen there ({e}); give a free local address, \
                     e.g. --paused=0.0.0.0:6565, or --paused alone to wait for SIGUSR1"
                )
            })?),
            None => None,
        };
        #[cfg(unix)]
        let usr1 = Some(
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())
                .map_err(|e| format!("--paused: cannot catch SIGUSR1: {e}"))?,
        );
        Ok(Paused {
            listener,
            #[cfg(unix)]
            usr1,
        })
    }

    /// The start port's address, when it has one.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Wait for a trigger; returns what started the load (None when the
    /// run was stopped first). Clients that asked to start are answered
    /// `started` once it is decided.
    async fn wait(self, stop: &StopSignal) -> Option<String> {
        let (tx, mut rx) = mpsc::channel::<(String, Option<TcpStream>)>(8);
        let mut accept = None;
        if let Some(listener) = self.listener {
            let tx = tx.clone();
            accept = Some(tokio::spawn(async move {
                loop {
                    let Ok((stream, peer)) = listener.accept().await else {
                        continue;
                    };
                    let tx = tx.clone();
                    // A slow or silent client cannot hold the gate.
                    tokio::spawn(async move {
                        if let Ok(Some(stream)) =
                            tokio::time::timeout(LINE_TIMEOUT, start_line(stream)).await
                        {
                            let _ = tx
                                .send((format!("`start` from {peer}"), Some(stream)))
                                .await;
                        }
                    });
                }
            }));
        }
        #[cfg(unix)]
        if let Some(mut usr1) = self.usr1 {
            let tx = tx.clone();
            tokio::spawn(async move {
                if usr1.recv().await.is_some() {
                    let _ = tx.send(("SIGUSR1".to_string(), None)).await;
                }
            });
        }
        drop(tx);
        let started = tokio::select! {
            got = rx.recv() => got,
            _ = stop.reached(StopLevel::Graceful) => None,
        };
        if let Some(accept) = accept {
            accept.abort();
        }
        let (by, stream) = started?;
        if let Some(mut stream) = stream {
            let _ = stream.write_all(b"started\n").await;
        }
        // Others who asked at the same moment hear it too.
        while let Ok((_, Some(mut stream))) = rx.try_recv() {
            let _ = stream.write_all(b"started\n").await;
        }
        Some(by)
    }
}

/// Read lines from a start-port client until it asks to start (returns
/// the stream to answer on) or leaves; `status` is answered `paused`.
async fn start_line(stream: TcpStream) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        let n = (&mut reader)
            .take(MAX_LINE as u64)
            .read_line(&mut line)
            .await
            .ok()?;
        if n == 0 {
            return None;
        }
        match line.trim() {
            "start" => return Some(reader.into_inner()),
            "status" => {
                reader.get_mut().write_all(b"paused\n").await.ok()?;
            }
            _ => {
                let _ = reader
                    .get_mut()
                    .write_all(b"error: send `start` or `status`\n")
                    .await;
                return None;
            }
        }
    }
}

impl StartGate {
    /// Wait at the gate; false when the run was stopped while waiting.
    pub async fn wait(self, stop: &StopSignal, vus: u64) -> bool {
        match self {
            StartGate::Now => true,
            StartGate::At(at) => match at.duration_since(SystemTime::now()) {
                Ok(wait) => {
                    log::line(
                        log::Level::Info,
                        None,
                        &format!(
                            "{vus} VUs ready; starting at {} (in {:.1}s)",
                            rfc3339(at),
                            wait.as_secs_f64()
                        ),
                    );
                    // Sleep on the wall clock's reading now; a wait of
                    // minutes drifts by far less than the clocks of a
                    // fleet's machines disagree.
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => true,
                        _ = stop.reached(StopLevel::Graceful) => false,
                    }
                }
                Err(late) => {
                    log::warn(&format!(
                        "--start-at {} passed {:.3}s ago, before this process was ready \
                         (the other segments may have started without it): starting now; \
                         leave more time before the start instant",
                        rfc3339(at),
                        late.duration().as_secs_f64()
                    ));
                    true
                }
            },
            StartGate::Paused(paused) => {
                let how = match paused.local_addr() {
                    Some(addr) => format!(
                        "`volley start {addr}` or `kill -USR1 {}`",
                        std::process::id()
                    ),
                    None => format!("`kill -USR1 {}`", std::process::id()),
                };
                log::line(
                    log::Level::Info,
                    None,
                    &format!("paused: {vus} VUs ready; start the load with {how}"),
                );
                match paused.wait(stop).await {
                    Some(by) => {
                        log::line(log::Level::Info, None, &format!("started by {by}"));
                        true
                    }
                    None => false,
                }
            }
        }
    }
}

/// Tell paused processes to start (`volley start ADDR...`): connect to
/// every one first (retrying while one is not yet listening, up to
/// `timeout`), then send `start` to all at once and wait for each to
/// answer `started`. Returns each address's error, if any.
pub async fn trigger(addrs: &[String], timeout: Duration) -> Vec<(String, String)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let connects = addrs.iter().cloned().map(|addr| async move {
        loop {
            match TcpStream::connect(addr.as_str()).await {
                Ok(s) => return Ok(s),
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    return Err(format!("cannot connect within {timeout:?}: {e}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });
    let streams = futures_join_all(connects).await;
    let mut failures = Vec::new();
    let mut connected = Vec::new();
    for (addr, s) in addrs.iter().zip(streams) {
        match s {
            Ok(s) => connected.push((addr.clone(), s)),
            Err(e) => failures.push((addr.clone(), e)),
        }
    }
    let answers = futures_join_all(connected.into_iter().map(|(addr, mut s)| async move {
        let result = async {
            s.write_all(b"start\n")
                .await
                .map_err(|e| format!("cannot send `start`: {e}"))?;
            let mut line = String::new();
            let mut reader = BufReader::new(s).take(MAX_LINE as u64);
            match tokio::time::timeout_at(deadline, reader.read_line(&mut line)).await {
                Err(_) => Err(format!(
                    "no answer within {timeout:?} (still initialising its VUs?)"
                )),
                Ok(Err(e)) => Err(format!("no answer: {e}")),
                Ok(Ok(_)) if line.trim() == "started" => Ok(()),
                Ok(Ok(0)) => Err(
                    "closed the connection without starting (already started, or stopped)".into(),
                ),
                Ok(Ok(_)) => Err(format!("answered {:?}", line.trim())),
            }
        }
        .await;
        (addr, result)
    }))
    .await;
    for (addr, result) in answers {
        if let Err(e) = result {
            failures.push((addr, e));
        }
    }
    failures
}

/// Await every future (a small join_all: tokio has none, and one is not
/// worth a dependency).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        match h.await {
            Ok(v) => out.push(v),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_paused_process_starts_on_the_start_line_and_answers_started() {
        let paused = Paused::new(Some(([127, 0, 0, 1], 0).into()))
            .await
            .expect("bind");
        let addr = paused.local_addr().expect("addr").to_string();
        let stop = StopSignal::new();
        // The trigger connects before the gate is reached, as a client of
        // a process still initialising its VUs does.
        let trig = tokio::spawn({
            let addr = addr.clone();
            async move { trigger(&[addr], Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(StartGate::Paused(paused).wait(&stop, 1).await);
        assert_eq!(trig.await.expect("join"), Vec::new());
    }

    #[tokio::test]
    async fn status_is_answered_and_junk_is_refused_without_starting() {
        let paused = Paused::new(Some(([127, 0, 0, 1], 0).into()))
            .await
            .expect("bind");
        let addr = paused.local_addr().expect("addr");
        let stop = std::sync::Arc::new(StopSignal::new());
        let gate = tokio::spawn({
            let stop = stop.clone();
            async move { StartGate::Paused(paused).wait(&stop, 1).await }
        });
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"status\n").await.expect("write");
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line).await.expect("read");
        assert_eq!(line, "paused\n");
        let mut junk = TcpStream::connect(addr).await.expect("connect");
        junk.write_all(b"go\n").await.expect("write");
        let mut answer = String::new();
        BufReader::new(junk)
            .read_line(&mut answer)
            .await
            .expect("read");
        assert!(answer.starts_with("error:"), "{answer}");
        assert!(!gate.is_finished());
        // A stop while paused ends the wait without starting.
        stop.stop(StopLevel::Graceful, crate::control::StopReason::Interrupted);
        assert!(!gate.await.expect("join"));
    }

    #[tokio::test]
    async fn trigger_reports_an_address_nobody_listens_on() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        drop(listener);
        let failures = trigger(std::slice::from_ref(&addr), Duration::from_millis(500)).await;
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0, addr);
        assert!(failures[0].1.contains("cannot connect"), "{:?}", failures);
    }

    #[tokio::test]
    async fn a_start_instant_that_passed_starts_at_once() {
        let stop = StopSignal::new();
        let past = SystemTime::now() - Duration::from_secs(3);
        assert!(StartGate::At(past).wait(&stop, 1).await);
        let soon = SystemTime::now() + Duration::from_millis(200);
        let t0 = std::time::Instant::now();
        assert!(StartGate::At(soon).wait(&stop, 1).await);
        assert!(t0.elapsed() >= Duration::from_millis(150));
    }
}
