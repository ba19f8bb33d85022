//! Host work polled off the guest's stack.
//!
//! A guest runs on a fiber stack of its own, and an async host call's future
//! is normally polled on that stack. An HTTP request's future is deep
//! (connect, TLS, framing, timers): its frames leave 12-16 KiB of the fiber
//! stack resident in every VU for as long as the VU lives, even while it
//! only sleeps. So a host call hands the VU's [`Offload`] a closure that
//! makes its request future, and waits; the VU's task makes that future and
//! polls it on its own thread's stack ([`Offload::drive`]) and resumes the
//! guest once the result is there. Only the closure (a few hundred bytes)
//! and the shallow waiting frames ever touch the fiber stack: a future made
//! on the fiber and moved into a box would have been copied through it
//! whole, and an HTTP request's future is several KiB.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

/// What an offloaded job gives back, whatever its type.
type Output = Box<dyn Any + Send>;
type Job = Pin<Box<dyn Future<Output = Output> + Send>>;
/// Makes a job, on the stack of whoever calls it.
type Start = Box<dyn FnOnce() -> Job + Send>;

#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    /// Handed over, not made yet.
    Starting(Start),
    Running(Job),
    Done(Output),
}

#[derive(Default)]
struct Inner {
    slot: Slot,
    /// A [`Offload::drive`] is polling the guest call.
    driven: bool,
}

/// One VU's hand-off point for offloaded host work.
#[derive(Default, Clone)]
pub(crate) struct Offload(Arc<Mutex<Inner>>);

impl std::fmt::Debug for Offload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Offload")
    }
}

impl Offload {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run the future `make` makes to completion for a host call (on the
    /// guest's fiber): made and polled by the driving task on its own stack
    /// when there is one, otherwise here.
    pub(crate) async fn run<T, F, M>(&self, make: M) -> T
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        M: FnOnce() -> F + Send + 'static,
    {
        let start: Start =
            Box::new(move || -> Job { Box::pin(async move { Box::new(make().await) as Output }) });
        let out = self.run_boxed(start).await;
        match out.downcast::<T>() {
            Ok(v) => *v,
            // The slot only ever holds the output of the job just given.
            Err(_) => unreachable_output(),
        }
    }

    async fn run_boxed(&self, start: Start) -> Output {
        let mut start = {
            let mut inner = self.lock();
            if inner.driven {
                inner.slot = Slot::Starting(start);
                None
            } else {
                Some(start)
            }
        };
        if let Some(start) = start.take() {
            return start().await;
        }
        std::future::poll_fn(|_| {
            let mut inner = self.lock();
            match std::mem::take(&mut inner.slot) {
                Slot::Done(v) => Poll::Ready(v),
                other => {
                    // Woken by the driver only once the job is done.
                    inner.slot = other;
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Poll `call` (a call into the guest) and any job it hands over.
    /// `call` comes pinned by the caller so that its (large) state is not
    /// held twice in the caller's future.
    pub(crate) async fn drive<F: Future>(&self, mut call: Pin<&mut F>) -> F::Output {
        struct Driving<'a>(&'a Offload);
        impl Drop for Driving<'_> {
            fn drop(&mut self) {
                // Cancelled mid-call: an unfinished job goes with the call.
                let mut inner = self.0.lock();
                inner.driven = false;
                inner.slot = Slot::Empty;
            }
        }
        self.lock().driven = true;
        let _driving = Driving(self);
        std::future::poll_fn(|cx| self.poll_drive(cx, call.as_mut())).await
    }

    fn poll_drive<F: Future>(&self, cx: &mut Context<'_>, call: Pin<&mut F>) -> Poll<F::Output> {
        let mut call = call;
        loop {
            // Progress a running job here, on this task's stack.
            let running = {
                let mut inner = self.lock();
                match std::mem::take(&mut inner.slot) {
                    Slot::Running(job) => Some(job),
                    Slot::Starting(start) => {
                        drop(inner);
                        Some(start())
                    }
                    other => {
                        inner.slot = other;
                        None
                    }
                }
            };
            if let Some(mut job) = running {
                match job.as_mut().poll(cx) {
                    Poll::Ready(v) => self.lock().slot = Slot::Done(v),
                    Poll::Pending => {
                        self.lock().slot = Slot::Running(job);
                        return Poll::Pending;
                    }
                }
            }
            if let Poll::Ready(out) = call.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            // The guest may have just handed over a job: start it now so
            // its I/O registers with this task's waker.
            if !matches!(self.lock().slot, Slot::Starting(_)) {
                return Poll::Pending;
            }
        }
    }
}

#[cold]
fn unreachable_output<T>() -> T {
    panic!("an offloaded job gave back another type than it was given")
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;
    use crate::http::{Exchange, HttpError};

    thread_local! {
        /// Set while the guest call's future is being polled.
        static IN_CALL: Cell<bool> = const { Cell::new(false) };
    }

    /// A job that waits a little and says where it was polled.
    async fn job(polled_in_call: Arc<Mutex<Vec<bool>>>) -> Vec<Exchange> {
        polled_in_call
            .lock()
            .expect("lock")
            .push(IN_CALL.with(Cell::get));
        tokio::time::sleep(Duration::from_millis(5)).await;
        polled_in_call
            .lock()
            .expect("lock")
            .push(IN_CALL.with(Cell::get));
        vec![Exchange {
            hops: Vec::new(),
            result: Err(HttpError::timeout()),
        }]
    }

    /// A guest call standing in for the fiber: marks its polls.
    async fn call(
        offload: Offload,
        job: impl Future<Output = Vec<Exchange>> + Send + 'static,
    ) -> usize {
        let mut inner = std::pin::pin!(async move { offload.run(move || job).await.len() });
        std::future::poll_fn(|cx| {
            IN_CALL.with(|c| c.set(true));
            let r = inner.as_mut().poll(cx);
            IN_CALL.with(|c| c.set(false));
            r
        })
        .await
    }

    #[tokio::test(start_paused = true)]
    async fn a_driven_call_has_its_job_polled_outside_the_call() {
        let offload = Offload::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let n = offload
            .drive(std::pin::pin!(call(offload.clone(), job(seen.clone()))))
            .await;
        assert_eq!(n, 1);
        assert_eq!(*seen.lock().expect("lock"), [false, false]);
        // Nothing is left behind for the next call.
        assert!(matches!(offload.lock().slot, Slot::Empty));
        assert!(!offload.lock().driven);
    }

    #[tokio::test(start_paused = true)]
    async fn an_undriven_call_runs_its_job_itself() {
        let offload = Offload::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let n = call(offload.clone(), job(seen.clone())).await;
        assert_eq!(n, 1);
        assert_eq!(*seen.lock().expect("lock"), [true, true]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_call_drops_its_job() {
        let offload = Offload::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let r = tokio::time::timeout(
            Duration::from_millis(1),
            offload.drive(std::pin::pin!(call(offload.clone(), job(seen.clone())))),
        )
        .await;
        assert!(r.is_err());
        assert!(matches!(offload.lock().slot, Slot::Empty));
        assert_eq!(*seen.lock().expect("lock"), [false]);
    }
}
