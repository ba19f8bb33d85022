//! A virtual user: one store and one instance of the scenario, and the
//! calls into its exports with traps classified.

use std::time::{Duration, Instant};

use wasmtime::{Store, Trap, UpdateDeadline};

use crate::host::bindings::{v1, v2};
use crate::host::{CallCpuLimitExceeded, CpuLimitExceeded, GuestAbort, GuestLimit, HostState};
use crate::metrics::IterationSample;
use crate::scenario::ScenarioRuntime;
use crate::scenario::runtime::Pre;
use crate::scenario::runtime::{TIME_SLICE, guest_queued, guest_was_busy};

/// How long `options()` (and `volley inspect`'s reading of the options)
/// may take, in CPU time and in wall-clock time: it returns a JSON text and
/// has no business doing more.
pub const OPTIONS_LIMIT: Duration = Duration::from_secs(10);

/// The wall-clock bound of a call whose guest CPU time is limited to
/// `limit`: a second later, so a guest that computes is stopped (and named)
/// by the CPU limit, whose clock leaves out the time it waited for a worker
/// thread, and one that waits (sleeps, requests) by the wall clock.
pub fn wall_limit(limit: Duration) -> Duration {
    limit.saturating_add(Duration::from_secs(1))
}

/// How a call into the guest ended, when it did not return normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestFailure {
    /// The guest returned `err(message)`: the instance is still usable.
    Error(String),
    /// The guest trapped (panic, out of memory, CPU limit): the instance
    /// must be thrown away.
    Trap(String),
    /// The guest called `vu.abort`.
    Abort(String),
}

impl std::fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuestFailure::Error(m) => write!(f, "{m}"),
            GuestFailure::Trap(m) => write!(f, "trap: {m}"),
            GuestFailure::Abort(m) => write!(f, "aborted: {m}"),
        }
    }
}

/// Call a lifecycle export of `$vu`'s instance, with the VU's offload
/// polling the host work it hands over. The call's future is pinned here,
/// once, rather than moved into `drive`, which would hold it twice.
macro_rules! call_guest {
    ($vu:ident, $export:ident($($arg:expr),*)) => {{
        let offload = $vu.store.data().offload().clone();
        match &$vu.instance {
            Instance::V0_1(i) => {
                offload
                    .drive(std::pin::pin!(
                        i.volley_scenario_lifecycle().$export(&mut $vu.store $(, $arg)*)
                    ))
                    .await
            }
            Instance::V0_2(i) => {
                offload
                    .drive(std::pin::pin!(
                        i.volley_scenario_lifecycle().$export(&mut $vu.store $(, $arg)*)
                    ))
                    .await
            }
        }
    }};
}

/// The scenario's instance, of its contract version.
enum Instance {
    V0_1(v1::Scenario),
    V0_2(v2::Scenario),
}

/// One VU: a store with its host state and the scenario instance in it.
pub struct Vu {
    store: Store<HostState>,
    instance: Instance,
}

