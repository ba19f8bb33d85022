//! Stages in the results: each period of a run's load — a stage of a
//! ramping executor, a scenario of a multi-scenario test, a step of a
//! capacity search — with its own exact figures, its own threshold
//! verdicts, and the capacity search's answer.
//!
//! **How samples find their period.** A period is a window of test time of
//! one scenario. [`Periods`] sits on the metric store's sample tap (beside
//! the outputs): each batch a VU flushes is split by the samples' own
//! timestamps (a request's end, an iteration's end, a check's time) and
//! their `scenario` tag, and each part is aggregated into a metric store
//! of its own period, the same store the run uses. So each period has its
//! own HDR histograms (its p50 and p95 are exact, not interpolated from
//! per-second points), every metric with every tag (a threshold can select
//! `http_req_duration{stage:2,name:checkout}`), and samples keep exactly
//! the tags k6 gives them in every output. Nothing is added to a VU's path:
//! the split costs one clone per sample on the flush that already takes a
//! lock. Samples without a `scenario` tag (the `--monitor` CPU and memory)
//! go to every period running at their time.
//!
//! Windows are contiguous: a stage runs from its start to the next stage's
//! start; the last one keeps what ends during `gracefulStop`. A capacity
//! search's step also keeps what ends during the cooldown after it.
//! Samples of `setup()` (before the load) and `teardown()` (after it)
//! belong to no period.
//!
//! Periods are numbered from 1 in the order they start, as in the
//! by-stage table; `{stage:N}` and `{stage:NAME}` in a threshold select
//! one (see [`select`]).

mod capacity;
mod plan;
mod row;
pub mod select;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::executor::{StepInfo, StepJudge, StepLoad};
use crate::metrics::{Registry, Sample, SampleWriter, Snapshot, Store};
use crate::plan::Plan;
use crate::thresholds::ThresholdSet;

pub use capacity::{CapacityResult, FirstFailure, Knee, StepFigures, knee, observed_text};
pub use row::{Load, StageRow, StepThreshold, StepVerdict};

/// The by-stage results of a run: one row per period, and the capacity
/// search's answer when one ran.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StageReport {
    /// Every period, in the order they started.
    pub rows: Vec<StageRow>,
    /// One per `capacity-search` scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<CapacityResult>,
}

/// What a period is, before it runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spec {
    pub scenario: String,
    pub name: Option<String>,
    pub executor: String,
    pub load: Load,
    /// Offset of its start from the load's start (static periods).
    pub offset: Duration,
    /// Its planned length.
    pub duration: Duration,
    /// A capacity search's step.
    pub step: Option<StepInfo>,
}

/// One period while the run goes.
struct Period {
    spec: Spec,
    start: Instant,
    store: Arc<Store>,
    /// When a step was judged (its window may go on until the next opens).
    judged: Mutex<Option<(StepLoad, StepVerdict)>>,
}

#[derive(Default)]
struct State {
    /// The load's start; `None` before it (setup's samples are left out).
    origin: Option<Instant>,
    /// The load's end; later samples (teardown's) are left out.
    closed: Option<Instant>,
    periods: Vec<Arc<Period>>,
}

/// The periods of a run and their stores: the sample tap that fills them,
/// the capacity search's step judge, and the by-stage report at the end.
pub struct Periods {
    registry: Arc<Registry>,
    shards: usize,
    next_shard: AtomicUsize,
    planned: Vec<Spec>,
    /// The run's thresholds, judged per step of a capacity search.
    thresholds: Arc<ThresholdSet>,
    state: RwLock<State>,
}

impl std::fmt::Debug for Periods {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Periods")
            .field("planned", &self.planned.len())
            .finish()
    }
}

