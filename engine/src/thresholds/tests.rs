use std::time::Duration;

use serde_json::json;

use super::*;
use crate::metrics::MetricKind;

fn set(v: serde_json::Value) -> Result<ThresholdSet, ThresholdErrors> {
    match v {
        serde_json::Value::Object(m) => ThresholdSet::parse(&m),
        _ => unreachable!("tests pass objects"),
    }
}

#[test]
fn parses_every_aggregation_and_operator() {
    for (text, agg, op, value) in [
        ("avg<200", Aggregation::Avg, Operator::Lt, 200.0),
        ("min <= 1", Aggregation::Min, Operator::Le, 1.0),
        (" max>  3.5 ", Aggregation::Max, Operator::Gt, 3.5),
        ("med>=0", Aggregation::Med, Operator::Ge, 0.0),
        (
            "p(99.9)==5",
            Aggregation::Percentile(99.9),
            Operator::Eq,
            5.0,
        ),
        (
            "p( 95 ) === 5",
            Aggregation::Percentile(95.0),
            Operator::Eq,
            5.0,
        ),
        ("rate!=0.5", Aggregation::Rate, Operator::Ne, 0.5),
        ("count>-1", Aggregation::Count, Operator::Gt, -1.0),
        ("value<1e3", Aggregation::Value, Operator::Lt, 1000.0),
    ] {
        let e = Expression::parse(text).unwrap_or_else(|m| panic!("{text}: {m}"));
        assert_eq!(
            (e.aggregation, e.operator, e.value),
            (agg, op, value),
            "{text}"
        );
    }
    for bad in [
        "p95<500", "p(101)<1", "avg<", "avg 500", "avg<abc", "mean<3", "avg=<3",
    ] {
        assert!(Expression::parse(bad).is_err(), "{bad} should not parse");
    }
}

#[test]
fn selectors_with_tags() {
    let s =
        MetricSelector::parse("http_req_duration{status:200, name : place order}").expect("parses");
    assert_eq!(s.metric, "http_req_duration");
    assert_eq!(
        s.tags,
        vec![
            ("name".into(), "place order".into()),
            ("status".into(), "200".into())
        ]
    );
    let g = MetricSelector::parse("http_reqs{group:::checkout::pay}").expect("parses");
    assert_eq!(g.tags, vec![("group".into(), "::checkout::pay".into())]);
    let empty = MetricSelector::parse("http_reqs{group:}").expect("parses");
    assert_eq!(empty.tags, vec![("group".into(), String::new())]);
    assert!(MetricSelector::parse("http reqs").is_err());
    assert!(MetricSelector::parse("x{a:b").is_err());
    assert!(MetricSelector::parse("x{ab}").is_err());
}

#[test]
fn object_form_single_string_and_all_errors_at_once() {
    let s = set(json!({
        "http_req_duration": ["p(95)<500", {"threshold": "max<1000", "abortOnFail": true, "delayAbortEval": "10s"}],
        "checks": "rate>0.9",
    }))
    .expect("valid");
    assert_eq!(s.metrics.len(), 2);
    let t = &s
        .metrics
        .iter()
        .find(|m| m.key == "http_req_duration")
        .expect("key")
        .thresholds[1];
    assert!(t.abort_on_fail);
    assert_eq!(t.delay_abort_eval, Duration::from_secs(10));

    let errs =
        set(json!({"a": ["p95<1", "avg<1"], "b{x}": ["rate<1"], "c": [{"abortOnFail": true}]}))
            .expect_err("invalid");
    assert_eq!(errs.0.len(), 3, "{errs}");
    let text = errs.to_string();
    assert!(
        text.contains("p95<1") && text.contains("b{x}") && text.contains("threshold"),
        "{text}"
    );
}

#[test]
fn validation_against_kinds() {
    let s = set(
        json!({"checks": ["p(95)<1"], "nope": ["count>1"], "http_reqs": ["count>1", "rate>1"]}),
    )
    .expect("parses");
    let errs = s
        .validate(|n| match n {
            "checks" => Some(MetricKind::Rate),
            "http_reqs" => Some(MetricKind::Counter),
            _ => None,
        })
        .expect_err("invalid");
    assert_eq!(errs.0.len(), 2, "{errs}");
    let text = errs.to_string();
    assert!(
        text.contains("p(95) is not available for a rate metric; use rate"),
        "{text}"
    );
    assert!(text.contains("no metric named \"nope\""), "{text}");
}

#[test]
fn evaluation_and_abort() {
    let s = set(json!({
        "http_req_duration": [{"threshold": "p(95)<100", "abortOnFail": true, "delayAbortEval": "5s"}],
        "checks": ["rate>0.9"],
    }))
    .expect("valid");
    let out = evaluate(&s, |sel, _| match sel.metric.as_str() {
        "http_req_duration" => Some(150.0),
        _ => None,
    });
    let dur = &out
        .iter()
        .find(|(k, _)| k == "http_req_duration")
        .expect("key")
        .1[0];
    assert!(!dur.passed);
    assert_eq!(dur.observed, Some(150.0));
    let checks = &out.iter().find(|(k, _)| k == "checks").expect("key").1[0];
    assert!(checks.passed, "no data passes");
    assert_eq!(
        should_abort(&s, &out, Duration::from_secs(1)),
        None,
        "delayAbortEval holds it"
    );
    // k6: the test must have run longer than delayAbortEval.
    assert_eq!(should_abort(&s, &out, Duration::from_secs(5)), None);
    assert!(
        should_abort(&s, &out, Duration::from_secs(6)).is_some_and(|r| r.contains("p(95)<100"))
    );
}
