//! One row of the by-stage table: a period's figures from its own store.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Spec;
use crate::executor::StepLoad;
use crate::metrics::{Sink, Snapshot};

/// The load a period offers: VUs or an arrival rate, ramping from `from`
/// to `to` or constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Load {
    /// At the period's start, when it ramps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// At its end (the stage's `target`).
    pub to: f64,
    /// `VUs`, `iterations/s`, `iterations/1m`, ...
    pub unit: String,
}

impl Load {
    /// VUs going from `from` to `to`.
    pub(crate) fn vus(from: u64, to: u64) -> Load {
        Load {
            from: (from != to).then_some(from as f64),
            to: to as f64,
            unit: "VUs".into(),
        }
    }

    /// A constant arrival rate.
    pub(crate) fn rate(rate: f64, time_unit: Duration) -> Load {
        Load {
            from: None,
            to: rate,
            unit: rate_unit(time_unit),
        }
    }

    /// An arrival rate going from `from` to `to`.
    pub(crate) fn ramp(from: u64, to: u64, time_unit: Duration) -> Load {
        Load {
            from: (from != to).then_some(from as f64),
            to: to as f64,
            unit: rate_unit(time_unit),
        }
    }

    /// The number a load is plotted at: its end value.
    pub fn value(&self) -> f64 {
        self.to
    }
}

/// `iterations/s`, or `iterations/1m` for another time unit.
pub(crate) fn rate_unit(time_unit: Duration) -> String {
    if time_unit == Duration::from_secs(1) {
        "iterations/s".into()
    } else {
        format!("iterations/{}", crate::config::format_duration(time_unit))
    }
}

fn num(v: f64) -> String {
    if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl fmt::Display for Load {
    /// `0→10 VUs`, `50 VUs`, `200 iterations/s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.from {
            Some(from) => write!(f, "{}→{} {}", num(from), num(self.to), self.unit),
            // One VU, not "1 VUs".
            None if self.to == 1.0 && self.unit == "VUs" => write!(f, "1 VU"),
            None => write!(f, "{} {}", num(self.to), self.unit),
        }
    }
}

/// One threshold as a capacity search's step was judged on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepThreshold {
    /// The key as written (`http_req_duration`).
    pub metric: String,
    /// The expression (`p(95)<500`).
    pub expression: String,
    /// Whether the step passed it.
    pub passed: bool,
    /// The value it was judged on (None without data).
    pub observed: Option<f64>,
}

/// How a capacity search's step was judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepVerdict {
    /// Whether the step is sustainable: every threshold passed and at most
    /// 1% of its iterations were dropped.
    pub passed: bool,
    /// Each threshold it was judged on.
    pub thresholds: Vec<StepThreshold>,
    /// Iterations its schedule called for.
    pub planned: u64,
    /// Of those, dropped for want of a free VU.
    pub dropped: u64,
    /// Iterations still running when it was judged (after the cooldown).
    pub unfinished: u64,
    /// Why it failed, in words (empty when it passed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// One period's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    /// Its number, from 1, in the order periods started (as `{stage:N}`
    /// selects it).
    pub index: usize,
    /// Its scenario.
    pub scenario: String,
    /// The stage's `name`, or the scenario's for a whole scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The executor (`ramping-vus`, `capacity-search`, ...).
    pub executor: String,
    /// The load it offers.
    pub load: Load,
    /// Its start, seconds from the load's start.
    pub start_s: f64,
    /// Its planned length, seconds.
    pub duration_s: f64,
    /// Requests that ended in it.
    pub requests: u64,
    /// Requests per second of its length.
    pub rps: f64,
    /// `http_req_duration` p50, ms (None without requests).
    pub p50_ms: Option<f64>,
    /// p95, ms.
    pub p95_ms: Option<f64>,
    /// p99, ms.
    pub p99_ms: Option<f64>,
    /// Average, ms.
    pub avg_ms: Option<f64>,
    /// Failed requests (`http_req_failed`).
    pub failed: u64,
    /// Their share of the requests with an expectation (None without).
    pub error_rate: Option<f64>,
    /// Checks passed.
    pub checks_passed: u64,
    /// Checks made.
    pub checks_total: u64,
    /// Iterations that ended in it.
    pub iterations: u64,
    /// The average of each resource series over it (`target_cpu{target:api}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, f64>,
    /// A capacity search's step: how it was judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<StepVerdict>,
}

impl StageRow {
    /// The share of checks that passed (None without checks).
    pub fn checks_rate(&self) -> Option<f64> {
        (self.checks_total > 0).then(|| self.checks_passed as f64 / self.checks_total as f64)
    }

    /// The label of its stage: `2 sustained`, or the number alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{} {n}", self.index),
            None => self.index.to_string(),
        }
    }
}

/// The row of one period.
pub(super) fn row(
    index: usize,
    spec: &Spec,
    start: Duration,
    snap: &Snapshot,
    judged: Option<(StepLoad, StepVerdict)>,
) -> StageRow {
    let secs = snap.elapsed.as_secs_f64().max(1e-3);
    let requests = snap.counter("http_reqs", &[]) as u64;
    let trend = match snap.aggregate("http_req_duration", &[]) {
        Some(Sink::Trend(t)) if t.count() > 0 => Some(t),
        _ => None,
    };
    let pct = |p: f64| trend.as_ref().map(|t| t.percentile(p));
    let (failed, with_expectation) = snap.rate_counts("http_req_failed", &[]);
    let (checks_passed, checks_total) = snap.rate_counts("checks", &[]);
    StageRow {
        index,
        scenario: spec.scenario.clone(),
        name: spec.name.clone(),
        executor: spec.executor.clone(),
        load: spec.load.clone(),
        start_s: start.as_secs_f64(),
        duration_s: spec.duration.as_secs_f64(),
        requests,
        rps: requests as f64 / secs,
        p50_ms: pct(50.0),
        p95_ms: pct(95.0),
        p99_ms: pct(99.0),
        avg_ms: trend.as_ref().map(|t| t.avg()),
        failed,
        error_rate: (with_expectation > 0).then(|| failed as f64 / with_expectation as f64),
        checks_passed,
        checks_total,
        iterations: snap.counter("iterations", &[]) as u64,
        resources: resources(snap),
        verdict: judged.map(|(_, v)| v),
    }
}

/// The average of each resource series of a period.
fn resources(snap: &Snapshot) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for metric in crate::resources::METRICS {
        let Some(series) = snap.metric(metric) else {
            continue;
        };
        for (tags, sink) in &series.by_tags {
            if let Sink::Trend(t) = sink
                && t.count() > 0
            {
                let key = if tags.is_empty() {
                    metric.to_string()
                } else {
                    format!("{metric}{tags}")
                };
                out.insert(key, t.avg());
            }
        }
    }
    out
}
