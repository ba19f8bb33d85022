//! Everything a demo target's requests share, and the `/__stats` snapshot
//! assembled from it.

use std::sync::Arc;

use tokio::sync::watch;

use super::faults::Faults;
use super::injected::Injected;
use super::stats::{Stats, StatsSnapshot};
use super::store::{Limits, Store};
use super::stream::Streams;
use super::timeline::Timeline;

/// The shared state of one target.
pub(crate) struct State {
    pub(crate) stats: Stats,
    pub(crate) store: Store,
    pub(crate) faults: Faults,
    pub(crate) injected: Injected,
    pub(crate) timeline: Timeline,
    pub(crate) streams: Arc<Streams>,
    /// Turns true (or its sender drops) when the target stops.
    stop: watch::Receiver<bool>,
}

impl State {
    /// Fresh state: zero counters, an empty store bounded by `limits`, no
    /// faults.
    pub(crate) fn new(limits: Limits, stop: watch::Receiver<bool>) -> State {
        State {
            stats: Stats::default(),
            store: Store::new(limits),
            faults: Faults::off(),
            injected: Injected::new(),
            timeline: Timeline::new(),
            streams: Arc::default(),
            stop,
        }
    }

    /// Everything `/__stats` reports.
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let mut snapshot = self.stats.snapshot();
        snapshot.injected = self.injected.snapshot();
        snapshot.streams = self.streams.counts();
        snapshot.timeline = self.timeline.snapshot();
        snapshot
    }

    /// Zeroes everything `/__stats` reports and starts the timeline again.
    pub(crate) fn reset_stats(&self) {
        self.stats.reset();
        self.injected.reset();
        self.streams.reset();
        self.timeline.reset();
    }

    /// Resolves when the target stops.
    pub(crate) async fn stopped(&self) {
        let mut stop = self.stop.clone();
        // Err: the target was dropped, which stops it too.
        let _ = stop.wait_for(|stopped| *stopped).await;
    }
}
