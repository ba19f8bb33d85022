//! Ctrl-C and SIGTERM: the first stops gracefully (running iterations may
//! finish within gracefulStop), the second stops everything now, setup and
//! teardown included. Results are written either way, and a last resort
//! ends the process if the run has not reached its results a second after
//! that (writing them may take longer, up to [`WRITE_LIMIT`]).

use std::sync::Arc;
use std::time::Duration;

use volley::control::{StopLevel, StopReason, StopSignal};

/// How long the run may take to stop after a forced stop, before the
/// process ends without it.
const LAST_RESORT: Duration = Duration::from_secs(1);

/// How long the results being written when [`LAST_RESORT`] comes may still
/// take.
const WRITE_LIMIT: Duration = Duration::from_secs(30);

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
                // ignores cancellation) cannot hold the process; results
                // already being written get WRITE_LIMIT to finish. A
                // thread, not a task: it must fire even if every runtime
                // worker is stuck.
                let stop = stop.clone();
                let _ = std::thread::Builder::new()
                    .name("volley-last-resort".into())
                    .spawn(move || {
                        std::thread::sleep(LAST_RESORT);
                        let until = std::time::Instant::now() + WRITE_LIMIT;
                        while stop.is_writing() && std::time::Instant::now() < until {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        eprintln!(
                            "error: still not stopped {LAST_RESORT:?} after the second interrupt; exiting"
                        );
                        std::process::exit(105);
                    });
            }
        }
    });
}
