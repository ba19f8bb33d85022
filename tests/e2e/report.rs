//! The HTML report: self-contained, with its charts and tables, rendered
//! by a real headless Chromium.

use std::process::Command;

use crate::support::{Target, metric, tempdir, volley};

#[test]
fn html_report_has_charts_and_tables_and_renders() {
    let t = Target::start();
    let dir = tempdir();
    let html = dir.join("report.html");
    let results = dir.join("results.json");
    let run = t.run_fixture(
        "status",
        &[
            "--vus",
            "2",
            "-d",
            "2s",
            "-e",
            "CODE=200",
            "--html",
            html.to_str().unwrap_or_default(),
            "--results",
            results.to_str().unwrap_or_default(),
        ],
    );
    run.assert_ok();
    let export = run.export.expect("export");
    let page = std::fs::read_to_string(&html).expect("report written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        !page.contains("<script") && !page.contains("http://cdn") && !page.contains("src=\"http"),
        "self-contained"
    );
    for id in [
        "chart-vus",
        "chart-rps",
        "chart-latency",
        "chart-errors",
        "chart-histogram",
    ] {
        assert!(page.contains(&format!(r#"id="{id}""#)), "chart {id}");
    }
    assert!(page.matches("<polyline").count() >= 4, "lines drawn");
    let reqs = metric(&export, "http_reqs", "count");
    assert!(
        page.contains(&format!(r#"id="kpi-reqs">requests<b>{reqs}</b>"#)),
        "request count from the results"
    );
    let url = format!("{}/status/200", t.url);
    assert!(
        page.contains(&format!("<td>{url}</td><td>{reqs}</td><td>0</td>")),
        "per-name row"
    );

    // `volley report` makes the same page from the results file.
    let again = dir.join("again.html");
    let r = volley(&[
        "report",
        results.to_str().unwrap_or_default(),
        "-o",
        again.to_str().unwrap_or_default(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&again)
            .expect("written")
            .contains(r#"id="chart-latency""#)
    );

    // Render it in a real browser (scripts/test.sh installs Debian's chromium).
    let shot = dir.join("report.png");
    let profile = dir.join("chromium-profile");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium must be installed (scripts/test.sh installs it)");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        shot.exists() && std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 10_000,
        "screenshot: {log}"
    );
    assert!(!log.contains("CONSOLE"), "no console messages: {log}");
}
