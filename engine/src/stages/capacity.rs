//! A capacity search's answer, read off its judged steps: the highest
//! sustainable rate with its figures, the lowest failing one, the step at
//! which each threshold first failed, and the knee of latency against load.

use serde::{Deserialize, Serialize};

use super::StageRow;

/// One step's figures, as the answer quotes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepFigures {
    /// The step's number (its row in the by-stage table).
    pub stage: usize,
    /// The rate it offered, iterations per time unit.
    pub rate: f64,
    /// Requests per second it achieved.
    pub rps: f64,
    /// `http_req_duration` p50, p95, p99 (ms).
    pub p50_ms: Option<f64>,
    /// p95.
    pub p95_ms: Option<f64>,
    /// p99.
    pub p99_ms: Option<f64>,
    /// Failed requests' share.
    pub error_rate: Option<f64>,
    /// Why it failed (empty when it passed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Where a threshold first failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstFailure {
    /// The threshold's key.
    pub metric: String,
    /// Its expression.
    pub expression: String,
    /// The first step (in time) that failed it.
    pub stage: usize,
    /// That step's rate.
    pub rate: f64,
    /// The value it was judged on there.
    pub observed: Option<f64>,
}

/// The knee of latency against load: the highest load before p95 rises
/// steeply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// The step (or stage) at the knee.
    pub stage: usize,
    /// Its load.
    pub load: f64,
    /// Its p95 (ms).
    pub p95_ms: f64,
}

/// The answer of one `capacity-search` scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityResult {
    /// The scenario.
    pub scenario: String,
    /// The unit of the rates (`iterations/s`).
    pub unit: String,
    /// Steps run.
    pub steps: usize,
    /// The highest rate that passed, if any did.
    pub sustained: Option<StepFigures>,
    /// The lowest rate that failed, if any did.
    pub failed: Option<StepFigures>,
    /// Each threshold that failed somewhere, at the first step that failed it.
    pub first_failures: Vec<FirstFailure>,
    /// The knee of p95 against the rate, when there is one.
    pub knee: Option<Knee>,
    /// The step the run's thresholds are reported at: the sustained one,
    /// or the first when none passed.
    pub reported_at: usize,
    /// The answer in one line.
    pub summary: String,
}

impl CapacityResult {
    /// The step the run's thresholds are reported at (from 1).
    pub fn reported_stage(&self) -> Option<usize> {
        (self.reported_at > 0).then_some(self.reported_at)
    }
}

fn figures(r: &StageRow) -> StepFigures {
    StepFigures {
        stage: r.index,
        rate: r.load.to,
        rps: r.rps,
        p50_ms: r.p50_ms,
        p95_ms: r.p95_ms,
        p99_ms: r.p99_ms,
        error_rate: r.error_rate,
        reason: r
            .verdict
            .as_ref()
            .map(|v| v.reason.clone())
            .unwrap_or_default(),
    }
}

