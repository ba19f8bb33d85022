//! `volley:scenario/data`: read-only data sets loaded once per run and
//! shared by every VU (k6's SharedArray).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::HostState;
use super::bindings::{v1, v2};

/// Why a data set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("data set {name:?}: cannot read {path}: {source}")]
    Read {
        /// The data set's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's content is not what its extension says.
    #[error("data set {name:?}: {path} is not valid {format}: {message}")]
    Parse {
        /// The data set's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// What it should have been.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
}

/// Every data set of the run, records kept as text.
#[derive(Debug, Clone, Default)]
pub struct DataSets {
    sets: HashMap<String, Arc<Vec<String>>>,
}

impl DataSets {
    /// Load each `name → file`. JSON arrays give one record per element,
    /// CSV one JSON object per row (keys from the header), other files one
    /// record per non-empty line.
    pub fn load(files: &BTreeMap<String, PathBuf>) -> Result<Self, DataError> {
        let mut sets = HashMap::new();
        for (name, path) in files {
            let text = std::fs::read_to_string(path).map_err(|source| DataError::Read {
                name: name.clone(),
                path: path.clone(),
                source,
            })?;
            let records = parse(name, path, &text)?;
            sets.insert(name.clone(), Arc::new(records));
        }
        Ok(Self { sets })
    }

    /// Records of data set `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Vec<String>>> {
        self.sets.get(name)
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn parse(name: &str, path: &Path, text: &str) -> Result<Vec<String>, DataError> {
    let err = |format: &'static str, message: String| DataError::Parse {
        name: name.to_string(),
        path: path.to_path_buf(),
        format,
        message,
    };
    match extension(path).as_str() {
        "json" => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| err("JSON", e.to_string()))?;
            match value {
                serde_json::Value::Array(items) => {
                    Ok(items.iter().map(|v| v.to_string()).collect())
                }
                _ => Err(err("JSON", "expected a top-level array".into())),
            }
        }
        "csv" => parse_csv(text).map_err(|m| err("CSV", m)),
        _ => Ok(text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()),
    }
}

/// CSV with a header row (RFC 4180: quoted fields may hold commas, quotes
/// and newlines), one JSON object per row keyed by the header.
fn parse_csv(text: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => format!(
                "row {} has {len} fields, the header has {expected_len}",
                pos.as_ref().map_or(0, csv::Position::line)
            ),
            _ => e.to_string(),
        })?;
        // A blank line between rows is not a record of empty fields.
        if record.iter().all(str::is_empty) && record.len() <= 1 {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .cloned()
            .zip(
                record
                    .iter()
                    .map(|f| serde_json::Value::String(f.to_string())),
            )
            .collect();
        out.push(serde_json::Value::Object(obj).to_string());
    }
    Ok(out)
}

impl HostState {
    fn data_len(&self, name: &str) -> Option<u64> {
        self.run().data.get(name).map(|s| s.len() as u64)
    }

    fn data_get(&self, name: &str, index: u64) -> Option<String> {
        self.run()
            .data
            .get(name)
            .and_then(|s| s.get(usize::try_from(index).ok()?))
            .cloned()
    }
}

impl v1::data::Host for HostState {
    fn len(&mut self, name: String) -> wasmtime::Result<Option<u64>> {
        Ok(self.data_len(&name))
    }

    fn get(&mut self, name: String, index: u64) -> wasmtime::Result<Option<String>> {
        Ok(self.data_get(&name, index))
    }
}

impl v2::data::Host for HostState {
    fn len(&mut self, name: String) -> wasmtime::Result<Option<u64>> {
        Ok(self.data_len(&name))
    }

    fn get(&mut self, name: String, index: u64) -> wasmtime::Result<Option<String>> {
        Ok(self.data_get(&name, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_csv_and_lines() {
        let p = Path::new("u.json");
        assert_eq!(
            parse("u", p, r#"[{"a":1}, "x"]"#).ok(),
            Some(vec![r#"{"a":1}"#.into(), r#""x""#.into()])
        );
        assert!(parse("u", p, "{}").is_err());
        let c = parse(
            "u",
            Path::new("u.csv"),
            "name,email\n\"Doe, J\",j@x\nann,\"a\"\"b\"\n",
        )
        .ok();
        assert_eq!(
            c,
            Some(vec![
                r#"{"email":"j@x","name":"Doe, J"}"#.into(),
                r#"{"email":"a\"b","name":"ann"}"#.into()
            ])
        );
        assert!(parse("u", Path::new("u.csv"), "a,b\n1\n").is_err());
        // A quoted field may hold a newline: it stays one row.
        assert_eq!(
            parse("u", Path::new("u.csv"), "a,b\n\"line 1\nline 2\",x\r\n").ok(),
            Some(vec![r#"{"a":"line 1\nline 2","b":"x"}"#.into()])
        );
        assert_eq!(
            parse("u", Path::new("u.txt"), "a\n\nb\n").ok(),
            Some(vec!["a".into(), "b".into()])
        );
    }
}
