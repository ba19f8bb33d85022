//! One scenario, from raw [`ScenarioOptions`] to a [`ScenarioPlan`], with
//! each executor's defaults, required options and checks as k6 has them
//! (`lib/executor/*.go`, the `Validate` method of each config).

use std::time::Duration;

use super::duration::format_duration;
use super::error::ConfigError;
use super::options::ScenarioOptions;
use super::plan::{ExecutorConfig, ScenarioPlan, Stage};

/// k6's sanity limit on VUs of `ramping-vus` (`maxConcurrentVUs`).
pub(super) const MAX_VUS: u64 = 100_000_000;
/// k6's shortest `duration` / `maxDuration` (`minDuration`).
const MIN_DURATION: Duration = Duration::from_secs(1);
const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(10 * 60);
const DEFAULT_GRACEFUL: Duration = Duration::from_secs(30);
const DEFAULT_TIME_UNIT: Duration = Duration::from_secs(1);

const EXECUTORS: &str = "constant-vus, ramping-vus, per-vu-iterations, shared-iterations, \
     constant-arrival-rate, ramping-arrival-rate";

/// The executors Volley runs, by k6 name.
#[derive(Clone, Copy)]
enum Kind {
    ConstantVus,
    PerVuIterations,
    SharedIterations,
    RampingVus,
    ConstantArrivalRate,
    RampingArrivalRate,
}

impl Kind {
    fn from_name(name: &str) -> Result<Kind, String> {
        Ok(match name {
            "constant-vus" => Kind::ConstantVus,
            "per-vu-iterations" => Kind::PerVuIterations,
            "shared-iterations" => Kind::SharedIterations,
            "ramping-vus" => Kind::RampingVus,
            "constant-arrival-rate" => Kind::ConstantArrivalRate,
            "ramping-arrival-rate" => Kind::RampingArrivalRate,
            "externally-controlled" => {
                return Err(
                    "the externally-controlled executor is not supported by volley; \
                     use ramping-vus with stages instead"
                        .to_string(),
                );
            }
            other => {
                return Err(format!(
                    "unknown executor \"{other}\"; expected one of {EXECUTORS}"
                ));
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::ConstantVus => "constant-vus",
            Kind::PerVuIterations => "per-vu-iterations",
            Kind::SharedIterations => "shared-iterations",
            Kind::RampingVus => "ramping-vus",
            Kind::ConstantArrivalRate => "constant-arrival-rate",
            Kind::RampingArrivalRate => "ramping-arrival-rate",
        }
    }

    /// The executor-specific keys k6 accepts for this executor.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::ConstantVus => &["vus", "duration"],
            Kind::PerVuIterations | Kind::SharedIterations => &["vus", "iterations", "maxDuration"],
            Kind::RampingVus => &["startVUs", "stages", "gracefulRampDown"],
            Kind::ConstantArrivalRate => {
                &["rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"]
            }
            Kind::RampingArrivalRate => &[
                "startRate",
                "timeUnit",
                "stages",
                "preAllocatedVUs",
                "maxVUs",
            ],
        }
    }
}

