//! `ramping-vus`: the number of active VUs follows the stages, linearly
//! within each. A VU removed by a ramp-down finishes its iteration, or is
//! interrupted after `gracefulRampDown`; a VU added starts at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{ActiveGuard, ExecutionContext, VuSlot, closed};
use crate::config::{ScenarioPlan, Stage};
use crate::control::StopLevel;

/// How often the target VU count is recomputed.
const STEP: Duration = Duration::from_millis(10);

/// The target VU count `elapsed` into the stages (k6 rounds down while
/// ramping; at a stage's end the count is exactly its target).
pub(super) fn target_at(start_vus: u64, stages: &[Stage], elapsed: Duration) -> u64 {
    let mut from = start_vus as f64;
    let mut t = elapsed;
    for s in stages {
        if t < s.duration {
            let frac = t.as_secs_f64() / s.duration.as_secs_f64();
            return (from + (s.target as f64 - from) * frac).floor().max(0.0) as u64;
        }
        t -= s.duration;
        from = s.target as f64;
    }
    stages.last().map_or(start_vus, |s| s.target)
}

/// Run `slots` following the stages.
pub(super) async fn run(
    ctx: Arc<ExecutionContext>,
    plan: &ScenarioPlan,
    slots: Vec<VuSlot>,
    start_vus: u64,
    stages: &[Stage],
    graceful_ramp_down: Duration,
) {
    let begin = Instant::now();
    let total: Duration = stages.iter().map(|s| s.duration).sum();
    let end = begin + total;
    let (tx, rx) = watch::channel(target_at(start_vus, stages, Duration::ZERO));
    let counter = Arc::new(AtomicU64::new(0));
    let mut set = JoinSet::new();
    for (i, mut slot) in slots.into_iter().enumerate() {
        let (ctx, mut rx, counter) = (ctx.clone(), rx.clone(), counter.clone());
        let i = i as u64;
        set.spawn(async move {
            loop {
                // Wait until this VU is wanted (or the executor ends).
                tokio::select! {
                    r = rx.wait_for(|t| *t > i) => if r.is_err() { break },
                    _ = tokio::time::sleep_until(end.into()) => break,
                    _ = ctx.run.stop.reached(StopLevel::Graceful) => break,
                }
                let _active = ActiveGuard::new(&ctx);
                while *rx.borrow() > i && Instant::now() < end && ctx.run.stop.running() {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let mut off = rx.clone();
                    let ramped_down = async {
                        let _ = off.wait_for(|t| *t <= i).await;
                        tokio::time::sleep(graceful_ramp_down).await;
                    };
                    tokio::select! {
                        alive = slot.iterate(&ctx, n, Instant::now()) => if !alive { return },
                        _ = ramped_down => {
                            // Cut off by the ramp-down; the slot replaces
                            // its instance before it runs again.
                            ctx.interrupted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                if Instant::now() >= end || !ctx.run.stop.running() {
                    break;
                }
            }
        });
    }
    // Drive the target until the stages end, then let the VUs wind down.
    let stop = ctx.run.stop.clone();
    let driver = async {
        let mut tick = tokio::time::interval(STEP);
        loop {
            tick.tick().await;
            let now = Instant::now();
            if now >= end {
                break;
            }
            tx.send_if_modified(|t| {
                let target = target_at(start_vus, stages, now - begin);
                let changed = *t != target;
                *t = target;
                changed
            });
        }
    };
    tokio::select! {
        _ = driver => {}
        _ = stop.reached(StopLevel::Graceful) => {}
    }
    closed::supervise(
        &ctx,
        plan.graceful_stop,
        end.min(Instant::now().max(begin)),
        set,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_the_stages_linearly() {
        let stages = [Stage::secs(10, 10), Stage::secs(10, 10), Stage::secs(5, 0)];
        assert_eq!(target_at(0, &stages, Duration::ZERO), 0);
        assert_eq!(target_at(0, &stages, Duration::from_secs(5)), 5);
        assert_eq!(target_at(0, &stages, Duration::from_millis(9_999)), 9);
        assert_eq!(target_at(0, &stages, Duration::from_secs(10)), 10);
        assert_eq!(target_at(0, &stages, Duration::from_secs(15)), 10);
        assert_eq!(target_at(0, &stages, Duration::from_millis(22_500)), 5);
        assert_eq!(target_at(0, &stages, Duration::from_secs(30)), 0);
        assert_eq!(
            target_at(4, &[Stage::secs(2, 0)], Duration::from_secs(1)),
            2
        );
    }
}
