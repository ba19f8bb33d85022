//! `volley:scenario/vu`: sleep, checks, groups, log, env, info, random,
//! abort; and the state every capability builds on: the VU's identity,
//! its sample buffer, its tags and its iteration clock.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::HostState;
use super::bindings::vu as wit;
use crate::control::{StopLevel, StopReason, StopSignal};
use crate::log::{self, Level};
use crate::metrics::{CheckSample, SampleBuffer, Store, TagSet};

/// Deepest group nesting a guest may open.
pub const MAX_GROUP_DEPTH: usize = 64;
/// Longest group name, in bytes.
pub const MAX_GROUP_NAME: usize = 1024;

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
}

impl VuRun {
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
}

/// Per-VU state every capability builds on.
pub struct VuInstance {
    /// The scenario this VU runs.
    pub scenario: Arc<ScenarioInfo>,
    /// The VU's id (`__VU`); 0 for setup and teardown.
    pub id: u64,
    /// The VU's samples, flushed to the store now and then.
    pub samples: SampleBuffer,
    /// `scenario.tags` plus the current `group` tag.
    pub base_tags: TagSet,
    groups: Vec<String>,
    /// The VU's iteration number (`__ITER`).
    pub iteration: u64,
    /// The iteration's number in its scenario.
    pub iteration_in_scenario: u64,
    rng: u64,
    /// When the current iteration started, and how much of it was spent
    /// parked in host calls: the difference is guest CPU time.
    pub iteration_start: Instant,
    /// Time parked in host calls this iteration.
    pub host_wait: Duration,
    /// Whether the iteration CPU limit applies (not in setup or teardown).
    pub cpu_limited: bool,
    stop: Arc<StopSignal>,
}

impl VuInstance {
    pub(super) fn new(run: &VuRun, scenario: Arc<ScenarioInfo>, id: u64) -> Self {
        Self {
            samples: run.metrics.buffer(id),
            base_tags: scenario.tags.with("group", ""),
            rng: run.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            scenario,
            id,
            groups: Vec::new(),
            iteration: 0,
            iteration_in_scenario: 0,
            iteration_start: Instant::now(),
            host_wait: Duration::ZERO,
            cpu_limited: false,
            stop: run.stop.clone(),
        }
    }

    pub(super) fn begin_iteration(&mut self, iteration: u64, in_scenario: u64) {
        self.iteration = iteration;
        self.iteration_in_scenario = in_scenario;
        self.iteration_start = Instant::now();
        self.host_wait = Duration::ZERO;
        self.cpu_limited = true;
        if !self.groups.is_empty() {
            self.groups.clear();
            self.base_tags = self.scenario.tags.with("group", "");
        }
    }

    pub(super) fn guest_time(&self) -> Duration {
        self.iteration_start
            .elapsed()
            .saturating_sub(self.host_wait)
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
        self.groups.push(name.to_string());
        self.base_tags = self.scenario.tags.with("group", &group_path(&self.groups));
        Ok(())
    }

    fn pop_group(&mut self) {
        if self.groups.pop().is_some() {
            self.base_tags = self.scenario.tags.with("group", &group_path(&self.groups));
        }
    }

    fn next_random(&mut self) -> u64 {
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
fn group_path(groups: &[String]) -> String {
    let mut s = String::new();
    for g in groups {
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

impl wit::Host for HostState {
    async fn sleep(&mut self, duration: u64) -> wasmtime::Result<()> {
        let started = Instant::now();
        tokio::time::sleep(Duration::from_nanos(duration)).await;
        self.vu.host_wait += started.elapsed();
        Ok(())
    }

    fn check(
        &mut self,
        name: String,
        ok: bool,
        tags: Vec<(String, String)>,
    ) -> wasmtime::Result<bool> {
        let sample = CheckSample {
            base: self.vu.base_tags.clone(),
            name: Arc::from(name),
            ok,
            extra: TagSet::from_pairs(tags),
            at: Instant::now(),
        };
        self.vu.samples.check(sample);
        Ok(ok)
    }

    fn enter_group(&mut self, name: String) -> wasmtime::Result<()> {
        self.vu
            .push_group(&name)
            .map_err(|m| wasmtime::Error::new(GuestLimit(m)))
    }

    fn exit_group(&mut self) -> wasmtime::Result<()> {
        self.vu.pop_group();
        Ok(())
    }

    fn log(&mut self, level: wit::LogLevel, message: String) -> wasmtime::Result<()> {
        let level = match level {
            wit::LogLevel::Debug => Level::Debug,
            wit::LogLevel::Info => Level::Info,
            wit::LogLevel::Warn => Level::Warn,
            wit::LogLevel::Error => Level::Error,
        };
        log::line(level, Some(self.vu.id), &message);
        Ok(())
    }

    fn env(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.vu.scenario.env.get(&key).cloned())
    }

    fn info(&mut self) -> wasmtime::Result<wit::VuInfo> {
        let elapsed = self.run().vu.elapsed();
        let vu = &self.vu;
        Ok(wit::VuInfo {
            id: u32::try_from(vu.id).unwrap_or(u32::MAX),
            iteration: vu.iteration,
            iteration_in_scenario: vu.iteration_in_scenario,
            scenario: vu.scenario.name.to_string(),
            elapsed: u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
        })
    }

    fn random(&mut self) -> wasmtime::Result<u64> {
        Ok(self.vu.next_random())
    }

    fn abort(&mut self, reason: String) -> wasmtime::Result<()> {
        log::line(
            Level::Error,
            Some(self.vu.id),
            &format!("test aborted: {reason}"),
        );
        self.vu
            .stop
            .stop(StopLevel::Hard, StopReason::ScenarioAbort(reason.clone()));
        Err(wasmtime::Error::new(GuestAbort(reason)))
    }
}

#[cfg(test)]
mod tests {
    use super::group_path;

    #[test]
    fn group_paths_follow_k6() {
        assert_eq!(group_path(&[]), "");
        assert_eq!(group_path(&["a".into(), "b".into()]), "::a::b");
    }
}
