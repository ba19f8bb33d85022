//! The thresholds block of the summary: each expression with ✓/✗ and the
//! value it was judged on.

use super::INDENT;
use super::layout::{CYAN, GREEN, Paint, RED, WHITE};
use super::order::k6_order;
use crate::metrics::MetricKind;
use crate::output::format::{self, number, percent};
use crate::output::{SummaryInput, ThresholdLine};
use crate::thresholds::Aggregation;

/// `p(95)=12.3ms`: the aggregation as written and the value it was judged
/// on, in the metric's unit.
pub(super) fn judged_value(input: &SummaryInput, t: &ThresholdLine) -> (String, String) {
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
pub(super) fn threshold_lines(input: &SummaryInput, p: Paint) -> Vec<String> {
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
