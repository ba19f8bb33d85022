//! The OCI documents Volley writes and reads: the CNCF TAG-Runtime *wasm OCI
//! artifact* layout for components, and Volley's signature artifact.
//!
//! A component artifact is an OCI image manifest whose config has media
//! type [`WASM_CONFIG_MEDIA_TYPE`] (a [`WasmConfig`]) and whose only layer
//! is the component, media type [`WASM_LAYER_MEDIA_TYPE`]. Its metadata are
//! `org.opencontainers.image.*` annotations on the manifest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::component::ComponentInfo;

/// Media type of an OCI image manifest.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of the wasm OCI artifact's config.
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// Media type of the wasm OCI artifact's one layer: the component itself.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// `architecture` of every wasm artifact.
pub const WASM_ARCHITECTURE: &str = "wasm";
/// `os` of a component (WASI preview 2) artifact.
pub const COMPONENT_OS: &str = "wasip2";

/// Media type of the OCI "empty" config (`{}`), used by signature artifacts.
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The `artifactType` of a Volley signature artifact.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.volley.signature.v1";
/// Media type of a signature layer: one minisign signature file (text).
pub const SIGNATURE_LAYER_MEDIA_TYPE: &str = "application/vnd.volley.minisign.signature.v1";

/// Annotation keys of the OCI image spec that Volley sets.
pub mod annotations {
    /// Human-readable title (the scenario's name).
    pub const TITLE: &str = "org.opencontainers.image.title";
    /// Version of the packaged scenario.
    pub const VERSION: &str = "org.opencontainers.image.version";
    /// What it does.
    pub const DESCRIPTION: &str = "org.opencontainers.image.description";
    /// Who made it.
    pub const AUTHORS: &str = "org.opencontainers.image.authors";
    /// SPDX license expression.
    pub const LICENSES: &str = "org.opencontainers.image.licenses";
    /// URL of the source code.
    pub const SOURCE: &str = "org.opencontainers.image.source";
    /// Source control revision.
    pub const REVISION: &str = "org.opencontainers.image.revision";
    /// Home page.
    pub const URL: &str = "org.opencontainers.image.url";
    /// When the artifact was created (RFC 3339).
    pub const CREATED: &str = "org.opencontainers.image.created";
    /// On a signature layer: the minisign key id that made it.
    pub const SIGNATURE_KEY_ID: &str = "dev.volley.signature.key-id";
    /// On a signature artifact: digest of the component it signs.
    pub const SIGNATURE_SUBJECT: &str = "dev.volley.signature.subject";
}

/// A content descriptor: what a manifest says about a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the blob.
    pub media_type: String,
    /// `sha256:<hex>` of the blob.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Annotations of this blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// An OCI image manifest, with the fields Volley uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`OCI_MANIFEST_MEDIA_TYPE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Set on signature artifacts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers.
    pub layers: Vec<Descriptor>,
    /// Manifest annotations (`org.opencontainers.image.*`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The config of a wasm OCI artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// When it was created (RFC 3339).
    pub created: String,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Always [`WASM_ARCHITECTURE`].
    pub architecture: String,
    /// [`COMPONENT_OS`] for components.
    pub os: String,
    /// Digests of the manifest's layers, in order.
    pub layer_digests: Vec<String>,
    /// The component's imports, exports and target world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentInfo>,
}

impl ImageManifest {
    /// The manifest of a component artifact.
    pub(crate) fn component(
        config: &[u8],
        component: &[u8],
        annotations: BTreeMap<String, String>,
    ) -> ImageManifest {
        ImageManifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST_MEDIA_TYPE.to_string()),
            artifact_type: None,
            config: Descriptor::of(WASM_CONFIG_MEDIA_TYPE, config),
            layers: vec![Descriptor::of(WASM_LAYER_MEDIA_TYPE, component)],
            annotations,
        }
    }

    /// The manifest as pushed: compact JSON. Its SHA-256 is the manifest
    /// digest.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The component layer, when this is a wasm component artifact; `Err`
    /// says why it is not one.
    pub fn component_layer(&self) -> Result<&Descriptor, String> {
        if self.schema_version != 2 {
            return Err(format!("schemaVersion is {}, not 2", self.schema_version));
        }
        if let Some(mt) = &self.media_type
            && mt != OCI_MANIFEST_MEDIA_TYPE
        {
            return Err(format!("manifest media type is {mt}"));
        }
        if self.config.media_type != WASM_CONFIG_MEDIA_TYPE {
            return Err(format!(
                "config media type is {}, not {WASM_CONFIG_MEDIA_TYPE}",
                self.config.media_type
            ));
        }
        match self.layers.as_slice() {
            [layer] if layer.media_type == WASM_LAYER_MEDIA_TYPE => Ok(layer),
            [layer] => Err(format!(
                "its layer has media type {}, not {WASM_LAYER_MEDIA_TYPE}",
                layer.media_type
            )),
            layers => Err(format!("it has {} layers instead of one", layers.len())),
        }
    }
}

impl Descriptor {
    pub(crate) fn of(media_type: &str, blob: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: crate::component::sha256_digest(blob),
            size: blob.len() as u64,
            annotations: None,
        }
    }
}

/// The tag under which the signatures of the component with digest
/// `component_digest` are stored: `sha256-<hex>.sig`.
pub fn signature_tag(component_digest: &str) -> String {
    format!("{}.sig", component_digest.replacen(':', "-", 1))
}

/// Whether `tag` is a signature tag (hidden from tag listings).
pub fn is_signature_tag(tag: &str) -> bool {
    tag.strip_prefix("sha256-")
        .and_then(|t| t.strip_suffix(".sig"))
        .is_some_and(|hex| hex.len() == 64)
}

/// Now, as RFC 3339 UTC with seconds.
pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Whether `text` is an RFC 3339 timestamp.
pub(crate) fn is_rfc3339(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_tags() {
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let t = signature_tag(d);
        assert_eq!(
            t,
            "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig"
        );
        assert!(is_signature_tag(&t));
        assert!(!is_signature_tag("1.0.0") && !is_signature_tag("sha256-ab.sig"));
        assert!(is_rfc3339(&now_rfc3339()));
    }
}
