//! Outputs: everything a run writes, behind one push-model [`Output`]
//! trait (k6's `output.Output`, ripgrep's `Sink`). An output is started
//! before any load (so a bad path fails the run before it starts), may take
//! every batch of samples and a snapshot about once a second — both without
//! ever blocking the caller: sample outputs queue batches for their own
//! writer thread and count what a full queue drops — and finishes with the
//! [`RunOutcome`].
//!
//! | output | flag | takes |
//! |---|---|---|
//! | [`SummaryOut`] | (default; `--no-summary`) | outcome |
//! | [`SummaryExportOut`] | `--summary-export FILE` | outcome |
//! | [`JunitOut`] | `--junit FILE` | outcome |
//! | [`StepSummaryOut`] | `$GITHUB_STEP_SUMMARY` | outcome |
//! | [`ResultsOut`] | `--results FILE`, `--html FILE`, `--report FILE` | snapshots, outcome |
//! | [`JsonOut`] | `--out json=FILE` | samples |
//! | [`CsvOut`] | `--out csv=FILE` | samples |
//! | [`PrometheusOut`] | `--out prometheus-rw=URL` | snapshots, outcome |
//!
//! Adding an output is one file implementing [`Output`] plus where the
//! binary builds its list from flags.

mod csv;
mod export;
mod file;
pub mod format;
mod handle_summary;
mod json_lines;
mod junit;
mod markdown;
mod points;
mod prometheus;
mod queue;
mod report;
mod results;
mod stage_table;
mod summary;
mod svg;

pub use csv::CsvOut;
pub use export::{SummaryExportOut, summary_data, summary_export};
pub use file::FileOut;
pub use handle_summary::write_summary_files;
pub use json_lines::JsonOut;
pub use junit::{JunitOut, StepSummaryOut, junit, markdown};
pub use markdown::render_markdown;
pub use prometheus::PrometheusOut;
pub use report::render_report;
pub use results::{
    RESULTS_FORMAT, ResultsMeta, ResultsOut, TimePoint, kind_of, results, sink_from_json,
};
pub use summary::{SummaryOut, render_summary};

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use crate::metrics::{Registry, Sample, SampleWriter, Snapshot};
pub use crate::outcome::{LoadGenerator, RunOutcome, ThresholdLine};
use crate::plan::Plan;
use crate::thresholds::Aggregation;

/// What an output is told when the run is about to start.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
    /// The scenario, as given (path or reference).
    pub scenario: &'a str,
    /// The resolved plan.
    pub plan: &'a Plan,
    /// The metric definitions (custom metrics join while the run goes).
    pub registry: &'a Arc<Registry>,
    /// Where the run stands in a fleet (segment, scenario digest, fleet id),
    /// for files written while it runs.
    pub fleet: Option<&'a crate::fleet::FleetMeta>,
}

/// Why an output failed, named by its flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{output}: {message}")]
pub struct OutputError {
    /// The output, as the user asked for it (`--results`, `--out json=...`).
    pub output: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl OutputError {
    /// An error of `output`.
    pub fn new(output: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            output: output.into(),
            message: message.into(),
        }
    }

    fn io(output: &str, action: &str, path: &Path, e: &std::io::Error) -> Self {
        Self::new(output, format!("cannot {action} {}: {e}", path.display()))
    }
}

/// A boxed future, for the async end of an output.
pub type Finishing<'a> = Pin<Box<dyn Future<Output = Result<(), OutputError>> + Send + 'a>>;

/// One output of a run. Every method but [`finish`](Output::finish) is
/// called on the engine's own tasks and must return at once.
pub trait Output: Send + Sync {
    /// The output as the user asked for it, for messages.
    fn name(&self) -> String;

    /// Before any load: open files, check endpoints. An error stops the
    /// run before it starts.
    fn start(&self, _run: &RunInfo<'_>) -> Result<(), OutputError> {
        Ok(())
    }

    /// Whether [`add_samples`](Output::add_samples) is wanted.
    fn wants_samples(&self) -> bool {
        false
    }

    /// A batch of samples, as a VU flushed it. Never blocks.
    fn add_samples(&self, _batch: &Arc<[Sample]>) {}

    /// Whether [`on_snapshot`](Output::on_snapshot) is wanted.
    fn wants_snapshots(&self) -> bool {
        false
    }

