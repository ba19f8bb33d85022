//! `shared-iterations`: VUs take iterations from a shared total until it is
//! used up; faster VUs run more of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::per_vu_iterations::DEFAULT_MAX_DURATION;
use super::{ExecutionTuple, Executor, ScenarioRun, VuSource, closed};
use crate::config::{Fields, format_duration};
use crate::segment;

/// `shared-iterations` options.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedIterations {
    /// VUs that run (default 1).
    pub vus: u64,
    /// Iterations in total (default 1).
    pub iterations: u64,
    /// Hard stop (default 10m).
    pub max_duration: Duration,
}

impl Executor for SharedIterations {
    const NAME: &'static str = "shared-iterations";
    const KEYS: &'static [&'static str] = &["vus", "iterations", "maxDuration"];

    fn parse(f: &mut Fields<'_>) -> Self {
        let vus = f.u64("vus").unwrap_or(1);
        let vus = f.positive("vus", vus);
        let iterations = f.u64("iterations").unwrap_or(1);
        if iterations < vus {
            f.fail(
                "iterations",
                format!("{iterations} iterations can't be fewer than the {vus} VUs sharing them"),
            );
        }
        let max_duration = f.duration("maxDuration").or(Some(DEFAULT_MAX_DURATION));
        SharedIterations {
            vus,
            iterations,
            max_duration: f.long_enough("maxDuration", max_duration),
        }
    }

    fn describe(&self, et: &ExecutionTuple) -> String {
        let s = self.segmented();
        format!(
            "{} iterations shared among {} VUs (maxDuration: {})",
            s.iterations(et),
            s.vus(et),
            format_duration(self.max_duration)
        )
    }

    fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        self.segmented().vus(et)
    }

    fn iteration_tuple(&self, et: &ExecutionTuple) -> Option<ExecutionTuple> {
        // Iterations follow the VUs each process has (k6 re-splits by VUs).
        self.segmented().iteration_tuple(et).ok()
    }

    fn max_duration(&self) -> Duration {
        self.max_duration
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let remaining = AtomicU64::new(self.segmented().iterations(&run.et));
        let claim = move |_| {
            // Take one iteration from the pool if any is left.
            remaining
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok()
        };
        closed::run(run, self.max_duration, Arc::new(claim)).await;
    }
}

impl SharedIterations {
    /// The same options in the segment module's terms.
    fn segmented(&self) -> segment::SharedIterations {
        segment::SharedIterations {
            vus: self.vus,
            iterations: self.iterations,
            max_duration: self.max_duration,
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
        assert_eq!(
            parse::<SharedIterations>(r#""vus": 2, "iterations": 50"#),
            SharedIterations {
                vus: 2,
                iterations: 50,
                max_duration: Duration::from_secs(600)
            }
        );
        assert_eq!(
            errors::<SharedIterations>(r#""vus": 5, "iterations": 3"#),
            [
                "options.scenarios.s.iterations: 3 iterations can't be fewer than the 5 VUs sharing them"
            ]
        );
        assert_eq!(
            errors::<SharedIterations>(r#""rate": 5"#),
            [
                "options.scenarios.s.rate: not an option of the shared-iterations executor (it takes vus, iterations, maxDuration)"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn faster_vus_take_more_of_the_exact_total() {
        let h = Harness::with(|vu, _| Duration::from_millis(if vu == 0 { 30 } else { 10 }));
        let exec = SharedIterations {
            vus: 2,
            iterations: 40,
            max_duration: Duration::from_secs(60),
        };
        let report = h.run(&exec, Duration::from_secs(30)).await;
        assert_eq!(report.iterations(), 40);
        assert_eq!(report.per_vu(), vec![10, 30]);
        let mut numbers: Vec<u64> = report.started.iter().map(|s| s.in_scenario).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (0..40).collect::<Vec<_>>());
    }
}
