//! `constant-arrival-rate`: start `rate` iterations per `timeUnit` for a
//! duration, whatever the target's latency (see [`super::arrival_rate`]).

use std::time::Duration;

use super::arrival_rate::{self, Schedule};
use super::{Executor, ScenarioRun, VuSource};
use crate::config::{Fields, Stage, format_duration};

/// `constant-arrival-rate` options.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstantArrivalRate {
    /// Iterations per time unit.
    pub rate: u64,
    /// The time unit (default 1s).
    pub time_unit: Duration,
    /// How long.
    pub duration: Duration,
    /// VUs created before the start.
    pub pre_allocated_vus: u64,
    /// VUs it may grow to (default: pre_allocated_vus).
    pub max_vus: u64,
}

impl Executor for ConstantArrivalRate {
    const NAME: &'static str = "constant-arrival-rate";
    const KEYS: &'static [&'static str] =
        &["rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"];

    fn parse(f: &mut Fields<'_>) -> Self {
        let rate = f.u64("rate");
        let rate = f
            .required("rate", rate)
            .map_or(0, |r| f.positive("rate", r));
        let duration = f.duration("duration");
        let duration = f.required("duration", duration);
        let (pre_allocated_vus, max_vus) = arrival_rate::vu_pool(f);
        ConstantArrivalRate {
            rate,
            time_unit: arrival_rate::time_unit(f),
            duration: f.long_enough("duration", duration),
            pre_allocated_vus,
            max_vus,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} iterations/{} for {} (maxVUs: {}, preAllocatedVUs: {})",
            self.rate,
            format_duration(self.time_unit),
            format_duration(self.duration),
            self.max_vus,
            self.pre_allocated_vus
        )
    }

    fn initial_vus(&self) -> u64 {
        self.pre_allocated_vus
    }

    fn max_vus(&self) -> u64 {
        self.max_vus.max(self.pre_allocated_vus)
    }

    fn max_duration(&self) -> Duration {
        self.duration
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let stage = Stage {
            duration: self.duration,
            target: self.rate,
            name: None,
        };
        let schedule = Schedule::new(self.rate, self.time_unit, &[stage]);
        arrival_rate::run(run, schedule, self.max_vus()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::executor::testing::{Harness, errors, parse};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn options_defaults_and_checks() {
        assert_eq!(
            parse::<ConstantArrivalRate>(r#""rate": 10, "duration": "1m", "preAllocatedVUs": 5"#),
            ConstantArrivalRate {
                rate: 10,
                time_unit: Duration::from_secs(1),
                duration: Duration::from_secs(60),
                pre_allocated_vus: 5,
                max_vus: 5,
            }
        );
        assert_eq!(
            errors::<ConstantArrivalRate>(r#""maxVUs": 1, "preAllocatedVUs": 2, "timeUnit": "0s""#),
            [
                "options.scenarios.s.rate: missing; this executor needs it",
                "options.scenarios.s.duration: missing; this executor needs it",
                "options.scenarios.s.maxVUs: 1 can't be less than preAllocatedVUs (2)",
                "options.scenarios.s.timeUnit: must be more than 0",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn iterations_start_on_schedule_whatever_their_length() {
        // 10/s for 1 s with 5 VUs of 300 ms iterations: every start is on
        // the 100 ms grid, none waits for a slow iteration.
        let h = Harness::new(ms(300));
        let exec = ConstantArrivalRate {
            rate: 10,
            time_unit: Duration::from_secs(1),
            duration: Duration::from_secs(1),
            pre_allocated_vus: 5,
            max_vus: 5,
        };
        let report = h.run(&exec, Duration::from_secs(30)).await;
        assert_eq!(
            report.starts(),
            (0..10).map(|i| ms(i * 100)).collect::<Vec<_>>()
        );
        assert_eq!(report.dropped, 0.0);
        assert_eq!(report.ended, ms(1200));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_free_vu_an_iteration_is_dropped_and_the_pool_grows() {
        // 10/s, iterations of 250 ms, 1 VU pre-allocated, up to 2: the
        // first busy tick is dropped and a second VU is created.
        let h = Harness::new(ms(250));
        let exec = ConstantArrivalRate {
            rate: 10,
            time_unit: Duration::from_secs(1),
            duration: Duration::from_secs(1),
            pre_allocated_vus: 1,
            max_vus: 2,
        };
        let report = h.run(&exec, Duration::from_secs(30)).await;
        assert_eq!(report.grown, 1);
        assert!(report.dropped >= 1.0, "{report:?}");
        assert_eq!(report.iterations() as f64 + report.dropped, 10.0);
    }
}
