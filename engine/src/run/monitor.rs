//! While the run goes: once a second, refresh the `vus` gauge, judge
//! `abortOnFail` thresholds on a fresh snapshot, and draw the progress line.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::control::{StopLevel, StopReason};
use crate::executor::ExecutionContext;
use crate::metrics::{Builtin, MetricKind, Sink, Snapshot, TagSet};
use crate::output::{PrometheusRw, ThresholdLine, TimePoint};
use crate::thresholds::{self, Aggregation, MetricSelector, ThresholdSet};

/// How often `--out prometheus-rw` pushes (k6's default push interval).
const PUSH_EVERY: Duration = Duration::from_secs(5);

/// How often the monitor looks.
const TICK: Duration = Duration::from_secs(1);

/// The running monitor; [`finish`](Monitor::finish) stops it.
pub struct Monitor {
    done: oneshot::Sender<()>,
    task: JoinHandle<Vec<TimePoint>>,
}

impl Monitor {
    /// Stop and wait for the monitor (clears the progress line); returns
    /// the time series it recorded (empty unless asked for).
    pub async fn finish(self) -> Vec<TimePoint> {
        let _ = self.done.send(());
        self.task.await.unwrap_or_default()
    }
}

/// Start the monitor.
pub fn spawn(
    ctx: Arc<ExecutionContext>,
    set: Arc<ThresholdSet>,
    progress: Progress,
    series: bool,
    prometheus: Option<Arc<PrometheusRw>>,
    windows: Vec<Window>,
) -> Monitor {
    let (done, mut done_rx) = oneshot::channel();
    let has_abort = set
        .metrics
        .iter()
        .any(|m| m.thresholds.iter().any(|t| t.abort_on_fail));
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut live = Live::default();
        let mut last_plain_reqs = (Duration::ZERO, 0.0);
        let mut points = Vec::new();
        let mut last_plain = std::time::Instant::now();
        let mut last_push = std::time::Instant::now();
        let mut prev_latency: Option<crate::metrics::TrendStats> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = &mut done_rx => break,
            }
            let active = ctx.active_vus.load(Ordering::Relaxed).max(0) as f64;
            ctx.run
                .metrics
                .set_gauge(Builtin::Vus.id(), TagSet::empty(), active);
            let tty = progress == Progress::Tty;
            let plain_due = match progress {
                Progress::Plain(every) => {
                    let due = last_plain.elapsed() >= every;
                    if due {
                        last_plain = std::time::Instant::now();
                    }
                    due
                }
                _ => false,
            };
            let push_due = prometheus.is_some() && last_push.elapsed() >= PUSH_EVERY;
            if !has_abort && !tty && !plain_due && !series && !push_due {
                continue;
            }
            let snap = ctx.run.metrics.snapshot(ctx.run.elapsed());
            if series {
                let latency = match snap.aggregate("http_req_duration", &[]) {
                    Some(Sink::Trend(t)) => {
                        let ps = t.percentiles_since(prev_latency.as_ref(), &[50.0, 95.0, 99.0]);
                        prev_latency = Some(*t);
                        ps
                    }
                    _ => Vec::new(),
                };
                points.push(TimePoint {
                    latency,
                    t: snap.elapsed.as_secs_f64(),
                    vus: active,
                    http_reqs: snap.counter("http_reqs", &[]),
                    http_req_failed: snap.rate_counts("http_req_failed", &[]).0,
                    iterations: snap.counter("iterations", &[]),
                    checks_failed: {
                        let (ok, all) = snap.rate_counts("checks", &[]);
                        all - ok
                    },
                });
            }
            if has_abort {
                let outcomes = thresholds::evaluate(&set, |sel, agg| observe(&snap, sel, agg));
                if let Some(reason) = thresholds::should_abort(&set, &outcomes, snap.elapsed) {
                    crate::log::line(
                        crate::log::Level::Error,
                        None,
                        &format!("threshold crossed, aborting the test: {reason}"),
                    );
                    ctx.run
                        .stop
                        .stop(StopLevel::Hard, StopReason::ThresholdAbort(reason));
                }
            }
            if tty {
                live.draw(&snap, active, &windows);
            }
            if push_due && let Some(p) = &prometheus {
                last_push = std::time::Instant::now();
                p.push(&snap).await;
            }
            if plain_due {
                plain_line(&snap, active, &mut last_plain_reqs);
            }
        }
        live.clear();
        points
    });
    Monitor { done, task }
}

/// How progress is shown while the test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Not at all (`--quiet`, or not a terminal without an interval).
    #[default]
    Off,
    /// A live line redrawn every second (a terminal).
    Tty,
    /// A plain line every interval (CI logs: `--progress-interval`).
    Plain(Duration),
}

/// One plain progress line: elapsed, VUs, iterations, requests/s over the
/// interval, failures and the p(95) so far.
fn plain_line(snap: &Snapshot, vus: f64, last: &mut (Duration, f64)) {
    let reqs = snap.counter("http_reqs", &[]);
    let dt = snap.elapsed.saturating_sub(last.0).as_secs_f64();
    let rps = if dt > 0.0 { (reqs - last.1) / dt } else { 0.0 };
    *last = (snap.elapsed, reqs);
    let (failed, _) = snap.rate_counts("http_req_failed", &[]);
    let p95 = match snap.aggregate("http_req_duration", &[]) {
        Some(Sink::Trend(t)) if t.count() > 0 => {
            crate::output::format::duration_ms(t.percentile(95.0))
        }
        _ => "-".into(),
    };
    eprintln!(
        "running {:>6.1}s  vus={vus}  iterations={}  reqs/s={rps:.0}  failed={failed}  p(95)={p95}",
        snap.elapsed.as_secs_f64(),
        snap.counter("iterations", &[])
    );
}

