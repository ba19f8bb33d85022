//! The HTML report: self-contained, with its charts and tables, rendered
//! by a real headless Chromium.

use std::process::Command;

use serde_json::json;

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
    screenshot(&html, &dir.join("report.png"), 2000);
}

/// Render `html` in headless Chromium into `shot` (a window 1200 px wide
/// and `height` tall), failing on console messages or an empty picture.
fn screenshot(html: &std::path::Path, shot: &std::path::Path, height: u32) {
    let profile = shot.with_extension("chromium-profile");
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
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--window-size=1200,{height}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium must be installed (scripts/test.sh installs it)");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        shot.exists() && std::fs::metadata(shot).map(|m| m.len()).unwrap_or(0) > 10_000,
        "screenshot: {log}"
    );
    assert!(!log.contains("CONSOLE"), "no console messages: {log}");
    println!("screenshot: {}", shot.display());
}

#[test]
fn staged_run_reports_have_the_verdict_and_the_stages() {
    let t = Target::start();
    let dir = tempdir();
    let html = dir.join("report.html");
    let md = dir.join("report.md");
    let results = dir.join("results.json");
    let config = dir.join("options.json");
    std::fs::write(
        &config,
        json!({
            "scenarios": {"staged": {
                "executor": "ramping-vus", "startVUs": 1,
                "stages": [
                    {"duration": "2s", "target": 4, "name": "ramp-up"},
                    {"duration": "2s", "target": 4, "name": "sustained"},
                    {"duration": "1s", "target": 0, "name": "ramp-down"}
                ]
            }},
            "thresholds": {
                "http_req_duration": ["p(95)<500"],
                "http_req_failed": ["rate<0.01"],
                "http_req_duration{stage:sustained}": ["p(95)<1000"]
            }
        })
        .to_string(),
    )
    .expect("config");
    // 5% of the answers are 503: the error-rate threshold fails.
    let faults = json!({"default": {"errors": {"503": 0.05}, "latency": {"uniform": {"min": 5, "max": 30}}}});
    let run = t.run_fixture(
        "status",
        &[
            "-e",
            &format!("FAULTS={faults}"),
            "--config",
            config.to_str().unwrap_or_default(),
            "--html",
            html.to_str().unwrap_or_default(),
            "--report",
            md.to_str().unwrap_or_default(),
            "--results",
            results.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(run.code, Some(99), "{}\n{}", run.stdout, run.stderr);

    let text = std::fs::read_to_string(&md).expect("markdown written");
    assert!(text.starts_with("# ❌ Volley report: FAIL"), "{text}");
    assert!(
        text.contains("| metric | target | actual | status |"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("| http_req_failed | rate<0.01 |") && l.ends_with("| ✗ FAIL |")),
        "{text}"
    );
    assert!(
        text.lines().any(
            |l| l.starts_with("| http_req_duration | p(95)<500 |") && l.ends_with("| ✓ PASS |")
        ),
        "{text}"
    );
    assert!(text.contains("## By stage"), "{text}");
    for name in ["ramp-up", "sustained", "ramp-down"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("| ") && l.contains(&format!("| {name} |"))),
            "stage {name}: {text}"
        );
    }
    assert!(text.contains("### By status"), "{text}");

    let page = std::fs::read_to_string(&html).expect("html written");
    assert!(!page.contains("<script"), "self-contained");
    for id in [
        "verdict-headline",
        "verdict",
        "stages",
        "chart-stages",
        "errors-by-status",
    ] {
        assert!(page.contains(&format!(r#"id="{id}""#)), "section {id}");
    }
    assert!(page.contains("✗ FAIL"), "the headline says FAIL");
    let stages = page
        .split(r#"<table id="stages">"#)
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("stage table");
    assert_eq!(
        stages.matches("<tr>").count(),
        4,
        "a header and 3 stages: {stages}"
    );
    let chart = page
        .split(r#"id="chart-stages""#)
        .nth(1)
        .and_then(|s| s.split("</figure>").next())
        .expect("stage chart");
    assert_eq!(
        chart.matches(r#"class="bar""#).count(),
        3,
        "a bar per stage"
    );
    assert!(chart.contains("<title>stage 2 sustained"), "hover values");
    // `volley report` makes the Markdown from the results file too.
    let again = dir.join("again.md");
    let r = volley(&[
        "report",
        results.to_str().unwrap_or_default(),
        "-o",
        again.to_str().unwrap_or_default(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&again).expect("written"), text);
    screenshot(&html, &dir.join("staged.png"), 3000);
}
