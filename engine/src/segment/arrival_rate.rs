//! The arrival-rate executors' plans and tick schedules (k6's
//! `constant_arrival_rate.go`, `ramping_arrival_rate.go` and the ticker
//! helpers in `helpers.go`).
//!
//! k6 does not scale the rate. Every instance walks the *global* schedule of
//! iteration starts and fires only the ticks whose global number falls in its
//! stripe, using the tuple re-split by `maxVUs` (so ticks follow the VUs each
//! instance may have). The tick sets of all instances are therefore disjoint
//! and their union is exactly the unsegmented schedule, tick times included.

use std::time::Duration;

use super::SegmentError;
use super::ramping_vus::{Stage, from_ns};
use super::ratio::div_to_f64;
use super::simple::{DEFAULT_GRACEFUL_STOP, ExecutionStep};
use super::striping::ExecutionTuple;

/// One scheduled iteration start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tick {
    /// 0-based number of the tick in the whole (unsegmented) schedule. It is
    /// also the `iterationInTest` the iteration gets, unless an earlier tick
    /// of this instance was dropped for lack of a free VU.
    pub index: u64,
    /// When the iteration should start, from the executor's start.
    pub offset: Duration,
}

fn arrival_requirements(
    et: &ExecutionTuple,
    pre: u64,
    max: u64,
    end: Duration,
) -> Vec<ExecutionStep> {
    let (planned, possible) = (et.scale(pre), et.scale(max));
    vec![
        ExecutionStep {
            time_offset: Duration::ZERO,
            planned_vus: planned,
            max_unplanned_vus: possible.saturating_sub(planned),
        },
        ExecutionStep::new(end, 0),
    ]
}

fn time_unit_ns(time_unit: Duration) -> Result<u64, SegmentError> {
    match u64::try_from(time_unit.as_nanos()) {
        Ok(0) => Err(SegmentError::InvalidConfig(
            "the timeUnit must be more than 0",
        )),
        Ok(ns) => Ok(ns),
        Err(_) => Err(SegmentError::InvalidConfig("the timeUnit is too large")),
    }
}

/// The `constant-arrival-rate` executor: `rate` iterations per `time_unit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstantArrivalRate {
    /// Iterations per `time_unit`, for the whole test.
    pub rate: u64,
    /// The rate's period.
    pub time_unit: Duration,
    /// How long to start iterations.
    pub duration: Duration,
    /// VUs initialized before the start (whole test).
    pub pre_allocated_vus: u64,
    /// Upper bound of VUs (whole test). k6 sets an unset `maxVUs` to
    /// `preAllocatedVUs` during validation: do the same before calling.
    pub max_vus: u64,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for ConstantArrivalRate {
    /// k6's defaults: 1s time unit, 30s graceful stop; the rest is mandatory.
    fn default() -> Self {
        ConstantArrivalRate {
            rate: 0,
            time_unit: Duration::from_secs(1),
            duration: Duration::ZERO,
            pre_allocated_vus: 0,
            max_vus: 0,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

impl ConstantArrivalRate {
    /// This segment's pre-allocated VUs (`GetPreAllocatedVUs`).
    pub fn pre_allocated_vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.pre_allocated_vus)
    }

    /// This segment's VU limit (`GetMaxVUs`).
    pub fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.max_vus)
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.max_vus(et) > 0
    }

    /// The VU reservation plan (`GetExecutionRequirements`).
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        let end = self.duration.saturating_add(self.graceful_stop);
        arrival_requirements(et, self.pre_allocated_vus, self.max_vus, end)
    }

    /// The tuple that stripes ticks and iteration counters: the instance's
    /// tuple re-split by `max_vus` (k6's `Init`). Fails exactly when the
    /// segment has no VUs.
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> Result<ExecutionTuple, SegmentError> {
        et.resplit(self.max_vus)
    }

    /// The unscaled interval between global ticks (k6's `getTickerPeriod`):
    /// `time_unit / rate` rounded to the nearest `f64` nanosecond value and
    /// then truncated, exactly like k6.
    pub fn ticker_period(&self) -> Result<Duration, SegmentError> {
        let unit = time_unit_ns(self.time_unit)?;
        if self.rate == 0 {
            return Err(SegmentError::InvalidConfig(
                "the iteration rate must be more than 0",
            ));
        }
        let period = div_to_f64(unit, self.rate) as u64; // truncation, like Go
        if period == 0 {
            // k6 would fire every tick at once, forever.
            return Err(SegmentError::InvalidConfig(
                "the rate is above one iteration per nanosecond",
            ));
        }
        Ok(Duration::from_nanos(period))
    }

    /// This segment's ticks: global tick `g` fires at `g * ticker_period` for
    /// every `g` in the segment's stripe with an offset below `duration`
    /// (k6 stops at the end of the regular duration; it races on a tick that
    /// lands exactly on it, Volley never fires that one).
    pub fn ticks(&self, et: &ExecutionTuple) -> Result<ConstantArrivalRateTicks, SegmentError> {
        let period = self.ticker_period()?;
        let tuple = self.iteration_tuple(et)?;
        let stripe = tuple.striped_offsets();
        Ok(ConstantArrivalRateTicks {
            period_ns: period.as_nanos(),
            end_ns: self.duration.as_nanos(),
            next_index: stripe.start,
            gaps: stripe.offsets.to_vec(),
            cursor: 0,
        })
    }
}

