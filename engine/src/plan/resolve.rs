//! Merged [`Options`] → [`Plan`]: k6's shortcut rules, defaults and
//! validation, reporting every problem at once.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::{HttpPlan, Plan, ScenarioPlan};
use crate::config::{ConfigError, ConfigErrors, Fields, Options, ScenarioOptions, format_duration};
use crate::executor::ExecutorConfig;
use crate::thresholds::Aggregation;

/// `User-Agent` sent when neither the options nor the request set one.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "volley/",
    env!("CARGO_PKG_VERSION"),
    " (https://github.com/volley-rs/volley)"
);
const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_REDIRECTS: u32 = 10;
const DEFAULT_SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one VU's `vu-init` may take by default (as setup).
const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_TEARDOWN_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_HANDLE_SUMMARY_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
const DEFAULT_TREND_STATS: [&str; 6] = ["avg", "min", "med", "max", "p(90)", "p(95)"];
/// Name of the scenario the shortcut options make (k6's `DefaultScenarioName`).
const DEFAULT_SCENARIO: &str = "default";

/// Turns merged options into the run's [`Plan`], as k6 would: the shortcut
/// options (`vus`, `duration`, `iterations`, `stages`) become a `default`
/// scenario, unset options take k6's defaults, and every invalid or
/// conflicting option is reported at once.
///
/// `cli_env` holds the `--env KEY=VALUE` values, k6's `__ENV`.
pub fn resolve(options: &Options, cli_env: BTreeMap<String, String>) -> Result<Plan, ConfigErrors> {
    options.to_plan(cli_env)
}

