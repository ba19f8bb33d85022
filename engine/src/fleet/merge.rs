//! `volley merge`: a fleet's results files combined into the whole test's,
//! exactly, and its thresholds judged once on the merged data.
//!
//! Each segment's file holds every series with its full aggregate
//! (counters' sums, rates' counts, trends' HDR histograms or exact values),
//! so the merge adds them: the fleet's percentiles are those of all its
//! samples together, at the histograms' precision, never an average of
//! the segments' percentiles. Before adding, it checks the files belong
//! together: one fleet id, one scenario digest, one segment sequence, one
//! set of thresholds, and every segment of the sequence exactly once.
//!
//! What is not a plain sum:
//! - `vus` and `vus_max` add the segments' values (each process ran its
//!   share of the VUs at the same time); other gauges keep the value of the
//!   segment that ended last, and the minimum and maximum of all.
//! - The test time is the fleet's: from the first segment's start to the
//!   last one's end on the wall clock, the base of every `rate`.
//! - The per-second time series is aligned on the wall clock; its latency
//!   line per second is the slowest segment's (percentiles of a second are
//!   not kept per segment).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{FleetMeta, MergedSegment};
use crate::exit::ExitCode;
use crate::metrics::{ErrorEntry, MetricDef, MetricId, Sink, Snapshot, TagSet, ValueType};
use crate::outcome::{LoadGenerator, RunOutcome};
use crate::output::{RESULTS_FORMAT, TimePoint, kind_of, sink_from_json};
use crate::segment::{ExecutionSegment, ExecutionSegmentSequence};
use crate::thresholds::{Aggregation, ThresholdSet};

/// Why files cannot be merged (exit 104, nothing written).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// How to merge.
#[derive(Debug, Clone, Default)]
pub struct MergeOptions {
    /// Merge even when segments of the sequence are missing (the result
    /// is marked partial and covers only what was given).
    pub allow_partial: bool,
    /// Skip threshold evaluation.
    pub no_thresholds: bool,
}

/// A merged fleet.
#[derive(Debug)]
pub struct Merged {
    /// The whole test, as one run's outcome (judged).
    pub outcome: RunOutcome,
    /// The fleet's time series, on its wall clock.
    pub timeseries: Vec<TimePoint>,
    /// Things the user should know (late starts, missing segments).
    pub warnings: Vec<String>,
}

/// One segment's file, read.
struct Part {
    file: String,
    doc: Value,
    meta: FleetMeta,
    segment: ExecutionSegment,
    /// Load start, ms since the epoch.
    start_ms: f64,
    duration_s: f64,
}

fn field<'a>(doc: &'a Value, key: &str, file: &str) -> Result<&'a Value, MergeError> {
    doc.get(key)
        .ok_or_else(|| MergeError(format!("{file}: not a volley results file (no {key:?})")))
}

fn read_part(file: String, doc: Value) -> Result<Part, MergeError> {
    if doc["format"].as_u64() != Some(u64::from(RESULTS_FORMAT)) {
        return Err(MergeError(format!(
            "{file}: not a volley results file of format {RESULTS_FORMAT}; write one with \
             `volley run --results FILE`"
        )));
    }
    let fleet = field(&doc, "fleet", &file).map_err(|_| {
        MergeError(format!(
            "{file}: has no fleet data (written by an older Volley?); rerun the segment with \
             this version"
        ))
    })?;
    let meta: FleetMeta = serde_json::from_value(fleet.clone())
        .map_err(|e| MergeError(format!("{file}: unreadable fleet data: {e}")))?;
    if !meta.merged.is_empty() {
        return Err(MergeError(format!(
            "{file}: is already a merged file; merge the segments' own files"
        )));
    }
    let segment: ExecutionSegment = meta
        .segment
        .parse()
        .map_err(|e| MergeError(format!("{file}: segment {:?}: {e}", meta.segment)))?;
    let start_ms = meta.started_at_ms.ok_or_else(|| {
        MergeError(format!(
            "{file}: its load never started (exit code {}); a segment that sent no load has \
             nothing to merge",
            meta.exit_code
        ))
    })? as f64;
    let duration_s = field(&doc, "duration_s", &file)?.as_f64().unwrap_or(0.0);
    Ok(Part {
        file,
        doc,
        meta,
        segment,
        start_ms,
        duration_s,
    })
}

