//! The resolved plan of a run: what the executors and the rest of the engine
//! read. Produced from merged [`Options`](super::Options) by
//! [`Options::resolve`](super::Options::resolve); nothing downstream looks at
//! raw options again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// One stage of a ramping executor: go to `target` over `duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// How long the ramp takes.
    pub duration: Duration,
    /// VUs (ramping-vus) or iterations per time unit (ramping-arrival-rate)
    /// at the end of the stage.
    pub target: u64,
}

impl Stage {
    /// A stage of `secs` seconds ending at `target`.
    pub fn secs(secs: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
        }
    }
}

/// What an executor does, with k6's option names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecutorConfig {
    /// `constant-vus`: `vus` VUs loop for `duration`.
    ConstantVus {
        /// VUs that run (k6 default 1).
        vus: u64,
        /// How long they loop.
        duration: Duration,
    },
    /// `per-vu-iterations`: each of `vus` VUs runs `iterations` iterations.
    PerVuIterations {
        /// VUs that run (default 1).
        vus: u64,
        /// Iterations per VU (default 1).
        iterations: u64,
        /// Hard stop (default 10m).
        max_duration: Duration,
    },
    /// `shared-iterations`: `vus` VUs share `iterations` iterations.
    SharedIterations {
        /// VUs that run (default 1).
        vus: u64,
        /// Iterations in total (default 1).
        iterations: u64,
        /// Hard stop (default 10m).
        max_duration: Duration,
    },
    /// `ramping-vus`: the VU count follows `stages`.
    RampingVus {
        /// VUs at the start (default 1).
        start_vus: u64,
        /// The stages.
        stages: Vec<Stage>,
        /// Time a VU removed by a ramp-down may finish its iteration (default 30s).
        graceful_ramp_down: Duration,
    },
    /// `constant-arrival-rate`: start `rate` iterations per `time_unit`.
    ConstantArrivalRate {
        /// Iterations per time unit.
        rate: u64,
        /// The time unit (default 1s).
        time_unit: Duration,
        /// How long.
        duration: Duration,
        /// VUs created before the start.
        pre_allocated_vus: u64,
        /// VUs it may grow to (default: pre_allocated_vus).
        max_vus: u64,
    },
    /// `ramping-arrival-rate`: the arrival rate follows `stages`.
    RampingArrivalRate {
        /// Iterations per time unit at the start (default 0).
        start_rate: u64,
        /// The time unit (default 1s).
        time_unit: Duration,
        /// The stages (targets are rates).
        stages: Vec<Stage>,
        /// VUs created before the start.
        pre_allocated_vus: u64,
        /// VUs it may grow to (default: pre_allocated_vus).
        max_vus: u64,
    },
}

impl ExecutorConfig {
    /// k6's name of this executor (`constant-vus`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            ExecutorConfig::ConstantVus { .. } => "constant-vus",
            ExecutorConfig::PerVuIterations { .. } => "per-vu-iterations",
            ExecutorConfig::SharedIterations { .. } => "shared-iterations",
            ExecutorConfig::RampingVus { .. } => "ramping-vus",
            ExecutorConfig::ConstantArrivalRate { .. } => "constant-arrival-rate",
            ExecutorConfig::RampingArrivalRate { .. } => "ramping-arrival-rate",
        }
    }
}

/// One scenario of the run, resolved.
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

/// HTTP behaviour of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpPlan {
    /// `User-Agent` sent unless the request sets one.
    pub user_agent: String,
    /// Default whole-request timeout (k6: 60s).
    pub timeout: Duration,
    /// Default redirect limit (k6 `maxRedirects`: 10).
    pub max_redirects: u32,
    /// Accept any TLS certificate (`insecureSkipTLSVerify`).
    pub insecure_skip_tls_verify: bool,
    /// Read bodies on the host but never copy them to guests (`discardResponseBodies`).
    pub discard_response_bodies: bool,
    /// Largest response body a request may hold in memory, in bytes.
    pub max_body_bytes: u64,
    /// `blacklistIPs`.
    pub blacklist_ips: Vec<crate::http::IpBlock>,
    /// `blockHostnames`.
    pub block_hostnames: Vec<String>,
}

/// Everything a run needs, resolved and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Scenarios, in name order.
    pub scenarios: Vec<ScenarioPlan>,
    /// The raw `thresholds` object (metric selector → list of expressions),
    /// parsed by [`crate::thresholds`].
    pub thresholds: serde_json::Map<String, serde_json::Value>,
    /// `--env` values for every VU (k6's `__ENV`).
    pub env: BTreeMap<String, String>,
    /// Tags added to every sample (`tags` option).
    pub tags: BTreeMap<String, String>,
    /// HTTP behaviour.
    pub http: HttpPlan,
    /// Time limit of `setup` (default 60s).
    pub setup_timeout: Duration,
    /// Time limit of `teardown` (default 60s).
    pub teardown_timeout: Duration,
    /// Stats shown for trends in the summary (default avg, min, med, max, p(90), p(95)).
    pub summary_trend_stats: Vec<String>,
    /// Data sets: name → file.
    pub data: BTreeMap<String, PathBuf>,
    /// Seed of the VUs' random streams (random when not given).
    pub seed: u64,
    /// Skip `setup` and `teardown`? (`--no-setup`, `--no-teardown`)
    pub no_setup: bool,
    /// See `no_setup`.
    pub no_teardown: bool,
}
