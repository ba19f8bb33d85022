//! Components built against contract 0.1.0 (tests/fixtures/v0.1, kept as
//! built) run unchanged on this engine: the contract is a public API, and
//! scenarios published to registries depend on it.

use std::io::Read;
use std::path::PathBuf;

use crate::support::{Target, metric, root, temp_file, tempdir, volley, volley_run};

fn v01(name: &str) -> PathBuf {
    let path = root().join("tests/fixtures/v0.1").join(name);
    assert!(path.exists(), "{} is missing", path.display());
    if !name.ends_with(".gz") {
        return path;
    }
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("open"))
        .read_to_end(&mut bytes)
        .expect("gunzip");
    let out = tempdir().join(name.trim_end_matches(".gz"));
    std::fs::write(&out, bytes).expect("write");
    out
}

fn run_v01(
    t: &Target,
    component: &std::path::Path,
    mode: &str,
    args: &[&str],
) -> crate::support::Run {
    let base = format!("BASE_URL={}", t.url);
    let mode = format!("MODE={mode}");
    let mut all = vec!["-e", base.as_str(), "-e", mode.as_str(), "-q"];
    all.extend_from_slice(args);
    volley_run(component, &all)
}

#[test]
fn inspect_names_the_old_contract() {
    let run = volley(&[
        "inspect",
        "--json",
        v01("rust-fixture.wasm").to_str().unwrap_or(""),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["contract"], "0.1.0");
}

#[test]
fn rust_fixture_modes_behave_as_before() {
    let t = Target::start();
    let f = v01("rust-fixture.wasm");
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {"checks": ["rate==1"], "http_reqs{group:::outer::inner}": ["count==4"]}}"#,
    );
    let run = run_v01(
        &t,
        &f,
        "group",
        &["-i", "4", "-c", cfg.to_str().unwrap_or("")],
    );
    run.assert_ok();

    // 0.1 components may define metrics as they go: thresholds on them are
    // judged at the end instead of refused before the run.
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {"fixture_counter": ["count==6"], "fixture_rate": ["rate==1"]}}"#,
    );
    let run = run_v01(
        &t,
        &f,
        "custom",
        &["-i", "3", "-c", cfg.to_str().unwrap_or("")],
    );
    run.assert_ok();

    let before = t.stats().requests;
    let run = run_v01(&t, &f, "batch", &["-i", "2"]);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "http_reqs", "count"), 6.0);
    assert_eq!(t.stats().requests - before, 6);

    let run = run_v01(&t, &f, "abort", &["-i", "10", "--vus", "1"]);
    assert_eq!(run.code, Some(108), "{}", run.stderr);

    let run = run_v01(&t, &f, "status", &["-i", "3", "-e", "CODE=503"]);
    run.assert_ok();
    let export = run.export.expect("export");
    assert_eq!(metric(&export, "http_req_failed", "passes"), 3.0);
}

#[test]
fn examples_of_every_language_run() {
    let t = Target::start();
    for name in [
        "rust-hello.wasm",
        "rust-customer-care.wasm",
        "c-hello.wasm",
        "js-customer-care.wasm.gz",
        "python-customer-care.wasm.gz",
    ] {
        let component = v01(name);
        let before = t.stats().requests;
        let base = format!("BASE_URL={}", t.url);
        let run = volley_run(
            &component,
            &[
                "-e",
                &base,
                "-q",
                "--vus",
                "2",
                "-i",
                "4",
                "--no-thresholds",
            ],
        );
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
        let export = run.export.expect("export");
        let reqs = metric(&export, "http_reqs", "count");
        assert!(reqs >= 4.0, "{name}: {reqs} requests");
        assert_eq!(
            t.stats().requests - before,
            reqs as u64,
            "{name}: the server counted what volley counted"
        );
        assert!(
            export["metrics"]["checks"]["fails"].as_u64() == Some(0),
            "{name}: {}",
            export["metrics"]["checks"]
        );
    }
}
