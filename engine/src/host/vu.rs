//! `volley:scenario/vu`: sleep, checks, groups, log, env, info, execution
//! state, tags, random, abort; and the state every capability builds on:
//! the VU's identity, its sample buffer, its tags and its iteration clock.
//! The contract versions' bindings ([`super::bindings`]) are thin adapters
//! over the operations here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::HostState;
use super::bindings::{v1, v2};
use super::logs::LogLimiter;
use crate::control::{StopLevel, StopReason, StopSignal};
use crate::log::{self, Level};
use crate::metrics::{Builtin, CheckSample, SampleBuffer, Store, TagSet};

/// Deepest group nesting a guest may open. Each level nests the summary
/// export's and results file's `root_group` two JSON levels deeper; at 32
/// they stay well inside the 128 levels JSON readers such as serde_json
/// accept (at 64, `volley run`'s own export could not be read back).
pub const MAX_GROUP_DEPTH: usize = 32;
/// Longest group name, in bytes.
pub const MAX_GROUP_NAME: usize = 1024;

/// What a VU may ask of the run's execution state (k6's `k6/execution`
/// `instance` fields); implemented by the run.
pub trait ExecutionView: Send + Sync + std::fmt::Debug {
    /// VUs initialised so far.
    fn vus_initialized(&self) -> u64;
    /// VUs running an iteration loop now.
    fn vus_active(&self) -> u64;
    /// Iterations completed so far.
    fn iterations_completed(&self) -> u64;
    /// Iterations interrupted so far.
    fn iterations_interrupted(&self) -> u64;
}

/// Run-wide state of the `vu` and `metrics` interfaces.
#[derive(Debug)]
pub struct VuRun {
    /// Where samples go.
    pub metrics: Arc<Store>,
    /// The stop switch.
    pub stop: Arc<StopSignal>,
    /// Seed of the VUs' random streams.
    pub seed: u64,
    /// CPU time an iteration may use before it is stopped.
    pub iteration_cpu_limit: Option<Duration>,
    /// When the scenarios started: t = 0 of `elapsed` and of per-second
    /// rates, as in k6 (initialisation is not test time).
    pub load_started: OnceLock<Instant>,
    /// The execution state, once the run has one.
    pub execution: OnceLock<Arc<dyn ExecutionView>>,
    /// The resolved options as k6 JSON (`exec.test.options`).
    pub options_json: String,
}

impl VuRun {
    /// Run-wide state with no execution state yet.
    pub fn new(
        metrics: Arc<Store>,
        stop: Arc<StopSignal>,
        seed: u64,
        iteration_cpu_limit: Option<Duration>,
        options_json: String,
    ) -> Self {
        Self {
            metrics,
            stop,
            seed,
            iteration_cpu_limit,
            load_started: OnceLock::new(),
            execution: OnceLock::new(),
            options_json,
        }
    }

    /// Test time so far: since the scenarios started (0 before that).
    pub fn elapsed(&self) -> Duration {
        self.load_started
            .get()
            .map_or(Duration::ZERO, Instant::elapsed)
    }
}

/// What a VU knows of the scenario it runs in.
#[derive(Debug)]
pub struct ScenarioInfo {
    /// The scenario's name.
    pub name: Arc<str>,
    /// The `exec` argument of `iteration`.
    pub exec: String,
    /// `--env` values merged with the scenario's own `env`.
    pub env: BTreeMap<String, String>,
    /// Run tags + scenario tags + `scenario:<name>`, without `group`.
    pub tags: TagSet,
    /// The executor's k6 name.
    pub executor: &'static str,
    /// How long the executor runs at most (the base of `progress`).
    pub max_duration: Duration,
    /// When the scenario started (monotonic, and wall clock).
    pub started: OnceLock<(Instant, SystemTime)>,
}

impl ScenarioInfo {
    /// What a VU of a scenario knows, before it starts.
    pub fn new(
        name: &str,
        exec: String,
        env: BTreeMap<String, String>,
        tags: TagSet,
        executor: &'static str,
        max_duration: Duration,
    ) -> Self {
        Self {
            name: Arc::from(name),
            exec,
            env,
            tags,
            executor,
            max_duration,
            started: OnceLock::new(),
        }
    }
}

