//! The marketplace as users see it: `volley stamp`, `push`, `pull`, `run
//! oci://...`, `inspect`, `sign` and `search` against a real registry
//! (Debian's docker-registry on loopback, open or with htpasswd), the
//! fixture component and the demo target. Each test has its own cache
//! (`VOLLEY_CACHE_DIR`) and docker config (`DOCKER_CONFIG`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::registry_support::{Registry, minisign_keys, require_tool, run_tool, tamper};
use crate::support::{Run, Target, fixture, future_fixture, metric, tempdir, volley_env};

/// One test's surroundings: its own cache and docker config, and the
/// environment every `volley` it runs gets.
struct World {
    dir: PathBuf,
    envs: Vec<(String, String)>,
}

impl World {
    fn new() -> World {
        let dir = tempdir();
        let docker = dir.join("docker");
        std::fs::create_dir_all(&docker).expect("docker config dir");
        World {
            envs: vec![
                (
                    "VOLLEY_CACHE_DIR".into(),
                    dir.join("cache").display().to_string(),
                ),
                ("DOCKER_CONFIG".into(), docker.display().to_string()),
            ],
            dir,
        }
    }

    /// The same, with `key=value` in the environment of every command.
    fn with(mut self, key: &str, value: &str) -> World {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.into(), value.into()));
        self
    }

    /// `volley ARGS...`.
    fn volley(&self, args: &[&str]) -> Run {
        let envs: Vec<(&str, &str)> = self
            .envs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        volley_env(args, &envs)
    }

    /// `volley run SCENARIO ARGS... -q --no-color --summary-export FILE`,
    /// with the export read back.
    fn run(&self, scenario: &str, args: &[&str]) -> Run {
        let export = self.dir.join(format!("export-{}.json", unique()));
        let export_arg = export.display().to_string();
        let mut all = vec!["run", scenario];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-q", "--no-color", "--summary-export", export_arg.as_str()]);
        let mut run = self.volley(&all);
        run.export = std::fs::read(&export)
            .ok()
            .map(|b| serde_json::from_slice(&b).expect("summary export is JSON"));
        run
    }

    /// A copy of `component` named `name`, stamped with `manifest` (TOML)
    /// by `volley stamp`.
    fn stamped(&self, component: &Path, name: &str, manifest: &str) -> PathBuf {
        let wasm = self.dir.join(name);
        std::fs::copy(component, &wasm).expect("copy the component");
        self.stamp(&wasm, manifest);
        wasm
    }

    /// Stamps `wasm` in place with `manifest`.
    fn stamp(&self, wasm: &Path, manifest: &str) {
        let toml = self.dir.join(format!("volley-{}.toml", unique()));
        std::fs::write(&toml, manifest).expect("write volley.toml");
        let run = self.volley(&["stamp", s(wasm), "--manifest", s(&toml)]);
        assert_eq!(run.code, Some(0), "stamp: {}", run.stderr);
    }

    /// `volley push WASM REFERENCE ARGS...`, which must succeed; the
    /// manifest and component digests it printed.
    fn push(&self, wasm: &Path, reference: &str, args: &[&str]) -> Pushed {
        let mut all = vec!["push", s(wasm), reference];
        all.extend_from_slice(args);
        let run = self.volley(&all);
        assert_eq!(run.code, Some(0), "push: {}\n{}", run.stdout, run.stderr);
        Pushed {
            digest: field(&run.stdout, "digest"),
            component: field(&run.stdout, "component"),
            stdout: run.stdout,
        }
    }

    /// `volley pull REFERENCE`, which must succeed: the cached component.
    fn pull(&self, reference: &str) -> PathBuf {
        let run = self.volley(&["pull", reference]);
        assert_eq!(run.code, Some(0), "pull: {}", run.stderr);
        PathBuf::from(field(&run.stdout, "path"))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Pushed {
    digest: String,
    component: String,
    stdout: String,
}

fn unique() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The value of a `name:  value` line of a command's output.
fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no `{name}:` line in:\n{out}"))
}

/// `127.0.0.1:PORT` of a target.
fn host_of(t: &Target) -> String {
    t.url.trim_start_matches("http://").to_string()
}

