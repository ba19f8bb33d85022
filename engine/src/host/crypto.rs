//! `volley:scenario/crypto` (contract 0.2): hashes, HMACs and random bytes
//! on the host, where they cost microseconds (an interpreted guest needs
//! about a millisecond for a SHA-256 of 1 KiB).

use hmac::{Hmac, Mac};
use ring::rand::SecureRandom;

use super::HostState;
use super::bindings::v2::crypto::{self as wit, Algorithm};

/// Most random bytes one call returns.
const MAX_RANDOM: u32 = 64 * 1024;

fn digest<D: sha2::Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

fn hash(algorithm: Algorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::Md5 => digest::<md5::Md5>(data),
        Algorithm::Sha1 => digest::<sha1::Sha1>(data),
        Algorithm::Sha256 => digest::<sha2::Sha256>(data),
        Algorithm::Sha384 => digest::<sha2::Sha384>(data),
        Algorithm::Sha512 => digest::<sha2::Sha512>(data),
        Algorithm::Sha512224 => digest::<sha2::Sha512_224>(data),
        Algorithm::Sha512256 => digest::<sha2::Sha512_256>(data),
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length.
    match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hmac(algorithm: Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::Md5 => mac::<Hmac<md5::Md5>>(key, data),
        Algorithm::Sha1 => mac::<Hmac<sha1::Sha1>>(key, data),
        Algorithm::Sha256 => mac::<Hmac<sha2::Sha256>>(key, data),
        Algorithm::Sha384 => mac::<Hmac<sha2::Sha384>>(key, data),
        Algorithm::Sha512 => mac::<Hmac<sha2::Sha512>>(key, data),
        Algorithm::Sha512224 => mac::<Hmac<sha2::Sha512_224>>(key, data),
        Algorithm::Sha512256 => mac::<Hmac<sha2::Sha512_256>>(key, data),
    }
}

impl wit::Host for HostState {
    fn hash(&mut self, algorithm: Algorithm, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        Ok(hash(algorithm, &data))
    }

    fn hmac(
        &mut self,
        algorithm: Algorithm,
        key: Vec<u8>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        Ok(hmac(algorithm, &key, &data))
    }

    fn random_bytes(&mut self, n: u32) -> wasmtime::Result<Vec<u8>> {
        let mut out = vec![0u8; n.min(MAX_RANDOM) as usize];
        ring::rand::SystemRandom::new()
            .fill(&mut out)
            .map_err(|_| wasmtime::Error::msg("the system's random source failed"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(&hash(Algorithm::Md5, b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hex(&hash(Algorithm::Sha1, b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&hash(Algorithm::Sha256, b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&hmac(
                Algorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?"
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
