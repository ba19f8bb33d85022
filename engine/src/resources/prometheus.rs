//! `--monitor prometheus=URL,query=PROMQL`: a target measured elsewhere.
//! An instant query (`GET /api/v1/query`) every second, from a task of its
//! own: a slow or failing server only costs its own samples, never the
//! engine's other work. Each series of the result is one series of the
//! metric, tagged `target=<name>` plus the series' labels.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::http::{HttpRequest, HttpSettings, SharedHttp, VuClient};
use crate::metrics::{MetricId, MetricKind, Store, TagSet};

/// How long one query may take; a slower one is given up and its second
/// has no sample.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Series of one query kept, at most: a query over every pod of a cluster
/// must not flood the summary.
const MAX_SERIES: usize = 50;
/// How often the query runs.
const EVERY: Duration = Duration::from_secs(1);

/// One series of a query's result.
#[derive(Debug, Clone, PartialEq)]
pub struct PromSample {
    /// Its labels, without `__name__`.
    pub labels: Vec<(String, String)>,
    /// Its value (finite: NaN and infinities are dropped).
    pub value: f64,
}

/// Read an answer of `/api/v1/query`: the series of an instant vector, or
/// the one value of a scalar.
pub fn parse_response(status: u16, body: &[u8]) -> Result<Vec<PromSample>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|_| {
        format!(
            "the answer (HTTP {status}) is not Prometheus's JSON; give the base URL of a \
             Prometheus server, e.g. http://127.0.0.1:9090"
        )
    })?;
    if doc["status"] != "success" {
        return Err(format!(
            "Prometheus refused the query (HTTP {status}, {}): {}; fix the PromQL",
            doc["errorType"].as_str().unwrap_or("error"),
            doc["error"].as_str().unwrap_or("no reason given"),
        ));
    }
    let data = &doc["data"];
    let number = |pair: &Value| -> Option<f64> {
        pair.get(1)?
            .as_str()?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    match data["resultType"].as_str() {
        Some("vector") => Ok(data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let value = number(&r["value"])?;
                let labels = r["metric"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| *k != "__name__")
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                Some(PromSample { labels, value })
            })
            .collect()),
        Some("scalar") => Ok(number(&data["result"])
            .map(|value| PromSample {
                labels: Vec::new(),
                value,
            })
            .into_iter()
            .collect()),
        Some("matrix") => Err(
            "the query returns a range vector; give an instant one, e.g. rate(x[30s]) rather than x[30s]"
                .into(),
        ),
        other => Err(format!(
            "the query returns {}, not numbers; give one that returns an instant vector or a scalar",
            other.unwrap_or("nothing")
        )),
    }
}

/// The tags of one series: `target` plus its labels (a label called
/// `target` becomes `exported_target`, as Prometheus renames clashes).
pub fn series_tags(label: &str, s: &PromSample) -> TagSet {
    TagSet::from_pairs(
        s.labels
            .iter()
            .map(|(k, v)| {
                let k = if k == "target" {
                    "exported_target".to_string()
                } else {
                    k.clone()
                };
                (k, v.clone())
            })
            .chain(std::iter::once(("target".to_string(), label.to_string()))),
    )
}

/// One Prometheus query, ready to run.
#[derive(Debug)]
pub struct PromTarget {
    client: VuClient,
    url: String,
    label: String,
    metric: MetricId,
    scale: f64,
}

impl PromTarget {
    /// A query of `base` (a server's URL, or its `/api/v1/query`), whose
    /// values × `scale` go to `metric`, tagged `target=label`.
    pub fn new(
        base: &str,
        query: &str,
        label: String,
        metric: MetricId,
        scale: f64,
    ) -> Result<PromTarget, String> {
        let mut url = url::Url::parse(base).map_err(|e| format!("{base} is not a URL: {e}"))?;
        if !url.path().ends_with("/api/v1/query") {
            let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
            url.set_path(&path);
        }
        url.query_pairs_mut().append_pair("query", query);
        let shared = SharedHttp::new(HttpSettings {
            user_agent: format!("volley/{}", env!("CARGO_PKG_VERSION")),
            timeout: QUERY_TIMEOUT,
            max_redirects: 3,
            insecure_skip_tls_verify: false,
            max_body_bytes: 4 << 20,
        })
        .map_err(|e| e.to_string())?;
        Ok(PromTarget {
            client: VuClient::new(shared),
            url: url.to_string(),
            label,
            metric,
            scale,
        })
    }

