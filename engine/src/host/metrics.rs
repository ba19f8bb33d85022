//! `volley:scenario/metrics`: custom metrics defined and fed by guests.

use super::HostState;
use super::bindings::metrics as wit;
use crate::metrics::{MetricId, MetricKind, TagSet, ValueType};

impl wit::Host for HostState {
    fn define(
        &mut self,
        name: String,
        kind: wit::MetricKind,
        value_type: wit::ValueType,
    ) -> wasmtime::Result<Result<u32, String>> {
        let kind = match kind {
            wit::MetricKind::Counter => MetricKind::Counter,
            wit::MetricKind::Gauge => MetricKind::Gauge,
            wit::MetricKind::Rate => MetricKind::Rate,
            wit::MetricKind::Trend => MetricKind::Trend,
        };
        let value_type = match value_type {
            wit::ValueType::Default => ValueType::Default,
            wit::ValueType::Time => ValueType::Time,
            wit::ValueType::Data => ValueType::Data,
        };
        let registry = self.run().vu.metrics.registry().clone();
        Ok(match registry.define(&name, kind, value_type) {
            Ok(id) => {
                let i = id.0 as usize;
                if self.custom_kinds.len() <= i {
                    self.custom_kinds.resize(i + 1, None);
                }
                self.custom_kinds[i] = Some(kind);
                Ok(id.0)
            }
            Err(e) => Err(e.to_string()),
        })
    }

    fn add(
        &mut self,
        metric: u32,
        value: f64,
        tags: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        // Only ids this VU defined are accepted; an id from elsewhere is a
        // guest bug, reported once per call rather than trapping.
        let kind = self.custom_kinds.get(metric as usize).copied().flatten();
        let Some(kind) = kind else {
            crate::log::line(
                crate::log::Level::Warn,
                Some(self.vu.id),
                &format!(
                    "metrics.add with metric id {metric} that this VU did not define; sample dropped"
                ),
            );
            return Ok(());
        };
        let tags = if tags.is_empty() {
            self.vu.base_tags.clone()
        } else {
            self.vu.base_tags.merged(&TagSet::from_pairs(tags))
        };
        self.vu.samples.custom(MetricId(metric), kind, value, tags);
        Ok(())
    }
}