impl Vu {
    /// Instantiate the scenario for a VU with this state.
    pub async fn instantiate(rt: &ScenarioRuntime, state: HostState) -> Result<Vu, String> {
        let mut store = Store::new(rt.engine(), state);
        store.limiter(|s| s.limiter());
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            let used = state.guest_time();
            if let Some(limit) = state.cpu_limit()
                && used > limit
            {
                return Err(state.cpu_limit_error(limit));
            }
            // Ticks pass while a VU waits in host calls; a guest that has
            // not run a whole slice since it last yielded goes on (a yield
            // at every return from a request would cost throughput).
            if !state.slice_over(used, TIME_SLICE) {
                return Ok(UpdateDeadline::Continue(1));
            }
            // A busy guest: the epoch ticks at the slice's pace for a
            // while, and the guest yields with tokio's `yield_now`, which
            // puts it behind every task that is ready and lets the worker
            // poll the sockets and timers first, so it delays the others
            // by about one slice.
            guest_was_busy();
            let waited = state.yield_clock();
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(async move {
                    let parked = Instant::now();
                    tokio::task::yield_now().await;
                    let nanos = u64::try_from(parked.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    waited.fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
                    guest_queued(nanos);
                }),
            ))
        });
        store.set_epoch_deadline(1);
        let instance = match rt.pre() {
            Pre::V0_1(pre) => pre.instantiate_async(&mut store).await.map(Instance::V0_1),
            Pre::V0_2(pre) => pre.instantiate_async(&mut store).await.map(Instance::V0_2),
        }
        .map_err(|e| describe(&store, &e))?;
        Ok(Vu { store, instance })
    }

    /// Call `options()`, within [`OPTIONS_LIMIT`] of CPU time.
    pub async fn options(&mut self) -> Result<String, GuestFailure> {
        self.store.data_mut().begin_call(
            "options()",
            OPTIONS_LIMIT,
            "options() must only return the options; it is given a fixed limit",
        );
        let r = call_guest!(self, call_options());
        self.store.data_mut().end_call();
        r.map_err(|e| self.failure(&e))
    }

    /// Limit the next lifecycle call (`setup`, `vu-init`, `teardown`,
    /// `handle-summary`) to `limit` of guest CPU time; `call` names it and
    /// `fix` says which option sets the limit, for the trap's message.
    pub fn limit_cpu(&mut self, call: &'static str, limit: Duration, fix: &'static str) {
        self.store.data_mut().begin_call(call, limit, fix);
    }

    /// Call `setup()`.
    pub async fn setup(&mut self) -> Result<Vec<u8>, GuestFailure> {
        let r = call_guest!(self, call_setup());
        self.store.data_mut().end_call();
        self.flatten(r)
    }

    /// Call `vu-init(data)`.
    pub async fn init(&mut self, setup_data: &[u8]) -> Result<(), GuestFailure> {
        let r = call_guest!(self, call_vu_init(setup_data));
        self.store.data_mut().end_call();
        self.flatten(r)
    }

    /// Call `handle-summary(json)` (contract 0.2 and later): the files the
    /// scenario wants written, or `None` when it has no summary handler
    /// (and for components of contract 0.1, which cannot have one).
    pub async fn handle_summary(
        &mut self,
        summary_json: &str,
    ) -> Result<Option<Vec<(String, Vec<u8>)>>, GuestFailure> {
        let offload = self.store.data().offload().clone();
        let Instance::V0_2(i) = &self.instance else {
            return Ok(None);
        };
        let r = offload
            .drive(std::pin::pin!(
                i.volley_scenario_lifecycle()
                    .call_handle_summary(&mut self.store, summary_json)
            ))
            .await;
        self.store.data_mut().end_call();
        let files = self.flatten(r)?;
        Ok(files.map(|files| files.into_iter().map(|f| (f.path, f.content)).collect()))
    }

    /// Call `teardown(data)`.
    pub async fn teardown(&mut self, setup_data: &[u8]) -> Result<(), GuestFailure> {
        let r = call_guest!(self, call_teardown(setup_data));
        self.store.data_mut().end_call();
        self.flatten(r)
    }

    /// Run one iteration and record it (`iterations`, `iteration_duration`,
    /// `iterations_failed`). `started` is when it should have started: for
    /// open models the intended start, so queueing shows in the duration.
    pub async fn iteration(
        &mut self,
        exec: &str,
        iteration: u64,
        ids: crate::segment::IterationIds,
        started: Instant,
    ) -> Result<(), GuestFailure> {
        // begin_iteration starts the CPU clock.
        self.store.data_mut().begin_iteration(iteration, ids);
        let r = call_guest!(self, call_iteration(exec));
        let result = self.flatten(r);
        // Requests the guest started and never waited for end the
        // iteration (k6 ends it once its event loop is empty).
        let state = self.store.data_mut();
        state.end_iteration().await;
        let now = Instant::now();
        let duration: Duration = now.saturating_duration_since(started);
        let base = state.base_tags().clone();
        let samples = state.samples();
        samples.iteration(IterationSample {
            base,
            duration,
            failed: result.is_err(),
            at: now,
        });
        samples.maybe_flush(now);
        result
    }

    /// Move buffered samples into the store now, with the requests of a
    /// cut-off iteration recorded as interrupted.
    pub fn flush(&mut self) {
        let state = self.store.data_mut();
        state.record_interrupted();
        state.samples().flush();
    }

    fn flatten<T>(&self, r: wasmtime::Result<Result<T, String>>) -> Result<T, GuestFailure> {
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(m)) => Err(GuestFailure::Error(m)),
            Err(e) => Err(self.failure(&e)),
        }
    }

    fn failure(&self, e: &wasmtime::Error) -> GuestFailure {
        if let Some(GuestAbort(reason)) = e.downcast_ref::<GuestAbort>() {
            return GuestFailure::Abort(reason.clone());
        }
        GuestFailure::Trap(describe(&self.store, e))
    }
}

/// A one-line account of a trap, naming the limit when one was hit.
fn describe(store: &Store<HostState>, e: &wasmtime::Error) -> String {
    if let Some(c) = e.downcast_ref::<CpuLimitExceeded>() {
        return c.to_string();
    }
    if let Some(c) = e.downcast_ref::<CallCpuLimitExceeded>() {
        return c.to_string();
    }
    if let Some(GuestLimit(m)) = e.downcast_ref::<GuestLimit>() {
        return m.clone();
    }
    if let Some(wasmtime_wasi::I32Exit(code)) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return format!(
            "the scenario called exit (status {code}; e.g. std::process::exit), which a scenario may not do: \
             return an error to fail the iteration, or call abort() to stop the test"
        );
    }
    if let Some(limit) = store.data().memory_denied() {
        return format!(
            "out of memory: the scenario tried to grow its memory past the VU limit of {} MiB (raise it with --vu-memory)",
            limit >> 20
        );
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => {
            "the scenario panicked (wasm `unreachable` executed); see its output above".to_string()
        }
        Some(t) => format!("{t}"),
        None => {
            let mut s = format!("{e}");
            if let Some(root) = e.chain().last()
                && root.to_string() != s
            {
                s = format!("{s}: {root}");
            }
            s
        }
    }
}
