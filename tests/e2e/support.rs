//! Shared helpers of the end-to-end tests: guest fixtures built once, the
//! demo target started in-process on a free loopback port, and the real
//! `volley` binary run with a time limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use volley_demo::{DemoTarget, StatsSnapshot};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Guest crates built by this test process, by crate name.
static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());

/// The component of guest crate `krate` (lib name `lib`), built by cargo
/// once per test process: cargo's own freshness check rebuilds it when its
/// sources (or the SDK's) changed, so a test never runs a stale fixture.
/// `scripts/test.sh` builds every guest first, so this normally finds
/// them fresh at once.
pub fn guest(krate: &str, lib: &str) -> PathBuf {
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(k, _)| k == krate) {
        return path.clone();
    }
    let status = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "scenario",
            "-p",
            krate,
        ])
        .status()
        .expect("cargo must be runnable to build guest fixtures");
    assert!(
        status.success(),
        "building guest {krate} failed; run scripts/test.sh (it installs the wasm32-wasip2 target)"
    );
    let path = root().join(format!("target/wasm32-wasip2/scenario/{lib}.wasm"));
    built.push((krate.to_string(), path.clone()));
    path
}

/// The multi-mode test fixture (tests/fixtures/rust).
pub fn fixture() -> PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| guest("fixture", "fixture")).clone()
}

/// The hostile scenario (tests/fixtures/hostile): its attack chosen by
/// `--env HOSTILE=...`.
pub fn hostile() -> PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| guest("fixture-hostile", "fixture_hostile"))
        .clone()
}

/// A scenario built for a contract version this engine does not run
/// (tests/fixtures/future-contract).
pub fn future_fixture() -> PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| guest("fixture-future-contract", "fixture_future_contract"))
        .clone()
}

/// A demo target on its own runtime thread, for one test.
pub struct Target {
    rt: tokio::runtime::Runtime,
    target: Option<DemoTarget>,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Target {
    /// Start a demo target on a free loopback port.
    pub fn start() -> Target {
        Target::start_on([127, 0, 0, 1])
    }

    /// Start a demo target on a free port of loopback address `ip`
    /// (any of 127.0.0.0/8).
    pub fn start_on(ip: [u8; 4]) -> Target {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime for the demo target");
        let target = rt
            .block_on(DemoTarget::bind((ip, 0).into()))
            .expect("bind the demo target on loopback");
        let url = format!("http://{}", target.local_addr());
        Target {
            rt,
            target: Some(target),
            url,
        }
    }

    /// Run the multi-mode fixture in `mode` against this target, quietly,
    /// with more flags.
    pub fn run_fixture(&self, mode: &str, args: &[&str]) -> Run {
        let base = format!("BASE_URL={}", self.url);
        let mode = format!("MODE={mode}");
        let mut all = vec!["-e", base.as_str(), "-e", mode.as_str(), "-q"];
        all.extend_from_slice(args);
        volley_run(&fixture(), &all)
    }

    /// What the server counted.
    pub fn stats(&self) -> StatsSnapshot {
        self.target.as_ref().expect("target running").stats()
    }

    /// The server's log of `/stream` requests, oldest first.
    pub fn streams(&self) -> Vec<volley_demo::StreamRecord> {
        self.target.as_ref().expect("target running").streams()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(t) = self.target.take() {
            self.rt.block_on(t.shutdown());
        }
    }
}

/// The result of one `volley` invocation.
pub struct Run {
    /// Exit status code (None when killed by a signal).
    pub code: Option<i32>,
    /// Standard output (the summary).
    pub stdout: String,
    /// Standard error (logs, errors).
    pub stderr: String,
    /// The summary export, when one was asked for and written.
    pub export: Option<Value>,
}

impl Run {
    /// Assert exit code 0, showing both outputs otherwise.
    pub fn assert_ok(&self) {
        let (code, out, err) = (self.code, &self.stdout, &self.stderr);
        assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    }
}

/// Longest any single test run may take before it is killed.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Run `volley run SCENARIO ARGS... --summary-export FILE` with a time limit.
pub fn volley_run(scenario: &Path, args: &[&str]) -> Run {
    volley_run_env(scenario, args, &[])
}

/// [`volley_run`] with extra environment variables for the process.
pub fn volley_run_env(scenario: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Run {
    volley_run_with(None, scenario, args, envs)
}

/// [`volley_run`] in working directory `cwd` (where a scenario's
/// `handle-summary` writes its files).
pub fn volley_run_in(cwd: &Path, scenario: &Path, args: &[&str]) -> Run {
    volley_run_with(Some(cwd), scenario, args, &[])
}

fn volley_run_with(
    cwd: Option<&Path>,
    scenario: &Path,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> Run {
    let dir = tempdir();
    let export = dir.join("export.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volley"));
    if let Some(cwd) = cwd {
        cmd.current_dir(cwd);
    }
    cmd.arg("run")
        .arg(scenario)
        .args(args)
        .arg("--summary-export")
        .arg(&export)
        .arg("--no-color");
    cmd.env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = run_limited(cmd);
    let export = std::fs::read(&export)
        .ok()
        .map(|b| serde_json::from_slice(&b).expect("summary export is JSON"));
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        export,
    }
}

/// Run `volley ARGS...` (no export) with a time limit.
pub fn volley(args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volley"));
    cmd.args(args);
    let out = run_limited(cmd);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        export: None,
    }
}

/// [`volley`] with extra environment variables for the process; the
/// registry and signing secrets of the calling environment are removed.
pub fn volley_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volley"));
    cmd.args(args)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("VOLLEY_REGISTRY_PASSWORD")
        .env_remove("VOLLEY_KEY_PASSWORD");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = run_limited(cmd);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        export: None,
    }
}

/// Run `volley ARGS...` in directory `dir` (no export) with a time limit.
pub fn volley_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volley"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY");
    let out = run_limited(cmd);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        export: None,
    }
}

/// Run `cmd` to its end, reading its output while it runs (a child that
/// writes more than a pipe holds would otherwise block until killed), and
/// kill it after [`RUN_LIMIT`].
fn run_limited(mut cmd: Command) -> Output {
    use std::io::Read;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn volley");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for volley") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "volley ran longer than {RUN_LIMIT:?}; stderr:\n{}",
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// A fresh temporary directory. The first call removes those that earlier
/// test processes, now gone, left behind (a test's files stay for a look
/// until the next run).
pub fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(sweep_tempdirs);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("volley-e2e-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Remove `volley-e2e-PID-N` directories of processes that no longer run.
fn sweep_tempdirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("volley-e2e-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists();
        if gone && cfg!(target_os = "linux") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Write `text` to a file in a fresh temp dir and return its path.
pub fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = tempdir().join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

/// `metrics.<name>.<field>` of a summary export, as f64.
pub fn metric(export: &Value, name: &str, field: &str) -> f64 {
    export["metrics"][name][field].as_f64().unwrap_or_else(|| {
        panic!(
            "summary export has no metrics.{name}.{field}: {}",
            export["metrics"][name]
        )
    })
}

/// Assert exit `code` with every needle in stderr, and no panic.
pub fn assert_clear(run: &Run, code: i32, needles: &[&str]) {
    assert_eq!(run.code, Some(code), "stderr: {}", run.stderr);
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "stderr should mention {n:?}: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "no panic: {}", run.stderr);
}
