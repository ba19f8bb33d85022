//! The progress display on stderr: a live bar per scenario and a line of
//! interval figures on a terminal, or a plain line every interval in CI logs.

use std::io::Write;
use std::time::Duration;

use crate::metrics::{Sink, Snapshot, TrendStats};
use crate::output::format;
use crate::plan::Plan;

/// How progress is shown while the test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Not at all (`--quiet`, or not a terminal without an interval).
    #[default]
    Off,
    /// A live display redrawn every second (a terminal).
    Tty,
    /// A plain line every interval (CI logs: `--progress-interval`).
    Plain(Duration),
}

/// A scenario's window on the test clock, for its progress bar.
#[derive(Debug, Clone)]
pub(super) struct Window {
    /// The scenario's name.
    pub name: String,
    /// Its `startTime`.
    pub start: Duration,
    /// How long its executor runs at most.
    pub length: Duration,
}

/// The windows of every scenario of `plan`.
pub(super) fn windows(plan: &Plan) -> Vec<Window> {
    plan.scenarios
        .iter()
        .map(|s| Window {
            name: s.name.clone(),
            start: s.start_time,
            length: s.executor.max_duration(),
        })
        .collect()
}

fn p95_since(snap: &Snapshot, prev: &mut Option<TrendStats>) -> String {
    match snap.aggregate("http_req_duration", &[]) {
        Some(Sink::Trend(t)) => {
            let p = t.percentiles_since(prev.as_ref(), &[95.0]);
            *prev = Some(*t);
            p.first().map_or("-".into(), |v| format::duration_ms(*v))
        }
        _ => "-".into(),
    }
}

/// Plain progress lines for CI logs.
#[derive(Default)]
pub(super) struct Plain {
    last: Option<std::time::Instant>,
    reqs: (Duration, f64),
}

impl Plain {
    /// Whether a line is due (`every` since the last one).
    pub(super) fn due(&mut self, every: Duration) -> bool {
        let now = std::time::Instant::now();
        let due = self.last.is_none_or(|t| now.duration_since(t) >= every);
        if due {
            self.last = Some(now);
        }
        due
    }

    /// One line: elapsed, VUs, iterations, requests/s over the interval,
    /// failures and the p(95) so far.
    pub(super) fn line(&mut self, snap: &Snapshot, vus: f64) {
        let reqs = snap.counter("http_reqs", &[]);
        let dt = snap.elapsed.saturating_sub(self.reqs.0).as_secs_f64();
        let rps = if dt > 0.0 {
            (reqs - self.reqs.1) / dt
        } else {
            0.0
        };
        self.reqs = (snap.elapsed, reqs);
        let (failed, _) = snap.rate_counts("http_req_failed", &[]);
        let p95 = match snap.aggregate("http_req_duration", &[]) {
            Some(Sink::Trend(t)) if t.count() > 0 => format::duration_ms(t.percentile(95.0)),
            _ => "-".into(),
        };
        eprintln!(
            "running {:>6.1}s  vus={vus}  iterations={}  reqs/s={rps:.0}  failed={failed}  p(95)={p95}",
            snap.elapsed.as_secs_f64(),
            snap.counter("iterations", &[])
        );
    }
}

/// What the live display remembers between redraws.
#[derive(Default)]
pub(super) struct Live {
    lines: usize,
    reqs: f64,
    failed: (u64, u64),
    latency: Option<TrendStats>,
    drawn_at: Option<Duration>,
}

impl Live {
    /// Redraw: one bar per scenario, then a line of interval figures.
    pub(super) fn draw(&mut self, snap: &Snapshot, vus: f64, windows: &[Window]) {
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
        let interval = snap
            .elapsed
            .saturating_sub(self.drawn_at.unwrap_or_default())
            .as_secs_f64()
            .max(1e-9);
        self.drawn_at = Some(snap.elapsed);
        let reqs = snap.counter("http_reqs", &[]);
        let failed = snap.rate_counts("http_req_failed", &[]);
        let (df, dt) = (failed.0 - self.failed.0, failed.1 - self.failed.1);
        let p95 = p95_since(snap, &mut self.latency);
        lines.push(format!(
            "vus={vus}  reqs/s={:.0}  errors={}  p(95)={p95}  (last {interval:.0}s)",
            (reqs - self.reqs) / interval,
            format::percent(if dt == 0 { 0.0 } else { df as f64 / dt as f64 }),
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
    pub(super) fn clear(&self) {
        if self.lines > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\x1b[{}A\x1b[J", self.lines);
            let _ = err.flush();
        }
    }
}
