//! `volley new NAME --lang LANG`: a ready scenario project.

use std::process::ExitCode as ProcessExit;

use volley::cli::NewArgs;
use volley::exit::ExitCode;

use crate::exit;

pub(super) fn execute(args: NewArgs) -> ProcessExit {
    match volley::scaffold::new_project(&args.dir, &args.name, &args.lang, args.sdk.clone()) {
        Ok(dir) => {
            println!("created {}", dir.display());
            let wasm = if args.lang == "rust" {
                dir.join(format!(
                    "target/wasm32-wasip2/release/{}.wasm",
                    args.name.replace('-', "_")
                ))
            } else {
                dir.join(format!("{}.wasm", args.name))
            };
            println!(
                "next: bash {}/build.sh && volley run {} --with-demo-target",
                dir.display(),
                wasm.display()
            );
            ProcessExit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}