    /// Run the query once.
    pub async fn fetch(&self) -> Result<Vec<PromSample>, String> {
        let req = HttpRequest {
            method: http::Method::GET,
            url: self.url.clone(),
            // The client asks for gzip by default (as k6 does for
            // scenarios); this reader takes the body as it comes.
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("accept-encoding".into(), "identity".into()),
            ],
            body: bytes::Bytes::new(),
            timeout: Some(QUERY_TIMEOUT),
            max_redirects: None,
            body_mode: crate::http::BodyMode::Buffer,
            cookies: Vec::new(),
        };
        let res = self
            .client
            .send(req)
            .await
            .result
            .map_err(|e| format!("cannot query {}: {e}", self.url))?;
        let mut samples = parse_response(res.status, res.body_bytes())?;
        samples.truncate(MAX_SERIES);
        Ok(samples)
    }

    /// Before the load: the server answers and the query is valid. A
    /// result without series is allowed (a rate needs two scrapes first);
    /// the note says so.
    pub async fn check(&self) -> Result<Option<String>, String> {
        let samples = self.fetch().await?;
        Ok(samples.is_empty().then(|| {
            format!(
                "the query of target {} returns no series yet; its samples start when it does",
                self.label
            )
        }))
    }

    /// Query every second until `done`, recording into `store`.
    pub fn spawn(self, store: Arc<Store>, mut done: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
            // A query slower than a second skips seconds rather than
            // bunching queries up behind it.
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut buf = store.buffer(0);
            let mut warned = false;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = done.changed() => break,
                }
                let fetched = tokio::select! {
                    r = self.fetch() => r,
                    _ = done.changed() => break,
                };
                match fetched {
                    Ok(samples) => {
                        for s in &samples {
                            let tags = series_tags(&self.label, s);
                            buf.custom(self.metric, MetricKind::Trend, s.value * self.scale, tags);
                        }
                        buf.flush();
                    }
                    Err(e) if !warned => {
                        warned = true;
                        crate::log::warn(&format!(
                            "--monitor: target {}: {e}; the seconds it fails have no sample",
                            self.label
                        ));
                    }
                    Err(_) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_and_scalars_become_samples() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"process_resident_memory_bytes","job":"prometheus","instance":"localhost:9090"},"value":[1700000000.1,"52428800"]},
            {"metric":{"job":"other"},"value":[1700000000.1,"NaN"]}]}}"#;
        let got = parse_response(200, body).expect("vector");
        assert_eq!(got.len(), 1, "NaN is no sample");
        assert_eq!(got[0].value, 52_428_800.0);
        assert_eq!(
            got[0].labels,
            [
                ("instance".to_string(), "localhost:9090".to_string()),
                ("job".to_string(), "prometheus".to_string())
            ]
        );
        let tags = series_tags("api", &got[0]);
        assert_eq!(tags.get("target"), Some("api"));
        assert_eq!(tags.get("job"), Some("prometheus"));
        let scalar =
            br#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}}"#;
        assert_eq!(
            parse_response(200, scalar).expect("scalar"),
            [PromSample {
                labels: Vec::new(),
                value: 0.25
            }]
        );
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(parse_response(200, empty).expect("empty").is_empty());
    }

    #[test]
    fn errors_say_what_to_fix() {
        let refused = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5: unclosed left parenthesis"}"#;
        let e = parse_response(400, refused).expect_err("refused");
        assert!(
            e.contains("bad_data") && e.contains("unclosed left parenthesis"),
            "{e}"
        );
        let e = parse_response(200, b"<html>not prometheus</html>").expect_err("html");
        assert!(e.contains("base URL of a Prometheus server"), "{e}");
        let matrix = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(
            parse_response(200, matrix)
                .expect_err("matrix")
                .contains("range vector")
        );
        let clash = PromSample {
            labels: vec![("target".into(), "db:5432".into())],
            value: 1.0,
        };
        let tags = series_tags("db", &clash);
        assert_eq!(tags.get("exported_target"), Some("db:5432"));
        assert_eq!(tags.get("target"), Some("db"));
    }

    #[test]
    fn the_query_url_is_built_from_the_base() {
        let t = PromTarget::new(
            "http://127.0.0.1:9090/",
            "rate(x[5s])",
            "p".into(),
            MetricId(0),
            1.0,
        )
        .expect("target");
        assert_eq!(
            t.url,
            "http://127.0.0.1:9090/api/v1/query?query=rate%28x%5B5s%5D%29"
        );
        let t = PromTarget::new(
            "http://h/prom/api/v1/query",
            "up",
            "p".into(),
            MetricId(0),
            1.0,
        )
        .expect("target");
        assert_eq!(t.url, "http://h/prom/api/v1/query?query=up");
    }
}
