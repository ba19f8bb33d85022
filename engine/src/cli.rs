//! The command line, parsed into a plain record of what the user typed
//! (ripgrep's "low args"): values are typed by clap value parsers
//! (durations, sizes, `KEY=VALUE`, stages, outputs), so a bad value is
//! refused with the flag's name before anything runs. [`RunArgs::options`]
//! is the CLI layer of the option layers; the binary's `run` command turns
//! the rest into a [`RunConfig`](crate::run::RunConfig). Flag names follow
//! k6's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{Options, Stage, parse_duration, parse_size, parse_stage};
use crate::output::OutputSpec;
use crate::resources::MonitorSpec;
use volley_registry::Reference;

/// A `KEY=VALUE` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue(pub String, pub String);

fn key_value(s: &str) -> Result<KeyValue, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok(KeyValue(k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s)
}

fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!(
            "{s:?} is zero; give a positive duration (e.g. 30s), or a very long one (e.g. 1h) for no practical limit"
        ));
    }
    Ok(d)
}

/// The defaults of the series limits, named for the flags.
mod volley_limits {
    pub const DEFAULT_PER_METRIC: usize = crate::metrics::SeriesLimits::DEFAULT_PER_METRIC;
    pub const DEFAULT_TOTAL: usize = crate::metrics::SeriesLimits::DEFAULT_TOTAL;
}

fn series_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "{s:?}: give a positive number of series (e.g. 10000)"
        )),
        Ok(n) => Ok(n),
    }
}

fn vu_memory(s: &str) -> Result<u64, String> {
    let n = parse_size(s)?;
    if n < (1 << 20) {
        return Err(format!("{s}: a VU needs at least 1MiB"));
    }
    Ok(n)
}

fn stage(s: &str) -> Result<Stage, String> {
    parse_stage(s)
}

fn output(s: &str) -> Result<OutputSpec, String> {
    s.parse()
}

/// A report file, its format named by its extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportFile {
    /// `.md`: the Markdown report.
    Markdown(PathBuf),
    /// `.html`: the HTML report.
    Html(PathBuf),
}

impl ReportFile {
    /// Read `FILE.md` or `FILE.html`; any other extension is refused with
    /// the fix.
    pub fn parse(s: &str) -> Result<ReportFile, String> {
        let path = PathBuf::from(s);
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "md" | "markdown" => Ok(ReportFile::Markdown(path)),
            "html" | "htm" => Ok(ReportFile::Html(path)),
            _ => Err(format!(
                "{s}: the report's format comes from its extension; give a .md (Markdown) or .html (HTML) file"
            )),
        }
    }
}

fn report_file(s: &str) -> Result<ReportFile, String> {
    ReportFile::parse(s)
}

fn monitor(s: &str) -> Result<MonitorSpec, String> {
    s.parse()
}

/// `--allow-host` takes host patterns, not URLs: a URL would silently
/// allow nothing, so it is refused with the pattern it should be.
fn host_pattern(s: &str) -> Result<String, String> {
    if let Some((scheme, rest)) = s.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        return Err(format!(
            "{s:?} is a URL; give a host name, not a URL: --allow-host {host} (the scheme {scheme}:// is not part of it)"
        ));
    }
    if s.trim().is_empty() || s.contains('/') {
        return Err(format!(
            "{s:?} is not a host pattern; expected HOST, HOST:PORT, *.DOMAIN or [IPv6]:PORT"
        ));
    }
    Ok(s.to_string())
}

/// What `volley run`, `inspect`, `pull` and `sign` take: a component file,
/// or a scenario published to an OCI registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A component file (`.wasm`).
    File(PathBuf),
    /// `oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`.
    Oci(Reference),
}

impl std::fmt::Display for ScenarioSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioSource::File(p) => write!(f, "{}", p.display()),
            ScenarioSource::Oci(r) => write!(f, "{r}"),
        }
    }
}

/// `oci://...` is a reference (refused here, naming the bad part, when it
/// does not parse); anything else is a file.
fn scenario_source(s: &str) -> Result<ScenarioSource, String> {
    if Reference::is_oci_url(s) {
        Reference::parse(s)
            .map(ScenarioSource::Oci)
            .map_err(|e| e.to_string())
    } else {
        Ok(ScenarioSource::File(PathBuf::from(s)))
    }
}

