//! Judging thresholds against observed values.

use std::time::Duration;

use super::{Aggregation, MetricSelector, ThresholdSet};

/// One threshold's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdOutcome {
    /// The expression as written.
    pub source: String,
    /// The value it was judged on (None: no data).
    pub observed: Option<f64>,
    /// Whether it passed.
    pub passed: bool,
    /// Whether it aborts the test when failing.
    pub abort_on_fail: bool,
}

/// Judge every threshold. `lookup` gives the observed value of an
/// aggregation on the series a selector selects (None without data).
/// Results are grouped per selector key, in the order of the set.
pub fn evaluate(
    set: &ThresholdSet,
    lookup: impl Fn(&MetricSelector, &Aggregation) -> Option<f64>,
) -> Vec<(String, Vec<ThresholdOutcome>)> {
    set.metrics
        .iter()
        .map(|m| {
            let outcomes = m
                .thresholds
                .iter()
                .map(|t| {
                    let observed = lookup(&m.selector, &t.expr.aggregation);
                    ThresholdOutcome {
                        source: t.source.clone(),
                        observed,
                        passed: t.expr.passes(observed),
                        abort_on_fail: t.abort_on_fail,
                    }
                })
                .collect();
            (m.key.clone(), outcomes)
        })
        .collect()
}

/// The reason to abort now, if a failed `abortOnFail` threshold's
/// `delayAbortEval` has passed.
pub fn should_abort(
    set: &ThresholdSet,
    outcomes: &[(String, Vec<ThresholdOutcome>)],
    elapsed: Duration,
) -> Option<String> {
    for (m, (key, results)) in set.metrics.iter().zip(outcomes) {
        for (t, o) in m.thresholds.iter().zip(results) {
            if t.abort_on_fail && !o.passed && elapsed > t.delay_abort_eval {
                let seen = o
                    .observed
                    .map(|v| format!(" (observed {v:.3})"))
                    .unwrap_or_default();
                return Some(format!("'{}' on {key}{seen}", t.source));
            }
        }
    }
    None
}
