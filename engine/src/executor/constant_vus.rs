//! `constant-vus`: a fixed number of VUs loop for a duration.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{ExecutionContext, VuSlot, closed};
use crate::config::ScenarioPlan;

/// Run every VU until `duration` has passed.
pub(super) async fn run(
    ctx: Arc<ExecutionContext>,
    plan: &ScenarioPlan,
    slots: Vec<VuSlot>,
    duration: Duration,
) {
    let end = Instant::now() + duration;
    closed::run(ctx, plan, slots, end, Arc::new(|_| true)).await;
}
