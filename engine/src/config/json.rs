//! Reading k6's options JSON into [`Options`].
//!
//! The JSON is walked by hand rather than through `#[derive(Deserialize)]`:
//! serde stops at the first bad value, while k6 users expect every problem
//! reported at once, each with its key path.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::duration::parse_duration;
use super::error::{ConfigError, ConfigErrors};
use super::options::{Options, ScenarioOptions};
use super::plan::Stage;

/// k6 options Volley knows but does not implement yet: a warning, not an
/// error, so k6 option files keep working.
const UNSUPPORTED: &[&str] = &[
    "batch",
    "batchPerHost",
    "cloud",
    "collectors",
    "consoleOutput",
    "dns",
    "executionSegment",
    "executionSegmentSequence",
    "ext",
    "features",
    "handleSummaryTimeout",
    "hosts",
    "httpDebug",
    "linger",
    "localIPs",
    "metricSamplesBufferSize",
    "minIterationDuration",
    "noArchiveUpload",
    "noConnectionReuse",
    "noCookiesReset",
    "noUsageReport",
    "noVUConnectionReuse",
    "out",
    "paused",
    "rps",
    "summaryTimeUnit",
    "systemTags",
    "throw",
    "tlsAuth",
    "tlsCipherSuites",
    "tlsVersion",
    "webDashboard",
];

/// Keys a scenario may have, whatever its executor.
const SCENARIO_KEYS: &str = "executor, startTime, gracefulStop, exec, env, tags, vus, duration, \
     iterations, maxDuration, startVUs, stages, gracefulRampDown, rate, timeUnit, \
     preAllocatedVUs, maxVUs, startRate";

impl Options {
    /// Reads k6's options JSON (the component's `options()` or a `--config`
    /// file). Returns the options and warnings about keys that were ignored
    /// (unknown, or k6 options Volley does not support yet), or every
    /// problem found. Empty text counts as `{}`; `null` values count as unset.
    pub fn from_json(text: &str) -> Result<(Options, Vec<String>), ConfigErrors> {
        if text.trim().is_empty() {
            return Ok((Options::default(), Vec::new()));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            // serde_json appends " at line L column C"; we report those apart.
            let message = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(message, _)| message);
            ConfigError::Syntax {
                source_name: "options".to_string(),
                line: e.line(),
                column: e.column(),
                message: message.to_string(),
            }
        })?;
        Options::from_value(&value)
    }

    /// Like [`Options::from_json`], for JSON that is already parsed.
    pub fn from_value(value: &Value) -> Result<(Options, Vec<String>), ConfigErrors> {
        let mut reader = Reader::default();
        let options = reader.options(value);
        ConfigErrors::check(reader.errors, (options, reader.warnings))
    }
}

/// Collects values, errors and warnings while walking the JSON.
#[derive(Default)]
struct Reader {
    errors: Vec<ConfigError>,
    warnings: Vec<String>,
}