/// An `oci://` reference; a file path is refused with the form expected.
fn oci_reference(s: &str) -> Result<Reference, String> {
    if !Reference::is_oci_url(s) {
        return Err(format!(
            "{s:?} is not an OCI reference; expected oci://REGISTRY[:PORT]/REPOSITORY[:TAG], e.g. oci://ghcr.io/acme/checkout:1.2.0"
        ));
    }
    Reference::parse(s).map_err(|e| e.to_string())
}

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
    /// Run a scenario (a .wasm file, or oci://... from a registry) and print the end-of-test summary.
    Run(Box<RunArgs>),
    /// Serve the embedded demo target (a small shop API) on loopback.
    Target(TargetArgs),
    /// Show what a scenario is: metadata, manifest, contract, toolchain, imports, options.
    Inspect(InspectArgs),
    /// Publish a scenario component to an OCI registry (a wasm OCI artifact).
    Push(PushArgs),
    /// Fetch a published scenario into the local cache, without running it.
    Pull(PullArgs),
    /// Sign a scenario with a minisign key: a FILE.minisig, or a signature in the registry.
    Sign(SignArgs),
    /// Embed a scenario manifest (volley.toml) in a component.
    Stamp(StampArgs),
    /// List the tags of a repository with their versions and descriptions.
    Search(SearchArgs),
    /// Create a ready scenario project.
    New(NewArgs),
    /// Compare two results files; exit 1 on a regression.
    Compare(CompareArgs),
    /// Turn a results file into a report: self-contained HTML, or Markdown
    /// for a FILE.md.
    Report(ReportArgs),
    /// Merge a fleet's results files (one per execution segment) into the
    /// whole test's, and judge its thresholds on it.
    Merge(MergeArgs),
    /// Start paused fleet processes (`volley run --paused=ADDR`) together.
    Start(StartArgs),
    /// Fleet tooling.
    #[command(subcommand)]
    Fleet(FleetCommand),
}

/// `volley merge` flags.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The segments' results files (`volley run --segment I/N --results FILE`).
    #[arg(required = true, value_name = "RESULTS")]
    pub files: Vec<PathBuf>,
    /// Write the fleet's summary as JSON (k6's summary-export shape).
    #[arg(long, value_name = "FILE")]
    pub summary_export: Option<PathBuf>,
    /// Write the fleet's results file (input of `compare` and `report`).
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Write the fleet's HTML report.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write thresholds and checks as JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Merge even when segments are missing (the verdict covers only them).
    #[arg(long)]
    pub allow_partial: bool,
    /// Do not judge thresholds (exit 0 unless a segment did not finish).
    #[arg(long)]
    pub no_thresholds: bool,
    /// Do not print the summary.
    #[arg(long)]
    pub no_summary: bool,
    /// No colours in the summary.
    #[arg(long)]
    pub no_color: bool,
}

/// `volley start` flags.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The paused processes' start addresses (HOST:PORT, as given to
    /// `volley run --paused=ADDR`).
    #[arg(required = true, value_name = "ADDR")]
    pub addrs: Vec<String>,
    /// How long to wait for every process to be reachable and to start
    /// (they answer once their VUs are ready).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub timeout: Duration,
}

/// `volley fleet` subcommands.
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Print the Kubernetes objects of a fleet: an Indexed Job running one
    /// segment per pod and a Job merging their results (`| kubectl apply -f -`).
    Render(RenderArgs),
}

/// `volley fleet render` flags.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The number of segments (pods).
    #[arg(long, value_name = "N")]
    pub segments: u32,
    /// What each pod runs: oci://REGISTRY/REPO:TAG, or a path in the pod
    /// (/scenario/scenario.wasm with a NAME-scenario ConfigMap).
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: String,
    /// Prefix of the objects' names.
    #[arg(long, value_name = "NAME", default_value = "volley")]
    pub name: String,
    /// The fleet id (default: NAME-<unix time>).
    #[arg(long, value_name = "ID")]
    pub fleet_id: Option<String>,
    /// The common start instant, RFC 3339 (default: two minutes from now).
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<String>,
    /// The Volley image (default: this release's).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// More `volley run` flags for every segment, space-separated (default:
    /// --grant-manifest for an oci:// scenario, none for a file).
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub run_args: Option<String>,
}

