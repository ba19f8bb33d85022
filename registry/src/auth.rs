//! Registry credentials: explicit user and password, the user's docker
//! `config.json`, a bearer token, or none.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::error::{Error, Result};

/// How to authenticate to a registry.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials (public repositories, open private registries).
    #[default]
    Anonymous,
    /// HTTP basic authentication. Registries with token auth (GHCR, Docker
    /// Hub) exchange these for a bearer token by themselves.
    Basic {
        /// User name.
        username: String,
        /// Password or access token.
        password: String,
    },
    /// A ready-made bearer token, sent as is.
    Bearer(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl Credentials {
    /// The credentials the engine uses for `registry`, in this order:
    /// `username` with `password` (`--registry-user` and
    /// `VOLLEY_REGISTRY_PASSWORD`); else the docker config's entry for the
    /// registry ([`Credentials::from_docker_config`]); else anonymous.
    ///
    /// A user without a password is an error (the fix is named); a password
    /// without a user too.
    pub fn resolve(
        registry: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<Credentials> {
        match (username, password) {
            (Some(u), Some(p)) => Ok(Credentials::Basic {
                username: u.to_string(),
                password: p.to_string(),
            }),
            (Some(u), None) => Err(Error::IncompleteCredentials(format!(
                "--registry-user {u} was given for {registry} without a password; \
                 set VOLLEY_REGISTRY_PASSWORD"
            ))),
            (None, Some(_)) => Err(Error::IncompleteCredentials(format!(
                "VOLLEY_REGISTRY_PASSWORD is set but no user for {registry}; pass --registry-user"
            ))),
            (None, None) => Ok(Credentials::from_docker_config(registry)?.unwrap_or_default()),
        }
    }

    /// The credentials stored for `registry` in the user's docker config
    /// (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), from
    /// `auths.<registry>.auth` (base64 `user:password`), `username` and
    /// `password`, or `registrytoken`. `None` when there is no config file
    /// or no entry.
    ///
    /// Credential helpers (`credsStore`, `credHelpers`) are not run: their
    /// credentials are not seen, pass them with `--registry-user` instead.
    pub fn from_docker_config(registry: &str) -> Result<Option<Credentials>> {
        match docker_config_path() {
            Some(path) if path.exists() => Credentials::from_docker_config_file(&path, registry),
            _ => Ok(None),
        }
    }

    /// Like [`Credentials::from_docker_config`], from a given file.
    pub fn from_docker_config_file(path: &Path, registry: &str) -> Result<Option<Credentials>> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        let bad = |reason: String| Error::DockerConfig {
            path: path.to_path_buf(),
            reason,
        };
        let config: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON ({e})")))?;
        let Some(auths) = config.get("auths").and_then(|a| a.as_object()) else {
            return Ok(None);
        };
        let wanted = canonical_host(registry);
        let Some((key, entry)) = auths.iter().find(|(k, _)| canonical_host(k) == wanted) else {
            return Ok(None);
        };
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        };
        if let Some(auth) = field("auth") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| bad(format!("auths.\"{key}\".auth is not base64")))?;
            let decoded = String::from_utf8(decoded)
                .map_err(|_| bad(format!("auths.\"{key}\".auth is not UTF-8")))?;
            let Some((username, password)) = decoded.split_once(':') else {
                return Err(bad(format!(
                    "auths.\"{key}\".auth is not `user:password` in base64"
                )));
            };
            return Ok(Some(Credentials::Basic {
                username: username.to_string(),
                password: password.to_string(),
            }));
        }
        if let (Some(username), Some(password)) = (field("username"), field("password")) {
            return Ok(Some(Credentials::Basic {
                username: username.to_string(),
                password: password.to_string(),
            }));
        }
        if let Some(token) = field("registrytoken") {
            return Ok(Some(Credentials::Bearer(token.to_string())));
        }
        Ok(None)
    }

    pub(crate) fn to_oci(&self) -> oci_client::secrets::RegistryAuth {
        use oci_client::secrets::RegistryAuth;
        match self {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { username, password } => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
            Credentials::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        }
    }

    /// Says which credentials were used, for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Credentials::Anonymous => "no credentials were sent; pass --registry-user with \
                 VOLLEY_REGISTRY_PASSWORD, or log in with `docker login` (credential \
                 helpers are not read)"
                .to_string(),
            Credentials::Basic { username, .. } => format!(
                "the password for user `{username}` was rejected; check --registry-user \
                 and VOLLEY_REGISTRY_PASSWORD (or the docker config.json entry), and that \
                 this user may access the repository"
            ),
            Credentials::Bearer(_) => {
                "the bearer token was rejected; it may have expired or lack this scope".to_string()
            }
        }
    }
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// A registry key of a docker config (`https://index.docker.io/v1/`,
/// `ghcr.io`, `http://host:5000`) reduced to `host[:port]`, with Docker Hub's
/// aliases made one.
fn canonical_host(key: &str) -> String {
    let key = key.trim();
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key).to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => host,
    }
}

