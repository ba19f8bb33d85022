//! Thresholds: k6's pass/fail criteria, parsed once into enums and judged
//! against metric snapshots during the run (for `abortOnFail`) and at the end.
//!
//! The `thresholds` option maps a metric selector to a list of expressions:
//!
//! ```text
//! thresholds  := { selector: [ item, ... ] | item }
//! selector    := metric [ "{" tag ( "," tag )* "}" ]      http_req_duration{status:200}
//! tag         := key ":" value                           split on the first ':'
//! item        := expression | { "threshold": expression,
//!                               "abortOnFail": bool, "delayAbortEval": duration }
//! expression  := aggregation operator number              p(95) < 500
//! aggregation := "avg" | "min" | "max" | "med" | "p(" number ")"
//!              | "rate" | "count" | "value"
//! operator    := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//! ```
//!
//! Which aggregations a metric offers depends on its type (as in k6):
//! trends `avg min max med p(N)`, rates `rate`, counters `count rate`,
//! gauges `value`. Time values are milliseconds.
//!
//! [`Aggregation`] is also the engine's one "stat" type: summary columns,
//! `volley compare` rules and reports parse and evaluate stats with it.

mod aggregation;
mod error;
mod eval;
mod expression;
mod selector;
mod set;

pub use aggregation::Aggregation;
pub use error::{ThresholdError, ThresholdErrors};
pub use eval::{ThresholdOutcome, evaluate, should_abort};
pub use expression::{Expression, Operator};
pub use selector::MetricSelector;
pub use set::{MetricThresholds, Threshold, ThresholdSet};

#[cfg(test)]
mod tests;
