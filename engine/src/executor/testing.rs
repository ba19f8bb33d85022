//! Test support: executors run against stand-in VUs whose iterations take a
//! known time on tokio's paused clock, so schedules are checked exactly on a
//! virtual clock instead of in wall-clock windows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::time::Instant;

use super::{
    ExecutionState, ExecutionTuple, Executor, ExecutorConfig, IterationIds, IterationNumbers,
    ScenarioRun, StepJudge, VuSource,
};
use crate::config::Fields;
use crate::control::StopSignal;
use crate::metrics::{Registry, Store};

fn fields(json: &str) -> Map<String, Value> {
    let text = format!("{{{json}}}");
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("test fields must be a JSON object body: {other:?}"),
    }
}

fn path(key: &str) -> String {
    match key {
        "" => "options.scenarios.s".to_string(),
        key => format!("options.scenarios.s.{key}"),
    }
}

/// `E`'s options read from the body of a JSON object (`"vus": 2, ...`),
/// failing the test on errors.
pub(crate) fn parse<E: Executor>(json: &str) -> E {
    let raw = fields(json);
    let mut errors = Vec::new();
    let e = E::parse(&mut Fields::new(&raw, &path, &mut errors));
    assert!(errors.is_empty(), "unexpected errors: {errors:?}");
    e
}

/// The errors of reading `E`'s options (unknown keys included), one string each.
pub(crate) fn errors<E: Executor>(json: &str) -> Vec<String> {
    let raw = fields(json);
    let mut errors = Vec::new();
    let _ = ExecutorConfig::parse(E::NAME, &mut Fields::new(&raw, &path, &mut errors));
    errors.iter().map(ToString::to_string).collect()
}

/// One iteration as the stand-in VUs saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Started {
    /// Which VU (0-based, in creation order).
    pub vu: usize,
    /// When it started, from the executor's start.
    pub at: Duration,
    /// Its number in the scenario, in this process.
    pub in_scenario: u64,
    /// Its number in the scenario across the fleet.
    pub in_test: u64,
    /// When it ended, if it was not cut off.
    pub ended: Option<Duration>,
}

/// What a run did.
#[derive(Debug)]
pub(crate) struct Report {
    /// Every iteration started, in start order.
    pub started: Vec<Started>,
    /// Iterations that ran to their end.
    pub completed: usize,
    /// Iterations the executor counted as interrupted.
    pub interrupted: u64,
    /// When the executor's run returned.
    pub ended: Duration,
    /// VUs created while running (beyond the initial ones).
    pub grown: usize,
    /// `dropped_iterations`.
    pub dropped: f64,
}

impl Report {
    /// Iterations started.
    pub fn iterations(&self) -> usize {
        self.started.len()
    }

    /// Iterations started per VU, by VU index.
    pub fn per_vu(&self) -> Vec<usize> {
        let n = self.started.iter().map(|s| s.vu + 1).max().unwrap_or(0);
        let mut out = vec![0; n];
        for s in &self.started {
            out[s.vu] += 1;
        }
        out
    }

    /// When the last iteration started.
    pub fn last_start(&self) -> Duration {
        self.started.iter().map(|s| s.at).max().unwrap_or_default()
    }

    /// Iterations running at `t` (started at or before, not ended by then).
    pub fn running_at(&self, t: Duration) -> usize {
        self.started
            .iter()
            .filter(|s| s.at <= t && s.ended.is_none_or(|e| e > t))
            .count()
    }

    /// Start times, in order.
    pub fn starts(&self) -> Vec<Duration> {
        self.started.iter().map(|s| s.at).collect()
    }
}

type Length = dyn Fn(usize, u64) -> Duration + Send + Sync;

/// Stand-in VUs and the clock origin.
pub(crate) struct Harness {
    length: Arc<Length>,
}

struct Source {
    t0: Instant,
    length: Arc<Length>,
    started: Mutex<Vec<Started>>,
    completed: AtomicUsize,
    next_vu: AtomicUsize,
    grown: AtomicUsize,
}

impl VuSource for Source {
    type Vu = usize;

    async fn create(&self) -> Option<usize> {
        self.grown.fetch_add(1, Ordering::Relaxed);
        Some(self.next_vu.fetch_add(1, Ordering::Relaxed))
    }

