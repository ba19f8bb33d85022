//! What `constant-arrival-rate` and `ramping-arrival-rate` share: the open
//! model. Iterations start on a schedule whatever the target's latency; each is
//! timed from its intended start, so queueing cannot hide (coordinated
//! omission). With no free VU an iteration is dropped and counted in
//! `dropped_iterations`, and a new VU is initialised if `maxVUs` allows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{ActiveGuard, ExecutionState, ScenarioRun, VuSource, closed};
use crate::config::{Fields, Stage};
use crate::control::StopLevel;
use crate::metrics::TagSet;

/// When each iteration starts: the rate (per second) goes linearly from
/// one stage's target to the next, and iteration k starts when the
/// integral of the rate reaches k.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    /// Per stage: start offset, duration, rate at start and end (per second),
    /// iterations started before the stage.
    stages: Vec<(Duration, Duration, f64, f64, f64)>,
    total: Duration,
}

impl Schedule {
    /// A schedule from `start_rate` through `stages` (targets are rates per `time_unit`).
    pub(crate) fn new(start_rate: u64, time_unit: Duration, stages: &[Stage]) -> Schedule {
        let unit = time_unit.as_secs_f64().max(f64::MIN_POSITIVE);
        let mut out = Vec::with_capacity(stages.len());
        let (mut at, mut from, mut done) = (Duration::ZERO, start_rate as f64 / unit, 0.0);
        for s in stages {
            let to = s.target as f64 / unit;
            out.push((at, s.duration, from, to, done));
            done += (from + to) / 2.0 * s.duration.as_secs_f64();
            at += s.duration;
            from = to;
        }
        Schedule {
            stages: out,
            total: at,
        }
    }

    /// How long the schedule runs.
    pub(crate) fn total(&self) -> Duration {
        self.total
    }

    /// When iteration `k` (from 0) starts, or None if it is past the end.
    pub(crate) fn start_of(&self, k: u64) -> Option<Duration> {
        let k = k as f64;
        for &(at, dur, r0, r1, before) in &self.stages {
            let d = dur.as_secs_f64();
            let in_stage = (r0 + r1) / 2.0 * d;
            if k < before + in_stage {
                // Solve before + r0·τ + (r1−r0)·τ²/(2d) = k for τ.
                let need = k - before;
                let a = (r1 - r0) / (2.0 * d);
                let tau = if a.abs() < 1e-12 {
                    need / r0
                } else {
                    (-r0 + (r0 * r0 + 4.0 * a * need).max(0.0).sqrt()) / (2.0 * a)
                };
                return Some(at + Duration::from_secs_f64(tau.clamp(0.0, d)));
            }
        }
        None
    }
}

/// k6's default `timeUnit`.
pub(super) const DEFAULT_TIME_UNIT: Duration = Duration::from_secs(1);

/// `timeUnit` (default 1s, never 0).
pub(super) fn time_unit(f: &mut Fields<'_>) -> Duration {
    let value = f.duration("timeUnit").unwrap_or(DEFAULT_TIME_UNIT);
    if value.is_zero() {
        f.fail("timeUnit", "must be more than 0");
    }
    value
}

/// `preAllocatedVUs` (required) and `maxVUs` (default: the former).
pub(super) fn vu_pool(f: &mut Fields<'_>) -> (u64, u64) {
    let pre = f.u64("preAllocatedVUs");
    let pre = f.required("preAllocatedVUs", pre).unwrap_or(0);
    let max = f.u64("maxVUs").unwrap_or(pre);
    if max < pre {
        f.fail(
            "maxVUs",
            format!("{max} can't be less than preAllocatedVUs ({pre})"),
        );
    }
    (pre, max)
}

/// Run `schedule` with the pre-allocated VUs, growing to `max_vus`.
pub(super) async fn run<S: VuSource>(run: ScenarioRun<S>, schedule: Schedule, max_vus: u64) {
    let ScenarioRun {
        state,
        source,
        vus,
        name,
        graceful_stop,
    } = run;
    let begin = Instant::now();
    let end = begin + schedule.total();
    let (free_tx, mut free_rx) = mpsc::unbounded_channel::<S::Vu>();
    let mut allocated = vus.len() as u64;
    for vu in vus {
        let _ = free_tx.send(vu);
    }
    let growing = Arc::new(AtomicU64::new(0));
    let dropped_tags = TagSet::from_pairs([("scenario", &*name)]);
    let mut running = JoinSet::new();
    let stop = state.stop.clone();
    let mut k = 0u64;
    while let Some(offset) = schedule.start_of(k) {
        let intended = begin + offset;
        tokio::select! {
            _ = tokio::time::sleep_until(intended) => {}
            _ = stop.reached(StopLevel::Graceful) => break,
        }
        k += 1;
        // Reap finished iterations so the set does not grow without bound.
        while running.try_join_next().is_some() {}
        match free_rx.try_recv() {
            Ok(mut vu) => {
                let (state, source, free_tx) = (state.clone(), source.clone(), free_tx.clone());
                let n = k - 1;
                running.spawn(async move {
                    let _active = ActiveGuard::new(&state);
                    if source.iterate(&mut vu, n, intended).await {
                        let _ = free_tx.send(vu);
                    }
                });
            }
            Err(_) => {
                state.dropped_iteration(&dropped_tags);
                if allocated < max_vus && growing.load(Ordering::Relaxed) == 0 {
                    allocated += 1;
                    grow(&state, &source, free_tx.clone(), growing.clone());
                }
            }
        }
    }
    drop(free_tx);
    closed::supervise(
        &state,
        graceful_stop,
        end.min(Instant::now().max(begin)),
        running,
    )
    .await;
}

/// Initialise one more VU in the background and add it to the free pool.
fn grow<S: VuSource>(
    state: &Arc<ExecutionState>,
    source: &Arc<S>,
    free: mpsc::UnboundedSender<S::Vu>,
    growing: Arc<AtomicU64>,
) {
    growing.fetch_add(1, Ordering::Relaxed);
    let (state, source) = (state.clone(), source.clone());
    tokio::spawn(async move {
        if let Some(vu) = source.create().await {
            state.vu_allocated();
            let _ = free.send(vu);
        }
        growing.fetch_sub(1, Ordering::Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_rate_spaces_iterations_evenly() {
        let s = Schedule::new(100, Duration::from_secs(1), &[Stage::secs(2, 100)]);
        assert_eq!(s.start_of(0), Some(Duration::ZERO));
        assert_eq!(s.start_of(50), Some(Duration::from_millis(500)));
        assert_eq!(s.start_of(199).map(|d| d.as_millis()), Some(1990));
        assert_eq!(s.start_of(200), None);
    }

    #[test]
    fn ramping_rate_integrates() {
        // 0 → 10/s over 10 s: 50 iterations; half of them start after ~7.07 s.
        let s = Schedule::new(0, Duration::from_secs(1), &[Stage::secs(10, 10)]);
        let t = s.start_of(25).expect("in schedule").as_secs_f64();
        assert!((t - 50f64.sqrt()).abs() < 1e-6, "{t}");
        assert_eq!(s.start_of(50), None);
        // time unit: 60 per minute = 1/s
        let m = Schedule::new(60, Duration::from_secs(60), &[Stage::secs(3, 60)]);
        assert_eq!(m.start_of(2), Some(Duration::from_secs(2)));
    }
}
