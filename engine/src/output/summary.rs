//! The end-of-test summary in k6's (v1, compact) layout: thresholds, then
//! total results by section (checks, HTTP, execution, network, custom).

use std::collections::BTreeMap;

use super::format::{bytes, duration_ms, number, percent};
use super::{SummaryInput, trend_stat};
use crate::metrics::{MetricKind, Series, Sink, ValueType};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// A metric line: its (indented) name and value cells.
struct Row {
    name: String,
    cells: Vec<String>,
    trend: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }
    fn mark(&self, ok: bool) -> String {
        if ok {
            self.paint(GREEN, "✓")
        } else {
            self.paint(RED, "✗")
        }
    }
}

fn value_cell(series: &Series, v: f64) -> String {
    match series.def.value_type {
        ValueType::Time => duration_ms(v),
        ValueType::Data => bytes(v),
        ValueType::Default => number(v),
    }
}

/// The cells of one sink, as k6 shows each metric type.
fn cells(series: &Series, sink: &Sink, input: &SummaryInput) -> (Vec<String>, bool) {
    let elapsed = input.snapshot.elapsed;
    match sink {
        Sink::Trend(_) => {
            let cells = input
                .trend_stats
                .iter()
                .map(|stat| {
                    let v = trend_stat(sink, stat).unwrap_or(0.0);
                    let shown = if stat == "count" {
                        number(v)
                    } else {
                        value_cell(series, v)
                    };
                    format!("{stat}={shown}")
                })
                .collect();
            (cells, true)
        }
        Sink::Counter { sum } => {
            let rate = sink.rate(elapsed);
            let per_sec = match series.def.value_type {
                ValueType::Data => format!("{}/s", bytes(rate)),
                _ => format!("{}/s", super::format::trim(rate, 6)),
            };
            (vec![value_cell(series, *sum), per_sec], false)
        }
        Sink::Rate { trues, total } => (
            vec![
                percent(sink.rate(elapsed)),
                format!("{trues} out of {total}"),
            ],
            false,
        ),
        Sink::Gauge { value, min, max } => (
            vec![
                value_cell(series, *value),
                format!("min={}", value_cell(series, *min)),
                format!("max={}", value_cell(series, *max)),
            ],
            false,
        ),
    }
}

fn section_of(name: &str) -> &'static str {
    match name {
        "checks" => "",
        n if n.starts_with("http_") => "HTTP",
        "iteration_duration" | "iterations" | "iterations_failed" | "dropped_iterations"
        | "vus" | "vus_max" => "EXECUTION",
        "data_received" | "data_sent" => "NETWORK",
        _ => "CUSTOM",
    }
}

/// Metric rows per section, in k6's order within each.
fn metric_rows(input: &SummaryInput) -> BTreeMap<&'static str, Vec<Row>> {
    let mut sections: BTreeMap<&'static str, Vec<Row>> = BTreeMap::new();
    let mut series: Vec<&Series> = input.snapshot.series().collect();
    series.sort_by(|a, b| a.def.name.cmp(&b.def.name));
    for s in series {
        let section = if s.def.builtin {
            section_of(&s.def.name)
        } else {
            "CUSTOM"
        };
        if section.is_empty() {
            continue;
        }
        let Some(sink) = input.snapshot.aggregate(&s.def.name, &[]) else {
            continue;
        };
        if !sink.has_samples() {
            continue;
        }
        // Failures and drops only matter when there are some.
        if matches!(
            s.def.name.as_str(),
            "iterations_failed" | "dropped_iterations"
        ) && matches!(sink, Sink::Counter { sum } if sum == 0.0)
        {
            continue;
        }
        let (c, trend) = cells(s, &sink, input);
        let rows = sections.entry(section).or_default();
        rows.push(Row {
            name: s.def.name.clone(),
            cells: c,
            trend,
        });
        if s.def.name == "http_req_duration" {
            let sel = [("expected_response".to_string(), "true".to_string())];
            if let Some(sub) = input
                .snapshot
                .aggregate(&s.def.name, &sel)
                .filter(Sink::has_samples)
            {
                let (c, trend) = cells(s, &sub, input);
                rows.push(Row {
                    name: "  { expected_response:true }".into(),
                    cells: c,
                    trend,
                });
            }
        }
    }
    sections
}

/// Checks per group: group path → check name → (passes, fails).
fn checks_by_group(input: &SummaryInput) -> BTreeMap<String, BTreeMap<String, (u64, u64)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (u64, u64)>> = BTreeMap::new();
    if let Some(series) = input.snapshot.metric("checks") {
        for (tags, sink) in &series.by_tags {
            if let Sink::Rate { trues, total } = sink {
                let group = tags.get("group").unwrap_or("").to_string();
                let name = tags.get("check").unwrap_or("").to_string();
                let e = out.entry(group).or_default().entry(name).or_default();
                e.0 += trues;
                e.1 += total - trues;
            }
        }
    }
    out
}

