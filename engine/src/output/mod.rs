//! End-of-test outputs: the text summary in k6's layout and the
//! `--summary-export` JSON in k6's legacy summary-export shape.

pub mod base64;
mod csv;
mod export;
pub mod format;
mod json_lines;
mod junit;
mod points;
mod prometheus;
mod report;
mod results;
mod summary;
mod svg;

pub use csv::CsvOut;
pub use export::summary_export;
pub use json_lines::JsonLines;
pub use junit::{junit, markdown};
pub use prometheus::PrometheusRw;
pub use report::render_report;
pub use results::{RESULTS_FORMAT, ResultsMeta, TimePoint, kind_of, results, sink_from_json};
pub use summary::render_summary;

use std::path::PathBuf;
use std::sync::Arc;

use crate::metrics::{Registry, Sample, SampleWriter, Sink, Snapshot};

/// An output that streams every sample (`--out TYPE=FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// k6's JSON lines.
    Json(PathBuf),
    /// k6's CSV.
    Csv(PathBuf),
    /// Prometheus remote write to this URL.
    PrometheusRw(String),
}

impl OutputSpec {
    /// Parse k6's `TYPE=TARGET` syntax.
    pub fn parse(s: &str) -> Result<OutputSpec, String> {
        match s.split_once('=') {
            Some(("json", f)) if !f.is_empty() => Ok(OutputSpec::Json(f.into())),
            Some(("csv", f)) if !f.is_empty() => Ok(OutputSpec::Csv(f.into())),
            Some(("prometheus-rw", u)) if !u.is_empty() => Ok(OutputSpec::PrometheusRw(u.into())),
            _ => Err(format!(
                "--out {s:?}: unsupported output; use json=FILE, csv=FILE or prometheus-rw=URL"
            )),
        }
    }
}

enum Stream {
    Json(JsonLines),
    Csv(CsvOut),
}

/// Every streaming output of a run, fed one batch at a time.
#[derive(Default)]
pub struct Streams {
    outs: Vec<(PathBuf, Stream)>,
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.outs.iter().map(|(p, _)| p))
            .finish()
    }
}

impl Streams {
    /// Open every output (creating its file).
    pub fn open(specs: &[OutputSpec], registry: &Arc<Registry>) -> Result<Streams, String> {
        let mut outs = Vec::new();
        for spec in specs {
            let (path, made) = match spec {
                OutputSpec::Json(p) => {
                    (p, JsonLines::create(p, registry.clone()).map(Stream::Json))
                }
                OutputSpec::Csv(p) => (p, CsvOut::create(p, registry.clone()).map(Stream::Csv)),
                // Pushed from snapshots, not streamed: see `PrometheusRw`.
                OutputSpec::PrometheusRw(_) => continue,
            };
            let stream =
                made.map_err(|e| format!("--out: cannot create {}: {e}", path.display()))?;
            outs.push((path.clone(), stream));
        }
        Ok(Streams { outs })
    }

    /// Whether there is no output.
    pub fn is_empty(&self) -> bool {
        self.outs.is_empty()
    }

    /// Flush every file; report the first failure.
    pub fn finish(&self) -> Result<(), String> {
        for (path, s) in &self.outs {
            let r = match s {
                Stream::Json(j) => j.finish(),
                Stream::Csv(c) => c.finish(),
            };
            r.map_err(|e| format!("--out: cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

impl SampleWriter for Streams {
    fn write(&self, batch: &[Sample]) {
        for (_, s) in &self.outs {
            match s {
                Stream::Json(j) => j.write(batch),
                Stream::Csv(c) => c.write(batch),
            }
        }
    }
}

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