/// Check the parts are one fleet's and cover its sequence; returns the
/// sequence and the warnings.
fn check_fleet(
    parts: &[Part],
    opts: &MergeOptions,
) -> Result<(ExecutionSegmentSequence, Vec<String>), MergeError> {
    let first = &parts[0];
    let mut warnings = Vec::new();
    let same = |what: &str, get: &dyn Fn(&Part) -> String| -> Result<(), MergeError> {
        let base = get(first);
        for p in &parts[1..] {
            let v = get(p);
            if v != base {
                return Err(MergeError(format!(
                    "{} and {} are not from the same fleet run: their {what} differ ({base} vs {v})",
                    first.file, p.file
                )));
            }
        }
        Ok(())
    };
    same("fleet ids", &|p| {
        p.meta.id.clone().unwrap_or_else(|| "(none)".into())
    })?;
    same("scenario digests", &|p| p.meta.scenario_digest.clone())?;
    same("segment sequences", &|p| p.meta.sequence.clone())?;
    same("thresholds", &|p| {
        p.doc["options"]["thresholds"].to_string()
    })?;
    let sequence: ExecutionSegmentSequence = first.meta.sequence.parse().map_err(|e| {
        MergeError(format!(
            "{}: sequence {:?}: {e}",
            first.file, first.meta.sequence
        ))
    })?;
    let mut seen: HashMap<String, &str> = HashMap::new();
    for p in parts {
        if !sequence.segments().contains(&p.segment) {
            return Err(MergeError(format!(
                "{}: segment {} is not one of the sequence {}",
                p.file, p.segment, sequence
            )));
        }
        if let Some(other) = seen.insert(p.segment.to_string(), &p.file) {
            return Err(MergeError(format!(
                "{other} and {} both ran segment {}: give each segment once",
                p.file, p.segment
            )));
        }
    }
    let missing: Vec<String> = sequence
        .segments()
        .iter()
        .map(ToString::to_string)
        .filter(|s| !seen.contains_key(s))
        .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        if !opts.allow_partial {
            return Err(MergeError(format!(
                "segments {list} of the sequence {sequence} are missing: give every segment's \
                 results file, or --allow-partial to merge what there is (the verdict then \
                 covers only part of the test)"
            )));
        }
        warnings.push(format!(
            "partial fleet: segments {list} are missing; the merged results cover only part of \
             the test"
        ));
    }
    if first.meta.id.is_none() && parts.len() > 1 {
        warnings.push(
            "the segments have no --fleet-id: nothing proves they are one run (give every \
             process the same --fleet-id)"
                .into(),
        );
    }
    let earliest = parts
        .iter()
        .map(|p| p.start_ms)
        .fold(f64::INFINITY, f64::min);
    let latest = parts.iter().map(|p| p.start_ms).fold(0.0, f64::max);
    if latest - earliest > 5_000.0 {
        warnings.push(format!(
            "the segments' loads started {:.1}s apart: they did not run together (use \
             --start-at or --paused); rates and the time series stretch over the whole span",
            (latest - earliest) / 1000.0
        ));
    }
    Ok((sequence, warnings))
}

fn value_type(name: &str) -> ValueType {
    match name {
        "time" => ValueType::Time,
        "data" => ValueType::Data,
        _ => ValueType::Default,
    }
}

