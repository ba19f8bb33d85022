//! `ramping-arrival-rate`: the arrival rate follows stages, linearly within
//! each (see [`super::arrival_rate`]).

use std::time::Duration;

use super::arrival_rate;
use super::{ExecutionTuple, Executor, ScenarioRun, VuSource};
use crate::config::{Fields, Stage, format_duration};
use crate::segment;

/// `ramping-arrival-rate` options.
#[derive(Debug, Clone, PartialEq)]
pub struct RampingArrivalRate {
    /// Iterations per time unit at the start (default 0).
    pub start_rate: u64,
    /// The time unit (default 1s).
    pub time_unit: Duration,
    /// The stages (targets are rates).
    pub stages: Vec<Stage>,
    /// VUs created before the start.
    pub pre_allocated_vus: u64,
    /// VUs it may grow to (default: pre_allocated_vus).
    pub max_vus: u64,
}

impl Executor for RampingArrivalRate {
    const NAME: &'static str = "ramping-arrival-rate";
    const KEYS: &'static [&'static str] = &[
        "startRate",
        "timeUnit",
        "stages",
        "preAllocatedVUs",
        "maxVUs",
    ];

    fn parse(f: &mut Fields<'_>) -> Self {
        let (pre_allocated_vus, max_vus) = arrival_rate::vu_pool(f);
        let start_rate = f.u64("startRate").unwrap_or(0);
        let time_unit = arrival_rate::time_unit(f);
        let none_given = f
            .raw("stages")
            .is_none_or(|v| v.as_array().is_some_and(Vec::is_empty));
        let stages = f.stages("stages").unwrap_or_default();
        if none_given {
            f.fail("stages", "at least one stage has to be specified");
        }
        RampingArrivalRate {
            start_rate,
            time_unit,
            stages,
            pre_allocated_vus,
            max_vus,
        }
    }

    fn describe(&self, et: &ExecutionTuple) -> String {
        let peak = self.stages.iter().map(|s| s.target).max().unwrap_or(0);
        format!(
            "up to {} iterations/{} for {} over {} stages (startRate: {}, maxVUs: {}, preAllocatedVUs: {})",
            peak.max(self.start_rate),
            format_duration(self.time_unit),
            format_duration(self.max_duration()),
            self.stages.len(),
            self.start_rate,
            self.max_vus(et),
            self.initial_vus(et)
        )
    }

    fn initial_vus(&self, et: &ExecutionTuple) -> u64 {
        self.segmented().pre_allocated_vus(et)
    }

    fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        self.segmented().max_vus(et)
    }

    fn max_duration(&self) -> Duration {
        self.stages.iter().map(|s| s.duration).sum()
    }

    fn iteration_tuple(&self, et: &ExecutionTuple) -> Option<ExecutionTuple> {
        self.segmented().iteration_tuple(et).ok()
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let max_vus = self.max_vus(&run.et);
        match self.segmented().ticks(&run.et) {
            Ok(ticks) => arrival_rate::run(run, ticks, self.max_duration(), max_vus).await,
            Err(e) => crate::log::warn(&format!("{}: {e}", run.name)),
        }
    }
}

impl RampingArrivalRate {
    /// The same options in the segment module's terms.
    fn segmented(&self) -> segment::RampingArrivalRate {
        segment::RampingArrivalRate {
            start_rate: self.start_rate,
            time_unit: self.time_unit,
            stages: self
                .stages
                .iter()
                .map(|s| segment::Stage {
                    duration: s.duration,
                    target: s.target,
                })
                .collect(),
            pre_allocated_vus: self.pre_allocated_vus,
            max_vus: self.max_vus.max(self.pre_allocated_vus),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::executor::testing::{Harness, errors, parse};

    #[test]
    fn options_defaults_and_checks() {
        let e = parse::<RampingArrivalRate>(
            r#""preAllocatedVUs": 2, "stages": [{"duration": "10s", "target": 10}]"#,
        );
        assert_eq!(e.start_rate, 0);
        assert_eq!(e.max_vus, 2);
        assert_eq!(e.stages, [Stage::secs(10, 10)]);
        assert_eq!(
            errors::<RampingArrivalRate>(r#""preAllocatedVUs": 1, "stages": []"#),
            ["options.scenarios.s.stages: at least one stage has to be specified"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_ramps_linearly() {
        // 0 → 10/s over 10 s, as k6 plans it: iteration n (from 1) starts
        // when the area under the rate reaches n, at √(2n) s; the 50th
        // would start on the end itself, which k6 races with its deadline
        // and Volley never fires, so 49 run, the 26th at √52 s.
        let h = Harness::new(Duration::from_millis(10));
        let exec = RampingArrivalRate {
            start_rate: 0,
            time_unit: Duration::from_secs(1),
            stages: vec![Stage::secs(10, 10)],
            pre_allocated_vus: 2,
            max_vus: 2,
        };
        let report = h.run(&exec, Duration::from_secs(30)).await;
        assert_eq!(report.iterations(), 49);
        let t = report.started[25].at.as_secs_f64();
        assert!((t - 52f64.sqrt()).abs() < 1e-3, "{t}");
    }
}
