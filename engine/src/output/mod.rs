//! End-of-test outputs: the text summary in k6's layout and the
//! `--summary-export` JSON in k6's legacy summary-export shape.

mod export;
pub mod format;
mod json_lines;
mod junit;
mod summary;

pub use export::summary_export;
pub use json_lines::JsonLines;
pub use junit::{junit, markdown};
pub use summary::render_summary;

use crate::metrics::{Sink, Snapshot};

/// One threshold's result, as the summary shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdLine {
    /// The selector as the user wrote it, e.g. `http_req_duration{status:200}`.
    pub metric: String,
    /// The expression, e.g. `p(95)<500`.
    pub expression: String,
    /// Whether it passed.
    pub passed: bool,
    /// The value it was judged on (None: no data).
    pub observed: Option<f64>,
}

/// Everything the summary shows.
#[derive(Debug, Clone)]
pub struct SummaryInput<'a> {
    /// The final metrics.
    pub snapshot: &'a Snapshot,
    /// Threshold results.
    pub thresholds: &'a [ThresholdLine],
    /// Trend columns, e.g. `avg`, `p(95)`, `count`.
    pub trend_stats: &'a [String],
    /// Use ANSI colours.
    pub color: bool,
    /// Iterations cut off by a hard stop.
    pub interrupted_iterations: u64,
    /// One line per scenario.
    pub scenarios: &'a [String],
    /// Why the test stopped early, if it did.
    pub stop_reason: Option<String>,
}

/// The value of trend stat `stat` (`avg`, `min`, `med`, `max`, `count`,
/// `p(N)`), or None for an unknown stat or a non-trend sink.
pub fn trend_stat(sink: &Sink, stat: &str) -> Option<f64> {
    let Sink::Trend(t) = sink else { return None };
    Some(match stat {
        "avg" => t.avg(),
        "min" => t.min(),
        "med" => t.med(),
        "max" => t.max(),
        "count" => t.count() as f64,
        other => {
            let p: f64 = other
                .strip_prefix("p(")?
                .strip_suffix(')')?
                .trim()
                .parse()
                .ok()?;
            t.percentile(p)
        }
    })
}
