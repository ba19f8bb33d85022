//! `--results FILE`: a complete, self-describing record of a run: options,
//! thresholds and their outcome, every metric per tag set (trends with
//! their full HDR histogram, V2 format, base64), the error catalogue and a
//! per-second time series. Percentiles recomputed from it equal the
//! summary's exactly. It is the input of `volley compare`.
//!
//! Fields added since format 1 was first written are optional, so older
//! files still read: `timeseries[].resources` (the CPU and memory samples)
//! and `load_generator`.
//!
//! While the run goes, the file is written every [`CHECKPOINT_EVERY`] as a
//! checkpoint (`"partial": true`, no thresholds judged), through a
//! temporary file and a rename: a run killed outright (SIGKILL, the
//! machine lost) leaves a valid file up to its last checkpoint, which
//! `report`, `compare` and `merge --allow-partial` read, saying it is
//! partial. The run's end replaces it with the complete file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde_json::{Map, Value, json};

use super::{
    Finishing, Output, OutputError, RunInfo, RunOutcome, SummaryInput, check_writable,
    render_report, write_atomically,
};
use crate::metrics::{MetricKind, Sink, Snapshot, TrendStats, ValueType};

/// Version of the results file format.
pub const RESULTS_FORMAT: u32 = 1;

/// How often a running test's results file is checkpointed.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Totals at one moment of the run, for the time series.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimePoint {
    /// Test time, seconds.
    pub t: f64,
    /// Active VUs.
    pub vus: f64,
    /// Requests so far.
    pub http_reqs: f64,
    /// Failed requests so far.
    pub http_req_failed: u64,
    /// Iterations so far.
    pub iterations: f64,
    /// Failed checks so far.
    pub checks_failed: u64,
    /// `http_req_duration` p50, p95 and p99 (ms) of the requests since the
    /// previous point; empty when there were none.
    #[serde(default)]
    pub latency: Vec<f64>,
    /// The resource samples since the previous point, averaged, by series
    /// key as thresholds write it: `target_cpu{target:api}`,
    /// `volley_memory`. Absent from files of older Volleys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, f64>,
}

/// What the results file says beyond the summary.
#[derive(Debug, Clone)]
pub struct ResultsMeta<'a> {
    /// The scenario file.
    pub scenario: &'a str,
    /// The resolved options, as given to the run (JSON).
    pub options: Value,
    /// The time series.
    pub timeseries: &'a [TimePoint],
    /// Where the run stands in a fleet.
    pub fleet: Option<&'a crate::fleet::FleetMeta>,
}

fn contains(v: ValueType) -> &'static str {
    match v {
        ValueType::Default => "default",
        ValueType::Time => "time",
        ValueType::Data => "data",
    }
}

fn sink_json(sink: &Sink) -> Value {
    match sink {
        Sink::Counter { sum } => json!({"counter": {"sum": sum}}),
        Sink::Rate { trues, total } => json!({"rate": {"trues": trues, "total": total}}),
        Sink::Gauge { value, min, max } => {
            json!({"gauge": {"value": value, "min": min, "max": max}})
        }
        Sink::Trend(t) => {
            let mut bytes = Vec::new();
            let hdr = match V2Serializer::new().serialize(t.histogram().as_ref(), &mut bytes) {
                Ok(_) => BASE64.encode(&bytes),
                Err(_) => String::new(),
            };
            let mut trend = json!({"count": t.count(), "sum": t.sum(), "min": t.min(), "max": t.max(), "hdr": hdr, "scale": 1000});
            // A trend with few values keeps them, so percentiles read back
            // (report, compare, merge) stay exact as k6 computes them.
            if let Some(values) = t.exact_values() {
                trend["values"] = json!(values);
            }
            json!({ "trend": trend })
        }
    }
}

