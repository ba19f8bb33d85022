//! Executors: how each scenario schedules its VUs' iterations, with k6's
//! names, options and semantics. Each executor is one file holding its
//! options (with defaults and checks), its VU requirements, its description
//! and its run loop, behind the [`Executor`] trait, as k6 keeps
//! `lib/executor/<name>.go`; adding one is that file plus one line in
//! [`executors!`].
//!
//! Executors schedule VUs they do not know the inside of: a [`VuSource`]
//! creates VUs and runs their iterations (in a run, WebAssembly instances;
//! in the tests here, stand-ins that take a known time on tokio's paused
//! clock). All timing uses `tokio::time`, so schedules are tested on a
//! virtual clock.

mod arrival_rate;
mod capacity_search;
mod closed;
mod constant_arrival_rate;
mod constant_vus;
mod per_vu_iterations;
mod ramping_arrival_rate;
mod ramping_vus;
#[cfg(test)]
mod segmented;
mod shared_iterations;
#[cfg(test)]
mod testing;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

use crate::config::{Fields, format_duration};
use crate::control::StopSignal;
use crate::metrics::{Builtin, Store, TagSet};
pub use crate::segment::{ExecutionTuple, IterationIds, VuIds};
use crate::segment::{IterationCounter, VuIdAllocator};

pub(crate) use capacity_search::dropped_too_many;
pub use capacity_search::{CapacitySearch, SearchStep, search_steps};
pub use constant_arrival_rate::ConstantArrivalRate;
pub use constant_vus::ConstantVus;
pub use per_vu_iterations::PerVuIterations;
pub use ramping_arrival_rate::RampingArrivalRate;
pub use ramping_vus::RampingVus;
pub use shared_iterations::SharedIterations;

/// One executor: its options, VU needs, description and run loop.
pub trait Executor: Sized {
    /// k6's name of the executor (`constant-vus`, ...).
    const NAME: &'static str;
    /// The executor's own option keys, by their k6 names.
    const KEYS: &'static [&'static str];

    /// Read the executor's options with k6's defaults and checks; every
    /// problem goes into `f` (the result is only used when `f.ok()`).
    fn parse(f: &mut Fields<'_>) -> Self;

    /// What this process's part of it does, as k6 describes it before the
    /// run (`10 looping VUs for 30s`).
    fn describe(&self, et: &ExecutionTuple) -> String;

    /// VUs this process initialises before the test starts (k6 initialises
    /// all but the arrival-rate executors' VUs beyond `preAllocatedVUs`).
    fn initial_vus(&self, et: &ExecutionTuple) -> u64 {
        self.max_vus(et)
    }

    /// VUs this process may use at most (its execution segment's share,
    /// as k6 scales them).
    fn max_vus(&self, et: &ExecutionTuple) -> u64;

    /// How long it runs at most, `gracefulStop` excluded.
    fn max_duration(&self) -> Duration;

    /// The tuple that numbers this executor's iterations across a fleet
    /// (k6's iteration segmented index); `None` when this process's
    /// segment has no work in it (k6 then skips the executor).
    fn iteration_tuple(&self, et: &ExecutionTuple) -> Option<ExecutionTuple> {
        (self.max_vus(et) > 0).then(|| et.clone())
    }

    /// Run the scenario with its initial VUs until the executor ends.
    fn run<S: VuSource>(&self, run: ScenarioRun<S>) -> impl Future<Output = ()> + Send;
}

