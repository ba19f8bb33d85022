//! The by-stage table as every end-of-test output shows it (text summary,
//! Markdown, HTML): one row per period, the same columns everywhere, and
//! the error breakdown and verdict table the reports share.

use std::collections::BTreeMap;

use serde_json::Value;

use super::format::{duration_ms, percent, trim};
use crate::config::format_duration;
use crate::stages::StageReport;

/// A table: headers, rows of cells, and per row a pass (✓) or fail (✗)
/// mark when the row was judged.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub marks: Vec<Option<bool>>,
}

/// A resource series' short label: `cpu api`, `cpu volley`, `mem api`.
fn resource_label(key: &str) -> Option<String> {
    let (metric, tags) = match key.split_once('{') {
        Some((m, t)) => (m, t.trim_end_matches('}')),
        None => (key, ""),
    };
    let what = if metric.ends_with("_cpu") {
        "cpu"
    } else if metric.ends_with("_memory") {
        "mem"
    } else {
        return None;
    };
    let who = if metric.starts_with("volley_") {
        "volley".to_string()
    } else {
        tags.strip_prefix("target:")
            .filter(|t| !t.contains(','))
            .unwrap_or(tags)
            .to_string()
    };
    Some(format!("{what} {who}"))
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), duration_ms)
}

/// The by-stage table of `report`. `resources` adds a column per CPU and
/// memory series (average over each period).
pub(crate) fn stage_table(report: &StageReport, resources: bool) -> Table {
    let rows = &report.rows;
    let many = {
        let mut s: Vec<&str> = rows.iter().map(|r| r.scenario.as_str()).collect();
        s.sort_unstable();
        s.dedup();
        s.len() > 1
    };
    let named = rows.iter().any(|r| r.name.is_some());
    let judged = rows.iter().any(|r| r.verdict.is_some());
    let mut res_keys: Vec<(String, String)> = Vec::new();
    if resources {
        let mut keys: BTreeMap<String, String> = BTreeMap::new();
        for r in rows {
            for k in r.resources.keys() {
                if let Some(label) = resource_label(k) {
                    keys.insert(k.clone(), label);
                }
            }
        }
        // CPU columns first, then memory.
        res_keys = keys.into_iter().collect();
        res_keys.sort_by_key(|(_, l)| (!l.starts_with("cpu"), l.clone()));
    }
    let mut head: Vec<String> = vec!["#".into()];
    if named {
        head.push("stage".into());
    }
    if many {
        head.push("scenario".into());
    }
    for h in [
        "load", "duration", "requests", "req/s", "p50", "p95", "p99", "errors", "checks",
    ] {
        head.push(h.into());
    }
    head.extend(res_keys.iter().map(|(_, l)| l.clone()));
    let mut table = Table {
        head,
        ..Table::default()
    };
    for r in rows {
        let mut cells = vec![r.index.to_string()];
        if named {
            cells.push(r.name.clone().unwrap_or_else(|| "-".into()));
        }
        if many {
            cells.push(r.scenario.clone());
        }
        cells.push(r.load.to_string());
        cells.push(format_duration(std::time::Duration::from_secs_f64(
            r.duration_s.max(0.0),
        )));
        cells.push(r.requests.to_string());
        cells.push(trim(r.rps, 1));
        cells.push(ms(r.p50_ms));
        cells.push(ms(r.p95_ms));
        cells.push(ms(r.p99_ms));
        cells.push(r.error_rate.map_or_else(|| "-".into(), percent));
        cells.push(r.checks_rate().map_or_else(|| "-".into(), percent));
        for (key, _) in &res_keys {
            cells.push(match r.resources.get(key) {
                Some(v) if key.contains("_memory") => super::format::bytes(*v),
                Some(v) => format!("{}%", trim(*v, 1)),
                None => "-".into(),
            });
        }
        table.rows.push(cells);
        table
            .marks
            .push(judged.then(|| r.verdict.as_ref().is_some_and(|v| v.passed)));
    }
    table
}

/// One line of the verdict table: a threshold with what it asked, what
/// was seen, and whether it passed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub metric: String,
    pub target: String,
    pub actual: String,
    pub passed: bool,
}

