//! What the marketplace commands share: a scenario argument (a file or an
//! `oci://` reference) resolved to a local component, the label outputs
//! name it by and its embedded manifest; registry clients with the user's
//! credentials; trusted keys and signature checks; and the rules a run
//! follows for a scenario's declared hosts and parameters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use volley::cli::{RegistryArgs, ScenarioSource, TrustArgs};
use volley_registry::{
    Credentials, Options, Pulled, Reference, Registry, ScenarioManifest, SignatureProblem,
    TrustedKey, TrustedKeys, Verified,
};

/// Where `--registry-user`'s password is read from (never a flag, so it
/// stays out of shell histories and process lists).
pub(super) const PASSWORD_VAR: &str = "VOLLEY_REGISTRY_PASSWORD";

/// Where an encrypted minisign secret key's password is read from.
pub(super) const KEY_PASSWORD_VAR: &str = "VOLLEY_KEY_PASSWORD";

/// A client for the registry of `reference`, with the credentials the
/// flags, `VOLLEY_REGISTRY_PASSWORD` or the docker config give, and the
/// user's cache (`$VOLLEY_CACHE_DIR/oci`, else `$XDG_CACHE_HOME/volley/oci`).
pub(super) fn registry(
    reference: &Reference,
    args: &RegistryArgs,
    offline: bool,
) -> Result<Registry, String> {
    // The library leaves the TLS provider to the program; the engine's own
    // HTTP client uses ring too. Installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
    let credentials = Credentials::resolve(
        reference.registry(),
        args.registry_user.as_deref(),
        password.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    Registry::for_reference(
        reference,
        Options {
            credentials,
            insecure_registries: args.insecure_registries.clone(),
            timeout: args.registry_timeout,
            cache: None,
            offline,
        },
    )
    .map_err(|e| e.to_string())
}

/// A scenario ready to load.
pub(super) struct Resolved {
    /// The component file (a pulled one is in the cache).
    pub path: PathBuf,
    /// How outputs name it: the digest-pinned reference of a pulled
    /// scenario; empty for a file (outputs then use its path).
    pub label: String,
    /// Its embedded manifest (`volley stamp`), if it has one.
    pub manifest: Option<ScenarioManifest>,
    /// For a pulled scenario: the client and what it pulled.
    pub origin: Option<(Registry, Pulled)>,
}

/// Resolve `source`: a file is read for its manifest only; a reference is
/// pulled (every digest checked; from the cache when it has it) and its
/// component read from the cache.
pub(super) async fn resolve(
    source: &ScenarioSource,
    registry_args: &RegistryArgs,
    offline: bool,
) -> Result<Resolved, String> {
    match source {
        ScenarioSource::File(path) => {
            // A file that is not a readable component is left to the
            // engine, which names the problem; a manifest section that is
            // there but invalid is refused here.
            let manifest = match std::fs::read(path) {
                Ok(bytes) => match volley_registry::read_manifest(&bytes) {
                    Ok(m) => m,
                    Err(e @ volley_registry::Error::Manifest(_)) => {
                        return Err(format!("{}: {e}", path.display()));
                    }
                    Err(_) => None,
                },
                Err(_) => None,
            };
            Ok(Resolved {
                path: path.clone(),
                label: String::new(),
                manifest,
                origin: None,
            })
        }
        ScenarioSource::Oci(reference) => {
            let client = registry(reference, registry_args, offline)?;
            let pulled = client.pull(reference).await.map_err(|e| e.to_string())?;
            let bytes = pulled.component().map_err(|e| e.to_string())?;
            let manifest = volley_registry::read_manifest(&bytes)
                .map_err(|e| format!("{}: {e}", pulled.reference))?;
            Ok(Resolved {
                path: pulled.component_path.clone(),
                label: pulled.reference.to_string(),
                manifest,
                origin: Some((client, pulled)),
            })
        }
    }
}

impl Resolved {
    /// How messages name it: the pinned reference, or the path.
    pub(super) fn name(&self) -> String {
        if self.label.is_empty() {
            self.path.display().to_string()
        } else {
            self.label.clone()
        }
    }

    /// Checks its signature against `keys`: a pulled scenario's in its
    /// registry (`sha256-<component hex>.sig`), a file's in `FILE.minisig`.
    pub(super) async fn verify(&self, keys: &TrustedKeys) -> Result<Verified, String> {
        match &self.origin {
            Some((client, pulled)) => client.verify(pulled, keys).await.map_err(|e| e.to_string()),
            None => verify_file(&self.path, keys),
        }
    }

    /// The `--allow-host` list of the run, when the manifest's hosts are
    /// enforced: always for a pulled scenario, and for a file with
    /// `--grant-manifest`. `None` keeps the flags as given (a file).
    ///
    /// An enforced run reaches only declared hosts the user confirmed:
    /// all with `--grant-manifest`, or those `--allow-host` names (each
    /// within a declared one). With neither, or with nothing declared,
    /// the run is refused, naming what to do.
    pub(super) fn granted_hosts(
        &self,
        allow_hosts: &[String],
        grant_manifest: bool,
    ) -> Result<Option<Vec<String>>, String> {
        let pulled = self.origin.is_some();
        if !pulled && !grant_manifest {
            return Ok(None);
        }
        let what = self.name();
        let Some(manifest) = &self.manifest else {
            return Err(if pulled {
                format!(
                    "{what} has no scenario manifest, so it declares no hosts and may reach none: \
                     a scenario from a registry reaches only the hosts its manifest declares. \
                     Ask its publisher to declare them (volley.toml, `volley stamp`); if you \
                     trust it as it is, run the file `volley pull {what}` prints instead"
                )
            } else {
                format!(
                    "--grant-manifest: {what} has no scenario manifest to grant the hosts of; \
                     embed one with `volley stamp`, or use --allow-host"
                )
            });
        };
        let declared = &manifest.capabilities.hosts;
        if declared.is_empty() {
            return Err(format!(
                "{what} declares no hosts in its manifest ([capabilities] hosts), so it may \
                 reach none; nothing to run"
            ));
        }
        if !grant_manifest && allow_hosts.is_empty() {
            return Err(format!(
                "{what} sends requests to these hosts, which you must confirm first: {}. \
                 Grant them all with --grant-manifest, or some with --allow-host HOST[:PORT] \
                 (each within a declared one); `volley inspect {what}` shows its manifest",
                declared.join(", ")
            ));
        }
        // Every --allow-host must fall within a declared host, also next
        // to --grant-manifest.
        let granted = manifest.granted_hosts(allow_hosts, false)?;
        Ok(Some(if grant_manifest {
            declared.clone()
        } else {
            granted
        }))
    }

    /// Whether its manifest's hosts permit `host:port` (no manifest: no).
    pub(super) fn declares(&self, host: &str, port: u16) -> bool {
        self.manifest
            .as_ref()
            .is_some_and(|m| m.permits(host, port))
    }

    /// Checks the run's `--env` against the manifest's parameters (every
    /// required one set, every value of its type), then gives the
    /// parameters that are not set their declared defaults.
    pub(super) fn check_parameters(
        &self,
        env: &mut BTreeMap<String, String>,
    ) -> Result<(), String> {
        let Some(manifest) = &self.manifest else {
            return Ok(());
        };
        let report = manifest.check_env(env);
        if !report.is_ok() {
            return Err(format!("{}: {report}", self.name()));
        }
        for p in &manifest.parameters {
            if let Some(default) = &p.default {
                env.entry(p.name.clone())
                    .or_insert_with(|| default.to_string());
            }
        }
        Ok(())
    }
}

/// `FILE.minisig`, where minisign (and `volley sign`) put a file's signature.
pub(super) fn signature_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".minisig");
    PathBuf::from(s)
}

