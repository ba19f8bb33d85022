//! Metrics: built-in and custom metric definitions, the per-VU sample
//! buffers, the sharded aggregate store and its snapshots.
//!
//! Data flows one way: a VU records samples into its own buffer (no lock),
//! flushes the buffer into one shard of the store now and then (one short
//! lock per flush, not per sample), and the run merges the shards into a
//! [`Snapshot`] on an interval for thresholds, progress and the summary.

mod builtin;
mod kind;
mod registry;
mod sample;
mod sink;
mod snapshot;
mod store;
mod tags;

pub use builtin::Builtin;
pub use kind::{MetricKind, ValueType};
pub use registry::{DefineError, MetricDef, MetricId, Registry};
pub use sample::{
    CheckSample, CustomSample, HttpSample, IterationSample, RequestIdent, Sample, SampleBuffer,
    SampleWriter,
};
pub use sink::{Sink, TrendStats};
pub use snapshot::{ErrorEntry, Series, Snapshot, error_kind};
pub use store::{Folded, OVERFLOW_VALUE, SeriesLimits, Store};
pub(crate) use tags::request_tags;
pub use tags::{TagSet, Tags};
