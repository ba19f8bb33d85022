//! The embedded demo target: a small, fast HTTP/1.1 shop and customer-care
//! API that `volley target` serves and that tests, examples and benchmarks
//! load. It can also misbehave on purpose, under a [`FaultProfile`], and
//! report in `/__stats` exactly what it did, so a load test's error
//! breakdown can be checked against the truth. `docs/demo-target.md` has
//! the full reference.
//!
//! Routes (JSON bodies unless noted; counted per route in `GET /__stats`;
//! [`routes()`] lists them from the routing table itself):
//!
//! | route | answer |
//! |---|---|
//! | `GET /health` | `{"status":"ok"}` |
//! | `GET /products`, `GET /products/{id}` | the 20 fixed products; unknown id 404 |
//! | `POST /customers` `{"name","email"}` | 201 with its id; no name 400; full 503 |
//! | `GET /customers/{id}/orders` | the customer's newest 100 orders; unknown 404 |
//! | `POST /orders` `{"customer_id","product_id","quantity"}` | 201 with `total_cents` |
//! | `GET /delay?ms=N` | answers after N ms (at most 60 000) |
//! | `GET /status/{code}` | that status (200 to 599) |
//! | `GET /bytes/{n}` | n bytes of `application/octet-stream` (at most 10 MiB) |
//! | `GET /redirect/{n}` | 302 to `/redirect/{n-1}`; `/redirect/0` is 200 |
//! | `GET /cookies/set?k=v`, `GET /cookies` | sets cookies; echoes the request's cookies |
//! | `GET /stream?tokens=N&ttft_ms=X&gap_ms=Y` | `text/event-stream`: N token events, the first after X ms, then every Y ms, then `data: [DONE]` |
//! | `GET /__stats`, `POST /__stats/reset` | counters, injected faults, per-second timeline; zero them |
//! | `GET /__stats/streams` | the newest 500 streams with the wall-clock time their first event was written |
//! | `GET`, `PUT`, `DELETE /__faults` | the fault profile: read, set (JSON, or TOML by content type), clear |
//!
//! Anything else is 404 (or 405 for a known path with the wrong method),
//! counted as `"other"`. Request bodies over 1 MiB get 413. The `/__`
//! endpoints are neither counted nor faulted.
//!
//! Faults: latency distributions, a queue model (N workers × S ms: capacity
//! N × 1000 / S requests/s, kept in virtual time so it is accurate to within
//! 1%), error statuses by fraction, a token-bucket rate limit (429 with
//! `Retry-After`), never-answered requests, TCP resets, slow bodies, a
//! circuit breaker, phases by time since the profile was applied, and the
//! per-request `X-Volley-Fault` header once faults are enabled.
//!
//! The server is built for throughput: one task per connection with
//! keep-alive, `TCP_NODELAY`, lock-free counters and pre-serialized bodies.
//! Without a profile, faults cost one relaxed atomic load per request.

mod body;
mod catalog;
mod conn;
mod faults;
mod handlers;
mod injected;
mod params;
mod probes;
mod reply;
mod route_docs;
mod routes;
mod shop;
mod state;
mod stats;
mod store;
mod stream;
#[cfg(test)]
mod tests;
mod timeline;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{
    Breaker, FaultError, FaultProfile, FaultRule, Latency, Phase, QueueModel, RateLimit, SlowBody,
};
pub use injected::InjectedCounts;
pub use route_docs::{RouteDoc, routes};
pub use stats::StatsSnapshot;
pub use stream::{StreamCounts, StreamRecord};
pub use timeline::SecondStats;

use state::State;
use store::Limits;

/// Default listen address of `volley target` and the default BASE_URL of the examples.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3030";

/// How long the accept loop pauses after a failed accept (e.g. EMFILE), so
/// it neither spins nor gives up while descriptors are exhausted.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// A running demo target. Serves until [`shutdown`](DemoTarget::shutdown)
/// or until dropped; either way the listener closes and idle keep-alive
/// connections are closed once their in-flight request is answered.
pub struct DemoTarget {
    local_addr: SocketAddr,
    state: Arc<State>,
    /// Dropping or signalling this stops the accept loop and every connection.
    stop: watch::Sender<bool>,
    accept_loop: JoinHandle<()>,
}

impl DemoTarget {
    /// Bind `addr` and serve on the current tokio runtime until shutdown/drop.
    pub async fn bind(addr: SocketAddr) -> io::Result<DemoTarget> {
        Self::bind_with(addr, Limits::default()).await
    }

    /// [`bind`](Self::bind) with a fault profile applied from the start
    /// (its phases count from now) and `X-Volley-Fault` request headers
    /// honoured. `FaultProfile::default()` enables the headers alone. A
    /// profile that fails [`FaultProfile::validate`] is an
    /// [`io::ErrorKind::InvalidInput`] error wrapping the [`FaultError`].
    pub async fn bind_with_faults(
        addr: SocketAddr,
        profile: FaultProfile,
    ) -> io::Result<DemoTarget> {
        profile
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let target = Self::bind_with(addr, Limits::default()).await?;
        target.state.faults.enable_headers();
        if profile != FaultProfile::default() {
            target.state.faults.set(profile);
        }
        Ok(target)
    }

    /// [`bind`](Self::bind) with explicit store limits (tests use small ones).
    async fn bind_with(addr: SocketAddr, limits: Limits) -> io::Result<DemoTarget> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let state = Arc::new(State::new(limits, stopped.clone()));
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped));
        Ok(DemoTarget {
            local_addr,
            state,
            stop,
            accept_loop,
        })
    }

    /// The address the target listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Snapshot of everything `GET /__stats` reports.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.snapshot()
    }

    /// Zeroes everything `GET /__stats` reports, as `POST /__stats/reset` does.
    pub fn reset_stats(&self) {
        self.state.reset_stats();
    }

    /// The newest `GET /stream` requests, oldest first, as
    /// `GET /__stats/streams` lists them.
    pub fn streams(&self) -> Vec<StreamRecord> {
        self.state.streams.log()
    }

    /// Applies a fault profile from now on (its phases restart), as
    /// `PUT /__faults` does; fault headers are honoured from then on.
    pub fn set_faults(&self, profile: FaultProfile) -> Result<(), FaultError> {
        profile.validate()?;
        self.state.faults.set(profile);
        Ok(())
    }

    /// Clears the fault profile, as `DELETE /__faults` does.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// The applied fault profile, if any.
    pub fn faults(&self) -> Option<FaultProfile> {
        self.state.faults.plan().map(|plan| plan.profile.clone())
    }

    /// Stop accepting and close the listener (in-flight connections may finish).
    pub async fn shutdown(self) {
        let DemoTarget {
            stop, accept_loop, ..
        } = self;
        // Fails only if the accept loop already ended, which is the goal.
        let _ = stop.send(true);
        // Once the loop has returned, the listener is dropped: the port is
        // closed when this returns. A panic in the loop needs no report here.
        let _ = accept_loop.await;
    }
}

/// Accepts connections until `stopped` is signalled or its sender dropped.
async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            biased;
            // Ok (shutdown) and Err (DemoTarget dropped) both mean stop.
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                tokio::spawn(conn::serve(
                    stream,
                    peer.ip(),
                    Arc::clone(&state),
                    stopped.clone(),
                ));
            }
            Err(e) => {
                eprintln!("volley target: accept failed: {e}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}
