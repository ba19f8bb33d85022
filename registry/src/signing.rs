//! Minisign signatures over component bytes.
//!
//! A signature covers the exact bytes of the component (the artifact's
//! layer), so it also covers the embedded scenario manifest and its
//! capability declarations; it does not cover the OCI annotations, which are
//! informational. Signatures are ordinary minisign signatures: `minisign -Vm
//! scenario.wasm -x scenario.wasm.minisig -p publisher.pub` checks one, and a
//! signature made with `minisign -Sm scenario.wasm` can be pushed with
//! [`crate::Registry::push_signature`].
//!
//! Signing uses the `minisign` crate, verification the dependency-free
//! `minisign-verify` crate.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;

use crate::error::{Error, Result};

/// A minisign secret key, ready to sign.
pub struct Signer {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
    key_id: String,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer {{ key_id: {} }}", self.key_id)
    }
}

impl Signer {
    /// A fresh key pair (unencrypted; write it out with
    /// [`Signer::secret_key_file`] and [`Signer::public_key_file`]).
    pub fn generate() -> Result<Signer> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(|e| Error::Key {
            what: "new key pair".into(),
            reason: e.to_string(),
        })?;
        Signer::from_secret(pair.sk)
    }

    /// Reads a minisign secret key file (`minisign -G` writes
    /// `~/.minisign/minisign.key`). An encrypted key needs its `password`;
    /// nothing is ever prompted.
    pub fn from_file(path: &Path, password: Option<&str>) -> Result<Signer> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read secret key", path, e))?;
        Signer::from_text(&text, password).map_err(|e| match e {
            Error::Key { reason, .. } => Error::Key {
                what: format!("secret key file {}", path.display()),
                reason,
            },
            e => e,
        })
    }

    /// Reads the text of a minisign secret key file.
    pub fn from_text(text: &str, password: Option<&str>) -> Result<Signer> {
        let bad = |reason: &str| Error::Key {
            what: "secret key".into(),
            reason: reason.to_string(),
        };
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let (Some(comment), Some(encoded)) = (lines.next(), lines.next()) else {
            return Err(bad("expected the two lines of a minisign secret key file \
                 (`untrusted comment: ...` and the key)"));
        };
        if !comment.starts_with("untrusted comment:") {
            return Err(bad("the first line is not `untrusted comment: ...`"));
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| bad("the key line is not base64"))?;
        // Bytes 2..4 name the key derivation: all zero when unencrypted.
        let encrypted = raw.get(2..4).is_some_and(|kdf| kdf != [0, 0]);
        let secret_box = minisign::SecretKeyBox::from_string(&format!("{comment}\n{encoded}\n"))
            .map_err(|e| bad(&e.to_string()))?;
        let secret = match (encrypted, password) {
            (false, _) => match secret_box.into_unencrypted_secret_key() {
                Ok(secret) => secret,
                // minisign 0.11 writes unencrypted keys (`-W`) with an
                // all-zero checksum, which the minisign crate takes for
                // corruption. Such a key is read without the checksum; it
                // is checked below by a test signature instead.
                Err(_) if raw.len() == 158 && raw[126..].iter().all(|&b| b == 0) => {
                    minisign::SecretKey::from_bytes(&raw).map_err(|e| bad(&e.to_string()))?
                }
                Err(e) => return Err(bad(&e.to_string())),
            },
            (true, Some(p)) => secret_box
                .into_secret_key(Some(p.to_string()))
                .map_err(|e| bad(&e.to_string()))?,
            (true, None) => {
                return Err(bad(
                    "it is encrypted and no password was given; pass the key's password",
                ));
            }
        };
        let signer = Signer::from_secret(secret)?;
        // A signature that verifies with the key's public half proves the
        // key whole (and the password right).
        signer
            .sign(b"volley key check", Some("key check"))
            .map_err(|_| bad("it is corrupted: its signatures do not verify"))?;
        Ok(signer)
    }

    fn from_secret(secret: minisign::SecretKey) -> Result<Signer> {
        let public = minisign::PublicKey::from_secret_key(&secret).map_err(|e| Error::Key {
            what: "secret key".into(),
            reason: e.to_string(),
        })?;
        let key_id = key_id_of(secret.keynum());
        Ok(Signer {
            secret,
            public,
            key_id,
        })
    }

    /// The key id, as minisign prints it (up to 16 hex digits).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key, base64 (the line of a `.pub` file, the string
    /// `minisign -P` takes).
    pub fn public_key(&self) -> String {
        self.public.to_base64()
    }

    /// The text of a minisign public key file.
    pub fn public_key_file(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.key_id,
            self.public_key()
        )
    }

    /// The text of an unencrypted minisign secret key file. Keep it secret.
    pub fn secret_key_file(&self) -> Result<String> {
        self.secret
            .to_box(Some("minisign secret key (written by Volley)"))
            .map(|b| b.to_string())
            .map_err(|e| Error::Key {
                what: "secret key".into(),
                reason: e.to_string(),
            })
    }

    /// Signs `component` and returns the signature file's text (what
    /// `minisign -S` writes to `FILE.minisig`). The trusted comment is
    /// `trusted_comment`, or one naming the component's digest.
    pub fn sign(&self, component: &[u8], trusted_comment: Option<&str>) -> Result<String> {
        let default_comment = format!(
            "volley component {} timestamp:{}",
            crate::component::sha256_digest(component),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        );
        let comment = trusted_comment.unwrap_or(&default_comment);
        let untrusted = format!("signature from minisign secret key {}", self.key_id);
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(component),
            Some(comment),
            Some(&untrusted),
        )
        .map_err(|e| Error::Key {
            what: "signature".into(),
            reason: e.to_string(),
        })?;
        Ok(signature.into_string())
    }
}