/// The fixture's manifest: its parameters, the `hosts` given, a data set.
fn manifest(description: &str, hosts: &[&str]) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("{h:?}")).collect();
    format!(
        r#"name = "fixture-shop"
description = "{description}"

[[parameters]]
name = "BASE_URL"
type = "url"
required = true
description = "The demo target"

[[parameters]]
name = "MODE"
type = "string"
description = "Which behaviour of the fixture"

[[parameters]]
name = "OTHER_URL"
type = "url"
description = "A second host (mode other)"

[[parameters]]
name = "MS"
type = "int"
default = 10
description = "Delay of mode delay, in ms"

[capabilities]
hosts = [{}]

[[capabilities.data]]
name = "users"
description = "Customers to log in as"
"#,
        hosts.join(", ")
    )
}

/// `component` with registry metadata, as `wasm-tools metadata add` writes it.
fn with_metadata(component: &Path, out: &Path, version: &str) {
    use wasm_metadata::{
        AddMetadata, AddMetadataField, Authors, Description, Licenses, Revision, Source, Version,
    };
    let bytes = std::fs::read(component).expect("read component");
    let mut add = AddMetadata::default();
    add.name = AddMetadataField::Set("fixture-shop".into());
    add.version = AddMetadataField::Set(Version::new(version.to_string()));
    add.description = AddMetadataField::Set(Description::new("The e2e fixture"));
    add.authors = AddMetadataField::Set(Authors::new("Ada Lovelace <ada@example.com>"));
    add.licenses = AddMetadataField::Set(Licenses::new("Apache-2.0").expect("SPDX"));
    add.source =
        AddMetadataField::Set(Source::new("https://github.com/example/shop").expect("URL"));
    add.revision = AddMetadataField::Set(Revision::new("abc1234"));
    let bytes = add.to_wasm(&bytes).expect("add metadata");
    std::fs::write(out, bytes).expect("write component");
}

/// Every `error_code` in a summary export's error catalogue.
fn error_codes(export: &Value) -> Vec<u64> {
    export["errors"]
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["error_code"].as_u64()).collect())
        .unwrap_or_default()
}

fn assert_refused(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code,
        Some(104),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    for n in needles {
        assert!(run.stderr.contains(n), "{n:?} not in: {}", run.stderr);
    }
}

