//! Segmented (striped) counters: k6's `SegmentedIndex` and the two places
//! where k6 uses it for ids (`ExecutionState.GetUniqueVUIdentifiers` and
//! `BaseExecutor.nextIterationCounters`).

use super::striping::{ExecutionTuple, StripedOffsets};

/// Walks one segment's items, yielding `(scaled, unscaled)` pairs: the local
/// 1-based count of items this segment has taken, and the 1-based global
/// number of the item (k6's `SegmentedIndex`).
///
/// For `0:1/2` in `0,1/2,1` the global numbers are 1, 3, 5, …, and for
/// `1/2:1` they are 2, 4, 6, …: every instance gets its own non-overlapping
/// ids, and together they cover every number. Not thread-safe; k6 guards it
/// with a mutex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentedIndex {
    start: u64,
    lcd: u64,
    offsets: Vec<u64>,
    scaled: u64,
    unscaled: u64,
}

impl SegmentedIndex {
    /// A fresh index (before the first item) over `tuple`'s stripe.
    pub fn new(tuple: &ExecutionTuple) -> Self {
        let stripe = tuple.striped_offsets();
        // A tuple's stripe always has at least one gap and a positive lcd.
        Self::from_striped_offsets(stripe).unwrap_or(SegmentedIndex {
            start: 0,
            lcd: 1,
            offsets: vec![1],
            scaled: 0,
            unscaled: 0,
        })
    }

    /// A fresh index over an explicit stripe; `None` if `offsets` is empty or
    /// `lcd` is 0 (such a stripe cannot come from a real sequence).
    pub fn from_striped_offsets(stripe: StripedOffsets<'_>) -> Option<Self> {
        if stripe.offsets.is_empty() || stripe.lcd == 0 {
            return None;
        }
        Some(SegmentedIndex {
            start: stripe.start,
            lcd: stripe.lcd,
            offsets: stripe.offsets.to_vec(),
            scaled: 0,
            unscaled: 0,
        })
    }

    /// The current local (1-based) count; 0 before the first item.
    pub fn scaled(&self) -> u64 {
        self.scaled
    }

    /// The current global (1-based) item number; 0 before the first item.
    pub fn unscaled(&self) -> u64 {
        self.unscaled
    }

    /// Moves to this segment's next item (k6's `Next`).
    pub fn next_index(&mut self) -> (u64, u64) {
        if self.scaled == 0 {
            self.unscaled = self.unscaled.saturating_add(self.start + 1); // 1-based
        } else {
            let gap = self.offsets[self.gap_slot(self.scaled - 1)];
            self.unscaled = self.unscaled.saturating_add(gap);
        }
        self.scaled = self.scaled.saturating_add(1);
        (self.scaled, self.unscaled)
    }

    /// Moves back one item (k6's `Prev`); `None` when already before the
    /// first item (undefined behaviour in k6).
    pub fn prev_index(&mut self) -> Option<(u64, u64)> {
        match self.scaled {
            0 => return None,
            1 => self.unscaled = self.unscaled.saturating_sub(self.start + 1),
            n => {
                self.unscaled = self
                    .unscaled
                    .saturating_sub(self.offsets[self.gap_slot(n - 2)])
            }
        }
        self.scaled -= 1;
        Some((self.scaled, self.unscaled))
    }

    /// Jumps to the last item of this segment whose global number is at most
    /// `value` (k6's `GoTo`); `(0, 0)` if there is none.
    pub fn go_to(&mut self, value: u64) -> (u64, u64) {
        // The stripe repeats every lcd items, so whole cycles are counted in
        // one step and only the remainder is walked.
        // (Saturating only matters for values near u64::MAX.)
        let whole_cycles = value / self.lcd;
        self.scaled = whole_cycles.saturating_mul(self.offsets.len() as u64);
        self.unscaled = (whole_cycles * self.lcd).saturating_add(self.start + 1);
        let rest = value % self.lcd;
        let mut item = self.start;
        let mut walked = 0usize;
        for &gap in &self.offsets {
            if item >= rest {
                break;
            }
            self.scaled = self.scaled.saturating_add(1);
            self.unscaled = self.unscaled.saturating_add(gap);
            item += gap;
            walked += 1;
        }
        if walked > 0 {
            // The last gap added points past `value`; step back over it.
            self.unscaled = self.unscaled.saturating_sub(self.offsets[walked - 1]);
        } else if self.scaled > 0 {
            // Nothing in the partial cycle: the answer is the last item of
            // the previous cycle, one wrap-around gap back.
            let wrap = self.offsets[self.offsets.len() - 1];
            self.unscaled = self.unscaled.saturating_sub(wrap);
        }
        if self.scaled == 0 {
            self.unscaled = 0;
        }
        (self.scaled, self.unscaled)
    }

    fn gap_slot(&self, n: u64) -> usize {
        // offsets is never empty (checked at construction).
        usize::try_from(n % self.offsets.len() as u64).unwrap_or(0)
    }
}

/// Infinite iterator over [`SegmentedIndex::next_index`].
impl Iterator for SegmentedIndex {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_index())
    }
}

/// A VU's two ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VuIds {
    /// 1-based id within this instance: `__VU` and `exec.vu.idInInstance`.
    pub local: u64,
    /// 1-based id unique across the whole fleet: `exec.vu.idInTest`.
    pub global: u64,
}

/// Hands out VU ids for one instance (k6's `GetUniqueVUIdentifiers`).
///
/// k6 keeps one allocator per instance, striped by the instance's tuple, and
/// draws from it for every VU it initializes (planned or not, whatever the
/// scenario), so if each instance initializes `tuple.scale(n)` VUs the
/// global ids of the fleet are exactly `1..=n`.
#[derive(Debug, Clone)]
pub struct VuIdAllocator(SegmentedIndex);

impl VuIdAllocator {
    /// An allocator for the instance running `tuple`.
    pub fn new(tuple: &ExecutionTuple) -> Self {
        VuIdAllocator(SegmentedIndex::new(tuple))
    }

    /// The ids for the next VU to initialize.
    pub fn next_ids(&mut self) -> VuIds {
        let (local, global) = self.0.next_index();
        VuIds { local, global }
    }
}

/// An iteration's two counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IterationIds {
    /// 0-based within this instance and scenario:
    /// `exec.scenario.iterationInInstance`.
    pub local: u64,
    /// 0-based across the fleet for this scenario:
    /// `exec.scenario.iterationInTest`.
    pub global: u64,
}

/// Per-scenario iteration counters (k6's `BaseExecutor.nextIterationCounters`).
///
/// Build it from the executor's iteration tuple (each plan type has an
/// `iteration_tuple` method): the instance's tuple for constant-vus,
/// per-vu-iterations and ramping-vus, and the tuple re-split by VUs
/// (shared-iterations) or by maxVUs (arrival-rate executors) otherwise.
#[derive(Debug, Clone)]
pub struct IterationCounter(SegmentedIndex);

impl IterationCounter {
    /// Counters striped by `iteration_tuple`.
    pub fn new(iteration_tuple: &ExecutionTuple) -> Self {
        IterationCounter(SegmentedIndex::new(iteration_tuple))
    }

    /// The counters for the next iteration started by this instance.
    pub fn next_ids(&mut self) -> IterationIds {
        let (scaled, unscaled) = self.0.next_index();
        IterationIds {
            local: scaled - 1,
            global: unscaled - 1,
        }
    }
}
