//! `--report FILE.md` (and `volley report RESULTS -o FILE.md`): the run as
//! a Markdown report a team pastes into a ticket or a pull request: the
//! PASS/FAIL headline, the verdict table (metric | target | actual |
//! status), the capacity search's answer, the by-stage table, the error
//! breakdown by kind, status and endpoint, and the resources. Made from
//! the results document, like the HTML report.

use std::fmt::Write;

use serde_json::Value;

use super::format::{bytes, duration_ms, percent, trim};
use super::stage_table::{Breakdown, breakdown, share, stage_table, status_name, verdicts};
use crate::metrics::Sink;
use crate::stages::StageReport;

/// A Markdown table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table(out: &mut String, head: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(
        out,
        "| {} |",
        head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The stage report of a results document, if it has one.
pub(crate) fn stage_report(doc: &Value) -> Option<StageReport> {
    serde_json::from_value(doc.get("stages")?.clone()).ok()
}

/// The headline: PASS when every threshold passed and the run was not
/// stopped early, and why not otherwise.
pub(crate) fn headline(doc: &Value) -> (bool, String) {
    let v = verdicts(doc);
    let failed: Vec<String> = v
        .iter()
        .filter(|t| !t.passed)
        .map(|t| format!("{} {} (actual {})", t.metric, t.target, t.actual))
        .collect();
    let stopped = doc["stop_reason"].as_str().map(str::to_string);
    let pass = failed.is_empty() && stopped.is_none();
    let text = if pass && v.is_empty() {
        "no thresholds were set; the run completed".to_string()
    } else if pass {
        format!("all {} thresholds passed", v.len())
    } else {
        let mut parts = Vec::new();
        if !failed.is_empty() {
            parts.push(format!(
                "{} of {} thresholds failed: {}",
                failed.len(),
                v.len(),
                failed.join("; ")
            ));
        }
        if let Some(s) = stopped {
            parts.push(format!("stopped early: {s}"));
        }
        parts.join("; ")
    };
    (pass, text)
}

fn errors_section(out: &mut String, b: &Breakdown) {
    out.push_str("## Errors\n\n");
    if b.failed == 0 {
        let _ = writeln!(out, "No failed requests out of {}.\n", trim(b.requests, 0));
        return;
    }
    let _ = writeln!(
        out,
        "{} failed requests out of {} ({}). 429 (Too Many Requests) responses: {}; failed responses with Retry-After: {}.\n",
        b.failed,
        trim(b.requests, 0),
        share(b.failed, b).0,
        b.too_many,
        b.retry_after
    );
    let head = strings(&["", "requests", "of all requests", "of failures"]);
    for (title, first, rows) in [
        (
            "By kind",
            "kind",
            b.by_kind
                .iter()
                .map(|(k, n)| (k.clone(), *n))
                .collect::<Vec<_>>(),
        ),
        (
            "By status",
            "status",
            b.by_status
                .iter()
                .map(|(s, n)| (status_name(*s), *n))
                .collect(),
        ),
        (
            "By endpoint",
            "endpoint",
            b.by_endpoint.iter().map(|(k, n)| (k.clone(), *n)).collect(),
        ),
    ] {
        let _ = writeln!(out, "### {title}\n");
        let mut h = head.clone();
        h[0] = first.into();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|(k, n)| {
                let (all, failed) = share(n, b);
                vec![k, n.to_string(), all, failed]
            })
            .collect();
        table(out, &h, &rows);
    }
}

fn capacity_section(out: &mut String, report: &StageReport) {
    for c in &report.capacity {
        let _ = writeln!(out, "## Capacity: {}\n", c.scenario);
        let _ = writeln!(out, "> **{}**\n", c.summary);
        let mut rows = Vec::new();
        for (label, f) in [
            ("highest sustained", &c.sustained),
            ("lowest failing", &c.failed),
        ] {
            if let Some(f) = f {
                rows.push(vec![
                    label.to_string(),
                    f.stage.to_string(),
                    format!("{} {}", trim(f.rate, 1), c.unit),
                    trim(f.rps, 1),
                    f.p50_ms.map_or("-".into(), duration_ms),
                    f.p95_ms.map_or("-".into(), duration_ms),
                    f.error_rate.map_or("-".into(), percent),
                ]);
            }
        }
        table(
            out,
            &strings(&["", "stage", "rate", "req/s", "p50", "p95", "errors"]),
            &rows,
        );
        if !c.first_failures.is_empty() {
            let rows: Vec<Vec<String>> = c
                .first_failures
                .iter()
                .map(|f| {
                    vec![
                        f.metric.clone(),
                        f.expression.clone(),
                        f.stage.to_string(),
                        format!("{} {}", trim(f.rate, 1), c.unit),
                        f.observed.map_or("no data".into(), |v| {
                            crate::stages::observed_text(&f.metric, &f.expression, v)
                        }),
                    ]
                })
                .collect();
            out.push_str("Where each threshold first failed:\n\n");
            table(
                out,
                &strings(&["metric", "threshold", "stage", "rate", "actual"]),
                &rows,
            );
        }
        if let Some(k) = &c.knee {
            let _ = writeln!(
                out,
                "Knee of latency against load: {} {} (stage {}, p95 {}).\n",
                trim(k.load, 1),
                c.unit,
                k.stage,
                duration_ms(k.p95_ms)
            );
        }
        let _ = writeln!(
            out,
            "The verdict above judges the thresholds on stage {}, the highest sustained step (or the first step when none passed).\n",
            c.reported_at
        );
    }
}

