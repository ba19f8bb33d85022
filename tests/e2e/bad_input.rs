//! Each kind of bad input gets a clear message and exit code 104, never a panic.

use crate::support::{Target, assert_clear, fixture, guest, temp_file, volley, volley_run};

#[test]
fn missing_file() {
    let run = volley(&["run", "/nonexistent/scenario.wasm"]);
    assert_clear(
        &run,
        104,
        &["cannot read scenario", "/nonexistent/scenario.wasm"],
    );
}

#[test]
fn not_wasm() {
    let f = temp_file("scenario.js", "export default function () {}");
    let run = volley(&["run", f.to_str().unwrap_or_default()]);
    assert_clear(&run, 104, &["is not a WebAssembly file"]);
}

#[test]
fn core_module() {
    let f = temp_file("core.wasm", "\0asm\u{1}\0\0\0");
    let run = volley(&["run", f.to_str().unwrap_or_default()]);
    assert_clear(
        &run,
        104,
        &["core WebAssembly module, not a component", "wasm32-wasip2"],
    );
}

#[test]
fn wrong_world() {
    let w = guest("fixture-wrong-world", "fixture_wrong_world");
    let run = volley(&["run", w.to_str().unwrap_or_default()]);
    assert_clear(
        &run,
        104,
        &["not a volley scenario", "volley:scenario/lifecycle@0.2.0"],
    );
}

#[test]
fn other_contract_version() {
    let w = guest("fixture-future-contract", "fixture_future_contract");
    let run = volley(&["run", w.to_str().unwrap_or_default()]);
    assert_clear(
        &run,
        104,
        &[
            "volley:scenario@0.9.0",
            "runs volley:scenario@0.1.0 and @0.2.0",
        ],
    );
}

#[test]
fn older_contract_version() {
    // The same component with its version strings rewritten to an older
    // contract ("0.9.0" and "0.0.9" have the same length, so the binary
    // stays well-formed).
    let newer = std::fs::read(guest("fixture-future-contract", "fixture_future_contract"))
        .expect("fixture");
    let (from, to) = (b"lifecycle@0.9.0".as_slice(), b"lifecycle@0.0.9".as_slice());
    let mut older = Vec::with_capacity(newer.len());
    let mut i = 0;
    while i < newer.len() {
        if newer[i..].starts_with(from) {
            older.extend_from_slice(to);
            i += from.len();
        } else {
            older.push(newer[i]);
            i += 1;
        }
    }
    assert!(older != newer, "the fixture names its contract version");
    let path = temp_file("older.wasm", "");
    std::fs::write(&path, older).expect("write");
    let run = volley(&["run", path.to_str().unwrap_or_default()]);
    assert_clear(
        &run,
        104,
        &[
            "volley:scenario@0.0.9",
            "runs volley:scenario@0.1.0 and @0.2.0",
        ],
    );
}

#[test]
fn bad_options_json() {
    let cfg = temp_file("bad.json", r#"{"vus": 2, "duration": }"#);
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "-c",
        cfg.to_str().unwrap_or_default(),
    ]);
    assert_clear(&run, 104, &["invalid options", "bad.json"]);

    let cfg = temp_file("bad.json", r#"{"vus": "ten", "duration": "1s"}"#);
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "-c",
        cfg.to_str().unwrap_or_default(),
    ]);
    assert_clear(&run, 104, &["vus"]);
}

#[test]
fn bad_threshold_expression() {
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {"http_req_duration": ["p95<500"]}}"#,
    );
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "-c",
        cfg.to_str().unwrap_or_default(),
    ]);
    assert_clear(&run, 104, &["p95<500"]);

    let cfg = temp_file("t.json", r#"{"thresholds": {"checks": ["p(95)<500"]}}"#);
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "-c",
        cfg.to_str().unwrap_or_default(),
    ]);
    assert_clear(&run, 104, &["checks", "p(95)"]);
}

#[test]
fn bad_flags() {
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "--duration",
        "soon",
    ]);
    assert_clear(&run, 104, &["--duration"]);
    let run = volley(&[
        "run",
        fixture().to_str().unwrap_or_default(),
        "--env",
        "NOEQUALS",
    ]);
    assert_clear(&run, 104, &["KEY=VALUE"]);
}

#[test]
fn unreachable_target_is_counted_and_reported() {
    // Nothing listens on port 1 of loopback: every request is refused.
    let cfg = temp_file(
        "t.json",
        r#"{"thresholds": {"http_req_failed": ["rate<0.01"]}}"#,
    );
    let run = volley_run(
        &fixture(),
        &[
            "-i",
            "3",
            "-e",
            "BASE_URL=http://127.0.0.1:1",
            "-c",
            cfg.to_str().unwrap_or_default(),
            "-q",
        ],
    );
    assert_eq!(
        run.code,
        Some(99),
        "the failure threshold decides: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("127.0.0.1:1") && run.stderr.to_lowercase().contains("refused"),
        "{}",
        run.stderr
    );
    let export = run.export.expect("export");
    assert_eq!(
        crate::support::metric(&export, "http_req_failed", "passes"),
        3.0
    );
    let _ = Target::start;
}
