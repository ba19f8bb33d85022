//! One run, start to end: resolve the plan, set up, initialise VUs, run the
//! executors with live thresholds and progress, tear down, and judge.
//! [`run`] is the library entry point the `volley` binary calls.

mod monitor;
mod prepare;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::config::{Options, Plan};
use crate::control::{StopLevel, StopReason, StopSignal};
use crate::executor::{self, ExecutionContext, VuSlot};
use crate::exit::ExitCode;
use crate::host::{RunShared, ScenarioInfo};
use crate::log;
use crate::metrics::{Builtin, Snapshot, TagSet};
use crate::output::ThresholdLine;
use crate::scenario::ScenarioRuntime;
use crate::vu::{GuestFailure, Vu};

pub use monitor::Progress;
pub use prepare::Prepared;

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// The scenario component.
    pub scenario: PathBuf,
    /// A `--config` file (k6 options JSON).
    pub config_file: Option<PathBuf>,
    /// Options given as flags: the last layer.
    pub cli: Options,
    /// Environment variables to read `VOLLEY_*` options from.
    pub env_vars: Vec<(String, String)>,
    /// `--env KEY=VALUE` pairs: the scenario's `env()`.
    pub env: BTreeMap<String, String>,
    /// Largest linear memory of a VU in bytes.
    pub vu_memory: u64,
    /// CPU time an iteration may use.
    pub iteration_cpu_limit: Option<Duration>,
    /// How to show progress on stderr.
    pub progress: Progress,
    /// Skip threshold evaluation (`--no-thresholds`).
    pub no_thresholds: bool,
    /// `--allow-host` patterns; empty allows every host.
    pub allow_hosts: Vec<String>,
    /// `--block-private`: no requests to non-public addresses.
    pub block_private: bool,
    /// Record a per-second time series (for `--results`).
    pub timeseries: bool,
    /// `--out TYPE=FILE` outputs that stream every sample.
    pub outputs: Vec<crate::output::OutputSpec>,
}

/// Why a run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input: options, thresholds, the scenario file (exit 104).
    #[error("{0}")]
    Config(String),
}

/// The result of a run: what was measured and how it was judged.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Final metrics.
    pub snapshot: Snapshot,
    /// Each threshold's result.
    pub thresholds: Vec<ThresholdLine>,
    /// The plan that ran.
    pub plan: Plan,
    /// One line per scenario, for the summary header.
    pub scenario_lines: Vec<String>,
    /// Iterations cut off by a hard stop.
    pub interrupted_iterations: u64,
    /// Why the run stopped early, if it did.
    pub stop_reason: Option<StopReason>,
    /// A setup/teardown failure, if any.
    pub lifecycle_error: Option<(ExitCode, String)>,
    /// The exit code k6 would give.
    pub exit_code: ExitCode,
    /// Totals once a second (when asked for).
    pub timeseries: Vec<crate::output::TimePoint>,
}

/// Run a scenario to the end and judge it. Errors are only for input that
/// prevents a run; everything that happens during a run is in the outcome.
pub async fn run(cfg: RunConfig, stop: Arc<StopSignal>) -> Result<RunOutcome, RunError> {
    let prepared = prepare::prepare(&cfg, stop.clone()).await?;
    Ok(execute(prepared, &cfg, stop).await)
}

