//! The by-stage aggregation through the sample tap, stage selectors in
//! thresholds, and the capacity search's verdicts and answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::*;
use crate::config::Options;
use crate::executor::{StepInfo, StepJudge, StepLoad};
use crate::metrics::{
    Builtin, HttpSample, MetricKind, Registry, RequestIdent, Sample, SampleWriter, Store, TagSet,
};
use crate::thresholds::ThresholdSet;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn plan_of(options: Value) -> Plan {
    let (opts, _) = Options::from_json(&options.to_string()).expect("options");
    crate::plan::resolve(&opts, Default::default()).expect("plan")
}

fn thresholds(v: Value) -> Arc<ThresholdSet> {
    let map: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
    Arc::new(ThresholdSet::parse(&map).expect("thresholds"))
}

/// A request of scenario `scenario` that took `took` and ended at `at`.
fn request(scenario: &str, at: Instant, took: Duration, status: u16) -> Sample {
    Sample::Http(Box::new(HttpSample {
        base: TagSet::from_pairs([("scenario", scenario), ("group", "")]),
        extra: TagSet::empty(),
        ident: RequestIdent {
            method: "GET".into(),
            url: "http://127.0.0.1/x".into(),
            name: "x".into(),
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
        blocked: Duration::ZERO,
        connecting: Duration::ZERO,
        tls_handshaking: Duration::ZERO,
        sending: Duration::ZERO,
        waiting: took,
        receiving: Duration::ZERO,
        bytes_sent: 100,
        bytes_received: 100,
        retry_after: false,
        at,
    }))
}

/// A CPU sample of a monitored target (no scenario tag).
fn cpu(registry: &Registry, at: Instant, value: f64) -> Sample {
    let id = registry.lookup("target_cpu").expect("defined");
    Sample::Custom(crate::metrics::CustomSample {
        metric: id,
        kind: MetricKind::Trend,
        value,
        tags: TagSet::from_pairs([("target", "api")]),
        at,
    })
}

/// A ramping-vus plan of three named and unnamed stages, 2 s each.
fn three_stages() -> Plan {
    plan_of(json!({
        "scenarios": {"ramp": {
            "executor": "ramping-vus",
            "startVUs": 0,
            "stages": [
                {"duration": "2s", "target": 10, "name": "warm-up"},
                {"duration": "2s", "target": 10},
                {"duration": "2s", "target": 0, "name": "sustained"}
            ]
        }}
    }))
}

fn periods(plan: &Plan, set: Arc<ThresholdSet>) -> (Arc<Periods>, Arc<Registry>) {
    let registry = Arc::new(Registry::new());
    registry
        .define_builtin(
            "target_cpu",
            MetricKind::Trend,
            crate::metrics::ValueType::Default,
        )
        .expect("define");
    let p = Periods::of(plan, set, registry.clone(), 2).expect("periods");
    (p, registry)
}

#[test]
fn plans_periods_from_stages_and_scenarios() {
    let specs = plan::periods(&three_stages());
    let view: Vec<(Option<&str>, String, u64)> = specs
        .iter()
        .map(|s| (s.name.as_deref(), s.load.to_string(), s.offset.as_secs()))
        .collect();
    assert_eq!(
        view,
        [
            (Some("warm-up"), "0→10 VUs".to_string(), 0),
            (None, "10 VUs".to_string(), 2),
            (Some("sustained"), "10→0 VUs".to_string(), 4),
        ]
    );
    // A step test of scenarios one after another: each is a period, named
    // after its scenario, in the order they start.
    let steps = plan_of(json!({"scenarios": {
        "a_small": {"executor": "constant-vus", "vus": 2, "duration": "3s", "startTime": "5s"},
        "b_first": {"executor": "constant-arrival-rate", "rate": 50, "duration": "5s", "preAllocatedVUs": 5},
    }}));
    let specs = plan::periods(&steps);
    let view: Vec<(Option<&str>, String, u64)> = specs
        .iter()
        .map(|s| (s.name.as_deref(), s.load.to_string(), s.offset.as_secs()))
        .collect();
    assert_eq!(
        view,
        [
            (Some("b_first"), "50 iterations/s".to_string(), 0),
            (Some("a_small"), "2 VUs".to_string(), 5),
        ]
    );
    // One scenario without stages has a single period: nothing to split.
    let flat = plan_of(json!({"vus": 2, "duration": "3s"}));
    assert!(Periods::of(&flat, thresholds(json!({})), Arc::new(Registry::new()), 1).is_none());
}

#[test]
fn each_stage_gets_exactly_its_own_samples() {
    let (p, registry) = periods(&three_stages(), thresholds(json!({})));
    // The load started 10 s ago, so every stage has run its full 2 s.
    let origin = Instant::now() - Duration::from_secs(10);
    // setup(): before the load, in no period.
    p.write(&[request("ramp", origin, ms(999), 200)]);
    p.start(origin);
    let at = |t: u64| origin + ms(t);
    let mut batch = Vec::new();
    // Stage 1 (0-2 s): 4 requests of 10, 20, 30, 40 ms.
    for (i, t) in [100, 500, 900, 1999].into_iter().enumerate() {
        batch.push(request("ramp", at(t), ms(10 * (i as u64 + 1)), 200));
    }
    // Stage 2 (2-4 s): 3 requests of 100 ms, one a 503.
    for t in [2000, 2500, 3999] {
        batch.push(request(
            "ramp",
            at(t),
            ms(100),
            if t == 2500 { 503 } else { 200 },
        ));
    }
    // Stage 3 (4-6 s) and after it (gracefulStop): 2 requests of 300 ms.
    batch.push(request("ramp", at(4500), ms(300), 200));
    batch.push(request("ramp", at(7000), ms(300), 200));
    // The target's CPU, one sample per stage; the last is after the stages.
    for (t, v) in [(1000, 10.0), (3000, 50.0), (5000, 90.0), (8000, 99.0)] {
        batch.push(cpu(&registry, at(t), v));
    }
    // Flushed out of order, as VUs do.
    batch.reverse();
    p.write(&batch);
    p.finish();
    // teardown(): after the load, in no period.
    p.write(&[request("ramp", Instant::now() + ms(10), ms(999), 200)]);
    let report = p.report();
    // (stage, requests, p50, p95, failed)
    type Row = (usize, u64, Option<f64>, Option<f64>, u64);
    let rows: Vec<Row> = report
        .rows
        .iter()
        // Percentiles as k6 defines them (rank interpolation): p50 of
        // 10, 20, 30, 40 ms is 25 ms, p95 is 38.5 ms.
        .map(|r| {
            (
                r.index,
                r.requests,
                r.p50_ms.map(f64::round),
                r.p95_ms.map(f64::round),
                r.failed,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, 4, Some(25.0), Some(39.0), 0),
            (2, 3, Some(100.0), Some(100.0), 1),
            (3, 2, Some(300.0), Some(300.0), 0),
        ]
    );
    assert_eq!(report.rows[0].rps, 2.0, "4 requests over 2 s");
    assert_eq!(report.rows[1].error_rate, Some(1.0 / 3.0));
    assert_eq!(report.rows[2].name.as_deref(), Some("sustained"));
    // Samples of no scenario go to the stage running at their time; after
    // the last stage's planned end, to none.
    let cpu_of = |i: usize| {
        report.rows[i]
            .resources
            .get("target_cpu{target:api}")
            .copied()
    };
    assert_eq!(
        (cpu_of(0), cpu_of(1), cpu_of(2)),
        (Some(10.0), Some(50.0), Some(90.0))
    );
    assert_eq!(report.rows[1].start_s, 2.0);
    assert!(report.capacity.is_empty());
}

#[test]
fn thresholds_select_a_stage_by_number_or_name_and_bad_ones_are_refused() {
    let set = thresholds(json!({
        "http_req_duration": ["p(50)<50"],
        "http_req_duration{stage:sustained}": ["p(50)<200", "p(50)<400"],
        "http_req_duration{stage:1}": ["max<50"],
        "http_req_failed{stage:2}": ["rate<0.5"],
    }));
    let (p, _) = periods(&three_stages(), set.clone());
    select::check(&set, Some(&p)).expect("valid selectors");
    let origin = Instant::now() - Duration::from_secs(10);
    p.start(origin);
    p.write(&[
        request("ramp", origin + ms(100), ms(10), 200),
        request("ramp", origin + ms(2100), ms(100), 200),
        request("ramp", origin + ms(4100), ms(300), 200),
    ]);
    p.finish();
    let report = p.report();
    let all = Store::new(Arc::new(Registry::new()), 1).snapshot(Duration::from_secs(6));
    let lines = select::judge(&set, &all, Some(&p), Some(&report));
    let verdicts: Vec<(&str, &str, bool, Option<f64>)> = lines
        .iter()
        .map(|l| {
            (
                l.metric.as_str(),
                l.expression.as_str(),
                l.passed,
                l.observed.map(f64::round),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            // No request in the main snapshot: k6 reads an empty trend as 0.
            ("http_req_duration", "p(50)<50", true, Some(0.0)),
            ("http_req_duration{stage:1}", "max<50", true, Some(10.0)),
            (
                "http_req_duration{stage:sustained}",
                "p(50)<200",
                false,
                Some(300.0)
            ),
            (
                "http_req_duration{stage:sustained}",
                "p(50)<400",
                true,
                Some(300.0)
            ),
            ("http_req_failed{stage:2}", "rate<0.5", true, Some(0.0)),
        ]
    );

    let bad = thresholds(json!({
        "http_req_duration{stage:0}": ["p(95)<1"],
        "http_req_duration{stage:4}": ["p(95)<1"],
        "http_req_duration{stage:sustaned}": ["p(95)<1"],
    }));
    let errors = select::check(&bad, Some(&p)).expect_err("refused");
    let text: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "threshold key \"http_req_duration{stage:0}\": no stage 0: stages are numbered from 1 as in the by-stage table, and this run has 3 (1 \"warm-up\", 2, 3 \"sustained\")",
            "threshold key \"http_req_duration{stage:4}\": no stage 4: stages are numbered from 1 as in the by-stage table, and this run has 3 (1 \"warm-up\", 2, 3 \"sustained\")",
            "threshold key \"http_req_duration{stage:sustaned}\": no stage named \"sustaned\"; the stages are 1 \"warm-up\", 2, 3 \"sustained\". Name a stage with \"name\" in its stages entry, or select it by number",
        ]
    );
    // Without periods, `stage` is an ordinary tag (k6).
    assert!(select::check(&bad, None).is_ok());
}