/// The registration: one line per executor makes [`ExecutorConfig`], the
/// list of names and keys, and the dispatch to each executor's methods.
macro_rules! executors {
    ($($variant:ident),+ $(,)?) => {
        /// The executor of a scenario, with its resolved options.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ExecutorConfig {
            $(
                #[doc = concat!("`", stringify!($variant), "`.")]
                $variant($variant),
            )+
        }

        impl ExecutorConfig {
            /// The k6 names of every executor Volley runs.
            pub const NAMES: &'static [&'static str] = &[$(<$variant as Executor>::NAME),+];

            /// The option keys of executor `name`, if it exists.
            pub fn keys_of(name: &str) -> Option<&'static [&'static str]> {
                match name {
                    $(n if n == <$variant as Executor>::NAME => Some(<$variant as Executor>::KEYS),)+
                    _ => None,
                }
            }

            /// Every executor option key, without repeats, in a stable order.
            pub fn all_keys() -> Vec<&'static str> {
                let mut keys: Vec<&'static str> = Vec::new();
                $(for k in <$variant as Executor>::KEYS {
                    if !keys.contains(k) {
                        keys.push(k);
                    }
                })+
                keys
            }

            fn parse_named(name: &str, f: &mut Fields<'_>) -> Option<ExecutorConfig> {
                match name {
                    $(n if n == <$variant as Executor>::NAME =>
                        Some(ExecutorConfig::$variant(<$variant as Executor>::parse(f))),)+
                    _ => None,
                }
            }

            /// k6's name of this executor.
            pub fn name(&self) -> &'static str {
                match self { $(ExecutorConfig::$variant(_) => <$variant as Executor>::NAME,)+ }
            }

            /// See [`Executor::describe`].
            pub fn describe(&self, et: &ExecutionTuple) -> String {
                match self { $(ExecutorConfig::$variant(e) => e.describe(et),)+ }
            }

            /// See [`Executor::initial_vus`].
            pub fn initial_vus(&self, et: &ExecutionTuple) -> u64 {
                match self { $(ExecutorConfig::$variant(e) => e.initial_vus(et),)+ }
            }

            /// See [`Executor::max_vus`].
            pub fn max_vus(&self, et: &ExecutionTuple) -> u64 {
                match self { $(ExecutorConfig::$variant(e) => e.max_vus(et),)+ }
            }

            /// See [`Executor::iteration_tuple`].
            pub fn iteration_tuple(&self, et: &ExecutionTuple) -> Option<ExecutionTuple> {
                match self { $(ExecutorConfig::$variant(e) => e.iteration_tuple(et),)+ }
            }

            /// See [`Executor::max_duration`].
            pub fn max_duration(&self) -> Duration {
                match self { $(ExecutorConfig::$variant(e) => e.max_duration(),)+ }
            }

            /// See [`Executor::run`].
            pub async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
                match self { $(ExecutorConfig::$variant(e) => e.run(run).await,)+ }
            }
        }
    };
}

executors!(
    ConstantVus,
    RampingVus,
    PerVuIterations,
    SharedIterations,
    ConstantArrivalRate,
    RampingArrivalRate,
    CapacitySearch,
);

/// k6's executor that Volley does not run, with what to use instead.
const UNSUPPORTED: &[(&str, &str)] = &[(
    "externally-controlled",
    "the externally-controlled executor is not supported by volley; use ramping-vus with stages instead",
)];

impl ExecutorConfig {
    /// Read executor `name`'s options from `f`. Unknown executors and keys
    /// the executor does not take are errors, named by their key paths.
    pub fn parse(name: &str, f: &mut Fields<'_>) -> Option<ExecutorConfig> {
        if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| *n == name) {
            f.fail("executor", *why);
            return None;
        }
        let Some(keys) = Self::keys_of(name) else {
            f.fail(
                "executor",
                format!(
                    "unknown executor \"{name}\"; expected one of {}",
                    Self::NAMES.join(", ")
                ),
            );
            return None;
        };
        let all = Self::all_keys();
        let given: Vec<&str> = f.keys().collect();
        for key in given {
            if keys.contains(&key) {
                continue;
            }
            let message = if all.contains(&key) {
                format!(
                    "not an option of the {name} executor (it takes {})",
                    keys.join(", ")
                )
            } else {
                format!(
                    "unknown scenario option; expected one of executor, startTime, gracefulStop, \
                     exec, env, tags, {}",
                    all.join(", ")
                )
            };
            f.fail(key, message);
        }
        Self::parse_named(name, f)
    }
}

/// One scenario of the run: k6's base options (`BaseConfig`) and its executor.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioPlan {
    /// Its name (`default` for the shortcut options).
    pub name: String,
    /// How it schedules iterations.
    pub executor: ExecutorConfig,
    /// Offset from the test start (default 0).
    pub start_time: Duration,
    /// Time running iterations may finish after the executor's end (default 30s).
    pub graceful_stop: Duration,
    /// The `exec` string passed to `iteration` (default `default`).
    pub exec: String,
    /// Extra `--env` values for this scenario only.
    pub env: BTreeMap<String, String>,
    /// Tags added to every sample of this scenario.
    pub tags: BTreeMap<String, String>,
}