#[test]
fn published_scenarios_pull_byte_identical_and_run_like_the_file() {
    let registry = Registry::start();
    let t = Target::start();
    let w = World::new();
    let base = format!("BASE_URL={}", t.url);
    let wasm = w.stamped(
        &fixture(),
        "shop.wasm",
        &manifest("GET /health with a check", &[&host_of(&t)]),
    );
    let local = std::fs::read(&wasm).expect("stamped file");
    let tagged = registry.reference("e2e/shop:1.0");
    let pushed = w.push(&wasm, &tagged, &[]);
    assert!(pushed.digest.starts_with("sha256:"), "{}", pushed.stdout);
    assert!(
        pushed
            .stdout
            .contains(&format!("{tagged}@{}", pushed.digest)),
        "{}",
        pushed.stdout
    );

    // What the registry holds is a standard wasm OCI artifact.
    let m = registry.get(
        "/v2/e2e/shop/manifests/1.0",
        "application/vnd.oci.image.manifest.v1+json",
    );
    assert_eq!(m.status, 200, "{m:?}");
    assert_eq!(
        m.header("Docker-Content-Digest"),
        Some(pushed.digest.as_str())
    );
    let manifest = m.json();
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 1, "{manifest}");
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    assert_eq!(layers[0]["digest"], pushed.component.as_str());
    assert_eq!(layers[0]["size"], local.len() as u64);
    let a = &manifest["annotations"];
    assert_eq!(a["org.opencontainers.image.title"], "fixture-shop");
    assert_eq!(
        a["org.opencontainers.image.description"],
        "GET /health with a check"
    );
    assert!(a["org.opencontainers.image.created"].is_string(), "{a}");
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .expect("config digest");
    let config = registry
        .get(&format!("/v2/e2e/shop/blobs/{config_digest}"), "*/*")
        .json();
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(
        config["layerDigests"],
        serde_json::json!([pushed.component.as_str()])
    );
    assert_eq!(
        config["component"]["target"],
        "volley:scenario/scenario@0.2.0"
    );
    let exports = config["component"]["exports"].to_string();
    assert!(
        exports.contains("volley:scenario/lifecycle@0.2.0"),
        "{exports}"
    );
    assert!(config["created"].is_string(), "{config}");
    let layer = registry.get(
        &format!("/v2/e2e/shop/blobs/{}", pushed.component),
        "application/wasm",
    );
    assert_eq!(
        layer.body, local,
        "the layer is the component, byte for byte"
    );

    // Pulled by tag and by digest: the same bytes.
    let by_tag = w.pull(&tagged);
    assert_eq!(std::fs::read(&by_tag).expect("pulled"), local);
    let pinned = registry.reference(&format!("e2e/shop@{}", pushed.digest));
    let other = World::new();
    let by_digest = other.pull(&pinned);
    assert_eq!(std::fs::read(&by_digest).expect("pulled"), local);

    // The file and the pulled scenario make the same requests.
    let file_run = w.run(s(&wasm), &["-e", &base, "-u", "2", "-i", "6"]);
    file_run.assert_ok();
    assert_eq!(t.stats().requests, 6);
    let results = w.dir.join("results.json");
    let oci_run = w.run(
        &tagged,
        &[
            "-e",
            &base,
            "-u",
            "2",
            "-i",
            "6",
            "--grant-manifest",
            "--results",
            s(&results),
        ],
    );
    oci_run.assert_ok();
    assert_eq!(t.stats().requests, 12, "6 more requests reached the server");
    let export = oci_run.export.expect("export");
    assert_eq!(metric(&export, "http_reqs", "count"), 6.0);
    assert_eq!(
        metric(&export, "http_reqs", "count"),
        metric(&file_run.export.expect("export"), "http_reqs", "count")
    );
    // Outputs name the exact artifact that ran.
    let label = format!("{tagged}@{}", pushed.digest);
    assert_eq!(export["scenario"], label.as_str());
    assert!(
        oci_run.stdout.contains(&format!("scenario: {label}")),
        "{}",
        oci_run.stdout
    );
    let results: Value =
        serde_json::from_slice(&std::fs::read(&results).expect("results")).expect("JSON");
    assert_eq!(results["scenario"], label.as_str());

    // Pinned by digest, from another cache.
    let pinned_run = other.run(&pinned, &["-e", &base, "-i", "2", "--grant-manifest"]);
    pinned_run.assert_ok();
    assert_eq!(t.stats().requests, 14);
    assert_eq!(
        pinned_run.export.expect("export")["scenario"],
        pinned.as_str()
    );
}

#[test]
fn a_tampered_component_is_refused_before_any_load() {
    let registry = Registry::start();
    let t = Target::start();
    let w = World::new();
    let wasm = w.stamped(
        &fixture(),
        "shop.wasm",
        &manifest("tamper", &[&host_of(&t)]),
    );
    let tagged = registry.reference("e2e/tamper:1.0");
    let pushed = w.push(&wasm, &tagged, &[]);
    tamper(&registry.blob_file(&pushed.component));

    let fresh = World::new();
    let base = format!("BASE_URL={}", t.url);
    let run = fresh.run(&tagged, &["-e", &base, "-i", "2", "--grant-manifest"]);
    assert_refused(&run, &["digest mismatch", &pushed.component]);
    assert_eq!(t.stats().requests, 0, "nothing ran");
    let pull = fresh.volley(&["pull", &tagged]);
    assert_refused(&pull, &["digest mismatch"]);
    assert!(
        !fresh
            .dir
            .join("cache/oci/blobs/sha256")
            .join(&pushed.component[7..])
            .exists(),
        "the altered component was not cached"
    );
}

