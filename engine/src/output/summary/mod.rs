//! The end-of-test summary in k6's v1 "compact" layout (k6's
//! `internal/js/summary.js`): a header naming the scenarios, then
//! `█ THRESHOLDS` (each expression with ✓/✗ and the value it was judged on)
//! and `█ TOTAL RESULTS`: the checks, then the metrics by section (CUSTOM,
//! HTTP, EXECUTION, NETWORK; k6 puts CUSTOM first), one dotted line each,
//! names and values aligned across all sections.
//!
//! Volley shows more than k6's compact mode: every `http_req_*` trend (k6
//! keeps those for `--summary-mode=full`), failed and interrupted
//! iterations, and, after the sections, the error catalogue and requests by
//! name and by group.

mod checks;
mod layout;
mod order;
mod resources;
mod sections;
mod stages;
mod tables;
#[cfg(test)]
mod tests;
mod thresholds;

use super::{Finishing, Output, RunOutcome, SummaryInput};
use checks::checks_block;
use layout::{BOLD, Cells, Layout, Paint, RED, Row, render_row};
use sections::{EXECUTION, SECTIONS, metric_sections};
use thresholds::threshold_lines;

/// Indentation of everything inside a `█` section.
const INDENT: &str = "    ";

/// The scenarios and the stop reason, aligned on the colon like k6's banner.
fn header(input: &SummaryInput, p: Paint) -> Vec<String> {
    let mut lines = Vec::new();
    // What ran: for a pulled scenario, the digest-pinned reference, so a
    // log says exactly which bytes produced these numbers.
    if !input.scenario.is_empty() {
        lines.push(format!("      scenario: {}", input.scenario));
    }
    let n = input.scenarios.len();
    if n > 0 {
        let plural = if n == 1 { "" } else { "s" };
        lines.push(format!("     scenarios: {n} scenario{plural}"));
        lines.extend(
            input
                .scenarios
                .iter()
                .map(|s| format!("              * {s}")),
        );
    }
    if let Some(reason) = &input.stop_reason {
        lines.push(format!(" stopped early: {}", p.paint(reason, RED)));
    }
    lines
}

/// Render the whole summary.
pub fn render_summary(input: &SummaryInput) -> String {
    let p = Paint { on: input.color };
    let title = |name: &str| [format!("  █ {}", p.paint(name, BOLD)), String::new()];
    let mut lines = vec![String::new()];
    let header = header(input, p);
    if !header.is_empty() {
        lines.extend(header);
        lines.push(String::new());
    }
    if !input.thresholds.is_empty() {
        lines.extend(title("THRESHOLDS"));
        lines.extend(threshold_lines(input, p));
        lines.push(String::new());
    }
    lines.extend(title("TOTAL RESULTS"));
    lines.extend(checks_block(input, p));

    let mut sections = metric_sections(input);
    // k6 counts interrupted iterations only in its progress line, which a
    // CI log may not keep; the summary is where they are looked for.
    if input.interrupted_iterations > 0 {
        sections[EXECUTION].push(Row {
            name: "interrupted iterations".into(),
            cells: Cells::Plain(input.interrupted_iterations.to_string(), Vec::new()),
        });
    }
    // One layout for every section, so all lines align (k6 ≥ 1.2).
    let layout = Layout::of(sections.iter().flatten());
    for (title, rows) in SECTIONS.iter().zip(&sections) {
        if rows.is_empty() {
            continue;
        }
        lines.push(format!("{INDENT}{}", p.paint(title, BOLD)));
        lines.extend(
            rows.iter()
                .map(|r| render_row(r, &layout, input.trend_stats, p)),
        );
        lines.push(String::new());
    }
    stages::render_stages(&mut lines, input, p);
    tables::render_errors(&mut lines, input, p);
    // Series the store folded (too many distinct tag sets): the numbers
    // above still count every sample, but some are in overflow series.
    if !input.snapshot.folded.is_empty() {
        lines.extend(title("SERIES FOLDED"));
        for f in &input.snapshot.folded {
            lines.push(format!(
                "{INDENT}{}: {} samples of new tag sets counted in one series tagged overflow={} \
                 (limits: --max-series-per-metric, --max-series)",
                f.metric,
                f.samples,
                crate::metrics::OVERFLOW_VALUE
            ));
        }
        lines.push(String::new());
    }
    tables::render_breakdown(&mut lines, input, p, "name", "REQUESTS BY NAME");
    tables::render_breakdown(&mut lines, input, p, "group", "REQUESTS BY GROUP");
    resources::render_resources(&mut lines, input, p);
    lines.push(String::new());
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The end-of-test summary on standard output (k6's text summary).
pub struct SummaryOut {
    color: bool,
}

impl SummaryOut {
    /// The summary, with ANSI colours when `color`.
    pub fn new(color: bool) -> Self {
        Self { color }
    }
}

impl Output for SummaryOut {
    fn name(&self) -> String {
        "the summary".into()
    }

    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a> {
        let mut input = SummaryInput::of(outcome);
        input.color = self.color;
        // The scenario's handle-summary replaces the text summary (k6).
        let text = if outcome.summary_files.is_some() {
            String::new()
        } else {
            render_summary(&input)
        };
        Box::pin(async move {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            // A closed stdout (a pipe to `head`) is not the run's failure.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        })
    }
}