impl ScenarioPlan {
    /// The line k6 prints for this scenario before the run (this process's
    /// part of it when the run is split in execution segments).
    pub fn describe(&self, et: &ExecutionTuple) -> String {
        format!(
            "{}: {} (gracefulStop: {}, executor: {})",
            self.name,
            self.executor.describe(et),
            format_duration(self.graceful_stop),
            self.executor.name()
        )
    }
}

/// Where executors get VUs and run their iterations.
pub trait VuSource: Send + Sync + 'static {
    /// A VU, owned by the executor while it schedules it.
    type Vu: Send + 'static;

    /// Create and initialise one more VU (arrival-rate executors grow up
    /// to `maxVUs` while they run); `None` when that failed (logged).
    fn create(&self) -> impl Future<Output = Option<Self::Vu>> + Send;

    /// Run one iteration of `vu`, numbered `ids` in the scenario (in this
    /// process and in the whole test), timed from `started` (its intended
    /// start in open models). Returns false when the VU can run no more.
    fn iterate(
        &self,
        vu: &mut Self::Vu,
        ids: IterationIds,
        started: Instant,
    ) -> impl Future<Output = bool> + Send;

    /// Hand the samples `vu` still buffers to the metric store (between the
    /// steps of a capacity search, so a step is judged on all it did).
    fn flush(&self, _vu: &mut Self::Vu) {}
}

/// One step of an executor that chooses its load while it runs
/// (`capacity-search`): what it offers.
#[derive(Debug, Clone, PartialEq)]
pub struct StepInfo {
    /// Iterations per `time_unit`.
    pub rate: u64,
    /// The time unit of `rate`.
    pub time_unit: Duration,
    /// How long the load is offered.
    pub duration: Duration,
    /// A refinement step (bisection) rather than a step up.
    pub refine: bool,
}

/// What a step did, as its executor counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepLoad {
    /// Iterations the step's schedule called for.
    pub planned: u64,
    /// Of those, dropped for want of a free VU.
    pub dropped: u64,
    /// Iterations still running when the step was judged.
    pub unfinished: u64,
}

/// Where such an executor opens each step as a period of the results and
/// has it judged on the run's thresholds (implemented by
/// [`crate::stages`]).
pub trait StepJudge: Send + Sync {
    /// A step of `scenario` starts now; returns its id.
    fn open(&self, scenario: &str, step: StepInfo) -> usize;
    /// The step's load is over and its iterations have ended (or been
    /// waited for long enough): whether the step passed.
    fn close(&self, id: usize, load: StepLoad) -> bool;
}

/// Numbers a scenario's iterations as they start, as k6 does: from 0 in this
/// process (`scenario.iterationInInstance`), and striped over the fleet's
/// execution segments (`scenario.iterationInTest`, unique in the test).
#[derive(Debug)]
pub struct IterationNumbers(Mutex<IterationCounter>);

impl IterationNumbers {
    /// Numbers for an executor whose iterations `tuple` stripes.
    pub fn new(tuple: &ExecutionTuple) -> Arc<Self> {
        Arc::new(Self(Mutex::new(IterationCounter::new(tuple))))
    }

    /// The next iteration's numbers.
    pub fn next(&self) -> IterationIds {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).next_ids()
    }
}

/// What one scenario's run gets: the run's state, where VUs come from, its
/// pre-initialised VUs, and the base options its loop needs.
pub struct ScenarioRun<S: VuSource> {
    /// Run-wide execution state (stop signal, counters).
    pub state: Arc<ExecutionState>,
    /// Where VUs come from.
    pub source: Arc<S>,
    /// The VUs initialised before the start ([`Executor::initial_vus`] of them).
    pub vus: Vec<S::Vu>,
    /// The scenario's name (for `dropped_iterations` tags).
    pub name: Arc<str>,
    /// `gracefulStop`.
    pub graceful_stop: Duration,
    /// This process's execution segment, in its sequence.
    pub et: ExecutionTuple,
    /// Numbers of the scenario's iterations.
    pub iterations: Arc<IterationNumbers>,
}

