//! The per-second timeline of `/__stats`: for each second since the target
//! started (or its stats were reset), the requests received, the requests
//! answered, and the median time the target took to answer them.
//!
//! Recording is on every request's path, so it is a handful of relaxed
//! atomic additions into the slot of the current second, with no lock and
//! no allocation (a second's slot is allocated once, by the first request
//! in it, and reused an hour later). Latencies go into a log-linear
//! histogram with 8 buckets per power of two, so a median (the middle of
//! its bucket) is within 6.25% of the truth.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Seconds kept: the timeline covers the last hour.
const SLOTS: usize = 3600;

/// Exact buckets below this many microseconds, log-linear above.
const LINEAR: u64 = 8;
/// Sub-buckets per power of two (a power of two itself).
const SUB: u64 = 8;
/// Latencies are capped at 2^28 µs (about 4.5 minutes).
const MAX_POW: u32 = 28;
const BUCKETS: usize = (LINEAR + (MAX_POW as u64 - 3) * SUB) as usize;

/// One second of the timeline, as reported by `/__stats`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondStats {
    /// Seconds since the target started or its stats were reset.
    pub second: u64,
    /// Counted requests whose head was read in this second.
    pub received: u64,
    /// Counted requests whose response was written in this second.
    pub answered: u64,
    /// The median, over the requests answered in this second, of the time
    /// from reading the request to writing the last byte of its response,
    /// in milliseconds; `None` when nothing was answered.
    pub p50_ms: Option<f64>,
}

/// The live timeline, shared by every connection task.
pub(crate) struct Timeline {
    /// Fixed reference for turning instants into nanosecond offsets.
    origin: Instant,
    /// Nanoseconds from `origin` to the start of second 0.
    zero_ns: AtomicU64,
    ring: Box<[OnceLock<Box<Second>>]>,
}

struct Second {
    /// `second + 1` of the second this slot holds; 0 for none.
    tag: AtomicU64,
    received: AtomicU64,
    answered: AtomicU64,
    latency: [AtomicU32; BUCKETS],
}