/// The results document.
pub fn results(input: &SummaryInput, meta: &ResultsMeta) -> Value {
    let snap = input.snapshot;
    let mut metrics = Vec::new();
    for s in snap.series() {
        let series: Vec<Value> = s
            .by_tags
            .iter()
            .filter(|(_, sink)| sink.has_samples())
            .map(|(tags, sink)| {
                let tags: Map<String, Value> = tags
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                let mut v = sink_json(sink);
                v["tags"] = Value::Object(tags);
                v
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        metrics.push(json!({
            "name": s.def.name,
            "type": s.def.kind.as_str(),
            "contains": contains(s.def.value_type),
            "builtin": s.def.builtin,
            "series": series,
        }));
    }
    let thresholds: Vec<Value> = input
        .thresholds
        .iter()
        .map(|t| json!({"metric": t.metric, "expression": t.expression, "passed": t.passed, "observed": t.observed}))
        .collect();
    let exported = super::summary_export(input);
    let mut doc = json!({
        "format": RESULTS_FORMAT,
        "volley": env!("CARGO_PKG_VERSION"),
        "scenario": meta.scenario,
        "duration_s": snap.elapsed.as_secs_f64(),
        "options": meta.options,
        "scenarios": input.scenarios,
        "stop_reason": input.stop_reason,
        "thresholds": thresholds,
        "metrics": metrics,
        "errors": exported["errors"],
        "timeseries": meta.timeseries,
        "load_generator": {
            "cores": input.load_generator.cores,
            "saturation": input.load_generator.saturation,
        },
    });
    if let Some(fleet) = meta.fleet {
        doc["fleet"] = serde_json::to_value(fleet).unwrap_or(Value::Null);
    }
    if let Some(stages) = input.stages {
        doc["stages"] = serde_json::to_value(stages).unwrap_or(Value::Null);
    }
    doc
}

/// The options a results file keeps of `plan`.
fn options_json(plan: &crate::plan::Plan) -> Value {
    json!({
        "thresholds": plan.thresholds,
        "summaryTrendStats": plan.summary_trend_stats.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "tags": plan.tags,
        "seed": plan.seed,
    })
}

/// The kind named in a results file.
pub fn kind_of(name: &str) -> Option<MetricKind> {
    Some(match name {
        "counter" => MetricKind::Counter,
        "gauge" => MetricKind::Gauge,
        "rate" => MetricKind::Rate,
        "trend" => MetricKind::Trend,
        _ => return None,
    })
}

fn trend_from(v: &Value) -> Option<TrendStats> {
    if let Some(values) = v["values"].as_array() {
        let values: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
        if values.len() as u64 == v["count"].as_u64()? {
            return Some(TrendStats::from_values(&values));
        }
    }
    let bytes = BASE64.decode(v["hdr"].as_str()?).ok()?;
    let hist = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .ok()?;
    Some(TrendStats::from_parts(
        hist,
        v["count"].as_u64()?,
        v["sum"].as_f64()?,
        v["min"].as_f64()?,
        v["max"].as_f64()?,
    ))
}

/// Read back one series written by [`results`].
pub fn sink_from_json(kind: MetricKind, v: &Value) -> Option<Sink> {
    Some(match kind {
        MetricKind::Counter => Sink::Counter {
            sum: v["counter"]["sum"].as_f64()?,
        },
        MetricKind::Rate => Sink::Rate {
            trues: v["rate"]["trues"].as_u64()?,
            total: v["rate"]["total"].as_u64()?,
        },
        MetricKind::Gauge => Sink::Gauge {
            value: v["gauge"]["value"].as_f64()?,
            min: v["gauge"]["min"].as_f64()?,
            max: v["gauge"]["max"].as_f64()?,
        },
        MetricKind::Trend => Sink::Trend(Box::new(trend_from(&v["trend"])?)),
    })
}

/// The average of each resource series' samples since the previous point
/// (`prev` holds each one's count and sum then); series without new
/// samples are left out.
fn resource_averages(
    snap: &Snapshot,
    prev: &mut BTreeMap<String, (u64, f64)>,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for metric in crate::resources::METRICS {
        let Some(series) = snap.metric(metric) else {
            continue;
        };
        for (tags, sink) in &series.by_tags {
            let Sink::Trend(t) = sink else { continue };
            let key = if tags.is_empty() {
                metric.to_string()
            } else {
                format!("{metric}{tags}")
            };
            let (count, sum) = (t.count(), t.sum());
            let (c0, s0) = prev.insert(key.clone(), (count, sum)).unwrap_or((0, 0.0));
            if count > c0 {
                out.insert(key, (sum - s0) / (count - c0) as f64);
            }
        }
    }
    out
}

/// `--results FILE` and `--html FILE`: the results document, and the HTML
/// report made of it. Both need the per-second time series, recorded here
/// from the snapshots the run hands over.
pub struct ResultsOut {
    results: Option<PathBuf>,
    html: Option<PathBuf>,
    markdown: Option<PathBuf>,
    series: Mutex<Series>,
    checkpoint: Mutex<Option<Checkpoint>>,
}

/// What a checkpoint needs from the run's start, and when the last was made.
struct Checkpoint {
    scenario: String,
    plan: crate::plan::Plan,
    fleet: crate::fleet::FleetMeta,
    last: Option<std::time::Duration>,
    /// A checkpoint is being written (on its own thread); skip the next.
    busy: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The time series so far.
#[derive(Default)]
struct Series {
    points: Vec<TimePoint>,
    latency: Option<TrendStats>,
    /// (count, sum) of each resource series at the previous point.
    resources: BTreeMap<String, (u64, f64)>,
}

impl ResultsOut {
    /// Write the results document to `results` and/or the report to `html`.
    pub fn new(results: Option<PathBuf>, html: Option<PathBuf>) -> Self {
        Self {
            results,
            html,
            markdown: None,
            series: Mutex::new(Series::default()),
            checkpoint: Mutex::new(None),
        }
    }

    /// Start the time series from `points` (a merged fleet's, whose
    /// series comes from its segments' files rather than snapshots).
    pub fn with_points(self, points: Vec<TimePoint>) -> Self {
        self.series.lock().unwrap_or_else(|e| e.into_inner()).points = points;
        self
    }

    /// Also write the Markdown report to `path` (`--report FILE.md`).
    pub fn with_markdown(mut self, path: Option<PathBuf>) -> Self {
        self.markdown = path;
        self
    }

    fn files(&self) -> impl Iterator<Item = (&'static str, &PathBuf)> {
        self.results
            .iter()
            .map(|p| ("--results", p))
            .chain(self.html.iter().map(|p| ("--html", p)))
            .chain(self.markdown.iter().map(|p| ("--report", p)))
    }
}

impl Output for ResultsOut {
    fn name(&self) -> String {
        self.files()
            .map(|(flag, p)| format!("{flag} {}", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn start(&self, run: &RunInfo<'_>) -> Result<(), OutputError> {
        self.files()
            .try_for_each(|(flag, p)| check_writable(flag, p))?;
        if self.results.is_some()
            && let Some(fleet) = run.fleet
        {
            *self.checkpoint.lock().unwrap_or_else(|e| e.into_inner()) = Some(Checkpoint {
                scenario: run.scenario.to_string(),
                plan: run.plan.clone(),
                fleet: fleet.clone(),
                last: None,
                busy: Default::default(),
            });
        }
        Ok(())
    }

    fn wants_snapshots(&self) -> bool {
        true
    }

    fn on_snapshot(&self, snap: &Snapshot) {
        self.record(snap);
        self.checkpoint(snap);
    }

    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a> {
        // The last point is the run's end, so even a run shorter than the
        // first tick has a series.
        self.record(&outcome.snapshot);
        Box::pin(self.write(outcome))
    }
}

impl ResultsOut {
    /// Write the checkpoint of `snap` when one is due, on a thread of its
    /// own so a large file never holds the run's monitor.
    fn checkpoint(&self, snap: &Snapshot) {
        let Some(path) = self.results.clone() else {
            return;
        };
        let mut guard = self.checkpoint.lock().unwrap_or_else(|e| e.into_inner());
        let Some(c) = guard.as_mut() else { return };
        if c.last.is_some_and(|t| snap.elapsed < t + CHECKPOINT_EVERY)
            || c.busy.swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return;
        }
        c.last = Some(snap.elapsed);
        let started = std::time::SystemTime::now() - snap.elapsed;
        let mut fleet = c.fleet.clone();
        fleet.started_at = Some(crate::wallclock::rfc3339(started));
        fleet.started_at_ms = started
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as u64);
        fleet.exit_code = -1;
        let (scenario, plan, busy) = (c.scenario.clone(), c.plan.clone(), c.busy.clone());
        drop(guard);
        let points = self
            .series
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .points
            .clone();
        let snap = snap.clone();
        let spawned = std::thread::Builder::new()
            .name("results-checkpoint".into())
            .spawn(move || {
                let input = SummaryInput {
                    scenario: &scenario,
                    snapshot: &snap,
                    thresholds: &[],
                    trend_stats: &plan.summary_trend_stats,
                    color: false,
                    interrupted_iterations: 0,
                    scenarios: plan
                        .scenarios
                        .iter()
                        .map(|s| s.describe(&plan.segment))
                        .collect(),
                    stop_reason: Some(
                        "checkpoint: the run had not ended when this file was written".into(),
                    ),
                    load_generator: Default::default(),
                    stages: None,
                };
                let mut doc = results(
                    &input,
                    &ResultsMeta {
                        scenario: &scenario,
                        options: options_json(&plan),
                        timeseries: &points,
                        fleet: Some(&fleet),
                    },
                );
                doc["partial"] = Value::Bool(true);
                if let Ok(bytes) = serde_json::to_vec(&doc) {
                    let _ = write_atomically(&path, &bytes);
                }
                busy.store(false, std::sync::atomic::Ordering::Release);
            });
        if spawned.is_err()
            && let Some(c) = self
                .checkpoint
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
        {
            c.busy.store(false, std::sync::atomic::Ordering::Release);
        }
    }

    fn record(&self, snap: &Snapshot) {
        let mut s = self.series.lock().unwrap_or_else(|e| e.into_inner());
        if s.points
            .last()
            .is_some_and(|p| p.t >= snap.elapsed.as_secs_f64())
        {
            return;
        }
        let latency = match snap.aggregate("http_req_duration", &[]) {
            Some(Sink::Trend(t)) => {
                let ps = t.percentiles_since(s.latency.as_ref(), &[50.0, 95.0, 99.0]);
                s.latency = Some(*t);
                ps
            }
            _ => Vec::new(),
        };
        let (ok_checks, all_checks) = snap.rate_counts("checks", &[]);
        let resources = resource_averages(snap, &mut s.resources);
        s.points.push(TimePoint {
            resources,
            latency,
            t: snap.elapsed.as_secs_f64(),
            vus: match snap.aggregate("vus", &[]) {
                Some(Sink::Gauge { value, .. }) => value,
                _ => 0.0,
            },
            http_reqs: snap.counter("http_reqs", &[]),
            http_req_failed: snap.rate_counts("http_req_failed", &[]).0,
            iterations: snap.counter("iterations", &[]),
            checks_failed: all_checks - ok_checks,
        });
    }

    async fn write(&self, outcome: &RunOutcome) -> Result<(), OutputError> {
        // No checkpoint may land after the complete file: stop them, and
        // wait (a bounded while) for one being written.
        let busy = self
            .checkpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .map(|c| c.busy);
        if let Some(busy) = busy {
            for _ in 0..3000 {
                if !busy.load(std::sync::atomic::Ordering::Acquire) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        {
            let points =
                std::mem::take(&mut self.series.lock().unwrap_or_else(|e| e.into_inner()).points);
            let plan = &outcome.plan;
            let meta = ResultsMeta {
                scenario: &outcome.scenario,
                options: options_json(plan),
                timeseries: &points,
                fleet: Some(&outcome.fleet),
            };
            let doc = results(&SummaryInput::of(outcome), &meta);
            let write = |flag: &str, path: &PathBuf, bytes: Result<Vec<u8>, String>| {
                bytes
                    .and_then(|b| {
                        write_atomically(path, &b)
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))
                    })
                    .map_err(|m| OutputError::new(flag, m))
            };
            if let Some(path) = &self.results {
                write(
                    "--results",
                    path,
                    serde_json::to_vec(&doc).map_err(|e| e.to_string()),
                )?;
            }
            if let Some(path) = &self.html {
                write("--html", path, render_report(&doc).map(String::into_bytes))?;
            }
            if let Some(path) = &self.markdown {
                write(
                    "--report",
                    path,
                    super::render_markdown(&doc).map(String::into_bytes),
                )?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::metrics::{MetricKind, Registry, Store, TagSet};

    #[test]
    fn points_carry_resource_averages_per_interval() {
        let registry = Arc::new(Registry::new());
        let cpu = registry
            .define_builtin("target_cpu", MetricKind::Trend, ValueType::Default)
            .expect("define");
        let store = Store::new(registry, 1);
        let api = TagSet::from_pairs([("target", "api")]);
        let mut prev = BTreeMap::new();
        let mut buf = store.buffer(0);
        for v in [10.0, 30.0] {
            buf.custom(cpu, MetricKind::Trend, v, api.clone());
        }
        buf.flush();
        let first = resource_averages(&store.snapshot(Duration::from_secs(2)), &mut prev);
        assert_eq!(first.get("target_cpu{target:api}"), Some(&20.0));
        // Nothing new: no value, not a repeat of the old one.
        let idle = resource_averages(&store.snapshot(Duration::from_secs(3)), &mut prev);
        assert!(idle.is_empty(), "{idle:?}");
        buf.custom(cpu, MetricKind::Trend, 90.0, api);
        buf.flush();
        let next = resource_averages(&store.snapshot(Duration::from_secs(4)), &mut prev);
        assert_eq!(next.get("target_cpu{target:api}"), Some(&90.0));
    }

    #[test]
    fn older_points_without_resources_still_read() {
        let old = r#"{"t":1.0,"vus":2.0,"http_reqs":10.0,"http_req_failed":0,"iterations":5.0,"checks_failed":0,"latency":[1.0,2.0,3.0]}"#;
        let p: TimePoint = serde_json::from_str(old).expect("an older point");
        assert!(p.resources.is_empty());
        // And a point without resources is written as before.
        let back = serde_json::to_value(&p).expect("json");
        assert!(back.get("resources").is_none(), "{back}");
    }
}
