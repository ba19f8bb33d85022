//! What the fault machinery did, per route: the truth a load test's error
//! breakdown is compared with.
//!
//! Counters are touched only when a fault is injected, so a target without
//! a profile never writes them; they are atomics all the same, because an
//! injected fault is still on a request's path.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::routes::Route;

/// The injectable statuses are 400 to 599: one counter each.
const FIRST_STATUS: u16 = 400;
const STATUSES: usize = 200;

/// A kind of injected fault counted per route.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    /// Answered 429 by the token bucket.
    RateLimited,
    /// Never answered.
    Timeout,
    /// Connection reset.
    Reset,
    /// Body sent in slow chunks.
    SlowBody,
    /// The circuit breaker opened.
    BreakerOpen,
    /// Answered 503 at once because the breaker was open.
    ShortCircuit,
    /// Waited in the queue model's line.
    QueueWait,
    /// Held back by a latency distribution or a `delay=` header.
    Delayed,
}

const KINDS: usize = 8;

/// What was injected on one route, as reported in `/__stats` under
/// `injected`. The status a client saw is one of these or the route's own:
/// `statuses` counts injected error statuses (from error rates and
/// `X-Volley-Fault: status=`), while 429s from the rate limit and 503s from
/// an open breaker are counted apart, in `rate_limited` and `short_circuits`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InjectedCounts {
    /// Injected error statuses by code (JSON keys are strings, e.g. `"502"`).
    pub statuses: BTreeMap<u16, u64>,
    /// Requests answered 429 by the rate limit.
    pub rate_limited: u64,
    /// Requests never answered.
    pub timeouts: u64,
    /// Connections reset instead of answering.
    pub resets: u64,
    /// Responses sent as a slow body.
    pub slow_bodies: u64,
    /// Times the circuit breaker opened.
    pub breaker_opens: u64,
    /// Requests answered 503 at once by an open breaker.
    pub short_circuits: u64,
    /// Requests that waited in the queue model's line.
    pub queue_waits: u64,
    /// Longest line seen by this route's requests (the queue may be shared
    /// by several routes).
    pub queue_max_len: u64,
    /// Requests held back by a latency distribution or a `delay=` header.
    pub delayed: u64,
}

/// Live counters for every route.
pub(crate) struct Injected {
    routes: Box<[RouteCounters]>,
}

struct RouteCounters {
    statuses: [AtomicU64; STATUSES],
    kinds: [AtomicU64; KINDS],
    queue_max_len: AtomicU64,
}

impl Injected {
    pub(crate) fn new() -> Injected {
        let routes = Route::ALL
            .iter()
            .map(|_| RouteCounters {
                statuses: std::array::from_fn(|_| AtomicU64::new(0)),
                kinds: std::array::from_fn(|_| AtomicU64::new(0)),
                queue_max_len: AtomicU64::new(0),
            })
            .collect();
        Injected { routes }
    }

    /// Counts one fault of `kind` on `route`.
    pub(crate) fn count(&self, route: Route, kind: Fault) {
        self.route(route).kinds[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an injected status on `route` (ignored outside 400 to 599,
    /// which profiles and headers cannot ask for).
    pub(crate) fn status(&self, route: Route, status: StatusCode) {
        let index = status.as_u16().wrapping_sub(FIRST_STATUS) as usize;
        if let Some(counter) = self.route(route).statuses.get(index) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records a line length seen by a request of `route`.
    pub(crate) fn queue_len(&self, route: Route, len: u64) {
        self.route(route)
            .queue_max_len
            .fetch_max(len, Ordering::Relaxed);
    }

    pub(crate) fn reset(&self) {
        for route in self.routes.iter() {
            let counters = route.statuses.iter().chain(&route.kinds);
            for counter in counters.chain([&route.queue_max_len]) {
                counter.store(0, Ordering::Relaxed);
            }
        }
    }

    /// The counts of every route that had a fault injected.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, InjectedCounts> {
        let mut out = BTreeMap::new();
        for route in Route::ALL {
            let live = self.route(route);
            let kind = |k: Fault| live.kinds[k as usize].load(Ordering::Relaxed);
            let statuses: BTreeMap<u16, u64> = (FIRST_STATUS..)
                .zip(&live.statuses)
                .map(|(code, n)| (code, n.load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect();
            let counts = InjectedCounts {
                statuses,
                rate_limited: kind(Fault::RateLimited),
                timeouts: kind(Fault::Timeout),
                resets: kind(Fault::Reset),
                slow_bodies: kind(Fault::SlowBody),
                breaker_opens: kind(Fault::BreakerOpen),
                short_circuits: kind(Fault::ShortCircuit),
                queue_waits: kind(Fault::QueueWait),
                queue_max_len: live.queue_max_len.load(Ordering::Relaxed),
                delayed: kind(Fault::Delayed),
            };
            if counts != InjectedCounts::default() {
                out.insert(route.key().to_owned(), counts);
            }
        }
        out
    }

    fn route(&self, route: Route) -> &RouteCounters {
        // One entry per route, built from `Route::ALL`: always in bounds.
        &self.routes[route.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_route_and_kind_then_reset() {
        let injected = Injected::new();
        injected.status(Route::Products, StatusCode::BAD_GATEWAY);
        injected.status(Route::Products, StatusCode::BAD_GATEWAY);
        injected.status(Route::Products, StatusCode::OK); // not injectable
        injected.count(Route::Products, Fault::Reset);
        injected.queue_len(Route::Health, 3);
        injected.queue_len(Route::Health, 2);
        let snap = injected.snapshot();
        assert_eq!(snap.len(), 2);
        let products = &snap["GET /products"];
        assert_eq!(products.statuses, BTreeMap::from([(502, 2)]));
        assert_eq!(products.resets, 1);
        assert_eq!(snap["GET /health"].queue_max_len, 3);
        let json = serde_json::to_value(products).expect("serializable");
        assert_eq!(json["statuses"]["502"], 2);
        injected.reset();
        assert!(injected.snapshot().is_empty());
    }
}
