//! Runs larger than one machine: a fleet of `volley run` processes, each
//! running one execution segment of the test ([`crate::segment`]), started
//! together ([`start`]), whose results files [`merge`] combines exactly and
//! judges on the whole run.

pub mod merge;
pub mod render;
pub mod start;

use serde::{Deserialize, Serialize};

pub use merge::{MergeError, MergeOptions, Merged, merge};
pub use start::{Paused, StartGate, trigger};

/// What a results file says about the fleet it belongs to (every run
/// writes it: a run alone is the fleet of one segment, `0:1`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetMeta {
    /// `--fleet-id`: the same for every process of one fleet run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// This process's execution segment (`1/4:1/2`; `0:1` for the whole test).
    pub segment: String,
    /// The sequence the segment is one of (`0,1/4,1/2,3/4,1`; `0,1`).
    pub sequence: String,
    /// The component's SHA-256 (`sha256:<hex>`): every segment of a fleet
    /// ran the same scenario.
    pub scenario_digest: String,
    /// When the load started, RFC 3339 (after setup, VU initialisation and
    /// the start gate): where this file's test time 0 is on the wall clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The same instant in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at_ms: Option<u64>,
    /// The process's exit code (99 when its own share failed a threshold).
    #[serde(default)]
    pub exit_code: i32,
    /// For a merged file: the segments it was merged from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<MergedSegment>,
}

/// One segment of a merged results file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MergedSegment {
    /// Its execution segment.
    pub segment: String,
    /// The results file it came from.
    pub file: String,
    /// The segment process's exit code.
    pub exit_code: i32,
    /// Its scenarios, as it described them (its share of each).
    pub scenarios: Vec<String>,
    /// When its load started, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
}

/// `sha256:<hex>` of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Check a `--fleet-id`: it names folders and files in the recipes.
pub fn check_fleet_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(format!(
            "--fleet-id {id:?}: use 1 to 128 letters, digits, '.', '_' or '-' (e.g. nightly-42)"
        ));
    }
    Ok(())
}