fn verify_file(path: &Path, keys: &TrustedKeys) -> Result<Verified, String> {
    let sig_path = signature_path(path);
    let signature = match std::fs::read_to_string(&sig_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{} is not signed: there is no {} next to it; sign it with `volley sign {} \
                 --key KEY`, or drop --verify-key/--trust if you trust it",
                path.display(),
                sig_path.display(),
                path.display()
            ));
        }
        Err(e) => return Err(format!("cannot read {}: {e}", sig_path.display())),
    };
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    keys.verify(&bytes, &signature)
        .map_err(|problem| match problem {
            SignatureProblem::Untrusted { key_id } => format!(
                "{} is signed by key {key_id}, which is not among the trusted keys ({}); add the \
             publisher's public key with --verify-key or --trust if you trust them",
                path.display(),
                keys.describe()
            ),
            SignatureProblem::Invalid { key_id } => format!(
                "the signature {} by trusted key {key_id} does not verify: {} or its signature \
             was altered after signing; do not run it",
                sig_path.display(),
                path.display()
            ),
            SignatureProblem::Malformed(reason) => format!(
                "{} is not a minisign signature: {reason}",
                sig_path.display()
            ),
        })
}

/// The keys `--verify-key` and `--trust` name; `None` when neither is given
/// (no signature is asked for).
pub(super) fn trusted_keys(args: &TrustArgs) -> Result<Option<TrustedKeys>, String> {
    if !args.is_set() {
        return Ok(None);
    }
    let mut keys = TrustedKeys::new();
    for given in &args.verify_keys {
        let path = Path::new(given);
        let key = if path.is_file() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--verify-key: cannot read {given}: {e}"))?;
            TrustedKey::parse(&text, None)
        } else if given.ends_with(".pub") {
            return Err(format!(
                "--verify-key {given}: no such file (give a minisign .pub file or the RW... key itself)"
            ));
        } else {
            TrustedKey::parse(given, None)
        }
        .map_err(|e| format!("--verify-key {given}: {e}"))?;
        keys.add(key);
    }
    for file in &args.trust {
        let set = TrustedKeys::load(file).map_err(|e| format!("--trust: {e}"))?;
        for key in set.keys() {
            keys.add(key.clone());
        }
    }
    Ok(Some(keys))
}

/// Reads a minisign secret key, with `VOLLEY_KEY_PASSWORD` for an encrypted one.
pub(super) fn signer(key: &Path) -> Result<volley_registry::Signer, String> {
    let password = std::env::var(KEY_PASSWORD_VAR).ok();
    volley_registry::Signer::from_file(key, password.as_deref()).map_err(|e| {
        let text = e.to_string();
        if text.contains("no password was given") {
            format!("{text} (set {KEY_PASSWORD_VAR})")
        } else {
            text
        }
    })
}
