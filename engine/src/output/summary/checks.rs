//! The checks block of the summary.

use std::collections::BTreeMap;

use super::INDENT;
use super::layout::{Cells, GREEN, Layout, Paint, RED, Row, render_row};
use crate::metrics::Sink;
use crate::output::SummaryInput;
use crate::output::format::{number, percent};

/// Passes and fails per check name over every group: k6's compact summary
/// lists a name once, whatever group it ran in.
pub(super) fn checks_by_name(input: &SummaryInput) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    if let Some(series) = input.snapshot.metric("checks") {
        for (tags, sink) in &series.by_tags {
            if let Sink::Rate { trues, total } = sink {
                let e = out
                    .entry(tags.get("check").unwrap_or("").to_string())
                    .or_default();
                e.0 += trues;
                e.1 += total - trues;
            }
        }
    }
    out
}

/// `checks_total`, `checks_succeeded`, `checks_failed` (aligned among
/// themselves, as in k6), then each check with ✓, or ✗ and its pass ratio.
pub(super) fn checks_block(input: &SummaryInput, p: Paint) -> Vec<String> {
    let checks = checks_by_name(input);
    let (passes, fails) = checks
        .values()
        .fold((0, 0), |(a, b), (p, f)| (a + p, b + f));
    let total = passes + fails;
    if total == 0 {
        return Vec::new();
    }
    let secs = input.snapshot.elapsed.as_secs_f64();
    let per_sec = if secs > 0.0 { total as f64 / secs } else { 0.0 };
    let share = |n: u64| n as f64 / total as f64;
    let plain = |name: &str, value: String, extra: String| Row {
        name: name.to_string(),
        cells: Cells::Plain(value, vec![extra]),
    };
    let rows = [
        plain(
            "checks_total",
            total.to_string(),
            format!("{}/s", number(per_sec)),
        ),
        plain(
            "checks_succeeded",
            percent(share(passes)),
            format!("{passes} out of {total}"),
        ),
        plain(
            "checks_failed",
            percent(share(fails)),
            format!("{fails} out of {total}"),
        ),
    ];
    let layout = Layout::of(&rows);
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| render_row(r, &layout, &[], p))
        .collect();
    lines.push(String::new());
    for (name, (ok, bad)) in &checks {
        if *bad == 0 {
            lines.push(format!("{INDENT}{}", p.paint(&format!("✓ {name}"), GREEN)));
        } else {
            let pct = 100 * ok / (ok + bad);
            lines.push(format!("{INDENT}{}", p.paint(&format!("✗ {name}"), RED)));
            let ratio = format!("↳  {pct}% — ✓ {ok} / ✗ {bad}");
            lines.push(format!("{INDENT}  {}", p.paint(&ratio, RED)));
        }
    }
    lines.push(String::new());
    lines
}
