//! Why a run could not start, kept typed so the caller can tell a bad
//! option from a bad scenario file or an unwritable output.

use std::path::PathBuf;

use crate::config::ConfigErrors;
use crate::exit::ExitCode;
use crate::host::DataError;
use crate::http::HttpSetupError;
use crate::output::OutputError;
use crate::scenario::ScenarioError;
use crate::thresholds::ThresholdErrors;

/// Why a run could not start. Every variant means nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario file cannot be run.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The scenario's `options()` trapped or returned garbage.
    #[error("the scenario's options() failed: {0}")]
    ScenarioOptions(String),
    /// One layer of options is invalid.
    #[error("invalid options in {layer}:\n{errors}")]
    Options {
        /// Which layer: the scenario's `options()`, a file, the environment.
        layer: String,
        /// Every problem.
        errors: ConfigErrors,
    },
    /// The `--config` file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The merged options do not make a valid plan.
    #[error("invalid options:\n{0}")]
    Plan(ConfigErrors),
    /// The thresholds are invalid.
    #[error("invalid thresholds:\n{0}")]
    Thresholds(ThresholdErrors),
    /// A data set cannot be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A network rule (`--allow-host`, `--blacklist-ip`, ...) is invalid.
    #[error("{0}")]
    Network(String),
    /// The HTTP client cannot be set up (TLS).
    #[error(transparent)]
    Http(#[from] HttpSetupError),
    /// The engine cannot be sized for the plan (too many VUs for memory).
    #[error("{0}")]
    Capacity(String),
    /// A `--monitor` target that cannot be read or reached.
    #[error("{0}")]
    Monitor(String),
    /// A fleet option that cannot be used (`--fleet-id`).
    #[error("{0}")]
    Fleet(String),
    /// Outputs that cannot start (an unwritable path, a bad URL).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Outputs(Vec<OutputError>),
    /// Ctrl-C or SIGTERM stopped the run before it started.
    #[error("{0}")]
    Interrupted(String),
}

impl RunError {
    /// The exit code k6 gives such a failure: bad input, but for an
    /// interruption.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            RunError::Interrupted(_) => ExitCode::ExternalAbort,
            _ => ExitCode::InvalidConfig,
        }
    }
}
