//! `volley pull oci://...`: fetch a published scenario into the local
//! cache (every digest checked), optionally check its signature, and say
//! where it is. Nothing is run.

use std::process::ExitCode as ProcessExit;

use volley::cli::{PullArgs, ScenarioSource};
use volley::exit::ExitCode;

use super::oci;
use crate::exit;

pub(super) async fn execute(args: PullArgs) -> ProcessExit {
    match pull(&args).await {
        Ok(()) => ProcessExit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

async fn pull(args: &PullArgs) -> Result<(), String> {
    let source = ScenarioSource::Oci(args.reference.clone());
    let resolved = oci::resolve(&source, &args.registry, args.offline).await?;
    let verified = match oci::trusted_keys(&args.trust)? {
        Some(keys) => Some(resolved.verify(&keys).await?),
        None => None,
    };
    let Some((_, pulled)) = &resolved.origin else {
        return Err("not a registry scenario".into());
    };
    if args.json {
        let v = serde_json::json!({
            "reference": pulled.reference.to_string(),
            "digest": pulled.manifest_digest,
            "component_digest": pulled.component_digest,
            "path": resolved.path.display().to_string(),
            "signed_by": verified.as_ref().map(|v| v.key_id.clone()),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(());
    }
    println!("pulled:      {}", pulled.reference);
    println!("digest:      {}", pulled.manifest_digest);
    println!("component:   {}", pulled.component_digest);
    println!("path:        {}", resolved.path.display());
    if let Some(v) = verified {
        println!("signature:   verified, key {} ({})", v.key_id, v.signer);
    }
    Ok(())
}
