//! Before the run: load the scenario, gather the option layers, resolve
//! the plan, parse thresholds, size the engine for the plan, and start the
//! outputs. Every input error comes out of here, before anything is sent.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{RunConfig, RunError};
use crate::config::Options;
use crate::control::StopSignal;
use crate::host::{DataSets, HostRun, HostState, HttpRun, ScenarioInfo, VuRun};
use crate::http::{BodyBudget, HostPolicy, HttpSettings, NetPolicy, SharedHttp};
use crate::log;
use crate::metrics::{Registry, Store, TagSet};
use crate::output::RunInfo;
use crate::plan::{self, DEFAULT_USER_AGENT, Plan};
use crate::resources::{self, Monitors};
use crate::scenario::{RuntimeLimits, ScenarioRuntime};
use crate::stages::{self, Fanout, Periods};
use crate::thresholds::{ThresholdError, ThresholdErrors, ThresholdSet};
use crate::vu::{OPTIONS_LIMIT, Vu, wall_limit};

/// A run ready to start.
pub(super) struct Prepared {
    /// The scenario, in an engine sized for the plan.
    pub runtime: Arc<ScenarioRuntime>,
    /// Run-wide host state.
    pub host: Arc<HostRun>,
    /// The resolved plan.
    pub plan: Plan,
    /// Parsed thresholds.
    pub thresholds: Arc<ThresholdSet>,
    /// Per scenario (same order as `plan.scenarios`), what its VUs know of it.
    pub scenario_infos: Vec<Arc<ScenarioInfo>>,
    /// How the scenario is named in outputs.
    pub label: String,
    /// The resource monitors, checked and ready to sample.
    pub resources: resources::Ready,
    /// The run's periods (stages, scenarios, capacity steps), when it has
    /// more than one.
    pub periods: Option<Arc<Periods>>,
}

/// Load, resolve, size and start the outputs.
pub(super) async fn prepare(cfg: &RunConfig, stop: Arc<StopSignal>) -> Result<Prepared, RunError> {
    let probe = load(&cfg.scenario, cfg.vu_memory).await?;
    // The probe defines its custom metrics in the run's registry, so
    // metrics a scenario defines while it initialises are known at once.
    let registry = Arc::new(Registry::new());
    // `--env` values are the scenario's `env()` in options() too, as
    // k6's `__ENV` is in the init context: a scenario can scale its
    // stages by them.
    let component_json = read_options_with_env(&probe, &stop, &registry, cfg.env.clone()).await?;
    let plan = resolve(cfg, &component_json)?;
    // Before the thresholds are checked, which may name these metrics.
    let monitors = Monitors::define(&cfg.monitors, &registry).map_err(RunError::Monitor)?;

    let thresholds = Arc::new(ThresholdSet::parse(&plan.thresholds).map_err(RunError::Thresholds)?);
    check_threshold_kinds(&thresholds, &registry)?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let periods = Periods::of(&plan, thresholds.clone(), registry.clone(), workers * 2);
    stages::select::check(&thresholds, periods.as_deref()).map_err(RunError::Thresholds)?;

    let total_vus: u64 = plan
        .scenarios
        .iter()
        .map(|s| s.executor.max_vus(&plan.segment))
        .sum();
    let limits = RuntimeLimits {
        vu_memory: cfg.vu_memory,
        // Every VU plus the setup and teardown instances.
        pooled_instances: Some(u32::try_from(total_vus + 2).unwrap_or(u32::MAX)),
    };
    let runtime = Arc::new(probe.with_limits(limits).map_err(|e| {
        RunError::Capacity(format!(
            "{e}. The run needs {total_vus} VUs of up to {} MiB each (--vu-memory); lower the VU count or --vu-memory",
            cfg.vu_memory >> 20
        ))
    })?);
    drop(probe);

    let data = DataSets::load(&plan.data)?;
    let policy = NetPolicy::new(
        &cfg.allow_hosts,
        &plan.http.block_hostnames,
        &plan.http.blacklist_ips,
        cfg.block_private,
    )
    .map_err(RunError::Network)?;
    let policy: Option<Arc<dyn HostPolicy>> = if policy.is_open() {
        None
    } else {
        Some(Arc::new(policy))
    };
    let http = SharedHttp::with_budget(
        HttpSettings {
            user_agent: plan.http.user_agent.clone(),
            timeout: plan.http.timeout,
            max_redirects: plan.http.max_redirects,
            insecure_skip_tls_verify: plan.http.insecure_skip_tls_verify,
            max_body_bytes: plan.http.max_body_bytes,
        },
        policy,
        BodyBudget::new(cfg.vu_memory, cfg.body_memory),
    )?;

    // Every monitored target is there before outputs open their files.
    let resources = monitors.start().await.map_err(RunError::Monitor)?;

    let label = if cfg.scenario_label.is_empty() {
        cfg.scenario.display().to_string()
    } else {
        cfg.scenario_label.clone()
    };
    let fleet = crate::fleet::FleetMeta {
        id: cfg.fleet_id.clone(),
        segment: plan.segment.segment().to_string(),
        sequence: plan.segment.sequence().sequence().to_string(),
        scenario_digest: cfg.scenario_digest.clone(),
        ..Default::default()
    };
    cfg.outputs
        .start(&RunInfo {
            scenario: &label,
            plan: &plan,
            registry: &registry,
            fleet: Some(&fleet),
        })
        .map_err(RunError::Outputs)?;

    let writer = match (&periods, cfg.outputs.sample_tap()) {
        (Some(p), Some(tap)) => Some(Arc::new(Fanout(vec![p.clone(), tap])) as Arc<_>),
        (Some(p), None) => Some(p.clone() as Arc<dyn crate::metrics::SampleWriter>),
        (None, tap) => tap,
    };
    let host = Arc::new(HostRun {
        vu: VuRun::new(
            Store::with_limits(registry, workers * 2, writer, cfg.series_limits),
            stop,
            plan.seed,
            cfg.iteration_cpu_limit,
            options_json(&plan, &component_json),
        ),
        http: HttpRun::new(http, plan.http.discard_response_bodies),
        data,
    });
    let scenario_infos = plan
        .scenarios
        .iter()
        .map(|s| {
            let mut env = plan.env.clone();
            env.extend(s.env.clone());
            let tags = TagSet::from_pairs(
                plan.tags
                    .iter()
                    .chain(s.tags.iter())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .chain(std::iter::once(("scenario".to_string(), s.name.clone()))),
            );
            Arc::new(ScenarioInfo::new(
                &s.name,
                s.exec.clone(),
                env,
                tags,
                s.executor.name(),
                s.start_time + s.executor.max_duration(),
            ))
        })
        .collect();
    Ok(Prepared {
        runtime,
        host,
        plan,
        thresholds,
        scenario_infos,
        label,
        resources,
        periods,
    })
}

