//! `shared-iterations`: VUs take iterations from a shared total until it is
//! used up; faster VUs run more of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{ExecutionContext, VuSlot, closed};
use crate::config::ScenarioPlan;

/// Run exactly `iterations` iterations in total (unless `max_duration` ends first).
pub(super) async fn run(
    ctx: Arc<ExecutionContext>,
    plan: &ScenarioPlan,
    slots: Vec<VuSlot>,
    iterations: u64,
    max_duration: Duration,
) {
    let end = Instant::now() + max_duration;
    let remaining = Arc::new(AtomicU64::new(iterations));
    let claim = move |_| {
        // Take one iteration from the pool if any is left.
        remaining
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    };
    closed::run(ctx, plan, slots, end, Arc::new(claim)).await;
}
