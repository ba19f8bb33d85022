//! `--out prometheus-rw=URL`: Prometheus remote write (protocol 1.0) of the
//! run's metrics, every few seconds and once at the end, with k6's metric
//! names prefixed `volley_`: counters as `_total`, rates as `_rate`, gauges
//! as they are, trends as one series per summary trend stat (`_p95`,
//! `_avg`, ...). The protobuf and the snappy framing are written by hand:
//! the messages are three nested records, and a snappy block made only of
//! literals is valid snappy.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::metrics::{Sink, Snapshot};

/// Tags that become labels; `url` stays out (one series per URL would
/// explode cardinality; `name` carries it when set).
const LABELS: [&str; 9] = [
    "scenario",
    "group",
    "name",
    "method",
    "status",
    "check",
    "expected_response",
    "error_code",
    "proto",
];

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    varint(out, u64::from(field << 3 | 2));
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// One series: labels (with `__name__`) and one sample.
pub(crate) struct Series {
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The series of a snapshot, at most one per metric, stat and label set.
pub(crate) fn series(snap: &Snapshot, trend_stats: &[String]) -> Vec<Series> {
    let mut out: BTreeMap<(String, Vec<(String, String)>), Sink> = BTreeMap::new();
    for s in snap.series() {
        for (tags, sink) in &s.by_tags {
            if !sink.has_samples() {
                continue;
            }
            let labels: Vec<(String, String)> = tags
                .iter()
                .filter(|(k, _)| LABELS.contains(k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            match out.get_mut(&(s.def.name.clone(), labels.clone())) {
                Some(acc) => acc.merge(sink),
                None => {
                    out.insert((s.def.name.clone(), labels), sink.clone());
                }
            }
        }
    }
    let mut result = Vec::new();
    for ((metric, labels), sink) in out {
        let base: BTreeMap<String, String> = labels.into_iter().collect();
        let mut push = |suffix: &str, value: f64| {
            let mut l = base.clone();
            l.insert("__name__".into(), format!("volley_{metric}{suffix}"));
            result.push(Series { labels: l, value });
        };
        match &sink {
            Sink::Counter { sum } => push("_total", *sum),
            Sink::Rate { .. } => push("_rate", sink.rate(snap.elapsed)),
            Sink::Gauge { value, .. } => push("", *value),
            Sink::Trend(_) => {
                for stat in trend_stats {
                    if let Some(v) = super::trend_stat(&sink, stat) {
                        let name = stat.replace(['(', ')'], "").replace('.', "_");
                        push(&format!("_{name}"), v);
                    }
                }
            }
        }
    }
    result
}

/// A WriteRequest protobuf of `series`, all sampled at `at`.
pub(crate) fn write_request(series: &[Series], at: SystemTime) -> Vec<u8> {
    let ts = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut req = Vec::new();
    for s in series {
        let mut ts_msg = Vec::new();
        for (k, v) in &s.labels {
            let mut label = Vec::new();
            field_bytes(&mut label, 1, k.as_bytes());
            field_bytes(&mut label, 2, v.as_bytes());
            field_bytes(&mut ts_msg, 1, &label);
        }
        let mut sample = Vec::new();
        varint(&mut sample, 1 << 3 | 1); // value: double
        sample.extend_from_slice(&s.value.to_le_bytes());
        varint(&mut sample, 2 << 3); // timestamp: int64 ms
        varint(&mut sample, ts);
        field_bytes(&mut ts_msg, 2, &sample);
        field_bytes(&mut req, 1, &ts_msg);
    }
    req
}

/// `data` as a snappy block of literals only.
pub(crate) fn snappy(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_536 * 3 + 8);
    varint(&mut out, data.len() as u64);
    for chunk in data.chunks(65_536) {
        let n = chunk.len() - 1;
        if n < 60 {
            out.push((n as u8) << 2);
        } else if n < 256 {
            out.push(60 << 2);
            out.push(n as u8);
        } else {
            out.push(61 << 2);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        out.extend_from_slice(chunk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_snappy_literals() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, vec![0xAC, 0x02]);
        assert_eq!(snappy(b"abc"), vec![3, 2 << 2, b'a', b'b', b'c']);
        let big = vec![7u8; 70_000];
        let s = snappy(&big);
        assert_eq!(&s[..3], &[0xF0, 0xA2, 0x04], "length varint of 70000");
        assert_eq!(s.len(), 3 + 3 + 65_536 + 3 + (70_000 - 65_536));
    }
}

/// A Prometheus remote-write endpoint the run pushes to.
#[derive(Debug)]
pub struct PrometheusRw {
    url: String,
    client: crate::http::VuClient,
    trend_stats: Vec<String>,
    failed: std::sync::atomic::AtomicBool,
}

impl PrometheusRw {
    /// An output pushing to `url` (e.g. `http://127.0.0.1:9090/api/v1/write`).
    pub fn new(url: &str, trend_stats: Vec<String>) -> Result<PrometheusRw, String> {
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("--out prometheus-rw={url}: invalid URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "--out prometheus-rw={url}: use an http:// or https:// URL"
            ));
        }
        let shared = crate::http::SharedHttp::new(crate::http::HttpSettings {
            user_agent: format!("volley/{}", env!("CARGO_PKG_VERSION")),
            timeout: std::time::Duration::from_secs(10),
            max_redirects: 0,
            insecure_skip_tls_verify: false,
            max_body_bytes: 1 << 20,
        })
        .map_err(|e| e.to_string())?;
        Ok(PrometheusRw {
            url: url.to_string(),
            client: crate::http::VuClient::new(shared),
            trend_stats,
            failed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Push the snapshot's series; a failure is logged once, never fatal.
    pub async fn push(&self, snap: &Snapshot) {
        let body = snappy(&write_request(
            &series(snap, &self.trend_stats),
            SystemTime::now(),
        ));
        let req = crate::http::HttpRequest {
            method: http::Method::POST,
            url: self.url.clone(),
            headers: vec![
                ("content-encoding".into(), "snappy".into()),
                ("content-type".into(), "application/x-protobuf".into()),
                ("x-prometheus-remote-write-version".into(), "0.1.0".into()),
            ],
            body: bytes::Bytes::from(body),
            timeout: None,
            max_redirects: Some(0),
            discard_body: true,
        };
        let problem = match self.client.send(req).await.result {
            Ok(r) if (200..300).contains(&r.status) => None,
            Ok(r) => Some(format!("the server answered {}", r.status)),
            Err(e) => Some(e.to_string()),
        };
        if let Some(p) = problem
            && !self.failed.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            crate::log::warn(&format!(
                "--out prometheus-rw: cannot push to {}: {p}",
                self.url
            ));
        }
    }
}
