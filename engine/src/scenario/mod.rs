//! Loading a scenario component: read, validate against the contract,
//! compile once, and pre-instantiate so each VU is a cheap instantiation.

mod cache;
mod inspect;
pub(crate) mod runtime;
pub(crate) mod stack;
mod validate;

use std::path::PathBuf;

pub use inspect::{Inspection, inspect, language, producers};
pub use runtime::{RuntimeLimits, ScenarioRuntime};
pub use validate::{CONTRACT_VERSION, Contract, LIFECYCLE_EXPORT, SUPPORTED};

/// Why a scenario file cannot be run. Each message names the problem and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error(
        "cannot read scenario {path}: {source}. Check the path; build the scenario first (see `volley new` or docs/scenario-authoring.md)"
    )]
    Read {
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not WebAssembly at all.
    #[error(
        "{path} is not a WebAssembly file (it does not start with the \\0asm magic). Pass the .wasm component your build produced, e.g. target/wasm32-wasip2/release/<name>.wasm"
    )]
    NotWasm {
        /// The path given.
        path: PathBuf,
    },
    /// A core module, not a component.
    #[error(
        "{path} is a core WebAssembly module, not a component. Build for the wasm32-wasip2 target (`cargo build --target wasm32-wasip2`), or wrap a core module with `wasm-tools component new`"
    )]
    CoreModule {
        /// The path given.
        path: PathBuf,
    },
    /// A component of another contract version.
    #[error(
        "{path} was built against volley:scenario@{found}, but this volley runs volley:scenario@{}. Rebuild the scenario with an SDK for contract {}, or use a volley release that supports {found}",
        SUPPORTED.join(" and @"),
        CONTRACT_VERSION
    )]
    ContractVersion {
        /// The path given.
        path: PathBuf,
        /// The version the component uses.
        found: String,
    },
    /// A component of another world.
    #[error("{path} is a component, but not a volley scenario: it does not export `{}` (its exports: {}). Build it against the `scenario` world of the volley:scenario@{} WIT package (the SDKs do this for you)", LIFECYCLE_EXPORT, if .exports.is_empty() { "none".to_string() } else { .exports.join(", ") }, CONTRACT_VERSION)]
    WrongWorld {
        /// The path given.
        path: PathBuf,
        /// What it exports instead.
        exports: Vec<String>,
    },
    /// wasmtime could not compile it.
    #[error("cannot compile {path}: {message}")]
    Compile {
        /// The path given.
        path: PathBuf,
        /// wasmtime's message.
        message: String,
    },
    /// It imports something the engine does not provide.
    #[error(
        "{path} imports something volley does not provide: {message}. Scenarios may import volley:scenario and the wasi:cli/clocks/random/io/filesystem interfaces of WASI 0.2; build without other capabilities (for JavaScript, use scripts/build-js.sh)"
    )]
    Link {
        /// The path given.
        path: PathBuf,
        /// wasmtime's message.
        message: String,
    },
    /// The engine could not be configured (e.g. too many VUs for the address space).
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
}
