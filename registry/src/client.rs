//! Talking to one OCI registry: push, pull (through the local cache),
//! signatures, tag listings.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};

use crate::artifact::{
    self, Descriptor, EMPTY_CONFIG_MEDIA_TYPE, ImageManifest, OCI_MANIFEST_MEDIA_TYPE,
    SIGNATURE_ARTIFACT_TYPE, SIGNATURE_LAYER_MEDIA_TYPE, WasmConfig, annotations,
};
use crate::auth::{Credentials, allows_plain_http};
use crate::cache::Cache;
use crate::component::{self, ComponentMetadata, sha256_digest};
use crate::error::{Error, Result};
use crate::reference::Reference;
use crate::scenario::ScenarioManifest;
use crate::signing::{SignatureProblem, Signer, TrustedKeys, Verified, signature_key_id};

/// How to reach a registry.
#[derive(Debug, Clone)]
pub struct Options {
    /// Credentials for this registry ([`Credentials::resolve`] picks them the
    /// way the engine does).
    pub credentials: Credentials,
    /// Registries (`host:port`, or `host` for any port) that may be spoken
    /// to over plain HTTP although they are not on loopback
    /// (`--insecure-registry`).
    pub insecure_registries: Vec<String>,
    /// The longest wait for any one request (connecting, each read, and
    /// every metadata request as a whole).
    pub timeout: Duration,
    /// The cache to use; `None` is the user's ([`Cache::user`]).
    pub cache: Option<Cache>,
    /// Never touch the network: tags and digests resolve from the cache only.
    pub offline: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            credentials: Credentials::Anonymous,
            insecure_registries: Vec::new(),
            timeout: Duration::from_secs(60),
            cache: None,
            offline: false,
        }
    }
}

/// Extra choices for [`Registry::push`].
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Annotations to set on the manifest, over those derived from the
    /// component (e.g. `org.opencontainers.image.version`).
    pub annotations: BTreeMap<String, String>,
    /// The config's `author`; defaults to the component's `authors`.
    pub author: Option<String>,
    /// The creation time (RFC 3339) to record instead of now, for
    /// reproducible artifacts.
    pub created: Option<String>,
    /// The world the component targets, instead of the one inferred from its
    /// exports.
    pub target: Option<String>,
}

/// What [`Registry::push`] published.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The reference pushed, pinned to the manifest digest.
    pub reference: Reference,
    /// Digest of the manifest (what `@sha256:…` references pin).
    pub manifest_digest: String,
    /// Digest of the component bytes (what signatures are keyed by).
    pub component_digest: String,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
}

/// A component fetched by [`Registry::pull`], verified and cached.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The reference as asked, pinned to the manifest digest it resolved to.
    pub reference: Reference,
    /// Digest of the manifest.
    pub manifest_digest: String,
    /// Digest of the component bytes.
    pub component_digest: String,
    /// Where the component is in the cache (content-addressed, read-only by
    /// convention: never modify it).
    pub component_path: PathBuf,
    /// The artifact's manifest (annotations included).
    pub manifest: ImageManifest,
    /// The artifact's config.
    pub config: WasmConfig,
}

