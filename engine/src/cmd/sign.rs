//! `volley sign SCENARIO --key KEY`: a minisign signature of a component,
//! written next to a file (`FILE.minisig`, which `minisign -V` reads too)
//! or pushed next to a published scenario (tag `sha256-<hex>.sig`).

use std::process::ExitCode as ProcessExit;

use volley::cli::{ScenarioSource, SignArgs};
use volley::exit::ExitCode;

use super::oci;
use crate::exit;

pub(super) async fn execute(args: SignArgs) -> ProcessExit {
    match sign(&args).await {
        Ok(()) => ProcessExit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

async fn sign(args: &SignArgs) -> Result<(), String> {
    let signer = oci::signer(&args.key)?;
    match &args.scenario {
        ScenarioSource::File(path) => {
            let component =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let signature = signer.sign(&component, None).map_err(|e| e.to_string())?;
            let out = args
                .output
                .clone()
                .unwrap_or_else(|| oci::signature_path(path));
            std::fs::write(&out, signature)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!(
                "signed {} with key {}: {}",
                path.display(),
                signer.key_id(),
                out.display()
            );
        }
        ScenarioSource::Oci(reference) => {
            if args.output.is_some() {
                return Err(
                    "--output is for signing a file; a published scenario's signature goes to its registry"
                        .into(),
                );
            }
            let registry = oci::registry(reference, &args.registry, false)?;
            let pulled = registry.pull(reference).await.map_err(|e| e.to_string())?;
            let signed = registry
                .sign(&pulled, &signer)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "signed {} with key {}: {} ({} signature{} in all)",
                pulled.reference,
                signed.key_id,
                signed.reference,
                signed.signatures,
                if signed.signatures == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}
