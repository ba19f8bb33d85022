//! `volley run`: flags to a run configuration and its outputs, the run,
//! and the exit code.

use std::io::IsTerminal;
use std::process::ExitCode as ProcessExit;
use std::sync::Arc;

use volley::cli::RunArgs;
use volley::control::StopSignal;
use volley::exit::ExitCode;
use volley::output::{
    CsvOut, JsonOut, JunitOut, OutputSpec, Outputs, PrometheusOut, ResultsOut, StepSummaryOut,
    SummaryExportOut, SummaryOut,
};
use volley::run::{Progress, RunConfig};
use volley_demo::DemoTarget;

use super::signals;
use crate::exit;

/// Environment variables that carry options: Volley's, and k6's for
/// scripts moved over (Volley's win where both are set).
fn option_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("VOLLEY_") || k.starts_with("K6_"))
        .collect()
}

/// The outputs the flags ask for, in the order they finish (files first,
/// the summary last).
fn outputs(args: &RunArgs) -> Result<Outputs, String> {
    let mut outputs = Outputs::new();
    for spec in &args.outputs {
        match spec {
            OutputSpec::Json(p) => outputs.push(JsonOut::new(p.clone())),
            OutputSpec::Csv(p) => outputs.push(CsvOut::new(p.clone())),
            OutputSpec::PrometheusRw(url) => {
                outputs.push(PrometheusOut::new(url).map_err(|e| e.to_string())?)
            }
        }
    }
    if let Some(path) = &args.summary_export {
        outputs.push(SummaryExportOut::new(path.clone()));
    }
    if args.results.is_some() || args.html.is_some() {
        outputs.push(ResultsOut::new(args.results.clone(), args.html.clone()));
    }
    if let Some(path) = &args.junit {
        outputs.push(JunitOut::new(path.clone()));
    }
    // On GitHub Actions, a Markdown summary on the job's page.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        outputs.push(StepSummaryOut::new(path.into()));
    }
    if !args.no_summary {
        let color = !args.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        outputs.push(SummaryOut::new(color));
    }
    Ok(outputs)
}

fn config(args: &RunArgs) -> Result<RunConfig, String> {
    let progress = match (
        args.progress_interval,
        args.quiet,
        std::io::stderr().is_terminal(),
    ) {
        (_, true, _) => Progress::Off,
        (_, false, true) => Progress::Tty,
        (Some(every), false, false) => {
            Progress::Plain(every.max(std::time::Duration::from_secs(1)))
        }
        (None, false, false) => Progress::Off,
    };
    Ok(RunConfig {
        scenario: args.scenario.clone(),
        scenario_label: String::new(),
        config_file: args.config.clone(),
        cli: args.options(),
        env_vars: option_vars(),
        env: args.env(),
        vu_memory: args.vu_memory,
        iteration_cpu_limit: Some(args.iteration_cpu_limit),
        progress,
        no_thresholds: args.no_thresholds,
        allow_hosts: args.allow_hosts.clone(),
        block_private: args.block_private,
        outputs: outputs(args)?,
        monitors: args.monitors.clone(),
    })
}

pub(super) async fn execute(args: RunArgs) -> ProcessExit {
    let mut cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit(ExitCode::InvalidConfig);
        }
    };
    let mut demo = None;
    if args.with_demo_target {
        match DemoTarget::bind(([127, 0, 0, 1], 0).into()).await {
            Ok(t) => {
                cfg.env
                    .entry("BASE_URL".into())
                    .or_insert_with(|| format!("http://{}", t.local_addr()));
                if !cfg.allow_hosts.is_empty() {
                    cfg.allow_hosts.push(t.local_addr().to_string());
                }
                eprintln!("demo target listening on http://{}", t.local_addr());
                demo = Some(t);
            }
            Err(e) => {
                eprintln!("error: cannot start the demo target on loopback: {e}");
                return ProcessExit::FAILURE;
            }
        }
    }
    let stop = Arc::new(StopSignal::new());
    signals::watch(stop.clone(), || {});
    let finished = volley::run::run(cfg, stop).await;
    if let Some(t) = demo {
        t.shutdown().await;
    }
    match finished {
        Ok(finished) => {
            for e in &finished.output_errors {
                eprintln!("error: {e}");
            }
            if let Some((_, message)) = &finished.outcome.lifecycle_error {
                eprintln!("error: {message}");
            }
            exit(finished.exit_code())
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit(e.exit_code())
        }
    }
}