impl Pulled {
    /// The component's bytes, checked again against their digest.
    pub fn component(&self) -> Result<Vec<u8>> {
        let bytes = std::fs::read(&self.component_path)
            .map_err(|e| Error::io("cannot read pulled component", &self.component_path, e))?;
        let actual = sha256_digest(&bytes);
        if actual != self.component_digest {
            return Err(Error::DigestMismatch {
                what: "cached component".into(),
                reference: self.reference.to_string(),
                expected: self.component_digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }
}

/// An artifact's manifest and config, without its component
/// ([`Registry::inspect`]).
#[derive(Debug, Clone)]
pub struct Inspected {
    /// The reference, pinned to the manifest digest.
    pub reference: Reference,
    /// Digest of the manifest.
    pub manifest_digest: String,
    /// The manifest (annotations, component layer descriptor).
    pub manifest: ImageManifest,
    /// The config (imports, exports, target world).
    pub config: WasmConfig,
}

/// One tag of a repository, as listed by [`Registry::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// The tag.
    pub tag: String,
    /// The manifest digest it points to.
    pub digest: String,
    /// `org.opencontainers.image.title`.
    pub title: Option<String>,
    /// `org.opencontainers.image.version`.
    pub version: Option<String>,
    /// `org.opencontainers.image.description`.
    pub description: Option<String>,
    /// `org.opencontainers.image.created`.
    pub created: Option<String>,
    /// All manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// Whether it is a wasm component artifact (other artifacts are listed
    /// too, flagged).
    pub is_component: bool,
    /// Whether the registry holds a signature for its component.
    pub signed: bool,
}

/// A signature pushed by [`Registry::push_signature`].
#[derive(Debug, Clone)]
pub struct SignaturePushed {
    /// The signature artifact, `…:sha256-<component hex>.sig@sha256:…`.
    pub reference: Reference,
    /// Key id of the signature just added.
    pub key_id: String,
    /// How many signatures the artifact now holds (one per key).
    pub signatures: usize,
}

/// A client for one OCI registry.
///
/// Credentials are bound to the registry given to [`Registry::new`];
/// references to another registry are refused rather than sent them.
pub struct Registry {
    registry: String,
    options: Options,
    cache: Cache,
    client: oci_client::Client,
    auth: oci_client::secrets::RegistryAuth,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("registry", &self.registry)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

const USER_AGENT: &str = concat!("volley/", env!("CARGO_PKG_VERSION"));

/// At most this many pages of 100 tags are listed.
const MAX_TAG_PAGES: usize = 100;

impl Registry {
    /// A client for `registry` (`host[:port]`, as in a reference). Plain
    /// HTTP is used only when [`allows_plain_http`] says so.
    pub fn new(registry: &str, options: Options) -> Result<Registry> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(Error::Connection {
                registry: registry.to_string(),
                detail: "no TLS crypto provider is installed".into(),
                hint: "the program must call \
                       rustls::crypto::ring::default_provider().install_default() first"
                    .into(),
            });
        }
        let cache = match &options.cache {
            Some(c) => c.clone(),
            None => Cache::user()?,
        };
        let protocol = if allows_plain_http(registry, &options.insecure_registries) {
            ClientProtocol::HttpsExcept(vec![registry.to_string()])
        } else {
            ClientProtocol::Https
        };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(options.timeout.min(Duration::from_secs(10))),
            read_timeout: Some(options.timeout),
            platform_resolver: None,
            user_agent: USER_AGENT,
            ..ClientConfig::default()
        };
        let client = oci_client::Client::try_from(config).map_err(|e| Error::Connection {
            registry: registry.to_string(),
            detail: format!("cannot set up the HTTP client: {}", chain(&e)),
            hint: "check the TLS setup".into(),
        })?;
        Ok(Registry {
            registry: registry.to_string(),
            auth: options.credentials.to_oci(),
            options,
            cache,
            client,
        })
    }

    /// A client for the registry of `reference`.
    pub fn for_reference(reference: &Reference, options: Options) -> Result<Registry> {
        Registry::new(reference.registry(), options)
    }

