//! `--summary-export`: k6's legacy summary-export JSON (what k6 writes with
//! `--summary-export`, built by `oldJSONSummary` in k6's
//! `summary-wrapper.js`), so tools and scripts that read k6's file read ours.
//!
//! ```text
//! {"root_group": {"name": "", "path": "", "id": md5(path),
//!                 "groups": {name: group...},
//!                 "checks": {name: {"name", "path": "::name", "id", "passes", "fails"}}},
//!  "metrics": {name: values}}
//! ```
//!
//! Metric values by type: trends the summary trend stats (`avg`, `p(95)`,
//! ...); counters `count` and `rate` (per second); rates `passes` (non-zero
//! samples), `fails` (zero samples) and `value` (the share of passes);
//! gauges `value`, `min`, `max`. Every metric with samples is there, plus
//! k6's `http_req_duration{expected_response:true}` and each sub-metric a
//! threshold selects, under the key as written. A metric with thresholds
//! carries `"thresholds": {"p(95)<500": false}`: as in k6
//! (`thresholds[source] = !threshold.ok`), the boolean says whether the
//! threshold FAILED, so `false` is a pass.
//!
//! Volley adds `errors`: the error catalogue (failed requests by kind, with
//! counts, share, first time seen and the endpoints they hit), and
//! `scenario`: what ran (its path, or the digest-pinned `oci://` reference
//! it was pulled from).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::SummaryInput;
use super::file::FileOut;
use crate::metrics::{MetricKind, Sink, Snapshot, ValueType};
use crate::thresholds::{Aggregation, MetricSelector};

/// `--summary-export FILE`.
pub struct SummaryExportOut;

impl SummaryExportOut {
    /// The summary export, written to `path` at the end.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: std::path::PathBuf) -> FileOut {
        FileOut::new("--summary-export", path, |outcome| {
            serde_json::to_vec_pretty(&summary_export(&SummaryInput::of(outcome)))
                .map_err(|e| e.to_string())
        })
    }
}

/// The summary as k6's `--summary-export` JSON.
pub fn summary_export(input: &SummaryInput) -> Value {
    let mut metrics = Map::new();
    for (key, sink, _) in metric_sinks(input) {
        let mut m = sink.map_or_else(Map::new, |s| values(&s, input, Shape::Export));
        let mut th = Map::new();
        for t in input.thresholds.iter().filter(|t| t.metric == key) {
            // true = failed, as k6 writes it.
            th.insert(t.expression.clone(), json!(!t.passed));
        }
        if !th.is_empty() {
            m.insert("thresholds".into(), Value::Object(th));
        }
        metrics.insert(key, Value::Object(m));
    }
    let mut doc = json!({
        "scenario": input.scenario,
        "root_group": root_group(input.snapshot).to_json("", "", Shape::Export),
        "metrics": metrics,
        "errors": errors(input.snapshot),
    });
    let lg = &input.load_generator;
    if lg.cores > 0 {
        doc["load_generator"] = json!({"cores": lg.cores, "saturation": lg.saturation});
    }
    if !input.snapshot.folded.is_empty() {
        // Volley's: samples of new series folded into overflow series.
        doc["series_folded"] = input
            .snapshot
            .folded
            .iter()
            .map(|f| json!({"metric": f.metric, "samples": f.samples}))
            .collect();
    }
    if let Some(stages) = input.stages {
        doc["stages"] = serde_json::to_value(stages).unwrap_or(Value::Null);
    }
    doc
}