async fn execute(p: Prepared, cfg: &RunConfig, stop: Arc<StopSignal>) -> RunOutcome {
    let Prepared {
        runtime,
        run,
        plan,
        thresholds,
        scenario_infos,
        streams,
        prometheus,
    } = p;
    let mut lifecycle_error: Option<(ExitCode, String)> = None;
    let mut setup_ok = true;

    // setup()
    let setup_data = if plan.no_setup {
        Vec::new()
    } else {
        match lifecycle_call(
            &runtime,
            &run,
            &scenario_infos[0],
            plan.setup_timeout,
            Stage::Setup,
            &[],
        )
        .await
        {
            Ok(data) => data,
            Err((code, message)) => {
                setup_ok = false;
                let reason = match code {
                    ExitCode::ScenarioAborted => StopReason::ScenarioAbort(message.clone()),
                    _ => StopReason::ScenarioError(message.clone()),
                };
                stop.stop(StopLevel::Hard, reason);
                lifecycle_error = Some((code, message));
                Vec::new()
            }
        }
    };

    let ctx = ExecutionContext::new(runtime.clone(), run.clone(), setup_data.clone());
    let mut interrupted = 0;
    let mut timeseries = Vec::new();
    if lifecycle_error.is_none() {
        let init_started = Instant::now();
        match init_vus(&ctx, &plan, &scenario_infos).await {
            Ok(slots) => {
                let vus_max = ctx.allocated_vus.load(Ordering::Relaxed);
                run.metrics
                    .set_gauge(Builtin::VusMax.id(), TagSet::empty(), vus_max as f64);
                if vus_max >= 1000 || init_started.elapsed() > Duration::from_secs(1) {
                    log::line(
                        log::Level::Info,
                        None,
                        &format!(
                            "initialised {vus_max} VUs in {:.1?}",
                            init_started.elapsed()
                        ),
                    );
                }
                let monitor = monitor::spawn(
                    ctx.clone(),
                    thresholds.clone(),
                    cfg.progress,
                    cfg.timeseries,
                    prometheus.clone(),
                    windows(&plan),
                );
                run_all(&ctx, &plan, &scenario_infos, slots).await;
                timeseries = monitor.finish().await;
                interrupted = ctx.interrupted.load(Ordering::Relaxed);
            }
            Err(message) => {
                stop.stop(StopLevel::Hard, StopReason::ScenarioError(message.clone()));
                lifecycle_error = Some((ExitCode::ScenarioError, message));
            }
        }
    }

    // teardown() runs after an abort too, but not when setup failed (k6).
    if !plan.no_teardown
        && setup_ok
        && let Err((code, message)) = lifecycle_call(
            &runtime,
            &run,
            &scenario_infos[0],
            plan.teardown_timeout,
            Stage::Teardown,
            &setup_data,
        )
        .await
    {
        lifecycle_error.get_or_insert((code, message));
    }

    let snapshot = run.metrics.snapshot(run.elapsed());
    if let Some(p) = &prometheus {
        p.push(&snapshot).await;
    }
    if let Some(streams) = streams
        && let Err(e) = streams.finish()
    {
        log::warn(&e);
    }
    let lines = if cfg.no_thresholds {
        Vec::new()
    } else {
        monitor::judge(&thresholds, &snapshot)
    };
    let stop_reason = stop.reason();
    let exit_code = exit_code(&stop_reason, &lifecycle_error, &lines);
    RunOutcome {
        snapshot,
        thresholds: lines,
        scenario_lines: describe_plan(&plan),
        plan,
        interrupted_iterations: interrupted,
        stop_reason,
        lifecycle_error,
        exit_code,
        timeseries,
    }
}

fn windows(plan: &Plan) -> Vec<monitor::Window> {
    plan.scenarios
        .iter()
        .map(|s| monitor::Window {
            name: s.name.clone(),
            start: s.start_time,
            length: executor::max_duration(&s.executor),
        })
        .collect()
}

/// k6's precedence: an outside stop, then a scenario abort, then failed
/// thresholds, then setup/teardown trouble.
fn exit_code(
    stop: &Option<StopReason>,
    lifecycle: &Option<(ExitCode, String)>,
    thresholds: &[ThresholdLine],
) -> ExitCode {
    match stop {
        Some(StopReason::Interrupted) => return ExitCode::ExternalAbort,
        Some(StopReason::ScenarioAbort(_)) => return ExitCode::ScenarioAborted,
        _ => {}
    }
    if let Some((code, _)) = lifecycle {
        return *code;
    }
    if matches!(stop, Some(StopReason::ThresholdAbort(_))) || thresholds.iter().any(|t| !t.passed) {
        return ExitCode::ThresholdsFailed;
    }
    ExitCode::Ok
}

