//! Before the run: load the scenario, gather the option layers, resolve
//! the plan, parse thresholds, and size the engine for the plan.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{RunConfig, RunError};
use crate::config::{Options, Plan};
use crate::control::StopSignal;
use crate::executor;
use crate::host::{DataSets, HostState, RunShared, ScenarioInfo};
use crate::http::{HostPolicy, HttpSettings, NetPolicy, SharedHttp};
use crate::log;
use crate::metrics::{Registry, SampleWriter, Store, TagSet};
use crate::output::{OutputSpec, PrometheusRw, Streams};
use crate::scenario::{RuntimeLimits, ScenarioRuntime};
use crate::thresholds::{ThresholdError, ThresholdSet};
use crate::vu::Vu;

/// A run ready to start.
pub struct Prepared {
    /// The scenario, in an engine sized for the plan.
    pub runtime: Arc<ScenarioRuntime>,
    /// Run-wide host state.
    pub run: Arc<RunShared>,
    /// The resolved plan.
    pub plan: Plan,
    /// Parsed thresholds.
    pub thresholds: Arc<ThresholdSet>,
    /// Per scenario (same order as `plan.scenarios`), what its VUs know of it.
    pub scenario_infos: Vec<Arc<ScenarioInfo>>,
    /// The `--out` streams, to flush at the end.
    pub streams: Option<Arc<Streams>>,
    /// The `--out prometheus-rw` endpoint, if any.
    pub prometheus: Option<Arc<PrometheusRw>>,
}

fn config_err(e: impl std::fmt::Display) -> RunError {
    RunError::Config(e.to_string())
}

/// Load, resolve and size; every input error comes out of here.
pub async fn prepare(cfg: &RunConfig, stop: Arc<StopSignal>) -> Result<Prepared, RunError> {
    let probe_limits = RuntimeLimits {
        vu_memory: cfg.vu_memory,
        pooled_instances: None,
    };
    let path = cfg.scenario.clone();
    let probe = tokio::task::spawn_blocking(move || ScenarioRuntime::load(&path, probe_limits))
        .await
        .map_err(config_err)?
        .map_err(config_err)?;

    let component_json = read_component_options(&probe, &stop).await?;
    let plan = resolve(cfg, &component_json)?;

    let thresholds = ThresholdSet::parse(&plan.thresholds)
        .map_err(|e| RunError::Config(format!("invalid thresholds:\n{e}")))?;
    let registry = Arc::new(Registry::new());
    validate_builtin_kinds(&thresholds, &registry)?;

    let total_vus: u64 = plan
        .scenarios
        .iter()
        .map(|s| executor::max_vus(&s.executor))
        .sum();
    let limits = RuntimeLimits {
        vu_memory: cfg.vu_memory,
        // Every VU plus the setup and teardown instances.
        pooled_instances: Some(u32::try_from(total_vus + 2).unwrap_or(u32::MAX)),
    };
    let runtime = Arc::new(probe.with_limits(limits).map_err(|e| {
        RunError::Config(format!(
            "{e}. The run needs {total_vus} VUs of up to {} MiB each (--vu-memory); lower the VU count or --vu-memory",
            cfg.vu_memory >> 20
        ))
    })?);
    drop(probe);

    let data = DataSets::load(&plan.data).map_err(config_err)?;
    let policy = NetPolicy::new(
        &cfg.allow_hosts,
        &plan.http.block_hostnames,
        &plan.http.blacklist_ips,
        cfg.block_private,
    )
    .map_err(RunError::Config)?;
    let policy: Option<Arc<dyn HostPolicy>> = if policy.is_open() {
        None
    } else {
        Some(Arc::new(policy))
    };
    let http = SharedHttp::with_policy(
        HttpSettings {
            user_agent: plan.http.user_agent.clone(),
            timeout: plan.http.timeout,
            max_redirects: plan.http.max_redirects,
            insecure_skip_tls_verify: plan.http.insecure_skip_tls_verify,
            max_body_bytes: plan.http.max_body_bytes,
        },
        policy,
    )
    .map_err(config_err)?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let prometheus = match cfg.outputs.iter().find_map(|o| match o {
        OutputSpec::PrometheusRw(url) => Some(url),
        _ => None,
    }) {
        Some(url) => Some(Arc::new(
            PrometheusRw::new(url, plan.summary_trend_stats.clone()).map_err(RunError::Config)?,
        )),
        None => None,
    };
    let streams = if cfg
        .outputs
        .iter()
        .all(|o| matches!(o, OutputSpec::PrometheusRw(_)))
    {
        None
    } else {
        Some(Arc::new(
            Streams::open(&cfg.outputs, &registry).map_err(RunError::Config)?,
        ))
    };
    let writer = streams.clone().map(|s| s as Arc<dyn SampleWriter>);
    let run = Arc::new(RunShared {
        metrics: Store::with_writer(registry, workers * 2, writer),
        http,
        data,
        load_started: Default::default(),
        stop,
        seed: plan.seed,
        discard_response_bodies: plan.http.discard_response_bodies,
        iteration_cpu_limit: cfg.iteration_cpu_limit,
        request_errors_logged: Default::default(),
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
            Arc::new(ScenarioInfo {
                name: Arc::from(s.name.as_str()),
                exec: s.exec.clone(),
                env,
                tags,
            })
        })
        .collect();
    Ok(Prepared {
        runtime,
        run,
        plan,
        thresholds: Arc::new(thresholds),
        scenario_infos,
        streams,
        prometheus,
    })
}

