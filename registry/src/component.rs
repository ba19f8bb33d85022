//! Reading and stamping component binaries without instantiating them:
//! the embedded scenario manifest, the registry metadata (wasm-metadata's
//! fields) and the component's top-level imports and exports.

use serde::{Deserialize, Serialize};
use wasm_encoder::{CustomSection, RawSection};
use wasmparser::{Encoding, Parser, Payload};

use crate::error::{Error, Result};
use crate::scenario::{SECTION, ScenarioManifest};

/// The WIT world a Volley scenario component targets, in the form the wasm
/// OCI config's `component.target` uses; the version is the contract's.
pub const SCENARIO_WORLD: &str = "volley:scenario/scenario";

/// The interface every scenario exports.
const LIFECYCLE_INTERFACE: &str = "volley:scenario/lifecycle";

/// Registry metadata a component carries (the fields `wasm-tools metadata
/// add` and language toolchains write), read with `wasm-metadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentMetadata {
    /// The component's name (component-name section).
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// What it does.
    pub description: Option<String>,
    /// Who made it.
    pub authors: Option<String>,
    /// SPDX license expression.
    pub licenses: Option<String>,
    /// URL of its source code.
    pub source: Option<String>,
    /// URL of its home page.
    pub homepage: Option<String>,
    /// Source control revision it was built from.
    pub revision: Option<String>,
}

/// The component's outer imports and exports, as listed in the wasm OCI
/// config (`component` field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentInfo {
    /// Names of the top-level exports, e.g. `volley:scenario/lifecycle@0.1.0`.
    pub exports: Vec<String>,
    /// Names of the top-level imports, e.g. `volley:scenario/http@0.1.0`.
    pub imports: Vec<String>,
    /// The world it targets, e.g. `volley:scenario/scenario@0.1.0`, when
    /// known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// Embeds `manifest` (validated first) in the component as the
/// `volley:manifest` custom section, replacing any previous one. Every other
/// section is kept byte for byte.
pub fn stamp(component: &[u8], manifest: &ScenarioManifest) -> Result<Vec<u8>> {
    manifest.validate()?;
    let json = manifest.to_json();
    let mut out = wasm_encoder::Component::new();
    for_each_top_level_section(component, |id, data, custom_name| {
        if custom_name != Some(SECTION) {
            out.section(&RawSection { id, data });
        }
    })?;
    out.section(&CustomSection {
        name: SECTION.into(),
        data: json.as_slice().into(),
    });
    Ok(out.finish())
}

/// The scenario manifest embedded in the component, if it has one. A section
/// that is present but invalid is an error, not `None`.
pub fn read_manifest(component: &[u8]) -> Result<Option<ScenarioManifest>> {
    let mut found: Option<Vec<u8>> = None;
    let mut count = 0;
    for_each_top_level_custom(component, |name, data| {
        if name == SECTION {
            count += 1;
            found = Some(data.to_vec());
        }
    })?;
    if count > 1 {
        return Err(Error::Component(format!(
            "it has {count} `{SECTION}` sections; stamp it again with `volley stamp`"
        )));
    }
    match found {
        Some(json) => Ok(Some(ScenarioManifest::from_json(&json)?)),
        None => Ok(None),
    }
}

/// The registry metadata of the outermost component.
pub fn read_metadata(component: &[u8]) -> Result<ComponentMetadata> {
    require_component(component)?;
    let payload = wasm_metadata::Payload::from_binary(component)
        .map_err(|e| Error::Component(format!("cannot read its metadata: {e:#}")))?;
    let m = payload.metadata();
    Ok(ComponentMetadata {
        name: m.name.clone(),
        version: m.version.as_ref().map(ToString::to_string),
        description: m.description.as_ref().map(ToString::to_string),
        authors: m.authors.as_ref().map(ToString::to_string),
        licenses: m.licenses.as_ref().map(ToString::to_string),
        source: m.source.as_ref().map(ToString::to_string),
        homepage: m.homepage.as_ref().map(ToString::to_string),
        revision: m.revision.as_ref().map(ToString::to_string),
    })
}

