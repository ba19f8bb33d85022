//! The reader an executor reads its own options of one scenario with:
//! typed values with k6's spellings, k6's common checks, and every problem
//! recorded against the key path the user wrote, reading on after each.

use std::time::Duration;

use serde_json::{Map, Value};

use super::duration::format_duration;
use super::error::ConfigError;
use super::stage::Stage;
use super::value;

/// k6's shortest `duration` / `maxDuration` (`minDuration`).
pub const MIN_DURATION: Duration = Duration::from_secs(1);

/// One scenario's executor options, as given, and where errors go.
pub struct Fields<'a> {
    raw: &'a Map<String, Value>,
    path: &'a dyn Fn(&str) -> String,
    errors: &'a mut Vec<ConfigError>,
    ok: bool,
}

impl<'a> Fields<'a> {
    /// A reader over `raw`; `path(key)` names where `key` came from (`""`
    /// for the whole scenario), so that errors of shortcut options point at
    /// `options.vus` rather than at a scenario the user never wrote.
    pub fn new(
        raw: &'a Map<String, Value>,
        path: &'a dyn Fn(&str) -> String,
        errors: &'a mut Vec<ConfigError>,
    ) -> Self {
        Self {
            raw,
            path,
            errors,
            ok: true,
        }
    }

    /// Whether nothing failed so far.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// The value given for `key`, as JSON.
    pub fn raw(&self, key: &str) -> Option<&'a serde_json::Value> {
        self.raw.get(key)
    }

    /// The keys that were given.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.raw.keys().map(String::as_str)
    }

    /// Record a problem with `key`.
    pub fn fail(&mut self, key: &str, message: impl Into<String>) {
        self.ok = false;
        self.errors
            .push(ConfigError::invalid((self.path)(key), message));
    }

    fn read<T>(&mut self, key: &str, f: impl Fn(&Value) -> Result<Option<T>, String>) -> Option<T> {
        let v = self.raw.get(key)?;
        match f(v) {
            Ok(v) => v,
            Err(why) => {
                self.fail(key, why);
                None
            }
        }
    }

    /// A non-negative integer.
    pub fn u64(&mut self, key: &str) -> Option<u64> {
        self.read(key, value::u64)
    }

    /// A duration.
    pub fn duration(&mut self, key: &str) -> Option<Duration> {
        self.read(key, value::duration)
    }

    /// A list of stages, each with a duration and a target.
    pub fn stages(&mut self, key: &str) -> Option<Vec<Stage>> {
        let v = self.raw.get(key)?;
        let before = self.errors.len();
        let mut ignored = Vec::new();
        let stages = value::stages(&(self.path)(key), v, false, self.errors, &mut ignored);
        if self.errors.len() > before {
            self.ok = false;
        }
        stages
    }

    /// `value`, or an error that `key` is missing.
    pub fn required<T>(&mut self, key: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.fail(key, "missing; this executor needs it");
        }
        value
    }

    /// `value`, or an error when it is 0.
    pub fn positive(&mut self, key: &str, value: u64) -> u64 {
        if value == 0 {
            self.fail(key, "must be more than 0");
        }
        value
    }

    /// k6 refuses scenario durations under one second. `None` (already
    /// reported as missing) gives a zero duration that is never used.
    pub fn long_enough(&mut self, key: &str, value: Option<Duration>) -> Duration {
        let Some(value) = value else {
            return Duration::ZERO;
        };
        if value < MIN_DURATION {
            let message = format!(
                "must be at least {}, got {}",
                format_duration(MIN_DURATION),
                format_duration(value)
            );
            self.fail(key, message);
        }
        value
    }
}
