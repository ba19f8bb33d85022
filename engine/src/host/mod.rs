//! Host capabilities: one module per WIT interface, with state split by
//! lifetime as in Spin: [`RunShared`] lives for the run and is shared by
//! all VUs; [`HostState`] lives in one VU's store.

mod data;
mod http;
mod metrics;
mod offload;
mod vu;
mod wasi;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub use data::{DataError, DataSets};

use crate::control::StopSignal;
use crate::http::{SharedHttp, VuClient};
use crate::metrics::{MetricKind, SampleBuffer, Store as MetricStore, TagSet};
pub(crate) use offload::Offload;

/// State of the run that every VU shares.
#[derive(Debug)]
pub struct RunShared {
    /// Where samples go.
    pub metrics: Arc<MetricStore>,
    /// The HTTP client's run-wide part (TLS config, settings).
    pub http: Arc<SharedHttp>,
    /// Read-only data sets.
    pub data: DataSets,
    /// When the scenarios started: t = 0 of `elapsed` and of per-second
    /// rates, as in k6 (initialisation is not test time).
    pub load_started: std::sync::OnceLock<Instant>,
    /// The stop switch.
    pub stop: Arc<StopSignal>,
    /// Seed of the VUs' random streams.
    pub seed: u64,
    /// Copy no response body into guests (`discardResponseBodies`).
    pub discard_response_bodies: bool,
    /// CPU time an iteration may use before it is stopped.
    pub iteration_cpu_limit: Option<Duration>,
    /// Failed requests logged so far (the log goes quiet after a few).
    pub request_errors_logged: std::sync::atomic::AtomicU64,
}

/// Failed requests logged in full before the log goes quiet.
const MAX_LOGGED_REQUEST_ERRORS: u64 = 10;

impl RunShared {
    /// Test time so far: since the scenarios started (0 before that).
    pub fn elapsed(&self) -> Duration {
        self.load_started
            .get()
            .map_or(Duration::ZERO, Instant::elapsed)
    }

    /// Log a failed request, the first few only.
    pub(crate) fn log_request_error(
        &self,
        vu: u64,
        method: &str,
        url: &str,
        error: &crate::http::HttpError,
    ) {
        let n = self
            .request_errors_logged
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n < MAX_LOGGED_REQUEST_ERRORS {
            crate::log::line(
                crate::log::Level::Warn,
                Some(vu),
                &format!(
                    "request failed: {method} {url}: {error} (error_code {})",
                    error.code()
                ),
            );
        } else if n == MAX_LOGGED_REQUEST_ERRORS {
            crate::log::warn(
                "more requests failed; they are counted in http_req_failed (by error_code) but not logged",
            );
        }
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

/// Per-VU state inside a store.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: VuLimiter,
    pub(crate) vu: VuState,
}

/// The volley-specific part of a VU's state.
pub(crate) struct VuState {
    pub run: Arc<RunShared>,
    pub scenario: Arc<ScenarioInfo>,
    pub id: u64,
    pub http: Arc<VuClient>,
    /// Where HTTP futures go to be polled off the guest's stack.
    pub offload: Offload,
    pub samples: SampleBuffer,
    /// `scenario.tags` plus the current `group` tag.
    pub base_tags: TagSet,
    groups: Vec<String>,
    pub iteration: u64,
    pub iteration_in_scenario: u64,
    rng: u64,
    /// When the current iteration started, and how much of it was spent
    /// parked in host calls: the difference is guest CPU time.
    pub iteration_start: Instant,
    pub host_wait: Duration,
    /// Kinds of the custom metrics this VU defined, by id.
    pub custom_kinds: Vec<Option<MetricKind>>,
    /// Whether the iteration CPU limit applies (not in setup or teardown).
    pub cpu_limited: bool,
}

/// Caps a VU's memory and records when it tried to pass the cap, so the
/// failure can be reported as what it is rather than as a generic trap.
struct VuLimiter {
    memory: usize,
    memory_denied: bool,
}

/// Largest table a guest may grow to (function tables of big runtimes
/// such as CPython hold tens of thousands of entries).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl ResourceLimiter for VuLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory {
            self.memory_denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

impl HostState {
    /// State for VU `id` (0 for the setup/teardown instance).
    pub fn new(run: Arc<RunShared>, scenario: Arc<ScenarioInfo>, id: u64, vu_memory: u64) -> Self {
        let http = Arc::new(VuClient::new(run.http.clone()));
        let samples = run.metrics.buffer(id);
        let base_tags = scenario.tags.with("group", "");
        let rng = run.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self {
            wasi: wasi::locked_down(id),
            table: ResourceTable::new(),
            limits: VuLimiter {
                memory: usize::try_from(vu_memory).unwrap_or(usize::MAX),
                memory_denied: false,
            },
            vu: VuState {
                run,
                scenario,
                id,
                http,
                offload: Offload::default(),
                samples,
                base_tags,
                groups: Vec::new(),
                iteration: 0,
                iteration_in_scenario: 0,
                rng,
                iteration_start: Instant::now(),
                host_wait: Duration::ZERO,
                custom_kinds: Vec::new(),
                cpu_limited: false,
            },
        }
    }

