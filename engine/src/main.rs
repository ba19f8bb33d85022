//! The `volley` binary: parse flags, hand the command to [`cmd`], and exit
//! with k6's codes. Each command is one file under `cmd/`.

mod cmd;

use std::process::ExitCode as ProcessExit;

use clap::Parser;

use volley::cli::Cli;
use volley::exit::ExitCode;

// mimalloc: the per-request path allocates many small, short-lived objects
// across threads (wasmtime lowering, samples); glibc's malloc spent ~15% of
// a core on them in the throughput benchmark.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ProcessExit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ProcessExit::SUCCESS
                }
                _ => exit(ExitCode::InvalidConfig),
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ProcessExit::FAILURE;
        }
    };
    let code = runtime.block_on(cmd::dispatch(cli.command));
    // Do not wait for stray tasks (connections of the demo target, ...).
    runtime.shutdown_background();
    code
}

/// The process exit status of `code`.
fn exit(code: ExitCode) -> ProcessExit {
    ProcessExit::from(code.code() as u8)
}