    /// The metrics so far, about once a second. Never blocks.
    fn on_snapshot(&self, _snapshot: &Snapshot) {}

    /// The run is over: write, flush, push.
    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a>;

    /// The run was refused or failed after [`start`](Output::start) (an
    /// input error found once the VUs were initialised, a failed setup):
    /// a refused run leaves no file behind and an existing one untouched
    /// (k6 refuses before it opens any output); samples already written
    /// stay, as they are measurements.
    fn abandon(&self) {}
}

/// The outputs of a run.
#[derive(Default, Clone)]
pub struct Outputs {
    list: Vec<Arc<dyn Output>>,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|o| o.name()))
            .finish()
    }
}

impl Outputs {
    /// No outputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an output.
    pub fn push(&mut self, output: impl Output + 'static) {
        self.list.push(Arc::new(output));
    }

    /// Undo every output's start (see [`Output::abandon`]).
    pub fn abandon(&self) {
        for o in &self.list {
            o.abandon();
        }
    }

    /// Start every output; every failure is returned.
    pub fn start(&self, run: &RunInfo<'_>) -> Result<(), Vec<OutputError>> {
        let errors: Vec<OutputError> = self
            .list
            .iter()
            .filter_map(|o| o.start(run).err())
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            // Files the others created are removed: a refused run leaves
            // nothing behind.
            self.abandon();
            Err(errors)
        }
    }

    /// The tap the metric store hands each batch to, if any output wants samples.
    pub fn sample_tap(&self) -> Option<Arc<dyn SampleWriter>> {
        let takers: Vec<Arc<dyn Output>> = self
            .list
            .iter()
            .filter(|o| o.wants_samples())
            .cloned()
            .collect();
        (!takers.is_empty()).then(|| Arc::new(Tap(takers)) as Arc<dyn SampleWriter>)
    }

    /// Whether any output wants snapshots.
    pub fn wants_snapshots(&self) -> bool {
        self.list.iter().any(|o| o.wants_snapshots())
    }

    /// Hand a snapshot to the outputs that want one.
    pub fn on_snapshot(&self, snapshot: &Snapshot) {
        for o in self.list.iter().filter(|o| o.wants_snapshots()) {
            o.on_snapshot(snapshot);
        }
    }

    /// Finish every output, in order; every failure is returned.
    pub async fn finish(&self, outcome: &RunOutcome) -> Vec<OutputError> {
        let mut errors = Vec::new();
        for o in &self.list {
            if let Err(e) = o.finish(outcome).await {
                errors.push(e);
            }
        }
        errors
    }
}

/// Fans a batch out to the outputs that take samples.
struct Tap(Vec<Arc<dyn Output>>);

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("output tap")
    }
}

impl SampleWriter for Tap {
    fn write(&self, batch: &[Sample]) {
        let shared: Arc<[Sample]> = batch.into();
        for o in &self.0 {
            o.add_samples(&shared);
        }
    }
}

/// An output that streams every sample (`--out TYPE=TARGET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// k6's JSON lines.
    Json(PathBuf),
    /// k6's CSV.
    Csv(PathBuf),
    /// Prometheus remote write to this URL.
    PrometheusRw(String),
}

impl std::str::FromStr for OutputSpec {
    type Err = String;

    /// Parse k6's `TYPE=TARGET` syntax.
    fn from_str(s: &str) -> Result<OutputSpec, String> {
        match s.split_once('=') {
            Some(("json", f)) if !f.is_empty() => Ok(OutputSpec::Json(f.into())),
            Some(("csv", f)) if !f.is_empty() => Ok(OutputSpec::Csv(f.into())),
            Some(("prometheus-rw", u)) if !u.is_empty() => Ok(OutputSpec::PrometheusRw(u.into())),
            _ => Err(format!(
                "unsupported output {s:?}; use json=FILE, csv=FILE or prometheus-rw=URL"
            )),
        }
    }
}