/// What a scenario's `handle-summary` receives: k6's summary data object
/// (the `data` of `handleSummary(data)`), so a k6 handler ports as is.
///
/// ```text
/// {"root_group": {"name", "path", "id", "groups": [...], "checks": [...]},
///  "options": {"summaryTrendStats", "summaryTimeUnit", "noColor"},
///  "state": {"isStdOutTTY", "isStdErrTTY", "testRunDurationMs"},
///  "metrics": {name: {"type", "contains", "values", "thresholds": {src: {"ok"}}}},
///  "setup_data": ...}
/// ```
pub fn summary_data(input: &SummaryInput, setup_data: &[u8]) -> Value {
    use std::io::IsTerminal as _;
    let mut metrics = Map::new();
    for (key, sink, contains) in metric_sinks(input) {
        let mut m = Map::new();
        let kind = sink.as_ref().map_or(MetricKind::Counter, Sink::kind);
        m.insert("type".into(), json!(kind.as_str()));
        m.insert("contains".into(), json!(contains));
        let v = sink.map_or_else(Map::new, |s| values(&s, input, Shape::Data));
        m.insert("values".into(), Value::Object(v));
        let th: Map<String, Value> = input
            .thresholds
            .iter()
            .filter(|t| t.metric == key)
            .map(|t| (t.expression.clone(), json!({"ok": t.passed})))
            .collect();
        if !th.is_empty() {
            m.insert("thresholds".into(), Value::Object(th));
        }
        metrics.insert(key, Value::Object(m));
    }
    let trend_stats: Vec<String> = input.trend_stats.iter().map(|s| s.to_string()).collect();
    let mut data = json!({
        "root_group": root_group(input.snapshot).to_json("", "", Shape::Data),
        "options": {
            "summaryTrendStats": trend_stats,
            "summaryTimeUnit": "",
            "noColor": !input.color,
        },
        "state": {
            "isStdOutTTY": std::io::stdout().is_terminal(),
            "isStdErrTTY": std::io::stderr().is_terminal(),
            "testRunDurationMs": input.snapshot.elapsed.as_secs_f64() * 1000.0,
        },
        "metrics": metrics,
    });
    // k6 hands setup's data over parsed; ours is bytes, JSON when the
    // scenario returned JSON.
    if let Ok(parsed) = serde_json::from_slice::<Value>(setup_data) {
        data["setup_data"] = parsed;
    }
    data
}

/// Which of k6's two JSON shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `--summary-export` (legacy): rates as `value`, groups and checks
    /// as objects by name.
    Export,
    /// `handleSummary` data: rates as `rate`, groups and checks as arrays.
    Data,
}

/// A JSON number; JSON has no infinities or NaN, and an empty gauge's
/// bounds are infinite.
fn finite(v: f64) -> Value {
    json!(if v.is_finite() { v } else { 0.0 })
}

fn values(sink: &Sink, input: &SummaryInput, shape: Shape) -> Map<String, Value> {
    let elapsed = input.snapshot.elapsed;
    let mut m = Map::new();
    match sink {
        Sink::Trend(t) => {
            for stat in input.trend_stats {
                match stat {
                    Aggregation::Count => m.insert(stat.to_string(), json!(t.count())),
                    _ => m.insert(
                        stat.to_string(),
                        finite(stat.value(sink, elapsed).unwrap_or(0.0)),
                    ),
                };
            }
        }
        Sink::Counter { sum } => {
            m.insert("count".into(), finite(*sum));
            m.insert("rate".into(), finite(sink.rate(elapsed)));
        }
        Sink::Rate { trues, total } => {
            if shape == Shape::Data {
                m.insert("rate".into(), finite(sink.rate(elapsed)));
            }
            m.insert("passes".into(), json!(trues));
            m.insert("fails".into(), json!(total - trues));
            if shape == Shape::Export {
                m.insert("value".into(), finite(sink.rate(elapsed)));
            }
        }
        Sink::Gauge { value, min, max } => {
            m.insert("value".into(), finite(*value));
            m.insert("min".into(), finite(*min));
            m.insert("max".into(), finite(*max));
        }
    }
    m
}