impl Reader {
    fn options(&mut self, value: &Value) -> Options {
        let mut o = Options::default();
        let Some(object) = self.object("options", value) else {
            return o;
        };
        for (key, v) in object {
            let p = &format!("options.{key}");
            match key.as_str() {
                "vus" => o.vus = self.u64(p, v),
                "duration" => o.duration = self.duration(p, v),
                "iterations" => o.iterations = self.u64(p, v),
                "stages" => o.stages = self.stages(p, v, true),
                "scenarios" => o.scenarios = self.scenarios(p, v),
                "thresholds" => o.thresholds = self.object(p, v).cloned(),
                "setupTimeout" => o.setup_timeout = self.duration(p, v),
                "teardownTimeout" => o.teardown_timeout = self.duration(p, v),
                "userAgent" => o.user_agent = self.string(p, v),
                "insecureSkipTLSVerify" => o.insecure_skip_tls_verify = self.bool(p, v),
                "maxRedirects" => o.max_redirects = self.u32(p, v),
                "discardResponseBodies" => o.discard_response_bodies = self.bool(p, v),
                "summaryTrendStats" => o.summary_trend_stats = self.strings(p, v),
                "blacklistIPs" => o.blacklist_ips = self.strings(p, v),
                "blockHostnames" => o.block_hostnames = self.strings(p, v),
                "tags" => o.tags = self.string_map(p, v),
                "noSetup" => o.no_setup = self.bool(p, v),
                "noTeardown" => o.no_teardown = self.bool(p, v),
                "httpTimeout" => o.http_timeout = self.duration(p, v),
                "maxBodyBytes" => o.max_body_bytes = self.u64(p, v),
                "data" => {
                    let map = self.string_map(p, v);
                    o.data =
                        map.map(|m| m.into_iter().map(|(k, f)| (k, PathBuf::from(f))).collect());
                }
                "seed" => o.seed = self.u64(p, v),
                "env" => self.warnings.push(format!(
                    "{p}: ignored; k6 has no `env` option, pass values with --env KEY=VALUE"
                )),
                k if UNSUPPORTED.contains(&k) => self.warnings.push(format!(
                    "option {k} is not supported by volley yet; ignored"
                )),
                _ => self.warnings.push(format!("{p}: unknown option; ignored")),
            }
        }
        if o.vus.is_some() && o.scenarios.as_ref().is_some_and(|s| !s.is_empty()) {
            self.warnings.push(
                "options.vus: ignored, `scenarios` set their own VUs (k6 2.1+ would run `vus` \
                 shared iterations instead of the scenarios)"
                    .to_string(),
            );
        }
        if o.stages.as_ref().is_some_and(Vec::is_empty) {
            self.warnings
                .push("options.stages: empty; it sets no ramping-vus scenario".to_string());
        }
        if o.scenarios.as_ref().is_some_and(BTreeMap::is_empty) {
            self.warnings.push(
                "options.scenarios: empty; without a shortcut option k6 runs 1 iteration of 1 VU"
                    .to_string(),
            );
        }
        o
    }

    fn scenarios(
        &mut self,
        path: &str,
        value: &Value,
    ) -> Option<BTreeMap<String, ScenarioOptions>> {
        let object = self.object(path, value)?;
        let mut scenarios = BTreeMap::new();
        for (name, v) in object {
            let p = format!("{path}.{name}");
            if v.is_null() {
                self.error(&p, format!("expected a scenario object, got {}", show(v)));
            } else if let Some(scenario) = self.scenario(&p, v) {
                scenarios.insert(name.clone(), scenario);
            }
        }
        Some(scenarios)
    }

    fn scenario(&mut self, path: &str, value: &Value) -> Option<ScenarioOptions> {
        let object = self.object(path, value)?;
        let mut s = ScenarioOptions::default();
        for (key, v) in object {
            let p = &format!("{path}.{key}");
            match key.as_str() {
                "executor" => s.executor = self.string(p, v),
                "vus" => s.vus = self.u64(p, v),
                "duration" => s.duration = self.duration(p, v),
                "iterations" => s.iterations = self.u64(p, v),
                "maxDuration" => s.max_duration = self.duration(p, v),
                "startVUs" => s.start_vus = self.u64(p, v),
                "stages" => s.stages = self.stages(p, v, false),
                "gracefulRampDown" => s.graceful_ramp_down = self.duration(p, v),
                "rate" => s.rate = self.u64(p, v),
                "timeUnit" => s.time_unit = self.duration(p, v),
                "preAllocatedVUs" => s.pre_allocated_vus = self.u64(p, v),
                "maxVUs" => s.max_vus = self.u64(p, v),
                "startRate" => s.start_rate = self.u64(p, v),
                "startTime" => s.start_time = self.duration(p, v),
                "gracefulStop" => s.graceful_stop = self.duration(p, v),
                "exec" => s.exec = self.string(p, v),
                "env" => s.env = self.string_map(p, v),
                "tags" => s.tags = self.string_map(p, v),
                // k6's browser options; the key is valid k6, so only warn.
                "options" => self.warnings.push(format!(
                    "{p}: per-scenario options are not supported by volley yet; ignored"
                )),
                // k6 reads scenarios strictly, so an unknown key is an error there too.
                _ => self.error(
                    p,
                    format!("unknown scenario option; expected one of {SCENARIO_KEYS}"),
                ),
            }
        }
        Some(s)
    }

