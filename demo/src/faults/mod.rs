//! Fault injection: profiles that make the demo target slow, flaky,
//! rate-limited or overloaded on purpose, so a load test can see what a
//! degrading system looks like and compare its report with the truth.
//!
//! A target without faults pays one relaxed atomic load per request
//! ([`Faults::idle`]); everything else here runs only once a profile is set
//! or fault headers are enabled.

mod apply;
mod breaker;
mod bucket;
mod error;
mod header;
mod parse;
mod plan;
mod profile;
mod queue;
mod rng;
mod span;
mod validate;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use serde::Serialize;
use tokio::time::Instant;

pub(crate) use apply::{Verdict, before};
pub use error::FaultError;
use plan::Plan;
pub use profile::{
    Breaker, FaultProfile, FaultRule, Latency, Phase, QueueModel, RateLimit, SlowBody,
};

/// `mode` bit: a profile is applied.
const PROFILE: u8 = 1;
/// `mode` bit: `X-Volley-Fault` headers are honoured.
const HEADERS: u8 = 2;

/// A target's fault state.
pub(crate) struct Faults {
    /// `PROFILE | HEADERS` bits; 0 on a plain target, which then skips
    /// this module entirely.
    mode: AtomicU8,
    plan: RwLock<Option<Arc<Plan>>>,
}

/// What `GET /__faults` answers.
#[derive(Serialize)]
pub(crate) struct FaultsView {
    /// The applied profile, `null` for none.
    profile: Option<FaultProfile>,
    /// Milliseconds since it was applied.
    applied_ms_ago: Option<u64>,
    /// Index in `phases` of the phase in force; `null` while the top-level
    /// rules are (or without a profile).
    phase: Option<usize>,
    /// Whether `X-Volley-Fault` headers are honoured.
    headers_enabled: bool,
}

impl Faults {
    /// A plain target: no profile, headers ignored.
    pub(crate) fn off() -> Faults {
        Faults {
            mode: AtomicU8::new(0),
            plan: RwLock::new(None),
        }
    }

    /// Nothing to do for any request: the hot-path check.
    pub(crate) fn idle(&self) -> bool {
        self.mode.load(Ordering::Relaxed) == 0
    }

    pub(crate) fn headers_enabled(&self) -> bool {
        self.mode.load(Ordering::Relaxed) & HEADERS != 0
    }

    /// The applied profile, if any.
    pub(crate) fn plan(&self) -> Option<Arc<Plan>> {
        self.read().clone()
    }

    /// Applies a validated profile from now on (phases restart) and
    /// enables fault headers: the target is now under test.
    pub(crate) fn set(&self, profile: FaultProfile) {
        let plan = Plan::compile(profile, Instant::now());
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(plan));
        self.mode.fetch_or(PROFILE | HEADERS, Ordering::Relaxed);
    }

    /// Enables fault headers without a profile.
    pub(crate) fn enable_headers(&self) {
        self.mode.fetch_or(HEADERS, Ordering::Relaxed);
    }

    /// Drops the profile; headers stay enabled if they were.
    pub(crate) fn clear(&self) {
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = None;
        self.mode.fetch_and(!PROFILE, Ordering::Relaxed);
    }

    pub(crate) fn view(&self) -> FaultsView {
        let plan = self.plan();
        let now = Instant::now();
        FaultsView {
            profile: plan.as_ref().map(|p| p.profile.clone()),
            applied_ms_ago: plan
                .as_ref()
                .map(|p| now.saturating_duration_since(p.applied).as_millis() as u64),
            phase: plan.and_then(|p| p.stage(now).checked_sub(1)),
            headers_enabled: self.headers_enabled(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Arc<Plan>>> {
        // Writers only swap an Arc in: a poisoned lock holds a whole value.
        self.plan.read().unwrap_or_else(PoisonError::into_inner)
    }
}
