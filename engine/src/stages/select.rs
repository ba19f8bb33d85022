//! Thresholds and periods: `{stage:N}` / `{stage:NAME}` selectors, and the
//! thresholds a capacity search judges per step.
//!
//! - In a run with periods (stages, several scenarios, or a capacity
//!   search), the tag key `stage` in a threshold's selector names a period:
//!   its number from 1, as in the by-stage table, or its name. The
//!   threshold is judged on that period's samples only, with the rest of
//!   the selector as usual (`http_req_duration{stage:2,name:checkout}`).
//!   A number or name that is no period is refused before the run. In a run
//!   without periods, `stage` is an ordinary tag, as in k6.
//! - In a run with a `capacity-search` scenario, every threshold that does
//!   not select another scenario is judged on each step. At the end it is
//!   reported as judged on the highest step that passed (or on the first
//!   step when none did), so the run passes when the search found a
//!   sustainable load.

use std::cell::OnceCell;

use super::{Periods, Spec, StageReport, StepThreshold, StepVerdict, plan};
use crate::executor::StepLoad;
use crate::metrics::Snapshot;
use crate::outcome::ThresholdLine;
use crate::thresholds::{
    self, Aggregation, MetricSelector, ThresholdError, ThresholdErrors, ThresholdSet,
};

/// The tag key that selects a period.
pub const STAGE_KEY: &str = "stage";

fn stage_of(sel: &MetricSelector) -> Option<&str> {
    sel.tags
        .iter()
        .find(|(k, _)| k == STAGE_KEY)
        .map(|(_, v)| v.as_str())
}

fn without_stage(sel: &MetricSelector) -> Vec<(String, String)> {
    sel.tags
        .iter()
        .filter(|(k, _)| k != STAGE_KEY)
        .cloned()
        .collect()
}