impl Periods {
    /// The periods of `plan`, or None when it has a single one (a run of
    /// one scenario without stages): then there is nothing to split.
    pub fn of(
        plan: &Plan,
        thresholds: Arc<ThresholdSet>,
        registry: Arc<Registry>,
        shards: usize,
    ) -> Option<Arc<Periods>> {
        let planned = plan::periods(plan);
        let searches = plan::has_capacity_search(plan);
        if planned.len() < 2 && !searches {
            return None;
        }
        Some(Arc::new(Periods {
            registry,
            shards: shards.max(1),
            next_shard: AtomicUsize::new(0),
            planned,
            thresholds,
            state: RwLock::new(State::default()),
        }))
    }

    /// The planned periods' names and scenarios, numbered from 1 (steps of
    /// a capacity search are numbered as they come).
    pub(crate) fn planned(&self) -> &[Spec] {
        &self.planned
    }

    /// Whether a capacity search runs.
    pub(crate) fn searches(&self) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.periods.iter().any(|p| p.spec.step.is_some())
            || self.planned.iter().any(|p| p.executor == "capacity-search")
    }

    fn new_store(&self) -> Arc<Store> {
        Store::new(self.registry.clone(), self.shards)
    }

    /// The load starts now: the planned periods start at their offsets.
    pub fn start(&self, origin: Instant) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.origin = Some(origin);
        state.closed = None;
        let periods = self
            .planned
            .iter()
            .filter(|s| s.executor != "capacity-search")
            .map(|spec| {
                Arc::new(Period {
                    spec: spec.clone(),
                    start: origin + spec.offset,
                    store: self.new_store(),
                    judged: Mutex::new(None),
                })
            })
            .collect();
        state.periods = periods;
    }

    /// The load is over: later samples belong to no period.
    pub fn finish(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.closed = Some(Instant::now());
    }

    /// The periods, sorted by start (then by plan order).
    fn sorted(&self) -> (Vec<Arc<Period>>, Option<Instant>, Option<Instant>) {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let mut list = state.periods.clone();
        list.sort_by_key(|p| p.start);
        (list, state.origin, state.closed)
    }

    /// The snapshot of each period so far, in period order (numbered from
    /// 1 by position + 1).
    pub(crate) fn snapshots(&self) -> Vec<(Spec, Snapshot)> {
        let (list, _, closed) = self.sorted();
        let now = closed.unwrap_or_else(Instant::now);
        list.iter()
            .map(|p| (p.spec.clone(), p.store.snapshot(rate_base(p, now))))
            .collect()
    }

    /// The by-stage report: each period's row, and each capacity search's
    /// answer.
    pub fn report(&self) -> StageReport {
        let (list, origin, closed) = self.sorted();
        let now = closed.unwrap_or_else(Instant::now);
        let origin = origin.unwrap_or(now);
        let rows: Vec<StageRow> = list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let snap = p.store.snapshot(rate_base(p, now));
                let judged = p.judged.lock().unwrap_or_else(|e| e.into_inner()).clone();
                row::row(
                    i + 1,
                    &p.spec,
                    p.start.saturating_duration_since(origin),
                    &snap,
                    judged,
                )
            })
            .collect();
        let capacity = capacity::results(&rows);
        StageReport { rows, capacity }
    }

    /// The period (0-based position) of scenario `scenario` that a sample
    /// made at `at` belongs to.
    fn find(list: &[Arc<Period>], scenario: &str, at: Instant) -> Option<usize> {
        let mut found = None;
        let mut first = None;
        for (i, p) in list.iter().enumerate() {
            if p.spec.scenario != scenario {
                continue;
            }
            first.get_or_insert(i);
            if p.start <= at && found.is_none_or(|f: usize| list[f].start <= p.start) {
                found = Some(i);
            }
        }
        found.or(first)
    }

    /// The periods running at `at`, for samples of no scenario.
    fn running(list: &[Arc<Period>], at: Instant) -> Vec<usize> {
        let mut out = Vec::new();
        let mut scenarios: Vec<&str> = list.iter().map(|p| p.spec.scenario.as_str()).collect();
        scenarios.dedup();
        for scenario in scenarios {
            if let Some(i) = Self::find(list, scenario, at) {
                let p = &list[i];
                let later = list
                    .iter()
                    .any(|q| q.spec.scenario == scenario && q.start > p.start);
                // A static period ends at its planned end; a step, or a
                // period followed by another, at the next one's start.
                let within = at >= p.start
                    && (later || p.spec.step.is_some() || at < p.start + p.spec.duration);
                if within && !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    }

    fn judge_step(&self, period: &Period, load: StepLoad) -> StepVerdict {
        let snap = period.store.snapshot(period.spec.duration);
        select::judge_step(&self.thresholds, &period.spec.scenario, &snap, &load)
    }
}

/// The time a period's rates are per: its planned length, or less when
/// the run ended before it did.
fn rate_base(p: &Period, now: Instant) -> Duration {
    let ran = now.saturating_duration_since(p.start);
    let base = if p.spec.step.is_some() {
        p.spec.duration.min(ran)
    } else {
        p.spec.duration.min(ran.max(Duration::from_millis(1)))
    };
    base.max(Duration::from_millis(1))
}

/// The scenario and time of a sample.
fn key(sample: &Sample) -> (Option<&str>, Instant) {
    match sample {
        Sample::Http(h) => (h.base.get("scenario"), h.at),
        Sample::Iteration(i) => (i.base.get("scenario"), i.at),
        Sample::Check(c) => (c.base.get("scenario"), c.at),
        Sample::Custom(c) => (c.tags.get("scenario"), c.at),
    }
}

impl SampleWriter for Periods {
    fn write(&self, batch: &[Sample]) {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        if state.origin.is_none() || state.periods.is_empty() {
            return;
        }
        let closed = state.closed;
        let list = &state.periods;
        let mut parts: HashMap<usize, Vec<Sample>> = HashMap::new();
        for sample in batch {
            let (scenario, at) = key(sample);
            if closed.is_some_and(|c| at > c) {
                continue;
            }
            match scenario {
                Some(s) => {
                    if let Some(i) = Self::find(list, s, at) {
                        parts.entry(i).or_default().push(sample.clone());
                    }
                }
                None => {
                    for i in Self::running(list, at) {
                        parts.entry(i).or_default().push(sample.clone());
                    }
                }
            }
        }
        for (i, mut samples) in parts {
            let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards;
            list[i].store.ingest(shard, &mut samples);
        }
    }
}

impl StepJudge for Periods {
    fn open(&self, scenario: &str, step: StepInfo) -> usize {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let origin = *state.origin.get_or_insert(now);
        let spec = Spec {
            scenario: scenario.to_string(),
            name: None,
            executor: "capacity-search".into(),
            load: Load::rate(step.rate as f64, step.time_unit),
            offset: now.saturating_duration_since(origin),
            duration: step.duration,
            step: Some(step),
        };
        state.periods.push(Arc::new(Period {
            spec,
            start: now,
            store: self.new_store(),
            judged: Mutex::new(None),
        }));
        state.periods.len() - 1
    }

    fn close(&self, id: usize, load: StepLoad) -> bool {
        let period = {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            state.periods.get(id).cloned()
        };
        let Some(period) = period else {
            return false;
        };
        let verdict = self.judge_step(&period, load);
        let passed = verdict.passed;
        *period.judged.lock().unwrap_or_else(|e| e.into_inner()) = Some((load, verdict));
        passed
    }
}

/// Hands each batch to several writers (the periods and the outputs).
pub struct Fanout(pub Vec<Arc<dyn SampleWriter>>);

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fan-out to {} writers", self.0.len())
    }
}

impl SampleWriter for Fanout {
    fn write(&self, batch: &[Sample]) {
        for w in &self.0 {
            w.write(batch);
        }
    }
}

#[cfg(test)]
mod tests;
