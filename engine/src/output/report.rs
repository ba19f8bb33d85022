//! `volley report RESULTS -o report.html` (and `volley run --html FILE`):
//! one self-contained HTML page from a results file: charts over time,
//! the latency histogram, the CPU and memory of the monitored targets and
//! of Volley, a per-endpoint table, checks, thresholds and the error
//! catalogue. Charts are SVG drawn here; the page loads nothing.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::format::{bytes, duration_ms, percent, trim};
use super::markdown::{headline, stage_report};
use super::stage_table::{breakdown, share, stage_table, status_name, verdicts};
use super::svg::{Band, Line, StageBar, bar_chart, line_chart_with, stage_chart};
use super::{kind_of, sink_from_json};
use crate::metrics::{Sink, TrendStats};
use crate::stages::StageReport;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Every series of metric `name` as (tags, sink).
pub(super) fn series<'a>(doc: &'a Value, name: &str) -> Vec<(&'a Value, Sink)> {
    let Some(m) = doc["metrics"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["name"] == name))
    else {
        return Vec::new();
    };
    let Some(kind) = m["type"].as_str().and_then(kind_of) else {
        return Vec::new();
    };
    m["series"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| sink_from_json(kind, s).map(|sink| (&s["tags"], sink)))
        .collect()
}

pub(super) fn merged(doc: &Value, name: &str) -> Option<Sink> {
    let mut acc: Option<Sink> = None;
    for (_, s) in series(doc, name) {
        match &mut acc {
            Some(a) => a.merge(&s),
            None => acc = Some(s),
        }
    }
    acc
}

/// Per-second rates from a cumulative series. The run's last point may
/// come a few milliseconds after the one before it: a rate over so short a
/// window is noise (a spike of a few requests over 20 ms), so windows under
/// a quarter of a second are left out.
fn rates(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .windows(2)
        .filter(|w| w[1].0 - w[0].0 >= 0.25)
        .map(|w| (w[1].0, (w[1].1 - w[0].1).max(0.0) / (w[1].0 - w[0].0)))
        .collect()
}

