//! Per-route request counters of the demo target.
//!
//! One atomic per route in a fixed array indexed by [`Route`]: counting a
//! request is a single relaxed `fetch_add`, with no lock and no map lookup.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::injected::InjectedCounts;
use super::routes::Route;
use super::stream::StreamCounts;
use super::timeline::SecondStats;

/// A point-in-time copy of the demo target's counters, as served by
/// `GET /__stats` and returned by [`DemoTarget::stats`](super::DemoTarget::stats).
/// The `/__` endpoints are not counted anywhere in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatsSnapshot {
    /// Total requests counted (the sum of `by_route`).
    pub requests: u64,
    /// Requests per route pattern (e.g. `"GET /products/{id}"`, `"other"`);
    /// routes never hit are left out.
    pub by_route: BTreeMap<String, u64>,
    /// What the fault machinery injected, per route; routes with nothing
    /// injected are left out.
    #[serde(default)]
    pub injected: BTreeMap<String, InjectedCounts>,
    /// `GET /stream` totals.
    #[serde(default)]
    pub streams: StreamCounts,
    /// One entry per second since the target started or its stats were
    /// reset (at most the last hour), oldest first.
    #[serde(default)]
    pub timeline: Vec<SecondStats>,
}

/// A counter alone on its cache line, so cores bumping different routes do
/// not contend for the same line.
#[derive(Default)]
#[repr(align(64))]
struct Slot(AtomicU64);

/// Live request counters, shared by every connection task.
#[derive(Default)]
pub(crate) struct Stats {
    slots: [Slot; Route::COUNT],
}

impl Stats {
    /// Counts one request to `route`.
    pub(crate) fn record(&self, route: Route) {
        // Relaxed: the counters order nothing; a snapshot only needs each
        // value eventually, not a consistent cut across routes.
        self.slot(route).0.fetch_add(1, Ordering::Relaxed);
    }

    /// Zeroes every counter.
    pub(crate) fn reset(&self) {
        for slot in &self.slots {
            slot.0.store(0, Ordering::Relaxed);
        }
    }

    /// Copies the counters into a snapshot.
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let mut by_route = BTreeMap::new();
        let mut requests = 0;
        for route in Route::ALL {
            let n = self.slot(route).0.load(Ordering::Relaxed);
            if n > 0 {
                requests += n;
                by_route.insert(route.key().to_owned(), n);
            }
        }
        StatsSnapshot {
            requests,
            by_route,
            ..StatsSnapshot::default()
        }
    }

    fn slot(&self, route: Route) -> &Slot {
        // The array is sized by `Route::COUNT`, which covers every variant
        // (checked by the routes tests), so this index is always in bounds.
        &self.slots[route.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_sums_routes_and_omits_zero_counts() {
        let stats = Stats::default();
        stats.record(Route::Products);
        stats.record(Route::Products);
        stats.record(Route::Other);
        let snap = stats.snapshot();
        assert_eq!(snap.requests, 3);
        assert_eq!(
            snap.by_route,
            BTreeMap::from([("GET /products".to_owned(), 2), ("other".to_owned(), 1)])
        );
    }

    #[test]
    fn reset_zeroes_everything() {
        let stats = Stats::default();
        for route in Route::ALL {
            stats.record(route);
        }
        assert_eq!(stats.snapshot().requests, Route::COUNT as u64);
        stats.reset();
        assert_eq!(stats.snapshot(), StatsSnapshot::default());
    }

    #[test]
    fn snapshot_serializes_in_the_documented_shape() {
        let stats = Stats::default();
        stats.record(Route::Health);
        let json = serde_json::to_string(&stats.snapshot()).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"requests":1,"by_route":{"GET /health":1},"injected":{},"streams":{"started":0,"completed":0,"events":0},"timeline":[]}"#
        );
    }
}
