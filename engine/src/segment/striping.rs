//! k6's striping: [`StripedSequence`] (k6's
//! `ExecutionSegmentSequenceWrapper`) and [`ExecutionTuple`].

use std::fmt;
use std::sync::Arc;

use super::execution_segment::ExecutionSegment;
use super::ratio::Ratio;
use super::sequence::ExecutionSegmentSequence;
use super::{MAX_LCD, SegmentError};

/// A full (`0..1`) sequence with k6's precomputed striping tables.
///
/// Think of the work as an endless list of numbered items (VUs, iterations,
/// arrival-rate ticks). Every `lcd` consecutive items, a segment of length
/// `p/q` receives exactly `p * lcd / q` of them, and the items each segment
/// receives are spread as evenly as possible (larger segments choose first).
/// Scaling a count is then just counting a segment's items below it, which
/// is why per-segment values always sum to the total and never shrink when
/// the total grows.
#[derive(Debug)]
pub struct StripedSequence {
    sequence: ExecutionSegmentSequence,
    lcd: u64,
    /// Per segment: the first item it owns, then the gaps to each next item
    /// over one `lcd`-long cycle (the last gap wraps into the next cycle).
    offsets: Vec<Vec<u64>>,
}

/// A segment's stripe, as k6's `GetStripedOffsets` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StripedOffsets<'a> {
    /// The first (0-based) item owned by the segment.
    pub start: u64,
    /// Gaps from each owned item to the next; cycles forever.
    pub offsets: &'a [u64],
    /// Cycle length: the sequence's least common denominator.
    pub lcd: u64,
}

impl StripedSequence {
    /// Computes the striping tables of a full sequence (k6's
    /// `NewExecutionSegmentSequenceWrapper`, which panics where this returns
    /// [`SegmentError::NotFull`]). Costs `O(lcd × segments)` time.
    pub fn new(sequence: ExecutionSegmentSequence) -> Result<Self, SegmentError> {
        if !sequence.is_full() {
            return Err(SegmentError::NotFull(sequence.to_string()));
        }
        let lcd = sequence.lcd()?;
        if lcd > MAX_LCD {
            return Err(SegmentError::LcdTooLarge(sequence.to_string()));
        }
        // Each segment's share of one lcd-long cycle ("normalized numerator"),
        // biggest first; the sort is stable so ties keep sequence order.
        let mut sorted: Vec<(u64, usize)> = sequence
            .segments()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.length().numer() * (lcd / s.length().denom()), i))
            .collect();
        sorted.sort_by_key(|&(share, _)| std::cmp::Reverse(share));

        let n = sorted.len();
        let mut offsets: Vec<Vec<u64>> = vec![Vec::new(); n];
        for &(share, index) in &sorted {
            offsets[index].reserve_exact(usize::try_from(share).unwrap_or(0) + 1);
        }
        let mut prev = vec![0u64; n];
        let mut chosen = vec![0u64; n];
        for item in 0..lcd {
            // Give `item` to the first (largest) segment that is not ahead of
            // its ideal pace, i.e. has taken at most item*share/lcd so far.
            for (slot, &(share, index)) in sorted.iter().enumerate() {
                let num = u128::from(chosen[slot]) * u128::from(lcd);
                let (quo, rem) = (num / u128::from(share), num % u128::from(share));
                let item = u128::from(item);
                if item > quo || (item == quo && rem == 0) {
                    chosen[slot] += 1;
                    let list = &mut offsets[index];
                    let item = u64::try_from(item).unwrap_or(u64::MAX);
                    list.push(item - prev[index]);
                    prev[index] = item;
                    if list.len() as u64 == share {
                        let first = list[0];
                        list.push(first + lcd - item);
                    }
                    break;
                }
            }
        }
        Ok(StripedSequence {
            sequence,
            lcd,
            offsets,
        })
    }

    /// The (full) sequence.
    pub fn sequence(&self) -> &ExecutionSegmentSequence {
        &self.sequence
    }

    /// The striping cycle length (k6's cached `LCD`).
    pub fn lcd(&self) -> u64 {
        self.lcd
    }

    /// The tuple for the segment at `index` (k6's `GetTuple`), if any.
    pub fn tuple(self: &Arc<Self>, index: usize) -> Option<ExecutionTuple> {
        (index < self.offsets.len()).then(|| ExecutionTuple {
            sequence: Arc::clone(self),
            index,
        })
    }

    /// The tuples of every segment, in sequence order.
    pub fn tuples(self: &Arc<Self>) -> impl Iterator<Item = ExecutionTuple> + '_ {
        (0..self.offsets.len()).map(|index| ExecutionTuple {
            sequence: Arc::clone(self),
            index,
        })
    }

    /// k6's `ScaleInt64`: how many of the items `0..value` segment `index`
    /// owns. `index` must be valid (guaranteed by [`ExecutionTuple`]).
    fn scale_at(&self, index: usize, value: u64) -> u64 {
        let Some((&start, gaps)) = self.offsets.get(index).and_then(|l| l.split_first()) else {
            return 0;
        };
        let mut result = (value / self.lcd) * gaps.len() as u64;
        let rest = value % self.lcd;
        let mut item = start;
        for &gap in gaps {
            if item >= rest {
                break;
            }
            result += 1;
            item += gap;
        }
        result
    }

    fn striped_offsets_at(&self, index: usize) -> StripedOffsets<'_> {
        let (start, offsets) = match self.offsets.get(index).and_then(|l| l.split_first()) {
            Some((&start, gaps)) => (start, gaps),
            None => (0, &[][..]),
        };
        StripedOffsets {
            start,
            offsets,
            lcd: self.lcd,
        }
    }

    /// k6's `GetNewExecutionSegmentSequenceFromValue`: a new sequence in which
    /// each segment's length is its scaled share of `value` over `value`,
    /// dropping empty segments, plus the new position of `tracked`.
    fn resplit(
        self: &Arc<Self>,
        value: u64,
        tracked: usize,
    ) -> Result<(Arc<Self>, usize), SegmentError> {
        if value < 1 {
            return Err(SegmentError::InvalidResplitValue(value));
        }
        if value.is_multiple_of(self.lcd) {
            return Ok((Arc::clone(self), tracked)); // the split would be identical
        }
        let mut segments = Vec::with_capacity(self.offsets.len());
        let mut new_index = None;
        let mut prev = 0u64;
        for i in 0..self.offsets.len() {
            let share = self.scale_at(i, value);
            if share == 0 {
                continue;
            }
            let bound =
                |v: u64| Ratio::new(v, value).ok_or(SegmentError::InvalidResplitValue(value));
            segments.push(ExecutionSegment::new_unchecked(
                bound(prev)?,
                bound(prev + share)?,
            ));
            prev += share;
            if i == tracked {
                new_index = Some(segments.len() - 1);
            }
        }
        let Some(new_index) = new_index else {
            let segment = self
                .sequence
                .segments()
                .get(tracked)
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(SegmentError::SegmentVanished {
                index: tracked,
                segment,
            });
        };
        let sequence = ExecutionSegmentSequence::new(segments)?;
        Ok((Arc::new(StripedSequence::new(sequence)?), new_index))
    }
}

