//! The one "stat" type of the engine: what a threshold expression, a
//! summary column, a `--fail-on` rule or a report cell measures on a metric
//! (`avg`, `p(95)`, `rate`, ...), parsed once and evaluated in one place.

use std::fmt;
use std::time::Duration;

use crate::metrics::{MetricKind, Sink};

/// What is measured on a metric: `avg`, `min`, `max`, `med`, `p(N)` and
/// `count` of a trend; `rate` of a rate; `count` and `rate` (per second) of
/// a counter; `value` of a gauge.
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
    /// Sum of a counter; number of values of a trend (a summary column,
    /// not a threshold aggregation: k6 offers none for trends).
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

    /// What a metric of `kind` offers, for error messages.
    pub(crate) fn offered(kind: MetricKind) -> &'static str {
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

impl Aggregation {
    /// Parse `avg`, `min`, `max`, `med`, `p(N)`, `rate`, `count` or `value`.
    pub fn parse(s: &str) -> Result<Aggregation, String> {
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
}

impl Aggregation {
    /// Parse a summary trend column (`summaryTrendStats`): `avg`, `min`,
    /// `med`, `max`, `count` or `p(N)` with N from 0 to 100.
    pub fn parse_trend_stat(s: &str) -> Result<Aggregation, String> {
        match Aggregation::parse(s) {
            Ok(a) if a.is_trend_stat() => Ok(a),
            Err(why) if s.starts_with("p(") => Err(format!(
                "invalid percentile \"{s}\"; N in p(N) must be a number from 0 to 100 ({why})"
            )),
            _ => Err(format!(
                "unknown trend stat \"{s}\"; expected avg, min, med, max, count or p(N)"
            )),
        }
    }

    /// Whether this is a column of trends.
    pub fn is_trend_stat(&self) -> bool {
        matches!(
            self,
            Aggregation::Avg
                | Aggregation::Min
                | Aggregation::Max
                | Aggregation::Med
                | Aggregation::Count
                | Aggregation::Percentile(_)
        )
    }

    /// This aggregation of `sink`; `elapsed` is the base of per-second
    /// counter rates. `None` when the sink's kind does not offer it.
    pub fn value(&self, sink: &Sink, elapsed: Duration) -> Option<f64> {
        Some(match (sink, self) {
            (Sink::Trend(t), Aggregation::Avg) => t.avg(),
            (Sink::Trend(t), Aggregation::Min) => t.min(),
            (Sink::Trend(t), Aggregation::Max) => t.max(),
            (Sink::Trend(t), Aggregation::Med) => t.med(),
            (Sink::Trend(t), Aggregation::Percentile(p)) => t.percentile(*p),
            (Sink::Trend(t), Aggregation::Count) => t.count() as f64,
            (Sink::Rate { .. }, Aggregation::Rate) => sink.rate(elapsed),
            (Sink::Counter { sum }, Aggregation::Count) => *sum,
            (Sink::Counter { .. }, Aggregation::Rate) => sink.rate(elapsed),
            (Sink::Gauge { value, .. }, Aggregation::Value) => *value,
            _ => return None,
        })
    }
}

impl std::str::FromStr for Aggregation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Aggregation::parse(s)
    }
}
