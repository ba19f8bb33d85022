//! Build helpers for scenarios in C (and any other language whose compiler
//! emits a core WebAssembly module for `wasm32-wasi`):
//!
//! ```text
//! volley-guest-tools c-bindings WIT_DIR OUT_DIR   # scenario.h, scenario.c, scenario_component_type.o
//! volley-guest-tools component CORE.wasm OUT.wasm # core module + WASI adapter -> component
//! volley-guest-tools producer X.wasm FIELD NAME VERSION # add to its producers section
//! ```
//!
//! `scripts/build-c.sh` runs the first two around clang; `scripts/build-js.sh`
//! the last, so that `volley inspect` can tell a JavaScript component (whose
//! runtime, QuickJS, is written in Rust and says so) by its language.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use wit_parser::Resolve;

const USAGE: &str = "usage:
  volley-guest-tools c-bindings WIT_DIR OUT_DIR
      write the C bindings of the `scenario` world (scenario.h, scenario.c,
      scenario_component_type.o) into OUT_DIR
  volley-guest-tools component CORE.wasm OUT.wasm
      turn a core module built for wasm32-wasi (reactor) into a component,
      adapting its WASI preview 1 imports to WASI 0.2
  volley-guest-tools producer X.wasm FIELD NAME VERSION
      add NAME VERSION to FIELD (language, processed-by, sdk) of the
      producers section of X.wasm, in place";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["c-bindings", wit, out] => c_bindings(Path::new(wit), Path::new(out)),
        ["component", core, out] => component(Path::new(core), Path::new(out)),
        ["producer", wasm, field, name, version] => producer(Path::new(wasm), field, name, version),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Generate the C bindings of world `scenario` from the WIT package in `wit`.
fn c_bindings(wit: &Path, out: &Path) -> Result<()> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_dir(wit)
        .with_context(|| format!("cannot read the WIT package in {}", wit.display()))?;
    let world = resolve.select_world(&[pkg], Some("scenario"))?;
    let mut files = wit_bindgen_core::Files::default();
    wit_bindgen_c::Opts::default()
        .build()
        .generate(&mut resolve, world, &mut files)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, bytes) in files.iter() {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Wrap a core module (with its `component-type` custom section, from the
/// bindings object) into a component, adapting WASI preview 1.
fn component(core: &Path, out: &Path) -> Result<()> {
    use wasi_preview1_component_adapter_provider::{
        WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
    };
    let module = std::fs::read(core).with_context(|| format!("cannot read {}", core.display()))?;
    if !module.starts_with(b"\0asm\x01\0\0\0") {
        bail!(
            "{} is not a core WebAssembly module (build it with clang --target=wasm32-wasi -mexec-model=reactor)",
            core.display()
        );
    }
    let bytes = wit_component::ComponentEncoder::default()
        .module(&module)
        .context("the module has no usable component type; link scenario_component_type.o into it")?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .validate(true)
        .encode()?;
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

/// Add one entry to the producers section of a module or component.
fn producer(wasm: &Path, field: &str, name: &str, version: &str) -> Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let mut producers = wasm_metadata::Producers::empty();
    producers.add(field, name, version);
    let out = producers.add_to_wasm(&bytes)?;
    std::fs::write(wasm, out).with_context(|| format!("cannot write {}", wasm.display()))?;
    Ok(())
}