    /// `stages`: a list of `{duration, target}`. At the top level k6 drops
    /// stages without a duration; inside a scenario it rejects them.
    fn stages(&mut self, path: &str, value: &Value, top_level: bool) -> Option<Vec<Stage>> {
        let items = match value {
            Value::Null => return None,
            Value::Array(items) => items,
            other => {
                self.error(
                    path,
                    format!("expected a list of stages, got {}", show(other)),
                );
                return None;
            }
        };
        let mut stages = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(object) = item.as_object() else {
                let got = show(item);
                self.error(
                    &p,
                    format!("expected a stage {{\"duration\": ..., \"target\": ...}}, got {got}"),
                );
                continue;
            };
            let (mut duration, mut target) = (None, None);
            for (key, v) in object {
                let kp = &format!("{p}.{key}");
                match key.as_str() {
                    "duration" => duration = self.duration(kp, v),
                    "target" => target = self.u64(kp, v),
                    _ if top_level => self
                        .warnings
                        .push(format!("{kp}: unknown stage key; ignored")),
                    _ => self.error(kp, "unknown stage key; expected duration and target"),
                }
            }
            let duration_given = object.get("duration").is_some_and(|v| !v.is_null());
            let target_given = object.get("target").is_some_and(|v| !v.is_null());
            if !duration_given && top_level {
                self.warnings.push(format!(
                    "{p}: stage without a duration; ignored (as k6 does)"
                ));
                continue;
            }
            if !duration_given {
                self.error(
                    &format!("{p}.duration"),
                    "missing; every stage needs a duration",
                );
            }
            if !target_given {
                self.error(
                    &format!("{p}.target"),
                    "missing; every stage needs a target",
                );
            }
            if let (Some(duration), Some(target)) = (duration, target) {
                stages.push(Stage { duration, target });
            }
        }
        Some(stages)
    }

    fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                self.error(path, format!("expected an object, got {}", show(other)));
                None
            }
        }
    }

    /// A non-negative integer. Like k6 (guregu/null's `Int`), a string of
    /// digits counts too, and `""` counts as unset.
    fn u64(&mut self, path: &str, value: &Value) -> Option<u64> {
        let parsed = match value {
            Value::Null => return None,
            Value::String(s) if s.is_empty() => return None,
            Value::Number(n) => n
                .as_u64()
                // JavaScript has no integers; accept 10.0 as 10.
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 2f64.powi(53))
                        .map(|f| f as u64)
                }),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                path,
                format!("expected a non-negative integer, got {}", show(value)),
            );
        }
        parsed
    }

    fn u32(&mut self, path: &str, value: &Value) -> Option<u32> {
        let wide = self.u64(path, value)?;
        let narrow = u32::try_from(wide).ok();
        if narrow.is_none() {
            self.error(
                path,
                format!("expected an integer up to {}, got {wide}", u32::MAX),
            );
        }
        narrow
    }

    /// A k6 duration: a string such as `"30s"`, or a number of milliseconds.
    fn duration(&mut self, path: &str, value: &Value) -> Option<Duration> {
        let parsed = match value {
            Value::Null => return None,
            Value::String(s) => parse_duration(s),
            Value::Number(n) => parse_duration(&n.to_string()),
            other => Err(format!(
                "expected a duration such as \"30s\" or a number of milliseconds, got {}",
                show(other)
            )),
        };
        parsed.map_err(|why| self.error(path, why)).ok()
    }

    fn bool(&mut self, path: &str, value: &Value) -> Option<bool> {
        match value {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            other => {
                self.error(path, format!("expected true or false, got {}", show(other)));
                None
            }
        }
    }

    fn string(&mut self, path: &str, value: &Value) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(path, format!("expected a string, got {}", show(other)));
                None
            }
        }
    }

    fn strings(&mut self, path: &str, value: &Value) -> Option<Vec<String>> {
        let items = match value {
            Value::Null => return None,
            Value::Array(items) => items,
            other => {
                self.error(
                    path,
                    format!("expected a list of strings, got {}", show(other)),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.error(
                    &format!("{path}[{i}]"),
                    format!("expected a string, got {}", show(other)),
                ),
            }
        }
        Some(out)
    }

    fn string_map(&mut self, path: &str, value: &Value) -> Option<BTreeMap<String, String>> {
        let object = self.object(path, value)?;
        let mut out = BTreeMap::new();
        for (key, v) in object {
            match v {
                Value::String(s) => {
                    out.insert(key.clone(), s.clone());
                }
                other => self.error(
                    &format!("{path}.{key}"),
                    format!("expected a string, got {}", show(other)),
                ),
            }
        }
        Some(out)
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ConfigError::invalid(path, message));
    }
}

/// A value as JSON, shortened so one error stays on one line.
fn show(value: &Value) -> String {
    const LIMIT: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
