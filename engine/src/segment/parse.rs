//! Parsing of the numbers k6 accepts in `--execution-segment` and
//! `--execution-segment-sequence`, with k6's exact acceptance rules.
//!
//! k6's `stringToRat` accepts `"N%"` (parsed by Go's `big.Int.SetString(_, 10)`:
//! an optionally signed run of decimal digits, so `"12.5%"` is rejected) and
//! otherwise whatever Go's `big.Rat.SetString` accepts: fractions `"a/b"`
//! (each side a Go integer literal with `0x`/`0o`/`0b`/legacy-`0` octal
//! prefixes and `_` separators, the denominator unsigned) and decimal or
//! prefixed floating-point numbers with `e`/`p` exponents. This module
//! re-implements those grammars so that Volley rejects and accepts exactly the
//! same strings. Values are then checked by the segment constructors, which
//! need negative and greater-than-one values to produce k6's messages.

use super::SegmentError;
use super::ratio::{Ratio, gcd_u128};

/// A parsed, possibly negative rational: `-mag` when `neg`, else `mag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) neg: bool,
    pub(crate) mag: Ratio,
}

impl Parsed {
    /// Go's `big.Rat.FloatString(2)`: two decimals, halves rounded away from
    /// zero, and a `-` sign for any negative non-zero value (even `-0.00`).
    pub(crate) fn float_string_2(self) -> String {
        let (num, den) = (u128::from(self.mag.numer()), u128::from(self.mag.denom()));
        let sign = if self.neg { "-" } else { "" };
        if den == 1 {
            return format!("{sign}{num}.00");
        }
        let mut q = num / den;
        let mut r = (num % den) * 100;
        let r2 = r % den;
        r /= den;
        if den <= 2 * r2 {
            r += 1;
            if r >= 100 {
                q += 1;
                r -= 100;
            }
        }
        format!("{sign}{q}.{r:02}")
    }

    /// Whether this value is strictly below zero.
    pub(crate) fn is_negative(self) -> bool {
        self.neg && !self.mag.is_zero()
    }

    /// Signed comparison `self < other`.
    pub(crate) fn lt(self, other: Parsed) -> bool {
        match (self.is_negative(), other.is_negative()) {
            (true, false) => true,
            (false, true) => false,
            (false, false) => self.mag < other.mag,
            (true, true) => self.mag > other.mag,
        }
    }
}

/// k6's `stringToRat`: percentage, decimal, fraction, or error.
pub(crate) fn parse_value(s: &str) -> Result<Parsed, SegmentError> {
    if let Some(before) = s.strip_suffix('%') {
        let bad = || SegmentError::InvalidPercentage(s.to_owned());
        let (neg, digits) = split_sign(before);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mut value: u128 = 0;
        for c in digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(c - b'0')))
                .ok_or_else(|| SegmentError::NumberTooLarge(s.to_owned()))?;
        }
        return finish(neg, value, 100, s);
    }
    match parse_go_rat(s) {
        Ok(Some((neg, num, den))) => finish(neg, num, den, s),
        Ok(None) => Err(SegmentError::NumberTooLarge(s.to_owned())),
        Err(()) => Err(SegmentError::InvalidValue(s.to_owned())),
    }
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn finish(neg: bool, num: u128, den: u128, s: &str) -> Result<Parsed, SegmentError> {
    let mag =
        Ratio::from_u128(num, den).ok_or_else(|| SegmentError::NumberTooLarge(s.to_owned()))?;
    Ok(Parsed {
        neg: neg && !mag.is_zero(),
        mag,
    })
}

/// A byte cursor with Go's `ReadByte`/`UnreadByte` semantics.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn read(&mut self) -> Option<u8> {
        let c = self.bytes.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }
    fn unread(&mut self) {
        self.pos -= 1;
    }
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    /// Go's `scanSign`: an optional leading `+`/`-`; fails on empty input.
    fn sign(&mut self) -> Result<bool, ()> {
        match self.read() {
            None => Err(()),
            Some(b'-') => Ok(true),
            Some(b'+') => Ok(false),
            Some(_) => {
                self.unread();
                Ok(false)
            }
        }
    }
}

/// Result of scanning an unsigned mantissa (Go's `nat.scan` with base 0).
struct Mantissa {
    /// The digits' value, `None` if it overflowed `u128`.
    value: Option<u128>,
    base: u32,
    /// Digits after the radix point, as a non-positive count (Go's `fcount`).
    frac_digits: i64,
}

/// Go's `nat.scan(r, 0, frac_ok)`: base prefixes, `_` separators, optional
/// radix point. `Err` means Go would report a syntax error.
fn scan_mantissa(cur: &mut Cursor<'_>, frac_ok: bool) -> Result<Mantissa, ()> {
    let mut prev = b'.'; // '0' = digit, '_' = separator, '.' = anything else
    let mut invalid_sep = false;
    let mut ch = cur.read();
    let (mut base, mut prefix, mut count) = (10u32, 0u8, 0i64);
    if ch == Some(b'0') {
        prev = b'0';
        count = 1;
        ch = cur.read();
        if let Some(c) = ch {
            match c {
                b'b' | b'B' => (base, prefix) = (2, b'b'),
                b'o' | b'O' => (base, prefix) = (8, b'o'),
                b'x' | b'X' => (base, prefix) = (16, b'x'),
                _ if !frac_ok => (base, prefix) = (8, b'0'),
                _ => {}
            }
            if prefix != 0 {
                count = 0; // the prefix is not counted as a digit
                if prefix != b'0' {
                    ch = cur.read();
                }
            }
        }
    }
    let mut value = Some(0u128);
    let mut dp = -1i64;
    while let Some(c) = ch {
        if c == b'.' && frac_ok && dp < 0 {
            invalid_sep |= prev == b'_'; // "1_.5" is rejected
            dp = count;
            prev = b'.';
        } else if c == b'_' {
            invalid_sep |= prev != b'0';
            prev = b'_';
        } else {
            let digit = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'a'..=b'z' => u32::from(c - b'a') + 10,
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => u32::MAX,
            };
            if digit >= base {
                cur.unread(); // not part of the number
                break;
            }
            prev = b'0';
            count += 1;
            value = value
                .and_then(|v| v.checked_mul(u128::from(base)))
                .and_then(|v| v.checked_add(u128::from(digit)));
        }
        ch = cur.read();
    }
    if invalid_sep || prev == b'_' {
        return Err(());
    }
    if count == 0 {
        if prefix == b'0' {
            // Only the octal prefix "0" was seen: Go reads it as decimal 0.
            return Ok(Mantissa {
                value: Some(0),
                base: 10,
                frac_digits: 0,
            });
        }
        return Err(()); // no digits
    }
    let frac_digits = if dp >= 0 { dp - count } else { 0 };
    Ok(Mantissa {
        value,
        base,
        frac_digits,
    })
}

