//! `per-vu-iterations`: each VU runs the same number of iterations.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{ExecutionContext, VuSlot, closed};
use crate::config::ScenarioPlan;

/// Each VU runs `iterations` iterations, none starting after `max_duration`.
pub(super) async fn run(
    ctx: Arc<ExecutionContext>,
    plan: &ScenarioPlan,
    slots: Vec<VuSlot>,
    iterations: u64,
    max_duration: Duration,
) {
    let end = Instant::now() + max_duration;
    closed::run(
        ctx,
        plan,
        slots,
        end,
        Arc::new(move |done| done < iterations),
    )
    .await;
}
