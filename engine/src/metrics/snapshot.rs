//! A merged, read-only view of all metrics at one moment.

use std::collections::HashMap;
use std::time::Duration;

use super::{MetricDef, MetricId, MetricKind, Sink, TagSet, TrendStats};

/// All series of one metric.
#[derive(Debug, Clone)]
pub struct Series {
    /// The metric.
    pub def: MetricDef,
    /// One aggregate per distinct tag set.
    pub by_tags: HashMap<TagSet, Sink>,
}

/// Every metric's series at one moment of the run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Test time when the snapshot was taken.
    pub elapsed: Duration,
    metrics: Vec<Series>,
}

impl Snapshot {
    pub(crate) fn new(defs: Vec<MetricDef>, elapsed: Duration) -> Self {
        Self {
            elapsed,
            metrics: defs
                .into_iter()
                .map(|def| Series {
                    def,
                    by_tags: HashMap::new(),
                })
                .collect(),
        }
    }

    pub(crate) fn merge_value(&mut self, id: MetricId, tags: &TagSet, sink: &Sink) {
        if let Some(series) = self.metrics.get_mut(id.0 as usize) {
            match series.by_tags.get_mut(tags) {
                Some(existing) => existing.merge(sink),
                None => {
                    series.by_tags.insert(tags.clone(), sink.clone());
                }
            }
        }
    }

    pub(crate) fn merge_trend(&mut self, id: MetricId, tags: &TagSet, t: &TrendStats) {
        if let Some(series) = self.metrics.get_mut(id.0 as usize) {
            match series.by_tags.get_mut(tags) {
                Some(Sink::Trend(existing)) => existing.merge(t),
                Some(_) => {}
                None => {
                    series
                        .by_tags
                        .insert(tags.clone(), Sink::Trend(Box::new(t.clone())));
                }
            }
        }
    }

    /// Every metric, in id order (built-ins first), including those without samples.
    pub fn series(&self) -> impl Iterator<Item = &Series> {
        self.metrics.iter()
    }

    /// The series of metric `name`.
    pub fn metric(&self, name: &str) -> Option<&Series> {
        self.metrics.iter().find(|s| s.def.name == name)
    }

    /// The kind of metric `name`, if it exists.
    pub fn kind_of(&self, name: &str) -> Option<MetricKind> {
        self.metric(name).map(|s| s.def.kind)
    }

    /// The aggregate of metric `name` over every series whose tags contain
    /// all of `selector` (k6 sub-metrics; empty selector = the whole metric).
    /// `None` when the metric does not exist or nothing matched.
    pub fn aggregate(&self, name: &str, selector: &[(String, String)]) -> Option<Sink> {
        let series = self.metric(name)?;
        let mut out: Option<Sink> = None;
        for (tags, sink) in &series.by_tags {
            if tags.matches(selector) {
                match &mut out {
                    Some(acc) => acc.merge(sink),
                    None => out = Some(sink.clone()),
                }
            }
        }
        out
    }

    /// Sum of a counter's matching series (0 when absent).
    pub fn counter(&self, name: &str, selector: &[(String, String)]) -> f64 {
        match self.aggregate(name, selector) {
            Some(Sink::Counter { sum }) => sum,
            _ => 0.0,
        }
    }

    /// (trues, total) of a rate's matching series.
    pub fn rate_counts(&self, name: &str, selector: &[(String, String)]) -> (u64, u64) {
        match self.aggregate(name, selector) {
            Some(Sink::Rate { trues, total }) => (trues, total),
            _ => (0, 0),
        }
    }
}
