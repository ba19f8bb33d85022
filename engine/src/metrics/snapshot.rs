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

/// One kind of failed request in the error catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEntry {
    /// k6's `error_code` (0 for an unexpected status).
    pub error_code: u32,
    /// The status (0 without a response).
    pub status: u16,
    /// A short label: `timeout`, `connection refused`, `HTTP 503`, ...
    pub kind: String,
    /// How many requests failed this way.
    pub count: u64,
    /// Test time when it was first seen.
    pub first_seen: Duration,
    /// Requests per `name` tag (the endpoints hit), most first.
    pub names: Vec<(String, u64)>,
    /// Of `count`, the responses that carried `Retry-After`.
    pub retry_after: u64,
}

/// Every metric's series at one moment of the run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Test time when the snapshot was taken.
    pub elapsed: Duration,
    metrics: Vec<Series>,
    /// Failed requests by kind, most frequent first.
    pub errors: Vec<ErrorEntry>,
    /// Samples of new series folded into overflow series, by metric (see
    /// [`super::SeriesLimits`]).
    pub folded: Vec<super::Folded>,
}

/// The catalogue label of a failure.
pub fn error_kind(error_code: u32, status: u16) -> String {
    crate::http::label_of(error_code, status)
}

impl Snapshot {
    pub(crate) fn new(defs: Vec<MetricDef>, elapsed: Duration) -> Self {
        Self {
            elapsed,
            errors: Vec::new(),
            folded: Vec::new(),
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

    pub(crate) fn merge_error(
        &mut self,
        error_code: u32,
        status: u16,
        count: u64,
        first_seen: Duration,
        names: &rustc_hash::FxHashMap<std::sync::Arc<str>, u64>,
    ) {
        let i = match self
            .errors
            .iter()
            .position(|e| e.error_code == error_code && e.status == status)
        {
            Some(i) => i,
            None => {
                self.errors.push(ErrorEntry {
                    error_code,
                    status,
                    kind: error_kind(error_code, status),
                    count: 0,
                    first_seen,
                    names: Vec::new(),
                    retry_after: 0,
                });
                self.errors.len() - 1
            }
        };
        let e = &mut self.errors[i];
        e.count += count;
        e.first_seen = e.first_seen.min(first_seen);
        for (name, n) in names {
            match e.names.iter_mut().find(|(k, _)| **k == **name) {
                Some((_, c)) => *c += n,
                None => e.names.push((name.to_string(), *n)),
            }
        }
        e.names
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.errors
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    }

    pub(crate) fn add_retry_after(&mut self, error_code: u32, status: u16, n: u64) {
        if let Some(e) = self
            .errors
            .iter_mut()
            .find(|e| e.error_code == error_code && e.status == status)
        {
            e.retry_after += n;
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