#[test]
fn signatures_are_checked_before_any_load() {
    require_tool("minisign");
    let registry = Registry::start();
    let t = Target::start();
    let w = World::new();
    let base = format!("BASE_URL={}", t.url);
    let (acme_key, acme_pub) = minisign_keys(&w.dir, "acme");
    let (_, other_pub) = minisign_keys(&w.dir, "mallory");
    let hosts = [host_of(&t)];
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let wasm = w.stamped(&fixture(), "signed.wasm", &manifest("signed", &hosts));

    // A file: `volley sign` writes FILE.minisig, which minisign itself accepts.
    let signed = w.volley(&["sign", s(&wasm), "--key", s(&acme_key)]);
    assert_eq!(signed.code, Some(0), "{}", signed.stderr);
    let sig = PathBuf::from(format!("{}.minisig", wasm.display()));
    assert!(sig.exists(), "{}", signed.stdout);
    let check = run_tool(
        std::process::Command::new("minisign")
            .arg("-Vm")
            .arg(&wasm)
            .arg("-p")
            .arg(&acme_pub),
        std::time::Duration::from_secs(30),
    );
    assert!(check.status.success(), "minisign -V: {check:?}");
    let ok = w.run(
        s(&wasm),
        &["-e", &base, "-i", "1", "--verify-key", s(&acme_pub)],
    );
    ok.assert_ok();
    assert!(ok.stderr.contains("signed by key"), "{}", ok.stderr);
    let untrusted = w.run(
        s(&wasm),
        &["-e", &base, "-i", "1", "--verify-key", s(&other_pub)],
    );
    assert_refused(&untrusted, &["not among the trusted keys"]);
    assert_eq!(t.stats().requests, 1);

    // Published with --sign: the signature travels next to it.
    let tagged = registry.reference("e2e/signed:1.0");
    let pushed = w.push(&wasm, &tagged, &["--sign", s(&acme_key)]);
    let sig_tag = format!("sha256-{}.sig", &pushed.component[7..]);
    assert!(pushed.stdout.contains(&sig_tag), "{}", pushed.stdout);
    let run = w.run(
        &tagged,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--verify-key",
            s(&acme_pub),
        ],
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 3);
    // A trust file that lists only someone else.
    let trust = w.dir.join("trusted-publishers");
    std::fs::write(&trust, std::fs::read(&other_pub).expect("pub")).expect("trust file");
    let run = w.run(
        &tagged,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--trust",
            s(&trust),
        ],
    );
    assert_refused(&run, &["not among the trusted keys"]);

    // Unsigned: other bytes, so the signature above does not apply.
    w.stamp(&wasm, &manifest("unsigned", &hosts));
    let unsigned = registry.reference("e2e/signed:unsigned");
    w.push(&wasm, &unsigned, &[]);
    let run = w.run(
        &unsigned,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--verify-key",
            s(&acme_pub),
        ],
    );
    assert_refused(&run, &["is not signed"]);
    // The local file no longer matches its FILE.minisig.
    let run = w.run(
        s(&wasm),
        &["-e", &base, "-i", "1", "--verify-key", s(&acme_pub)],
    );
    assert_refused(&run, &["does not verify"]);

    // A trusted key's signature of other bytes, pushed as this one's.
    let forged_sig = w.dir.join("forged.minisig");
    std::fs::copy(&sig, &forged_sig).expect("copy signature");
    w.stamp(&wasm, &manifest("forged", &hosts));
    let forged = registry.reference("e2e/signed:forged");
    w.push(&wasm, &forged, &["--signature", s(&forged_sig)]);
    let run = w.run(
        &forged,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--verify-key",
            s(&acme_pub),
        ],
    );
    assert_refused(&run, &["does not verify"]);
    assert_eq!(t.stats().requests, 3, "no refused run sent anything");

    // `volley sign oci://...` signs what is published; then it runs.
    let sign = w.volley(&["sign", &unsigned, "--key", s(&acme_key)]);
    assert_eq!(sign.code, Some(0), "{}", sign.stderr);
    let run = w.run(
        &unsigned,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--verify-key",
            s(&acme_pub),
        ],
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 5);
}

