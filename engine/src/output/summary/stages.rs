//! `█ STAGES`: one line per period of the run (each stage of a ramping
//! executor, each scenario of a multi-scenario test, each step of a
//! capacity search), with its load, requests, latency percentiles, error
//! and check rates; and `█ CAPACITY`, the capacity search's answer. One
//! table for every stage, so the metric sections above keep one line per
//! metric.

use super::INDENT;
use super::layout::{BOLD, GREEN, Paint, RED, pad, width};
use crate::output::SummaryInput;
use crate::output::stage_table::stage_table;
use crate::stages::observed_text;

/// Append the sections, when the run had periods.
pub(super) fn render_stages(lines: &mut Vec<String>, input: &SummaryInput, p: Paint) {
    let Some(report) = input.stages else {
        return;
    };
    if report.rows.is_empty() {
        return;
    }
    let table = stage_table(report, false);
    lines.push(format!("  █ {}", p.paint("STAGES", BOLD)));
    lines.push(String::new());
    let mut widths: Vec<usize> = table.head.iter().map(|h| width(h)).collect();
    for row in &table.rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let judged = table.marks.iter().any(Option::is_some);
    // Numbers right-aligned, words left-aligned.
    let right: Vec<bool> = table
        .head
        .iter()
        .map(|h| !matches!(h.as_str(), "stage" | "scenario" | "load"))
        .collect();
    let line = |cells: &[String], mark: &str| {
        let mut out = String::from(INDENT);
        if judged {
            out.push_str(mark);
            out.push(' ');
        }
        for (i, c) in cells.iter().enumerate() {
            if right[i] {
                out.push_str(&pad(widths[i], c));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&pad(widths[i], c));
            }
            out.push_str("  ");
        }
        out.trim_end().to_string()
    };
    lines.push(line(&table.head, " "));
    for (row, mark) in table.rows.iter().zip(&table.marks) {
        let m = match mark {
            Some(true) => p.paint("✓", GREEN),
            Some(false) => p.paint("✗", RED),
            None => " ".into(),
        };
        lines.push(line(row, &m));
    }
    lines.push(String::new());
    lines.push(format!(
        "{INDENT}stages numbered from 1; select one in a threshold with {{stage:N}} or {{stage:NAME}}"
    ));
    lines.push(String::new());
    for c in &report.capacity {
        lines.push(format!("  █ {}", p.paint("CAPACITY", BOLD)));
        lines.push(String::new());
        let ok = c.sustained.is_some();
        let mark = if ok {
            p.paint("✓", GREEN)
        } else {
            p.paint("✗", RED)
        };
        lines.push(format!("{INDENT}{mark} {}: {}", c.scenario, c.summary));
        for f in &c.first_failures {
            let seen = f
                .observed
                .map(|v| format!(" ({})", observed_text(&f.metric, &f.expression, v)))
                .unwrap_or_default();
            lines.push(format!(
                "{INDENT}  {} {} first failed at stage {} ({} {}){seen}",
                f.metric, f.expression, f.stage, f.rate, c.unit
            ));
        }
        if let Some(k) = &c.knee {
            lines.push(format!(
                "{INDENT}  knee of latency: {} {} (stage {}, p95 {:.1} ms)",
                k.load, c.unit, k.stage, k.p95_ms
            ));
        }
        lines.push(format!(
            "{INDENT}  {} step{}; the thresholds above are judged on stage {}",
            c.steps,
            if c.steps == 1 { "" } else { "s" },
            c.reported_at
        ));
        lines.push(String::new());
    }
}