/// Each stage's window, for the charts over time.
fn bands(stages: Option<&StageReport>) -> Vec<Band> {
    stages
        .map(|r| {
            r.rows
                .iter()
                .map(|row| {
                    (
                        row.start_s,
                        row.start_s + row.duration_s,
                        format!("{} · {}", row.label(), row.load),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn charts(doc: &Value, bands: &[Band]) -> String {
    let line_chart = |id: &str, title: &str, unit: &str, lines: &[Line<'_>]| {
        line_chart_with(id, title, unit, lines, bands)
    };
    let ts: Vec<&Value> = doc["timeseries"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let col = |key: &str| -> Vec<(f64, f64)> {
        ts.iter()
            .filter_map(|p| Some((p["t"].as_f64()?, p[key].as_f64()?)))
            .collect()
    };
    let lat = |i: usize| -> Vec<(f64, f64)> {
        ts.iter()
            .filter_map(|p| Some((p["t"].as_f64()?, p["latency"].as_array()?.get(i)?.as_f64()?)))
            .collect()
    };
    let mut out = String::from(r#"<section class="charts">"#);
    out.push_str(&line_chart(
        "chart-vus",
        "Virtual users",
        "VUs",
        &[Line {
            label: "vus",
            color: "#4e79a7",
            points: col("vus"),
        }],
    ));
    out.push_str(&line_chart(
        "chart-rps",
        "Requests per second",
        "req/s",
        &[Line {
            label: "requests/s",
            color: "#59a14f",
            points: rates(&col("http_reqs")),
        }],
    ));
    out.push_str(&line_chart(
        "chart-latency",
        "Request duration (per interval)",
        "ms",
        &[
            Line {
                label: "p50",
                color: "#4e79a7",
                points: lat(0),
            },
            Line {
                label: "p95",
                color: "#f28e2b",
                points: lat(1),
            },
            Line {
                label: "p99",
                color: "#e15759",
                points: lat(2),
            },
        ],
    ));
    out.push_str(&resource_charts(&ts, bands));
    out.push_str(&line_chart(
        "chart-errors",
        "Errors per second",
        "/s",
        &[
            Line {
                label: "failed requests/s",
                color: "#e15759",
                points: rates(&col("http_req_failed")),
            },
            Line {
                label: "failed checks/s",
                color: "#b07aa1",
                points: rates(&col("checks_failed")),
            },
        ],
    ));
    if let Some(Sink::Trend(t)) = merged(doc, "http_req_duration") {
        out.push_str(&bar_chart(
            "chart-histogram",
            "Request duration histogram",
            &histogram(&t),
        ));
    }
    out.push_str("</section>");
    out
}

/// Line colours for charts with any number of series.
const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
];

/// A resource series' legend: `volley` for Volley's own, else the tags
/// (`api`, or `job:x,target:api` for a Prometheus series with labels).
fn legend(key: &str) -> String {
    match key.split_once('{') {
        None => "volley".into(),
        Some((_, tags)) => {
            let tags = tags.trim_end_matches('}');
            tags.strip_prefix("target:")
                .filter(|t| !t.contains(','))
                .unwrap_or(tags)
                .to_string()
        }
    }
}

/// The CPU chart (percent of one core) and the memory chart (MB) of the
/// resource samples, beside the latency chart; nothing for a run without
/// them (or a results file from before they were recorded).
fn resource_charts(ts: &[&Value], bands: &[Band]) -> String {
    let mut keys: Vec<&str> = ts
        .iter()
        .filter_map(|p| p["resources"].as_object())
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let points = |key: &str, scale: f64| -> Vec<(f64, f64)> {
        ts.iter()
            .filter_map(|p| Some((p["t"].as_f64()?, p["resources"][key].as_f64()? * scale)))
            .collect()
    };
    let mut out = String::new();
    for (id, title, unit, suffix, scale) in [
        ("chart-cpu", "CPU", "% of one core", "_cpu", 1.0),
        ("chart-memory", "Memory", "MB", "_memory", 1e-6),
        ("chart-values", "Monitored values", "value", "_value", 1.0),
    ] {
        let chosen: Vec<(&str, String)> = keys
            .iter()
            .copied()
            .filter(|k| k.split('{').next().unwrap_or_default().ends_with(suffix))
            .map(|k| (k, legend(k)))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let lines: Vec<Line<'_>> = chosen
            .iter()
            .enumerate()
            .map(|(i, (key, label))| Line {
                label: label.as_str(),
                color: PALETTE[i % PALETTE.len()],
                points: points(key, scale),
            })
            .collect();
        out.push_str(&line_chart_with(id, title, unit, &lines, bands));
    }
    out
}

/// The PASS/FAIL banner.
fn headline_html(doc: &Value) -> String {
    let (pass, why) = headline(doc);
    format!(
        r#"<div class="headline {}" id="verdict-headline"><b>{}</b> {}</div>"#,
        if pass { "pass-bg" } else { "fail-bg" },
        if pass { "✓ PASS" } else { "✗ FAIL" },
        esc(&why)
    )
}

/// The verdict table: metric | target | actual | status.
fn verdict_html(doc: &Value) -> String {
    let mut out = String::from("<h2>Verdict</h2>");
    let rows: Vec<Vec<String>> = verdicts(doc)
        .into_iter()
        .map(|v| {
            let status = if v.passed {
                r#"<span class="pass">✓ PASS</span>"#
            } else {
                r#"<span class="fail">✗ FAIL</span>"#
            };
            vec![
                esc(&v.metric),
                esc(&v.target),
                esc(&v.actual),
                status.into(),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No thresholds were set.</p>");
    } else {
        table(
            &mut out,
            "verdict",
            &["metric", "target", "actual", "status"],
            &rows,
        );
    }
    out
}

/// The capacity search's answer.
fn capacity_html(report: &StageReport) -> String {
    let mut out = String::new();
    for c in &report.capacity {
        let _ = write!(
            out,
            r#"<section id="capacity"><h2>Capacity: {}</h2><p class="answer {}">{}</p>"#,
            esc(&c.scenario),
            if c.sustained.is_some() {
                "pass"
            } else {
                "fail"
            },
            esc(&c.summary)
        );
        let mut rows = Vec::new();
        for (label, f) in [
            ("highest sustained", &c.sustained),
            ("lowest failing", &c.failed),
        ] {
            if let Some(f) = f {
                rows.push(vec![
                    label.to_string(),
                    f.stage.to_string(),
                    format!("{} {}", trim(f.rate, 1), esc(&c.unit)),
                    trim(f.rps, 1),
                    f.p50_ms.map_or("-".into(), duration_ms),
                    f.p95_ms.map_or("-".into(), duration_ms),
                    f.error_rate.map_or("-".into(), percent),
                ]);
            }
        }
        table(
            &mut out,
            "capacity-steps",
            &["", "stage", "rate", "req/s", "p50", "p95", "errors"],
            &rows,
        );
        if !c.first_failures.is_empty() {
            let rows: Vec<Vec<String>> = c
                .first_failures
                .iter()
                .map(|f| {
                    vec![
                        esc(&f.metric),
                        esc(&f.expression),
                        f.stage.to_string(),
                        format!("{} {}", trim(f.rate, 1), esc(&c.unit)),
                        f.observed.map_or("no data".into(), |v| {
                            esc(&crate::stages::observed_text(&f.metric, &f.expression, v))
                        }),
                    ]
                })
                .collect();
            out.push_str("<p>Where each threshold first failed:</p>");
            table(
                &mut out,
                "first-failures",
                &["metric", "threshold", "stage", "rate", "actual"],
                &rows,
            );
        }
        if let Some(k) = &c.knee {
            let _ = write!(
                out,
                r#"<p id="knee">Knee of latency against load: <b>{} {}</b> (stage {}, p95 {}).</p>"#,
                trim(k.load, 1),
                esc(&c.unit),
                k.stage,
                duration_ms(k.p95_ms)
            );
        }
        out.push_str("</section>");
    }
    out
}

/// The by-stage chart and table.
fn stages_html(report: &StageReport) -> String {
    if report.rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>By stage</h2>");
    let bars: Vec<StageBar> = report
        .rows
        .iter()
        .map(|r| StageBar {
            label: r.label(),
            load: r.load.to_string(),
            rps: r.rps,
            p95: r.p95_ms,
            p50: r.p50_ms,
            errors: r.error_rate,
            passed: r.verdict.as_ref().map(|v| v.passed),
        })
        .collect();
    out.push_str(&stage_chart(
        "chart-stages",
        "Throughput and latency by stage",
        &bars,
    ));
    let t = stage_table(report, true);
    let judged = t.marks.iter().any(Option::is_some);
    let mut head: Vec<&str> = t.head.iter().map(String::as_str).collect();
    if judged {
        head.push("verdict");
    }
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .zip(&t.marks)
        .map(|(r, m)| {
            let mut cells: Vec<String> = r.iter().map(|c| esc(c)).collect();
            if judged {
                cells.push(match m {
                    Some(true) => r#"<span class="pass">✓</span>"#.into(),
                    Some(false) => r#"<span class="fail">✗</span>"#.into(),
                    None => String::new(),
                });
            }
            cells
        })
        .collect();
    table(&mut out, "stages", &head, &rows);
    out.push_str(r#"<p class="sub">Stages are numbered from 1; a threshold selects one with <code>{stage:N}</code> or <code>{stage:NAME}</code>.</p>"#);
    out
}

/// One table of the error breakdown: its id, the heading of its first
/// column, and its rows (label, count).
type ErrorGroup<'a> = (&'a str, &'a str, Vec<(String, u64)>);

/// The error breakdown: by kind, by status, by endpoint.
fn breakdown_html(doc: &Value) -> String {
    let b = breakdown(doc);
    if b.failed == 0 {
        return String::new();
    }
    let mut out = String::from(r#"<h2>Error breakdown</h2>"#);
    let (all, _) = share(b.failed, &b);
    let _ = write!(
        out,
        r#"<p id="error-totals">{} failed requests of {} ({all}); 429 (Too Many Requests): <b id="count-429">{}</b>; with Retry-After: <b id="count-retry-after">{}</b></p><div class="breakdown">"#,
        b.failed,
        trim(b.requests, 0),
        b.too_many,
        b.retry_after
    );
    let groups: [ErrorGroup<'_>; 3] = [
        ("errors-by-kind", "kind", b.by_kind.clone()),
        (
            "errors-by-status",
            "status",
            b.by_status
                .iter()
                .map(|(s, n)| (status_name(*s), *n))
                .collect(),
        ),
        ("errors-by-endpoint", "endpoint", b.by_endpoint.clone()),
    ];
    for (id, first, list) in groups {
        let rows: Vec<Vec<String>> = list
            .into_iter()
            .map(|(k, n)| {
                let (all, failed) = share(n, &b);
                vec![esc(&k), n.to_string(), all, failed]
            })
            .collect();
        out.push_str("<div>");
        table(
            &mut out,
            id,
            &[first, "requests", "of all", "of failures"],
            &rows,
        );
        out.push_str("</div>");
    }
    out.push_str("</div>");
    out
}

/// The avg and peak of each resource series, and the saturation warning.
fn resources_section(doc: &Value) -> String {
    let mut rows = Vec::new();
    for metric in crate::resources::METRICS {
        let mut list = series(doc, metric);
        list.sort_by_key(|(tags, _)| tags.to_string());
        for (tags, sink) in list {
            let Sink::Trend(t) = sink else { continue };
            let show = |v: f64| {
                if metric.ends_with("_memory") {
                    bytes(v)
                } else if metric.ends_with("_cpu") {
                    format!("{}%", trim(v, 1))
                } else {
                    trim(v, 3)
                }
            };
            let target = tags
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "volley".into());
            rows.push(vec![
                esc(metric),
                esc(&target),
                show(t.avg()),
                show(t.max()),
            ]);
        }
    }
    let mut out = String::new();
    if let Some(s) = doc["load_generator"]["saturation"].as_str() {
        let _ = write!(out, r#"<p class="fail" id="saturation">✗ {}</p>"#, esc(s));
    }
    if !rows.is_empty() {
        out.push_str("<h2>Resources</h2>");
        table(
            &mut out,
            "resources",
            &["metric", "target", "avg", "peak"],
            &rows,
        );
    }
    out
}

/// 24 log-spaced buckets between the fastest and slowest request.
fn histogram(t: &TrendStats) -> Vec<(String, u64)> {
    let (lo, hi) = (t.min().max(0.001), t.max().max(0.002));
    let n = 24;
    let ratio = (hi / lo).powf(1.0 / n as f64).max(1.0 + 1e-9);
    let h = t.histogram();
    (0..n)
        .map(|i| {
            let a = lo * ratio.powi(i);
            let b = if i == n - 1 {
                hi * 1.001
            } else {
                lo * ratio.powi(i + 1)
            };
            let count = h.count_between((a * 1000.0) as u64, (b * 1000.0) as u64);
            (duration_ms(a), count)
        })
        .collect()
}

fn table(out: &mut String, id: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, r#"<table id="{id}"><thead><tr>"#);
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn per_name(doc: &Value) -> Vec<Vec<String>> {
    let mut by: BTreeMap<String, (TrendStats, u64)> = BTreeMap::new();
    for (tags, sink) in series(doc, "http_req_duration") {
        if let Sink::Trend(t) = sink {
            let name = tags["name"].as_str().unwrap_or("").to_string();
            by.entry(name).or_default().0.merge(&t);
        }
    }
    for (tags, sink) in series(doc, "http_req_failed") {
        if let (Sink::Rate { trues, .. }, Some(name)) = (sink, tags["name"].as_str()) {
            by.entry(name.to_string()).or_default().1 += trues;
        }
    }
    by.into_iter()
        .map(|(name, (t, failed))| {
            vec![
                esc(&name),
                t.count().to_string(),
                failed.to_string(),
                duration_ms(t.percentile(50.0)),
                duration_ms(t.percentile(95.0)),
                duration_ms(t.percentile(99.0)),
            ]
        })
        .collect()
}

fn checks(doc: &Value) -> Vec<Vec<String>> {
    let mut by: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (tags, sink) in series(doc, "checks") {
        if let Sink::Rate { trues, total } = sink {
            let group = tags["group"].as_str().unwrap_or("");
            let name = tags["check"].as_str().unwrap_or("");
            let key = if group.is_empty() {
                name.to_string()
            } else {
                format!("{group}::{name}")
            };
            let e = by.entry(key).or_default();
            e.0 += trues;
            e.1 += total - trues;
        }
    }
    by.into_iter()
        .map(|(name, (ok, bad))| {
            let mark = if bad == 0 {
                r#"<span class="pass">✓</span>"#
            } else {
                r#"<span class="fail">✗</span>"#
            };
            vec![
                mark.to_string(),
                esc(&name),
                ok.to_string(),
                bad.to_string(),
            ]
        })
        .collect()
}

/// Render the report of a results document.
pub fn render_report(doc: &Value) -> Result<String, String> {
    if doc["format"].as_u64() != Some(u64::from(super::RESULTS_FORMAT)) {
        return Err(
            "not a volley results file (write one with `volley run --results FILE`)".into(),
        );
    }
    let duration = doc["duration_s"].as_f64().unwrap_or(0.0);
    let reqs = merged(doc, "http_reqs").map_or(0.0, |s| {
        if let Sink::Counter { sum } = s {
            sum
        } else {
            0.0
        }
    });
    let failed = merged(doc, "http_req_failed");
    let p95 = match merged(doc, "http_req_duration") {
        Some(Sink::Trend(t)) => duration_ms(t.percentile(95.0)),
        _ => "-".into(),
    };
    let vus = match merged(doc, "vus_max") {
        Some(Sink::Gauge { max, .. }) => trim(max, 0),
        _ => "-".into(),
    };
    let mut out = String::new();
    let head_line = headline_html(doc);
    out.push_str(r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Volley report</title><style>"#);
    out.push_str(".headline{font-size:1.2rem;padding:.7rem 1rem;border-radius:6px;margin:1rem 0}.pass-bg{background:#e3f4e1;border:1px solid #8cc084}.fail-bg{background:#fbe5e3;border:1px solid #e8a39c}.answer{font-size:1.1rem;font-weight:600}.breakdown{display:flex;flex-wrap:wrap;gap:1rem}.breakdown table{margin:0}td.num{text-align:right}circle.hover:hover{fill-opacity:1}.band-label{fill:#8a99ab}");
    out.push_str("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{margin-bottom:0}.sub{color:#666}.kpis{display:flex;gap:1rem;margin:1rem 0}.kpi{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem}.kpi b{display:block;font-size:1.4rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{flex:1 1 480px;max-width:calc(50% - .5rem)}figure{margin:0;border:1px solid #eee;padding:.5rem}figure svg{width:100%;height:auto;max-width:760px}td{white-space:nowrap}figcaption{font-weight:600}.tick{font-size:11px;fill:#555}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}.pass{color:#2a7d2a}.fail{color:#c0392b}");
    out.push_str("</style></head><body>");
    let _ = write!(
        out,
        r#"<h1>Volley report</h1><p class="sub">{} · {} · volley {}</p>"#,
        esc(doc["scenario"].as_str().unwrap_or("")),
        duration_ms(duration * 1000.0),
        esc(doc["volley"].as_str().unwrap_or(""))
    );
    out.push_str(&head_line);
    let (f_true, f_total) = match failed {
        Some(Sink::Rate { trues, total }) => (trues, total),
        _ => (0, 0),
    };
    let _ = write!(
        out,
        r#"<div class="kpis"><div class="kpi" id="kpi-reqs">requests<b>{}</b></div><div class="kpi">requests/s<b>{}</b></div><div class="kpi" id="kpi-failed">failed<b>{}</b></div><div class="kpi">p(95)<b>{p95}</b></div><div class="kpi" id="kpi-vus">max VUs<b>{vus}</b></div></div>"#,
        trim(reqs, 0),
        trim(if duration > 0.0 { reqs / duration } else { 0.0 }, 1),
        percent(if f_total > 0 {
            f_true as f64 / f_total as f64
        } else {
            0.0
        }),
    );
    out.push_str(&verdict_html(doc));
    let stages = stage_report(doc);
    if let Some(report) = &stages {
        out.push_str(&capacity_html(report));
        out.push_str(&stages_html(report));
    }
    out.push_str("<h2>Over time</h2>");
    out.push_str(&charts(doc, &bands(stages.as_ref())));
    out.push_str(&resources_section(doc));
    out.push_str(&breakdown_html(doc));
    out.push_str("<h2>Requests by name</h2>");
    table(
        &mut out,
        "per-name",
        &["name", "requests", "failed", "p(50)", "p(95)", "p(99)"],
        &per_name(doc),
    );
    out.push_str("<h2>Checks</h2>");
    table(
        &mut out,
        "checks",
        &["", "check", "passes", "fails"],
        &checks(doc),
    );
    let errors: Vec<Vec<String>> = doc["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                esc(e["kind"].as_str().unwrap_or("")),
                e["count"].to_string(),
                percent(e["share"].as_f64().unwrap_or(0.0)),
                duration_ms(e["first_seen_ms"].as_f64().unwrap_or(0.0)),
            ]
        })
        .collect();
    if !errors.is_empty() {
        out.push_str("<h2>Error catalogue</h2>");
        table(
            &mut out,
            "errors",
            &["kind", "requests", "share", "first seen"],
            &errors,
        );
    }
    out.push_str("</body></html>\n");
    Ok(out)
}
