//! Property tests of the parsers that read what users and files give the
//! engine: thresholds, the options JSON, durations and sizes, and results
//! files (read by `merge`, `report` and `compare`). Arbitrary and mutated
//! input must give a value or an error, never a panic. The HTTP/1.1
//! response parser has its own differential test against httparse and hyper
//! (`http/h1/differential.rs`).
//!
//! CI runs 128 cases of each; `bash scripts/fuzz.sh` runs them at length
//! (`PROPTEST_CASES`).

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::config::{Options, format_duration, parse_duration, parse_size};
use crate::thresholds::ThresholdSet;

/// The property tests' cases: 128 in CI, `PROPTEST_CASES` for more
/// (`scripts/fuzz.sh`).
pub(crate) fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, a few levels deep, with keys a parser may look for.
fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "1s",
            "0s",
            "-1s",
            "1m30s",
            "10",
            "p(95)<500",
            "rate<0.01",
            "constant-vus",
            "ramping-arrival-rate",
            ""
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(keys.to_vec()).prop_map(str::to_string),
                        "\\PC{0,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

const OPTION_KEYS: &[&str] = &[
    "vus",
    "duration",
    "iterations",
    "stages",
    "scenarios",
    "executor",
    "rate",
    "timeUnit",
    "preAllocatedVUs",
    "maxVUs",
    "startRate",
    "startVUs",
    "target",
    "gracefulStop",
    "gracefulRampDown",
    "startTime",
    "exec",
    "env",
    "tags",
    "thresholds",
    "threshold",
    "abortOnFail",
    "delayAbortEval",
    "maxDuration",
    "summaryTrendStats",
    "setupTimeout",
    "teardownTimeout",
    "executionSegment",
    "executionSegmentSequence",
    "blacklistIPs",
    "httpDebug",
    "name",
    "growth",
    "stepDuration",
    "maxRate",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn durations_parse_or_refuse_and_round_trip(text in "\\PC{0,16}", secs in 0u64..1_000_000, ms in 0u32..1000) {
        let _ = parse_duration(&text);
        let _ = parse_size(&text);
        let d = Duration::from_secs(secs) + Duration::from_millis(u64::from(ms));
        prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
    }

    #[test]
    fn thresholds_parse_or_refuse(
        keys in prop::collection::vec("[a-z_{}:,\\PC]{0,24}", 1..4),
        exprs in prop::collection::vec("[a-z0-9()<>=!.% \\PC]{0,20}", 1..4),
        extra in json_value(&["threshold", "abortOnFail", "delayAbortEval"]),
    ) {
        let mut raw = Map::new();
        for (k, e) in keys.iter().zip(exprs.iter().cycle()) {
            raw.insert(k.clone(), json!([e, {"threshold": e, "abortOnFail": true}, extra.clone()]));
        }
        let _ = ThresholdSet::parse(&raw);
    }

    #[test]
    fn options_parse_and_resolve_or_refuse(doc in json_value(OPTION_KEYS)) {
        if let Ok((options, _)) = Options::from_value(&doc) {
            let _ = crate::plan::resolve(&options, BTreeMap::new());
        }
        let _ = Options::from_json(&doc.to_string());
    }

    #[test]
    fn damaged_results_files_never_panic_their_readers(
        path in prop::collection::vec(0usize..8, 1..5),
        replacement in json_value(&["counter", "trend", "gauge", "rate", "hdr", "values", "count", "series", "tags", "fleet"]),
    ) {
        let mut doc = results_doc();
        damage(&mut doc, &path, replacement);
        let _ = crate::output::render_report(&doc);
        let _ = crate::output::render_markdown(&doc);
        let _ = crate::fleet::merge(
            vec![("a.json".into(), doc.clone()), ("b.json".into(), results_doc())],
            &crate::fleet::MergeOptions { allow_partial: true, ..Default::default() },
        );
    }
}

/// Replace the value at `path` (each step picks a child by index, modulo
/// the children there) with `with`.
fn damage(doc: &mut Value, path: &[usize], with: Value) {
    let Some((&i, rest)) = path.split_first() else {
        *doc = with;
        return;
    };
    let child = match doc {
        Value::Object(m) if !m.is_empty() => {
            let key = m.keys().nth(i % m.len()).cloned().unwrap_or_default();
            m.get_mut(&key)
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            a.get_mut(i % n)
        }
        _ => None,
    };
    match child {
        Some(c) => damage(c, rest, with),
        None => *doc = with,
    }
}

/// A real results document of one segment with a few series.
fn results_doc() -> Value {
    use std::sync::Arc;

    use crate::fleet::FleetMeta;
    use crate::metrics::{MetricKind, Registry, Store, TagSet, ValueType};
    use crate::output::{ResultsMeta, SummaryInput, results};

    let registry = Arc::new(Registry::new());
    let duration = registry
        .define_builtin("http_req_duration", MetricKind::Trend, ValueType::Time)
        .expect("define");
    let reqs = registry
        .define_builtin("http_reqs", MetricKind::Counter, ValueType::Default)
        .expect("define");
    let store = Store::new(registry, 1);
    let mut buf = store.buffer(0);
    for i in 0..300 {
        let tags = TagSet::from_pairs([("name", if i % 2 == 0 { "a" } else { "b" })]);
        buf.custom(duration, MetricKind::Trend, f64::from(i), tags.clone());
        buf.custom(reqs, MetricKind::Counter, 1.0, tags);
    }
    buf.flush();
    let snap = store.snapshot(Duration::from_secs(10));
    let fleet = FleetMeta {
        id: Some("f".into()),
        segment: "0:1/2".into(),
        sequence: "0,1/2,1".into(),
        scenario_digest: "sha256:00".into(),
        started_at: None,
        started_at_ms: Some(1_000),
        exit_code: 0,
        merged: Vec::new(),
    };
    results(
        &SummaryInput {
            scenario: "s.wasm",
            snapshot: &snap,
            thresholds: &[],
            trend_stats: &[],
            color: false,
            interrupted_iterations: 0,
            scenarios: vec!["default: 1 VU".into()],
            stop_reason: None,
            load_generator: Default::default(),
            stages: None,
        },
        &ResultsMeta {
            scenario: "s.wasm",
            options: json!({"thresholds": {"http_req_duration": ["p(95)<100"]}}),
            timeseries: &[],
            fleet: Some(&fleet),
        },
    )
}
