//! `volley push SCENARIO.wasm oci://REGISTRY/REPOSITORY:TAG`: publish a
//! scenario as a wasm OCI artifact, optionally with its signature.

use std::process::ExitCode as ProcessExit;

use volley::cli::PushArgs;
use volley::exit::ExitCode;
use volley_registry::PushOptions;

use super::oci;
use crate::exit;

pub(super) async fn execute(args: PushArgs) -> ProcessExit {
    match push(&args).await {
        Ok(()) => ProcessExit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

async fn push(args: &PushArgs) -> Result<(), String> {
    let path = &args.scenario;
    let component =
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let info = volley_registry::component_info(&component)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if info.target.is_none() {
        return Err(format!(
            "{} is not a Volley scenario: it does not export volley:scenario/lifecycle \
             (its exports: {})",
            path.display(),
            if info.exports.is_empty() {
                "none".to_string()
            } else {
                info.exports.join(", ")
            }
        ));
    }
    let manifest = volley_registry::read_manifest(&component)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if manifest.is_none() {
        eprintln!(
            "warning: {} has no scenario manifest, so it declares no hosts: a run from the \
             registry will be refused. Embed a volley.toml with `volley stamp` first",
            path.display()
        );
    }
    // Read the key (and a ready signature) before anything is published.
    let signature = match (&args.sign, &args.signature) {
        (Some(key), _) => Some(
            oci::signer(key)?
                .sign(&component, None)
                .map_err(|e| e.to_string())?,
        ),
        (None, Some(file)) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?,
        ),
        (None, None) => None,
    };
    let registry = oci::registry(&args.reference, &args.registry, false)?;
    let pushed = registry
        .push(&args.reference, &component, &PushOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("pushed:      {}", pushed.reference);
    println!("digest:      {}", pushed.manifest_digest);
    println!("component:   {}", pushed.component_digest);
    if let Some(signature) = signature {
        let signed = registry
            .push_signature(&pushed.reference, &pushed.component_digest, &signature)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "signature:   {} (key {}, {} signature{} in all)",
            signed.reference,
            signed.key_id,
            signed.signatures,
            if signed.signatures == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
