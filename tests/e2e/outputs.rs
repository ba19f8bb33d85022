//! CI outputs: the error catalogue, JUnit XML and the GitHub step summary.

use crate::support::{Target, fixture, temp_file, tempdir, volley_run, volley_run_env};

#[test]
fn error_catalogue_junit_and_step_summary() {
    let t = Target::start();
    let dir = tempdir();
    let junit = dir.join("junit.xml");
    let step = dir.join("step-summary.md");
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {"checks": ["rate==1"], "http_reqs": ["count==4"]}}"#,
    );
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run_env(
        &fixture(),
        &[
            "-i",
            "4",
            "-e",
            &base,
            "-e",
            "MODE=status",
            "-e",
            "CODE=503",
            "-c",
            cfg.to_str().unwrap_or_default(),
            "--junit",
            junit.to_str().unwrap_or_default(),
            "-q",
        ],
        &[("GITHUB_STEP_SUMMARY", step.as_path())],
    );
    assert_eq!(run.code, Some(99), "checks rate==1 fails: {}", run.stderr);

    let export = run.export.expect("export");
    let errors = export["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["kind"], "HTTP 503");
    assert_eq!(errors[0]["count"], 4);
    assert_eq!(errors[0]["share"], 1.0);
    let endpoint = format!("{}/status/503", t.url);
    assert_eq!(errors[0]["endpoints"][&endpoint], 4, "{}", errors[0]);
    assert!(
        run.stdout.contains("ERRORS") && run.stdout.contains("HTTP 503"),
        "{}",
        run.stdout
    );

    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(r#"<testsuites name="volley" tests="4" failures="3""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="thresholds" name="http_reqs count==4" />"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="thresholds" name="checks rate==1"><failure"#),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"<testcase classname="checks" name="is 200"><failure message="4 of 4 failed""#
        ),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testcase").count(),
        xml.matches("</testcase>").count() + xml.matches("\" />").count()
    );

    let md = std::fs::read_to_string(&step).expect("step summary appended");
    assert!(md.contains("| ❌ | `checks` `rate==1` | 0 |"), "{md}");
    assert!(md.contains("| HTTP 503 | 4 |"), "{md}");
}

#[test]
fn connection_errors_are_catalogued_by_kind() {
    let run = volley_run(
        &fixture(),
        &["-i", "2", "-e", "BASE_URL=http://127.0.0.1:1", "-q"],
    );
    let export = run.export.expect("export");
    let errors = export["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["kind"], "connection refused", "{errors:?}");
    assert_eq!(errors[0]["error_code"], 1212);
    assert_eq!(errors[0]["count"], 2);
}

#[test]
fn json_lines_hold_one_http_reqs_point_per_request() {
    let t = Target::start();
    let out = tempdir().join("samples.json");
    let base = format!("BASE_URL={}", t.url);
    let target = format!("json={}", out.display());
    let run = volley_run(
        &fixture(),
        &[
            "--vus",
            "3",
            "-i",
            "30",
            "-e",
            &base,
            "-e",
            "MODE=redirect",
            "--out",
            &target,
            "-q",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let text = std::fs::read_to_string(&out).expect("json output written");
    let mut declared = std::collections::HashSet::new();
    let mut http_points = 0;
    let mut checks = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("every line is JSON");
        let metric = v["metric"].as_str().expect("metric name").to_string();
        match v["type"].as_str() {
            Some("Metric") => assert!(declared.insert(metric.clone()), "{metric} declared twice"),
            Some("Point") => {
                assert!(
                    declared.contains(&metric),
                    "{metric} used before its Metric line"
                );
                assert!(
                    v["data"]["time"].as_str().is_some_and(|t| t.ends_with('Z')),
                    "{line}"
                );
                if metric == "http_reqs" {
                    http_points += 1;
                    assert!(v["data"]["tags"]["status"].is_string(), "{line}");
                }
                if metric == "checks" {
                    checks += 1;
                }
            }
            other => panic!("unexpected type {other:?}: {line}"),
        }
    }
    assert_eq!(
        http_points,
        t.stats().requests,
        "one Point per request the server saw"
    );
    assert_eq!(http_points, 120, "30 iterations × (3 redirects + final)");
    assert_eq!(checks, 30);

    let bad = volley_run(&fixture(), &["-i", "1", "--out", "influxdb=http://x"]);
    assert_eq!(bad.code, Some(104), "{}", bad.stderr);
}

#[test]
fn csv_and_json_outputs_at_once() {
    let t = Target::start();
    let dir = tempdir();
    let csv = dir.join("samples.csv");
    let json = dir.join("samples.json");
    let csv_arg = format!("csv={}", csv.display());
    let json_arg = format!("json={}", json.display());
    let run = t.run_fixture(
        "status",
        &[
            "-i", "5", "-e", "CODE=201", "--out", &csv_arg, "--out", &json_arg,
        ],
    );
    run.assert_ok();
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(
        rows.iter().all(|r| r.len() == 19),
        "every row has k6's 19 columns"
    );
    let reqs: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "http_reqs").collect();
    assert_eq!(reqs.len() as u64, t.stats().requests);
    assert!(
        reqs.iter()
            .all(|r| r[13] == "201" && r[8] == "GET" && r[6] == "true"),
        "{reqs:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "checks" && r[3] == "is 200" && r[2] == "0")
    );
    assert!(
        std::fs::read_to_string(&json)
            .expect("json written")
            .lines()
            .count()
            > 50
    );
}

#[test]
fn unnamed_urls_with_ids_are_capped_with_one_warning() {
    let t = Target::start();
    let run = t.run_fixture("unique", &["-u", "1", "-i", "5200"]);
    run.assert_ok();
    assert_eq!(
        run.stderr.matches("distinct request series").count(),
        1,
        "one warning: {}",
        run.stderr
    );
    let export = run.export.expect("export");
    assert_eq!(
        crate::support::metric(&export, "http_reqs", "count"),
        5200.0,
        "no request lost"
    );
    assert_eq!(t.stats().requests, 5200);
}

#[test]
fn plain_progress_lines_for_ci_logs() {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    // Not a terminal (stderr is piped): lines only with --progress-interval.
    let run = crate::support::volley_run(
        &crate::support::fixture(),
        &[
            "-u",
            "1",
            "-d",
            "2s",
            "-e",
            &base,
            "--progress-interval",
            "1s",
        ],
    );
    run.assert_ok();
    let lines = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("running "))
        .count();
    assert!((1..=3).contains(&lines), "a line a second: {}", run.stderr);
    assert!(run.stderr.contains("reqs/s="), "{}", run.stderr);
    let quiet = t.run_fixture("", &["-u", "1", "-d", "1s", "--progress-interval", "1s"]);
    assert!(
        !quiet.stderr.contains("running "),
        "--quiet wins: {}",
        quiet.stderr
    );
}