/// Every metric with samples, k6's `http_req_duration{expected_response:true}`
/// and each sub-metric a threshold selects (under the key as written), with
/// what its values are (`default`, `time`, `data`). A metric with thresholds
/// is there even without samples, its values at zero, as in k6.
fn metric_sinks(input: &SummaryInput) -> Vec<(String, Option<Sink>, &'static str)> {
    let snap = input.snapshot;
    let contains = |name: &str| {
        snap.metric(name)
            .map_or("default", |s| match s.def.value_type {
                ValueType::Default => "default",
                ValueType::Time => "time",
                ValueType::Data => "data",
            })
    };
    let mut out: Vec<(String, Option<Sink>, &'static str)> = Vec::new();
    for series in snap.series() {
        let name = &series.def.name;
        if let Some(sink) = snap.aggregate(name, &[]).filter(Sink::has_samples) {
            out.push((name.clone(), Some(sink), contains(name)));
        }
    }
    let builtin = "http_req_duration{expected_response:true}";
    let subs = std::iter::once(builtin).chain(input.thresholds.iter().map(|t| t.metric.as_str()));
    for key in subs {
        if out.iter().any(|(k, _, _)| k == key) {
            continue;
        }
        let Ok(sel) = MetricSelector::parse(key) else {
            continue;
        };
        // A stage of the run: its figures are in `stages`, not in the
        // run's series; the entry carries the thresholds alone.
        let by_stage = input.stages.is_some()
            && sel
                .tags
                .iter()
                .any(|(k, _)| k == crate::stages::select::STAGE_KEY);
        if by_stage {
            out.push((key.to_string(), None, contains(&sel.metric)));
            continue;
        }
        let sink = snap
            .aggregate(&sel.metric, &sel.tags)
            .filter(Sink::has_samples);
        let threshold_key = input.thresholds.iter().any(|t| t.metric == key);
        let sink = match sink {
            Some(sink) => Some(sink),
            None if threshold_key => match snap.kind_of(&sel.metric) {
                Some(MetricKind::Gauge) => Some(Sink::Gauge {
                    value: 0.0,
                    min: 0.0,
                    max: 0.0,
                }),
                Some(kind) => Some(Sink::new(kind)),
                None => None,
            },
            None => None,
        };
        match sink {
            Some(sink) => out.push((key.to_string(), Some(sink), contains(&sel.metric))),
            // A threshold on a metric nothing defined: an empty entry.
            None if threshold_key => out.push((key.to_string(), None, "default")),
            None => {}
        }
    }
    out
}

/// A group of the tree k6 builds from `group()` calls: nested groups and
/// check counts (passes, fails) by name.
#[derive(Default)]
struct Group {
    groups: BTreeMap<String, Group>,
    checks: BTreeMap<String, (u64, u64)>,
}

impl Group {
    /// The group at `path` (`::outer::inner`, or "" for the root), created
    /// on the way.
    fn at(&mut self, path: &str) -> &mut Group {
        let mut g = self;
        for part in path.split("::").filter(|p| !p.is_empty()) {
            g = g.groups.entry(part.to_string()).or_default();
        }
        g
    }

    fn to_json(&self, name: &str, path: &str, shape: Shape) -> Value {
        let groups = self
            .groups
            .iter()
            .map(|(n, g)| (n.clone(), g.to_json(n, &format!("{path}::{n}"), shape)));
        let checks = self.checks.iter().map(|(n, (passes, fails))| {
            let p = format!("{path}::{n}");
            let check =
                json!({"name": n, "path": p, "id": md5_hex(&p), "passes": passes, "fails": fails});
            (n.clone(), check)
        });
        let (groups, checks) = match shape {
            Shape::Export => (
                Value::Object(groups.collect()),
                Value::Object(checks.collect()),
            ),
            Shape::Data => (
                Value::Array(groups.map(|(_, g)| g).collect()),
                Value::Array(checks.map(|(_, c)| c).collect()),
            ),
        };
        json!({"name": name, "path": path, "id": md5_hex(path), "groups": groups, "checks": checks})
    }
}

/// Groups come from the `group` tag of every series (k6 writes the group
/// path there); checks from the `checks` series, per group and name.
fn root_group(snap: &Snapshot) -> Group {
    let mut root = Group::default();
    for series in snap.series() {
        for tags in series.by_tags.keys() {
            root.at(tags.get("group").unwrap_or(""));
        }
    }
    if let Some(series) = snap.metric("checks") {
        for (tags, sink) in &series.by_tags {
            if let Sink::Rate { trues, total } = sink {
                let group = root.at(tags.get("group").unwrap_or(""));
                let name = tags.get("check").unwrap_or("").to_string();
                let e = group.checks.entry(name).or_default();
                e.0 += trues;
                e.1 += total - trues;
            }
        }
    }
    root
}

/// Volley's error catalogue.
fn errors(snap: &Snapshot) -> Value {
    let total = snap.counter("http_reqs", &[]).max(1.0);
    let list: Vec<Value> = snap
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
                "retry_after": e.retry_after,
                "share": e.count as f64 / total,
                "first_seen_ms": e.first_seen.as_secs_f64() * 1000.0,
                "endpoints": endpoints,
            })
        })
        .collect();
    Value::Array(list)
}

