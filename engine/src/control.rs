//! Run-wide stop signalling: why a run stops early, and a cheap way for
//! every VU and executor to notice.

use std::sync::Mutex;

use tokio::sync::watch;

/// Why a run is stopping before its plan ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// A scenario called `vu.abort` (exit code 108).
    ScenarioAbort(String),
    /// A threshold with `abortOnFail` failed (exit code 99).
    ThresholdAbort(String),
    /// Ctrl-C or SIGTERM (exit code 105).
    Interrupted,
    /// `setup` or `vu-init` failed (exit code 107).
    ScenarioError(String),
}

/// How hard the run is stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopLevel {
    /// Running normally.
    Running,
    /// Start no new iterations; running ones may finish within gracefulStop.
    Graceful,
    /// Interrupt running iterations now.
    Hard,
}

/// The run's stop switch, shared by the scheduler, the VUs and the signal
/// handler. The first reason given is the one reported.
#[derive(Debug)]
pub struct StopSignal {
    level: watch::Sender<StopLevel>,
    reason: Mutex<Option<StopReason>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        Self::new()
    }
}

impl StopSignal {
    /// A signal in the running state.
    pub fn new() -> Self {
        Self {
            level: watch::channel(StopLevel::Running).0,
            reason: Mutex::new(None),
        }
    }

    /// Ask the run to stop at `level` for `reason` (levels only go up).
    pub fn stop(&self, level: StopLevel, reason: StopReason) {
        {
            let mut r = self.reason.lock().unwrap_or_else(|e| e.into_inner());
            if r.is_none() {
                *r = Some(reason);
            }
        }
        self.level.send_if_modified(|l| {
            if level > *l {
                *l = level;
                true
            } else {
                false
            }
        });
    }

    /// The current level.
    pub fn level(&self) -> StopLevel {
        *self.level.borrow()
    }

    /// Whether new iterations may start.
    pub fn running(&self) -> bool {
        self.level() == StopLevel::Running
    }

    /// The first reason given, if any.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Resolves once the level is at least `level`.
    pub async fn reached(&self, level: StopLevel) {
        let mut rx = self.level.subscribe();
        // The sender lives as long as `self`, so wait_for only ends on success.
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}
