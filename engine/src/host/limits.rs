//! The limits a VU runs under: its memory (a store limiter that records
//! when the guest tried to pass it, so the failure is reported as what it
//! is) and the CPU time of one iteration.

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// Largest table a guest may grow to (function tables of big runtimes
/// such as CPython hold tens of thousands of entries).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// Caps a VU's linear memory.
pub(super) struct VuLimiter {
    memory: usize,
    memory_denied: bool,
}

impl VuLimiter {
    pub(super) fn new(vu_memory: u64) -> Self {
        Self {
            memory: usize::try_from(vu_memory).unwrap_or(usize::MAX),
            memory_denied: false,
        }
    }

    /// The limit, if a grow past it was refused.
    pub(super) fn memory_denied(&self) -> Option<usize> {
        self.memory_denied.then_some(self.memory)
    }
}

impl ResourceLimiter for VuLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory {
            self.memory_denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// A trap raised when an iteration used more CPU than allowed.
#[derive(Debug, thiserror::Error)]
#[error("iteration used more than {0:?} of CPU time (limit: --iteration-cpu-limit)")]
pub struct CpuLimitExceeded(pub Duration);

/// A trap raised when a call other than an iteration (`options()`,
/// `vu-init`, `setup`, `teardown`, `handle-summary`) used more CPU than
/// its deadline.
#[derive(Debug, thiserror::Error)]
#[error("{call} used more than {limit:?} of CPU time ({fix})")]
pub struct CallCpuLimitExceeded {
    /// The call, as users know it (`options()`, `vu-init`, ...).
    pub call: &'static str,
    /// Its CPU deadline.
    pub limit: Duration,
    /// What sets the deadline.
    pub fix: &'static str,
}