/// One line per scenario, as k6 prints them before the run.
fn describe_plan(plan: &Plan) -> Vec<String> {
    plan.scenarios
        .iter()
        .map(|s| {
            use crate::config::ExecutorConfig::*;
            use crate::config::format_duration as d;
            let what = match &s.executor {
                ConstantVus { vus, duration } => format!("{vus} looping VUs for {}", d(*duration)),
                PerVuIterations {
                    vus,
                    iterations,
                    max_duration,
                } => {
                    format!(
                        "{iterations} iterations for each of {vus} VUs (maxDuration: {})",
                        d(*max_duration)
                    )
                }
                SharedIterations {
                    vus,
                    iterations,
                    max_duration,
                } => {
                    format!(
                        "{iterations} iterations shared among {vus} VUs (maxDuration: {})",
                        d(*max_duration)
                    )
                }
                RampingVus {
                    start_vus, stages, ..
                } => format!(
                    "up to {} looping VUs for {} over {} stages (startVUs: {start_vus})",
                    stages.iter().map(|s| s.target).max().unwrap_or(0).max(*start_vus),
                    d(stages.iter().map(|s| s.duration).sum()),
                    stages.len()
                ),
                ConstantArrivalRate {
                    rate, time_unit, duration, pre_allocated_vus, max_vus,
                } => format!(
                    "{rate} iterations/{} for {} (maxVUs: {max_vus}, preAllocatedVUs: {pre_allocated_vus})",
                    d(*time_unit),
                    d(*duration)
                ),
                RampingArrivalRate {
                    start_rate, time_unit, stages, pre_allocated_vus, max_vus,
                } => format!(
                    "up to {} iterations/{} for {} over {} stages (startRate: {start_rate}, maxVUs: {max_vus}, preAllocatedVUs: {pre_allocated_vus})",
                    stages.iter().map(|s| s.target).max().unwrap_or(0).max(*start_rate),
                    d(*time_unit),
                    d(stages.iter().map(|s| s.duration).sum()),
                    stages.len()
                ),
            };
            format!(
                "{}: {} (gracefulStop: {}, executor: {})",
                s.name,
                what,
                d(s.graceful_stop),
                s.executor.name()
            )
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Setup,
    Teardown,
}

/// Run `setup` or `teardown` in an instance of its own, within `timeout`.
async fn lifecycle_call(
    runtime: &Arc<ScenarioRuntime>,
    run: &Arc<RunShared>,
    info: &Arc<ScenarioInfo>,
    timeout: Duration,
    stage: Stage,
    data: &[u8],
) -> Result<Vec<u8>, (ExitCode, String)> {
    let (name, timeout_code) = match stage {
        Stage::Setup => ("setup", ExitCode::SetupTimeout),
        Stage::Teardown => ("teardown", ExitCode::TeardownTimeout),
    };
    let call = async {
        let mut state =
            crate::host::HostState::new(run.clone(), info.clone(), 0, runtime.limits().vu_memory);
        state.enter_group(name);
        let mut vu = Vu::instantiate(runtime, state)
            .await
            .map_err(GuestFailure::Trap)?;
        match stage {
            Stage::Setup => vu.setup().await,
            Stage::Teardown => vu.teardown(data).await.map(|()| Vec::new()),
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(GuestFailure::Abort(reason))) => Err((
            ExitCode::ScenarioAborted,
            format!("{name} aborted the test: {reason}"),
        )),
        Ok(Err(f)) => {
            let message = format!("{name} failed: {f}");
            log::line(log::Level::Error, None, &message);
            Err((ExitCode::ScenarioError, message))
        }
        Err(_) => {
            let key = if stage == Stage::Setup {
                "setupTimeout"
            } else {
                "teardownTimeout"
            };
            let message = format!(
                "{name} did not finish within {} (raise the {key} option)",
                crate::config::format_duration(timeout)
            );
            log::line(log::Level::Error, None, &message);
            Err((timeout_code, message))
        }
    }
}

/// Create every VU of every scenario before the test starts, as k6 does.
async fn init_vus(
    ctx: &Arc<ExecutionContext>,
    plan: &Plan,
    infos: &[Arc<ScenarioInfo>],
) -> Result<Vec<Vec<VuSlot>>, String> {
    let mut all = Vec::with_capacity(plan.scenarios.len());
    for (s, info) in plan.scenarios.iter().zip(infos) {
        let n = executor::initial_vus(&s.executor);
        let mut slots = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if !ctx.run.stop.running() {
                return Err("interrupted while initialising VUs".into());
            }
            let id = ctx.next_vu_id();
            let vu = ctx
                .new_vu(id, info)
                .await
                .map_err(|e| format!("VU {id} of scenario {} failed to initialise: {e}", s.name))?;
            ctx.allocated_vus.fetch_add(1, Ordering::Relaxed);
            slots.push(VuSlot::new(id, info.clone(), vu));
        }
        all.push(slots);
    }
    Ok(all)
}

/// Start each scenario at its `startTime` and wait for all of them.
async fn run_all(
    ctx: &Arc<ExecutionContext>,
    plan: &Plan,
    infos: &[Arc<ScenarioInfo>],
    slots: Vec<Vec<VuSlot>>,
) {
    let t0 = tokio::time::Instant::now();
    let _ = ctx.run.load_started.set(t0.into_std());
    let mut set = tokio::task::JoinSet::new();
    for ((s, slots), info) in plan
        .scenarios
        .iter()
        .cloned()
        .zip(slots)
        .zip(infos.iter().cloned())
    {
        let ctx = ctx.clone();
        set.spawn(async move {
            let start = t0 + s.start_time;
            tokio::select! {
                _ = tokio::time::sleep_until(start) => {}
                _ = ctx.run.stop.reached(StopLevel::Graceful) => return,
            }
            executor::run_scenario(ctx, s, info, slots).await;
        });
    }
    while set.join_next().await.is_some() {}
}

/// The JSON of the scenario's `options()` export, read from a throwaway
/// instance (for `volley inspect`).
pub async fn component_options(path: &std::path::Path) -> Result<String, RunError> {
    let owned = path.to_path_buf();
    let rt = tokio::task::spawn_blocking(move || {
        ScenarioRuntime::load(&owned, crate::scenario::RuntimeLimits::default())
    })
    .await
    .map_err(|e| RunError::Config(e.to_string()))?
    .map_err(|e| RunError::Config(e.to_string()))?;
    prepare::read_component_options(&rt, &Arc::new(StopSignal::new())).await
}