async fn load(path: &Path, vu_memory: u64) -> Result<ScenarioRuntime, RunError> {
    let limits = RuntimeLimits {
        vu_memory,
        pooled_instances: None,
    };
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || ScenarioRuntime::load(&owned, limits))
        .await
        .map_err(|e| RunError::ScenarioOptions(format!("loading the scenario failed: {e}")))?
        .map_err(RunError::from)
}

/// Thresholds on metrics that exist must use an aggregation of their kind;
/// metrics no one has defined yet are checked once the VUs are initialised,
/// except the resource metrics: only `--monitor` defines those, and it
/// already has.
fn check_threshold_kinds(set: &ThresholdSet, registry: &Registry) -> Result<(), RunError> {
    let kind_of = |name: &str| {
        registry
            .lookup(name)
            .and_then(|id| registry.get(id))
            .map(|d| d.kind)
    };
    match set.validate(kind_of) {
        Ok(()) => Ok(()),
        Err(ThresholdErrors(errors)) => {
            let relevant: Vec<ThresholdError> = errors
                .into_iter()
                .filter(|e| match e {
                    ThresholdError::UnknownMetric { metric, .. } => {
                        resources::is_resource_metric(metric)
                    }
                    _ => true,
                })
                .collect();
            if relevant.is_empty() {
                Ok(())
            } else {
                Err(RunError::Thresholds(ThresholdErrors(relevant)))
            }
        }
    }
}

/// Every threshold's metric must exist once the VUs are initialised (k6
/// knows a script's custom metrics after its init context) and offer the
/// threshold's aggregation.
pub(super) fn check_threshold_metrics(
    set: &ThresholdSet,
    registry: &Registry,
) -> Result<(), RunError> {
    let kind_of = |name: &str| {
        registry
            .lookup(name)
            .and_then(|id| registry.get(id))
            .map(|d| d.kind)
    };
    set.validate(kind_of).map_err(RunError::Thresholds)
}

/// Instantiate the scenario once with a throwaway context to read its
/// `options()`; custom metrics it defines go into `registry`.
pub async fn read_options(
    probe: &ScenarioRuntime,
    stop: &Arc<StopSignal>,
    registry: &Arc<Registry>,
) -> Result<String, RunError> {
    read_options_with_env(probe, stop, registry, BTreeMap::new()).await
}