#[test]
fn registry_credentials_basic_auth_and_the_docker_config() {
    let registry = Registry::start_with_auth("ada", "correct horse");
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let w = World::new().with("VOLLEY_REGISTRY_PASSWORD", "correct horse");
    let wasm = w.stamped(&fixture(), "auth.wasm", &manifest("auth", &[&host_of(&t)]));
    let tagged = registry.reference("e2e/auth:1.0");
    w.push(&wasm, &tagged, &["--registry-user", "ada"]);
    let run = w.run(
        &tagged,
        &[
            "-e",
            &base,
            "-i",
            "2",
            "--grant-manifest",
            "--registry-user",
            "ada",
        ],
    );
    run.assert_ok();
    assert_eq!(t.stats().requests, 2);

    let wrong = World::new().with("VOLLEY_REGISTRY_PASSWORD", "battery staple");
    let push = wrong.volley(&["push", s(&wasm), &tagged, "--registry-user", "ada"]);
    assert_refused(&push, &["refused access", "e2e/auth"]);
    let pull = wrong.volley(&["pull", &tagged, "--registry-user", "ada"]);
    assert_refused(&pull, &["refused access"]);
    let anonymous = World::new();
    let run = anonymous.run(&tagged, &["-e", &base, "-i", "2", "--grant-manifest"]);
    assert_refused(&run, &["refused access"]);
    let half = anonymous.volley(&["pull", &tagged, "--registry-user", "ada"]);
    assert_refused(&half, &["VOLLEY_REGISTRY_PASSWORD"]);
    assert_eq!(t.stats().requests, 2);

    // `docker login` credentials, from $DOCKER_CONFIG/config.json.
    let docker = World::new();
    let auth = base64::engine::general_purpose::STANDARD.encode("ada:correct horse");
    let config = serde_json::json!({"auths": {registry.host(): {"auth": auth}}});
    let docker_dir = docker.dir.join("docker");
    std::fs::write(docker_dir.join("config.json"), config.to_string()).expect("config.json");
    docker.pull(&tagged);
    let search = docker.volley(&["search", &registry.reference("e2e/auth")]);
    assert_eq!(search.code, Some(0), "{}", search.stderr);
    assert!(search.stdout.contains("1.0"), "{}", search.stdout);
}

#[test]
fn a_registry_that_is_down_is_named_and_offline_runs_from_the_cache() {
    let mut registry = Registry::start();
    let t = Target::start();
    let base = format!("BASE_URL={}", t.url);
    let w = World::new();
    let wasm = w.stamped(&fixture(), "down.wasm", &manifest("down", &[&host_of(&t)]));
    let tagged = registry.reference("e2e/down:1.0");
    let pushed = w.push(&wasm, &tagged, &[]);
    w.pull(&tagged);
    registry.stop();

    let run = w.run(&tagged, &["-e", &base, "-i", "2", "--grant-manifest"]);
    assert_refused(
        &run,
        &["cannot reach registry", &registry.host(), "--offline"],
    );
    let search = w.volley(&["search", &registry.reference("e2e/down")]);
    assert_refused(&search, &["cannot reach registry"]);
    assert_eq!(t.stats().requests, 0);

    let offline = w.run(
        &tagged,
        &["-e", &base, "-i", "2", "--grant-manifest", "--offline"],
    );
    offline.assert_ok();
    assert_eq!(t.stats().requests, 2);
    assert_eq!(
        offline.export.expect("export")["scenario"],
        format!("{tagged}@{}", pushed.digest).as_str()
    );
    // A digest already cached needs no registry at all.
    let pinned = registry.reference(&format!("e2e/down@{}", pushed.digest));
    let run = w.run(&pinned, &["-e", &base, "-i", "1", "--grant-manifest"]);
    run.assert_ok();
    assert_eq!(t.stats().requests, 3);
    let inspect = w.volley(&["inspect", &tagged, "--offline"]);
    assert_eq!(inspect.code, Some(0), "{}", inspect.stderr);
    assert!(
        inspect.stdout.contains("fixture-shop"),
        "{}",
        inspect.stdout
    );
    let missing = w.volley(&["pull", &registry.reference("e2e/down:2.0"), "--offline"]);
    assert_refused(&missing, &["not in the local cache"]);
}