    async fn iterate(&self, vu: &mut usize, ids: IterationIds, _started: Instant) -> bool {
        let at = self.t0.elapsed();
        let in_scenario = ids.local;
        let index = {
            let mut s = self.started.lock().expect("harness lock");
            s.push(Started {
                vu: *vu,
                at,
                in_scenario,
                in_test: ids.global,
                ended: None,
            });
            s.len() - 1
        };
        tokio::time::sleep((self.length)(*vu, in_scenario)).await;
        self.started.lock().expect("harness lock")[index].ended = Some(self.t0.elapsed());
        self.completed.fetch_add(1, Ordering::Relaxed);
        true
    }
}

impl Harness {
    /// Stand-in VUs whose iterations all take `each`.
    pub fn new(each: Duration) -> Harness {
        Harness::with(move |_, _| each)
    }

    /// Stand-in VUs whose iteration `n` of VU `vu` takes `length(vu, n)`.
    pub fn with(length: impl Fn(usize, u64) -> Duration + Send + Sync + 'static) -> Harness {
        Harness {
            length: Arc::new(length),
        }
    }

    /// Run `exec` with `graceful_stop` to its end.
    pub async fn run<E: Executor>(&self, exec: &E, graceful_stop: Duration) -> Report {
        self.run_with(exec, graceful_stop, |_| {}).await
    }

    /// Run one execution segment `et` of `exec` to its end.
    pub async fn run_segment<E: Executor>(
        &self,
        exec: &E,
        graceful_stop: Duration,
        et: &ExecutionTuple,
    ) -> Report {
        self.run_in(exec, graceful_stop, et, |_| {}).await
    }

    /// Run `exec`, handing the run's stop signal to `control` first (to
    /// stop the run from a spawned task at a chosen time).
    pub async fn run_with<E: Executor>(
        &self,
        exec: &E,
        graceful_stop: Duration,
        control: impl FnOnce(Arc<StopSignal>),
    ) -> Report {
        self.run_inner(exec, graceful_stop, &ExecutionTuple::full(), control, None)
            .await
    }

    /// Run `exec` with a step judge (for `capacity-search`).
    pub async fn run_judged<E: Executor>(
        &self,
        exec: &E,
        graceful_stop: Duration,
        judge: Arc<dyn StepJudge>,
    ) -> Report {
        self.run_inner(
            exec,
            graceful_stop,
            &ExecutionTuple::full(),
            |_| {},
            Some(judge),
        )
        .await
    }

    async fn run_in<E: Executor>(
        &self,
        exec: &E,
        graceful_stop: Duration,
        et: &ExecutionTuple,
        control: impl FnOnce(Arc<StopSignal>),
    ) -> Report {
        self.run_inner(exec, graceful_stop, et, control, None).await
    }

    async fn run_inner<E: Executor>(
        &self,
        exec: &E,
        graceful_stop: Duration,
        et: &ExecutionTuple,
        control: impl FnOnce(Arc<StopSignal>),
        judge: Option<Arc<dyn StepJudge>>,
    ) -> Report {
        let stop = Arc::new(StopSignal::new());
        let store = Store::new(Arc::new(Registry::new()), 1);
        let state = ExecutionState::new(stop.clone(), store.clone(), et);
        if let Some(judge) = judge {
            state.set_step_judge(judge);
        }
        let initial = exec.initial_vus(et) as usize;
        let tuple = exec
            .iteration_tuple(et)
            .unwrap_or_else(ExecutionTuple::full);
        let source = Arc::new(Source {
            t0: Instant::now(),
            length: self.length.clone(),
            started: Mutex::new(Vec::new()),
            completed: AtomicUsize::new(0),
            next_vu: AtomicUsize::new(initial),
            grown: AtomicUsize::new(0),
        });
        control(stop);
        let run = ScenarioRun {
            state: state.clone(),
            source: source.clone(),
            vus: (0..initial).collect(),
            name: Arc::from("s"),
            graceful_stop,
            et: et.clone(),
            iterations: IterationNumbers::new(&tuple),
        };
        exec.run(run).await;
        let ended = source.t0.elapsed();
        let started = source.started.lock().expect("harness lock").clone();
        Report {
            started,
            completed: source.completed.load(Ordering::Relaxed),
            interrupted: state.interrupted(),
            ended,
            grown: source.grown.load(Ordering::Relaxed),
            dropped: store
                .snapshot(Duration::from_secs(1))
                .counter("dropped_iterations", &[]),
        }
    }
}
