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

/// A distribution: exact count, sum, min and max; the values themselves
/// while there are few ([`EXACT_VALUES`]), then an HDR histogram (three
/// significant digits) for percentiles.
///
/// Percentiles follow k6's definition (`TrendSink.P`): the value at rank
/// `p × (n − 1)` of the sorted values, interpolated linearly between the
/// two ranks around it. While the values are kept that is exact, as in
/// k6; past that, each rank's value is its histogram bucket's midpoint
/// (within 0.05% of the true value, the histogram's precision), the
/// lowest and highest ranks are the exact min and max, and the
/// interpolation is the same. A series with few samples costs a few
/// hundred bytes instead of a histogram's 16 KiB.
#[derive(Debug, Clone)]
pub struct TrendStats {
    /// The values, while `hist` is `None`.
    exact: Vec<f64>,
    hist: Option<Box<Histogram<u64>>>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

/// How many values a trend keeps exactly before it moves them into a
/// histogram.
pub const EXACT_VALUES: usize = 128;

impl Default for TrendStats {
    fn default() -> Self {
        Self::new()
    }
}

fn new_histogram() -> Histogram<u64> {
    // Three significant digits, auto-resizing so a narrow series stays small.
    let mut hist = Histogram::new(3).unwrap_or_else(|_| unreachable_histogram());
    hist.auto(true);
    hist
}

fn scaled(value: f64) -> u64 {
    // Negative values cannot live in an HDR histogram; they count in
    // min/avg exactly and as 0 in percentiles.
    (value.max(0.0) * TREND_SCALE).round() as u64
}

impl TrendStats {
    /// An empty distribution.
    pub fn new() -> Self {
        Self {
            exact: Vec::new(),
            hist: None,
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
            exact: Vec::new(),
            hist: Some(Box::new(hist)),
            count,
            sum,
            min,
            max,
        }
    }

    /// A distribution of exactly these values.
    pub fn from_values(values: &[f64]) -> Self {
        let mut t = Self::new();
        for v in values {
            t.record(*v);
        }
        t
    }

    /// The values, when they are kept exactly.
    pub fn exact_values(&self) -> Option<&[f64]> {
        self.hist.is_none().then_some(self.exact.as_slice())
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
        match &mut self.hist {
            // With auto-resize on, recording only fails past u64::MAX / 2.
            Some(h) => {
                let _ = h.record(scaled(value));
            }
            None if self.exact.len() < EXACT_VALUES => self.exact.push(value),
            None => {
                self.spill();
                if let Some(h) = &mut self.hist {
                    let _ = h.record(scaled(value));
                }
            }
        }
    }

    /// Move the exact values into a histogram.
    fn spill(&mut self) {
        let mut h = new_histogram();
        for v in self.exact.drain(..) {
            let _ = h.record(scaled(v));
        }
        self.exact = Vec::new();
        self.hist = Some(Box::new(h));
    }

    /// Record a duration in milliseconds.
    pub fn record_duration(&mut self, d: Duration) {
        self.record(d.as_secs_f64() * 1000.0);
    }

