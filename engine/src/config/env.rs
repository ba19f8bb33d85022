//! The environment layer: `VOLLEY_*` variables, Volley's names for k6's
//! `K6_*` ones (`VOLLEY_VUS` for `K6_VUS`, ...).

use std::str::FromStr;

use super::duration::parse_duration;
use super::error::{ConfigError, ConfigErrors};
use super::options::Options;
use super::stage::{Stage, parse_stage};

impl Options {
    /// Reads the `VOLLEY_*` variables among `vars` (usually
    /// `std::env::vars()`), and k6's `K6_*` names for the same options
    /// (`K6_VUS` as `VOLLEY_VUS`, ...) so a k6 CI job's environment works
    /// unchanged; a `VOLLEY_*` variable wins over its `K6_*` twin. Other
    /// variables are ignored. An empty value counts as unset, as it does
    /// for k6. Every bad value is reported, named by its variable.
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> Result<Options, ConfigErrors> {
        let vars: Vec<(String, String)> = vars.filter(|(_, v)| !v.is_empty()).collect();
        let volley_set = |key: &str| vars.iter().any(|(n, _)| n == key);
        let mut o = Options::default();
        let mut errors = Vec::new();
        for (name, value) in &vars {
            let key = match name.strip_prefix("K6_") {
                Some(rest) => {
                    let key = format!("VOLLEY_{rest}");
                    if volley_set(&key) {
                        continue;
                    }
                    key
                }
                None if name.starts_with("VOLLEY_") => name.clone(),
                None => continue,
            };
            let mut field = EnvField {
                name,
                value: value.trim(),
                errors: &mut errors,
            };
            match key.as_str() {
                "VOLLEY_VUS" => o.vus = field.number("a non-negative integer"),
                "VOLLEY_DURATION" => o.duration = field.duration(),
                "VOLLEY_ITERATIONS" => o.iterations = field.number("a non-negative integer"),
                "VOLLEY_STAGES" => o.stages = field.stages(),
                "VOLLEY_USER_AGENT" => o.user_agent = Some(value.clone()),
                "VOLLEY_INSECURE_SKIP_TLS_VERIFY" => o.insecure_skip_tls_verify = field.bool(),
                "VOLLEY_MAX_REDIRECTS" => o.max_redirects = field.number("a non-negative integer"),
                "VOLLEY_SETUP_TIMEOUT" => o.setup_timeout = field.duration(),
                "VOLLEY_TEARDOWN_TIMEOUT" => o.teardown_timeout = field.duration(),
                "VOLLEY_HANDLE_SUMMARY_TIMEOUT" => o.handle_summary_timeout = field.duration(),
                "VOLLEY_INIT_TIMEOUT" => o.init_timeout = field.duration(),
                "VOLLEY_SUMMARY_TREND_STATS" => o.summary_trend_stats = Some(field.list()),
                "VOLLEY_BLACKLIST_IPS" => o.blacklist_ips = Some(field.list()),
                "VOLLEY_BLOCK_HOSTNAMES" => o.block_hostnames = Some(field.list()),
                "VOLLEY_HTTP_TIMEOUT" => o.http_timeout = field.duration(),
                "VOLLEY_DISCARD_RESPONSE_BODIES" => o.discard_response_bodies = field.bool(),
                "VOLLEY_SEED" => o.seed = field.number("a non-negative integer"),
                "VOLLEY_EXECUTION_SEGMENT" => o.execution_segment = Some(value.clone()),
                "VOLLEY_EXECUTION_SEGMENT_SEQUENCE" => {
                    o.execution_segment_sequence = Some(value.clone())
                }
                "VOLLEY_NO_SETUP" => o.no_setup = field.bool(),
                "VOLLEY_NO_TEARDOWN" => o.no_teardown = field.bool(),
                // Other VOLLEY_* variables belong to other parts (logging, ...).
                _ => {}
            }
        }
        ConfigErrors::check(errors, o)
    }
}

/// One variable being read; errors are named by the variable.
struct EnvField<'a> {
    name: &'a str,
    value: &'a str,
    errors: &'a mut Vec<ConfigError>,
}

impl EnvField<'_> {
    fn fail<T>(&mut self, message: String) -> Option<T> {
        self.errors.push(ConfigError::invalid(self.name, message));
        None
    }

    fn number<T: FromStr>(&mut self, expected: &str) -> Option<T> {
        match self.value.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let message = format!("expected {expected}, got \"{}\"", self.value);
                self.fail(message)
            }
        }
    }

    fn duration(&mut self) -> Option<std::time::Duration> {
        match parse_duration(self.value) {
            Ok(d) => Some(d),
            Err(why) => self.fail(why),
        }
    }

    /// The spellings Go's `strconv.ParseBool` accepts, as k6 reads `K6_*`.
    fn bool(&mut self) -> Option<bool> {
        match self.value {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
            other => {
                let message = format!("expected true or false, got \"{other}\"");
                self.fail(message)
            }
        }
    }

    /// Comma-separated, as k6 reads list variables.
    fn list(&mut self) -> Vec<String> {
        self.value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// `"30s:10,1m:20"`: comma-separated stages.
    fn stages(&mut self) -> Option<Vec<Stage>> {
        let mut stages = Vec::new();
        let mut ok = true;
        for part in self
            .value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match parse_stage(part) {
                Ok(stage) => stages.push(stage),
                Err(why) => {
                    ok = false;
                    self.errors.push(ConfigError::invalid(self.name, why));
                }
            }
        }
        ok.then_some(stages)
    }
}
