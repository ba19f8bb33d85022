//! `volley report RESULTS -o FILE`: the HTML report of a results file.

use std::process::ExitCode as ProcessExit;

use volley::cli::{ReportArgs, ReportFile};
use volley::exit::ExitCode;
use volley::output::{render_markdown, render_report};

use crate::exit;

pub(super) fn execute(args: ReportArgs) -> ProcessExit {
    let (path, markdown) = match &args.output {
        ReportFile::Markdown(p) => (p, true),
        ReportFile::Html(p) => (p, false),
    };
    let doc = std::fs::read(&args.results)
        .map_err(|e| format!("cannot read {}: {e}", args.results.display()))
        .and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b)
                .map_err(|e| format!("{}: not JSON: {e}", args.results.display()))
        })
        .and_then(|doc| {
            let rendered = if markdown {
                render_markdown(&doc)
            } else {
                render_report(&doc)
            };
            rendered.map_err(|e| format!("{}: {e}", args.results.display()))
        })
        .and_then(|text| {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        });
    match doc {
        Ok(()) => {
            println!("wrote {}", path.display());
            ProcessExit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit(ExitCode::InvalidConfig)
        }
    }
}
