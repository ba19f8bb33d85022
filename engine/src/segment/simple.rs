//! Execution steps and the three fixed-VU executors: constant-vus,
//! per-vu-iterations and shared-iterations (k6's `constant_vus.go`,
//! `per_vu_iterations.go`, `shared_iterations.go`, `lib/helpers.go`).

use std::time::Duration;

use super::SegmentError;
use super::striping::ExecutionTuple;

/// k6's default `gracefulStop` (`BaseConfig`).
pub(crate) const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);

/// How many VUs an executor needs from a point in time on (k6's
/// `ExecutionStep`); a list of steps is an executor's VU reservation plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExecutionStep {
    /// Offset from the executor's start.
    pub time_offset: Duration,
    /// VUs initialized up front and reserved from this offset on.
    pub planned_vus: u64,
    /// Extra VUs that may be initialized during the run (arrival-rate only).
    pub max_unplanned_vus: u64,
}

impl ExecutionStep {
    pub(crate) const fn new(time_offset: Duration, planned_vus: u64) -> Self {
        ExecutionStep {
            time_offset,
            planned_vus,
            max_unplanned_vus: 0,
        }
    }
}

/// Largest `planned_vus` of a plan (k6's `GetMaxPlannedVUs`).
pub fn max_planned_vus(steps: &[ExecutionStep]) -> u64 {
    steps.iter().map(|s| s.planned_vus).max().unwrap_or(0)
}

/// Largest `planned_vus + max_unplanned_vus` of a plan (k6's `GetMaxPossibleVUs`).
pub fn max_possible_vus(steps: &[ExecutionStep]) -> u64 {
    steps
        .iter()
        .map(|s| s.planned_vus.saturating_add(s.max_unplanned_vus))
        .max()
        .unwrap_or(0)
}

/// The last step's offset and whether it is final, i.e. needs no VUs at all
/// (k6's `GetEndOffset`); `(0, true)` for an empty plan.
pub fn end_offset(steps: &[ExecutionStep]) -> (Duration, bool) {
    match steps.last() {
        None => (Duration::ZERO, true),
        Some(last) => (
            last.time_offset,
            last.planned_vus == 0 && last.max_unplanned_vus == 0,
        ),
    }
}

/// The `constant-vus` executor: `vus` VUs looping for `duration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstantVus {
    /// Total VUs of the whole test.
    pub vus: u64,
    /// How long to loop.
    pub duration: Duration,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for ConstantVus {
    /// k6's defaults: 1 VU, 30s graceful stop (the duration is mandatory in k6).
    fn default() -> Self {
        ConstantVus {
            vus: 1,
            duration: Duration::ZERO,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

impl ConstantVus {
    /// This segment's VUs (`GetVUs`).
    pub fn vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.vus)
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.vus(et) > 0
    }

    /// The VU reservation plan (`GetExecutionRequirements`).
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        vec![
            ExecutionStep::new(Duration::ZERO, self.vus(et)),
            ExecutionStep::new(self.duration.saturating_add(self.graceful_stop), 0),
        ]
    }

    /// The tuple that stripes this executor's iteration counters: the
    /// instance's own tuple.
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> ExecutionTuple {
        et.clone()
    }
}

/// The `per-vu-iterations` executor: each of `vus` VUs runs `iterations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerVuIterations {
    /// Total VUs of the whole test.
    pub vus: u64,
    /// Iterations per VU (never scaled: scaling both would be quadratic).
    pub iterations: u64,
    /// Hard limit on the executor's duration.
    pub max_duration: Duration,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for PerVuIterations {
    /// k6's defaults: 1 VU, 1 iteration, 10m max duration, 30s graceful stop.
    fn default() -> Self {
        PerVuIterations {
            vus: 1,
            iterations: 1,
            max_duration: Duration::from_secs(600),
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

impl PerVuIterations {
    /// This segment's VUs (`GetVUs`).
    pub fn vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.vus)
    }

    /// Iterations of each VU, unscaled (`GetIterations`).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.vus(et) > 0 && self.iterations > 0
    }

    /// The VU reservation plan (`GetExecutionRequirements`).
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        vec![
            ExecutionStep::new(Duration::ZERO, self.vus(et)),
            ExecutionStep::new(self.max_duration.saturating_add(self.graceful_stop), 0),
        ]
    }

    /// The tuple that stripes this executor's iteration counters: the
    /// instance's own tuple.
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> ExecutionTuple {
        et.clone()
    }
}

/// The `shared-iterations` executor: `iterations` shared by `vus` VUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedIterations {
    /// Total VUs of the whole test.
    pub vus: u64,
    /// Total iterations of the whole test (k6 requires `iterations >= vus`).
    pub iterations: u64,
    /// Hard limit on the executor's duration.
    pub max_duration: Duration,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for SharedIterations {
    /// k6's defaults: 1 VU, 1 iteration, 10m max duration, 30s graceful stop.
    fn default() -> Self {
        SharedIterations {
            vus: 1,
            iterations: 1,
            max_duration: Duration::from_secs(600),
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

impl SharedIterations {
    /// This segment's VUs (`GetVUs`).
    pub fn vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.vus)
    }

    /// This segment's iterations (`GetIterations`): the sequence is first
    /// re-split by each segment's share of the *VUs*, then the iterations are
    /// scaled by that new split, so iterations follow the VUs an instance
    /// actually has. 0 for a segment without VUs.
    pub fn iterations(&self, et: &ExecutionTuple) -> u64 {
        self.iteration_tuple(et)
            .map_or(0, |t| t.scale(self.iterations))
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.vus(et) > 0 && self.iterations(et) > 0
    }

    /// The VU reservation plan (`GetExecutionRequirements`); a single empty
    /// step when this segment has no VUs.
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        let vus = self.vus(et);
        if vus == 0 {
            return vec![ExecutionStep::new(Duration::ZERO, 0)];
        }
        vec![
            ExecutionStep::new(Duration::ZERO, vus),
            ExecutionStep::new(self.max_duration.saturating_add(self.graceful_stop), 0),
        ]
    }

    /// The tuple that stripes this executor's iterations and iteration
    /// counters: the instance's tuple re-split by VUs (k6's `Init`). Fails
    /// exactly when the segment has no VUs (k6 then skips the executor).
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> Result<ExecutionTuple, SegmentError> {
        et.resplit(self.vus)
    }
}
