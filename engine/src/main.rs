//! The `volley` binary: parse flags, run, print, and exit with k6's codes.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode as ProcessExit;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::Parser;

use volley::cli::{
    Cli, Command, CompareArgs, InspectArgs, NewArgs, ReportArgs, RunArgs, TargetArgs, key_value,
    parse_size,
};
use volley::config::{Options, parse_duration, parse_stage};
use volley::control::{StopLevel, StopReason, StopSignal};
use volley::exit::ExitCode;
use volley::output::{self, SummaryInput};
use volley::run::{Progress, RunConfig, RunError, RunOutcome};
use volley_demo::DemoTarget;

// mimalloc: the per-request path allocates many small, short-lived objects
// across threads (hyper, wasmtime lowering, samples); glibc's malloc spent
// ~15% of a core on them in the throughput benchmark.
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
    let code = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run_command(*args).await,
            Command::Target(args) => target_command(args).await,
            Command::Inspect(args) => inspect_command(args).await,
            Command::New(args) => new_command(args),
            Command::Compare(args) => compare_command(args),
            Command::Report(args) => report_command(args),
        }
    });
    // Do not wait for stray tasks (connections of the demo target, ...).
    runtime.shutdown_background();
    code
}

fn exit(code: ExitCode) -> ProcessExit {
    ProcessExit::from(code.code() as u8)
}

async fn target_command(args: TargetArgs) -> ProcessExit {
    let target = match DemoTarget::bind(args.listen).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}: {e}. Pick another address with --listen 127.0.0.1:PORT",
                args.listen
            );
            return ProcessExit::FAILURE;
        }
    };
    println!(
        "volley demo target listening on http://{}",
        target.local_addr()
    );
    println!(
        "routes: /health /products /products/{{id}} /customers /customers/{{id}}/orders /orders /delay?ms=N /status/{{code}} /bytes/{{n}} /__stats"
    );
    let _ = tokio::signal::ctrl_c().await;
    target.shutdown().await;
    ProcessExit::SUCCESS
}

async fn inspect_command(args: InspectArgs) -> ProcessExit {
    let path = args.scenario.clone();
    let found = tokio::task::spawn_blocking(move || volley::scenario::inspect(&path)).await;
    let info = match found {
        Ok(Ok(info)) => info,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return exit(ExitCode::InvalidConfig);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ProcessExit::FAILURE;
        }
    };
    let options = volley::run::component_options(&args.scenario).await;
    if args.json {
        let options: serde_json::Value = match &options {
            Ok(text) => {
                serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.clone()))
            }
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        let mut v = serde_json::to_value(&info).unwrap_or_default();
        v["options"] = options;
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ProcessExit::SUCCESS;
    }
    println!(
        "scenario:    {} ({})",
        info.path,
        volley::output::format::bytes(info.size as f64)
    );
    println!("contract:    volley:scenario@{}", info.contract);
    println!("language:    {}", info.language);
    println!(
        "produced by: {}",
        if info.producers.is_empty() {
            "(no producers section)".to_string()
        } else {
            info.producers.join("; ")
        }
    );
    println!("imports:");
    for i in &info.imports {
        println!("  {i}");
    }
    println!("exports:");
    for e in &info.exports {
        println!("  {e}");
    }
    match options {
        Ok(text) => println!(
            "options:     {}",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        Err(e) => println!("options:     (cannot read: {e})"),
    }
    ProcessExit::SUCCESS
}

fn compare_command(args: CompareArgs) -> ProcessExit {
    use volley::compare::{DEFAULT_RULES, Results, Rule, judge};
    let sources: Vec<String> = if args.fail_on.is_empty() {
        DEFAULT_RULES.iter().map(|s| s.to_string()).collect()
    } else {
        args.fail_on.clone()
    };
    let loaded = (|| -> Result<_, String> {
        let rules = sources
            .iter()
            .map(|s| Rule::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((Results::load(&args.base)?, Results::load(&args.new)?, rules))
    })();
    let (base, new, rules) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit(ExitCode::InvalidConfig);
        }
    };
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| volley::output::format::trim(v, 3));
    println!(
        "{:<40} {:>12} {:>12} {:>9}",
        "metric", "base", "new", "change"
    );
    for (metric, stat) in [
        ("http_req_duration", "avg"),
        ("http_req_duration", "p(95)"),
        ("http_req_duration", "p(99)"),
        ("http_req_failed", "rate"),
        ("http_reqs", "rate"),
        ("iteration_duration", "p(95)"),
        ("checks", "rate"),
    ] {
        let (b, n) = (base.stat(metric, stat), new.stat(metric, stat));
        let change = match (b, n) {
            (Some(b), Some(n)) if b != 0.0 => format!("{:+.1}%", (n - b) / b.abs() * 100.0),
            _ => String::new(),
        };
        println!(
            "{:<40} {:>12} {:>12} {:>9}",
            format!("{metric}.{stat}"),
            show(b),
            show(n),
            change
        );
    }
    println!();
    let verdicts = judge(&base, &new, &rules);
    for v in &verdicts {
        let mark = if v.regressed {
            "✗ REGRESSION"
        } else if v.base.is_none() || v.new.is_none() {
            "- not in both"
        } else {
            "✓"
        };
        println!(
            "{mark:<13} {}  ({} → {})",
            v.rule.source,
            show(v.base),
            show(v.new)
        );
    }
    if verdicts.iter().any(|v| v.regressed) {
        ProcessExit::from(1)
    } else {
        ProcessExit::SUCCESS
    }
}

