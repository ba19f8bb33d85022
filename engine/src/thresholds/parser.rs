//! Parsing of threshold selectors and expressions (grammar in the module
//! docs of [`crate::thresholds`]).

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::metrics::MetricKind;

/// What an expression measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregation {
    /// Mean of a trend.
    Avg,
    /// Minimum of a trend.
    Min,
    /// Maximum of a trend.
    Max,
    /// Median of a trend.
    Med,
    /// A percentile of a trend, 0 to 100.
    Percentile(f64),
    /// Share of true samples of a rate; per-second rate of a counter.
    Rate,
    /// Sum of a counter.
    Count,
    /// Last value of a gauge.
    Value,
}

impl Aggregation {
    /// Whether a metric of `kind` offers this aggregation (k6's table).
    pub fn valid_for(&self, kind: MetricKind) -> bool {
        match kind {
            MetricKind::Trend => matches!(
                self,
                Aggregation::Avg
                    | Aggregation::Min
                    | Aggregation::Max
                    | Aggregation::Med
                    | Aggregation::Percentile(_)
            ),
            MetricKind::Rate => matches!(self, Aggregation::Rate),
            MetricKind::Counter => matches!(self, Aggregation::Count | Aggregation::Rate),
            MetricKind::Gauge => matches!(self, Aggregation::Value),
        }
    }

    fn offered(kind: MetricKind) -> &'static str {
        match kind {
            MetricKind::Trend => "avg, min, max, med or p(N)",
            MetricKind::Rate => "rate",
            MetricKind::Counter => "count or rate",
            MetricKind::Gauge => "value",
        }
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aggregation::Avg => f.write_str("avg"),
            Aggregation::Min => f.write_str("min"),
            Aggregation::Max => f.write_str("max"),
            Aggregation::Med => f.write_str("med"),
            Aggregation::Percentile(p) => write!(f, "p({p})"),
            Aggregation::Rate => f.write_str("rate"),
            Aggregation::Count => f.write_str("count"),
            Aggregation::Value => f.write_str("value"),
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==` or `===`
    Eq,
    /// `!=`
    Ne,
}

impl Operator {
    fn apply(self, a: f64, b: f64) -> bool {
        match self {
            Operator::Lt => a < b,
            Operator::Le => a <= b,
            Operator::Gt => a > b,
            Operator::Ge => a >= b,
            Operator::Eq => a == b,
            Operator::Ne => a != b,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Eq => "==",
            Operator::Ne => "!=",
        })
    }
}

/// `aggregation operator number`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// What is measured.
    pub aggregation: Aggregation,
    /// How it is compared.
    pub operator: Operator,
    /// With what.
    pub value: f64,
}

impl Expression {
    /// Whether `observed` (the aggregation's value) satisfies the
    /// expression. With no data (`None`) a threshold passes: k6 does not
    /// fail thresholds of metrics that got no samples.
    pub fn passes(&self, observed: Option<f64>) -> bool {
        match observed {
            None => true,
            Some(v) => self.operator.apply(v, self.value),
        }
    }

    /// Parse `p(95) < 500` and friends.
    pub fn parse(text: &str) -> Result<Expression, String> {
        let t = text.trim();
        let op_at = t.find(['<', '>', '=', '!']).ok_or_else(|| {
            "no comparison operator; expected one of <, <=, >, >=, ==, ===, !=".to_string()
        })?;
        let (agg_text, rest) = t.split_at(op_at);
        let (operator, value_text) = [
            ("===", Operator::Eq),
            ("<=", Operator::Le),
            (">=", Operator::Ge),
            ("==", Operator::Eq),
            ("!=", Operator::Ne),
            ("<", Operator::Lt),
            (">", Operator::Gt),
        ]
        .iter()
        .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (*op, v)))
        .ok_or_else(|| {
            format!("unknown operator in {rest:?}; expected one of <, <=, >, >=, ==, ===, !=")
        })?;
        let aggregation = parse_aggregation(agg_text.trim())?;
        let value_text = value_text.trim();
        let value: f64 = value_text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("{value_text:?} is not a number"))?;
        Ok(Expression {
            aggregation,
            operator,
            value,
        })
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.aggregation, self.operator, self.value)
    }
}

fn parse_aggregation(s: &str) -> Result<Aggregation, String> {
    let unknown = || {
        format!(
            "unknown aggregation {s:?}; expected avg, min, max, med, p(N), rate, count or value"
        )
    };
    Ok(match s {
        "avg" => Aggregation::Avg,
        "min" => Aggregation::Min,
        "max" => Aggregation::Max,
        "med" => Aggregation::Med,
        "rate" => Aggregation::Rate,
        "count" => Aggregation::Count,
        "value" => Aggregation::Value,
        _ => {
            let inner = s
                .strip_prefix("p(")
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(unknown)?;
            let p: f64 = inner.trim().parse().map_err(|_| unknown())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!(
                    "percentile {s:?} is out of range; use p(N) with N from 0 to 100"
                ));
            }
            Aggregation::Percentile(p)
        }
    })
}

/// A metric and an optional tag filter (a k6 sub-metric).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSelector {
    /// The metric's name.
    pub metric: String,
    /// Tags every selected series must carry, sorted by key.
    pub tags: Vec<(String, String)>,
}

impl MetricSelector {
    /// Parse `name` or `name{key:value,...}`.
    pub fn parse(text: &str) -> Result<MetricSelector, String> {
        let t = text.trim();
        let (metric, tags) = match t.find('{') {
            None => (t, Vec::new()),
            Some(open) => {
                let inner = t[open + 1..]
                    .strip_suffix('}')
                    .ok_or_else(|| "a tag filter must end with '}'".to_string())?;
                let mut tags = Vec::new();
                for part in inner.split(',').filter(|p| !p.trim().is_empty()) {
                    let (k, v) = part
                        .split_once(':')
                        .ok_or_else(|| format!("tag filter {part:?} is not key:value"))?;
                    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
                    tags.push((k.trim().to_string(), v.to_string()));
                }
                tags.sort();
                (t[..open].trim(), tags)
            }
        };
        if metric.is_empty()
            || !metric
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!("{metric:?} is not a metric name"));
        }
        Ok(MetricSelector {
            metric: metric.to_string(),
            tags,
        })
    }

    /// Whether it selects a sub-metric (has tags).
    pub fn is_submetric(&self) -> bool {
        !self.tags.is_empty()
    }
}

impl fmt::Display for MetricSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.metric)?;
        if self.is_submetric() {
            f.write_str("{")?;
            for (i, (k, v)) in self.tags.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}:{v}")?;
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}

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
    #[error(
        "threshold on {key:?}: no metric named {metric:?}; check the spelling, or define the custom metric in the scenario"
    )]
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

/// Parse a k6 duration (`10s`, `1m30s`, `500ms`, `2.5s`, `1h`, `10us`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s)
}
