//! `volley inspect` and `volley new`.

use std::process::Command;

use crate::support::{Target, fixture, metric, root, temp_file, tempdir, volley, volley_run};

#[test]
fn inspect_describes_a_scenario() {
    let f = fixture();
    let run = volley(&["inspect", f.to_str().unwrap_or_default()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("contract:    volley:scenario@0.2.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("volley:scenario/http@0.2.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("processed-by: wit-component"),
        "{}",
        run.stdout
    );

    let json = volley(&["inspect", "--json", f.to_str().unwrap_or_default()]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["contract"], "0.2.0");
    assert_eq!(v["options"], serde_json::json!({}));
    assert!(v["size"].as_u64().is_some_and(|s| s > 1000));

    let core = temp_file("core.wasm", "\0asm\u{1}\0\0\0");
    let bad = volley(&["inspect", core.to_str().unwrap_or_default()]);
    assert_eq!(bad.code, Some(104), "{}", bad.stderr);
}

#[test]
fn new_creates_a_project_that_builds_and_runs() {
    let dir = tempdir();
    let run = volley(&[
        "new",
        "shop-smoke",
        "--dir",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let project = dir.join("shop-smoke");
    let status = Command::new(env!("CARGO"))
        .current_dir(&project)
        .args([
            "build",
            "--quiet",
            "--offline",
            "--target",
            "wasm32-wasip2",
            "--release",
        ])
        .env("CARGO_TARGET_DIR", root().join("target/e2e-new"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the new project builds");
    let built = root().join("target/e2e-new/wasm32-wasip2/release/shop_smoke.wasm");
    // What build.sh does after the build: stamp volley.toml in.
    let wasm = dir.join("shop_smoke.wasm");
    let stamp = volley(&[
        "stamp",
        built.to_str().unwrap_or_default(),
        "--manifest",
        project.join("volley.toml").to_str().unwrap_or_default(),
        "-o",
        wasm.to_str().unwrap_or_default(),
    ]);
    assert_eq!(stamp.code, Some(0), "{}", stamp.stderr);
    let script = std::fs::read_to_string(project.join("build.sh")).expect("build.sh");
    assert!(script.contains("stamp"), "{script}");
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(&wasm, &["-u", "1", "-i", "2", "-e", &base, "-q"]);
    run.assert_ok();
    assert_eq!(
        metric(&run.export.expect("export"), "checks", "passes"),
        2.0
    );
    assert_eq!(t.stats().by_route.get("GET /health"), Some(&2));
    let inspect = volley(&["inspect", wasm.to_str().unwrap_or_default()]);
    assert!(
        inspect
            .stdout
            .contains("manifest:    shop-smoke (format 1)"),
        "{}",
        inspect.stdout
    );
    assert!(inspect.stdout.contains("  BASE_URL"), "{}", inspect.stdout);

    let again = volley(&[
        "new",
        "shop-smoke",
        "--dir",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(
        again.code,
        Some(104),
        "refuses to overwrite: {}",
        again.stderr
    );
}