fn tags_of(series: &Value) -> TagSet {
    let pairs: Vec<(String, String)> = series["tags"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    TagSet::from_pairs(pairs)
}

/// Gauges whose fleet value is the sum of the segments'.
fn summed_gauge(name: &str) -> bool {
    matches!(name, "vus" | "vus_max")
}

/// Every metric's series, merged; `parts` are in the order their loads
/// ended, so a gauge's value is the last segment's.
fn merge_metrics(parts: &[Part], elapsed: Duration) -> Result<Snapshot, MergeError> {
    let mut defs: Vec<MetricDef> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut values: Vec<HashMap<TagSet, Sink>> = Vec::new();
    for p in parts {
        for m in p.doc["metrics"].as_array().into_iter().flatten() {
            let name = m["name"].as_str().unwrap_or_default();
            let Some(kind) = m["type"].as_str().and_then(kind_of) else {
                return Err(MergeError(format!(
                    "{}: metric {name:?} has an unknown type",
                    p.file
                )));
            };
            let i = match index.get(name) {
                Some(&i) => {
                    if defs[i].kind != kind {
                        return Err(MergeError(format!(
                            "{}: metric {name:?} is a {} metric there and a {} metric in another \
                             segment",
                            p.file,
                            kind.as_str(),
                            defs[i].kind.as_str()
                        )));
                    }
                    i
                }
                None => {
                    defs.push(MetricDef {
                        name: name.to_string(),
                        kind,
                        value_type: value_type(m["contains"].as_str().unwrap_or_default()),
                        builtin: m["builtin"].as_bool().unwrap_or(false),
                    });
                    values.push(HashMap::new());
                    index.insert(name.to_string(), defs.len() - 1);
                    defs.len() - 1
                }
            };
            for s in m["series"].as_array().into_iter().flatten() {
                let sink = sink_from_json(kind, s).ok_or_else(|| {
                    MergeError(format!(
                        "{}: a series of {name:?} cannot be read (damaged file?)",
                        p.file
                    ))
                })?;
                let tags = tags_of(s);
                match values[i].get_mut(&tags) {
                    None => {
                        values[i].insert(tags, sink);
                    }
                    Some(existing) if summed_gauge(name) => add_gauge(existing, &sink),
                    Some(existing) => existing.merge(&sink),
                }
            }
        }
    }
    let mut snap = Snapshot::new(defs, elapsed);
    for (i, series) in values.into_iter().enumerate() {
        for (tags, sink) in series {
            snap.merge_value(MetricId(i as u32), &tags, &sink);
        }
    }
    Ok(snap)
}

fn add_gauge(into: &mut Sink, other: &Sink) {
    if let (
        Sink::Gauge { value, min, max },
        Sink::Gauge {
            value: ov,
            min: omin,
            max: omax,
        },
    ) = (into, other)
    {
        *value += ov;
        *min += omin;
        *max += omax;
    }
}

/// The error catalogue: entries of the same kind add up; first-seen times
/// move to the fleet's clock.
fn merge_errors(parts: &[Part], fleet_start_ms: f64) -> Vec<ErrorEntry> {
    let mut out: Vec<ErrorEntry> = Vec::new();
    for p in parts {
        let shift = p.start_ms - fleet_start_ms;
        for e in p.doc["errors"].as_array().into_iter().flatten() {
            let code = e["error_code"].as_u64().unwrap_or(0) as u32;
            let status = e["status"].as_u64().unwrap_or(0) as u16;
            let first = Duration::from_secs_f64(
                ((e["first_seen_ms"].as_f64().unwrap_or(0.0) + shift) / 1000.0).max(0.0),
            );
            let i = match out
                .iter()
                .position(|x| x.error_code == code && x.status == status)
            {
                Some(i) => i,
                None => {
                    out.push(ErrorEntry {
                        error_code: code,
                        status,
                        kind: e["kind"].as_str().unwrap_or_default().to_string(),
                        count: 0,
                        first_seen: first,
                        names: Vec::new(),
                        retry_after: 0,
                    });
                    out.len() - 1
                }
            };
            let entry = &mut out[i];
            entry.count += e["count"].as_u64().unwrap_or(0);
            entry.retry_after += e["retry_after"].as_u64().unwrap_or(0);
            entry.first_seen = entry.first_seen.min(first);
            for (name, n) in e["endpoints"].as_object().into_iter().flatten() {
                let n = n.as_u64().unwrap_or(0);
                match entry.names.iter_mut().find(|(k, _)| k == name) {
                    Some((_, c)) => *c += n,
                    None => entry.names.push((name.clone(), n)),
                }
            }
        }
    }
    for e in &mut out {
        e.names
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    out
}

/// The time series on the fleet's clock: at each whole second, the sum of
/// every segment's latest cumulative point (requests, iterations,
/// failures, VUs), the slowest segment's latency line of that second, and
/// each resource series' average over the segments that sampled it.
fn merge_timeseries(parts: &[Part], fleet_start_ms: f64, span_s: f64) -> Vec<TimePoint> {
    let series: Vec<(f64, Vec<TimePoint>)> = parts
        .iter()
        .map(|p| {
            let points: Vec<TimePoint> =
                serde_json::from_value(p.doc["timeseries"].clone()).unwrap_or_default();
            ((p.start_ms - fleet_start_ms) / 1000.0, points)
        })
        .collect();
    let seconds = span_s.ceil() as u64;
    let mut out = Vec::new();
    for s in 1..=seconds {
        let t = (s as f64).min(span_s);
        let mut point = TimePoint {
            t,
            vus: 0.0,
            http_reqs: 0.0,
            http_req_failed: 0,
            iterations: 0.0,
            checks_failed: 0,
            latency: Vec::new(),
            resources: BTreeMap::new(),
        };
        let mut resources: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        let mut any = false;
        for (shift, points) in &series {
            // The latest point at or before t (a point taken a few ms
            // after the second still belongs to it).
            let Some(latest) = points.iter().rev().find(|p| p.t + shift <= t + 0.05) else {
                continue;
            };
            any = true;
            point.vus += latest.vus;
            point.http_reqs += latest.http_reqs;
            point.http_req_failed += latest.http_req_failed;
            point.iterations += latest.iterations;
            point.checks_failed += latest.checks_failed;
            if latest.t + shift > t - 1.0 {
                if latest.latency.len() == point.latency.len() || point.latency.is_empty() {
                    if point.latency.is_empty() {
                        point.latency = latest.latency.clone();
                    } else {
                        for (a, b) in point.latency.iter_mut().zip(&latest.latency) {
                            *a = a.max(*b);
                        }
                    }
                }
                for (k, v) in &latest.resources {
                    let e = resources.entry(k.clone()).or_default();
                    e.0 += v;
                    e.1 += 1;
                }
            }
        }
        if any {
            point.resources = resources
                .into_iter()
                .map(|(k, (sum, n))| (k, sum / f64::from(n)))
                .collect();
            out.push(point);
        }
    }
    out
}

/// Merge the segments' results files (`(name, parsed JSON)`), judge the
/// thresholds on the whole, and return the fleet's outcome.
pub fn merge(files: Vec<(String, Value)>, opts: &MergeOptions) -> Result<Merged, MergeError> {
    if files.is_empty() {
        return Err(MergeError(
            "no results files given: `volley merge segment-0.json segment-1.json ...`".into(),
        ));
    }
    let mut parts = files
        .into_iter()
        .map(|(file, doc)| read_part(file, doc))
        .collect::<Result<Vec<_>, _>>()?;
    let (sequence, mut warnings) = check_fleet(&parts, opts)?;
    for p in &parts {
        if p.doc["partial"].as_bool() == Some(true) {
            if !opts.allow_partial {
                return Err(MergeError(format!(
                    "{}: is a checkpoint of a run that did not end (killed?), its figures stop at \
                     {:.0}s; --allow-partial merges it anyway",
                    p.file, p.duration_s
                )));
            }
            warnings.push(format!(
                "{}: a checkpoint of a run that did not end; its segment's figures stop at {:.0}s",
                p.file, p.duration_s
            ));
        }
    }
    // Gauges keep the value of the segment that ended last.
    parts.sort_by(|a, b| {
        (a.start_ms + a.duration_s * 1000.0).total_cmp(&(b.start_ms + b.duration_s * 1000.0))
    });
    let fleet_start = parts
        .iter()
        .map(|p| p.start_ms)
        .fold(f64::INFINITY, f64::min);
    let fleet_end = parts
        .iter()
        .map(|p| p.start_ms + p.duration_s * 1000.0)
        .fold(0.0, f64::max);
    let span_s = ((fleet_end - fleet_start) / 1000.0).max(0.0);
    let elapsed = Duration::from_secs_f64(span_s);
    let mut snapshot = merge_metrics(&parts, elapsed)?;
    snapshot.errors = merge_errors(&parts, fleet_start);
    let timeseries = merge_timeseries(&parts, fleet_start, span_s);

    // The plan the outputs read: the thresholds, trend columns and tags the
    // segments ran with; no scenarios of its own (the segments describe
    // theirs).
    let first = &parts[0];
    let options = &first.doc["options"];
    let thresholds_raw: Map<String, Value> = options["thresholds"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut plan = crate::plan::resolve(&crate::config::Options::default(), BTreeMap::new())
        .map_err(|e| MergeError(format!("internal: default plan: {e}")))?;
    plan.scenarios.clear();
    plan.thresholds = thresholds_raw.clone();
    plan.summary_trend_stats = options["summaryTrendStats"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().and_then(|s| Aggregation::parse(s).ok()))
                .collect()
        })
        .filter(|v: &Vec<Aggregation>| !v.is_empty())
        .unwrap_or(plan.summary_trend_stats);
    if let Some(tags) = options["tags"].as_object() {
        plan.tags = tags
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
    }
    plan.segment = crate::segment::ExecutionTuple::full();

    let lines = if opts.no_thresholds {
        Vec::new()
    } else {
        let set = ThresholdSet::parse(&thresholds_raw)
            .map_err(|e| MergeError(format!("{}: its thresholds do not parse: {e}", first.file)))?;
        if set
            .metrics
            .iter()
            .any(|m| m.selector.tags.iter().any(|(k, _)| k == "stage"))
        {
            warnings.push(
                "thresholds on {stage:...} are judged per segment, not in the merge (stages are \
                 not merged): they read as failed here"
                    .into(),
            );
        }
        crate::stages::select::judge(&set, &snapshot, None, None)
    };

    // The fleet's verdict: a segment that did not finish its share (stopped,
    // aborted, a setup failure) decides it as it would a single run; else
    // the thresholds judged on the whole.
    let mut worst: Option<(ExitCode, String)> = None;
    for p in &parts {
        let code = p.meta.exit_code;
        if code == 0 || code == ExitCode::ThresholdsFailed.code() {
            continue;
        }
        if p.doc["partial"].as_bool() == Some(true) {
            let message = format!(
                "segment {} ({}) did not end: the fleet did not run the whole test",
                p.segment, p.file
            );
            worst = Some((ExitCode::ExternalAbort, message));
            continue;
        }
        let exit = [
            ExitCode::ExternalAbort,
            ExitCode::ScenarioAborted,
            ExitCode::ScenarioError,
            ExitCode::SetupTimeout,
            ExitCode::TeardownTimeout,
            ExitCode::OutputFailed,
        ]
        .into_iter()
        .find(|c| c.code() == code)
        .unwrap_or(ExitCode::ScenarioError);
        let message = format!(
            "segment {} ({}) ended with exit code {code}: the fleet did not run the whole test",
            p.segment, p.file
        );
        warnings.push(message.clone());
        let rank = |c: ExitCode| match c {
            ExitCode::ExternalAbort => 0,
            ExitCode::ScenarioAborted => 1,
            _ => 2,
        };
        if worst.as_ref().is_none_or(|(w, _)| rank(exit) < rank(*w)) {
            worst = Some((exit, message));
        }
    }
    let exit_code = match &worst {
        Some((code, _)) => *code,
        None if lines.iter().any(|t| !t.passed) => ExitCode::ThresholdsFailed,
        None => ExitCode::Ok,
    };

    let mut merged_segments: Vec<MergedSegment> = parts
        .iter()
        .map(|p| MergedSegment {
            segment: p.segment.to_string(),
            file: p.file.clone(),
            exit_code: p.meta.exit_code,
            scenarios: p.doc["scenarios"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            started_at: p.meta.started_at.clone(),
        })
        .collect();
    merged_segments.sort_by(|a, b| {
        let pos = |s: &str| {
            sequence
                .segments()
                .iter()
                .position(|x| x.to_string() == s)
                .unwrap_or(usize::MAX)
        };
        pos(&a.segment).cmp(&pos(&b.segment))
    });
    let start_time = std::time::UNIX_EPOCH + Duration::from_secs_f64(fleet_start / 1000.0);
    let complete = merged_segments.len() == sequence.segments().len();
    let fleet = FleetMeta {
        id: first.meta.id.clone(),
        segment: if complete {
            ExecutionSegment::full().to_string()
        } else {
            merged_segments
                .iter()
                .map(|s| s.segment.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        },
        sequence: sequence.to_string(),
        scenario_digest: first.meta.scenario_digest.clone(),
        started_at: Some(crate::wallclock::rfc3339(start_time)),
        started_at_ms: Some(fleet_start as u64),
        exit_code: exit_code.code(),
        merged: merged_segments,
    };
    let cores = parts
        .iter()
        .map(|p| p.doc["load_generator"]["cores"].as_u64().unwrap_or(0) as usize)
        .sum();
    let saturation: Vec<String> = parts
        .iter()
        .filter_map(|p| {
            p.doc["load_generator"]["saturation"]
                .as_str()
                .map(|s| format!("segment {}: {s}", p.segment))
        })
        .collect();
    let outcome = RunOutcome {
        scenario: first.doc["scenario"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        snapshot,
        thresholds: lines,
        plan,
        interrupted_iterations: 0,
        stop_reason: None,
        lifecycle_error: worst,
        exit_code,
        summary_files: None,
        load_generator: LoadGenerator {
            cores,
            saturation: (!saturation.is_empty()).then(|| saturation.join("; ")),
        },
        stages: None,
        fleet,
    };
    Ok(Merged {
        outcome,
        timeseries,
        warnings,
    })
}

/// Read results files from disk for [`merge`].
pub fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Value)>, MergeError> {
    paths
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            let bytes =
                std::fs::read(p).map_err(|e| MergeError(format!("cannot read {name}: {e}")))?;
            let doc = serde_json::from_slice(&bytes)
                .map_err(|e| MergeError(format!("{name}: not a volley results file ({e})")))?;
            Ok((name, doc))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::metrics::{MetricKind, Registry, Store};
    use crate::output::{ResultsMeta, SummaryInput, results};

    /// One segment's results file, made by the real writer from a store
    /// holding `latencies` (ms) as requests.
    fn segment_file(segment: &str, latencies: &[f64], vus: f64, exit_code: i32) -> Value {
        let registry = Arc::new(Registry::new());
        let duration = registry
            .define_builtin("http_req_duration", MetricKind::Trend, ValueType::Time)
            .expect("define");
        let reqs = registry
            .define_builtin("http_reqs", MetricKind::Counter, ValueType::Default)
            .expect("define");
        let vus_id = registry
            .define_builtin("vus", MetricKind::Gauge, ValueType::Default)
            .expect("define");
        let store = Store::new(registry, 1);
        let tags = TagSet::from_pairs([("name", "checkout")]);
        let mut buf = store.buffer(0);
        for &v in latencies {
            buf.custom(duration, MetricKind::Trend, v, tags.clone());
            buf.custom(reqs, MetricKind::Counter, 1.0, tags.clone());
        }
        buf.flush();
        store.set_gauge(vus_id, TagSet::default(), vus);
        let snap = store.snapshot(Duration::from_secs(10));
        let stats: Vec<Aggregation> = ["avg", "p(95)"]
            .iter()
            .map(|s| Aggregation::parse(s).expect("stat"))
            .collect();
        let fleet = FleetMeta {
            id: Some("f-1".into()),
            segment: segment.into(),
            sequence: "0,1/2,1".into(),
            scenario_digest: "sha256:ab".into(),
            started_at: Some("2030-01-01T00:00:00.000000000Z".into()),
            started_at_ms: Some(1_893_456_000_000),
            exit_code,
            merged: Vec::new(),
        };
        let input = SummaryInput {
            scenario: "checkout.wasm",
            snapshot: &snap,
            thresholds: &[],
            trend_stats: &stats,
            color: false,
            interrupted_iterations: 0,
            scenarios: vec![format!("default: part {segment}")],
            stop_reason: None,
            load_generator: LoadGenerator::default(),
            stages: None,
        };
        results(
            &input,
            &ResultsMeta {
                scenario: "checkout.wasm",
                options: json!({
                    "thresholds": {"http_req_duration": ["p(95)<250"], "http_reqs": ["count>=3000"]},
                    "summaryTrendStats": ["avg", "p(95)"],
                }),
                timeseries: &[],
                fleet: Some(&fleet),
            },
        )
    }

    fn files(docs: Vec<Value>) -> Vec<(String, Value)> {
        docs.into_iter()
            .enumerate()
            .map(|(i, d)| (format!("segment-{i}.json"), d))
            .collect()
    }

    #[test]
    fn the_fleet_is_judged_on_all_its_samples_not_on_each_segment() {
        // docs/distributed.md's example: pod A's 100 requests are all slow
        // (its own p95 fails), pod B's 2,900 fast; the fleet's p95 is fast.
        let a = segment_file("0:1/2", &vec![400.0; 100], 3.0, 99);
        let b = segment_file("1/2:1", &vec![100.0; 2900], 2.0, 0);
        let merged = merge(files(vec![a, b]), &MergeOptions::default()).expect("merges");
        let out = &merged.outcome;
        assert_eq!(out.snapshot.counter("http_reqs", &[]), 3000.0);
        let Some(Sink::Trend(t)) = out.snapshot.aggregate("http_req_duration", &[]) else {
            panic!("no trend");
        };
        assert_eq!(t.count(), 3000);
        assert!(
            (t.percentile(95.0) - 100.0).abs() < 0.1,
            "{}",
            t.percentile(95.0)
        );
        assert!(
            out.thresholds.iter().all(|t| t.passed),
            "{:?}",
            out.thresholds
        );
        assert_eq!(out.exit_code, ExitCode::Ok);
        // VUs ran side by side: the fleet's are the sum.
        let Some(Sink::Gauge { value, min, max }) = out.snapshot.aggregate("vus", &[]) else {
            panic!("no vus");
        };
        assert_eq!((value, min, max), (5.0, 5.0, 5.0));
        assert_eq!(out.fleet.segment, "0:1");
        assert_eq!(out.fleet.merged.len(), 2);
        assert_eq!(
            out.scenario_lines(),
            [
                "segment 0:1/2: default: part 0:1/2",
                "segment 1/2:1: default: part 1/2:1"
            ]
        );
    }

    #[test]
    fn merged_percentiles_equal_a_single_run_of_all_the_samples() {
        // Beyond the first 128 values, trends merge their HDR histograms.
        let all: Vec<f64> = (0..5000)
            .map(|i| 1.0 + (i * 37 % 1000) as f64 / 3.0)
            .collect();
        let (x, y) = all.split_at(1234);
        let whole = segment_file("0:1/2", &all, 1.0, 0);
        let merged = merge(
            files(vec![
                segment_file("0:1/2", x, 1.0, 0),
                segment_file("1/2:1", y, 1.0, 0),
            ]),
            &MergeOptions::default(),
        )
        .expect("merges");
        let single = merge(
            files(vec![whole]),
            &MergeOptions {
                allow_partial: true,
                ..Default::default()
            },
        )
        .expect("one");
        let trend = |s: &Snapshot| match s.aggregate("http_req_duration", &[]) {
            Some(Sink::Trend(t)) => t,
            _ => panic!("no trend"),
        };
        let (m, s) = (
            trend(&merged.outcome.snapshot),
            trend(&single.outcome.snapshot),
        );
        assert_eq!(m.count(), s.count());
        for p in [50.0, 90.0, 95.0, 99.0, 99.9] {
            assert_eq!(m.percentile(p), s.percentile(p), "p({p})");
        }
        assert_eq!((m.min(), m.max()), (s.min(), s.max()));
    }

    #[test]
    fn a_threshold_only_the_fleet_fails_fails_the_merge() {
        // Each segment alone passes p(95)<250 but the fleet misses its
        // request count: count>=3000 with 1,000 + 1,000.
        let a = segment_file("0:1/2", &vec![10.0; 1000], 1.0, 99);
        let b = segment_file("1/2:1", &vec![10.0; 1000], 1.0, 99);
        let merged = merge(files(vec![a, b]), &MergeOptions::default()).expect("merges");
        assert_eq!(merged.outcome.exit_code, ExitCode::ThresholdsFailed);
        let failed: Vec<&str> = merged
            .outcome
            .thresholds
            .iter()
            .filter(|t| !t.passed)
            .map(|t| t.metric.as_str())
            .collect();
        assert_eq!(failed, ["http_reqs"]);
    }

    #[test]
    fn files_that_are_not_one_complete_fleet_are_refused() {
        let a = || segment_file("0:1/2", &[10.0], 1.0, 0);
        let e = merge(files(vec![a()]), &MergeOptions::default()).expect_err("missing");
        assert!(
            e.0.contains("1/2:1") && e.0.contains("--allow-partial"),
            "{e}"
        );
        let e = merge(files(vec![a(), a()]), &MergeOptions::default()).expect_err("twice");
        assert!(e.0.contains("both ran segment 0:1/2"), "{e}");
        let mut other = segment_file("1/2:1", &[10.0], 1.0, 0);
        other["fleet"]["scenario_digest"] = json!("sha256:cd");
        let e = merge(files(vec![a(), other]), &MergeOptions::default()).expect_err("digest");
        assert!(e.0.contains("scenario digests differ"), "{e}");
        let mut other = segment_file("1/2:1", &[10.0], 1.0, 0);
        other["fleet"]["id"] = json!("f-2");
        let e = merge(files(vec![a(), other]), &MergeOptions::default()).expect_err("fleet");
        assert!(e.0.contains("fleet ids differ"), "{e}");
        let mut old = segment_file("1/2:1", &[10.0], 1.0, 0);
        old.as_object_mut().expect("object").remove("fleet");
        let e = merge(files(vec![a(), old]), &MergeOptions::default()).expect_err("old");
        assert!(e.0.contains("no fleet data"), "{e}");
    }

    #[test]
    fn a_segment_that_did_not_finish_decides_the_verdict() {
        let a = segment_file("0:1/2", &vec![10.0; 2000], 1.0, 0);
        let b = segment_file("1/2:1", &vec![10.0; 2000], 1.0, 105);
        let merged = merge(files(vec![a, b]), &MergeOptions::default()).expect("merges");
        assert_eq!(merged.outcome.exit_code, ExitCode::ExternalAbort);
        assert!(merged.warnings.iter().any(|w| w.contains("exit code 105")));
    }
}
