//! `--out csv=FILE`: every metric value as a row of k6's CSV output
//! (same columns, timestamps in Unix seconds as k6's default `timeFormat`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use super::points::{Clock, Point, for_each_point};
use crate::metrics::{Registry, Sample, SampleWriter};

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

/// The CSV writer.
pub struct CsvOut {
    out: Mutex<(BufWriter<File>, bool)>,
    registry: Arc<Registry>,
    clock: Clock,
}

impl std::fmt::Debug for CsvOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvOut").finish_non_exhaustive()
    }
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl CsvOut {
    /// Create (truncate) `path` and write the header.
    pub fn create(path: &Path, registry: Arc<Registry>) -> std::io::Result<CsvOut> {
        let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
        writeln!(out, "{HEADER}")?;
        Ok(CsvOut {
            out: Mutex::new((out, false)),
            registry,
            clock: Clock::now(),
        })
    }

    /// Flush everything written so far.
    pub fn finish(&self) -> std::io::Result<()> {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).0.flush()
    }

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

impl SampleWriter for CsvOut {
    fn write(&self, batch: &[Sample]) {
        let mut rows = String::new();
        for s in batch {
            for_each_point(s, &self.registry, |p| {
                rows.push_str(&self.row(&p));
                rows.push('\n');
            });
        }
        let mut guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let (out, failed) = &mut *guard;
        if !*failed && out.write_all(rows.as_bytes()).is_err() {
            *failed = true;
            crate::log::warn("--out csv: cannot write the file; further samples are not written");
        }
    }
}
