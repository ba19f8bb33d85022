//! Options, k6-style: read each layer into a raw [`Options`] record (the
//! component's `options()` JSON, a `--config` file, `VOLLEY_*` variables,
//! CLI flags), [`Options::merge`] them earliest first, then
//! [`Options::resolve`] the result into the [`Plan`] the rest of the engine
//! runs. Option names, shortcuts, defaults and checks follow k6, so a k6
//! user's `options` JSON works unchanged.
//!
//! ```text
//! options() ─┐
//! --config ──┤ Options::from_json / from_env / (CLI) ─▶ merge ─▶ resolve ─▶ Plan
//! VOLLEY_* ──┤
//! flags ─────┘
//! ```

mod duration;
mod env;
mod error;
mod json;
mod options;
pub mod plan;
mod resolve;
mod scenario;

#[cfg(test)]
mod tests;

pub use duration::{format_duration, parse_duration};
pub use env::parse_stage;
pub use error::{ConfigError, ConfigErrors};
pub use options::{Options, ScenarioOptions};
pub use plan::{ExecutorConfig, HttpPlan, Plan, ScenarioPlan, Stage};
pub use resolve::DEFAULT_USER_AGENT;
