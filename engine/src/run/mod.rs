//! One run, start to end: resolve the plan, start the outputs, set up,
//! initialise VUs, run the executors with live thresholds and progress,
//! tear down, judge, and finish the outputs. [`run`] is the library entry
//! point the `volley` binary calls.

mod error;
mod lifecycle;
mod monitor;
mod prepare;
mod progress;
mod vus;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Options;
use crate::control::{StopLevel, StopReason, StopSignal};
use crate::executor::{ExecutionState, IterationNumbers, ScenarioRun};
use crate::exit::ExitCode;
use crate::host::ScenarioInfo;
use crate::log;

use crate::output::{OutputError, Outputs};
use crate::plan::Plan;
use crate::resources::MonitorSpec;

pub use crate::outcome::{LoadGenerator, RunOutcome, ThresholdLine};
pub use error::RunError;
use lifecycle::Lifecycle;
pub use monitor::judge;
pub use prepare::{component_options, read_options};
pub use progress::Progress;
use vus::{ScenarioVus, VuFactory, VuSlot};

/// What the caller asks for.
#[derive(Default)]
pub struct RunConfig {
    /// The scenario component.
    pub scenario: PathBuf,
    /// How many distinct series the metric store keeps before folding.
    pub series_limits: crate::metrics::SeriesLimits,
    /// Bytes of response bodies all VUs may hold on the host at once
    /// (`--body-memory`; each VU may hold its `vu_memory`).
    pub body_memory: u64,
    /// How the scenario is named in outputs (its path, or the reference it
    /// was pulled from); the path when empty.
    pub scenario_label: String,
    /// A `--config` file (k6 options JSON).
    pub config_file: Option<PathBuf>,
    /// Options given as flags: the last layer.
    pub cli: Options,
    /// Environment variables to read `VOLLEY_*` (and `K6_*`) options from.
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
    /// Where the run's results go.
    pub outputs: Outputs,
    /// Call the scenario's `handle-summary` after the run (k6's
    /// `handleSummary`; off with `--no-summary`).
    pub handle_summary: bool,
    /// `--monitor` targets whose CPU and memory are sampled beside the
    /// load (Volley's own always are).
    pub monitors: Vec<MonitorSpec>,
    /// When the load starts once the VUs are ready (`--start-at`,
    /// `--paused`): at once by default.
    pub start: crate::fleet::StartGate,
    /// `--fleet-id`: names the fleet run in the results file.
    pub fleet_id: Option<String>,
    /// The component's `sha256:` digest (set by [`run`]).
    pub scenario_digest: String,
}

/// A finished run: its outcome, and the outputs that failed to write it.
#[derive(Debug)]
pub struct Finished {
    /// What was measured and how it was judged.
    pub outcome: RunOutcome,
    /// Outputs that failed (each already has its message).
    pub output_errors: Vec<OutputError>,
}

impl Finished {
    /// The process exit code: the run's, unless it passed and an output
    /// failed (a CI job must not pass with its report missing).
    pub fn exit_code(&self) -> ExitCode {
        match self.outcome.exit_code {
            ExitCode::Ok if !self.output_errors.is_empty() => ExitCode::OutputFailed,
            code => code,
        }
    }
}

/// Run a scenario to the end, judge it and finish its outputs. Errors are
/// only for input that prevents a run (nothing was sent); everything that
/// happens during a run is in the outcome.
pub async fn run(mut cfg: RunConfig, stop: Arc<StopSignal>) -> Result<Finished, RunError> {
    if let Some(id) = &cfg.fleet_id {
        crate::fleet::check_fleet_id(id).map_err(RunError::Fleet)?;
    }
    let gate = std::mem::take(&mut cfg.start);
    // Without --fleet-id, processes given one start instant name their
    // fleet after the scenario and that instant: the same in each of them.
    let digest = crate::fleet::digest(&std::fs::read(&cfg.scenario).unwrap_or_default());
    if cfg.fleet_id.is_none()
        && let crate::fleet::StartGate::At(at) = &gate
    {
        let secs = at
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        cfg.fleet_id = Some(format!("{}-{secs}", &digest[7..19]));
    }
    cfg.scenario_digest = digest;
    let prepared = prepare::prepare(&cfg, stop.clone()).await?;
    let outputs = cfg.outputs.clone();
    let outcome = match execute(prepared, &cfg, gate, stop.clone()).await {
        Ok(outcome) => outcome,
        Err(e) => {
            outputs.abandon();
            return Err(e);
        }
    };
    stop.set_writing();
    let mut output_errors = outputs.finish(&outcome).await;
    if let Some(files) = &outcome.summary_files {
        output_errors.extend(crate::output::write_summary_files(files));
    }
    Ok(Finished {
        outcome,
        output_errors,
    })
}

