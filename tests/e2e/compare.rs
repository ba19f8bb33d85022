//! The results file keeps exact histograms; `volley compare` gates regressions.

use volley::compare::Results;
use volley::thresholds::Aggregation;

use crate::support::{Run, Target, metric, tempdir, volley};

fn run_with_results(t: &Target, ms: &str, file: &std::path::Path) -> Run {
    let ms = format!("MS={ms}");
    let results = file.to_str().unwrap_or_default();
    let run = t.run_fixture(
        "delay",
        &["--vus", "2", "-i", "20", "-e", &ms, "--results", results],
    );
    run.assert_ok();
    run
}

#[test]
fn percentiles_from_the_results_file_equal_the_summary() {
    let t = Target::start();
    let file = tempdir().join("results.json");
    let run = run_with_results(&t, "20", &file);
    let export = run.export.expect("export");
    let results = Results::load(&file).expect("results file loads");
    // The mean is a float sum, merged in another order: equal to rounding.
    let avg = results
        .stat("http_req_duration", &Aggregation::Avg)
        .expect("avg");
    assert!((avg - metric(&export, "http_req_duration", "avg")).abs() < 1e-9);
    // Percentiles come from the same values and histograms: equal, to the
    // last bits of a float interpolation done in another order.
    for stat in ["min", "med", "max", "p(90)", "p(95)"] {
        let got = results
            .stat(
                "http_req_duration",
                &Aggregation::parse(stat).expect("stat"),
            )
            .expect(stat);
        let want = metric(&export, "http_req_duration", stat);
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{stat}: {got} from the results file, {want} in the summary"
        );
    }
    assert_eq!(results.stat("http_reqs", &Aggregation::Count), Some(20.0));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    assert!(
        doc["timeseries"].as_array().is_some_and(|s| !s.is_empty()),
        "a time series"
    );
    assert!(
        doc["metrics"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["name"] == "http_req_duration"))
    );
}

#[test]
fn compare_reports_a_regression_and_passes_equal_runs() {
    let t = Target::start();
    let dir = tempdir();
    let (fast, slow, slow_again) = (
        dir.join("fast.json"),
        dir.join("slow.json"),
        dir.join("slow2.json"),
    );
    run_with_results(&t, "10", &fast);
    run_with_results(&t, "50", &slow);
    run_with_results(&t, "50", &slow_again);
    let path = |p: &std::path::Path| p.to_str().unwrap_or_default().to_string();

    let regressed = volley(&["compare", &path(&fast), &path(&slow)]);
    assert_eq!(regressed.code, Some(1), "{}", regressed.stdout);
    assert!(
        regressed.stdout.contains("REGRESSION")
            && regressed.stdout.contains("http_req_duration.p(95)>+10%"),
        "{}",
        regressed.stdout
    );

    let same = volley(&["compare", &path(&slow), &path(&slow_again)]);
    assert_eq!(same.code, Some(0), "{}", same.stdout);

    let custom = volley(&[
        "compare",
        &path(&slow),
        &path(&fast),
        "--fail-on",
        "http_req_duration.avg<-50%",
    ]);
    assert_eq!(
        custom.code,
        Some(1),
        "a 5x faster run breaks a 'no faster than half' rule: {}",
        custom.stdout
    );

    // A gate that cannot be judged is a usage error (2), never a pass.
    let usage = |args: &[&str], needle: &str| {
        let mut all = vec!["compare", args[0], args[1]];
        all.extend_from_slice(&args[2..]);
        let run = volley(&all);
        assert_eq!(run.code, Some(2), "{all:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{all:?}: {}", run.stderr);
    };
    let (slow, fast) = (path(&slow), path(&fast));
    usage(&[&slow, "/nonexistent.json"], "cannot read");
    usage(&[&slow, &fast, "--fail-on", "p95>1"], "p95>1");
    // k6 users type p95 for p(95): refused, not "not in both".
    usage(
        &[&slow, &fast, "--fail-on", "http_req_duration.p95>+10%"],
        "unknown aggregation",
    );
    usage(
        &[&slow, &fast, "--fail-on", "http_req_durations.p(95)>+10%"],
        "no metric \"http_req_durations\" in either file",
    );
    usage(
        &[&slow, &fast, "--fail-on", "http_reqs.p(95)>+10%"],
        "counter metric, which has no p(95)",
    );
}
