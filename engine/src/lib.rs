//! Volley: a load-testing engine that runs scenarios compiled to
//! WebAssembly components as thousands of sandboxed virtual users,
//! measures every request on the host, and judges the run against
//! k6-style thresholds.
//!
//! The modules follow the data flow of a run (see `docs/architecture.md`):
//! [`cli`] → [`config`] (option layers) → [`plan`] (resolved, with each
//! [`executor`]'s options) → [`scenario`] (the component) → [`host`]
//! (capabilities) → [`vu`] → [`executor`] (scheduling) → [`metrics`] →
//! [`thresholds`] → [`stages`] (by-stage results, the capacity search's
//! verdicts) → [`output`]; [`run`] drives one run end to end, with
//! [`resources`] sampling the target's and Volley's own CPU and memory
//! beside the load.
//!
//! The library's entry point is [`run::run`] with a [`run::RunConfig`]
//! (options as [`config::Options`] layers, outputs as [`output::Outputs`]);
//! it returns the [`run::RunOutcome`] inside [`run::Finished`].

pub mod cli;
pub mod compare;
pub mod config;
pub mod control;
pub mod executor;
pub mod exit;
pub mod fleet;
pub(crate) mod host;
pub mod http;
pub(crate) mod log;
pub mod metrics;
mod outcome;
pub mod output;
pub mod plan;
pub mod resources;
#[cfg(test)]
mod robustness;
pub mod run;
pub mod scaffold;
pub mod scenario;
pub mod segment;
pub mod stages;
pub mod thresholds;
pub(crate) mod vu;
pub mod wallclock;

pub use config::Options;
pub use output::{Output, Outputs};
pub use plan::Plan;
pub use run::{Finished, RunConfig, RunError, RunOutcome, run};
