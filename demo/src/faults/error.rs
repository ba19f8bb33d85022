//! The one error type of fault profiles.

use std::io;
use std::path::PathBuf;

/// Why a fault profile could not be loaded. Each message names where the
/// profile came from (a file, or `PUT /__faults`), the key that is wrong
/// and what to write instead.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    /// The file could not be read.
    #[error("cannot read fault profile {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file name says neither JSON nor TOML.
    #[error(
        "fault profile {}: unknown format; name the file *.json or *.toml",
        path.display()
    )]
    Format {
        /// The file.
        path: PathBuf,
    },
    /// The profile is not valid JSON or TOML, has a misspelt or unknown key,
    /// or a value out of range.
    #[error("{origin}: at `{key}`: {message}")]
    Invalid {
        /// Where the profile came from: a file path or `PUT /__faults`.
        origin: String,
        /// The key path, e.g. `routes."GET /products".errors.502`;
        /// `(top level)` for the document itself.
        key: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}
