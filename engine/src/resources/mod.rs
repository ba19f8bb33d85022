//! CPU and memory of the target and of the load generator itself, sampled
//! every second while the load runs and recorded as metrics of the run, so
//! they show in the summary, every output and thresholds like any other.
//!
//! | metric | what | tags |
//! |---|---|---|
//! | `target_cpu` | CPU of a `--monitor`ed target, percent of one core | `target` |
//! | `target_memory` | its memory, bytes | `target` |
//! | `target_value` | a Prometheus query's value (no `unit=`) | `target` + labels |
//! | `volley_cpu` | Volley's own CPU, percent of one core | none |
//! | `volley_memory` | Volley's own resident memory, bytes | none |
//!
//! They are trends (one value per second), so thresholds take `avg`,
//! `max`, `p(95)`...: `target_cpu: ['p(95)<90']`. A run goes:
//! [`Monitors::define`] the metrics before thresholds are checked,
//! [`Monitors::start`] (every target readable or reachable, else the run is
//! refused before any load), [`Ready::spawn`] as the load starts and
//! [`Sampler::finish`] when it ends, which also says whether the generator
//! itself was saturated ([`saturation`]).
//!
//! Sampling never runs on a VU's path: one task reads `/proc` and cgroup
//! files once a second (and measures its own timer lag every 100 ms), and
//! each Prometheus query has a task of its own, so a slow server delays
//! nothing else.

mod cgroup;
mod proc;
mod prometheus;
mod sampler;
pub mod saturation;
mod spec;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use cgroup::Cgroup;
pub use proc::{CpuMeter, Proc};
pub use saturation::Saturation;
pub use spec::{MonitorKind, MonitorSpec, PromUnit};

use crate::metrics::{MetricId, MetricKind, Registry, Store, TagSet, ValueType};
use crate::outcome::LoadGenerator;
use prometheus::PromTarget;
use sampler::{Local, Source};

/// CPU of a monitored target, percent of one core.
pub const TARGET_CPU: &str = "target_cpu";
/// Memory of a monitored target, bytes.
pub const TARGET_MEMORY: &str = "target_memory";
/// Values of a Prometheus query without a CPU or memory unit.
pub const TARGET_VALUE: &str = "target_value";
/// Volley's own CPU, percent of one core.
pub const VOLLEY_CPU: &str = "volley_cpu";
/// Volley's own resident memory, bytes.
pub const VOLLEY_MEMORY: &str = "volley_memory";
/// Every resource metric, in the order the summary lists them.
pub const METRICS: [&str; 5] = [
    TARGET_CPU,
    TARGET_MEMORY,
    TARGET_VALUE,
    VOLLEY_CPU,
    VOLLEY_MEMORY,
];

/// Whether `name` is one of the resource metrics.
pub fn is_resource_metric(name: &str) -> bool {
    METRICS.contains(&name)
}

/// One reading of a target: CPU time used so far, and memory now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// Cumulative CPU time, when the source has it.
    pub cpu: Option<Duration>,
    /// Memory in bytes, when the source has it.
    pub memory: Option<u64>,
}

/// The `--monitor` specs with their metrics defined; not yet checked.
#[derive(Debug)]
pub struct Monitors {
    specs: Vec<MonitorSpec>,
    registry: Arc<Registry>,
}

fn define(registry: &Registry, name: &str, value_type: ValueType) -> Result<MetricId, String> {
    registry
        .define_builtin(name, MetricKind::Trend, value_type)
        .map_err(|e| {
            format!("{e}; Volley records its resource samples under this name, rename the scenario's metric")
        })
}

/// The metric a spec's values go to and the factor they are scaled by.
fn metric_of(spec: &MonitorSpec) -> Vec<(&'static str, ValueType, f64)> {
    match &spec.kind {
        MonitorKind::Pid(_) | MonitorKind::Cgroup(_) => vec![
            (TARGET_CPU, ValueType::Default, 1.0),
            (TARGET_MEMORY, ValueType::Data, 1.0),
        ],
        MonitorKind::Prometheus { unit, .. } => vec![match unit {
            PromUnit::Cores => (TARGET_CPU, ValueType::Default, 100.0),
            PromUnit::Percent => (TARGET_CPU, ValueType::Default, 1.0),
            PromUnit::Bytes => (TARGET_MEMORY, ValueType::Data, 1.0),
            PromUnit::Value => (TARGET_VALUE, ValueType::Default, 1.0),
        }],
    }
}

