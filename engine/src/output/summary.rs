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
//! name and by group. Last, `█ RESOURCES`: the CPU and memory of the
//! monitored targets and of Volley itself.

mod resources;
mod tables;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::format::{self, number, percent};
use super::{Finishing, Output, RunOutcome, SummaryInput, ThresholdLine};
use crate::metrics::{MetricDef, MetricKind, Sink};
use crate::thresholds::{Aggregation, MetricSelector};

/// Indentation of everything inside a `█` section.
const INDENT: &str = "    ";

const GREEN: &str = "32";
const RED: &str = "31";
const WHITE: &str = "37";
const CYAN: &str = "36";
const FAINT_WHITE: &str = "2;37";
const FAINT_CYAN: &str = "2;36";
const BOLD: &str = "1";

/// k6's ANSI styling, or none at all when colours are off.
#[derive(Clone, Copy)]
struct Paint {
    on: bool,
}

impl Paint {
    fn paint(self, text: &str, code: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// One metric line before layout: the name as shown and the value cells.
struct Row {
    name: String,
    cells: Cells,
}

enum Cells {
    /// One value per trend stat, in the order of the trend stats.
    Trend(Vec<String>),
    /// The main value, then its extras (`rate/s`, `N out of M`, `min=..`).
    Plain(String, Vec<String>),
}

/// Column widths shared by a block of rows (k6's `computeSummaryInfo`).
#[derive(Default)]
struct Layout {
    name: usize,
    trend: Vec<usize>,
    value: usize,
    extras: Vec<usize>,
}

impl Layout {
    fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Layout {
        let mut layout = Layout::default();
        for row in rows {
            layout.name = layout.name.max(width(&row.name));
            match &row.cells {
                Cells::Trend(cols) => grow(&mut layout.trend, cols),
                Cells::Plain(value, extras) => {
                    layout.value = layout.value.max(width(value));
                    grow(&mut layout.extras, extras);
                }
            }
        }
        layout
    }
}

fn grow(widths: &mut Vec<usize>, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if widths.len() <= i {
            widths.push(0);
        }
        widths[i] = widths[i].max(width(cell));
    }
}

/// Terminal width of text without escape codes (every char counts one, as
/// in k6: `µ`, `✓` and `—` are single cells).
fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(to: usize, s: &str) -> String {
    " ".repeat(to.saturating_sub(width(s)))
}

/// `name.....: cells`: at least three dots, so the longest name of the
/// block gets exactly three. Trailing padding is dropped (k6 keeps it).
fn render_row(row: &Row, layout: &Layout, stats: &[Aggregation], p: Paint) -> String {
    let dots = ".".repeat((layout.name + 3).saturating_sub(width(&row.name)).max(3));
    let mut line = format!(
        "{INDENT}{}{} ",
        row.name,
        p.paint(&format!("{dots}:"), FAINT_WHITE)
    );
    match &row.cells {
        Cells::Trend(cols) => {
            let cells: Vec<String> = stats
                .iter()
                .zip(cols)
                .zip(&layout.trend)
                .map(|((stat, col), w)| format!("{stat}={}{}", p.paint(col, CYAN), pad(*w, col)))
                .collect();
            line.push_str(&cells.join(" "));
        }
        Cells::Plain(value, extras) => {
            line.push_str(&p.paint(value, CYAN));
            line.push_str(&pad(layout.value, value));
            // k6 pads extras only when there are several (a gauge's min/max).
            let extras: Vec<String> = match extras.as_slice() {
                [one] => vec![p.paint(one, FAINT_CYAN)],
                many => many
                    .iter()
                    .zip(&layout.extras)
                    .map(|(e, w)| format!("{}{}", p.paint(e, FAINT_CYAN), pad(*w, e)))
                    .collect(),
            };
            if !extras.is_empty() {
                line.push(' ');
                line.push_str(&extras.join(" "));
            }
        }
    }
    line.trim_end().to_string()
}

/// The cells k6 shows for each metric type.
fn metric_row(name: String, def: &MetricDef, sink: &Sink, input: &SummaryInput) -> Row {
    let vt = def.value_type;
    let elapsed = input.snapshot.elapsed;
    let cells = match sink {
        Sink::Trend(t) => Cells::Trend(
            input
                .trend_stats
                .iter()
                .map(|stat| match stat {
                    Aggregation::Count => t.count().to_string(),
                    _ => format::value(stat.value(sink, elapsed).unwrap_or(0.0), vt),
                })
                .collect(),
        ),
        Sink::Counter { sum } => Cells::Plain(
            format::value(*sum, vt),
            vec![format!("{}/s", format::value(sink.rate(elapsed), vt))],
        ),
        Sink::Gauge { value, min, max } => Cells::Plain(
            format::value(*value, vt),
            vec![
                format!("min={}", format::value(*min, vt)),
                format!("max={}", format::value(*max, vt)),
            ],
        ),
        Sink::Rate { trues, total } => Cells::Plain(
            percent(sink.rate(elapsed)),
            vec![format!("{trues} out of {total}")],
        ),
    };
    Row { name, cells }
}

/// Section titles, in k6's order (it moves CUSTOM first).
const SECTIONS: [&str; 4] = ["CUSTOM", "HTTP", "EXECUTION", "NETWORK"];
const CUSTOM: usize = 0;
const HTTP: usize = 1;
const EXECUTION: usize = 2;
const NETWORK: usize = 3;

/// The index in [`SECTIONS`] of a metric; None for `checks` (the checks block).
fn section_of(def: &MetricDef) -> Option<usize> {
    if !def.builtin {
        return Some(CUSTOM);
    }
    match def.name.as_str() {
        "checks" => None,
        n if n.starts_with("http_req") => Some(HTTP),
        "iteration_duration" | "iterations" | "iterations_failed" | "dropped_iterations"
        | "vus" | "vus_max" => Some(EXECUTION),
        "data_received" | "data_sent" => Some(NETWORK),
        _ => Some(CUSTOM),
    }
}

/// k6 orders names with `localeCompare`: case-insensitive, punctuation
/// before digits before letters.
fn locale_cmp(a: &str, b: &str) -> Ordering {
    let key = |s: &str| -> Vec<(u8, char)> {
        s.chars()
            .map(|c| {
                let class = if c.is_alphabetic() {
                    2
                } else if c.is_numeric() {
                    1
                } else {
                    0
                };
                (class, c.to_lowercase().next().unwrap_or(c))
            })
            .collect()
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// k6's `sortMetricsByName`: by metric, a sub-metric right after its parent.
fn k6_order(a: &str, b: &str) -> Ordering {
    fn split(s: &str) -> (&str, &str) {
        s.split_at(s.find('{').unwrap_or(s.len()))
    }
    let ((pa, sa), (pb, sb)) = (split(a), split(b));
    locale_cmp(pa, pb).then_with(|| locale_cmp(sa, sb))
}

/// A sub-metric as k6 lists it under its parent: `  { status:200 }`.
fn submetric_name(key: &str) -> String {
    let inner = key
        .split_once('{')
        .map_or("", |(_, rest)| rest.strip_suffix('}').unwrap_or(rest));
    format!("  {{ {inner} }}")
}

/// The sub-metrics shown under their parents: k6's built-in
/// `http_req_duration{expected_response:true}` and every key a threshold
/// selects by tags; the first spelling of a selector wins.
fn submetrics(input: &SummaryInput) -> Vec<(String, MetricSelector)> {
    let builtin = "http_req_duration{expected_response:true}";
    let mut out: Vec<(String, MetricSelector)> = Vec::new();
    for key in std::iter::once(builtin).chain(input.thresholds.iter().map(|t| t.metric.as_str())) {
        if let Ok(sel) = MetricSelector::parse(key)
            && sel.is_submetric()
            && !out.iter().any(|(_, s)| *s == sel)
        {
            out.push((key.to_string(), sel));
        }
    }
    out
}

/// The rows of each section, sorted as k6 sorts them; empty sections have
/// no rows.
fn metric_sections(input: &SummaryInput) -> [Vec<Row>; 4] {
    let snap = input.snapshot;
    let mut keyed: [Vec<(String, Row)>; 4] = Default::default();
    let subs = submetrics(input);
    for series in snap.series() {
        let def = &series.def;
        let Some(section) = section_of(def) else {
            continue;
        };
        // Shown in their own section, avg and peak.
        if crate::resources::is_resource_metric(&def.name) {
            continue;
        }
        let Some(sink) = snap.aggregate(&def.name, &[]).filter(Sink::has_samples) else {
            continue;
        };
        // Failed and dropped iterations only matter when there are some.
        let optional = matches!(
            def.name.as_str(),
            "iterations_failed" | "dropped_iterations"
        );
        if optional && matches!(sink, Sink::Counter { sum } if sum == 0.0) {
            continue;
        }
        keyed[section].push((
            def.name.clone(),
            metric_row(def.name.clone(), def, &sink, input),
        ));
        for (key, sel) in subs.iter().filter(|(_, s)| s.metric == def.name) {
            if let Some(sub) = snap
                .aggregate(&def.name, &sel.tags)
                .filter(Sink::has_samples)
            {
                let row = metric_row(submetric_name(key), def, &sub, input);
                keyed[section].push((key.clone(), row));
            }
        }
    }
    keyed.map(|mut rows| {
        rows.sort_by(|a, b| k6_order(&a.0, &b.0));
        rows.into_iter().map(|(_, row)| row).collect()
    })
}

/// Passes and fails per check name over every group: k6's compact summary
/// lists a name once, whatever group it ran in.
fn checks_by_name(input: &SummaryInput) -> BTreeMap<String, (u64, u64)> {
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
fn checks_block(input: &SummaryInput, p: Paint) -> Vec<String> {
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

/// `p(95)=12.3ms`: the aggregation as written and the value it was judged
/// on, in the metric's unit.
fn judged_value(input: &SummaryInput, t: &ThresholdLine) -> (String, String) {
    let label = t.aggregation.to_string();
    let Some(v) = t.observed else {
        return (label, "[no data]".to_string());
    };
    let def = input
        .snapshot
        .metric(&t.selector.metric)
        .map(|series| &series.def);
    let shown = match def {
        Some(d) if d.kind == MetricKind::Rate => percent(v),
        Some(d) if t.aggregation == Aggregation::Rate => {
            format!("{}/s", format::value(v, d.value_type))
        }
        Some(d) => format::value(v, d.value_type),
        None => number(v),
    };
    (label, shown)
}

/// Per metric key (sorted as k6 sorts them), each expression with ✓/✗ and
/// the judged value; a sub-metric whose parent also has thresholds is
/// indented under it and shows only its tags.
fn threshold_lines(input: &SummaryInput, p: Paint) -> Vec<String> {
    let mut by_key: Vec<(&str, Vec<&ThresholdLine>)> = Vec::new();
    for t in input.thresholds {
        match by_key.iter_mut().find(|(k, _)| *k == t.metric) {
            Some((_, list)) => list.push(t),
            None => by_key.push((&t.metric, vec![t])),
        }
    }
    by_key.sort_by(|a, b| k6_order(a.0, b.0));
    let mut lines = Vec::new();
    for (key, list) in &by_key {
        let parent = key.split('{').next().unwrap_or(key);
        let nested = parent.len() < key.len() && by_key.iter().any(|(k, _)| *k == parent);
        let (indent, name) = if nested {
            ("      ", &key[parent.len()..])
        } else {
            (INDENT, *key)
        };
        lines.push(format!("{indent}{name}"));
        for t in list {
            let mark = if t.passed {
                p.paint("✓", GREEN)
            } else {
                p.paint("✗", RED)
            };
            let (label, value) = judged_value(input, t);
            lines.push(format!(
                "{indent}{mark} {} {}={}",
                p.paint(&format!("'{}'", t.expression.trim()), WHITE),
                p.paint(&label, WHITE),
                p.paint(&value, CYAN),
            ));
        }
        lines.push(String::new());
    }
    lines
}

/// The scenarios and the stop reason, aligned on the colon like k6's banner.
fn header(input: &SummaryInput, p: Paint) -> Vec<String> {
    let mut lines = Vec::new();
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
    tables::render_errors(&mut lines, input, p);
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
        let text = render_summary(&input);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::metrics::{IterationSample, Registry, Snapshot, Store, TagSet};
    use crate::output::fixture;

    use fixture::{stats, threshold};

    fn render(
        snap: &Snapshot,
        thresholds: &[ThresholdLine],
        trend_stats: &[Aggregation],
        color: bool,
    ) -> String {
        render_summary(&SummaryInput {
            snapshot: snap,
            thresholds,
            trend_stats,
            color,
            interrupted_iterations: 0,
            scenarios: Vec::new(),
            stop_reason: None,
            load_generator: Default::default(),
        })
    }

    fn has_line(out: &str, line: &str) -> bool {
        out.lines().any(|l| l == line)
    }

    fn default_stats() -> Vec<Aggregation> {
        stats(&["avg", "min", "med", "max", "p(90)", "p(95)"])
    }

    #[test]
    fn sections_in_k6_order_with_one_alignment() {
        let snap = fixture::snapshot();
        let out = render(&snap, &[], &default_stats(), false);
        let at = |s: &str| {
            out.find(s)
                .unwrap_or_else(|| panic!("{s:?} missing in\n{out}"))
        };
        assert!(at("  █ TOTAL RESULTS\n") < at("\n    CUSTOM\n"));
        assert!(at("\n    CUSTOM\n") < at("\n    HTTP\n"));
        assert!(at("\n    HTTP\n") < at("\n    EXECUTION\n"));
        assert!(at("\n    EXECUTION\n") < at("\n    NETWORK\n"));
        assert!(!out.contains("THRESHOLDS"), "no thresholds, no section");

        // The longest name, "  { expected_response:true }", gets three dots.
        for line in [
            "    http_reqs......................: 10     1/s",
            "    http_req_failed................: 20.00% 2 out of 10",
            "    iterations_failed..............: 1      0.1/s",
            "    vus............................: 3      min=1       max=5",
            "    data_received..................: 20 kB  2.0 kB/s",
            "    data_sent......................: 1.2 kB 120 B/s",
            "    cart_errors....................: 10.00% 1 out of 10",
            "    http_req_duration..............: avg=14.6ms  min=10.1ms med=14.1ms   max=19.09ms p(90)=18.11ms  p(95)=19.09ms",
            "      { expected_response:true }...: avg=13.59ms min=10.1ms med=13.1ms   max=17.1ms  p(90)=17.1ms   p(95)=17.1ms",
            "    http_req_blocked...............: avg=50µs    min=50µs   med=50µs     max=50µs    p(90)=50µs     p(95)=50µs",
        ] {
            assert!(has_line(&out, line), "{line:?} missing in\n{out}");
        }
        // Every metric line of every section has its colon in one column.
        let metric_lines: Vec<&str> = out
            .lines()
            .skip_while(|l| *l != "    CUSTOM")
            .filter(|l| l.contains(".:"))
            .collect();
        assert!(metric_lines.len() > 15, "{out}");
        let colon = |l: &str| l.find(".:").map(|i| l[..i].chars().count());
        assert!(
            metric_lines
                .iter()
                .all(|l| colon(l) == colon(metric_lines[0])),
            "{out}"
        );
        // Metrics without samples and the checks metric are not listed.
        assert!(
            !out.contains("unused_trend") && !out.contains("    checks.."),
            "{out}"
        );
        assert!(!out.contains("dropped_iterations"), "{out}");
    }

    #[test]
    fn checks_total_succeeded_failed_then_each_check() {
        let snap = fixture::snapshot();
        let out = render(&snap, &[], &default_stats(), false);
        let expected = "\n  █ TOTAL RESULTS\n\n\
            \x20   checks_total.......: 23     2.3/s\n\
            \x20   checks_succeeded...: 91.30% 21 out of 23\n\
            \x20   checks_failed......: 8.69%  2 out of 23\n\n\
            \x20   ✓ body ok\n\
            \x20   ✓ logged in\n\
            \x20   ✗ status is 200\n\
            \x20     ↳  80% — ✓ 8 / ✗ 2\n\n\
            \x20   CUSTOM\n";
        assert!(out.contains(expected), "{out}");
    }

    #[test]
    fn thresholds_show_verdict_and_judged_value() {
        let snap = fixture::snapshot();
        let thresholds = [
            threshold("http_req_failed", "rate<0.01", false, Some(0.2)),
            threshold("http_req_duration", "p(95)<500", true, Some(12.345)),
            threshold("http_req_duration", "avg<2000", true, Some(1500.0)),
            threshold("http_req_duration{status:200}", "max<15", false, Some(17.1)),
            threshold("http_reqs", "rate>0.5", true, Some(1.0)),
            threshold("data_received", "count<1000000", true, Some(20_000.0)),
            threshold("unused_trend", "avg<1", true, None),
        ];
        let out = render(&snap, &thresholds, &default_stats(), false);
        let expected = "\n  █ THRESHOLDS\n\n\
            \x20   data_received\n\
            \x20   ✓ 'count<1000000' count=20 kB\n\n\
            \x20   http_req_duration\n\
            \x20   ✓ 'p(95)<500' p(95)=12.34ms\n\
            \x20   ✓ 'avg<2000' avg=1.5s\n\n\
            \x20     {status:200}\n\
            \x20     ✗ 'max<15' max=17.1ms\n\n\
            \x20   http_req_failed\n\
            \x20   ✗ 'rate<0.01' rate=20.00%\n\n\
            \x20   http_reqs\n\
            \x20   ✓ 'rate>0.5' rate=1/s\n\n\
            \x20   unused_trend\n\
            \x20   ✓ 'avg<1' avg=[no data]\n\n\n\
            \x20 █ TOTAL RESULTS\n";
        assert!(out.contains(expected), "{out}");
        // A sub-metric with a threshold is listed under its parent.
        assert!(
            out.contains("\n      { status:200 }...............: avg=13.59ms"),
            "{out}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let snap = fixture::snapshot();
        let thresholds = [threshold("http_reqs", "count>5", true, Some(10.0))];
        let plain = render(&snap, &thresholds, &default_stats(), false);
        assert!(!plain.contains('\x1b'), "{plain}");
        let colored = render(&snap, &thresholds, &default_stats(), true);
        for painted in [
            "  █ \x1b[1mTOTAL RESULTS\x1b[0m",
            "    \x1b[32m✓\x1b[0m \x1b[37m'count>5'\x1b[0m \x1b[37mcount\x1b[0m=\x1b[36m10\x1b[0m",
            "    \x1b[32m✓ body ok\x1b[0m",
            "    \x1b[31m✗ status is 200\x1b[0m",
            "    http_reqs\x1b[2;37m......................:\x1b[0m \x1b[36m10\x1b[0m     \x1b[2;36m1/s\x1b[0m",
        ] {
            assert!(
                has_line(&colored, painted),
                "{painted:?} missing in\n{colored}"
            );
        }
    }

    #[test]
    fn header_stop_reason_and_interrupted_iterations() {
        let snap = fixture::snapshot();
        let scenarios = ["default: 10 looping VUs for 10s".to_string()];
        let out = render_summary(&SummaryInput {
            snapshot: &snap,
            thresholds: &[],
            trend_stats: &default_stats(),
            color: false,
            interrupted_iterations: 2,
            scenarios: scenarios.to_vec(),
            stop_reason: Some("interrupted (Ctrl-C / SIGTERM)".into()),
            load_generator: Default::default(),
        });
        let head = "\n     scenarios: 1 scenario\n\
            \x20             * default: 10 looping VUs for 10s\n\
            \x20stopped early: interrupted (Ctrl-C / SIGTERM)\n\n  █ TOTAL RESULTS\n";
        assert!(out.starts_with(head), "{out}");
        assert!(
            has_line(&out, "    interrupted iterations.........: 2"),
            "{out}"
        );
    }

    #[test]
    fn quiet_run_omits_empty_sections() {
        let store = Store::new(Arc::new(Registry::new()), 1);
        let mut buf = store.buffer(0);
        buf.iteration(IterationSample {
            base: TagSet::empty(),
            duration: Duration::from_millis(1500),
            failed: false,
            at: Instant::now(),
        });
        buf.flush();
        let snap = store.snapshot(Duration::from_secs(2));
        let out = render(&snap, &[], &stats(&["count", "p(99.9)"]), false);
        assert!(
            has_line(&out, "    iteration_duration...: count=1 p(99.9)=1.5s"),
            "{out}"
        );
        assert!(
            has_line(&out, "    iterations...........: 1 0.5/s"),
            "{out}"
        );
        for absent in [
            "checks_total",
            "HTTP",
            "CUSTOM",
            "NETWORK",
            "iterations_failed",
            "interrupted",
        ] {
            assert!(!out.contains(absent), "{absent} in\n{out}");
        }
    }

    #[test]
    fn resources_show_avg_and_peak_and_saturation() {
        let registry = Arc::new(Registry::new());
        let mut defs = Vec::new();
        for (name, vt) in [
            ("target_cpu", crate::metrics::ValueType::Default),
            ("target_memory", crate::metrics::ValueType::Data),
            ("volley_cpu", crate::metrics::ValueType::Default),
            ("volley_memory", crate::metrics::ValueType::Data),
        ] {
            let kind = crate::metrics::MetricKind::Trend;
            defs.push(registry.define_builtin(name, kind, vt).expect("define"));
        }
        let store = Store::new(registry, 1);
        let mut buf = store.buffer(0);
        let api = TagSet::from_pairs([("target", "pid:4242")]);
        let trend = crate::metrics::MetricKind::Trend;
        for (cpu, mem, own) in [
            (26.0, 1.7e9, 20.0),
            (78.3, 1.9e9, 61.0),
            (52.0, 1.8e9, 24.6),
        ] {
            buf.custom(defs[0], trend, cpu, api.clone());
            buf.custom(defs[1], trend, mem, api.clone());
            buf.custom(defs[2], trend, own, TagSet::empty());
            buf.custom(defs[3], trend, 48e6, TagSet::empty());
        }
        buf.flush();
        let snap = store.snapshot(Duration::from_secs(3));
        let stats = default_stats();
        let mut input = SummaryInput {
            snapshot: &snap,
            thresholds: &[],
            trend_stats: &stats,
            color: false,
            interrupted_iterations: 0,
            scenarios: Vec::new(),
            stop_reason: None,
            load_generator: crate::outcome::LoadGenerator {
                cores: 2,
                saturation: None,
            },
        };
        let out = render_summary(&input);
        let expected = "  █ RESOURCES\n\n\
            \x20   target_cpu{target:pid:4242}......: avg=52.1%  peak=78.3%\n\
            \x20   target_memory{target:pid:4242}...: avg=1.8 GB peak=1.9 GB\n\
            \x20   volley_cpu.......................: avg=35.2%  peak=61%\n\
            \x20   volley_memory....................: avg=48 MB  peak=48 MB\n\n\
            \x20   CPU in percent of one core, sampled every second; volley may use 2 cores (200%)\n";
        assert!(out.contains(expected), "{out}");
        assert!(
            !out.contains("CUSTOM"),
            "resource metrics are not custom ones:\n{out}"
        );
        assert!(!out.contains('✗'), "{out}");
        input.load_generator.saturation = Some("the load generator was saturated: ...".into());
        let out = render_summary(&input);
        assert!(
            has_line(&out, "    ✗ the load generator was saturated: ..."),
            "{out}"
        );
    }

    #[test]
    fn names_sort_like_k6() {
        let mut names = vec![
            "vus_max",
            "http_reqs",
            "a1",
            "http_req_duration{status:200}",
            "B",
            "vus",
            "a_b",
            "http_req_duration",
        ];
        names.sort_by(|a, b| k6_order(a, b));
        assert_eq!(
            names,
            [
                "a_b",
                "a1",
                "B",
                "http_req_duration",
                "http_req_duration{status:200}",
                "http_reqs",
                "vus",
                "vus_max"
            ]
        );
    }
}