/// One segment together with its (filled) sequence: what an instance needs
/// to compute its share of anything (k6's `ExecutionTuple`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct ExecutionTuple {
    sequence: Arc<StripedSequence>,
    index: usize,
}

impl ExecutionTuple {
    /// k6's `NewExecutionTuple`: fills the gaps of `sequence` (an empty one
    /// means "just this segment and the rest") and locates `segment` in it.
    pub fn new(
        segment: &ExecutionSegment,
        sequence: &ExecutionSegmentSequence,
    ) -> Result<Self, SegmentError> {
        let filled = sequence.filled(segment);
        let index = filled.find_segment_position(segment)?;
        Ok(ExecutionTuple {
            sequence: Arc::new(StripedSequence::new(filled)?),
            index,
        })
    }

    /// The unsegmented tuple (`0:1` in `0,1`), k6's `NewExecutionTuple(nil, nil)`.
    pub fn full() -> Self {
        let sequence = ExecutionSegmentSequence::new_unchecked(vec![ExecutionSegment::full()]);
        let striped = StripedSequence {
            sequence,
            lcd: 1,
            offsets: vec![vec![0, 1]],
        };
        ExecutionTuple {
            sequence: Arc::new(striped),
            index: 0,
        }
    }

    /// From k6's two options, `None` meaning "flag not given": applies k6's
    /// options validation (an explicit sequence must list the segment
    /// verbatim, `0:1` when no segment is given) and then [`Self::new`].
    pub fn from_options(
        segment: Option<&ExecutionSegment>,
        sequence: Option<&ExecutionSegmentSequence>,
    ) -> Result<Self, SegmentError> {
        let segment = segment.copied().unwrap_or_default();
        if let Some(sequence) = sequence
            && !sequence.contains(&segment)
        {
            return Err(SegmentError::SegmentNotProvided {
                segment: segment.to_string(),
                sequence: sequence.to_string(),
            });
        }
        Self::new(
            &segment,
            sequence.unwrap_or(&ExecutionSegmentSequence::default()),
        )
    }

