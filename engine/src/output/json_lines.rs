//! `--out json=FILE`: every sample as k6's JSON lines (a `Metric` line the
//! first time a metric appears, then one `Point` per value), so tools that
//! read k6's JSON output read ours. Written by the output's own thread
//! (see [`super::queue`]).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::points::{Clock, for_each_point};
use super::queue::{Encoder, SampleFile};
use super::{Finishing, Output, OutputError, RunInfo, RunOutcome};
use crate::metrics::{MetricKind, Registry, Sample, TagSet, ValueType};
use crate::wallclock::rfc3339;

/// `--out json=FILE`.
pub struct JsonOut(SampleFile);

impl JsonOut {
    /// Every sample to `path`, as k6's JSON lines.
    pub fn new(path: PathBuf) -> Self {
        Self(SampleFile::new(
            format!("--out json={}", path.display()),
            path,
        ))
    }
}

impl Output for JsonOut {
    fn name(&self) -> String {
        self.0.flag().to_string()
    }

    fn start(&self, run: &RunInfo<'_>) -> Result<(), OutputError> {
        self.0.start(
            run,
            JsonEncoder {
                declared: HashSet::new(),
                registry: run.registry.clone(),
                clock: Clock::now(),
            },
        )
    }

    fn wants_samples(&self) -> bool {
        true
    }

    fn add_samples(&self, batch: &Arc<[Sample]>) {
        self.0.push(batch);
    }

    fn finish<'a>(&'a self, _outcome: &'a RunOutcome) -> Finishing<'a> {
        Box::pin(self.0.finish())
    }

    fn abandon(&self) {
        self.0.abandon();
    }
}

/// k6's JSON lines, batch by batch.
struct JsonEncoder {
    declared: HashSet<String>,
    registry: Arc<Registry>,
    clock: Clock,
}

fn kind_name(kind: MetricKind) -> &'static str {
    kind.as_str()
}

fn contains(v: ValueType) -> &'static str {
    match v {
        ValueType::Default => "default",
        ValueType::Time => "time",
        ValueType::Data => "data",
    }
}

fn tags_json(tags: &TagSet) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

impl JsonEncoder {
    #[allow(clippy::too_many_arguments)]
    fn point(
        &mut self,
        out: &mut Vec<u8>,
        metric: &str,
        kind: MetricKind,
        vt: ValueType,
        time: &str,
        value: f64,
        tags: &Value,
    ) {
        if !self.declared.contains(metric) {
            let line = json!({"type": "Metric", "data": {"name": metric, "type": kind_name(kind), "contains": contains(vt), "thresholds": [], "submetrics": null}, "metric": metric});
            line_to(out, &line);
            self.declared.insert(metric.to_string());
        }
        let line = json!({"type": "Point", "data": {"time": time, "value": value, "tags": tags}, "metric": metric});
        line_to(out, &line);
    }
}

fn line_to(out: &mut Vec<u8>, v: &Value) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
    out.push(b'\n');
}

impl Encoder for JsonEncoder {
    fn encode(&mut self, batch: &[Sample], out: &mut Vec<u8>) {
        for s in batch {
            let registry = self.registry.clone();
            for_each_point(s, &registry, |p| {
                let time = rfc3339(self.clock.wall(p.at));
                self.point(
                    out,
                    p.metric,
                    p.kind,
                    p.value_type,
                    &time,
                    p.value,
                    &tags_json(p.tags),
                );
            });
        }
    }
}