/// The position (0-based, in start order) of the numbered period `value`
/// names, or why none does.
fn resolve(specs: &[&Spec], value: &str) -> Result<usize, String> {
    let listing = || {
        specs
            .iter()
            .enumerate()
            .map(|(i, s)| match &s.name {
                Some(n) => format!("{} \"{n}\"", i + 1),
                None => (i + 1).to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Ok(n) = value.parse::<usize>() {
        return if (1..=specs.len()).contains(&n) {
            Ok(n - 1)
        } else {
            Err(format!(
                "no stage {n}: stages are numbered from 1 as in the by-stage table, and this run has {} ({})",
                specs.len(),
                listing()
            ))
        };
    }
    let named: Vec<usize> = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.name.as_deref() == Some(value))
        .map(|(i, _)| i)
        .collect();
    match named.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!(
            "no stage named \"{value}\"; the stages are {}. Name a stage with \"name\" in its stages entry, or select it by number",
            listing()
        )),
        many => Err(format!(
            "the name \"{value}\" is given to stages {}; give them different names or select one by number",
            many.iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    }
}

/// Check every `{stage:...}` selector against the run's periods, before
/// any load. Without periods, `stage` is an ordinary tag.
pub fn check(set: &ThresholdSet, periods: Option<&Periods>) -> Result<(), ThresholdErrors> {
    let Some(periods) = periods else {
        return Ok(());
    };
    let specs = plan::numbered(periods.planned());
    let searching = periods.searches();
    let mut errors = Vec::new();
    for m in &set.metrics {
        let Some(value) = stage_of(&m.selector) else {
            continue;
        };
        let message = if searching {
            Some(
                "a capacity search judges every threshold on each of its steps; remove the stage selector"
                    .to_string(),
            )
        } else {
            resolve(&specs, value).err()
        };
        if let Some(message) = message {
            errors.push(ThresholdError::Selector {
                key: m.key.clone(),
                message,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ThresholdErrors(errors))
    }
}

/// Whether a threshold is judged per step of a capacity search of
/// `scenario`: it selects no stage and no other scenario.
fn applies_to_step(sel: &MetricSelector, scenario: &str) -> bool {
    stage_of(sel).is_none()
        && sel
            .tags
            .iter()
            .all(|(k, v)| k != "scenario" || v == scenario)
}

fn observe(
    snap: &Snapshot,
    metric: &str,
    tags: &[(String, String)],
    agg: &Aggregation,
) -> Option<f64> {
    let sink = snap.aggregate(metric, tags)?;
    if !sink.has_samples() || !agg.valid_for(sink.kind()) {
        return None;
    }
    agg.value(&sink, snap.elapsed)
}

/// [`observe`] at the end of the run, where k6 judges a metric without
/// samples too: an empty counter, gauge or trend reads 0 (so `count>10`
/// fails and `p(95)<500` passes), an empty rate has no value (its
/// thresholds pass). During the run, empty metrics are not judged.
fn observe_final(
    snap: &Snapshot,
    metric: &str,
    tags: &[(String, String)],
    agg: &Aggregation,
) -> Option<f64> {
    let kind = snap.kind_of(metric)?;
    if !agg.valid_for(kind) {
        return None;
    }
    match snap.aggregate(metric, tags) {
        Some(sink) if sink.has_samples() => agg.value(&sink, snap.elapsed),
        _ if kind == crate::metrics::MetricKind::Rate => None,
        // k6 leaves a counter's rate unset when the test took no time.
        _ if *agg == Aggregation::Rate && snap.elapsed.is_zero() => None,
        _ => Some(0.0),
    }
}

/// Judge one step of a capacity search of `scenario` on its snapshot.
pub(super) fn judge_step(
    set: &ThresholdSet,
    scenario: &str,
    snap: &Snapshot,
    load: &StepLoad,
) -> StepVerdict {
    let mut list = Vec::new();
    for m in &set.metrics {
        if !applies_to_step(&m.selector, scenario) {
            continue;
        }
        for t in &m.thresholds {
            let observed = observe(
                snap,
                &m.selector.metric,
                &m.selector.tags,
                &t.expr.aggregation,
            );
            list.push(StepThreshold {
                metric: m.key.clone(),
                expression: t.source.clone(),
                passed: t.expr.passes(observed),
                observed,
            });
        }
    }
    let dropped = crate::executor::dropped_too_many(load);
    let mut reasons: Vec<String> = list
        .iter()
        .filter(|t| !t.passed)
        .map(|t| format!("{} {}", t.metric, t.expression))
        .collect();
    if dropped {
        reasons.push(format!(
            "{} of {} iterations dropped (no free VU: the target did not keep up, or maxVUs is too low)",
            load.dropped, load.planned
        ));
    }
    StepVerdict {
        passed: reasons.is_empty(),
        thresholds: list,
        planned: load.planned,
        dropped: load.dropped,
        unfinished: load.unfinished,
        reason: reasons.join("; "),
    }
}

/// The views thresholds are judged on: the whole run, each period, and
/// the step each capacity search is reported at.
struct Views<'a> {
    main: &'a Snapshot,
    periods: Option<&'a Periods>,
    report: Option<&'a StageReport>,
    snaps: OnceCell<Vec<(Spec, Snapshot)>>,
}

impl Views<'_> {
    fn snaps(&self) -> &[(Spec, Snapshot)] {
        self.snaps
            .get_or_init(|| self.periods.map(|p| p.snapshots()).unwrap_or_default())
    }

    /// The snapshot a selector is judged on, and its tags there; None
    /// when it has nothing to be judged on (yet).
    fn view(&self, sel: &MetricSelector, live: bool) -> Option<(&Snapshot, Vec<(String, String)>)> {
        let Some(periods) = self.periods else {
            return Some((self.main, sel.tags.clone()));
        };
        if let Some(value) = stage_of(sel) {
            let specs = plan::numbered(periods.planned());
            let i = resolve(&specs, value).ok()?;
            let (_, snap) = self.snaps().get(i)?;
            return Some((snap, without_stage(sel)));
        }
        // A capacity search: judged per step; at the end, on the step it
        // is reported at.
        let searched: Vec<&str> = periods
            .planned()
            .iter()
            .filter(|s| s.executor == "capacity-search")
            .map(|s| s.scenario.as_str())
            .collect();
        let Some(scenario) = searched.iter().find(|s| applies_to_step(sel, s)).copied() else {
            return Some((self.main, sel.tags.clone()));
        };
        if live {
            return None;
        }
        let at = self
            .report?
            .capacity
            .iter()
            .find(|c| c.scenario == scenario)?
            .reported_stage()?;
        let (_, snap) = self.snaps().get(at - 1)?;
        Some((snap, sel.tags.clone()))
    }
}

/// The observed value of `agg` on what `sel` selects, while the run goes
/// (for `abortOnFail`): stage selectors on their period so far; thresholds
/// a capacity search judges per step are left to it.
pub fn observe_live(
    main: &Snapshot,
    periods: Option<&Periods>,
    sel: &MetricSelector,
    agg: &Aggregation,
) -> Option<f64> {
    let views = Views {
        main,
        periods,
        report: None,
        snaps: OnceCell::new(),
    };
    let (snap, tags) = views.view(sel, true)?;
    observe(snap, &sel.metric, &tags, agg)
}

/// Judge every threshold at the end of the run (see the module's doc).
pub fn judge(
    set: &ThresholdSet,
    main: &Snapshot,
    periods: Option<&Periods>,
    report: Option<&StageReport>,
) -> Vec<ThresholdLine> {
    let views = Views {
        main,
        periods,
        report,
        snaps: OnceCell::new(),
    };
    let outcomes = thresholds::evaluate(set, |sel, agg| {
        let (snap, tags) = views.view(sel, false)?;
        observe_final(snap, &sel.metric, &tags, agg)
    });
    let mut lines = Vec::new();
    for ((key, results), metric) in outcomes.into_iter().zip(&set.metrics) {
        // A threshold on a metric that never came to exist, or with an
        // aggregation its type lacks, cannot pass.
        let kind = main.kind_of(&metric.selector.metric);
        for (o, t) in results.into_iter().zip(&metric.thresholds) {
            let valid = kind.is_some_and(|k| t.expr.aggregation.valid_for(k));
            lines.push(ThresholdLine {
                metric: key.clone(),
                selector: metric.selector.clone(),
                expression: o.source.clone(),
                aggregation: t.expr.aggregation,
                passed: o.passed && valid,
                observed: o.observed,
            });
        }
    }
    lines
}