/// Thresholds on built-in metrics must use an aggregation of their kind.
fn validate_builtin_kinds(set: &ThresholdSet, registry: &Registry) -> Result<(), RunError> {
    set.validate(
        |name| match registry.lookup(name).and_then(|id| registry.get(id)) {
            Some(def) => Some(def.kind),
            // Not known yet: accept any aggregation now, judge at the end.
            None => None,
        },
    )
    .or_else(|errors| {
        // A metric no one has defined yet may be a custom metric a guest
        // defines while it runs: judged at the end, not refused now.
        let relevant: Vec<String> = errors
            .0
            .iter()
            .filter(|e| !matches!(e, ThresholdError::UnknownMetric { .. }))
            .map(ToString::to_string)
            .collect();
        if relevant.is_empty() {
            Ok(())
        } else {
            Err(RunError::Config(format!(
                "invalid thresholds:\n{}",
                relevant.join("\n")
            )))
        }
    })
}

/// Instantiate the scenario once with a throwaway context to read `options()`.
pub(super) async fn read_component_options(
    probe: &ScenarioRuntime,
    stop: &Arc<StopSignal>,
) -> Result<String, RunError> {
    let http = SharedHttp::new(HttpSettings {
        user_agent: crate::config::DEFAULT_USER_AGENT.to_string(),
        timeout: std::time::Duration::from_secs(60),
        max_redirects: 10,
        insecure_skip_tls_verify: false,
        max_body_bytes: 1 << 20,
    })
    .map_err(config_err)?;
    let run = Arc::new(RunShared {
        metrics: Store::new(Arc::new(Registry::new()), 1),
        http,
        data: DataSets::default(),
        load_started: Default::default(),
        stop: stop.clone(),
        seed: 0,
        discard_response_bodies: true,
        iteration_cpu_limit: None,
        request_errors_logged: Default::default(),
    });
    let info = Arc::new(ScenarioInfo {
        name: Arc::from("options"),
        exec: "default".into(),
        env: BTreeMap::new(),
        tags: TagSet::empty(),
    });
    let state = HostState::new(run, info, 0, probe.limits().vu_memory);
    let mut vu = Vu::instantiate(probe, state).await.map_err(|e| {
        RunError::Config(format!(
            "cannot instantiate {}: {e}",
            probe.path().display()
        ))
    })?;
    vu.options()
        .await
        .map_err(|e| RunError::Config(format!("the scenario's options() failed: {e}")))
}

fn resolve(cfg: &RunConfig, component_json: &str) -> Result<Plan, RunError> {
    let (component, warnings) = Options::from_json(component_json).map_err(|e| {
        RunError::Config(format!("invalid options in the scenario's options():\n{e}"))
    })?;
    for w in warnings {
        log::warn(&format!("scenario options: {w}"));
    }
    let mut merged = component;
    if let Some(file) = &cfg.config_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            RunError::Config(format!("cannot read config file {}: {e}", file.display()))
        })?;
        let (layer, warnings) = Options::from_json(&text).map_err(|e| {
            RunError::Config(format!("invalid options in {}:\n{e}", file.display()))
        })?;
        for w in warnings {
            log::warn(&format!("{}: {w}", file.display()));
        }
        merged = merged.merge(layer);
    }
    let env_layer = Options::from_env(cfg.env_vars.iter().cloned())
        .map_err(|e| RunError::Config(format!("invalid VOLLEY_* environment variables:\n{e}")))?;
    merged = merged.merge(env_layer).merge(cfg.cli.clone());
    merged
        .resolve(cfg.env.clone())
        .map_err(|e| RunError::Config(format!("invalid options:\n{e}")))
}
