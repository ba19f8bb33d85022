//! The `thresholds` option parsed into a [`ThresholdSet`], and checked
//! against metric types.

use std::time::Duration;

use serde_json::{Map, Value};

use super::{Aggregation, Expression, MetricSelector, ThresholdError, ThresholdErrors};
use crate::config::parse_duration;
use crate::metrics::MetricKind;

/// One threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The expression as the user wrote it.
    pub source: String,
    /// The parsed expression.
    pub expr: Expression,
    /// Stop the test when it fails during the run.
    pub abort_on_fail: bool,
    /// Do not abort before this much test time has passed.
    pub delay_abort_eval: Duration,
}

/// The thresholds of one selector.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricThresholds {
    /// The selector as written.
    pub key: String,
    /// The parsed selector.
    pub selector: MetricSelector,
    /// Its thresholds, in order.
    pub thresholds: Vec<Threshold>,
}

/// Every threshold of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThresholdSet {
    /// Per selector, in the order of the option.
    pub metrics: Vec<MetricThresholds>,
}

fn parse_item(key: &str, item: &Value, errors: &mut Vec<ThresholdError>) -> Option<Threshold> {
    let err = |expression: String, message: String| ThresholdError::Expression {
        key: key.to_string(),
        expression,
        message,
    };
    let (source, abort_on_fail, delay) = match item {
        Value::String(s) => (s.clone(), false, Duration::ZERO),
        Value::Object(o) => {
            let Some(Value::String(s)) = o.get("threshold") else {
                errors.push(err(
                    item.to_string(),
                    "the object form needs a \"threshold\" string".into(),
                ));
                return None;
            };
            let abort = match o.get("abortOnFail") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    errors.push(err(
                        s.clone(),
                        format!("abortOnFail must be true or false, got {other}"),
                    ));
                    return None;
                }
            };
            let delay = match o.get("delayAbortEval") {
                None | Some(Value::Null) => Duration::ZERO,
                Some(Value::String(d)) => match parse_duration(d) {
                    Ok(d) => d,
                    Err(m) => {
                        errors.push(err(s.clone(), format!("delayAbortEval: {m}")));
                        return None;
                    }
                },
                Some(other) => {
                    errors.push(err(
                        s.clone(),
                        format!("delayAbortEval must be a duration such as \"10s\", got {other}"),
                    ));
                    return None;
                }
            };
            for k in o.keys() {
                if !matches!(k.as_str(), "threshold" | "abortOnFail" | "delayAbortEval") {
                    errors.push(err(
                        s.clone(),
                        format!(
                            "unknown field {k:?}; expected threshold, abortOnFail, delayAbortEval"
                        ),
                    ));
                }
            }
            (s.clone(), abort, delay)
        }
        other => {
            errors.push(err(
                other.to_string(),
                "expected an expression string or an object".into(),
            ));
            return None;
        }
    };
    match Expression::parse(&source) {
        Ok(expr) => Some(Threshold {
            source,
            expr,
            abort_on_fail,
            delay_abort_eval: delay,
        }),
        Err(message) => {
            errors.push(err(source, message));
            None
        }
    }
}

impl ThresholdSet {
    /// Parse the `thresholds` option; reports every error at once.
    pub fn parse(raw: &Map<String, Value>) -> Result<ThresholdSet, ThresholdErrors> {
        let mut errors = Vec::new();
        let mut metrics = Vec::new();
        for (key, value) in raw {
            let selector = match MetricSelector::parse(key) {
                Ok(s) => Some(s),
                Err(message) => {
                    errors.push(ThresholdError::Selector {
                        key: key.clone(),
                        message,
                    });
                    None
                }
            };
            let items: Vec<&Value> = match value {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let thresholds: Vec<Threshold> = items
                .into_iter()
                .filter_map(|item| parse_item(key, item, &mut errors))
                .collect();
            if let Some(selector) = selector {
                metrics.push(MetricThresholds {
                    key: key.clone(),
                    selector,
                    thresholds,
                });
            }
        }
        if errors.is_empty() {
            Ok(ThresholdSet { metrics })
        } else {
            Err(ThresholdErrors(errors))
        }
    }

    /// Check metric names and aggregations against metric types;
    /// `kind_of` returns `None` for a metric that does not exist.
    pub fn validate(
        &self,
        kind_of: impl Fn(&str) -> Option<MetricKind>,
    ) -> Result<(), ThresholdErrors> {
        let mut errors = Vec::new();
        for m in &self.metrics {
            let Some(kind) = kind_of(&m.selector.metric) else {
                errors.push(ThresholdError::UnknownMetric {
                    key: m.key.clone(),
                    metric: m.selector.metric.clone(),
                });
                continue;
            };
            for t in &m.thresholds {
                if !t.expr.aggregation.valid_for(kind) {
                    errors.push(ThresholdError::WrongAggregation {
                        key: m.key.clone(),
                        expression: t.source.clone(),
                        aggregation: t.expr.aggregation.to_string(),
                        kind,
                        offered: Aggregation::offered(kind),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ThresholdErrors(errors))
        }
    }
}
