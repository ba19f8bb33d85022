//! Host memory held by buffered response bodies. A guest's own memory is
//! capped by `--vu-memory`, but a body is read into the host before the
//! guest copies it, and a response resource (contract 0.2) keeps its body
//! on the host until the guest drops it: without a budget, one VU doing a
//! batch of large responses could push the engine to gigabytes. Each VU
//! may hold bodies up to its budget (its `--vu-memory`), and the run as a
//! whole up to `--body-memory`; a request whose body would pass either
//! fails with error_code 1702 ("body over budget"). Discarded and
//! streamed bodies hold nothing and are not counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::{ErrorKind, HttpError};

/// The run-wide body budget.
#[derive(Debug)]
pub struct BodyBudget {
    /// Bytes all VUs may hold at once.
    pub run_cap: u64,
    /// Bytes one VU may hold at once.
    pub vu_cap: u64,
    used: AtomicU64,
}

impl BodyBudget {
    /// Budgets of `vu_cap` per VU and `run_cap` in all.
    pub fn new(vu_cap: u64, run_cap: u64) -> Arc<Self> {
        Arc::new(Self {
            run_cap,
            vu_cap,
            used: AtomicU64::new(0),
        })
    }

    /// No limit (outputs' and monitors' own clients).
    pub fn unlimited() -> Arc<Self> {
        Self::new(u64::MAX, u64::MAX)
    }

    /// Bytes held now, by all VUs.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// One VU's share of the budget.
#[derive(Debug)]
pub(crate) struct VuBudget {
    run: Arc<BodyBudget>,
    used: AtomicU64,
}

impl VuBudget {
    pub(crate) fn new(run: Arc<BodyBudget>) -> Arc<Self> {
        Arc::new(Self {
            run,
            used: AtomicU64::new(0),
        })
    }
}

/// Bytes reserved for one body, given back when the body is dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    vu: Arc<VuBudget>,
    n: u64,
}

fn mib(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

impl Reservation {
    pub(crate) fn new(vu: &Arc<VuBudget>) -> Self {
        Self {
            vu: vu.clone(),
            n: 0,
        }
    }

    /// Reserve `more` bytes, or fail the request when the VU's or the
    /// run's budget would be passed.
    pub(crate) fn grow(&mut self, more: u64) -> Result<(), HttpError> {
        if more == 0 {
            return Ok(());
        }
        let run = &self.vu.run;
        let vu_now = self
            .vu
            .used
            .fetch_add(more, Ordering::AcqRel)
            .saturating_add(more);
        if vu_now > run.vu_cap {
            self.vu.used.fetch_sub(more, Ordering::AcqRel);
            return Err(HttpError::new(
                ErrorKind::BodyTooLarge,
                format!(
                    "response bodies held by this VU would pass its budget of {} (--vu-memory); \
                     responses the scenario still holds count too: drop them, discard bodies \
                     (discardResponseBodies) or stream them",
                    mib(run.vu_cap)
                ),
            ));
        }
        let run_now = run
            .used
            .fetch_add(more, Ordering::AcqRel)
            .saturating_add(more);
        if run_now > run.run_cap {
            run.used.fetch_sub(more, Ordering::AcqRel);
            self.vu.used.fetch_sub(more, Ordering::AcqRel);
            return Err(HttpError::new(
                ErrorKind::BodyTooLarge,
                format!(
                    "response bodies held by all VUs would pass the run's budget of {} (--body-memory)",
                    mib(run.run_cap)
                ),
            ));
        }
        self.n += more;
        Ok(())
    }

    /// `data`, holding this reservation until its last clone is dropped.
    pub(crate) fn attach(self, data: Bytes) -> Bytes {
        if self.n == 0 {
            return data;
        }
        Bytes::from_owner(Budgeted { data, _held: self })
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.n > 0 {
            self.vu.used.fetch_sub(self.n, Ordering::AcqRel);
            self.vu.run.used.fetch_sub(self.n, Ordering::AcqRel);
        }
    }
}

/// A body and the budget it holds.
struct Budgeted {
    data: Bytes,
    _held: Reservation,
}

impl AsRef<[u8]> for Budgeted {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_hold_their_budget_until_dropped() {
        let run = BodyBudget::new(100, 150);
        let (a, b) = (VuBudget::new(run.clone()), VuBudget::new(run.clone()));
        let mut r = Reservation::new(&a);
        r.grow(60).expect("fits");
        let body = r.attach(Bytes::from(vec![1u8; 60]));
        assert_eq!(run.used(), 60);
        let mut r2 = Reservation::new(&a);
        let e = r2.grow(50).expect_err("VU budget");
        assert!(e.message.contains("--vu-memory"), "{}", e.message);
        assert_eq!(e.code(), 1702);
        let mut r3 = Reservation::new(&b);
        r3.grow(80).expect("fits the VU");
        let mut r4 = Reservation::new(&b);
        let e = r4.grow(20).expect_err("run budget");
        assert!(e.message.contains("--body-memory"), "{}", e.message);
        drop(r3);
        let clone = body.clone();
        drop(body);
        assert_eq!(run.used(), 60, "a clone still holds it");
        drop(clone);
        assert_eq!(run.used(), 0);
        drop(r2);
        drop(r4);
        assert_eq!(run.used(), 0);
    }
}