#[test]
fn a_pulled_scenario_reaches_only_the_hosts_granted() {
    let registry = Registry::start();
    let allowed = Target::start();
    let other = Target::start_on([127, 0, 0, 2]);
    let w = World::new();
    let declared = host_of(&allowed);
    let wasm = w.stamped(&fixture(), "hosts.wasm", &manifest("hosts", &[&declared]));
    let tagged = registry.reference("e2e/hosts:1.0");
    w.push(&wasm, &tagged, &[]);
    let base = format!("BASE_URL={}", allowed.url);
    let other_url = format!("OTHER_URL={}", other.url);
    let args = ["-e", &base, "-e", "MODE=other", "-e", &other_url, "-i", "3"];
    fn plus<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        all
    }

    // Nothing granted: refused, naming the hosts to confirm.
    let run = w.run(&tagged, &args);
    assert_refused(&run, &[&declared, "--grant-manifest", "--allow-host"]);
    // A grant beyond the manifest: refused.
    let run = w.run(&tagged, &plus(&args, &["--allow-host", &host_of(&other)]));
    assert_refused(&run, &["is not among the hosts"]);
    assert_eq!(allowed.stats().requests + other.stats().requests, 0);

    // Granted: the declared host is reached, the other is blocked (1111)
    // without a connection.
    let run = w.run(&tagged, &plus(&args, &["--grant-manifest"]));
    run.assert_ok();
    assert_eq!(allowed.stats().requests, 3);
    assert_eq!(other.stats().requests, 0, "no request reached 127.0.0.2");
    let export = run.export.expect("export");
    assert!(error_codes(&export).contains(&1111), "{}", export["errors"]);
    assert_eq!(metric(&export, "http_req_failed", "passes"), 3.0);
    let run = w.run(&tagged, &plus(&args, &["--allow-host", &declared]));
    run.assert_ok();
    assert_eq!(allowed.stats().requests, 6);
    assert_eq!(other.stats().requests, 0);

    // Parameters: a required one missing, a value of the wrong type.
    let run = w.run(
        &tagged,
        &["-e", "MODE=other", "-i", "1", "--grant-manifest"],
    );
    assert_refused(&run, &["missing required parameters: BASE_URL"]);
    let run = w.run(
        &tagged,
        &plus(&args, &["--grant-manifest", "-e", "MS=fast"]),
    );
    assert_refused(&run, &["MS", "fast"]);
    assert_eq!(allowed.stats().requests, 6);

    // A local file with a manifest: parameters are checked, but its hosts
    // are enforced only with --grant-manifest.
    let run = w.run(s(&wasm), &["-e", "MODE=other", "-i", "1"]);
    assert_refused(&run, &["missing required parameters: BASE_URL"]);
    let run = w.run(s(&wasm), &args);
    run.assert_ok();
    assert_eq!(other.stats().requests, 3, "a file runs as before");
    let run = w.run(s(&wasm), &plus(&args, &["--grant-manifest"]));
    run.assert_ok();
    assert_eq!(other.stats().requests, 3, "unless its manifest is granted");
    assert_eq!(allowed.stats().requests, 12);
}

