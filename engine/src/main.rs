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
    no_huge_pages();
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

/// Transparent huge pages off for this process. mimalloc asks for them on
/// its arenas, and a kernel that grants them zeroes 2 MiB at each first
/// touch: 10,000 VUs started in 2.0-2.5 s with them and 0.6-0.7 s without
/// (60% of the start-up profile was `clear_page_erms` under
/// `do_huge_pmd_anonymous_page`), and peaked 2-3% higher. Throughput is the
/// same either way.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

/// The process exit status of `code`.
fn exit(code: ExitCode) -> ProcessExit {
    ProcessExit::from(code.code() as u8)
}
