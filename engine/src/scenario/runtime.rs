//! The compiled scenario: a wasmtime engine, the linker with every host
//! import, and the pre-instantiated component VUs are stamped from.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::ScenarioError;
use super::validate;
use super::validate::Contract;
use crate::host::bindings::{v1, v2};
use crate::host::{HostState, timestamp_of};

/// The time slice of a busy guest: the longest it runs before it yields
/// its worker to the other VUs (once the epoch ticks fast).
pub const TIME_SLICE: Duration = Duration::from_micros(500);

/// How often the epoch ticks while no guest is busy: the resolution of the
/// CPU limits. Ticking at [`TIME_SLICE`] all the time would cost a run of
/// short iterations about a tenth of its throughput (every return from a
/// request into the guest would meet a passed deadline).
pub const IDLE_TICK: Duration = Duration::from_millis(10);

/// How long the epoch ticks at [`TIME_SLICE`] after a guest was last found
/// busy (a whole slice of guest time since it last yielded).
const BUSY_HOLD: Duration = Duration::from_millis(200);

/// When the fast ticks end, on the engine's monotonic clock (nanoseconds,
/// [`timestamp_of`]).
static BUSY_UNTIL: AtomicU64 = AtomicU64::new(0);

/// Nanoseconds busy guests have spent, in all, yielded and waiting for a
/// worker thread (the run queue of the VUs that compute).
static QUEUED: AtomicU64 = AtomicU64::new(0);

/// A busy guest waited `nanos` for a worker after it yielded.
pub(crate) fn guest_queued(nanos: u64) {
    QUEUED.fetch_add(nanos, Ordering::Relaxed);
}

/// The time busy guests have waited for a worker thread, in all, since the
/// process started: a load generator whose VUs queue for the CPU is the
/// bottleneck of its own run.
pub fn queued_time() -> Duration {
    Duration::from_nanos(QUEUED.load(Ordering::Relaxed))
}

/// A guest ran a whole [`TIME_SLICE`]: tick at that pace for a while, so
/// busy guests take turns with the others.
pub(crate) fn guest_was_busy() {
    let until = timestamp_of(Instant::now()).saturating_add(BUSY_HOLD.as_nanos() as u64);
    BUSY_UNTIL.fetch_max(until, Ordering::Relaxed);
}

/// Limits that shape the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeLimits {
    /// Largest linear memory of a VU, in bytes.
    pub vu_memory: u64,
    /// Instances that may live at once. `None` allocates on demand (fine
    /// for a few hundred); `Some(n)` pre-reserves a pool for `n`.
    pub pooled_instances: Option<u32>,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        Self {
            vu_memory: 64 << 20,
            pooled_instances: None,
        }
    }
}

/// The pre-instantiated component, by contract version.
pub(crate) enum Pre {
    /// `volley:scenario@0.1.0`.
    V0_1(v1::ScenarioPre<HostState>),
    /// `volley:scenario@0.2.0`.
    V0_2(v2::ScenarioPre<HostState>),
}

/// A scenario compiled and linked, ready to instantiate VUs.
pub struct ScenarioRuntime {
    path: PathBuf,
    engine: Engine,
    component: Component,
    pre: Pre,
    size: usize,
    limits: RuntimeLimits,
    ticker_stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for ScenarioRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScenarioRuntime")
            .field("path", &self.path)
            .field("size", &self.size)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Drop for ScenarioRuntime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// What one instance of the component takes from the pool.
#[derive(Debug, Clone, Copy)]
struct PerInstance {
    memories: u32,
    tables: u32,
    core_instances: u32,
}

impl PerInstance {
    /// Sized from the component: Rust guests need 1 memory and a few
    /// core instances, a CPython guest a dozen core instances.
    fn of(component: &Component) -> PerInstance {
        let r = component.resources_required();
        let memories = r.as_ref().map_or(4, |r| r.num_memories.max(1));
        let tables = r.as_ref().map_or(8, |r| r.num_tables.max(1));
        PerInstance {
            memories,
            tables,
            // Not reported by wasmtime; generous, and only address space.
            core_instances: 24,
        }
    }
}

fn engine_config(limits: &RuntimeLimits) -> Config {
    engine_config_for(
        limits,
        PerInstance {
            memories: 2,
            tables: 4,
            core_instances: 8,
        },
    )
}

fn engine_config_for(limits: &RuntimeLimits, per: PerInstance) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.async_stack_size(super::stack::FIBER_STACK);
    config.max_wasm_stack(super::stack::MAX_WASM_STACK);
    // Component-model async costs about half of every host call; scenarios
    // built by the Rust, C and Python toolchains do not use it.
    config.concurrency_support(false);
    // A pooled memory cannot move, so its reservation is its limit; keep the
    // same value in both allocators so compiled code is interchangeable.
    config.memory_reservation(limits.vu_memory);
    config.memory_reservation_for_growth(0);
    config.memory_guard_size(64 << 10);
    config.memory_init_cow(true);
    if let Some(n) = limits.pooled_instances {
        let n = n.max(1);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(per.core_instances))
            .max_core_instances_per_component(per.core_instances.max(32))
            .total_memories(n.saturating_mul(per.memories))
            .max_memories_per_component(per.memories)
            .total_tables(n.saturating_mul(per.tables))
            .max_tables_per_component(per.tables)
            .total_stacks(n)
            .max_memory_size(limits.vu_memory as usize)
            .max_unused_warm_slots(n.min(1000));
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// wasmtime's message, with what to do about the errors users meet.
fn explain_compile_error(message: String) -> String {
    if message.contains("component model async") {
        // Per-call cost halves without component-model async, so Volley's
        // engine leaves it off; jco's QuickJS output uses it unless built
        // in synchronous mode.
        format!(
            "{message}. The component uses component-model async, which volley does not run; for JavaScript, build with scripts/build-js.sh (jco's QuickJS backend with --backend-qjs-disable-async)"
        )
    } else {
        message
    }
}

impl ScenarioRuntime {
    /// Read, validate, compile and link the scenario at `path`.
    pub fn load(path: &Path, limits: RuntimeLimits) -> Result<Self, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        validate::check_header(path, &bytes)?;
        let engine = Engine::new(&engine_config(&limits))
            .map_err(|e| ScenarioError::Engine(format!("{e:#}")))?;
        let component =
            super::cache::compile(&engine, &bytes).map_err(|e| ScenarioError::Compile {
                path: path.to_path_buf(),
                message: explain_compile_error(format!("{e:#}")),
            })?;
        Self::finish(path, engine, component, bytes.len(), limits)
    }