fn pad_rows(
    out: &mut String,
    rows: &[Row],
    name_width: usize,
    widths: &[usize],
    trend_widths: &[usize],
) {
    for r in rows {
        let dots = ".".repeat(name_width.saturating_sub(r.name.chars().count()));
        let w = if r.trend { trend_widths } else { widths };
        let last = r.cells.len().saturating_sub(1);
        let cells: Vec<String> = r
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.clone()
                } else {
                    format!("{c:<width$}", width = w.get(i).copied().unwrap_or(0))
                }
            })
            .collect();
        out.push_str(&format!("    {}{}: {}\n", r.name, dots, cells.join(" ")));
    }
}

fn column_widths<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<usize> {
    let mut w: Vec<usize> = Vec::new();
    for r in rows {
        for (i, c) in r.cells.iter().enumerate() {
            let n = c.chars().count();
            if w.len() <= i {
                w.push(n);
            } else {
                w[i] = w[i].max(n);
            }
        }
    }
    w
}

/// Render the whole summary.
pub fn render_summary(input: &SummaryInput) -> String {
    let p = Painter { color: input.color };
    let mut out = String::new();
    out.push('\n');
    if !input.scenarios.is_empty() {
        let n = input.scenarios.len();
        out.push_str(&format!(
            "  scenarios: {n} scenario{}\n",
            if n == 1 { "" } else { "s" }
        ));
        for s in input.scenarios {
            out.push_str(&format!("    * {s}\n"));
        }
        out.push('\n');
    }
    if let Some(reason) = &input.stop_reason {
        out.push_str(&format!(
            "  {} test stopped early: {reason}\n\n",
            p.paint(RED, "!")
        ));
    }

    if !input.thresholds.is_empty() {
        out.push_str("  █ THRESHOLDS \n\n");
        let mut last_metric: Option<&str> = None;
        for t in input.thresholds {
            if last_metric != Some(t.metric.as_str()) {
                if last_metric.is_some() {
                    out.push('\n');
                }
                out.push_str(&format!("    {}\n", t.metric));
                last_metric = Some(&t.metric);
            }
            let observed = t
                .observed
                .map(|v| threshold_value(input, &t.metric, &t.expression, v))
                .unwrap_or_else(|| "no data".into());
            out.push_str(&format!(
                "    {} '{}' {}\n",
                p.mark(t.passed),
                t.expression,
                observed
            ));
        }
        out.push('\n');
    }

    out.push_str("  █ TOTAL RESULTS \n\n");
    let sections = metric_rows(input);
    let checks = checks_by_group(input);
    let (passes, fails) = checks
        .values()
        .flat_map(|m| m.values())
        .fold((0u64, 0u64), |acc, (p, f)| (acc.0 + p, acc.1 + f));
    let total_checks = passes + fails;
    let mut check_rows = Vec::new();
    if total_checks > 0 {
        let elapsed = input.snapshot.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
        check_rows.push(Row {
            name: "checks_total".into(),
            cells: vec![
                total_checks.to_string(),
                format!(
                    "{}/s",
                    super::format::trim(total_checks as f64 / elapsed, 6)
                ),
            ],
            trend: false,
        });
        let share = |n: u64| n as f64 / total_checks as f64;
        check_rows.push(Row {
            name: "checks_succeeded".into(),
            cells: vec![
                percent(share(passes)),
                format!("{passes} out of {total_checks}"),
            ],
            trend: false,
        });
        check_rows.push(Row {
            name: "checks_failed".into(),
            cells: vec![
                percent(share(fails)),
                format!("{fails} out of {total_checks}"),
            ],
            trend: false,
        });
    }

    let all_rows = sections.values().flatten().chain(check_rows.iter());
    let name_width = all_rows
        .clone()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        + 3;
    let widths = column_widths(all_rows.clone().filter(|r| !r.trend));
    let trend_widths = column_widths(all_rows.filter(|r| r.trend));

    if total_checks > 0 {
        pad_rows(&mut out, &check_rows, name_width, &widths, &trend_widths);
        out.push('\n');
        for (group, by_name) in &checks {
            let indent = if group.is_empty() {
                "    ".to_string()
            } else {
                out.push_str(&format!(
                    "    █ {}\n\n",
                    group.trim_start_matches("::").replace("::", " › ")
                ));
                "      ".to_string()
            };
            for (name, (ok, bad)) in by_name {
                out.push_str(&format!("{indent}{} {name}\n", p.mark(*bad == 0)));
                if *bad > 0 {
                    let share = *ok as f64 / (*ok + *bad) as f64 * 100.0;
                    out.push_str(&format!(
                        "{indent}  {}\n",
                        p.paint(DIM, &format!("↳  {share:.0}% — ✓ {ok} / ✗ {bad}"))
                    ));
                }
            }
            out.push('\n');
        }
    }

    render_errors(&mut out, input);
    render_names(&mut out, input);

    for title in ["HTTP", "EXECUTION", "NETWORK", "CUSTOM"] {
        if let Some(rows) = sections.get(title) {
            out.push_str(&format!("    {title}\n"));
            pad_rows(&mut out, rows, name_width, &widths, &trend_widths);
            if title == "EXECUTION" && input.interrupted_iterations > 0 {
                out.push_str(&format!(
                    "    interrupted iterations: {}\n",
                    input.interrupted_iterations
                ));
            }
            out.push('\n');
        }
    }
    out
}