/// Iterator over one segment's constant-arrival-rate [`Tick`]s.
#[derive(Debug, Clone)]
pub struct ConstantArrivalRateTicks {
    period_ns: u128,
    end_ns: u128,
    next_index: u64,
    gaps: Vec<u64>,
    cursor: usize,
}

impl Iterator for ConstantArrivalRateTicks {
    type Item = Tick;

    fn next(&mut self) -> Option<Tick> {
        let offset = self.period_ns.checked_mul(u128::from(self.next_index))?;
        if offset >= self.end_ns || self.gaps.is_empty() {
            return None;
        }
        let tick = Tick {
            index: self.next_index,
            offset: from_ns(i128::try_from(offset).ok()?),
        };
        self.next_index = self.next_index.saturating_add(self.gaps[self.cursor]);
        self.cursor = (self.cursor + 1) % self.gaps.len();
        Some(tick)
    }
}

/// The `ramping-arrival-rate` executor: the rate ramps through the stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RampingArrivalRate {
    /// Iterations per `time_unit` at time 0 (whole test).
    pub start_rate: u64,
    /// The rates' period.
    pub time_unit: Duration,
    /// The ramps; targets are iterations per `time_unit`.
    pub stages: Vec<Stage>,
    /// VUs initialized before the start (whole test).
    pub pre_allocated_vus: u64,
    /// Upper bound of VUs (whole test); set it to `pre_allocated_vus` when
    /// unset, as k6's validation does.
    pub max_vus: u64,
    /// Grace period for in-flight iterations at the end.
    pub graceful_stop: Duration,
}

impl Default for RampingArrivalRate {
    /// k6's defaults: 1s time unit, 30s graceful stop; the rest is mandatory.
    fn default() -> Self {
        RampingArrivalRate {
            start_rate: 0,
            time_unit: Duration::from_secs(1),
            stages: Vec::new(),
            pre_allocated_vus: 0,
            max_vus: 0,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
        }
    }
}

