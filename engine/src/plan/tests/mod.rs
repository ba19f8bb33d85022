//! Behaviour of plan resolution through its public API: k6's shortcut
//! rules, layered merges, each executor's options in a scenario, and
//! validation of the whole.

mod executors;
mod merge;
mod shortcuts;
mod validation;

use std::collections::BTreeMap;

use crate::config::{ConfigErrors, Options};
use crate::plan::{Plan, ScenarioPlan, resolve as resolve_plan};

/// Reads `json` as one layer, failing the test on parse errors.
fn options(json: &str) -> Options {
    match Options::from_json(json) {
        Ok((options, _warnings)) => options,
        Err(errors) => panic!("options should parse:\n{errors}"),
    }
}

/// Reads and resolves `json` with no `--env` values.
fn resolve(json: &str) -> Result<Plan, ConfigErrors> {
    resolve_plan(&options(json), BTreeMap::new())
}

/// The plan of `json`, failing the test on errors.
fn plan(json: &str) -> Plan {
    match resolve(json) {
        Ok(plan) => plan,
        Err(errors) => panic!("options should resolve:\n{errors}"),
    }
}

/// The only scenario of `json`'s plan.
fn only_scenario(json: &str) -> ScenarioPlan {
    let mut plan = plan(json);
    assert_eq!(
        plan.scenarios.len(),
        1,
        "one scenario expected: {:?}",
        plan.scenarios
    );
    plan.scenarios.remove(0)
}

/// The resolve errors of `json`, one string per error.
fn resolve_errors(json: &str) -> Vec<String> {
    match resolve(json) {
        Ok(plan) => panic!("options should not resolve, got {plan:?}"),
        Err(errors) => errors.errors().iter().map(ToString::to_string).collect(),
    }
}
