//! End-of-test and streaming outputs: the text summary in k6's layout
//! ([`render_summary`]), the `--summary-export` JSON in k6's legacy shape
//! ([`summary_export`]), JUnit and Markdown reports, the results file and
//! its HTML report, and the per-sample streams (`--out`).
//!
//! Every end-of-test output reads one [`SummaryInput`]: the final snapshot
//! plus what the run decided about it (threshold verdicts, stop reason).

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
    /// The key as the user wrote it, e.g. `http_req_duration{status:200}`.
    pub metric: String,
    /// The expression as written, e.g. `p(95)<500`.
    pub expression: String,
    /// Whether it passed.
    pub passed: bool,
    /// The value it was judged on, in the metric's unit (ms for time,
    /// a 0-1 share for a rate's `rate`); None without data.
    pub observed: Option<f64>,
}

/// Everything the end-of-test outputs show.
#[derive(Debug, Clone)]
pub struct SummaryInput<'a> {
    /// The final metrics.
    pub snapshot: &'a Snapshot,
    /// Threshold results, grouped by metric key in the order they were
    /// defined.
    pub thresholds: &'a [ThresholdLine],
    /// Trend columns: `avg`, `min`, `med`, `max`, `count`, `p(N)`.
    pub trend_stats: &'a [String],
    /// Use ANSI colours (the text summary only).
    pub color: bool,
    /// Iterations cut off by a hard stop.
    pub interrupted_iterations: u64,
    /// One line per scenario, e.g. `default: 10 looping VUs for 30s (...)`.
    pub scenarios: &'a [String],
    /// Why the test stopped early, if it did.
    pub stop_reason: Option<String>,
}

/// The value of trend stat `stat` (`avg`, `min`, `med`, `max`, `count`,
/// `p(N)` with N from 0 to 100), or None for an unknown stat or a sink
/// that is not a trend.
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
            if !(0.0..=100.0).contains(&p) {
                return None;
            }
            t.percentile(p)
        }
    })
}

/// A small run shared by the summary and export tests, built through the
/// metrics API: 10 requests (8 × 200 on `home`, 2 × 503 on `api`), 10
/// iterations (1 failed), checks at the root and in group `login`, custom
/// metrics of each type (and one without samples), and the VU gauges.
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::metrics::{
        Builtin, CheckSample, HttpSample, IterationSample, MetricKind, Registry, Snapshot, Store,
        TagSet, ValueType,
    };

    fn http(base: &TagSet, name: &str, status: u16, waiting_ms: u64) -> HttpSample {
        HttpSample {
            base: base.clone(),
            extra: TagSet::empty(),
            method: "GET".into(),
            url: format!("http://127.0.0.1/{name}").into(),
            name: name.into(),
            status,
            expected: status < 400,
            error_code: 0,
            blocked: Duration::from_micros(50),
            connecting: Duration::ZERO,
            tls_handshaking: Duration::ZERO,
            sending: Duration::from_micros(20),
            waiting: Duration::from_millis(waiting_ms),
            receiving: Duration::from_micros(80),
            bytes_sent: 120,
            bytes_received: 2_000,
            at: Instant::now(),
        }
    }

    fn check(base: &TagSet, name: &str, ok: bool) -> CheckSample {
        CheckSample {
            base: base.clone(),
            name: name.into(),
            ok,
            extra: TagSet::empty(),
            at: Instant::now(),
        }
    }

    /// The snapshot of the run, 10 s in.
    pub(crate) fn snapshot() -> Snapshot {
        let registry = Arc::new(Registry::new());
        let define = |name, kind, vt| registry.define(name, kind, vt).expect("valid metric");
        let checkout = define("checkout_time", MetricKind::Trend, ValueType::Time);
        let orders = define("orders", MetricKind::Counter, ValueType::Default);
        let cart_errors = define("cart_errors", MetricKind::Rate, ValueType::Default);
        let queue = define("queue_depth", MetricKind::Gauge, ValueType::Default);
        define("unused_trend", MetricKind::Trend, ValueType::Time);
        let store = Store::new(registry.clone(), 2);
        let root = TagSet::from_pairs([("scenario", "default"), ("group", "")]);
        let login = root.with("group", "::login");
        let mut buf = store.buffer(1);
        for i in 0..10u64 {
            let (name, status) = if i < 8 { ("home", 200) } else { ("api", 503) };
            buf.http(http(&root, name, status, 10 + i));
            buf.iteration(IterationSample {
                base: root.clone(),
                duration: Duration::from_millis(100 + i),
                failed: i == 9,
                at: Instant::now(),
            });
            buf.check(check(&root, "status is 200", i < 8));
            buf.check(check(&root, "body ok", true));
            buf.custom(checkout, MetricKind::Trend, 200.0 + i as f64, root.clone());
            buf.custom(orders, MetricKind::Counter, 2.0, root.clone());
            buf.custom(
                cart_errors,
                MetricKind::Rate,
                f64::from(u8::from(i == 0)),
                root.clone(),
            );
            buf.custom(queue, MetricKind::Gauge, i as f64, root.clone());
        }
        for _ in 0..3 {
            buf.check(check(&login, "logged in", true));
        }
        buf.flush();
        for v in [1.0, 5.0, 3.0] {
            store.set_gauge(Builtin::Vus.id(), TagSet::empty(), v);
        }
        store.set_gauge(Builtin::VusMax.id(), TagSet::empty(), 5.0);
        store.snapshot(Duration::from_secs(10))
    }
}
