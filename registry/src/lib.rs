//! The library behind Volley's scenario marketplace.
//!
//! Scenarios are published to OCI registries (GHCR, Docker Hub, a private
//! `docker-registry`) as *wasm OCI artifacts* (the CNCF TAG-Runtime layout:
//! one `application/wasm` layer, an `application/vnd.wasm.config.v0+json`
//! config), signed with minisign, and pulled by tag or digest into a
//! content-addressed local cache that also serves offline runs.
//!
//! - [`Reference`], a scenario's address:
//!   `oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`.
//! - [`ScenarioManifest`], the `volley.toml` a scenario declares itself
//!   with, embedded in the component by [`stamp`] and read back by
//!   [`read_manifest`]; [`ScenarioManifest::check_env`] checks a run's
//!   parameters.
//! - [`read_metadata`] and [`component_info`] tell what a component says about
//!   itself, without instantiating it.
//! - [`Registry`] does push, pull, inspect, list, sign and verify against one
//!   registry, with [`Credentials`] and the plain-HTTP policy of
//!   [`allows_plain_http`].
//! - [`Signer`] and [`TrustedKeys`] hold minisign keys and trust files.
//!
//! The crate makes no TLS crypto provider choice: the program must install
//! one for rustls before the first HTTPS request (the engine installs
//! `ring`'s).

pub mod artifact;
mod auth;
mod cache;
mod client;
mod component;
mod error;
mod reference;
pub mod scenario;
mod signing;

pub use auth::{Credentials, allows_plain_http, docker_config_path};
pub use cache::Cache;
pub use client::{
    Inspected, Options, Pulled, PushOptions, Pushed, Registry, SignaturePushed, TagInfo,
    artifact_annotations,
};
pub use component::{
    ComponentInfo, ComponentMetadata, SCENARIO_WORLD, component_info, read_manifest, read_metadata,
    sha256_digest, stamp,
};
pub use error::{Error, Result};
pub use reference::{DEFAULT_TAG, Reference, SCHEME};
pub use scenario::{
    Capabilities, DataSet, HostPattern, ManifestError, ParamError, ParamReport, ParamType,
    ParamValue, Parameter, ScenarioManifest,
};
pub use signing::{SignatureProblem, Signer, TrustedKey, TrustedKeys, Verified, signature_key_id};
