//! `per-vu-iterations`: each VU runs the same number of iterations.

use std::sync::Arc;
use std::time::Duration;

use super::{ExecutionTuple, Executor, ScenarioRun, VuSource, closed};
use crate::config::{Fields, format_duration};
use crate::segment;

/// k6's default `maxDuration` of the iteration-count executors.
pub(super) const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(10 * 60);

/// `per-vu-iterations` options.
#[derive(Debug, Clone, PartialEq)]
pub struct PerVuIterations {
    /// VUs that run (default 1).
    pub vus: u64,
    /// Iterations per VU (default 1).
    pub iterations: u64,
    /// Hard stop (default 10m).
    pub max_duration: Duration,
}

impl Executor for PerVuIterations {
    const NAME: &'static str = "per-vu-iterations";
    const KEYS: &'static [&'static str] = &["vus", "iterations", "maxDuration"];

    fn parse(f: &mut Fields<'_>) -> Self {
        let vus = f.u64("vus").unwrap_or(1);
        let iterations = f.u64("iterations").unwrap_or(1);
        let max_duration = f.duration("maxDuration").or(Some(DEFAULT_MAX_DURATION));
        PerVuIterations {
            vus: f.positive("vus", vus),
            iterations: f.positive("iterations", iterations),
            max_duration: f.long_enough("maxDuration", max_duration),
        }
    }

    fn describe(&self, et: &ExecutionTuple) -> String {
        format!(
            "{} iterations for each of {} VUs (maxDuration: {})",
            self.iterations,
            self.max_vus(et),
            format_duration(self.max_duration)
        )
    }

    fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        segment::PerVuIterations {
            vus: self.vus,
            iterations: self.iterations,
            max_duration: self.max_duration,
            ..Default::default()
        }
        .vus(et)
    }

    fn max_duration(&self) -> Duration {
        self.max_duration
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let iterations = self.iterations;
        closed::run(
            run,
            self.max_duration,
            Arc::new(move |done| done < iterations),
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::executor::testing::{Harness, errors, parse};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn options_defaults_and_checks() {
        assert_eq!(
            parse::<PerVuIterations>(""),
            PerVuIterations {
                vus: 1,
                iterations: 1,
                max_duration: secs(600)
            }
        );
        assert_eq!(
            parse::<PerVuIterations>(r#""vus": 10, "iterations": 20, "maxDuration": "30s""#),
            PerVuIterations {
                vus: 10,
                iterations: 20,
                max_duration: secs(30)
            }
        );
        assert_eq!(
            errors::<PerVuIterations>(r#""vus": 0, "iterations": 0, "maxDuration": "0s""#),
            [
                "options.scenarios.s.vus: must be more than 0",
                "options.scenarios.s.iterations: must be more than 0",
                "options.scenarios.s.maxDuration: must be at least 1s, got 0s",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn each_vu_runs_its_iterations_whatever_the_others_do() {
        // VU 0 is ten times slower than VU 1: both still run 3 each.
        let h = Harness::with(|vu, _| Duration::from_millis(if vu == 0 { 100 } else { 10 }));
        let exec = PerVuIterations {
            vus: 2,
            iterations: 3,
            max_duration: secs(10),
        };
        let report = h.run(&exec, secs(30)).await;
        assert_eq!(report.per_vu(), vec![3, 3]);
        assert_eq!(report.ended, Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn max_duration_stops_starting_iterations() {
        let h = Harness::new(Duration::from_millis(400));
        let exec = PerVuIterations {
            vus: 1,
            iterations: 100,
            max_duration: secs(1),
        };
        let report = h.run(&exec, Duration::ZERO).await;
        // Starts at 0, 400 and 800 ms; the third is cut at 1 s.
        assert_eq!(report.iterations(), 3);
        assert_eq!(report.interrupted, 1);
        assert_eq!(report.ended, secs(1));
    }
}