/// The component's top-level import and export names, and its target world
/// when it is a Volley scenario (it exports `volley:scenario/lifecycle`).
pub fn component_info(component: &[u8]) -> Result<ComponentInfo> {
    require_component(component)?;
    let mut info = ComponentInfo::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.map_err(parse_error)?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    info.imports
                        .push(import.map_err(parse_error)?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    info.exports
                        .push(export.map_err(parse_error)?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    info.target = info.exports.iter().find_map(|e| {
        let rest = e.strip_prefix(LIFECYCLE_INTERFACE)?;
        match rest.strip_prefix('@') {
            Some(version) => Some(format!("{SCENARIO_WORLD}@{version}")),
            None if rest.is_empty() => Some(SCENARIO_WORLD.to_string()),
            None => None,
        }
    });
    Ok(info)
}

/// `sha256:<hex>` of `bytes`, the OCI digest form.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

fn parse_error(e: wasmparser::BinaryReaderError) -> Error {
    Error::Component(format!("not a valid WebAssembly binary: {e}"))
}

fn require_component(bytes: &[u8]) -> Result<()> {
    match Parser::new(0).parse(bytes, true).map_err(parse_error)? {
        wasmparser::Chunk::Parsed {
            payload: Payload::Version { encoding, .. },
            ..
        } => match encoding {
            Encoding::Component => Ok(()),
            Encoding::Module => Err(Error::Component(
                "it is a core WebAssembly module, not a component; build it for \
                 wasm32-wasip2 or wrap it with `wasm-tools component new`"
                    .into(),
            )),
        },
        _ => Err(Error::Component(
            "not a WebAssembly binary (no `\\0asm` header)".into(),
        )),
    }
}

/// Calls `f(section id, section bytes, custom section name)` for every
/// section of the outermost component, nested modules and components
/// included as single sections.
fn for_each_top_level_section(
    component: &[u8],
    mut f: impl FnMut(u8, &[u8], Option<&str>),
) -> Result<()> {
    require_component(component)?;
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.map_err(parse_error)?;
        let at_top = depth == 0;
        match &payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if !at_top {
            continue;
        }
        let name = match &payload {
            Payload::CustomSection(c) => Some(c.name()),
            _ => None,
        };
        if let Some((id, range)) = payload.as_section() {
            f(id, &component[range], name);
        }
    }
    Ok(())
}

fn for_each_top_level_custom(component: &[u8], mut f: impl FnMut(&str, &[u8])) -> Result<()> {
    require_component(component)?;
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.map_err(parse_error)? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(c) if depth == 0 => f(c.name(), c.data()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lowercase_hex() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn refuses_modules_and_garbage() {
        let module = wasm_encoder::Module::new().finish();
        let e = component_info(&module)
            .map(|_| ())
            .expect_err("accepted")
            .to_string();
        assert!(e.contains("core WebAssembly module"), "{e}");
        let e = read_manifest(b"hello")
            .map(|_| ())
            .expect_err("accepted")
            .to_string();
        assert!(e.contains("invalid component"), "{e}");
    }

    #[test]
    fn stamps_an_empty_component() -> Result<()> {
        let empty = wasm_encoder::Component::new().finish();
        assert_eq!(read_manifest(&empty)?, None);
        let m = ScenarioManifest::from_toml("name = \"x\"")?;
        let stamped = stamp(&empty, &m)?;
        assert_eq!(read_manifest(&stamped)?, Some(m.clone()));
        let mut m2 = m;
        m2.name = "y".into();
        let restamped = stamp(&stamped, &m2)?;
        assert_eq!(read_manifest(&restamped)?, Some(m2));
        wasmparser::Validator::new()
            .validate_all(&restamped)
            .map_err(parse_error)?;
        Ok(())
    }
}
