//! Behaviour of the config module through its public API: one file per
//! step (reading durations, JSON, the environment).

mod durations;
mod env;
mod json;

use crate::config::Options;

/// Reads `json` as one layer, failing the test on parse errors.
fn options(json: &str) -> Options {
    match Options::from_json(json) {
        Ok((options, _warnings)) => options,
        Err(errors) => panic!("options should parse:\n{errors}"),
    }
}

/// The parse errors of `json`, one string per error.
fn parse_errors(json: &str) -> Vec<String> {
    match Options::from_json(json) {
        Ok(parsed) => panic!("options should not parse, got {parsed:?}"),
        Err(errors) => errors.errors().iter().map(ToString::to_string).collect(),
    }
}
