//! `volley inspect SCENARIO`: what a component is (contract, language,
//! toolchain, imports, exports) and its options.

use std::process::ExitCode as ProcessExit;

use volley::cli::InspectArgs;
use volley::exit::ExitCode;
use volley::output::format::bytes;

use crate::exit;

pub(super) async fn execute(args: InspectArgs) -> ProcessExit {
    let path = args.scenario.clone();
    let found = tokio::task::spawn_blocking(move || volley::scenario::inspect(&path)).await;
    let info = match found {
        Ok(Ok(info)) => info,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return exit(ExitCode::InvalidConfig);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ProcessExit::FAILURE;
        }
    };
    let options = volley::run::component_options(&args.scenario).await;
    if args.json {
        let options: serde_json::Value = match &options {
            Ok(text) => {
                serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.clone()))
            }
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        let mut v = serde_json::to_value(&info).unwrap_or_default();
        v["options"] = options;
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ProcessExit::SUCCESS;
    }
    println!("scenario:    {} ({})", info.path, bytes(info.size as f64));
    println!("contract:    volley:scenario@{}", info.contract);
    println!("language:    {}", info.language);
    println!(
        "produced by: {}",
        if info.producers.is_empty() {
            "(no producers section)".to_string()
        } else {
            info.producers.join("; ")
        }
    );
    println!("imports:");
    for i in &info.imports {
        println!("  {i}");
    }
    println!("exports:");
    for e in &info.exports {
        println!("  {e}");
    }
    match options {
        Ok(text) => println!(
            "options:     {}",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        Err(e) => println!("options:     (cannot read: {e})"),
    }
    ProcessExit::SUCCESS
}
