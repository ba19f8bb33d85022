//! `volley merge`, `volley start` and `volley fleet render`: the commands
//! around a fleet of `volley run --segment` processes.

use std::io::IsTerminal;
use std::process::ExitCode as ProcessExit;
use std::sync::Arc;

use volley::cli::{MergeArgs, RenderArgs, StartArgs};
use volley::exit::ExitCode;
use volley::fleet::merge::read_files;
use volley::fleet::render::FleetParams;
use volley::fleet::{MergeOptions, merge as merge_fleet, trigger};
use volley::metrics::Registry;
use volley::output::{JunitOut, Outputs, ResultsOut, RunInfo, SummaryExportOut, SummaryOut};

use crate::exit;

pub(super) async fn merge(args: MergeArgs) -> ProcessExit {
    let opts = MergeOptions {
        allow_partial: args.allow_partial,
        no_thresholds: args.no_thresholds,
    };
    let merged = match read_files(&args.files).and_then(|files| merge_fleet(files, &opts)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit(ExitCode::InvalidConfig);
        }
    };
    for w in &merged.warnings {
        eprintln!("warning: {w}");
    }
    let fleet = &merged.outcome.fleet;
    eprintln!(
        "merged {} segment{} of fleet {} ({})",
        fleet.merged.len(),
        if fleet.merged.len() == 1 { "" } else { "s" },
        fleet.id.as_deref().unwrap_or("without an id"),
        fleet.sequence
    );
    let mut outputs = Outputs::new();
    if let Some(path) = &args.summary_export {
        outputs.push(SummaryExportOut::new(path.clone()));
    }
    if args.results.is_some() || args.html.is_some() {
        outputs.push(
            ResultsOut::new(args.results.clone(), args.html.clone())
                .with_points(merged.timeseries.clone()),
        );
    }
    if let Some(path) = &args.junit {
        outputs.push(JunitOut::new(path.clone()));
    }
    if !args.no_summary {
        let color = !args.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        outputs.push(SummaryOut::new(color));
    }
    let registry = Arc::new(Registry::new());
    let info = RunInfo {
        scenario: &merged.outcome.scenario,
        plan: &merged.outcome.plan,
        registry: &registry,
        fleet: None,
    };
    if let Err(errors) = outputs.start(&info) {
        for e in errors {
            eprintln!("error: {e}");
        }
        return exit(ExitCode::InvalidConfig);
    }
    let errors = outputs.finish(&merged.outcome).await;
    for e in &errors {
        eprintln!("error: {e}");
    }
    if let Some((_, message)) = &merged.outcome.lifecycle_error {
        eprintln!("error: {message}");
    }
    match merged.outcome.exit_code {
        ExitCode::Ok if !errors.is_empty() => exit(ExitCode::OutputFailed),
        code => exit(code),
    }
}

pub(super) async fn start(args: StartArgs) -> ProcessExit {
    let failures = trigger(&args.addrs, args.timeout).await;
    for addr in &args.addrs {
        match failures.iter().find(|(a, _)| a == addr) {
            Some((_, why)) => eprintln!("error: {addr}: {why}"),
            None => println!("started {addr}"),
        }
    }
    if failures.is_empty() {
        ProcessExit::SUCCESS
    } else {
        ProcessExit::FAILURE
    }
}

pub(super) fn render(args: RenderArgs) -> ProcessExit {
    let params = FleetParams::with_defaults(
        args.name,
        args.segments,
        args.scenario,
        args.fleet_id,
        args.image,
        args.start_at,
        args.run_args,
        std::time::SystemTime::now(),
    );
    match params.render() {
        Ok(yaml) => {
            print!("{yaml}");
            eprintln!(
                "fleet {}: {} segments starting at {} (apply with kubectl apply -f -)",
                params.fleet_id, params.segments, params.start_at
            );
            ProcessExit::SUCCESS
        }
        Err(e) => {
            for line in e.lines() {
                eprintln!("error: {line}");
            }
            exit(ExitCode::InvalidConfig)
        }
    }
}
