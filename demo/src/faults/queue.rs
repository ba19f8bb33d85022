//! The queue model: `workers` workers, each request holding one for its
//! service time, the others waiting in line, first come first served.
//!
//! It is a semaphore kept in virtual time rather than one whose permits are
//! released when a timer fires. Each worker has the instant it becomes
//! free; a request takes the worker free soonest, starts when it is free
//! (or now), and ends a service time later. Because the next request starts
//! at the *scheduled* end, not when the timer actually fired, tokio's
//! millisecond timer granularity and scheduling delays never accumulate:
//! at saturation the model serves exactly `workers × 1000 / service_ms`
//! requests a second. (Releasing permits on timer wake-ups loses up to a
//! millisecond per request: 20% of capacity at a 5 ms service time.)
//!
//! A request whose client gives up while waiting still uses its slot, like
//! a server that does not notice the client left.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The workers of one rule's queue model.
pub(crate) struct Queue {
    service: Duration,
    /// When each worker is next free, soonest on top.
    free_at: Mutex<BinaryHeap<Reverse<Instant>>>,
    /// Requests waiting for a worker now.
    waiting: AtomicU64,
}

/// A request's place in the queue model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// When a worker takes the request.
    pub(crate) start: Instant,
    /// When the worker is done with it.
    pub(crate) end: Instant,
}

impl Queue {
    pub(crate) fn new(workers: u32, service: Duration) -> Queue {
        let now = Instant::now();
        Queue {
            service,
            free_at: Mutex::new((0..workers).map(|_| Reverse(now)).collect()),
            waiting: AtomicU64::new(0),
        }
    }

    /// Books the worker free soonest for a request arriving `now` that
    /// needs `extra` on top of the service time.
    pub(crate) fn book(&self, now: Instant, extra: Duration) -> Slot {
        // Poisoning cannot leave the heap inconsistent: each critical
        // section is one pop and one push of plain values.
        let mut free_at = self.free_at.lock().unwrap_or_else(PoisonError::into_inner);
        let free = free_at.pop().map_or(now, |Reverse(at)| at);
        let start = free.max(now);
        let end = start + self.service + extra;
        free_at.push(Reverse(end));
        Slot { start, end }
    }

    /// Waits through a booked slot. `on_wait` is called with the length of
    /// the line (this request included) if the request has to wait.
    pub(crate) async fn serve(&self, slot: Slot, now: Instant, on_wait: impl FnOnce(u64)) {
        if slot.start > now {
            let waiting = Waiting::enter(&self.waiting);
            on_wait(waiting.len);
            tokio::time::sleep_until(slot.start).await;
        }
        tokio::time::sleep_until(slot.end).await;
    }
}

/// One request in line; leaves it when dropped, also when the request is
/// cancelled because its client went away.
struct Waiting<'a> {
    counter: &'a AtomicU64,
    len: u64,
}

impl<'a> Waiting<'a> {
    fn enter(counter: &'a AtomicU64) -> Waiting<'a> {
        let len = counter.fetch_add(1, Ordering::Relaxed) + 1;
        Waiting { counter, len }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn requests_beyond_the_workers_wait_their_turn() {
        let queue = Queue::new(2, 100 * MS);
        let t0 = Instant::now();
        let slots: Vec<Slot> = (0..5).map(|_| queue.book(t0, Duration::ZERO)).collect();
        let ends: Vec<Duration> = slots.iter().map(|s| s.end - t0).collect();
        assert_eq!(ends, [100 * MS, 100 * MS, 200 * MS, 200 * MS, 300 * MS]);
        // An idle worker starts a late arrival at once.
        let later = t0 + 1000 * MS;
        assert_eq!(queue.book(later, 5 * MS).start, later);
        assert_eq!(queue.book(later, Duration::ZERO).start, later);
        assert_eq!(queue.book(later, Duration::ZERO).start, later + 100 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn serving_takes_the_booked_time_and_reports_the_line() {
        let queue = Queue::new(1, 50 * MS);
        let t0 = Instant::now();
        let first = queue.book(t0, Duration::ZERO);
        let second = queue.book(t0, Duration::ZERO);
        let mut line = None;
        let (a, b) = tokio::join!(
            queue.serve(first, t0, |_| panic!("the first request does not wait")),
            queue.serve(second, t0, |len| line = Some(len)),
        );
        let ((), ()) = (a, b);
        assert_eq!(line, Some(1));
        assert_eq!(Instant::now() - t0, 100 * MS);
        assert_eq!(queue.waiting.load(Ordering::Relaxed), 0);
    }

    /// Saturated for ten simulated seconds, the model serves exactly its
    /// capacity, whatever the timer's granularity.
    #[tokio::test(start_paused = true)]
    async fn saturated_throughput_is_workers_over_service_time() {
        let queue = std::sync::Arc::new(Queue::new(4, Duration::from_micros(2_500)));
        let t0 = Instant::now();
        let deadline = t0 + Duration::from_secs(10);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let queue = queue.clone();
            tasks.push(tokio::spawn(async move {
                let mut served = 0u32;
                loop {
                    let now = Instant::now();
                    let slot = queue.book(now, Duration::ZERO);
                    if slot.end > deadline {
                        return served;
                    }
                    queue.serve(slot, now, |_| {}).await;
                    served += 1;
                }
            }));
        }
        let mut served = 0;
        for task in tasks {
            served += task.await.expect("task");
        }
        // 4 workers × 400/s × 10 s.
        assert_eq!(served, 16_000);
    }
}