    /// The cache this client reads and fills.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Publishes `component` under `reference` (which needs a tag) as a wasm
    /// OCI artifact: the component as its one layer, a config listing its
    /// imports, exports and target world, and annotations from its registry
    /// metadata and embedded scenario manifest.
    pub async fn push(
        &self,
        reference: &Reference,
        component: &[u8],
        options: &PushOptions,
    ) -> Result<Pushed> {
        self.check_registry(reference)?;
        if self.options.offline {
            return Err(Error::Offline("push"));
        }
        if reference.digest().is_some() || reference.tag().is_none() {
            return Err(Error::InvalidReference {
                reference: reference.to_string(),
                reason: "a push needs a tag and no digest (the digest is computed)".into(),
            });
        }
        let mut info = component::component_info(component)?;
        if let Some(target) = &options.target {
            info.target = Some(target.clone());
        }
        let metadata = component::read_metadata(component)?;
        let scenario = component::read_manifest(component)?;
        let created = match &options.created {
            Some(c) if artifact::is_rfc3339(c) => c.clone(),
            Some(c) => {
                return Err(Error::Component(format!(
                    "creation time `{c}` is not RFC 3339 (e.g. 2025-01-31T12:00:00Z)"
                )));
            }
            None => artifact::now_rfc3339(),
        };
        let mut annotations = artifact_annotations(&metadata, scenario.as_ref(), &created);
        annotations.extend(options.annotations.clone());

        self.login_for_push(reference).await?;
        let component_digest = sha256_digest(component);
        let config = WasmConfig {
            created,
            author: options.author.clone().or(metadata.authors.clone()),
            architecture: artifact::WASM_ARCHITECTURE.into(),
            os: artifact::COMPONENT_OS.into(),
            layer_digests: vec![component_digest.clone()],
            component: Some(info),
        };
        let config_bytes = serde_json::to_vec(&config).unwrap_or_default();
        let manifest = ImageManifest::component(&config_bytes, component, annotations.clone());
        let manifest_bytes = manifest.to_bytes();
        self.upload_blob(reference, component, &component_digest)
            .await?;
        self.upload_blob(reference, &config_bytes, &manifest.config.digest)
            .await?;
        let manifest_digest = self.upload_manifest(reference, manifest_bytes).await?;
        Ok(Pushed {
            reference: reference.pinned(&manifest_digest),
            manifest_digest,
            component_digest,
            annotations,
        })
    }

    /// Fetches the component `reference` names (by tag or digest), checks
    /// the digest of the manifest, config and component, and caches them.
    ///
    /// A digest reference already in the cache needs no network. Tags
    /// resolve through the registry, or, offline, through the cache's
    /// record of the last pull.
    pub async fn pull(&self, reference: &Reference) -> Result<Pulled> {
        let inspected = self.inspect(reference).await?;
        let layer = inspected
            .manifest
            .component_layer()
            .map_err(|reason| self.not_component(reference, reason))?
            .clone();
        self.fetch_blob(reference, &layer.digest, "component layer")
            .await?;
        if reference.digest().is_none() {
            // Recorded last, so that offline runs only ever resolve a tag to
            // a complete, verified artifact.
            self.cache
                .record_tag(reference, &inspected.manifest_digest)?;
        }
        Ok(Pulled {
            component_path: self.cache.blob_path(&layer.digest),
            reference: inspected.reference,
            manifest_digest: inspected.manifest_digest,
            component_digest: layer.digest,
            manifest: inspected.manifest,
            config: inspected.config,
        })
    }

