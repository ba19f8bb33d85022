//! The commands of the `volley` binary, one file each; they print and
//! choose exit codes, and leave the work to the library.

mod compare;
mod fleet;
mod inspect;
mod new;
mod oci;
mod pull;
mod push;
mod report;
mod run;
mod search;
mod sign;
mod signals;
mod stamp;
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
        Command::Push(args) => push::execute(args).await,
        Command::Pull(args) => pull::execute(args).await,
        Command::Sign(args) => sign::execute(args).await,
        Command::Stamp(args) => stamp::execute(args),
        Command::Search(args) => search::execute(args).await,
        Command::Merge(args) => fleet::merge(args).await,
        Command::Start(args) => fleet::start(args).await,
        Command::Fleet(volley::cli::FleetCommand::Render(args)) => fleet::render(args),
    }
}
