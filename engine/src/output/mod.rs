//! TEMPORARY placeholder until the summary module lands.
use crate::metrics::Snapshot;

/// One threshold's result, as the summary shows it.
#[derive(Debug, Clone)]
pub struct ThresholdLine {
    /// Key.
    pub metric: String,
    /// Expression.
    pub expression: String,
    /// Passed.
    pub passed: bool,
    /// Observed.
    pub observed: Option<f64>,
}

/// Everything the summary shows.
pub struct SummaryInput<'a> {
    /// Snapshot.
    pub snapshot: &'a Snapshot,
    /// Thresholds.
    pub thresholds: &'a [ThresholdLine],
    /// Trend stats.
    pub trend_stats: &'a [String],
    /// Color.
    pub color: bool,
    /// Interrupted.
    pub interrupted_iterations: u64,
    /// Scenarios.
    pub scenarios: &'a [String],
    /// Stop reason.
    pub stop_reason: Option<String>,
}

/// Render.
pub fn render_summary(input: &SummaryInput) -> String {
    let mut s = String::new();
    for series in input.snapshot.series() {
        if let Some(agg) = input.snapshot.aggregate(&series.def.name, &[]) {
            s.push_str(&format!("{}: {:?}\n", series.def.name, agg.rate(input.snapshot.elapsed)));
        }
    }
    for t in input.thresholds {
        s.push_str(&format!("{} {} {}\n", t.metric, t.expression, t.passed));
    }
    s
}

/// Export.
pub fn summary_export(input: &SummaryInput) -> serde_json::Value {
    let _ = input;
    serde_json::json!({})
}
