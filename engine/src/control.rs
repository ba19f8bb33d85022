//! Run-wide stop signalling: why a run stops early, and a cheap way for
//! every VU and executor to notice. Reading the level is one atomic load
//! (VUs check it before every iteration); waiting for a level goes through
//! a watch channel.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

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

impl StopLevel {
    fn from_u8(v: u8) -> StopLevel {
        match v {
            0 => StopLevel::Running,
            1 => StopLevel::Graceful,
            _ => StopLevel::Hard,
        }
    }
}

/// The run's stop switch, shared by the scheduler, the VUs and the signal
/// handler. The first reason given is the one reported.
#[derive(Debug)]
pub struct StopSignal {
    level: AtomicU8,
    changed: watch::Sender<StopLevel>,
    reason: Mutex<Option<StopReason>>,
    forced: AtomicBool,
    forced_tx: watch::Sender<bool>,
    writing: AtomicBool,
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
            level: AtomicU8::new(StopLevel::Running as u8),
            changed: watch::channel(StopLevel::Running).0,
            reason: Mutex::new(None),
            forced: AtomicBool::new(false),
            forced_tx: watch::channel(false).0,
            writing: AtomicBool::new(false),
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
        self.level.fetch_max(level as u8, Ordering::AcqRel);
        let now = self.level();
        self.changed.send_if_modified(|l| {
            let raised = now > *l;
            *l = now;
            raised
        });
    }

    /// Stop everything now, setup and teardown included: the second Ctrl-C
    /// or a SIGTERM. What was measured is still written.
    pub fn force(&self, reason: StopReason) {
        self.stop(StopLevel::Hard, reason);
        self.forced.store(true, Ordering::Release);
        self.forced_tx.send_replace(true);
    }

    /// Whether [`force`](Self::force) was called.
    pub fn is_forced(&self) -> bool {
        self.forced.load(Ordering::Acquire)
    }

    /// Resolves once [`force`](Self::force) is called.
    pub async fn forced(&self) {
        let mut rx = self.forced_tx.subscribe();
        let _ = rx.wait_for(|f| *f).await;
    }

    /// The run is over and its results are being written: a forced stop
    /// waits for them rather than ending the process at once.
    pub fn set_writing(&self) {
        self.writing.store(true, Ordering::Release);
    }

    /// Whether [`set_writing`](Self::set_writing) was called.
    pub fn is_writing(&self) -> bool {
        self.writing.load(Ordering::Acquire)
    }

    /// The current level.
    pub fn level(&self) -> StopLevel {
        StopLevel::from_u8(self.level.load(Ordering::Acquire))
    }

    /// Whether new iterations may start.
    pub fn running(&self) -> bool {
        self.level.load(Ordering::Relaxed) == StopLevel::Running as u8
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
        let mut rx = self.changed.subscribe();
        // The sender lives as long as `self`, so wait_for only ends on success.
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn levels_only_go_up_and_the_first_reason_stays() {
        let s = StopSignal::new();
        assert!(s.running());
        s.stop(StopLevel::Hard, StopReason::Interrupted);
        s.stop(
            StopLevel::Graceful,
            StopReason::ScenarioError("late".into()),
        );
        assert_eq!(s.level(), StopLevel::Hard);
        assert_eq!(s.reason(), Some(StopReason::Interrupted));
        s.reached(StopLevel::Graceful).await;
        assert!(!s.is_forced());
        s.force(StopReason::Interrupted);
        s.forced().await;
        assert!(s.is_forced());
    }
}