/// `volley report` flags.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results file (`volley run --results FILE`).
    pub results: PathBuf,
    /// Where to write the report: FILE.html (self-contained HTML) or
    /// FILE.md (Markdown).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "report.html",
        value_parser = report_file
    )]
    pub output: ReportFile,
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
    /// The scenario: a component file (.wasm) or oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST].
    #[arg(value_name = "SCENARIO", value_parser = scenario_source)]
    pub scenario: ScenarioSource,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Do not instantiate the component to read its options() (never done
    /// for oci:// scenarios): everything shown is read from its bytes.
    #[arg(long)]
    pub no_options: bool,
    /// Read an oci:// scenario from the local cache only.
    #[arg(long)]
    pub offline: bool,
    /// How to reach the registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach an OCI registry: the flags of every command that talks to one.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// User name for the registry; the password comes from the
    /// VOLLEY_REGISTRY_PASSWORD environment variable (default: the registry's
    /// entry in the docker config.json, else anonymous).
    #[arg(long, value_name = "USER")]
    pub registry_user: Option<String>,
    /// Allow plain HTTP to this registry, HOST:PORT (or HOST for any port),
    /// repeatable. Loopback registries need no flag; every other one is HTTPS.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// The longest wait for one registry request.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub registry_timeout: Duration,
}

/// Signature checks (minisign) before a scenario is accepted.
#[derive(Debug, Clone, Args)]
pub struct TrustArgs {
    /// Accept the scenario only if signed by this minisign public key (the
    /// RW... string or a .pub file), repeatable: unsigned and tampered
    /// scenarios are refused before anything runs. A file's signature is
    /// FILE.minisig next to it; a published one's is in the registry.
    #[arg(long = "verify-key", value_name = "KEY")]
    pub verify_keys: Vec<String>,
    /// Like --verify-key, with the publishers' keys in a trust file (one
    /// `KEY NAME` line each; minisign .pub files work too), repeatable.
    #[arg(long = "trust", value_name = "FILE")]
    pub trust: Vec<PathBuf>,
}

impl TrustArgs {
    /// Whether a signature is asked for.
    pub fn is_set(&self) -> bool {
        !self.verify_keys.is_empty() || !self.trust.is_empty()
    }
}

