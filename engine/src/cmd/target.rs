//! `volley target`: serve the demo target on loopback until Ctrl-C.

use std::process::ExitCode as ProcessExit;

use volley::cli::TargetArgs;
use volley_demo::{DemoTarget, FaultProfile};

pub(super) async fn execute(args: TargetArgs) -> ProcessExit {
    let bound = match &args.faults {
        None => DemoTarget::bind(args.listen).await,
        Some(path) => match FaultProfile::from_file(path) {
            Ok(profile) => DemoTarget::bind_with_faults(args.listen, profile).await,
            Err(e) => {
                eprintln!("error: {e}");
                return crate::exit(volley::exit::ExitCode::InvalidConfig);
            }
        },
    };
    let target = match bound {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}: {e}. Pick another address with --listen 127.0.0.1:PORT",
                args.listen
            );
            return ProcessExit::FAILURE;
        }
    };
    println!(
        "volley demo target listening on http://{}",
        target.local_addr()
    );
    println!("routes:");
    for r in volley_demo::routes() {
        println!("  {:<28} {}", r.key, r.description);
    }
    if let Some(path) = &args.faults {
        println!("faults:      {} (see docs/demo-target.md)", path.display());
    }
    let _ = tokio::signal::ctrl_c().await;
    target.shutdown().await;
    ProcessExit::SUCCESS
}
