//! The periods a plan has before it runs: each stage of a ramping
//! executor, and each other scenario whole.

use super::{Load, Spec};
use crate::config::Stage;
use crate::executor::{ExecutorConfig, ScenarioPlan};
use crate::plan::Plan;

/// One period per stage of a ramping scenario `s`, from `start` (its
/// `startVUs` or `startRate`), each offering `load(from, target)`. A stage
/// of no length is a jump, not a period.
fn ramps(
    s: &ScenarioPlan,
    start: u64,
    stages: &[Stage],
    load: impl Fn(u64, u64) -> Load,
    out: &mut Vec<Spec>,
) {
    let mut at = s.start_time;
    let mut from = start;
    for stage in stages {
        if !stage.duration.is_zero() {
            out.push(Spec {
                scenario: s.name.clone(),
                name: stage.name.clone(),
                executor: s.executor.name().to_string(),
                load: load(from, stage.target),
                offset: at,
                duration: stage.duration,
                step: None,
            });
            at += stage.duration;
        }
        from = stage.target;
    }
}

/// Every period of `plan`, in the order they start (plan order among
/// equal starts). A `capacity-search` scenario is one placeholder: its
/// steps are made while it runs.
pub(crate) fn periods(plan: &Plan) -> Vec<Spec> {
    let many = plan.scenarios.len() > 1;
    let mut out = Vec::new();
    for s in &plan.scenarios {
        let whole = |load: Load| Spec {
            scenario: s.name.clone(),
            name: many.then(|| s.name.clone()),
            executor: s.executor.name().to_string(),
            load,
            offset: s.start_time,
            duration: s.executor.max_duration(),
            step: None,
        };
        match &s.executor {
            ExecutorConfig::RampingVus(e) => {
                ramps(s, e.start_vus, &e.stages, Load::vus, &mut out);
            }
            ExecutorConfig::RampingArrivalRate(e) => {
                let unit = e.time_unit;
                ramps(
                    s,
                    e.start_rate,
                    &e.stages,
                    |from, to| Load::ramp(from, to, unit),
                    &mut out,
                );
            }
            ExecutorConfig::ConstantVus(e) => out.push(whole(Load::vus(e.vus, e.vus))),
            ExecutorConfig::PerVuIterations(e) => out.push(whole(Load::vus(e.vus, e.vus))),
            ExecutorConfig::SharedIterations(e) => out.push(whole(Load::vus(e.vus, e.vus))),
            ExecutorConfig::ConstantArrivalRate(e) => {
                out.push(whole(Load::rate(e.rate as f64, e.time_unit)))
            }
            ExecutorConfig::CapacitySearch(e) => {
                out.push(whole(Load::rate(e.start_rate as f64, e.time_unit)))
            }
        }
    }
    out.sort_by_key(|p| p.offset);
    out
}

/// Whether a scenario of `plan` searches for capacity.
pub(crate) fn has_capacity_search(plan: &Plan) -> bool {
    plan.scenarios
        .iter()
        .any(|s| matches!(s.executor, ExecutorConfig::CapacitySearch(_)))
}

/// The planned periods that are numbered before the run (a capacity
/// search's steps are not).
pub(crate) fn numbered(specs: &[super::Spec]) -> Vec<&super::Spec> {
    specs
        .iter()
        .filter(|s| s.executor != "capacity-search")
        .collect()
}
