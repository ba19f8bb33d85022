//! `volley run`: the scenario resolved (pulled for `oci://`), its signature,
//! hosts and parameters checked against what the user allowed, flags to a
//! run configuration and its outputs, the run, and the exit code.

use std::io::IsTerminal;
use std::process::ExitCode as ProcessExit;
use std::sync::Arc;

use volley::cli::{ReportFile, RunArgs};
use volley::control::StopSignal;
use volley::exit::ExitCode;
use volley::output::{
    CsvOut, JsonOut, JunitOut, OutputSpec, Outputs, PrometheusOut, ResultsOut, StepSummaryOut,
    SummaryExportOut, SummaryOut,
};
use volley::run::{Progress, RunConfig};
use volley_demo::DemoTarget;

use super::oci::{self, Resolved};
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
    let mut html = args.html.clone();
    let mut markdown = None;
    for report in &args.reports {
        match report {
            ReportFile::Html(p) => html = Some(p.clone()),
            ReportFile::Markdown(p) => markdown = Some(p.clone()),
        }
    }
    if args.results.is_some() || html.is_some() || markdown.is_some() {
        outputs.push(ResultsOut::new(args.results.clone(), html).with_markdown(markdown));
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

fn config(args: &RunArgs, scenario: &Resolved) -> Result<RunConfig, String> {
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
        scenario: scenario.path.clone(),
        body_memory: args.body_memory,
        series_limits: volley::metrics::SeriesLimits {
            per_metric: args.max_series_per_metric,
            total: args.max_series,
        },
        scenario_label: scenario.label.clone(),
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
        handle_summary: !args.no_summary,
        monitors: args.monitors.clone(),
        start: match args.start_at {
            Some(at) => volley::fleet::StartGate::At(at),
            None => volley::fleet::StartGate::Now,
        },
        fleet_id: args.fleet_id.clone(),
        ..Default::default()
    })
}

/// Before any load: the scenario's signature (with `--verify-key` or
/// `--trust`) and the hosts it may reach. True when its manifest's hosts
/// are enforced (the run reaches only those granted).
async fn admit(args: &RunArgs, scenario: &Resolved, cfg: &mut RunConfig) -> Result<bool, String> {
    if let Some(keys) = oci::trusted_keys(&args.trust)? {
        let verified = scenario.verify(&keys).await?;
        eprintln!(
            "signature: {} signed by key {} ({})",
            scenario.name(),
            verified.key_id,
            verified.signer
        );
    }
    match scenario.granted_hosts(&args.allow_hosts, args.grant_manifest)? {
        Some(hosts) => {
            eprintln!("granted hosts: {}", hosts.join(", "));
            cfg.allow_hosts = hosts;
            Ok(true)
        }
        None => Ok(false),
    }
}

pub(super) async fn execute(args: RunArgs) -> ProcessExit {
    let refuse = |e: String| {
        eprintln!("error: {e}");
        exit(ExitCode::InvalidConfig)
    };
    let scenario = match oci::resolve(&args.scenario, &args.registry, args.offline).await {
        Ok(s) => s,
        Err(e) => return refuse(e),
    };
    let mut cfg = match config(&args, &scenario) {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    let enforced = match admit(&args, &scenario, &mut cfg).await {
        Ok(enforced) => enforced,
        Err(e) => return refuse(e),
    };
    let mut demo = None;
    if args.with_demo_target {
        match DemoTarget::bind(([127, 0, 0, 1], 0).into()).await {
            Ok(t) => {
                let addr = t.local_addr();
                cfg.env
                    .entry("BASE_URL".into())
                    .or_insert_with(|| format!("http://{addr}"));
                // A scenario held to its manifest reaches the demo target
                // only if it declares it.
                if enforced && !scenario.declares(&addr.ip().to_string(), addr.port()) {
                    eprintln!(
                        "warning: {} does not declare the demo target's address {addr}; its \
                         requests there will be blocked",
                        scenario.name()
                    );
                } else if !cfg.allow_hosts.is_empty() {
                    cfg.allow_hosts.push(addr.to_string());
                }
                eprintln!("demo target listening on http://{addr}");
                demo = Some(t);
            }
            Err(e) => {
                eprintln!("error: cannot start the demo target on loopback: {e}");
                return ProcessExit::FAILURE;
            }
        }
    }
    // After the demo target, whose BASE_URL counts as set.
    if let Err(e) = scenario.check_parameters(&mut cfg.env) {
        if let Some(t) = demo {
            t.shutdown().await;
        }
        return refuse(e);
    }
    // A paused run listens (and catches SIGUSR1) before its VUs exist, so
    // an early trigger is kept.
    if let Some(addr) = &args.paused {
        let addr = if addr.is_empty() {
            None
        } else {
            match addr.parse::<std::net::SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    return refuse(format!(
                        "--paused={addr}: not an IP:PORT address; e.g. --paused=0.0.0.0:6565 \
                         (all interfaces) or --paused=127.0.0.1:6565"
                    ));
                }
            }
        };
        match volley::fleet::Paused::new(addr).await {
            Ok(p) => {
                if let Some(a) = p.local_addr() {
                    eprintln!("start port listening on {a}");
                }
                cfg.start = volley::fleet::StartGate::Paused(p);
            }
            Err(e) => return refuse(e),
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
