//! Host capabilities: one module per WIT interface of the contract, each with
//! its state split by lifetime as in Spin's factors: a run-wide part shared
//! by every VU (in [`HostRun`]) and a per-VU part in the VU's store (in
//! [`HostState`]). The `bindgen!` output lives alone in [`bindings`].
//!
//! | interface | run-wide | per VU |
//! |---|---|---|
//! | `vu` (sleep, checks, groups, log, info, random, abort) | [`VuRun`] | [`VuInstance`] |
//! | `http` | [`HttpRun`] | `HttpInstance` (client, offload) |
//! | `metrics` | the metric store (in [`VuRun`]) | the kinds this VU defined |
//! | `data` | [`DataSets`] | — |
//! | `wasi:*` (locked down) | — | `WasiCtx` |

#[allow(unsafe_code, unused_variables, missing_docs)]
pub mod bindings;
mod crypto;
mod data;
pub(crate) mod http;
mod limits;
pub(crate) mod logs;
mod metrics;
mod vu;
mod wasi;

use std::sync::Arc;
use std::time::Duration;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub use data::{DataError, DataSets};
pub use http::HttpRun;
pub(crate) use http::Offload;
pub use limits::{CallCpuLimitExceeded, CpuLimitExceeded};
pub use vu::{ExecutionView, GuestAbort, GuestLimit, ScenarioInfo, VuInstance, VuRun};
pub(crate) use wasi::timestamp_of;

use http::HttpInstance;
use limits::VuLimiter;

/// The run-wide state of every capability, shared by all VUs.
#[derive(Debug)]
pub struct HostRun {
    /// `vu` and `metrics`: the metric store, stop switch, seed, limits.
    pub vu: VuRun,
    /// `http`: the client's shared part and its settings.
    pub http: HttpRun,
    /// `data`: the read-only data sets.
    pub data: DataSets,
}

/// The per-VU state of every capability, in one VU's store.
pub struct HostState {
    run: Arc<HostRun>,
    wasi: WasiCtx,
    table: ResourceTable,
    limits: VuLimiter,
    pub(crate) vu: VuInstance,
    pub(crate) http: HttpInstance,
    /// Kinds of the custom metrics this VU defined, by id.
    pub(crate) custom_kinds: Vec<Option<crate::metrics::MetricKind>>,
}

impl Drop for HostState {
    /// A VU dropped with requests in flight (its iteration cut off)
    /// records them before its sample buffer is flushed.
    fn drop(&mut self) {
        self.record_interrupted();
    }
}

impl HostState {
    /// State for VU `id` (0 for the setup/teardown instance) of `scenario`.
    pub fn new(run: Arc<HostRun>, scenario: Arc<ScenarioInfo>, id: u64, vu_memory: u64) -> Self {
        let logs = Arc::new(logs::LogLimiter::new(id));
        Self {
            wasi: wasi::locked_down(id, logs.clone()),
            table: ResourceTable::new(),
            limits: VuLimiter::new(vu_memory),
            vu: VuInstance::new(&run.vu, scenario, id, logs),
            http: HttpInstance::new(&run.http),
            custom_kinds: Vec::new(),
            run,
        }
    }

    /// The run-wide state.
    pub fn run(&self) -> &Arc<HostRun> {
        &self.run
    }

    /// The store limiter.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }

    /// Whether a memory grow was refused for going over the VU memory limit.
    pub(crate) fn memory_denied(&self) -> Option<usize> {
        self.limits.memory_denied()
    }

    /// The CPU limit in force, if any: within an iteration, the
    /// iteration's; within another call, the one [`begin_call`](Self::begin_call)
    /// gave.
    pub(crate) fn cpu_limit(&self) -> Option<Duration> {
        if !self.vu.cpu_limited {
            return None;
        }
        match &self.vu.call_limit {
            Some(c) => Some(c.limit),
            None => self.run.vu.iteration_cpu_limit,
        }
    }

    /// The trap of the CPU limit in force, `limit`.
    pub(crate) fn cpu_limit_error(&self, limit: Duration) -> wasmtime::Error {
        match &self.vu.call_limit {
            Some(c) => wasmtime::Error::new(CallCpuLimitExceeded {
                call: c.call,
                limit,
                fix: c.fix,
            }),
            None => wasmtime::Error::new(CpuLimitExceeded(limit)),
        }
    }

    /// Start the CPU clock of call `call` (not an iteration), limited to
    /// `limit` of guest CPU time; `fix` says what sets the limit.
    pub(crate) fn begin_call(&mut self, call: &'static str, limit: Duration, fix: &'static str) {
        self.vu.restart_clock();
        self.vu.cpu_limited = true;
        self.vu.call_limit = Some(CallCpuLimitExceeded { call, limit, fix });
    }

    /// The call [`begin_call`](Self::begin_call) started is over.
    pub(crate) fn end_call(&mut self) {
        self.vu.cpu_limited = false;
        self.vu.call_limit = None;
    }

    /// Mark the start of an iteration: resets groups and cookies, and starts
    /// the CPU clock and limit.
    pub(crate) fn begin_iteration(&mut self, iteration: u64, ids: crate::segment::IterationIds) {
        self.vu.begin_iteration(iteration, ids);
        // k6 resets each VU's cookie jar at the start of every iteration.
        self.http.clear_cookies();
    }

    /// Stop applying the per-iteration CPU limit (the iteration is over),
    /// report suppressed log lines, and record requests the guest started
    /// and never waited for (k6 ends an iteration once they are done).
    pub(crate) async fn end_iteration(&mut self) {
        self.vu.cpu_limited = false;
        let vu = self.vu.id;
        self.vu
            .logs
            .flush(|text| crate::log::line(crate::log::Level::Warn, Some(vu), text));
        self.finish_pending().await;
    }

    /// Whether the guest, at an epoch tick with `used` of guest time this
    /// call, has run a whole `slice` since it last yielded.
    pub(crate) fn slice_over(&mut self, used: Duration, slice: Duration) -> bool {
        self.vu.slice_over(used, slice)
    }

    /// Where the time this VU waits for a worker after yielding at an
    /// epoch tick is added up (it is not guest CPU time).
    pub(crate) fn yield_clock(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.vu.yield_wait.clone()
    }

    /// Guest CPU time of the current iteration so far.
    pub(crate) fn guest_time(&self) -> Duration {
        self.vu.guest_time()
    }

    /// Tag what follows with group `name` (k6 runs setup and teardown in
    /// groups of those names).
    pub(crate) fn enter_group(&mut self, name: &str) {
        // The engine's own group names (setup, teardown) are within limits.
        let _ = self.vu.push_group(name);
    }

    /// The VU's sample buffer.
    pub(crate) fn samples(&mut self) -> &mut crate::metrics::SampleBuffer {
        &mut self.vu.samples
    }

    /// The VU's context tags (scenario, group, run tags).
    pub(crate) fn base_tags(&self) -> &crate::metrics::TagSet {
        &self.vu.base_tags
    }

    /// Where the VU's host work is polled (see [`Offload`]).
    pub(crate) fn offload(&self) -> &Offload {
        self.http.offload()
    }
}

impl bindings::v1::types::Host for HostState {}
impl bindings::v2::types::Host for HostState {}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
