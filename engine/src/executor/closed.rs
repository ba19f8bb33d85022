//! The closed-model loop shared by the VU-count executors: each VU runs
//! iterations back to back while its executor lets it claim another, until
//! the executor's end; then running iterations get `gracefulStop` to finish.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::{ActiveGuard, ExecutionState, ScenarioRun, VuSource};
use crate::control::StopLevel;

/// Decides whether a VU may start another iteration: given how many this
/// VU has run, true to go on. Called just before each iteration.
pub(super) type Claim = Arc<dyn Fn(u64) -> bool + Send + Sync>;

/// Run the scenario's VUs in a closed model for `duration` (no new
/// iteration starts after it) or until `claim` refuses; interrupt what
/// still runs `gracefulStop` after the end or on a hard stop.
pub(super) async fn run<S: VuSource>(run: ScenarioRun<S>, duration: Duration, claim: Claim) {
    let ScenarioRun {
        state,
        source,
        vus,
        graceful_stop,
        iterations,
        ..
    } = run;
    let end = Instant::now() + duration;
    let mut set = JoinSet::new();
    for mut vu in vus {
        let (state, source, claim, iterations) = (
            state.clone(),
            source.clone(),
            claim.clone(),
            iterations.clone(),
        );
        set.spawn(async move {
            let _active = ActiveGuard::new(&state);
            let mut local = 0u64;
            loop {
                let now = Instant::now();
                if !(state.stop.running() && now < end && claim(local)) {
                    break;
                }
                local += 1;
                if !source.iterate(&mut vu, iterations.next(), now).await {
                    break;
                }
            }
        });
    }
    supervise(&state, graceful_stop, end, set).await;
}

/// Wait for an executor's VU tasks: they end on their own, or are cut off
/// `graceful_stop` after `end`, or on a hard stop, or `graceful_stop` after
/// a graceful stop (Ctrl-C). Cut-off iterations count as interrupted.
pub(super) async fn supervise(
    state: &ExecutionState,
    graceful_stop: Duration,
    end: Instant,
    mut set: JoinSet<()>,
) {
    let stop = state.stop.clone();
    let drained = async { while set.join_next().await.is_some() {} };
    let cut = tokio::select! {
        _ = drained => false,
        _ = sleep_until(end + graceful_stop) => true,
        _ = stop.reached(StopLevel::Hard) => true,
        _ = async {
            stop.reached(StopLevel::Graceful).await;
            tokio::time::sleep(graceful_stop).await;
        } => true,
    };
    if cut {
        // Iterations still running now are interrupted, as k6 does after
        // gracefulStop; their VUs' samples are flushed as the VUs drop.
        state.add_interrupted(set.len() as u64);
        set.shutdown().await;
    }
}