async fn execute(
    p: prepare::Prepared,
    cfg: &RunConfig,
    gate: crate::fleet::StartGate,
    stop: Arc<StopSignal>,
) -> Result<RunOutcome, RunError> {
    let prepare::Prepared {
        runtime,
        host,
        plan,
        thresholds,
        scenario_infos,
        label,
        resources,
        periods,
    } = p;
    let mut load_generator = LoadGenerator::default();
    let mut started_at = None;
    let mut lifecycle_error: Option<(ExitCode, String)> = None;
    let life = Lifecycle {
        runtime: runtime.clone(),
        host: host.clone(),
        info: scenario_infos[0].clone(),
    };

    // setup()
    let mut setup_ok = true;
    let setup_data = if plan.no_setup {
        Vec::new()
    } else {
        match life.setup(plan.setup_timeout, &stop).await {
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

    let state = ExecutionState::new(stop.clone(), host.vu.metrics.clone(), &plan.segment);
    if let Some(p) = &periods {
        state.set_step_judge(p.clone());
    }
    let view: Arc<dyn crate::host::ExecutionView> = state.clone();
    let _ = host.vu.execution.set(view);
    let factory = VuFactory::new(
        runtime.clone(),
        host.clone(),
        setup_data.clone(),
        state.clone(),
        plan.init_timeout,
    );
    let mut invalid = None;
    if lifecycle_error.is_none() {
        let init_started = Instant::now();
        match init_vus(&factory, &plan, &scenario_infos).await {
            Ok(vus) => {
                // vus and vus_max are sampled once a second while the
                // load runs (the monitor), never at its start: as k6.
                let vus_max = state.allocated_vus();
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
                // Custom metrics are defined by now (k6 knows them after the
                // init context): a threshold on a metric nothing defined is
                // refused before any load, for components whose contract
                // promises it (older ones may define metrics as they go).
                let checked = if runtime.defines_metrics_at_init() {
                    prepare::check_threshold_metrics(&thresholds, host.vu.metrics.registry())
                } else {
                    Ok(())
                };
                match checked {
                    Err(e) if !cfg.no_thresholds => invalid = Some(e),
                    // A fleet's processes start together (`--start-at`,
                    // `--paused`); a stop while waiting sends no load.
                    _ if !gate.wait(&stop, state.allocated_vus()).await => {}
                    _ => {
                        started_at = Some(std::time::SystemTime::now());
                        let monitor = monitor::spawn(
                            state.clone(),
                            host.clone(),
                            thresholds.clone(),
                            cfg.progress,
                            cfg.outputs.clone(),
                            progress::windows(&plan),
                            periods.clone(),
                        );
                        // Resources are sampled while the load runs.
                        let sampler = resources.spawn(host.vu.metrics.clone());
                        if let Some(p) = &periods {
                            p.start(Instant::now());
                        }
                        run_all(&factory, &plan, &scenario_infos, vus).await;
                        if let Some(p) = &periods {
                            p.finish();
                        }
                        load_generator = sampler.finish().await;
                        monitor.finish().await;
                    }
                }
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
        && let Err(failure) = life.teardown(plan.teardown_timeout, &setup_data).await
    {
        lifecycle_error.get_or_insert(failure);
    }
    if let Some(e) = invalid {
        return Err(e);
    }

    let snapshot = host.vu.metrics.snapshot(host.vu.elapsed());
    let stages = periods.as_ref().map(|p| p.report());
    let lines = if cfg.no_thresholds {
        Vec::new()
    } else {
        crate::stages::select::judge(&thresholds, &snapshot, periods.as_deref(), stages.as_ref())
    };
    let stop_reason = stop.reason();
    let exit_code = exit_code(&stop_reason, &lifecycle_error, &lines);
    let fleet = crate::fleet::FleetMeta {
        id: cfg.fleet_id.clone(),
        segment: plan.segment.segment().to_string(),
        sequence: plan.segment.sequence().sequence().to_string(),
        scenario_digest: cfg.scenario_digest.clone(),
        started_at: started_at.map(crate::wallclock::rfc3339),
        started_at_ms: started_at.map(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64
        }),
        exit_code: exit_code.code(),
        merged: Vec::new(),
    };
    let mut outcome = RunOutcome {
        scenario: label,
        snapshot,
        thresholds: lines,
        plan,
        interrupted_iterations: state.interrupted(),
        stop_reason,
        lifecycle_error,
        exit_code,
        load_generator,
        summary_files: None,
        stages,
        fleet,
    };
    if cfg.handle_summary && runtime.contract() >= crate::scenario::Contract::V0_2 {
        let data =
            crate::output::summary_data(&crate::output::SummaryInput::of(&outcome), &setup_data);
        outcome.summary_files = life
            .handle_summary(outcome.plan.handle_summary_timeout, &data.to_string())
            .await;
    }
    Ok(outcome)
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

/// Create every VU of every scenario before the test starts, as k6 does.
async fn init_vus(
    factory: &Arc<VuFactory>,
    plan: &Plan,
    infos: &[Arc<ScenarioInfo>],
) -> Result<Vec<Vec<VuSlot>>, String> {
    let mut all = Vec::with_capacity(plan.scenarios.len());
    for (s, info) in plan.scenarios.iter().zip(infos) {
        let n = s.executor.initial_vus(&plan.segment);
        let mut slots = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if !factory.state.stop.running() {
                return Err("interrupted while initialising VUs".into());
            }
            let id = factory.state.next_vu_id();
            // Ctrl-C stops a slow vu-init at once: there is no load to let
            // finish yet.
            let vu = tokio::select! {
                r = factory.new_vu(id, info) => r,
                _ = factory.state.stop.reached(StopLevel::Graceful) => {
                    return Err("interrupted while initialising VUs".into());
                }
            };
            let vu = vu.map_err(|e| {
                format!(
                    "VU {} of scenario {} failed to initialise: {e}",
                    id.local, s.name
                )
            })?;
            factory.state.vu_allocated();
            slots.push(VuSlot::new(id, vu));
        }
        all.push(slots);
    }
    Ok(all)
}

/// Start each scenario at its `startTime` and wait for all of them.
async fn run_all(
    factory: &Arc<VuFactory>,
    plan: &Plan,
    infos: &[Arc<ScenarioInfo>],
    vus: Vec<Vec<VuSlot>>,
) {
    let t0 = tokio::time::Instant::now();
    let _ = factory.host.vu.load_started.set(t0.into_std());
    let mut set = tokio::task::JoinSet::new();
    for ((s, vus), info) in plan
        .scenarios
        .iter()
        .cloned()
        .zip(vus)
        .zip(infos.iter().cloned())
    {
        // A segment with nothing of this scenario in it skips it (k6's
        // HasWork).
        let Some(tuple) = s.executor.iteration_tuple(&plan.segment) else {
            continue;
        };
        let et = plan.segment.clone();
        let factory = factory.clone();
        set.spawn(async move {
            let stop = factory.state.stop.clone();
            tokio::select! {
                _ = tokio::time::sleep_until(t0 + s.start_time) => {}
                _ = stop.reached(StopLevel::Graceful) => return,
            }
            let _ = info
                .started
                .set((std::time::Instant::now(), std::time::SystemTime::now()));
            let run = ScenarioRun {
                state: factory.state.clone(),
                source: Arc::new(ScenarioVus {
                    factory: factory.clone(),
                    scenario: info,
                }),
                vus,
                name: Arc::from(s.name.as_str()),
                graceful_stop: s.graceful_stop,
                et,
                iterations: IterationNumbers::new(&tuple),
            };
            s.executor.run(run).await;
        });
    }
    while set.join_next().await.is_some() {}
}
