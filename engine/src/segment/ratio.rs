//! A tiny exact, non-negative rational number type.
//!
//! k6 uses `math/big.Rat` for segment bounds. Every validated bound lies in
//! `[0, 1]` and every value the striping code derives from them keeps an
//! `int64`-sized denominator (k6 itself converts the denominators with
//! `Int64()`), so a reduced `u64 / u64` pair with `u128` intermediates is
//! exact for all inputs k6 can handle correctly, without pulling in a bignum
//! crate. Operations that would not fit report `None` instead of wrapping.

use std::cmp::Ordering;
use std::fmt;

/// Greatest common divisor (Euclid); `gcd(0, 0) == 0`.
pub(crate) fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// An exact, always-reduced, non-negative rational number `numer / denom`.
///
/// Equality is structural, which is correct because the value is always kept
/// in lowest terms with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: u64,
    den: u64,
}

impl Ratio {
    /// The value 0 (`0/1`).
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// The value 1 (`1/1`).
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// Builds `num / den` in lowest terms; `None` when `den` is zero.
    pub fn new(num: u64, den: u64) -> Option<Ratio> {
        Self::from_u128(u128::from(num), u128::from(den))
    }

    /// Builds the integer `value / 1`.
    pub fn from_integer(value: u64) -> Ratio {
        Ratio { num: value, den: 1 }
    }

    /// Reduces a `u128` fraction; `None` on a zero denominator or when the
    /// reduced terms do not fit in `u64`.
    pub(crate) fn from_u128(num: u128, den: u128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd_u128(num, den).max(1);
        let (num, den) = (num / g, den / g);
        Some(Ratio {
            num: u64::try_from(num).ok()?,
            den: u64::try_from(den).ok()?,
        })
    }

    /// The numerator, in lowest terms.
    pub fn numer(self) -> u64 {
        self.num
    }

    /// The denominator, in lowest terms (always at least 1).
    pub fn denom(self) -> u64 {
        self.den
    }

    /// Whether the value is 0.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// `self + other`, or `None` if the reduced result does not fit.
    pub fn checked_add(self, other: Ratio) -> Option<Ratio> {
        let (a, b) = (u128::from(self.num), u128::from(self.den));
        let (c, d) = (u128::from(other.num), u128::from(other.den));
        // Work over the lcm of the denominators so the u128 products stay small.
        let g = gcd_u128(b, d);
        let den = (b / g).checked_mul(d)?;
        let num = a.checked_mul(d / g)?.checked_add(c.checked_mul(b / g)?)?;
        Self::from_u128(num, den)
    }

    /// `self - other`, or `None` if negative or the result does not fit.
    pub fn checked_sub(self, other: Ratio) -> Option<Ratio> {
        let (a, b) = (u128::from(self.num), u128::from(self.den));
        let (c, d) = (u128::from(other.num), u128::from(other.den));
        let g = gcd_u128(b, d);
        let den = (b / g).checked_mul(d)?;
        let num = a.checked_mul(d / g)?.checked_sub(c.checked_mul(b / g)?)?;
        Self::from_u128(num, den)
    }

    /// `self * other`, or `None` if the reduced result does not fit.
    pub fn checked_mul(self, other: Ratio) -> Option<Ratio> {
        // u64 * u64 always fits in u128, so the product itself cannot overflow.
        let num = u128::from(self.num) * u128::from(other.num);
        let den = u128::from(self.den) * u128::from(other.den);
        Self::from_u128(num, den)
    }

    /// `self / divisor` for an integer divisor, or `None` on zero/overflow.
    pub fn checked_div_int(self, divisor: u64) -> Option<Ratio> {
        let den = u128::from(self.den) * u128::from(divisor);
        Self::from_u128(u128::from(self.num), den)
    }

    /// The nearest `f64` (ties to even), like Go's `big.Rat.Float64`.
    pub fn to_f64(self) -> f64 {
        div_to_f64(self.num, self.den)
    }

