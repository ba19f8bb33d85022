//! Aggregates of one metric series: counters, gauges, rates and HDR trends.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::MetricKind;

/// Trend values are kept in the histogram as integers of this many
/// sub-units per unit (milliseconds → microseconds), so three decimals of
/// any trend survive.
const TREND_SCALE: f64 = 1000.0;

/// The aggregate of one series.
#[derive(Debug, Clone)]
pub enum Sink {
    /// A running sum.
    Counter {
        /// The sum of all samples.
        sum: f64,
    },
    /// The last value set.
    Gauge {
        /// The last value.
        value: f64,
        /// The smallest value seen.
        min: f64,
        /// The largest value seen.
        max: f64,
    },
    /// The share of non-zero samples.
    Rate {
        /// Non-zero samples.
        trues: u64,
        /// All samples.
        total: u64,
    },
    /// A distribution.
    Trend(Box<TrendStats>),
}

/// A distribution: exact count, sum, min and max, and an HDR histogram
/// (three significant digits) for percentiles.
#[derive(Debug, Clone)]
pub struct TrendStats {
    hist: Histogram<u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for TrendStats {
    fn default() -> Self {
        Self::new()
    }
}

impl TrendStats {
    /// An empty distribution.
    pub fn new() -> Self {
        // Three significant digits, auto-resizing so an idle series stays small.
        let mut hist = Histogram::new(3).unwrap_or_else(|_| unreachable_histogram());
        hist.auto(true);
        Self {
            hist,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Rebuild a distribution from its parts (as stored in a results file).
    pub fn from_parts(mut hist: Histogram<u64>, count: u64, sum: f64, min: f64, max: f64) -> Self {
        hist.auto(true);
        let (min, max) = if count == 0 {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else {
            (min, max)
        };
        Self {
            hist,
            count,
            sum,
            min,
            max,
        }
    }

    /// Record one value.
    pub fn record(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        // Negative values cannot live in an HDR histogram; they count in
        // min/avg exactly and as 0 in percentiles.
        let scaled = (value.max(0.0) * TREND_SCALE).round() as u64;
        // With auto-resize on, recording only fails past u64::MAX / 2.
        let _ = self.hist.record(scaled);
    }

    /// Record a duration in milliseconds.
    pub fn record_duration(&mut self, d: Duration) {
        self.record(d.as_secs_f64() * 1000.0);
    }

    /// Add another distribution into this one (exact).
    pub fn merge(&mut self, other: &TrendStats) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let _ = self.hist.add(&other.hist);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean, or 0 with no values.
    pub fn avg(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// Smallest value, or 0.
    pub fn min(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.min }
    }

    /// Largest value, or 0.
    pub fn max(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.max }
    }

    /// Median.
    pub fn med(&self) -> f64 {
        self.percentile(50.0)
    }

    /// The `p`th percentile (0..=100) from the histogram, clamped to the
    /// exact min and max.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let q = (p / 100.0).clamp(0.0, 1.0);
        let v = self.hist.value_at_quantile(q) as f64 / TREND_SCALE;
        v.clamp(self.min.max(0.0), self.max)
    }

    /// Percentiles `ps` of the values recorded since `prev` (an earlier
    /// copy of this distribution), or of all values without one; empty
    /// when nothing was recorded in between.
    pub fn percentiles_since(&self, prev: Option<&TrendStats>, ps: &[f64]) -> Vec<f64> {
        let mut hist = self.hist.clone();
        if let Some(prev) = prev
            && hist.subtract(&prev.hist).is_err()
        {
            return Vec::new();
        }
        if hist.is_empty() {
            return Vec::new();
        }
        ps.iter()
            .map(|p| hist.value_at_quantile((p / 100.0).clamp(0.0, 1.0)) as f64 / TREND_SCALE)
            .collect()
    }

    /// The histogram itself (values scaled by 1000).
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.hist
    }

    /// Sum of the values.
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

#[cold]
fn unreachable_histogram() -> Histogram<u64> {
    // Histogram::new(3) only fails for sigfig > 5.
    panic!("HDR histogram with 3 significant digits must be constructible")
}

impl Sink {
    /// An empty sink for a metric of `kind`.
    pub fn new(kind: MetricKind) -> Self {
        match kind {
            MetricKind::Counter => Sink::Counter { sum: 0.0 },
            MetricKind::Gauge => Sink::Gauge {
                value: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            },
            MetricKind::Rate => Sink::Rate { trues: 0, total: 0 },
            MetricKind::Trend => Sink::Trend(Box::default()),
        }
    }

