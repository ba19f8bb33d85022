//! Problems with the `thresholds` option, every one reported at once.

use std::fmt;

use crate::metrics::MetricKind;

/// One problem with the thresholds option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// A selector that does not parse.
    #[error("threshold key {key:?}: {message}")]
    Selector {
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An expression or object that does not parse.
    #[error("threshold {expression:?} on {key:?}: {message}")]
    Expression {
        /// The key.
        key: String,
        /// The expression (or the JSON item).
        expression: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A threshold on a metric that does not exist.
    #[error("threshold on {key:?}: no metric named {metric:?}; {}", unknown_hint(.metric))]
    UnknownMetric {
        /// The key.
        key: String,
        /// The metric name.
        metric: String,
    },
    /// An aggregation the metric's type does not offer.
    #[error(
        "threshold {expression:?} on {key:?}: {aggregation} is not available for a {kind} metric; use {offered}"
    )]
    WrongAggregation {
        /// The key.
        key: String,
        /// The expression.
        expression: String,
        /// The aggregation used.
        aggregation: String,
        /// The metric's type.
        kind: MetricKind,
        /// What the type offers.
        offered: &'static str,
    },
}

/// What to do about a threshold on a metric that does not exist.
fn unknown_hint(metric: &str) -> &'static str {
    if metric.starts_with("target_") && crate::resources::is_resource_metric(metric) {
        "the target's resources are recorded only with --monitor pid=PID, cgroup=PATH or prometheus=URL,query=..."
    } else {
        "check the spelling, or define the custom metric while the scenario initialises (in vu-init: Scenario::init in Rust, the init context in JavaScript, as k6 requires)"
    }
}

/// Every problem found, reported at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdErrors(pub Vec<ThresholdError>);

impl fmt::Display for ThresholdErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ThresholdErrors {}