/// `volley push` flags.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The scenario component (.wasm) to publish.
    pub scenario: PathBuf,
    /// Where: oci://REGISTRY[:PORT]/REPOSITORY:TAG.
    #[arg(value_name = "REFERENCE", value_parser = oci_reference)]
    pub reference: Reference,
    /// Sign the component with this minisign secret key and push the
    /// signature too (an encrypted key's password comes from VOLLEY_KEY_PASSWORD).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Push this ready-made minisign signature of the component (e.g.
    /// `minisign -Sm SCENARIO.wasm` wrote it) as its signature.
    #[arg(long, value_name = "FILE.minisig", conflicts_with = "sign")]
    pub signature: Option<PathBuf>,
    /// How to reach the registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `volley pull` flags.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The scenario: oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST].
    #[arg(value_name = "REFERENCE", value_parser = oci_reference)]
    pub reference: Reference,
    /// Resolve from the local cache only.
    #[arg(long)]
    pub offline: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Signature checks.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// How to reach the registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `volley sign` flags.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The scenario: a component file (writes FILE.minisig) or an oci://
    /// reference (pushes the signature to the registry, next to it).
    #[arg(value_name = "SCENARIO", value_parser = scenario_source)]
    pub scenario: ScenarioSource,
    /// The minisign secret key (`minisign -G` writes ~/.minisign/minisign.key);
    /// an encrypted key's password comes from VOLLEY_KEY_PASSWORD.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to write the signature of a file (default: FILE.minisig).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How to reach the registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `volley stamp` flags.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// The scenario component (.wasm).
    pub scenario: PathBuf,
    /// The scenario manifest to embed.
    #[arg(long, value_name = "FILE", default_value = "volley.toml")]
    pub manifest: PathBuf,
    /// Write the stamped component here (default: over SCENARIO).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `volley search` flags.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The repository: oci://REGISTRY[:PORT]/REPOSITORY (a tag is ignored).
    #[arg(value_name = "REPOSITORY", value_parser = oci_reference)]
    pub repository: Reference,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How to reach the registry.
    #[command(flatten)]
    pub registry: RegistryArgs,
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
    /// The scenario: a component file (.wasm), or one published to a registry,
    /// oci://REGISTRY[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST] (pulled, checked
    /// against its digest and cached).
    #[arg(value_name = "SCENARIO", value_parser = scenario_source)]
    pub scenario: ScenarioSource,

    /// Number of VUs to run concurrently (k6 --vus).
    #[arg(short = 'u', long, value_name = "N")]
    pub vus: Option<u64>,

    /// Test duration, e.g. 30s, 1m30s (k6 --duration).
    #[arg(short = 'd', long, value_name = "DURATION", value_parser = duration)]
    pub duration: Option<Duration>,

    /// Total iterations shared by all VUs (k6 --iterations: a shared-iterations scenario).
    #[arg(short = 'i', long, value_name = "N")]
    pub iterations: Option<u64>,

    /// A ramping stage DURATION:TARGET, repeatable (k6 --stage).
    #[arg(short = 's', long = "stage", value_name = "DURATION:TARGET", value_parser = stage)]
    pub stages: Vec<Stage>,

    /// An environment variable for the scenario, KEY=VALUE, repeatable (k6 --env).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    pub env: Vec<KeyValue>,

    /// A JSON file of k6 options; overrides the scenario's own options.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Write the end-of-test summary as JSON (k6's summary-export shape).
    #[arg(long, value_name = "FILE")]
    pub summary_export: Option<PathBuf>,

    /// Stream every sample to an output, as k6's --out (repeatable):
    /// json=FILE (k6 JSON lines) or csv=FILE (k6 CSV).
    #[arg(short = 'o', long = "out", value_name = "TYPE=TARGET", value_parser = output)]
    pub outputs: Vec<OutputSpec>,

    /// Write a complete results file (metrics with full HDR histograms, time
    /// series, thresholds), the input of `volley compare`.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,

    /// Write a self-contained HTML report (charts, tables) of the run.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Write a report of the run: FILE.md (Markdown: verdict table, stages,
    /// errors) or FILE.html (as --html); repeatable.
    #[arg(long = "report", value_name = "FILE", value_parser = report_file)]
    pub reports: Vec<ReportFile>,

    /// Write thresholds and checks as JUnit XML (one test case each).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// No progress line.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// When stderr is not a terminal (CI logs), print a plain progress line
    /// this often, e.g. 10s (default: none).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub progress_interval: Option<Duration>,

    /// No colours in the output.
    #[arg(long)]
    pub no_color: bool,

    /// Do not print the end-of-test summary, nor call the scenario's
    /// handle-summary (k6's handleSummary).
    #[arg(long)]
    pub no_summary: bool,

    /// Do not evaluate thresholds.
    #[arg(long)]
    pub no_thresholds: bool,

    /// A tag added to every sample, KEY=VALUE, repeatable (k6 --tag).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    pub tags: Vec<KeyValue>,

    /// A read-only data set for all VUs, NAME=FILE (.json array, .csv, or lines), repeatable.
    #[arg(long = "data", value_name = "NAME=FILE", value_parser = key_value)]
    pub data: Vec<KeyValue>,

    /// Seed of the VUs' random streams, for repeatable runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Run only this part of the test, as k6 does (`1/4:2/4`, `25%:50%`):
    /// VUs, iterations and arrival-rate ticks are split exactly, so the
    /// processes of a fleet together run the whole test.
    #[arg(long, value_name = "FROM:TO", conflicts_with = "segment")]
    pub execution_segment: Option<String>,

    /// Every process's segment, in order (`0,1/4,2/4,3/4,1`); give every
    /// process the same one.
    #[arg(long, value_name = "LIST", conflicts_with = "segment")]
    pub execution_segment_sequence: Option<String>,

    /// Shorthand for segment I of N equal ones, I counted from 0 (as
    /// JOB_COMPLETION_INDEX and SLURM_PROCID count): `--segment 0/4` is the
    /// first quarter.
    #[arg(long, value_name = "I/N", value_parser = segment_shorthand)]
    pub segment: Option<crate::segment::ExecutionTuple>,

    /// The fleet run this process belongs to, written into its results
    /// file: give every process of one run the same id (`volley merge`
    /// refuses files of different fleets). Letters, digits, '.', '_', '-'.
    #[arg(long, value_name = "ID")]
    pub fleet_id: Option<String>,

    /// Initialise the VUs, then start the load at this instant (RFC 3339,
    /// e.g. 2030-01-31T12:00:00Z): how a fleet starts together. A process
    /// ready after it starts at once, with a warning.
    #[arg(long, value_name = "TIME", value_parser = start_instant, conflicts_with = "paused")]
    pub start_at: Option<std::time::SystemTime>,

    /// Initialise the VUs, then wait for a start trigger: SIGUSR1, or with
    /// an address (--paused=0.0.0.0:6565) a `volley start ADDR` too.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub paused: Option<String>,

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
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub http_timeout: Option<Duration>,

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
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = vu_memory)]
    pub vu_memory: u64,

    /// Response bodies all VUs may hold on the host at once, e.g. 1GiB
    /// (default); each VU may hold up to its --vu-memory. A request whose
    /// body would pass either fails with error_code 1702.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = vu_memory)]
    pub body_memory: u64,

    /// CPU time one iteration may use before it is stopped and counted as failed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration)]
    pub iteration_cpu_limit: Duration,

    /// Allow requests only to this host, repeatable: HOST, HOST:PORT, *.DOMAIN,
    /// [IPv6]:PORT. Requests elsewhere fail with error_code 1111 and make no
    /// connection. For a scenario with a manifest, each must fall within a
    /// host it declares.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]", value_parser = host_pattern)]
    pub allow_hosts: Vec<String>,

    /// Grant the scenario exactly the hosts its manifest declares (see
    /// `volley inspect`). A scenario from a registry needs this or --allow-host;
    /// for a file, it turns the manifest's hosts into the --allow-host list.
    #[arg(long)]
    pub grant_manifest: bool,

    /// Resolve an oci:// scenario from the local cache only (no network).
    #[arg(long)]
    pub offline: bool,

    /// Signature checks.
    #[command(flatten)]
    pub trust: TrustArgs,

    /// How to reach the registry of an oci:// scenario.
    #[command(flatten)]
    pub registry: RegistryArgs,

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

    /// Distinct series (tag sets) one metric may have; new ones beyond it
    /// are folded into one series tagged overflow=__overflow__ (counted,
    /// with a warning and a line in the summary).
    #[arg(long, value_name = "N", default_value_t = volley_limits::DEFAULT_PER_METRIC, value_parser = series_count)]
    pub max_series_per_metric: usize,

    /// Distinct series of all metrics together, folded beyond it as above.
    #[arg(long, value_name = "N", default_value_t = volley_limits::DEFAULT_TOTAL, value_parser = series_count)]
    pub max_series: usize,

    /// Start the embedded demo target on a free loopback port for this run and
    /// set BASE_URL to it (unless --env BASE_URL=... is given).
    #[arg(long)]
    pub with_demo_target: bool,

    /// Sample a target's CPU and memory every second beside the load,
    /// repeatable: pid=PID, cgroup=PATH (cgroup v2, as docker stats), or
    /// prometheus=URL,query=PROMQL[,unit=cores|percent|bytes]; each may add
    /// name=LABEL. Volley's own CPU and memory are always sampled.
    #[arg(long = "monitor", value_name = "SPEC", value_parser = monitor)]
    pub monitors: Vec<MonitorSpec>,
}

