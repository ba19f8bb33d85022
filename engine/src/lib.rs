//! Volley: a load-testing engine that runs scenarios compiled to
//! WebAssembly components as thousands of sandboxed virtual users,
//! measures every request on the host, and judges the run against
//! k6-style thresholds.
//!
//! The modules follow the data flow of a run: [`cli`] → [`config`] →
//! [`scenario`] → [`host`] → [`executor`] (with [`vu`]) → [`metrics`] →
//! [`thresholds`] → [`output`]; [`run`] drives one run end to end.

pub mod cli;
pub mod compare;
pub mod config;
pub mod control;
pub mod executor;
pub mod exit;
pub mod host;
pub mod http;
pub mod log;
pub mod metrics;
pub mod output;
pub mod run;
pub mod scaffold;
pub mod scenario;
pub mod thresholds;
pub mod vu;
