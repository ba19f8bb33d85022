//! Scenarios in other languages: the Python customer-care flow (built here
//! with componentize-py) makes the same requests per endpoint and the same
//! checks as the Rust one.

use std::process::Command;

use crate::support::{Target, guest, root, volley_run};

fn run_flow(
    scenario: &std::path::Path,
) -> (std::collections::BTreeMap<String, u64>, serde_json::Value) {
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        scenario,
        &["-u", "1", "-i", "3", "-e", &base, "--seed", "7", "-q"],
    );
    run.assert_ok();
    let export = run.export.expect("export");
    (t.stats().by_route, export["root_group"].clone())
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

#[test]
fn python_customer_care_matches_rust() {
    let status = Command::new("bash")
        .current_dir(root())
        .args([
            "scripts/build-python.sh",
            "example-scenarios/python/customer-care",
            "app",
            "target/python/customer-care.wasm",
        ])
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "the Python example builds (scripts/build-python.sh installs componentize-py)"
    );
    let python = root().join("target/python/customer-care.wasm");
    let rust = guest("customer-care", "customer_care");

    let (py_routes, py_group) = run_flow(&python);
    let (rs_routes, rs_group) = run_flow(&rust);
    assert_eq!(py_routes, rs_routes, "same requests per endpoint");
    assert_eq!(py_routes.get("POST /orders"), Some(&3));
    let (mut py_checks, mut rs_checks) = (Vec::new(), Vec::new());
    checks(&py_group, &mut py_checks);
    checks(&rs_group, &mut rs_checks);
    py_checks.sort();
    rs_checks.sort();
    assert_eq!(py_checks, rs_checks, "same checks with the same outcomes");
    assert_eq!(py_checks.len(), 5);
}

#[test]
fn new_python_project_builds_and_runs() {
    let dir = crate::support::tempdir();
    let run = crate::support::volley(&[
        "new",
        "pyshop",
        "--lang",
        "python",
        "--dir",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let project = dir.join("pyshop");
    let status = Command::new("bash")
        .arg(project.join("build.sh"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "the new Python project builds");
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &project.join("pyshop.wasm"),
        &["-u", "1", "-i", "2", "-e", &base, "-q"],
    );
    run.assert_ok();
    assert_eq!(t.stats().by_route.get("GET /health"), Some(&2));
}
