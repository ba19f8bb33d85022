//! The `ramping-vus` executor's plan (k6's `ramping_vus.go`:
//! `getRawExecutionSteps`, `reserveVUsForGracefulRampDowns`,
//! `GetExecutionRequirements`).

use std::time::Duration;

use super::index::SegmentedIndex;
use super::simple::{DEFAULT_GRACEFUL_STOP, ExecutionStep, max_planned_vus};
use super::striping::ExecutionTuple;

/// One stage of a ramping executor: ramp linearly to `target` over `duration`.
///
/// For `ramping-vus` the target is a VU count; for `ramping-arrival-rate` it
/// is iterations per `time_unit`. A zero duration is an instant jump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stage {
    /// How long the ramp takes.
    pub duration: Duration,
    /// The value reached at the end of the stage.
    pub target: u64,
}

/// The `ramping-vus` executor: VUs follow `start_vus` and then the stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RampingVus {
    /// VUs at time 0 (whole test).
    pub start_vus: u64,
    /// The ramps.
    pub stages: Vec<Stage>,
    /// How long a ramped-down VU may finish its iteration (0 = interrupt).
    pub graceful_ramp_down: Duration,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for RampingVus {
    /// k6's defaults: 1 start VU, no stages, 30s graceful ramp-down and stop.
    fn default() -> Self {
        RampingVus {
            start_vus: 1,
            stages: Vec::new(),
            graceful_ramp_down: Duration::from_secs(30),
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

/// Nanoseconds as a signed wide integer. k6 does this math in `int64` ns
/// (so durations are capped there), and can overflow its products where
/// `i128` cannot for any `int64` duration and `u64` VU count.
fn ns(d: Duration) -> i128 {
    i128::from(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Back from signed nanoseconds, clamping negatives (which k6's step
/// arithmetic never produces for steps it keeps) to zero.
pub(crate) fn from_ns(n: i128) -> Duration {
    let n = u128::try_from(n).unwrap_or(0);
    let secs = u64::try_from(n / 1_000_000_000).unwrap_or(u64::MAX);
    // The remainder is below 10^9, so it always fits in u32.
    let nanos = u32::try_from(n % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// Appends a step only when the planned VUs change. The offset is computed
/// lazily: k6 evaluates it for no-op steps too, where it can even be
/// negative, but those never make it into the plan.
fn add_step(steps: &mut Vec<ExecutionStep>, planned: u64, offset: impl FnOnce() -> i128) {
    if steps.last().map(|s| s.planned_vus) != Some(planned) {
        steps.push(ExecutionStep::new(from_ns(offset()), planned));
    }
}

impl RampingVus {
    /// This segment's VUs at time 0 (`GetStartVUs`).
    pub fn start_vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.start_vus)
    }

    /// Sum of the stage durations: the regular (non-graceful) run time.
    pub fn regular_duration(&self) -> Duration {
        self.stages
            .iter()
            .fold(Duration::ZERO, |acc, s| acc.saturating_add(s.duration))
    }

    /// How many VUs this segment should be running at every moment (k6's
    /// `getRawExecutionSteps`), ignoring graceful ramp-downs.
    ///
    /// The global VU numbers `1..=n` are striped over the segments, and each
    /// segment starts (stops) its VU when the global ramp would start (stop)
    /// that VU number, so the per-segment step functions sum exactly to the
    /// unsegmented one. With `zero_end`, a final 0-VU step is appended at the
    /// end of the stages if the last step is not already 0.
    ///
    /// Runs in time proportional to the VU numbers ramped through, like k6;
    /// k6's validation caps `startVUs` and targets at 100,000,000.
    pub fn raw_execution_steps(&self, et: &ExecutionTuple, zero_end: bool) -> Vec<ExecutionStep> {
        let mut index = SegmentedIndex::new(et);
        let mut from_vus = i128::from(self.start_vus);
        let mut time_till_end: i128 = 0;
        let (mut scaled, mut unscaled) = index.go_to(self.start_vus);
        let mut steps = vec![ExecutionStep::new(Duration::ZERO, scaled)];
        for stage in &self.stages {
            let end_vus = i128::from(stage.target);
            let duration = ns(stage.duration);
            time_till_end += duration;
            let diff = end_vus - from_vus;
            if diff == 0 {
                continue;
            }
            if duration == 0 {
                (scaled, unscaled) = index.go_to(stage.target);
                add_step(&mut steps, scaled, || time_till_end);
                from_vus = end_vus;
                continue;
            }
            // VU number u starts at the moment the linear ramp reaches u
            // (end - duration*(end-u)/diff). When ramping down it stops one
            // VU later, when the ramp passes u-1, so VUs are not cut early.
            // Both divisions truncate toward zero, as Go's do.
            if i128::from(unscaled) > end_vus {
                while i128::from(unscaled) > end_vus {
                    let u = i128::from(unscaled);
                    let at = || time_till_end - duration.saturating_mul(end_vus - u + 1) / diff;
                    add_step(&mut steps, scaled.saturating_sub(1), at);
                    match index.prev_index() {
                        Some(pair) => (scaled, unscaled) = pair,
                        None => break,
                    }
                }
            } else {
                while i128::from(unscaled) <= end_vus {
                    let u = i128::from(unscaled);
                    let at = || time_till_end - duration.saturating_mul(end_vus - u) / diff;
                    add_step(&mut steps, scaled, at);
                    if unscaled == u64::MAX {
                        break; // saturated: only reachable with absurd targets
                    }
                    (scaled, unscaled) = index.next_index();
                }
            }
            from_vus = end_vus;
        }

        if zero_end && steps.last().is_some_and(|s| s.planned_vus != 0) {
            steps.push(ExecutionStep::new(from_ns(time_till_end), 0));
        }
        steps
    }

    /// The VU reservation plan (`GetExecutionRequirements`): the raw steps,
    /// with VUs kept reserved for `graceful_ramp_down` after each decrease
    /// (if it is non-zero), cut off and ended with a 0-VU step at
    /// `regular_duration + graceful_stop`.
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        let mut steps = self.raw_execution_steps(et, false);
        let executor_end = self.regular_duration().saturating_add(self.graceful_stop);
        if !self.graceful_ramp_down.is_zero() {
            steps = self.reserve_vus_for_graceful_ramp_downs(&steps, executor_end);
        }
        if steps.last().is_some_and(|s| s.planned_vus != 0) {
            steps.push(ExecutionStep::new(executor_end, 0));
        }
        steps
    }

    /// Most VUs this segment ever needs (k6 sizes the executor's VU handles
    /// with `GetMaxPlannedVUs` of the execution requirements).
    pub fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        max_planned_vus(&self.execution_requirements(et))
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.max_vus(et) > 0
    }

    /// The tuple that stripes this executor's iteration counters: the
    /// instance's own tuple.
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> ExecutionTuple {
        et.clone()
    }

    /// k6's `reserveVUsForGracefulRampDowns`: whenever the raw plan goes down,
    /// keep the higher count for `graceful_ramp_down` unless the plan comes
    /// back up to it within that window; never emit steps at or after
    /// `executor_end`.
    fn reserve_vus_for_graceful_ramp_downs(
        &self,
        raw: &[ExecutionStep],
        executor_end: Duration,
    ) -> Vec<ExecutionStep> {
        let mut new_steps = Vec::new();
        let mut last_planned = 0u64;
        let mut last_downward_slope = 0usize;
        let mut step_num = 0usize;
        while step_num < raw.len() {
            let step = raw[step_num];
            if step_num == 0 || step.planned_vus > last_planned {
                // Increases never need extra reservation.
                new_steps.push(step);
                last_planned = step.planned_vus;
                step_num += 1;
                continue;
            }
            if step.planned_vus == last_planned {
                step_num += 1;
                continue;
            }
            // A decrease: look ahead within the graceful window for a step
            // back up to last_planned, remembering how far the downward slope
            // goes so later look-aheads can start from there.
            let with_timeout = step.time_offset.saturating_add(self.graceful_ramp_down);
            let mut skipped_to = None;
            let mut was_ramping_down = true;
            let mut adv = last_downward_slope.max(step_num + 1);
            while adv < raw.len() {
                let adv_step = raw[adv];
                if adv_step.time_offset > with_timeout {
                    break;
                }
                if adv_step.planned_vus >= last_planned {
                    skipped_to = Some(adv);
                    break;
                }
                if was_ramping_down {
                    if raw[adv - 1].planned_vus > adv_step.planned_vus {
                        last_downward_slope = adv;
                    } else {
                        was_ramping_down = false;
                    }
                }
                adv += 1;
            }
            if let Some(adv) = skipped_to {
                step_num = adv; // continue from the new up-slope
                continue;
            }
            if with_timeout >= executor_end {
                break; // still ramping down when the executor ends
            }
            new_steps.push(ExecutionStep::new(with_timeout, step.planned_vus));
            last_planned = step.planned_vus;
            step_num += 1;
        }
        new_steps
    }
}
