//! Executors: how each scenario schedules its VUs' iterations, one file
//! per executor, each with k6's semantics. Shared here: the execution
//! context, VU creation and replacement, and the closed-model VU loop.

mod arrival_rate;
mod closed;
mod constant_vus;
mod per_vu_iterations;
mod ramping_vus;
mod shared_iterations;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::config::{ExecutorConfig, ScenarioPlan};
use crate::host::{HostState, RunShared, ScenarioInfo};
use crate::log::{self, Level};
use crate::scenario::ScenarioRuntime;
use crate::vu::{GuestFailure, Vu};

/// Everything executors share during a run.
pub struct ExecutionContext {
    /// The compiled scenario.
    pub runtime: Arc<ScenarioRuntime>,
    /// Run-wide host state.
    pub run: Arc<RunShared>,
    /// What `setup` returned, for each VU's `vu-init`.
    pub setup_data: Arc<Vec<u8>>,
    /// VUs currently running an executor loop (the `vus` gauge).
    pub active_vus: AtomicI64,
    /// VUs initialised (the `vus_max` gauge).
    pub allocated_vus: AtomicU64,
    /// Iterations cut off by a hard stop.
    pub interrupted: AtomicU64,
    failures_logged: AtomicU64,
    next_id: AtomicU64,
}

/// Iteration failures logged in full before the log goes quiet.
const MAX_LOGGED_FAILURES: u64 = 20;