/// A publisher's public key that signatures are checked against.
#[derive(Clone)]
pub struct TrustedKey {
    name: String,
    key_id: String,
    key: minisign_verify::PublicKey,
}

impl fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustedKey {{ {} ({}) }}", self.key_id, self.name)
    }
}

impl TrustedKey {
    /// Parses a public key: the base64 line (`RW…`), or a whole `.pub` file.
    /// `name` says whose key it is; without it, the file's untrusted comment
    /// or the key id is used.
    pub fn parse(text: &str, name: Option<&str>) -> Result<TrustedKey> {
        let mut comment = None;
        let mut encoded = None;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(c) = line.strip_prefix("untrusted comment:") {
                comment = Some(c.trim());
            } else if encoded.is_none() {
                encoded = Some(line);
            } else {
                return Err(Error::Key {
                    what: "public key".into(),
                    reason: "more than one key; use a trust file for several keys".into(),
                });
            }
        }
        let Some(encoded) = encoded else {
            return Err(Error::Key {
                what: "public key".into(),
                reason: "it is empty".into(),
            });
        };
        TrustedKey::from_base64(encoded, name.or(comment))
    }

    fn from_base64(encoded: &str, name: Option<&str>) -> Result<TrustedKey> {
        let bad = || Error::Key {
            what: format!("public key `{encoded}`"),
            reason: "not a minisign public key (a base64 string starting with `RW`, \
                     as printed by `minisign -G`)"
                .into(),
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| bad())?;
        if raw.len() != 42 || &raw[..2] != b"Ed" {
            return Err(bad());
        }
        let key = minisign_verify::PublicKey::from_base64(encoded).map_err(|_| bad())?;
        let key_id = key_id_of(&raw[2..10]);
        Ok(TrustedKey {
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(|| key_id.clone(), str::to_string),
            key_id,
            key,
        })
    }

    /// Whose key it is.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id, as minisign prints it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// The set of keys a run trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
}

/// A signature that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Id of the key that made it.
    pub key_id: String,
    /// Name of that key in the trusted set.
    pub signer: String,
    /// The signature's trusted (signed) comment.
    pub trusted_comment: String,
}

/// Why a signature did not verify against a key set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// Made by a key that is not trusted.
    Untrusted {
        /// The key id in the signature.
        key_id: String,
    },
    /// Claims a trusted key, but the signature does not match the bytes.
    Invalid {
        /// The key id in the signature.
        key_id: String,
    },
    /// Not a minisign signature.
    Malformed(String),
}

impl TrustedKeys {
    /// An empty set.
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Adds a key.
    pub fn add(&mut self, key: TrustedKey) {
        if !self.keys.iter().any(|k| k.key_id == key.key_id) {
            self.keys.push(key);
        }
    }

    /// Parses a trust file: one key per line as `KEY NAME…` (the base64
    /// public key, then whose it is), `#` comments and blank lines ignored.
    /// A line `untrusted comment: …` names the key on the next line, so a
    /// minisign `.pub` file, or several concatenated, is a trust file too.
    pub fn parse(text: &str) -> Result<TrustedKeys> {
        let mut keys = TrustedKeys::new();
        let mut pending_name: Option<&str> = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(c) = line.strip_prefix("untrusted comment:") {
                pending_name = Some(c.trim());
                continue;
            }
            let (key, name) = match line.split_once(char::is_whitespace) {
                Some((k, n)) => (k, Some(n.trim())),
                None => (line, None),
            };
            let key =
                TrustedKey::from_base64(key, name.or(pending_name.take())).map_err(
                    |e| match e {
                        Error::Key { what, reason } => Error::Key {
                            what: format!("{what} on line {}", i + 1),
                            reason,
                        },
                        e => e,
                    },
                )?;
            keys.add(key);
        }
        if keys.is_empty() {
            return Err(Error::Key {
                what: "trust file".into(),
                reason: "it lists no key; write one `KEY NAME` line per publisher".into(),
            });
        }
        Ok(keys)
    }

    /// Reads a trust file or a minisign `.pub` file.
    pub fn load(path: &Path) -> Result<TrustedKeys> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read trusted keys", path, e))?;
        TrustedKeys::parse(&text).map_err(|e| match e {
            Error::Key { what, reason } => Error::Key {
                what: format!("{what} in {}", path.display()),
                reason,
            },
            e => e,
        })
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Key ids of all trusted keys, comma separated (for messages).
    pub fn describe(&self) -> String {
        let ids: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{} ({})", k.key_id, k.name))
            .collect();
        ids.join(", ")
    }

    /// Checks one minisign signature (the text of a `.minisig` file) of
    /// `component` against the trusted keys.
    pub fn verify(
        &self,
        component: &[u8],
        signature: &str,
    ) -> std::result::Result<Verified, SignatureProblem> {
        let key_id = signature_key_id(signature).map_err(SignatureProblem::Malformed)?;
        let parsed = minisign_verify::Signature::decode(signature)
            .map_err(|e| SignatureProblem::Malformed(e.to_string()))?;
        let Some(key) = self.keys.iter().find(|k| k.key_id == key_id) else {
            return Err(SignatureProblem::Untrusted { key_id });
        };
        key.key
            .verify(component, &parsed, false)
            .map_err(|_| SignatureProblem::Invalid {
                key_id: key_id.clone(),
            })?;
        Ok(Verified {
            key_id,
            signer: key.name.clone(),
            trusted_comment: parsed.trusted_comment().to_string(),
        })
    }
}

