//! The closed-model loop shared by the VU-count executors: each VU runs
//! iterations back to back while its executor lets it claim another, until
//! the executor's end, then running iterations get `gracefulStop` to finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;
use tokio::time::{Instant as TokioInstant, sleep_until};

use super::{ActiveGuard, ExecutionContext, VuSlot};
use crate::config::ScenarioPlan;
use crate::control::StopLevel;

/// Decides whether a VU may start another iteration: given how many this
/// VU has run, true to go on. Called just before each iteration.
pub(super) type Claim = Arc<dyn Fn(u64) -> bool + Send + Sync>;

/// Run `slots` in a closed model until `end` (no new iteration starts after
/// it) or until `claim` refuses; interrupt what still runs at
/// `end + gracefulStop` or on a hard stop.
pub(super) async fn run(
    ctx: Arc<ExecutionContext>,
    plan: &ScenarioPlan,
    slots: Vec<VuSlot>,
    end: Instant,
    claim: Claim,
) {
    let counter = Arc::new(AtomicU64::new(0));
    let mut set = JoinSet::new();
    for mut slot in slots {
        let ctx = ctx.clone();
        let claim = claim.clone();
        let counter = counter.clone();
        set.spawn(async move {
            let _active = ActiveGuard::new(&ctx);
            let mut local = 0u64;
            loop {
                let now = Instant::now();
                if !(ctx.run.stop.running() && now < end && claim(local)) {
                    break;
                }
                local += 1;
                let in_scenario = counter.fetch_add(1, Ordering::Relaxed);
                if !slot.iterate(&ctx, in_scenario, now).await {
                    break;
                }
            }
        });
    }
    supervise(&ctx, plan.graceful_stop, end, set).await;
}

/// Wait for an executor's VU tasks: they end on their own, or are cut off
/// `graceful_stop` after `end`, or on a hard stop, or `graceful_stop` after
/// a graceful stop (Ctrl-C). Cut-off iterations count as interrupted.
pub(super) async fn supervise(
    ctx: &ExecutionContext,
    graceful_stop: std::time::Duration,
    end: Instant,
    mut set: JoinSet<()>,
) {
    let hard_deadline = TokioInstant::from_std(end + graceful_stop);
    let stop = ctx.run.stop.clone();
    let drained = async { while set.join_next().await.is_some() {} };
    let cut = tokio::select! {
        _ = drained => false,
        _ = sleep_until(hard_deadline) => true,
        _ = stop.reached(StopLevel::Hard) => true,
        _ = async {
            stop.reached(StopLevel::Graceful).await;
            tokio::time::sleep(graceful_stop).await;
        } => true,
    };
    if cut {
        // Iterations still running now are interrupted, as k6 does after
        // gracefulStop; their VUs' samples are flushed as the stores drop.
        let running = set.len() as u64;
        ctx.interrupted.fetch_add(running, Ordering::Relaxed);
        set.shutdown().await;
    }
}