    /// Add another distribution into this one (exact).
    pub fn merge(&mut self, other: &TrendStats) {
        if other.count == 0 {
            return;
        }
        match (&mut self.hist, &other.hist) {
            (None, None) if self.exact.len() + other.exact.len() <= EXACT_VALUES => {
                self.exact.extend_from_slice(&other.exact);
            }
            _ => {
                if self.hist.is_none() {
                    self.spill();
                }
                if let Some(h) = &mut self.hist {
                    match &other.hist {
                        Some(o) => {
                            let _ = h.add(o.as_ref());
                        }
                        None => {
                            for v in &other.exact {
                                let _ = h.record(scaled(*v));
                            }
                        }
                    }
                }
            }
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
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

    /// The `p`th percentile (0..=100), as k6 defines it (see the type).
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        if self.count == 1 {
            return self.min;
        }
        let q = (p / 100.0).clamp(0.0, 1.0);
        let i = q * (self.count - 1) as f64;
        let (lo, hi) = (i.floor() as u64, i.ceil() as u64);
        let f = i - i.floor();
        let (a, b) = match &self.hist {
            None => {
                let mut sorted = self.exact.clone();
                sorted.sort_by(f64::total_cmp);
                (sorted[lo as usize], sorted[hi as usize])
            }
            Some(h) => {
                let [a, b] = self.ranked(h, [lo, hi]);
                (a, b)
            }
        };
        a + (b - a) * f
    }

    /// The values at 0-based ranks `ranks` (ascending) of a histogram:
    /// each its bucket's midpoint, the first and last ranks the exact
    /// min and max, all within [min, max].
    fn ranked(&self, h: &Histogram<u64>, ranks: [u64; 2]) -> [f64; 2] {
        let last = self.count - 1;
        let mut out = [0.0; 2];
        let mut seen: u64 = 0;
        let mut next = 0;
        for v in h.iter_recorded() {
            seen += v.count_at_value();
            while next < 2 && ranks[next] < seen {
                let mid = h.median_equivalent(v.value_iterated_to()) as f64 / TREND_SCALE;
                out[next] = mid;
                next += 1;
            }
            if next == 2 {
                break;
            }
        }
        for (k, r) in ranks.iter().enumerate() {
            out[k] = if *r == 0 {
                self.min
            } else if *r >= last {
                self.max
            } else {
                out[k].clamp(self.min.max(0.0), self.max)
            };
        }
        out
    }

    /// Percentiles `ps` of the values recorded since `prev` (an earlier
    /// copy of this distribution), or of all values without one; empty
    /// when nothing was recorded in between. From the histogram (for
    /// live progress and time series, where its precision is plenty).
    pub fn percentiles_since(&self, prev: Option<&TrendStats>, ps: &[f64]) -> Vec<f64> {
        let mut hist = self.histogram().into_owned();
        if let Some(prev) = prev
            && hist.subtract(prev.histogram().as_ref()).is_err()
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

    /// The values as a histogram (scaled by 1000): the kept one, or one
    /// made from the exact values.
    pub fn histogram(&self) -> std::borrow::Cow<'_, Histogram<u64>> {
        match &self.hist {
            Some(h) => std::borrow::Cow::Borrowed(h.as_ref()),
            None => {
                let mut h = new_histogram();
                for v in &self.exact {
                    let _ = h.record(scaled(*v));
                }
                std::borrow::Cow::Owned(h)
            }
        }
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

    /// k6's `TrendSink.P`, on a sorted copy of `values`.
    fn k6_percentile(values: &[f64], p: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => 0.0,
            1 => v[0],
            n => {
                let i = p / 100.0 * (n as f64 - 1.0);
                let (j, k) = (v[i.floor() as usize], v[i.ceil() as usize]);
                j + (k - j) * (i - i.floor())
            }
        }
    }

    #[test]
    fn few_values_give_k6s_percentiles_exactly() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let t = TrendStats::from_values(&values);
        assert_eq!(t.med(), 50.5);
        assert_eq!(t.percentile(90.0), k6_percentile(&values, 90.0));
        assert!((t.percentile(90.0) - 90.1).abs() < 1e-9);
        assert!((t.percentile(95.0) - 95.05).abs() < 1e-9);
        assert_eq!(t.percentile(99.9), k6_percentile(&values, 99.9));
        let odd = TrendStats::from_values(&[5.0, 1.0, 3.0, 10.0]);
        for p in [0.0, 10.0, 50.0, 66.6, 90.0, 95.0, 100.0] {
            assert_eq!(
                odd.percentile(p),
                k6_percentile(&[5.0, 1.0, 3.0, 10.0], p),
                "p({p})"
            );
        }
        assert_eq!(TrendStats::from_values(&[7.5]).med(), 7.5);
        // Merging two small sets stays exact.
        let mut a = TrendStats::from_values(&[1.0, 2.0]);
        a.merge(&TrendStats::from_values(&[3.0, 4.0]));
        assert_eq!(a.med(), 2.5);
    }

    #[test]
    fn many_values_stay_within_the_histograms_precision_of_k6() {
        // Latency-like values: log-spread from 0.2 ms to 3 s.
        let values: Vec<f64> = (0..20_000)
            .map(|i| 0.2 * (1.0f64 + (i as f64 * 7919.0 % 20_000.0) / 1_350.0).exp2())
            .collect();
        let t = TrendStats::from_values(&values);
        assert!(t.exact_values().is_none(), "past the exact limit");
        for p in [1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9] {
            let want = k6_percentile(&values, p);
            let got = t.percentile(p);
            assert!(
                (got - want).abs() <= want * 0.0005 + 0.001,
                "p({p}): {got} vs k6 {want}"
            );
        }
        assert_eq!(t.percentile(0.0), t.min());
        assert_eq!(t.percentile(100.0), t.max());
    }

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
        // k6: 500.5; the histogram's buckets here are 0.256 ms wide.
        assert!(
            (all.med() - 500.5).abs() <= 500.5 * 0.0005,
            "med {}",
            all.med()
        );
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
