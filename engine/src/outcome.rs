//! What a run produced: the final metrics and how the run judged them.
//! Made by [`crate::run`], read by every end-of-run [`crate::output`].

use crate::control::StopReason;
use crate::exit::ExitCode;
use crate::metrics::Snapshot;
use crate::plan::Plan;
use crate::thresholds::{Aggregation, MetricSelector};

/// One threshold's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdLine {
    /// The key as the user wrote it, e.g. `http_req_duration{status:200}`.
    pub metric: String,
    /// The key, parsed.
    pub selector: MetricSelector,
    /// The expression as written, e.g. `p(95)<500`.
    pub expression: String,
    /// What it measures.
    pub aggregation: Aggregation,
    /// Whether it passed.
    pub passed: bool,
    /// The value it was judged on, in the metric's unit (ms for time,
    /// a 0-1 share for a rate's `rate`); None without data.
    pub observed: Option<f64>,
}

/// The result of a run: what was measured and how it was judged.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// What ran: the scenario's path or reference, as given.
    pub scenario: String,
    /// Final metrics.
    pub snapshot: Snapshot,
    /// Each threshold's result, grouped by metric key in the order they
    /// were defined (empty with `--no-thresholds`).
    pub thresholds: Vec<ThresholdLine>,
    /// The plan that ran.
    pub plan: Plan,
    /// Iterations cut off by a hard stop, a ramp-down or `gracefulStop`.
    pub interrupted_iterations: u64,
    /// Why the run stopped early, if it did.
    pub stop_reason: Option<StopReason>,
    /// A setup/teardown failure, if any.
    pub lifecycle_error: Option<(ExitCode, String)>,
    /// The exit code k6 would give.
    pub exit_code: ExitCode,
    /// What the scenario's `handle-summary` returned: files to write
    /// (`stdout` and `stderr` name the streams). When set, the text summary
    /// is not printed, as in k6.
    pub summary_files: Option<Vec<(String, Vec<u8>)>>,
    /// What the run saw of the load generator itself.
    pub load_generator: LoadGenerator,
    /// The by-stage results, for a run with stages, several scenarios or a
    /// capacity search.
    pub stages: Option<crate::stages::StageReport>,
    /// Where this run stands in a fleet: its segment, the scenario's
    /// digest, when its load started; for a merged fleet, its segments.
    pub fleet: crate::fleet::FleetMeta,
}

/// The load generator's own view of the run (its CPU and memory are the
/// `volley_*` metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadGenerator {
    /// The cores Volley could use (its CPU affinity and cgroup quota); 0
    /// when it was not sampled.
    pub cores: usize,
    /// Why the generator itself may have been the bottleneck, when it was
    /// saturated (see [`crate::resources::saturation`]).
    pub saturation: Option<String>,
}

impl RunOutcome {
    /// One line per scenario, as k6 prints them before the run.
    pub fn scenario_lines(&self) -> Vec<String> {
        if !self.fleet.merged.is_empty() {
            return self
                .fleet
                .merged
                .iter()
                .flat_map(|s| {
                    s.scenarios
                        .iter()
                        .map(move |line| format!("segment {}: {line}", s.segment))
                })
                .collect();
        }
        self.plan
            .scenarios
            .iter()
            .map(|s| s.describe(&self.plan.segment))
            .collect()
    }

    /// Why the test stopped early, in words, if it did.
    pub fn stop_message(&self) -> Option<String> {
        self.stop_reason.as_ref().map(|r| match r {
            StopReason::ScenarioAbort(m) => format!("the scenario aborted the test: {m}"),
            StopReason::ThresholdAbort(m) => format!("a threshold with abortOnFail failed: {m}"),
            StopReason::Interrupted => "interrupted (Ctrl-C / SIGTERM)".to_string(),
            StopReason::ScenarioError(m) => m.clone(),
        })
    }
}
