//! k6-compatible execution segments for running one test as N cooperating
//! Volley processes.
//!
//! This is a Rust re-implementation of grafana/k6's `lib/execution_segment.go`
//! plus the segment-related parts of its executors (`lib/executor/*.go`).
//! Every function follows k6's arithmetic exactly, so that a fleet mixing
//! Volley and k6 instances, or a Volley fleet compared against a single k6
//! run, splits VUs, iterations and arrival-rate ticks identically:
//!
//! * [`ExecutionSegment`] — one `(from, to]` slice of the work, parsed from
//!   k6's syntax (`"1/4:2/4"`, `"0:0.25"`, `"25%:50%"`, `"1/4"`).
//! * [`ExecutionSegmentSequence`] — the ordered list of all instances'
//!   segments (`"0,1/4,2/4,3/4,1"`), which makes the split *stable*.
//! * [`ExecutionTuple`] — a segment plus its (filled) sequence, with k6's
//!   striping: [`ExecutionTuple::scale`] is k6's `ScaleInt64`, whose results
//!   over all segments always sum to the input and never shrink as it grows.
//! * [`SegmentedIndex`], [`VuIdAllocator`], [`IterationCounter`] — local and
//!   fleet-wide ids (`__VU`, `exec.vu.idInTest`,
//!   `exec.scenario.iterationInTest`).
//! * Per-executor plans ([`ConstantVus`], [`PerVuIterations`],
//!   [`SharedIterations`], [`RampingVus`], [`ConstantArrivalRate`],
//!   [`RampingArrivalRate`]) — pure functions computing what one segment runs.
//!
//! Tuples are immutable and cheap to clone (`Arc` inside). The id counters
//! are plain values; like k6, wrap them in a mutex when several VUs draw
//! from them.
//!
//! Always give every instance the *same* sequence: without one, each instance
//! fills the gaps around its own segment and the shares no longer add up.
//!
//! ```ignore
//! // Paths assume the module is mounted as `crate::segment` (the same code
//! // runs as the `usage_example` unit test).
//! use crate::segment::{ConstantArrivalRate, ExecutionTuple, RampingVus, Stage, VuIdAllocator};
//! use std::time::Duration;
//!
//! // --execution-segment 1/4:2/4 --execution-segment-sequence 0,1/4,2/4,3/4,1
//! // (or Volley's shorthand, counted from 0: ExecutionTuple::from_shorthand("1/4")).
//! let et = ExecutionTuple::parse_options(Some("1/4:2/4"), Some("0,1/4,2/4,3/4,1"))?;
//! assert_eq!(et.scale(10), 3); // this instance's 3 of 10 VUs (3+3+2+2)
//!
//! let mut ids = VuIdAllocator::new(&et);
//! let first = ids.next_ids(); // __VU 1, exec.vu.idInTest 2
//! assert_eq!((first.local, first.global), (1, 2));
//!
//! let ramp = RampingVus {
//!     start_vus: 0,
//!     stages: vec![Stage { duration: Duration::from_secs(10), target: 8 }],
//!     ..RampingVus::default()
//! };
//! let plan = ramp.raw_execution_steps(&et, true); // when this instance starts its VUs
//!
//! let car = ConstantArrivalRate {
//!     rate: 100,
//!     duration: Duration::from_secs(60),
//!     pre_allocated_vus: 20,
//!     max_vus: 40,
//!     ..ConstantArrivalRate::default()
//! };
//! for tick in car.ticks(&et)? {
//!     // start an iteration at `tick.offset`; iterationInTest = `tick.index`
//! }
//! ```
#![deny(missing_docs)]

mod arrival_rate;
mod execution_segment;
mod index;
mod parse;
mod ramping_vus;
mod ratio;
mod sequence;
mod simple;
mod striping;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests_executors;
#[cfg(test)]
mod tests_k6_oracle;
#[cfg(test)]
mod tests_parse;
#[cfg(test)]
mod tests_ramping_vus;
#[cfg(test)]
mod tests_segment;
#[cfg(test)]
mod tests_support;
#[cfg(test)]
mod tests_tuple;

pub use arrival_rate::{
    ConstantArrivalRate, ConstantArrivalRateTicks, RampingArrivalRate, RampingArrivalRateTicks,
    Tick,
};
pub use execution_segment::ExecutionSegment;
pub use index::{IterationCounter, IterationIds, SegmentedIndex, VuIdAllocator, VuIds};
pub use ramping_vus::{RampingVus, Stage};
pub use ratio::Ratio;
pub use sequence::ExecutionSegmentSequence;
pub use simple::{
    ConstantVus, ExecutionStep, PerVuIterations, SharedIterations, end_offset, max_planned_vus,
    max_possible_vus,
};
pub use striping::{ExecutionTuple, StripedOffsets, StripedSequence};