/// Resolves one scenario. `path(key)` names where `key` came from (k6
/// name, `""` for the whole scenario), so that errors of shortcut options
/// point at `options.vus` rather than at a scenario the user never wrote.
pub(super) fn resolve(
    name: &str,
    s: &ScenarioOptions,
    path: &dyn Fn(&str) -> String,
    errors: &mut Vec<ConfigError>,
) -> Option<ScenarioPlan> {
    let mut check = Checker {
        path,
        errors,
        ok: true,
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_name {
        check.fail(
            "",
            "the scenario name may contain only latin letters, digits, `_` and `-`".into(),
        );
    }
    if s.exec.as_deref() == Some("") {
        check.fail("exec", "must not be empty".into());
    }
    let kind = match s.executor.as_deref().map(Kind::from_name) {
        None => {
            check.fail("executor", format!("missing; expected one of {EXECUTORS}"));
            None
        }
        Some(Err(why)) => {
            check.fail("executor", why);
            None
        }
        Some(Ok(kind)) => Some(kind),
    };
    let kind = kind?;
    for key in s.executor_keys() {
        if !kind.keys().contains(&key) {
            let takes = kind.keys().join(", ");
            check.fail(
                key,
                format!(
                    "not an option of the {} executor (it takes {takes})",
                    kind.name()
                ),
            );
        }
    }
    let executor = executor(kind, s, &mut check);
    if !check.ok {
        return None;
    }
    Some(ScenarioPlan {
        name: name.to_string(),
        executor,
        start_time: s.start_time.unwrap_or_default(),
        graceful_stop: s.graceful_stop.unwrap_or(DEFAULT_GRACEFUL),
        exec: s.exec.clone().unwrap_or_else(|| "default".to_string()),
        env: s.env.clone().unwrap_or_default(),
        tags: s.tags.clone().unwrap_or_default(),
    })
}

/// The executor's config with k6's defaults, checked as k6 checks it.
fn executor(kind: Kind, s: &ScenarioOptions, check: &mut Checker<'_>) -> ExecutorConfig {
    match kind {
        Kind::ConstantVus => {
            let duration = check.required("duration", s.duration);
            ExecutorConfig::ConstantVus {
                vus: check.positive("vus", s.vus.unwrap_or(1)),
                duration: check.long_enough("duration", duration),
            }
        }
        Kind::PerVuIterations => ExecutorConfig::PerVuIterations {
            vus: check.positive("vus", s.vus.unwrap_or(1)),
            iterations: check.positive("iterations", s.iterations.unwrap_or(1)),
            max_duration: check
                .long_enough("maxDuration", s.max_duration.or(Some(DEFAULT_MAX_DURATION))),
        },
        Kind::SharedIterations => {
            let vus = check.positive("vus", s.vus.unwrap_or(1));
            let iterations = s.iterations.unwrap_or(1);
            if iterations < vus {
                let message = format!(
                    "{iterations} iterations can't be fewer than the {vus} VUs sharing them"
                );
                check.fail("iterations", message);
            }
            ExecutorConfig::SharedIterations {
                vus,
                iterations,
                max_duration: check
                    .long_enough("maxDuration", s.max_duration.or(Some(DEFAULT_MAX_DURATION))),
            }
        }
        Kind::RampingVus => {
            let start_vus = s.start_vus.unwrap_or(1);
            if start_vus > MAX_VUS {
                check.fail("startVUs", format!("exceeds the limit of {MAX_VUS} VUs"));
            }
            let stages = check.stages(s.stages.as_deref(), Some(MAX_VUS));
            let peak = stages
                .iter()
                .map(|st| st.target)
                .max()
                .unwrap_or(0)
                .max(start_vus);
            if !stages.is_empty() && peak == 0 {
                check.fail(
                    "stages",
                    "either startVUs or one of the stages' targets must be more than 0".into(),
                );
            }
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down: s.graceful_ramp_down.unwrap_or(DEFAULT_GRACEFUL),
            }
        }
        Kind::ConstantArrivalRate => {
            let rate = check
                .required("rate", s.rate)
                .map_or(0, |r| check.positive("rate", r));
            let duration = check.required("duration", s.duration);
            let (pre_allocated_vus, max_vus) = check.vu_pool(s);
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit: check.time_unit(s.time_unit),
                duration: check.long_enough("duration", duration),
                pre_allocated_vus,
                max_vus,
            }
        }
        Kind::RampingArrivalRate => {
            let (pre_allocated_vus, max_vus) = check.vu_pool(s);
            ExecutorConfig::RampingArrivalRate {
                start_rate: s.start_rate.unwrap_or(0),
                time_unit: check.time_unit(s.time_unit),
                stages: check.stages(s.stages.as_deref(), None),
                pre_allocated_vus,
                max_vus,
            }
        }
    }
}

/// Records errors against the keys they concern.
struct Checker<'a> {
    path: &'a dyn Fn(&str) -> String,
    errors: &'a mut Vec<ConfigError>,
    ok: bool,
}

impl Checker<'_> {
    fn fail(&mut self, key: &str, message: String) {
        self.ok = false;
        self.errors
            .push(ConfigError::invalid((self.path)(key), message));
    }

    fn required<T>(&mut self, key: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.fail(key, "missing; this executor needs it".into());
        }
        value
    }

    fn positive(&mut self, key: &str, value: u64) -> u64 {
        if value == 0 {
            self.fail(key, "must be more than 0".into());
        }
        value
    }

    /// k6 refuses scenario durations under one second. `None` (already
    /// reported as missing) gives a zero duration that is never used.
    fn long_enough(&mut self, key: &str, value: Option<Duration>) -> Duration {
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

    fn time_unit(&mut self, value: Option<Duration>) -> Duration {
        let value = value.unwrap_or(DEFAULT_TIME_UNIT);
        if value.is_zero() {
            self.fail("timeUnit", "must be more than 0".into());
        }
        value
    }

    /// `preAllocatedVUs` (required) and `maxVUs` (default: the former).
    fn vu_pool(&mut self, s: &ScenarioOptions) -> (u64, u64) {
        let pre = self
            .required("preAllocatedVUs", s.pre_allocated_vus)
            .unwrap_or(0);
        let max = s.max_vus.unwrap_or(pre);
        if max < pre {
            self.fail(
                "maxVUs",
                format!("{max} can't be less than preAllocatedVUs ({pre})"),
            );
        }
        (pre, max)
    }

    fn stages(&mut self, stages: Option<&[Stage]>, max_target: Option<u64>) -> Vec<Stage> {
        let stages = stages.unwrap_or_default();
        if stages.is_empty() {
            self.fail("stages", "at least one stage has to be specified".into());
        }
        for (i, stage) in stages.iter().enumerate() {
            if let Some(max) = max_target.filter(|max| stage.target > *max) {
                self.fail(
                    &format!("stages[{i}].target"),
                    format!("exceeds the limit of {max} VUs"),
                );
            }
        }
        stages.to_vec()
    }
}