impl RampingArrivalRate {
    /// This segment's pre-allocated VUs (`GetPreAllocatedVUs`).
    pub fn pre_allocated_vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.pre_allocated_vus)
    }

    /// This segment's VU limit (`GetMaxVUs`).
    pub fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        et.scale(self.max_vus)
    }

    /// Whether this segment runs anything (`HasWork`).
    pub fn has_work(&self, et: &ExecutionTuple) -> bool {
        self.max_vus(et) > 0
    }

    /// Sum of the stage durations: the regular (non-graceful) run time.
    pub fn regular_duration(&self) -> Duration {
        self.stages
            .iter()
            .fold(Duration::ZERO, |acc, s| acc.saturating_add(s.duration))
    }

    /// The VU reservation plan (`GetExecutionRequirements`).
    pub fn execution_requirements(&self, et: &ExecutionTuple) -> Vec<ExecutionStep> {
        let end = self.regular_duration().saturating_add(self.graceful_stop);
        arrival_requirements(et, self.pre_allocated_vus, self.max_vus, end)
    }

    /// The tuple that stripes ticks and iteration counters: the instance's
    /// tuple re-split by `max_vus` (k6's `Init`). Fails exactly when the
    /// segment has no VUs.
    pub fn iteration_tuple(&self, et: &ExecutionTuple) -> Result<ExecutionTuple, SegmentError> {
        et.resplit(self.max_vus)
    }

    /// This segment's ticks as k6's `Run` schedules them: [`Self::cal`] over
    /// the tuple re-split by `max_vus`.
    pub fn ticks(&self, et: &ExecutionTuple) -> Result<RampingArrivalRateTicks, SegmentError> {
        self.cal(&self.iteration_tuple(et)?)
    }

    /// k6's `cal`: the start times of the global iterations in `striping`'s
    /// stripe. Iteration `n` (1-based) starts when the area under the rate
    /// curve reaches `n`, solved per stage in closed form (linear ramps give
    /// a quadratic). Uses the same `f64` operations in the same order as k6,
    /// so times match to the nanosecond. The last tick can land exactly on
    /// the end of the stages, where k6's run loop races with its deadline.
    pub fn cal(&self, striping: &ExecutionTuple) -> Result<RampingArrivalRateTicks, SegmentError> {
        let unit = time_unit_ns(self.time_unit)? as f64;
        let stripe = striping.striped_offsets();
        Ok(RampingArrivalRateTicks {
            stages: self.stages.clone(),
            stage: 0,
            in_stage: false,
            time_unit: unit,
            from: self.start_rate as f64 / unit,
            to: 0.0,
            dur: 0.0,
            done_so_far: 0.0,
            end_count: 0.0,
            stage_start_ns: 0,
            // Areas count from 1, stripes from 0.
            i: (stripe.start + 1) as f64,
            gaps: stripe.offsets.to_vec(),
            cursor: 0,
        })
    }
}

/// Iterator over one segment's ramping-arrival-rate [`Tick`]s (k6's `cal`
/// as a state machine instead of a goroutine feeding a channel).
#[derive(Debug, Clone)]
pub struct RampingArrivalRateTicks {
    stages: Vec<Stage>,
    stage: usize,
    in_stage: bool,
    time_unit: f64,
    from: f64,
    to: f64,
    dur: f64,
    done_so_far: f64,
    end_count: f64,
    stage_start_ns: i128,
    i: f64,
    gaps: Vec<u64>,
    cursor: usize,
}

/// k6's `noNegativeSqrt`: rounding can make the radicand a tiny negative.
fn no_negative_sqrt(f: f64) -> f64 {
    if f.is_sign_negative() { 0.0 } else { f.sqrt() }
}

impl Iterator for RampingArrivalRateTicks {
    type Item = Tick;

    fn next(&mut self) -> Option<Tick> {
        loop {
            let stage = *self.stages.get(self.stage)?;
            if !self.in_stage {
                self.to = stage.target as f64 / self.time_unit;
                self.dur = stage.duration.as_nanos() as f64;
                // Events completed by the end of this stage: the area under
                // the (trapezoid or rectangle) rate curve.
                if self.from != self.to {
                    self.end_count += self.dur * ((self.to - self.from) / 2.0 + self.from);
                } else {
                    self.end_count += self.dur * self.to;
                }
                self.in_stage = true;
            }
            if self.i <= self.end_count && !self.gaps.is_empty() {
                let (from, to, dur, i) = (self.from, self.to, self.dur, self.i);
                let x = if from != to {
                    (from * dur
                        - no_negative_sqrt(
                            dur * (from * from * dur + 2.0 * (i - self.done_so_far) * (to - from)),
                        ))
                        / (from - to)
                } else {
                    (i - self.done_so_far) / to
                };
                // Go's time.Duration(x) truncates toward zero.
                let offset = i128::from(x as i64) + self.stage_start_ns;
                let tick = Tick {
                    index: (i - 1.0) as u64,
                    offset: from_ns(offset),
                };
                self.i += self.gaps[self.cursor] as f64;
                self.cursor = (self.cursor + 1) % self.gaps.len();
                return Some(tick);
            }
            self.done_so_far = self.end_count;
            self.from = self.to;
            self.stage_start_ns += i128::try_from(stage.duration.as_nanos()).unwrap_or(i128::MAX);
            self.stage += 1;
            self.in_stage = false;
        }
    }
}
