//! The VUs executors schedule in a real run: WebAssembly instances of the
//! scenario ([`Vu`]), created and initialised here, and replaced when an
//! iteration traps or is cut off mid-call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::Duration;

use tokio::time::Instant;

use crate::executor::{ExecutionState, IterationIds, VuIds, VuSource};
use crate::host::{HostRun, HostState, ScenarioInfo};
use crate::log::{self, Level};
use crate::scenario::ScenarioRuntime;
use crate::vu::{GuestFailure, Vu, wall_limit};

/// Iteration failures logged in full before the log goes quiet.
const MAX_LOGGED_FAILURES: u64 = 20;

/// What every scenario's VUs share.
pub(crate) struct VuFactory {
    /// The compiled scenario.
    pub runtime: Arc<ScenarioRuntime>,
    /// Run-wide host state.
    pub host: Arc<HostRun>,
    /// What `setup` returned, for each VU's `vu-init`.
    pub setup_data: Arc<Vec<u8>>,
    /// Run-wide execution state (VU ids, counters).
    pub state: Arc<ExecutionState>,
    /// How long one VU's `vu-init` may take (wall clock and CPU).
    pub init_timeout: Duration,
    failures_logged: AtomicU64,
}

impl VuFactory {
    pub(crate) fn new(
        runtime: Arc<ScenarioRuntime>,
        host: Arc<HostRun>,
        setup_data: Vec<u8>,
        state: Arc<ExecutionState>,
        init_timeout: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            runtime,
            host,
            setup_data: Arc::new(setup_data),
            state,
            init_timeout,
            failures_logged: AtomicU64::new(0),
        })
    }

    /// Create and initialise the VU of `ids` for `scenario`, its `vu-init`
    /// within `initTimeout` of wall-clock and CPU time, and ended at once
    /// by a forced stop.
    pub(crate) async fn new_vu(
        &self,
        ids: VuIds,
        scenario: &Arc<ScenarioInfo>,
    ) -> Result<Vu, GuestFailure> {
        let mut state = HostState::new(
            self.host.clone(),
            scenario.clone(),
            ids.local,
            self.runtime.limits().vu_memory,
        );
        state.vu.id_in_test = ids.global;
        let init = async {
            let mut vu = Vu::instantiate(&self.runtime, state)
                .await
                .map_err(GuestFailure::Trap)?;
            vu.limit_cpu("vu-init", self.init_timeout, "raise the initTimeout option");
            vu.init(&self.setup_data).await?;
            Ok(vu)
        };
        let stop = &self.state.stop;
        tokio::select! {
            r = tokio::time::timeout(wall_limit(self.init_timeout), init) => r.unwrap_or_else(|_| {
                Err(GuestFailure::Trap(format!(
                    "vu-init did not finish within {} (raise the initTimeout option)",
                    crate::config::format_duration(self.init_timeout)
                )))
            }),
            _ = stop.forced() => Err(GuestFailure::Trap("vu-init interrupted: stopped now".into())),
        }
    }

    fn log_failure(&self, vu: u64, failure: &GuestFailure) {
        let n = self.failures_logged.fetch_add(1, Ordering::Relaxed);
        if n < MAX_LOGGED_FAILURES {
            log::line(
                Level::Warn,
                Some(vu),
                &format!("iteration failed: {failure}"),
            );
        } else if n == MAX_LOGGED_FAILURES {
            log::warn(
                "more iterations failed; further failures are counted in iterations_failed but not logged",
            );
        }
    }
}

/// One scenario's source of VUs.
pub(crate) struct ScenarioVus {
    pub factory: Arc<VuFactory>,
    pub scenario: Arc<ScenarioInfo>,
}

/// A VU owned by an executor, able to replace its instance after a trap
/// or after an iteration was cut off mid-call.
pub(crate) struct VuSlot {
    ids: VuIds,
    vu: Option<Vu>,
    iterations: u64,
    /// Set while an iteration runs; still set on the next call means the
    /// previous one was cancelled and the instance cannot be entered again.
    in_call: bool,
}

impl VuSlot {
    /// Wrap an initialised VU.
    pub(crate) fn new(ids: VuIds, vu: Vu) -> Self {
        Self {
            ids,
            vu: Some(vu),
            iterations: 0,
            in_call: false,
        }
    }
}

impl ScenarioVus {
    /// Replace the slot's instance with a fresh, initialised one.
    async fn replace(&self, slot: &mut VuSlot) -> bool {
        if let Some(mut old) = slot.vu.take() {
            old.flush();
        }
        match self.factory.new_vu(slot.ids, &self.scenario).await {
            Ok(fresh) => {
                slot.vu = Some(fresh);
                true
            }
            Err(e) => {
                log::line(
                    Level::Error,
                    Some(slot.ids.local),
                    &format!("cannot replace the VU's instance: {e}"),
                );
                false
            }
        }
    }
}

impl VuSource for ScenarioVus {
    type Vu = VuSlot;

    async fn create(&self) -> Option<VuSlot> {
        let ids = self.factory.state.next_vu_id();
        match self.factory.new_vu(ids, &self.scenario).await {
            Ok(vu) => Some(VuSlot::new(ids, vu)),
            Err(e) => {
                log::line(
                    Level::Error,
                    Some(ids.local),
                    &format!("cannot initialise a new VU: {e}"),
                );
                None
            }
        }
    }

    async fn iterate(&self, slot: &mut VuSlot, ids: IterationIds, started: Instant) -> bool {
        if slot.in_call && !Box::pin(self.replace(slot)).await {
            return false;
        }
        let Some(vu) = slot.vu.as_mut() else {
            return false;
        };
        let n = slot.iterations;
        slot.iterations += 1;
        slot.in_call = true;
        let result = vu
            .iteration(&self.scenario.exec, n, ids, started.into_std())
            .await;
        slot.in_call = false;
        if matches!(result, Ok(()) | Err(GuestFailure::Error(_))) {
            self.factory.state.iteration_completed();
        }
        match result {
            Ok(()) => true,
            Err(GuestFailure::Abort(_)) => false,
            Err(f @ GuestFailure::Error(_)) => {
                self.factory.log_failure(slot.ids.local, &f);
                true
            }
            Err(f @ GuestFailure::Trap(_)) => {
                self.factory.log_failure(slot.ids.local, &f);
                // A trapped instance cannot be entered again: replace it.
                Box::pin(self.replace(slot)).await
            }
        }
    }

    fn flush(&self, slot: &mut VuSlot) {
        if let Some(vu) = slot.vu.as_mut() {
            vu.flush();
        }
    }
}
