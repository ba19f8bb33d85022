//! Exit codes, as k6 defines them, so CI scripts written for k6 keep working.

/// Why `volley` exits with a non-zero code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything ran and every threshold passed.
    Ok = 0,
    /// A threshold failed (also when `abortOnFail` stopped the run).
    ThresholdsFailed = 99,
    /// `setup` exceeded `setupTimeout`.
    SetupTimeout = 100,
    /// `teardown` exceeded `teardownTimeout`.
    TeardownTimeout = 101,
    /// Bad options, flags, thresholds or scenario file.
    InvalidConfig = 104,
    /// Stopped from outside (Ctrl-C, SIGTERM); results were still written.
    ExternalAbort = 105,
    /// `setup`, `vu-init` or `teardown` failed.
    ScenarioError = 107,
    /// The scenario aborted the test (`vu.abort`).
    ScenarioAborted = 108,
    /// The run passed, but an output (a results file, the summary export,
    /// a remote write) could not be written. Volley's own code: k6 has none.
    OutputFailed = 111,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}