/// Everything the end-of-test text outputs show, read off a [`RunOutcome`].
#[derive(Debug, Clone)]
pub struct SummaryInput<'a> {
    /// What ran: the scenario's path, or the pinned `oci://...@sha256:...`
    /// reference it was pulled from.
    pub scenario: &'a str,
    /// The final metrics.
    pub snapshot: &'a Snapshot,
    /// Threshold results, grouped by metric key in the order they were
    /// defined.
    pub thresholds: &'a [ThresholdLine],
    /// Trend columns.
    pub trend_stats: &'a [Aggregation],
    /// Use ANSI colours (the text summary only).
    pub color: bool,
    /// Iterations cut off by a hard stop.
    pub interrupted_iterations: u64,
    /// One line per scenario, e.g. `default: 10 looping VUs for 30s (...)`.
    pub scenarios: Vec<String>,
    /// Why the test stopped early, if it did.
    pub stop_reason: Option<String>,
    /// The load generator's cores and whether it was saturated.
    pub load_generator: LoadGenerator,
    /// The by-stage results, when the run had periods.
    pub stages: Option<&'a crate::stages::StageReport>,
}

impl<'a> SummaryInput<'a> {
    /// The view of `outcome` (no colours).
    pub fn of(outcome: &'a RunOutcome) -> Self {
        SummaryInput {
            scenario: &outcome.scenario,
            snapshot: &outcome.snapshot,
            thresholds: &outcome.thresholds,
            trend_stats: &outcome.plan.summary_trend_stats,
            color: false,
            interrupted_iterations: outcome.interrupted_iterations,
            scenarios: outcome.scenario_lines(),
            stop_reason: outcome.stop_message(),
            load_generator: outcome.load_generator.clone(),
            stages: outcome.stages.as_ref(),
        }
    }
}

/// Write `bytes` to `path` through a temporary file in the same folder and
/// a rename, so a reader never sees half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Check before the run that `path` can be written: its folder exists and
/// a file can be created there. The file itself is left as it was.
pub(crate) fn check_writable(output: &str, path: &Path) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(OutputError::new(
            output,
            format!("{} is a directory; give a file path", path.display()),
        ));
    }
    let probe = dir.join(format!(".volley-probe-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(unwritable(output, path, &dir, &e)),
    }
}

/// Why `path` (in folder `dir`) cannot be written, with the fix.
pub(crate) fn unwritable(output: &str, path: &Path, dir: &Path, e: &std::io::Error) -> OutputError {
    let fix = if !dir.exists() {
        format!(
            "its folder {} does not exist; create it first or give another path",
            dir.display()
        )
    } else if !dir.is_dir() {
        format!("{} is not a folder; give a path in a folder", dir.display())
    } else {
        format!(
            "files cannot be created in {} ({e}); give a path in a writable folder",
            dir.display()
        )
    };
    OutputError::new(output, format!("cannot write {}: {fix}", path.display()))
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
        Builtin, CheckSample, HttpSample, IterationSample, MetricKind, Registry, RequestIdent,
        Snapshot, Store, TagSet, ValueType,
    };

    fn http(base: &TagSet, name: &str, status: u16, waiting_ms: u64) -> HttpSample {
        HttpSample {
            base: base.clone(),
            extra: TagSet::empty(),
            ident: RequestIdent {
                method: "GET".into(),
                url: format!("http://127.0.0.1/{name}").into(),
                name: name.into(),
                status,
                proto: "HTTP/1.1",
                expected: Some(status < 400),
                error_code: if status >= 400 {
                    1000 + u32::from(status)
                } else {
                    0
                },
                error: None,
            },
            blocked: Duration::from_micros(50),
            connecting: Duration::ZERO,
            tls_handshaking: Duration::ZERO,
            sending: Duration::from_micros(20),
            waiting: Duration::from_millis(waiting_ms),
            receiving: Duration::from_micros(80),
            bytes_sent: 120,
            bytes_received: 2_000,
            retry_after: false,
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

    /// A threshold line as the run would make it.
    pub(crate) fn threshold(
        metric: &str,
        expression: &str,
        passed: bool,
        observed: Option<f64>,
    ) -> crate::outcome::ThresholdLine {
        let expr = crate::thresholds::Expression::parse(expression).expect("test expression");
        crate::outcome::ThresholdLine {
            metric: metric.into(),
            selector: crate::thresholds::MetricSelector::parse(metric).expect("test selector"),
            expression: expression.into(),
            aggregation: expr.aggregation,
            passed,
            observed,
        }
    }

    /// Trend stats from their names.
    pub(crate) fn stats(list: &[&str]) -> Vec<crate::thresholds::Aggregation> {
        list.iter()
            .map(|s| crate::thresholds::Aggregation::parse_trend_stat(s).expect("test stat"))
            .collect()
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