impl RunArgs {
    /// The options the flags set: the last layer of the run's options.
    pub fn options(&self) -> Options {
        let pairs = |list: &[KeyValue]| -> Option<BTreeMap<String, String>> {
            (!list.is_empty()).then(|| {
                list.iter()
                    .map(|KeyValue(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
        };
        Options {
            vus: self.vus,
            duration: self.duration,
            iterations: self.iterations,
            stages: (!self.stages.is_empty()).then(|| self.stages.clone()),
            tags: pairs(&self.tags),
            data: pairs(&self.data).map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect()),
            seed: self.seed,
            execution_segment: self
                .segment
                .as_ref()
                .map(|t| t.segment().to_string())
                .or_else(|| self.execution_segment.clone()),
            execution_segment_sequence: self
                .segment
                .as_ref()
                .map(|t| t.sequence().sequence().to_string())
                .or_else(|| self.execution_segment_sequence.clone()),
            user_agent: self.user_agent.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify.then_some(true),
            max_redirects: self.max_redirects,
            blacklist_ips: (!self.blacklist_ips.is_empty()).then(|| self.blacklist_ips.clone()),
            block_hostnames: (!self.block_hostnames.is_empty())
                .then(|| self.block_hostnames.clone()),
            http_timeout: self.http_timeout,
            summary_trend_stats: self.summary_trend_stats.as_ref().map(|s| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            }),
            no_setup: self.no_setup.then_some(true),
            no_teardown: self.no_teardown.then_some(true),
            ..Options::default()
        }
    }

    /// The `--env` values.
    pub fn env(&self) -> BTreeMap<String, String> {
        self.env
            .iter()
            .map(|KeyValue(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// `--segment I/N`: segment I (from 0) of N equal ones.
fn start_instant(s: &str) -> Result<std::time::SystemTime, String> {
    crate::wallclock::parse_rfc3339(s)
}

fn segment_shorthand(s: &str) -> Result<crate::segment::ExecutionTuple, String> {
    crate::segment::ExecutionTuple::from_shorthand(s).map_err(|e| e.to_string())
}

/// `volley target` flags.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, value_name = "ADDR", default_value = volley_demo::DEFAULT_ADDR)]
    pub listen: SocketAddr,

    /// A fault profile (JSON or TOML): latency distributions, a queue
    /// model, error rates, rate limits, timeouts, resets, slow bodies and a
    /// circuit breaker, per route (see docs/demo-target.md).
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_by_the_parsers() {
        assert_eq!(key_value("A=b=c"), Ok(KeyValue("A".into(), "b=c".into())));
        assert!(key_value("=x").is_err());
        assert_eq!(vu_memory("64MiB"), Ok(64 << 20));
        assert!(vu_memory("1KiB").is_err());
        assert!(positive_duration("0s").is_err());
        assert!(host_pattern("http://127.0.0.1:3030/").is_err());
        assert_eq!(host_pattern("127.0.0.1:3030"), Ok("127.0.0.1:3030".into()));
    }

    #[test]
    fn run_flags_become_the_cli_layer() {
        let cli = Cli::try_parse_from([
            "volley",
            "run",
            "s.wasm",
            "--vus",
            "3",
            "--duration",
            "10s",
            "--tag",
            "a=b",
            "--no-setup",
        ])
        .expect("parses");
        let Command::Run(args) = cli.command else {
            panic!("run")
        };
        let o = args.options();
        assert_eq!(o.vus, Some(3));
        assert_eq!(o.duration, Some(Duration::from_secs(10)));
        assert_eq!(o.tags.expect("tags")["a"], "b");
        assert_eq!(o.no_setup, Some(true));
        assert_eq!(args.scenario, ScenarioSource::File("s.wasm".into()));
        assert!(Cli::try_parse_from(["volley", "run", "s.wasm", "--duration", "soon"]).is_err());
        assert!(
            Cli::try_parse_from(["volley", "run", "s.wasm", "--iteration-cpu-limit", "0s"])
                .is_err()
        );
    }

    #[test]
    fn scenarios_are_files_or_oci_references() {
        let parse = |args: &[&str]| Cli::try_parse_from(args);
        let Ok(Cli {
            command: Command::Run(args),
        }) = parse(&[
            "volley",
            "run",
            "oci://127.0.0.1:5000/acme/shop:1.0",
            "--grant-manifest",
        ])
        else {
            panic!("an oci:// run parses")
        };
        let ScenarioSource::Oci(r) = &args.scenario else {
            panic!("a reference: {:?}", args.scenario)
        };
        assert_eq!(r.repository(), "acme/shop");
        assert!(args.grant_manifest);
        let bad = parse(&["volley", "run", "oci://127.0.0.1:5000/Acme/shop"])
            .expect_err("capital letters refused")
            .to_string();
        assert!(bad.contains("lowercase"), "{bad}");
        assert!(parse(&["volley", "push", "s.wasm", "./elsewhere"]).is_err());
        assert!(parse(&["volley", "push", "s.wasm", "oci://r.example.com/a/b:1"]).is_ok());
        assert!(parse(&["volley", "inspect", "s.wasm", "--no-options", "--json"]).is_ok());
    }

    #[test]
    fn monitors_are_typed_and_bad_ones_refused_with_the_fix() {
        let cli = Cli::try_parse_from([
            "volley",
            "run",
            "s.wasm",
            "--monitor",
            "pid=42",
            "--monitor",
            "prometheus=http://127.0.0.1:9090,query=sum(rate(x[5s])),unit=cores,name=api",
        ])
        .expect("parses");
        let Command::Run(args) = cli.command else {
            panic!("run")
        };
        assert_eq!(args.monitors.len(), 2);
        assert_eq!(args.monitors[1].label(), "api");
        let err =
            Cli::try_parse_from(["volley", "run", "s.wasm", "--monitor", "pid=42,colour=red"])
                .expect_err("unknown key");
        assert!(err.to_string().contains("unknown key colour="), "{err}");
    }
}
