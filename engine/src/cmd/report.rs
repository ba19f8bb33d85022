//! `volley report RESULTS -o FILE`: the HTML report of a results file.

use std::process::ExitCode as ProcessExit;

use volley::cli::ReportArgs;
use volley::exit::ExitCode;
use volley::output::render_report;

use crate::exit;

pub(super) fn execute(args: ReportArgs) -> ProcessExit {
    let doc = std::fs::read(&args.results)
        .map_err(|e| format!("cannot read {}: {e}", args.results.display()))
        .and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b)
                .map_err(|e| format!("{}: not JSON: {e}", args.results.display()))
        })
        .and_then(|doc| render_report(&doc).map_err(|e| format!("{}: {e}", args.results.display())))
        .and_then(|html| {
            std::fs::write(&args.output, html)
                .map_err(|e| format!("cannot write {}: {e}", args.output.display()))
        });
    match doc {
        Ok(()) => {
            println!("wrote {}", args.output.display());
            ProcessExit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}