    /// The store limiter.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }

    /// Whether a memory grow was refused for going over the VU memory limit.
    pub(crate) fn memory_denied(&self) -> Option<usize> {
        self.limits.memory_denied.then_some(self.limits.memory)
    }

    /// Stop applying the per-iteration CPU limit (the iteration is over).
    pub(crate) fn end_iteration(&mut self) {
        self.vu.cpu_limited = false;
    }

    /// The CPU limit in force, if any.
    pub(crate) fn cpu_limit(&self) -> Option<Duration> {
        if self.vu.cpu_limited {
            self.vu.run.iteration_cpu_limit
        } else {
            None
        }
    }

    /// Mark the start of an iteration: resets groups and cookies, and starts
    /// the CPU clock and limit.
    pub(crate) fn begin_iteration(&mut self, iteration: u64, in_scenario: u64) {
        let vu = &mut self.vu;
        vu.iteration = iteration;
        vu.iteration_in_scenario = in_scenario;
        vu.iteration_start = Instant::now();
        vu.host_wait = Duration::ZERO;
        vu.cpu_limited = true;
        if !vu.groups.is_empty() {
            vu.groups.clear();
            vu.base_tags = vu.scenario.tags.with("group", "");
        }
        // k6 resets each VU's cookie jar at the start of every iteration.
        vu.http.clear_cookies();
    }

    /// Guest CPU time of the current iteration so far.
    pub(crate) fn guest_time(&self) -> Duration {
        self.vu
            .iteration_start
            .elapsed()
            .saturating_sub(self.vu.host_wait)
    }

    /// Tag what follows with group `name` (k6 runs setup and teardown in
    /// groups of those names).
    pub(crate) fn enter_group(&mut self, name: &str) {
        self.vu.push_group(name);
    }

    /// The VU's sample buffer.
    pub(crate) fn samples(&mut self) -> &mut SampleBuffer {
        &mut self.vu.samples
    }

    /// The VU's context tags (scenario, group, run tags).
    pub(crate) fn base_tags(&self) -> &TagSet {
        &self.vu.base_tags
    }
}

impl VuState {
    fn push_group(&mut self, name: &str) {
        self.groups.push(name.to_string());
        self.base_tags = self.scenario.tags.with("group", &group_path(&self.groups));
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

/// k6's group path: `::outer::inner`, empty at the root.
fn group_path(groups: &[String]) -> String {
    let mut s = String::new();
    for g in groups {
        s.push_str("::");
        s.push_str(g);
    }
    s
}

impl crate::scenario::bindings::types::Host for HostState {}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A trap raised by `vu.abort`: the scheduler tells it from other traps.
#[derive(Debug, thiserror::Error)]
#[error("test aborted by the scenario: {0}")]
pub struct GuestAbort(pub String);

/// A trap raised when an iteration used more CPU than allowed.
#[derive(Debug, thiserror::Error)]
#[error("iteration used more than {0:?} of CPU time (limit: --iteration-cpu-limit)")]
pub struct CpuLimitExceeded(pub Duration);

#[cfg(test)]
mod tests {
    use super::group_path;

    #[test]
    fn group_paths_follow_k6() {
        assert_eq!(group_path(&[]), "");
        assert_eq!(group_path(&["a".into(), "b".into()]), "::a::b");
    }
}
