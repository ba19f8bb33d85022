//! Ctrl-C and SIGTERM: the first stops gracefully (running iterations may
//! finish within gracefulStop), the second stops everything now, setup and
//! teardown included. Results are written either way, and a last resort
//! ends the process if it is still running a second after that.

use std::sync::Arc;
use std::time::Duration;

use volley::control::{StopLevel, StopReason, StopSignal};

/// How long the process may take to write its results after a forced stop.
const LAST_RESORT: Duration = Duration::from_secs(5);

/// Watch for Ctrl-C and SIGTERM for the life of the run.
pub(super) fn watch(stop: Arc<StopSignal>, on_force: impl Fn() + Send + 'static) {
    tokio::spawn(async move {
        let mut presses = 0;
        loop {
            let term = async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    match signal(SignalKind::terminate()) {
                        Ok(mut s) => {
                            s.recv().await;
                        }
                        Err(_) => std::future::pending::<()>().await,
                    }
                }
                #[cfg(not(unix))]
                std::future::pending::<()>().await
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => { if r.is_err() { return; } }
                _ = term => {}
            }
            presses += 1;
            if presses == 1 {
                eprintln!(
                    "\nstopping: letting running iterations finish (gracefulStop); press Ctrl-C again to stop now"
                );
                stop.stop(StopLevel::Graceful, StopReason::Interrupted);
            } else {
                eprintln!("\nstopping now");
                stop.force(StopReason::Interrupted);
                on_force();
                // Whatever still runs (a guest deep in a host call that
                // ignores cancellation) cannot hold the process: results
                // measured so far have had LAST_RESORT to be written.
                tokio::spawn(async {
                    tokio::time::sleep(LAST_RESORT).await;
                    eprintln!(
                        "error: still not stopped {LAST_RESORT:?} after the second interrupt; exiting"
                    );
                    std::process::exit(105);
                });
            }
        }
    });
}
