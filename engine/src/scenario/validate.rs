//! Checks that a file is a component built against a contract this engine
//! supports, before wasmtime compiles it, so that each kind of wrong input
//! gets a message that names the problem and the fix.

use std::path::Path;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::ScenarioError;

/// The contract package this engine implements.
pub const CONTRACT_PACKAGE: &str = "volley:scenario";
/// The current contract version: what the SDKs build against.
pub const CONTRACT_VERSION: &str = "0.2.0";
/// The export every scenario of the current contract has.
pub const LIFECYCLE_EXPORT: &str = "volley:scenario/lifecycle@0.2.0";
/// Every contract version this engine runs, oldest first.
pub const SUPPORTED: &[&str] = &["0.1.0", "0.2.0"];

/// A contract version this engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Contract {
    /// `volley:scenario@0.1.0`: whole responses as records.
    V0_1,
    /// `volley:scenario@0.2.0`: responses on demand, streaming, buffered
    /// records, crypto, handle-summary.
    V0_2,
}

impl Contract {
    /// The version string.
    pub fn version(self) -> &'static str {
        match self {
            Contract::V0_1 => "0.1.0",
            Contract::V0_2 => "0.2.0",
        }
    }

    fn of(version: &str) -> Option<Contract> {
        match version {
            "0.1.0" => Some(Contract::V0_1),
            "0.2.0" => Some(Contract::V0_2),
            _ => None,
        }
    }
}

const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// What the first bytes say the file is.
pub(crate) fn check_header(path: &Path, bytes: &[u8]) -> Result<(), ScenarioError> {
    if bytes.len() < 8 || &bytes[..4] != WASM_MAGIC {
        return Err(ScenarioError::NotWasm {
            path: path.to_path_buf(),
        });
    }
    // Bytes 4..8: version (2 bytes) and layer (2 bytes); layer 0 is a core
    // module, layer 1 a component.
    let layer = u16::from_le_bytes([bytes[6], bytes[7]]);
    if layer == 0 {
        return Err(ScenarioError::CoreModule {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Check the compiled component's exports and imports against the
/// contracts this engine runs; the version it was built against.
pub(crate) fn check_contract(
    path: &Path,
    engine: &Engine,
    component: &Component,
) -> Result<Contract, ScenarioError> {
    let ty = component.component_type();
    let exports: Vec<String> = ty
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let imports: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();

    let lifecycle = exports
        .iter()
        .filter(|e| e.starts_with("volley:scenario/lifecycle@"))
        .find_map(|e| contract_version(e).and_then(Contract::of));
    if let Some(contract) = lifecycle {
        // Imports of our package must be of the same version (a newer
        // version may import functions this engine lacks).
        for name in &imports {
            if let Some(version) = contract_version(name)
                && version != contract.version()
            {
                return Err(ScenarioError::ContractVersion {
                    path: path.to_path_buf(),
                    found: version.to_string(),
                });
            }
        }
        return Ok(contract);
    }
    // Not our export: another version of our contract, or another world.
    if let Some(found) = exports
        .iter()
        .chain(imports.iter())
        .find_map(|n| contract_version(n))
    {
        return Err(ScenarioError::ContractVersion {
            path: path.to_path_buf(),
            found: found.to_string(),
        });
    }
    Err(ScenarioError::WrongWorld {
        path: path.to_path_buf(),
        exports,
    })
}

/// The version in `volley:scenario/<iface>@<version>`, if `name` is one of ours.
fn contract_version(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(CONTRACT_PACKAGE)?.strip_prefix('/')?;
    rest.split_once('@').map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_tells_non_wasm_core_and_component_apart() {
        let p = Path::new("x.wasm");
        assert!(matches!(
            check_header(p, b"hello world"),
            Err(ScenarioError::NotWasm { .. })
        ));
        assert!(matches!(
            check_header(p, b"\0asm\x01\0\0\0"),
            Err(ScenarioError::CoreModule { .. })
        ));
        assert!(check_header(p, b"\0asm\x0d\0\x01\0").is_ok());
    }

    #[test]
    fn reads_contract_versions() {
        assert_eq!(
            contract_version("volley:scenario/http@0.2.0"),
            Some("0.2.0")
        );
        assert_eq!(contract_version("wasi:cli/stdout@0.2.0"), None);
    }
}