/// [`read_options`] with the `--env` values the scenario's `env()` sees.
async fn read_options_with_env(
    probe: &ScenarioRuntime,
    stop: &Arc<StopSignal>,
    registry: &Arc<Registry>,
    env: BTreeMap<String, String>,
) -> Result<String, RunError> {
    let http = SharedHttp::new(HttpSettings {
        user_agent: DEFAULT_USER_AGENT.to_string(),
        timeout: std::time::Duration::from_secs(60),
        max_redirects: 10,
        insecure_skip_tls_verify: false,
        max_body_bytes: 1 << 20,
    })?;
    let host = Arc::new(HostRun {
        vu: VuRun::new(
            Store::new(registry.clone(), 1),
            stop.clone(),
            0,
            None,
            "{}".into(),
        ),
        http: HttpRun::new(http, true),
        data: DataSets::default(),
    });
    let info = Arc::new(ScenarioInfo::new(
        "options",
        "default".into(),
        env,
        TagSet::empty(),
        "none",
        std::time::Duration::ZERO,
    ));
    let state = HostState::new(host, info, 0, probe.limits().vu_memory);
    let call = async {
        let mut vu = Vu::instantiate(probe, state).await.map_err(|e| {
            RunError::ScenarioOptions(format!(
                "cannot instantiate {}: {e}",
                probe.path().display()
            ))
        })?;
        vu.options()
            .await
            .map_err(|e| RunError::ScenarioOptions(e.to_string()))
    };
    // The CPU limit stops a busy loop; this stops a guest that sleeps or
    // waits on the network, and the second Ctrl-C stops either at once.
    tokio::select! {
        r = tokio::time::timeout(wall_limit(OPTIONS_LIMIT), call) => r.unwrap_or_else(|_| {
            Err(RunError::ScenarioOptions(format!(
                "options() did not return within {}; it must only return the options (no waiting, no requests)",
                crate::config::format_duration(OPTIONS_LIMIT)
            )))
        }),
        _ = stop.forced() => Err(RunError::Interrupted("options() interrupted: stopped now".into())),
    }
}

/// The JSON of the scenario's `options()` export, read from a throwaway
/// instance (for `volley inspect`).
pub async fn component_options(path: &Path) -> Result<String, RunError> {
    let rt = load(path, RuntimeLimits::default().vu_memory).await?;
    read_options(
        &rt,
        &Arc::new(StopSignal::new()),
        &Arc::new(Registry::new()),
    )
    .await
}

/// The options a VU sees as `exec.test.options`: what the scenario
/// declared, with the resolved scenarios, thresholds and tags over it.
fn options_json(plan: &Plan, component_json: &str) -> String {
    let mut root = match serde_json::from_str::<serde_json::Value>(component_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let scenarios: serde_json::Map<String, serde_json::Value> = plan
        .scenarios
        .iter()
        .map(|s| {
            let mut entry = match root
                .get("scenarios")
                .and_then(|all| all.get(&s.name))
                .cloned()
            {
                Some(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            entry.insert("executor".into(), s.executor.name().into());
            entry.insert("exec".into(), s.exec.clone().into());
            entry.insert(
                "startTime".into(),
                crate::config::format_duration(s.start_time).into(),
            );
            entry.insert(
                "gracefulStop".into(),
                crate::config::format_duration(s.graceful_stop).into(),
            );
            (s.name.clone(), serde_json::Value::Object(entry))
        })
        .collect();
    root.insert("scenarios".into(), scenarios.into());
    root.insert("thresholds".into(), plan.thresholds.clone().into());
    root.insert(
        "tags".into(),
        serde_json::to_value(&plan.tags).unwrap_or_default(),
    );
    serde_json::Value::Object(root).to_string()
}

fn resolve(cfg: &RunConfig, component_json: &str) -> Result<Plan, RunError> {
    let (component, warnings) =
        Options::from_json(component_json).map_err(|errors| RunError::Options {
            layer: "the scenario's options()".into(),
            errors,
        })?;
    for w in warnings {
        log::warn(&format!("scenario options: {w}"));
    }
    let mut merged = component;
    if let Some(file) = &cfg.config_file {
        let text = std::fs::read_to_string(file).map_err(|source| RunError::ConfigFile {
            path: file.clone(),
            source,
        })?;
        let (layer, warnings) = Options::from_json(&text).map_err(|errors| RunError::Options {
            layer: file.display().to_string(),
            errors,
        })?;
        for w in warnings {
            log::warn(&format!("{}: {w}", file.display()));
        }
        merged = merged.merge(layer);
    }
    let env_layer =
        Options::from_env(cfg.env_vars.iter().cloned()).map_err(|errors| RunError::Options {
            layer: "the VOLLEY_* environment variables".into(),
            errors,
        })?;
    merged = merged.merge(env_layer).merge(cfg.cli.clone());
    plan::resolve(&merged, cfg.env.clone()).map_err(RunError::Plan)
}
