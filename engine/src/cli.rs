//! The command line, parsed into a plain record of what the user typed
//! (ripgrep's "low args"); `main` turns it into a [`RunConfig`](crate::run::RunConfig).
//! Flag names follow k6's.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Volley: load tests written in any language that compiles to WebAssembly.
#[derive(Debug, Parser)]
#[command(name = "volley", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario component and print the end-of-test summary.
    Run(Box<RunArgs>),
    /// Serve the embedded demo target (a small shop API) on loopback.
    Target(TargetArgs),
    /// Show what a scenario component is: contract, toolchain, imports, options.
    Inspect(InspectArgs),
    /// Create a ready scenario project.
    New(NewArgs),
    /// Compare two results files; exit 1 on a regression.
    Compare(CompareArgs),
    /// Turn a results file into a self-contained HTML report.
    Report(ReportArgs),
}

/// `volley report` flags.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results file (`volley run --results FILE`).
    pub results: PathBuf,
    /// Where to write the HTML.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "report.html"
    )]
    pub output: PathBuf,
}

/// `volley compare` flags.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline results file.
    pub base: PathBuf,
    /// The new results file.
    pub new: PathBuf,
    /// A regression rule, repeatable, e.g. "http_req_duration.p(95)>+10%"
    /// (default: that and "http_req_failed.rate>+0.01").
    #[arg(long = "fail-on", value_name = "RULE")]
    pub fail_on: Vec<String>,
}

/// `volley inspect` flags.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The scenario component (.wasm).
    pub scenario: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `volley new` flags.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project's name (and directory).
    pub name: String,
    /// The scenario's language: rust, python, js or c.
    #[arg(long, default_value = "rust", value_name = "LANG")]
    pub lang: String,
    /// Where to create the project.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The language's SDK folder (sdk/rust, sdk/python, sdk/js or sdk/c of a
    /// Volley checkout; default: the one next to this volley's sources).
    #[arg(long, value_name = "PATH")]
    pub sdk: Option<PathBuf>,
}

/// `volley run` flags.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario component (.wasm) to run.
    pub scenario: PathBuf,

    /// Number of VUs to run concurrently (k6 --vus).
    #[arg(short = 'u', long, value_name = "N")]
    pub vus: Option<u64>,

    /// Test duration, e.g. 30s, 1m30s (k6 --duration).
    #[arg(short = 'd', long, value_name = "DURATION")]
    pub duration: Option<String>,

    /// Total iterations shared by all VUs (k6 --iterations: a shared-iterations scenario).
    #[arg(short = 'i', long, value_name = "N")]
    pub iterations: Option<u64>,

    /// A ramping stage DURATION:TARGET, repeatable (k6 --stage).
    #[arg(short = 's', long = "stage", value_name = "DURATION:TARGET")]
    pub stages: Vec<String>,

    /// An environment variable for the scenario, KEY=VALUE, repeatable (k6 --env).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// A JSON file of k6 options; overrides the scenario's own options.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Write the end-of-test summary as JSON (k6's summary-export shape).
    #[arg(long, value_name = "FILE")]
    pub summary_export: Option<PathBuf>,

    /// Stream every sample to an output, as k6's --out (repeatable):
    /// json=FILE (k6 JSON lines) or csv=FILE (k6 CSV).
    #[arg(short = 'o', long = "out", value_name = "TYPE=TARGET")]
    pub outputs: Vec<String>,

    /// Write a complete results file (metrics with full HDR histograms, time
    /// series, thresholds), the input of `volley compare`.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,

    /// Write a self-contained HTML report (charts, tables) of the run.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Write thresholds and checks as JUnit XML (one test case each).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// No progress line.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// When stderr is not a terminal (CI logs), print a plain progress line
    /// this often, e.g. 10s (default: none).
    #[arg(long, value_name = "DURATION")]
    pub progress_interval: Option<String>,

    /// No colours in the output.
    #[arg(long)]
    pub no_color: bool,

    /// Do not print the end-of-test summary.
    #[arg(long)]
    pub no_summary: bool,

    /// Do not evaluate thresholds.
    #[arg(long)]
    pub no_thresholds: bool,

    /// A tag added to every sample, KEY=VALUE, repeatable (k6 --tag).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,

    /// A read-only data set for all VUs, NAME=FILE (.json array, .csv, or lines), repeatable.
    #[arg(long = "data", value_name = "NAME=FILE")]
    pub data: Vec<String>,

    /// Seed of the VUs' random streams, for repeatable runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// User-Agent header of requests.
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,

    /// Follow at most N redirects (default 10).
    #[arg(long, value_name = "N")]
    pub max_redirects: Option<u32>,

    /// Default timeout of a request (default 60s).
    #[arg(long, value_name = "DURATION")]
    pub http_timeout: Option<String>,

    /// Trend stats in the summary, e.g. "avg,p(90),p(99),max".
    #[arg(long, value_name = "STATS")]
    pub summary_trend_stats: Option<String>,

    /// Skip setup().
    #[arg(long)]
    pub no_setup: bool,

    /// Skip teardown().
    #[arg(long)]
    pub no_teardown: bool,

    /// Largest memory of one VU, e.g. 64MiB (default), 256MiB, 1GiB.
    #[arg(long, value_name = "SIZE", default_value = "64MiB")]
    pub vu_memory: String,

    /// CPU time one iteration may use before it is stopped and counted as failed.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub iteration_cpu_limit: String,

    /// Allow requests only to this host, repeatable: HOST, HOST:PORT, *.DOMAIN,
    /// [IPv6]:PORT. Requests elsewhere fail with error_code 1111 and make no connection.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]")]
    pub allow_hosts: Vec<String>,

    /// Block requests to this IP network (CIDR, repeatable or comma-separated;
    /// k6's blacklistIPs). Blocked requests fail with error_code 1110.
    #[arg(long = "blacklist-ip", value_name = "CIDR", value_delimiter = ',')]
    pub blacklist_ips: Vec<String>,

    /// Block requests to these host names (comma-separated, *.DOMAIN
    /// wildcards; k6's blockHostnames). Blocked requests fail with error_code 1111.
    #[arg(long = "block-hostnames", value_name = "HOSTS", value_delimiter = ',')]
    pub block_hostnames: Vec<String>,

    /// Block requests to private, loopback, link-local, multicast and other
    /// non-public addresses, after DNS resolution (see docs/k6-mapping.md).
    #[arg(long)]
    pub block_private: bool,

    /// Start the embedded demo target on a free loopback port for this run and
    /// set BASE_URL to it (unless --env BASE_URL=... is given).
    #[arg(long)]
    pub with_demo_target: bool,
}

/// `volley target` flags.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, value_name = "ADDR", default_value = volley_demo::DEFAULT_ADDR)]
    pub listen: SocketAddr,
}

/// Parse `KEY=VALUE`.
pub fn key_value(s: &str, flag: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{flag} {s:?}: expected KEY=VALUE")),
    }
}

/// Parse a size: bytes, or with a unit (KiB, MiB, GiB, kB, MB, GB).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        format!("invalid size {s:?}: expected a number with an optional unit, e.g. 64MiB")
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "invalid size unit {other:?} in {s:?}: use KiB, MiB, GiB, kB, MB or GB"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_pairs() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert_eq!(key_value("A=b=c", "--env"), Ok(("A".into(), "b=c".into())));
        assert!(key_value("=x", "--env").is_err());
    }
}
