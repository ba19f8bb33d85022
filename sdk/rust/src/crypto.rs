//! Hashes, HMACs and random bytes, computed on the host (k6's `k6/crypto`).
//!
//! ```no_run
//! use volley_sdk::crypto::{self, Algorithm};
//! let digest = crypto::hash(Algorithm::Sha256, b"hello");
//! assert_eq!(crypto::hex(&digest).len(), 64);
//! ```

use crate::bindings::volley::scenario::crypto as wit;

/// A hash function.
pub use wit::Algorithm;

/// The digest of `data`.
pub fn hash(algorithm: Algorithm, data: &[u8]) -> Vec<u8> {
    wit::hash(algorithm, data)
}

/// HMAC of `data` with `key`.
pub fn hmac(algorithm: Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    wit::hmac(algorithm, key, data)
}

/// `n` cryptographically random bytes (at most 65536).
pub fn random_bytes(n: u32) -> Vec<u8> {
    wit::random_bytes(n)
}

/// Bytes as lower-case hex (k6's `.hex()` output).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(super::hex(&[]), "");
    }
}