impl Options {
    fn to_plan(&self, cli_env: BTreeMap<String, String>) -> Result<Plan, ConfigErrors> {
        let mut errors = Vec::new();
        let scenarios = self.scenario_plans(&mut errors);

        let positive =
            |errors: &mut Vec<ConfigError>, key: &str, value: Option<Duration>, default| {
                let value = value.unwrap_or(default);
                if value.is_zero() {
                    errors.push(ConfigError::invalid(
                        format!("options.{key}"),
                        "must be more than 0",
                    ));
                }
                value
            };
        let setup_timeout = positive(
            &mut errors,
            "setupTimeout",
            self.setup_timeout,
            DEFAULT_SETUP_TIMEOUT,
        );
        let teardown_timeout = positive(
            &mut errors,
            "teardownTimeout",
            self.teardown_timeout,
            DEFAULT_TEARDOWN_TIMEOUT,
        );
        let init_timeout = positive(
            &mut errors,
            "initTimeout",
            self.init_timeout,
            DEFAULT_INIT_TIMEOUT,
        );
        let handle_summary_timeout = positive(
            &mut errors,
            "handleSummaryTimeout",
            self.handle_summary_timeout,
            DEFAULT_HANDLE_SUMMARY_TIMEOUT,
        );
        let timeout = positive(
            &mut errors,
            "httpTimeout",
            self.http_timeout,
            DEFAULT_HTTP_TIMEOUT,
        );

        let mut summary_trend_stats = Vec::new();
        let given = self.summary_trend_stats.as_deref();
        let stats: Vec<&str> = match given {
            Some(stats) => stats.iter().map(String::as_str).collect(),
            None => DEFAULT_TREND_STATS.to_vec(),
        };
        for (i, stat) in stats.into_iter().enumerate() {
            match Aggregation::parse_trend_stat(stat) {
                Ok(a) => summary_trend_stats.push(a),
                Err(why) => errors.push(ConfigError::invalid(
                    format!("options.summaryTrendStats[{i}]"),
                    why,
                )),
            }
        }

        let mut blacklist_ips = Vec::new();
        for (i, net) in self.blacklist_ips.iter().flatten().enumerate() {
            match crate::http::IpBlock::parse(net) {
                Ok(block) => blacklist_ips.push(block),
                Err(why) => errors.push(ConfigError::invalid(
                    format!("options.blacklistIPs[{i}]"),
                    why,
                )),
            }
        }

        let segment = crate::segment::ExecutionTuple::parse_options(
            self.execution_segment.as_deref(),
            self.execution_segment_sequence.as_deref(),
        )
        .unwrap_or_else(|e| {
            errors.push(ConfigError::invalid(
                "options.executionSegment",
                e.to_string(),
            ));
            crate::segment::ExecutionTuple::full()
        });
        if !segment.segment().is_full() {
            for s in &scenarios {
                if matches!(s.executor, ExecutorConfig::CapacitySearch(_)) {
                    errors.push(ConfigError::invalid(
                        format!("scenarios.{}.executor", s.name),
                        "capacity-search picks each step's rate from its own verdicts, so it \
                         cannot be split over execution segments; run it in one process \
                         (without --execution-segment or --segment)",
                    ));
                }
            }
        }

        let plan = Plan {
            scenarios,
            segment,
            thresholds: self.thresholds.clone().unwrap_or_default(),
            env: cli_env,
            tags: self.tags.clone().unwrap_or_default(),
            http: HttpPlan {
                user_agent: self
                    .user_agent
                    .clone()
                    .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string()),
                timeout,
                max_redirects: self.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
                insecure_skip_tls_verify: self.insecure_skip_tls_verify.unwrap_or(false),
                discard_response_bodies: self.discard_response_bodies.unwrap_or(false),
                max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
                blacklist_ips,
                block_hostnames: self.block_hostnames.clone().unwrap_or_default(),
            },
            setup_timeout,
            teardown_timeout,
            handle_summary_timeout,
            init_timeout,
            summary_trend_stats,
            data: self.data.clone().unwrap_or_default(),
            seed: self.seed.unwrap_or_else(clock_seed),
            no_setup: self.no_setup.unwrap_or(false),
            no_teardown: self.no_teardown.unwrap_or(false),
        };
        ConfigErrors::check(errors, plan)
    }

    /// The scenarios, in name order, following k6's
    /// `DeriveScenariosFromShortcuts`: `iterations` → shared-iterations,
    /// else `duration` → constant-vus, else `stages` → ramping-vus, else
    /// the `scenarios` given, else `vus` alone → shared-iterations of `vus`
    /// iterations, else one iteration of one VU (per-vu-iterations).
    ///
    /// `vus` with `scenarios` can only come from one layer (see
    /// [`Options::merge`]); the scenarios win there, as before k6 2.1, where
    /// current k6 would run `vus` iterations instead ([`Options::from_json`]
    /// warns).
    fn scenario_plans(&self, errors: &mut Vec<ConfigError>) -> Vec<ScenarioPlan> {
        let has_stages = self.stages.as_ref().is_some_and(|s| !s.is_empty());
        let has_scenarios = self.scenarios.is_some();
        // Only options set in one layer can still clash here: merge clears
        // the execution options of earlier layers (see Options::merge).
        let conflicts = [
            (
                "iterations",
                "stages",
                self.iterations.is_some() && has_stages,
            ),
            (
                "iterations",
                "scenarios",
                self.iterations.is_some() && has_scenarios,
            ),
            ("duration", "stages", self.duration.is_some() && has_stages),
            (
                "duration",
                "scenarios",
                self.duration.is_some() && has_scenarios,
            ),
            ("stages", "scenarios", has_stages && has_scenarios),
        ];
        let mut conflicted = false;
        for (a, b, clash) in conflicts {
            if clash {
                conflicted = true;
                errors.push(ConfigError::invalid(
                    format!("options.{a}"),
                    format!("`{a}` and `{b}` can't be used together (k6 refuses this too)"),
                ));
            }
        }
        if conflicted {
            return Vec::new();
        }

        let mut fields = Map::new();
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                fields.insert(key.to_string(), v);
            }
        };
        let duration = |d: Option<Duration>| d.map(|d| json!(format_duration(d)));
        let count = |n: Option<u64>| n.map(|n| json!(n));
        let (executor, renames): (&str, &[(&str, &str)]) = if self.iterations.is_some() {
            set("vus", count(self.vus));
            set("iterations", count(self.iterations));
            set("maxDuration", duration(self.duration));
            ("shared-iterations", &[("maxDuration", "duration")])
        } else if self.duration.is_some() {
            set("vus", count(self.vus));
            set("duration", duration(self.duration));
            ("constant-vus", &[])
        } else if has_stages {
            set("startVUs", count(self.vus));
            let stages: Vec<Value> = self
                .stages
                .iter()
                .flatten()
                .map(|s| {
                    let mut stage =
                        json!({"duration": format_duration(s.duration), "target": s.target});
                    // `--stage 30s:10:warm` names its stage, as a stage's
                    // `name` in the options does.
                    if let Some(name) = &s.name {
                        stage["name"] = json!(name);
                    }
                    stage
                })
                .collect();
            set("stages", Some(Value::Array(stages)));
            ("ramping-vus", &[("startVUs", "vus")])
        } else if let Some(scenarios) = self.scenarios.as_ref().filter(|s| !s.is_empty()) {
            return scenarios
                .iter()
                .filter_map(|(name, s)| {
                    let path = |key: &str| match key {
                        "" => format!("options.scenarios.{name}"),
                        key => format!("options.scenarios.{name}.{key}"),
                    };
                    scenario(name, s, &path, errors)
                })
                .collect();
        } else if self.vus.is_some() && self.stages.is_none() {
            // An explicitly empty `stages` means "no shortcut" in k6: one
            // iteration of one VU, whatever `vus` says.
            set("vus", count(self.vus));
            set("iterations", count(self.vus));
            ("shared-iterations", &[("iterations", "vus")])
        } else {
            ("per-vu-iterations", &[])
        };
        let shortcut = ScenarioOptions {
            executor: Some(executor.to_string()),
            fields,
            ..ScenarioOptions::default()
        };

        // Errors about the default scenario name the top-level option the
        // user actually wrote (`options.vus`, not `startVUs`).
        let path = |key: &str| {
            let split = key.find(['[', '.']).unwrap_or(key.len());
            let (head, tail) = key.split_at(split);
            let head = renames
                .iter()
                .find(|(from, _)| *from == head)
                .map_or(head, |(_, to)| to);
            format!("options.{head}{tail}")
        };
        scenario(DEFAULT_SCENARIO, &shortcut, &path, errors)
            .into_iter()
            .collect()
    }
}

