//! Read-only data sets shared by all virtual users (k6's `SharedArray`).
//!
//! Give them to the run with `volley run --data users=users.csv`; each record
//! stays on the host until a VU asks for it.

use crate::bindings::volley::scenario::data as wit;

/// A named data set of the run.
#[derive(Debug, Clone)]
pub struct DataSet {
    name: String,
    len: u64,
}

impl DataSet {
    /// Open data set `name`; `None` if the run has none by that name.
    pub fn open(name: &str) -> Option<Self> {
        wit::len(name).map(|len| Self {
            name: name.to_string(),
            len,
        })
    }

    /// How many records it holds.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Record `index` as text (JSON for JSON and CSV files).
    pub fn get(&self, index: u64) -> Option<String> {
        wit::get(&self.name, index)
    }

    /// A record chosen by this VU's seeded random stream.
    pub fn random(&self) -> Option<String> {
        if self.len == 0 {
            return None;
        }
        self.get(crate::vu::random_below(self.len))
    }
}
