//! Custom metrics: counters, gauges, rates and trends, as in k6.
//!
//! ```no_run
//! use volley_sdk::metrics::Trend;
//! let checkout = Trend::time("checkout_duration");
//! checkout.add(12.5); // milliseconds
//! ```

use crate::bindings::volley::scenario::metrics as wit;
use wit::{MetricKind, ValueType};

/// A handle shared by the four metric types.
#[derive(Debug, Clone, Copy)]
struct Handle(wit::MetricId);

impl Handle {
    fn define(name: &str, kind: MetricKind, value_type: ValueType) -> Self {
        match wit::define(name, kind, value_type) {
            Ok(id) => Handle(id),
            Err(e) => panic!("cannot define metric {name:?}: {e}"),
        }
    }

    /// Buffered, stamped now, and delivered with the next batch.
    fn add(self, value: f64, tag_pairs: &[(&str, &str)]) {
        crate::record::add(self.0, value, tag_pairs);
    }
}

macro_rules! metric_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $add_doc:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(Handle);

        impl $name {
            /// Define the metric (or find it, if defined before). Panics,
            /// failing the stage, when the name is invalid or taken by
            /// another kind.
            pub fn new(name: &str) -> Self {
                Self(Handle::define(name, $kind, ValueType::Default))
            }

            #[doc = $add_doc]
            pub fn add(&self, value: f64) {
                self.0.add(value, &[]);
            }

            /// Like `add`, with tags for this sample.
            pub fn add_tagged(&self, value: f64, tags: &[(&str, &str)]) {
                self.0.add(value, tags);
            }
        }
    };
}

metric_type!(
    /// A sum, shown as count and rate per second.
    Counter,
    MetricKind::Counter,
    "Add `value` to the sum."
);
metric_type!(
    /// The last value set, with its min and max.
    Gauge,
    MetricKind::Gauge,
    "Set the gauge to `value`."
);
metric_type!(
    /// A distribution with avg, min, med, max and percentiles.
    Trend,
    MetricKind::Trend,
    "Record one value."
);

impl Trend {
    /// A trend of times in milliseconds, shown with time units.
    pub fn time(name: &str) -> Self {
        Self(Handle::define(name, MetricKind::Trend, ValueType::Time))
    }
}

/// The share of true samples, such as an error rate.
#[derive(Debug, Clone, Copy)]
pub struct Rate(Handle);

impl Rate {
    /// Define the rate (or find it, if defined before).
    pub fn new(name: &str) -> Self {
        Self(Handle::define(name, MetricKind::Rate, ValueType::Default))
    }

    /// Record one sample.
    pub fn add(&self, value: bool) {
        self.0.add(if value { 1.0 } else { 0.0 }, &[]);
    }

    /// Record one sample with tags.
    pub fn add_tagged(&self, value: bool, tags: &[(&str, &str)]) {
        self.0.add(if value { 1.0 } else { 0.0 }, tags);
    }
}
