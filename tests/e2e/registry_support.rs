//! A real OCI registry for the marketplace tests: Debian's `docker-registry`
//! (the CNCF distribution registry) on 127.0.0.1, from a config file and a
//! temporary storage directory, open or with htpasswd basic auth; and the
//! other Debian tools the tests use (htpasswd, minisign). A missing tool
//! fails the test with the apt-get line that installs it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::support::tempdir;

/// How to get every tool these tests run.
pub const INSTALL: &str =
    "apt-get install -y docker-registry apache2-utils minisign (scripts/test.sh does this)";

/// Fails the test, naming the fix, when `tool` is not on PATH.
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()));
    assert!(found, "`{tool}` is not installed: {INSTALL}");
}

/// Runs a tool to completion with a time limit.
pub fn run_tool(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; {INSTALL}"));
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for tool").is_some() {
            return child.wait_with_output().expect("tool output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("tool output");
            panic!("{cmd:?} ran longer than {limit:?}: {out:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `docker-registry serve` child on a free port of 127.0.0.1, killed (by
/// its PID, through its handle) when dropped.
pub struct Registry {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    basic: Option<(String, String)>,
}

impl Registry {
    /// An open registry (anonymous pushes and pulls).
    pub fn start() -> Registry {
        Registry::start_with(None)
    }

    /// A registry that requires `user` / `password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        Registry::start_with(Some((user.to_string(), password.to_string())))
    }

    fn start_with(basic: Option<(String, String)>) -> Registry {
        require_tool("docker-registry");
        let dir = tempdir();
        let storage = dir.join("storage");
        std::fs::create_dir_all(&storage).expect("registry storage");
        let auth = match &basic {
            None => String::new(),
            Some((user, password)) => {
                require_tool("htpasswd");
                let out = run_tool(
                    Command::new("htpasswd").args(["-Bbn", user, password]),
                    Duration::from_secs(30),
                );
                assert!(out.status.success(), "htpasswd: {out:?}");
                let file = dir.join("htpasswd");
                std::fs::write(&file, &out.stdout).expect("write htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: volley-e2e\n    path: {}\n",
                    file.display()
                )
            }
        };
        let mut log = String::new();
        // Another process may take the port between the probe and the
        // registry's bind: a few attempts.
        for _ in 0..3 {
            let port = free_port();
            let config = dir.join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: 127.0.0.1:{port}\n{auth}",
                    storage.display()
                ),
            )
            .expect("write registry config");
            let log_path = dir.join("registry.log");
            let log_file = std::fs::File::create(&log_path).expect("registry log");
            let mut child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start docker-registry: {e}; {INSTALL}"));
            if ready(&mut child, port) {
                return Registry {
                    child: Some(child),
                    port,
                    dir,
                    basic,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            log = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("docker-registry did not start; its log:\n{log}");
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `oci://127.0.0.1:PORT/<path>`.
    pub fn reference(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host())
    }

    /// Stops the registry now (as a registry that went down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Where the registry keeps the blob with `digest` (`sha256:...`).
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        self.dir
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// An independent look at the registry's v2 API: a plain HTTP GET
    /// (with the registry's credentials, if it has any).
    pub fn get(&self, path: &str, accept: &str) -> Response {
        http_get(self.port, path, Some(accept), self.basic.as_ref())
            .unwrap_or_else(|e| panic!("GET {path} from the test registry: {e}"))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ready(child: &mut Child, port: u16) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(r) = http_get(port, "/v2/", None, None)
            && (r.status == 200 || r.status == 401)
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// HTTP/1.1 GET with `Connection: close`, the body read to the end of the
/// stream; every step bounded by 5 s.
fn http_get(
    port: u16,
    path: &str,
    accept: Option<&str>,
    basic: Option<&(String, String)>,
) -> std::io::Result<Response> {
    let limit = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(accept) = accept {
        request.push_str(&format!("Accept: {accept}\r\n"));
    }
    if let Some((user, password)) = basic {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let bad = || std::io::Error::other("bad chunked body");
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad())?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or_else(bad)?);
        raw = raw.get(size + 2..).ok_or_else(bad)?;
    }
}

/// A minisign key pair made by the minisign tool itself, without a
/// password: `(secret key file, public key file)`.
pub fn minisign_keys(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    require_tool("minisign");
    let secret = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    let out = run_tool(
        Command::new("minisign")
            .arg("-G")
            .arg("-W")
            .arg("-s")
            .arg(&secret)
            .arg("-p")
            .arg(&public),
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "minisign -G: {out:?}");
    (secret, public)
}

/// Flips one byte in the middle of a file, keeping its size.
pub fn tamper(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
