use std::sync::Arc;
use std::time::{Duration, Instant};

use super::order::k6_order;
use super::*;
use crate::metrics::{IterationSample, Registry, Snapshot, Store, TagSet};
use crate::output::ThresholdLine;
use crate::output::fixture;
use crate::thresholds::Aggregation;

use fixture::{stats, threshold};

fn render(
    snap: &Snapshot,
    thresholds: &[ThresholdLine],
    trend_stats: &[Aggregation],
    color: bool,
) -> String {
    render_summary(&SummaryInput {
        scenario: "",
        snapshot: snap,
        thresholds,
        trend_stats,
        color,
        interrupted_iterations: 0,
        scenarios: Vec::new(),
        stop_reason: None,
        load_generator: Default::default(),
        stages: None,
    })
}

fn has_line(out: &str, line: &str) -> bool {
    out.lines().any(|l| l == line)
}

fn default_stats() -> Vec<Aggregation> {
    stats(&["avg", "min", "med", "max", "p(90)", "p(95)"])
}

#[test]
fn sections_in_k6_order_with_one_alignment() {
    let snap = fixture::snapshot();
    let out = render(&snap, &[], &default_stats(), false);
    let at = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing in\n{out}"))
    };
    assert!(at("  █ TOTAL RESULTS\n") < at("\n    CUSTOM\n"));
    assert!(at("\n    CUSTOM\n") < at("\n    HTTP\n"));
    assert!(at("\n    HTTP\n") < at("\n    EXECUTION\n"));
    assert!(at("\n    EXECUTION\n") < at("\n    NETWORK\n"));
    assert!(!out.contains("THRESHOLDS"), "no thresholds, no section");

    // The longest name, "  { expected_response:true }", gets three dots.
    for line in [
        "    http_reqs......................: 10     1/s",
        "    http_req_failed................: 20.00% 2 out of 10",
        "    iterations_failed..............: 1      0.1/s",
        "    vus............................: 3      min=1       max=5",
        "    data_received..................: 20 kB  2.0 kB/s",
        "    data_sent......................: 1.2 kB 120 B/s",
        "    cart_errors....................: 10.00% 1 out of 10",
        // Percentiles as k6 computes them (interpolated between ranks).
        "    http_req_duration..............: avg=14.6ms  min=10.1ms med=14.6ms  max=19.09ms p(90)=18.2ms  p(95)=18.64ms",
        "      { expected_response:true }...: avg=13.59ms min=10.1ms med=13.6ms  max=17.1ms  p(90)=16.4ms  p(95)=16.75ms",
        "    http_req_blocked...............: avg=50µs    min=50µs   med=50µs    max=50µs    p(90)=50µs    p(95)=50µs",
    ] {
        assert!(has_line(&out, line), "{line:?} missing in\n{out}");
    }
    // Every metric line of every section has its colon in one column.
    let metric_lines: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "    CUSTOM")
        .filter(|l| l.contains(".:"))
        .collect();
    assert!(metric_lines.len() > 15, "{out}");
    let colon = |l: &str| l.find(".:").map(|i| l[..i].chars().count());
    assert!(
        metric_lines
            .iter()
            .all(|l| colon(l) == colon(metric_lines[0])),
        "{out}"
    );
    // Metrics without samples and the checks metric are not listed.
    assert!(
        !out.contains("unused_trend") && !out.contains("    checks.."),
        "{out}"
    );
    assert!(!out.contains("dropped_iterations"), "{out}");
}

#[test]
fn checks_total_succeeded_failed_then_each_check() {
    let snap = fixture::snapshot();
    let out = render(&snap, &[], &default_stats(), false);
    let expected = "\n  █ TOTAL RESULTS\n\n\
        \x20   checks_total.......: 23     2.3/s\n\
        \x20   checks_succeeded...: 91.30% 21 out of 23\n\
        \x20   checks_failed......: 8.69%  2 out of 23\n\n\
        \x20   ✓ body ok\n\
        \x20   ✓ logged in\n\
        \x20   ✗ status is 200\n\
        \x20     ↳  80% — ✓ 8 / ✗ 2\n\n\
        \x20   CUSTOM\n";
    assert!(out.contains(expected), "{out}");
}