fn resources_section(out: &mut String, doc: &Value) {
    let mut rows = Vec::new();
    for metric in crate::resources::METRICS {
        for (tags, sink) in super::report::series(doc, metric) {
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
                metric.to_string(),
                target,
                show(t.avg()),
                show(t.max()),
            ]);
        }
    }
    rows.sort();
    if let Some(s) = doc["load_generator"]["saturation"].as_str() {
        let _ = writeln!(out, "> ✗ {s}\n");
    }
    if !rows.is_empty() {
        out.push_str("## Resources\n\n");
        table(out, &strings(&["metric", "target", "avg", "peak"]), &rows);
    }
}

/// Render the Markdown report of a results document.
pub fn render_markdown(doc: &Value) -> Result<String, String> {
    if doc["format"].as_u64() != Some(u64::from(super::RESULTS_FORMAT)) {
        return Err(
            "not a volley results file (write one with `volley run --results FILE`)".into(),
        );
    }
    let mut out = String::new();
    let (pass, why) = headline(doc);
    let _ = writeln!(
        out,
        "# {} Volley report: {}\n",
        if pass { "✅" } else { "❌" },
        if pass { "PASS" } else { "FAIL" }
    );
    let _ = writeln!(out, "**{}** — {why}.\n", if pass { "PASS" } else { "FAIL" });
    let duration = doc["duration_s"].as_f64().unwrap_or(0.0);
    let b = breakdown(doc);
    let _ = writeln!(
        out,
        "`{}` · {} · {} requests ({} req/s) · {} failed · volley {}\n",
        doc["scenario"].as_str().unwrap_or(""),
        duration_ms(duration * 1000.0),
        trim(b.requests, 0),
        trim(
            if duration > 0.0 {
                b.requests / duration
            } else {
                0.0
            },
            1
        ),
        if b.requests > 0.0 {
            percent(b.failed as f64 / b.requests)
        } else {
            "0.00%".into()
        },
        doc["volley"].as_str().unwrap_or("")
    );
    for s in doc["scenarios"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "- {}", s.as_str().unwrap_or(""));
    }
    out.push('\n');

    out.push_str("## Verdict\n\n");
    let v = verdicts(doc);
    if v.is_empty() {
        out.push_str("No thresholds were set.\n\n");
    } else {
        let rows: Vec<Vec<String>> = v
            .iter()
            .map(|t| {
                vec![
                    t.metric.clone(),
                    t.target.clone(),
                    t.actual.clone(),
                    if t.passed { "✓ PASS" } else { "✗ FAIL" }.into(),
                ]
            })
            .collect();
        table(
            &mut out,
            &strings(&["metric", "target", "actual", "status"]),
            &rows,
        );
    }
    let stages = stage_report(doc);
    if let Some(report) = &stages {
        capacity_section(&mut out, report);
        if !report.rows.is_empty() {
            out.push_str("## By stage\n\n");
            let t = stage_table(report, true);
            let judged = t.marks.iter().any(Option::is_some);
            let mut head = t.head.clone();
            if judged {
                head.push("verdict".into());
            }
            let rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .zip(&t.marks)
                .map(|(r, m)| {
                    let mut r = r.clone();
                    if judged {
                        r.push(match m {
                            Some(true) => "✓".into(),
                            Some(false) => "✗".into(),
                            None => String::new(),
                        });
                    }
                    r
                })
                .collect();
            table(&mut out, &head, &rows);
            out.push_str("Stages are numbered from 1; a threshold selects one with `{stage:N}` or `{stage:NAME}`.\n\n");
        }
    }
    errors_section(&mut out, &b);
    resources_section(&mut out, doc);
    Ok(out)
}
