//! The one error type of this crate. Every message names what went wrong and,
//! where there is one, what the user can do about it: the engine prints them
//! as they are.

use std::path::PathBuf;

/// What can go wrong while reading, publishing, fetching or checking a
/// scenario.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario reference that does not parse.
    #[error(
        "invalid scenario reference `{reference}`: {reason}; expected \
         oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST], \
         e.g. oci://ghcr.io/acme/checkout:1.2.0"
    )]
    InvalidReference {
        /// The text as given.
        reference: String,
        /// Which part is wrong.
        reason: String,
    },

    /// The registry could not be reached at all (refused, unresolvable,
    /// TLS failure, connection reset).
    #[error("cannot reach registry {registry}: {detail}; {hint}")]
    Connection {
        /// `host[:port]` of the registry.
        registry: String,
        /// What the network layer said.
        detail: String,
        /// What to check.
        hint: String,
    },

    /// The registry did not answer in time.
    #[error(
        "registry {registry} did not answer within {seconds}s; check the \
         network, or use the local cache with --offline"
    )]
    Timeout {
        /// `host[:port]` of the registry.
        registry: String,
        /// The limit that was exceeded, in seconds.
        seconds: u64,
    },

    /// A reference to another registry than the client's: it is refused
    /// rather than sent the client's credentials.
    #[error(
        "{reference} is on registry {registry_of_reference}, but this client (and its \
         credentials) is for {client_registry}; make a client for that registry"
    )]
    WrongRegistry {
        /// The reference.
        reference: String,
        /// Its registry.
        registry_of_reference: String,
        /// The client's registry.
        client_registry: String,
    },

    /// The registry refused the request for lack of (valid) credentials.
    #[error("registry {registry} refused access to {repository}: {detail}")]
    Auth {
        /// `host[:port]` of the registry.
        registry: String,
        /// The repository the request was for.
        repository: String,
        /// Why, and how to fix it (which credentials were used).
        detail: String,
    },

    /// Half of a user and password pair was given.
    #[error("incomplete registry credentials: {0}")]
    IncompleteCredentials(String),

    /// The tag, digest or repository does not exist in the registry.
    #[error(
        "{reference} was not found in the registry: check the repository \
         name and the tag (`volley search` lists the tags of a repository)"
    )]
    NotFound {
        /// The reference that was looked up.
        reference: String,
    },

    /// Downloaded (or cached) content does not hash to the digest it was
    /// asked for: it was altered on the registry or on the way.
    #[error(
        "digest mismatch for the {what} of {reference}: expected {expected}, \
         got {actual}; the content was altered in the registry or in transit \
         and was refused (nothing was run or cached)"
    )]
    DigestMismatch {
        /// Which part: `manifest`, `config`, `component layer`, `signature`.
        what: String,
        /// The reference being fetched.
        reference: String,
        /// The digest the content should have.
        expected: String,
        /// The digest the content has.
        actual: String,
    },

    /// The artifact exists but is not a WebAssembly component artifact in
    /// the layout this crate reads.
    #[error(
        "{reference} is not a WebAssembly component artifact: {reason}; \
         publish scenarios with `volley push`"
    )]
    NotAComponentArtifact {
        /// The reference that was fetched.
        reference: String,
        /// What is off about it.
        reason: String,
    },

    /// Any other answer from the registry that is not a success.
    #[error("registry {registry} failed: {detail}")]
    Registry {
        /// `host[:port]` of the registry.
        registry: String,
        /// The status and message the registry gave.
        detail: String,
    },

    /// Offline mode and the reference is not in the local cache.
    #[error(
        "{reference} is not in the local cache ({cache}) and offline mode \
         is on: pull it once while online (`volley pull {reference}`), or \
         drop --offline"
    )]
    NotCached {
        /// The reference that was looked up.
        reference: String,
        /// The cache directory that was searched.
        cache: PathBuf,
    },

    /// The operation needs the registry, and offline mode is on.
    #[error("cannot {0} in offline mode: it needs the registry; drop --offline")]
    Offline(&'static str),

    /// No cache directory could be determined.
    #[error(
        "no cache directory: none of VOLLEY_CACHE_DIR, XDG_CACHE_HOME or HOME \
         is set; set VOLLEY_CACHE_DIR to a writable directory"
    )]
    NoCacheDir,

    /// Reading or writing a local file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`cannot read`, `cannot write`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The component has no signature artifact in the registry.
    #[error(
        "{reference} is not signed: the registry has no signature under tag \
         `{tag}`; ask the publisher to sign it (`volley sign`) or run it \
         without signature verification if you trust its source"
    )]
    Unsigned {
        /// The scenario reference.
        reference: String,
        /// The signature tag that was looked for.
        tag: String,
    },

    /// The component is signed, but by none of the trusted keys.
    #[error(
        "{reference} is signed by key {signed_by}, which is not among the \
         trusted keys ({trusted}); add the publisher's public key to your \
         trust file if you trust them"
    )]
    UntrustedSigner {
        /// The scenario reference.
        reference: String,
        /// Key id(s) of the signature(s) found, as minisign prints them.
        signed_by: String,
        /// Key ids of the trusted keys.
        trusted: String,
    },

    /// A signature from a trusted key exists but does not verify: the
    /// component or the signature was altered after signing.
    #[error(
        "the signature of {reference} by trusted key {key_id} does not \
         verify: the component or its signature was altered after signing; \
         do not run it"
    )]
    BadSignature {
        /// The scenario reference.
        reference: String,
        /// The trusted key the signature claims.
        key_id: String,
    },

    /// A minisign key, key file, trust file or signature that does not parse.
    #[error("invalid {what}: {reason}")]
    Key {
        /// What was being read (`public key`, `secret key file ...`, ...).
        what: String,
        /// Why it was refused and what is expected.
        reason: String,
    },

    /// The bytes are not a WebAssembly component this crate can read.
    #[error("invalid component: {0}")]
    Component(String),

    /// A scenario manifest (volley.toml or the embedded section) is invalid.
    #[error(transparent)]
    Manifest(#[from] crate::scenario::ManifestError),

    /// The docker `config.json` could not be read.
    #[error("cannot use docker credentials from {}: {reason}", path.display())]
    DockerConfig {
        /// The config file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