/// Per-VU state every capability builds on.
pub struct VuInstance {
    /// The scenario this VU runs.
    pub scenario: Arc<ScenarioInfo>,
    /// The VU's id (`__VU`); 0 for setup and teardown.
    pub id: u64,
    /// The VU's samples, flushed to the store now and then.
    pub samples: SampleBuffer,
    /// `scenario.tags` plus the VU's own tags and the current `group` tag.
    pub base_tags: TagSet,
    /// Tags set with `set-tag`, kept across iterations.
    own_tags: BTreeMap<String, String>,
    /// Open groups: name and when it was entered.
    groups: Vec<(String, Instant)>,
    /// The VU's iteration number (`__ITER`).
    pub iteration: u64,
    /// The iteration's number in its scenario, in this process.
    pub iteration_in_scenario: u64,
    /// The iteration's number in its scenario across the fleet.
    pub iteration_in_test: u64,
    /// The VU's id across the fleet (`exec.vu.idInTest`).
    pub id_in_test: u64,
    rng: u64,
    /// When the current iteration started, and how much of it was spent
    /// parked in host calls: the difference is guest CPU time.
    pub iteration_start: Instant,
    /// Time parked in host calls this iteration.
    host_wait: Duration,
    /// Nanoseconds this iteration spent yielded at epoch ticks, waiting for
    /// a worker thread (added by the yield's future, which cannot reach the
    /// store): not the guest's CPU time either.
    pub yield_wait: Arc<AtomicU64>,
    /// Guest time when the guest last yielded at an epoch tick.
    slice_start: Duration,
    /// Whether a CPU limit applies (the iteration's, or `call_limit`).
    pub cpu_limited: bool,
    /// The CPU limit of a call other than an iteration, while one runs.
    pub call_limit: Option<super::CallCpuLimitExceeded>,
    /// Rate and size limits of the VU's log lines.
    pub logs: Arc<LogLimiter>,
    stop: Arc<StopSignal>,
}

impl VuInstance {
    pub(super) fn new(
        run: &VuRun,
        scenario: Arc<ScenarioInfo>,
        id: u64,
        logs: Arc<LogLimiter>,
    ) -> Self {
        Self {
            samples: run.metrics.buffer(id),
            base_tags: scenario.tags.with("group", ""),
            rng: run.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            scenario,
            id,
            own_tags: BTreeMap::new(),
            groups: Vec::new(),
            iteration: 0,
            iteration_in_scenario: 0,
            iteration_in_test: 0,
            id_in_test: id,
            iteration_start: Instant::now(),
            host_wait: Duration::ZERO,
            yield_wait: Arc::default(),
            slice_start: Duration::ZERO,
            cpu_limited: false,
            call_limit: None,
            logs,
            stop: run.stop.clone(),
        }
    }

    pub(super) fn begin_iteration(&mut self, iteration: u64, ids: crate::segment::IterationIds) {
        self.iteration = iteration;
        self.iteration_in_scenario = ids.local;
        self.iteration_in_test = ids.global;
        self.restart_clock();
        self.cpu_limited = true;
        self.call_limit = None;
        if !self.groups.is_empty() {
            self.groups.clear();
            self.retag();
        }
    }

    /// Start counting guest time again from now.
    pub(super) fn restart_clock(&mut self) {
        self.iteration_start = Instant::now();
        self.host_wait = Duration::ZERO;
        self.yield_wait.store(0, Ordering::Relaxed);
        self.slice_start = Duration::ZERO;
    }

    /// Whether a guest that has run `used` of guest time has had its time
    /// slice since it last yielded or came back from a host call that
    /// waited (and so must yield now); if so, a new slice starts.
    pub(super) fn slice_over(&mut self, used: Duration, slice: Duration) -> bool {
        if used.saturating_sub(self.slice_start) < slice {
            return false;
        }
        self.slice_start = used;
        true
    }

