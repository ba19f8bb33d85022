//! What the integration tests share: a real `docker-registry` on loopback,
//! a real scenario component, bounded waits.

#![allow(dead_code, missing_docs)]

use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use volley_registry::{Cache, Credentials, Options};

/// How long any one test may take, start to end.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);

/// What to do when a Debian tool the tests need is missing: fail, and say
/// how to install it.
pub const INSTALL_HINT: &str = "install the test dependencies with \
    `apt-get install -y docker-registry apache2-utils minisign` \
    (scripts/test.sh does this)";

/// Runs a test body with a time limit.
pub async fn bounded<T>(body: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TEST_LIMIT, body).await {
        Ok(v) => v,
        Err(_) => panic!("test did not finish within {TEST_LIMIT:?}"),
    }
}

/// Installs rustls' `ring` provider, as the engine does.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Library options for a loopback test registry, with their own cache.
pub fn options(cache: &Path, credentials: Credentials) -> Options {
    Options {
        credentials,
        insecure_registries: Vec::new(),
        timeout: Duration::from_secs(10),
        cache: Some(Cache::at(cache)),
        offline: false,
    }
}

/// A `docker-registry` (Debian's build of the CNCF distribution registry)
/// serving a temporary directory on 127.0.0.1. Stopped, by its PID, on drop.
pub struct TestRegistry {
    child: Child,
    port: u16,
    /// Holds the config, the storage and the log.
    dir: tempfile::TempDir,
    credentials: Option<(String, String)>,
}

impl TestRegistry {
    /// An open registry.
    pub fn start() -> TestRegistry {
        TestRegistry::start_with(None)
    }

