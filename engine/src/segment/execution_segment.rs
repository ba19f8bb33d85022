//! [`ExecutionSegment`]: one `(from, to]` slice of a test's work
//! (k6's `ExecutionSegment` in `lib/execution_segment.go`).

use std::fmt;
use std::str::FromStr;

use super::parse::{Parsed, parse_value};
use super::ratio::Ratio;
use super::{MAX_LCD, SegmentError};

/// A `(from, to]` part of the total work of a test, with `0 <= from < to <= 1`.
///
/// Bounds are exact rationals so that thirds, sevenths, etc. never lose a VU.
/// The full segment `0:1` (the [`Default`]) stands for k6's `nil` segment:
/// k6 treats a missing `--execution-segment` and `0:1` identically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExecutionSegment {
    from: Ratio,
    to: Ratio,
}

impl Default for ExecutionSegment {
    fn default() -> Self {
        Self::full()
    }
}

impl ExecutionSegment {
    /// The whole test, `0:1`.
    pub const fn full() -> Self {
        ExecutionSegment {
            from: Ratio::ZERO,
            to: Ratio::ONE,
        }
    }

    /// Validates `from < to <= 1` and builds the segment (k6's
    /// `NewExecutionSegment`; `from >= 0` holds by construction of [`Ratio`]).
    pub fn new(from: Ratio, to: Ratio) -> Result<Self, SegmentError> {
        Self::from_parsed(
            Parsed {
                neg: false,
                mag: from,
            },
            Parsed {
                neg: false,
                mag: to,
            },
        )
    }

    /// Validation on possibly-negative parsed values, in k6's check order.
    pub(crate) fn from_parsed(from: Parsed, to: Parsed) -> Result<Self, SegmentError> {
        if from.is_negative() {
            return Err(SegmentError::StartBelowZero(from.float_string_2()));
        }
        if !from.lt(to) {
            return Err(SegmentError::StartNotBeforeEnd {
                start: from.float_string_2(),
                end: to.float_string_2(),
            });
        }
        if to.mag > Ratio::ONE {
            return Err(SegmentError::EndAboveOne(to.float_string_2()));
        }
        Ok(Self::new_unchecked(from.mag, to.mag))
    }

    /// Builds a segment whose bounds the caller already knows to be valid
    /// (k6's unexported `newExecutionSegment`).
    pub(crate) const fn new_unchecked(from: Ratio, to: Ratio) -> Self {
        ExecutionSegment { from, to }
    }

    /// The exclusive start of the segment.
    pub fn from(&self) -> Ratio {
        self.from
    }

    /// The inclusive end of the segment.
    pub fn to(&self) -> Ratio {
        self.to
    }

    /// `to - from`, the share of the work.
    pub fn length(&self) -> Ratio {
        // from < to is an invariant, so the subtraction cannot fail; the
        // fallback only exists to avoid a panic path.
        self.to.checked_sub(self.from).unwrap_or(Ratio::ZERO)
    }

    /// Whether this is the whole test (`0:1`).
    pub fn is_full(&self) -> bool {
        self.from.is_zero() && self.to == Ratio::ONE
    }

    /// The length as the nearest `f64` (k6's `FloatLength`, used for display).
    pub fn float_length(&self) -> f64 {
        self.length().to_f64()
    }

    /// Splits the segment into `parts` equal consecutive sub-segments
    /// (k6's `Split`).
    pub fn split(&self, parts: u64) -> Result<Vec<ExecutionSegment>, SegmentError> {
        if parts < 1 {
            return Err(SegmentError::InvalidPartCount(parts));
        }
        let too_large = || SegmentError::NumberTooLarge(format!("{self} split into {parts} parts"));
        // Volley-only guard: k6 would loop (and allocate) `parts` times; a
        // sequence with more parts than MAX_LCD could not be striped anyway.
        if parts > MAX_LCD {
            return Err(too_large());
        }
        let increment = self.length().checked_div_int(parts).ok_or_else(too_large)?;
        let mut results = Vec::with_capacity(usize::try_from(parts).unwrap_or(0));
        let mut from = self.from;
        for _ in 0..parts {
            let to = from.checked_add(increment).ok_or_else(too_large)?;
            results.push(ExecutionSegment::new(from, to)?);
            from = to;
        }
        Ok(results)
    }

