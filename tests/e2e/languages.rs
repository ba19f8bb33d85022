//! Scenarios in other languages: each language's example, built from source
//! with the project's scripts (which install the toolchains), makes the same
//! requests per endpoint and the same checks as the Rust one; `volley new`
//! projects in each language build and run unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Target, guest, root, volley_run, volley_run_in};

/// Run `scripts/SCRIPT ARGS... OUT` from the repository root and return the
/// component it built at `out` (relative to the root).
fn build(script: &str, args: &[&str], out: &str) -> PathBuf {
    let status = Command::new("bash")
        .current_dir(root())
        .arg(format!("scripts/{script}"))
        .args(args)
        .arg(out)
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "scripts/{script} builds {args:?} (it installs its toolchain)"
    );
    let out = root().join(out);
    assert!(out.exists(), "{} was built", out.display());
    out
}

type Flow = (
    std::collections::BTreeMap<String, u64>,
    Vec<(String, u64, u64)>,
);

/// Requests per route and checks (path, passes, fails) of 3 seeded iterations.
fn run_flow(scenario: &Path) -> Flow {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        scenario,
        &["-u", "1", "-i", "3", "-e", &base, "--seed", "7", "-q"],
    );
    run.assert_ok();
    let export = run.export.expect("export");
    let mut found = Vec::new();
    checks(&export["root_group"], &mut found);
    found.sort();
    (t.stats().by_route, found)
}

/// Check names with their passes and fails, group by group.
fn checks(group: &serde_json::Value, out: &mut Vec<(String, u64, u64)>) {
    if let Some(checks) = group["checks"].as_object() {
        for (name, c) in checks {
            let path = c["path"].as_str().unwrap_or(name).to_string();
            out.push((
                path,
                c["passes"].as_u64().unwrap_or(0),
                c["fails"].as_u64().unwrap_or(0),
            ));
        }
    }
    if let Some(groups) = group["groups"].as_object() {
        for g in groups.values() {
            checks(g, out);
        }
    }
}

fn assert_customer_care_matches_rust(other: &Path) {
    let rust = run_flow(&guest("customer-care", "customer_care"));
    let flow = run_flow(other);
    assert_eq!(flow.0, rust.0, "same requests per endpoint");
    assert_eq!(flow.0.get("POST /orders"), Some(&3));
    assert_eq!(flow.1, rust.1, "same checks with the same outcomes");
    assert_eq!(flow.1.len(), 5);
}

#[test]
fn python_customer_care_matches_rust() {
    let python = build(
        "build-python.sh",
        &["example-scenarios/python/customer-care", "app"],
        "target/python/customer-care.wasm",
    );
    assert_customer_care_matches_rust(&python);
}

#[test]
fn javascript_customer_care_matches_rust() {
    let js = build(
        "build-js.sh",
        &["example-scenarios/js/customer-care/script.js"],
        "target/js/customer-care.wasm",
    );
    assert_customer_care_matches_rust(&js);
}

#[test]
fn c_hello_matches_rust() {
    let c = build(
        "build-c.sh",
        &["example-scenarios/c/hello"],
        "target/c/hello.wasm",
    );
    let rust = run_flow(&guest("hello", "hello"));
    let flow = run_flow(&c);
    assert_eq!(flow, rust, "same requests and checks as the Rust hello");
    assert_eq!(flow.0.get("GET /products"), Some(&3));
    assert_eq!(flow.1.len(), 2);

    // Empty lists from the host (a discarded body, no headers) are not
    // allocations: the SDK must not free them (this once trapped).
    let bench = build(
        "build-c.sh",
        &["bench/scenarios/c/get_check"],
        "target/c/get_check.wasm",
    );
    let t = Target::start();
    let url = format!("TARGET_URL={}/health", t.url);
    let run = volley_run(&bench, &["-u", "2", "-i", "20", "-e", &url, "-q"]);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(
        export["metrics"]["iterations_failed"]["count"]
            .as_f64()
            .unwrap_or(0.0),
        0.0,
        "no failed iteration: {}",
        run.stderr
    );
    assert_eq!(
        export["metrics"]["iterations"]["count"].as_f64(),
        Some(20.0)
    );
    assert_eq!(export["metrics"]["checks"]["passes"].as_f64(), Some(20.0));
}

