//! `█ RESOURCES`: the CPU and memory of each monitored target and of
//! Volley itself, average and peak of the per-second samples, each under
//! the key a threshold would use (`target_cpu{target:api}`), and the line
//! saying when the load generator was saturated.

use super::INDENT;
use super::layout::{CYAN, Paint, RED, width};
use crate::metrics::Sink;
use crate::output::SummaryInput;
use crate::output::format::{bytes, trim};
use crate::resources::{METRICS, TARGET_MEMORY, TARGET_VALUE, VOLLEY_MEMORY};

/// A sample of `metric` as shown: percent of one core, bytes, or a number.
fn shown(metric: &str, v: f64) -> String {
    match metric {
        TARGET_MEMORY | VOLLEY_MEMORY => bytes(v),
        TARGET_VALUE => trim(v, 3),
        _ => format!("{}%", trim(v, 1)),
    }
}

/// (key, avg, peak) of every resource series with samples, in the order
/// of [`METRICS`], then by tags.
fn rows(input: &SummaryInput) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for metric in METRICS {
        let Some(series) = input.snapshot.metric(metric) else {
            continue;
        };
        let mut by_tags: Vec<_> = series
            .by_tags
            .iter()
            .filter_map(|(tags, sink)| match sink {
                Sink::Trend(t) if t.count() > 0 => Some((tags, t)),
                _ => None,
            })
            .collect();
        by_tags.sort_by(|a, b| a.0.cmp(b.0));
        for (tags, t) in by_tags {
            let key = if tags.is_empty() {
                metric.to_string()
            } else {
                format!("{metric}{tags}")
            };
            out.push((key, shown(metric, t.avg()), shown(metric, t.max())));
        }
    }
    out
}

/// Append the section, when anything was sampled.
pub(super) fn render_resources(lines: &mut Vec<String>, input: &SummaryInput, p: Paint) {
    let rows = rows(input);
    let saturation = &input.load_generator.saturation;
    if rows.is_empty() && saturation.is_none() {
        return;
    }
    lines.push(format!("  █ {}", p.paint("RESOURCES", super::BOLD)));
    lines.push(String::new());
    let name_w = rows.iter().map(|r| width(&r.0)).max().unwrap_or(0);
    let avg_w = rows.iter().map(|r| width(&r.1)).max().unwrap_or(0);
    for (key, avg, peak) in &rows {
        let dots = ".".repeat(name_w + 3 - width(key));
        lines.push(format!(
            "{INDENT}{key}{} avg={}{} peak={}",
            p.paint(&format!("{dots}:"), super::layout::FAINT_WHITE),
            p.paint(avg, CYAN),
            " ".repeat(avg_w - width(avg)),
            p.paint(peak, CYAN),
        ));
    }
    if !rows.is_empty() {
        lines.push(String::new());
        let cores = input.load_generator.cores;
        let mut note = "CPU in percent of one core, sampled every second".to_string();
        if cores > 0 {
            let s = if cores == 1 { "" } else { "s" };
            note.push_str(&format!(
                "; volley may use {cores} core{s} ({}%)",
                cores * 100
            ));
        }
        lines.push(format!("{INDENT}{note}"));
    }
    if let Some(s) = saturation {
        lines.push(format!("{INDENT}{}", p.paint(&format!("✗ {s}"), RED)));
    }
    lines.push(String::new());
}
