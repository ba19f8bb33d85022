//! End-to-end tests that compare request rates and latencies between runs,
//! and so must not share the machine with other tests: cargo runs the test
//! binaries one after another, and this one holds a single test. The demo
//! target runs in-process; every run is bounded in count and time.

// Shared with the e2e tests; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../e2e/support.rs"]
mod support;

mod starvation;
