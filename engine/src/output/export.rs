//! `--summary-export`: k6's legacy summary-export JSON, so tools and
//! scripts that read k6's file read ours.
//!
//! Shape: `{"root_group": {...groups and checks...}, "metrics": {name: {...}}}`.
//! Trends list the summary trend stats; counters `count` and `rate` (per
//! second); rates `passes` (non-zero samples), `fails` (zero samples) and
//! `value` (the share); gauges `value`, `min`, `max`. Metrics with
//! thresholds carry `"thresholds": {"p(95)<500": false}`, where, as in
//! k6, the boolean says whether the threshold *failed*. Sub-metrics named
//! in thresholds are exported under their selector, as k6 does. Volley adds
//! `errors`: the error catalogue (failed requests by kind, with counts,
//! share, first time seen and the endpoints they hit).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{SummaryInput, trend_stat};
use crate::metrics::{Sink, TagSet};
use crate::thresholds::MetricSelector;

fn metric_json(sink: &Sink, input: &SummaryInput) -> Value {
    let elapsed = input.snapshot.elapsed;
    match sink {
        Sink::Trend(_) => {
            let mut m = Map::new();
            for stat in input.trend_stats {
                if let Some(v) = trend_stat(sink, stat) {
                    m.insert(stat.clone(), json!(v));
                }
            }
            Value::Object(m)
        }
        Sink::Counter { sum } => json!({"count": sum, "rate": sink.rate(elapsed)}),
        Sink::Rate { trues, total } => json!({
            "passes": trues,
            "fails": total - trues,
            "value": sink.rate(elapsed),
        }),
        Sink::Gauge { value, min, max } => json!({"value": value, "min": min, "max": max}),
    }
}

/// A short stable id for a group or check path (k6 uses an MD5 of the
/// path; consumers treat it as opaque).
fn id(path: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[derive(Default)]
struct Group {
    groups: BTreeMap<String, Group>,
    checks: BTreeMap<String, (u64, u64)>,
}

impl Group {
    fn at(&mut self, path: &str) -> &mut Group {
        let mut g = self;
        for part in path.split("::").filter(|p| !p.is_empty()) {
            g = g.groups.entry(part.to_string()).or_default();
        }
        g
    }

    fn to_json(&self, name: &str, path: &str) -> Value {
        let groups: Map<String, Value> = self
            .groups
            .iter()
            .map(|(n, g)| {
                let p = format!("{path}::{n}");
                (n.clone(), g.to_json(n, &p))
            })
            .collect();
        let checks: Map<String, Value> = self
            .checks
            .iter()
            .map(|(n, (passes, fails))| {
                let p = format!("{path}::{n}");
                (
                    n.clone(),
                    json!({"name": n, "path": p, "id": id(&p), "passes": passes, "fails": fails}),
                )
            })
            .collect();
        json!({"name": name, "path": path, "id": id(path), "groups": groups, "checks": checks})
    }
}

fn root_group(input: &SummaryInput) -> Value {
    let mut root = Group::default();
    for metric in ["http_reqs", "iterations"] {
        if let Some(s) = input.snapshot.metric(metric) {
            for tags in s.by_tags.keys() {
                root.at(tags.get("group").unwrap_or(""));
            }
        }
    }
    if let Some(s) = input.snapshot.metric("checks") {
        for (tags, sink) in &s.by_tags {
            if let Sink::Rate { trues, total } = sink {
                let g = root.at(tags.get("group").unwrap_or(""));
                let e = g
                    .checks
                    .entry(tags.get("check").unwrap_or("").to_string())
                    .or_default();
                e.0 += trues;
                e.1 += total - trues;
            }
        }
    }
    root.to_json("", "")
}

/// The summary as k6's `--summary-export` JSON.
pub fn summary_export(input: &SummaryInput) -> Value {
    let snap = input.snapshot;
    let mut metrics = Map::new();
    for s in snap.series() {
        if let Some(sink) = snap.aggregate(&s.def.name, &[]).filter(Sink::has_samples) {
            metrics.insert(s.def.name.clone(), metric_json(&sink, input));
        }
    }
    let expected = [("expected_response".to_string(), "true".to_string())];
    if let Some(sink) = snap
        .aggregate("http_req_duration", &expected)
        .filter(Sink::has_samples)
    {
        let key = format!(
            "http_req_duration{}",
            TagSet::from_pairs(expected.iter().cloned())
        );
        metrics.insert(key, metric_json(&sink, input));
    }
    for t in input.thresholds {
        let entry = metrics.entry(t.metric.clone()).or_insert_with(|| {
            MetricSelector::parse(&t.metric)
                .ok()
                .and_then(|sel| snap.aggregate(&sel.metric, &sel.tags))
                .map(|sink| metric_json(&sink, input))
                .unwrap_or_else(|| json!({}))
        });
        if let Value::Object(m) = entry {
            let th = m.entry("thresholds").or_insert_with(|| json!({}));
            if let Value::Object(th) = th {
                th.insert(t.expression.clone(), json!(!t.passed));
            }
        }
    }
    let total = snap.counter("http_reqs", &[]).max(1.0);
    let errors: Vec<Value> = snap
        .errors
        .iter()
        .map(|e| {
            let endpoints: Map<String, Value> =
                e.names.iter().map(|(n, c)| (n.clone(), json!(c))).collect();
            json!({
                "kind": e.kind,
                "error_code": e.error_code,
                "status": e.status,
                "count": e.count,
                "share": e.count as f64 / total,
                "first_seen_ms": e.first_seen.as_secs_f64() * 1000.0,
                "endpoints": endpoints,
            })
        })
        .collect();
    // `errors` is Volley's addition to k6's shape (the error catalogue).
    json!({"root_group": root_group(input), "metrics": metrics, "errors": errors})
}
