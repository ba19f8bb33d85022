//! [`ExecutionSegmentSequence`]: the ordered segments of all cooperating
//! instances (k6's `ExecutionSegmentSequence`).

use std::fmt;
use std::str::FromStr;

use super::SegmentError;
use super::execution_segment::ExecutionSegment;
use super::parse::parse_value;
use super::ratio::{Ratio, gcd_u128};

/// An ordered chain of segments where each one starts where the previous
/// ended, written `"r1,r2,...,rn"` for `(r1,r2], (r2,r3], ..., (r(n-1),rn]`.
///
/// All instances of a distributed run must be given the same sequence: it is
/// what makes each instance's share stable and the shares sum to the whole.
/// The empty sequence (the [`Default`]) means "not specified", i.e. `0,1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ExecutionSegmentSequence {
    segments: Vec<ExecutionSegment>,
}

impl ExecutionSegmentSequence {
    /// Checks that the segments are contiguous (no gaps, no overlaps) and
    /// wraps them (k6's `NewExecutionSegmentSequence`).
    pub fn new(segments: Vec<ExecutionSegment>) -> Result<Self, SegmentError> {
        for (i, pair) in segments.windows(2).enumerate() {
            if pair[1].from() != pair[0].to() {
                return Err(SegmentError::NotContiguous {
                    start: pair[1].from().go_rat_string(),
                    index: i + 1,
                    previous_end: pair[0].to().go_rat_string(),
                });
            }
        }
        Ok(ExecutionSegmentSequence { segments })
    }

    /// Wraps segments the caller knows to be contiguous.
    pub(crate) fn new_unchecked(segments: Vec<ExecutionSegment>) -> Self {
        ExecutionSegmentSequence { segments }
    }

    /// The even sequence `0,1/n,2/n,...,1` behind Volley's `--segment I/N`
    /// shorthand (the same as splitting the full segment in `n` parts).
    pub fn new_even(n: u64) -> Result<Self, SegmentError> {
        Ok(ExecutionSegmentSequence {
            segments: ExecutionSegment::full().split(n)?,
        })
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[ExecutionSegment] {
        &self.segments
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Whether no sequence was specified.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Whether the sequence starts at 0 and ends at 1 (k6's `IsFull`).
    pub fn is_full(&self) -> bool {
        match (self.segments.first(), self.segments.last()) {
            (Some(first), Some(last)) => first.from().is_zero() && last.to() == Ratio::ONE,
            _ => false,
        }
    }

    /// The least common multiple of the segment *lengths'* denominators
    /// (k6's `LCD`): the period after which the striping pattern repeats.
    /// Returns 1 for the empty sequence (where k6 would panic), and
    /// [`SegmentError::LcdTooLarge`] if the value overflows `u64`.
    pub fn lcd(&self) -> Result<u64, SegmentError> {
        let mut acc: u128 = 1;
        for segment in &self.segments {
            let den = u128::from(segment.length().denom());
            acc = (acc / gcd_u128(acc, den))
                .checked_mul(den)
                .filter(|&v| v <= u128::from(u64::MAX))
                .ok_or_else(|| SegmentError::LcdTooLarge(self.to_string()))?;
        }
        u64::try_from(acc).map_err(|_| SegmentError::LcdTooLarge(self.to_string()))
    }

    /// Whether `segment` is literally one of this sequence's segments.
    pub fn contains(&self, segment: &ExecutionSegment) -> bool {
        self.segments.contains(segment)
    }

    /// Position of `segment` in the sequence (k6's `FindSegmentPosition`:
    /// binary search by start, then an exact comparison).
    pub fn find_segment_position(&self, segment: &ExecutionSegment) -> Result<usize, SegmentError> {
        let index = self.segments.partition_point(|s| s.from() < segment.from());
        match self.segments.get(index) {
            Some(found) if found == segment => Ok(index),
            _ => Err(SegmentError::SegmentNotInSequence {
                segment: segment.to_string(),
                sequence: self.to_string(),
            }),
        }
    }

    /// This sequence with the gaps before its start and after its end filled
    /// in, so it covers `0..1` (k6's `GetFilledExecutionSegmentSequence`).
    ///
    /// An empty sequence becomes `[fallback]` plus fillers, or just `0:1`
    /// when `fallback` is the full segment.
    pub fn filled(&self, fallback: &ExecutionSegment) -> ExecutionSegmentSequence {
        let mut result = if self.segments.is_empty() {
            if fallback.is_full() {
                return ExecutionSegmentSequence {
                    segments: vec![ExecutionSegment::full()],
                };
            }
            vec![*fallback]
        } else {
            self.segments.clone()
        };
        if let Some(first) = result.first().copied()
            && !first.from().is_zero()
        {
            result.insert(
                0,
                ExecutionSegment::new_unchecked(Ratio::ZERO, first.from()),
            );
        }
        if let Some(last) = result.last().copied()
            && last.to() != Ratio::ONE
        {
            result.push(ExecutionSegment::new_unchecked(last.to(), Ratio::ONE));
        }
        ExecutionSegmentSequence { segments: result }
    }
}

/// Formats as `"start1,end1,end2,...,endn"` with Go's `RatString`; the empty
/// sequence formats as `""`.
impl fmt::Display for ExecutionSegmentSequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(first) = self.segments.first() {
            write!(f, "{}", first.from())?;
        }
        for segment in &self.segments {
            write!(f, ",{}", segment.to())?;
        }
        Ok(())
    }
}

/// Parses k6's `--execution-segment-sequence` syntax
/// (`NewExecutionSegmentSequenceFromString`): `""` is the empty sequence,
/// otherwise at least two comma-separated points, each validated as a
/// segment bound against the previous one.
impl FromStr for ExecutionSegmentSequence {
    type Err = SegmentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Ok(ExecutionSegmentSequence::default());
        }
        let points: Vec<&str> = s.split(',').collect();
        if points.len() < 2 {
            return Err(SegmentError::TooFewPoints(points.len()));
        }
        let mut segments = Vec::with_capacity(points.len() - 1);
        let mut start = parse_value(points[0])?;
        for point in &points[1..] {
            let end = parse_value(point)?;
            segments.push(ExecutionSegment::from_parsed(start, end)?);
            start = end;
        }
        ExecutionSegmentSequence::new(segments)
    }
}