#[test]
fn capacity_steps_are_judged_on_their_own_samples_and_answered_in_one_line() {
    let plan = plan_of(json!({
        "scenarios": {"cap": {
            "executor": "capacity-search", "startRate": 100, "maxRate": 1000,
            "preAllocatedVUs": 10, "stepDuration": "1s"
        }},
        "thresholds": {"http_req_duration": ["p(95)<50"], "http_req_failed": ["rate<0.1"]}
    }));
    let set = thresholds(Value::Object(plan.thresholds.clone()));
    let (p, _) = periods(&plan, set.clone());
    // Stage selectors make no sense on steps chosen while running.
    let staged = thresholds(json!({"http_req_duration{stage:1}": ["p(95)<1"]}));
    assert!(select::check(&staged, Some(&p)).is_err());
    p.start(Instant::now());
    let step = |rate: u64| StepInfo {
        rate,
        time_unit: Duration::from_secs(1),
        duration: Duration::from_secs(1),
        refine: false,
    };
    // Each step's latency: 10 ms at 100/s, 20 ms at 200/s, 30 at 400/s, 200 ms at 800/s.
    let mut verdicts = Vec::new();
    for (rate, took) in [(100, 10), (200, 20), (400, 30), (800, 200)] {
        let id = p.open("cap", step(rate));
        let now = Instant::now();
        let batch: Vec<Sample> = (0..20)
            .map(|_| request("cap", now, ms(took), 200))
            .collect();
        p.write(&batch);
        verdicts.push(p.close(
            id,
            StepLoad {
                planned: 20,
                dropped: 0,
                unfinished: 0,
            },
        ));
        std::thread::sleep(ms(2));
    }
    assert_eq!(verdicts, [true, true, true, false]);
    // A step that dropped more than 1% of its iterations fails too.
    let id = p.open("cap", step(500));
    p.write(&[request("cap", Instant::now(), ms(40), 200)]);
    let load = StepLoad {
        planned: 100,
        dropped: 2,
        unfinished: 0,
    };
    assert!(!p.close(id, load));
    p.finish();
    let report = p.report();
    let c = &report.capacity[0];
    assert_eq!(c.steps, 5);
    assert_eq!(c.sustained.as_ref().map(|s| s.rate), Some(400.0));
    assert_eq!(c.failed.as_ref().map(|s| s.rate), Some(500.0));
    assert_eq!(c.reported_at, 3);
    let first: Vec<(&str, usize)> = c
        .first_failures
        .iter()
        .map(|f| (f.expression.as_str(), f.stage))
        .collect();
    assert_eq!(first, [("p(95)<50", 4)]);
    assert!(
        c.summary.starts_with("sustains 400 iterations/s (")
            && c.summary.contains("p95 30.0 ms")
            && c.summary.ends_with("; fails 2 of 100 iterations dropped (no free VU: the target did not keep up, or maxVUs is too low) at 500 iterations/s"),
        "{}",
        c.summary
    );
    // p95 against the rate: 10, 20, 30, 40 ms up to 500/s, then 200 ms.
    assert_eq!(c.knee.as_ref().map(|k| k.load), Some(500.0));
    // The run's thresholds are reported as judged on the sustained step.
    let all = Store::new(Arc::new(Registry::new()), 1).snapshot(Duration::from_secs(6));
    let lines = select::judge(&set, &all, Some(&p), Some(&report));
    assert!(lines.iter().all(|l| l.passed), "{lines:?}");
    assert_eq!(lines[0].observed.map(f64::round), Some(30.0));
    // While running, they are left to the search (no abortOnFail on them).
    assert_eq!(
        select::observe_live(&all, Some(&p), &lines[0].selector, &lines[0].aggregation),
        None
    );
    let _ = Builtin::HttpReqs;
}

#[test]
fn the_knee_is_the_last_load_before_latency_climbs() {
    let curve = [
        (1, 100.0, 10.0),
        (2, 200.0, 11.0),
        (3, 400.0, 13.0),
        (4, 800.0, 200.0),
    ];
    assert_eq!(
        knee(&curve),
        Some(Knee {
            stage: 3,
            load: 400.0,
            p95_ms: 13.0
        })
    );
    // A straight line has no knee, and two points are not a curve.
    assert_eq!(knee(&[(1, 1.0, 1.0), (2, 2.0, 2.0), (3, 3.0, 3.0)]), None);
    assert_eq!(knee(&curve[..2]), None);
    // Nor does a flat one: p95 moving between 21.5 and 21.8 ms is noise.
    assert_eq!(
        knee(&[
            (1, 10.0, 21.5),
            (2, 20.0, 21.5),
            (3, 30.0, 21.6),
            (4, 40.0, 21.8)
        ]),
        None
    );
}
