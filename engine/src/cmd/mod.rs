//! The commands of the `volley` binary, one file each; they print and
//! choose exit codes, and leave the work to the library.

mod compare;
mod inspect;
mod new;
mod report;
mod run;
mod signals;
mod target;

use std::process::ExitCode as ProcessExit;

use volley::cli::Command;

/// Run one command.
pub(crate) async fn dispatch(command: Command) -> ProcessExit {
    match command {
        Command::Run(args) => run::execute(*args).await,
        Command::Target(args) => target::execute(args).await,
        Command::Inspect(args) => inspect::execute(args).await,
        Command::New(args) => new::execute(args),
        Command::Compare(args) => compare::execute(args),
        Command::Report(args) => report::execute(args),
    }
}
