//! The embedded demo target: a small, fast HTTP/1.1 shop and customer-care
//! API that `volley target` serves and that tests, examples and benchmarks
//! load.
//!
//! Routes (JSON bodies unless noted; counted per route in `GET /__stats`):
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
//! | `GET /__stats`, `POST /__stats/reset` | the counters (not counted themselves); zero them |
//!
//! Anything else is 404 (or 405 for a known path with the wrong method),
//! counted as `"other"`. Request bodies over 1 MiB get 413.
//!
//! The server is built for throughput: one task per connection with
//! keep-alive, `TCP_NODELAY`, lock-free counters and pre-serialized bodies.

mod catalog;
mod handlers;
mod params;
mod probes;
mod reply;
mod routes;
mod shop;
mod stats;
mod store;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use handlers::State;
pub use stats::StatsSnapshot;
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

    /// [`bind`](Self::bind) with explicit store limits (tests use small ones).
    async fn bind_with(addr: SocketAddr, limits: Limits) -> io::Result<DemoTarget> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let state = Arc::new(State::new(limits));
        let (stop, stopped) = watch::channel(false);
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

    /// Snapshot of the request counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
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
            Ok((stream, _peer)) => {
                tokio::spawn(serve_connection(
                    stream,
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

/// Serves one connection, keep-alive included, until the client leaves or
/// the target stops.
async fn serve_connection(
    stream: TcpStream,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    // Responses are small and written whole: Nagle would only add latency.
    // Failure leaves a slower but working socket, so it is not fatal.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(handlers::handle(&state, request).await) }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
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
