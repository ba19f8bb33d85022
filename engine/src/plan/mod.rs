//! The resolved plan of a run: what the executors and the rest of the engine
//! read, produced from merged [`Options`](crate::config::Options) by [`resolve`]: k6's shortcut
//! rules, defaults and checks, with every problem reported at once.
//! Nothing downstream looks at raw options again.

mod resolve;
#[cfg(test)]
mod tests;

pub use crate::executor::{ExecutorConfig, ScenarioPlan};
pub use resolve::{DEFAULT_USER_AGENT, resolve};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

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
    /// This process's execution segment (the whole test unless the run is
    /// split over a fleet).
    pub segment: crate::segment::ExecutionTuple,
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
    /// Time limit of `handle-summary` (default 2m, as k6).
    pub handle_summary_timeout: Duration,
    /// Time limit (wall clock and CPU) of one VU's `vu-init` (default 60s).
    pub init_timeout: Duration,
    /// Stats shown for trends in the summary (default avg, min, med, max, p(90), p(95)).
    pub summary_trend_stats: Vec<crate::thresholds::Aggregation>,
    /// Data sets: name → file.
    pub data: BTreeMap<String, PathBuf>,
    /// Seed of the VUs' random streams (random when not given).
    pub seed: u64,
    /// Skip `setup` and `teardown`? (`--no-setup`, `--no-teardown`)
    pub no_setup: bool,
    /// See `no_setup`.
    pub no_teardown: bool,
}