/// A scenario's window on the test clock, for its progress bar.
#[derive(Debug, Clone)]
pub struct Window {
    /// The scenario's name.
    pub name: String,
    /// Its `startTime`.
    pub start: Duration,
    /// How long its executor runs at most.
    pub length: Duration,
}

/// What the live display remembers between redraws.
#[derive(Default)]
struct Live {
    lines: usize,
    reqs: f64,
    failed: (u64, u64),
    latency: Option<crate::metrics::TrendStats>,
}

impl Live {
    /// Redraw: one bar per scenario, then a line of interval figures.
    fn draw(&mut self, snap: &Snapshot, vus: f64, windows: &[Window]) {
        let width = windows.iter().map(|w| w.name.len()).max().unwrap_or(0);
        let mut lines = Vec::with_capacity(windows.len() + 1);
        for w in windows {
            let into = snap.elapsed.saturating_sub(w.start).min(w.length);
            let frac = if w.length.is_zero() {
                1.0
            } else {
                into.as_secs_f64() / w.length.as_secs_f64()
            };
            let filled = (frac.clamp(0.0, 1.0) * 24.0).round() as usize;
            let bar = "=".repeat(filled) + &" ".repeat(24 - filled);
            let iters = snap.counter("iterations", &[("scenario".to_string(), w.name.clone())]);
            lines.push(format!(
                "{:<width$} [{bar}] {:>6.1}s/{:.0}s  iterations={iters}",
                w.name,
                into.as_secs_f64(),
                w.length.as_secs_f64()
            ));
        }
        let reqs = snap.counter("http_reqs", &[]);
        let failed = snap.rate_counts("http_req_failed", &[]);
        let (df, dt) = (failed.0 - self.failed.0, failed.1 - self.failed.1);
        let p95 = match snap.aggregate("http_req_duration", &[]) {
            Some(Sink::Trend(t)) => {
                let p = t.percentiles_since(self.latency.as_ref(), &[95.0]);
                self.latency = Some(*t);
                p.first()
                    .map_or("-".into(), |v| crate::output::format::duration_ms(*v))
            }
            _ => "-".into(),
        };
        lines.push(format!(
            "vus={vus}  reqs/s={:.0}  errors={}  p(95)={p95}  (last {}s)",
            (reqs - self.reqs) / TICK.as_secs_f64(),
            crate::output::format::percent(if dt == 0 { 0.0 } else { df as f64 / dt as f64 }),
            TICK.as_secs()
        ));
        self.reqs = reqs;
        self.failed = failed;
        let mut err = std::io::stderr().lock();
        if self.lines > 0 {
            let _ = write!(err, "\x1b[{}A", self.lines);
        }
        for l in &lines {
            let _ = write!(err, "\r\x1b[2K{l}\n");
        }
        self.lines = lines.len();
        let _ = err.flush();
    }

    /// Remove the display.
    fn clear(&self) {
        if self.lines > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\x1b[{}A\x1b[J", self.lines);
            let _ = err.flush();
        }
    }
}

/// The observed value of `agg` on the series `sel` selects; None without data.
pub fn observe(snap: &Snapshot, sel: &MetricSelector, agg: &Aggregation) -> Option<f64> {
    let sink = snap.aggregate(&sel.metric, &sel.tags)?;
    if !sink.has_samples() {
        return None;
    }
    Some(match (&sink, agg) {
        (Sink::Trend(t), Aggregation::Avg) => t.avg(),
        (Sink::Trend(t), Aggregation::Min) => t.min(),
        (Sink::Trend(t), Aggregation::Max) => t.max(),
        (Sink::Trend(t), Aggregation::Med) => t.med(),
        (Sink::Trend(t), Aggregation::Percentile(p)) => t.percentile(*p),
        (Sink::Rate { .. }, Aggregation::Rate) => sink.rate(snap.elapsed),
        (Sink::Counter { sum }, Aggregation::Count) => *sum,
        (Sink::Counter { .. }, Aggregation::Rate) => sink.rate(snap.elapsed),
        (Sink::Gauge { value, .. }, Aggregation::Value) => *value,
        _ => return None,
    })
}

/// Judge every threshold on the final snapshot.
pub fn judge(set: &ThresholdSet, snap: &Snapshot) -> Vec<ThresholdLine> {
    let outcomes = thresholds::evaluate(set, |sel, agg| observe(snap, sel, agg));
    let mut lines = Vec::new();
    for ((key, results), metric) in outcomes.into_iter().zip(&set.metrics) {
        // A threshold on a metric that never came to exist cannot pass.
        let exists = snap.kind_of(&metric.selector.metric).is_some();
        let kind_ok = |agg: &Aggregation| match snap.kind_of(&metric.selector.metric) {
            Some(MetricKind::Trend) => matches!(
                agg,
                Aggregation::Avg
                    | Aggregation::Min
                    | Aggregation::Max
                    | Aggregation::Med
                    | Aggregation::Percentile(_)
            ),
            Some(MetricKind::Rate) => matches!(agg, Aggregation::Rate),
            Some(MetricKind::Counter) => matches!(agg, Aggregation::Count | Aggregation::Rate),
            Some(MetricKind::Gauge) => matches!(agg, Aggregation::Value),
            None => false,
        };
        for (o, t) in results.into_iter().zip(&metric.thresholds) {
            let valid = exists && kind_ok(&t.expr.aggregation);
            lines.push(ThresholdLine {
                metric: key.clone(),
                expression: o.source.clone(),
                passed: o.passed && valid,
                observed: o.observed,
            });
        }
    }
    lines
}
