//! `--junit FILE`: JUnit XML for CI systems, one test case per threshold and
//! per check, failures carrying the observed value.

use std::fmt::Write;
use std::path::PathBuf;

use super::file::FileOut;
use super::{Finishing, Output, OutputError, RunOutcome, SummaryInput};
use crate::metrics::Sink;

/// `--junit FILE`.
pub struct JunitOut;

impl JunitOut {
    /// The JUnit XML, written to `path` at the end.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: PathBuf) -> FileOut {
        FileOut::new("--junit", path, |outcome| {
            Ok(junit(&SummaryInput::of(outcome)).into_bytes())
        })
    }
}

/// The Markdown summary appended to GitHub Actions' job page
/// (`$GITHUB_STEP_SUMMARY`).
pub struct StepSummaryOut {
    path: PathBuf,
}

impl StepSummaryOut {
    /// Append to `path` at the end.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Output for StepSummaryOut {
    fn name(&self) -> String {
        "GITHUB_STEP_SUMMARY".into()
    }

    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a> {
        Box::pin(async move {
            use std::io::Write as _;
            let text = markdown(&SummaryInput::of(outcome));
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(|e| {
                    OutputError::new(
                        "GITHUB_STEP_SUMMARY",
                        format!("cannot append to {}: {e}", self.path.display()),
                    )
                })
        })
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Checks by (group, name): (passes, fails).
fn checks(input: &SummaryInput) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    if let Some(series) = input.snapshot.metric("checks") {
        for (tags, sink) in &series.by_tags {
            if let Sink::Rate { trues, total } = sink {
                let group = tags.get("group").unwrap_or("");
                let name = tags.get("check").unwrap_or("");
                let full = if group.is_empty() {
                    name.to_string()
                } else {
                    format!("{group}::{name}")
                };
                match out.iter_mut().find(|(n, _, _)| *n == full) {
                    Some(e) => {
                        e.1 += trues;
                        e.2 += total - trues;
                    }
                    None => out.push((full, *trues, total - trues)),
                }
            }
        }
    }
    out.sort();
    out
}

/// The JUnit XML document.
pub fn junit(input: &SummaryInput) -> String {
    let checks = checks(input);
    let tests = input.thresholds.len() + checks.len();
    let failures = input.thresholds.iter().filter(|t| !t.passed).count()
        + checks.iter().filter(|c| c.2 > 0).count();
    let secs = input.snapshot.elapsed.as_secs_f64();
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<testsuites name="volley" tests="{tests}" failures="{failures}" time="{secs:.3}">"#
    );
    let n_thr = input.thresholds.len();
    let f_thr = input.thresholds.iter().filter(|t| !t.passed).count();
    let _ = writeln!(
        x,
        r#"  <testsuite name="thresholds" tests="{n_thr}" failures="{f_thr}" time="{secs:.3}">"#
    );
    for t in input.thresholds {
        let name = escape(&format!("{} {}", t.metric, t.expression));
        let _ = write!(x, r#"    <testcase classname="thresholds" name="{name}""#);
        if t.passed {
            let _ = writeln!(x, " />");
        } else {
            let observed = t.observed.map_or("no data".to_string(), |v| format!("{v}"));
            let msg = escape(&format!(
                "{} failed on {}: observed {observed}",
                t.expression, t.metric
            ));
            let _ = writeln!(
                x,
                r#"><failure message="{msg}" type="threshold">{msg}</failure></testcase>"#
            );
        }
    }
    let _ = writeln!(x, "  </testsuite>");
    let f_chk = checks.iter().filter(|c| c.2 > 0).count();
    let _ = writeln!(
        x,
        r#"  <testsuite name="checks" tests="{}" failures="{f_chk}" time="{secs:.3}">"#,
        checks.len()
    );
    for (name, passes, fails) in &checks {
        let _ = write!(
            x,
            r#"    <testcase classname="checks" name="{}""#,
            escape(name)
        );
        if *fails == 0 {
            let _ = writeln!(x, " />");
        } else {
            let msg = escape(&format!("{fails} of {} failed", passes + fails));
            let _ = writeln!(
                x,
                r#"><failure message="{msg}" type="check">{msg}</failure></testcase>"#
            );
        }
    }
    let _ = writeln!(x, "  </testsuite>");
    let _ = writeln!(x, "</testsuites>");
    x
}

/// A Markdown summary for CI pages (GitHub's `$GITHUB_STEP_SUMMARY`).
pub fn markdown(input: &SummaryInput) -> String {
    let snap = input.snapshot;
    let mut md = String::from("## Volley load test\n\n");
    if let Some(reason) = &input.stop_reason {
        let _ = writeln!(md, "**Stopped early:** {reason}\n");
    }
    if !input.thresholds.is_empty() {
        md.push_str("| | threshold | observed |\n|---|---|---|\n");
        for t in input.thresholds {
            let mark = if t.passed { "✅" } else { "❌" };
            let observed = t
                .observed
                .map_or("no data".to_string(), |v| super::format::trim(v, 3));
            let _ = writeln!(
                md,
                "| {mark} | `{}` `{}` | {observed} |",
                t.metric, t.expression
            );
        }
        md.push('\n');
    }
    let reqs = snap.counter("http_reqs", &[]);
    let (failed, total) = snap.rate_counts("http_req_failed", &[]);
    let (ok_checks, all_checks) = snap.rate_counts("checks", &[]);
    let p95 = match snap.aggregate("http_req_duration", &[]) {
        Some(Sink::Trend(t)) if t.count() > 0 => super::format::duration_ms(t.percentile(95.0)),
        _ => "-".into(),
    };
    md.push_str("| metric | value |\n|---|---|\n");
    let _ = writeln!(md, "| requests | {reqs} |");
    let _ = writeln!(md, "| failed requests | {failed} of {total} |");
    let _ = writeln!(md, "| http_req_duration p(95) | {p95} |");
    let _ = writeln!(md, "| checks passed | {ok_checks} of {all_checks} |");
    let _ = writeln!(md, "| iterations | {} |", snap.counter("iterations", &[]));
    if !snap.errors.is_empty() {
        md.push_str("\n| error | requests |\n|---|---|\n");
        for e in &snap.errors {
            let _ = writeln!(md, "| {} | {} |", e.kind, e.count);
        }
    }
    md
}