/// Go's `scanExponent(r, true, true)`: `(exponent, base)`; `(0, 10)` if none.
fn scan_exponent(cur: &mut Cursor<'_>) -> Result<(i64, u32), ()> {
    let base = match cur.read() {
        None => return Ok((0, 10)),
        Some(b'e' | b'E') => 10,
        Some(b'p' | b'P') => 2,
        Some(_) => {
            cur.unread();
            return Ok((0, 10));
        }
    };
    let mut digits = String::new();
    let mut ch = cur.read();
    if let Some(c @ (b'+' | b'-')) = ch {
        if c == b'-' {
            digits.push('-');
        }
        ch = cur.read();
    }
    let (mut prev, mut invalid_sep, mut has_digits) = (b'.', false, false);
    while let Some(c) = ch {
        if c.is_ascii_digit() {
            digits.push(char::from(c));
            prev = b'0';
            has_digits = true;
        } else if c == b'_' {
            invalid_sep |= prev != b'0';
            prev = b'_';
        } else {
            cur.unread();
            break;
        }
        ch = cur.read();
    }
    if !has_digits {
        return Err(());
    }
    let exp: i64 = digits.parse().map_err(|_| ())?;
    if invalid_sep || prev == b'_' {
        return Err(());
    }
    Ok((exp, base))
}

/// Go's `big.Rat.SetString`. `Err(())`: syntax Go rejects. `Ok(None)`: valid
/// syntax, but the value does not fit Volley's `u128` working precision.
/// `Ok(Some((neg, num, den)))` otherwise (not yet reduced).
fn parse_go_rat(s: &str) -> Result<Option<(bool, u128, u128)>, ()> {
    if s.is_empty() {
        return Err(());
    }
    if let Some(sep) = s.find('/') {
        let mut cur = Cursor {
            bytes: &s.as_bytes()[..sep],
            pos: 0,
        };
        let neg = cur.sign()?;
        let num = scan_mantissa(&mut cur, false)?;
        if !cur.at_end() {
            return Err(());
        }
        let mut cur = Cursor {
            bytes: &s.as_bytes()[sep + 1..],
            pos: 0,
        };
        let den = scan_mantissa(&mut cur, false)?;
        if !cur.at_end() || den.value == Some(0) {
            return Err(());
        }
        return Ok(num.value.zip(den.value).map(|(n, d)| (neg, n, d)));
    }

    let mut cur = Cursor {
        bytes: s.as_bytes(),
        pos: 0,
    };
    let neg = cur.sign()?;
    let mant = scan_mantissa(&mut cur, true)?;
    let (exp, exp_base) = scan_exponent(&mut cur)?;
    if !cur.at_end() {
        return Err(());
    }
    if mant.value == Some(0) {
        return Ok(Some((false, 0, 1))); // zero ignores the exponent entirely
    }
    // Split the radix point and the exponent into powers of 2 and 5, like Go.
    let d = mant.frac_digits;
    let (mut exp2, mut exp5) = match mant.base {
        10 => (d, d), // 10^d = 2^d * 5^d
        2 => (d, 0),
        8 => (d.saturating_mul(3), 0),
        _ => (d.saturating_mul(4), 0),
    };
    if exp_base == 10 {
        exp5 = exp5.saturating_add(exp);
    }
    exp2 = exp2.saturating_add(exp);
    // Go refuses these exponents outright (a syntax-level failure).
    if exp5.unsigned_abs() > 1_000_000 || !(-10_000_000..=10_000_000).contains(&exp2) {
        return Err(());
    }
    let Some(mut num) = mant.value else {
        return Ok(None);
    };
    // Cancel factors of 5 and 2 early so exact values such as "0.500" never
    // overflow the u128 working precision needlessly.
    while exp5 < 0 && num % 5 == 0 {
        num /= 5;
        exp5 += 1;
    }
    while exp2 < 0 && num % 2 == 0 {
        num /= 2;
        exp2 += 1;
    }
    let mut den: u128 = 1;
    let pow = |base: u128, e: i64| -> Option<u128> { base.checked_pow(u32::try_from(e).ok()?) };
    let scaled = (|| {
        if exp5 > 0 {
            num = num.checked_mul(pow(5, exp5)?)?;
        } else {
            den = den.checked_mul(pow(5, -exp5)?)?;
        }
        if exp2 > 0 {
            num = num.checked_mul(pow(2, exp2)?)?;
        } else {
            den = den.checked_mul(pow(2, -exp2)?)?;
        }
        let g = gcd_u128(num, den).max(1);
        Some((neg, num / g, den / g))
    })();
    Ok(scaled)
}