/// Run-wide execution state every executor shares: the stop switch and the
/// counters behind the `vus`, `vus_max` and `dropped_iterations` metrics.
#[derive(Debug)]
pub struct ExecutionState {
    /// The stop switch.
    pub stop: Arc<StopSignal>,
    /// Where `dropped_iterations` are counted.
    pub metrics: Arc<Store>,
    active_vus: AtomicI64,
    allocated_vus: AtomicU64,
    interrupted: AtomicU64,
    completed: AtomicU64,
    vu_ids: Mutex<VuIdAllocator>,
    judge: OnceLock<Arc<dyn StepJudge>>,
}

impl std::fmt::Debug for dyn StepJudge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("step judge")
    }
}

impl ExecutionState {
    /// State for one run of this process's execution segment `et`.
    pub fn new(stop: Arc<StopSignal>, metrics: Arc<Store>, et: &ExecutionTuple) -> Arc<Self> {
        Arc::new(Self {
            stop,
            metrics,
            active_vus: AtomicI64::new(0),
            allocated_vus: AtomicU64::new(0),
            interrupted: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            vu_ids: Mutex::new(VuIdAllocator::new(et)),
            judge: OnceLock::new(),
        })
    }

    /// Give the run's step judge to executors that need one.
    pub fn set_step_judge(&self, judge: Arc<dyn StepJudge>) {
        let _ = self.judge.set(judge);
    }

    /// The run's step judge, if it has one.
    pub fn step_judge(&self) -> Option<&Arc<dyn StepJudge>> {
        self.judge.get()
    }

    /// A new VU's ids: from 1 in this process (`__VU`; 0 is setup and
    /// teardown) and unique across the fleet (`exec.vu.idInTest`), as k6
    /// stripes them over the execution segments.
    pub fn next_vu_id(&self) -> VuIds {
        self.vu_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_ids()
    }

    /// VUs running an iteration loop now (the `vus` gauge).
    pub fn active_vus(&self) -> u64 {
        self.active_vus.load(Ordering::Relaxed).max(0) as u64
    }

    /// VUs initialised so far (the `vus_max` gauge).
    pub fn allocated_vus(&self) -> u64 {
        self.allocated_vus.load(Ordering::Relaxed)
    }

    /// Count a newly initialised VU.
    pub fn vu_allocated(&self) {
        self.allocated_vus.fetch_add(1, Ordering::Relaxed);
    }

    /// Iterations cut off by a hard stop, a ramp-down or `gracefulStop`.
    pub fn interrupted(&self) -> u64 {
        self.interrupted.load(Ordering::Relaxed)
    }

    pub(crate) fn add_interrupted(&self, n: u64) {
        self.interrupted.fetch_add(n, Ordering::Relaxed);
    }

    /// Iterations that ran to their end (also those that threw).
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    pub(crate) fn iteration_completed(&self) {
        self.completed.fetch_add(1, Ordering::Relaxed);
    }

    fn dropped_iteration(&self, tags: &TagSet) {
        self.metrics
            .add_counter(Builtin::DroppedIterations.id(), tags.clone(), 1.0);
    }
}

impl crate::host::ExecutionView for ExecutionState {
    fn vus_initialized(&self) -> u64 {
        self.allocated_vus()
    }
    fn vus_active(&self) -> u64 {
        self.active_vus()
    }
    fn iterations_completed(&self) -> u64 {
        self.completed()
    }
    fn iterations_interrupted(&self) -> u64 {
        self.interrupted()
    }
}

/// Counts a VU as active (the `vus` gauge) while alive, also when its task
/// is aborted.
pub(crate) struct ActiveGuard<'a>(&'a ExecutionState);

impl<'a> ActiveGuard<'a> {
    pub(crate) fn new(state: &'a ExecutionState) -> Self {
        state.active_vus.fetch_add(1, Ordering::Relaxed);
        Self(state)
    }
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.active_vus.fetch_sub(1, Ordering::Relaxed);
    }
}
