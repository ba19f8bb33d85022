//! `--out json=FILE`: every sample as k6's JSON lines (a `Metric` line the
//! first time a metric appears, then one `Point` per value), so tools that
//! read k6's JSON output read ours. Written by the output's own thread
//! (see [`super::queue`]).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::points::{Clock, for_each_point};
use super::queue::{Encoder, SampleFile};
use super::{Finishing, Output, OutputError, RunInfo, RunOutcome};
use crate::metrics::{MetricKind, Registry, Sample, TagSet, ValueType};

/// `--out json=FILE`.
pub struct JsonOut(SampleFile);

impl JsonOut {
    /// Every sample to `path`, as k6's JSON lines.
    pub fn new(path: PathBuf) -> Self {
        Self(SampleFile::new(
            format!("--out json={}", path.display()),
            path,
        ))
    }
}

impl Output for JsonOut {
    fn name(&self) -> String {
        self.0.flag().to_string()
    }

    fn start(&self, run: &RunInfo<'_>) -> Result<(), OutputError> {
        self.0.start(
            run,
            JsonEncoder {
                declared: HashSet::new(),
                registry: run.registry.clone(),
                clock: Clock::now(),
            },
        )
    }

    fn wants_samples(&self) -> bool {
        true
    }

    fn add_samples(&self, batch: &Arc<[Sample]>) {
        self.0.push(batch);
    }

    fn finish<'a>(&'a self, _outcome: &'a RunOutcome) -> Finishing<'a> {
        Box::pin(self.0.finish())
    }
}

/// k6's JSON lines, batch by batch.
struct JsonEncoder {
    declared: HashSet<String>,
    registry: Arc<Registry>,
    clock: Clock,
}

fn kind_name(kind: MetricKind) -> &'static str {
    kind.as_str()
}

fn contains(v: ValueType) -> &'static str {
    match v {
        ValueType::Default => "default",
        ValueType::Time => "time",
        ValueType::Data => "data",
    }
}

fn tags_json(tags: &TagSet) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

impl JsonEncoder {
    #[allow(clippy::too_many_arguments)]
    fn point(
        &mut self,
        out: &mut Vec<u8>,
        metric: &str,
        kind: MetricKind,
        vt: ValueType,
        time: &str,
        value: f64,
        tags: &Value,
    ) {
        if !self.declared.contains(metric) {
            let line = json!({"type": "Metric", "data": {"name": metric, "type": kind_name(kind), "contains": contains(vt), "thresholds": [], "submetrics": null}, "metric": metric});
            line_to(out, &line);
            self.declared.insert(metric.to_string());
        }
        let line = json!({"type": "Point", "data": {"time": time, "value": value, "tags": tags}, "metric": metric});
        line_to(out, &line);
    }
}

fn line_to(out: &mut Vec<u8>, v: &Value) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
    out.push(b'\n');
}

impl Encoder for JsonEncoder {
    fn encode(&mut self, batch: &[Sample], out: &mut Vec<u8>) {
        for s in batch {
            let registry = self.registry.clone();
            for_each_point(s, &registry, |p| {
                let time = rfc3339(self.clock.wall(p.at));
                self.point(
                    out,
                    p.metric,
                    p.kind,
                    p.value_type,
                    &time,
                    p.value,
                    &tags_json(p.tags),
                );
            });
        }
    }
}

/// `2026-11-23T04:05:06.123456789Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, dd) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        let t = UNIX_EPOCH + Duration::new(1_795_406_706, 5);
        assert_eq!(rfc3339(t), "2026-11-23T04:05:06.000000005Z");
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
