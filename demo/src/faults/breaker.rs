//! The circuit breaker of one route: closed, open after `failures`
//! consecutive failures, half-open after `open_for` (one trial request
//! decides whether it closes or opens again).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// One route's breaker.
pub(crate) struct Breaker {
    failures: u32,
    open_for: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A trial request is on its way since `since`.
    HalfOpen {
        since: Instant,
    },
}

/// What the breaker says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Serve it; its result counts.
    Pass,
    /// Serve it as the half-open trial: its result closes or reopens.
    Trial,
    /// Answer 503 at once; the breaker may let a request through after
    /// this long.
    ShortCircuit(Duration),
}

impl Breaker {
    pub(crate) fn new(failures: u32, open_for: Duration) -> Breaker {
        Breaker {
            failures,
            open_for,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    pub(crate) fn admit(&self, now: Instant) -> Admission {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Admission::Pass,
            State::Open { until } if now < until => Admission::ShortCircuit(until - now),
            State::Open { .. } => {
                *state = State::HalfOpen { since: now };
                Admission::Trial
            }
            // A trial that never reported (reset, timeout, client gone) is
            // given up after `open_for`, so the breaker cannot stick.
            State::HalfOpen { since } if now >= since + self.open_for => {
                *state = State::HalfOpen { since: now };
                Admission::Trial
            }
            State::HalfOpen { since } => Admission::ShortCircuit(since + self.open_for - now),
        }
    }

    /// Records how an admitted request ended; true if that opened the
    /// breaker.
    pub(crate) fn record(&self, admission: Admission, failed: bool, now: Instant) -> bool {
        let mut state = self.lock();
        let open = State::Open {
            until: now + self.open_for,
        };
        match (*state, admission) {
            (State::Closed { failures }, Admission::Pass) => {
                let failures = if failed { failures + 1 } else { 0 };
                *state = if failures >= self.failures {
                    open
                } else {
                    State::Closed { failures }
                };
                failures >= self.failures
            }
            (State::HalfOpen { .. }, Admission::Trial) => {
                *state = if failed {
                    open
                } else {
                    State::Closed { failures: 0 }
                };
                failed
            }
            // Requests admitted before the breaker opened, finishing late,
            // do not move it.
            _ => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is one plain value: a panic cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn opens_after_consecutive_failures_then_half_opens() {
        let breaker = Breaker::new(3, 5 * SEC);
        let t0 = Instant::now();
        assert!(!breaker.record(Admission::Pass, true, t0));
        assert!(!breaker.record(Admission::Pass, false, t0)); // streak broken
        assert!(!breaker.record(Admission::Pass, true, t0));
        assert!(!breaker.record(Admission::Pass, true, t0));
        assert!(breaker.record(Admission::Pass, true, t0));
        assert_eq!(breaker.admit(t0 + SEC), Admission::ShortCircuit(4 * SEC));
        // A late result of a request admitted earlier changes nothing.
        assert!(!breaker.record(Admission::Pass, true, t0 + SEC));
        // After open_for: one trial, the rest still short-circuit.
        let t5 = t0 + 5 * SEC;
        assert_eq!(breaker.admit(t5), Admission::Trial);
        assert!(matches!(breaker.admit(t5), Admission::ShortCircuit(_)));
        // The trial fails: open again, counted as an opening.
        assert!(breaker.record(Admission::Trial, true, t5));
        let t10 = t5 + 5 * SEC;
        assert_eq!(breaker.admit(t10), Admission::Trial);
        assert!(!breaker.record(Admission::Trial, false, t10));
        assert_eq!(breaker.admit(t10), Admission::Pass);
    }

    #[test]
    fn a_lost_trial_is_replaced_after_open_for() {
        let breaker = Breaker::new(1, SEC);
        let t0 = Instant::now();
        assert!(breaker.record(Admission::Pass, true, t0));
        assert_eq!(breaker.admit(t0 + SEC), Admission::Trial);
        assert!(matches!(
            breaker.admit(t0 + SEC + SEC / 2),
            Admission::ShortCircuit(_)
        ));
        assert_eq!(breaker.admit(t0 + 2 * SEC), Admission::Trial);
    }
}
