//! `volley search oci://REGISTRY/REPOSITORY`: the tags of a repository, each
//! with its version, description, digest and whether it is signed
//! (signature tags themselves are left out).

use std::process::ExitCode as ProcessExit;

use volley::cli::SearchArgs;
use volley::exit::ExitCode;

use super::oci;
use crate::exit;

pub(super) async fn execute(args: SearchArgs) -> ProcessExit {
    match search(&args).await {
        Ok(()) => ProcessExit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

async fn search(args: &SearchArgs) -> Result<(), String> {
    let registry = oci::registry(&args.repository, &args.registry, false)?;
    let tags = registry
        .list(&args.repository)
        .await
        .map_err(|e| e.to_string())?;
    if args.json {
        let list: Vec<serde_json::Value> = tags
            .iter()
            .map(|t| {
                serde_json::json!({
                    "tag": t.tag,
                    "digest": t.digest,
                    "title": t.title,
                    "version": t.version,
                    "description": t.description,
                    "created": t.created,
                    "signed": t.signed,
                    "component": t.is_component,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Ok(());
    }
    let repo = format!(
        "oci://{}/{}",
        args.repository.registry(),
        args.repository.repository()
    );
    if tags.is_empty() {
        println!("{repo}: no tags");
        return Ok(());
    }
    let width = |f: &dyn Fn(&volley_registry::TagInfo) -> usize, min: usize| {
        tags.iter().map(f).max().unwrap_or(0).max(min)
    };
    let tag_w = width(&|t| t.tag.len(), 3);
    let version_w = width(&|t| t.version.as_deref().map_or(1, str::len), 7);
    println!("{repo}");
    println!(
        "{:<tag_w$}  {:<version_w$}  {:<6}  {:<71}  DESCRIPTION",
        "TAG", "VERSION", "SIGNED", "DIGEST"
    );
    for t in &tags {
        let description = if t.is_component {
            t.description.clone().unwrap_or_default()
        } else {
            "(not a wasm component artifact)".to_string()
        };
        println!(
            "{:<tag_w$}  {:<version_w$}  {:<6}  {:<71}  {description}",
            t.tag,
            t.version.as_deref().unwrap_or("-"),
            if t.signed { "yes" } else { "no" },
            t.digest
        );
    }
    Ok(())
}