    /// Fetches (or reads from the cache) the manifest and config of the
    /// component artifact `reference` names, without the component.
    pub async fn inspect(&self, reference: &Reference) -> Result<Inspected> {
        self.check_registry(reference)?;
        let (manifest_bytes, manifest_digest) = self.fetch_manifest(reference).await?;
        let manifest: ImageManifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
            self.not_component(reference, format!("its manifest is not valid JSON ({e})"))
        })?;
        let layer = manifest
            .component_layer()
            .map_err(|reason| self.not_component(reference, reason))?;
        let config_bytes = self
            .fetch_blob(reference, &manifest.config.digest, "config")
            .await?;
        let config: WasmConfig = serde_json::from_slice(&config_bytes).map_err(|e| {
            self.not_component(reference, format!("its config is not a wasm config ({e})"))
        })?;
        if config.layer_digests != [layer.digest.clone()] {
            return Err(self.not_component(
                reference,
                "the config's layerDigests do not match the manifest's layer".into(),
            ));
        }
        Ok(Inspected {
            reference: reference.pinned(&manifest_digest),
            manifest_digest,
            manifest,
            config,
        })
    }

    /// Signs a pulled component with `signer` and pushes the signature
    /// ([`Registry::push_signature`]).
    pub async fn sign(&self, pulled: &Pulled, signer: &Signer) -> Result<SignaturePushed> {
        let component = pulled.component()?;
        let signature = signer.sign(&component, None)?;
        self.push_signature(&pulled.reference, &pulled.component_digest, &signature)
            .await
    }

    /// Pushes `signature` (the text of a minisign `.minisig` file over the
    /// component bytes) as the signature artifact of the component with
    /// digest `component_digest` in `reference`'s repository, under tag
    /// `sha256-<component hex>.sig`. Signatures by other keys already there
    /// are kept; one by the same key is replaced.
    pub async fn push_signature(
        &self,
        reference: &Reference,
        component_digest: &str,
        signature: &str,
    ) -> Result<SignaturePushed> {
        self.check_registry(reference)?;
        if self.options.offline {
            return Err(Error::Offline("push a signature"));
        }
        let key_id = signature_key_id(signature).map_err(|reason| Error::Key {
            what: "signature".into(),
            reason: format!("not a minisign signature: {reason}"),
        })?;
        let sig_ref = reference.retagged(&artifact::signature_tag(component_digest))?;
        self.login_for_push(&sig_ref).await?;
        let mut layers: Vec<Descriptor> = match self.fetch_remote_manifest(&sig_ref).await {
            Ok((bytes, _)) => serde_json::from_slice::<ImageManifest>(&bytes)
                .map(|m| m.layers)
                .unwrap_or_default(),
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        layers.retain(|l| {
            l.media_type == SIGNATURE_LAYER_MEDIA_TYPE
                && l.annotations
                    .as_ref()
                    .and_then(|a| a.get(annotations::SIGNATURE_KEY_ID))
                    .is_some_and(|k| *k != key_id)
        });
        let mut layer = Descriptor::of(SIGNATURE_LAYER_MEDIA_TYPE, signature.as_bytes());
        layer.annotations = Some(BTreeMap::from([(
            annotations::SIGNATURE_KEY_ID.to_string(),
            key_id.clone(),
        )]));
        self.upload_blob(&sig_ref, signature.as_bytes(), &layer.digest)
            .await?;
        layers.push(layer);
        let empty = b"{}";
        let config = Descriptor::of(EMPTY_CONFIG_MEDIA_TYPE, empty);
        self.upload_blob(&sig_ref, empty, &config.digest).await?;
        let count = layers.len();
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST_MEDIA_TYPE.into()),
            artifact_type: Some(SIGNATURE_ARTIFACT_TYPE.into()),
            config,
            layers,
            annotations: BTreeMap::from([
                (
                    annotations::SIGNATURE_SUBJECT.to_string(),
                    component_digest.to_string(),
                ),
                (annotations::CREATED.to_string(), artifact::now_rfc3339()),
            ]),
        };
        let digest = self.upload_manifest(&sig_ref, manifest.to_bytes()).await?;
        Ok(SignaturePushed {
            reference: sig_ref.pinned(&digest),
            key_id,
            signatures: count,
        })
    }

    /// Checks the signatures of a pulled component against `keys`: fetches
    /// its signature artifact (from the cache when offline) and accepts the
    /// first signature by a trusted key that verifies over the component
    /// bytes.
    ///
    /// Refused, each with its own error: no signature ([`Error::Unsigned`]),
    /// signatures only by untrusted keys ([`Error::UntrustedSigner`]), a
    /// trusted key's signature that does not match the bytes
    /// ([`Error::BadSignature`]), and a signature blob that does not match
    /// its digest ([`Error::DigestMismatch`]).
    pub async fn verify(&self, pulled: &Pulled, keys: &TrustedKeys) -> Result<Verified> {
        self.check_registry(&pulled.reference)?;
        if keys.is_empty() {
            return Err(Error::Key {
                what: "trusted keys".into(),
                reason: "none were given; pass a public key or a trust file".into(),
            });
        }
        let component = pulled.component()?;
        let tag = artifact::signature_tag(&pulled.component_digest);
        let sig_ref = pulled.reference.retagged(&tag)?;
        let unsigned = || Error::Unsigned {
            reference: pulled.reference.to_string(),
            tag: tag.clone(),
        };
        let (bytes, sig_digest) = match self.fetch_manifest(&sig_ref).await {
            Ok(found) => found,
            Err(Error::NotFound { .. }) => return Err(unsigned()),
            Err(e) => return Err(e),
        };
        let manifest: ImageManifest = serde_json::from_slice(&bytes).map_err(|e| Error::Key {
            what: format!("signature artifact {sig_ref}"),
            reason: format!("its manifest is not valid JSON ({e})"),
        })?;
        let mut untrusted = Vec::new();
        let mut invalid = None;
        let mut malformed = None;
        for layer in manifest
            .layers
            .iter()
            .filter(|l| l.media_type == SIGNATURE_LAYER_MEDIA_TYPE)
        {
            let blob = self
                .fetch_blob(&sig_ref, &layer.digest, "signature")
                .await?;
            let text = String::from_utf8_lossy(&blob);
            match keys.verify(&component, &text) {
                Ok(verified) => {
                    if !self.options.offline {
                        self.cache.record_tag(&sig_ref, &sig_digest)?;
                    }
                    return Ok(verified);
                }
                Err(SignatureProblem::Untrusted { key_id }) => untrusted.push(key_id),
                Err(SignatureProblem::Invalid { key_id }) => invalid = Some(key_id),
                Err(SignatureProblem::Malformed(reason)) => malformed = Some(reason),
            }
        }
        if let Some(key_id) = invalid {
            return Err(Error::BadSignature {
                reference: pulled.reference.to_string(),
                key_id,
            });
        }
        if !untrusted.is_empty() {
            return Err(Error::UntrustedSigner {
                reference: pulled.reference.to_string(),
                signed_by: untrusted.join(", "),
                trusted: keys.describe(),
            });
        }
        if let Some(reason) = malformed {
            return Err(Error::Key {
                what: format!("signature in {sig_ref}"),
                reason,
            });
        }
        Err(unsigned())
    }

    /// The tags of `repository`'s repository (its tag and digest are
    /// ignored), sorted by name, each with its manifest annotations.
    /// Signature tags are left out; `signed` tells which components have one.
    pub async fn list(&self, repository: &Reference) -> Result<Vec<TagInfo>> {
        self.check_registry(repository)?;
        if self.options.offline {
            return Err(Error::Offline("list tags"));
        }
        let oci_ref = repository.to_oci();
        let mut tags: Vec<String> = Vec::new();
        let mut last: Option<String> = None;
        for _ in 0..MAX_TAG_PAGES {
            let page = self
                .net(
                    repository,
                    self.client
                        .list_tags(&oci_ref, &self.auth, Some(100), last.as_deref()),
                    "tag list",
                )
                .await?;
            let done = page.tags.len() < 100;
            last = page.tags.last().cloned();
            tags.extend(page.tags);
            if done || last.is_none() {
                break;
            }
        }
        tags.sort();
        let signatures: BTreeSet<&str> = tags
            .iter()
            .map(String::as_str)
            .filter(|t| artifact::is_signature_tag(t))
            .collect();
        let mut out = Vec::new();
        for tag in tags.iter().filter(|t| !artifact::is_signature_tag(t)) {
            let tagged = repository.retagged(tag)?;
            let (bytes, digest) = self.fetch_remote_manifest(&tagged).await?;
            let manifest: Option<ImageManifest> = serde_json::from_slice(&bytes).ok();
            let annotations = manifest
                .as_ref()
                .map(|m| m.annotations.clone())
                .unwrap_or_default();
            let layer = manifest.as_ref().and_then(|m| m.component_layer().ok());
            let get = |k: &str| annotations.get(k).cloned();
            out.push(TagInfo {
                tag: tag.clone(),
                digest,
                title: get(annotations::TITLE),
                version: get(annotations::VERSION),
                description: get(annotations::DESCRIPTION),
                created: get(annotations::CREATED),
                is_component: layer.is_some(),
                signed: layer.is_some_and(|l| {
                    signatures.contains(artifact::signature_tag(&l.digest).as_str())
                }),
                annotations,
            });
        }
        Ok(out)
    }

    // ----- plumbing -----

    fn check_registry(&self, reference: &Reference) -> Result<()> {
        if reference.registry() == self.registry {
            Ok(())
        } else {
            Err(Error::WrongRegistry {
                reference: reference.to_string(),
                registry_of_reference: reference.registry().to_string(),
                client_registry: self.registry.clone(),
            })
        }
    }

    fn connection_hint(&self) -> String {
        let offline = "or use what is cached with --offline";
        if allows_plain_http(&self.registry, &self.options.insecure_registries) {
            format!(
                "check that the registry is running at {} (plain HTTP); {offline}",
                self.registry
            )
        } else {
            format!(
                "check the address and the network; Volley speaks HTTPS to {reg} (a \
                 registry on another machine that only speaks plain HTTP must be listed \
                 with --insecure-registry {reg}); {offline}",
                reg = self.registry
            )
        }
    }

    fn not_component(&self, reference: &Reference, reason: String) -> Error {
        Error::NotAComponentArtifact {
            reference: reference.to_string(),
            reason,
        }
    }

    /// Runs one registry request with the time limit, mapping its errors.
    async fn net<T>(
        &self,
        reference: &Reference,
        request: impl Future<Output = oci_client::errors::Result<T>>,
        what: &str,
    ) -> Result<T> {
        match tokio::time::timeout(self.options.timeout, request).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.map_error(e, reference, what)),
            Err(_) => Err(Error::Timeout {
                registry: self.registry.clone(),
                seconds: self.options.timeout.as_secs(),
            }),
        }
    }

    /// The manifest `reference` names and its digest: from the cache for a
    /// cached digest or when offline, else from the registry (then cached).
    async fn fetch_manifest(&self, reference: &Reference) -> Result<(Vec<u8>, String)> {
        let pinned = match reference.digest() {
            Some(d) => Some(d.to_string()),
            None if self.options.offline => self.cache.resolve_tag(reference)?,
            None => None,
        };
        if let Some(digest) = &pinned
            && let Some(bytes) = self.cache.read_blob(digest)?
        {
            return Ok((bytes, digest.clone()));
        }
        if self.options.offline {
            return Err(Error::NotCached {
                reference: reference.to_string(),
                cache: self.cache.root().to_path_buf(),
            });
        }
        let (bytes, digest) = self.fetch_remote_manifest(reference).await?;
        self.cache.write_blob(&digest, &bytes)?;
        Ok((bytes, digest))
    }

    /// The manifest from the registry, its digest checked.
    async fn fetch_remote_manifest(&self, reference: &Reference) -> Result<(Vec<u8>, String)> {
        let (body, _) = self
            .net(
                reference,
                self.client.pull_manifest_raw(
                    &reference.to_oci(),
                    &self.auth,
                    &[OCI_MANIFEST_MEDIA_TYPE],
                ),
                "manifest",
            )
            .await?;
        let actual = sha256_digest(&body);
        if let Some(expected) = reference.digest()
            && expected != actual
        {
            return Err(Error::DigestMismatch {
                what: "manifest".into(),
                reference: reference.to_string(),
                expected: expected.to_string(),
                actual,
            });
        }
        Ok((body.to_vec(), actual))
    }

    /// The blob with `digest`, from the cache or the registry (then cached),
    /// its digest checked either way.
    async fn fetch_blob(&self, reference: &Reference, digest: &str, what: &str) -> Result<Vec<u8>> {
        if let Some(bytes) = self.cache.read_blob(digest)? {
            return Ok(bytes);
        }
        if self.options.offline {
            return Err(Error::NotCached {
                reference: reference.to_string(),
                cache: self.cache.root().to_path_buf(),
            });
        }
        let mut bytes = Vec::new();
        // No overall limit: a large component may take long; the read
        // timeout still ends a stalled transfer.
        self.client
            .pull_blob(&reference.to_oci(), digest, &mut bytes)
            .await
            .map_err(|e| self.map_error(e, reference, what))?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(Error::DigestMismatch {
                what: what.to_string(),
                reference: reference.to_string(),
                expected: digest.to_string(),
                actual,
            });
        }
        self.cache.write_blob(digest, &bytes)?;
        Ok(bytes)
    }

    /// Authenticates for pushing to `reference`'s repository, so that a
    /// token service's refusal is reported as such.
    async fn login_for_push(&self, reference: &Reference) -> Result<()> {
        self.net(
            reference,
            self.client.auth(
                &reference.to_oci(),
                &self.auth,
                oci_client::RegistryOperation::Push,
            ),
            "login",
        )
        .await
        .map(|_| ())
    }

    async fn upload_blob(&self, reference: &Reference, bytes: &[u8], digest: &str) -> Result<()> {
        let oci_ref = reference.to_oci();
        let exists = self
            .net(reference, self.client.blob_exists(&oci_ref, digest), "blob")
            .await?;
        if !exists {
            self.net(
                reference,
                self.client.push_blob(&oci_ref, bytes.to_vec(), digest),
                "blob upload",
            )
            .await?;
        }
        Ok(())
    }

    async fn upload_manifest(&self, reference: &Reference, bytes: Vec<u8>) -> Result<String> {
        let digest = sha256_digest(&bytes);
        self.net(
            reference,
            self.client.push_manifest_raw(
                &reference.to_oci(),
                bytes,
                http::HeaderValue::from_static(OCI_MANIFEST_MEDIA_TYPE),
            ),
            "manifest upload",
        )
        .await?;
        Ok(digest)
    }

    fn map_error(&self, error: OciDistributionError, reference: &Reference, what: &str) -> Error {
        let registry = self.registry.clone();
        let auth = || Error::Auth {
            registry: registry.clone(),
            repository: reference.repository().to_string(),
            detail: self.options.credentials.describe(),
        };
        let not_found = || Error::NotFound {
            reference: reference.to_string(),
        };
        match error {
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => Error::DigestMismatch {
                what: what.to_string(),
                reference: reference.to_string(),
                expected,
                actual,
            },
            OciDistributionError::RequestError(e) if e.is_timeout() => Error::Timeout {
                registry,
                seconds: self.options.timeout.as_secs(),
            },
            OciDistributionError::RequestError(e) => match e.status().map(|s| s.as_u16()) {
                Some(401 | 403) => auth(),
                Some(404) => not_found(),
                Some(code) => Error::Registry {
                    registry,
                    detail: format!("{what}: HTTP {code}"),
                },
                None => Error::Connection {
                    hint: self.connection_hint(),
                    registry,
                    detail: chain(&e),
                },
            },
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => auth(),
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    auth()
                } else if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                            | OciErrorCode::BlobUnknown
                    )
                }) {
                    not_found()
                } else {
                    Error::Registry {
                        registry,
                        detail: format!("{what}: {envelope}"),
                    }
                }
            }
            OciDistributionError::ServerError {
                code: 401 | 403, ..
            } => auth(),
            OciDistributionError::ServerError { code: 404, .. } => not_found(),
            OciDistributionError::ServerError { code, message, .. } => Error::Registry {
                registry,
                detail: format!("{what}: HTTP {code}: {}", message.trim()),
            },
            other => Error::Registry {
                registry,
                detail: format!("{what}: {}", chain(&other)),
            },
        }
    }
}

/// The annotations Volley derives for a component: title (the scenario
/// manifest's name, else the component's), version, description, authors,
/// licenses, source, revision, homepage (as `url`) and `created`.
pub fn artifact_annotations(
    metadata: &ComponentMetadata,
    scenario: Option<&ScenarioManifest>,
    created: &str,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut set = |key: &str, value: Option<&String>| {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            a.insert(key.to_string(), v.clone());
        }
    };
    set(
        annotations::TITLE,
        scenario.map(|s| &s.name).or(metadata.name.as_ref()),
    );
    set(annotations::VERSION, metadata.version.as_ref());
    set(
        annotations::DESCRIPTION,
        scenario
            .and_then(|s| s.description.as_ref())
            .or(metadata.description.as_ref()),
    );
    set(annotations::AUTHORS, metadata.authors.as_ref());
    set(annotations::LICENSES, metadata.licenses.as_ref());
    set(annotations::SOURCE, metadata.source.as_ref());
    set(annotations::REVISION, metadata.revision.as_ref());
    set(annotations::URL, metadata.homepage.as_ref());
    a.insert(annotations::CREATED.to_string(), created.to_string());
    a
}

/// An error and its causes, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
