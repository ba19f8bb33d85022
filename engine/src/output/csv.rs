//! `--out csv=FILE`: every metric value as a row of k6's CSV output
//! (same columns, timestamps in Unix seconds as k6's default `timeFormat`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use super::points::{Clock, Point, for_each_point};
use super::queue::{Encoder, SampleFile};
use super::{Finishing, Output, OutputError, RunInfo, RunOutcome};
use crate::metrics::{Registry, Sample};

/// k6's CSV columns, in order.
const HEADER: &str = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata";

/// Tags with a column of their own; the rest go to `extra_tags`.
const TAG_COLUMNS: [&str; 15] = [
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
    "metadata",
];

/// `--out csv=FILE`.
pub struct CsvOut(SampleFile);

impl CsvOut {
    /// Every metric value to `path`, as k6's CSV.
    pub fn new(path: PathBuf) -> Self {
        Self(SampleFile::new(
            format!("--out csv={}", path.display()),
            path,
        ))
    }
}

impl Output for CsvOut {
    fn name(&self) -> String {
        self.0.flag().to_string()
    }

    fn start(&self, run: &RunInfo<'_>) -> Result<(), OutputError> {
        self.0.start(
            run,
            CsvEncoder {
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

    fn abandon(&self) {
        self.0.abandon();
    }
}

/// k6's CSV rows, batch by batch.
struct CsvEncoder {
    registry: Arc<Registry>,
    clock: Clock,
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl CsvEncoder {
    fn row(&self, p: &Point<'_>) -> String {
        let ts = self
            .clock
            .wall(p.at)
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut cols = vec![
            field(p.metric),
            ts.to_string(),
            super::format::trim(p.value, 6),
        ];
        for key in TAG_COLUMNS.iter().take(TAG_COLUMNS.len() - 1) {
            cols.push(field(p.tags.get(key).unwrap_or("")));
        }
        let extra: Vec<String> = p
            .tags
            .iter()
            .filter(|(k, _)| !TAG_COLUMNS.contains(k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cols.push(field(&extra.join("&")));
        cols.push(field(p.tags.get("metadata").unwrap_or("")));
        cols.join(",")
    }
}

impl Encoder for CsvEncoder {
    fn header(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(HEADER.as_bytes());
        out.push(b'\n');
    }

    fn encode(&mut self, batch: &[Sample], out: &mut Vec<u8>) {
        for s in batch {
            for_each_point(s, &self.registry, |p| {
                out.extend_from_slice(self.row(&p).as_bytes());
                out.push(b'\n');
            });
        }
    }
}