    /// Parses `--execution-segment` and `--execution-segment-sequence` values
    /// (`None` = flag absent) and calls [`Self::from_options`].
    pub fn parse_options(
        segment: Option<&str>,
        sequence: Option<&str>,
    ) -> Result<Self, SegmentError> {
        let segment = segment.map(str::parse::<ExecutionSegment>).transpose()?;
        let sequence = sequence
            .map(str::parse::<ExecutionSegmentSequence>)
            .transpose()?;
        Self::from_options(segment.as_ref(), sequence.as_ref())
    }

    /// Segment `index` (counted from 0, as Kubernetes' `JOB_COMPLETION_INDEX`
    /// and Slurm's `SLURM_PROCID` count) of `count` equal ones, in the even
    /// sequence `0,1/count,...,1`: Volley's `--segment index/count`.
    pub fn even(index: u64, count: u64) -> Result<Self, SegmentError> {
        let shorthand = || SegmentError::InvalidShorthand(format!("{index}/{count}"));
        if index >= count {
            return Err(shorthand());
        }
        let sequence = ExecutionSegmentSequence::new_even(count)?;
        let position = usize::try_from(index).map_err(|_| shorthand())?;
        let segment = *sequence.segments().get(position).ok_or_else(shorthand)?;
        Self::new(&segment, &sequence)
    }

    /// Parses Volley's `--segment I/N` shorthand (decimal integers,
    /// `0 <= I < N`) into [`Self::even`].
    pub fn from_shorthand(s: &str) -> Result<Self, SegmentError> {
        let invalid = || SegmentError::InvalidShorthand(s.to_owned());
        let (index, count) = s.split_once('/').ok_or_else(invalid)?;
        let number = |t: &str| -> Result<u64, SegmentError> {
            if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(invalid());
            }
            t.parse().map_err(|_| invalid())
        };
        Self::even(number(index)?, number(count)?)
    }

    /// This instance's segment.
    pub fn segment(&self) -> &ExecutionSegment {
        // The index is validated at construction; the fallback is unreachable.
        const FULL: ExecutionSegment = ExecutionSegment::full();
        self.sequence
            .sequence
            .segments()
            .get(self.index)
            .unwrap_or(&FULL)
    }

    /// Position of the segment in [`Self::sequence`].
    pub fn segment_index(&self) -> usize {
        self.index
    }

    /// The filled sequence and its striping tables.
    pub fn sequence(&self) -> &Arc<StripedSequence> {
        &self.sequence
    }

    /// This segment's share of `value` (k6's `ExecutionTuple.ScaleInt64`):
    /// over all segments of the sequence the shares sum to `value`, and a
    /// share never decreases when `value` increases.
    pub fn scale(&self, value: u64) -> u64 {
        if self.sequence.offsets.len() == 1 {
            return value; // no segmentation
        }
        self.sequence.scale_at(self.index, value)
    }

    /// This segment's stripe (k6's `GetStripedOffsets`).
    pub fn striped_offsets(&self) -> StripedOffsets<'_> {
        self.sequence.striped_offsets_at(self.index)
    }

    /// Re-splits the sequence so that each segment's share of `value` items
    /// becomes its new length (k6's `GetNewExecutionTupleFromValue`). k6 uses
    /// it to divide iterations and arrival-rate ticks in proportion to the
    /// VUs each instance actually got. Fails when `value` is 0 or this
    /// segment's share of `value` is 0.
    pub fn resplit(&self, value: u64) -> Result<ExecutionTuple, SegmentError> {
        let (sequence, index) = self.sequence.resplit(value, self.index)?;
        Ok(ExecutionTuple { sequence, index })
    }
}

/// Formats as k6 does: `"<segment> in <filled sequence>"`.
/// Two tuples are the same segment of the same sequence.
impl PartialEq for ExecutionTuple {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.sequence.sequence == other.sequence.sequence
    }
}

impl fmt::Display for ExecutionTuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.segment(), self.sequence.sequence)
    }
}