/// The MD5 of `text` in hex. k6's group and check ids are the MD5 of their
/// path (`lib/models.go`); tools correlate files by them, so ours are the
/// same ids. Not for anything secret.
fn md5_hex(text: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ThresholdLine, fixture};

    fn export(thresholds: &[ThresholdLine], trend_stats: &[&str]) -> Value {
        let snap = fixture::snapshot();
        let stats = fixture::stats(trend_stats);
        summary_export(&SummaryInput {
            scenario: "",
            snapshot: &snap,
            thresholds,
            trend_stats: &stats,
            color: true,
            interrupted_iterations: 0,
            scenarios: Vec::new(),
            stop_reason: None,
            load_generator: Default::default(),
            stages: None,
        })
    }

    fn threshold(metric: &str, expression: &str, passed: bool) -> ThresholdLine {
        fixture::threshold(metric, expression, passed, None)
    }

    #[test]
    fn metrics_in_k6_legacy_shape() {
        let json = export(
            &[],
            &["avg", "min", "med", "max", "p(90)", "p(95)", "count"],
        );
        let m = &json["metrics"];
        assert_eq!(m["http_reqs"], json!({"count": 10.0, "rate": 1.0}));
        assert_eq!(m["orders"], json!({"count": 20.0, "rate": 2.0}));
        // Rates: passes are the non-zero samples; the share is `value`.
        assert_eq!(
            m["http_req_failed"],
            json!({"passes": 2, "fails": 8, "value": 0.2})
        );
        assert_eq!(
            m["checks"],
            json!({"passes": 21, "fails": 2, "value": 21.0 / 23.0})
        );
        assert_eq!(m["vus"], json!({"value": 3.0, "min": 1.0, "max": 5.0}));
        let duration = m["http_req_duration"].as_object().expect("trend");
        let keys: Vec<&str> = duration.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["avg", "count", "max", "med", "min", "p(90)", "p(95)"]
        );
        assert_eq!(duration["count"], json!(10));
        assert_eq!(duration["min"], json!(10.1), "milliseconds, as k6");
        let expected = &m["http_req_duration{expected_response:true}"];
        assert_eq!(expected["count"], json!(8), "{expected}");
        assert_eq!(m["checkout_time"]["max"], json!(209.0));
        assert!(m.get("unused_trend").is_none(), "no samples, no entry");
        assert!(
            m.get("checks_total").is_none(),
            "k6 shows it, never exports it"
        );
        assert!(json.get("errors").is_some_and(Value::is_array));
    }

    #[test]
    fn thresholds_map_true_means_failed() {
        let thresholds = [
            threshold("http_req_duration", "p(95)<500", true),
            threshold("http_req_duration", "max<15", false),
            threshold("http_req_duration{status:200}", "p(95)<100", true),
            threshold("unused_trend", "avg<1", false),
        ];
        let json = export(&thresholds, &["avg", "p(95)"]);
        let m = &json["metrics"];
        assert_eq!(
            m["http_req_duration"]["thresholds"],
            json!({"p(95)<500": false, "max<15": true})
        );
        let sub = &m["http_req_duration{status:200}"];
        assert_eq!(sub["thresholds"], json!({"p(95)<100": false}));
        assert!(sub["avg"].as_f64().is_some_and(|v| v > 10.0), "{sub}");
        // A threshold's metric is exported even without samples, at zero.
        assert_eq!(
            m["unused_trend"],
            json!({"avg": 0.0, "p(95)": 0.0, "thresholds": {"avg<1": true}})
        );
        assert!(m["http_reqs"].get("thresholds").is_none());
    }

    #[test]
    fn root_group_holds_groups_and_checks_with_k6_ids() {
        let json = export(&[], &["avg"]);
        let root = &json["root_group"];
        assert_eq!(root["name"], "");
        assert_eq!(root["path"], "");
        assert_eq!(root["id"], "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            root["checks"]["status is 200"],
            json!({
                "name": "status is 200",
                "path": "::status is 200",
                "id": "6210a8cd14cd70477eba5c5e4cb3fb5f",
                "passes": 8,
                "fails": 2,
            })
        );
        assert_eq!(root["checks"]["body ok"]["passes"], 10);
        let login = &root["groups"]["login"];
        assert_eq!(login["path"], "::login");
        assert_eq!(login["id"], "a7d10b3a6c9a385ee254f0dbc7f9c8c9");
        assert_eq!(login["groups"], json!({}));
        assert_eq!(
            login["checks"]["logged in"],
            json!({
                "name": "logged in",
                "path": "::login::logged in",
                "id": "7899578c5df3634876689a01b7cc94c1",
                "passes": 3,
                "fails": 0,
            })
        );
    }

    #[test]
    fn md5_known_answers() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            md5_hex("The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        // Longer than one 64-byte block.
        assert_eq!(
            md5_hex(&"a".repeat(100)),
            "36a92cc94a9e0fa21f625f8bfb007adf"
        );
    }
}