/// The key id a minisign signature names.
pub fn signature_key_id(signature: &str) -> std::result::Result<String, String> {
    let line = signature
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.contains(':'))
        .ok_or("no signature line")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line)
        .map_err(|_| "the signature line is not base64")?;
    if raw.len() != 74 {
        return Err(format!("a signature is 74 bytes, this one {}", raw.len()));
    }
    Ok(key_id_of(&raw[2..10]))
}

/// minisign prints a key id as the 8 key-number bytes read as a
/// little-endian integer, in uppercase hex without leading zeros (as in the
/// comment of its `.pub` files).
fn key_id_of(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    for (b, k) in bytes.iter_mut().zip(keynum) {
        *b = *k;
    }
    format!("{:X}", u64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_names_the_problem() -> Result<()> {
        let alice = Signer::generate()?;
        let mallory = Signer::generate()?;
        let data = b"component bytes";
        let sig = alice.sign(data, None)?;
        assert_eq!(signature_key_id(&sig).as_deref(), Ok(alice.key_id()));

        let trust = TrustedKeys::parse(&format!(
            "# publishers\n{} Alice Example\n\n{}",
            alice.public_key(),
            mallory.public_key_file()
        ))?;
        assert_eq!(trust.keys().len(), 2);
        assert_eq!(trust.keys()[0].name(), "Alice Example");
        assert_eq!(
            trust.keys()[1].name(),
            format!("minisign public key {}", mallory.key_id())
        );
        let ok = trust
            .verify(data, &sig)
            .map_err(|e| Error::Component(format!("{e:?}")))?;
        assert_eq!(
            (ok.key_id.as_str(), ok.signer.as_str()),
            (alice.key_id(), "Alice Example")
        );
        assert!(ok.trusted_comment.starts_with("volley component sha256:"));

        let only_mallory = TrustedKeys::parse(&mallory.public_key())?;
        assert_eq!(
            only_mallory.verify(data, &sig),
            Err(SignatureProblem::Untrusted {
                key_id: alice.key_id().to_string()
            })
        );
        assert_eq!(
            trust.verify(b"component bytez", &sig),
            Err(SignatureProblem::Invalid {
                key_id: alice.key_id().to_string()
            })
        );
        assert!(matches!(
            trust.verify(data, "hello"),
            Err(SignatureProblem::Malformed(_))
        ));
        Ok(())
    }

    #[test]
    fn key_ids_are_printed_like_minisign() {
        assert_eq!(
            key_id_of(&[0x98, 0x52, 0x73, 0xDB, 0x39, 0x4D, 0x71, 0x24]),
            "24714D39DB735298"
        );
        assert_eq!(
            key_id_of(&[0x0C, 0x30, 0xCF, 0xA9, 0x5B, 0xF9, 0x65, 0x02]),
            "265F95BA9CF300C"
        );
    }

    #[test]
    fn key_files_round_trip_and_bad_keys_are_named() -> Result<()> {
        let k = Signer::generate()?;
        let again = Signer::from_text(&k.secret_key_file()?, None)?;
        assert_eq!(again.key_id(), k.key_id());
        let pk = TrustedKey::parse(&k.public_key_file(), None)?;
        assert_eq!(pk.key_id(), k.key_id());
        let e = TrustedKeys::parse("# nothing\n")
            .expect_err("empty trust file")
            .to_string();
        assert!(e.contains("lists no key"), "{e}");
        let e = TrustedKeys::parse("RWQnotakey Bob\n")
            .expect_err("bad key")
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("not a minisign public key"),
            "{e}"
        );
        let e = Signer::from_text("hello", None)
            .expect_err("bad secret")
            .to_string();
        assert!(e.contains("secret key"), "{e}");
        Ok(())
    }
}