    /// The same scenario in an engine with other limits (typically a pool
    /// sized for the plan's VUs), without compiling it again.
    pub fn with_limits(&self, limits: RuntimeLimits) -> Result<Self, ScenarioError> {
        if limits == self.limits {
            return Self::finish(
                &self.path,
                self.engine.clone(),
                self.component.clone(),
                self.size,
                limits,
            );
        }
        let engine = Engine::new(&engine_config_for(
            &limits,
            PerInstance::of(&self.component),
        ))
        .map_err(|e| ScenarioError::Engine(format!("{e:#}")))?;
        let compile_err = |e: wasmtime::Error| ScenarioError::Compile {
            path: self.path.clone(),
            message: format!("{e:#}"),
        };
        let serialized = self.component.serialize().map_err(compile_err)?;
        // SAFETY: `serialized` was produced just now, in this process, by
        // `Component::serialize` of an engine whose compilation settings are
        // the same as `engine`'s (`engine_config` differs only in the
        // allocation strategy, which is not part of compiled code); this is
        // the documented contract of `deserialize`.
        #[allow(unsafe_code)]
        let component =
            unsafe { Component::deserialize(&engine, &serialized) }.map_err(compile_err)?;
        Self::finish(&self.path, engine, component, self.size, limits)
    }

    fn finish(
        path: &Path,
        engine: Engine,
        component: Component,
        size: usize,
        limits: RuntimeLimits,
    ) -> Result<Self, ScenarioError> {
        let contract = validate::check_contract(path, &engine, &component)?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        let link_err = |e: wasmtime::Error| ScenarioError::Engine(format!("{e:#}"));
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(link_err)?;
        match contract {
            Contract::V0_1 => {
                v1::Scenario::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            }
            Contract::V0_2 => {
                v2::Scenario::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            }
        }
        .map_err(link_err)?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| ScenarioError::Link {
                path: path.to_path_buf(),
                message: format!("{e:#}"),
            })?;
        let wrong = |e: wasmtime::Error| ScenarioError::WrongWorld {
            path: path.to_path_buf(),
            exports: vec![format!("(exports do not match the contract: {e:#})")],
        };
        let pre = match contract {
            Contract::V0_1 => Pre::V0_1(v1::ScenarioPre::new(instance_pre).map_err(wrong)?),
            Contract::V0_2 => Pre::V0_2(v2::ScenarioPre::new(instance_pre).map_err(wrong)?),
        };
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone());
        Ok(Self {
            path: path.to_path_buf(),
            engine,
            component,
            pre,
            size,
            limits,
            ticker_stop,
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The pre-instantiated component, of its contract version.
    pub(crate) fn pre(&self) -> &Pre {
        &self.pre
    }

    /// The contract version the component was built against.
    pub fn contract(&self) -> Contract {
        match self.pre {
            Pre::V0_1(_) => Contract::V0_1,
            Pre::V0_2(_) => Contract::V0_2,
        }
    }

    /// The file it came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the component file in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The component's type (its imports and exports).
    pub fn component_type(&self) -> wasmtime::component::types::Component {
        self.component.component_type()
    }

    /// Whether the component's contract promises that custom metrics are
    /// defined while VUs initialise (contract 0.2 and later), so thresholds
    /// on undefined metrics can be refused before the load starts.
    pub fn defines_metrics_at_init(&self) -> bool {
        self.contract() >= Contract::V0_2
    }

    /// The limits it was built with.
    pub fn limits(&self) -> &RuntimeLimits {
        &self.limits
    }
}

/// Advance the engine's epoch every [`IDLE_TICK`] (every [`TIME_SLICE`]
/// while guests are busy) until `stop` is set, so running guests yield to
/// the scheduler and CPU limits can be enforced.
fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("volley-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let busy = timestamp_of(Instant::now()) < BUSY_UNTIL.load(Ordering::Relaxed);
                std::thread::sleep(if busy { TIME_SLICE } else { IDLE_TICK });
                engine.increment_epoch();
            }
        });
    if let Err(e) = spawned {
        eprintln!(
            "volley: cannot start the epoch ticker thread ({e}); busy guests will not be time-sliced"
        );
    }
}
