//! `volley inspect SCENARIO`: what a scenario is (registry metadata,
//! embedded manifest, contract, language, toolchain, imports, exports) and
//! its options.
//!
//! Everything but the options is read from the component's bytes. The
//! options need an instance of the component (`options()` is guest code),
//! so they are read only for a local file without `--no-options`: an
//! `oci://` scenario is someone else's code and is never instantiated here.

use std::process::ExitCode as ProcessExit;

use serde_json::{Value, json};
use volley::cli::{InspectArgs, ScenarioSource};
use volley::exit::ExitCode;
use volley::output::format::bytes;
use volley::scenario::SUPPORTED;
use volley_registry::{ComponentMetadata, ScenarioManifest};

use super::oci::{self, Resolved};
use crate::exit;

/// What is read from the bytes.
struct Facts {
    size: usize,
    contract: Option<String>,
    producers: Vec<String>,
    language: String,
    imports: Vec<String>,
    exports: Vec<String>,
    metadata: ComponentMetadata,
}

fn facts(component: &[u8]) -> Result<Facts, String> {
    let info = volley_registry::component_info(component).map_err(|e| e.to_string())?;
    let metadata = volley_registry::read_metadata(component).map_err(|e| e.to_string())?;
    let contract = info.exports.iter().find_map(|e| {
        e.strip_prefix("volley:scenario/lifecycle@")
            .map(str::to_string)
    });
    let producers = volley::scenario::producers(component);
    Ok(Facts {
        size: component.len(),
        contract,
        language: volley::scenario::language(&producers),
        producers,
        imports: info.imports,
        exports: info.exports,
        metadata,
    })
}

pub(super) async fn execute(args: InspectArgs) -> ProcessExit {
    let fail = |e: String| {
        eprintln!("error: {e}");
        exit(ExitCode::InvalidConfig)
    };
    let resolved = match oci::resolve(&args.scenario, &args.registry, args.offline).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // A local file is validated like `volley run` does (its errors are the
    // engine's), then instantiated once for its options.
    let options = match &args.scenario {
        ScenarioSource::File(path) if !args.no_options => {
            let owned = path.clone();
            match tokio::task::spawn_blocking(move || volley::scenario::inspect(&owned)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return fail(e.to_string()),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ProcessExit::FAILURE;
                }
            }
            Some(
                volley::run::component_options(path)
                    .await
                    .map_err(|e| e.to_string()),
            )
        }
        _ => None,
    };
    let component = match std::fs::read(&resolved.path) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", resolved.path.display())),
    };
    let facts = match facts(&component) {
        Ok(f) => f,
        Err(e) => return fail(format!("{}: {e}", resolved.name())),
    };
    if args.json {
        let v = to_json(&resolved, &facts, options.as_ref());
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_text(&resolved, &facts, options.as_ref(), &args.scenario);
    }
    ProcessExit::SUCCESS
}

fn to_json(r: &Resolved, f: &Facts, options: Option<&Result<String, String>>) -> Value {
    let mut v = json!({
        "path": r.path.display().to_string(),
        "size": f.size,
        "contract": f.contract,
        "producers": f.producers,
        "language": f.language,
        "imports": f.imports,
        "exports": f.exports,
        "metadata": f.metadata,
        "manifest": r.manifest.as_ref().map(manifest_json),
    });
    if let Some((_, pulled)) = &r.origin {
        v["reference"] = json!(pulled.reference.to_string());
        v["digest"] = json!(pulled.manifest_digest);
        v["component_digest"] = json!(pulled.component_digest);
    }
    if let Some(options) = options {
        v["options"] = match options {
            Ok(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
            Err(e) => json!({ "error": e }),
        };
    }
    v
}

fn manifest_json(m: &ScenarioManifest) -> Value {
    serde_json::from_slice(&m.to_json()).unwrap_or(Value::Null)
}

fn print_text(
    r: &Resolved,
    f: &Facts,
    options: Option<&Result<String, String>>,
    source: &ScenarioSource,
) {
    let field = |name: &str, value: Option<&String>| {
        println!(
            "{:<13}{}",
            format!("{name}:"),
            value.map_or("-", |v| v.as_str())
        );
    };
    match &r.origin {
        Some((_, pulled)) => {
            println!(
                "scenario:    {} ({})",
                pulled.reference,
                bytes(f.size as f64)
            );
            println!("digest:      {}", pulled.manifest_digest);
            println!("component:   {}", pulled.component_digest);
            println!("cached at:   {}", r.path.display());
        }
        None => println!(
            "scenario:    {} ({})",
            r.path.display(),
            bytes(f.size as f64)
        ),
    }
    let m = &f.metadata;
    field("name", m.name.as_ref());
    field("version", m.version.as_ref());
    field("description", m.description.as_ref());
    field("authors", m.authors.as_ref());
    field("licenses", m.licenses.as_ref());
    field("source", m.source.as_ref());
    field("homepage", m.homepage.as_ref());
    field("revision", m.revision.as_ref());
    match &f.contract {
        Some(v) if SUPPORTED.contains(&v.as_str()) => {
            println!("contract:    volley:scenario@{v}")
        }
        Some(v) => println!(
            "contract:    volley:scenario@{v} (this Volley runs volley:scenario@{})",
            SUPPORTED.join(" and @")
        ),
        None => println!(
            "contract:    none (it does not export volley:scenario/lifecycle: not a Volley scenario)"
        ),
    }
    println!("language:    {}", f.language);
    println!(
        "produced by: {}",
        if f.producers.is_empty() {
            "(no producers section)".to_string()
        } else {
            f.producers.join("; ")
        }
    );
    println!("imports:");
    for i in &f.imports {
        println!("  {i}");
    }
    println!("exports:");
    for e in &f.exports {
        println!("  {e}");
    }
    print_manifest(r.manifest.as_ref());
    match (options, source) {
        (Some(Ok(text)), _) => println!(
            "options:     {}",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        (Some(Err(e)), _) => println!("options:     (cannot read: {e})"),
        (None, ScenarioSource::Oci(_)) => {
            println!("options:     (not read: a pulled scenario is not instantiated by inspect)")
        }
        (None, ScenarioSource::File(_)) => println!("options:     (not read: --no-options)"),
    }
}

fn print_manifest(manifest: Option<&ScenarioManifest>) {
    let Some(m) = manifest else {
        println!("manifest:    none (embed a volley.toml with `volley stamp`)");
        return;
    };
    println!("manifest:    {} (format {})", m.name, m.version);
    if let Some(d) = &m.description {
        println!("  {d}");
    }
    println!("parameters:");
    if m.parameters.is_empty() {
        println!("  (none)");
    }
    let width = m.parameters.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &m.parameters {
        let need = match (&p.default, p.required) {
            (_, true) => "required".to_string(),
            (Some(d), false) => format!("default {d}"),
            (None, false) => "optional".to_string(),
        };
        let description = p.description.as_deref().unwrap_or("");
        let line = format!(
            "  {:<width$}  {:<8}  {:<16}  {description}",
            p.name,
            p.kind.to_string(),
            need
        );
        println!("{}", line.trim_end());
    }
    println!("hosts:");
    if m.capabilities.hosts.is_empty() {
        println!("  (none)");
    }
    for h in &m.capabilities.hosts {
        println!("  {h}");
    }
    println!("data sets:");
    if m.capabilities.data.is_empty() {
        println!("  (none)");
    }
    for d in &m.capabilities.data {
        match &d.description {
            Some(text) => println!("  {}  {text}", d.name),
            None => println!("  {}", d.name),
        }
    }
}
