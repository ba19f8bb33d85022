//! The raw options record: what one layer (the component's `options()`, a
//! `--config` file, the environment or the CLI flags) said, field by field,
//! with k6's names. Nothing here is defaulted or cross-checked; that is
//! [`Options::resolve`]'s job.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::stage::Stage;

/// k6's options, as one layer gave them. `None` means "not set here", so
/// that [`Options::merge`] can tell "unset" from "set to the default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// `vus`: VUs of the shortcut executors (and `startVUs` of `stages`).
    pub vus: Option<u64>,
    /// `duration`: shortcut for a `constant-vus` scenario.
    pub duration: Option<Duration>,
    /// `iterations`: shortcut for a `shared-iterations` scenario.
    pub iterations: Option<u64>,
    /// `stages`: shortcut for a `ramping-vus` scenario.
    pub stages: Option<Vec<Stage>>,
    /// `scenarios`: name → scenario, the long form of the shortcuts.
    pub scenarios: Option<BTreeMap<String, ScenarioOptions>>,
    /// `thresholds`: metric selector → expressions, kept raw for the
    /// thresholds module.
    pub thresholds: Option<Map<String, Value>>,
    /// `setupTimeout`.
    pub setup_timeout: Option<Duration>,
    /// `teardownTimeout`.
    pub teardown_timeout: Option<Duration>,
    /// `handleSummaryTimeout`.
    pub handle_summary_timeout: Option<Duration>,
    /// `initTimeout` (Volley): how long one VU's `vu-init` may take.
    pub init_timeout: Option<Duration>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `insecureSkipTLSVerify`.
    pub insecure_skip_tls_verify: Option<bool>,
    /// `maxRedirects`.
    pub max_redirects: Option<u32>,
    /// `discardResponseBodies`.
    pub discard_response_bodies: Option<bool>,
    /// `summaryTrendStats`.
    pub summary_trend_stats: Option<Vec<String>>,
    /// `blacklistIPs`: networks no request may connect to.
    pub blacklist_ips: Option<Vec<String>>,
    /// `blockHostnames`: host names (and `*.domain` wildcards) no request may reach.
    pub block_hostnames: Option<Vec<String>>,
    /// `tags`: tags added to every sample.
    pub tags: Option<BTreeMap<String, String>>,
    /// `noSetup`.
    pub no_setup: Option<bool>,
    /// `noTeardown`.
    pub no_teardown: Option<bool>,
    /// `httpTimeout` (Volley): default whole-request timeout; k6 only has a
    /// per-request `timeout` param.
    pub http_timeout: Option<Duration>,
    /// `maxBodyBytes` (Volley): largest response body held in memory.
    pub max_body_bytes: Option<u64>,
    /// `data` (Volley): data set name → file.
    pub data: Option<BTreeMap<String, PathBuf>>,
    /// `seed` (Volley): seed of the VUs' random streams.
    pub seed: Option<u64>,
    /// `executionSegment`: this process's part of the test (`1/4:2/4`).
    pub execution_segment: Option<String>,
    /// `executionSegmentSequence`: every process's segment (`0,1/4,...,1`).
    pub execution_segment_sequence: Option<String>,
}

/// One entry of `scenarios`, as given: the options every executor takes
/// (k6's `BaseConfig`) typed, and the executor's own options kept raw for
/// the executor to read, since only it knows their types and which of them
/// it takes (see `executor`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioOptions {
    /// `executor`: the executor's k6 name (`constant-vus`, ...).
    pub executor: Option<String>,
    /// `startTime`.
    pub start_time: Option<Duration>,
    /// `gracefulStop`.
    pub graceful_stop: Option<Duration>,
    /// `exec`: passed to the component's `iteration`.
    pub exec: Option<String>,
    /// `env`: extra environment for this scenario.
    pub env: Option<BTreeMap<String, String>>,
    /// `tags`: tags for this scenario's samples.
    pub tags: Option<BTreeMap<String, String>>,
    /// Every other key, by its k6 name (`vus`, `stages`, `rate`, ...), as
    /// JSON; `null` values are left out (unset).
    pub fields: Map<String, Value>,
}