/// A threshold's observed value in words: a share for `rate`, ms for
/// times.
pub fn observed_text(metric: &str, expression: &str, v: f64) -> String {
    let name = metric.split('{').next().unwrap_or(metric);
    if expression.trim_start().starts_with("rate") {
        format!("{:.2}%", v * 100.0)
    } else if name.ends_with("duration")
        || (name.starts_with("http_req_") && name != "http_req_failed")
    {
        format!("{} ms", trim(v))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn rate_text(rate: f64, unit: &str) -> String {
    format!("{} {unit}", trim(rate).trim_end_matches(".0"))
}

/// The knee of `points` (load, p95), by the Kneedle rule: on the curve
/// scaled to the unit square, the point farthest below the diagonal. None
/// for fewer than 3 points or a curve without a clear bend (farther than
/// 0.1 from the diagonal).
pub fn knee(points: &[(usize, f64, f64)]) -> Option<Knee> {
    let mut pts: Vec<(usize, f64, f64)> = points.to_vec();
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    if pts.len() < 3 {
        return None;
    }
    let (x0, x1) = (pts[0].1, pts[pts.len() - 1].1);
    let y0 = pts.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
    let y1 = pts.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    // A latency that barely moves (under 20%, or under a millisecond) has
    // no knee, only noise.
    if x1 <= x0 || y1 <= y0 * 1.2 || y1 - y0 < 1.0 {
        return None;
    }
    let (best, gap) = pts
        .iter()
        .map(|p| (p, (p.1 - x0) / (x1 - x0) - (p.2 - y0) / (y1 - y0)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (gap > 0.1).then_some(Knee {
        stage: best.0,
        load: best.1,
        p95_ms: best.2,
    })
}

/// The answer of each capacity search among `rows`.
pub(super) fn results(rows: &[StageRow]) -> Vec<CapacityResult> {
    let mut scenarios: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict.is_some())
        .map(|r| r.scenario.as_str())
        .collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    scenarios
        .into_iter()
        .map(|scenario| {
            let steps: Vec<&StageRow> = rows
                .iter()
                .filter(|r| r.scenario == scenario && r.verdict.is_some())
                .collect();
            result(scenario, &steps)
        })
        .collect()
}

fn result(scenario: &str, steps: &[&StageRow]) -> CapacityResult {
    let passed = |r: &&&StageRow| r.verdict.as_ref().is_some_and(|v| v.passed);
    let sustained = steps
        .iter()
        .filter(passed)
        .max_by(|a, b| a.load.to.total_cmp(&b.load.to));
    let failed = steps
        .iter()
        .filter(|r| !passed(r))
        .min_by(|a, b| a.load.to.total_cmp(&b.load.to));
    let mut first_failures: Vec<FirstFailure> = Vec::new();
    for r in steps {
        for t in r.verdict.iter().flat_map(|v| &v.thresholds) {
            let seen = first_failures
                .iter()
                .any(|f| f.metric == t.metric && f.expression == t.expression);
            if !t.passed && !seen {
                first_failures.push(FirstFailure {
                    metric: t.metric.clone(),
                    expression: t.expression.clone(),
                    stage: r.index,
                    rate: r.load.to,
                    observed: t.observed,
                });
            }
        }
    }
    let points: Vec<(usize, f64, f64)> = steps
        .iter()
        .filter_map(|r| Some((r.index, r.load.to, r.p95_ms?)))
        .collect();
    let unit = steps
        .first()
        .map(|r| r.load.unit.clone())
        .unwrap_or_default();
    let reported_at = sustained.or_else(|| steps.first()).map_or(0, |r| r.index);
    let sustained = sustained.map(|r| figures(r));
    let failed = failed.map(|r| figures(r));
    let summary = summary(&unit, steps, sustained.as_ref(), failed.as_ref());
    CapacityResult {
        scenario: scenario.to_string(),
        unit,
        steps: steps.len(),
        knee: knee(&points),
        sustained,
        failed,
        first_failures,
        reported_at,
        summary,
    }
}

/// What the failing step broke first: its first failed threshold with the
/// value seen, or the reason.
fn broke(steps: &[&StageRow], f: &StepFigures) -> String {
    let row = steps.iter().find(|r| r.index == f.stage);
    let first = row
        .and_then(|r| r.verdict.as_ref())
        .and_then(|v| v.thresholds.iter().find(|t| !t.passed));
    match first {
        Some(t) => {
            let seen = t
                .observed
                .map(|v| format!(" ({})", observed_text(&t.metric, &t.expression, v)))
                .unwrap_or_default();
            format!("{} {}{seen}", t.metric, t.expression)
        }
        None => f.reason.clone(),
    }
}

fn summary(
    unit: &str,
    steps: &[&StageRow],
    sustained: Option<&StepFigures>,
    failed: Option<&StepFigures>,
) -> String {
    let figures = |s: &StepFigures| {
        let mut parts = vec![format!("{:.1} req/s", s.rps)];
        if let Some(p) = s.p95_ms {
            parts.push(format!("p95 {} ms", trim(p)));
        }
        if let Some(e) = s.error_rate {
            parts.push(format!("{:.2}% errors", e * 100.0));
        }
        parts.join(", ")
    };
    match (sustained, failed) {
        (Some(s), Some(f)) => format!(
            "sustains {} ({}); fails {} at {}",
            rate_text(s.rate, unit),
            figures(s),
            broke(steps, f),
            rate_text(f.rate, unit)
        ),
        (Some(s), None) => format!(
            "sustains {} ({}), the highest rate tried: raise maxRate to find the limit",
            rate_text(s.rate, unit),
            figures(s)
        ),
        (None, Some(f)) => format!(
            "no sustainable load: the first step, {}, already fails {}; lower startRate",
            rate_text(f.rate, unit),
            broke(steps, f)
        ),
        (None, None) => "no step ran to its end".to_string(),
    }
}
