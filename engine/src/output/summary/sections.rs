//! The metric sections of the summary (CUSTOM, HTTP, EXECUTION, NETWORK)
//! and the cells of each metric's line.

use super::layout::{Cells, Row};
use super::order::k6_order;
use crate::metrics::{MetricDef, Sink};
use crate::output::SummaryInput;
use crate::output::format::{self, percent};
use crate::thresholds::{Aggregation, MetricSelector};

/// The cells k6 shows for each metric type.
pub(super) fn metric_row(name: String, def: &MetricDef, sink: &Sink, input: &SummaryInput) -> Row {
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

/// Section titles, in k6's order (it moves CUSTOM first); STREAMING is
/// Volley's, for responses read as they arrive (server-sent events).
pub(super) const SECTIONS: [&str; 5] = ["CUSTOM", "HTTP", "STREAMING", "EXECUTION", "NETWORK"];
pub(super) const CUSTOM: usize = 0;
pub(super) const HTTP: usize = 1;
pub(super) const STREAMING: usize = 2;
pub(super) const EXECUTION: usize = 3;
pub(super) const NETWORK: usize = 4;

/// The index in [`SECTIONS`] of a metric; None for `checks` (the checks
/// block) and `group_duration` (which k6 leaves out of the summary too).
pub(super) fn section_of(def: &MetricDef) -> Option<usize> {
    if !def.builtin {
        return Some(CUSTOM);
    }
    match def.name.as_str() {
        "checks" | "group_duration" => None,
        n if n.starts_with("http_req") => Some(HTTP),
        n if n.starts_with("stream_") => Some(STREAMING),
        "iteration_duration" | "iterations" | "iterations_failed" | "dropped_iterations"
        | "vus" | "vus_max" => Some(EXECUTION),
        "data_received" | "data_sent" => Some(NETWORK),
        _ => Some(CUSTOM),
    }
}

/// A sub-metric as k6 lists it under its parent: `  { status:200 }`.
pub(super) fn submetric_name(key: &str) -> String {
    let inner = key
        .split_once('{')
        .map_or("", |(_, rest)| rest.strip_suffix('}').unwrap_or(rest));
    format!("  {{ {inner} }}")
}

/// The sub-metrics shown under their parents: k6's built-in
/// `http_req_duration{expected_response:true}` and every key a threshold
/// selects by tags; the first spelling of a selector wins.
pub(super) fn submetrics(input: &SummaryInput) -> Vec<(String, MetricSelector)> {
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
pub(super) fn metric_sections(input: &SummaryInput) -> [Vec<Row>; SECTIONS.len()] {
    let snap = input.snapshot;
    let mut keyed: [Vec<(String, Row)>; SECTIONS.len()] = Default::default();
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