    /// The `child` part of this segment: if `self` is `1/2:1` and `child` is
    /// `0:1/2`, the result is `1/2:3/4` (k6's `SubSegment`).
    pub fn sub_segment(&self, child: &ExecutionSegment) -> Result<ExecutionSegment, SegmentError> {
        let too_large = || SegmentError::NumberTooLarge(format!("{child} of {self}"));
        let length = self.length();
        let from = length
            .checked_mul(child.from)
            .and_then(|f| f.checked_add(self.from))
            .ok_or_else(too_large)?;
        let sub_length = length.checked_mul(child.length()).ok_or_else(too_large)?;
        let to = from.checked_add(sub_length).ok_or_else(too_large)?;
        Ok(ExecutionSegment::new_unchecked(from, to))
    }

    /// k6's *unstable* `ExecutionSegment.Scale`:
    /// `round(value * to - round(value * from))`, rounding halves up.
    ///
    /// Segments of one sequence still sum to `value`, but a segment's result
    /// can shrink when `value` grows. Executors use the stable, striped
    /// [`ExecutionTuple::scale`](super::ExecutionTuple::scale) instead; this
    /// one exists for parity with k6's API and tests.
    pub fn scale(&self, value: u64) -> u64 {
        let v = u128::from(value);
        let (from_num, from_den) = (u128::from(self.from.numer()), u128::from(self.from.denom()));
        let (to_num, to_den) = (u128::from(self.to.numer()), u128::from(self.to.denom()));
        let rounded_from = round_half_up(v * from_num, from_den);
        // value*to - rounded_from, as a fraction over to_den. It is always
        // above -1/2, and k6's truncating round maps (-1/2, 0) to 0.
        let to_scaled = v * to_num;
        let subtrahend = rounded_from.saturating_mul(to_den);
        if to_scaled < subtrahend {
            return 0;
        }
        let result = round_half_up(to_scaled - subtrahend, to_den);
        u64::try_from(result).unwrap_or(u64::MAX)
    }

    /// Scales a rational quantity (e.g. an arrival rate) by the segment's
    /// length (k6's `CopyScaleRat`); `None` if the result does not fit.
    pub fn scale_ratio(&self, value: Ratio) -> Option<Ratio> {
        value.checked_mul(self.length())
    }
}

/// k6's `roundUp`: `num/den` rounded to the nearest integer, halves up.
fn round_half_up(num: u128, den: u128) -> u128 {
    let (quo, rem) = (num / den, num % den);
    if rem * 2 >= den { quo + 1 } else { quo }
}

/// Formats as `"from:to"` with Go's `RatString` (`"0:1"`, `"1/4:1/2"`).
impl fmt::Display for ExecutionSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.from, self.to)
    }
}

/// Parses k6's `--execution-segment` syntax (`NewExecutionSegmentFromString`).
///
/// `"a:b"` is a full segment (either side a percentage, decimal or fraction,
/// e.g. `"2/4:75%"`); a single value `"b"` means `"0:b"`; `""` means `"0:1"`.
impl FromStr for ExecutionSegment {
    type Err = SegmentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = if s.is_empty() { "1" } else { s };
        let (from, to) = match s.split_once(':') {
            Some((from, to)) => (parse_value(from)?, to),
            None => (
                Parsed {
                    neg: false,
                    mag: Ratio::ZERO,
                },
                s,
            ),
        };
        let to = parse_value(to)?;
        ExecutionSegment::from_parsed(from, to)
    }
}
