//! Reading k6's options JSON into [`Options`].
//!
//! The JSON is walked by hand rather than through `#[derive(Deserialize)]`:
//! serde stops at the first bad value, while k6 users expect every problem
//! reported at once, each with its key path.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::error::{ConfigError, ConfigErrors};
use super::options::{Options, ScenarioOptions};
use super::stage::Stage;
use super::value::{self, show, stages};

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
                "stages" => o.stages = self.stages(p, v),
                "scenarios" => o.scenarios = self.scenarios(p, v),
                "thresholds" => o.thresholds = self.object(p, v).cloned(),
                "setupTimeout" => o.setup_timeout = self.duration(p, v),
                "teardownTimeout" => o.teardown_timeout = self.duration(p, v),
                "handleSummaryTimeout" => o.handle_summary_timeout = self.duration(p, v),
                "initTimeout" => o.init_timeout = self.duration(p, v),
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
                "executionSegment" => o.execution_segment = self.string(p, v),
                "executionSegmentSequence" => o.execution_segment_sequence = self.string(p, v),
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
                "startTime" => s.start_time = self.duration(p, v),
                "gracefulStop" => s.graceful_stop = self.duration(p, v),
                "exec" => s.exec = self.string(p, v),
                "env" => s.env = self.string_map(p, v),
                "tags" => s.tags = self.string_map(p, v),
                // k6's browser options; the key is valid k6, so only warn.
                "options" => self.warnings.push(format!(
                    "{p}: per-scenario options are not supported by volley yet; ignored"
                )),
                // The executor's own options: read by the executor, which
                // knows their types and which of them it takes.
                _ if !v.is_null() => {
                    s.fields.insert(key.clone(), v.clone());
                }
                _ => {}
            }
        }
        Some(s)
    }

    fn stages(&mut self, path: &str, value: &Value) -> Option<Vec<Stage>> {
        stages(path, value, true, &mut self.errors, &mut self.warnings)
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

    fn u64(&mut self, path: &str, value: &Value) -> Option<u64> {
        value::u64(value)
            .map_err(|why| self.error(path, why))
            .ok()
            .flatten()
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

    fn duration(&mut self, path: &str, value: &Value) -> Option<Duration> {
        value::duration(value)
            .map_err(|why| self.error(path, why))
            .ok()
            .flatten()
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
