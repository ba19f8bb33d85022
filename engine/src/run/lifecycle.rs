//! `setup` and `teardown`: each in an instance of its own, within its
//! timeout, and ended at once by a forced stop (the second Ctrl-C).

use std::sync::Arc;
use std::time::Duration;

use crate::config::format_duration;
use crate::control::StopSignal;
use crate::exit::ExitCode;
use crate::host::{HostRun, HostState, ScenarioInfo};
use crate::log;
use crate::scenario::ScenarioRuntime;
use crate::vu::{GuestFailure, Vu, wall_limit};

/// What the lifecycle calls need.
pub(super) struct Lifecycle {
    pub runtime: Arc<ScenarioRuntime>,
    pub host: Arc<HostRun>,
    pub info: Arc<ScenarioInfo>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    Setup,
    Teardown,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Setup => "setup",
            Call::Teardown => "teardown",
        }
    }
}

/// A failed lifecycle call: the exit code it means and its message.
type Failure = (ExitCode, String);

impl Lifecycle {
    /// Run `setup()`; its data, or why it failed.
    pub(super) async fn setup(
        &self,
        timeout: Duration,
        stop: &StopSignal,
    ) -> Result<Vec<u8>, Failure> {
        self.call(Call::Setup, timeout, stop, &[]).await
    }

    /// Run `teardown(data)`.
    pub(super) async fn teardown(&self, timeout: Duration, data: &[u8]) -> Result<(), Failure> {
        let stop = self.host.vu.stop.clone();
        self.call(Call::Teardown, timeout, &stop, data)
            .await
            .map(drop)
    }

    /// Run `handle-summary(json)` in an instance of its own: the files the
    /// scenario wants written, `None` when it has no handler. A failure
    /// is logged and leaves the engine's own summary in place (as k6).
    pub(super) async fn handle_summary(
        &self,
        timeout: Duration,
        summary_json: &str,
    ) -> Option<Vec<(String, Vec<u8>)>> {
        let stop = self.host.vu.stop.clone();
        if stop.is_forced() {
            return None;
        }
        let call = async {
            let state = HostState::new(
                self.host.clone(),
                self.info.clone(),
                0,
                self.runtime.limits().vu_memory,
            );
            let mut vu = Vu::instantiate(&self.runtime, state)
                .await
                .map_err(GuestFailure::Trap)?;
            vu.limit_cpu(
                "handle-summary",
                timeout,
                "raise the handleSummaryTimeout option",
            );
            vu.handle_summary(summary_json).await
        };
        let outcome = tokio::select! {
            r = tokio::time::timeout(wall_limit(timeout), call) => r,
            _ = stop.forced() => return None,
        };
        let failure = match outcome {
            Ok(Ok(files)) => return files,
            Ok(Err(f)) => format!("handle-summary failed: {f}"),
            Err(_) => format!(
                "handle-summary did not finish within {} (raise the handleSummaryTimeout option)",
                format_duration(timeout)
            ),
        };
        log::line(
            log::Level::Error,
            None,
            &format!("{failure}; the default summary is shown instead"),
        );
        None
    }

    async fn call(
        &self,
        which: Call,
        timeout: Duration,
        stop: &StopSignal,
        data: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        let name = which.name();
        if stop.is_forced() {
            return Err((
                ExitCode::ExternalAbort,
                format!("{name} skipped: stopped now"),
            ));
        }
        let call = async {
            let mut state = HostState::new(
                self.host.clone(),
                self.info.clone(),
                0,
                self.runtime.limits().vu_memory,
            );
            state.enter_group(name);
            let mut vu = Vu::instantiate(&self.runtime, state)
                .await
                .map_err(GuestFailure::Trap)?;
            let fix = match which {
                Call::Setup => "raise the setupTimeout option",
                Call::Teardown => "raise the teardownTimeout option",
            };
            vu.limit_cpu(name, timeout, fix);
            match which {
                Call::Setup => vu.setup().await,
                Call::Teardown => vu.teardown(data).await.map(|()| Vec::new()),
            }
        };
        let outcome = tokio::select! {
            r = tokio::time::timeout(wall_limit(timeout), call) => r,
            _ = stop.forced() => {
                return Err((ExitCode::ExternalAbort, format!("{name} interrupted: stopped now")));
            }
        };
        match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(GuestFailure::Abort(reason))) => Err((
                ExitCode::ScenarioAborted,
                format!("{name} aborted the test: {reason}"),
            )),
            Ok(Err(f)) => {
                let message = format!("{name} failed: {f}");
                log::line(log::Level::Error, None, &message);
                Err((ExitCode::ScenarioError, message))
            }
            Err(_) => {
                let (key, code) = match which {
                    Call::Setup => ("setupTimeout", ExitCode::SetupTimeout),
                    Call::Teardown => ("teardownTimeout", ExitCode::TeardownTimeout),
                };
                let message = format!(
                    "{name} did not finish within {} (raise the {key} option)",
                    format_duration(timeout)
                );
                log::line(log::Level::Error, None, &message);
                Err((code, message))
            }
        }
    }
}
