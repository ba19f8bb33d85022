//! The tables after the metric sections of the summary: the error
//! catalogue, and requests by name and by group.

use std::collections::BTreeMap;

use super::INDENT;
use super::layout::{BOLD, Paint};
use crate::metrics::{Sink, TrendStats};
use crate::output::SummaryInput;
use crate::output::format::{duration_ms, percent};

/// The error catalogue: failed requests by kind, with their share of all
/// requests, when first seen, and the endpoints (`name` tags) they hit.
pub(super) fn render_errors(lines: &mut Vec<String>, input: &SummaryInput, p: Paint) {
    let errors = &input.snapshot.errors;
    if errors.is_empty() {
        return;
    }
    let total = input.snapshot.counter("http_reqs", &[]).max(1.0);
    let width = errors
        .iter()
        .map(|e| e.kind.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    lines.push(format!("{INDENT}{}", p.paint("ERRORS", BOLD)));
    lines.push(format!(
        "{INDENT}{:<width$}  {:>8}  {:>7}  {:>10}  endpoints",
        "kind", "requests", "share", "first seen"
    ));
    for e in errors {
        let code = if e.error_code != 0 {
            format!(" [{}]", e.error_code)
        } else {
            String::new()
        };
        let mut endpoints: Vec<String> = e
            .names
            .iter()
            .take(3)
            .map(|(n, c)| format!("{n} ({c})"))
            .collect();
        if e.names.len() > 3 {
            endpoints.push(format!("+{} more", e.names.len() - 3));
        }
        lines.push(format!(
            "{INDENT}{:<width$}  {:>8}  {:>7}  {:>10}  {}{code}",
            e.kind,
            e.count,
            percent(e.count as f64 / total),
            duration_ms(e.first_seen.as_secs_f64() * 1000.0),
            endpoints.join(", "),
        ));
    }
    lines.push(String::new());
}

/// Requests per value of `tag` (`name` or `group`): count, failures and
/// latency percentiles, at most 20 rows, busiest first; only when there are
/// at least two values.
pub(super) fn render_breakdown(
    lines: &mut Vec<String>,
    input: &SummaryInput,
    p: Paint,
    tag: &str,
    title: &str,
) {
    let snap = input.snapshot;
    let Some(series) = snap.metric("http_req_duration") else {
        return;
    };
    let mut by: BTreeMap<&str, TrendStats> = BTreeMap::new();
    for (tags, sink) in &series.by_tags {
        if let (Some(value), Sink::Trend(t)) = (tags.get(tag), sink) {
            by.entry(value).or_default().merge(t);
        }
    }
    if by.len() < 2 {
        return;
    }
    let mut rows: Vec<(&str, TrendStats)> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.count().cmp(&a.1.count()).then(a.0.cmp(b.0)));
    let width = rows
        .iter()
        .take(20)
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(4)
        .max(6);
    lines.push(format!("{INDENT}{}", p.paint(title, BOLD)));
    lines.push(format!(
        "{INDENT}{:<width$}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}",
        tag, "requests", "failed", "p(50)", "p(95)", "p(99)"
    ));
    for (value, t) in rows.iter().take(20) {
        let (failed, _) =
            snap.rate_counts("http_req_failed", &[(tag.to_string(), value.to_string())]);
        let shown = if value.is_empty() { "(root)" } else { value };
        lines.push(format!(
            "{INDENT}{:<width$}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}",
            shown,
            t.count(),
            failed,
            duration_ms(t.percentile(50.0)),
            duration_ms(t.percentile(95.0)),
            duration_ms(t.percentile(99.0)),
        ));
    }
    if rows.len() > 20 {
        lines.push(format!("{INDENT}... and {} more", rows.len() - 20));
    }
    lines.push(String::new());
}