/// Whether Volley may speak plain HTTP to `registry` (`host[:port]`): only
/// to loopback registries (127.0.0.0/8, ::1, `localhost`) and to those the
/// user listed with `--insecure-registry` (matched as `host:port`, or as
/// `host` for any port). Everything else is HTTPS.
pub fn allows_plain_http(registry: &str, insecure: &[String]) -> bool {
    let host = crate::reference::split_host_port(registry).0;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback
        || insecure
            .iter()
            .any(|i| i.eq_ignore_ascii_case(registry) || i.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_policy() {
        assert!(allows_plain_http("127.0.0.1:5000", &[]));
        assert!(allows_plain_http("127.8.9.10", &[]));
        assert!(allows_plain_http("localhost:5000", &[]));
        assert!(allows_plain_http("[::1]:5000", &[]));
        assert!(!allows_plain_http("10.0.0.5:5000", &[]));
        assert!(!allows_plain_http("ghcr.io", &[]));
        assert!(!allows_plain_http("128.0.0.1:5000", &[]));
        let insecure = vec!["registry.lan:5000".to_string(), "build-box".to_string()];
        assert!(allows_plain_http("registry.lan:5000", &insecure));
        assert!(!allows_plain_http("registry.lan:5001", &insecure));
        assert!(allows_plain_http("build-box:8080", &insecure));
    }

    #[test]
    fn reads_docker_config_entries() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let path = dir.path().join("config.json");
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:s3cr:et");
        let config = serde_json::json!({
            "auths": {
                "https://index.docker.io/v1/": { "auth": b64 },
                "http://127.0.0.1:5000": { "username": "bob", "password": "pw" },
                "tokens.example.com": { "registrytoken": "tok" },
                "empty.example.com": {}
            },
            "credsStore": "desktop"
        });
        std::fs::write(&path, config.to_string()).map_err(|e| Error::io("write", &path, e))?;
        let get = |r: &str| Credentials::from_docker_config_file(&path, r);
        assert_eq!(
            get("docker.io")?,
            Some(Credentials::Basic {
                username: "alice".into(),
                password: "s3cr:et".into()
            })
        );
        assert_eq!(
            get("127.0.0.1:5000")?,
            Some(Credentials::Basic {
                username: "bob".into(),
                password: "pw".into()
            })
        );
        assert_eq!(
            get("tokens.example.com")?,
            Some(Credentials::Bearer("tok".into()))
        );
        assert_eq!(get("empty.example.com")?, None);
        assert_eq!(get("ghcr.io")?, None);
        std::fs::write(&path, r#"{"auths":{"ghcr.io":{"auth":"%%"}}}"#)
            .map_err(|e| Error::io("write", &path, e))?;
        let e = get("ghcr.io").expect_err("bad base64 accepted").to_string();
        assert!(e.contains("not base64"), "{e}");
        Ok(())
    }

    #[test]
    fn explicit_credentials_need_both_halves() -> Result<()> {
        let c = Credentials::resolve("r.example.com", Some("u"), Some("p"))?;
        assert_eq!(
            format!("{c:?}"),
            "Basic { username: \"u\", password: <redacted> }"
        );
        let e = Credentials::resolve("r.example.com", Some("u"), None)
            .expect_err("user without password accepted")
            .to_string();
        assert!(e.contains("VOLLEY_REGISTRY_PASSWORD"), "{e}");
        Ok(())
    }
}