/// k6's default `gracefulStop`.
const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);

/// One scenario: its base options, and its executor's own read by the
/// executor. `path(key)` names where `key` came from (`""`: the scenario).
fn scenario(
    name: &str,
    s: &ScenarioOptions,
    path: &dyn Fn(&str) -> String,
    errors: &mut Vec<ConfigError>,
) -> Option<ScenarioPlan> {
    let mut f = Fields::new(&s.fields, path, errors);
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_name {
        f.fail(
            "",
            "the scenario name may contain only latin letters, digits, `_` and `-`",
        );
    }
    if s.exec.as_deref() == Some("") {
        f.fail("exec", "must not be empty");
    }
    let executor = match s.executor.as_deref() {
        None => {
            let message = format!(
                "missing; expected one of {}",
                ExecutorConfig::NAMES.join(", ")
            );
            f.fail("executor", message);
            None
        }
        Some(kind) => ExecutorConfig::parse(kind, &mut f),
    };
    let executor = executor.filter(|_| f.ok())?;
    Some(ScenarioPlan {
        name: name.to_string(),
        executor,
        start_time: s.start_time.unwrap_or_default(),
        graceful_stop: s.graceful_stop.unwrap_or(DEFAULT_GRACEFUL_STOP),
        exec: s.exec.clone().unwrap_or_else(|| "default".to_string()),
        env: s.env.clone().unwrap_or_default(),
        tags: s.tags.clone().unwrap_or_default(),
    })
}

/// A seed for runs that do not set one: the wall clock's nanoseconds,
/// spread with SplitMix64 so that close start times give unrelated seeds.
fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