impl Options {
    /// Lays `over` on top of `self`: every field `over` sets wins, whole
    /// maps and lists included (a later `scenarios`, `thresholds`, `tags`,
    /// `data` or `summaryTrendStats` replaces the earlier one, as in k6).
    ///
    /// The execution options go by group, so that the latest layer decides
    /// how the run is scheduled:
    /// - a layer that sets a shortcut (`vus`, `duration`, `iterations`,
    ///   `stages`) drops the `scenarios` of earlier layers: `--vus 10` or
    ///   `--duration 1m` on the command line replaces the component's
    ///   scenarios entirely (k6 ≥ 2.1 does the same). Shortcuts of different
    ///   layers still combine, as in k6: `VOLLEY_VUS=5` with `--duration 1m`
    ///   is 5 VUs for a minute.
    /// - `duration`, `iterations` and `stages` replace one another as a
    ///   group (k6's `Options.Apply`): a later `--stage` drops an earlier
    ///   `duration`.
    /// - a layer that sets `scenarios` drops every shortcut of earlier
    ///   layers, `vus` included.
    ///
    /// Options set together in one layer are all kept, so that
    /// [`Options::resolve`] can report k6's conflicts (`duration` with
    /// `scenarios`, ...).
    ///
    /// Layers are merged earliest first: the component's `options()`, then
    /// `--config FILE`, then `VOLLEY_*` variables, then CLI flags.
    pub fn merge(self, over: Options) -> Options {
        let over_scenarios = over.scenarios.is_some();
        let over_group =
            over.duration.is_some() || over.iterations.is_some() || over.stages.is_some();
        let over_shortcut = over_group || over.vus.is_some();
        let (duration, iterations, stages) = if over_group || over_scenarios {
            (over.duration, over.iterations, over.stages)
        } else {
            (self.duration, self.iterations, self.stages)
        };
        let scenarios = if over_shortcut || over_scenarios {
            over.scenarios
        } else {
            self.scenarios
        };
        let earlier_vus = if over_scenarios { None } else { self.vus };
        Options {
            vus: over.vus.or(earlier_vus),
            duration,
            iterations,
            stages,
            scenarios,
            thresholds: over.thresholds.or(self.thresholds),
            setup_timeout: over.setup_timeout.or(self.setup_timeout),
            teardown_timeout: over.teardown_timeout.or(self.teardown_timeout),
            handle_summary_timeout: over.handle_summary_timeout.or(self.handle_summary_timeout),
            init_timeout: over.init_timeout.or(self.init_timeout),
            user_agent: over.user_agent.or(self.user_agent),
            insecure_skip_tls_verify: over
                .insecure_skip_tls_verify
                .or(self.insecure_skip_tls_verify),
            max_redirects: over.max_redirects.or(self.max_redirects),
            discard_response_bodies: over
                .discard_response_bodies
                .or(self.discard_response_bodies),
            summary_trend_stats: over.summary_trend_stats.or(self.summary_trend_stats),
            blacklist_ips: over.blacklist_ips.or(self.blacklist_ips),
            block_hostnames: over.block_hostnames.or(self.block_hostnames),
            tags: over.tags.or(self.tags),
            no_setup: over.no_setup.or(self.no_setup),
            no_teardown: over.no_teardown.or(self.no_teardown),
            http_timeout: over.http_timeout.or(self.http_timeout),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            data: over.data.or(self.data),
            seed: over.seed.or(self.seed),
            execution_segment: over.execution_segment.or(self.execution_segment),
            execution_segment_sequence: over
                .execution_segment_sequence
                .or(self.execution_segment_sequence),
        }
    }
}