#[test]
fn thresholds_show_verdict_and_judged_value() {
    let snap = fixture::snapshot();
    let thresholds = [
        threshold("http_req_failed", "rate<0.01", false, Some(0.2)),
        threshold("http_req_duration", "p(95)<500", true, Some(12.345)),
        threshold("http_req_duration", "avg<2000", true, Some(1500.0)),
        threshold("http_req_duration{status:200}", "max<15", false, Some(17.1)),
        threshold("http_reqs", "rate>0.5", true, Some(1.0)),
        threshold("data_received", "count<1000000", true, Some(20_000.0)),
        threshold("unused_trend", "avg<1", true, None),
    ];
    let out = render(&snap, &thresholds, &default_stats(), false);
    let expected = "\n  █ THRESHOLDS\n\n\
        \x20   data_received\n\
        \x20   ✓ 'count<1000000' count=20 kB\n\n\
        \x20   http_req_duration\n\
        \x20   ✓ 'p(95)<500' p(95)=12.34ms\n\
        \x20   ✓ 'avg<2000' avg=1.5s\n\n\
        \x20     {status:200}\n\
        \x20     ✗ 'max<15' max=17.1ms\n\n\
        \x20   http_req_failed\n\
        \x20   ✗ 'rate<0.01' rate=20.00%\n\n\
        \x20   http_reqs\n\
        \x20   ✓ 'rate>0.5' rate=1/s\n\n\
        \x20   unused_trend\n\
        \x20   ✓ 'avg<1' avg=[no data]\n\n\n\
        \x20 █ TOTAL RESULTS\n";
    assert!(out.contains(expected), "{out}");
    // A sub-metric with a threshold is listed under its parent.
    assert!(
        out.contains("\n      { status:200 }...............: avg=13.59ms"),
        "{out}"
    );
}

#[test]
fn colour_only_when_asked() {
    let snap = fixture::snapshot();
    let thresholds = [threshold("http_reqs", "count>5", true, Some(10.0))];
    let plain = render(&snap, &thresholds, &default_stats(), false);
    assert!(!plain.contains('\x1b'), "{plain}");
    let colored = render(&snap, &thresholds, &default_stats(), true);
    for painted in [
        "  █ \x1b[1mTOTAL RESULTS\x1b[0m",
        "    \x1b[32m✓\x1b[0m \x1b[37m'count>5'\x1b[0m \x1b[37mcount\x1b[0m=\x1b[36m10\x1b[0m",
        "    \x1b[32m✓ body ok\x1b[0m",
        "    \x1b[31m✗ status is 200\x1b[0m",
        "    http_reqs\x1b[2;37m......................:\x1b[0m \x1b[36m10\x1b[0m     \x1b[2;36m1/s\x1b[0m",
    ] {
        assert!(
            has_line(&colored, painted),
            "{painted:?} missing in\n{colored}"
        );
    }
}

#[test]
fn header_stop_reason_and_interrupted_iterations() {
    let snap = fixture::snapshot();
    let scenarios = ["default: 10 looping VUs for 10s".to_string()];
    let out = render_summary(&SummaryInput {
        scenario: "oci://127.0.0.1:5000/acme/shop:1.0@sha256:0c3f",
        snapshot: &snap,
        thresholds: &[],
        trend_stats: &default_stats(),
        color: false,
        interrupted_iterations: 2,
        scenarios: scenarios.to_vec(),
        stop_reason: Some("interrupted (Ctrl-C / SIGTERM)".into()),
        load_generator: Default::default(),
        stages: None,
    });
    let head = "\n      scenario: oci://127.0.0.1:5000/acme/shop:1.0@sha256:0c3f\n\
        \x20    scenarios: 1 scenario\n\
        \x20             * default: 10 looping VUs for 10s\n\
        \x20stopped early: interrupted (Ctrl-C / SIGTERM)\n\n  █ TOTAL RESULTS\n";
    assert!(out.starts_with(head), "{out}");
    assert!(
        has_line(&out, "    interrupted iterations.........: 2"),
        "{out}"
    );
}

