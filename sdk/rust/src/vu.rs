//! The virtual user: checks, sleeps, groups, logging, environment, identity,
//! randomness and aborting the test.

use std::time::Duration;

use crate::bindings::volley::scenario::vu as wit;

pub use wit::LogLevel;

/// Record a check in the `checks` metric and return `ok`.
///
/// A failed check does not stop the iteration, as in k6. Checks are
/// buffered in the scenario and delivered in batches, each with the time
/// it was made.
pub fn check(name: &str, ok: bool) -> bool {
    crate::record::check(name, ok, &[]);
    ok
}

/// Record a check with extra tags.
pub fn check_tagged(name: &str, ok: bool, tags: &[(&str, &str)]) -> bool {
    crate::record::check(name, ok, tags);
    ok
}

/// Pause this virtual user. No thread is held while it sleeps.
pub fn sleep(duration: Duration) {
    crate::record::flush();
    wit::sleep(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX));
}

/// Run `f` inside group `name`: its requests and checks are tagged
/// `group:::name` (nested groups join with `::`), as in k6; the time it
/// takes is recorded in `group_duration`.
pub fn group<R>(name: &str, f: impl FnOnce() -> R) -> R {
    struct Exit;
    impl Drop for Exit {
        fn drop(&mut self) {
            crate::record::flush();
            wit::exit_group();
        }
    }
    crate::record::flush();
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

/// What k6's `k6/execution` module tells a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// `vu.idInInstance`: the VU's number in this process, from 1.
    pub vu_id_in_instance: u32,
    /// `vu.idInTest`: its number in the whole (possibly split) test.
    pub vu_id_in_test: u32,
    /// `vu.iterationInInstance`: this VU's iteration, from 0.
    pub vu_iteration_in_instance: u64,
    /// `vu.iterationInScenario`.
    pub vu_iteration_in_scenario: u64,
    /// `scenario.name`.
    pub scenario_name: String,
    /// `scenario.executor`.
    pub scenario_executor: String,
    /// `scenario.startTime`: milliseconds since the Unix epoch.
    pub scenario_start_time: u64,
    /// `scenario.progress`: 0 to 1.
    pub scenario_progress: f64,
    /// `scenario.iterationInInstance`.
    pub scenario_iteration_in_instance: u64,
    /// `scenario.iterationInTest`.
    pub scenario_iteration_in_test: u64,
    /// `instance.vusInitialized`.
    pub instance_vus_initialized: u64,
    /// `instance.vusActive`.
    pub instance_vus_active: u64,
    /// `instance.iterationsCompleted`.
    pub instance_iterations_completed: u64,
    /// `instance.iterationsInterrupted`.
    pub instance_iterations_interrupted: u64,
    /// `instance.currentTestRunDuration`.
    pub instance_current_test_run_duration: Duration,
    /// `test.options`: the resolved options as JSON.
    pub test_options: String,
}

/// The execution state now (k6's `k6/execution`).
pub fn execution() -> Execution {
    let e = wit::execution();
    Execution {
        vu_id_in_instance: e.vu_id_in_instance,
        vu_id_in_test: e.vu_id_in_test,
        vu_iteration_in_instance: e.vu_iteration_in_instance,
        vu_iteration_in_scenario: e.vu_iteration_in_scenario,
        scenario_name: e.scenario_name,
        scenario_executor: e.scenario_executor,
        scenario_start_time: e.scenario_start_time,
        scenario_progress: e.scenario_progress,
        scenario_iteration_in_instance: e.scenario_iteration_in_instance,
        scenario_iteration_in_test: e.scenario_iteration_in_test,
        instance_vus_initialized: e.instance_vus_initialized,
        instance_vus_active: e.instance_vus_active,
        instance_iterations_completed: e.instance_iterations_completed,
        instance_iterations_interrupted: e.instance_iterations_interrupted,
        instance_current_test_run_duration: Duration::from_nanos(
            e.instance_current_test_run_duration,
        ),
        test_options: e.test_options,
    }
}

/// Tag every sample this VU records from now on, across iterations (k6's
/// `exec.vu.tags[key] = value`).
pub fn set_tag(key: &str, value: &str) {
    crate::record::flush();
    wit::set_tag(key, value);
}

/// Remove a tag set with [`set_tag`].
pub fn delete_tag(key: &str) {
    crate::record::flush();
    wit::delete_tag(key);
}

/// The tags this VU adds to its samples: the run's, the scenario's and
/// those set with [`set_tag`].
pub fn tags() -> Vec<(String, String)> {
    wit::get_tags()
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
    crate::record::flush();
    wit::abort(reason);
    unreachable!("the engine does not return from abort")
}