    /// A host call that waited (a request, a sleep) ran from `started` to
    /// `at`: not guest time, and the guest's time slice starts afresh.
    pub(crate) fn waited(&mut self, started: Instant, at: Instant) {
        self.host_wait += at.saturating_duration_since(started);
        self.slice_start = self.guest_time_at(at);
    }

    pub(super) fn guest_time(&self) -> Duration {
        self.guest_time_at(Instant::now())
    }

    /// Guest time from the start of the clock to `at`: neither parked in
    /// host calls nor yielded waiting for a worker.
    fn guest_time_at(&self, at: Instant) -> Duration {
        let yielded = Duration::from_nanos(self.yield_wait.load(Ordering::Relaxed));
        at.saturating_duration_since(self.iteration_start)
            .saturating_sub(self.host_wait)
            .saturating_sub(yielded)
    }

    /// Enter group `name`; a trap message when it would be too deep or
    /// too long (a runaway guest must not grow tags without bound).
    pub(super) fn push_group(&mut self, name: &str) -> Result<(), String> {
        if self.groups.len() >= MAX_GROUP_DEPTH {
            return Err(format!(
                "groups nested more than {MAX_GROUP_DEPTH} deep (entering {:?})",
                truncate(name, 80)
            ));
        }
        if name.len() > MAX_GROUP_NAME {
            return Err(format!(
                "group name of {} bytes is longer than the limit of {MAX_GROUP_NAME} ({:?}...)",
                name.len(),
                truncate(name, 80)
            ));
        }
        self.groups.push((name.to_string(), Instant::now()));
        self.retag();
        Ok(())
    }

    /// Leave the innermost group, recording its `group_duration` (tagged
    /// with the group being left, as k6 does).
    fn pop_group(&mut self) {
        let at = Instant::now();
        if let Some((_, entered)) = self.groups.last() {
            let took = at.saturating_duration_since(*entered);
            let tags = self.base_tags.clone();
            self.samples.custom(
                Builtin::GroupDuration.id(),
                crate::metrics::MetricKind::Trend,
                took.as_secs_f64() * 1000.0,
                tags,
            );
        }
        if self.groups.pop().is_some() {
            self.retag();
        }
    }

    /// Recompute the base tags from the scenario's, the VU's own and the
    /// group path.
    fn retag(&mut self) {
        let mut tags = self.scenario.tags.clone();
        if !self.own_tags.is_empty() {
            tags = tags.merged(&TagSet::from_pairs(
                self.own_tags.iter().map(|(k, v)| (k.clone(), v.clone())),
            ));
        }
        self.base_tags = tags.with("group", &group_path(&self.groups));
    }