/// Largest least-common-denominator Volley will stripe.
///
/// k6 builds its striping tables in `O(lcd)` memory and `O(lcd × segments)`
/// time with no limit (and silently overflows `int64` beyond it). This cap
/// turns an accidental `"0:1/1000000007"` into an error instead of a
/// multi-gigabyte allocation. It equals k6's own sanity limit on concurrent
/// VUs (`maxConcurrentVUs`), so re-splitting by any VU count k6 accepts stays
/// within it.
pub const MAX_LCD: u64 = 100_000_000;

/// Everything that can go wrong when building segments, sequences and tuples.
///
/// Messages reproduce k6's wording (numbers formatted the way Go formats them)
/// so that users see the same errors from Volley and k6. Variants marked
/// "Volley-only" have no k6 counterpart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// A `"N%"` value that is not an (optionally signed) integer percentage.
    #[error("'{0}' is not a valid percentage")]
    InvalidPercentage(String),
    /// A value that is neither a percentage, decimal nor fraction.
    #[error("'{0}' is not a valid percentage, decimal, fraction or interval value")]
    InvalidValue(String),
    /// Segment start below 0 (value formatted with two decimals).
    #[error("segment start value must be at least 0 but was {0}")]
    StartBelowZero(String),
    /// Segment start not strictly before its end.
    #[error("segment start({start}) must be less than its end({end})")]
    StartNotBeforeEnd {
        /// The start, with two decimals.
        start: String,
        /// The end, with two decimals.
        end: String,
    },
    /// Segment end above 1 (value formatted with two decimals).
    #[error("segment end value can't be more than 1 but was {0}")]
    EndAboveOne(String),
    /// `Split` asked for zero parts.
    #[error("the number of parts must be at least 1, {0} received")]
    InvalidPartCount(u64),
    /// A sequence string with fewer than two points.
    #[error("at least 2 points are needed for an execution segment sequence, {0} given")]
    TooFewPoints(usize),
    /// Segments of a sequence that leave a gap or overlap.
    #[error(
        "the start value {start} of segment #{index} must be equal to the end value of the previous one, but it is {previous_end}"
    )]
    NotContiguous {
        /// Start of the offending segment (Go `big.Rat` `%s` form, e.g. `1/2`).
        start: String,
        /// Position of the offending segment (1-based from the second one, as in k6).
        index: usize,
        /// End of the previous segment.
        previous_end: String,
    },
    /// The segment is not part of the (filled) sequence.
    #[error("couldn't find segment {segment} in sequence {sequence}")]
    SegmentNotInSequence {
        /// The segment, e.g. `1/4:1/2`.
        segment: String,
        /// The sequence, e.g. `0,1/3,2/3,1`.
        sequence: String,
    },
    /// k6's options validation: an explicit sequence must list the segment.
    #[error("provided segment {segment} can't be found in sequence {sequence}")]
    SegmentNotProvided {
        /// The segment.
        segment: String,
        /// The sequence as given.
        sequence: String,
    },
    /// Re-splitting a sequence by a value below 1.
    #[error("cannot generate new sequence for value {0}")]
    InvalidResplitValue(u64),
    /// After re-splitting by a value, this segment's share is empty.
    #[error("segment {index} ({segment}) isn't present in the new sequence")]
    SegmentVanished {
        /// Index of the segment in the old sequence.
        index: usize,
        /// The segment.
        segment: String,
    },
    /// Volley-only: a value k6 would accept but whose exact reduced fraction
    /// does not fit in `u64` (k6 would go on to overflow `int64` with it).
    #[error("'{0}' is too large or too precise to be represented exactly")]
    NumberTooLarge(String),
    /// Volley-only: the sequence's least common denominator is above [`MAX_LCD`]
    /// (or overflows `u64`).
    #[error("the least common denominator of sequence {0} exceeds {MAX_LCD}")]
    LcdTooLarge(String),
    /// Volley-only: a sequence that does not cover `0..1` where a full one is
    /// required (k6 panics here).
    #[error("cannot wrap around a non-full execution segment sequence '{0}'")]
    NotFull(String),
    /// Volley-only: a malformed `--segment I/N` shorthand.
    #[error(
        "invalid segment '{0}': expected I/N with integers 0 <= I < N (I counts from 0, like JOB_COMPLETION_INDEX and SLURM_PROCID)"
    )]
    InvalidShorthand(String),
    /// Volley-only: an executor configuration k6's validation would reject and
    /// that would make a helper loop forever (e.g. a zero rate).
    #[error("invalid executor configuration: {0}")]
    InvalidConfig(&'static str),
}