impl Monitors {
    /// Define the metrics the specs (and Volley's own sampling) record, so
    /// thresholds on them are checked before anything runs. Two specs that
    /// would write the same series are refused.
    pub fn define(specs: &[MonitorSpec], registry: &Arc<Registry>) -> Result<Monitors, String> {
        define(registry, VOLLEY_CPU, ValueType::Default)?;
        define(registry, VOLLEY_MEMORY, ValueType::Data)?;
        let mut seen: HashSet<(&str, String)> = HashSet::new();
        for spec in specs {
            for (name, value_type, _) in metric_of(spec) {
                define(registry, name, value_type)?;
                if !seen.insert((name, spec.label())) {
                    return Err(format!(
                        "{spec}: another --monitor already records {name}{{target:{}}}; give one of them \
                         another name=LABEL",
                        spec.label()
                    ));
                }
            }
        }
        Ok(Monitors {
            specs: specs.to_vec(),
            registry: registry.clone(),
        })
    }

    /// Open every target and query every Prometheus once: a process that
    /// is not there, a cgroup that cannot be read or a server that does
    /// not answer refuses the run, before any load.
    pub async fn start(self) -> Result<Ready, String> {
        let proc = Proc::system();
        let id = |name: &str| self.registry.lookup(name).unwrap_or(MetricId(u32::MAX));
        let me = Local::new(
            Source::Process(proc.clone(), "self".into()),
            "volley".into(),
            TagSet::empty(),
            id(VOLLEY_CPU),
            id(VOLLEY_MEMORY),
        );
        me.read()
            .map_err(|e| format!("cannot read Volley's own /proc/self: {e}"))?;
        let mut locals = Vec::new();
        let mut proms = Vec::new();
        let mount = cgroup::system_mount();
        for spec in &self.specs {
            let label = spec.label();
            let tags = TagSet::from_pairs([("target", label.as_str())]);
            let source = match &spec.kind {
                MonitorKind::Pid(pid) => Source::Process(proc.clone(), pid.to_string()),
                MonitorKind::Cgroup(path) => {
                    let dir = cgroup::resolve(path, &mount);
                    let (cg, note) =
                        Cgroup::open(&dir, proc.clone()).map_err(|e| format!("{spec}: {e}"))?;
                    if let Some(note) = note {
                        crate::log::line(crate::log::Level::Info, None, &format!("{spec}: {note}"));
                    }
                    Source::Cgroup(cg)
                }
                MonitorKind::Prometheus { url, query, .. } => {
                    for (name, _, scale) in metric_of(spec) {
                        let target = PromTarget::new(url, query, label.clone(), id(name), scale)
                            .map_err(|e| format!("{spec}: {e}"))?;
                        if let Some(note) =
                            target.check().await.map_err(|e| format!("{spec}: {e}"))?
                        {
                            crate::log::line(
                                crate::log::Level::Info,
                                None,
                                &format!("{spec}: {note}"),
                            );
                        }
                        proms.push(target);
                    }
                    continue;
                }
            };
            let local = Local::new(source, label, tags, id(TARGET_CPU), id(TARGET_MEMORY));
            if let Err(e) = local.read() {
                let problem = match (&spec.kind, e.kind()) {
                    (MonitorKind::Pid(pid), std::io::ErrorKind::NotFound) => format!(
                        "no process {pid} (it may have exited); give the PID of a running process, \
                         e.g. pid=$(pgrep -f my-server)"
                    ),
                    (MonitorKind::Pid(pid), _) => format!(
                        "cannot read /proc/{pid}: {e}; run volley as the target's user or as root"
                    ),
                    _ => format!("cannot read it: {e}"),
                };
                return Err(format!("{spec}: {problem}"));
            }
            locals.push(local);
        }
        Ok(Ready {
            me,
            locals,
            proms,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        })
    }
}

/// Every target opened and checked, ready to sample.
#[derive(Debug)]
pub struct Ready {
    me: Local,
    locals: Vec<Local>,
    proms: Vec<PromTarget>,
    cores: usize,
}

impl Ready {
    /// Start sampling into `store`: call as the load starts.
    pub fn spawn(self, store: Arc<Store>) -> Sampler {
        let (done, rx) = watch::channel(false);
        let proms = self
            .proms
            .into_iter()
            .map(|p| p.spawn(store.clone(), rx.clone()))
            .collect();
        let main = sampler::spawn(self.me, self.locals, store, Saturation::new(self.cores), rx);
        Sampler { done, main, proms }
    }
}

/// The sampling tasks of a run.
#[derive(Debug)]
pub struct Sampler {
    done: watch::Sender<bool>,
    main: JoinHandle<Saturation>,
    proms: Vec<JoinHandle<()>>,
}

impl Sampler {
    /// Stop sampling (the load is over) and say whether the generator was
    /// saturated.
    pub async fn finish(self) -> LoadGenerator {
        let _ = self.done.send(true);
        for p in self.proms {
            // A query still waiting on a slow server is not waited for.
            p.abort();
            let _ = p.await;
        }
        match self.main.await {
            Ok(s) => LoadGenerator {
                cores: s.cores(),
                saturation: s.verdict(),
            },
            Err(_) => LoadGenerator::default(),
        }
    }
}