impl Timeline {
    pub(crate) fn new() -> Timeline {
        Timeline {
            origin: Instant::now(),
            zero_ns: AtomicU64::new(0),
            ring: (0..SLOTS).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Counts a request read at `at`; returns `at` as this timeline's
    /// clock reading, for [`answered`](Self::answered). (Plain nanoseconds
    /// keep the per-request work to one `Instant` subtraction each way.)
    pub(crate) fn received(&self, at: Instant) -> u64 {
        let at = self.nanos(at);
        self.second(at).received.fetch_add(1, Ordering::Relaxed);
        at
    }

    /// Counts a request read at clock reading `started` and answered at
    /// `now`.
    pub(crate) fn answered(&self, started: u64, now: Instant) {
        let now = self.nanos(now);
        let slot = self.second(now);
        slot.answered.fetch_add(1, Ordering::Relaxed);
        let micros = now.saturating_sub(started) / 1000;
        slot.latency[bucket(micros)].fetch_add(1, Ordering::Relaxed);
    }

    /// Starts the timeline again at second 0, now.
    pub(crate) fn reset(&self) {
        self.zero_ns
            .store(self.nanos(Instant::now()), Ordering::Relaxed);
        for slot in self.ring.iter().filter_map(OnceLock::get) {
            slot.clear(0);
        }
    }

    /// Every second from 0 to the current one (at most the last hour),
    /// with zeroes for seconds without requests.
    pub(crate) fn snapshot(&self) -> Vec<SecondStats> {
        let now = self.index(self.nanos(Instant::now()));
        let first = now.saturating_sub(SLOTS as u64 - 1);
        (first..=now)
            .map(|second| {
                let slot = self.ring[slot_of(second)]
                    .get()
                    .filter(|slot| slot.tag.load(Ordering::Relaxed) == second + 1);
                match slot {
                    Some(slot) => slot.stats(second),
                    None => SecondStats {
                        second,
                        received: 0,
                        answered: 0,
                        p50_ms: None,
                    },
                }
            })
            .collect()
    }

    fn nanos(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin).as_nanos() as u64
    }

    /// The second a clock reading falls in.
    fn index(&self, nanos: u64) -> u64 {
        nanos.saturating_sub(self.zero_ns.load(Ordering::Relaxed)) / 1_000_000_000
    }

    /// The slot of the second clock reading `at` falls in, claimed for
    /// that second.
    fn second(&self, at: u64) -> &Second {
        let second = self.index(at);
        let slot = self.ring[slot_of(second)].get_or_init(|| Box::new(Second::new()));
        let tag = slot.tag.load(Ordering::Relaxed);
        // A slot still holding the second an hour ago is cleared by the
        // first request to claim it; a request racing that claim may lose
        // its count, at most once per slot per hour.
        if tag != second + 1
            && slot
                .tag
                .compare_exchange(tag, second + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            && tag != 0
        {
            slot.clear(second + 1);
        }
        slot
    }
}

fn slot_of(second: u64) -> usize {
    (second % SLOTS as u64) as usize
}

impl Second {
    fn new() -> Second {
        Second {
            tag: AtomicU64::new(0),
            received: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            latency: std::array::from_fn(|_| AtomicU32::new(0)),
        }
    }

    fn clear(&self, tag: u64) {
        self.tag.store(tag, Ordering::Relaxed);
        self.received.store(0, Ordering::Relaxed);
        self.answered.store(0, Ordering::Relaxed);
        for bucket in &self.latency {
            bucket.store(0, Ordering::Relaxed);
        }
    }

    fn stats(&self, second: u64) -> SecondStats {
        let counts: Vec<u64> = self
            .latency
            .iter()
            .map(|b| u64::from(b.load(Ordering::Relaxed)))
            .collect();
        SecondStats {
            second,
            received: self.received.load(Ordering::Relaxed),
            answered: self.answered.load(Ordering::Relaxed),
            p50_ms: median(&counts).map(|micros| micros / 1000.0),
        }
    }
}

/// The histogram bucket of a latency in microseconds.
fn bucket(micros: u64) -> usize {
    if micros < LINEAR {
        return micros as usize;
    }
    let micros = micros.min((1 << MAX_POW) - 1);
    let pow = 63 - micros.leading_zeros(); // 3..MAX_POW
    let sub = (micros >> (pow - 3)) & (SUB - 1);
    (LINEAR + u64::from(pow - 3) * SUB + sub) as usize
}

/// The lowest and highest microsecond values of a bucket.
fn bounds(bucket: usize) -> (f64, f64) {
    let bucket = bucket as u64;
    if bucket < LINEAR {
        return (bucket as f64, bucket as f64);
    }
    let pow = (bucket - LINEAR) / SUB + 3;
    let sub = (bucket - LINEAR) % SUB;
    let width = 1u64 << (pow - 3);
    let low = (1u64 << pow) + sub * width;
    (low as f64, (low + width - 1) as f64)
}

/// The median of a histogram, in microseconds: the middle of the bucket
/// holding the middle request.
fn median(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let middle = total.div_ceil(2);
    let mut seen = 0;
    for (i, n) in counts.iter().enumerate() {
        seen += n;
        if seen >= middle {
            let (low, high) = bounds(i);
            return Some((low + high) / 2.0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_cover_the_range_in_order_an_eighth_wide() {
        let mut last = 0;
        for micros in (0..100_000).chain([1 << 27, u64::MAX]) {
            let b = bucket(micros);
            assert!(b >= last && b < BUCKETS, "{micros}");
            last = b;
            let (low, high) = bounds(b);
            let capped = micros.min((1 << MAX_POW) - 1) as f64;
            assert!(low <= capped && capped <= high, "{micros} in {low}..{high}");
            assert!(high - low < capped / 8.0 + 1.0, "{micros}");
        }
    }

    #[test]
    fn median_is_the_middle_request() {
        let mut counts = vec![0; BUCKETS];
        counts[bucket(1_000)] += 1;
        counts[bucket(20_000)] += 2;
        counts[bucket(900_000)] += 1;
        let p50 = median(&counts).expect("non-empty");
        assert!((p50 - 20_000.0).abs() < 20_000.0 * 0.04, "{p50}");
        assert_eq!(median(&vec![0; BUCKETS]), None);
    }

    #[test]
    fn requests_land_in_their_second() {
        let timeline = Timeline::new();
        let t0 = timeline.origin;
        let started = timeline.received(t0);
        timeline.received(t0 + Duration::from_secs(2));
        timeline.answered(
            started,
            t0 + Duration::from_secs(2) + Duration::from_millis(5),
        );
        let at = |s: u64| timeline.nanos(t0 + Duration::from_secs(s));
        let second = |s: u64| timeline.second(at(s)).stats(s);
        assert_eq!((second(0).received, second(0).answered), (1, 0));
        let two = second(2);
        assert_eq!((two.received, two.answered), (1, 1));
        let p50 = two.p50_ms.expect("one answered");
        assert!((p50 - 2005.0).abs() < 2005.0 * 0.04, "{p50}");
        assert_eq!(second(1).received, 0);
    }

    #[test]
    fn slots_are_reused_an_hour_later_and_cleared_by_reset() {
        let timeline = Timeline::new();
        let t0 = timeline.origin;
        timeline.received(t0 + Duration::from_secs(5));
        timeline.received(t0 + Duration::from_secs(5 + SLOTS as u64));
        let later = timeline.second(timeline.nanos(t0 + Duration::from_secs(5 + SLOTS as u64)));
        assert_eq!(later.received.load(Ordering::Relaxed), 1);
        timeline.reset();
        let snapshot = timeline.snapshot();
        assert_eq!(snapshot.len(), 1);
        assert_eq!(snapshot[0].received, 0);
    }
}