#[test]
fn inspect_shows_a_pulled_scenario_without_running_it() {
    let mut registry = Registry::start();
    let w = World::new();
    let with_meta = w.dir.join("meta.wasm");
    with_metadata(&fixture(), &with_meta, "1.2.0");
    w.stamp(
        &with_meta,
        &manifest(
            "Browses the shop",
            &["127.0.0.1:3030", "*.shop.example:443"],
        ),
    );
    let tagged = registry.reference("e2e/inspect:1.2.0");
    let pushed = w.push(&with_meta, &tagged, &[]);

    let run = w.volley(&["inspect", &tagged]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    let first = format!("scenario:    {tagged}@{} (", pushed.digest);
    assert!(out.starts_with(&first), "{first:?} does not start:\n{out}");
    for line in [
        format!("digest:      {}", pushed.digest),
        "name:        fixture-shop".to_string(),
        "version:     1.2.0".to_string(),
        "description: The e2e fixture".to_string(),
        "authors:     Ada Lovelace <ada@example.com>".to_string(),
        "licenses:    Apache-2.0".to_string(),
        "source:      https://github.com/example/shop".to_string(),
        "revision:    abc1234".to_string(),
        "contract:    volley:scenario@0.2.0".to_string(),
        "language:    Rust".to_string(),
        "manifest:    fixture-shop (format 1)".to_string(),
        "  *.shop.example:443".to_string(),
        "options:     (not read: a pulled scenario is not instantiated by inspect)".to_string(),
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} not in:\n{out}");
    }
    let param = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no parameter {name}:\n{out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(param("BASE_URL"), "BASE_URL url required The demo target");
    assert_eq!(param("MS"), "MS int default 10 Delay of mode delay, in ms");
    assert!(out.contains("users  Customers to log in as"), "{out}");

    let json = w.volley(&["inspect", &tagged, "--json"]);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["digest"], pushed.digest.as_str());
    assert_eq!(v["metadata"]["version"], "1.2.0");
    assert_eq!(v["metadata"]["licenses"], "Apache-2.0");
    assert_eq!(v["contract"], "0.2.0");
    assert_eq!(v["manifest"]["parameters"][0]["name"], "BASE_URL");
    assert_eq!(v["manifest"]["parameters"][0]["required"], true);
    assert_eq!(
        v["manifest"]["capabilities"]["hosts"][1],
        "*.shop.example:443"
    );
    assert!(v.get("options").is_none(), "{v}");

    // A component this engine cannot instantiate (a newer contract): a
    // run refuses it, inspect still reads it, so inspect instantiated
    // nothing.
    let future = w.stamped(
        &future_fixture(),
        "future.wasm",
        &manifest("future", &["127.0.0.1"]),
    );
    let future_ref = registry.reference("e2e/inspect:future");
    w.push(&future, &future_ref, &[]);
    let inspect = w.volley(&["inspect", &future_ref]);
    assert_eq!(inspect.code, Some(0), "{}", inspect.stderr);
    assert!(
        inspect
            .stdout
            .contains("contract:    volley:scenario@0.9.0 (this Volley runs"),
        "{}",
        inspect.stdout
    );
    let run = w.run(
        &future_ref,
        &["-e", "BASE_URL=http://127.0.0.1:9", "--grant-manifest"],
    );
    assert_refused(&run, &["0.9.0"]);
    // The same for a local file: by default inspect instantiates it (and
    // fails), with --no-options it does not.
    let local = w.volley(&["inspect", s(&future)]);
    assert_refused(&local, &["0.9.0"]);
    let local = w.volley(&["inspect", s(&future), "--no-options"]);
    assert_eq!(local.code, Some(0), "{}", local.stderr);
    assert!(
        local.stdout.contains("manifest:    fixture-shop"),
        "{}",
        local.stdout
    );

    // From the cache, with the registry gone.
    registry.stop();
    let offline = w.volley(&["inspect", &tagged, "--offline"]);
    assert_eq!(offline.code, Some(0), "{}", offline.stderr);
    assert!(
        offline.stdout.contains("version:     1.2.0"),
        "{}",
        offline.stdout
    );
}

#[test]
fn search_lists_tags_with_versions_and_descriptions() {
    require_tool("minisign");
    let registry = Registry::start();
    let w = World::new();
    let (key, _) = minisign_keys(&w.dir, "acme");
    let v1 = w.dir.join("v1.wasm");
    with_metadata(&fixture(), &v1, "1.0.0");
    w.stamp(&v1, &manifest("First release", &["127.0.0.1"]));
    let v2 = w.dir.join("v2.wasm");
    with_metadata(&fixture(), &v2, "1.1.0");
    w.stamp(&v2, &manifest("Adds a checkout step", &["127.0.0.1"]));
    let first = w.push(&v1, &registry.reference("e2e/search:1.0.0"), &[]);
    let second = w.push(
        &v2,
        &registry.reference("e2e/search:1.1.0"),
        &["--sign", s(&key)],
    );
    w.push(&v2, &registry.reference("e2e/search:latest"), &[]);

    let run = w.volley(&["search", &registry.reference("e2e/search")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let row = |tag: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{tag} ")))
            .unwrap_or_else(|| panic!("no tag {tag} in:\n{}", run.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("1.0.0"),
        format!("1.0.0 1.0.0 no {} First release", first.digest)
    );
    assert_eq!(
        row("1.1.0"),
        format!("1.1.0 1.1.0 yes {} Adds a checkout step", second.digest)
    );
    assert!(
        row("latest").contains("yes"),
        "same component, same signature"
    );
    assert!(!run.stdout.contains(".sig"), "{}", run.stdout);

    let json = w.volley(&["search", &registry.reference("e2e/search"), "--json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let tags: Vec<&str> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["tag"].as_str())
        .collect();
    assert_eq!(tags, ["1.0.0", "1.1.0", "latest"]);
    assert_eq!(v[1]["description"], "Adds a checkout step");
    assert_eq!(v[1]["signed"], true);
}
