//! Merged [`Options`] → [`Plan`]: k6's shortcut rules, defaults and
//! validation, reporting every problem at once.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::{ConfigError, ConfigErrors};
use super::options::{Options, ScenarioOptions};
use super::plan::{HttpPlan, Plan, ScenarioPlan};
use super::scenario;

/// `User-Agent` sent when neither the options nor the request set one.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "volley/",
    env!("CARGO_PKG_VERSION"),
    " (https://github.com/volley-rs/volley)"
);
const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_REDIRECTS: u32 = 10;
const DEFAULT_SETUP_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_TEARDOWN_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
const DEFAULT_TREND_STATS: [&str; 6] = ["avg", "min", "med", "max", "p(90)", "p(95)"];
/// Name of the scenario the shortcut options make (k6's `DefaultScenarioName`).
const DEFAULT_SCENARIO: &str = "default";

impl Options {
    /// Turns merged options into the run's [`Plan`], as k6 would: the
    /// shortcut options (`vus`, `duration`, `iterations`, `stages`) become a
    /// `default` scenario, unset options take k6's defaults, and every
    /// invalid or conflicting option is reported at once.
    ///
    /// `cli_env` holds the `--env KEY=VALUE` values, k6's `__ENV`.
    pub fn resolve(&self, cli_env: BTreeMap<String, String>) -> Result<Plan, ConfigErrors> {
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
        let timeout = positive(
            &mut errors,
            "httpTimeout",
            self.http_timeout,
            DEFAULT_HTTP_TIMEOUT,
        );

        let summary_trend_stats = match &self.summary_trend_stats {
            Some(stats) => stats.clone(),
            None => DEFAULT_TREND_STATS.iter().map(|s| s.to_string()).collect(),
        };
        for (i, stat) in summary_trend_stats.iter().enumerate() {
            if let Err(why) = check_trend_stat(stat) {
                errors.push(ConfigError::invalid(
                    format!("options.summaryTrendStats[{i}]"),
                    why,
                ));
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

        let plan = Plan {
            scenarios,
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

        let shortcut = |executor: &str| ScenarioOptions {
            executor: Some(executor.to_string()),
            ..ScenarioOptions::default()
        };
        let (scenario, renames): (ScenarioOptions, &[(&str, &str)]) = if self.iterations.is_some() {
            let s = ScenarioOptions {
                vus: self.vus,
                iterations: self.iterations,
                max_duration: self.duration,
                ..shortcut("shared-iterations")
            };
            (s, &[("maxDuration", "duration")])
        } else if self.duration.is_some() {
            let s = ScenarioOptions {
                vus: self.vus,
                duration: self.duration,
                ..shortcut("constant-vus")
            };
            (s, &[])
        } else if has_stages {
            let s = ScenarioOptions {
                start_vus: self.vus,
                stages: self.stages.clone(),
                ..shortcut("ramping-vus")
            };
            (s, &[("startVUs", "vus")])
        } else if let Some(scenarios) = self.scenarios.as_ref().filter(|s| !s.is_empty()) {
            return scenarios
                .iter()
                .filter_map(|(name, s)| {
                    let path = |key: &str| match key {
                        "" => format!("options.scenarios.{name}"),
                        key => format!("options.scenarios.{name}.{key}"),
                    };
                    scenario::resolve(name, s, &path, errors)
                })
                .collect();
        } else if self.vus.is_some() && self.stages.is_none() {
            // An explicitly empty `stages` means "no shortcut" in k6: one
            // iteration of one VU, whatever `vus` says.
            let s = ScenarioOptions {
                vus: self.vus,
                iterations: self.vus,
                ..shortcut("shared-iterations")
            };
            (s, &[("iterations", "vus")])
        } else {
            (shortcut("per-vu-iterations"), &[])
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
        scenario::resolve(DEFAULT_SCENARIO, &scenario, &path, errors)
            .into_iter()
            .collect()
    }
}

/// k6's trend columns: `avg`, `min`, `med`, `max`, `count` or `p(N)` with
/// N from 0 to 100.
fn check_trend_stat(stat: &str) -> Result<(), String> {
    if matches!(stat, "avg" | "min" | "med" | "max" | "count") {
        return Ok(());
    }
    let percentile = stat
        .strip_prefix("p(")
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unknown trend stat \"{stat}\"; expected avg, min, med, max, count or p(N)")
        })?;
    match percentile.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(()),
        _ => Err(format!(
            "invalid percentile \"{stat}\"; N in p(N) must be a number from 0 to 100"
        )),
    }
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
