//! While the run goes: once a second, record the `vus` gauge (as k6 does,
//! from one second in, until the run stops), judge `abortOnFail`
//! thresholds on a fresh snapshot, draw the progress display, and hand the
//! snapshot to the outputs that want one.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::progress::{Live, Plain, Progress, Window};
use crate::control::{StopLevel, StopReason};
use crate::executor::ExecutionState;
use crate::host::HostRun;
use crate::metrics::{Builtin, Snapshot, TagSet};
use crate::outcome::ThresholdLine;
use crate::output::Outputs;
use crate::thresholds::{self, ThresholdSet};

/// How often the monitor looks.
const TICK: Duration = Duration::from_secs(1);

/// The running monitor; [`finish`](Monitor::finish) stops it.
pub(super) struct Monitor {
    done: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Monitor {
    /// Stop and wait for the monitor (clears the progress display).
    pub(super) async fn finish(self) {
        let _ = self.done.send(());
        let _ = self.task.await;
    }
}

/// Start the monitor.
pub(super) fn spawn(
    state: Arc<ExecutionState>,
    host: Arc<HostRun>,
    set: Arc<ThresholdSet>,
    progress: Progress,
    outputs: Outputs,
    windows: Vec<Window>,
    periods: Option<Arc<crate::stages::Periods>>,
) -> Monitor {
    let (done, mut done_rx) = oneshot::channel();
    let has_abort = set
        .metrics
        .iter()
        .any(|m| m.thresholds.iter().any(|t| t.abort_on_fail));
    let snapshots = outputs.wants_snapshots();
    let task = tokio::spawn(async move {
        // k6 samples `vus` every second from one second in.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u64 = 0;
        let mut live = Live::default();
        let mut plain = Plain::default();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = &mut done_rx => break,
            }
            let active = state.active_vus() as f64;
            let metrics = &host.vu.metrics;
            if state.stop.running() {
                metrics.set_gauge(Builtin::Vus.id(), TagSet::empty(), active);
                metrics.set_gauge(
                    Builtin::VusMax.id(),
                    TagSet::empty(),
                    state.allocated_vus() as f64,
                );
            }
            let plain_due = match progress {
                Progress::Plain(every) => plain.due(every),
                _ => false,
            };
            let tty = progress == Progress::Tty;
            if !has_abort && !tty && !plain_due && !snapshots {
                continue;
            }
            ticks += 1;
            let snap = metrics.snapshot(host.vu.elapsed());
            // k6 judges thresholds during the run every 2 s.
            if has_abort && ticks.is_multiple_of(2) {
                let outcomes = thresholds::evaluate(&set, |sel, agg| {
                    crate::stages::select::observe_live(&snap, periods.as_deref(), sel, agg)
                });
                // As k6 judges them: its ticker starts a moment before the
                // test does, so at the tick of second N the test has run a
                // little under N seconds, and `delayAbortEval: '2s'` lets
                // the tick of second 4 abort, not that of second 2.
                let nominal = TICK * u32::try_from(ticks).unwrap_or(u32::MAX);
                if let Some(reason) = thresholds::should_abort(&set, &outcomes, nominal) {
                    crate::log::line(
                        crate::log::Level::Error,
                        None,
                        &format!("threshold crossed, aborting the test: {reason}"),
                    );
                    state
                        .stop
                        .stop(StopLevel::Hard, StopReason::ThresholdAbort(reason));
                }
            }
            if tty {
                live.draw(&snap, active, &windows);
            }
            if plain_due {
                plain.line(&snap, active);
            }
            if snapshots {
                outputs.on_snapshot(&snap);
            }
        }
        live.clear();
    });
    Monitor { done, task }
}

/// Judge every threshold on the final snapshot (a run without periods;
/// see [`crate::stages::select::judge`]).
pub fn judge(set: &ThresholdSet, snap: &Snapshot) -> Vec<ThresholdLine> {
    crate::stages::select::judge(set, snap, None, None)
}