#[test]
fn quiet_run_omits_empty_sections() {
    let store = Store::new(Arc::new(Registry::new()), 1);
    let mut buf = store.buffer(0);
    buf.iteration(IterationSample {
        base: TagSet::empty(),
        duration: Duration::from_millis(1500),
        failed: false,
        at: Instant::now(),
    });
    buf.flush();
    let snap = store.snapshot(Duration::from_secs(2));
    let out = render(&snap, &[], &stats(&["count", "p(99.9)"]), false);
    assert!(
        has_line(&out, "    iteration_duration...: count=1 p(99.9)=1.5s"),
        "{out}"
    );
    assert!(
        has_line(&out, "    iterations...........: 1   0.5/s"),
        "{out}"
    );
    // k6 writes data_sent and data_received at every iteration's end, so
    // they are there at 0 even without a request.
    assert!(
        has_line(&out, "    data_received........: 0 B 0 B/s"),
        "{out}"
    );
    for absent in [
        "checks_total",
        "HTTP",
        "CUSTOM",
        "iterations_failed",
        "interrupted",
    ] {
        assert!(!out.contains(absent), "{absent} in\n{out}");
    }
}

#[test]
fn names_sort_like_k6() {
    let mut names = vec![
        "vus_max",
        "http_reqs",
        "a1",
        "http_req_duration{status:200}",
        "B",
        "vus",
        "a_b",
        "http_req_duration",
    ];
    names.sort_by(|a, b| k6_order(a, b));
    assert_eq!(
        names,
        [
            "a_b",
            "a1",
            "B",
            "http_req_duration",
            "http_req_duration{status:200}",
            "http_reqs",
            "vus",
            "vus_max"
        ]
    );
}

#[test]
fn resources_show_avg_and_peak_and_saturation() {
    let registry = Arc::new(Registry::new());
    let mut defs = Vec::new();
    for (name, vt) in [
        ("target_cpu", crate::metrics::ValueType::Default),
        ("target_memory", crate::metrics::ValueType::Data),
        ("volley_cpu", crate::metrics::ValueType::Default),
        ("volley_memory", crate::metrics::ValueType::Data),
    ] {
        let kind = crate::metrics::MetricKind::Trend;
        defs.push(registry.define_builtin(name, kind, vt).expect("define"));
    }
    let store = Store::new(registry, 1);
    let mut buf = store.buffer(0);
    let api = TagSet::from_pairs([("target", "pid:4242")]);
    let trend = crate::metrics::MetricKind::Trend;
    for (cpu, mem, own) in [
        (26.0, 1.7e9, 20.0),
        (78.3, 1.9e9, 61.0),
        (52.0, 1.8e9, 24.6),
    ] {
        buf.custom(defs[0], trend, cpu, api.clone());
        buf.custom(defs[1], trend, mem, api.clone());
        buf.custom(defs[2], trend, own, TagSet::empty());
        buf.custom(defs[3], trend, 48e6, TagSet::empty());
    }
    buf.flush();
    let snap = store.snapshot(Duration::from_secs(3));
    let stats = default_stats();
    let mut input = SummaryInput {
        scenario: "",
        snapshot: &snap,
        thresholds: &[],
        trend_stats: &stats,
        color: false,
        interrupted_iterations: 0,
        scenarios: Vec::new(),
        stop_reason: None,
        load_generator: crate::outcome::LoadGenerator {
            cores: 2,
            saturation: None,
        },
        stages: None,
    };
    let out = render_summary(&input);
    let expected = "  █ RESOURCES\n\n\
        \x20   target_cpu{target:pid:4242}......: avg=52.1%  peak=78.3%\n\
        \x20   target_memory{target:pid:4242}...: avg=1.8 GB peak=1.9 GB\n\
        \x20   volley_cpu.......................: avg=35.2%  peak=61%\n\
        \x20   volley_memory....................: avg=48 MB  peak=48 MB\n\n\
        \x20   CPU in percent of one core, sampled every second; volley may use 2 cores (200%)\n";
    assert!(out.contains(expected), "{out}");
    assert!(
        !out.contains("CUSTOM"),
        "resource metrics are not custom ones:\n{out}"
    );
    assert!(!out.contains('✗'), "{out}");
    input.load_generator.saturation = Some("the load generator was saturated: ...".into());
    let out = render_summary(&input);
    assert!(
        has_line(&out, "    ✗ the load generator was saturated: ..."),
        "{out}"
    );
}
