//! The virtual user: checks, sleeps, groups, logging, environment, identity,
//! randomness and aborting the test.

use std::time::Duration;

use crate::bindings::volley::scenario::vu as wit;

pub use wit::LogLevel;

/// Record a check in the `checks` metric and return `ok`.
///
/// A failed check does not stop the iteration, as in k6.
pub fn check(name: &str, ok: bool) -> bool {
    wit::check(name, ok, &[])
}

/// Record a check with extra tags.
pub fn check_tagged(name: &str, ok: bool, tags: &[(&str, &str)]) -> bool {
    let tags: Vec<(String, String)> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    wit::check(name, ok, &tags)
}

/// Pause this virtual user. No thread is held while it sleeps.
pub fn sleep(duration: Duration) {
    wit::sleep(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX));
}

/// Run `f` inside group `name`: its requests and checks are tagged
/// `group:::name` (nested groups join with `::`), as in k6.
pub fn group<R>(name: &str, f: impl FnOnce() -> R) -> R {
    struct Exit;
    impl Drop for Exit {
        fn drop(&mut self) {
            wit::exit_group();
        }
    }
    wit::enter_group(name);
    let _exit = Exit;
    f()
}

/// Write a line to the engine's log.
pub fn log(level: LogLevel, message: &str) {
    wit::log(level, message);
}

/// A run variable given with `--env KEY=VALUE`.
pub fn env(key: &str) -> Option<String> {
    wit::env(key)
}

/// Who and where this virtual user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The VU number, from 1 (k6's `__VU`).
    pub id: u32,
    /// This VU's iteration, from 0 (k6's `__ITER`).
    pub iteration: u64,
    /// The iteration across the scenario, from 0.
    pub iteration_in_scenario: u64,
    /// The scenario's name.
    pub scenario: String,
    /// Time since the test started.
    pub elapsed: Duration,
}

/// Describe the current virtual user and iteration.
pub fn info() -> Info {
    let i = wit::info();
    Info {
        id: i.id,
        iteration: i.iteration,
        iteration_in_scenario: i.iteration_in_scenario,
        scenario: i.scenario,
        elapsed: Duration::from_nanos(i.elapsed),
    }
}

/// A random u64 from this VU's seeded stream.
pub fn random_u64() -> u64 {
    wit::random()
}

/// A random number in `0..n` (`n` > 0) from this VU's seeded stream.
pub fn random_below(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Lemire's multiply-shift: unbiased enough for load-test choices.
    ((u128::from(wit::random()) * u128::from(n)) >> 64) as u64
}

/// A random float in `[0, 1)` from this VU's seeded stream.
pub fn random_f64() -> f64 {
    (wit::random() >> 11) as f64 / (1u64 << 53) as f64
}

/// Stop the whole test now (exit code 108). Does not return.
pub fn abort(reason: &str) -> ! {
    wit::abort(reason);
    unreachable!("the engine does not return from abort")
}
