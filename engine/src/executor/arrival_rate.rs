//! What `constant-arrival-rate` and `ramping-arrival-rate` share: the open
//! model. Iterations start on a schedule whatever the target's latency; each is
//! timed from its intended start, so queueing cannot hide (coordinated
//! omission). With no free VU an iteration is dropped and counted in
//! `dropped_iterations`, and a new VU is initialised if `maxVUs` allows.
//!
//! The schedule is k6's, to the nanosecond: the segment module computes the
//! ticks (`crate::segment`: a constant period, or the closed-form start of
//! each iteration under a ramping rate), and a process running an execution
//! segment fires only its stripe of the global ticks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{ActiveGuard, ExecutionState, ScenarioRun, VuSource, closed};
use crate::config::Fields;
use crate::control::StopLevel;
use crate::metrics::TagSet;
use crate::segment::Tick;

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

/// Start an iteration at each of `ticks` (offsets from the start) with the
/// pre-allocated VUs, growing to `max_vus`; the executor ends at `duration`.
pub(super) async fn run<S: VuSource>(
    run: ScenarioRun<S>,
    ticks: impl Iterator<Item = Tick> + Send,
    duration: Duration,
    max_vus: u64,
) {
    let ScenarioRun {
        state,
        source,
        vus,
        name,
        graceful_stop,
        iterations,
        ..
    } = run;
    let begin = Instant::now();
    let end = begin + duration;
    let (free_tx, mut free_rx) = mpsc::unbounded_channel::<S::Vu>();
    let mut allocated = vus.len() as u64;
    for vu in vus {
        let _ = free_tx.send(vu);
    }
    let growing = Arc::new(AtomicU64::new(0));
    let dropped_tags = TagSet::from_pairs([("scenario", &*name)]);
    let mut running = JoinSet::new();
    let stop = state.stop.clone();
    for tick in ticks {
        if tick.offset >= duration {
            break;
        }
        let intended = begin + tick.offset;
        tokio::select! {
            _ = tokio::time::sleep_until(intended) => {}
            _ = stop.reached(StopLevel::Graceful) => break,
        }
        // Reap finished iterations so the set does not grow without bound.
        while running.try_join_next().is_some() {}
        match free_rx.try_recv() {
            Ok(mut vu) => {
                let (state, source, free_tx) = (state.clone(), source.clone(), free_tx.clone());
                // Numbered as they start, as k6 does (a dropped tick takes
                // no number).
                let ids = iterations.next();
                running.spawn(async move {
                    let _active = ActiveGuard::new(&state);
                    if source.iterate(&mut vu, ids, intended).await {
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

/// Initialise one more VU in the background and add it to the free pool
/// (also for `capacity-search`'s steps).
pub(super) fn grow<S: VuSource>(
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