fn report_command(args: ReportArgs) -> ProcessExit {
    let doc = std::fs::read(&args.results)
        .map_err(|e| format!("cannot read {}: {e}", args.results.display()))
        .and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b)
                .map_err(|e| format!("{}: not JSON: {e}", args.results.display()))
        })
        .and_then(|doc| {
            output::render_report(&doc).map_err(|e| format!("{}: {e}", args.results.display()))
        })
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

fn new_command(args: NewArgs) -> ProcessExit {
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

/// Turn flags into the CLI layer of options and the run configuration.
fn run_config(args: &RunArgs) -> Result<RunConfig> {
    let mut cli = Options {
        vus: args.vus,
        iterations: args.iterations,
        ..Options::default()
    };
    if let Some(d) = &args.duration {
        cli.duration = Some(parse_duration(d).map_err(|e| anyhow!("--duration {d:?}: {e}"))?);
    }
    if !args.stages.is_empty() {
        let stages = args
            .stages
            .iter()
            .map(|s| parse_stage(s).map_err(|e| anyhow!("--stage {s:?}: {e}")))
            .collect::<Result<Vec<_>>>()?;
        cli.stages = Some(stages);
    }
    if !args.tags.is_empty() {
        let tags = args
            .tags
            .iter()
            .map(|t| key_value(t, "--tag").map_err(|e| anyhow!(e)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        cli.tags = Some(tags);
    }
    if !args.data.is_empty() {
        let data = args
            .data
            .iter()
            .map(|t| {
                key_value(t, "--data")
                    .map(|(k, v)| (k, v.into()))
                    .map_err(|e| anyhow!(e))
            })
            .collect::<Result<BTreeMap<_, _>>>()?;
        cli.data = Some(data);
    }
    cli.seed = args.seed;
    cli.user_agent = args.user_agent.clone();
    if args.insecure_skip_tls_verify {
        cli.insecure_skip_tls_verify = Some(true);
    }
    cli.max_redirects = args.max_redirects;
    if !args.blacklist_ips.is_empty() {
        cli.blacklist_ips = Some(args.blacklist_ips.clone());
    }
    if !args.block_hostnames.is_empty() {
        cli.block_hostnames = Some(args.block_hostnames.clone());
    }
    if let Some(t) = &args.http_timeout {
        cli.http_timeout =
            Some(parse_duration(t).map_err(|e| anyhow!("--http-timeout {t:?}: {e}"))?);
    }
    if let Some(s) = &args.summary_trend_stats {
        cli.summary_trend_stats = Some(
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        );
    }
    if args.no_setup {
        cli.no_setup = Some(true);
    }
    if args.no_teardown {
        cli.no_teardown = Some(true);
    }
    let env = args
        .env
        .iter()
        .map(|t| key_value(t, "--env").map_err(|e| anyhow!(e)))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let vu_memory = parse_size(&args.vu_memory).map_err(|e| anyhow!("--vu-memory: {e}"))?;
    if vu_memory < (1 << 20) {
        return Err(anyhow!(
            "--vu-memory {}: a VU needs at least 1MiB",
            args.vu_memory
        ));
    }
    let outputs = args
        .outputs
        .iter()
        .map(|o| volley::output::OutputSpec::parse(o).map_err(|e| anyhow!(e)))
        .collect::<Result<Vec<_>>>()?;
    let progress = match (
        &args.progress_interval,
        args.quiet,
        std::io::stderr().is_terminal(),
    ) {
        (_, true, _) => Progress::Off,
        (_, false, true) => Progress::Tty,
        (Some(every), false, false) => {
            let d =
                parse_duration(every).map_err(|e| anyhow!("--progress-interval {every:?}: {e}"))?;
            Progress::Plain(d.max(std::time::Duration::from_secs(1)))
        }
        (None, false, false) => Progress::Off,
    };
    let cpu = parse_duration(&args.iteration_cpu_limit)
        .map_err(|e| anyhow!("--iteration-cpu-limit {:?}: {e}", args.iteration_cpu_limit))?;
    Ok(RunConfig {
        scenario: args.scenario.clone(),
        config_file: args.config.clone(),
        cli,
        env_vars: std::env::vars()
            .filter(|(k, _)| k.starts_with("VOLLEY_"))
            .collect(),
        env,
        vu_memory,
        iteration_cpu_limit: (!cpu.is_zero()).then_some(cpu),
        progress,
        no_thresholds: args.no_thresholds,
        allow_hosts: args.allow_hosts.clone(),
        block_private: args.block_private,
        outputs,
        timeseries: args.results.is_some() || args.html.is_some(),
    })
}

/// Ctrl-C once: stop gracefully; twice: stop now. Results are written either way.
fn watch_signals(stop: Arc<StopSignal>) {
    tokio::spawn(async move {
        let mut presses = 0;
        loop {
            let term = async {
                #[cfg(unix)]
                {
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(mut s) => {
                            s.recv().await;
                        }
                        Err(_) => std::future::pending::<()>().await,
                    }
                }
                #[cfg(not(unix))]
                std::future::pending::<()>().await
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => { if r.is_err() { return; } }
                _ = term => {}
            }
            presses += 1;
            if presses == 1 {
                eprintln!(
                    "\nstopping: letting running iterations finish (gracefulStop); press Ctrl-C again to stop now"
                );
                stop.stop(StopLevel::Graceful, StopReason::Interrupted);
            } else {
                eprintln!("\nstopping now");
                stop.stop(StopLevel::Hard, StopReason::Interrupted);
            }
        }
    });
}

async fn run_command(args: RunArgs) -> ProcessExit {
    let mut cfg = match run_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
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
    watch_signals(stop.clone());
    let outcome = volley::run::run(cfg, stop).await;
    if let Some(t) = demo {
        t.shutdown().await;
    }
    match outcome {
        Ok(outcome) => report(&args, &outcome),
        Err(RunError::Config(message)) => {
            eprintln!("error: {message}");
            exit(ExitCode::InvalidConfig)
        }
    }
}

fn report(args: &RunArgs, outcome: &RunOutcome) -> ProcessExit {
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let stop_reason = outcome.stop_reason.as_ref().map(|r| match r {
        StopReason::ScenarioAbort(m) => format!("the scenario aborted the test: {m}"),
        StopReason::ThresholdAbort(m) => format!("a threshold with abortOnFail failed: {m}"),
        StopReason::Interrupted => "interrupted (Ctrl-C / SIGTERM)".to_string(),
        StopReason::ScenarioError(m) => m.clone(),
    });
    let input = SummaryInput {
        snapshot: &outcome.snapshot,
        thresholds: &outcome.thresholds,
        trend_stats: &outcome.plan.summary_trend_stats,
        color,
        interrupted_iterations: outcome.interrupted_iterations,
        scenarios: &outcome.scenario_lines,
        stop_reason,
    };
    let mut code = outcome.exit_code;
    if let Some(path) = &args.summary_export {
        let json = output::summary_export(&input);
        let written = serde_json::to_vec_pretty(&json)
            .context("cannot serialise the summary")
            .and_then(|bytes| {
                std::fs::write(path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))
            });
        if let Err(e) = written {
            eprintln!("error: --summary-export: {e:#}");
            if code == ExitCode::Ok {
                code = ExitCode::InvalidConfig;
            }
        }
    }
    if args.results.is_some() || args.html.is_some() {
        let meta = output::ResultsMeta {
            scenario: &args.scenario.display().to_string(),
            options: serde_json::json!({
                "thresholds": outcome.plan.thresholds,
                "summaryTrendStats": outcome.plan.summary_trend_stats,
                "tags": outcome.plan.tags,
                "seed": outcome.plan.seed,
            }),
            timeseries: &outcome.timeseries,
        };
        let doc = output::results(&input, &meta);
        let mut write = |flag: &str, path: &std::path::Path, bytes: Result<Vec<u8>, String>| {
            let written = bytes.and_then(|b| {
                std::fs::write(path, b).map_err(|e| format!("cannot write {}: {e}", path.display()))
            });
            if let Err(e) = written {
                eprintln!("error: {flag}: {e}");
                if code == ExitCode::Ok {
                    code = ExitCode::InvalidConfig;
                }
            }
        };
        if let Some(path) = &args.results {
            write(
                "--results",
                path,
                serde_json::to_vec(&doc).map_err(|e| e.to_string()),
            );
        }
        if let Some(path) = &args.html {
            write(
                "--html",
                path,
                output::render_report(&doc).map(String::into_bytes),
            );
        }
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, output::junit(&input))
    {
        eprintln!("error: --junit: cannot write {}: {e}", path.display());
        if code == ExitCode::Ok {
            code = ExitCode::InvalidConfig;
        }
    }
    // On GitHub Actions, add a Markdown summary to the job's page.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(output::markdown(&input).as_bytes()));
        if let Err(e) = appended {
            eprintln!("warning: cannot append to GITHUB_STEP_SUMMARY: {e}");
        }
    }
    if !args.no_summary {
        print!("{}", output::render_summary(&input));
    }
    if let Some((_, message)) = &outcome.lifecycle_error {
        eprintln!("error: {message}");
    }
    exit(code)
}
