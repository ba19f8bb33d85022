//! `volley stamp SCENARIO.wasm --manifest volley.toml`: embed the scenario
//! manifest in the component (its `volley:manifest` custom section), so
//! that it travels with the component and its digest and signature cover it.

use std::path::Path;
use std::process::ExitCode as ProcessExit;

use volley::cli::StampArgs;
use volley::exit::ExitCode;
use volley_registry::ScenarioManifest;

use crate::exit;

pub(super) fn execute(args: StampArgs) -> ProcessExit {
    match stamp(&args) {
        Ok(()) => ProcessExit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

fn stamp(args: &StampArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.manifest)
        .map_err(|e| format!("cannot read {}: {e}", args.manifest.display()))?;
    let manifest = ScenarioManifest::from_toml(&text)
        .map_err(|e| format!("{}: {e}", args.manifest.display()))?;
    let component = std::fs::read(&args.scenario)
        .map_err(|e| format!("cannot read {}: {e}", args.scenario.display()))?;
    let stamped = volley_registry::stamp(&component, &manifest)
        .map_err(|e| format!("{}: {e}", args.scenario.display()))?;
    let out = args.output.as_deref().unwrap_or(&args.scenario);
    write_atomically(out, &stamped).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let caps = &manifest.capabilities;
    println!(
        "stamped {} into {} ({} parameters, {} hosts, {} data sets)",
        manifest.name,
        out.display(),
        manifest.parameters.len(),
        caps.hosts.len(),
        caps.data.len()
    );
    Ok(())
}

/// Through a temporary file and a rename: a stamp over the input never
/// leaves half a component behind.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario.wasm".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