    /// Go's `big.Rat.String` form, which always prints the denominator
    /// (`"1/1"`, `"0/1"`). k6 uses it (through `%s`) in a few error messages.
    pub(crate) fn go_rat_string(self) -> String {
        format!("{}/{}", self.num, self.den)
    }
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio::ZERO
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        // Cross-multiplication of u64 values always fits in u128.
        (u128::from(self.num) * u128::from(other.den))
            .cmp(&(u128::from(other.num) * u128::from(self.den)))
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Formats like Go's `big.Rat.RatString`: `"a/b"`, or just `"a"` for integers.
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Correctly rounded (round-half-to-even) `num / den` as `f64`, matching Go's
/// `big.Rat.Float64` for every `u64` input. `den` must not be zero.
pub(crate) fn div_to_f64(num: u64, den: u64) -> f64 {
    const EXACT: u64 = 1 << 53;
    if num == 0 || den == 0 {
        return 0.0;
    }
    if num <= EXACT && den <= EXACT {
        // Both operands are exact f64 values, and IEEE-754 division is
        // correctly rounded, so this is already the nearest double.
        return num as f64 / den as f64;
    }
    div_to_f64_slow(num, den)
}

/// The general path of [`div_to_f64`]: long division to 55–56 significant
/// bits plus a sticky bit, then one round-half-to-even step to 53 bits.
pub(crate) fn div_to_f64_slow(num: u64, den: u64) -> f64 {
    if num == 0 || den == 0 {
        return 0.0;
    }
    let nb = 64 - i32::try_from(num.leading_zeros()).unwrap_or(0);
    let db = 64 - i32::try_from(den.leading_zeros()).unwrap_or(0);
    // num/den is in [2^(nb-db-1), 2^(nb-db+1)); scaling by 2^shift puts the
    // quotient in [2^54, 2^56), i.e. 55 or 56 bits.
    let shift = 55 - (nb - db);
    let (n, d) = if shift >= 0 {
        (u128::from(num) << shift, u128::from(den))
    } else {
        (u128::from(num), u128::from(den) << -shift)
    };
    let q = n / d;
    let sticky = n % d != 0;
    let extra = (128 - q.leading_zeros()) as i32 - 53;
    let mut mant = q >> extra;
    let rem = q & ((1u128 << extra) - 1);
    let half = 1u128 << (extra - 1);
    if rem > half || (rem == half && (sticky || mant & 1 == 1)) {
        mant += 1;
    }
    // mant <= 2^53 is exact in f64; the exponent stays in the normal range
    // because the inputs are bounded by 2^64.
    let exp = extra - shift;
    let pow2 = f64::from_bits(u64::try_from(exp + 1023).unwrap_or(0) << 52);
    mant as f64 * pow2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_and_orders() {
        let half = Ratio::new(2, 4).expect("valid in this test");
        assert_eq!((half.numer(), half.denom()), (1, 2));
        assert!(Ratio::new(1, 3).expect("valid in this test") < half);
        assert_eq!(Ratio::new(1, 0), None);
        assert_eq!(half.to_string(), "1/2");
        assert_eq!(Ratio::ONE.to_string(), "1");
        assert_eq!(Ratio::ONE.go_rat_string(), "1/1");
    }

    #[test]
    fn arithmetic() {
        let a = Ratio::new(1, 4).expect("valid in this test");
        let b = Ratio::new(1, 6).expect("valid in this test");
        assert_eq!(a.checked_add(b), Ratio::new(5, 12));
        assert_eq!(a.checked_sub(b), Ratio::new(1, 12));
        assert_eq!(b.checked_sub(a), None);
        assert_eq!(a.checked_mul(b), Ratio::new(1, 24));
        assert_eq!(a.checked_div_int(3), Ratio::new(1, 12));
    }

    #[test]
    fn slow_division_matches_hardware_division() {
        let cases = [
            (1u64, 3u64),
            (2, 3),
            (1_000_000_000, 3),
            (950_000_000, 20),
            (1, 1),
            (7, 1 << 40),
            ((1 << 53) - 1, 10),
            (123_456_789, 987_654_321),
        ];
        for (n, d) in cases {
            assert_eq!(div_to_f64_slow(n, d), n as f64 / d as f64, "{n}/{d}");
        }
    }
}