    pub(super) fn next_random(&mut self) -> u64 {
        // splitmix64: tiny state, good enough for load-test choices.
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// k6's group path: `::outer::inner`, empty at the root.
fn group_path(groups: &[(String, Instant)]) -> String {
    let mut s = String::new();
    for (g, _) in groups {
        s.push_str("::");
        s.push_str(g);
    }
    s
}

/// A trap raised by `vu.abort`: the scheduler tells it from other traps.
#[derive(Debug, thiserror::Error)]
#[error("test aborted by the scenario: {0}")]
pub struct GuestAbort(pub String);

/// A trap raised when a guest breaks a host limit (group depth, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GuestLimit(pub String);

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The operations both contract versions share.
impl HostState {
    async fn vu_sleep(&mut self, duration: u64) {
        let started = Instant::now();
        if duration >= RELEASE_STACK_AFTER {
            // A parked VU keeps only the stack it is parked on.
            crate::scenario::stack::release_below_here();
        }
        tokio::time::sleep(Duration::from_nanos(duration)).await;
        self.vu.waited(started, Instant::now());
    }

    /// Record a check made at `at`.
    pub(super) fn record_check(
        &mut self,
        name: String,
        ok: bool,
        tags: Vec<(String, String)>,
        at: Instant,
    ) {
        let sample = CheckSample {
            base: self.vu.base_tags.clone(),
            name: Arc::from(name),
            ok,
            extra: TagSet::from_pairs(tags),
            at,
        };
        self.vu.samples.check(sample);
    }

    fn vu_enter_group(&mut self, name: &str) -> wasmtime::Result<()> {
        self.vu
            .push_group(name)
            .map_err(|m| wasmtime::Error::new(GuestLimit(m)))
    }

    fn vu_log(&mut self, level: Level, message: &str) {
        let vu = self.vu.id;
        self.vu
            .logs
            .line(message, |text| log::line(level, Some(vu), text));
    }

    fn vu_abort(&mut self, reason: String) -> wasmtime::Error {
        log::line(
            Level::Error,
            Some(self.vu.id),
            &format!("test aborted: {reason}"),
        );
        self.vu
            .stop
            .stop(StopLevel::Hard, StopReason::ScenarioAbort(reason.clone()));
        wasmtime::Error::new(GuestAbort(reason))
    }

    fn vu_set_tag(&mut self, key: String, value: String) {
        self.vu.own_tags.insert(key, value);
        self.vu.retag();
    }

    fn vu_delete_tag(&mut self, key: &str) {
        if self.vu.own_tags.remove(key).is_some() {
            self.vu.retag();
        }
    }

    fn vu_execution(&self) -> v2::vu::ExecutionInfo {
        let run = &self.run().vu;
        let vu = &self.vu;
        let view = run.execution.get();
        let count = |f: fn(&dyn ExecutionView) -> u64| view.map_or(0, |v| f(v.as_ref()));
        let started = vu.scenario.started.get();
        let progress = match started {
            Some((at, _)) if !vu.scenario.max_duration.is_zero() => (at.elapsed().as_secs_f64()
                / vu.scenario.max_duration.as_secs_f64())
            .clamp(0.0, 1.0),
            _ => 0.0,
        };
        let start_ms = started
            .and_then(|(_, wall)| wall.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let id = u32::try_from(vu.id).unwrap_or(u32::MAX);
        v2::vu::ExecutionInfo {
            vu_id_in_instance: id,
            vu_id_in_test: u32::try_from(vu.id_in_test).unwrap_or(u32::MAX),
            vu_iteration_in_instance: vu.iteration,
            vu_iteration_in_scenario: vu.iteration,
            scenario_name: vu.scenario.name.to_string(),
            scenario_executor: vu.scenario.executor.to_string(),
            scenario_start_time: start_ms,
            scenario_progress: progress,
            scenario_iteration_in_instance: vu.iteration_in_scenario,
            scenario_iteration_in_test: vu.iteration_in_test,
            instance_vus_initialized: count(|v| v.vus_initialized()),
            instance_vus_active: count(|v| v.vus_active()),
            instance_iterations_completed: count(|v| v.iterations_completed()),
            instance_iterations_interrupted: count(|v| v.iterations_interrupted()),
            instance_current_test_run_duration: nanos(run.elapsed()),
            test_options: run.options_json.clone(),
        }
    }
}

fn level_v1(level: v1::vu::LogLevel) -> Level {
    match level {
        v1::vu::LogLevel::Debug => Level::Debug,
        v1::vu::LogLevel::Info => Level::Info,
        v1::vu::LogLevel::Warn => Level::Warn,
        v1::vu::LogLevel::Error => Level::Error,
    }
}

fn level_v2(level: v2::vu::LogLevel) -> Level {
    match level {
        v2::vu::LogLevel::Debug => Level::Debug,
        v2::vu::LogLevel::Info => Level::Info,
        v2::vu::LogLevel::Warn => Level::Warn,
        v2::vu::LogLevel::Error => Level::Error,
    }
}

/// The contract's `vu-info` of this VU, in either version's record.
macro_rules! vu_info {
    ($state:expr, $module:ident) => {{
        let elapsed = $state.run().vu.elapsed();
        let vu = &$state.vu;
        $module::vu::VuInfo {
            id: u32::try_from(vu.id).unwrap_or(u32::MAX),
            iteration: vu.iteration,
            iteration_in_scenario: vu.iteration_in_scenario,
            scenario: vu.scenario.name.to_string(),
            elapsed: nanos(elapsed),
        }
    }};
}

/// Sleeps at least this long (in nanoseconds) give back the fiber stack's
/// unused pages first: the system call and the page faults that follow cost
/// some microseconds, nothing beside a sleep of 50 ms.
const RELEASE_STACK_AFTER: u64 = 50_000_000;

impl v1::vu::Host for HostState {
    async fn sleep(&mut self, duration: u64) -> wasmtime::Result<()> {
        self.vu_sleep(duration).await;
        Ok(())
    }

    fn check(
        &mut self,
        name: String,
        ok: bool,
        tags: Vec<(String, String)>,
    ) -> wasmtime::Result<bool> {
        self.record_check(name, ok, tags, Instant::now());
        Ok(ok)
    }

    fn enter_group(&mut self, name: String) -> wasmtime::Result<()> {
        self.vu_enter_group(&name)
    }

    fn exit_group(&mut self) -> wasmtime::Result<()> {
        self.vu.pop_group();
        Ok(())
    }

    fn log(&mut self, level: v1::vu::LogLevel, message: String) -> wasmtime::Result<()> {
        self.vu_log(level_v1(level), &message);
        Ok(())
    }

    fn env(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.vu.scenario.env.get(&key).cloned())
    }

    fn info(&mut self) -> wasmtime::Result<v1::vu::VuInfo> {
        Ok(vu_info!(self, v1))
    }

    fn random(&mut self) -> wasmtime::Result<u64> {
        Ok(self.vu.next_random())
    }

    fn abort(&mut self, reason: String) -> wasmtime::Result<()> {
        Err(self.vu_abort(reason))
    }
}

impl v2::vu::Host for HostState {
    async fn sleep(&mut self, duration: u64) -> wasmtime::Result<()> {
        self.vu_sleep(duration).await;
        Ok(())
    }

    fn check(
        &mut self,
        name: String,
        ok: bool,
        tags: Vec<(String, String)>,
    ) -> wasmtime::Result<bool> {
        self.record_check(name, ok, tags, Instant::now());
        Ok(ok)
    }

    fn enter_group(&mut self, name: String) -> wasmtime::Result<()> {
        self.vu_enter_group(&name)
    }

    fn exit_group(&mut self) -> wasmtime::Result<()> {
        self.vu.pop_group();
        Ok(())
    }

    fn log(&mut self, level: v2::vu::LogLevel, message: String) -> wasmtime::Result<()> {
        self.vu_log(level_v2(level), &message);
        Ok(())
    }

    fn env(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.vu.scenario.env.get(&key).cloned())
    }

    fn info(&mut self) -> wasmtime::Result<v2::vu::VuInfo> {
        Ok(vu_info!(self, v2))
    }

    fn execution(&mut self) -> wasmtime::Result<v2::vu::ExecutionInfo> {
        Ok(self.vu_execution())
    }

    fn set_tag(&mut self, key: String, value: String) -> wasmtime::Result<()> {
        self.vu_set_tag(key, value);
        Ok(())
    }

    fn delete_tag(&mut self, key: String) -> wasmtime::Result<()> {
        self.vu_delete_tag(&key);
        Ok(())
    }

    fn get_tags(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self
            .vu
            .base_tags
            .iter()
            .filter(|(k, _)| *k != "group")
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    fn random(&mut self) -> wasmtime::Result<u64> {
        Ok(self.vu.next_random())
    }

    fn abort(&mut self, reason: String) -> wasmtime::Result<()> {
        Err(self.vu_abort(reason))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::group_path;

    #[test]
    fn group_paths_follow_k6() {
        assert_eq!(group_path(&[]), "");
        let now = Instant::now();
        assert_eq!(
            group_path(&[("a".into(), now), ("b".into(), now)]),
            "::a::b"
        );
    }
}