    /// Record one sample.
    pub fn add(&mut self, value: f64) {
        match self {
            Sink::Counter { sum } => *sum += value,
            Sink::Gauge { value: v, min, max } => {
                *v = value;
                *min = min.min(value);
                *max = max.max(value);
            }
            Sink::Rate { trues, total } => {
                *total += 1;
                if value != 0.0 {
                    *trues += 1;
                }
            }
            Sink::Trend(t) => t.record(value),
        }
    }

    /// Merge another sink of the same kind (a gauge takes the other's
    /// last value).
    pub fn merge(&mut self, other: &Sink) {
        match (self, other) {
            (Sink::Counter { sum }, Sink::Counter { sum: o }) => *sum += o,
            (
                Sink::Gauge { value, min, max },
                Sink::Gauge {
                    value: ov,
                    min: omin,
                    max: omax,
                },
            ) => {
                if omin.is_finite() {
                    *value = *ov;
                }
                *min = min.min(*omin);
                *max = max.max(*omax);
            }
            (
                Sink::Rate { trues, total },
                Sink::Rate {
                    trues: ot,
                    total: oa,
                },
            ) => {
                *trues += ot;
                *total += oa;
            }
            (Sink::Trend(t), Sink::Trend(o)) => t.merge(o),
            _ => {}
        }
    }

    /// The kind of this sink.
    pub fn kind(&self) -> MetricKind {
        match self {
            Sink::Counter { .. } => MetricKind::Counter,
            Sink::Gauge { .. } => MetricKind::Gauge,
            Sink::Rate { .. } => MetricKind::Rate,
            Sink::Trend(_) => MetricKind::Trend,
        }
    }

    /// The rate of a rate sink (0 with no samples), or per-second rate of a
    /// counter over `elapsed`.
    pub fn rate(&self, elapsed: Duration) -> f64 {
        match self {
            Sink::Rate { trues, total } => {
                if *total == 0 {
                    0.0
                } else {
                    *trues as f64 / *total as f64
                }
            }
            Sink::Counter { sum } => {
                let secs = elapsed.as_secs_f64();
                if secs > 0.0 { sum / secs } else { 0.0 }
            }
            _ => 0.0,
        }
    }

    /// Whether any sample was recorded.
    pub fn has_samples(&self) -> bool {
        match self {
            Sink::Counter { .. } => true,
            Sink::Gauge { min, .. } => min.is_finite(),
            Sink::Rate { total, .. } => *total > 0,
            Sink::Trend(t) => t.count() > 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_percentiles_are_within_hdr_precision_and_merge_exactly() {
        let mut a = TrendStats::new();
        let mut b = TrendStats::new();
        for i in 1..=1000 {
            if i % 2 == 0 {
                a.record(i as f64)
            } else {
                b.record(i as f64)
            }
        }
        let mut all = a.clone();
        all.merge(&b);
        assert_eq!(all.count(), 1000);
        assert!((all.avg() - 500.5).abs() < 1e-9);
        assert_eq!(all.min(), 1.0);
        assert_eq!(all.max(), 1000.0);
        let p95 = all.percentile(95.0);
        assert!((p95 - 950.0).abs() <= 950.0 * 0.001 + 1e-9, "p95 {p95}");
        assert!((all.med() - 500.0).abs() <= 0.5 + 1e-9, "med {}", all.med());
    }

    #[test]
    fn rate_counter_gauge() {
        let mut r = Sink::new(MetricKind::Rate);
        r.add(1.0);
        r.add(0.0);
        r.add(5.0);
        assert!((r.rate(Duration::ZERO) - 2.0 / 3.0).abs() < 1e-9);
        let mut c = Sink::new(MetricKind::Counter);
        c.add(10.0);
        assert_eq!(c.rate(Duration::from_secs(5)), 2.0);
        let mut g = Sink::new(MetricKind::Gauge);
        g.add(3.0);
        g.add(1.0);
        assert!(
            matches!(g, Sink::Gauge { value, min, max } if value == 1.0 && min == 1.0 && max == 3.0)
        );
    }
}