/// `p(95)=12.3ms`: the observed value in the metric's units.
fn threshold_value(input: &SummaryInput, key: &str, expression: &str, v: f64) -> String {
    let metric = key.split('{').next().unwrap_or(key);
    let agg = expression
        .split(['<', '>', '=', '!'])
        .next()
        .unwrap_or("")
        .trim();
    let shown = match input.snapshot.metric(metric) {
        Some(s) if agg == "rate" && s.def.kind == MetricKind::Rate => percent(v),
        Some(s) if agg == "count" || agg == "rate" => {
            if s.def.value_type == ValueType::Data && agg == "count" {
                bytes(v)
            } else {
                number(v)
            }
        }
        Some(s) => value_cell(s, v),
        None => number(v),
    };
    format!("{agg}={shown}")
}

/// The error catalogue: failed requests by kind, with their share of all
/// requests, when first seen, and the endpoints (`name` tags) they hit.
fn render_errors(out: &mut String, input: &SummaryInput) {
    let errors = &input.snapshot.errors;
    if errors.is_empty() {
        return;
    }
    let total = input.snapshot.counter("http_reqs", &[]).max(1.0);
    out.push_str("    ERRORS\n");
    let width = errors
        .iter()
        .map(|e| e.kind.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    out.push_str(&format!(
        "    {:<width$}  {:>8}  {:>7}  {:>10}  endpoints\n",
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
        out.push_str(&format!(
            "    {:<width$}  {:>8}  {:>7}  {:>10}  {}{code}\n",
            e.kind,
            e.count,
            percent(e.count as f64 / total),
            duration_ms(e.first_seen.as_secs_f64() * 1000.0),
            endpoints.join(", "),
        ));
    }
    out.push('\n');
}

/// Requests by `name` tag and by group: count, failures and latency
/// percentiles (at most 20 rows each, busiest first).
fn render_names(out: &mut String, input: &SummaryInput) {
    render_breakdown(out, input, "name", "REQUESTS BY NAME");
    render_breakdown(out, input, "group", "REQUESTS BY GROUP");
}

fn render_breakdown(out: &mut String, input: &SummaryInput, tag: &str, title: &str) {
    let snap = input.snapshot;
    let Some(series) = snap.metric("http_req_duration") else {
        return;
    };
    let mut by: BTreeMap<&str, crate::metrics::TrendStats> = BTreeMap::new();
    for (tags, sink) in &series.by_tags {
        if let (Some(name), Sink::Trend(t)) = (tags.get(tag), sink) {
            by.entry(name).or_default().merge(t);
        }
    }
    if by.len() < 2 {
        return;
    }
    let mut rows: Vec<(&str, crate::metrics::TrendStats)> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.count().cmp(&a.1.count()).then(a.0.cmp(b.0)));
    let width = rows
        .iter()
        .take(20)
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!("    {title}\n"));
    out.push_str(&format!(
        "    {:<width$}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}\n",
        tag, "requests", "failed", "p(50)", "p(95)", "p(99)"
    ));
    for (name, t) in rows.iter().take(20) {
        let sel = [(tag.to_string(), name.to_string())];
        let name = if name.is_empty() { "(root)" } else { name };
        let (failed, _) = snap.rate_counts("http_req_failed", &sel);
        out.push_str(&format!(
            "    {:<width$}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}\n",
            name,
            t.count(),
            failed,
            duration_ms(t.percentile(50.0)),
            duration_ms(t.percentile(95.0)),
            duration_ms(t.percentile(99.0)),
        ));
    }
    if rows.len() > 20 {
        out.push_str(&format!("    ... and {} more\n", rows.len() - 20));
    }
    out.push('\n');
}
