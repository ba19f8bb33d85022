//! The four metric types and how their values are shown.

use std::fmt;

/// What a metric aggregates, as k6's four metric types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// A running sum: `count` and `rate` (per second).
    Counter,
    /// The last value: `value`, with `min` and `max`.
    Gauge,
    /// The share of non-zero samples: `rate`.
    Rate,
    /// A distribution: `avg`, `min`, `med`, `max`, `p(N)`.
    Trend,
}

impl MetricKind {
    /// The lower-case name k6 uses (`counter`, `gauge`, `rate`, `trend`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "trend",
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How values of a metric are shown and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// Plain numbers.
    Default,
    /// Milliseconds, shown as durations.
    Time,
    /// Bytes, shown as data sizes.
    Data,
}
