//! `constant-vus`: a fixed number of VUs loop for a duration.

use std::sync::Arc;
use std::time::Duration;

use super::{ExecutionTuple, Executor, ScenarioRun, VuSource, closed};
use crate::config::{Fields, format_duration};
use crate::segment;

/// `constant-vus` options.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstantVus {
    /// VUs that run (k6 default 1).
    pub vus: u64,
    /// How long they loop.
    pub duration: Duration,
}

impl Executor for ConstantVus {
    const NAME: &'static str = "constant-vus";
    const KEYS: &'static [&'static str] = &["vus", "duration"];

    fn parse(f: &mut Fields<'_>) -> Self {
        let vus = f.u64("vus").unwrap_or(1);
        let duration = f.duration("duration");
        let duration = f.required("duration", duration);
        ConstantVus {
            vus: f.positive("vus", vus),
            duration: f.long_enough("duration", duration),
        }
    }

    fn describe(&self, et: &ExecutionTuple) -> String {
        format!(
            "{} looping VUs for {}",
            self.max_vus(et),
            format_duration(self.duration)
        )
    }

    fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        segment::ConstantVus {
            vus: self.vus,
            duration: self.duration,
            ..Default::default()
        }
        .vus(et)
    }

    fn max_duration(&self) -> Duration {
        self.duration
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        closed::run(run, self.duration, Arc::new(|_| true)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::executor::testing::{Harness, errors, parse};

    #[test]
    fn options_defaults_and_checks() {
        assert_eq!(
            parse::<ConstantVus>(r#""duration": "30s""#),
            ConstantVus {
                vus: 1,
                duration: Duration::from_secs(30)
            }
        );
        assert_eq!(
            errors::<ConstantVus>(""),
            ["options.scenarios.s.duration: missing; this executor needs it"]
        );
        assert_eq!(
            errors::<ConstantVus>(r#""vus": 0, "duration": "999ms""#),
            [
                "options.scenarios.s.vus: must be more than 0",
                "options.scenarios.s.duration: must be at least 1s, got 999ms",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn vus_loop_back_to_back_until_the_duration_ends() {
        // 3 VUs, 100 ms iterations, 1 s: each VU starts 10 iterations, the
        // last at 900 ms, and none starts at or after 1 s.
        let h = Harness::new(Duration::from_millis(100));
        let exec = ConstantVus {
            vus: 3,
            duration: Duration::from_secs(1),
        };
        let report = h.run(&exec, Duration::from_secs(30)).await;
        assert_eq!(report.iterations(), 30);
        assert_eq!(report.per_vu(), vec![10, 10, 10]);
        assert_eq!(report.last_start(), Duration::from_millis(900));
        assert_eq!(report.ended, Duration::from_secs(1));
        assert_eq!(report.interrupted, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn running_iterations_get_graceful_stop_then_are_interrupted() {
        // 700 ms iterations over 1 s: the second iteration starts at 700 ms
        // and would end at 1.4 s; gracefulStop 200 ms cuts it at 1.2 s.
        let h = Harness::new(Duration::from_millis(700));
        let exec = ConstantVus {
            vus: 2,
            duration: Duration::from_secs(1),
        };
        let report = h.run(&exec, Duration::from_millis(200)).await;
        assert_eq!(report.iterations(), 4);
        assert_eq!(report.completed, 2);
        assert_eq!(report.interrupted, 2);
        assert_eq!(report.ended, Duration::from_millis(1200));
    }
}