impl ExecutionContext {
    /// A context for one run.
    pub fn new(
        runtime: Arc<ScenarioRuntime>,
        run: Arc<RunShared>,
        setup_data: Vec<u8>,
    ) -> Arc<Self> {
        Arc::new(Self {
            runtime,
            run,
            setup_data: Arc::new(setup_data),
            active_vus: AtomicI64::new(0),
            allocated_vus: AtomicU64::new(0),
            interrupted: AtomicU64::new(0),
            failures_logged: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// A new VU id, unique in the run (from 1; 0 is setup/teardown).
    pub fn next_vu_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Create and initialise VU `id` for `scenario`.
    pub async fn new_vu(&self, id: u64, scenario: &Arc<ScenarioInfo>) -> Result<Vu, GuestFailure> {
        let state = HostState::new(
            self.run.clone(),
            scenario.clone(),
            id,
            self.runtime.limits().vu_memory,
        );
        let mut vu = Vu::instantiate(&self.runtime, state)
            .await
            .map_err(GuestFailure::Trap)?;
        vu.init(&self.setup_data).await?;
        Ok(vu)
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

/// Counts a VU as active (the `vus` gauge) while alive, also when its task
/// is aborted.
pub(crate) struct ActiveGuard<'a>(&'a ExecutionContext);

impl<'a> ActiveGuard<'a> {
    pub(crate) fn new(ctx: &'a ExecutionContext) -> Self {
        ctx.active_vus.fetch_add(1, Ordering::Relaxed);
        Self(ctx)
    }
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.active_vus.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A VU owned by an executor, able to replace its instance after a trap
/// or after an iteration was cut off mid-call.
pub struct VuSlot {
    id: u64,
    scenario: Arc<ScenarioInfo>,
    vu: Option<Vu>,
    iterations: u64,
    /// Set while an iteration runs; still set on the next call means the
    /// previous one was cancelled and the instance cannot be entered again.
    in_call: bool,
}

impl VuSlot {
    /// Wrap an initialised VU.
    pub fn new(id: u64, scenario: Arc<ScenarioInfo>, vu: Vu) -> Self {
        Self {
            id,
            scenario,
            vu: Some(vu),
            iterations: 0,
            in_call: false,
        }
    }

    /// Replace the instance with a fresh, initialised one.
    async fn replace(&mut self, ctx: &ExecutionContext) -> bool {
        if let Some(mut old) = self.vu.take() {
            old.flush();
        }
        match ctx.new_vu(self.id, &self.scenario).await {
            Ok(fresh) => {
                self.vu = Some(fresh);
                true
            }
            Err(e) => {
                log::line(
                    Level::Error,
                    Some(self.id),
                    &format!("cannot replace the VU's instance: {e}"),
                );
                false
            }
        }
    }

    /// Run one iteration that should have started at `started`. Returns
    /// false when this VU can run no more (its instance broke and could not
    /// be replaced, or the test was aborted).
    pub async fn iterate(
        &mut self,
        ctx: &ExecutionContext,
        in_scenario: u64,
        started: Instant,
    ) -> bool {
        if self.in_call && !Box::pin(self.replace(ctx)).await {
            return false;
        }
        let Some(vu) = self.vu.as_mut() else {
            return false;
        };
        let n = self.iterations;
        self.iterations += 1;
        self.in_call = true;
        let result = vu
            .iteration(&self.scenario.exec, n, in_scenario, started)
            .await;
        self.in_call = false;
        match result {
            Ok(()) => true,
            Err(GuestFailure::Abort(_)) => false,
            Err(f @ GuestFailure::Error(_)) => {
                ctx.log_failure(self.id, &f);
                true
            }
            Err(f @ GuestFailure::Trap(_)) => {
                ctx.log_failure(self.id, &f);
                // A trapped instance cannot be entered again: replace it.
                Box::pin(self.replace(ctx)).await
            }
        }
    }
}

/// Run one scenario's executor with its pre-initialised VUs.
pub async fn run_scenario(
    ctx: Arc<ExecutionContext>,
    plan: ScenarioPlan,
    info: Arc<ScenarioInfo>,
    slots: Vec<VuSlot>,
) {
    match plan.executor.clone() {
        ExecutorConfig::ConstantVus { duration, .. } => {
            constant_vus::run(ctx, &plan, slots, duration).await
        }
        ExecutorConfig::PerVuIterations {
            iterations,
            max_duration,
            ..
        } => per_vu_iterations::run(ctx, &plan, slots, iterations, max_duration).await,
        ExecutorConfig::SharedIterations {
            iterations,
            max_duration,
            ..
        } => shared_iterations::run(ctx, &plan, slots, iterations, max_duration).await,
        ExecutorConfig::RampingVus {
            start_vus,
            stages,
            graceful_ramp_down,
        } => ramping_vus::run(ctx, &plan, slots, start_vus, &stages, graceful_ramp_down).await,
        ExecutorConfig::ConstantArrivalRate {
            rate,
            time_unit,
            duration,
            max_vus,
            ..
        } => {
            let stages = [crate::config::Stage {
                duration,
                target: rate,
            }];
            let schedule = arrival_rate::Schedule::new(rate, time_unit, &stages);
            arrival_rate::run(ctx, &plan, info, slots, schedule, max_vus).await
        }
        ExecutorConfig::RampingArrivalRate {
            start_rate,
            time_unit,
            stages,
            max_vus,
            ..
        } => {
            let schedule = arrival_rate::Schedule::new(start_rate, time_unit, &stages);
            arrival_rate::run(ctx, &plan, info, slots, schedule, max_vus).await
        }
    }
}

/// How many VUs `executor` initialises before the test starts (k6 does
/// this for all but the arrival-rate executors' VUs beyond
/// `preAllocatedVUs`, which are created while the test runs).
pub fn initial_vus(executor: &ExecutorConfig) -> u64 {
    match executor {
        ExecutorConfig::ConstantArrivalRate {
            pre_allocated_vus, ..
        }
        | ExecutorConfig::RampingArrivalRate {
            pre_allocated_vus, ..
        } => *pre_allocated_vus,
        other => max_vus(other),
    }
}

/// How many VUs `executor` may use at most.
pub fn max_vus(executor: &ExecutorConfig) -> u64 {
    match executor {
        ExecutorConfig::ConstantVus { vus, .. }
        | ExecutorConfig::PerVuIterations { vus, .. }
        | ExecutorConfig::SharedIterations { vus, .. } => *vus,
        ExecutorConfig::RampingVus {
            start_vus, stages, ..
        } => stages
            .iter()
            .map(|s| s.target)
            .chain([*start_vus])
            .max()
            .unwrap_or(0),
        ExecutorConfig::ConstantArrivalRate {
            max_vus,
            pre_allocated_vus,
            ..
        }
        | ExecutorConfig::RampingArrivalRate {
            max_vus,
            pre_allocated_vus,
            ..
        } => (*max_vus).max(*pre_allocated_vus),
    }
}

/// How long the executor runs at most, graceful stop excluded.
pub fn max_duration(executor: &ExecutorConfig) -> Duration {
    match executor {
        ExecutorConfig::ConstantVus { duration, .. }
        | ExecutorConfig::ConstantArrivalRate { duration, .. } => *duration,
        ExecutorConfig::PerVuIterations { max_duration, .. }
        | ExecutorConfig::SharedIterations { max_duration, .. } => *max_duration,
        ExecutorConfig::RampingVus { stages, .. }
        | ExecutorConfig::RampingArrivalRate { stages, .. } => {
            stages.iter().map(|s| s.duration).sum()
        }
    }
}