    /// A registry that requires basic auth as `user` / `password`
    /// (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> TestRegistry {
        TestRegistry::start_with(Some((user.to_string(), password.to_string())))
    }

    fn start_with(credentials: Option<(String, String)>) -> TestRegistry {
        require_tool("docker-registry");
        let dir = tempfile::tempdir().expect("temporary directory");
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).expect("storage directory");
        let auth = match &credentials {
            Some((user, password)) => {
                require_tool("htpasswd");
                let out = run_bounded(
                    Command::new("htpasswd").args(["-Bbn", user, password]),
                    Duration::from_secs(20),
                );
                assert!(out.status.success(), "htpasswd failed: {out:?}");
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, &out.stdout).expect("write htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: volley-test\n    path: {}\n",
                    file.display()
                )
            }
            None => String::new(),
        };
        // A free port can be taken between our probe and the registry's
        // bind: try a few.
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\n\
                     log:\n  level: warn\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n\
                     http:\n  addr: 127.0.0.1:{port}\n\
                     {auth}",
                    storage.display()
                ),
            )
            .expect("write registry config");
            let log = dir.path().join("registry.log");
            let log_file = std::fs::File::create(&log).expect("registry log");
            let mut child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start docker-registry ({e}); {INSTALL_HINT}"));
            if wait_ready(&mut child, port, Duration::from_secs(20)) {
                return TestRegistry {
                    child,
                    port,
                    dir,
                    credentials,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("docker-registry did not start; its log:\n{last_log}");
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `oci://127.0.0.1:PORT/<path>`.
    pub fn reference(&self, path: &str) -> volley_registry::Reference {
        volley_registry::Reference::parse(&format!("oci://{}/{path}", self.host()))
            .expect("valid test reference")
    }

    /// Where the registry stores the blob with `digest`.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// An independent look at what the registry serves: a raw HTTP GET.
    pub fn get(&self, path: &str, accept: &str) -> HttpResponse {
        http_get(
            self.port,
            path,
            &[("Accept", accept)],
            self.credentials.clone(),
        )
        .expect("GET from the test registry")
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        // Only the process this test started, by its PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the registry answers `/v2/` (200, or 401 with auth).
fn wait_ready(child: &mut Child, port: u16, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(resp) = http_get(port, "/v2/", &[], None)
            && (resp.status == 200 || resp.status == 401)
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Fails the test, naming the fix, when a Debian tool is not installed.
pub fn require_tool(name: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(found, "`{name}` is not installed: {INSTALL_HINT}");
}

/// Runs a command to completion, killing it after `limit`.
pub fn run_bounded(command: &mut Command, limit: Duration) -> std::process::Output {
    run_bounded_with_input(command, b"", limit)
}

/// Runs a command with `input` on its standard input, killing it after
/// `limit`.
pub fn run_bounded_with_input(
    command: &mut Command,
    input: &[u8],
    limit: Duration,
) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}; {INSTALL_HINT}"));
    if let Some(mut stdin) = child.stdin.take() {
        // Small enough for the pipe buffer; closing it ends the input.
        let _ = stdin.write_all(input);
    }
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for child") {
            Some(_) => return child.wait_with_output().expect("child output"),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("child output");
                panic!("{command:?} did not finish within {limit:?}: {out:?}");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 GET (`Connection: close`, body to end of stream),
/// every step bounded by a 5 s timeout.
fn http_get(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    basic: Option<(String, String)>,
) -> std::io::Result<HttpResponse> {
    use base64::Engine as _;
    let limit = Duration::from_secs(5);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((u, p)) = basic {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
        request.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// Flips one byte in the middle of a file, keeping its length.
pub fn tamper(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(!bytes.is_empty(), "{} is empty", path.display());
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// A real Volley scenario component, built here rather than committed: a
/// core module written in WAT that exports `volley:scenario/lifecycle`
/// (with stub bodies: it is published, never run) and imports two
/// functions of `volley:scenario/vu`, made a component for the
/// `volley:scenario/scenario@0.1.0` world (the engine's `wit-0.1/`, the
/// first contract version, which every engine keeps running) with
/// wit-component (what `wasm-tools component new` does), and given registry
/// metadata with wasm-metadata (what `wasm-tools metadata add` does).
///
/// `version` goes into the metadata, so each version is different bytes.
pub fn scenario_component(version: &str) -> Vec<u8> {
    let wat = r#"
(module
  (import "volley:scenario/vu@0.1.0" "random" (func $random (result i64)))
  (import "volley:scenario/vu@0.1.0" "exit-group" (func $exit_group))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $ret i32)
    global.get $heap
    local.get 2
    i32.add
    i32.const 1
    i32.sub
    i32.const 0
    local.get 2
    i32.sub
    i32.and
    local.tee $ret
    local.get 3
    i32.add
    global.set $heap
    local.get $ret)
  ;; options() -> string: "{}" at 16, (ptr, len) at 32
  (data (i32.const 16) "{}")
  (data (i32.const 32) "\10\00\00\00\02\00\00\00")
  ;; 48: result<_, string> ok; 64: result<list<u8>, string> ok(empty)
  (func (export "volley:scenario/lifecycle@0.1.0#options") (result i32) i32.const 32)
  (func (export "volley:scenario/lifecycle@0.1.0#setup") (result i32) i32.const 64)
  (func (export "volley:scenario/lifecycle@0.1.0#vu-init") (param i32 i32) (result i32) i32.const 48)
  (func (export "volley:scenario/lifecycle@0.1.0#iteration") (param i32 i32) (result i32)
    call $random
    drop
    call $exit_group
    i32.const 48)
  (func (export "volley:scenario/lifecycle@0.1.0#teardown") (param i32 i32) (result i32) i32.const 48)
)
"#;
    let mut module = wat::parse_str(wat).expect("fixture WAT");
    let wit_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/wit-0.1");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(&wit_dir).expect("the engine's wit-0.1/");
    let world = resolve
        .select_world(&[package], Some("scenario"))
        .expect("the scenario world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("embed component type");
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("core module")
        .validate(true)
        .encode()
        .expect("encode component");
    let mut add = wasm_metadata::AddMetadata::default();
    add.name = wasm_metadata::AddMetadataField::Set("checkout-flow".into());
    add.version =
        wasm_metadata::AddMetadataField::Set(wasm_metadata::Version::new(version.to_string()));
    add.description = wasm_metadata::AddMetadataField::Set(wasm_metadata::Description::new(
        "Browses the shop and checks out",
    ));
    add.authors = wasm_metadata::AddMetadataField::Set(wasm_metadata::Authors::new(
        "Ada Lovelace <ada@example.com>",
    ));
    add.licenses = wasm_metadata::AddMetadataField::Set(
        wasm_metadata::Licenses::new("Apache-2.0").expect("SPDX"),
    );
    add.source = wasm_metadata::AddMetadataField::Set(
        wasm_metadata::Source::new("https://github.com/example/checkout").expect("URL"),
    );
    add.revision = wasm_metadata::AddMetadataField::Set(wasm_metadata::Revision::new("abc1234"));
    let component = add.to_wasm(&component).expect("add metadata");
    wasmparser::Validator::new()
        .validate_all(&component)
        .expect("the fixture is a valid component");
    component
}
