//! `volley:scenario/metrics`: custom metrics defined and fed by guests, and
//! (contract 0.2) checks and metric values delivered in batches, each
//! stamped with the time it was made.

use std::time::Instant;

use super::HostState;
use super::bindings::{v1, v2};
use super::wasi::instant_of;
use crate::metrics::{MetricId, MetricKind, TagSet, ValueType};

impl HostState {
    fn define_metric(
        &mut self,
        name: &str,
        kind: MetricKind,
        value_type: ValueType,
    ) -> Result<u32, String> {
        let registry = self.run().vu.metrics.registry().clone();
        match registry.define(name, kind, value_type) {
            Ok(id) => {
                let i = id.0 as usize;
                if self.custom_kinds.len() <= i {
                    self.custom_kinds.resize(i + 1, None);
                }
                self.custom_kinds[i] = Some(kind);
                Ok(id.0)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Record `value` of custom metric `metric` made at `at`.
    fn add_metric(&mut self, metric: u32, value: f64, tags: Vec<(String, String)>, at: Instant) {
        // Only ids this VU defined are accepted; an id from elsewhere is a
        // guest bug, logged (within the VU's log budget) rather than trapped.
        let kind = self.custom_kinds.get(metric as usize).copied().flatten();
        let Some(kind) = kind else {
            let vu = self.vu.id;
            self.vu.logs.line(
                &format!(
                    "metrics.add with metric id {metric} that this VU did not define; sample dropped"
                ),
                |t| crate::log::line(crate::log::Level::Warn, Some(vu), t),
            );
            return;
        };
        let tags = if tags.is_empty() {
            self.vu.base_tags.clone()
        } else {
            self.vu.base_tags.merged(&TagSet::from_pairs(tags))
        };
        self.vu
            .samples
            .custom_at(MetricId(metric), kind, value, tags, at);
    }
}

/// A guest's stamp, as an instant within the current iteration: no later
/// than now and no earlier than the iteration's start.
fn stamped(at: u64, iteration_start: Instant) -> Instant {
    instant_of(at).min(Instant::now()).max(iteration_start)
}

macro_rules! kinds {
    ($module:ident) => {
        fn kind_of(kind: $module::metrics::MetricKind) -> MetricKind {
            match kind {
                $module::metrics::MetricKind::Counter => MetricKind::Counter,
                $module::metrics::MetricKind::Gauge => MetricKind::Gauge,
                $module::metrics::MetricKind::Rate => MetricKind::Rate,
                $module::metrics::MetricKind::Trend => MetricKind::Trend,
            }
        }

        fn value_type_of(value_type: $module::metrics::ValueType) -> ValueType {
            match value_type {
                $module::metrics::ValueType::Default => ValueType::Default,
                $module::metrics::ValueType::Time => ValueType::Time,
                $module::metrics::ValueType::Data => ValueType::Data,
            }
        }
    };
}

mod version1 {
    use super::*;
    kinds!(v1);

    impl v1::metrics::Host for HostState {
        fn define(
            &mut self,
            name: String,
            kind: v1::metrics::MetricKind,
            value_type: v1::metrics::ValueType,
        ) -> wasmtime::Result<Result<u32, String>> {
            Ok(self.define_metric(&name, kind_of(kind), value_type_of(value_type)))
        }

        fn add(
            &mut self,
            metric: u32,
            value: f64,
            tags: Vec<(String, String)>,
        ) -> wasmtime::Result<()> {
            self.add_metric(metric, value, tags, Instant::now());
            Ok(())
        }
    }
}

mod version2 {
    use super::*;
    kinds!(v2);

    impl v2::metrics::Host for HostState {
        fn define(
            &mut self,
            name: String,
            kind: v2::metrics::MetricKind,
            value_type: v2::metrics::ValueType,
        ) -> wasmtime::Result<Result<u32, String>> {
            Ok(self.define_metric(&name, kind_of(kind), value_type_of(value_type)))
        }

        fn add(
            &mut self,
            metric: u32,
            value: f64,
            tags: Vec<(String, String)>,
        ) -> wasmtime::Result<()> {
            self.add_metric(metric, value, tags, Instant::now());
            Ok(())
        }

        fn record_batch(&mut self, entries: Vec<v2::metrics::Entry>) -> wasmtime::Result<()> {
            let start = self.vu.iteration_start;
            for e in entries {
                match e {
                    v2::metrics::Entry::Check(c) => {
                        self.record_check(c.name, c.ok, c.tags, stamped(c.at, start));
                    }
                    v2::metrics::Entry::Add(a) => {
                        self.add_metric(a.metric, a.value, a.tags, stamped(a.at, start));
                    }
                }
            }
            Ok(())
        }
    }
}