#[test]
fn inspect_names_each_language() {
    let cases = [
        (
            build(
                "build-python.sh",
                &["example-scenarios/python/customer-care", "app"],
                "target/python/inspect.wasm",
            ),
            "Python",
        ),
        (guest("hello", "hello"), "Rust"),
        (
            build(
                "build-c.sh",
                &["example-scenarios/c/hello"],
                "target/c/hello-inspect.wasm",
            ),
            "C (clang, wit-bindgen-c)",
        ),
        (
            build(
                "build-js.sh",
                &["example-scenarios/js/customer-care/script.js"],
                "target/js/inspect.wasm",
            ),
            "JavaScript",
        ),
    ];
    for (wasm, language) in cases {
        let run = crate::support::volley(&["inspect", "--json", wasm.to_str().unwrap_or_default()]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let found = v["language"].as_str().unwrap_or_default();
        assert!(found.starts_with(language), "{}: {found}", wasm.display());
        assert_eq!(v["contract"], "0.2.0");
    }
}

/// `volley new NAME --lang LANG`, then its build.sh, then a run against the
/// demo target: two iterations each request /health once.
fn new_project_builds_and_runs(lang: &str, wasm: &str) {
    let dir = crate::support::tempdir();
    let name = format!("shop-{lang}");
    let run = crate::support::volley(&[
        "new",
        &name,
        "--lang",
        lang,
        "--dir",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let project = dir.join(&name);
    // build.sh stamps volley.toml into the component with this volley.
    let status = Command::new("bash")
        .arg(project.join("build.sh"))
        .env("VOLLEY", env!("CARGO_BIN_EXE_volley"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "the new {lang} project builds");
    let component = project.join(wasm.replace("NAME", &name));
    let inspect = crate::support::volley(&[
        "inspect",
        component.to_str().unwrap_or_default(),
        "--no-options",
    ]);
    assert_eq!(inspect.code, Some(0), "{}", inspect.stderr);
    assert!(
        inspect
            .stdout
            .contains(&format!("manifest:    {name} (format 1)")),
        "build.sh stamped the manifest: {}",
        inspect.stdout
    );
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(&component, &["-u", "1", "-i", "2", "-e", &base, "-q"]);
    run.assert_ok();
    assert_eq!(t.stats().by_route.get("GET /health"), Some(&2));
}

#[test]
fn new_python_project_builds_and_runs() {
    new_project_builds_and_runs("python", "NAME.wasm");
}

#[test]
fn new_javascript_project_builds_and_runs() {
    new_project_builds_and_runs("js", "NAME.wasm");
}

#[test]
fn new_c_project_builds_and_runs() {
    new_project_builds_and_runs("c", "NAME.wasm");
}

#[test]
fn javascript_runs_k6_scripts_with_k6_imports() {
    let wasm = build(
        "build-js.sh",
        &["tests/fixtures/js/k6-compat.js"],
        "target/js/k6-compat.wasm",
    );
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let users = root().join("tests/fixtures/js/users.json");
    let data = format!("users={}", users.display());
    let run = volley_run(&wasm, &["-e", &base, "--data", &data, "-q"]);
    // The script's thresholds demand that every check passed.
    run.assert_ok();
    let export = run.export.expect("export");
    let mut found = Vec::new();
    checks(&export["root_group"], &mut found);
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(
        found.iter().all(|(_, pass, fail)| *pass == 4 && *fail == 0),
        "{found:?}"
    );
    assert!(run.stderr.contains("teardown saw yes"), "{}", run.stderr);
    assert_eq!(t.stats().by_route.get("POST /customers"), Some(&4));

    // A k6 module the SDK does not have is refused at build time, by name.
    let script = crate::support::temp_file(
        "ws.js",
        "import ws from 'k6/ws';\nexport default function () { ws.connect('ws://x'); }\n",
    );
    let out = Command::new("bash")
        .current_dir(root())
        .args([
            "scripts/build-js.sh",
            script.to_str().unwrap_or_default(),
            "/dev/null",
        ])
        .output()
        .expect("bash runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("k6/ws is not available"), "{stderr}");
}

/// A loopback URL nothing listens on (a port just bound and released).
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Run a contract-0.2 fixture (2 iterations of 1 VU) in a fresh working
/// directory against the demo target: every check passes (its thresholds
/// say so too), each iteration read one event stream, and its
/// handle-summary wrote `file`, returned with the directory.
fn run_contract_02(wasm: &Path, checks_per_iteration: u64, file: &str) -> String {
    let t = Target::start();
    let dir = crate::support::tempdir();
    let base = format!("BASE_URL={}", t.url);
    let closed = format!("CLOSED_URL={}", closed_url());
    let run = volley_run_in(&dir, wasm, &["-e", &base, "-e", &closed, "-q"]);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(
        crate::support::metric(&export, "checks", "passes"),
        (2 * checks_per_iteration) as f64,
        "{}",
        run.stderr
    );
    assert_eq!(crate::support::metric(&export, "checks", "fails"), 0.0);
    assert_eq!(t.stats().by_route.get("GET /stream"), Some(&2));
    assert_eq!(
        crate::support::metric(&export, "stream_events", "count"),
        8.0
    );
    let written = std::fs::read_to_string(dir.join(file)).expect("handle-summary wrote its file");
    let _ = std::fs::remove_dir_all(&dir);
    written
}

#[test]
fn javascript_contract_02_apis() {
    let wasm = build(
        "build-js.sh",
        &["tests/fixtures/js/contract-02.js"],
        "target/js/contract-02.wasm",
    );
    let summary = run_contract_02(&wasm, 17, "summary.json");
    let v: serde_json::Value = serde_json::from_str(&summary).expect("summary.json is JSON");
    assert_eq!(v["checks"], 34);
}

#[test]
fn python_contract_02_apis() {
    let wasm = build(
        "build-python.sh",
        &["tests/fixtures/python/contract-02", "app"],
        "target/python/contract-02.wasm",
    );
    let summary = run_contract_02(&wasm, 16, "summary.json");
    let v: serde_json::Value = serde_json::from_str(&summary).expect("summary.json is JSON");
    assert_eq!(v["checks"], 32);
}

#[test]
fn c_contract_02_apis() {
    let wasm = build(
        "build-c.sh",
        &["tests/fixtures/c/contract-02"],
        "target/c/contract-02.wasm",
    );
    let summary = run_contract_02(&wasm, 11, "summary.txt");
    assert_eq!(summary, "has http_reqs: yes\n");
}
