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
    done: oneshot::Sender<tokio::time::Instant>,
    task: JoinHandle<()>,
}

impl Monitor {
    /// Stop and wait for the monitor (clears the progress display).
    pub(super) async fn finish(self) {
        let _ = self.done.send(tokio::time::Instant::now());
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
    // k6 samples `vus` every second from one second in, on a ticker started
    // a moment before the load. The origin is taken here, before the
    // scenarios take theirs, not when the task is first polled: on a busy
    // machine that can come after a `startTime: '1s'` scenario's start, and
    // a run that ends a few ms after it would then miss the sample k6 takes.
    let origin = tokio::time::Instant::now();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(origin + TICK, TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u64 = 0;
        let mut live = Live::default();
        let mut plain = Plain::default();
        // Set once the end was signalled after the tick now being handled
        // fell due: that tick is the last.
        let mut last = false;
        while !last {
            // A tick that fell due while the load still ran is taken even if
            // the end was signalled before this task got to run.
            let due = tokio::select! {
                biased;
                due = tick.tick() => due,
                _ = &mut done_rx => break,
            };
            match done_rx.try_recv() {
                Ok(end) if end < due => break,
                Ok(_) => last = true,
                Err(oneshot::error::TryRecvError::Empty) => {}
                Err(oneshot::error::TryRecvError::Closed) => break,
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
            // k6 judges thresholds during the run every 2 s (not on a tick
            // handled after the load ended: the final judgement follows).
            if has_abort && !last && ticks.is_multiple_of(2) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::StopSignal;
    use crate::host::{DataSets, HttpRun, VuRun};
    use crate::http::{HttpSettings, SharedHttp};
    use crate::metrics::{Registry, Store};
    use crate::segment::ExecutionTuple;

    fn run_state() -> (Arc<ExecutionState>, Arc<HostRun>) {
        let stop = Arc::new(StopSignal::new());
        let store = Store::new(Arc::new(Registry::new()), 1);
        let http = SharedHttp::new(HttpSettings {
            user_agent: "test".into(),
            timeout: Duration::from_secs(1),
            max_redirects: 0,
            insecure_skip_tls_verify: false,
            max_body_bytes: 1024,
        })
        .expect("client");
        let host = Arc::new(HostRun {
            vu: VuRun::new(store.clone(), stop.clone(), 0, None, "{}".into()),
            http: HttpRun::new(http, true),
            data: DataSets::default(),
        });
        let state = ExecutionState::new(stop, store, &ExecutionTuple::full());
        (state, host)
    }

    fn start(state: &Arc<ExecutionState>, host: &Arc<HostRun>) -> Monitor {
        spawn(
            state.clone(),
            host.clone(),
            Arc::default(),
            Progress::Off,
            Outputs::default(),
            Vec::new(),
            None,
        )
    }

    fn vus_sampled(host: &HostRun) -> bool {
        let snap = host.vu.metrics.snapshot(Duration::from_secs(1));
        snap.aggregate("vus", &[]).is_some() && snap.aggregate("vus_max", &[]).is_some()
    }

    /// The regression CI met: a monitor first polled after its first tick
    /// fell due (a busy machine) must still take that tick when the load
    /// ends a moment later, as k6's ticker does.
    #[tokio::test(start_paused = true)]
    async fn a_tick_due_while_the_load_ran_is_taken_however_late_the_monitor_runs() {
        let (state, host) = run_state();
        let monitor = start(&state, &host);
        // The clock passes the first tick before the task is first polled.
        tokio::time::advance(TICK + Duration::from_millis(5)).await;
        monitor.finish().await;
        assert!(vus_sampled(&host), "the tick at 1 s was lost");
    }

    /// A load that ended before the first tick has no `vus` sample (k6
    /// reports none for a run under a second).
    #[tokio::test(start_paused = true)]
    async fn a_load_shorter_than_a_tick_samples_nothing() {
        let (state, host) = run_state();
        let monitor = start(&state, &host);
        tokio::time::advance(TICK - Duration::from_millis(5)).await;
        monitor.finish().await;
        // Past the tick now: the ended monitor must not take it.
        tokio::time::advance(TICK).await;
        assert!(!vus_sampled(&host));
    }
}
