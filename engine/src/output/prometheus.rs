//! `--out prometheus-rw=URL`: Prometheus remote write (protocol 1.0) of the
//! run's metrics, every few seconds and once at the end, with k6's metric
//! names prefixed `volley_`: counters as `_total`, rates as `_rate`, gauges
//! as they are, trends as one series per summary trend stat (`_p95`,
//! `_avg`, ...). The protobuf is written by hand (three nested records);
//! the snappy block comes from the `snap` crate.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Finishing, Output, OutputError, RunInfo, RunOutcome};
use crate::http::{HttpRequest, HttpSettings, SharedHttp, VuClient};
use crate::metrics::{Sink, Snapshot};
use crate::thresholds::Aggregation;

/// Tags that become labels; `url` stays out (one series per URL would
/// explode cardinality; `name` carries it when set). `target` tells the
/// monitored targets of `target_cpu` and `target_memory` apart.
const LABELS: [&str; 10] = [
    "scenario",
    "group",
    "name",
    "method",
    "status",
    "check",
    "expected_response",
    "error_code",
    "proto",
    "target",
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
pub(crate) fn series(snap: &Snapshot, trend_stats: &[Aggregation]) -> Vec<Series> {
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
                    if let Some(v) = stat.value(&sink, snap.elapsed) {
                        let name = stat.to_string().replace(['(', ')'], "").replace('.', "_");
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

/// How often the output pushes while the run goes (k6's default push interval).
const PUSH_EVERY: Duration = Duration::from_secs(5);
/// How long the last push may take.
const LAST_PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// `--out prometheus-rw=URL`: pushes from a task of its own, so a slow
/// endpoint never delays the run (or its `abortOnFail` checks).
pub struct PrometheusOut {
    url: String,
    client: Arc<VuClient>,
    /// The latest encoded payload; the push task sends the newest only.
    latest: watch::Sender<Option<Arc<Vec<u8>>>>,
    trend_stats: Mutex<Vec<Aggregation>>,
    last_push: Mutex<Option<Instant>>,
    task: Mutex<Option<JoinHandle<()>>>,
    failed: Arc<AtomicBool>,
}

impl PrometheusOut {
    /// An output pushing to `url` (e.g. `http://127.0.0.1:9090/api/v1/write`).
    pub fn new(url: &str) -> Result<PrometheusOut, OutputError> {
        let flag = format!("--out prometheus-rw={url}");
        let parsed = url::Url::parse(url)
            .map_err(|e| OutputError::new(&flag, format!("invalid URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(OutputError::new(&flag, "use an http:// or https:// URL"));
        }
        let shared = SharedHttp::new(HttpSettings {
            user_agent: format!("volley/{}", env!("CARGO_PKG_VERSION")),
            timeout: LAST_PUSH_TIMEOUT,
            max_redirects: 0,
            insecure_skip_tls_verify: false,
            max_body_bytes: 1 << 20,
        })
        .map_err(|e| OutputError::new(&flag, e.to_string()))?;
        Ok(PrometheusOut {
            url: url.to_string(),
            client: Arc::new(VuClient::new(shared)),
            latest: watch::channel(None).0,
            trend_stats: Mutex::new(Vec::new()),
            last_push: Mutex::new(None),
            task: Mutex::new(None),
            failed: Arc::new(AtomicBool::new(false)),
        })
    }

    fn encode(&self, snap: &Snapshot) -> Vec<u8> {
        let stats = self
            .trend_stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let raw = write_request(&series(snap, &stats), SystemTime::now());
        // Remote write frames the protobuf as one snappy block.
        snap::raw::Encoder::new()
            .compress_vec(&raw)
            .unwrap_or_default()
    }
}

/// Send one payload; a failure is logged once, never fatal.
async fn push(client: &VuClient, url: &str, body: Vec<u8>, failed: &AtomicBool) -> bool {
    let req = HttpRequest {
        method: http::Method::POST,
        url: url.to_string(),
        headers: vec![
            ("content-encoding".into(), "snappy".into()),
            ("content-type".into(), "application/x-protobuf".into()),
            ("x-prometheus-remote-write-version".into(), "0.1.0".into()),
        ],
        body: bytes::Bytes::from(body),
        timeout: None,
        max_redirects: Some(0),
        body_mode: crate::http::BodyMode::Discard,
        cookies: Vec::new(),
    };
    let problem = match client.send(req).await.result {
        Ok(r) if (200..300).contains(&r.status) => None,
        Ok(r) => Some(format!("the server answered {}", r.status)),
        Err(e) => Some(e.to_string()),
    };
    match problem {
        None => true,
        Some(p) => {
            if !failed.swap(true, Ordering::Relaxed) {
                crate::log::warn(&format!("--out prometheus-rw: cannot push to {url}: {p}"));
            }
            false
        }
    }
}

impl Output for PrometheusOut {
    fn name(&self) -> String {
        format!("--out prometheus-rw={}", self.url)
    }

    fn start(&self, run: &RunInfo<'_>) -> Result<(), OutputError> {
        *self.trend_stats.lock().unwrap_or_else(|e| e.into_inner()) =
            run.plan.summary_trend_stats.clone();
        let mut rx = self.latest.subscribe();
        let (client, url, failed) = (self.client.clone(), self.url.clone(), self.failed.clone());
        let task = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let body = rx.borrow_and_update().clone();
                if let Some(body) = body {
                    push(&client, &url, body.to_vec(), &failed).await;
                }
            }
        });
        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        Ok(())
    }

    fn wants_snapshots(&self) -> bool {
        true
    }

    fn on_snapshot(&self, snapshot: &Snapshot) {
        let mut last = self.last_push.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < PUSH_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        // The push task takes the newest payload when it is free; a slow
        // endpoint only makes it skip intervals.
        self.latest
            .send_replace(Some(Arc::new(self.encode(snapshot))));
    }

    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a> {
        Box::pin(async move {
            if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
                task.abort();
            }
            let body = self.encode(&outcome.snapshot);
            let pushed = tokio::time::timeout(
                LAST_PUSH_TIMEOUT,
                push(&self.client, &self.url, body, &self.failed),
            )
            .await;
            match pushed {
                Ok(true) => Ok(()),
                _ => Err(OutputError::new(
                    self.name(),
                    format!(
                        "the final push to {} failed (see the warning above)",
                        self.url
                    ),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_a_real_snappy_block() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, vec![0xAC, 0x02]);
        // A repetitive payload compresses, and decompresses to itself.
        let raw = vec![7u8; 70_000];
        let packed = snap::raw::Encoder::new()
            .compress_vec(&raw)
            .expect("compress");
        assert!(packed.len() < 70_000 / 16, "{} bytes", packed.len());
        let back = snap::raw::Decoder::new()
            .decompress_vec(&packed)
            .expect("decompress");
        assert_eq!(back, raw);
    }
}