/// The value a threshold was judged on, in its metric's terms: a share
/// for a rate metric's `rate`, per second for a counter's, a duration for
/// a time trend, bytes for data.
fn actual_text(doc: &Value, metric: &str, expression: &str, observed: Option<f64>) -> String {
    let Some(v) = observed else {
        return "no data".into();
    };
    let name = metric.split('{').next().unwrap_or(metric);
    let m = doc["metrics"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["name"] == name));
    let kind = m.and_then(|m| m["type"].as_str()).unwrap_or("");
    let contains = m.and_then(|m| m["contains"].as_str()).unwrap_or("");
    let e = expression.trim_start();
    match (kind, contains) {
        ("rate", _) => percent(v),
        ("counter", _) if e.starts_with("rate") => format!("{}/s", trim(v, 2)),
        ("counter", _) => trim(v, 2),
        (_, "time") => duration_ms(v),
        (_, "data") => super::format::bytes(v),
        _ if name.ends_with("_cpu") => format!("{}%", trim(v, 1)),
        _ => trim(v, 3),
    }
}

/// The verdict table of a results document's thresholds.
pub(crate) fn verdicts(doc: &Value) -> Vec<Verdict> {
    doc["thresholds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let metric = t["metric"].as_str().unwrap_or("").to_string();
            let expression = t["expression"].as_str().unwrap_or("").to_string();
            Verdict {
                actual: actual_text(doc, &metric, &expression, t["observed"].as_f64()),
                target: expression,
                metric,
                passed: t["passed"].as_bool() == Some(true),
            }
        })
        .collect()
}

/// The error breakdown of a results document: failed requests by kind,
/// by status and by endpoint, with counts and shares of all requests and
/// of the failures.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Breakdown {
    /// All requests.
    pub requests: f64,
    /// Failed requests.
    pub failed: u64,
    /// (kind, count).
    pub by_kind: Vec<(String, u64)>,
    /// (status, count); status 0 is "no response".
    pub by_status: Vec<(u16, u64)>,
    /// (endpoint, count).
    pub by_endpoint: Vec<(String, u64)>,
    /// Responses with status 429 (Too Many Requests).
    pub too_many: u64,
    /// Failed responses that carried `Retry-After` (429s and 503s asking
    /// the client to come back later).
    pub retry_after: u64,
}

/// The breakdown of `doc`'s error catalogue.
pub(crate) fn breakdown(doc: &Value) -> Breakdown {
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut endpoints: BTreeMap<String, u64> = BTreeMap::new();
    let mut failed = 0;
    let mut retry_after = 0;
    for e in doc["errors"].as_array().into_iter().flatten() {
        let count = e["count"].as_u64().unwrap_or(0);
        failed += count;
        retry_after += e["retry_after"].as_u64().unwrap_or(0);
        *kinds
            .entry(e["kind"].as_str().unwrap_or("").to_string())
            .or_default() += count;
        *statuses
            .entry(e["status"].as_u64().unwrap_or(0) as u16)
            .or_default() += count;
        for (name, n) in e["endpoints"].as_object().into_iter().flatten() {
            *endpoints.entry(name.clone()).or_default() += n.as_u64().unwrap_or(0);
        }
    }
    let sorted = |m: Vec<(String, u64)>| {
        let mut v = m;
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let mut by_status: Vec<(u16, u64)> = statuses.into_iter().collect();
    by_status.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut requests = 0.0;
    let mut too_many = 0.0;
    for (tags, sink) in super::report::series(doc, "http_reqs") {
        if let crate::metrics::Sink::Counter { sum } = sink {
            requests += sum;
            if tags["status"].as_str() == Some("429") {
                too_many += sum;
            }
        }
    }
    Breakdown {
        requests,
        failed,
        by_kind: sorted(kinds.into_iter().collect()),
        by_status,
        by_endpoint: sorted(endpoints.into_iter().collect()),
        too_many: too_many as u64,
        retry_after,
    }
}

/// `12 (1.20% of requests, 40.00% of failures)`.
pub(crate) fn share(count: u64, b: &Breakdown) -> (String, String) {
    let of_all = if b.requests > 0.0 {
        percent(count as f64 / b.requests)
    } else {
        "-".into()
    };
    let of_failed = if b.failed > 0 {
        percent(count as f64 / b.failed as f64)
    } else {
        "-".into()
    };
    (of_all, of_failed)
}

/// A status as the breakdown names it.
pub(crate) fn status_name(status: u16) -> String {
    if status == 0 {
        "no response".into()
    } else {
        status.to_string()
    }
}
