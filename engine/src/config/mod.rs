//! Options, k6-style: read each layer into a raw [`Options`] record (the
//! component's `options()` JSON, a `--config` file, `VOLLEY_*` variables,
//! CLI flags) and [`Options::merge`] them earliest first. The merged record
//! is resolved into the run's plan by [`crate::plan`]. Option names,
//! spellings and merge rules follow k6, so a k6 user's `options` JSON works
//! unchanged.
//!
//! ```text
//! options() ─┐
//! --config ──┤ Options::from_json / from_env / (CLI) ─▶ merge ─▶ plan::resolve ─▶ Plan
//! VOLLEY_* ──┤
//! flags ─────┘
//! ```
//!
//! Each executor reads its own options of a scenario with a [`Fields`]
//! reader: this module knows no executor.

mod duration;
mod env;
mod error;
mod fields;
mod json;
mod options;
mod size;
mod stage;
mod value;

#[cfg(test)]
mod tests;

pub use duration::{format_duration, parse_duration};
pub use error::{ConfigError, ConfigErrors};
pub use fields::{Fields, MIN_DURATION};
pub use options::{Options, ScenarioOptions};
pub use size::parse_size;
pub use stage::{Stage, parse_stage};
