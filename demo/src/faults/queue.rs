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
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The workers of one rule's queue model.
pub(crate) struct Queue {
    service: Duration,
    schedule: Mutex<Schedule>,
}

struct Schedule {
    /// When each worker is next free, soonest on top.
    free_at: BinaryHeap<Reverse<Instant>>,
    /// Start times of the booked requests still in line, in order (first
    /// come, first served: starts never decrease).
    line: VecDeque<Instant>,
}

/// A request's place in the queue model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// When a worker takes the request.
    pub(crate) start: Instant,
    /// When the worker is done with it.
    pub(crate) end: Instant,
    /// Requests in line when it arrived, itself included; 0 if a worker
    /// took it at once.
    pub(crate) line: u64,
}

impl Queue {
    pub(crate) fn new(workers: u32, service: Duration) -> Queue {
        let now = Instant::now();
        Queue {
            service,
            schedule: Mutex::new(Schedule {
                free_at: (0..workers).map(|_| Reverse(now)).collect(),
                line: VecDeque::new(),
            }),
        }
    }

    /// Books the worker free soonest for a request arriving `now` that
    /// needs `extra` on top of the service time.
    pub(crate) fn book(&self, now: Instant, extra: Duration) -> Slot {
        // Poisoning cannot leave the schedule inconsistent: each critical
        // section is a few pops and pushes of plain values.
        let mut schedule = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        let free = schedule.free_at.pop().map_or(now, |Reverse(at)| at);
        let start = free.max(now);
        let end = start + self.service + extra;
        schedule.free_at.push(Reverse(end));
        // The line in virtual time: requests booked to start later than
        // now, whether or not their timers have fired yet.
        while schedule.line.front().is_some_and(|s| *s <= now) {
            schedule.line.pop_front();
        }
        let line = if start > now {
            schedule.line.push_back(start);
            schedule.line.len() as u64
        } else {
            0
        };
        Slot { start, end, line }
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
    async fn the_line_is_counted_in_virtual_time() {
        let queue = Queue::new(1, 50 * MS);
        let t0 = Instant::now();
        let lines: Vec<u64> = (0..3)
            .map(|_| queue.book(t0, Duration::ZERO).line)
            .collect();
        assert_eq!(lines, [0, 1, 2]);
        // At 60 ms the second request is in service, the third in line.
        assert_eq!(queue.book(t0 + 60 * MS, Duration::ZERO).line, 2);
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
                    tokio::time::sleep_until(slot.end).await;
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
